import Foundation
import PapersCore

/// Category prior: how often the candidate's primary category appears among the profile's categories.
public struct CategoryPriorRanker: EvaluationRanker {
    /// Creates the ranker.
    public init() {}
    /// Row name.
    public var name: String { "category prior" }
    /// Share of profile papers listing the candidate's primary category.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        var tally: [String: Float] = [:]
        for i in profile { for category in Set(corpus.papers[i].categories) { tally[category, default: 0] += 1 } }
        let size = Float(max(profile.count, 1))
        let counts = tally
        return { candidates in candidates.map { (corpus.papers[$0].categories.first.flatMap { counts[$0] } ?? 0) / size } }
    }
}

/// Cosine to the mean of the profile's embeddings.
public struct CentroidRanker: EvaluationRanker {
    /// Creates the ranker.
    public init() {}
    /// Row name.
    public var name: String { "MiniLM centroid" }
    /// Cosine (up to a constant) to the profile centroid.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        var centroid = [Float](repeating: 0, count: corpus.dimension)
        for i in profile { for (k, v) in corpus.embedding(i).enumerated() { centroid[k] += v } }
        let mean = centroid
        return { candidates in candidates.map { c in zip(corpus.embedding(c), mean).reduce(0) { $0 + $1.0 * $1.1 } } }
    }
}

/// The largest cosine to any profile paper.
public struct NearestLikedRanker: EvaluationRanker {
    /// Creates the ranker.
    public init() {}
    /// Row name.
    public var name: String { "nearest liked paper" }
    /// Max cosine over the profile.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        { candidates in candidates.map { c in profile.map { corpus.cosine(c, $0) }.max() ?? 0 } }
    }
}

/// zotero-arxiv-daily's reranker: Σ cosine × w(rank), the profile newest first, w ∝ 1 / (1 + log10(rank + 1)).
public struct DecayedSumRanker: EvaluationRanker {
    /// Creates the ranker.
    public init() {}
    /// Row name.
    public var name: String { "zotero decayed sum" }
    /// Rank-decayed sum of cosines.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        let newestFirst = Array(profile.reversed())
        let weights = newestFirst.indices.map { 1 / (1 + log10(Float($0) + 1)) }
        let total = weights.reduce(0, +)
        let normalised = weights.map { $0 / total }
        return { candidates in
            candidates.map { c in zip(newestFirst, normalised).reduce(0) { $0 + corpus.cosine(c, $1.0) * $1.1 } * 10 }
        }
    }
}

/// BM25 (k1 0.9, b 0.4, Papers' analyzer) with the profile's titles as one query.
public struct TitleBM25Ranker: EvaluationRanker {
    /// Document frequencies over the whole corpus.
    let documentFrequency: [String: Int]
    /// Term frequencies and length of every document.
    let documents: [(counts: [String: Int], length: Int)]
    /// Number of documents and their mean length in terms.
    let documentCount: Int
    let averageLength: Double
    let k1: Double = 0.9
    let b: Double = 0.4

    /// Counts term statistics over `corpus`.
    public init(corpus: EvaluationCorpus) {
        let counts = concurrentMap(Array(corpus.papers.indices)) { i -> [String: Int] in
            Dictionary(TextAnalyzer().terms(corpus.papers[i].title + " " + corpus.papers[i].abstract).map { ($0, 1) }, uniquingKeysWith: +)
        }
        var df: [String: Int] = [:]
        var length = 0
        for document in counts {
            for term in document.keys { df[term, default: 0] += 1 }
            length += document.values.reduce(0, +)
        }
        documents = counts.map { ($0, $0.values.reduce(0, +)) }
        documentFrequency = df
        documentCount = counts.count
        averageLength = Double(length) / Double(max(counts.count, 1))
    }

    /// Row name.
    public var name: String { "BM25 (profile titles)" }

    /// BM25 of each candidate against the concatenated titles.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        let analyzer = TextAnalyzer()
        var query: [String: Double] = [:]
        for i in profile { for term in analyzer.terms(corpus.papers[i].title) { query[term, default: 0] += 1 } }
        let n = Double(documentCount)
        let weights = query.map { term, q in
            (term, q * log(1 + (n - Double(documentFrequency[term] ?? 0) + 0.5) / (Double(documentFrequency[term] ?? 0) + 0.5)))
        }
        let (k1, b, averageLength, documents) = (k1, b, averageLength, documents)
        return { candidates in
            candidates.map { c in
                let (tf, length) = documents[c]
                let norm = k1 * (1 - b + b * Double(length) / averageLength)
                var score = 0.0
                for (term, weight) in weights { if let f = tf[term] { score += weight * Double(f) * (k1 + 1) / (Double(f) + norm) } }
                return Float(score)
            }
        }
    }
}

/// arxiv-sanity-lite's per-tag model: a linear SVM (squared hinge, C = 0.01, classes balanced) on tf-idf of
/// title and abstract (unigrams and bigrams), the profile against the background.
public struct TermSVMRanker: EvaluationRanker {
    /// The SVM's C.
    public var cost: Float = 0.01
    /// Creates the ranker.
    public init() {}
    /// Row name.
    public var name: String { "tf-idf + LinearSVC" }
    /// The SVM's decision values.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        let vector = { @Sendable (i: Int) in FeatureVector(dense: [], ids: corpus.terms[i].ids, values: corpus.terms[i].values) }
        let examples = (profile + background).map(vector)
        let labels = profile.map { _ in true } + background.map { _ in false }
        let costs = balancedCosts(positives: profile.count, negatives: background.count, cost: cost)
        let model = LinearClassifier(tolerance: 0.01).fit(examples, positive: labels, cost: costs, denseCount: 0, sparseCount: corpus.vocabulary.count)
        return { candidates in candidates.map { model.score(vector($0)) } }
    }
}

/// scikit-learn's `class_weight="balanced"`: each class's cost scaled by n / (2 × its size).
func balancedCosts(positives: Int, negatives: Int, cost: Float) -> [Float] {
    let n = Float(positives + negatives)
    return [Float](repeating: cost * n / (2 * Float(max(positives, 1))), count: positives)
        + [Float](repeating: cost * n / (2 * Float(max(negatives, 1))), count: negatives)
}
