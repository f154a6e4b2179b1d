import AsyncHTTPClient
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import NIOCore
import PapersCore
import PapersIngest
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

@Suite("Upvotes, submissions, trending and the daily tabs")
struct VotingTests {
    @Test("an upvote works as a plain form post (back to the page) and as JSON for the page's script; it toggles off")
    func upvoteFormAndJSON() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var b = Browser(client)
            // Logged out, the button leads to the log-in page and back.
            _ = try await b.get("/date/2025-11-20")
            let out = try await b.post("/vote", [("paper", "2511.10002"), ("state", "on"), ("return", "/date/2025-11-20")])
            #expect(out.status == .seeOther && out.location == "/login?return=%2Fdate%2F2025%2D11%2D20")
            try await b.enter("ada", store: store)
            var page = try await b.get("/date/2025-11-20")
            #expect(page.body.contains(#"<form class="vote" action="/vote" method="post" data-vote>"#))
            let back = try await b.post("/vote", [("paper", "2511.10002"), ("state", "on"), ("return", "/date/2025-11-20")])
            #expect(back.status == .seeOther && back.location == "/date/2025-11-20")
            page = try await b.get("/date/2025-11-20")
            // The upvoted paper now leads the day, its button pressed and offering to take the vote back.
            let first = try #require(page.body.range(of: "Diffusion models for protein design"))
            #expect(first.lowerBound < page.body.range(of: "Sparse mixtures of experts")!.lowerBound)
            #expect(page.body.contains(#"aria-pressed="true""#) && page.body.contains(#"name="state" value="off""#))
            var h = HTTPFields()
            h[.accept] = "application/json"
            let json = try await b.post("/vote", [("paper", "2511.10002"), ("state", "off")], headers: h)
            #expect(json.status == .ok && json.body.contains(#""votes":0"#) && json.body.contains(#""voted":false"#))
            #expect(try await b.post("/vote", [("paper", "2511.10002"), ("state", "off")], headers: h).body.contains(#""votes":0"#), "idempotent")
            #expect(try await b.post("/vote", [("paper", "2511.99999"), ("state", "on")], headers: h).status == .notFound)
            #expect(try await b.post("/vote", [("paper", "2511.10002"), ("state", "maybe")], headers: h).status == .badRequest)
            // Open redirects are refused: "return" must be a local path.
            #expect(try await b.post("/vote", [("paper", "2511.10002"), ("state", "on"), ("return", "//evil.example/")]).location == "/")
            #expect(try await store.rankedPapers([PaperID("2511.10002")!], viewer: nil).first?.votes == 1)
        }
    }

    @Test("API tokens: made on the settings page, used as Bearer to upvote; a bad token is 401")
    func apiTokens() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var b = Browser(client)
            try await b.enter("ada", store: store)
            _ = try await b.get("/settings/tokens")
            let made = try await b.post("/settings/tokens", [("name", "my <script>")])
            #expect(made.status == .created && !made.body.contains("my <script>"))
            let start = try #require(made.body.range(of: #"<code class="token">"#))
            let token = String(made.body[start.upperBound...].prefix { $0 != "<" })
            #expect(token.hasPrefix("papers_") && token.count == 50)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            // No cookies and no CSRF token: the bearer token is the credential.
            let up = try await client.executeRequest(uri: "/api/papers/2511.10001/upvote", method: .post, headers: headers, body: nil)
            #expect(up.status == .ok && String(buffer: up.body).contains(#""votes":1"#))
            let down = try await client.executeRequest(uri: "/api/papers/2511.10001/upvote", method: .delete, headers: headers, body: nil)
            #expect(String(buffer: down.body).contains(#""votes":0"#))
            headers[.authorization] = "Bearer papers_" + String(repeating: "A", count: 43)
            let bad = try await client.executeRequest(uri: "/api/papers/2511.10001/upvote", method: .post, headers: headers, body: nil)
            #expect(bad.status == .unauthorized && String(buffer: bad.body).contains("API token is not valid"))
            let anonymous = try await client.executeRequest(uri: "/api/papers/2511.10001/upvote", method: .post, headers: [:], body: nil)
            // Neither token nor session: no authority a form token would protect, so the handler asks for one (401,
            // as the OpenAPI description says); a session without its CSRF token is still refused first (403).
            #expect(anonymous.status == .unauthorized && anonymous.headers[.wwwAuthenticate] == "Bearer",
                    "\(anonymous.status) \(String(buffer: anonymous.body))")
            // The database holds only the hash.
            let rows = try await store.apiTokens(of: try #require(try await store.account(named: "ada")).id)
            #expect(rows.map(\.name) == ["my <script>"])
        }
    }

    @Test("a submission puts a paper on today's page; an unknown one is fetched over OAI-PMH; duplicates link to the entry")
    func submissions() async throws {
        let repository = OAIPMHTestRepository(records: [
            TestArxivRecord.batch(1, first: 7, datestamp: "2025-11-18")[0],
        ])
        try await withOAIPMHServer(repository) { endpoint in
            var server = try await CommunityServer()
            server.configuration.submissionEndpoint = endpoint
            server.configuration.submissionPoliteness = Politeness(minimumInterval: .milliseconds(10), maximumAttempts: 2, initialBackoff: .milliseconds(10),
                                                                   maximumRetryAfter: .seconds(1), requestTimeout: .seconds(5), connectTimeout: .milliseconds(300))
            let fetchedID = TestArxivRecord.batch(1, first: 7)[0].id
            let store = server.store
            try await server.run { client in
                var b = Browser(client)
                let loggedOut = try await b.get("/submit")
                #expect(loggedOut.status == .seeOther && loggedOut.location?.hasPrefix("/login") == true)
                try await b.enter("ada", store: store)
                _ = try await b.get("/submit")
                var page = try await b.post("/submit", [("paper", "https://arxiv.org/abs/2511.10003v2")])
                #expect(page.status == .seeOther && page.location == "/date/2025-11-20")
                page = try await b.get("/date/2025-11-20")
                #expect(page.body.contains("Reward models and their discontents") && page.body.contains(#"submitted by <a href="/u/ada">ada</a>"#))
                // The same paper again, by someone else: refused, with links to it and its day.
                var bob = Browser(client)
                try await bob.enter("bob", store: store)
                _ = try await bob.get("/submit")
                page = try await bob.post("/submit", [("paper", "arXiv:2511.10003")])
                #expect(page.status == .conflict && page.body.contains("already on the page of Thursday, 20 November 2025, submitted by ada"))
                #expect(page.body.contains(#"href="/papers/2511.10003""#))
                // Unknown here: fetched from the repository, then submitted.
                page = try await bob.post("/submit", [("paper", fetchedID)])
                #expect(page.status == .seeOther)
                #expect(try await store.paper(PaperID(fetchedID)!) != nil)
                #expect(await repository.requests.contains { $0.contains("verb=GetRecord") })
                // Not in the repository either: a clear 404 message; nonsense: 422 naming the field.
                page = try await bob.post("/submit", [("paper", "2511.99999")])
                #expect(page.status == .notFound && page.body.contains("arXiv has no paper 2511.99999"))
                page = try await bob.post("/submit", [("paper", "not a paper")])
                #expect(page.status == .unprocessableContent && page.body.contains("paper: "))
            }
        }
    }

    @Test("trending with a pinned clock: upvotes with time decay, the formula in the footer, windows as tabs, and a feed")
    func trending() async throws {
        let server = try await CommunityServer()
        let store = server.store
        // Day 19 has the most votes but is a day older; "Sparse…" (day 20) has 2; "Diffusion…" (day 20) has 1.
        var accounts: [Account] = []
        for i in 0..<4 { accounts.append(try await store.createAccount(name: "u\(i)", email: "u\(i)@example.org", passwordHash: "x", now: 0)) }
        for a in accounts.prefix(3) { _ = try await store.setVote(account: a.id, paper: PaperID("2511.10003")!, on: true, now: 1) }
        for a in accounts.prefix(2) { _ = try await store.setVote(account: a.id, paper: PaperID("2511.10001")!, on: true, now: 1) }
        _ = try await store.setVote(account: accounts[3].id, paper: PaperID("2511.10002")!, on: true, now: 1)
        try await server.run { client in
            var b = Browser(client)
            // At 18:00 on the 20th: 2/20^1.5 = 0.0224 > 3/44^1.5 = 0.0103 > 1/20^1.5 = 0.0112? no: 1/89.4 = 0.0112 > 0.0103.
            let page = try await b.get("/trending?window=week")
            let order = ["Sparse mixtures of experts", "Diffusion models for protein design", "Reward models and their discontents"]
                .map { page.body.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil })
            #expect(order[0]! < order[1]! && order[1]! < order[2]!)
            #expect(page.body.contains("upvotes / (hours since the paper entered + 2)^1.5"))
            #expect(page.body.contains(#"href="/trending?window=day""#) && page.body.contains(#"aria-current="page">This week"#))
            // The day window (36 h) drops the paper listed 42 hours ago; a bad window is a 400 naming the parameter.
            let day = try await b.get("/trending?window=day")
            #expect(day.body.contains("Sparse mixtures") && !day.body.contains("Reward models"))
            #expect(try await b.get("/trending?window=year").body.contains("parameter window"))
            let feed = try await b.get("/feeds/trending.atom?window=week")
            #expect(feed.headers[.contentType]?.hasPrefix("application/atom+xml") == true)
            let titles = try XMLDocument(data: Data(feed.body.utf8)).nodes(forXPath: "//*[local-name()='entry']/*[local-name()='title']").map { $0.stringValue ?? "" }
            #expect(titles == ["Sparse mixtures of experts at scale", "Diffusion models for protein design", "Reward models and their discontents"])
            let api = try await b.get("/api/trending?window=week&limit=1")
            #expect(api.body.contains("2511.10001") && !api.body.contains("2511.10002"))
        }
    }

    @Test("a paper imported without a date is on today's page and, once upvoted, trends on /trending and /api/trending")
    func datelessPaperTrends() async throws {
        // No listed or submitted day: the store puts it on the page of the day it arrived (the pinned today).
        let undated = Fixtures.paper("2511.10009", title: "Undated paper about optimal transport", listed: nil)
        let server = try await CommunityServer(papers: [undated])
        let store = server.store
        let voter = try await store.createAccount(name: "v", email: "v@example.org", passwordHash: "x", now: 0)
        _ = try await store.setVote(account: voter.id, paper: undated.id, on: true, now: CommunityServer.now)
        try await server.run { client in
            var b = Browser(client)
            let today = try await b.get("/date/\(CommunityServer.today)")
            #expect(today.body.contains("Undated paper about optimal transport"))
            for window in ["day", "week", "month"] {
                let page = try await b.get("/trending?window=\(window)")
                #expect(page.body.contains("Undated paper about optimal transport"), "window \(window)")
                let api = try await b.get("/api/trending?window=\(window)")
                #expect(api.body.contains("2511.10009"), "window \(window): \(api.body)")
            }
        }
    }

    @Test("daily, weekly and monthly tabs: featured papers by upvotes, with previous and next periods")
    func tabs() async throws {
        let server = try await CommunityServer()
        let store = server.store
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: 0)
        _ = try await store.submit(paper: PaperID("2511.10002")!, account: ada.id, day: CommunityServer.today, now: CommunityServer.now - 60)
        _ = try await store.saveFeatures([PaperFeature(paper: PaperID("2511.10003")!, source: "huggingface", day: Day("2025-11-19")!, upvotes: 12)])
        try await server.run { client in
            var b = Browser(client)
            let day = try await b.get("/date/2025-11-20")
            #expect(day.body.contains(#"href="/week/2025-W47""#) && day.body.contains(#"href="/month/2025-11""#))
            let week = try await b.get("/week/2025-W47")
            let reward = try #require(week.body.range(of: "Reward models"))
            let diffusion = try #require(week.body.range(of: "Diffusion models"))
            #expect(reward.lowerBound < diffusion.lowerBound, "12 Hugging Face upvotes before 0")
            #expect(!week.body.contains("Sparse mixtures"), "not featured")
            #expect(week.body.contains("HF ▲ 12") && week.body.contains(#"href="/week/2025-W46""#) && week.body.contains(#"href="/week/2025-W48""#))
            let month = try await b.get("/month/2025-11")
            #expect(month.body.contains("November 2025") && month.body.contains("Diffusion models") && month.body.contains(#"href="/month/2025-12""#))
            #expect(try await b.get("/month/2025-10").body.contains("Nobody submitted or featured a paper"))
            #expect(try await b.get("/week/2025-W99").status == .badRequest)
        }
    }
}

@Suite("Hugging Face-compatible read API")
struct HFCompatibleAPITests {
    @Test("/api/daily_papers by date, week and month, sorted by time or trending, by submitter, with HF's field names")
    func dailyPapers() async throws {
        let server = try await CommunityServer()
        let store = server.store
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: 0)
        _ = try await store.submit(paper: PaperID("2511.10001")!, account: ada.id, day: CommunityServer.today, now: CommunityServer.now - 3600)
        _ = try await store.saveFeatures([PaperFeature(paper: PaperID("2511.10003")!, source: "huggingface", day: Day("2025-11-19")!, upvotes: 40)])
        _ = try await store.setVote(account: ada.id, paper: PaperID("2511.10003")!, on: true, now: 1)
        try await server.run { client in
            func items(_ uri: String) async throws -> [[String: Any]] {
                let response = try await client.executeRequest(uri: uri, method: .get, headers: [:], body: nil)
                #expect(response.status == .ok, "\(uri)")
                return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
            }
            let day = try await items("/api/daily_papers?date=2025-11-20")
            #expect(day.count == 1)
            let item = day[0]
            let paper = try #require(item["paper"] as? [String: Any])
            #expect(paper["id"] as? String == "2511.10001" && paper["upvotes"] as? Int == 0)
            #expect((paper["authors"] as? [[String: Any]])?.first?["name"] as? String == "Ada Lovelace")
            #expect(paper["submittedOnDailyAt"] as? String == "2025-11-20T17:00:00.000Z")
            #expect(item["title"] as? String == "Sparse mixtures of experts at scale" && item["summary"] as? String == "Routing tokens to experts.")
            #expect((item["submittedBy"] as? [String: Any])?["name"] as? String == "ada" && item["numComments"] as? Int == 0)
            let week = try await items("/api/daily_papers?week=2025-W47")
            #expect(week.map { ($0["paper"] as! [String: Any])["id"] as! String } == ["2511.10001", "2511.10003"], "newest first")
            let trending = try await items("/api/daily_papers?week=2025-W47&sort=trending")
            let first = try #require(trending.first?["paper"] as? [String: Any])
            #expect(first["id"] as? String == "2511.10003" && first["upvotes"] as? Int == 41)
            #expect(first["localUpvotes"] as? Int == 1 && first["externalUpvotes"] as? Int == 40, "kept apart")
            #expect(try await items("/api/daily_papers?month=2025-11&submitter=ada").count == 1)
            #expect(try await items("/api/daily_papers?month=2025-11&limit=1&p=1").count == 1)
            #expect(try await items("/api/daily_papers?date=2025-11-18").isEmpty)
            let bad = try await client.executeRequest(uri: "/api/daily_papers?date=2025-11-20&week=2025-W47", method: .get, headers: [:], body: nil)
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains(#"{"error":{"message":"parameters date, week"#))
            let search = try await items("/api/papers/search?q=protein&limit=5")
            #expect(((search.first?["paper"] as? [String: Any])?["id"] as? String) == "2511.10002")
        }
    }
}

@Suite("Upvotes stay exact under load")
struct VoteConcurrencyTests {
    @Test("100 users × 10 papers upvoting at once over real sockets: every count exact; repeated toggles settle to the last state")
    func concurrentVotes() async throws {
        let papers = (1...10).map { Fixtures.paper(String(format: "2511.2%04d", $0), title: "Paper \($0)", listed: "2025-11-20") }
        let server = try await CommunityServer(limits: .unlimited, papers: papers)
        let store = server.store
        // Accounts and tokens straight into the store: 100 bcrypt hashes would only test bcrypt.
        var made: [String] = []
        for u in 0..<100 {
            let account = try await store.createAccount(name: "user\(u)", email: "user\(u)@example.org", passwordHash: "x", now: 0)
            let token = "papers_" + Authentication.randomToken()
            try await store.createAPIToken(tokenHash: Authentication.tokenHash(token), account: account.id, name: "load", now: 0)
            made.append(token)
        }
        let tokens = made
        let ids = papers.map(\.id.rawValue)
        try await server.app().test(.live) { client in
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton,
                                  configuration: .init(timeout: .init(connect: .seconds(60), read: .seconds(120)),
                                                       connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
            do {
                try await Self.upvoteConcurrently(http: http, port: port, tokens: tokens, ids: ids, store: store)
            } catch {
                try? await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }

    static func upvoteConcurrently(http: HTTPClient, port: Int, tokens: [String], ids: [String], store: SQLitePaperStore) async throws {
        do {
            // Phase 1: 1,000 concurrent upvotes, one per user and paper.
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for token in tokens {
                    for id in ids {
                        group.addTask {
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/papers/\(id)/upvote")
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(token)")
                            let response = try await http.execute(request, timeout: .seconds(120))
                            _ = try await response.body.collect(upTo: 1 << 16)
                            return response.status.code
                        }
                    }
                }
                var all: [UInt] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.count == 1_000 && statuses.allSatisfy { $0 == 200 })
            for id in ids { #expect(try await store.rankedPapers([PaperID(id)!], viewer: nil).first?.votes == 100) }
            // Phase 2: every user toggles every paper on/off/on… concurrently across users, in order per user and paper;
            // the last state is off for (user + paper) divisible by 3.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (u, token) in tokens.enumerated() {
                    for (p, id) in ids.enumerated() {
                        group.addTask {
                            let final = (u + p) % 3 != 0
                            let sequence = final ? [false, true, false, true] : [false, true, false]
                            for on in sequence {
                                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/papers/\(id)/upvote")
                                request.method = on ? .POST : .DELETE
                                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                                let response = try await http.execute(request, timeout: .seconds(120))
                                _ = try await response.body.collect(upTo: 1 << 16)
                                #expect(response.status == .ok)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for (p, id) in ids.enumerated() {
                let expected = (0..<100).filter { ($0 + p) % 3 != 0 }.count
                let ranked = try await store.rankedPapers([PaperID(id)!], viewer: nil)
                #expect(ranked.first?.votes == expected, "paper \(id)")
            }
        }
    }
}

/// `make test` installs huggingface_hub and sets PAPERS_REQUIRE_HF_CLIENT=1; elsewhere the test runs when it is there.
private let hfClientAvailable = pythonModuleAvailable("huggingface_hub", requiredBy: "PAPERS_REQUIRE_HF_CLIENT")

extension HFCompatibleAPITests {
    @Test("the real huggingface_hub client lists daily papers, searches and reads a paper from a Papers instance",
          .enabled(if: hfClientAvailable))
    func huggingfaceHubClient() async throws {
        let server = try await CommunityServer()
        let store = server.store
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: 0)
        _ = try await store.submit(paper: PaperID("2511.10002")!, account: ada.id, day: CommunityServer.today, now: CommunityServer.now - 600)
        _ = try await store.setVote(account: ada.id, paper: PaperID("2511.10002")!, on: true, now: 1)
        _ = try await store.saveFeatures([PaperFeature(paper: PaperID("2511.10003")!, source: "huggingface", day: Day("2025-11-19")!, upvotes: 7)])
        let script = """
            import json, sys
            from huggingface_hub import HfApi
            api = HfApi(endpoint=sys.argv[1])
            day = list(api.list_daily_papers(date="2025-11-20"))
            week = list(api.list_daily_papers(week="2025-W47", sort="trending"))
            found = list(api.list_papers(query="protein"))
            info = api.paper_info("2511.10002")
            print(json.dumps({
                "day": [[p.id, p.title, p.upvotes, p.submitted_by.username if p.submitted_by else None, [a.name for a in p.authors], p.submitted_at.isoformat()] for p in day],
                "week": [p.id for p in week],
                "search": [p.id for p in found],
                "info": [info.id, info.title, info.summary, info.upvotes, info.published_at.isoformat() if info.published_at else None],
            }))
            """
        try await server.run { client in
            let endpoint = "http://127.0.0.1:\(try #require(client.port))"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, endpoint]
            var environment = ProcessInfo.processInfo.environment
            environment["HF_HUB_DISABLE_TELEMETRY"] = "1"
            environment["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
            process.environment = environment
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            // Read off the cooperative threads: the client talks to this very server while we wait.
            async let errorData = offPool { errors.fileHandleForReading.readDataToEndOfFile() }
            let out = try await offPool { output.fileHandleForReading.readDataToEndOfFile() }
            let err = try await errorData
            try await offPool { process.waitUntilExit() }
            #expect(process.terminationStatus == 0, "\(String(decoding: err, as: UTF8.self))")
            let result = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
            let day = try #require(result["day"] as? [[Any]])
            #expect(day.count == 1)
            #expect(day.first?[0] as? String == "2511.10002" && day.first?[1] as? String == "Diffusion models for protein design")
            #expect(day.first?[2] as? Int == 1 && day.first?[3] as? String == "ada" && (day.first?[4] as? [String]) == ["Ada Lovelace"])
            #expect((day.first?[5] as? String)?.hasPrefix("2025-11-20T17:50:00") == true)
            #expect(result["week"] as? [String] == ["2511.10002", "2511.10003"],
                    "1 upvote ten minutes old (1/2.17^1.5 ≈ 0.31) beats 7 from 42 hours ago (7/44^1.5 ≈ 0.024)")
            #expect((result["search"] as? [String])?.first == "2511.10002")
            let info = try #require(result["info"] as? [Any])
            #expect(info[0] as? String == "2511.10002" && info[2] as? String == "Denoising backbones." && info[3] as? Int == 1)
        }
    }
}
