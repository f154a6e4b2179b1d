import Foundation
import PapersCore
import PapersStore

/// One recommended paper: the paper, its score under the person's model and why.
public struct Recommendation: Sendable {
    /// The paper.
    public var paper: Paper
    /// The model's score (higher first; comparable within one ranking only).
    public var score: Float
    /// Why it is here.
    public var reason: PersonalReason?
}

/// The profile to rank for: a stored person's signals, or an ad-hoc list of liked and disliked papers (the CLI).
public enum RecommendationProfile: Sendable {
    /// An account's stored signals.
    case account(AccountID)
    /// One of the account's collections as its own feed: the collection's papers are the likes; the account's
    /// mutes and dismissals still apply.
    case collection(account: AccountID, id: CollectionID)
    /// Papers given by id (`papers recommend --liked … --disliked …`).
    case adHoc(liked: [PaperID], disliked: [PaperID])
}

/// Where a stored profile's model is cached: per account, and per collection.
struct ModelSlot: Hashable {
    var account: AccountID
    var collection: CollectionID?
}

extension RecommendationProfile {
    var cacheSlot: ModelSlot? {
        switch self {
        case .account(let account): return ModelSlot(account: account, collection: nil)
        case .collection(let account, let id): return ModelSlot(account: account, collection: id)
        case .adHoc: return nil
        }
    }
}

/// What a ranking request produced.
public struct RecommendationResult: Sendable {
    /// The ranked papers, best first, mutes and already-seen papers removed.
    public var recommendations: [Recommendation]
    /// How many candidate papers the days had.
    public var candidates: Int
    /// How many liked papers the model learned from.
    public var likedCount: Int
    /// Whether the person turned personal ranking off (then `recommendations` is empty).
    public var disabled: Bool
    /// Whether there was nothing to learn from (no likes, no follows).
    public var noSignals: Bool
}

/// Ranks a day's (or a range's) papers for a person: signals → model → ranked candidates with reasons. One
/// instance per process; pages, the API, feeds, digests and `papers recommend` all call it.
///
/// The vocabulary and background are learned from the `sampleSize` most recent papers when first needed
/// (and again once the store has grown by a tenth). Models are cached per person, keyed by the signals they
/// were fitted on, so a changed signal means a refit; `refresh` refits in the background so the request
/// that changed a signal does not wait.
public actor RecommendationService {
    /// Settings.
    public struct Settings: Sendable {
        /// Recent papers the vocabulary is learned from.
        public var sampleSize = 20_000
        /// Of those, background negatives per model.
        public var backgroundCount = 5_000
        /// Most recent liked papers a model learns from.
        public var maximumLiked = 500
        /// Diversity: how much similarity to a paper already placed above lowers a score (0: none).
        public var diversity: Float = 0.15
        /// Block weights.
        public var weights = FeatureSpace.Weights()
        /// Training settings.
        public var training = PersonalModel.Settings()

        /// The measured defaults (docs/recommend.md).
        public init() {}
    }

    private struct Context {
        var space: FeatureSpace
        var background: [FeatureVector]
        var backgroundIDs: [PaperID]
        var paperCount: Int
    }

    private struct CandidateSet {
        var papers: [Paper]
        var vectors: [FeatureVector]
        var embeddings: [[Float]]
        var terms: [Set<String>]
    }

    private struct CachedModel {
        var key: [String]
        var model: PersonalModel
        var liked: [LikedPaper]
    }

    let store: any PaperStore
    let embeddingModel: String
    let dimension: Int
    let settings: Settings
    private var context: Context?
    private var models: [ModelSlot: CachedModel] = [:]
    private var days: [Day: CandidateSet] = [:]
    private var dayOrder: [Day] = []
    private var lastSizeCheck: ContinuousClock.Instant?

    /// Creates the service; `embeddingModel` is the encoder name vectors are stored under.
    public init(store: any PaperStore, embeddingModel: String, dimension: Int = 384, settings: Settings = Settings()) {
        self.store = store
        self.embeddingModel = embeddingModel
        self.dimension = dimension
        self.settings = settings
    }

    /// Ranks the papers of `days` for `profile`; at most `limit` results.
    public func recommend(_ profile: RecommendationProfile, days range: ClosedRange<Day>, limit: Int) async throws -> RecommendationResult {
        let signals: PersonalSignals
        switch profile {
        case .account(let account):
            signals = try await store.personalSignals(account: account)
        case .collection(let account, let id):
            var all = try await store.personalSignals(account: account)
            all.liked = all.liked.filter { if case .collection(id, _) = $0.source { return true } else { return false } }
            all.filters = all.filters.filter(\.kind.isMute)
            signals = all
        case .adHoc(let liked, let disliked):
            let papers = try await store.rankedPapers(liked, viewer: nil).map(\.paper)
            signals = PersonalSignals(liked: papers.map { LikedPaper(paper: $0.id, title: $0.title, source: .seed, at: 0) },
                                      dismissed: Set(disliked))
        }
        var result = RecommendationResult(recommendations: [], candidates: 0, likedCount: 0, disabled: !signals.enabled, noSignals: signals.isEmpty)
        guard signals.enabled, !signals.isEmpty else { return result }
        let context = try await currentContext()
        let cached = try await model(for: profile, signals: signals, context: context)
        result.likedCount = cached.liked.count
        let filters = CompiledFilters(signals.filters)
        let seen = signals.seen
        var pool: [(paper: Paper, vector: FeatureVector, embedding: [Float], score: Float, followed: PersonalReason?)] = []
        var day = range.lowerBound
        while day <= range.upperBound {
            let set = try await candidates(on: day, context: context)
            result.candidates += set.papers.count
            for i in set.papers.indices where !seen.contains(set.papers[i].id) && !filters.isMuted(set.papers[i], terms: set.terms[i]) {
                let followed = filters.followed(set.papers[i])
                let score = cached.model.score(set.vectors[i]) + (followed == nil ? 0 : 1)
                pool.append((set.papers[i], set.vectors[i], set.embeddings[i], score, followed))
            }
            day = day.adding(days: 1)
        }
        let order = PersonalRanking.diversified(scores: pool.map(\.score), embeddings: pool.map(\.embedding),
                                                 diversity: settings.diversity, limit: limit)
        result.recommendations = order.map { i in
            let item = pool[i]
            return Recommendation(paper: item.paper, score: item.score,
                                  reason: item.followed ?? Self.reason(for: item.embedding, vector: item.vector, model: cached))
        }
        return result
    }

    /// Refits `account`'s model in the background if its signals changed (called after a dismissal, seeds or a
    /// filter change; upvotes and saves are picked up by the next ranking, which refits then).
    public nonisolated func refresh(account: AccountID) {
        Task { [self] in
            guard let signals = try? await store.personalSignals(account: account), signals.enabled, !signals.isEmpty,
                  let context = try? await currentContext() else { return }
            _ = try? await model(for: .account(account), signals: signals, context: context)
        }
    }

    /// Drops cached models and day features (tests, and after a reset).
    public func forget(account: AccountID) { models = models.filter { $0.key.account != account } }

    // MARK: internals

    private static func reason(for embedding: [Float], vector: FeatureVector, model cached: CachedModel) -> PersonalReason? {
        guard let nearest = cached.model.nearestLiked(to: embedding, vector: vector) else { return nil }
        let liked = cached.liked[nearest.index]
        if case .collection(let id, let name) = liked.source {
            return .collection(id: id, name: name, paper: liked.paper, title: liked.title)
        }
        return .similar(to: liked.paper, title: liked.title)
    }

    private func model(for profile: RecommendationProfile, signals: PersonalSignals, context: Context) async throws -> CachedModel {
        // The most recent likes, each paper once (a paper upvoted and saved counts once, by its latest source).
        var seenLiked = Set<PaperID>()
        let liked = signals.liked.reversed().filter { seenLiked.insert($0.paper).inserted }.prefix(settings.maximumLiked).reversed()
        let key = liked.map(\.paper.rawValue) + ["|"] + signals.dismissed.map(\.rawValue).sorted()
        if let slot = profile.cacheSlot, let cached = models[slot], cached.key == key { return cached }
        let likedIDs = liked.map(\.paper)
        let papers = try await store.rankedPapers(likedIDs, viewer: nil).map(\.paper)
        let dismissedPapers = try await store.rankedPapers(Array(signals.dismissed.prefix(settings.maximumLiked)), viewer: nil).map(\.paper)
        let vectors = try await store.embeddings(of: likedIDs + dismissedPapers.map(\.id), model: embeddingModel)
        var likedKept: [LikedPaper] = []
        var likedVectors: [FeatureVector] = []
        var likedEmbeddings: [[Float]] = []
        let byID = Dictionary(papers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for like in liked {
            guard let paper = byID[like.paper] else { continue }
            let embedding = vectors[paper.id] ?? []
            likedKept.append(like)
            likedVectors.append(Self.vector(paper, embedding: embedding, space: context.space))
            likedEmbeddings.append(embedding)
        }
        let dismissed = dismissedPapers.map { Self.vector($0, embedding: vectors[$0.id] ?? [], space: context.space) }
        // A liked or dismissed paper is not also a background negative.
        let labelled = Set(likedIDs).union(signals.dismissed)
        let background = zip(context.backgroundIDs, context.background).filter { !labelled.contains($0.0) }.map(\.1)
        let model = PersonalModel.fit(liked: likedVectors, likedEmbeddings: likedEmbeddings, dismissed: dismissed,
                                      background: background, space: context.space, settings: settings.training)
        let cached = CachedModel(key: key, model: model, liked: likedKept)
        if let slot = profile.cacheSlot { models[slot] = cached }
        return cached
    }

    private func currentContext() async throws -> Context {
        // The store's size is looked at most once a minute (a count per request would cost every page).
        if let context, let checked = lastSizeCheck, ContinuousClock.now - checked < .seconds(60) { return context }
        let count = try await store.paperCount()
        lastSizeCheck = ContinuousClock.now
        if let context, count < context.paperCount + max(context.paperCount / 10, 1) { return context }
        let sample = try await store.recentPapers(limit: settings.sampleSize)
        let vocabulary = TermVocabulary(documents: sample.map(Self.text), settings: TermVocabulary.Settings().scaled(toDocuments: sample.count))
        let space = FeatureSpace(vocabulary: vocabulary, categories: sample.flatMap(\.categories), dimension: dimension, weights: settings.weights)
        var random = SplitMix64(seed: 42)
        let backgroundPapers = Array(sample.shuffled(using: &random).prefix(settings.backgroundCount))
        let vectors = try await store.embeddings(of: backgroundPapers.map(\.id), model: embeddingModel)
        let background = backgroundPapers.map { Self.vector($0, embedding: vectors[$0.id] ?? [], space: space) }
        let context = Context(space: space, background: background, backgroundIDs: backgroundPapers.map(\.id), paperCount: count)
        self.context = context
        days = [:]
        dayOrder = []
        models = [:]
        return context
    }

    private func candidates(on day: Day, context: Context) async throws -> CandidateSet {
        // A day fills up while it is harvested: the cached features are used while the day's count is unchanged.
        let count = try await store.paperCount(on: day)
        if let set = days[day], set.papers.count == count { return set }
        let papers = try await store.papers(on: day, limit: 10_000, offset: 0)
        let vectors = try await store.embeddings(of: papers.map(\.id), model: embeddingModel)
        let analyzer = TextAnalyzer()
        var set = CandidateSet(papers: papers, vectors: [], embeddings: [], terms: [])
        for paper in papers {
            let embedding = vectors[paper.id] ?? [Float](repeating: 0, count: dimension)
            // Analysed once: the terms give both the features and the word mutes.
            let terms = analyzer.terms(Self.text(paper))
            set.vectors.append(context.space.vector(terms: context.space.vocabulary.features(terms: terms), categories: paper.categories,
                                                    embedding: embedding))
            set.embeddings.append(embedding)
            set.terms.append(Set(terms))
        }
        days[day] = set
        dayOrder.append(day)
        if dayOrder.count > 16 { days[dayOrder.removeFirst()] = nil }
        return set
    }

    static func text(_ paper: Paper) -> String { paper.title + " " + paper.abstract }

    static func vector(_ paper: Paper, embedding: [Float], space: FeatureSpace, analyzer: TextAnalyzer = TextAnalyzer()) -> FeatureVector {
        space.vector(terms: space.vocabulary.features(text(paper), analyzer: analyzer), categories: paper.categories, embedding: embedding)
    }
}

/// Ordering helpers shared by the service and the evaluation.
public enum PersonalRanking {
    /// Indices of the `limit` best items, greedily: each pick maximises score − `diversity` × (largest cosine to
    /// an item already picked), so one sub-topic cannot fill the page. Scores are standardised first, so
    /// `diversity` is in standard deviations.
    public static func diversified(scores: [Float], embeddings: [[Float]], diversity: Float, limit: Int) -> [Int] {
        let n = scores.count
        guard n > 0, limit > 0 else { return [] }
        let byScore = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        guard diversity > 0 else { return Array(byScore.prefix(limit)) }
        let mean = scores.reduce(0, +) / Float(n)
        let sd = max((scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)).squareRoot(), 1e-6)
        // Only the head can be reordered: look at a few times `limit` candidates.
        let pool = Array(byScore.prefix(max(limit * 3, limit + 20)))
        var redundancy = [Float](repeating: 0, count: pool.count)
        var taken = [Bool](repeating: false, count: pool.count)
        var order: [Int] = []
        while order.count < min(limit, pool.count) {
            var best = -1
            var bestValue = -Float.infinity
            for k in pool.indices where !taken[k] {
                let value = (scores[pool[k]] - mean) / sd - diversity * redundancy[k]
                if value > bestValue { bestValue = value; best = k }
            }
            taken[best] = true
            order.append(pool[best])
            let picked = embeddings[pool[best]]
            for k in pool.indices where !taken[k] {
                let other = embeddings[pool[k]]
                guard other.count == picked.count else { continue }
                redundancy[k] = max(redundancy[k], LinearScorer.dot(other, picked))
            }
        }
        if order.count < limit { order += byScore.dropFirst(pool.count).prefix(limit - order.count) }
        return order
    }
}
