import Foundation
import GRDB
import PapersCore
import PapersStore

/// Keeps the keyword index's segments in SQLite, in the same transactions as the papers; the policy and the
/// verification are ``KeywordIndexMaintenance``'s.
enum KeywordIndexStorage {
    /// Writes a new segment, then merges while some size tier is full.
    static func append(_ segment: KeywordSegment, in db: Database) throws {
        guard !segment.docs.isEmpty else { return }
        try db.execute(sql: "INSERT INTO keyword_segment (doc_count, docs, postings) VALUES (?, ?, ?)",
                       arguments: [segment.docs.count, Data(segment.encodeDocs()), Data(segment.encodePostings())])
        while try mergeOnce(in: db) {}
    }

    /// Merges the lowest full tier; `false` when no tier is full.
    static func mergeOnce(in db: Database) throws -> Bool {
        let all = try Row.fetchAll(db, sql: "SELECT id, doc_count FROM keyword_segment ORDER BY id")
            .map { (id: $0["id"] as Int64, count: $0["doc_count"] as Int) }
        guard let ordered = KeywordIndexMaintenance.segmentsToMerge(all) else { return false }
        let docsFrom = try all.filter { $0.id >= ordered[0] }.map { s in
            (id: s.id, docs: Array(try Data.fetchOne(db, sql: "SELECT docs FROM keyword_segment WHERE id = ?", arguments: [s.id]) ?? Data()))
        }
        var parts: [(docs: [UInt8], postings: [UInt8])] = []
        for id in ordered {
            guard let row = try Row.fetchOne(db, sql: "SELECT docs, postings FROM keyword_segment WHERE id = ?", arguments: [id]) else { continue }
            parts.append((Array(row["docs"] as Data), Array(row["postings"] as Data)))
        }
        let merged = try KeywordIndexMaintenance.merge(ordered: ordered, docsFrom: docsFrom, parts: parts)
        try db.execute(sql: "DELETE FROM keyword_segment WHERE id IN (\(ordered.map { _ in "?" }.joined(separator: ",")))",
                       arguments: StatementArguments(ordered))
        if !merged.docs.isEmpty {
            try db.execute(sql: "INSERT INTO keyword_segment (doc_count, docs, postings) VALUES (?, ?, ?)",
                           arguments: [merged.docs.count, Data(merged.encodeDocs()), Data(merged.encodePostings())])
        }
        return true
    }

    /// The papers among `seqs` whose title, abstract or author list contains `phrase` as consecutive terms.
    static func verifyPhrase(_ phrase: [String], in seqs: [UInt32], db: Database) throws -> Set<UInt32> {
        var verified = Set<UInt32>()
        for chunk in stride(from: 0, to: seqs.count, by: 500).map({ Array(seqs[$0..<min($0 + 500, seqs.count)]) }) {
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, title, abstract, author_names FROM paper WHERE seq IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(chunk.map { Int64($0) }))
            verified.formUnion(KeywordIndexMaintenance.phraseMatches(phrase, rows: rows.map {
                (seq: UInt32($0["seq"] as Int64), fields: [$0["title"] as String, $0["abstract"] as String, $0["author_names"] as String])
            }))
        }
        return verified
    }

    /// Rows with an author whose name holds every word of `author` (analysed like the index); nil when
    /// `author` has no words.
    static func authorRows(_ author: String, reader: KeywordIndexReader, db: Database) throws -> Set<UInt32>? {
        guard let wanted = KeywordIndexMaintenance.authorTerms(author) else { return nil }
        let candidates = Array(reader.rows(containingAll: Array(wanted)))
        var verified = Set<UInt32>()
        for chunk in stride(from: 0, to: candidates.count, by: 500).map({ Array(candidates[$0..<min($0 + 500, candidates.count)]) }) {
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, authors FROM paper WHERE seq IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(chunk.map { Int64($0) }))
            verified.formUnion(KeywordIndexMaintenance.authorMatches(wanted, rows: rows.map { (seq: UInt32($0["seq"] as Int64), authorsJSON: $0["authors"] as String) }))
        }
        return verified
    }
}

extension KeywordIndexCache {
    /// The reader for the segments now in `pool`.
    func current(_ pool: DatabasePool) async throws -> KeywordIndexReader {
        try await current(sizes: {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, length(docs) AS d, length(postings) AS p FROM keyword_segment ORDER BY id")
                    .map { (id: $0["id"] as Int64, docs: $0["d"] as Int, postings: $0["p"] as Int) }
            }
        }, load: {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, docs, postings FROM keyword_segment ORDER BY id").map {
                    (id: $0["id"] as Int64, docs: Array($0["docs"] as Data), postings: Array($0["postings"] as Data))
                }
            }
        })
    }
}
