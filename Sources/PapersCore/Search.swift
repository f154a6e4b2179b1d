/// Restrictions applied to any search, all optional.
public struct SearchFilters: Hashable, Sendable {
    /// Only papers listing this arXiv category (e.g. `cs.LG`).
    public var category: String?
    /// Only papers announced on or after this day.
    public var from: Day?
    /// Only papers announced on or before this day.
    public var to: Day?
    /// Only papers with an author whose name contains all these words, in any order, accents and case
    /// ignored ("hinton", "Geoffrey Hinton" and "hinton geoffrey" all find "Geoffrey E. Hinton").
    public var author: String?

    /// Creates filters; `nil` means unrestricted.
    public init(category: String? = nil, from: Day? = nil, to: Day? = nil, author: String? = nil) {
        self.category = category
        self.from = from
        self.to = to
        self.author = author
    }

    /// Whether any filter restricts.
    public var isEmpty: Bool { category == nil && from == nil && to == nil && author == nil }
}

/// One ranked search result.
public struct SearchHit: Hashable, Sendable {
    /// The paper found.
    public var paper: Paper
    /// The ranking score, larger is better; its scale depends on the retrieval mode.
    public var score: Double
    /// A short passage of the abstract around the matched words; matched words are wrapped in
    /// ``SearchHit/highlightStart`` and ``SearchHit/highlightEnd`` so that callers escape first and mark second.
    public var snippet: String?

    /// Creates a hit.
    public init(paper: Paper, score: Double, snippet: String? = nil) {
        self.paper = paper
        self.score = score
        self.snippet = snippet
    }

    /// Private-use character that opens a highlight in ``snippet``.
    public static let highlightStart: Character = "\u{E000}"
    /// Private-use character that closes a highlight in ``snippet``.
    public static let highlightEnd: Character = "\u{E001}"
}

/// A page of results.
public struct SearchPage: Sendable {
    /// Hits in rank order.
    public var hits: [SearchHit]
    /// The offset of the first hit among all results.
    public var offset: Int
    /// `true` when there are results after this page.
    public var hasMore: Bool

    /// Creates a page.
    public init(hits: [SearchHit], offset: Int, hasMore: Bool) {
        self.hits = hits
        self.offset = offset
        self.hasMore = hasMore
    }
}
