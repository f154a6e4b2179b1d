import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore: CommunityStore {
    // MARK: accounts and sessions

    static let accountColumns = """
        a.id AS account_id, a.name AS account_name, a.email AS account_email, a.created_at AS account_created,
        a.role AS account_role, a.suspended_at AS account_suspended
        """

    static func account(from row: PostgresRandomAccessRow) throws -> Account {
        Account(id: try row.get("account_id"), name: try row.get("account_name"), email: try row.get("account_email"),
                createdAt: try row.get("account_created"), isAdmin: try row.get("account_role", String.self) == "admin",
                isSuspended: try row.get("account_suspended", Double?.self) != nil)
    }

    public func createAccount(name: String, email: String, passwordHash: String, now: Double) async throws -> Account {
        let logger = self.logger
        return try await database.transaction { connection in
            // Names and emails compare without case, as SQLite's NOCASE columns do; the unique indexes on lower()
            // settle a race between two servers (the loser gets the same error below on its retry-free path).
            if try await !connection.rows("SELECT 1 FROM account WHERE lower(name) = lower(\(name))", logger: logger).isEmpty {
                throw CommunityError.nameTaken(name)
            }
            if try await !connection.rows("SELECT 1 FROM account WHERE lower(email) = lower(\(email))", logger: logger).isEmpty {
                throw CommunityError.emailTaken
            }
            // The first account of a new instance is its admin (docs/moderation.md).
            let rows = try await connection.rows("""
                INSERT INTO account (name, email, password_hash, created_at, role)
                VALUES (\(name), \(email), \(passwordHash), \(now), CASE WHEN EXISTS (SELECT 1 FROM account) THEN 'member' ELSE 'admin' END)
                ON CONFLICT DO NOTHING RETURNING id, role
                """, logger: logger)
            guard let row = rows.first else { throw CommunityError.nameTaken(name) }
            return Account(id: try row.get("id", AccountID.self), name: name, email: email, createdAt: now,
                           isAdmin: try row.get("role", String.self) == "admin")
        }
    }

    public func credentials(login: String) async throws -> (account: Account, passwordHash: String)? {
        try await database.row("""
            SELECT \(unescaped: Self.accountColumns), a.password_hash FROM account a
            WHERE lower(a.name) = lower(\(login)) OR lower(a.email) = lower(\(login)) LIMIT 1
            """).map { (try Self.account(from: $0), try $0.get("password_hash", String.self)) }
    }

    public func account(named name: String) async throws -> Account? {
        try await database.row("SELECT \(unescaped: Self.accountColumns) FROM account a WHERE lower(a.name) = lower(\(name))")
            .map(Self.account(from:))
    }

    public func createSession(tokenHash: [UInt8], account: AccountID, now: Double, expiresAt: Double) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            try await connection.execute("DELETE FROM session WHERE expires_at < \(now)", logger: logger)
            try await connection.execute("""
                INSERT INTO session (token_hash, account, created_at, expires_at) VALUES (\(Data(tokenHash)), \(account), \(now), \(expiresAt))
                """, logger: logger)
        }
    }

    public func sessionAccount(tokenHash: [UInt8], now: Double) async throws -> Account? {
        try await database.row("""
            SELECT \(unescaped: Self.accountColumns) FROM session s JOIN account a ON a.id = s.account
            WHERE s.token_hash = \(Data(tokenHash)) AND s.expires_at > \(now)
            """).map(Self.account(from:))
    }

    public func deleteSession(tokenHash: [UInt8], now: Double) async throws {
        try await database.execute("DELETE FROM session WHERE token_hash = \(Data(tokenHash)) OR expires_at < \(now)")
    }

    public func createAPIToken(tokenHash: [UInt8], account: AccountID, name: String, now: Double) async throws {
        try await database.execute("""
            INSERT INTO api_token (token_hash, account, name, created_at) VALUES (\(Data(tokenHash)), \(account), \(name), \(now))
            """)
    }

    public func apiTokenAccount(tokenHash: [UInt8], now: Double) async throws -> Account? {
        guard let row = try await database.row("""
            SELECT \(unescaped: Self.accountColumns), t.id AS token_id, t.last_used_at FROM api_token t JOIN account a ON a.id = t.account
            WHERE t.token_hash = \(Data(tokenHash))
            """) else { return nil }
        let account = try Self.account(from: row)
        // Noted at most once a minute, so scripts that call in a loop do not turn reads into writes.
        if (try row.get("last_used_at", Double?.self) ?? 0) < now - 60 {
            try await database.execute("UPDATE api_token SET last_used_at = \(now) WHERE id = \(try row.get("token_id", APITokenID.self))")
        }
        return account
    }

    public func apiTokens(of account: AccountID) async throws -> [APITokenInfo] {
        try await database.rows("SELECT id, name, created_at, last_used_at FROM api_token WHERE account = \(account) ORDER BY id DESC").map {
            APITokenInfo(id: try $0.get("id"), name: try $0.get("name"), createdAt: try $0.get("created_at"), lastUsedAt: try $0.get("last_used_at"))
        }
    }

    public func revokeAPIToken(id: APITokenID, account: AccountID) async throws -> Bool {
        try await !database.rows("DELETE FROM api_token WHERE id = \(id) AND account = \(account) RETURNING id").isEmpty
    }

    public func secret(named name: String, make: @Sendable () -> [UInt8]) async throws -> [UInt8] {
        if let stored = try await database.row("SELECT value FROM secret WHERE name = \(name)") {
            return [UInt8](try stored.get("value", Data.self))
        }
        // Another server may create it meanwhile: the first one written wins, and everyone reads that one.
        try await database.execute("INSERT INTO secret (name, value) VALUES (\(name), \(Data(make()))) ON CONFLICT DO NOTHING")
        guard let row = try await database.row("SELECT value FROM secret WHERE name = \(name)") else {
            throw StoreError.corrupt("secret \(name) vanished after it was written")
        }
        return [UInt8](try row.get("value", Data.self))
    }

    // MARK: votes and submissions

    static func seq(of paper: PaperID, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        guard let row = try await connection.rows("SELECT seq FROM paper WHERE id = \(paper.rawValue)", logger: logger).first else {
            throw CommunityError.unknownPaper(paper)
        }
        return try row.get("seq", Int64.self)
    }

    public func setVote(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws -> Int {
        let logger = self.logger
        return try await database.transaction { connection in
            let seq = try await Self.seq(of: paper, on: connection, logger: logger)
            if on {
                try await connection.execute("""
                    INSERT INTO vote (paper, account, created_at) VALUES (\(seq), \(account), \(now)) ON CONFLICT DO NOTHING
                    """, logger: logger)
            } else {
                try await connection.execute("DELETE FROM vote WHERE paper = \(seq) AND account = \(account)", logger: logger)
            }
            return try await connection.rows("""
                SELECT (SELECT count(*) FROM vote WHERE paper = \(seq)) + coalesce((SELECT votes FROM anonymous_vote WHERE paper = \(seq)), 0) AS n
                """, logger: logger)[0].get("n", Int.self)
        }
    }

    public func submit(paper: PaperID, account: AccountID, day: Day, now: Double) async throws -> SubmissionResult {
        let logger = self.logger
        return try await database.transaction { connection in
            let seq = try await Self.seq(of: paper, on: connection, logger: logger)
            // One submission per paper, whichever server takes it first: the insert decides, then we read who won.
            let inserted = try await connection.rows("""
                INSERT INTO submission (paper, account, day, created_at)
                SELECT \(seq), \(account), \(day.description), \(now)
                WHERE NOT EXISTS (SELECT 1 FROM paper_feature WHERE paper = \(seq))
                ON CONFLICT DO NOTHING RETURNING paper
                """, logger: logger)
            if !inserted.isEmpty { return .submitted }
            if let row = try await connection.rows("""
                SELECT s.day, a.name FROM submission s JOIN account a ON a.id = s.account WHERE s.paper = \(seq)
                """, logger: logger).first, let existing = Day(try row.get("day", String.self)) {
                return .duplicate(day: existing, submitter: try row.get("name", String.self))
            }
            let featured = try await connection.rows("SELECT min(day) AS day FROM paper_feature WHERE paper = \(seq)", logger: logger)
            guard let text = try featured.first?.get("day", String?.self), let existing = Day(text) else {
                throw StoreError.corrupt("submission of \(paper) neither stored nor refused")
            }
            return .duplicate(day: existing, submitter: nil)
        }
    }

    // MARK: ranked lists

    /// Columns of a ranked paper for the paper aliased `p`; `:viewer` marks the viewer's votes.
    static let rankedColumns = """
        p.seq, \(qualifiedPaperColumns), p.day AS page_day,
        (SELECT count(*) FROM vote v WHERE v.paper = p.seq) + coalesce((SELECT n.votes FROM anonymous_vote n WHERE n.paper = p.seq), 0) AS votes,
        (SELECT count(*) FROM comment c WHERE c.paper = p.seq AND c.deleted_at IS NULL AND c.hidden_at IS NULL) AS comment_count,
        coalesce((SELECT max(f.upvotes) FROM paper_feature f WHERE f.paper = p.seq), 0) AS external,
        (SELECT a.name FROM submission s JOIN account a ON a.id = s.account WHERE s.paper = p.seq) AS submitter,
        (SELECT s.created_at FROM submission s WHERE s.paper = p.seq) AS submitted_at,
        coalesce((SELECT s.day FROM submission s WHERE s.paper = p.seq),
                 (SELECT min(f.day) FROM paper_feature f WHERE f.paper = p.seq)) AS featured_day,
        EXISTS (SELECT 1 FROM vote v WHERE v.paper = p.seq AND v.account = :viewer) AS voted
        """

    static func rankedPaper(from row: PostgresRandomAccessRow) throws -> RankedPaper {
        RankedPaper(paper: try paper(from: row), votes: try row.get("votes", Int.self), externalUpvotes: try row.get("external", Int.self),
                    submitter: try row.get("submitter"), submittedAt: try row.get("submitted_at"),
                    featuredDay: try row.get("featured_day", String?.self).flatMap { Day($0) }, viewerVoted: try row.get("voted"),
                    pageDay: try row.get("page_day", String?.self).flatMap { Day($0) }, comments: try row.get("comment_count", Int.self))
    }

    /// Runs `sql` (which selects ``rankedColumns``) with named `values` plus `:viewer`.
    func ranked(_ sql: String, _ values: [String: SQLValue], viewer: AccountID?) async throws -> [RankedPaper] {
        var all = values
        all["viewer"] = .integer(viewer?.rawValue ?? -1)
        return try await database.rows(try PostgresDatabase.named(sql, all)).map(Self.rankedPaper(from:))
    }

    public func dailyPage(_ day: Day, viewer: AccountID?, limit: Int, offset: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT * FROM (
                SELECT \(Self.rankedColumns),
                       (p.seq IN (SELECT paper FROM paper_feature WHERE day = :day UNION SELECT paper FROM submission WHERE day = :day)) AS featured
                FROM (SELECT seq FROM paper WHERE day = :day UNION SELECT paper FROM paper_feature WHERE day = :day
                      UNION SELECT paper FROM submission WHERE day = :day) m
                JOIN paper p ON p.seq = m.seq) x
            ORDER BY featured DESC, votes + external DESC, id
            LIMIT :limit OFFSET :offset
            """, ["day": .text(day.description), "limit": .integer(Int64(limit)), "offset": .integer(Int64(offset))], viewer: viewer)
    }

    public func featuredPapers(in days: ClosedRange<Day>, submitter: String?, newestFirst: Bool, viewer: AccountID?,
                               limit: Int, offset: Int) async throws -> [RankedPaper] {
        let members = submitter == nil
            ? "SELECT paper FROM paper_feature WHERE day BETWEEN :from AND :to UNION SELECT paper FROM submission WHERE day BETWEEN :from AND :to"
            : "SELECT s.paper FROM submission s JOIN account a ON a.id = s.account WHERE s.day BETWEEN :from AND :to AND a.name = :submitter"
        return try await ranked("""
            SELECT * FROM (SELECT \(Self.rankedColumns) FROM (\(members)) m JOIN paper p ON p.seq = m.paper) x
            ORDER BY \(newestFirst ? "featured_day DESC, coalesce(submitted_at, 0) DESC, votes + external DESC" : "votes + external DESC, featured_day DESC"), id
            LIMIT :limit OFFSET :offset
            """, ["from": .text(days.lowerBound.description), "to": .text(days.upperBound.description), "submitter": .text(submitter),
                  "limit": .integer(Int64(limit)), "offset": .integer(Int64(offset))], viewer: viewer)
    }

    public func trendingCandidates(since: Double, viewer: AccountID?) async throws -> [RankedPaper] {
        let day = Day(unixTime: since).description
        return try await ranked("""
            SELECT \(Self.rankedColumns) FROM (
                SELECT paper FROM vote GROUP BY paper
                UNION SELECT paper FROM anonymous_vote
                UNION SELECT paper FROM paper_feature WHERE upvotes > 0) m
            JOIN paper p ON p.seq = m.paper
            WHERE p.day >= :day OR m.paper IN (SELECT paper FROM submission WHERE created_at >= :since)
               OR m.paper IN (SELECT paper FROM paper_feature WHERE day >= :day)
            """, ["day": .text(day), "since": .real(since)], viewer: viewer)
    }

    public func rankedPapers(_ ids: [PaperID], viewer: AccountID?) async throws -> [RankedPaper] {
        guard !ids.isEmpty else { return [] }
        let found = try await ranked("SELECT \(Self.rankedColumns) FROM paper p WHERE p.id = ANY(:ids)",
                                     ["ids": .texts(ids.prefix(500).map(\.rawValue))], viewer: viewer)
        let byID = Dictionary(found.map { ($0.paper.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    public func submissions(of account: AccountID, viewer: AccountID?, limit: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT \(Self.rankedColumns) FROM submission s0 JOIN paper p ON p.seq = s0.paper
            WHERE s0.account = :account ORDER BY s0.created_at DESC LIMIT :limit
            """, ["account": .integer(account.rawValue), "limit": .integer(Int64(limit))], viewer: viewer)
    }

    public func upvotedPapers(of account: AccountID, viewer: AccountID?, limit: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT \(Self.rankedColumns) FROM vote v0 JOIN paper p ON p.seq = v0.paper
            WHERE v0.account = :account ORDER BY v0.created_at DESC, p.id LIMIT :limit
            """, ["account": .integer(account.rawValue), "limit": .integer(Int64(limit))], viewer: viewer)
    }

    // MARK: collections

    static let collectionColumns = """
        c.id, c.owner, a.name AS owner_name, c.name, c.is_public, c.created_at,
        (SELECT count(*) FROM collection_item i WHERE i.collection = c.id) AS paper_count
        """

    static func collection(from row: PostgresRandomAccessRow) throws -> PaperCollection {
        PaperCollection(id: try row.get("id"), ownerID: try row.get("owner"), ownerName: try row.get("owner_name"), name: try row.get("name"),
                        isPublic: try row.get("is_public"), paperCount: try row.get("paper_count", Int.self), createdAt: try row.get("created_at"))
    }

    public func createCollection(owner: AccountID, name: String, isPublic: Bool, now: Double) async throws -> PaperCollection {
        let inserted = try await database.row("""
            INSERT INTO collection (owner, name, is_public, created_at) VALUES (\(owner), \(name), \(isPublic), \(now))
            ON CONFLICT (owner, name) DO NOTHING RETURNING id
            """)
        guard let id = try inserted?.get("id", CollectionID.self), let collection = try await collection(id) else {
            throw CommunityError.collectionExists(name)
        }
        return collection
    }

    public func collection(_ id: CollectionID) async throws -> PaperCollection? {
        try await database.row("""
            SELECT \(unescaped: Self.collectionColumns) FROM collection c JOIN account a ON a.id = c.owner WHERE c.id = \(id)
            """).map(Self.collection(from:))
    }

    public func collections(of owner: AccountID, includePrivate: Bool) async throws -> [PaperCollection] {
        try await database.rows("""
            SELECT \(unescaped: Self.collectionColumns) FROM collection c JOIN account a ON a.id = c.owner
            WHERE c.owner = \(owner) AND (c.is_public OR \(includePrivate)) ORDER BY c.created_at DESC, c.id DESC
            """).map(Self.collection(from:))
    }

    public func setCollectionItem(collection: CollectionID, owner: AccountID, paper: PaperID, present: Bool, now: Double) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            guard try await !connection.rows("SELECT 1 FROM collection WHERE id = \(collection) AND owner = \(owner)", logger: logger).isEmpty else {
                throw CommunityError.unknownCollection(collection)
            }
            let seq = try await Self.seq(of: paper, on: connection, logger: logger)
            if present {
                try await connection.execute("""
                    INSERT INTO collection_item (collection, paper, added_at) VALUES (\(collection), \(seq), \(now)) ON CONFLICT DO NOTHING
                    """, logger: logger)
            } else {
                try await connection.execute("DELETE FROM collection_item WHERE collection = \(collection) AND paper = \(seq)", logger: logger)
            }
        }
    }

    public func collectionPapers(_ collection: CollectionID, viewer: AccountID?, limit: Int, offset: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT \(Self.rankedColumns) FROM collection_item i JOIN paper p ON p.seq = i.paper
            WHERE i.collection = :collection ORDER BY i.added_at DESC, p.id LIMIT :limit OFFSET :offset
            """, ["collection": .integer(collection.rawValue), "limit": .integer(Int64(limit)), "offset": .integer(Int64(offset))], viewer: viewer)
    }

    public func collectionsHolding(_ paper: PaperID, owner: AccountID) async throws -> Set<CollectionID> {
        Set(try await database.rows("""
            SELECT i.collection FROM collection_item i JOIN collection c ON c.id = i.collection JOIN paper p ON p.seq = i.paper
            WHERE p.id = \(paper.rawValue) AND c.owner = \(owner)
            """).map { try $0.get("collection", CollectionID.self) })
    }
}
