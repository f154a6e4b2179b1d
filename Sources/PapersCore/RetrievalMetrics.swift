import Foundation

/// Ranking metrics as BEIR computes them (pytrec_eval): linear gains from graded relevance.
public enum RetrievalMetrics {
    /// nDCG@k: DCG of the ranking over the ideal DCG of the judged documents; 0 when nothing is relevant.
    public static func ndcg(ranking: [String], relevance: [String: Int], k: Int) -> Double {
        var dcg = 0.0
        for (i, doc) in ranking.prefix(k).enumerated() {
            if let rel = relevance[doc], rel > 0 { dcg += Double(rel) / log2(Double(i) + 2) }
        }
        let ideal = relevance.values.filter { $0 > 0 }.sorted(by: >).prefix(k)
        var idcg = 0.0
        for (i, rel) in ideal.enumerated() { idcg += Double(rel) / log2(Double(i) + 2) }
        return idcg > 0 ? dcg / idcg : 0
    }

    /// Recall@k: share of the relevant documents found in the top k.
    public static func recall(ranking: [String], relevance: [String: Int], k: Int) -> Double {
        let relevant = Set(relevance.filter { $0.value > 0 }.keys)
        guard !relevant.isEmpty else { return 0 }
        let found = ranking.prefix(k).filter { relevant.contains($0) }.count
        return Double(found) / Double(relevant.count)
    }

    /// MRR@k: reciprocal rank of the first relevant document within the top k, else 0.
    public static func reciprocalRank(ranking: [String], relevance: [String: Int], k: Int) -> Double {
        for (i, doc) in ranking.prefix(k).enumerated() where (relevance[doc] ?? 0) > 0 {
            return 1 / Double(i + 1)
        }
        return 0
    }

    /// The `p`-quantile (0…1) of `values` by nearest rank; 0 for an empty list.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank - 1, 0), sorted.count - 1)]
    }
}
