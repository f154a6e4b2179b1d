import Hummingbird
import PapersCore
import PapersSearch
import PapersStore

/// JSON under `/api`.
struct APIController: Sendable {
    let store: any PaperStore
    let search: SearchService
    /// Personal ranking, for `sort=for-you`.
    var personal: PersonalController? = nil

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.apiSearch, use: searchPapers)
        routes.get(.apiPaper, use: paper)
        routes.get(.apiSimilar, use: similarToSeveral)
        routes.get(.apiDaily, use: daily)
        return routes
    }

    @Sendable func searchPapers(_ request: Request, context: AppRequestContext) async throws -> SearchResponseJSON {
        let parameters = QueryParameters(request: request)
        guard let q = parameters.string("q") else {
            throw HTTPError(.badRequest, message: "parameter q: required, the words to search for")
        }
        let query = String(q.prefix(KeywordQuery.maximumLength))
        let searchRequest = SearchRequest(
            text: query, mode: try parameters.mode("mode", default: search.defaultMode), filters: try parameters.filters(),
            limit: try parameters.int("limit", default: 20, range: 1...SearchService.maximumLimit),
            offset: try parameters.int("offset", default: 0, range: 0...SearchService.maximumOffset))
        let page = try await search.search(searchRequest)
        return SearchResponseJSON(
            query: query, mode: searchRequest.mode.rawValue, offset: page.offset, limit: searchRequest.limit,
            hasMore: page.hasMore,
            results: page.hits.map(SearchResultJSON.init))
    }

    /// `/api/papers/{id}` and `/api/papers/{id}/similar` (the catch-all route carries both).
    @Sendable func paper(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (segments, similar) = PaperPath.split(context, action: "similar")
        let id = try PaperPath.id(segments)
        if similar { return try await similarResponse(ids: [id], request: request, context: context) }
        guard let ranked = try await store.rankedPapers([id], viewer: context.viewer?.id).first else {
            throw HTTPError(.notFound, message: "no paper with id \(id)")
        }
        return try PaperDetailJSON(ranked).response(from: request, context: context)
    }

    /// `/api/similar?ids=a,b,c&limit=`: papers like all of these ("more like these").
    @Sendable func similarToSeveral(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        guard let list = parameters.string("ids") else {
            throw HTTPError(.badRequest, message: "parameter ids: required, comma-separated paper ids")
        }
        let texts = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard (1...50).contains(texts.count) else {
            throw HTTPError(.badRequest, message: "parameter ids: give 1 to 50 paper ids")
        }
        let ids = try texts.map { text -> PaperID in
            guard let id = PaperID(text) else { throw HTTPError(.badRequest, message: "parameter ids: \"\(text.prefix(80))\" is not a paper id") }
            return id
        }
        return try await similarResponse(ids: ids, request: request, context: context)
    }

    private func similarResponse(ids: [PaperID], request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let limit = try parameters.int("limit", default: 10, range: 1...SearchService.maximumLimit)
        let hits = try await search.similar(to: ids, limit: limit, filters: try parameters.filters())
        return try SimilarResponseJSON(ids: ids.map(\.rawValue), limit: limit, results: hits.map(SearchResultJSON.init))
            .response(from: request, context: context)
    }

    @Sendable func daily(_ request: Request, context: AppRequestContext) async throws -> DailyJSON {
        let parameters = QueryParameters(request: request)
        let limit = try parameters.int("limit", default: 50, range: 1...500)
        let offset = try parameters.int("offset", default: 0, range: 0...1_000_000)
        let requested = try parameters.day("date")
        let day: Day
        if let requested {
            day = requested
        } else if let latest = try await store.latestDays(limit: 1).first?.day {
            day = latest
        } else {
            return DailyJSON(date: nil, total: 0, previous: nil, next: nil, papers: [])
        }
        var total = try await store.paperCount(on: day)
        let papers: [Paper]
        if try PageController.sortForYou(parameters) {
            guard let viewer = context.viewer, let personal else {
                throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "parameter sort: for-you needs Authorization: Bearer TOKEN")
            }
            let result = try await personal.recommender.recommend(.account(viewer.id), days: day...day, limit: offset + limit)
            papers = result.recommendations.dropFirst(offset).map(\.paper)
            total = result.recommendations.count < offset + limit ? offset + papers.count : total
        } else {
            papers = try await store.papers(on: day, limit: limit, offset: offset)
        }
        let (previous, next) = try await store.neighbours(of: day)
        return DailyJSON(date: day.description, total: total, previous: previous?.description, next: next?.description,
                         papers: papers.map(PaperJSON.init))
    }
}

/// A paper in API responses and `--json` CLI output (snake_case keys).
public struct PaperJSON: ResponseCodable, Sendable {
    /// An author with affiliations.
    public struct AuthorJSON: Codable, Sendable {
        var name: String
        var affiliations: [String]
    }

    var id: String
    var arxivID: String?
    var version: Int?
    var title: String
    var abstract: String
    var authors: [AuthorJSON]
    var categories: [String]
    var primaryCategory: String?
    var published: String?
    var updated: String?
    var listed: String?
    var doi: String?
    var journalRef: String?
    var comments: String?
    var license: String?
    var links: [String]
    var absURL: String?
    var pdfURL: String?

    enum CodingKeys: String, CodingKey {
        case id, version, title, abstract, authors, categories, published, updated, listed, doi, comments, license, links
        case arxivID = "arxiv_id", primaryCategory = "primary_category", journalRef = "journal_ref"
        case absURL = "abs_url", pdfURL = "pdf_url"
    }

    /// The API form of `paper`.
    public init(_ paper: Paper) {
        let arxiv = paper.arxivID
        id = paper.id.rawValue
        arxivID = arxiv?.description
        version = paper.version
        title = paper.title
        abstract = paper.abstract
        authors = paper.authors.map { AuthorJSON(name: $0.name, affiliations: $0.affiliations) }
        categories = paper.categories
        primaryCategory = paper.primaryCategory
        published = paper.published?.description
        updated = paper.updated?.description
        listed = paper.announcedDay?.description
        doi = paper.doi
        journalRef = paper.journalRef
        comments = paper.comments
        license = paper.license
        links = paper.links
        absURL = arxiv?.absURL
        pdfURL = arxiv?.pdfURL
    }
}

/// `GET /api/papers/{id}`: Papers' own fields plus Hugging Face's names for the same things (`summary`,
/// `publishedAt`, `upvotes`, `submittedOnDailyAt`, `submittedOnDailyBy`, `githubRepo`), so `huggingface_hub`'s
/// `paper_info` reads it.
struct PaperDetailJSON: ResponseEncodable {
    var paper: PaperJSON
    var hf: HFDailyPaperJSON

    init(_ ranked: RankedPaper) {
        paper = PaperJSON(ranked.paper)
        hf = HFDailyPaperJSON(ranked)
    }

    enum HFKeys: String, CodingKey {
        case summary, publishedAt, upvotes, localUpvotes, externalUpvotes, submittedOnDailyAt, submittedOnDailyBy, githubRepo, discussionId
        case numComments
    }

    func encode(to encoder: any Encoder) throws {
        try paper.encode(to: encoder)
        var c = encoder.container(keyedBy: HFKeys.self)
        try c.encode(hf.paper.summary, forKey: .summary)
        try c.encodeIfPresent(hf.paper.publishedAt, forKey: .publishedAt)
        try c.encode(hf.paper.upvotes, forKey: .upvotes)
        try c.encode(hf.paper.localUpvotes, forKey: .localUpvotes)
        try c.encode(hf.paper.externalUpvotes, forKey: .externalUpvotes)
        try c.encodeIfPresent(hf.paper.submittedOnDailyAt, forKey: .submittedOnDailyAt)
        try c.encodeIfPresent(hf.submittedBy, forKey: .submittedOnDailyBy)
        try c.encodeIfPresent(hf.paper.githubRepo, forKey: .githubRepo)
        try c.encode(hf.paper.discussionId, forKey: .discussionId)
        try c.encode(hf.numComments, forKey: .numComments)
    }
}

/// `GET /api/papers/{id}/similar`, `GET /api/similar?ids=`.
struct SimilarResponseJSON: ResponseEncodable {
    var ids: [String]
    var limit: Int
    var results: [SearchResultJSON]
}

/// `GET /api/search`.
struct SearchResponseJSON: ResponseCodable {
    var query: String
    var mode: String
    var offset: Int
    var limit: Int
    var hasMore: Bool
    var results: [SearchResultJSON]

    enum CodingKeys: String, CodingKey {
        case query, mode, offset, limit, results
        case hasMore = "has_more"
    }
}

/// One search result.
public struct SearchResultJSON: Codable, Sendable {
    var score: Double
    var snippet: String?
    var snippetHTML: String?
    var paper: PaperJSON

    enum CodingKeys: String, CodingKey {
        case score, snippet, paper
        case snippetHTML = "snippet_html"
    }

    /// The API form of a hit.
    public init(_ hit: SearchHit) {
        score = hit.score
        snippet = hit.snippet.map(HTMLEscaping.plain)
        snippetHTML = hit.snippet.map(HTMLEscaping.highlighted)
        paper = PaperJSON(hit.paper)
    }
}

/// `GET /api/daily`.
struct DailyJSON: ResponseCodable {
    var date: String?
    var total: Int
    var previous: String?
    var next: String?
    var papers: [PaperJSON]
}
