import Foundation
import PapersCore
import PapersStore
import PostgresNIO

/// How nearest-neighbour searches inside PostgreSQL are answered (docs/postgres.md has the measurements behind the
/// defaults).
public struct VectorSearchSettings: Sendable {
    /// Candidates pgvector's HNSW scan keeps (`hnsw.ef_search`; pgvector's default is 40). Title-like queries against
    /// abstracts need far more than a stored paper's own vector does: on the arXiv sample (74,728 papers, index m 16,
    /// ef_construction 64) recall@10 is 0.838 at 40, 0.914 at 100, 0.957 at 200 and 0.977 at 400 (docs/postgres.md).
    public var efSearch: Int
    /// A filtered search whose filters leave at most this many papers compares the query with each of them (exact,
    /// a primary-key lookup per paper); wider filters go through the HNSW index with the filter in SQL and
    /// pgvector's iterative scans.
    public var exactScanUpTo: Int
    /// Whether pgvector's iterative index scans are used (0.8 and later); nil: found out when the store opens. Without
    /// them every filtered search is an exact scan of the filter's papers, and a search returns at most `efSearch` rows.
    public var iterativeScans: Bool?

    /// A candidate list of 400 (recall@10 ≥ 0.97 on the arXiv sample's title queries); exact scans up to 5,000
    /// papers: on the arXiv sample the exact scan wins at 1,906 papers (4.9 against 15.5 ms) and loses at 10,949
    /// (75 against 11 ms), where the index no longer skips most of what it visits.
    public init(efSearch: Int = 400, exactScanUpTo: Int = 5_000, iterativeScans: Bool? = nil) {
        self.efSearch = efSearch
        self.exactScanUpTo = exactScanUpTo
        self.iterativeScans = iterativeScans
    }
}

extension PostgresPaperStore: DatabaseVectorSearch {
    /// How a nearest-neighbour query inside PostgreSQL is answered.
    public enum VectorScan: Sendable {
        /// pgvector's HNSW index, visiting `efSearch` candidates (pgvector's default is 40); iterative scans keep
        /// going when rows are filtered out.
        case hnsw(efSearch: Int)
        /// Every stored vector compared (the reference a recall is measured against).
        case exact
    }

    public func nearestPapers(to vector: [Float], model: String, limit: Int, excluding: Set<Int64>,
                              filters: SearchFilters) async throws -> [ScoredPaper] {
        guard limit > 0 else { return [] }
        if filters.isEmpty {
            return try await nearestPapers(to: vector, model: model, limit: limit, excluding: excluding, scan: .hnsw(efSearch: vectorSearch.efSearch))
        }
        let reader = try await keywordReader()
        let authors = try await filters.author.asyncFlatMap { try await authorRows($0, reader: reader) }
        let iterative = detectedIterativeScans.withLock { $0 }
        if let rows = reader.rows(passing: filters, among: authors, atMost: iterative ? vectorSearch.exactScanUpTo : .max) {
            return try await nearestPapers(to: vector, model: model, limit: limit, among: rows.map(Int64.init).filter { !excluding.contains($0) })
        }
        // More than `exactScanUpTo` pass, so at least that share of what the index visits does: enough visited tuples
        // for twice the rows asked (the inner query's limit), instead of pgvector's default cap of 20,000, which a
        // 1% filter and a hybrid search's depth would exhaust.
        let total = max(reader.liveCount, 1)
        let visits = min(total, max(20_000, 4 * limit * total / max(vectorSearch.exactScanUpTo, 1)))
        return try await nearestPapers(to: vector, model: model, limit: limit, excluding: excluding,
                                       scan: .hnsw(efSearch: vectorSearch.efSearch), filters: filters, authors: authors, maxScanTuples: visits)
    }

    public func similarities(to vector: [Float], model: String, keys: [Int64]) async throws -> [Int64: Float] {
        guard !keys.isEmpty else { return [:] }
        let query = Self.vectorText(vector)
        // No check against the paper's fingerprint here, unlike the nearest papers: a changed paper's previous vector
        // gives its cosine until the embedder replaces it (as in the in-process index), and the hybrid search's
        // 1,000 candidates cost half as much (3.5 instead of 7.6 ms on the arXiv sample).
        let rows = try await database.rows("""
            SELECT e.paper, 1 - (e.vector <=> \(query)::halfvec) AS similarity
            FROM paper_embedding e WHERE e.model = \(model) AND e.paper = ANY(\(keys))
            """)
        var result: [Int64: Float] = [:]
        for row in rows { result[try row.get("paper")] = Float(try row.get("similarity", Double.self)) }
        return result
    }

    /// The `limit` papers whose current `model` embedding is nearest to `vector` by cosine distance, best first, as
    /// (row key, cosine similarity), leaving out `excluding` and, for an HNSW scan, papers failing `filters` (the
    /// author part given as the rows it allows, `authors`); an iterative HNSW scan visits at most `maxScanTuples`
    /// index tuples (pgvector's default: 20,000).
    public func nearestPapers(to vector: [Float], model: String, limit: Int, excluding: Set<Int64> = [], scan: VectorScan,
                              filters: SearchFilters = .init(), authors: Set<UInt32>? = nil,
                              maxScanTuples: Int? = nil) async throws -> [ScoredPaper] {
        let logger = self.logger
        let iterative = detectedIterativeScans.withLock { $0 }
        var conditions = ["e.model = :model"]
        var values: [String: SQLValue] = ["model": .text(model), "query": .text(Self.vectorText(vector)), "inner": .integer(Int64(limit * 2)),
                                          "limit": .integer(Int64(limit))]
        if !excluding.isEmpty {
            conditions.append("e.paper <> ALL(:excluded)")
            values["excluded"] = .integers(excluding.sorted())
        }
        if let authors {
            conditions.append("e.paper = ANY(:authors)")
            values["authors"] = .integers(authors.sorted().map(Int64.init))
        }
        if filters.from != nil || filters.to != nil {
            conditions.append("EXISTS (SELECT 1 FROM paper f WHERE f.seq = e.paper AND f.day BETWEEN :from AND :to)")
            values["from"] = .text(filters.from?.description ?? "0000-00-00")
            values["to"] = .text(filters.to?.description ?? "9999-99-99")
        }
        if let category = filters.category {
            conditions.append("EXISTS (SELECT 1 FROM paper_category c WHERE c.category = :category AND c.paper = e.paper)")
            values["category"] = .text(category)
        }
        // The index answers the inner query (one table, ORDER BY distance LIMIT); stale vectors (the paper changed
        // since it was embedded, rare: the embedder keeps up) are dropped after, so the inner limit is doubled.
        let statement = try PostgresDatabase.named("""
            SELECT c.paper, 1 - c.distance AS similarity FROM (
                SELECT e.paper, e.fingerprint, e.vector <=> :query::halfvec AS distance
                FROM paper_embedding e WHERE \(conditions.joined(separator: " AND "))
                ORDER BY e.vector <=> :query::halfvec LIMIT :inner) c
            JOIN paper p ON p.seq = c.paper AND p.fingerprint = c.fingerprint
            ORDER BY c.distance LIMIT :limit
            """, values)
        return try await database.transaction { connection in
            switch scan {
            case .hnsw(let efSearch):
                // Without iterative scans the index returns at most ef_search rows: at least the inner limit then.
                let candidates = iterative ? efSearch : max(efSearch, 2 * limit)
                try await connection.execute(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(max(1, min(candidates, 1_000)))"), logger: logger)
                guard iterative else { break }
                try await connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order", logger: logger)
                if let maxScanTuples {
                    try await connection.execute(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.max_scan_tuples = \(max(1, maxScanTuples))"), logger: logger)
                }
            case .exact:
                try await connection.execute("SET LOCAL enable_indexscan = off", logger: logger)
            }
            return try Self.bestFirst(try await connection.rows(statement, logger: logger))
        }
    }

    /// The exact nearest among the papers `rows` (a narrow filter's papers): one primary-key lookup each. Ordered by
    /// similarity, not distance, so the planner cannot answer it from the HNSW index (approximate, and without
    /// iterative scans here it could return fewer papers than the filter has).
    func nearestPapers(to vector: [Float], model: String, limit: Int, among rows: [Int64]) async throws -> [ScoredPaper] {
        guard !rows.isEmpty else { return [] }
        let query = Self.vectorText(vector)
        return try Self.bestFirst(try await database.rows("""
            SELECT e.paper, 1 - (e.vector <=> \(query)::halfvec) AS similarity
            FROM paper_embedding e JOIN paper p ON p.seq = e.paper AND p.fingerprint = e.fingerprint
            WHERE e.model = \(model) AND e.paper = ANY(\(rows))
            ORDER BY similarity DESC, e.paper LIMIT \(limit)
            """))
    }

    /// Rows of (paper, similarity) best first; ties by row key, as the in-process index orders them (relaxed_order
    /// may return the last few slightly out of order).
    private static func bestFirst(_ rows: [PostgresRandomAccessRow]) throws -> [ScoredPaper] {
        try rows.map { ScoredPaper(key: try $0.get("paper"), score: try $0.get("similarity", Double.self)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.key < $1.key }
    }

    /// Papers passing `filters` (what chooses between the exact scan and the index; benchmarks report it).
    public func papersPassing(_ filters: SearchFilters) async throws -> Int {
        let reader = try await keywordReader()
        let authors = try await filters.author.asyncFlatMap { try await authorRows($0, reader: reader) }
        return reader.rows(passing: filters, among: authors, atMost: .max)?.count ?? 0
    }

    /// Rebuilds the HNSW index; its duration in seconds.
    public func rebuildVectorIndex() async throws -> Double {
        let start = ContinuousClock.now
        try await database.execute("REINDEX INDEX paper_embedding_hnsw")
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
