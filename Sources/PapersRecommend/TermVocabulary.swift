import Foundation
import PapersCore

/// The words and word pairs a personal model can weigh, with their inverse document frequencies: the
/// tf-idf features arxiv-sanity-lite trains its per-tag SVMs on (unigrams and bigrams of title and
/// abstract, sublinear tf, smoothed idf, L2-normalised; terms in fewer than `minimumDocuments` or more
/// than `maximumDocumentFraction` of the documents dropped; at most `maximumTerms` kept, the most
/// frequent first). Terms come from Papers' `TextAnalyzer` (folded, stop words dropped, Porter-stemmed),
/// and a bigram joins two neighbouring analyzed terms.
///
/// Immutable once built; `features` is safe to call from many tasks (each call makes its own analyzer).
public struct TermVocabulary: Sendable {
    /// Settings of the vocabulary.
    public struct Settings: Sendable, Hashable {
        /// Drop terms in fewer documents than this.
        public var minimumDocuments = 5
        /// Drop terms in more than this fraction of the documents.
        public var maximumDocumentFraction = 0.1
        /// Keep at most this many terms (the most frequent in the corpus).
        public var maximumTerms = 20_000
        /// Include pairs of neighbouring terms.
        public var bigrams = true

        /// arxiv-sanity-lite's settings.
        public init() {}

        /// These settings loosened for a small collection (a new instance, a test): with fewer than 1,000
        /// documents a term may be in up to half of them, and with fewer than 5,000 in a single one.
        public func scaled(toDocuments n: Int) -> Settings {
            var settings = self
            if n < 5_000 { settings.minimumDocuments = min(minimumDocuments, max(1, n / 1_000)) }
            if n < 1_000 { settings.maximumDocumentFraction = max(maximumDocumentFraction, 0.5) }
            return settings
        }
    }

    /// Term key → feature id (0 ..< count).
    private let ids: [UInt64: UInt32]
    /// Unigram text → unigram number (the halves of a term key).
    private let unigrams: [String: UInt32]
    /// Inverse document frequency by feature id.
    public let idf: [Float]
    /// The settings it was built with.
    public let settings: Settings

    /// Number of features.
    public var count: Int { idf.count }

    /// Counts document frequencies over `documents` (each the text of one paper) and keeps the terms the
    /// settings allow.
    public init(documents: [String], settings: Settings = Settings()) {
        self.settings = settings
        var unigrams: [String: UInt32] = [:]
        var documentFrequency: [UInt64: (documents: Int32, occurrences: Int32)] = [:]
        let analyzer = TextAnalyzer()
        var seen = Set<UInt64>()
        for text in documents {
            seen.removeAll(keepingCapacity: true)
            Self.forEachKey(analyzer.terms(text), bigrams: settings.bigrams, unigrams: { term in
                if let id = unigrams[term] { return id }
                let id = UInt32(unigrams.count + 1)
                unigrams[term] = id
                return id
            }) { key in
                let isNew = seen.insert(key).inserted
                documentFrequency[key, default: (0, 0)].occurrences += 1
                if isNew { documentFrequency[key]!.documents += 1 }
            }
        }
        let n = documents.count
        let maximum = Int32(Double(n) * settings.maximumDocumentFraction)
        let kept = documentFrequency
            .filter { $0.value.documents >= Int32(settings.minimumDocuments) && $0.value.documents <= maximum }
            .sorted { ($0.value.occurrences, $1.key) > ($1.value.occurrences, $0.key) }
            .prefix(settings.maximumTerms)
        var ids: [UInt64: UInt32] = [:]
        var idf: [Float] = []
        for (key, frequency) in kept.sorted(by: { $0.key < $1.key }) {
            ids[key] = UInt32(idf.count)
            idf.append(Float(log(Double(1 + n) / Double(1 + Int(frequency.documents))) + 1))
        }
        let usedUnigrams = Set(ids.keys.flatMap { [UInt32($0 >> 32), UInt32($0 & 0xFFFF_FFFF)] })
        self.unigrams = unigrams.filter { usedUnigrams.contains($0.value) }
        self.ids = ids
        self.idf = idf
    }

    /// The L2-normalised sublinear tf-idf vector of `text`: feature ids ascending, values parallel.
    public func features(_ text: String, analyzer: TextAnalyzer = TextAnalyzer()) -> (ids: [UInt32], values: [Float]) {
        features(terms: analyzer.terms(text))
    }

    /// The same vector from terms the caller already analysed (in text order).
    public func features(terms: [String]) -> (ids: [UInt32], values: [Float]) {
        var counts: [UInt32: Float] = [:]
        let unigrams = self.unigrams
        Self.forEachKey(terms, bigrams: settings.bigrams, unigrams: { unigrams[$0] ?? 0 }) { key in
            if let id = ids[key] { counts[id, default: 0] += 1 }
        }
        var pairs = counts.map { ($0.key, (1 + Float(log(Double($0.value)))) * idf[Int($0.key)]) }
        pairs.sort { $0.0 < $1.0 }
        var norm: Float = 0
        for (_, v) in pairs { norm += v * v }
        norm = norm > 0 ? 1 / norm.squareRoot() : 0
        return (pairs.map(\.0), pairs.map { $0.1 * norm })
    }

    /// Calls `body` with the key of each unigram (`0 << 32 | u`) and bigram (`u1 << 32 | u2`) of analysed
    /// `terms`; `unigrams` numbers a term (0: unknown, which forms no key).
    private static func forEachKey(_ terms: [String], bigrams: Bool, unigrams: (String) -> UInt32, _ body: (UInt64) -> Void) {
        var previous: UInt32 = 0
        for term in terms {
            let u = unigrams(term)
            if u != 0 {
                body(UInt64(u))
                if bigrams, previous != 0 { body(UInt64(previous) << 32 | UInt64(u)) }
            }
            previous = u
        }
    }
}
