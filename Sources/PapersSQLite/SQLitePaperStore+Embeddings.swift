import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore {
    /// Rows that lack a current embedding: none stored, another model's, or the paper changed since.
    private static let staleCondition = "(e.paper IS NULL OR e.model <> ? OR e.fingerprint <> p.fingerprint)"

    public func papersToEmbed(model: String, after cursor: Int64?, limit: Int) async throws -> [EmbeddingJob] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.seq, p.id, p.title, p.abstract, p.fingerprint FROM paper p
                LEFT JOIN paper_embedding e ON e.paper = p.seq
                WHERE p.seq > ? AND \(Self.staleCondition)
                ORDER BY p.seq LIMIT ?
                """, arguments: [cursor ?? 0, model, limit]).compactMap { row in
                guard let id = PaperID(row["id"] as String) else { return nil }
                return EmbeddingJob(cursor: row["seq"], id: id,
                                    text: Paper.embeddingText(title: row["title"], abstract: row["abstract"]),
                                    fingerprint: [UInt8](row["fingerprint"] as Data))
            }
        }
    }

    public func papersToEmbedCount(model: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM paper p LEFT JOIN paper_embedding e ON e.paper = p.seq WHERE \(Self.staleCondition)
                """, arguments: [model]) ?? 0
        }
    }

    public func saveEmbeddings(_ embeddings: [PaperEmbedding], model: String) async throws {
        guard !embeddings.isEmpty else { return }
        try await write { db in
            try db.execute(sql: """
                INSERT INTO embedding_generation (model, generation) VALUES (?, 1)
                ON CONFLICT (model) DO UPDATE SET generation = generation + 1
                """, arguments: [model])
            let generation = try Int64.fetchOne(db, sql: "SELECT generation FROM embedding_generation WHERE model = ?",
                                                arguments: [model]) ?? 0
            let statement = try db.cachedStatement(sql: """
                INSERT INTO paper_embedding (paper, model, fingerprint, vector, generation)
                SELECT seq, ?, ?, ?, ? FROM paper WHERE seq = ?
                ON CONFLICT (paper) DO UPDATE SET model = excluded.model, fingerprint = excluded.fingerprint,
                    vector = excluded.vector, generation = excluded.generation
                """)
            for embedding in embeddings {
                try statement.execute(arguments: [model, Data(embedding.job.fingerprint),
                                                  Self.encode(embedding.vector), generation, embedding.job.cursor])
            }
        }
    }

    public func embeddingGeneration(model: String) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT generation FROM embedding_generation WHERE model = ?", arguments: [model]) ?? 0
        }
    }

    public func embeddingMatrix(model: String, storedAfter generation: Int64) async throws -> EmbeddingMatrix {
        try await pool.read { db in
            var keys: [Int64] = []
            var values: [Float] = []
            var dimension = 0
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT e.paper, e.vector FROM paper_embedding e JOIN paper p ON p.seq = e.paper
                WHERE e.model = ? AND e.generation > ? AND e.fingerprint = p.fingerprint ORDER BY e.paper
                """, arguments: [model, generation])
            while let row = try cursor.next() {
                let data: Data = row[1]
                let width = data.count / MemoryLayout<Float>.size
                if dimension == 0 {
                    dimension = width
                    let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM paper_embedding WHERE model = ? AND generation > ?",
                                                 arguments: [model, generation]) ?? 0
                    keys.reserveCapacity(total)
                    values.reserveCapacity(total * width)
                }
                // A vector of another width (a model folder swapped under the same name) is skipped, not mixed in.
                guard width == dimension else { continue }
                keys.append(row[0])
                data.withUnsafeBytes { raw in
                    for i in 0..<width { values.append(raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self)) }
                }
            }
            return EmbeddingMatrix(keys: keys, values: values, dimension: dimension)
        }
    }

    public func rowKey(of id: PaperID) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM paper WHERE id = ?", arguments: [id.rawValue])
        }
    }

    public func embedding(of id: PaperID, model: String) async throws -> [Float]? {
        try await pool.read { db in
            let data = try Data.fetchOne(db, sql: """
                SELECT e.vector FROM paper p JOIN paper_embedding e ON e.paper = p.seq
                WHERE p.id = ? AND e.model = ? AND e.fingerprint = p.fingerprint
                """, arguments: [id.rawValue, model])
            return data.map(Self.decode)
        }
    }

    public func embeddedPaperCount(model: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM paper p JOIN paper_embedding e ON e.paper = p.seq
                WHERE e.model = ? AND e.fingerprint = p.fingerprint
                """, arguments: [model]) ?? 0
        }
    }

    /// float32 little-endian bytes (the layout of every platform Papers runs on, checked at compile time).
    static func encode(_ vector: [Float]) -> Data {
        #if _endian(big)
        #error("vector blobs are little-endian; add byte swapping for big-endian hosts")
        #endif
        return vector.withUnsafeBytes { Data($0) }
    }

    static func decode(_ data: Data) -> [Float] {
        let count = data.count / MemoryLayout<Float>.size
        return data.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        }
    }
}
