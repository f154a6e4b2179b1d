import Foundation
import PapersCore

/// What a ranker may read about the papers of an evaluation: embeddings, term features, categories and the
/// analyzed words of titles. Never the authors.
public struct EvaluationCorpus: Sendable {
    /// The papers.
    public let papers: [EvaluationPaper]
    /// Unit-length sentence embeddings, `dimension` floats per paper (zeros for a paper without one).
    public let embeddings: [Float]
    /// Floats per embedding.
    public let dimension: Int
    /// The term vocabulary (fitted on the papers before the cutoff).
    public let vocabulary: TermVocabulary
    /// tf-idf features of every paper some ranker needs (empty for the others).
    public let terms: [(ids: [UInt32], values: [Float])]
    /// Every category some paper lists.
    public let categories: Set<String>

    /// Assembles a corpus; `terms` is computed here for the `needed` papers.
    public init(papers: [EvaluationPaper], embeddings: [Float], dimension: Int, vocabulary: TermVocabulary, needed: Set<Int>) {
        precondition(embeddings.count == papers.count * dimension, "one embedding per paper")
        self.papers = papers
        self.embeddings = embeddings
        self.dimension = dimension
        self.vocabulary = vocabulary
        let order = needed.sorted()
        var terms = [(ids: [UInt32], values: [Float])](repeating: ([], []), count: papers.count)
        let computed = concurrentMap(order) { i in vocabulary.features(papers[i].title + " " + papers[i].abstract) }
        for (i, features) in zip(order, computed) { terms[i] = features }
        self.terms = terms
        categories = Set(papers.lazy.flatMap(\.categories))
    }

    /// The embedding of paper `i`.
    public func embedding(_ i: Int) -> ArraySlice<Float> { embeddings[(i * dimension)..<((i + 1) * dimension)] }

    /// The cosine of two papers' (unit) embeddings.
    public func cosine(_ a: Int, _ b: Int) -> Float {
        embeddings.withUnsafeBufferPointer { e in
            LinearScorer.dot(UnsafeBufferPointer(rebasing: e[(a * dimension)..<((a + 1) * dimension)]),
                             UnsafeBufferPointer(rebasing: e[(b * dimension)..<((b + 1) * dimension)]))
        }
    }
}

/// A way to rank a day's papers for a profile: the baselines and Papers' own method.
public protocol EvaluationRanker: Sendable {
    /// The row name in the table.
    var name: String { get }
    /// Learns from `profile` (paper indices, oldest first) and `background` (unlabelled papers), and
    /// returns the scoring of candidates (higher ranks first).
    func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float]
}

/// nDCG@10, Recall@20 and MRR of one ranker, macro-averaged over users (each user's mean over their days).
public struct RecommendationScore: Sendable, Codable {
    /// The ranker's name.
    public var method: String
    /// Mean nDCG@10.
    public var ndcg10: Double
    /// Mean Recall@20.
    public var recall20: Double
    /// Mean reciprocal rank of the first relevant paper.
    public var mrr: Double
}

/// Runs rankers over a protocol's users.
public struct RecommendationEvaluator: Sendable {
    /// The protocol.
    public let evaluationProtocol: RecommendationProtocol
    /// The features.
    public let corpus: EvaluationCorpus

    /// Creates an evaluator.
    public init(protocol evaluationProtocol: RecommendationProtocol, corpus: EvaluationCorpus) {
        self.evaluationProtocol = evaluationProtocol
        self.corpus = corpus
    }

    /// The users evaluated in a split: those with at least one task in it.
    public func users(coauthorFree: Bool) -> [RecommendationProtocol.User] {
        evaluationProtocol.users.filter { !(coauthorFree ? $0.coauthorFreeTasks : $0.allTasks).isEmpty }
    }

    /// A random ranking's expected scores in a split (computed exactly, not sampled).
    public func randomExpectation(coauthorFree: Bool) -> RecommendationScore {
        let perUser = users(coauthorFree: coauthorFree).map { user -> (Double, Double, Double) in
            let tasks = coauthorFree ? user.coauthorFreeTasks : user.allTasks
            let values = tasks.map { Self.randomExpectation(candidates: $0.candidates.count, relevant: $0.relevant.count) }
            return Self.mean(values)
        }
        let m = Self.mean(perUser)
        return RecommendationScore(method: "random (expected)", ndcg10: m.0, recall20: m.1, mrr: m.2)
    }

    /// Evaluates `ranker` in a split; `profileLimit` keeps only each user's most recent papers.
    public func evaluate(_ ranker: any EvaluationRanker, coauthorFree: Bool, profileLimit: Int? = nil) -> RecommendationScore {
        let users = users(coauthorFree: coauthorFree)
        let background = evaluationProtocol.background
        let corpus = corpus
        let perUser = concurrentMap(users) { user -> (Double, Double, Double) in
            let profile = profileLimit.map { Array(user.profile.suffix($0)) } ?? user.profile
            let profileSet = Set(profile)
            let scorer = ranker.scorer(profile: profile, background: background.filter { !profileSet.contains($0) }, corpus: corpus)
            let tasks = coauthorFree ? user.coauthorFreeTasks : user.allTasks
            return Self.mean(tasks.map { task in
                let scores = scorer(task.candidates)
                // Ties (category prior has many) are broken by a hash of user and paper, not by input order.
                let ranking = task.candidates.indices.sorted {
                    scores[$0] != scores[$1] ? scores[$0] > scores[$1]
                        : Self.tieKey(user.name, corpus.papers[task.candidates[$0]].id) < Self.tieKey(user.name, corpus.papers[task.candidates[$1]].id)
                }.map { corpus.papers[task.candidates[$0]].id }
                let relevance = Dictionary(uniqueKeysWithValues: task.relevant.map { (corpus.papers[$0].id, 1) })
                return (RetrievalMetrics.ndcg(ranking: ranking, relevance: relevance, k: 10),
                        RetrievalMetrics.recall(ranking: ranking, relevance: relevance, k: 20),
                        RetrievalMetrics.reciprocalRank(ranking: ranking, relevance: relevance, k: ranking.count))
            })
        }
        let m = Self.mean(perUser)
        return RecommendationScore(method: ranker.name, ndcg10: m.0, recall20: m.1, mrr: m.2)
    }

    /// Expected nDCG@10, Recall@20 and MRR of a uniformly random order of `n` papers, `r` of them relevant.
    static func randomExpectation(candidates n: Int, relevant r: Int) -> (Double, Double, Double) {
        guard n > 0, r > 0 else { return (0, 0, 0) }
        let p = Double(r) / Double(n)
        var dcg = 0.0, idcg = 0.0
        for i in 0..<min(10, n) { dcg += p / log2(Double(i) + 2) }
        for i in 0..<min(10, r) { idcg += 1 / log2(Double(i) + 2) }
        // P(first relevant at rank k) = P(none in the first k−1) × r / (n − k + 1).
        var mrr = 0.0, none = 1.0
        for k in 1...(n - r + 1) {
            mrr += none * Double(r) / Double(n - k + 1) / Double(k)
            none *= Double(n - k + 1 - r) / Double(n - k + 1)
        }
        return (dcg / idcg, Double(min(20, n)) / Double(n), mrr)
    }

    private static func tieKey(_ user: String, _ paper: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in user.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        for byte in paper.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }

    private static func mean(_ values: [(Double, Double, Double)]) -> (Double, Double, Double) {
        guard !values.isEmpty else { return (0, 0, 0) }
        let n = Double(values.count)
        return (values.map(\.0).reduce(0, +) / n, values.map(\.1).reduce(0, +) / n, values.map(\.2).reduce(0, +) / n)
    }
}

/// `transform` applied to every element on all cores, results in order.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    nonisolated(unsafe) let out = results
    DispatchQueue.concurrentPerform(iterations: items.count) { i in out[i] = transform(items[i]) }
    return results.map { $0! }
}

extension EvaluationCorpus {
    /// A feature space over this corpus's vocabulary and categories.
    public func featureSpace(weights: FeatureSpace.Weights) -> FeatureSpace {
        FeatureSpace(vocabulary: vocabulary, categories: categories, dimension: dimension, weights: weights)
    }
}
