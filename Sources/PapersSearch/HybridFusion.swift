import PapersStore

/// How hybrid search combines a keyword (BM25) ranking with a dense (cosine) ranking.
///
/// The default was chosen on scifact-dev and cisi-dev together (docs/search.md has every experiment and its nDCG@10).
public struct HybridFusion: Sendable, Hashable {
    /// The combination rule.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// Reciprocal-rank fusion: Σ 1 / (k + rank), the standard recipe; ignores score gaps.
        case rrf
        /// Convex combination of normalised scores: α · bm25′ + (1 − α) · cos′.
        case convex
    }

    /// How scores are put on one scale before the convex combination.
    public enum Normalization: String, Sendable, Hashable, CaseIterable {
        /// BM25 divided by the best BM25 (its floor is 0); cosine min–max over the candidates.
        case maxAndMinMax = "max"
        /// Both min–max over the candidates.
        case minMax = "minmax"
        /// Both as z-scores over the candidates.
        case zScore = "z"
        /// BM25 divided by the best BM25; cosine as it is (its theoretical range is fixed).
        case theoretical
        /// Theoretical minimum, observed maximum (Bruch et al. 2023, "TM2C2"): BM25 / best BM25 and
        /// (cos + 1) / (best cos + 1).
        case theoreticalMinimum = "tm2c2"
    }

    /// The rule.
    public var method: Method
    /// Score normalisation for `convex`.
    public var normalization: Normalization = .theoreticalMinimum
    /// Candidates taken from the dense ranking.
    public var depth: Int
    /// Keyword candidates scored: deeper than `depth`, so dense candidates that match some query words get
    /// their real BM25 instead of 0 (the keyword search scores every match anyway; only the heap grows).
    public var keywordDepth: Int = 1_000
    /// RRF's k.
    public var rrfK: Double
    /// Weight of the keyword score in the convex combination (0…1).
    public var alpha: Double

    /// Creates a fusion rule.
    public init(method: Method = .convex, depth: Int = 100, rrfK: Double = 60, alpha: Double = 0.2) {
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
            let keys = Set(bm25.keys).union(cosine.keys)
            // A candidate missing from the keyword list has BM25 0 (it matched no query word in the top depth).
            let k = normalize(keys.map { bm25[$0] ?? 0 }, floorAtZero: normalization != .minMax && normalization != .zScore)
            let cosines = keys.map { cosine[$0] ?? 0 }
            let c: [Double]
            switch normalization {
            case .theoretical: c = cosines
            case .theoreticalMinimum:
                let best = (cosines.max() ?? 0) + 1
                c = cosines.map { best > 0 ? ($0 + 1) / best : 0 }
            default: c = normalize(cosines, floorAtZero: false)
            }
            for (i, key) in keys.enumerated() {
                fused[key] = keyword.isEmpty ? c[i] : alpha * k[i] + (1 - alpha) * c[i]
            }
        }
        return fused.map { ScoredPaper(key: $0.key, score: $0.value) }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.key < $1.key) }
    }

    private func normalize(_ values: [Double], floorAtZero: Bool) -> [Double] {
        guard let maximum = values.max(), let minimum = values.min() else { return values }
        switch normalization {
        case .zScore:
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            let deviation = variance.squareRoot()
            return values.map { deviation > 0 ? ($0 - mean) / deviation : 0 }
        case .minMax, .maxAndMinMax, .theoretical, .theoreticalMinimum:
            let low = floorAtZero ? 0 : minimum
            return values.map { maximum > low ? ($0 - low) / (maximum - low) : 0 }
        }
    }
}
