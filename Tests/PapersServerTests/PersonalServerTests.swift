import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PapersCore
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing

/// The community fixture plus three topics over the three days up to its "today".
func personalServer() async throws -> CommunityServer {
    let today = CommunityServer.today
    return try await CommunityServer(papers: TopicalPapers.papers(days: [today.adding(days: -2), today.adding(days: -1), today], perTopic: 6))
}

extension Browser {
    /// Upvotes the papers through the page's form.
    mutating func upvote(_ ids: [String]) async throws {
        _ = try await get("/date/\(CommunityServer.today)")
        for id in ids {
            let answer = try await post("/vote", [("paper", id), ("state", "on"), ("return", "/")])
            #expect(answer.status == .seeOther, "vote \(id)")
        }
    }

    /// The paper ids of a page's cards, in order.
    static func paperIDs(_ html: String) -> [String] {
        html.components(separatedBy: #"<input type="hidden" name="paper" value=""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
            .reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
    }
}

@Suite("For you over HTTP: the page, Not interested, the API, the feed and privacy")
struct PersonalServerTests {
    static let topical = TopicalPapers.papers(days: [CommunityServer.today.adding(days: -2), CommunityServer.today.adding(days: -1), CommunityServer.today], perTopic: 6)
    static func ids(_ topic: String, on day: Day) -> [String] {
        topical.filter { TopicalPapers.topic(of: $0)?.name == topic && $0.listed == day }.map(\.id.rawValue)
    }

    @Test("upvoting five papers on one topic puts it first on /for-you with its reason; Not interested removes a paper for good")
    func topicFirstAndDismiss() async throws {
        let server = try await personalServer()
        let store = server.store
        try await server.run { client in
            var b = Browser(client)
            let logIn = try await b.get("/for-you")
            #expect(logIn.status == .seeOther && logIn.location?.hasPrefix("/login") == true)
            try await b.enter("ada", store: store)
            let empty = try await b.get("/for-you?date=\(CommunityServer.today)")
            #expect(empty.body.contains("Nothing to learn from yet") && empty.body.contains("Seed your profile"))
            let yesterday = CommunityServer.today.adding(days: -1)
            try await b.upvote(Array(Self.ids("graphs", on: yesterday).prefix(5)))
            let page = try await b.get("/for-you?date=\(CommunityServer.today)")
            let shown = Browser.paperIDs(page.body)
            let graphs = Set(Self.ids("graphs", on: CommunityServer.today))
            #expect(shown.prefix(5).allSatisfy(graphs.contains), "got \(shown.prefix(6))")
            #expect(page.body.contains("Because you liked “"))
            #expect(page.body.contains(#"<form class="dismiss" action="/dismiss" method="post" data-dismiss>"#))
            // The day page in the "For you" order agrees, and the API too.
            let day = try await b.get("/date/\(CommunityServer.today)?sort=for-you")
            #expect(Array(Browser.paperIDs(day.body).prefix(5)) == Array(shown.prefix(5)))
            // "Not interested" (as the page's script sends it) takes the top paper away everywhere personal.
            var json = HTTPFields()
            json[.accept] = "application/json"
            let top = try #require(shown.first)
            let dismissed = try await b.post("/dismiss", [("paper", top), ("state", "on")], headers: json)
            #expect(dismissed.status == .ok && dismissed.body.contains(#""dismissed":true"#))
            for path in ["/for-you?date=\(CommunityServer.today)", "/for-you?date=\(CommunityServer.today)&period=week",
                         "/date/\(CommunityServer.today)?sort=for-you"] {
                #expect(!Browser.paperIDs(try await b.get(path).body).contains(top), "\(path)")
            }
            // The paper's own page (where a digest's "Not interested" link leads) has the control too.
            let paperPage = try await b.get("/papers/\(shown[1])")
            #expect(paperPage.body.contains(#"<form id="not-interested" class="dismiss" action="/dismiss" method="post">"#))
            #expect(try await b.post("/dismiss", [("paper", "2511.99999"), ("state", "on")], headers: json).status == .notFound)
            #expect(try await b.post("/dismiss", [("paper", top), ("state", "maybe")], headers: json).status == .badRequest)
            #expect(try await b.post("/dismiss", [("paper", top), ("state", "on")], csrf: "").status == .forbidden)
        }
    }

    @Test("one person's page, settings, API and feed are visible to nobody else")
    func privacy() async throws {
        let server = try await personalServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            try await ada.upvote(Array(Self.ids("diffusion", on: CommunityServer.today.adding(days: -2)).prefix(4)))
            _ = try await ada.get("/for-you/settings")
            let made = try await ada.post("/for-you/feed", [])
            let feedURL = try #require(made.body.components(separatedBy: "<code>").dropFirst().first?.prefix { $0 != "<" })
            let feedPath = String(feedURL.dropFirst(feedURL.range(of: "/feeds/")!.lowerBound.utf16Offset(in: feedURL)))
            // Without cookies: the feed's secret is the only key; the API and pages want a login.
            var anonymous = Browser(client)
            let feed = try await anonymous.get(feedPath)
            #expect(feed.status == .ok && feed.body.contains("<feed") && feed.body.contains("Because you liked"))
            #expect(try await anonymous.get("/api/for-you").status == .unauthorized)
            #expect(try await anonymous.get("/api/daily?date=\(CommunityServer.today)&sort=for-you").status == .unauthorized)
            #expect(try await anonymous.get("/for-you/settings").status == .seeOther)
            #expect(try await anonymous.get("/feeds/for-you/papers_" + String(repeating: "A", count: 43) + ".atom").status == .notFound)
            #expect(try await anonymous.get("/feeds/for-you/nonsense.atom").status == .notFound)
            // Bob sees his own (empty) profile, not Ada's.
            var bob = Browser(client)
            try await bob.enter("bob", store: store)
            let bobs = try await bob.get("/for-you?date=\(CommunityServer.today)")
            #expect(bobs.body.contains("Nothing to learn from yet") && Browser.paperIDs(bobs.body).isEmpty)
            let settings = try await bob.get("/for-you/settings")
            #expect(settings.body.contains("It learns from 0 liked papers") && !settings.body.contains("/feeds/for-you/"))
        }
    }

    @Test("the private feed works until revoked; a new address replaces the old one")
    func feedRevocation() async throws {
        let server = try await personalServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            try await ada.upvote(Array(Self.ids("reinforcement", on: CommunityServer.today.adding(days: -1)).prefix(3)))
            func feedPath(_ page: Browser.Page) throws -> String {
                let url = try #require(page.body.components(separatedBy: "<code>").dropFirst().first.map { String($0.prefix { $0 != "<" }) })
                return String(url[try #require(url.range(of: "/feeds/for-you/")).lowerBound...])
            }
            _ = try await ada.get("/for-you/settings")
            let first = try feedPath(try await ada.post("/for-you/feed", []))
            #expect(try await ada.get(first).status == .ok)
            let second = try feedPath(try await ada.post("/for-you/feed", []))
            #expect(second != first)
            #expect(try await ada.get(first).status == .notFound)
            #expect(try await ada.get(second).status == .ok)
            let revoked = try await ada.post("/for-you/feed/revoke", [])
            #expect(revoked.body.contains("no longer works"))
            #expect(try await ada.get(second).status == .notFound)
        }
    }

    @Test("seeding reads arXiv ids, BibTeX and RIS (id, then DOI, then title); empty input names the field and adds nothing")
    func seeding() async throws {
        var doiPaper = Fixtures.paper("2511.20001", title: "A paper known by its DOI", listed: CommunityServer.today.description)
        doiPaper.doi = "10.1234/known.5678"
        let titled = Fixtures.paper("2511.20002", title: "Exactly This Title", listed: CommunityServer.today.description)
        let server = try await CommunityServer(papers: [doiPaper, titled])
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            _ = try await ada.get("/for-you/settings")
            let refused = try await ada.post("/for-you/seeds", [("library", "   ")])
            #expect(refused.status == .unprocessableContent && refused.body.contains("library: paste arXiv ids"))
            let ids = try await ada.post("/for-you/seeds", [("library", "2511.10001, https://arxiv.org/abs/2511.10002v2 2511.99999")])
            #expect(ids.body.contains("Read 3 entries: 2 matched a paper here, 2 new to your profile."))
            let bibtex = """
                @article{known, title = {A Paper Known by Its {DOI} (different case)}, doi = {10.1234/KNOWN.5678}, year = 2025}
                @inproceedings{titled,
                  title = "{Exactly} this title",
                  author = {Someone, A.},
                }
                @misc{again, eprint = {2511.10001}, archivePrefix = {arXiv}}
                """
            #expect(try await ada.post("/for-you/seeds", [("library", bibtex)]).body.contains("Read 3 entries: 3 matched a paper here, 2 new"))
            let ris = "TY  - JOUR\nTI  - Reward models and their discontents\nUR  - https://arxiv.org/abs/2511.10003\nER  - \n"
            let risAnswer = try await ada.post("/for-you/seeds", [("library", ris)]).body
            #expect(risAnswer.contains("Read 1 entry: 1 matched a paper here, 1 new to your profile."), "\(risAnswer.components(separatedBy: "notice").dropFirst().first?.prefix(200) ?? "")")
            let settings = try await ada.get("/for-you/settings")
            #expect(settings.body.contains("It learns from 5 liked papers"))
        }
    }

    @Test("mutes from the settings page hide papers on /for-you, the API, the feed and the day page's For-you order")
    func mutesEverywhere() async throws {
        let server = try await personalServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            try await ada.upvote(Array(Self.ids("diffusion", on: CommunityServer.today.adding(days: -1)).prefix(4)))
            _ = try await ada.get("/for-you/settings")
            #expect(try await ada.post("/for-you/filters", [("kind", "mute-word"), ("value", "Sampler"), ("state", "on")]).status == .seeOther)
            #expect(try await ada.post("/for-you/filters", [("kind", "mute-author"), ("value", "ivo imagen"), ("state", "on")]).status == .seeOther)
            let bad = try await ada.post("/for-you/filters", [("kind", "mute-word"), ("value", ""), ("state", "on")])
            #expect(bad.status == .unprocessableContent && bad.body.contains("mute-word: give a value"))
            #expect(try await ada.post("/for-you/filters", [("kind", "shout"), ("value", "x")]).status == .badRequest)
            let feed = try await ada.post("/for-you/feed", [])
            let url = try #require(feed.body.components(separatedBy: "<code>").dropFirst().first.map { String($0.prefix { $0 != "<" }) })
            let feedPath = String(url[try #require(url.range(of: "/feeds/for-you/")).lowerBound...])
            let muted = Set(Self.topical.filter { p in
                p.authors.contains { $0.name == "Ivo Imagen" } || (p.title + " " + p.abstract).lowercased().contains("sampler")
            }.map(\.id.rawValue))
            #expect(!muted.isEmpty)
            let pages = [try await ada.get("/for-you?date=\(CommunityServer.today)&period=week").body,
                         try await ada.get("/date/\(CommunityServer.today)?sort=for-you").body]
            for body in pages { #expect(Set(Browser.paperIDs(body)).isDisjoint(with: muted)) }
            let feedBody = try await ada.get(feedPath).body
            #expect(!muted.contains { feedBody.contains("/papers/\($0)") })
        }
    }
}

@Suite("For you: a collection as its own feed")
struct CollectionFeedTests {
    @Test("a collection of one topic ranks that topic first on /for-you?collection=, in the API and the feed; nobody else can open it")
    func collectionFeed() async throws {
        let server = try await personalServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            // Upvotes say diffusion; the collection says graphs.
            try await ada.upvote(Array(PersonalServerTests.ids("diffusion", on: CommunityServer.today.adding(days: -1)).prefix(5)))
            _ = try await ada.get("/")
            let made = try await ada.post("/collections", [("name", "Graph theory"), ("public", "on")])
            let collection = try #require(made.location?.split(separator: "/").last.map(String.init))
            for id in PersonalServerTests.ids("graphs", on: CommunityServer.today.adding(days: -2)).prefix(4) {
                _ = try await ada.post("/collections/\(collection)/items", [("paper", id), ("state", "on"), ("return", "/")])
            }
            let page = try await ada.get("/for-you?date=\(CommunityServer.today)&collection=\(collection)")
            let graphs = Set(PersonalServerTests.ids("graphs", on: CommunityServer.today))
            #expect(Browser.paperIDs(page.body).prefix(4).allSatisfy(graphs.contains), "\(Browser.paperIDs(page.body).prefix(5))")
            #expect(page.body.contains("From your collection “Graph theory”"))
            #expect(page.body.contains("Ranked like:"))
            let everything = try await ada.get("/for-you?date=\(CommunityServer.today)")
            #expect(!graphs.contains(try #require(Browser.paperIDs(everything.body).first)), "the whole profile leans to diffusion")
            var bob = Browser(client)
            try await bob.enter("bob", store: store)
            #expect(try await bob.get("/for-you?collection=\(collection)").status == .notFound)
            #expect(try await bob.get("/for-you?collection=nonsense").status == .notFound)
        }
    }
}
