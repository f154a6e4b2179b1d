import Foundation
import Hummingbird
import PapersCore
import PapersSearch
import PapersStore

/// The HTML pages: home, daily pages, search, paper.
struct PageController: Sendable {
    let store: any PaperStore
    let search: SearchService
    let views: Views
    /// The background harvester, when this server runs one.
    var harvest: HarvestScheduler? = nil
    /// The calendar: which day is today for the home page's notices.
    let clock: WallClock
    /// Personal ranking, for the "For you" order of day pages.
    var personal: PersonalController? = nil
    /// The instance's public address, for the absolute links of `/papers/{id}.md`.
    var baseURL = ""

    /// Papers per daily page (and per group on the home page).
    static let pageSize = 50
    /// Search results per page.
    static let resultsPerPage = 20

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.home, use: home)
        routes.get(.day, use: day)
        routes.get(.search, use: searchPage)
        routes.get(.paper, use: paper)
        return routes
    }

    @Sendable func home(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        // The newest days first, until about one page of papers is on screen.
        var groups: [DayGroupView] = []
        var shown = 0
        let days = try await store.latestDays(limit: 3)
        for summary in days where shown < Self.pageSize {
            let papers = try await store.dailyPage(summary.day, viewer: context.viewer?.id, limit: Self.pageSize - shown, offset: 0)
            shown += papers.count
            groups.append(DayGroupView(heading: summary.day.longDescription, date: summary.day.description,
                                       url: SiteURL.day(summary.day).path, papers: papers.map { PaperSummaryView($0) },
                                       total: summary.paperCount, hasMore: papers.count < summary.paperCount))
        }
        var model = HomePageModel(groups: groups, isEmpty: groups.isEmpty)
        if let latest = days.first?.day { model.tabs = TabView.periods(day: latest, selected: "day") }
        if let status = await harvest?.coordinator.status {
            model.harvesting = status.running
            if status.running {
                let progress = status.expected.map { "\(status.received) of \($0) records" } ?? "\(status.received) records so far"
                model.notices.append("Fetching new papers from arXiv (\(status.currentSet ?? "all sets")): \(progress).")
            } else if let error = status.lastErrorSummary ?? status.lastError {
                model.notices.append("The last harvest failed (\(error)); showing the papers already here.")
            }
        }
        if let latest = days.first?.day, let notice = Self.announcementNotice(latest: latest, today: clock.today) {
            model.notices.append(notice)
        }
        return try views.page(.home, model, request: request, context: context)
    }

    /// Says why the newest papers are not today's: arXiv announces Sunday to Thursday evenings (US Eastern),
    /// so Saturday and Sunday have no page of their own.
    static func announcementNotice(latest: Day, today: Day) -> String? {
        guard latest < today else { return nil }
        if !AnnouncementSchedule.isAnnouncementDay(today) {
            return "arXiv does not announce new papers on \(today.weekdayName)s: these are the latest, from \(latest.longDescription)."
        }
        return "Today's papers (\(today.longDescription)) are not here yet: these are the latest, from \(latest.longDescription)."
    }

    @Sendable func day(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let text = context.parameters.get("date") ?? ""
        guard let day = Day(text) else {
            throw HTTPError(.badRequest, message: "The date \"\(text.prefix(40))\" is not a valid YYYY-MM-DD date.")
        }
        let parameters = QueryParameters(request: request)
        let page = try parameters.int("page", default: 1, range: 1...10_000)
        let forYou = try Self.sortForYou(parameters)
        var total = try await store.paperCount(on: day)
        let summaries: [PaperSummaryView]
        if forYou, let personal, let viewer = context.viewer {
            // Ranked for the viewer: what they have not acted on and not muted, best first.
            let result = try await personal.recommender.recommend(.account(viewer.id), days: day...day, limit: page * Self.pageSize)
            summaries = try await personal.summaries(Array(result.recommendations.dropFirst((page - 1) * Self.pageSize)), viewer: viewer.id)
            total = result.recommendations.count < page * Self.pageSize ? (page - 1) * Self.pageSize + summaries.count : total
        } else {
            let papers = try await store.dailyPage(day, viewer: context.viewer?.id, limit: Self.pageSize, offset: (page - 1) * Self.pageSize)
            summaries = papers.map { PaperSummaryView($0) }
        }
        let (previous, next) = try await store.neighbours(of: day)
        let navigation = PageNavigation(
            previousURL: page > 1 ? SiteURL.day(day, page: page - 1, forYou: forYou).path : nil,
            nextURL: page * Self.pageSize < total ? SiteURL.day(day, page: page + 1, forYou: forYou).path : nil)
        var model = DayPageModel(
            date: day.description, heading: day.longDescription, papers: summaries,
            total: total, isEmpty: total == 0,
            previous: previous.map { [NavLink(url: SiteURL.day($0).path, label: "← \($0.longDescription)")] } ?? [],
            next: next.map { [NavLink(url: SiteURL.day($0).path, label: "\($0.longDescription) →")] } ?? [],
            pageNavigation: navigation)
        model.tabs = TabView.periods(day: day, selected: "day")
        model.forYou = forYou
        if forYou, context.viewer == nil {
            model.notices.append("Log in to see this day ranked for you.")
        }
        if !AnnouncementSchedule.isAnnouncementDay(day) {
            model.emptyMessage = "arXiv does not announce new papers on \(day.weekdayName)s; the days around it have them."
        }
        return try views.page(.day, model, request: request, context: context)
    }

    @Sendable func searchPage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let parameters = QueryParameters(request: request)
        let query = String((parameters.string("q") ?? "").prefix(KeywordQuery.maximumLength))
        let filters = try parameters.filters()
        let page = try parameters.int("page", default: 1, range: 1...(SearchService.maximumOffset / Self.resultsPerPage))
        // Only modes this instance can run are offered; an explicit choice is kept across pages.
        let explicitMode = try parameters.string("mode").map { _ in try parameters.mode("mode", default: search.defaultMode) }
        let selected = explicitMode ?? search.defaultMode
        let available: [SearchMode] = search.semantic == nil ? [.keyword] : [.hybrid, .keyword, .semantic]
        var model = SearchPageModel(
            query: query, category: filters.category ?? "", from: filters.from?.description ?? "",
            to: filters.to?.description ?? "", author: filters.author ?? "",
            modes: available.map { ModeOption(value: $0.rawValue, label: ModeOption.label(of: $0), selected: $0 == selected) },
            results: [], hasResults: false, message: "", hasMessage: false,
            rangeText: "", pageNavigation: PageNavigation(previousURL: nil, nextURL: nil))
        model.subscribeURL = SiteURL.subscribe(topic: query).path
        guard !query.isEmpty else {
            model.message = "Type a few words: a title, a topic, an author. Use \"quotes\" for a phrase and -word to exclude."
            model.hasMessage = true
            return try views.page(.search, model, request: request, context: context)
        }
        let offset = (page - 1) * Self.resultsPerPage
        do {
            let results = try await search.search(SearchRequest(text: query, mode: selected, filters: filters, limit: Self.resultsPerPage, offset: offset))
            let standing = Dictionary(try await store.rankedPapers(results.hits.map(\.paper.id), viewer: context.viewer?.id)
                .map { ($0.paper.id, $0) }, uniquingKeysWith: { a, _ in a })
            model.results = results.hits.map { hit in
                standing[hit.paper.id].map { PaperSummaryView($0, snippet: hit.snippet) } ?? PaperSummaryView(hit.paper, snippet: hit.snippet)
            }
            model.hasResults = !results.hits.isEmpty
            if results.hits.isEmpty {
                model.message = page == 1 ? "No papers match \"\(query)\"." : "No more results."
                model.hasMessage = true
            } else {
                model.rangeText = "Results \(offset + 1)–\(offset + results.hits.count)"
            }
            func url(_ p: Int) -> String { SiteURL.search(query: query, filters: filters, mode: explicitMode?.rawValue, page: p).path }
            model.pageNavigation = PageNavigation(previousURL: page > 1 ? url(page - 1) : nil,
                                                  nextURL: results.hasMore ? url(page + 1) : nil)
        } catch SearchError.emptyQuery {
            model.message = "\"\(query)\" has no searchable words: try letters or numbers."
            model.hasMessage = true
        }
        return try views.page(.search, model, request: request, context: context)
    }

    /// `sort=for-you` (personal order) or `sort=featured` / absent (the page's own order).
    static func sortForYou(_ parameters: QueryParameters) throws -> Bool {
        switch parameters.string("sort") ?? "featured" {
        case "featured": return false
        case "for-you": return true
        case let other: throw HTTPError(.badRequest, message: "parameter sort: expected featured or for-you, got \"\(other.prefix(20))\"")
        }
    }

    @Sendable func paper(_ request: Request, context: AppRequestContext) async throws -> Response {
        let segments = context.parameters.getCatchAll().map(String.init)
        // `/papers/{id}.md` and `/papers/{id}.bib`: the page as Markdown and the paper as BibTeX.
        if (try? PaperPath.id(segments)) == nil, var last = segments.last, let format = AlternateFormat.allCases.first(where: { last.hasSuffix($0.suffix) }) {
            last.removeLast(format.suffix.count)
            let id = try PaperPath.id(Array(segments.dropLast()) + [last])
            guard let paper = try await store.paper(id) else { throw HTTPError(.notFound, message: "There is no paper \(id) on this instance.") }
            let text: String
            switch format {
            case .markdown:
                let comments = try await store.rankedPapers([id], viewer: nil).first?.comments ?? 0
                text = PaperExport.markdown(paper, baseURL: baseURL, comments: comments)
            case .bibtex:
                text = PaperExport.bibtex(paper)
            }
            return Response(status: .ok, headers: [.contentType: format.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let id = try PaperPath.id(segments)
        guard let paper = try await store.paper(id) else {
            throw HTTPError(.notFound, message: "There is no paper \(id) on this instance.")
        }
        var model = Self.model(for: paper)
        if let ranked = try await store.rankedPapers([paper.id], viewer: context.viewer?.id).first {
            model.standing = [PaperSummaryView(ranked)]
        }
        model.discussion = [try await DiscussionController.view(of: paper, store: store, viewer: context.viewer)]
        if let viewer = context.viewer {
            let holding = try await store.collectionsHolding(paper.id, owner: viewer.id)
            model.collections = try await store.collections(of: viewer.id, includePrivate: true).map {
                .init(id: $0.id, name: $0.name, holds: holding.contains($0.id), isPublic: $0.isPublic)
            }
            model.canCollect = true
        }
        // Similar papers are a bonus on this page: without a model (or vectors) the page still renders.
        if search.semantic != nil, let similar = try? await search.similar(to: [paper.id], limit: 10) {
            model.similar = similar.map { PaperSummaryView($0.paper, snippet: nil) }
            model.hasSimilar = !similar.isEmpty
        }
        return try views.page(.paper, model, request: request, context: context).response(from: request, context: context)
    }

    /// The paper in another format, at its page's address plus a suffix.
    enum AlternateFormat: CaseIterable {
        case markdown, bibtex
        var suffix: String { self == .markdown ? ".md" : ".bib" }
        var contentType: String { self == .markdown ? "text/markdown; charset=utf-8" : "application/x-bibtex; charset=utf-8" }
    }

    static func model(for paper: Paper) -> PaperPageModel {
        let arxiv = paper.arxivID
        var dates: [PaperPageModel.LabelValue] = []
        if let d = paper.published { dates.append(.init(label: "Submitted", value: d.longDescription)) }
        if let d = paper.updated, d != paper.published { dates.append(.init(label: "Updated", value: d.longDescription)) }
        if let d = paper.listed { dates.append(.init(label: "Listed", value: d.longDescription)) }
        var details: [PaperPageModel.LabelValue] = []
        if let v = paper.version { details.append(.init(label: "Version", value: "v\(v)")) }
        if let doi = paper.doi { details.append(.init(label: "DOI", value: doi)) }
        if let j = paper.journalRef { details.append(.init(label: "Journal", value: j)) }
        if let c = paper.comments { details.append(.init(label: "Comments", value: c)) }
        if let l = paper.license { details.append(.init(label: "License", value: l)) }
        let day = paper.announcedDay
        let code = CodeLinks.of(paper)
        let links = paper.links.filter { ($0.hasPrefix("https://") || $0.hasPrefix("http://")) && !code.contains($0) }
        return PaperPageModel(
            id: paper.id.rawValue, title: paper.title,
            authors: paper.authors.map {
                .init(name: $0.name, url: SiteURL.author(name: $0.name).path, affiliations: $0.affiliations.joined(separator: "; "),
                      hasAffiliations: !$0.affiliations.isEmpty)
            },
            abstract: paper.abstract, categories: paper.categories,
            arxivID: arxiv?.description ?? "", isArxiv: arxiv != nil,
            absURL: arxiv?.absURL ?? "", pdfURL: arxiv?.pdfURL ?? "",
            dates: dates, details: details,
            links: links, hasLinks: !links.isEmpty,
            code: code.map { .init(url: $0, label: String($0.dropFirst("https://".count))) }, hasCode: !code.isEmpty,
            hasDay: day != nil,
            day: day?.longDescription ?? "", dayURL: day.map { SiteURL.day($0).path } ?? "")
    }
}
