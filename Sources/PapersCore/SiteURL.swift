import Foundation

/// Every route the site answers, as the router's pattern (`:name` is one path segment, `**` the rest of the path).
///
/// Route registration reads these patterns and ``SiteURL`` fills the same ones to build links, so a link and the
/// route that answers it cannot drift apart. Templates keep their own fixed links (`href="/search"`); everything
/// built in Swift — pages, feeds, mail, redirects — goes through here.
public enum SiteRoute: String, CaseIterable, Sendable {
    // Pages
    case home = "/"
    case day = "/date/:date"
    case week = "/week/:week"
    case month = "/month/:month"
    case search = "/search"
    case paper = "/papers/**"
    case trending = "/trending"
    case submit = "/submit"
    case vote = "/vote"
    case signup = "/signup"
    case login = "/login"
    case logout = "/logout"
    case profile = "/u/:name"
    case tokens = "/settings/tokens"
    case revokeToken = "/settings/tokens/:id/revoke"
    case collections = "/collections"
    case collection = "/collections/:id"
    case collectionItems = "/collections/:id/items"
    case subscribe = "/subscribe"
    case subscribeConfirm = "/subscribe/confirm"
    case unsubscribe = "/unsubscribe"
    case commentMailUnsubscribe = "/unsubscribe/comments"
    case forYou = "/for-you"
    case forYouSettings = "/for-you/settings"
    case dismiss = "/dismiss"
    case forYouFilters = "/for-you/filters"
    case forYouSeeds = "/for-you/seeds"
    case forYouPersonalization = "/for-you/personalization"
    case forYouReset = "/for-you/reset"
    case forYouFeed = "/for-you/feed"
    case forYouFeedRevoke = "/for-you/feed/revoke"
    case author = "/authors/:name"
    case comments = "/comments"
    case commentEdit = "/comments/:id/edit"
    case commentDelete = "/comments/:id/delete"
    case commentReport = "/comments/:id/report"
    case followPaper = "/follow/paper"
    case followAuthor = "/follow/author"
    case claims = "/claims"
    case accountSettings = "/settings/account"
    case password = "/settings/password"
    case email = "/settings/email"
    case notificationSettings = "/settings/notifications"
    case dataExport = "/settings/export"
    case deleteAccount = "/settings/delete"
    case admin = "/admin"
    case adminHide = "/admin/comments/:id/hide"
    case adminDismiss = "/admin/comments/:id/dismiss"
    case adminSuspend = "/admin/accounts/:id/suspend"
    case adminClaim = "/admin/claims/:id"
    // Feeds
    case dailyFeed = "/feeds/daily.atom"
    case searchFeed = "/feeds/search.atom"
    case trendingFeed = "/feeds/trending.atom"
    case collectionFeed = "/feeds/collections/:file"
    case forYouFeedFile = "/feeds/for-you/:file"
    case commentsFeed = "/feeds/comments.atom"
    case authorFeed = "/feeds/author.atom"
    // JSON API
    case apiSearch = "/api/search"
    case apiPaper = "/api/papers/**"
    case apiSimilar = "/api/similar"
    case apiDaily = "/api/daily"
    case apiForYou = "/api/for-you"
    case apiSubscriptions = "/api/subscriptions"
    case apiComments = "/api/comments"
    // The Hugging Face-compatible API
    case hfDailyPapers = "/api/daily_papers"
    case hfSearch = "/api/papers/search"
    case hfTrending = "/api/trending"
    case hfCollection = "/api/collections/:id"
    // Operations and assets
    case health = "/healthz"
    /// The OpenAPI 3.1 description of the JSON API.
    case openAPI = "/openapi.json"
    case metrics = "/metrics"
    case script = "/static/app.js"
    case stylesheet = "/static/style.css"
    /// KaTeX (Debian's libjs-katex), for math in comments.
    case katex = "/static/katex/**"

    /// Whether `path` is under `/api` (machine clients: no form token, JSON errors).
    public static func isAPI(_ path: String) -> Bool { path == "/api" || path.hasPrefix("/api/") }
    /// Feeds, read by feed readers without a session.
    public static let feedsPrefix = "/feeds/"
    /// Assets.
    public static let staticPrefix = "/static/"

    /// The pattern with its parameters (`:name`, `**`) replaced in order by `values`, each percent-encoded as a path
    /// segment; `**` keeps its slashes.
    public func filled(_ values: String...) -> String {
        var remaining = values[...]
        return rawValue.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            if segment.hasPrefix(":"), let value = remaining.popFirst() { return SiteURL.segment(value) }
            if segment == "**", let value = remaining.popFirst() { return SiteURL.segment(value) }
            return String(segment)
        }.joined(separator: "/")
    }
}

/// A link on this site: a page, a feed, a form's target or a redirect, with its parameters typed.
///
/// ``path`` is the path and query (what pages and redirects use); ``absolute(base:)`` prefixes the instance's
/// public address (what feeds and mail use). Encodings are the ones the pages always had, byte for byte.
public enum SiteURL: Hashable, Sendable {
    case home
    /// A day's page; `page` > 1 adds `page=`, `forYou` the personal order.
    case day(Day, page: Int? = nil, forYou: Bool = false)
    /// An ISO week (`2025-W47`).
    case week(String)
    /// A month (`2025-11`).
    case month(String)
    /// The search page with its parameters, `q` first; `mode` is a `SearchMode` raw value.
    case search(query: String, filters: SearchFilters = SearchFilters(), mode: String? = nil, page: Int = 1)
    case paper(PaperID, fragment: String? = nil)
    case trending(window: TrendingWindow)
    case submit
    case login(returningTo: String)
    case profile(name: String)
    case tokens
    case collection(CollectionID)
    /// The subscribe form, its topic box filled in when `topic` is given.
    case subscribe(topic: String? = nil)
    case subscribeConfirm(token: String? = nil)
    case unsubscribe(token: String? = nil)
    /// Turning all comment mail off, by the signed token of a mail's link.
    case commentMailUnsubscribe(token: String)
    /// The personal page: `date`, then `period` (`day`/`week`) and `collection` when given.
    case forYou(date: Day? = nil, period: String? = nil, collection: CollectionID? = nil)
    case forYouSettings(fragment: String? = nil)
    /// The daily feed, pinned to `date` when given.
    case dailyFeed(date: Day? = nil)
    case searchFeed(query: String)
    case trendingFeed(window: TrendingWindow)
    case collectionFeed(CollectionID)
    /// A private personal feed, by its secret token, optionally one collection's.
    case forYouFeed(token: String, collection: CollectionID? = nil)
    /// The JSON search API; `mode` is a `SearchMode` raw value.
    case apiSearch(query: String, mode: String? = nil, limit: Int? = nil)
    /// A paper as JSON; with `action` (`similar`, `upvote`) the endpoint under it.
    case apiPaper(PaperID, action: String? = nil)
    /// A day's papers as JSON (the newest day without `date`).
    case apiDaily(date: Day? = nil)
    /// Hugging Face's daily-papers list (the last 30 days).
    case hfDailyPapers
    /// The trending list as Hugging Face-style JSON.
    case hfTrending(window: TrendingWindow)
    /// An author's page (the name as papers list it).
    case author(name: String)
    /// An author's papers as an Atom feed.
    case authorFeed(name: String)
    /// A paper's discussion as an Atom feed.
    case commentsFeed(PaperID)
    /// A paper's discussion as JSON.
    case apiComments(PaperID)
    /// One comment, on its paper's page.
    case comment(PaperID, CommentID)
    /// The account's own settings (password, email, mail, export, deletion).
    case accountSettings
    /// The moderation page.
    case admin

    /// The path and query.
    public var path: String {
        switch self {
        case .home: return SiteRoute.home.rawValue
        case let .day(day, page, forYou):
            let base = SiteRoute.day.filled(day.description)
            guard let page else { return base }
            return base + (forYou ? "?sort=for-you&" : "?") + "page=\(page)"
        case .week(let week): return SiteRoute.week.filled(week)
        case .month(let month): return SiteRoute.month.filled(month)
        case let .search(query, filters, mode, page):
            var items = [URLQueryItem(name: "q", value: query)]
            if let c = filters.category { items.append(URLQueryItem(name: "category", value: c)) }
            if let f = filters.from { items.append(URLQueryItem(name: "from", value: f.description)) }
            if let t = filters.to { items.append(URLQueryItem(name: "to", value: t.description)) }
            if let a = filters.author { items.append(URLQueryItem(name: "author", value: a)) }
            if let mode { items.append(URLQueryItem(name: "mode", value: mode)) }
            if page > 1 { items.append(URLQueryItem(name: "page", value: String(page))) }
            return SiteRoute.search.rawValue + "?" + Self.query(items)
        case let .paper(id, fragment): return SiteRoute.paper.filled(id.rawValue) + (fragment.map { "#" + $0 } ?? "")
        case .trending(let window): return SiteRoute.trending.rawValue + "?window=\(window.rawValue)"
        case .submit: return SiteRoute.submit.rawValue
        case .login(let path):
            return SiteRoute.login.rawValue + "?return=" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")
        case .profile(let name): return SiteRoute.profile.filled(name)
        case .tokens: return SiteRoute.tokens.rawValue
        case .collection(let id): return SiteRoute.collection.filled(id.description)
        case .subscribe(let topic):
            guard let topic else { return SiteRoute.subscribe.rawValue }
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return SiteRoute.subscribe.rawValue + "?topic=" + (topic.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        case .subscribeConfirm(let token): return SiteRoute.subscribeConfirm.rawValue + (token.map { "?token=" + $0 } ?? "")
        case .unsubscribe(let token): return SiteRoute.unsubscribe.rawValue + (token.map { "?token=" + $0 } ?? "")
        case .commentMailUnsubscribe(let token): return SiteRoute.commentMailUnsubscribe.rawValue + "?token=" + token
        case let .forYou(date, period, collection):
            var parts: [String] = []
            if let date { parts.append("date=\(date)") }
            if let period { parts.append("period=\(period)") }
            if let collection { parts.append("collection=\(collection)") }
            return SiteRoute.forYou.rawValue + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
        case .forYouSettings(let fragment): return SiteRoute.forYouSettings.rawValue + (fragment.map { "#" + $0 } ?? "")
        case .dailyFeed(let date): return SiteRoute.dailyFeed.rawValue + (date.map { "?date=\($0)" } ?? "")
        case .searchFeed(let query): return SiteRoute.searchFeed.rawValue + "?" + Self.query([URLQueryItem(name: "q", value: query)])
        case .trendingFeed(let window): return SiteRoute.trendingFeed.rawValue + "?window=\(window.rawValue)"
        case .collectionFeed(let id): return SiteRoute.collectionFeed.filled("\(id).atom")
        case let .forYouFeed(token, collection):
            return SiteRoute.forYouFeedFile.filled("\(token).atom") + (collection.map { "?collection=\($0)" } ?? "")
        case let .apiSearch(query, mode, limit):
            var items = [URLQueryItem(name: "q", value: query)]
            if let mode { items.append(URLQueryItem(name: "mode", value: mode)) }
            if let limit { items.append(URLQueryItem(name: "limit", value: String(limit))) }
            return SiteRoute.apiSearch.rawValue + "?" + Self.query(items)
        case let .apiPaper(id, action): return SiteRoute.apiPaper.filled(id.rawValue) + (action.map { "/" + $0 } ?? "")
        case .apiDaily(let date): return SiteRoute.apiDaily.rawValue + (date.map { "?date=\($0)" } ?? "")
        case .hfDailyPapers: return SiteRoute.hfDailyPapers.rawValue
        case .hfTrending(let window): return SiteRoute.hfTrending.rawValue + "?window=\(window.rawValue)"
        case .author(let name): return SiteRoute.author.rawValue.replacingOccurrences(of: ":name", with: Self.nameSegment(name))
        case .authorFeed(let name): return SiteRoute.authorFeed.rawValue + "?" + Self.query([URLQueryItem(name: "name", value: name)])
        case .commentsFeed(let id): return SiteRoute.commentsFeed.rawValue + "?" + Self.query([URLQueryItem(name: "paper", value: id.rawValue)])
        case .apiComments(let id): return SiteRoute.apiComments.rawValue + "?" + Self.query([URLQueryItem(name: "paper", value: id.rawValue)])
        case let .comment(paper, comment): return SiteURL.paper(paper, fragment: "comment-\(comment)").path
        case .accountSettings: return SiteRoute.accountSettings.rawValue
        case .admin: return SiteRoute.admin.rawValue
        }
    }

    /// The full address on the instance at `base` (`https://papers.example.org`, no trailing slash).
    public func absolute(base: String) -> String { base + path }

    /// A path segment percent-encoded: URL path characters kept (`/` too, for old-style ids such as
    /// `hep-th/9901001`), `?`, `#`, `%` and `;` encoded.
    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? value
    }

    /// A name as one path segment: like ``segment(_:)`` but `/` encoded too (author names are not ids).
    static func nameSegment(_ value: String) -> String {
        var allowed = segmentAllowed
        allowed.remove("/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    private static let segmentAllowed: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove(charactersIn: "?#%;")
        return set
    }()

    /// A query string from `items`, `+` encoded (it would read back as a space).
    static func query(_ items: [URLQueryItem]) -> String {
        var components = URLComponents()
        components.queryItems = items
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}
