import Foundation
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore {
    /// How a nearest-neighbour query inside PostgreSQL is answered.
    public enum VectorScan: Sendable {
        /// pgvector's HNSW index, visiting `efSearch` candidates (pgvector's default is 40); iterative scans keep
        /// going when rows are filtered out.
        case hnsw(efSearch: Int)
        /// Every stored vector compared (the reference a recall is measured against).
        case exact
    }

    /// The `limit` papers whose current `model` embedding is nearest to `vector` by cosine distance, best first, as
    /// (row key, cosine similarity).
    public func nearestPapers(to vector: [Float], model: String, limit: Int, scan: VectorScan) async throws -> [ScoredPaper] {
        let logger = self.logger
        let query = Self.vectorText(vector)
        return try await database.transaction { connection in
            switch scan {
            case .hnsw(let efSearch):
                try await connection.execute(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(max(1, min(efSearch, 1_000)))"), logger: logger)
                try await connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order", logger: logger)
            case .exact:
                try await connection.execute("SET LOCAL enable_indexscan = off", logger: logger)
            }
            // The index answers the inner query (one table, ORDER BY distance LIMIT); stale vectors (the paper changed
            // since it was embedded, rare: the embedder keeps up) are dropped after, so the inner limit is doubled.
            let rows = try await connection.rows("""
                SELECT c.paper, c.similarity FROM (
                    SELECT e.paper, e.fingerprint, 1 - (e.vector <=> \(query)::halfvec) AS similarity, e.vector <=> \(query)::halfvec AS distance
                    FROM paper_embedding e WHERE e.model = \(model)
                    ORDER BY e.vector <=> \(query)::halfvec LIMIT \(limit * 2)) c
                JOIN paper p ON p.seq = c.paper AND p.fingerprint = c.fingerprint
                ORDER BY c.distance LIMIT \(limit)
                """, logger: logger)
            // relaxed_order may return the last few slightly out of order.
            return try rows.map { ScoredPaper(key: try $0.get("paper"), score: try $0.get("similarity", Double.self)) }
                .sorted { $0.score != $1.score ? $0.score > $1.score : $0.key < $1.key }
        }
    }

    /// Rebuilds the HNSW index; its duration in seconds.
    public func rebuildVectorIndex() async throws -> Double {
        let start = ContinuousClock.now
        try await database.execute("REINDEX INDEX paper_embedding_hnsw")
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
