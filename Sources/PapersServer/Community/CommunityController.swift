import Foundation
import Hummingbird
import PapersCore
import PapersIngest
import PapersStore

/// Upvotes, submissions, trending, the weekly and monthly tabs, and collections.
struct CommunityController: Sendable {
    /// The rules shared with the other controllers.
    let community: CommunityService
    let views: Views
    /// Fetches papers people submit that the store does not have yet; nil turns that off.
    let fetcher: (any PaperFetcher)?

    /// Papers per trending, weekly or monthly page.
    static let pageSize = 50

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post(.vote, use: vote)
        routes.get(.submit, use: submitPage)
        routes.post(.submit, use: submit)
        routes.get(.trending, use: trending)
        routes.get(.week, use: week)
        routes.get(.month, use: month)
        routes.post(.collections, use: createCollection)
        routes.get(.collection, use: collection)
        routes.post(.collectionItems, use: collectionItem)
        return routes
    }

    var store: any PaperStore { community.store }
    var limits: RateLimits { community.limits }
    var limiter: RateLimiter { community.limiter }
    var today: Day { community.today }
    func now() -> Double { community.now() }

    // MARK: upvotes

    /// `POST /vote` with `paper` and `state` (`on` or `off`): sets the viewer's upvote. Answers JSON to scripts and
    /// to the page's JavaScript (`Accept: application/json`), and sends a plain form post back to `return`.
    @Sendable func vote(_ request: Request, context: AppRequestContext) async throws -> Response {
        let wantsJSON = (request.headers[.accept] ?? "").contains("application/json")
        let returnTo = ReturnPath.sanitized(context.form["return"])
        guard let viewer = context.viewer else {
            if wantsJSON { throw HTTPError(.unauthorized, message: "log in to upvote") }
            return AccountController.toLogin(request, returnTo: returnTo)
        }
        guard let text = context.form["paper"], let id = PaperID(text) else {
            throw HTTPError(.badRequest, message: "field paper: expected a paper id")
        }
        let on: Bool
        switch context.form["state"] {
        case "on": on = true
        case "off": on = false
        default: throw HTTPError(.badRequest, message: "field state: expected on or off")
        }
        let votes = try await community.setVote(viewer: viewer, paper: id, on: on, clientKey: context.clientKey)
        if wantsJSON {
            return try VoteJSON(paper: id.rawValue, votes: votes, voted: on).response(from: request, context: context)
        }
        return AccountController.seeOther(returnTo)
    }

    // MARK: submissions

    @Sendable func submitPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard context.viewer != nil else { return AccountController.toLogin(request) }
        var model = SubmitPageModel(day: today.longDescription)
        model.paper = QueryParameters(request: request).string("paper") ?? ""
        return try views.page(.submit, model, request: request, context: context).response(from: request, context: context)
    }

    @Sendable func submit(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: SiteURL.submit.path) }
        let input = context.form["paper"] ?? ""
        var model = SubmitPageModel(day: today.longDescription, paper: String(input.prefix(300)))
        func fail(_ message: String, _ status: HTTPResponse.Status) throws -> Response {
            model.error = message
            return try views.page(.submit, model, request: request, context: context, status: status).response(from: request, context: context)
        }
        guard let arxiv = ArxivID(input) else {
            return try fail("paper: \"\(input.prefix(100))\" is not an arXiv id or URL (for example 2401.04088 or https://arxiv.org/abs/2401.04088).", .unprocessableContent)
        }
        if let wait = await limiter.spend("submit|\(viewer.id)", limits.submissionsPerAccount) {
            throw RateLimiter.refusal(wait: wait, "Too many submissions")
        }
        let id = PaperID.arxiv(arxiv)
        if try await store.paper(id) == nil {
            guard let fetcher else { return try fail("paper: \(id) is not on this instance, and fetching from arXiv is turned off.", .notFound) }
            do {
                guard let paper = try await fetcher.fetch(arxiv.unversioned) else {
                    return try fail("paper: arXiv has no paper \(id).", .notFound)
                }
                _ = try await store.upsert([paper], defaultDay: paper.announcedDay ?? today)
            } catch {
                return try fail("paper: could not fetch \(id) from arXiv (\(error)); try again later.", .badGateway)
            }
        }
        switch try await store.submit(paper: id, account: viewer.id, day: today, now: now()) {
        case .submitted:
            return AccountController.seeOther(SiteURL.day(today).path)
        case .duplicate(let day, let submitter):
            model.duplicateURL = SiteURL.paper(id).path
            model.duplicateDayURL = SiteURL.day(day).path
            model.duplicateDay = day.longDescription
            return try fail("\(id) is already on the page of \(day.longDescription)" + (submitter.map { ", submitted by \($0)" } ?? ", featured on Hugging Face") + ".", .conflict)
        }
    }

    // MARK: trending and the weekly and monthly tabs

    @Sendable func trending(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let window = try QueryParameters(request: request).trendingWindow()
        let ranked = try await community.trendingPapers(window: window, viewer: context.viewer?.id)
        let model = ListPageModel(
            title: "Trending", heading: "Trending papers", tabs: TabView.trending(selected: window),
            papers: ranked.prefix(Self.pageSize).map { PaperSummaryView($0) },
            emptyMessage: "No upvoted papers in this window yet. Upvote papers on the daily pages and they show up here.",
            footnote: "Ranked by \(Trending.formulaText), among papers that entered within the last \(window == .day ? "36 hours" : window == .week ? "7 days" : "30 days").",
            feedURL: SiteURL.trendingFeed(window: window).path)
        return try views.page(.list, model, request: request, context: context)
    }

    @Sendable func week(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let text = context.parameters.get("week") ?? ""
        guard let days = DayRange.isoWeek(text) else {
            throw HTTPError(.badRequest, message: "The week \"\(text.prefix(20))\" is not an ISO week like 2025-W47.")
        }
        let previous = DayRange.isoWeekText(of: days.lowerBound.adding(days: -7))
        let next = DayRange.isoWeekText(of: days.lowerBound.adding(days: 7))
        return try await rangePage(days, title: "Week \(text)", heading: "Week of \(days.lowerBound.longDescription)",
                                   tabs: TabView.periods(day: days.lowerBound, selected: "week"),
                                   previous: NavLink(url: SiteURL.week(previous).path, label: "← \(previous)"),
                                   next: NavLink(url: SiteURL.week(next).path, label: "\(next) →"), request: request, context: context)
    }

    @Sendable func month(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let text = context.parameters.get("month") ?? ""
        guard let days = DayRange.month(text) else {
            throw HTTPError(.badRequest, message: "The month \"\(text.prefix(20))\" is not a month like 2025-11.")
        }
        let previous = DayRange.monthText(of: days.lowerBound.adding(days: -1))
        let next = DayRange.monthText(of: days.upperBound.adding(days: 1))
        let (year, month, _) = days.lowerBound.components
        return try await rangePage(days, title: "Month \(text)", heading: "\(Day.monthNames[month - 1]) \(year)",
                                   tabs: TabView.periods(day: days.lowerBound, selected: "month"),
                                   previous: NavLink(url: SiteURL.month(previous).path, label: "← \(previous)"),
                                   next: NavLink(url: SiteURL.month(next).path, label: "\(next) →"), request: request, context: context)
    }

    private func rangePage(_ days: ClosedRange<Day>, title: String, heading: String, tabs: [TabView], previous: NavLink, next: NavLink,
                           request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let papers = try await store.featuredPapers(in: days, submitter: nil, newestFirst: false, viewer: context.viewer?.id,
                                                    limit: Self.pageSize, offset: 0)
        var model = ListPageModel(
            title: title, heading: heading, tabs: tabs, papers: papers.map { PaperSummaryView($0) },
            emptyMessage: "Nobody submitted or featured a paper in this period.", footnote: "Papers submitted or featured in this period, most upvoted first.",
            feedURL: "")
        model.previous = [previous]
        model.next = [next]
        return try views.page(.list, model, request: request, context: context)
    }

    // MARK: collections

    @Sendable func createCollection(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let name = (context.form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...PaperCollection.maximumNameLength).contains(name.count), !name.contains(where: \.isNewline) else {
            throw HTTPError(.badRequest, message: "field name: give the collection a name of 1 to \(PaperCollection.maximumNameLength) characters")
        }
        let collection: PaperCollection
        do {
            collection = try await store.createCollection(owner: viewer.id, name: name, isPublic: context.form["public"] == "on", now: now())
        } catch let error as CommunityError {
            throw HTTPError(.conflict, message: error.description)
        }
        if let text = context.form["paper"], let id = PaperID(text) {
            try await setItem(collection: collection.id, owner: viewer.id, paper: id, present: true)
        }
        return AccountController.seeOther(ReturnPath.sanitized(context.form["return"], fallback: SiteURL.collection(collection.id).path))
    }

    @Sendable func collectionItem(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        guard let collection = context.parameters.get("id").flatMap({ CollectionID($0) }) else {
            throw HTTPError(.notFound, message: "There is no such collection.")
        }
        guard let text = context.form["paper"], let id = PaperID(text) else { throw HTTPError(.badRequest, message: "field paper: expected a paper id") }
        try await setItem(collection: collection, owner: viewer.id, paper: id, present: context.form["state"] != "off")
        return AccountController.seeOther(ReturnPath.sanitized(context.form["return"], fallback: SiteURL.collection(collection).path))
    }

    private func setItem(collection: CollectionID, owner: AccountID, paper: PaperID, present: Bool) async throws {
        do {
            try await store.setCollectionItem(collection: collection, owner: owner, paper: paper, present: present, now: now())
        } catch let error as CommunityError {
            // Someone else's (or a missing) collection is not found, whichever it is.
            throw HTTPError(.notFound, message: error.description)
        }
    }

    @Sendable func collection(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let collection = try await community.visibleCollection(id: context.parameters.get("id"), viewer: context.viewer?.id)
        let papers = try await store.collectionPapers(collection.id, viewer: context.viewer?.id, limit: 500, offset: 0)
        var model = ListPageModel(
            title: collection.name, heading: collection.name, tabs: [], papers: papers.map { PaperSummaryView($0) },
            emptyMessage: "This collection is empty. Add papers from their pages.",
            footnote: "\(collection.isPublic ? "Public" : "Private") collection by \(collection.ownerName).",
            feedURL: collection.isPublic ? SiteURL.collectionFeed(collection.id).path : "")
        model.ownerURL = SiteURL.profile(name: collection.ownerName).path
        model.ownerName = collection.ownerName
        return try views.page(.list, model, request: request, context: context)
    }
}

/// `POST /vote` and the upvote API answer.
struct VoteJSON: ResponseCodable {
    var paper: String
    var votes: Int
    var voted: Bool
}
