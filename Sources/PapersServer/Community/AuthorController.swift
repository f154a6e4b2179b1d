import Foundation
import Hummingbird
import PapersCore
import PapersStore

/// `/authors/{name}`: an author's papers newest first, co-authors, categories, their feed, following them, and the
/// accounts whose claim to be them was approved.
struct AuthorController: Sendable {
    let store: any PaperStore
    let views: Views
    let baseURL: String
    let siteName: String
    let now: @Sendable () -> Double

    /// Papers per author page.
    static let pageSize = 50
    /// Papers read for the co-author and category counts.
    static let profileDepth = 500

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.author, use: page)
        routes.get(.authorFeed, use: feed)
        routes.post(.followAuthor, use: follow)
        return routes
    }

    /// The author name of the path (percent-decoded, whitespace collapsed), or a 404 naming it.
    static func name(_ context: AppRequestContext) throws -> String {
        let raw = context.parameters.get("name") ?? ""
        let name = (raw.removingPercentEncoding ?? raw).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !AuthorName.key(name).isEmpty, name.count <= 300 else {
            throw HTTPError(.notFound, message: "\"\(name.prefix(60))\" is not an author name.")
        }
        return name
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let name = try Self.name(context)
        let page = try QueryParameters(request: request).int("page", default: 1, range: 1...1_000)
        let viewer = context.viewer
        // One read for the co-author and category counts (the newest papers: all of them for nearly every author)
        // and, when the page lies within them, the page itself.
        let (total, sample) = try await store.authorPapers(named: name, viewer: viewer?.id, limit: Self.profileDepth, offset: 0)
        guard total > 0 else { throw HTTPError(.notFound, message: "No paper here lists an author called \"\(name.prefix(80))\".") }
        let offset = (page - 1) * Self.pageSize
        let papers = offset + Self.pageSize <= Self.profileDepth || total <= Self.profileDepth
            ? Array(sample.dropFirst(offset).prefix(Self.pageSize))
            : try await store.authorPapers(named: name, viewer: viewer?.id, limit: Self.pageSize, offset: offset).papers
        let key = AuthorName.key(name)
        var coauthors: [String: (name: String, count: Int)] = [:]
        var categories: [String: Int] = [:]
        var displayName = name
        for ranked in sample {
            for author in ranked.paper.authors {
                let authorKey = AuthorName.key(author.name)
                if authorKey == key { displayName = author.name; continue }
                coauthors[authorKey, default: (author.name, 0)].count += 1
            }
            for category in ranked.paper.categories { categories[category, default: 0] += 1 }
        }
        var following = false
        if let viewer {
            following = try await store.personalSignals(account: viewer.id).filters
                .contains { $0.kind == .followAuthor && AuthorName.key($0.value) == key }
        }
        let claimedBy = try await store.claims(status: .approved, account: nil, limit: 10_000)
            .filter { AuthorName.key($0.authorName) == key }.map(\.accountName)
        let model = AuthorPageModel(
            name: displayName, total: total, papers: papers.map { PaperSummaryView($0) },
            coauthors: coauthors.values.sorted { ($0.count, $1.name) > ($1.count, $0.name) }.prefix(20)
                .map { .init(label: $0.name, url: SiteURL.author(name: $0.name).path, count: $0.count) },
            categories: categories.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(10)
                .map { .init(label: $0.key, url: SiteURL.search(query: displayName, filters: SearchFilters(category: $0.key, author: displayName)).path,
                             count: $0.value) },
            feedURL: SiteURL.authorFeed(name: displayName).path, following: following, nextFollowState: following ? "off" : "on",
            claimedBy: Array(Set(claimedBy)).sorted().map { NavLink(url: SiteURL.profile(name: $0).path, label: $0) },
            hasClaims: !claimedBy.isEmpty,
            pageNavigation: PageNavigation(previousURL: page > 1 ? SiteURL.author(name: name).path + "?page=\(page - 1)" : nil,
                                           nextURL: page * Self.pageSize < total ? SiteURL.author(name: name).path + "?page=\(page + 1)" : nil))
        return try views.page(.author, model, request: request, context: context)
    }

    /// `GET /feeds/author.atom?name=`: the author's newest papers.
    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let name = QueryParameters(request: request).string("name"), !AuthorName.key(name).isEmpty else {
            throw HTTPError(.badRequest, message: "parameter name: required, an author's name")
        }
        let papers = try await store.authorPapers(named: name, viewer: nil, limit: FeedController.entries, offset: 0).papers
        let selfURL = SiteURL.authorFeed(name: name).absolute(base: baseURL)
        let feed = AtomFeed(id: selfURL, title: "\(siteName): papers by \(name)", selfURL: selfURL,
                            pageURL: SiteURL.author(name: name).absolute(base: baseURL),
                            updated: FeedController.timestamp(papers.compactMap { $0.paper.updated ?? $0.paper.announcedDay }.max()),
                            entries: papers.map { FeedController.entry(for: $0.paper, baseURL: baseURL) })
        return feed.response()
    }

    /// `POST /follow/author` with `name` and `state`: a followed author lifts their papers in "For you" and personal
    /// digests (the same rule as the For-you settings' follow).
    @Sendable func follow(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let name = String((context.form["name"] ?? "").prefix(200))
        let on = try DiscussionController.state(context.form["state"])
        let filter: PersonalFilter
        do {
            filter = try PersonalFilter(kind: .followAuthor, value: name)
        } catch {
            throw HTTPError(.badRequest, message: "\(error)")
        }
        try await store.setFilter(account: viewer.id, filter: filter, on: on, now: now())
        return AccountController.seeOther(SiteURL.author(name: name).path)
    }
}
