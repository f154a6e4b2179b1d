import Foundation
import PapersCore
import Testing

@Suite("Retrieval metrics match pytrec_eval's definitions")
struct RetrievalMetricsTests {
    @Test("nDCG@10 with graded relevance: hand-computed")
    func ndcg() {
        // Relevant: a (2), b (1). Ranking b, x, a → DCG = 1/log2(2) + 2/log2(4) = 2; IDCG = 2/1 + 1/log2(3).
        let value = RetrievalMetrics.ndcg(ranking: ["b", "x", "a"], relevance: ["a": 2, "b": 1], k: 10)
        #expect(abs(value - 2 / (2 + 1 / log2(3))) < 1e-12)
        #expect(RetrievalMetrics.ndcg(ranking: ["a", "b"], relevance: ["a": 2, "b": 1], k: 10) == 1)
        #expect(RetrievalMetrics.ndcg(ranking: ["x"], relevance: ["a": 1], k: 10) == 0)
        // Past the cut-off counts for nothing.
        #expect(RetrievalMetrics.ndcg(ranking: Array(repeating: "x", count: 10) + ["a"], relevance: ["a": 1], k: 10) == 0)
    }

    @Test("Recall@k and MRR@k")
    func recallAndMRR() {
        #expect(RetrievalMetrics.recall(ranking: ["a", "x", "b"], relevance: ["a": 1, "b": 1, "c": 1, "z": 0], k: 2) == 1.0 / 3)
        #expect(RetrievalMetrics.reciprocalRank(ranking: ["x", "y", "a"], relevance: ["a": 1], k: 10) == 1.0 / 3)
        #expect(RetrievalMetrics.reciprocalRank(ranking: ["x", "y", "a"], relevance: ["a": 1], k: 2) == 0)
        #expect(RetrievalMetrics.percentile([5, 1, 3, 2, 4], 0.5) == 3)
        #expect(RetrievalMetrics.percentile([5, 1, 3, 2, 4], 0.99) == 5)
    }
}
