import Foundation
import PapersCore
import PapersEmbedding
import PapersStore
import Synchronization

/// Query embedding plus a vector index over every paper, kept in step with the store's embeddings: exact
/// search while the collection is small, an HNSW graph (persisted, updated incrementally) from
/// ``Configuration/approximateFrom`` papers on.
public final class SemanticIndex: Sendable {
    /// When to go approximate and where the graph lives.
    public struct Configuration: Sendable {
        /// Papers from which the HNSW graph replaces exact search. Exact search reads every vector per query
        /// (1.5 KB a paper); docs/performance.md has the measurement behind the default.
        public var approximateFrom: Int
        /// Folder for the graph file (`<model>.hnsw` and `.json`); nil keeps it in memory only.
        public var directory: String?
        /// Graph settings for new graphs.
        public var parameters: ApproximateVectorIndex.Parameters
        /// Query embeddings remembered per generation (0: none — what a latency benchmark wants, since it
        /// runs every query twice).
        public var rememberedQueries: Int
        /// Rank inside the store's database when it can (PostgreSQL with pgvector: no vectors in this process, new
        /// embeddings seen by every server at once); false loads every vector into this process's index, as SQLite
        /// always does — `papers bench search` compares the two.
        public var rankInDatabase: Bool

        /// Defaults: approximate from 20,000 papers, not persisted, 2,048 query embeddings remembered, ranked in the
        /// database when the store can.
        public init(approximateFrom: Int = 20_000, directory: String? = nil, parameters: ApproximateVectorIndex.Parameters = .init(),
                    rememberedQueries: Int = 2_048, rankInDatabase: Bool = true) {
            self.approximateFrom = approximateFrom
            self.directory = directory
            self.parameters = parameters
            self.rememberedQueries = rememberedQueries
            self.rankInDatabase = rankInDatabase
        }
    }

    /// The configuration for a Papers home: graphs saved under `home/index`.
    public static func configuration(home: String) -> Configuration {
        Configuration(directory: URL(fileURLWithPath: home).appendingPathComponent("index").path)
    }

    /// The encoder queries go through (the same model as the stored vectors).
    public let encoder: SentenceEncoder
    /// Settings.
    public let configuration: Configuration
    let store: any PaperStore
    private let state = Mutex<(generation: Int64, task: Task<LoadedVectors, any Error>)?>(nil)
    /// Recent query embeddings: paging through results, a refreshed page and evaluation grids ask for the same
    /// text again, and each costs milliseconds of encoder time.
    private let recentQueries: Mutex<QueryEmbeddingCache>

    /// An index and the embedding generation it reflects.
    struct LoadedVectors: Sendable {
        var index: any VectorSearching
        var generation: Int64
    }

    /// Semantic search over `store`'s vectors of `encoder`'s model.
    public init(store: any PaperStore, encoder: SentenceEncoder, configuration: Configuration = .init()) {
        self.store = store
        self.encoder = encoder
        self.configuration = configuration
        recentQueries = Mutex(QueryEmbeddingCache(capacity: configuration.rememberedQueries))
    }

    /// Where the graph of this model is saved, if anywhere.
    public var graphPath: String? {
        configuration.directory.map { URL(fileURLWithPath: $0).appendingPathComponent("\(encoder.name).hnsw").path }
    }

    /// The store's own vector ranking, when the configuration lets it answer.
    public var databaseRanking: (any DatabaseVectorSearch)? {
        configuration.rankInDatabase ? store as? any DatabaseVectorSearch : nil
    }

    /// The `k` papers nearest `vector` (unit length), best first by cosine, leaving out `excluding` and papers
    /// failing `filters`: ranked by the database when it can, else by this process's index.
    public func nearest(to vector: [Float], k: Int, excluding: Set<Int64> = [], filters: SearchFilters = .init()) async throws -> [ScoredPaper] {
        if let databaseRanking {
            return try await databaseRanking.nearestPapers(to: vector, model: encoder.name, limit: k, excluding: excluding, filters: filters)
        }
        let filter = try await store.filterPredicate(filters)
        return try await index().nearest(to: vector, k: k, excluding: excluding, filter: filter)
    }

    /// Cosine of `vector` with the stored embedding of each of `keys` (keys without one are left out).
    public func similarities(to vector: [Float], keys: [Int64]) async throws -> [Int64: Float] {
        guard !keys.isEmpty else { return [:] }
        if let databaseRanking { return try await databaseRanking.similarities(to: vector, model: encoder.name, keys: keys) }
        return try await index().similarities(to: vector, keys: keys)
    }

    /// Loads (or builds) the in-process index now, when searches will use it, rather than in the first search's time.
    public func prepare() async throws {
        if databaseRanking == nil { _ = try await index() }
    }

    /// The current vector index, brought up to date when embeddings were stored since the last call.
    /// Concurrent callers share one load.
    public func index() async throws -> any VectorSearching {
        let generation = try await store.embeddingGeneration(model: encoder.name)
        let task = state.withLock { current -> Task<LoadedVectors, any Error> in
            if let current, current.generation == generation { return current.task }
            let previous = current?.task
            let task = Task { try await self.load(generation: generation, previous: previous) }
            current = (generation, task)
            return task
        }
        do {
            return try await task.value.index
        } catch {
            // Do not keep a failure: the next call tries again.
            state.withLock { if $0?.task == task { $0 = nil } }
            throw error
        }
    }

    /// Brings the index up to date and, when it is a graph and a directory is configured, saves it, so the
    /// next process starts from it (called after `papers embed` and `papers import`).
    public func updateSavedGraph() async throws {
        guard databaseRanking == nil else { return }
        let index = try await self.index()
        guard let graph = index as? ApproximateVectorIndex, let path = graphPath,
              let generation = state.withLock({ $0?.generation }) else { return }
        try graph.save(to: path, generation: generation)
    }

    private func load(generation: Int64, previous: Task<LoadedVectors, any Error>?) async throws -> LoadedVectors {
        let model = encoder.name
        if let old = try? await previous?.value, let graph = old.index as? ApproximateVectorIndex {
            let fresh = try await store.embeddingMatrix(model: model, storedAfter: old.generation)
            try graph.add(fresh)
            return LoadedVectors(index: graph, generation: generation)
        }
        // A saved graph at or above the threshold answers without counting the embeddings first: the exact
        // count joins every vector row with its paper (seconds at a million papers).
        if let path = graphPath, FileManager.default.fileExists(atPath: path + ".json"),
           let saved = try? ApproximateVectorIndex.load(from: path, dimension: encoder.dimension),
           saved.index.count >= configuration.approximateFrom {
            let fresh = try await store.embeddingMatrix(model: model, storedAfter: saved.generation)
            try saved.index.add(fresh)
            if fresh.count > saved.index.count / 10 { try saved.index.save(to: path, generation: generation) }
            return LoadedVectors(index: saved.index, generation: generation)
        }
        let count = try await store.embeddedPaperCount(model: model)
        if count < configuration.approximateFrom {
            return LoadedVectors(index: ExactVectorIndex(matrix: try await store.embeddingMatrix(model: model)), generation: generation)
        }
        return LoadedVectors(index: try await rebuild(generation: generation), generation: generation)
    }

    /// Builds a new graph from every stored vector and saves it (when a directory is configured).
    @discardableResult
    public func rebuild(generation: Int64? = nil, progress: (@Sendable (Int) -> Void)? = nil) async throws -> ApproximateVectorIndex {
        var current = generation ?? 0
        if generation == nil { current = try await store.embeddingGeneration(model: encoder.name) }
        let matrix = try await store.embeddingMatrix(model: encoder.name)
        var parameters = configuration.parameters
        parameters.scale = ApproximateVectorIndex.scale(for: matrix.values)
        let graph = try ApproximateVectorIndex(dimension: encoder.dimension, capacity: matrix.count, parameters: parameters)
        try graph.add(matrix, progress: progress)
        if let path = graphPath {
            try graph.save(to: path, generation: current)
        }
        return graph
    }

    /// The unit vector of a query text, computed off the Swift concurrency pool: a few milliseconds each, but
    /// under load they must not starve the tasks serving other requests.
    /// Recent texts are answered from memory.
    public func embed(query: String) async -> [Float] {
        guard configuration.rememberedQueries > 0 else { return await encoder.embedInBackground([query])[0] }
        if let known = recentQueries.withLock({ $0.vector(for: query) }) { return known }
        let vector = await encoder.embedInBackground([query])[0]
        recentQueries.withLock { $0.insert(vector, for: query) }
        return vector
    }
}

/// Two generations of query embeddings: a text found in the older one moves to the newer; when the newer is
/// full, the older is dropped. Approximately least-recently-used, at most `2 × capacity` vectors (≈ 3 MB a
/// thousand for MiniLM).
struct QueryEmbeddingCache {
    let capacity: Int
    private var current: [String: [Float]] = [:]
    private var previous: [String: [Float]] = [:]

    init(capacity: Int) { self.capacity = max(capacity, 1) }

    mutating func vector(for text: String) -> [Float]? {
        if let vector = current[text] { return vector }
        guard let vector = previous.removeValue(forKey: text) else { return nil }
        insert(vector, for: text)
        return vector
    }

    mutating func insert(_ vector: [Float], for text: String) {
        if current.count >= capacity {
            previous = current
            current = [:]
        }
        current[text] = vector
    }
}
