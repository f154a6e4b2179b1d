import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import Logging
import PapersCore
import PapersIngest
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

@Suite("The server harvests by itself and says how it goes")
struct HarvestServerTests {
    static let politeness = Politeness(minimumInterval: .milliseconds(10), maximumAttempts: 2, initialBackoff: .milliseconds(10),
                                       maximumRetryAfter: .seconds(5), requestTimeout: .seconds(10),
                                       connectTimeout: .milliseconds(300))

    static func server(endpoint: String, store: any PaperStore, directory: TemporaryDirectory) -> (AppConfiguration, HarvestScheduler) {
        let schedule = HarvestSchedule(enabled: true, hourUTC: 2, plan: HarvestPlan(endpoint: endpoint, sets: ["cs"]),
                                       contact: "ops@example.org", politeness: politeness)
        let configuration = AppConfiguration(port: 0, home: directory.path, harvest: schedule, clock: TestClock.clock)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return (configuration, HarvestScheduler(store: store, schedule: schedule, afterPage: nil, clock: TestClock.clock, logger: logger))
    }

    /// Polls `/healthz` until `done` holds (at most ~10 s).
    static func waitForHealth(_ client: some TestClientProtocol, until done: (String) -> Bool) async throws -> String {
        var body = ""
        for _ in 0..<200 {
            body = try await client.execute(uri: "/healthz", method: .get) { String(buffer: $0.body) }
            if done(body) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return body
    }

    @Test("an empty database harvests at start while pages are served; /healthz and /metrics report it")
    func firstRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        let repository = OAIPMHTestRepository(records: TestArxivRecord.batch(7, datestamp: Self.recentWeekday()), pageSize: 3)
        // The first page is held back long enough for the home page to be asked for while the harvest runs.
        await repository.setDelay(.seconds(2))
        try await withOAIPMHServer(repository) { endpoint in
            let (configuration, scheduler) = Self.server(endpoint: endpoint, store: store, directory: directory)
            try await buildApplication(configuration, store: store, harvest: scheduler).test(.live) { client in
                // While the harvest runs the home page answers and says what is happening.
                let running = try await Self.waitForHealth(client) { $0.contains("\"running\":true") }
                #expect(running.contains("\"running\":true"), "\(running)")
                let home = try await client.execute(uri: "/", method: .get) { String(buffer: $0.body) }
                await repository.setDelay(.milliseconds(150))
                #expect(home.contains("Fetching new papers from arXiv"), "\(home.prefix(2000))")
                #expect(!home.contains("Harvested paper number"))
                let health = try await Self.waitForHealth(client) { $0.contains("\"successes\":1") }
                #expect(health.contains("\"papers\":7"), "\(health)")
                #expect(health.contains("\"lastImported\":7"))
                #expect(health.contains("\"completedThrough\""))
                let page = try await client.execute(uri: "/", method: .get) { String(buffer: $0.body) }
                #expect(page.contains("Harvested paper number 7"))
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains("papers_stored 7"), "\(metrics)")
                #expect(metrics.contains("papers_harvest_successes 1"))
                #expect(metrics.contains("papers_harvest_running 0"))

                // On demand (what SIGUSR1 does in `papers serve`; a signal here would reach every scheduler of the
                // tests running beside this one, so the CLI tests send the real signal to a child process).
                await repository.put(TestArxivRecord.batch(1, first: 8, datestamp: Self.recentWeekday())[0])
                scheduler.trigger()
                let again = try await Self.waitForHealth(client) { $0.contains("\"successes\":2") }
                #expect(again.contains("\"papers\":8"), "\(again)")
            }
        }
    }

    @Test("with harvesting off the server keeps serving: the idle scheduler waits for shutdown instead of ending the service group")
    func harvestOff() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        var (configuration, scheduler) = Self.server(endpoint: "http://127.0.0.1:9/oai", store: store, directory: directory)
        configuration.harvest.enabled = false
        scheduler = HarvestScheduler(store: store, schedule: configuration.harvest, afterPage: nil, clock: TestClock.clock, logger: Logger(label: "test"))
        try await buildApplication(configuration, store: store, harvest: scheduler).test(.live) { client in
            try await Task.sleep(for: .milliseconds(500))
            for _ in 0..<3 {
                let health = try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                    return String(buffer: response.body)
                }
                #expect(health.contains("\"enabled\":false") && health.contains("\"successes\":0"), "\(health)")
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    @Test("an unreachable repository: one clear error on /healthz and the home page, and the stored papers are served")
    func unreachable() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        _ = try await store.upsert([Paper(id: PaperID("2501.00001")!, title: "Already here", abstract: "Stored before.")],
                                   defaultDay: Day("2025-01-06")!)
        // A port nobody listens on.
        let (configuration, scheduler) = Self.server(endpoint: "http://127.0.0.1:9/oai", store: store, directory: directory)
        try await buildApplication(configuration, store: store, harvest: scheduler).test(.live) { client in
            let health = try await Self.waitForHealth(client) { $0.contains("\"failures\":1") }
            // The coordinator counts the failure a moment before the scheduler notes it.
            var soon = false
            for _ in 0..<100 where !soon {
                let now = Date(timeIntervalSince1970: TestClock.now)
                soon = scheduler.nextAttempt(after: now) <= now.addingTimeInterval(3_600)
                if !soon { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(soon, "a failed run is retried within the hour, not at tomorrow's scheduled hour")
            #expect(health.contains("\"lastError\""), "\(health)")
            #expect(health.contains("cannot reach 127.0.0.1:9"), "\(health)")
            let home = try await client.execute(uri: "/", method: .get) { String(buffer: $0.body) }
            #expect(home.contains("Already here"))
            #expect(home.contains("The last harvest failed (cannot reach 127.0.0.1:9); showing the papers already here."), "\(home)")
        }
    }

    @Test("Saturday and Sunday have no announcement: the home page says the latest day is shown, never an empty page")
    func announcementDays() {
        let friday = Day("2026-11-20")!
        #expect(PageController.announcementNotice(latest: friday, today: Day("2026-11-21")!)?.contains("does not announce new papers on Saturdays") == true)
        #expect(PageController.announcementNotice(latest: friday, today: Day("2026-11-22")!)?.contains("Friday, 20 November 2026") == true)
        #expect(PageController.announcementNotice(latest: friday, today: Day("2026-11-24")!)?.contains("not here yet") == true)
        #expect(PageController.announcementNotice(latest: friday, today: friday) == nil)
        #expect(AnnouncementSchedule.latestAnnouncementDay(onOrBefore: Day("2026-11-22")!) == friday)
    }

    @Test("a day with Hugging Face features lists them first, most upvoted first, with their upvotes")
    func featuredDay() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        let day = Day("2025-11-21")!
        _ = try await store.upsert([Paper(id: PaperID("2511.00040")!, title: "Plain arXiv paper", abstract: "Not featured.", listed: day)],
                                   defaultDay: day)
        let json = #"[{"paper": {"id": "2511.00041", "title": "Few votes", "summary": "S.", "upvotes": 2}, "publishedAt": "2025-11-21T01:00:00Z"},"#
            + #" {"paper": {"id": "2511.00042", "title": "Many votes", "summary": "S.", "upvotes": 90}, "publishedAt": "2025-11-21T02:00:00Z"}]"#
        let (entries, _) = try HFDailyReader.read(Array(json.utf8))
        _ = try await HFDailyReader.store(entries, into: store)
        try await buildApplication(AppConfiguration(port: 0, home: directory.path, clock: TestClock.clock), store: store).test(.router) { client in
            let body = try await client.execute(uri: "/date/2025-11-21", method: .get) { String(buffer: $0.body) }
            let order = ["Many votes", "Few votes", "Plain arXiv paper"].compactMap { body.range(of: $0)?.lowerBound }
            #expect(order.count == 3 && order == order.sorted(), "featured first, by upvotes")
            #expect(body.contains("▲ 90") && body.contains("▲ 2"))
            #expect(body.contains("3 papers"))
        }
    }

    /// A weekday within the first harvest's 3-day window of the pinned clock.
    static func recentWeekday() -> String {
        AnnouncementSchedule.latestAnnouncementDay(onOrBefore: TestClock.today).description
    }
}

@Suite("Links to code on paper pages and lists")
struct CodeLinkPageTests {
    @Test("a repository named in the abstract is linked on the paper page and in the day's list; markup stays inert")
    func codeLinks() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        let day = Day("2025-11-21")!
        _ = try await store.upsert([Paper(
            id: PaperID("2511.00050")!, title: "Soups",
            abstract: #"Code: https://github.com/mlfoundations/model-soups. Not a link: github.com/a"><script>alert(1)</script>"#,
            listed: day)], defaultDay: day)
        try await buildApplication(AppConfiguration(port: 0, home: directory.path, clock: TestClock.clock), store: store).test(.router) { client in
            let page = try await client.execute(uri: "/papers/2511.00050", method: .get) { String(buffer: $0.body) }
            #expect(page.contains(#"<a class="code" href="https://github.com/mlfoundations/model-soups" rel="nofollow noopener">Code: github.com/mlfoundations/model-soups</a>"#))
            #expect(!page.contains("<script>alert(1)"))
            let list = try await client.execute(uri: "/date/2025-11-21", method: .get) { String(buffer: $0.body) }
            #expect(list.contains(#"href="https://github.com/mlfoundations/model-soups" rel="nofollow noopener">Code</a>"#))
        }
    }
}

@Suite("Atom feeds of daily pages and searches")
struct FeedTests {
    /// Entry titles of an Atom document, read with an XML parser (so the document must be well-formed).
    final class Titles: NSObject, XMLParserDelegate, @unchecked Sendable {
        var titles: [String] = []
        var inEntryTitle = false
        var depth: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            inEntryTitle = name == "title" && depth.last == "entry"
            if inEntryTitle { titles.append("") }
            depth.append(name)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { if inEntryTitle { titles[titles.count - 1] += string } }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            depth.removeLast()
            inEntryTitle = false
        }
    }

    static func titles(_ xml: String) -> [String]? {
        let parser = XMLParser(data: Data(xml.utf8))
        let delegate = Titles()
        parser.delegate = delegate
        return parser.parse() ? delegate.titles : nil
    }

    @Test("the daily feed and a search feed are well-formed Atom with absolute links; hostile titles stay text")
    func feeds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        let day = Day("2025-11-21")!
        _ = try await store.upsert([
            Paper(id: PaperID("2511.00060")!, title: #"Graph <script>alert("x")</script> & transformers"#, abstract: "About graphs.",
                  authors: [Author(name: "Ada <b>Lovelace</b>")], categories: ["cs.LG"], listed: day),
            Paper(id: PaperID("2511.00061")!, title: "Another graph paper", abstract: "Graphs again.", listed: day),
        ], defaultDay: day)
        var configuration = AppConfiguration(port: 0, home: directory.path, clock: TestClock.clock)
        configuration.baseURL = "https://papers.example.org/"
        try await buildApplication(configuration, store: store).test(.router) { client in
            try await client.execute(uri: "/feeds/daily.atom", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("application/atom+xml") == true)
                let xml = String(buffer: response.body)
                #expect(Set(Self.titles(xml) ?? []) == [#"Graph <script>alert("x")</script> & transformers"#, "Another graph paper"])
                #expect(!xml.contains("<script>"))
                #expect(xml.contains(#"<link rel="alternate" type="text/html" href="https://papers.example.org/papers/2511.00060"/>"#))
                #expect(xml.contains("<author><name>Ada &lt;b&gt;Lovelace&lt;/b&gt;</name></author>"))
            }
            try await client.execute(uri: "/feeds/search.atom?q=graphs%20again", method: .get) { response in
                let xml = String(buffer: response.body)
                #expect(Self.titles(xml)?.first == "Another graph paper", "\(xml)")
                #expect(xml.contains("https://papers.example.org/search?q=graphs%20again"))
            }
            try await client.execute(uri: "/feeds/search.atom", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/feeds/daily.atom?date=2025-13-40", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }
}
