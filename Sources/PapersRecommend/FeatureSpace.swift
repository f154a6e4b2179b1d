import PapersCore

/// The features a personal model sees for a paper: its tf-idf terms (`TermVocabulary`), its arXiv
/// categories (one feature each, L2-normalised over the paper's categories), and its MiniLM embedding —
/// each block scaled by its weight so that one linear model can trade words, categories and meaning.
public struct FeatureSpace: Sendable {
    /// Relative weights of the blocks (each block has unit norm before scaling).
    public struct Weights: Sendable, Hashable {
        /// Weight of the tf-idf block.
        public var terms: Float = 1
        /// Weight of the embedding block (docs/recommend.md: the measured choice).
        public var embedding: Float = 0.35
        /// Weight of the category block.
        public var categories: Float = 0.3

        /// Creates weights; the defaults are the measured choice (docs/recommend.md).
        public init(terms: Float = 1, embedding: Float = 0.35, categories: Float = 0.3) {
            self.terms = terms
            self.embedding = embedding
            self.categories = categories
        }
    }

    /// The term features.
    public let vocabulary: TermVocabulary
    /// Category → feature id (after the terms).
    public let categoryIDs: [String: UInt32]
    /// The block weights.
    public let weights: Weights
    /// Floats per embedding.
    public let dimension: Int

    /// Creates a feature space over `vocabulary` and the categories seen in `categories`.
    public init(vocabulary: TermVocabulary, categories: some Sequence<String>, dimension: Int, weights: Weights = Weights()) {
        self.vocabulary = vocabulary
        var ids: [String: UInt32] = [:]
        for category in Set(categories).sorted() { ids[category] = UInt32(vocabulary.count + ids.count) }
        categoryIDs = ids
        self.weights = weights
        self.dimension = dimension
    }

    /// Number of sparse features (terms, then categories).
    public var sparseCount: Int { vocabulary.count + categoryIDs.count }

    /// The scaled feature vector of a paper from its precomputed term features, categories and embedding.
    public func vector(terms: (ids: [UInt32], values: [Float]), categories: [String], embedding: some Collection<Float>) -> FeatureVector {
        let known = Set(categories).compactMap { categoryIDs[$0] }.sorted()
        let categoryValue = known.isEmpty ? 0 : weights.categories / Float(known.count).squareRoot()
        var dense = [Float](embedding)
        if dense.count != dimension { dense = [Float](repeating: 0, count: dimension) }
        if weights.embedding != 1 { for k in dense.indices { dense[k] *= weights.embedding } }
        return FeatureVector(dense: dense, ids: terms.ids + known,
                             values: terms.values.map { $0 * weights.terms } + known.map { _ in categoryValue })
    }
}
