import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore {
    public func saveFeatures(_ features: [PaperFeature]) async throws -> Int {
        guard !features.isEmpty else { return 0 }
        return try await write { db in
            var saved = 0
            for f in features {
                try db.execute(sql: """
                    INSERT INTO paper_feature (paper, source, day, upvotes)
                    SELECT seq, ?, ?, ? FROM paper WHERE id = ?
                    ON CONFLICT (paper, source) DO UPDATE SET day = excluded.day, upvotes = excluded.upvotes
                    """, arguments: [f.source, f.day.description, f.upvotes, f.paper.rawValue])
                saved += db.changesCount
            }
            return saved
        }
    }

    public func deletePapers(_ ids: [PaperID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let deleted = try await write { db -> Int in
            var tombstones: [KeywordSegment.Doc] = []
            for id in ids {
                guard let row = try Row.fetchOne(db, sql: "SELECT seq, day FROM paper WHERE id = ?", arguments: [id.rawValue]) else { continue }
                let seq: Int64 = row["seq"]
                try db.execute(sql: "DELETE FROM paper_category WHERE paper = ?", arguments: [seq])
                try db.execute(sql: "DELETE FROM paper_embedding WHERE paper = ?", arguments: [seq])
                try db.execute(sql: "DELETE FROM paper_feature WHERE paper = ?", arguments: [seq])
                try db.execute(sql: "DELETE FROM paper WHERE seq = ?", arguments: [seq])
                tombstones.append(KeywordSegment.Doc(seq: UInt32(seq), length: KeywordSegment.Doc.deletedLength,
                                                     day: Int32(clamping: (Day(row["day"] as String) ?? Day(daysSinceEpoch: 0)).daysSinceEpoch),
                                                     categories: []))
            }
            // The keyword index forgets them in the same transaction: a segment whose documents are
            // tombstones makes every older posting of those rows dead.
            try KeywordIndexStorage.append(KeywordSegment(docs: tombstones.sorted { $0.seq < $1.seq }, postings: []), in: db)
            return tombstones.count
        }
        return deleted
    }

    public func harvestState(key: String) async throws -> HarvestState? {
        try await pool.read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT state FROM harvest_state WHERE key = ?", arguments: [key]) else { return nil }
            return try JSONDecoder().decode(HarvestState.self, from: Data(text.utf8))
        }
    }

    public func harvestStates() async throws -> [String: HarvestState] {
        try await pool.read { db in
            var result: [String: HarvestState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, state FROM harvest_state") {
                result[row["key"]] = try JSONDecoder().decode(HarvestState.self, from: Data((row["state"] as String).utf8))
            }
            return result
        }
    }

    public func saveHarvestState(_ state: HarvestState, key: String, now: Double) async throws {
        let text = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO harvest_state (key, state, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                """, arguments: [key, text, now])
        }
    }

    public func acquireLease(_ name: String, holder: String, seconds: Double, replacing: String?, now: Double) async throws -> Bool {
        return try await write { db in
            try db.execute(sql: """
                INSERT INTO lease (name, holder, expires_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE lease.holder = excluded.holder OR lease.expires_at < ?4 OR lease.holder = ?5
                """, arguments: [name, holder, now + seconds, now, replacing])
            return db.changesCount == 1
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM lease WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    public func leaseHolder(_ name: String, now: Double) async throws -> (holder: String, expiresAt: Double)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT holder, expires_at FROM lease WHERE name = ? AND expires_at >= ?",
                             arguments: [name, now]).map { ($0["holder"], $0["expires_at"]) }
        }
    }
}
