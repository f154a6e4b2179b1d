import Foundation
import Hummingbird
import PapersCore
import PapersSearch
import PapersStore

/// The read API of Hugging Face daily papers (`/api/daily_papers`, `/api/papers/search`), with the same field names,
/// so existing scripts and `huggingface_hub`'s `list_daily_papers` / `list_papers` work against a Papers instance
/// (docs/api.md has the mapping). Also the upvote and collection endpoints for scripts with an API token.
struct HFCompatibleAPIController: Sendable {
    let store: any PaperStore
    let search: SearchService
    let community: CommunityService

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.hfDailyPapers, use: dailyPapers)
        routes.get(.hfSearch, use: searchPapers)
        routes.post(.apiPaper, use: upvote)
        routes.delete(.apiPaper, use: upvote)
        routes.get(.hfTrending, use: trending)
        routes.get(.hfCollection, use: collection)
        return routes
    }

    /// `GET /api/daily_papers?date=|week=|month=&p=&limit=&sort=publishedAt|trending&submitter=`.
    @Sendable func dailyPapers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let limit = try parameters.int("limit", default: 50, range: 1...100)
        let page = try parameters.int("p", default: 0, range: 0...10_000)
        let sort = parameters.string("sort") ?? "publishedAt"
        guard sort == "publishedAt" || sort == "trending" else {
            throw HTTPError(.badRequest, message: "parameter sort: expected publishedAt or trending, got \"\(sort.prefix(20))\"")
        }
        let given = ["date", "week", "month"].filter { parameters.string($0) != nil }
        guard given.count <= 1 else {
            throw HTTPError(.badRequest, message: "parameters \(given.joined(separator: ", ")): give at most one of date, week and month")
        }
        let today = Day(unixTime: community.now())
        let days: ClosedRange<Day>
        if let day = try parameters.day("date") {
            days = day...day
        } else if let text = parameters.string("week") {
            guard let week = DayRange.isoWeek(text) else { throw HTTPError(.badRequest, message: "parameter week: expected YYYY-Www, got \"\(text.prefix(20))\"") }
            days = week
        } else if let text = parameters.string("month") {
            guard let month = DayRange.month(text) else { throw HTTPError(.badRequest, message: "parameter month: expected YYYY-MM, got \"\(text.prefix(20))\"") }
            days = month
        } else {
            days = today.adding(days: -30)...today.adding(days: 1)
        }
        let submitter = parameters.string("submitter")
        var papers: [RankedPaper]
        if sort == "trending" {
            let all = try await store.featuredPapers(in: days, submitter: submitter, newestFirst: false, viewer: context.viewer?.id,
                                                     limit: 5_000, offset: 0)
            let now = community.now()
            let scored = all.map { (paper: $0, score: Trending.score(upvotes: $0.totalUpvotes, enteredAt: $0.enteredAt ?? 0, now: now)) }
            papers = Array(scored.sorted { $0.score > $1.score }.map(\.paper).dropFirst(page * limit).prefix(limit))
        } else {
            papers = try await store.featuredPapers(in: days, submitter: submitter, newestFirst: true, viewer: context.viewer?.id,
                                                    limit: limit, offset: page * limit)
        }
        return try JSONArray(items: papers.map(HFDailyPaperJSON.init)).response(from: request, context: context)
    }

    /// `GET /api/papers/search?q=&limit=`: the instance's default search (hybrid when it can), as daily-paper items.
    @Sendable func searchPapers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        guard let q = parameters.string("q") else { throw HTTPError(.badRequest, message: "parameter q: required, the words to search for") }
        let limit = try parameters.int("limit", default: 20, range: 1...SearchService.maximumLimit)
        let page = try await search.search(SearchRequest(text: String(q.prefix(KeywordQuery.maximumLength)), mode: search.defaultMode,
                                                         filters: SearchFilters(), limit: limit, offset: 0))
        let ranked = try await store.rankedPapers(page.hits.map(\.paper.id), viewer: context.viewer?.id)
        return try JSONArray(items: ranked.map(HFDailyPaperJSON.init)).response(from: request, context: context)
    }

    /// `GET /api/trending?window=day|week|month&limit=`.
    @Sendable func trending(_ request: Request, context: AppRequestContext) async throws -> Response {
        let limit = try QueryParameters(request: request).int("limit", default: 50, range: 1...100)
        let papers = try await community.trendingPapers(window: try QueryParameters(request: request).trendingWindow(), viewer: context.viewer?.id)
        return try JSONArray(items: papers.prefix(limit).map(HFDailyPaperJSON.init)).response(from: request, context: context)
    }

    /// `POST /api/papers/{id}/upvote` upvotes, `DELETE` takes the upvote back (idempotent; API token or session).
    @Sendable func upvote(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (segments, isUpvote) = PaperPath.split(context, action: "upvote")
        guard isUpvote else { throw HTTPError(.notFound, message: "no such endpoint") }
        let id = try PaperPath.id(segments)
        guard let viewer = context.viewer else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "log in or send Authorization: Bearer TOKEN to upvote")
        }
        let on = request.method == .post
        let votes = try await community.setVote(viewer: viewer, paper: id, on: on, clientKey: context.clientKey)
        return try VoteJSON(paper: id.rawValue, votes: votes, voted: on).response(from: request, context: context)
    }

    /// `GET /api/collections/{id}`: a collection and its papers; private collections are 404 to all but their owner.
    @Sendable func collection(_ request: Request, context: AppRequestContext) async throws -> CollectionJSON {
        let collection = try await community.visibleCollection(id: context.parameters.get("id"), viewer: context.viewer?.id)
        let papers = try await store.collectionPapers(collection.id, viewer: context.viewer?.id, limit: 1_000, offset: 0)
        return CollectionJSON(id: collection.id, name: collection.name, owner: collection.ownerName, isPublic: collection.isPublic,
                              papers: papers.map(HFDailyPaperJSON.init))
    }
}

/// A top-level JSON array.
struct JSONArray<Item: Encodable & Sendable>: ResponseEncodable {
    var items: [Item]
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(items)
    }
}

/// ISO 8601 with milliseconds, as Hugging Face writes times (`2025-11-20T00:00:00.000Z`).
enum HFTime {
    static func string(_ unixTime: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: unixTime))
    }

    static func string(_ day: Day) -> String { "\(day)T00:00:00.000Z" }
}

/// One item of `/api/daily_papers` in Hugging Face's shape; `upvotes` counts local and Hugging Face upvotes,
/// `localUpvotes` and `externalUpvotes` keep them apart.
struct HFDailyPaperJSON: Encodable, Sendable {
    struct Author: Encodable, Sendable {
        var name: String
        var hidden = false
    }

    struct Submitter: Encodable, Sendable {
        var name: String
        var user: String
        var fullname: String
        var avatarUrl = ""
        var type = "user"
    }

    struct PaperPart: Encodable, Sendable {
        var id: String
        var authors: [Author]
        var publishedAt: String?
        var submittedOnDailyAt: String?
        var title: String
        var summary: String
        var upvotes: Int
        var localUpvotes: Int
        var externalUpvotes: Int
        var discussionId: String
        var githubRepo: String?
        var categories: [String]
    }

    var paper: PaperPart
    var publishedAt: String?
    var title: String
    var summary: String
    var thumbnail: String
    var numComments = 0
    var submittedBy: Submitter?
    var isAuthorParticipating = false

    init(_ ranked: RankedPaper) {
        let p = ranked.paper
        let entered = ranked.submittedAt.map(HFTime.string) ?? ranked.featuredDay.map(HFTime.string)
        paper = PaperPart(
            id: p.id.rawValue, authors: p.authors.map { Author(name: $0.name) },
            publishedAt: (p.published ?? p.announcedDay).map(HFTime.string), submittedOnDailyAt: entered,
            title: p.title, summary: p.abstract, upvotes: ranked.totalUpvotes, localUpvotes: ranked.votes,
            externalUpvotes: ranked.externalUpvotes, discussionId: p.id.rawValue,
            githubRepo: CodeLinks.of(p).first { $0.contains("github.com") }, categories: p.categories)
        numComments = ranked.comments
        publishedAt = entered ?? paper.publishedAt
        title = p.title
        summary = p.abstract
        thumbnail = ""
        submittedBy = ranked.submitter.map { Submitter(name: $0, user: $0, fullname: $0) }
    }
}

/// `GET /api/collections/{id}`.
struct CollectionJSON: ResponseEncodable {
    var id: CollectionID
    var name: String
    var owner: String
    var isPublic: Bool
    var papers: [HFDailyPaperJSON]
}
