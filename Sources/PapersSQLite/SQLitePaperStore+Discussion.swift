import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore {
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

    static func comment(from row: Row) -> Comment? {
        guard let paper = PaperID(row["comment_paper"] as String) else { return nil }
        return Comment(id: row["comment_id"], paperID: paper, parentID: row["comment_parent"], authorID: row["comment_account"],
                       authorName: row["comment_author"], body: row["comment_body"], createdAt: row["comment_created"],
                       editedAt: row["comment_edited"], deletedAt: row["comment_deleted"], hiddenAt: row["comment_hidden"],
                       paperAuthorName: row["comment_paper_author"])
    }

    static func fetchComment(_ id: CommentID, in db: Database) throws -> Comment? {
        try Row.fetchOne(db, sql: "SELECT \(commentColumns) FROM \(commentSource) WHERE c.id = ?", arguments: [id]).flatMap(comment(from:))
    }

    public func addComment(_ new: NewComment, now: Double) async throws -> (comment: Comment, created: Bool) {
        try await write { db in
            let seq = try Self.seq(of: new.paper, in: db)
            guard let author = try Row.fetchOne(db, sql: "SELECT suspended_at FROM account WHERE id = ?", arguments: [new.author]) else {
                throw CommunityError.suspended
            }
            if (author["suspended_at"] as Double?) != nil { throw CommunityError.suspended }
            if let key = new.clientKey,
               let existing = try CommentID.fetchOne(db, sql: "SELECT id FROM comment WHERE account = ? AND client_key = ?", arguments: [new.author, key]),
               let comment = try Self.fetchComment(existing, in: db) {
                return (comment, false)
            }
            if let parent = new.parent,
               try Bool.fetchOne(db, sql: "SELECT 1 FROM comment WHERE id = ? AND paper = ?", arguments: [parent, seq]) != true {
                throw CommunityError.unknownComment(parent)
            }
            try db.execute(sql: """
                INSERT INTO comment (paper, parent, account, body, client_key, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [seq, new.parent, new.author, new.body, new.clientKey, now])
            let id = CommentID(rawValue: db.lastInsertedRowID)
            try db.execute(sql: "INSERT OR IGNORE INTO paper_follow (account, paper, created_at) VALUES (?, ?, ?)", arguments: [new.author, seq, now])
            // Who hears of it, strongest reason first: a person gets one notification per comment (the unique key).
            let notify = "INSERT OR IGNORE INTO notification (account, comment, reason, created_at)"
            let wants = "JOIN notification_setting ns ON ns.account = x.account JOIN account xa ON xa.id = x.account AND xa.suspended_at IS NULL"
            if let parent = new.parent {
                try db.execute(sql: """
                    \(notify) SELECT x.account, ?, 'reply', ? FROM comment x \(wants) WHERE x.id = ? AND ns.replies AND x.account <> ?
                    """, arguments: [id, now, parent, new.author])
            }
            for name in new.mentions.prefix(20) {
                try db.execute(sql: """
                    \(notify) SELECT x.account, ?, 'mention', ? FROM (SELECT id AS account FROM account WHERE name = ?) x \(wants)
                    WHERE ns.mentions AND x.account <> ?
                    """, arguments: [id, now, name, new.author])
            }
            try db.execute(sql: """
                \(notify) SELECT DISTINCT x.account, ?, 'own-paper', ? FROM author_claim x \(wants)
                WHERE x.paper = ? AND x.status = 'approved' AND ns.paper_comments AND x.account <> ?
                """, arguments: [id, now, seq, new.author])
            try db.execute(sql: """
                \(notify) SELECT x.account, ?, 'followed-paper', ? FROM paper_follow x \(wants)
                WHERE x.paper = ? AND ns.paper_comments AND x.account <> ?
                """, arguments: [id, now, seq, new.author])
            guard let comment = try Self.fetchComment(id, in: db) else { throw StoreError.corrupt("comment \(id) vanished after it was written") }
            return (comment, true)
        }
    }

    public func comment(_ id: CommentID) async throws -> Comment? {
        try await pool.read { db in try Self.fetchComment(id, in: db) }
    }

    public func comments(on paper: PaperID) async throws -> [Comment] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.commentColumns) FROM \(Self.commentSource) WHERE cp.id = ? ORDER BY c.id",
                             arguments: [paper.rawValue]).compactMap(Self.comment(from:))
        }
    }

    public func comments(by account: AccountID, limit: Int) async throws -> [Comment] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.commentColumns) FROM \(Self.commentSource) WHERE c.account = ? ORDER BY c.id DESC LIMIT ?",
                             arguments: [account, limit]).compactMap(Self.comment(from:))
        }
    }

    public func editComment(_ id: CommentID, author: AccountID, body: String, now: Double) async throws -> Comment? {
        try await write { db in
            try db.execute(sql: """
                UPDATE comment SET body = ?, edited_at = ? WHERE id = ? AND account = ? AND deleted_at IS NULL AND hidden_at IS NULL
                """, arguments: [body, now, id, author])
            return db.changesCount > 0 ? try Self.fetchComment(id, in: db) : nil
        }
    }

    public func deleteComment(_ id: CommentID, author: AccountID, now: Double) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE comment SET body = '', deleted_at = ? WHERE id = ? AND account = ? AND deleted_at IS NULL",
                           arguments: [now, id, author])
            return db.changesCount > 0
        }
    }

    // MARK: moderation

    static func audit(_ db: Database, actor: AccountID?, action: String, subject: String, detail: String, now: Double) throws {
        try db.execute(sql: "INSERT INTO audit_log (actor, action, subject, detail, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [actor, action, subject, detail, now])
    }

    public func reportComment(_ id: CommentID, reporter: AccountID, reason: String, now: Double) async throws -> Bool {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM comment WHERE id = ?", arguments: [id]) == true else {
                throw CommunityError.unknownComment(id)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO comment_report (comment, account, reason, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [id, reporter, reason, now])
            return db.changesCount > 0
        }
    }

    public func openReports(limit: Int) async throws -> [ReportedComment] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.comment, count(*) AS n, min(r.created_at) AS first, json_group_array(r.reason) AS reasons
                FROM (SELECT * FROM comment_report WHERE resolved_at IS NULL ORDER BY created_at) r
                GROUP BY r.comment ORDER BY n DESC, first LIMIT ?
                """, arguments: [limit]).compactMap { row in
                guard let comment = try Self.fetchComment(row["comment"], in: db) else { return nil }
                let reasons = (try? JSONDecoder().decode([String].self, from: Data((row["reasons"] as String).utf8))) ?? []
                return ReportedComment(comment: comment, reportCount: row["n"], reasons: reasons, firstReportedAt: row["first"])
            }
        }
    }

    public func setCommentHidden(_ id: CommentID, hidden: Bool, actor: AccountID?, reason: String, now: Double) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE comment SET hidden_at = ? WHERE id = ?", arguments: [hidden ? now : nil, id])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE comment_report SET resolved_at = ? WHERE comment = ? AND resolved_at IS NULL", arguments: [now, id])
            try Self.audit(db, actor: actor, action: hidden ? "hide-comment" : "show-comment", subject: "comment \(id)", detail: reason, now: now)
            return true
        }
    }

    public func dismissReports(_ id: CommentID, actor: AccountID?, now: Double) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE comment_report SET resolved_at = ? WHERE comment = ? AND resolved_at IS NULL", arguments: [now, id])
            guard db.changesCount > 0 else { return false }
            try Self.audit(db, actor: actor, action: "dismiss-reports", subject: "comment \(id)", detail: "", now: now)
            return true
        }
    }

    public func setAdmin(named name: String, admin: Bool, actor: AccountID?, now: Double) async throws -> Account? {
        try await write { db in
            try db.execute(sql: "UPDATE account SET role = ? WHERE name = ?", arguments: [admin ? "admin" : "member", name])
            guard db.changesCount > 0,
                  let account = try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM account a WHERE a.name = ?", arguments: [name])
                    .map(Self.account(from:)) else { return nil }
            try Self.audit(db, actor: actor, action: admin ? "grant-admin" : "revoke-admin", subject: "account \(account.id)", detail: "", now: now)
            return account
        }
    }

    public func setSuspended(_ account: AccountID, suspended: Bool, actor: AccountID?, reason: String, now: Double) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE account SET suspended_at = ? WHERE id = ?", arguments: [suspended ? now : nil, account])
            guard db.changesCount > 0 else { return false }
            if suspended {
                try db.execute(sql: "DELETE FROM session WHERE account = ?", arguments: [account])
                try db.execute(sql: "DELETE FROM api_token WHERE account = ?", arguments: [account])
            }
            try Self.audit(db, actor: actor, action: suspended ? "suspend-account" : "restore-account", subject: "account \(account)",
                           detail: reason, now: now)
            return true
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.id, a.name, l.action, l.subject, l.detail, l.created_at FROM audit_log l LEFT JOIN account a ON a.id = l.actor
                ORDER BY l.id DESC LIMIT ?
                """, arguments: [limit]).map {
                AuditEntry(id: $0["id"], actorName: $0["name"], action: $0["action"], subject: $0["subject"], detail: $0["detail"],
                           createdAt: $0["created_at"])
            }
        }
    }

    public func account(_ id: AccountID) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM account a WHERE a.id = ?", arguments: [id]).map(Self.account(from:))
        }
    }

    // MARK: authorship claims

    static let claimColumns = """
        cl.id, cl.account, a.name AS account_name, p.id AS paper_id, p.title, cl.author_name, cl.status, cl.created_at, cl.decided_at
        """
    static let claimSource = "author_claim cl JOIN account a ON a.id = cl.account JOIN paper p ON p.seq = cl.paper"

    static func claim(from row: Row) -> AuthorClaim? {
        guard let paper = PaperID(row["paper_id"] as String), let status = ClaimStatus(rawValue: row["status"]) else { return nil }
        return AuthorClaim(id: row["id"], accountID: row["account"], accountName: row["account_name"], paperID: paper, paperTitle: row["title"],
                           authorName: row["author_name"], status: status, createdAt: row["created_at"], decidedAt: row["decided_at"])
    }

    public func claimAuthorship(account: AccountID, paper: PaperID, authorName: String, now: Double) async throws -> AuthorClaim {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, authors FROM paper WHERE id = ?", arguments: [paper.rawValue]) else {
                throw CommunityError.unknownPaper(paper)
            }
            let key = AuthorName.key(authorName)
            let authors = (try? JSONDecoder().decode([Author].self, from: Data((row["authors"] as String).utf8))) ?? []
            guard !key.isEmpty, let author = authors.first(where: { AuthorName.key($0.name) == key }) else {
                throw CommunityError.notAnAuthor(authorName)
            }
            let seq: Int64 = row["seq"]
            if try Bool.fetchOne(db, sql: """
                SELECT 1 FROM author_claim WHERE paper = ? AND (account = ? OR (author_key = ? AND status = 'approved'))
                """, arguments: [seq, account, key]) == true {
                throw CommunityError.claimExists
            }
            try db.execute(sql: """
                INSERT INTO author_claim (account, paper, author_name, author_key, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)
                """, arguments: [account, seq, author.name, key, now])
            let id = db.lastInsertedRowID
            guard let claim = try Row.fetchOne(db, sql: "SELECT \(Self.claimColumns) FROM \(Self.claimSource) WHERE cl.id = ?", arguments: [id])
                .flatMap(Self.claim(from:)) else { throw StoreError.corrupt("claim \(id) vanished after it was written") }
            return claim
        }
    }

    public func claims(status: ClaimStatus?, account: AccountID?, limit: Int) async throws -> [AuthorClaim] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.claimColumns) FROM \(Self.claimSource)
                WHERE (?1 IS NULL OR cl.status = ?1) AND (?2 IS NULL OR cl.account = ?2) ORDER BY cl.id DESC LIMIT ?3
                """, arguments: [status?.rawValue, account, limit]).compactMap(Self.claim(from:))
        }
    }

    public func decideClaim(_ id: ClaimID, approve: Bool, actor: AccountID?, now: Double) async throws -> AuthorClaim? {
        try await write { db in
            guard let pending = try Row.fetchOne(db, sql: "SELECT paper, author_key FROM author_claim WHERE id = ? AND status = 'pending'",
                                                 arguments: [id]) else { return nil }
            if approve, try Bool.fetchOne(db, sql: "SELECT 1 FROM author_claim WHERE paper = ? AND author_key = ? AND status = 'approved'",
                                          arguments: [pending["paper"] as Int64, pending["author_key"] as String]) == true {
                throw CommunityError.claimExists
            }
            try db.execute(sql: "UPDATE author_claim SET status = ?, decided_at = ? WHERE id = ?", arguments: [approve ? "approved" : "refused", now, id])
            try Self.audit(db, actor: actor, action: approve ? "approve-claim" : "refuse-claim", subject: "claim \(id)", detail: "", now: now)
            return try Row.fetchOne(db, sql: "SELECT \(Self.claimColumns) FROM \(Self.claimSource) WHERE cl.id = ?", arguments: [id])
                .flatMap(Self.claim(from:))
        }
    }

    // MARK: follows and notifications

    public func setPaperFollow(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws {
        try await setAccountPaperRow(in: "paper_follow", account: account, paper: paper, on: on, now: now)
    }

    public func followsPaper(account: AccountID, paper: PaperID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM paper_follow f JOIN paper p ON p.seq = f.paper WHERE f.account = ? AND p.id = ?",
                              arguments: [account, paper.rawValue]) == true
        }
    }

    public func notificationSettings(account: AccountID) async throws -> NotificationSettings {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT replies, mentions, paper_comments FROM notification_setting WHERE account = ?", arguments: [account])
                .map { NotificationSettings(replies: $0["replies"], mentions: $0["mentions"], paperComments: $0["paper_comments"]) }
                ?? NotificationSettings()
        }
    }

    public func setNotificationSettings(account: AccountID, _ settings: NotificationSettings) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO notification_setting (account, replies, mentions, paper_comments) VALUES (?, ?, ?, ?)
                ON CONFLICT (account) DO UPDATE SET replies = excluded.replies, mentions = excluded.mentions, paper_comments = excluded.paper_comments
                """, arguments: [account, settings.replies, settings.mentions, settings.paperComments])
        }
    }

    public func pendingNotifications(limit: Int) async throws -> [PendingNotification] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT n.id AS notification_id, n.account, na.name AS recipient, na.email, n.reason, n.created_at, cp.title AS paper_title,
                       \(Self.commentColumns)
                FROM notification n JOIN account na ON na.id = n.account JOIN comment c ON c.id = n.comment JOIN paper cp ON cp.seq = c.paper LEFT JOIN account ca ON ca.id = c.account
                WHERE n.sent_at IS NULL AND c.deleted_at IS NULL AND c.hidden_at IS NULL AND na.suspended_at IS NULL
                ORDER BY n.id LIMIT ?
                """, arguments: [limit]).compactMap { row in
                guard let comment = Self.comment(from: row), let reason = NotificationReason(rawValue: row["reason"]) else { return nil }
                return PendingNotification(id: row["notification_id"], account: row["account"], accountName: row["recipient"], email: row["email"],
                                           comment: comment, paperTitle: row["paper_title"], reason: reason, createdAt: row["created_at"])
            }
        }
    }

    public func markNotificationsSent(_ ids: [Int64], now: Double) async throws {
        guard !ids.isEmpty else { return }
        try await write { db in
            try db.execute(sql: "UPDATE notification SET sent_at = ? WHERE sent_at IS NULL AND id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                           arguments: StatementArguments([now] + ids))
        }
    }

    /// Outbox rows of comment mail (`o`) whose account still wants it: not suspended, some comment mail turned on.
    static let commentMailWanted = """
        EXISTS (SELECT 1 FROM account oa JOIN notification_setting ons ON ons.account = oa.id
                WHERE oa.id = o.account AND oa.suspended_at IS NULL AND (ons.replies OR ons.mentions OR ons.paper_comments))
        """

    public func enqueueNotificationMail(_ mail: NotificationMail) async throws -> Bool {
        guard !mail.notifications.isEmpty else { return false }
        do {
            return try await enqueue(mail)
        } catch is NotificationBatchStale {
            return false
        }
    }

    private func enqueue(_ mail: NotificationMail) async throws -> Bool {
        try await write { db in
            let marks = mail.notifications.map { _ in "?" }.joined(separator: ",")
            try db.execute(sql: "UPDATE notification SET sent_at = ? WHERE sent_at IS NULL AND account = ? AND id IN (\(marks))",
                           arguments: StatementArguments([mail.createdAt, mail.account.rawValue] as [any DatabaseValueConvertible]
                                                         + mail.notifications.map { $0 as any DatabaseValueConvertible }))
            guard db.changesCount == mail.notifications.count else {
                // Someone else mailed some of them: this batch is stale. Throwing rolls the marks back.
                throw NotificationBatchStale()
            }
            try db.execute(sql: """
                INSERT INTO outbox (account, kind, period, recipient, message_id, message, paper_count, status, next_attempt_at, created_at)
                VALUES (?, 'notification', ?, ?, ?, ?, ?, 'queued', ?, ?)
                """, arguments: [mail.account, mail.period, mail.recipient, mail.messageID, Data(mail.message), mail.notifications.count,
                                 mail.createdAt, mail.createdAt])
            return true
        }
    }

    // MARK: the account's own controls

    public func setPassword(account: AccountID, passwordHash: String, keepingSession: [UInt8]?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE account SET password_hash = ? WHERE id = ?", arguments: [passwordHash, account])
            try db.execute(sql: "DELETE FROM session WHERE account = ? AND token_hash IS NOT ?", arguments: [account, keepingSession.map { Data($0) }])
        }
    }

    public func passwordHash(account: AccountID) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT password_hash FROM account WHERE id = ?", arguments: [account]) }
    }

    public func setEmail(account: AccountID, email: String) async throws {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE email = ? AND id <> ?", arguments: [email, account]) == true {
                throw CommunityError.emailTaken
            }
            try db.execute(sql: "UPDATE account SET email = ? WHERE id = ?", arguments: [email, account])
        }
    }

    public func deleteAccount(_ account: AccountID, removeContributions: Bool, now: Double) async throws -> Bool {
        try await write { db in
            guard let email = try String.fetchOne(db, sql: "SELECT email FROM account WHERE id = ?", arguments: [account]) else { return false }
            if removeContributions {
                // A comment others answered stays as a "deleted" line above the answers; the rest goes.
                try db.execute(sql: """
                    UPDATE comment SET body = '', deleted_at = coalesce(deleted_at, ?)
                    WHERE account = ? AND id IN (SELECT parent FROM comment WHERE parent IS NOT NULL)
                    """, arguments: [now, account])
                try db.execute(sql: "DELETE FROM comment WHERE account = ? AND id NOT IN (SELECT parent FROM comment WHERE parent IS NOT NULL)",
                               arguments: [account])
            } else {
                try db.execute(sql: """
                    INSERT INTO anonymous_vote (paper, votes) SELECT paper, 1 FROM vote WHERE account = ? AND true
                    ON CONFLICT (paper) DO UPDATE SET votes = votes + 1
                    """, arguments: [account])
            }
            try db.execute(sql: "UPDATE comment SET client_key = NULL WHERE account = ?", arguments: [account])
            try db.execute(sql: "DELETE FROM subscription WHERE account = ? OR email = ? COLLATE NOCASE", arguments: [account, email])
            // Everything else that names the account goes with it (ON DELETE CASCADE), and what stays — anonymous
            // comments, audit lines — loses the link (ON DELETE SET NULL).
            try db.execute(sql: "DELETE FROM account WHERE id = ?", arguments: [account])
            return true
        }
    }

    // MARK: author pages

    public func authorPapers(named name: String, viewer: AccountID?, limit: Int, offset: Int) async throws -> (total: Int, papers: [RankedPaper]) {
        let reader = try await keywordIndex.current(pool)
        guard let wanted = KeywordIndexMaintenance.authorTerms(name) else { return (0, []) }
        let candidates = Array(reader.rows(containingAll: Array(wanted)))
        let rows: [KeywordIndexMaintenance.AuthorPageRow] = try await pool.read { db in
            var rows: [KeywordIndexMaintenance.AuthorPageRow] = []
            for start in stride(from: 0, to: candidates.count, by: 500) {
                let chunk = candidates[start..<min(start + 500, candidates.count)]
                rows += try Row.fetchAll(db, sql: "SELECT seq, id, day, authors FROM paper WHERE seq IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                                         arguments: StatementArguments(chunk.map { Int64($0) }))
                    .map { (seq: $0["seq"], id: $0["id"], day: $0["day"], authorsJSON: $0["authors"]) }
            }
            return rows
        }
        let ids = KeywordIndexMaintenance.papers(byAuthor: name, rows: rows)
        let page = Array(ids.dropFirst(offset).prefix(limit))
        return (ids.count, try await rankedPapers(page, viewer: viewer))
    }
}

/// A comment-mail batch that another worker already took.
struct NotificationBatchStale: Error {}

extension SQLitePaperStore {
    /// What `PRAGMA integrity_check` and `PRAGMA foreign_key_check` find wrong with the database file; empty when
    /// it is sound.
    public func integrityProblems() async throws -> [String] {
        try await pool.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                "foreign key: \(row[0] as String? ?? "?") row \(row[1] as Int64? ?? -1) → \(row[2] as String? ?? "?")"
            }
            return integrity + foreignKeys
        }
    }
}

extension SQLitePaperStore {
    /// Copies the whole database into a new file at `path` with SQLite's online backup, in one step inside one read
    /// transaction: the copy is the database as it was at one moment, while writers go on (WAL). (Several smaller
    /// steps would restart whenever another connection writes, which under load means never finishing.)
    public func backup(to path: String) async throws {
        let destination = try DatabaseQueue(path: path)
        try await pool.read { db in
            try destination.writeWithoutTransaction { destinationDB in try db.backup(to: destinationDB) }
        }
        try destination.close()
    }

    /// Replaces this database's content with the backup at `path` (SQLite's backup API, in one write).
    public func restore(from path: String) async throws {
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: path, configuration: configuration)
        let writer: any DatabaseWriter = pool
        try await Task.detached { try source.backup(to: writer) }.value
        try source.close()
    }
}
