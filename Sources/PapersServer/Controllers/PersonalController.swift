import Foundation
import Hummingbird
import PapersCore
import PapersRecommend
import PapersStore

/// "For you": the personal page, "Not interested", mutes, follows, seeds, the switch, reset, the private feed
/// and `/api/for-you`. Everything here is the viewer's own: another person's signals, models, pages and feeds
/// are never reachable (no id in any URL but the feed's secret token).
struct PersonalController: Sendable {
    let store: any PaperStore
    let recommender: RecommendationService
    let views: Views
    let clock: WallClock
    let limiter: RateLimiter
    let limits: RateLimits
    /// Public address of the site, for feed links (no trailing slash).
    let baseURL: String
    let siteName: String

    /// Papers on the page, in the API by default and in the feed.
    static let pageSize = 50

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.forYou, use: page)
        routes.get(.forYouSettings, use: settingsPage)
        routes.post(.dismiss, use: dismiss)
        routes.post(.forYouFilters, use: setFilter)
        routes.post(.forYouSeeds, use: addSeeds)
        routes.post(.forYouPersonalization, use: setPersonalization)
        routes.post(.forYouReset, use: reset)
        routes.post(.forYouFeed, use: makeFeed)
        routes.post(.forYouFeedRevoke, use: revokeFeed)
        routes.get(.apiForYou, use: api)
        routes.get(.forYouFeedFile, use: feed)
        return routes
    }

    // MARK: the page

    /// `GET /for-you?date=YYYY-MM-DD&period=day|week`: that day's papers (or the week ending on it) ranked for the viewer.
    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let parameters = QueryParameters(request: request)
        let period = try Self.period(parameters)
        guard let day = try await requestedDay(parameters) else {
            let model = ForYouPageModel(heading: "For you", emptyMessage: "There are no papers on this instance yet.")
            return try views.page(.forYou, model, request: request, context: context).response(from: request, context: context)
        }
        let range = period == "week" ? day.adding(days: -6)...day : day...day
        let (profile, collection) = try await profile(parameters, viewer: viewer.id)
        let result = try await recommender.recommend(profile, days: range, limit: Self.pageSize)
        let title = collection.map { "“\($0.name)”" } ?? "For you"
        var model = ForYouPageModel(heading: period == "week" ? "\(title): the week to \(day.longDescription)" : "\(title): \(day.longDescription)")
        let chosen = collection?.id
        model.feeds = [ForYouPageModel.Period(url: SiteURL.forYou(date: day, period: period).path, label: "Everything", selected: collection == nil)]
            + (try await store.collections(of: viewer.id, includePrivate: true)).map {
                ForYouPageModel.Period(url: SiteURL.forYou(date: day, period: period, collection: $0.id).path, label: $0.name, selected: $0.id == collection?.id)
            }
        model.papers = try await summaries(result.recommendations, viewer: viewer.id)
        model.likedCount = result.likedCount
        model.candidates = result.candidates
        model.periods = [ForYouPageModel.Period(url: SiteURL.forYou(date: day, collection: chosen).path, label: "Day", selected: period == "day"),
                         ForYouPageModel.Period(url: SiteURL.forYou(date: day, period: "week", collection: chosen).path, label: "Week", selected: period == "week")]
        if period == "week" {
            model.previous = [NavLink(url: SiteURL.forYou(date: day.adding(days: -7), period: "week", collection: chosen).path, label: "← Week before")]
            model.next = [NavLink(url: SiteURL.forYou(date: day.adding(days: 7), period: "week", collection: chosen).path, label: "Week after →")]
        } else {
            let (previous, next) = try await store.neighbours(of: day)
            model.previous = previous.map { [NavLink(url: SiteURL.forYou(date: $0, collection: chosen).path, label: "← \($0.longDescription)")] } ?? []
            model.next = next.map { [NavLink(url: SiteURL.forYou(date: $0, collection: chosen).path, label: "\($0.longDescription) →")] } ?? []
        }
        if result.disabled {
            model.emptyMessage = "Personal ranking is off. Turn it on in the settings to see papers ranked for you."
        } else if result.noSignals, let collection {
            model.emptyMessage = "“\(collection.name)” has no papers yet: save papers to it, and this page ranks every day's papers like them."
        } else if result.noSignals {
            model.emptyMessage = "Nothing to learn from yet: tell Papers what you like, and this page ranks every day's papers for you."
        } else if model.papers.isEmpty {
            model.emptyMessage = result.candidates == 0 ? "No papers were announced on this day." : "Every paper of this day is muted, dismissed or already yours."
        }
        model.isEmpty = model.papers.isEmpty
        return try views.page(.forYou, model, request: request, context: context).response(from: request, context: context)
    }

    /// The summary views of recommendations, with the viewer's votes and each reason.
    func summaries(_ recommendations: [Recommendation], viewer: AccountID) async throws -> [PaperSummaryView] {
        let standing = Dictionary(try await store.rankedPapers(recommendations.map(\.paper.id), viewer: viewer).map { ($0.paper.id, $0) },
                                  uniquingKeysWith: { a, _ in a })
        return recommendations.map { recommendation in
            var view = standing[recommendation.paper.id].map { PaperSummaryView($0) } ?? PaperSummaryView(recommendation.paper)
            if let reason = recommendation.reason {
                view.reason = reason.text
                view.hasReason = true
                if case .collection(let id, _, _, _) = reason {
                    view.reasonURL = SiteURL.collection(id).path
                } else if let paper = reason.paper {
                    view.reasonURL = SiteURL.paper(paper).path
                }
                view.hasReasonURL = !view.reasonURL.isEmpty
            }
            return view
        }
    }

    /// The viewer's whole profile, or one of their collections (`collection=ID`); someone else's collection is 404,
    /// public or not: a collection's model says what its owner likes.
    func profile(_ parameters: QueryParameters, viewer: AccountID) async throws -> (RecommendationProfile, PaperCollection?) {
        guard let text = parameters.string("collection") else { return (.account(viewer), nil) }
        guard let id = CollectionID(text), let collection = try await store.collection(id), collection.ownerID == viewer else {
            throw HTTPError(.notFound, message: "parameter collection: you have no collection \(text.prefix(20))")
        }
        return (.collection(account: viewer, id: id), collection)
    }

    private func requestedDay(_ parameters: QueryParameters) async throws -> Day? {
        if let day = try parameters.day("date") { return day }
        return try await store.latestDays(limit: 1).first?.day
    }

    static func period(_ parameters: QueryParameters) throws -> String {
        let period = parameters.string("period") ?? "day"
        guard period == "day" || period == "week" else {
            throw HTTPError(.badRequest, message: "parameter period: expected day or week, got \"\(period.prefix(20))\"")
        }
        return period
    }

    // MARK: signals

    /// `POST /dismiss` with `paper` and `state` (`on`: not interested, `off`: undo). JSON for scripts, a redirect for forms.
    @Sendable func dismiss(_ request: Request, context: AppRequestContext) async throws -> Response {
        let wantsJSON = (request.headers[.accept] ?? "").contains("application/json")
        let returnTo = ReturnPath.sanitized(context.form["return"])
        guard let viewer = context.viewer else {
            if wantsJSON { throw HTTPError(.unauthorized, message: "log in to mark papers not interesting") }
            return AccountController.toLogin(request, returnTo: returnTo)
        }
        guard let text = context.form["paper"], let id = PaperID(text) else {
            throw HTTPError(.badRequest, message: "field paper: expected a paper id")
        }
        let on: Bool
        switch context.form["state"] ?? "on" {
        case "on": on = true
        case "off": on = false
        default: throw HTTPError(.badRequest, message: "field state: expected on or off")
        }
        if let wait = await limiter.spend("dismiss|\(viewer.id)", limits.votesPerAccount) {
            throw RateLimiter.refusal(wait: wait, "Too many changes in a short time")
        }
        do {
            try await store.setDismissal(account: viewer.id, paper: id, on: on, now: clock.now)
        } catch CommunityError.unknownPaper(let id) {
            throw HTTPError(.notFound, message: "There is no paper \(id) on this instance.")
        }
        recommender.refresh(account: viewer.id)
        if wantsJSON { return try DismissJSON(paper: id.rawValue, dismissed: on).response(from: request, context: context) }
        return AccountController.seeOther(returnTo)
    }

    @Sendable func setFilter(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.forYouSettings().path) }
        guard let kindText = context.form["kind"], let kind = PersonalFilter.Kind(rawValue: kindText) else {
            throw HTTPError(.badRequest, message: "field kind: expected one of " + PersonalFilter.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let filter: PersonalFilter
        do { filter = try PersonalFilter(kind: kind, value: context.form["value"] ?? "") } catch {
            return try await settingsResponse(request, context: context, viewer: viewer, error: error.description, status: .unprocessableContent)
        }
        let on = context.form["state"] != "off"
        try await store.setFilter(account: viewer.id, filter: filter, on: on, now: clock.now)
        recommender.refresh(account: viewer.id)
        return AccountController.seeOther(SiteURL.forYouSettings(fragment: "mute").path)
    }

    /// `POST /for-you/seeds` with `library`: arXiv ids, or a BibTeX / RIS export, matched by arXiv id, DOI, then exact title.
    @Sendable func addSeeds(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.forYouSettings().path) }
        let text = context.form["library"] ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await settingsResponse(request, context: context, viewer: viewer, error: "library: paste arXiv ids or a BibTeX or RIS export",
                                              status: .unprocessableContent)
        }
        let entries = LibraryImport.entries(text)
        guard !entries.isEmpty else {
            return try await settingsResponse(request, context: context, viewer: viewer,
                                              error: "library: found no arXiv id, DOI or title in what was given", status: .unprocessableContent)
        }
        let matches = try await store.matchPapers(arxivIDs: entries.compactMap(\.arxivID), dois: entries.compactMap(\.doi), titles: entries.compactMap(\.title))
        var papers: [PaperID] = []
        for entry in entries {
            if let id = [entry.arxivID, entry.doi, entry.title].compactMap({ $0 }).lazy.compactMap({ matches[$0] }).first, !papers.contains(id) {
                papers.append(id)
            }
        }
        let added = try await store.addSeeds(account: viewer.id, papers: papers, now: clock.now)
        recommender.refresh(account: viewer.id)
        let notice = "Read \(entries.count) entr\(entries.count == 1 ? "y" : "ies"): \(papers.count) matched a paper here, \(added) new to your profile."
            + (entries.count > papers.count ? " The others are not on this instance (yet)." : "")
        return try await settingsResponse(request, context: context, viewer: viewer, notice: notice)
    }

    @Sendable func setPersonalization(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.forYouSettings().path) }
        try await store.setPersonalization(account: viewer.id, enabled: context.form["state"] != "off")
        return AccountController.seeOther(SiteURL.forYouSettings().path)
    }

    @Sendable func reset(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.forYouSettings().path) }
        try await store.resetPersonalization(account: viewer.id, now: clock.now)
        await recommender.forget(account: viewer.id)
        return try await settingsResponse(request, context: context, viewer: viewer, notice: "Reset: personal ranking starts again from what you do next.")
    }

    // MARK: settings page

    @Sendable func settingsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        return try await settingsResponse(request, context: context, viewer: viewer)
    }

    private func settingsResponse(_ request: Request, context: AppRequestContext, viewer: Account, notice: String? = nil,
                                  error: String? = nil, newFeedURL: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let signals = try await store.personalSignals(account: viewer.id)
        var model = ForYouSettingsModel(enabled: signals.enabled, likedCount: Set(signals.liked.map(\.paper)).count,
                                        dismissedCount: signals.dismissed.count,
                                        filters: signals.filters.map { .init(kind: $0.kind.rawValue, label: ForYouSettingsModel.label($0.kind), value: $0.value) },
                                        hasFeed: try await store.hasFeedToken(account: viewer.id))
        if let notice { model.notices.append(notice) }
        if let error { model.error = error; model.hasError = true }
        if let newFeedURL { model.newFeedURL = newFeedURL; model.hasNewFeedURL = true }
        return try views.page(.forYouSettings, model, request: request, context: context, status: status).response(from: request, context: context)
    }

    // MARK: private feed

    @Sendable func makeFeed(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.forYouSettings().path) }
        let token = Authentication.randomToken()
        try await store.setFeedToken(account: viewer.id, tokenHash: Authentication.tokenHash(token))
        return try await settingsResponse(request, context: context, viewer: viewer, newFeedURL: SiteURL.forYouFeed(token: token).absolute(base: baseURL))
    }

    @Sendable func revokeFeed(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.forYouSettings().path) }
        try await store.setFeedToken(account: viewer.id, tokenHash: nil)
        return try await settingsResponse(request, context: context, viewer: viewer, notice: "The private feed address no longer works.")
    }

    /// `GET /feeds/for-you/TOKEN.atom`: the newest day ranked for the token's owner; 404 for any other token.
    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let file = context.parameters.get("file") ?? ""
        guard file.hasSuffix(".atom"), case let token = String(file.dropLast(5)), Authentication.isWellFormedToken(token),
              let account = try await store.feedTokenAccount(tokenHash: Authentication.tokenHash(token)) else {
            throw HTTPError(.notFound, message: "No such feed.")
        }
        var entries: [AtomFeed.Entry] = []
        var updated = FeedController.timestamp(nil)
        let parameters = QueryParameters(request: request)
        let (profile, collection) = try await self.profile(parameters, viewer: account.id)
        if let day = try await store.latestDays(limit: 1).first?.day {
            let result = try await recommender.recommend(profile, days: day.adding(days: -2)...day, limit: Self.pageSize)
            entries = result.recommendations.map { r in
                var entry = FeedController.entry(for: r.paper, baseURL: baseURL)
                if let reason = r.reason { entry.summary = reason.text + ". " + entry.summary }
                return entry
            }
            updated = FeedController.timestamp(day)
        }
        let path = SiteURL.forYouFeed(token: token, collection: collection?.id).path
        var response = AtomFeed(id: baseURL + path, title: "\(siteName): for \(account.name)" + (collection.map { ", like “\($0.name)”" } ?? ""), selfURL: baseURL + path,
                                pageURL: SiteURL.forYou().absolute(base: baseURL), updated: updated, entries: entries).response()
        response.headers[.cacheControl] = "private, max-age=300"
        return response
    }

    // MARK: API

    /// `GET /api/for-you?date=&period=day|week&limit=`: the viewer's ranking (API token or session).
    @Sendable func api(_ request: Request, context: AppRequestContext) async throws -> ForYouJSON {
        guard let viewer = context.viewer else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "send Authorization: Bearer TOKEN (make one under /settings/tokens)")
        }
        let parameters = QueryParameters(request: request)
        let limit = try parameters.int("limit", default: Self.pageSize, range: 1...500)
        let period = try Self.period(parameters)
        guard let day = try await requestedDay(parameters) else {
            return ForYouJSON(date: nil, period: period, likedCount: 0, candidates: 0, status: "empty", papers: [])
        }
        let range = period == "week" ? day.adding(days: -6)...day : day...day
        let result = try await recommender.recommend(try await profile(parameters, viewer: viewer.id).0, days: range, limit: limit)
        let status = result.disabled ? "disabled" : result.noSignals ? "no-signals" : "ok"
        return ForYouJSON(date: day.description, period: period, likedCount: result.likedCount, candidates: result.candidates, status: status,
                          papers: result.recommendations.map { ForYouJSON.Item(score: $0.score, reason: $0.reason?.text,
                                                                               reasonPaper: $0.reason?.paper?.rawValue, paper: PaperJSON($0.paper)) })
    }
}

/// `POST /dismiss` answer.
struct DismissJSON: ResponseCodable {
    var paper: String
    var dismissed: Bool
}

/// `GET /api/for-you`.
struct ForYouJSON: ResponseCodable {
    struct Item: Codable {
        var score: Float
        var reason: String?
        var reasonPaper: String?
        var paper: PaperJSON

        enum CodingKeys: String, CodingKey {
            case score, reason, paper
            case reasonPaper = "reason_paper"
        }
    }

    var date: String?
    var period: String
    var likedCount: Int
    var candidates: Int
    /// `ok`, `no-signals` (nothing liked or followed yet), `disabled` (personal ranking off) or `empty` (no papers).
    var status: String
    var papers: [Item]

    enum CodingKeys: String, CodingKey {
        case date, period, candidates, status, papers
        case likedCount = "liked_count"
    }
}
