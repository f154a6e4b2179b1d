import PapersCore

/// One person's (or one collection's) ranking function, learned from what they liked and dismissed.
///
/// The recipe (docs/recommend.md has the measurements behind it): one linear model over words, categories
/// and meaning (`FeatureSpace`), trained with the squared hinge loss against a background of unlabelled
/// papers — arxiv-sanity-lite's SVM and Scholar Inbox's logistic regression on embeddings, in one.
/// Positives and the background are balanced; explicit "not interested" papers weigh `dismissalWeight`
/// times a background paper. With no positive at all the model ranks nothing (`isEmpty`).
public struct PersonalModel: Sendable {
    /// Training settings.
    public struct Settings: Sendable, Hashable {
        /// The SVM's C (regularisation: smaller is smoother).
        public var cost: Float = 0.01
        /// How much more an explicit dismissal counts than a background paper.
        public var dismissalWeight: Float = 10
        /// Solver tolerance.
        public var tolerance: Float = 0.01
        /// Recent likes count more: the k-th most recent weighs 1 / (1 + decay × k), normalised to a mean of 1
        /// (0: all alike). Interests drift; what someone liked last month says more about today than last year.
        public var recencyDecay: Float = 0
        /// With fewer liked papers than this (and embeddings), rank by closeness in meaning to their centroid: a
        /// model of one or two papers against thousands is worse than that (the profile-size curve of
        /// docs/recommend.md).
        public var minimumForClassifier = 3

        /// The measured defaults.
        public init() {}
    }

    /// The linear model (nil: no positives).
    public let scorer: LinearScorer?
    /// The liked papers' mean embedding, used instead of `scorer` when there are too few of them to learn from.
    public let centroid: [Float]?
    /// The liked papers' embeddings, to explain a recommendation by the nearest one.
    public let likedEmbeddings: [[Float]]
    /// The liked papers' feature vectors: the explanation when embeddings are missing (no model installed).
    public let likedVectors: [FeatureVector]

    /// Whether the model has anything to rank by.
    public var isEmpty: Bool { scorer == nil && centroid == nil }

    /// Fits a model. `liked` and `dismissed` are the person's papers, `background` unlabelled papers (a
    /// sample of the collection); `likedEmbeddings` parallel to `liked`, unit length; `liked` oldest first.
    public static func fit(liked: [FeatureVector], likedEmbeddings: [[Float]], dismissed: [FeatureVector], background: [FeatureVector],
                           space: FeatureSpace, settings: Settings = Settings()) -> PersonalModel {
        guard !liked.isEmpty, !(background.isEmpty && dismissed.isEmpty) else {
            return PersonalModel(scorer: nil, centroid: nil, likedEmbeddings: likedEmbeddings, likedVectors: liked)
        }
        let embedded = likedEmbeddings.filter { $0.count == space.dimension && $0.contains { $0 != 0 } }
        if liked.count < settings.minimumForClassifier, !embedded.isEmpty {
            var centroid = [Float](repeating: 0, count: space.dimension)
            for e in embedded { for k in centroid.indices { centroid[k] += e[k] } }
            return PersonalModel(scorer: nil, centroid: centroid, likedEmbeddings: likedEmbeddings, likedVectors: liked)
        }
        let examples = liked + dismissed + background
        let labels = liked.map { _ in true } + dismissed.map { _ in false } + background.map { _ in false }
        let balanced = balancedCosts(positives: liked.count, negatives: background.count + dismissed.count, cost: settings.cost)
        let negativeCost = balanced.last ?? settings.cost
        var costs = Array(balanced.prefix(liked.count))
        if settings.recencyDecay > 0 {
            let weights = (0..<liked.count).map { 1 / (1 + settings.recencyDecay * Float(liked.count - 1 - $0)) }
            let mean = weights.reduce(0, +) / Float(weights.count)
            for i in costs.indices { costs[i] *= weights[i] / mean }
        }
        costs += dismissed.map { _ in negativeCost * settings.dismissalWeight }
        costs += background.map { _ in negativeCost }
        let scorer = LinearClassifier(tolerance: settings.tolerance)
            .fit(examples, positive: labels, cost: costs, denseCount: space.dimension, sparseCount: space.sparseCount)
        return PersonalModel(scorer: scorer, centroid: nil, likedEmbeddings: likedEmbeddings, likedVectors: liked)
    }

    /// The model's score of a paper (higher: more likely wanted); 0 for an empty model.
    public func score(_ x: FeatureVector) -> Float {
        if let scorer { return scorer.score(x) }
        if let centroid { return LinearScorer.dot(x.dense, centroid) }
        return 0
    }

    /// The liked paper closest in meaning to a paper (its index in `likedEmbeddings`) and the cosine: by
    /// embedding when both have one, else by their words (`vector`'s sparse part).
    public func nearestLiked(to embedding: some Collection<Float>, vector: FeatureVector? = nil) -> (index: Int, similarity: Float)? {
        let query = Array(embedding)
        let hasEmbedding = query.contains { $0 != 0 }
        var best: (Int, Float)?
        for i in likedEmbeddings.indices {
            var s: Float = 0
            let liked = likedEmbeddings[i]
            if hasEmbedding, liked.count == query.count, liked.contains(where: { $0 != 0 }) {
                s = LinearScorer.dot(query, liked)
            } else if let vector, i < likedVectors.count {
                s = Self.sparseDot(vector, likedVectors[i])
            } else {
                continue
            }
            if best == nil || s > best!.1 { best = (i, s) }
        }
        return best.map { (index: $0.0, similarity: $0.1) }
    }

    static func sparseDot(_ a: FeatureVector, _ b: FeatureVector) -> Float {
        var i = 0, j = 0
        var s: Float = 0
        while i < a.ids.count, j < b.ids.count {
            if a.ids[i] == b.ids[j] { s += a.values[i] * b.values[j]; i += 1; j += 1 } else if a.ids[i] < b.ids[j] { i += 1 } else { j += 1 }
        }
        return s
    }
}

/// Papers' own method as an evaluation row: the production `PersonalModel` on the same features.
public struct PersonalModelRanker: EvaluationRanker {
    /// Block weights.
    public var weights: FeatureSpace.Weights
    /// Training settings.
    public var settings: PersonalModel.Settings
    /// Diversity of the final order, as on the pages (`PersonalRanking.diversified`); it only reorders the top.
    public var diversity: Float = RecommendationService.Settings().diversity
    /// Row name.
    public var name: String

    /// Creates the row.
    public init(name: String = "Papers (personal model)", weights: FeatureSpace.Weights = .init(), settings: PersonalModel.Settings = .init()) {
        self.name = name
        self.weights = weights
        self.settings = settings
    }

    /// Fits the model on the profile against the background and scores candidates with it.
    public func scorer(profile: [Int], background: [Int], corpus: EvaluationCorpus) -> @Sendable ([Int]) -> [Float] {
        let space = corpus.featureSpace(weights: weights)
        let vector = { @Sendable (i: Int) in space.vector(terms: corpus.terms[i], categories: corpus.papers[i].categories, embedding: corpus.embedding(i)) }
        let model = PersonalModel.fit(liked: profile.map(vector), likedEmbeddings: profile.map { Array(corpus.embedding($0)) },
                                      dismissed: [], background: background.map(vector), space: space, settings: settings)
        let diversity = diversity
        return { candidates in
            let scores = candidates.map { model.score(vector($0)) }
            guard diversity > 0 else { return scores }
            // The evaluation ranks by score: turn the diversified order of the top into descending pseudo-scores.
            let order = PersonalRanking.diversified(scores: scores, embeddings: candidates.map { Array(corpus.embedding($0)) },
                                                    diversity: diversity, limit: 20)
            var adjusted = scores.map { $0 - 1_000 }
            for (rank, i) in order.enumerated() { adjusted[i] = Float(1_000 - rank) }
            return adjusted
        }
    }
}
