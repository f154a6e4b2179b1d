import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore {
    // MARK: accounts and sessions

    static let accountColumns = """
        a.id AS account_id, a.name AS account_name, a.email AS account_email, a.created_at AS account_created,
        a.role AS account_role, a.suspended_at AS account_suspended
        """

    static func account(from row: Row) -> Account {
        Account(id: row["account_id"], name: row["account_name"], email: row["account_email"], createdAt: row["account_created"],
                isAdmin: row["account_role"] == "admin", isSuspended: row["account_suspended"] != nil)
    }

    public func createAccount(name: String, email: String, passwordHash: String, now: Double) async throws -> Account {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE name = ?", arguments: [name]) == true {
                throw CommunityError.nameTaken(name)
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE email = ?", arguments: [email]) == true {
                throw CommunityError.emailTaken
            }
            // The first account of a new instance is its admin (docs/moderation.md).
            let isFirst = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM account)") ?? false
            try db.execute(sql: "INSERT INTO account (name, email, password_hash, created_at, role) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, email, passwordHash, now, isFirst ? "admin" : "member"])
            return Account(id: AccountID(rawValue: db.lastInsertedRowID), name: name, email: email, createdAt: now, isAdmin: isFirst)
        }
    }

    public func credentials(login: String) async throws -> (account: Account, passwordHash: String)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.accountColumns), a.password_hash FROM account a WHERE a.name = ?1 OR a.email = ?1 LIMIT 1
                """, arguments: [login]).map { (Self.account(from: $0), $0["password_hash"]) }
        }
    }

    public func account(named name: String) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.accountColumns) FROM account a WHERE a.name = ?", arguments: [name])
                .map(Self.account(from:))
        }
    }

    public func createSession(tokenHash: [UInt8], account: AccountID, now: Double, expiresAt: Double) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM session WHERE expires_at < ?", arguments: [now])
            try db.execute(sql: "INSERT INTO session (token_hash, account, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [Data(tokenHash), account, now, expiresAt])
        }
    }

    public func sessionAccount(tokenHash: [UInt8], now: Double) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.accountColumns) FROM session s JOIN account a ON a.id = s.account
                WHERE s.token_hash = ? AND s.expires_at > ?
                """, arguments: [Data(tokenHash), now]).map(Self.account(from:))
        }
    }

    public func deleteSession(tokenHash: [UInt8], now: Double) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM session WHERE token_hash = ? OR expires_at < ?", arguments: [Data(tokenHash), now])
        }
    }

    public func createAPIToken(tokenHash: [UInt8], account: AccountID, name: String, now: Double) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO api_token (token_hash, account, name, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [Data(tokenHash), account, name, now])
        }
    }

    public func apiTokenAccount(tokenHash: [UInt8], now: Double) async throws -> Account? {
        let found = try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.accountColumns), t.id AS token_id, t.last_used_at FROM api_token t JOIN account a ON a.id = t.account
                WHERE t.token_hash = ?
                """, arguments: [Data(tokenHash)]).map { (Self.account(from: $0), $0["token_id"] as Int64, $0["last_used_at"] as Double?) }
        }
        guard let (account, tokenID, lastUsed) = found else { return nil }
        // Noted at most once a minute, so scripts that call in a loop do not turn reads into writes.
        if (lastUsed ?? 0) < now - 60 {
            try await write { db in
                try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [now, tokenID])
            }
        }
        return account
    }

    public func apiTokens(of account: AccountID) async throws -> [APITokenInfo] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, created_at, last_used_at FROM api_token WHERE account = ? ORDER BY id DESC",
                             arguments: [account]).map {
                APITokenInfo(id: $0["id"], name: $0["name"], createdAt: $0["created_at"], lastUsedAt: $0["last_used_at"])
            }
        }
    }

    public func revokeAPIToken(id: APITokenID, account: AccountID) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM api_token WHERE id = ? AND account = ?", arguments: [id, account])
            return db.changesCount > 0
        }
    }

    public func secret(named name: String, make: @Sendable () -> [UInt8]) async throws -> [UInt8] {
        if let stored = try await pool.read({ db in try Data.fetchOne(db, sql: "SELECT value FROM secret WHERE name = ?", arguments: [name]) }) {
            return [UInt8](stored)
        }
        let fresh = Data(make())
        return try await write { db in
            // Another server may have created it meanwhile: the first one written wins.
            try db.execute(sql: "INSERT OR IGNORE INTO secret (name, value) VALUES (?, ?)", arguments: [name, fresh])
            return [UInt8](try Data.fetchOne(db, sql: "SELECT value FROM secret WHERE name = ?", arguments: [name]) ?? fresh)
        }
    }

    // MARK: votes and submissions

    static func seq(of paper: PaperID, in db: Database) throws -> Int64 {
        guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM paper WHERE id = ?", arguments: [paper.rawValue]) else {
            throw CommunityError.unknownPaper(paper)
        }
        return seq
    }

    public func setVote(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws -> Int {
        try await write { db in
            let seq = try Self.seq(of: paper, in: db)
            if on {
                try db.execute(sql: "INSERT OR IGNORE INTO vote (paper, account, created_at) VALUES (?, ?, ?)", arguments: [seq, account, now])
            } else {
                try db.execute(sql: "DELETE FROM vote WHERE paper = ? AND account = ?", arguments: [seq, account])
            }
            return try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM vote WHERE paper = ?1) + coalesce((SELECT votes FROM anonymous_vote WHERE paper = ?1), 0)
                """, arguments: [seq]) ?? 0
        }
    }

    public func submit(paper: PaperID, account: AccountID, day: Day, now: Double) async throws -> SubmissionResult {
        try await write { db in
            let seq = try Self.seq(of: paper, in: db)
            if let row = try Row.fetchOne(db, sql: """
                SELECT s.day, a.name FROM submission s JOIN account a ON a.id = s.account WHERE s.paper = ?
                """, arguments: [seq]), let existing = Day(row["day"] as String) {
                return .duplicate(day: existing, submitter: row["name"])
            }
            if let featured = try String.fetchOne(db, sql: "SELECT min(day) FROM paper_feature WHERE paper = ?", arguments: [seq]),
               let existing = Day(featured) {
                return .duplicate(day: existing, submitter: nil)
            }
            try db.execute(sql: "INSERT INTO submission (paper, account, day, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [seq, account, day.description, now])
            return .submitted
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

    static func rankedPaper(from row: Row) throws -> RankedPaper {
        RankedPaper(paper: try paper(from: row), votes: row["votes"], externalUpvotes: row["external"],
                    submitter: row["submitter"], submittedAt: row["submitted_at"],
                    featuredDay: (row["featured_day"] as String?).flatMap { Day($0) }, viewerVoted: row["voted"],
                    pageDay: (row["page_day"] as String?).flatMap { Day($0) }, comments: row["comment_count"])
    }

    /// Runs `sql` (which selects ``rankedColumns``) with named `arguments` plus `:viewer`.
    func ranked(_ sql: String, _ arguments: [String: (any DatabaseValueConvertible)?], viewer: AccountID?) async throws -> [RankedPaper] {
        var all = arguments
        all["viewer"] = viewer ?? -1
        let statementArguments = StatementArguments(all)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: statementArguments).map(Self.rankedPaper(from:))
        }
    }

    public func dailyPage(_ day: Day, viewer: AccountID?, limit: Int, offset: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT * FROM (
                SELECT \(Self.rankedColumns),
                       (p.seq IN (SELECT paper FROM paper_feature WHERE day = :day UNION SELECT paper FROM submission WHERE day = :day)) AS featured
                FROM (SELECT seq FROM paper WHERE day = :day UNION SELECT paper FROM paper_feature WHERE day = :day
                      UNION SELECT paper FROM submission WHERE day = :day) m
                JOIN paper p ON p.seq = m.seq)
            ORDER BY featured DESC, votes + external DESC, id
            LIMIT :limit OFFSET :offset
            """, ["day": day.description, "limit": limit, "offset": offset], viewer: viewer)
    }

    public func featuredPapers(in days: ClosedRange<Day>, submitter: String?, newestFirst: Bool, viewer: AccountID?,
                               limit: Int, offset: Int) async throws -> [RankedPaper] {
        let members = submitter == nil
            ? "SELECT paper FROM paper_feature WHERE day BETWEEN :from AND :to UNION SELECT paper FROM submission WHERE day BETWEEN :from AND :to"
            : "SELECT s.paper FROM submission s JOIN account a ON a.id = s.account WHERE s.day BETWEEN :from AND :to AND a.name = :submitter"
        return try await ranked("""
            SELECT * FROM (SELECT \(Self.rankedColumns) FROM (\(members)) m JOIN paper p ON p.seq = m.paper)
            ORDER BY \(newestFirst ? "featured_day DESC, coalesce(submitted_at, 0) DESC, votes + external DESC" : "votes + external DESC, featured_day DESC"), id
            LIMIT :limit OFFSET :offset
            """, ["from": days.lowerBound.description, "to": days.upperBound.description, "submitter": submitter,
                  "limit": limit, "offset": offset], viewer: viewer)
    }

    public func trendingCandidates(since: Double, viewer: AccountID?) async throws -> [RankedPaper] {
        // Entry times are refined by Trending.rank; here every paper that may qualify: upvoted, and submitted,
        // featured or announced no earlier than the day of `since`.
        let day = Day(unixTime: since).description
        return try await ranked("""
            SELECT \(Self.rankedColumns) FROM (
                SELECT paper FROM vote GROUP BY paper
                UNION SELECT paper FROM anonymous_vote
                UNION SELECT paper FROM paper_feature WHERE upvotes > 0) m
            JOIN paper p ON p.seq = m.paper
            WHERE p.day >= :day OR m.paper IN (SELECT paper FROM submission WHERE created_at >= :since)
               OR m.paper IN (SELECT paper FROM paper_feature WHERE day >= :day)
            """, ["day": day, "since": since], viewer: viewer)
    }

    public func rankedPapers(_ ids: [PaperID], viewer: AccountID?) async throws -> [RankedPaper] {
        guard !ids.isEmpty else { return [] }
        var arguments: [String: (any DatabaseValueConvertible)?] = [:]
        var names: [String] = []
        for (index, id) in ids.prefix(500).enumerated() {
            arguments["id\(index)"] = id.rawValue
            names.append(":id\(index)")
        }
        let found = try await ranked("SELECT \(Self.rankedColumns) FROM paper p WHERE p.id IN (\(names.joined(separator: ",")))",
                                     arguments, viewer: viewer)
        let byID = Dictionary(found.map { ($0.paper.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    public func submissions(of account: AccountID, viewer: AccountID?, limit: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT \(Self.rankedColumns) FROM submission s0 JOIN paper p ON p.seq = s0.paper
            WHERE s0.account = :account ORDER BY s0.created_at DESC LIMIT :limit
            """, ["account": account, "limit": limit], viewer: viewer)
    }

    public func upvotedPapers(of account: AccountID, viewer: AccountID?, limit: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT \(Self.rankedColumns) FROM vote v0 JOIN paper p ON p.seq = v0.paper
            WHERE v0.account = :account ORDER BY v0.created_at DESC, p.id LIMIT :limit
            """, ["account": account, "limit": limit], viewer: viewer)
    }

    // MARK: collections

    static let collectionColumns = """
        c.id, c.owner, a.name AS owner_name, c.name, c.is_public, c.created_at,
        (SELECT count(*) FROM collection_item i WHERE i.collection = c.id) AS paper_count
        """

    static func collection(from row: Row) -> PaperCollection {
        PaperCollection(id: row["id"], ownerID: row["owner"], ownerName: row["owner_name"], name: row["name"],
                        isPublic: row["is_public"], paperCount: row["paper_count"], createdAt: row["created_at"])
    }

    public func createCollection(owner: AccountID, name: String, isPublic: Bool, now: Double) async throws -> PaperCollection {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM collection WHERE owner = ? AND name = ?", arguments: [owner, name]) == true {
                throw CommunityError.collectionExists(name)
            }
            try db.execute(sql: "INSERT INTO collection (owner, name, is_public, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [owner, name, isPublic, now])
            let id = db.lastInsertedRowID
            let row = try Row.fetchOne(db, sql: "SELECT \(Self.collectionColumns) FROM collection c JOIN account a ON a.id = c.owner WHERE c.id = ?",
                                       arguments: [id])!
            return Self.collection(from: row)
        }
    }

    public func collection(_ id: CollectionID) async throws -> PaperCollection? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.collectionColumns) FROM collection c JOIN account a ON a.id = c.owner WHERE c.id = ?",
                             arguments: [id]).map(Self.collection(from:))
        }
    }

    public func collections(of owner: AccountID, includePrivate: Bool) async throws -> [PaperCollection] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.collectionColumns) FROM collection c JOIN account a ON a.id = c.owner
                WHERE c.owner = ? AND (c.is_public = 1 OR ?) ORDER BY c.created_at DESC, c.id DESC
                """, arguments: [owner, includePrivate]).map(Self.collection(from:))
        }
    }

    public func setCollectionItem(collection: CollectionID, owner: AccountID, paper: PaperID, present: Bool, now: Double) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM collection WHERE id = ? AND owner = ?", arguments: [collection, owner]) == true else {
                throw CommunityError.unknownCollection(collection)
            }
            let seq = try Self.seq(of: paper, in: db)
            if present {
                try db.execute(sql: "INSERT OR IGNORE INTO collection_item (collection, paper, added_at) VALUES (?, ?, ?)",
                               arguments: [collection, seq, now])
            } else {
                try db.execute(sql: "DELETE FROM collection_item WHERE collection = ? AND paper = ?", arguments: [collection, seq])
            }
        }
    }

    public func collectionPapers(_ collection: CollectionID, viewer: AccountID?, limit: Int, offset: Int) async throws -> [RankedPaper] {
        try await ranked("""
            SELECT \(Self.rankedColumns) FROM collection_item i JOIN paper p ON p.seq = i.paper
            WHERE i.collection = :collection ORDER BY i.added_at DESC, p.id LIMIT :limit OFFSET :offset
            """, ["collection": collection, "limit": limit, "offset": offset], viewer: viewer)
    }

    public func collectionsHolding(_ paper: PaperID, owner: AccountID) async throws -> Set<CollectionID> {
        try await pool.read { db in
            Set(try CollectionID.fetchAll(db, sql: """
                SELECT i.collection FROM collection_item i JOIN collection c ON c.id = i.collection JOIN paper p ON p.seq = i.paper
                WHERE p.id = ? AND c.owner = ?
                """, arguments: [paper.rawValue, owner]))
        }
    }
}
