import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO

/// A comment-mail batch that another worker already took.
struct NotificationBatchStale: Error {}

extension PostgresPaperStore: DiscussionStore {
    // MARK: comments

    /// Columns of a comment `c` joined with its paper `cp` and author `ca` (``commentSource``).
    static let commentColumns = """
        c.id AS comment_id, cp.id AS comment_paper, c.parent AS comment_parent, c.account AS comment_account,
        ca.name AS comment_author, c.body AS comment_body, c.created_at AS comment_created, c.edited_at AS comment_edited,
        c.deleted_at AS comment_deleted, c.hidden_at AS comment_hidden,
        (SELECT cl.author_name FROM author_claim cl WHERE cl.account = c.account AND cl.paper = c.paper AND cl.status = 'approved')
            AS comment_paper_author
        """
    static let commentSource = "comment c JOIN paper cp ON cp.seq = c.paper LEFT JOIN account ca ON ca.id = c.account"

    static func comment(from row: PostgresRandomAccessRow) throws -> Comment? {
        guard let paper = PaperID(try row.get("comment_paper", String.self)) else { return nil }
        return Comment(id: try row.get("comment_id"), paperID: paper, parentID: try row.get("comment_parent"), authorID: try row.get("comment_account"),
                       authorName: try row.get("comment_author"), body: try row.get("comment_body"), createdAt: try row.get("comment_created"),
                       editedAt: try row.get("comment_edited"), deletedAt: try row.get("comment_deleted"), hiddenAt: try row.get("comment_hidden"),
                       paperAuthorName: try row.get("comment_paper_author"))
    }

    static func fetchComment(_ id: CommentID, on connection: PostgresConnection, logger: Logger) async throws -> Comment? {
        try await connection.rows("SELECT \(unescaped: commentColumns) FROM \(unescaped: commentSource) WHERE c.id = \(id)", logger: logger)
            .first.flatMap(comment(from:))
    }

    public func addComment(_ new: NewComment, now: Double) async throws -> (comment: Comment, created: Bool) {
        let logger = self.logger
        return try await database.transaction { connection in
            let seq = try await Self.seq(of: new.paper, on: connection, logger: logger)
            guard let author = try await connection.rows("SELECT suspended_at FROM account WHERE id = \(new.author) FOR SHARE", logger: logger).first,
                  try author.get("suspended_at", Double?.self) == nil else { throw CommunityError.suspended }
            if let parent = new.parent,
               try await connection.rows("SELECT 1 FROM comment WHERE id = \(parent) AND paper = \(seq)", logger: logger).isEmpty {
                throw CommunityError.unknownComment(parent)
            }
            // The unique (account, client_key) index settles a resubmitted form, on one server or several.
            let inserted = try await connection.rows("""
                INSERT INTO comment (paper, parent, account, body, client_key, created_at)
                VALUES (\(seq), \(new.parent), \(new.author), \(new.body), \(new.clientKey), \(now))
                ON CONFLICT DO NOTHING RETURNING id
                """, logger: logger)
            guard let id = try inserted.first?.get("id", CommentID.self) else {
                guard let existing = try await connection.rows(
                    "SELECT id FROM comment WHERE account = \(new.author) AND client_key = \(new.clientKey)", logger: logger).first,
                      let comment = try await Self.fetchComment(try existing.get("id"), on: connection, logger: logger) else {
                    throw StoreError.corrupt("comment of account \(new.author) with a repeated form token not found")
                }
                return (comment, false)
            }
            try await connection.execute("""
                INSERT INTO paper_follow (account, paper, created_at) VALUES (\(new.author), \(seq), \(now)) ON CONFLICT DO NOTHING
                """, logger: logger)
            // Who hears of it, strongest reason first: a person gets one notification per comment (the unique key).
            let wants = "JOIN notification_setting ns ON ns.account = x.account JOIN account xa ON xa.id = x.account AND xa.suspended_at IS NULL"
            if let parent = new.parent {
                try await connection.execute("""
                    INSERT INTO notification (account, comment, reason, created_at)
                    SELECT x.account, \(id), 'reply', \(now) FROM comment x \(unescaped: wants)
                    WHERE x.id = \(parent) AND ns.replies AND x.account <> \(new.author) ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            let mentioned = Array(new.mentions.prefix(20)).map { $0.lowercased() }
            if !mentioned.isEmpty {
                try await connection.execute("""
                    INSERT INTO notification (account, comment, reason, created_at)
                    SELECT x.account, \(id), 'mention', \(now) FROM (SELECT id AS account FROM account WHERE lower(name) = ANY(\(mentioned))) x
                    \(unescaped: wants) WHERE ns.mentions AND x.account <> \(new.author) ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            try await connection.execute("""
                INSERT INTO notification (account, comment, reason, created_at)
                SELECT DISTINCT x.account, \(id), 'own-paper', \(now) FROM author_claim x \(unescaped: wants)
                WHERE x.paper = \(seq) AND x.status = 'approved' AND ns.paper_comments AND x.account <> \(new.author) ON CONFLICT DO NOTHING
                """, logger: logger)
            try await connection.execute("""
                INSERT INTO notification (account, comment, reason, created_at)
                SELECT x.account, \(id), 'followed-paper', \(now) FROM paper_follow x \(unescaped: wants)
                WHERE x.paper = \(seq) AND ns.paper_comments AND x.account <> \(new.author) ON CONFLICT DO NOTHING
                """, logger: logger)
            guard let comment = try await Self.fetchComment(id, on: connection, logger: logger) else {
                throw StoreError.corrupt("comment \(id) vanished after it was written")
            }
            return (comment, true)
        }
    }

    public func comment(_ id: CommentID) async throws -> Comment? {
        try await database.row("SELECT \(unescaped: Self.commentColumns) FROM \(unescaped: Self.commentSource) WHERE c.id = \(id)")
            .flatMap(Self.comment(from:))
    }

    public func comments(on paper: PaperID) async throws -> [Comment] {
        try await database.rows("""
            SELECT \(unescaped: Self.commentColumns) FROM \(unescaped: Self.commentSource) WHERE cp.id = \(paper.rawValue) ORDER BY c.id
            """).compactMap(Self.comment(from:))
    }

    public func comments(by account: AccountID, limit: Int) async throws -> [Comment] {
        try await database.rows("""
            SELECT \(unescaped: Self.commentColumns) FROM \(unescaped: Self.commentSource) WHERE c.account = \(account) ORDER BY c.id DESC LIMIT \(limit)
            """).compactMap(Self.comment(from:))
    }

    public func editComment(_ id: CommentID, author: AccountID, body: String, now: Double) async throws -> Comment? {
        let changed = try await database.rows("""
            UPDATE comment SET body = \(body), edited_at = \(now)
            WHERE id = \(id) AND account = \(author) AND deleted_at IS NULL AND hidden_at IS NULL RETURNING id
            """)
        return changed.isEmpty ? nil : try await comment(id)
    }

    public func deleteComment(_ id: CommentID, author: AccountID, now: Double) async throws -> Bool {
        try await !database.rows("""
            UPDATE comment SET body = '', deleted_at = \(now) WHERE id = \(id) AND account = \(author) AND deleted_at IS NULL RETURNING id
            """).isEmpty
    }

    // MARK: moderation

    static func audit(_ connection: PostgresConnection, logger: Logger, actor: AccountID?, action: String, subject: String, detail: String,
                      now: Double) async throws {
        try await connection.execute("""
            INSERT INTO audit_log (actor, action, subject, detail, created_at) VALUES (\(actor), \(action), \(subject), \(detail), \(now))
            """, logger: logger)
    }

    public func reportComment(_ id: CommentID, reporter: AccountID, reason: String, now: Double) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            guard try await !connection.rows("SELECT 1 FROM comment WHERE id = \(id)", logger: logger).isEmpty else {
                throw CommunityError.unknownComment(id)
            }
            return try await !connection.rows("""
                INSERT INTO comment_report (comment, account, reason, created_at) VALUES (\(id), \(reporter), \(reason), \(now))
                ON CONFLICT DO NOTHING RETURNING comment
                """, logger: logger).isEmpty
        }
    }

    public func openReports(limit: Int) async throws -> [ReportedComment] {
        let rows = try await database.rows("""
            SELECT r.comment, count(*)::bigint AS n, min(r.created_at) AS first, array_agg(r.reason ORDER BY r.created_at) AS reasons
            FROM comment_report r WHERE r.resolved_at IS NULL
            GROUP BY r.comment ORDER BY n DESC, first LIMIT \(limit)
            """)
        var result: [ReportedComment] = []
        for row in rows {
            guard let comment = try await comment(try row.get("comment", CommentID.self)) else { continue }
            result.append(ReportedComment(comment: comment, reportCount: Int(try row.get("n", Int64.self)), reasons: try row.get("reasons"),
                                          firstReportedAt: try row.get("first")))
        }
        return result
    }

    public func setCommentHidden(_ id: CommentID, hidden: Bool, actor: AccountID?, reason: String, now: Double) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            let hiddenAt: Double? = hidden ? now : nil
            guard try await !connection.rows("UPDATE comment SET hidden_at = \(hiddenAt) WHERE id = \(id) RETURNING id", logger: logger).isEmpty else {
                return false
            }
            try await connection.execute("UPDATE comment_report SET resolved_at = \(now) WHERE comment = \(id) AND resolved_at IS NULL", logger: logger)
            try await Self.audit(connection, logger: logger, actor: actor, action: hidden ? "hide-comment" : "show-comment", subject: "comment \(id)",
                                 detail: reason, now: now)
            return true
        }
    }

    public func dismissReports(_ id: CommentID, actor: AccountID?, now: Double) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            guard try await !connection.rows("""
                UPDATE comment_report SET resolved_at = \(now) WHERE comment = \(id) AND resolved_at IS NULL RETURNING comment
                """, logger: logger).isEmpty else { return false }
            try await Self.audit(connection, logger: logger, actor: actor, action: "dismiss-reports", subject: "comment \(id)", detail: "", now: now)
            return true
        }
    }

    public func setAdmin(named name: String, admin: Bool, actor: AccountID?, now: Double) async throws -> Account? {
        let logger = self.logger
        return try await database.transaction { connection in
            let role = admin ? "admin" : "member"
            guard let row = try await connection.rows("""
                UPDATE account a SET role = \(role) WHERE lower(a.name) = lower(\(name)) RETURNING \(unescaped: Self.accountColumns)
                """, logger: logger).first else { return nil }
            let account = try Self.account(from: row)
            try await Self.audit(connection, logger: logger, actor: actor, action: admin ? "grant-admin" : "revoke-admin",
                                 subject: "account \(account.id)", detail: "", now: now)
            return account
        }
    }

    public func setSuspended(_ account: AccountID, suspended: Bool, actor: AccountID?, reason: String, now: Double) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            let suspendedAt: Double? = suspended ? now : nil
            guard try await !connection.rows("UPDATE account SET suspended_at = \(suspendedAt) WHERE id = \(account) RETURNING id",
                                             logger: logger).isEmpty else { return false }
            if suspended {
                try await connection.execute("DELETE FROM session WHERE account = \(account)", logger: logger)
                try await connection.execute("DELETE FROM api_token WHERE account = \(account)", logger: logger)
            }
            try await Self.audit(connection, logger: logger, actor: actor, action: suspended ? "suspend-account" : "restore-account",
                                 subject: "account \(account)", detail: reason, now: now)
            return true
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await database.rows("""
            SELECT l.id, a.name, l.action, l.subject, l.detail, l.created_at FROM audit_log l LEFT JOIN account a ON a.id = l.actor
            ORDER BY l.id DESC LIMIT \(limit)
            """).map {
            AuditEntry(id: try $0.get("id"), actorName: try $0.get("name"), action: try $0.get("action"), subject: try $0.get("subject"),
                       detail: try $0.get("detail"), createdAt: try $0.get("created_at"))
        }
    }

    public func account(_ id: AccountID) async throws -> Account? {
        try await database.row("SELECT \(unescaped: Self.accountColumns) FROM account a WHERE a.id = \(id)").map(Self.account(from:))
    }

    // MARK: authorship claims

    static let claimColumns = """
        cl.id, cl.account, a.name AS account_name, p.id AS paper_id, p.title, cl.author_name, cl.status, cl.created_at, cl.decided_at
        """
    static let claimSource = "author_claim cl JOIN account a ON a.id = cl.account JOIN paper p ON p.seq = cl.paper"

    static func claim(from row: PostgresRandomAccessRow) throws -> AuthorClaim? {
        guard let paper = PaperID(try row.get("paper_id", String.self)), let status = ClaimStatus(rawValue: try row.get("status")) else { return nil }
        return AuthorClaim(id: try row.get("id"), accountID: try row.get("account"), accountName: try row.get("account_name"), paperID: paper,
                           paperTitle: try row.get("title"), authorName: try row.get("author_name"), status: status,
                           createdAt: try row.get("created_at"), decidedAt: try row.get("decided_at"))
    }

    public func claimAuthorship(account: AccountID, paper: PaperID, authorName: String, now: Double) async throws -> AuthorClaim {
        let logger = self.logger
        return try await database.transaction { connection in
            guard let row = try await connection.rows("SELECT seq, authors FROM paper WHERE id = \(paper.rawValue)", logger: logger).first else {
                throw CommunityError.unknownPaper(paper)
            }
            let key = AuthorName.key(authorName)
            let authors = (try? JSONDecoder().decode([Author].self, from: Data(try row.get("authors", String.self).utf8))) ?? []
            guard !key.isEmpty, let author = authors.first(where: { AuthorName.key($0.name) == key }) else {
                throw CommunityError.notAnAuthor(authorName)
            }
            let seq = try row.get("seq", Int64.self)
            if try await !connection.rows("""
                SELECT 1 FROM author_claim WHERE paper = \(seq) AND (account = \(account) OR (author_key = \(key) AND status = 'approved'))
                """, logger: logger).isEmpty {
                throw CommunityError.claimExists
            }
            guard let inserted = try await connection.rows("""
                INSERT INTO author_claim (account, paper, author_name, author_key, status, created_at)
                VALUES (\(account), \(seq), \(author.name), \(key), 'pending', \(now)) ON CONFLICT DO NOTHING RETURNING id
                """, logger: logger).first else { throw CommunityError.claimExists }
            let id = try inserted.get("id", ClaimID.self)
            guard let claim = try await connection.rows("SELECT \(unescaped: Self.claimColumns) FROM \(unescaped: Self.claimSource) WHERE cl.id = \(id)",
                                                        logger: logger).first.flatMap(Self.claim(from:)) else {
                throw StoreError.corrupt("claim \(id) vanished after it was written")
            }
            return claim
        }
    }

    public func claims(status: ClaimStatus?, account: AccountID?, limit: Int) async throws -> [AuthorClaim] {
        let statusText = status?.rawValue
        return try await database.rows("""
            SELECT \(unescaped: Self.claimColumns) FROM \(unescaped: Self.claimSource)
            WHERE (\(statusText)::text IS NULL OR cl.status = \(statusText)) AND (\(account)::bigint IS NULL OR cl.account = \(account))
            ORDER BY cl.id DESC LIMIT \(limit)
            """).compactMap(Self.claim(from:))
    }

    public func decideClaim(_ id: ClaimID, approve: Bool, actor: AccountID?, now: Double) async throws -> AuthorClaim? {
        let logger = self.logger
        return try await database.transaction { connection in
            guard let pending = try await connection.rows("""
                SELECT paper, author_key FROM author_claim WHERE id = \(id) AND status = 'pending' FOR UPDATE
                """, logger: logger).first else { return nil }
            if approve, try await !connection.rows("""
                SELECT 1 FROM author_claim WHERE paper = \(try pending.get("paper", Int64.self)) AND author_key = \(try pending.get("author_key", String.self))
                AND status = 'approved'
                """, logger: logger).isEmpty {
                throw CommunityError.claimExists
            }
            let status = approve ? "approved" : "refused"
            try await connection.execute("UPDATE author_claim SET status = \(status), decided_at = \(now) WHERE id = \(id)", logger: logger)
            try await Self.audit(connection, logger: logger, actor: actor, action: approve ? "approve-claim" : "refuse-claim", subject: "claim \(id)",
                                 detail: "", now: now)
            return try await connection.rows("SELECT \(unescaped: Self.claimColumns) FROM \(unescaped: Self.claimSource) WHERE cl.id = \(id)",
                                             logger: logger).first.flatMap(Self.claim(from:))
        }
    }

    // MARK: follows and notifications

    public func setPaperFollow(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws {
        try await setAccountPaperRow(in: "paper_follow", account: account, paper: paper, on: on, now: now)
    }

    public func followsPaper(account: AccountID, paper: PaperID) async throws -> Bool {
        try await database.row("""
            SELECT 1 FROM paper_follow f JOIN paper p ON p.seq = f.paper WHERE f.account = \(account) AND p.id = \(paper.rawValue)
            """) != nil
    }

    public func notificationSettings(account: AccountID) async throws -> NotificationSettings {
        try await database.row("SELECT replies, mentions, paper_comments FROM notification_setting WHERE account = \(account)").map {
            NotificationSettings(replies: try $0.get("replies"), mentions: try $0.get("mentions"), paperComments: try $0.get("paper_comments"))
        } ?? NotificationSettings()
    }

    public func setNotificationSettings(account: AccountID, _ settings: NotificationSettings) async throws {
        try await database.execute("""
            INSERT INTO notification_setting (account, replies, mentions, paper_comments)
            VALUES (\(account), \(settings.replies), \(settings.mentions), \(settings.paperComments))
            ON CONFLICT (account) DO UPDATE SET replies = excluded.replies, mentions = excluded.mentions, paper_comments = excluded.paper_comments
            """)
    }

    public func pendingNotifications(limit: Int) async throws -> [PendingNotification] {
        try await database.rows("""
            SELECT n.id AS notification_id, n.account, na.name AS recipient, na.email, n.reason, n.created_at, cp.title AS paper_title,
                   \(unescaped: Self.commentColumns)
            FROM notification n JOIN account na ON na.id = n.account JOIN comment c ON c.id = n.comment JOIN paper cp ON cp.seq = c.paper LEFT JOIN account ca ON ca.id = c.account
            WHERE n.sent_at IS NULL AND c.deleted_at IS NULL AND c.hidden_at IS NULL AND na.suspended_at IS NULL
            ORDER BY n.id LIMIT \(limit)
            """).compactMap { row in
            guard let comment = try Self.comment(from: row), let reason = NotificationReason(rawValue: try row.get("reason")) else { return nil }
            return PendingNotification(id: try row.get("notification_id"), account: try row.get("account"), accountName: try row.get("recipient"),
                                       email: try row.get("email"), comment: comment, paperTitle: try row.get("paper_title"), reason: reason,
                                       createdAt: try row.get("created_at"))
        }
    }

    public func markNotificationsSent(_ ids: [Int64], now: Double) async throws {
        guard !ids.isEmpty else { return }
        try await database.execute("UPDATE notification SET sent_at = \(now) WHERE sent_at IS NULL AND id = ANY(\(ids))")
    }

    /// Outbox rows of comment mail (`o`) whose account still wants it: not suspended, some comment mail turned on.
    static let commentMailWanted = """
        EXISTS (SELECT 1 FROM account oa JOIN notification_setting ons ON ons.account = oa.id
                WHERE oa.id = o.account AND oa.suspended_at IS NULL AND (ons.replies OR ons.mentions OR ons.paper_comments))
        """

    public func enqueueNotificationMail(_ mail: NotificationMail) async throws -> Bool {
        guard !mail.notifications.isEmpty else { return false }
        let logger = self.logger
        do {
            return try await database.transaction { connection in
                let marked = try await connection.rows("""
                    UPDATE notification SET sent_at = \(mail.createdAt)
                    WHERE sent_at IS NULL AND account = \(mail.account) AND id = ANY(\(mail.notifications)) RETURNING id
                    """, logger: logger)
                // Someone else mailed some of them: this batch is stale. Throwing rolls the marks back.
                guard marked.count == mail.notifications.count else { throw NotificationBatchStale() }
                try await connection.execute("""
                    INSERT INTO outbox (account, kind, period, recipient, message_id, message, paper_count, status, next_attempt_at, created_at)
                    VALUES (\(mail.account), 'notification', \(mail.period), \(mail.recipient), \(mail.messageID), \(Data(mail.message)),
                            \(mail.notifications.count), 'queued', \(mail.createdAt), \(mail.createdAt))
                    """, logger: logger)
                return true
            }
        } catch is NotificationBatchStale {
            return false
        }
    }

    // MARK: the account's own controls

    public func setPassword(account: AccountID, passwordHash: String, keepingSession: [UInt8]?) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            try await connection.execute("UPDATE account SET password_hash = \(passwordHash) WHERE id = \(account)", logger: logger)
            let kept = keepingSession.map { Data($0) }
            try await connection.execute("""
                DELETE FROM session WHERE account = \(account) AND token_hash IS DISTINCT FROM \(kept)
                """, logger: logger)
        }
    }

    public func passwordHash(account: AccountID) async throws -> String? {
        try await database.row("SELECT password_hash FROM account WHERE id = \(account)").map { try $0.get("password_hash", String.self) }
    }

    public func setEmail(account: AccountID, email: String) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            if try await !connection.rows("SELECT 1 FROM account WHERE lower(email) = lower(\(email)) AND id <> \(account)", logger: logger).isEmpty {
                throw CommunityError.emailTaken
            }
            try await connection.execute("UPDATE account SET email = \(email) WHERE id = \(account)", logger: logger)
        }
    }

    public func deleteAccount(_ account: AccountID, removeContributions: Bool, now: Double) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            guard let row = try await connection.rows("SELECT name, email FROM account WHERE id = \(account) FOR UPDATE", logger: logger).first else {
                return false
            }
            let email = try row.get("email", String.self)
            let name = try row.get("name", String.self)
            if removeContributions {
                // A comment others answered stays as a "deleted" line above the answers; the rest goes.
                try await connection.execute("""
                    UPDATE comment SET body = '', deleted_at = coalesce(deleted_at, \(now))
                    WHERE account = \(account) AND id IN (SELECT parent FROM comment WHERE parent IS NOT NULL)
                    """, logger: logger)
                try await connection.execute("""
                    DELETE FROM comment WHERE account = \(account) AND id NOT IN (SELECT parent FROM comment WHERE parent IS NOT NULL)
                    """, logger: logger)
            } else {
                try await connection.execute("""
                    INSERT INTO anonymous_vote (paper, votes) SELECT paper, 1 FROM vote WHERE account = \(account)
                    ON CONFLICT (paper) DO UPDATE SET votes = anonymous_vote.votes + 1
                    """, logger: logger)
            }
            try await connection.execute("UPDATE comment SET client_key = NULL WHERE account = \(account)", logger: logger)
            try await connection.execute("DELETE FROM subscription WHERE account = \(account) OR lower(email) = lower(\(email))", logger: logger)
            // Shared rate-limit buckets keyed by the name (failed log-ins) would still name the person.
            try await connection.execute("DELETE FROM rate_limit WHERE key LIKE '%|' || lower(\(name))", logger: logger)
            // Everything else that names the account goes with it (ON DELETE CASCADE), and what stays — anonymous
            // comments, audit lines — loses the link (ON DELETE SET NULL).
            try await connection.execute("DELETE FROM account WHERE id = \(account)", logger: logger)
            return true
        }
    }

    // MARK: author pages

    public func authorPapers(named name: String, viewer: AccountID?, limit: Int, offset: Int) async throws -> (total: Int, papers: [RankedPaper]) {
        let reader = try await keywordReader()
        guard let wanted = KeywordIndexMaintenance.authorTerms(name) else { return (0, []) }
        let candidates = reader.rows(containingAll: Array(wanted)).map { Int64($0) }
        guard !candidates.isEmpty else { return (0, []) }
        let rows: [KeywordIndexMaintenance.AuthorPageRow] = try await database.rows(
            "SELECT seq, id, day, authors FROM paper WHERE seq = ANY(\(candidates))").map {
            (seq: try $0.get("seq"), id: try $0.get("id"), day: try $0.get("day"), authorsJSON: try $0.get("authors"))
        }
        let ids = KeywordIndexMaintenance.papers(byAuthor: name, rows: rows)
        let page = Array(ids.dropFirst(offset).prefix(limit))
        return (ids.count, try await rankedPapers(page, viewer: viewer))
    }
}
