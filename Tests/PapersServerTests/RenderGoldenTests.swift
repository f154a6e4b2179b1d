import Foundation
import Hummingbird
import HummingbirdTesting
import PapersCore
@testable import PapersMail
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

/// Every page, feed, API answer and mail, rendered from one fixed state and compared byte for byte with the copy
/// kept in `Golden/`: a refactoring of templates, view-models or links must not change what people receive.
///
/// The copies were recorded before templates moved into `.mustache` files and links into ``SiteURL``; to
/// re-record after a deliberate change, run with `PAPERS_RECORD_GOLDEN=1` and review the diff in git.
@Suite("Pages, feeds and mail render byte for byte as recorded")
struct RenderGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static var recording: Bool { ProcessInfo.processInfo.environment["PAPERS_RECORD_GOLDEN"] == "1" }

    /// Values that differ from run to run (random CSRF tokens, signed subscription tokens, API tokens shown once,
    /// private feed addresses) replaced by placeholders; everything else is compared as it is.
    static func normalized(_ text: String) -> String {
        var out = text
        let patterns: [(String, String)] = [
            (#"name="csrf" value="[^"]*""#, #"name="csrf" value="CSRF""#),
            (#"token=[A-Za-z0-9_\-.%]+"#, "token=TOKEN"),
            (#"token%3D[A-Za-z0-9_%]+"#, "token%3DTOKEN"),
            (#"name="token" value="[^"]*""#, #"name="token" value="TOKEN""#),
            (#"papers_[A-Za-z0-9_\-]{20,}"#, "papers_APITOKEN"),
            (#"/feeds/for-you/[A-Za-z0-9_\-]+\.atom"#, "/feeds/for-you/FEED.atom"),
            (#"name="key" value="[^"]*""#, #"name="key" value="KEY""#),
        ]
        for (pattern, replacement) in patterns {
            out = out.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return out
    }

    /// The status line kept, the JSON body re-serialised with sorted keys.
    static func sortedJSON(_ text: String) throws -> String {
        let parts = text.split(separator: "\n", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return text }
        let value = try JSONSerialization.jsonObject(with: Data(parts[1].utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted, .fragmentsAllowed])
        return parts[0] + "\n" + String(decoding: data, as: UTF8.self)
    }

    /// Compares `text` with the recorded `name`, or records it; a difference names the first line that differs.
    static func check(_ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = directory.appendingPathComponent(name)
        // JSON objects have no order (and the server's follows the process's hash seed): keys sorted here.
        let actual = normalized(name.hasSuffix(".json") ? try Self.sortedJSON(text) : text)
        if recording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try #require(try? String(contentsOf: file, encoding: .utf8), "no recorded copy of \(name)", sourceLocation: sourceLocation)
        guard expected != actual else { return }
        let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
        let line = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
        Issue.record("""
            \(name) differs from Golden/\(name) at line \(line + 1):
              recorded: \(line < e.count ? e[line] : "(end)")
              rendered: \(line < a.count ? a[line] : "(end)")
            """, sourceLocation: sourceLocation)
    }

    /// The anonymous and logged-in pages, feeds and API answers of a community server with votes, a collection,
    /// a submission and a subscription.
    @Test("every page, feed and API answer, anonymous and logged in")
    func pages() async throws {
        let server = try await personalServer()
        let store = server.store
        try await server.run { client in
            var visitor = Browser(client)
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            try await ada.upvote(["2511.10001", "2511.10003"] + PersonalServerTests.ids("diffusion", on: CommunityServer.today).prefix(2))
            _ = try await ada.get("/submit")
            _ = try await ada.post("/submit", [("paper", "2511.10002")])
            _ = try await ada.post("/collections", [("name", "Reading <list>"), ("public", "on"), ("paper", "2511.10002")])
            _ = try await ada.get("/settings/tokens")
            let token = try await ada.post("/settings/tokens", [("name", "laptop")])
            try Self.check("tokens-created.html", token.body)
            _ = try await ada.get("/papers/2511.10001")
            _ = try await ada.post("/comments", [("paper", "2511.10001"), ("body", "**Routing** with $x_1 * y_1$ — see @ada and <script>alert(1)</script>")])
            _ = try await ada.post("/comments", [("paper", "2511.10001"), ("parent", "1"), ("body", "A reply with `code`")])

            let anonymous: [(String, String)] = [
                ("home.html", "/"),
                ("day.html", "/date/2025-11-20"),
                ("day-earlier.html", "/date/2025-11-19"),
                ("day-empty.html", "/date/2025-11-22"),
                ("search.html", "/search?q=diffusion&mode=keyword"),
                ("search-page2.html", "/search?q=diffusion&mode=keyword&page=2&per_page=3"),
                ("search-filters.html", "/search?q=models&mode=keyword&category=cs.LG&from=2025-11-19&to=2025-11-20&sort=date"),
                ("search-empty.html", "/search"),
                ("search-error.html", "/search?from=2025-12-01&to=2025-11-01"),
                ("paper.html", "/papers/2511.10001"),
                ("paper-hostile.html", "/papers/2511.10004"),
                ("paper.md", "/papers/2511.10001.md"),
                ("paper.bib", "/papers/2511.10001.bib"),
                ("author.html", "/authors/Ada%20Lovelace"),
                ("feed-author.atom", "/feeds/author.atom?name=Ada%20Lovelace"),
                ("feed-comments.atom", "/feeds/comments.atom?paper=2511.10001"),
                ("api-comments.json", "/api/comments?paper=2511.10001"),
                ("paper-missing.html", "/papers/2511.99999"),
                ("not-found.html", "/no/such/page"),
                ("trending.html", "/trending"),
                ("week.html", "/week/2025-W47"),
                ("month.html", "/month/2025-11"),
                ("signup.html", "/signup"),
                ("login.html", "/login?return=%2Fdate%2F2025-11-20"),
                ("profile.html", "/u/ada"),
                ("collection.html", "/collections/1"),
                ("subscribe.html", "/subscribe?topic=protein%20%26%20design"),
                ("feed-daily.atom", "/feeds/daily.atom"),
                ("feed-search.atom", "/feeds/search.atom?q=diffusion"),
                ("feed-trending.atom", "/feeds/trending.atom"),
                ("feed-collection.atom", "/feeds/collections/1.atom"),
                ("api-daily.json", "/api/daily?date=2025-11-20"),
                ("api-search.json", "/api/search?q=diffusion&mode=keyword"),
                ("api-paper.json", "/api/papers/2511.10001"),
                ("api-hf-daily.json", "/api/daily_papers?date=2025-11-20"),
                ("api-hf-search.json", "/api/papers/search?q=diffusion"),
                ("api-trending.json", "/api/trending"),
                ("api-collection.json", "/api/collections/1"),
                ("style.css", "/static/style.css"),
                ("app.js", "/static/app.js"),
            ]
            for (name, path) in anonymous {
                let page = try await visitor.get(path)
                try Self.check("anonymous-" + name, "\(page.status.code) \(page.headers[.contentType] ?? "")\n\(page.body)")
            }
            let loggedIn: [(String, String)] = [
                ("home.html", "/"),
                ("day.html", "/date/2025-11-20"),
                ("paper.html", "/papers/2511.10001"),
                ("profile.html", "/u/ada"),
                ("tokens.html", "/settings/tokens"),
                ("submit.html", "/submit"),
                ("collection.html", "/collections/1"),
                ("for-you.html", "/for-you"),
                ("for-you-settings.html", "/for-you/settings"),
                ("subscribe.html", "/subscribe"),
                ("api-for-you.json", "/api/for-you"),
                ("account-settings.html", "/settings/account"),
                ("admin.html", "/admin"),
                ("author.html", "/authors/Ada%20Lovelace"),
            ]
            for (name, path) in loggedIn {
                let page = try await ada.get(path)
                try Self.check("ada-" + name, "\(page.status.code) \(page.headers[.contentType] ?? "")\n\(page.body)")
            }
            let feed = try await ada.post("/for-you/feed", [])
            try Self.check("ada-for-you-feed-made.html", "\(feed.status.code) \(feed.location ?? "")\n\(feed.body)")
            let settings = try await ada.get("/for-you/settings")
            try Self.check("ada-for-you-settings-feed.html", settings.body)
            let sent = try await visitor.get("/subscribe")
            _ = sent
            let subscribed = try await visitor.post("/subscribe", [("email", "grace@example.org"), ("frequency", "weekly"),
                                                                    ("topics", "diffusion\ncat:cs.LG"), ("maxPapers", "10")])
            try Self.check("subscribe-sent.html", "\(subscribed.status.code)\n\(subscribed.body)")
            let tokens = try await SubscriptionTokens(store: store)
            let confirm = tokens.make(.confirm, subscription: 1, expiresAt: CommunityServer.now + 3600)
            try Self.check("subscribe-confirm.html", try await visitor.get("/subscribe/confirm?token=\(confirm)").body)
            try Self.check("subscribe-confirmed.html", try await visitor.post("/subscribe/confirm", [("token", confirm)]).body)
            let unsubscribe = tokens.make(.unsubscribe, subscription: 1, expiresAt: nil)
            try Self.check("unsubscribe.html", try await visitor.get("/unsubscribe?token=\(unsubscribe)").body)
            try Self.check("unsubscribed.html", try await visitor.post("/unsubscribe", [("token", unsubscribe)]).body)
            try Self.check("subscribe-bad-token.html", try await visitor.get("/subscribe/confirm?token=forged").body)
        }
    }

    /// The confirmation and digest messages, text and HTML.
    @Test("confirmation and digest mail")
    func mail() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        let settings = MailSettings(smtp: SMTPSettings(host: "127.0.0.1", port: 25),
                                    from: Mailbox(name: "Papers", address: try EmailAddress(validating: "digest@papers.example.org")),
                                    baseURL: "http://papers.test")
        let composer = try await MailComposer(settings: settings, tokens: SubscriptionTokens(store: store))
        let now = CommunityServer.now
        let preferences = try DigestPreferences(frequency: .weekly, trending: true,
                                            topics: [try SubscriptionTopic(parsing: "diffusion"), try SubscriptionTopic(parsing: "author:Ada <Lovelace>")])
        let subscription = Subscription(id: 7, email: try EmailAddress(validating: "grace@example.org"), preferences: preferences,
                                        status: .active, accountID: nil, createdAt: now - 86_400, confirmedAt: now - 80_000, bounces: 0)
        let confirmation = try composer.confirmation(for: subscription, now: now)
        try Self.check("mail-confirmation.txt", confirmation.message.subject + "\n" + confirmation.message.text)
        try Self.check("mail-confirmation.html", confirmation.message.html ?? "")
        var hostile = Fixtures.paper("2511.10004", title: Fixtures.scriptTitle, abstract: "<img src=x onerror=alert(9)> " + String(repeating: "long abstract ", count: 40),
                                     authors: ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "<b>Mallory</b>"], listed: "2025-11-19")
        hostile.comments = "<script>alert(3)</script>"
        let entries = [
            DigestEntry(paper: RankedPaper(paper: Fixtures.paper("2511.10001", title: "Sparse mixtures of experts at scale", abstract: "Routing tokens to experts.", listed: "2025-11-20"),
                                           votes: 3, externalUpvotes: 12, submitter: "ada", submittedAt: now - 3600,
                                           featuredDay: CommunityServer.today, viewerVoted: false), reason: "Matches “diffusion”"),
            DigestEntry(paper: RankedPaper(paper: hostile, votes: 0, externalUpvotes: 0, submitter: nil, submittedAt: nil,
                                           featuredDay: nil, viewerVoted: false), reason: "By Ada <Lovelace>"),
        ]
        let digest = try composer.digest(for: subscription, period: DigestPeriod(.weekly, containing: CommunityServer.today), entries: entries, now: now)
        try Self.check("mail-digest.txt", digest.message.subject + "\n" + digest.message.text)
        try Self.check("mail-digest.html", digest.message.html ?? "")
    }
}
