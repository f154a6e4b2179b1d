import COpenBLAS
import PapersStore

/// Exact nearest-neighbour search over unit vectors: one sgemv over the contiguous matrix gives every
/// cosine, a bounded heap keeps the best.
public final class ExactVectorIndex: Sendable {
    /// The vectors searched.
    public let matrix: EmbeddingMatrix
    private let rowOfKey: [Int64: Int]

    /// Wraps `matrix` (row keys ascending).
    public init(matrix: EmbeddingMatrix) {
        self.matrix = matrix
        var rows: [Int64: Int] = [:]
        rows.reserveCapacity(matrix.count)
        for (row, key) in matrix.keys.enumerated() { rows[key] = row }
        self.rowOfKey = rows
    }

    /// Number of vectors.
    public var count: Int { matrix.count }

    /// Cosine of `query` (unit length) with every stored vector, in row order.
    public func similarities(to query: [Float]) -> [Float] {
        let n = matrix.count, d = matrix.dimension
        guard n > 0, query.count == d else { return [] }
        var scores = [Float](repeating: 0, count: n)
        matrix.values.withUnsafeBufferPointer { values in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, values.baseAddress, Int32(d),
                                q.baseAddress, 1, 0, out.baseAddress, 1)
                }
            }
        }
        return scores
    }

    /// Cosine of `query` with the vectors of `keys` (keys without a vector are left out).
    public func similarities(to query: [Float], keys: [Int64]) -> [Int64: Float] {
        let d = matrix.dimension
        guard query.count == d else { return [:] }
        var result: [Int64: Float] = [:]
        matrix.values.withUnsafeBufferPointer { values in
            for key in keys {
                guard let row = rowOfKey[key] else { continue }
                var dot: Float = 0
                let base = row * d
                for i in 0..<d { dot += values[base + i] * query[i] }
                result[key] = dot
            }
        }
        return result
    }

    /// The `k` most similar papers to `query`, best first, skipping `excluded` keys and those failing `filter`.
    public func nearest(to query: [Float], k: Int, excluding excluded: Set<Int64> = [],
                        filter: ((Int64) -> Bool)? = nil) -> [ScoredPaper] {
        guard k > 0 else { return [] }
        let scores = similarities(to: query)
        var heap = TopScoredPapers(capacity: k)
        for (row, score) in scores.enumerated() {
            guard heap.accepts(Double(score)) else { continue }
            let key = matrix.keys[row]
            if excluded.contains(key) { continue }
            if let filter, !filter(key) { continue }
            heap.insert(ScoredPaper(key: key, score: Double(score)))
        }
        return heap.sortedDescending()
    }
}

extension ExactVectorIndex: VectorSearching {}
