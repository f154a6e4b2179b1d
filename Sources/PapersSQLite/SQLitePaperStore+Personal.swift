import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore {
    public func personalSignals(account: AccountID) async throws -> PersonalSignals {
        try await pool.read { db in
            let setting = try Row.fetchOne(db, sql: "SELECT enabled, reset_at FROM personal_setting WHERE account = ?", arguments: [account])
            let resetAt: Double = setting?["reset_at"] ?? -Double.greatestFiniteMagnitude
            var liked: [LikedPaper] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT p.id, p.title, v.created_at AS at, NULL AS collection_id, NULL AS collection_name, 'upvote' AS source
                  FROM vote v JOIN paper p ON p.seq = v.paper WHERE v.account = ?1 AND v.created_at >= ?2
                UNION ALL
                SELECT p.id, p.title, i.added_at, c.id, c.name, 'collection'
                  FROM collection c JOIN collection_item i ON i.collection = c.id JOIN paper p ON p.seq = i.paper
                  WHERE c.owner = ?1 AND i.added_at >= ?2
                UNION ALL
                SELECT p.id, p.title, s.created_at, NULL, NULL, 'seed' FROM seed s JOIN paper p ON p.seq = s.paper WHERE s.account = ?1
                ORDER BY 3, 1
                """, arguments: [account, resetAt]) {
                guard let id = PaperID(row["id"] as String) else { continue }
                let source: LikeSource
                switch row["source"] as String {
                case "upvote": source = .upvote
                case "collection": source = .collection(id: row["collection_id"], name: row["collection_name"])
                default: source = .seed
                }
                liked.append(LikedPaper(paper: id, title: row["title"], source: source, at: row["at"]))
            }
            let dismissed = Set(try String.fetchAll(db, sql: """
                SELECT p.id FROM dismissal d JOIN paper p ON p.seq = d.paper WHERE d.account = ?
                """, arguments: [account]).compactMap(PaperID.init))
            let filters = try Row.fetchAll(db, sql: "SELECT kind, value FROM personal_filter WHERE account = ? ORDER BY kind, value",
                                           arguments: [account]).compactMap { row -> PersonalFilter? in
                guard let kind = PersonalFilter.Kind(rawValue: row["kind"]) else { return nil }
                return try? PersonalFilter(kind: kind, value: row["value"])
            }
            return PersonalSignals(liked: liked, dismissed: dismissed, filters: filters, enabled: (setting?["enabled"] as Int?) != 0)
        }
    }

    public func setDismissal(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws {
        try await setAccountPaperRow(in: "dismissal", account: account, paper: paper, on: on, now: now)
    }

    /// Adds (or removes) the row (account, paper) of a table keyed by both with a `created_at` (dismissals, follows).
    func setAccountPaperRow(in table: String, account: AccountID, paper: PaperID, on: Bool, now: Double) async throws {
        try await write { db in
            let seq = try Self.seq(of: paper, in: db)
            if on {
                try db.execute(sql: "INSERT OR IGNORE INTO \(table) (account, paper, created_at) VALUES (?, ?, ?)", arguments: [account, seq, now])
            } else {
                try db.execute(sql: "DELETE FROM \(table) WHERE account = ? AND paper = ?", arguments: [account, seq])
            }
        }
    }

    public func addSeeds(account: AccountID, papers: [PaperID], now: Double) async throws -> Int {
        try await write { db in
            var added = 0
            for paper in papers {
                guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM paper WHERE id = ?", arguments: [paper.rawValue]) else { continue }
                try db.execute(sql: "INSERT OR IGNORE INTO seed (account, paper, created_at) VALUES (?, ?, ?)", arguments: [account, seq, now])
                added += db.changesCount
            }
            return added
        }
    }

    public func setFilter(account: AccountID, filter: PersonalFilter, on: Bool, now: Double) async throws {
        try await write { db in
            if on {
                try db.execute(sql: "INSERT OR IGNORE INTO personal_filter (account, kind, value, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [account, filter.kind.rawValue, filter.value, now])
            } else {
                try db.execute(sql: "DELETE FROM personal_filter WHERE account = ? AND kind = ? AND value = ?",
                               arguments: [account, filter.kind.rawValue, filter.value])
            }
        }
    }

    public func setPersonalization(account: AccountID, enabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO personal_setting (account, enabled) VALUES (?1, ?2)
                ON CONFLICT (account) DO UPDATE SET enabled = excluded.enabled
                """, arguments: [account, enabled ? 1 : 0])
        }
    }

    public func resetPersonalization(account: AccountID, now: Double) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM dismissal WHERE account = ?", arguments: [account])
            try db.execute(sql: "DELETE FROM seed WHERE account = ?", arguments: [account])
            try db.execute(sql: """
                INSERT INTO personal_setting (account, reset_at) VALUES (?1, ?2)
                ON CONFLICT (account) DO UPDATE SET reset_at = excluded.reset_at
                """, arguments: [account, now])
        }
    }

    public func setFeedToken(account: AccountID, tokenHash: [UInt8]?) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO personal_setting (account, feed_token_hash) VALUES (?1, ?2)
                ON CONFLICT (account) DO UPDATE SET feed_token_hash = excluded.feed_token_hash
                """, arguments: [account, tokenHash.map { Data($0) }])
        }
    }

    public func hasFeedToken(account: AccountID) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT feed_token_hash IS NOT NULL FROM personal_setting WHERE account = ?", arguments: [account]) ?? false
        }
    }

    public func feedTokenAccount(tokenHash: [UInt8]) async throws -> Account? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.accountColumns) FROM personal_setting s JOIN account a ON a.id = s.account WHERE s.feed_token_hash = ?
                """, arguments: [Data(tokenHash)]).map(Self.account(from:))
        }
    }

    public func embeddings(of ids: [PaperID], model: String) async throws -> [PaperID: [Float]] {
        try await pool.read { db in
            var result: [PaperID: [Float]] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ ids[$0..<min($0 + 500, ids.count)] }) {
                let marks = chunk.map { _ in "?" }.joined(separator: ",")
                for row in try Row.fetchAll(db, sql: """
                    SELECT p.id, e.vector FROM paper p JOIN paper_embedding e ON e.paper = p.seq
                    WHERE p.id IN (\(marks)) AND e.model = ? AND e.fingerprint = p.fingerprint
                    """, arguments: StatementArguments(chunk.map(\.rawValue) + [model])) {
                    if let id = PaperID(row["id"] as String) { result[id] = Self.decode(row["vector"]) }
                }
            }
            return result
        }
    }

    public func recentPapers(limit: Int) async throws -> [Paper] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.paperColumns) FROM paper ORDER BY day DESC, seq DESC LIMIT ?",
                             arguments: [limit]).map(Self.paper(from:))
        }
    }

    public func matchPapers(arxivIDs: [String], dois: [String], titles: [String]) async throws -> [String: PaperID] {
        try await pool.read { db in
            var result: [String: PaperID] = [:]
            func lookup(_ values: [String], _ sql: String, _ key: (String) -> String) throws {
                for value in values where result[value] == nil {
                    if let text = try String.fetchOne(db, sql: sql, arguments: [key(value)]), let id = PaperID(text) { result[value] = id }
                }
            }
            try lookup(arxivIDs, "SELECT id FROM paper WHERE id = ?") { $0 }
            try lookup(dois, "SELECT id FROM paper WHERE doi = ?") { $0.lowercased() }
            try lookup(titles, "SELECT id FROM paper WHERE lower(title) = ? LIMIT 1") { $0.lowercased() }
            return result
        }
    }
}
