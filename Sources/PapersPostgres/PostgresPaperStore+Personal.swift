import Foundation
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore: PersonalStore {
    public func personalSignals(account: AccountID) async throws -> PersonalSignals {
        let logger = self.logger
        // One snapshot: the likes, dismissals and filters of one moment.
        return try await database.transaction { connection in
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            let setting = try await connection.rows("SELECT enabled, reset_at FROM personal_setting WHERE account = \(account)", logger: logger).first
            let resetAt = try setting?.get("reset_at", Double?.self) ?? -Double.greatestFiniteMagnitude
            var liked: [LikedPaper] = []
            for row in try await connection.rows("""
                SELECT p.id, p.title, v.created_at AS at, NULL::bigint AS collection_id, NULL::text AS collection_name, 'upvote' AS source
                  FROM vote v JOIN paper p ON p.seq = v.paper WHERE v.account = \(account) AND v.created_at >= \(resetAt)
                UNION ALL
                SELECT p.id, p.title, i.added_at, c.id, c.name, 'collection'
                  FROM collection c JOIN collection_item i ON i.collection = c.id JOIN paper p ON p.seq = i.paper
                  WHERE c.owner = \(account) AND i.added_at >= \(resetAt)
                UNION ALL
                SELECT p.id, p.title, s.created_at, NULL, NULL, 'seed' FROM seed s JOIN paper p ON p.seq = s.paper WHERE s.account = \(account)
                ORDER BY 3, 1
                """, logger: logger) {
                guard let id = PaperID(try row.get("id", String.self)) else { continue }
                let source: LikeSource
                switch try row.get("source", String.self) {
                case "upvote": source = .upvote
                case "collection": source = .collection(id: try row.get("collection_id"), name: try row.get("collection_name"))
                default: source = .seed
                }
                liked.append(LikedPaper(paper: id, title: try row.get("title"), source: source, at: try row.get("at")))
            }
            let dismissed = Set(try await connection.rows("""
                SELECT p.id FROM dismissal d JOIN paper p ON p.seq = d.paper WHERE d.account = \(account)
                """, logger: logger).compactMap { PaperID(try $0.get("id", String.self)) })
            let filters = try await connection.rows("SELECT kind, value FROM personal_filter WHERE account = \(account) ORDER BY kind, value",
                                                    logger: logger).compactMap { row -> PersonalFilter? in
                guard let kind = PersonalFilter.Kind(rawValue: try row.get("kind")) else { return nil }
                return try? PersonalFilter(kind: kind, value: try row.get("value"))
            }
            return PersonalSignals(liked: liked, dismissed: dismissed, filters: filters, enabled: try setting?.get("enabled", Bool.self) ?? true)
        }
    }

    public func setDismissal(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws {
        try await setAccountPaperRow(in: "dismissal", account: account, paper: paper, on: on, now: now)
    }

    /// Adds (or removes) the row (account, paper) of a table keyed by both with a `created_at` (dismissals, follows).
    func setAccountPaperRow(in table: String, account: AccountID, paper: PaperID, on: Bool, now: Double) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            let seq = try await Self.seq(of: paper, on: connection, logger: logger)
            if on {
                try await connection.execute("""
                    INSERT INTO \(unescaped: table) (account, paper, created_at) VALUES (\(account), \(seq), \(now)) ON CONFLICT DO NOTHING
                    """, logger: logger)
            } else {
                try await connection.execute("DELETE FROM \(unescaped: table) WHERE account = \(account) AND paper = \(seq)", logger: logger)
            }
        }
    }

    public func addSeeds(account: AccountID, papers: [PaperID], now: Double) async throws -> Int {
        try await database.rows("""
            INSERT INTO seed (account, paper, created_at)
            SELECT \(account), seq, \(now) FROM paper WHERE id = ANY(\(papers.map(\.rawValue)))
            ON CONFLICT DO NOTHING RETURNING paper
            """).count
    }

    public func setFilter(account: AccountID, filter: PersonalFilter, on: Bool, now: Double) async throws {
        if on {
            try await database.execute("""
                INSERT INTO personal_filter (account, kind, value, created_at) VALUES (\(account), \(filter.kind.rawValue), \(filter.value), \(now))
                ON CONFLICT DO NOTHING
                """)
        } else {
            try await database.execute("""
                DELETE FROM personal_filter WHERE account = \(account) AND kind = \(filter.kind.rawValue) AND value = \(filter.value)
                """)
        }
    }

    public func setPersonalization(account: AccountID, enabled: Bool) async throws {
        try await database.execute("""
            INSERT INTO personal_setting (account, enabled) VALUES (\(account), \(enabled))
            ON CONFLICT (account) DO UPDATE SET enabled = excluded.enabled
            """)
    }

    public func resetPersonalization(account: AccountID, now: Double) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            try await connection.execute("DELETE FROM dismissal WHERE account = \(account)", logger: logger)
            try await connection.execute("DELETE FROM seed WHERE account = \(account)", logger: logger)
            try await connection.execute("""
                INSERT INTO personal_setting (account, reset_at) VALUES (\(account), \(now))
                ON CONFLICT (account) DO UPDATE SET reset_at = excluded.reset_at
                """, logger: logger)
        }
    }

    public func setFeedToken(account: AccountID, tokenHash: [UInt8]?) async throws {
        try await database.execute("""
            INSERT INTO personal_setting (account, feed_token_hash) VALUES (\(account), \(tokenHash.map { Data($0) }))
            ON CONFLICT (account) DO UPDATE SET feed_token_hash = excluded.feed_token_hash
            """)
    }

    public func hasFeedToken(account: AccountID) async throws -> Bool {
        try await database.row("SELECT feed_token_hash IS NOT NULL AS has FROM personal_setting WHERE account = \(account)")?
            .get("has", Bool.self) ?? false
    }

    public func feedTokenAccount(tokenHash: [UInt8]) async throws -> Account? {
        try await database.row("""
            SELECT \(unescaped: Self.accountColumns) FROM personal_setting s JOIN account a ON a.id = s.account
            WHERE s.feed_token_hash = \(Data(tokenHash))
            """).map(Self.account(from:))
    }

    public func embeddings(of ids: [PaperID], model: String) async throws -> [PaperID: [Float]] {
        var result: [PaperID: [Float]] = [:]
        for row in try await database.rows("""
            SELECT p.id, e.vector::real[] AS vector FROM paper p JOIN paper_embedding e ON e.paper = p.seq
            WHERE p.id = ANY(\(ids.map(\.rawValue))) AND e.model = \(model) AND e.fingerprint = p.fingerprint
            """) {
            if let id = PaperID(try row.get("id", String.self)) { result[id] = try row.get("vector", [Float].self) }
        }
        return result
    }

    public func recentPapers(limit: Int) async throws -> [Paper] {
        try await database.rows("SELECT \(unescaped: Self.paperColumns) FROM paper ORDER BY day DESC, seq DESC LIMIT \(limit)")
            .map(Self.paper(from:))
    }

    public func matchPapers(arxivIDs: [String], dois: [String], titles: [String]) async throws -> [String: PaperID] {
        var result: [String: PaperID] = [:]
        for value in arxivIDs where result[value] == nil {
            if let text = try await database.row("SELECT id FROM paper WHERE id = \(value)")?.get("id", String.self), let id = PaperID(text) {
                result[value] = id
            }
        }
        for value in dois where result[value] == nil {
            if let text = try await database.row("SELECT id FROM paper WHERE doi = \(value.lowercased())")?.get("id", String.self),
               let id = PaperID(text) {
                result[value] = id
            }
        }
        for value in titles where result[value] == nil {
            if let text = try await database.row("SELECT id FROM paper WHERE lower(title) = \(value.lowercased()) LIMIT 1")?.get("id", String.self),
               let id = PaperID(text) {
                result[value] = id
            }
        }
        return result
    }
}
