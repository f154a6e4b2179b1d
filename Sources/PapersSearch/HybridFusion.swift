import PapersStore

/// How hybrid search combines a keyword (BM25) ranking with a dense (cosine) ranking.
///
/// The default was chosen on scifact-dev (docs/search.md has every experiment and its nDCG@10).
public struct HybridFusion: Sendable, Hashable {
    /// The combination rule.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Reciprocal-rank fusion: Σ 1 / (k + rank), the standard recipe; ignores score gaps.
        case rrf
        /// Convex combination of normalised scores: α · bm25′ + (1 − α) · cos′.
        case convex
    }

    /// The rule.
    public var method: Method
    /// Candidates taken from each ranking.
    public var depth: Int
    /// RRF's k.
    public var rrfK: Double
    /// Weight of the keyword score in the convex combination (0…1).
    public var alpha: Double

    /// Creates a fusion rule.
    public init(method: Method = .convex, depth: Int = 100, rrfK: Double = 60, alpha: Double = 0.5) {
        self.method = method
        self.depth = depth
        self.rrfK = rrfK
        self.alpha = alpha
    }

    /// Fuses `keyword` (BM25, best first) and `dense` (cosine, best first); `cosines` holds the cosine of
    /// keyword candidates missing from `dense`. Returns all candidates, best first.
    public func fuse(keyword: [ScoredPaper], dense: [ScoredPaper], cosines: [Int64: Float], queryTerms: Int) -> [ScoredPaper] {
        var fused: [Int64: Double] = [:]
        switch method {
        case .rrf:
            for (rank, item) in keyword.enumerated() { fused[item.key, default: 0] += 1 / (rrfK + Double(rank + 1)) }
            for (rank, item) in dense.enumerated() { fused[item.key, default: 0] += 1 / (rrfK + Double(rank + 1)) }
        case .convex:
            var cosine: [Int64: Double] = [:]
            for item in dense { cosine[item.key] = item.score }
            for (key, value) in cosines where cosine[key] == nil { cosine[key] = Double(value) }
            var bm25: [Int64: Double] = [:]
            for item in keyword { bm25[item.key] = item.score }
            // Keyword scores divided by the best one (BM25's floor is 0); cosines min–max over the candidates.
            let maxBM25 = keyword.first?.score ?? 0
            let cosValues = cosine.values
            let minCos = cosValues.min() ?? 0, maxCos = cosValues.max() ?? 0
            let keys = Set(bm25.keys).union(cosine.keys)
            for key in keys {
                let k = maxBM25 > 0 ? (bm25[key] ?? 0) / maxBM25 : 0
                let c = maxCos > minCos ? ((cosine[key] ?? minCos) - minCos) / (maxCos - minCos) : 0
                fused[key] = keyword.isEmpty ? c : alpha * k + (1 - alpha) * c
            }
        }
        return fused.map { ScoredPaper(key: $0.key, score: $0.value) }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.key < $1.key) }
    }
}
