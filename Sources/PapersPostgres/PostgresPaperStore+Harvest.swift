import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore: PaperStore {
    public func saveFeatures(_ features: [PaperFeature]) async throws -> Int {
        guard !features.isEmpty else { return 0 }
        let logger = self.logger
        return try await database.transaction { connection in
            var saved = 0
            for f in features {
                saved += try await connection.rows("""
                    INSERT INTO paper_feature (paper, source, day, upvotes)
                    SELECT seq, \(f.source), \(f.day.description), \(f.upvotes) FROM paper WHERE id = \(f.paper.rawValue)
                    ON CONFLICT (paper, source) DO UPDATE SET day = excluded.day, upvotes = excluded.upvotes
                    RETURNING paper
                    """, logger: logger).count
            }
            return saved
        }
    }

    public func deletePapers(_ ids: [PaperID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let logger = self.logger
        let count = try await database.transaction { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.writeLock))", logger: logger)
            let deleted = try await connection.rows("DELETE FROM paper WHERE id = ANY(\(ids.map(\.rawValue))) RETURNING seq, day", logger: logger)
            // The keyword index forgets them in the same transaction: a segment of tombstones makes every older
            // posting of those rows dead. Rows that hang off a paper go with it (ON DELETE CASCADE).
            let tombstones = try deleted.map { row in
                KeywordSegment.Doc(seq: UInt32(try row.get("seq", Int64.self)), length: KeywordSegment.Doc.deletedLength,
                                   day: Int32(clamping: (Day(try row.get("day", String.self)) ?? Day(daysSinceEpoch: 0)).daysSinceEpoch),
                                   categories: [])
            }
            try await Self.appendSegment(KeywordSegment(docs: tombstones.sorted { $0.seq < $1.seq }, postings: []), on: connection, logger: logger)
            return tombstones.count
        }
        segments.wrote()
        return count
    }

    public func harvestState(key: String) async throws -> HarvestState? {
        guard let text = try await database.row("SELECT state FROM harvest_state WHERE key = \(key)")?.get("state", String.self) else { return nil }
        return try JSONDecoder().decode(HarvestState.self, from: Data(text.utf8))
    }

    public func harvestStates() async throws -> [String: HarvestState] {
        var result: [String: HarvestState] = [:]
        for row in try await database.rows("SELECT key, state FROM harvest_state") {
            result[try row.get("key")] = try JSONDecoder().decode(HarvestState.self, from: Data(try row.get("state", String.self).utf8))
        }
        return result
    }

    public func saveHarvestState(_ state: HarvestState, key: String, now: Double) async throws {
        let text = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await database.execute("""
            INSERT INTO harvest_state (key, state, updated_at) VALUES (\(key), \(text), \(now))
            ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
            """)
    }

    public func acquireLease(_ name: String, holder: String, seconds: Double, replacing: String?, now: Double) async throws -> Bool {
        // One statement: the row lock taken by ON CONFLICT decides between servers racing for the lease.
        try await !database.rows("""
            INSERT INTO lease (name, holder, expires_at) VALUES (\(name), \(holder), \(now + seconds))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE lease.holder = excluded.holder OR lease.expires_at < \(now) OR lease.holder = \(replacing)
            RETURNING name
            """).isEmpty
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await database.execute("DELETE FROM lease WHERE name = \(name) AND holder = \(holder)")
    }

    public func leaseHolder(_ name: String, now: Double) async throws -> (holder: String, expiresAt: Double)? {
        try await database.row("SELECT holder, expires_at FROM lease WHERE name = \(name) AND expires_at >= \(now)")
            .map { (try $0.get("holder"), try $0.get("expires_at")) }
    }

    // MARK: embeddings

    /// Rows that lack a current embedding: none stored, another model's, or the paper changed since.
    private static let staleCondition = "(e.paper IS NULL OR e.model <> $1 OR e.fingerprint <> p.fingerprint)"

    public func papersToEmbed(model: String, after cursor: Int64?, limit: Int) async throws -> [EmbeddingJob] {
        var binds = PostgresBindings()
        binds.append(model)
        binds.append(cursor ?? 0)
        binds.append(limit)
        return try await database.rows(PostgresQuery(unsafeSQL: """
            SELECT p.seq, p.id, p.title, p.abstract, p.fingerprint FROM paper p
            LEFT JOIN paper_embedding e ON e.paper = p.seq
            WHERE p.seq > $2 AND \(Self.staleCondition)
            ORDER BY p.seq LIMIT $3
            """, binds: binds)).compactMap { row in
            guard let id = PaperID(try row.get("id", String.self)) else { return nil }
            return EmbeddingJob(cursor: try row.get("seq"), id: id,
                                text: Paper.embeddingText(title: try row.get("title"), abstract: try row.get("abstract")),
                                fingerprint: [UInt8](try row.get("fingerprint", Data.self)))
        }
    }

    public func papersToEmbedCount(model: String) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(model)
        return try await database.row(PostgresQuery(unsafeSQL: """
            SELECT count(*) AS n FROM paper p LEFT JOIN paper_embedding e ON e.paper = p.seq WHERE \(Self.staleCondition)
            """, binds: binds))?.get("n", Int.self) ?? 0
    }

    /// A vector in pgvector's text form (`[0.1,0.2,…]`), cast to `halfvec` by the statement.
    static func vectorText(_ vector: [Float]) -> String {
        "[" + vector.map { String($0) }.joined(separator: ",") + "]"
    }

    public func saveEmbeddings(_ embeddings: [PaperEmbedding], model: String) async throws {
        guard !embeddings.isEmpty else { return }
        let logger = self.logger
        try await database.transaction { connection in
            let generation: Int64 = try await connection.rows("""
                INSERT INTO embedding_generation (model, generation) VALUES (\(model), 1)
                ON CONFLICT (model) DO UPDATE SET generation = embedding_generation.generation + 1 RETURNING generation
                """, logger: logger)[0].get("generation")
            // One statement per batch: the arrays unnest side by side.
            try await connection.execute("""
                INSERT INTO paper_embedding (paper, model, fingerprint, vector, generation)
                SELECT p.seq, \(model), decode(x.fingerprint, 'hex'), x.vector::halfvec, \(generation)
                FROM unnest(\(embeddings.map(\.job.cursor)), \(embeddings.map { $0.job.fingerprint.map { String(format: "%02x", $0) }.joined() }), \(embeddings.map { Self.vectorText($0.vector) }))
                     AS x(seq, fingerprint, vector)
                JOIN paper p ON p.seq = x.seq
                ON CONFLICT (paper) DO UPDATE SET model = excluded.model, fingerprint = excluded.fingerprint,
                    vector = excluded.vector, generation = excluded.generation
                """, logger: logger)
        }
    }

    public func embeddingGeneration(model: String) async throws -> Int64 {
        try await database.row("SELECT generation FROM embedding_generation WHERE model = \(model)")?.get("generation", Int64.self) ?? 0
    }

    public func embeddingMatrix(model: String, storedAfter generation: Int64) async throws -> EmbeddingMatrix {
        var keys: [Int64] = []
        var values: [Float] = []
        var dimension = 0
        for row in try await database.rows("""
            SELECT e.paper, e.vector::real[] AS vector FROM paper_embedding e JOIN paper p ON p.seq = e.paper
            WHERE e.model = \(model) AND e.generation > \(generation) AND e.fingerprint = p.fingerprint ORDER BY e.paper
            """) {
            let vector = try row.get("vector", [Float].self)
            if dimension == 0 { dimension = vector.count }
            guard vector.count == dimension else { continue }
            keys.append(try row.get("paper"))
            values += vector
        }
        return EmbeddingMatrix(keys: keys, values: values, dimension: dimension)
    }

    public func embedding(of id: PaperID, model: String) async throws -> [Float]? {
        try await database.row("""
            SELECT e.vector::real[] AS vector FROM paper p JOIN paper_embedding e ON e.paper = p.seq
            WHERE p.id = \(id.rawValue) AND e.model = \(model) AND e.fingerprint = p.fingerprint
            """)?.get("vector", [Float].self)
    }

    public func embeddedPaperCount(model: String) async throws -> Int {
        try await database.row("""
            SELECT count(*) AS n FROM paper p JOIN paper_embedding e ON e.paper = p.seq
            WHERE e.model = \(model) AND e.fingerprint = p.fingerprint
            """)?.get("n", Int.self) ?? 0
    }
}
