import Foundation
import PapersCore
import PapersStore

/// Retrieval modes.
public enum SearchMode: String, CaseIterable, Sendable, Codable {
    /// BM25 over title, abstract and authors.
    case keyword
    /// Cosine between the query's and the papers' MiniLM embeddings.
    case semantic
    /// Keyword and semantic candidates fused (docs/search.md: how and why).
    case hybrid
}

/// How keyword search counts a word the query names more than once.
public enum QueryTermFrequency: String, Sendable, Hashable, CaseIterable {
    /// Each time counts (Lucene, Pyserini and bm25s do this): the default.
    case count
    /// Once, however often it is written (what Papers did until issue 18; an evaluation setting now).
    case once
}

/// A search as the user asked for it, already validated.
public struct SearchRequest: Sendable {
    /// The user's text (cut to ``KeywordQuery/maximumLength`` characters).
    public var text: String
    /// Retrieval mode.
    public var mode: SearchMode
    /// Restrictions.
    public var filters: SearchFilters
    /// Results per page, 1…100.
    public var limit: Int
    /// Results to skip.
    public var offset: Int

    /// Creates a request.
    public init(text: String, mode: SearchMode = .keyword, filters: SearchFilters = .init(), limit: Int = 20, offset: Int = 0) {
        self.text = text
        self.mode = mode
        self.filters = filters
        self.limit = limit
        self.offset = offset
    }
}

/// Why a search request cannot run.
public enum SearchError: Error, Equatable, CustomStringConvertible {
    /// The query has no searchable words.
    case emptyQuery
    /// A parameter is out of range.
    case invalidParameter(name: String, reason: String)
    /// Semantic or hybrid search was asked for but no model is loaded.
    case semanticUnavailable
    /// A paper named in a request is not stored.
    case unknownPaper(PaperID)

    public var description: String {
        switch self {
        case .emptyQuery: return "the query has no searchable words"
        case .invalidParameter(let name, let reason): return "parameter \(name): \(reason)"
        case .semanticUnavailable: return "semantic search is unavailable: no embedding model is loaded (install it with `make model`)"
        case .unknownPaper(let id): return "no paper \(id.rawValue)"
        }
    }
}

extension SearchFilters {
    /// Throws ``SearchError/invalidParameter(name:reason:)`` naming `from` when the range is empty (from after to):
    /// the one place that rule lives, for search, similar papers and the web layer's parameters alike.
    public func validate() throws(SearchError) {
        if let from, let to, from > to {
            throw .invalidParameter(name: "from", reason: "\(from) is after to=\(to)")
        }
    }
}

/// The one entry point for search, used by the web pages, the API, the CLI and evaluation alike.
public struct SearchService: Sendable {
    /// Largest page size accepted.
    public static let maximumLimit = 100
    /// Deepest offset accepted (deep paging is what scrapers do, not readers).
    public static let maximumOffset = 10_000

    let store: any PaperStore
    /// Vectors and query encoder; nil when no model is available (keyword search still works).
    public let semantic: SemanticIndex?
    /// How hybrid mode combines its two rankings.
    public var fusion: HybridFusion
    /// How a repeated query word counts in keyword scoring.
    public var termFrequency: QueryTermFrequency

    /// Creates a service over a store, with semantic search when `semantic` is given.
    public init(store: any PaperStore, semantic: SemanticIndex? = nil, fusion: HybridFusion = .init(),
                termFrequency: QueryTermFrequency = .count) {
        self.store = store
        self.semantic = semantic
        self.fusion = fusion
        self.termFrequency = termFrequency
    }

    /// Hybrid when a model is loaded, keyword otherwise.
    public var defaultMode: SearchMode { semantic == nil ? .keyword : .hybrid }

    /// Runs `request`; throws ``SearchError`` for empty queries and out-of-range parameters.
    public func search(_ request: SearchRequest) async throws -> SearchPage {
        guard (1...Self.maximumLimit).contains(request.limit) else {
            throw SearchError.invalidParameter(name: "limit", reason: "must be between 1 and \(Self.maximumLimit)")
        }
        guard (0...Self.maximumOffset).contains(request.offset) else {
            throw SearchError.invalidParameter(name: "offset", reason: "must be between 0 and \(Self.maximumOffset)")
        }
        try request.filters.validate()
        var query = KeywordQuery(parsing: request.text)
        if termFrequency == .once { query.occurrences = query.occurrences.map { _ in 1 } }
        let wanted = request.offset + request.limit + 1
        let ranked: [ScoredPaper]
        switch request.mode {
        case .keyword:
            guard !query.isEmpty else { throw SearchError.emptyQuery }
            return try await store.searchKeyword(query, filters: request.filters, limit: request.limit, offset: request.offset)
        case .semantic:
            let text = request.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw SearchError.emptyQuery }
            guard let semantic else { throw SearchError.semanticUnavailable }
            ranked = try await semantic.nearest(to: await semantic.embed(query: text), k: wanted, filters: request.filters)
        case .hybrid:
            let text = request.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw SearchError.emptyQuery }
            guard let semantic else { throw SearchError.semanticUnavailable }
            ranked = try await hybrid(query: query, text: text, filters: request.filters, semantic: semantic, wanted: wanted)
        }
        let page = Array(ranked.dropFirst(request.offset).prefix(request.limit))
        return SearchPage(hits: try await store.hits(for: page, highlighting: query), offset: request.offset,
                          hasMore: ranked.count > request.offset + request.limit)
    }

    /// Both rankings to `fusion.depth` (at least what the page needs), then fused.
    private func hybrid(query: KeywordQuery, text: String, filters: SearchFilters, semantic: SemanticIndex, wanted: Int) async throws -> [ScoredPaper] {
        let depth = max(fusion.depth, wanted)
        // The query embedding runs on a thread of its own while the keyword index is searched here.
        async let embedded = semantic.embed(query: text)
        let keyword = query.isEmpty ? [] : try await store.keywordCandidates(query, filters: filters, limit: max(depth, fusion.keywordDepth))
        let vector = await embedded
        // Side by side: with PostgreSQL each is a round trip.
        async let dense = semantic.nearest(to: vector, k: depth, filters: filters)
        // Cosines of keyword-only candidates are exact and cheap, so every candidate has both signals.
        async let cosines = semantic.similarities(to: vector, keys: keyword.map(\.key))
        return Array(try await fusion.fuse(keyword: keyword, dense: dense, cosines: cosines, queryTerms: query.included.count).prefix(wanted))
    }

    /// The `limit` papers nearest to the given papers' mean embedding, excluding the papers themselves and
    /// other versions of them (one arXiv id is one stored paper, so excluding the rows suffices).
    public func similar(to ids: [PaperID], limit: Int, filters: SearchFilters = .init()) async throws -> [SearchHit] {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw SearchError.invalidParameter(name: "limit", reason: "must be between 1 and \(Self.maximumLimit)")
        }
        guard !ids.isEmpty else { throw SearchError.invalidParameter(name: "ids", reason: "give at least one paper id") }
        try filters.validate()
        guard let semantic else { throw SearchError.semanticUnavailable }
        var keys: [Int64] = []
        var centroid = [Float](repeating: 0, count: semantic.encoder.dimension)
        for id in ids {
            guard let key = try await store.rowKey(of: id) else { throw SearchError.unknownPaper(id) }
            keys.append(key)
            // A paper not embedded yet is embedded on the fly from its text.
            let vector: [Float]
            if let stored = try await store.embedding(of: id, model: semantic.encoder.name) {
                vector = stored
            } else if let paper = try await store.paper(id) {
                vector = await semantic.encoder.embedInBackground([Paper.embeddingText(title: paper.title, abstract: paper.abstract)])[0]
            } else {
                throw SearchError.unknownPaper(id)
            }
            for i in centroid.indices where i < vector.count { centroid[i] += vector[i] }
        }
        let norm = centroid.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { centroid = centroid.map { $0 / norm } }
        let ranked = try await semantic.nearest(to: centroid, k: limit, excluding: Set(keys), filters: filters)
        return try await store.hits(for: ranked, highlighting: KeywordQuery(parsing: ""))
    }
}
