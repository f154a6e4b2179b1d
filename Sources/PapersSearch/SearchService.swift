import PapersCore
import PapersStore

/// Retrieval modes. Only keyword retrieval exists so far; semantic and hybrid arrive with the encoder.
public enum SearchMode: String, CaseIterable, Sendable, Codable {
    /// BM25 over title, abstract and authors.
    case keyword
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

    public var description: String {
        switch self {
        case .emptyQuery: return "the query has no searchable words"
        case .invalidParameter(let name, let reason): return "parameter \(name): \(reason)"
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

    /// Creates a service over a store.
    public init(store: any PaperStore) { self.store = store }

    /// Runs `request`; throws ``SearchError`` for empty queries and out-of-range parameters.
    public func search(_ request: SearchRequest) async throws -> SearchPage {
        guard (1...Self.maximumLimit).contains(request.limit) else {
            throw SearchError.invalidParameter(name: "limit", reason: "must be between 1 and \(Self.maximumLimit)")
        }
        guard (0...Self.maximumOffset).contains(request.offset) else {
            throw SearchError.invalidParameter(name: "offset", reason: "must be between 0 and \(Self.maximumOffset)")
        }
        if let from = request.filters.from, let to = request.filters.to, from > to {
            throw SearchError.invalidParameter(name: "from", reason: "\(from) is after to=\(to)")
        }
        let query = KeywordQuery(parsing: request.text)
        guard !query.isEmpty else { throw SearchError.emptyQuery }
        switch request.mode {
        case .keyword:
            return try await store.searchKeyword(query, filters: request.filters, limit: request.limit, offset: request.offset)
        }
    }
}
