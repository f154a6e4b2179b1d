import CHNSW
import Foundation
import PapersEmbedding
import PapersStore
import Synchronization

/// What can answer nearest-neighbour questions about paper vectors: exactly (``ExactVectorIndex``) or
/// approximately (``ApproximateVectorIndex``).
public protocol VectorSearching: Sendable {
    /// Vectors searchable.
    var count: Int { get }
    /// The `k` most similar papers to `query` (a unit vector), best first, skipping `excluded` keys and
    /// those failing `filter`; scores are cosines.
    func nearest(to query: [Float], k: Int, excluding excluded: Set<Int64>, filter: ((Int64) -> Bool)?) -> [ScoredPaper]
    /// Cosine of `query` with the vectors of `keys` (keys without a vector are left out).
    func similarities(to query: [Float], keys: [Int64]) -> [Int64: Float]
}

extension VectorSearching {
    /// The `k` most similar papers to `query`, best first.
    public func nearest(to query: [Float], k: Int) -> [ScoredPaper] {
        nearest(to: query, k: k, excluding: [], filter: nil)
    }
}

/// Why a vector index file cannot be used.
public struct VectorIndexError: Error, CustomStringConvertible {
    /// The file concerned.
    public var path: String
    /// What went wrong.
    public var reason: String
    public var description: String { "vector index \(path): \(reason)" }
}

/// An HNSW graph (hnswlib, through the CHNSW shim) over 8-bit scalar-quantised unit vectors: a vector x is
/// stored as round(x / scale) clamped to ±127, so 384 floats take 384 bytes and the graph ~650 bytes a paper
/// with M = 32. Cosines come from integer inner products × scale²; the quantisation error is ~1e-3 on a
/// cosine, far below what separates neighbours (docs/search.md measures recall against exact search).
///
/// Searches run concurrently; additions take the write side of a lock and wait for searches to finish.
public final class ApproximateVectorIndex: @unchecked Sendable {
    /// Graph construction and search settings.
    public struct Parameters: Codable, Sendable, Equatable {
        /// Links per node (hnswlib doubles it on the bottom layer).
        public var m = 32
        /// Candidate list while inserting.
        public var efConstruction = 200
        /// Candidate list while searching (at least k is used). 384 holds recall@10 ≥ 0.97 against exact search
        /// on the arXiv sample's real embeddings with a margin (docs/search.md; 256 gave 0.972 at 37,696).
        public static let defaultSearchBreadth = 384
        /// Candidate list while searching (at least k is used).
        public var efSearch = Parameters.defaultSearchBreadth
        /// Float value of one code step.
        public var scale: Float = 0.5 / 127

        /// The defaults.
        public init() {}
    }

    /// Floats per vector.
    public let dimension: Int
    /// Settings it was built with.
    public let parameters: Parameters
    private let handle: OpaquePointer
    private let lock = ReadWriteLock()
    /// Every stored key, for filtered searches that the graph cannot answer (guarded by `lock`).
    private var keys: Set<Int64> = []

    private init(handle: OpaquePointer, dimension: Int, parameters: Parameters) {
        self.handle = handle
        self.dimension = dimension
        self.parameters = parameters
        papers_hnsw_set_ef(handle, parameters.efSearch)
    }

    deinit { papers_hnsw_free(handle) }

    /// An empty index with room for `capacity` vectors (it grows as needed).
    public convenience init(dimension: Int, capacity: Int, parameters: Parameters = .init()) throws {
        var error = [CChar](repeating: 0, count: 256)
        guard let handle = papers_hnsw_create(Int32(dimension), max(capacity, 1), Int32(parameters.m), Int32(parameters.efConstruction),
                                              100, &error, error.count) else {
            throw VectorIndexError(path: "(new)", reason: message(error))
        }
        self.init(handle: handle, dimension: dimension, parameters: parameters)
    }

    /// The scale that codes the 99.99th percentile of |component| in `values` as 127 (rarer outliers clamp).
    public static func scale(for values: [Float]) -> Float {
        guard !values.isEmpty else { return Parameters().scale }
        let stride = max(1, values.count / 1_000_000)
        var sample = Swift.stride(from: 0, to: values.count, by: stride).map { abs(values[$0]) }
        sample.sort()
        let q = sample[min(sample.count - 1, Int(Double(sample.count) * 0.9999))]
        return max(q, 1e-6) / 127
    }

    /// Number of vectors stored.
    public var count: Int { lock.read { keys.count } }

    /// The codes of `vector`.
    func quantise(_ vector: UnsafeBufferPointer<Float>) -> [Int8] {
        let inverse = 1 / parameters.scale
        return vector.map { Int8(clamping: Int(($0 * inverse).rounded())) }
    }

    /// Adds (or replaces) vectors: row i of `matrix` under `matrix.keys[i]`, using `threads` threads.
    public func add(_ matrix: EmbeddingMatrix, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int) -> Void)? = nil) throws {
        guard matrix.count > 0 else { return }
        precondition(matrix.dimension == dimension, "vector width \(matrix.dimension) ≠ index width \(dimension)")
        try lock.write {
            let needed = keys.count + matrix.count
            if needed > papers_hnsw_capacity(handle) {
                var error = [CChar](repeating: 0, count: 256)
                guard papers_hnsw_resize(handle, max(needed, papers_hnsw_capacity(handle) * 2), &error, error.count) == 0 else {
                    throw VectorIndexError(path: "(memory)", reason: message(error))
                }
            }
            let next = Atomic<Int>(0)
            let done = Atomic<Int>(0)
            let failure = Mutex<String?>(nil)
            let d = dimension
            let handle = UncheckedHandle(handle)
            let values = matrix.values, rowKeys = matrix.keys
            runOnOwnThreads(max(1, min(threads, matrix.count / 1_000 + 1))) {
                var error = [CChar](repeating: 0, count: 256)
                while true {
                    let row = next.add(1, ordering: .relaxed).oldValue
                    if row >= rowKeys.count { break }
                    let codes = values.withUnsafeBufferPointer { self.quantise(UnsafeBufferPointer(rebasing: $0[(row * d)..<((row + 1) * d)])) }
                    if papers_hnsw_add(handle.pointer, codes, UInt64(bitPattern: rowKeys[row]), &error, error.count) != 0 {
                        failure.withLock { $0 = message(error) }
                        break
                    }
                    let finished = done.add(1, ordering: .relaxed).newValue
                    if finished % 10_000 == 0 { progress?(finished) }
                }
            }
            if let message = failure.withLock({ $0 }) { throw VectorIndexError(path: "(memory)", reason: message) }
            keys.formUnion(matrix.keys)
        }
    }

    /// Sets the candidate list size of later searches (hnswlib's efSearch; at least k is used).
    public func setSearchBreadth(_ ef: Int) {
        lock.write { papers_hnsw_set_ef(handle, max(ef, 1)) }
    }

    /// Hides `key` from searches.
    public func remove(_ key: Int64) {
        lock.write {
            papers_hnsw_delete(handle, UInt64(bitPattern: key))
            keys.remove(key)
        }
    }

    public func nearest(to query: [Float], k: Int, excluding excluded: Set<Int64>, filter: ((Int64) -> Bool)?) -> [ScoredPaper] {
        guard k > 0, query.count == dimension else { return [] }
        let codes = query.withUnsafeBufferPointer(quantise)
        let unit = Double(parameters.scale) * Double(parameters.scale)
        return lock.read {
            // Filters and exclusions are checked after the graph search, so ask for more; when a selective
            // filter leaves fewer than k, scan the codes of every stored key instead (exact for the codes).
            let fetch = min(keys.count, filter == nil ? k + excluded.count : max(4 * k, 200) + excluded.count)
            var labels = [UInt64](repeating: 0, count: fetch)
            var dots = [Int32](repeating: 0, count: fetch)
            let found = papers_hnsw_search(handle, codes, fetch, &labels, &dots)
            var result: [ScoredPaper] = []
            for i in 0..<found {
                let key = Int64(bitPattern: labels[i])
                if excluded.contains(key) { continue }
                if let filter, !filter(key) { continue }
                result.append(ScoredPaper(key: key, score: Double(dots[i]) * unit))
                if result.count == k { return result }
            }
            guard filter != nil, found == fetch else { return result }
            return scan(codes, k: k, excluding: excluded, filter: filter)
        }
    }

    /// Every stored key's score by its codes, best k (caller holds the read lock).
    private func scan(_ codes: [Int8], k: Int, excluding excluded: Set<Int64>, filter: ((Int64) -> Bool)?) -> [ScoredPaper] {
        let unit = Double(parameters.scale) * Double(parameters.scale)
        var heap = TopScoredPapers(capacity: k)
        for key in keys where !excluded.contains(key) && filter?(key) != false {
            var present: Int32 = 0
            let dot = papers_hnsw_dot(handle, codes, UInt64(bitPattern: key), &present)
            if present != 0 { heap.insert(ScoredPaper(key: key, score: Double(dot) * unit)) }
        }
        return heap.sortedDescending()
    }

    /// Exact search over the stored codes, not the graph: what 8-bit quantisation alone allows (benchmarks).
    public func exactNearestByCodes(to query: [Float], k: Int) -> [ScoredPaper] {
        guard query.count == dimension else { return [] }
        let codes = query.withUnsafeBufferPointer(quantise)
        return lock.read { scan(codes, k: k, excluding: [], filter: nil) }
    }

    public func similarities(to query: [Float], keys wanted: [Int64]) -> [Int64: Float] {
        guard query.count == dimension else { return [:] }
        let codes = query.withUnsafeBufferPointer(quantise)
        let unit = parameters.scale * parameters.scale
        return lock.read {
            var result: [Int64: Float] = [:]
            for key in wanted {
                var present: Int32 = 0
                let dot = papers_hnsw_dot(handle, codes, UInt64(bitPattern: key), &present)
                if present != 0 { result[key] = Float(dot) * unit }
            }
            return result
        }
    }

    // MARK: Files

    private struct Metadata: Codable {
        var format = 1
        var dimension: Int
        var count: Int
        var parameters: Parameters
        /// What the owner wants to remember (the embedding generation indexed).
        var generation: Int64
    }

    /// Writes the graph to `path` (creating its folder), its settings beside it (`path.json`), each via a
    /// temporary file renamed into place, so a crash leaves the previous index or the new one, never a mix.
    public func save(to path: String, generation: Int64) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try lock.read {
            var error = [CChar](repeating: 0, count: 256)
            let temporary = path + ".tmp"
            guard papers_hnsw_save(handle, temporary, &error, error.count) == 0 else {
                throw VectorIndexError(path: path, reason: message(error))
            }
            let metadata = Metadata(dimension: dimension, count: keys.count, parameters: parameters, generation: generation)
            let data = try JSONEncoder().encode(metadata)
            try data.write(to: URL(fileURLWithPath: path + ".json.tmp"))
            guard rename(temporary, path) == 0 else { throw VectorIndexError(path: path, reason: String(cString: strerror(errno))) }
            guard rename(path + ".json.tmp", path + ".json") == 0 else { throw VectorIndexError(path: path + ".json", reason: String(cString: strerror(errno))) }
        }
    }

    /// Loads an index written by ``save(to:generation:)``; returns it with the generation saved.
    public static func load(from path: String, dimension: Int) throws -> (index: ApproximateVectorIndex, generation: Int64) {
        let metadataPath = path + ".json"
        guard let data = FileManager.default.contents(atPath: metadataPath) else {
            throw VectorIndexError(path: metadataPath, reason: "missing")
        }
        let metadata: Metadata
        do {
            metadata = try JSONDecoder().decode(Metadata.self, from: data)
        } catch {
            throw VectorIndexError(path: metadataPath, reason: "unreadable: \(error)")
        }
        guard metadata.format == 1, metadata.dimension == dimension else {
            throw VectorIndexError(path: metadataPath, reason: "format \(metadata.format), dimension \(metadata.dimension); expected 1, \(dimension)")
        }
        var error = [CChar](repeating: 0, count: 256)
        guard let handle = papers_hnsw_load(path, Int32(dimension), 0, &error, error.count) else {
            throw VectorIndexError(path: path, reason: message(error))
        }
        // efSearch is a search setting, not part of the graph: a graph saved under an older default searches
        // with today's.
        var parameters = metadata.parameters
        parameters.efSearch = Parameters.defaultSearchBreadth
        let index = ApproximateVectorIndex(handle: handle, dimension: dimension, parameters: parameters)
        let count = papers_hnsw_count(handle)
        var labels = [UInt64](repeating: 0, count: count)
        let listed = papers_hnsw_labels(handle, &labels, count)
        index.keys = Set(labels.prefix(listed).map { Int64(bitPattern: $0) })
        return (index, metadata.generation)
    }
}

extension ApproximateVectorIndex: VectorSearching {}

/// The NUL-terminated text in `buffer`.
private func message(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// An OpaquePointer that may cross threads (hnswlib handles concurrent additions itself).
private struct UncheckedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// pthread's reader-writer lock: many readers or one writer.
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init() { pthread_rwlock_init(lock, nil) }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func read<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func write<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
