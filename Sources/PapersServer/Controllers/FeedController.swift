import Foundation
import Hummingbird
import PapersCore
import PapersSearch
import PapersStore

/// Atom 1.0 feeds (RFC 4287): a day's papers, trending, a search and a public collection, for feed readers.
struct FeedController: Sendable {
    let store: any PaperStore
    let search: SearchService
    /// The site's public address, for the absolute links and ids Atom requires (no trailing slash).
    let baseURL: String
    let siteName: String
    let community: CommunityService

    /// Entries per feed.
    static let entries = 50

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.dailyFeed, use: daily)
        routes.get(.searchFeed, use: searchFeed)
        routes.get(.trendingFeed, use: trending)
        routes.get(.collectionFeed, use: collection)
        return routes
    }

    /// `?date=YYYY-MM-DD`, else the latest day with papers.
    @Sendable func daily(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        let day: Day?
        if let text = parameters.string("date") {
            guard let parsed = Day(text) else { throw HTTPError(.badRequest, message: "parameter date: expected YYYY-MM-DD, got \"\(text.prefix(40))\"") }
            day = parsed
        } else {
            day = try await store.latestDays(limit: 1).first?.day
        }
        var papers: [RankedPaper] = []
        var path = SiteURL.dailyFeed().path
        if let day {
            // The page's order: featured papers first, by upvotes.
            papers = try await store.dailyPage(day, viewer: nil, limit: Self.entries, offset: 0)
            if parameters.string("date") != nil { path = SiteURL.dailyFeed(date: day).path }
        }
        let feed = AtomFeed(
            id: baseURL + path, title: "\(siteName): papers of \(day?.longDescription ?? "no day yet")",
            selfURL: baseURL + path, pageURL: (day.map { SiteURL.day($0) } ?? .home).absolute(base: baseURL),
            updated: Self.timestamp(day), entries: papers.map { entry(for: $0) })
        return feed.response()
    }

    /// `?q=…&mode=…` and the search filters, best first.
    @Sendable func searchFeed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = QueryParameters(request: request)
        guard let q = parameters.string("q"), !q.isEmpty else {
            throw HTTPError(.badRequest, message: "parameter q: required, the words to search for")
        }
        let query = String(q.prefix(KeywordQuery.maximumLength))
        let searchRequest = SearchRequest(text: query, mode: try parameters.mode("mode", default: search.defaultMode),
                                          filters: try parameters.filters(), limit: Self.entries, offset: 0)
        let hits = try await search.search(searchRequest).hits
        let newest = hits.compactMap { $0.paper.updated ?? $0.paper.announcedDay }.max()
        let feed = AtomFeed(
            id: SiteURL.searchFeed(query: query).absolute(base: baseURL), title: "\(siteName): search for \(query)",
            selfURL: SiteURL.searchFeed(query: query).absolute(base: baseURL), pageURL: SiteURL.search(query: query).absolute(base: baseURL),
            updated: Self.timestamp(newest), entries: hits.map { entry(for: $0.paper) })
        return feed.response()
    }

    /// `?window=day|week|month` (week by default), best first, with the ranking formula's inputs in each summary.
    @Sendable func trending(_ request: Request, context: AppRequestContext) async throws -> Response {
        let window = try QueryParameters(request: request).trendingWindow()
        let papers = try await community.trendingPapers(window: window, viewer: nil).prefix(Self.entries)
        let path = SiteURL.trendingFeed(window: window).path
        let newest = papers.compactMap(\.enteredAt).max()
        let feed = AtomFeed(
            id: baseURL + path, title: "\(siteName): trending this \(window.rawValue)", selfURL: baseURL + path,
            pageURL: SiteURL.trending(window: window).absolute(base: baseURL),
            updated: newest.map(HFTime.string) ?? Self.timestamp(nil), entries: papers.map { entry(for: $0) })
        return feed.response()
    }

    /// `/feeds/collections/{id}.atom`: a public collection, most recently added first; private ones are 404.
    @Sendable func collection(_ request: Request, context: AppRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".atom") else { throw HTTPError(.notFound, message: "no such feed") }
        // Feed readers carry no session: only public collections have feeds.
        let collection = try await community.visibleCollection(id: String(file.dropLast(5)), viewer: nil)
        let papers = try await store.collectionPapers(collection.id, viewer: nil, limit: Self.entries, offset: 0)
        let path = SiteURL.collectionFeed(collection.id).path
        let feed = AtomFeed(
            id: baseURL + path, title: "\(siteName): \(collection.name) by \(collection.ownerName)", selfURL: baseURL + path,
            pageURL: SiteURL.collection(collection.id).absolute(base: baseURL),
            updated: HFTime.string(collection.createdAt), entries: papers.map { entry(for: $0) })
        return feed.response()
    }

    /// An entry whose summary starts with the paper's upvotes when it has any (local and Hugging Face apart).
    func entry(for ranked: RankedPaper) -> AtomFeed.Entry {
        var entry = entry(for: ranked.paper)
        var counts: [String] = []
        if ranked.votes > 0 { counts.append("▲ \(ranked.votes) here") }
        if ranked.externalUpvotes > 0 { counts.append("▲ \(ranked.externalUpvotes) on Hugging Face daily papers") }
        if !counts.isEmpty { entry.summary = counts.joined(separator: ", ") + ". " + entry.summary }
        return entry
    }

    func entry(for paper: Paper) -> AtomFeed.Entry { Self.entry(for: paper, baseURL: baseURL) }

    /// The Atom entry of a paper on a site at `baseURL`.
    static func entry(for paper: Paper, baseURL: String) -> AtomFeed.Entry {
        let url = SiteURL.paper(paper.id).absolute(base: baseURL)
        let summary = paper.abstract
        return AtomFeed.Entry(id: url, title: paper.title, url: url, updated: timestamp(paper.updated ?? paper.announcedDay),
                              published: paper.published.map { timestamp($0) },
                              authors: paper.authors.map(\.name), categories: paper.categories, summary: summary)
    }

    /// RFC 3339 at midnight UTC of `day` (Atom needs a time; papers have days).
    static func timestamp(_ day: Day?) -> String {
        (day ?? Day(daysSinceEpoch: 0)).description + "T00:00:00Z"
    }
}

/// An Atom 1.0 document; every text is XML-escaped.
struct AtomFeed {
    struct Entry {
        var id: String
        var title: String
        var url: String
        var updated: String
        var published: String?
        var authors: [String]
        var categories: [String]
        var summary: String
    }

    var id: String
    var title: String
    var selfURL: String
    var pageURL: String
    var updated: String
    var entries: [Entry]

    var xml: String {
        var s = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
            <id>\(id.xmlEscaped)</id>
            <title>\(title.xmlEscaped)</title>
            <updated>\(updated)</updated>
            <link rel="self" type="application/atom+xml" href="\(selfURL.xmlEscaped)"/>
            <link rel="alternate" type="text/html" href="\(pageURL.xmlEscaped)"/>
            <generator>Papers</generator>

            """
        for e in entries {
            s += "<entry>\n<id>\(e.id.xmlEscaped)</id>\n<title>\(e.title.xmlEscaped)</title>\n"
            s += "<link rel=\"alternate\" type=\"text/html\" href=\"\(e.url.xmlEscaped)\"/>\n<updated>\(e.updated)</updated>\n"
            if let published = e.published { s += "<published>\(published)</published>\n" }
            // Atom requires an author; papers without one name the site.
            for name in e.authors.isEmpty ? ["unknown"] : e.authors { s += "<author><name>\(name.xmlEscaped)</name></author>\n" }
            for c in e.categories { s += "<category term=\"\(c.xmlEscaped)\"/>\n" }
            s += "<summary>\(e.summary.xmlEscaped)</summary>\n</entry>\n"
        }
        return s + "</feed>\n"
    }

    func response() -> Response {
        Response(status: .ok, headers: [.contentType: "application/atom+xml; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: xml)))
    }
}
