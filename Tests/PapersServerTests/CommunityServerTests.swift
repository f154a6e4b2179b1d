import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import HummingbirdTesting
import PapersCore
import PapersIngest
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

/// A live server (real sockets) over a store with papers on 2025-11-19 and 2025-11-20, its clock pinned to
/// 2025-11-20 18:00 UTC.
struct CommunityServer {
    static let today = Day("2025-11-20")!
    static let now = Double(today.daysSinceEpoch) * 86_400 + 18 * 3600

    let directory: TemporaryDirectory
    let store: SQLitePaperStore
    var configuration: AppConfiguration

    init(limits: RateLimits = RateLimits(), papers extra: [Paper] = []) async throws {
        directory = try TemporaryDirectory()
        store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: directory.path))
        _ = try await store.upsert([
            Fixtures.paper("2511.10001", title: "Sparse mixtures of experts at scale", abstract: "Routing tokens to experts.", listed: "2025-11-20"),
            Fixtures.paper("2511.10002", title: "Diffusion models for protein design", abstract: "Denoising backbones.", listed: "2025-11-20"),
            Fixtures.paper("2511.10003", title: "Reward models and their discontents", abstract: "Preference data.", listed: "2025-11-19"),
            Fixtures.paper("2511.10004", title: Fixtures.scriptTitle, abstract: "<img src=x onerror=alert(9)>", listed: "2025-11-19"),
        ] + extra, defaultDay: Self.today)
        configuration = AppConfiguration(host: "127.0.0.1", port: 0, home: directory.path, clock: .fixed(Self.now))
        configuration.rateLimits = limits
        configuration.submissionEndpoint = nil
    }

    func app() async throws -> some ApplicationProtocol { try await buildApplication(configuration, store: store) }

    /// Runs `body` against the server over a real socket (one HTTP/1.1 connection that does not follow redirects).
    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { directory.remove() }
        try await app().test(.live) { client in try await body(client) }
    }
}

@Suite("Accounts and sessions")
struct AccountTests {
    @Test("sign-up logs in with an HttpOnly, SameSite=Lax session cookie; log-out ends the session")
    func signUpAndOut() async throws {
        try await CommunityServer().run { client in
            var browser = Browser(client)
            let answer = try await browser.signUp("ada")
            #expect(answer.status == .seeOther && answer.location == "/")
            let session = try #require(answer.setCookies.first { $0.hasPrefix("papers_session=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Lax") && !session.contains("Secure"))
            #expect(try await browser.loggedInName() == "ada")
            let stolen = browser.cookies["papers_session"]!
            let out = try await browser.post("/logout", [])
            #expect(out.status == .seeOther)
            #expect(try await browser.loggedInName() == nil)
            // The old session id is dead on the server, not just forgotten by the browser.
            var other = Browser(client)
            other.cookies["papers_session"] = stolen
            #expect(try await other.loggedInName() == nil)
        }
    }

    @Test("cookies are Secure when the instance is served over https")
    func secureCookies() async throws {
        var server = try await CommunityServer()
        server.configuration.baseURL = "https://papers.example.org"
        try await server.run { client in
            var browser = Browser(client)
            let page = try await browser.get("/")
            #expect(page.setCookies.allSatisfy { $0.contains("Secure") && $0.contains("HttpOnly") })
        }
    }

    @Test("a session id from before log-in is invalid after it")
    func sessionRotation() async throws {
        try await CommunityServer().run { client in
            var first = Browser(client)
            try await first.signUp("ada")
            let before = try #require(first.cookies["papers_session"])
            let visitorBefore = try #require(first.cookies["papers_visitor"])
            // Logging in again (the same browser) issues a new id and ends the old one.
            let answer = try await first.logIn("ada")
            #expect(answer.status == .seeOther)
            let after = try #require(first.cookies["papers_session"])
            #expect(after != before && first.cookies["papers_visitor"] != visitorBefore)
            var attacker = Browser(client)
            attacker.cookies["papers_session"] = before
            #expect(try await attacker.loggedInName() == nil)
            // A visitor cookie planted before log-in never becomes a session either.
            var planted = Browser(client)
            planted.cookies["papers_session"] = visitorBefore
            #expect(try await planted.loggedInName() == nil)
            #expect(try await first.loggedInName() == "ada")
        }
    }

    @Test("sign-up mistakes name the field and keep what was typed (never the password)")
    func signUpErrors() async throws {
        try await CommunityServer().run { client in
            var browser = Browser(client)
            _ = try await browser.get("/signup")
            var page = try await browser.post("/signup", [("username", "ada"), ("email", "not-an-email"), ("password", "correct horse battery")])
            #expect(page.status == .unprocessableContent && page.body.contains("email: expected an address"))
            #expect(page.body.contains(#"value="not-an-email""#) && !page.body.contains("correct horse"))
            try await browser.signUp("ada")
            var second = Browser(client)
            page = try await second.signUp("ADA")
            #expect(page.status == .conflict && page.body.contains("is taken"))
            #expect(try await second.loggedInName() == nil)
        }
    }

    @Test("wrong passwords: an unknown name costs the same bcrypt time as a known one, and failures are rate limited")
    func wrongPasswords() async throws {
        var limits = RateLimits()
        limits.loginPerIP = RateLimit(limit: 100, per: 60)
        let server = try await CommunityServer(limits: limits)
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            // Constant time: log-ins with a wrong password for a real account and for a made-up one, interleaved; the
            // fastest of each (the least disturbed by other work on the machine) are compared.
            var known: [Double] = [], unknown: [Double] = []
            for round in 0..<6 {
                let name = round % 2 == 0 ? "ada" : "nobody-here"
                var b = Browser(client)
                _ = try await b.get("/login")
                let start = ContinuousClock.now
                let page = try await b.post("/login", [("username", name), ("password", "wrong password 123")])
                let ms = Double((ContinuousClock.now - start) / .milliseconds(1))
                #expect(page.status == .unauthorized && page.body.contains("Wrong username or password."))
                if round % 2 == 0 { known.append(ms) } else { unknown.append(ms) }
            }
            let fastestKnown = known.min()!, fastestUnknown = unknown.min()!
            // Loose bounds: the equal work itself is checked exactly in `equalWork` below; this is the end-to-end look.
            #expect(fastestUnknown > fastestKnown * 0.25 && fastestUnknown < fastestKnown * 4, "known \(known) ms, unknown \(unknown) ms")
            #expect(fastestKnown > 20, "bcrypt at cost 12 cannot take \(fastestKnown) ms")
            // Three wrong above, two more reach the limit of 5 per account: then even the right password is refused.
            var b = Browser(client)
            for _ in 0..<2 { _ = try await b.logIn("ada", password: "wrong password 123") }
            let limited = try await b.logIn("ada")
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            #expect(try await b.loggedInName() == nil)
        }
    }

    @Test("rate limits are configurable as NAME=LIMIT/SECONDS; a bad override names the option and the known names")
    func rateLimitOverrides() throws {
        var limits = RateLimits()
        try limits.apply("votes-per-ip=1000/60")
        try limits.apply("signup-per-ip=0/1")
        #expect(limits.votesPerIP == RateLimit(limit: 1000, per: 60) && limits.signupPerIP.limit == 0)
        #expect(throws: RateLimitSpecError.self) { try limits.apply("votes=10/60") }
        #expect(throws: RateLimitSpecError.self) { try limits.apply("votes-per-ip=ten/60") }
        do {
            try limits.apply("votes-per-ip=10")
        } catch {
            #expect("\(error)".contains("--rate-limit votes-per-ip=10: expected NAME=LIMIT/SECONDS"))
        }
        // One list of names serves parsing, the error, the help text and the load-test switch.
        for name in RateLimitName.allCases {
            var one = RateLimits()
            try one.apply("\(name.rawValue)=7/11")
            #expect(one[keyPath: name.keyPath] == RateLimit(limit: 7, per: 11))
            #expect(RateLimits.unlimited[keyPath: name.keyPath].limit == 0)
        }
        #expect(throws: RateLimitSpecError.self) { try limits.apply("votes=10/60") }
        do {
            try limits.apply("votes=10/60")
        } catch {
            #expect("\(error)".hasSuffix("known: signup-per-ip, login-per-ip, login-failures-per-account, votes-per-account, votes-per-ip, submissions-per-account, subscriptions-per-ip, subscriptions-per-email, comments-per-account, reports-per-account, claims-per-account"))
        }
        #expect(RateLimits.overrideHelp == "Override an abuse limit, NAME=LIMIT/SECONDS (repeatable; 0 turns it off): signup-per-ip (5/3600), login-per-ip (20/300), login-failures-per-account (5/900), votes-per-account (120/60), votes-per-ip (600/60), submissions-per-account (20/3600), subscriptions-per-ip (10/3600), subscriptions-per-email (5/86400), comments-per-account (10/60), reports-per-account (20/3600), claims-per-account (20/86400).")
    }

    @Test("a wrong password and an unknown account each cost one bcrypt check at the account cost (12)")
    func equalWork() async throws {
        let server = try await CommunityServer()
        defer { server.directory.remove() }
        let auth = Authentication(store: server.store, bcryptCost: 12, secureCookies: false, now: { CommunityServer.now })
        let real = try await auth.hashPassword("correct horse battery")
        #expect(Authentication.cost(of: real) == 12)
        #expect(try await auth.verifyPassword("wrong password 123", hash: real) == false)
        #expect(try await auth.verifyPassword("wrong password 123", hash: nil) == false)
        #expect(try await auth.verifyPassword("correct horse battery", hash: nil) == false, "no account never matches")
        #expect(try await auth.verifyPassword("correct horse battery", hash: real) == true)
        // What each check runs bcrypt against: the account's hash, or a dummy of the same cost.
        #expect(try await auth.hashToCheck(real) == real)
        let dummy = try await auth.hashToCheck(nil)
        #expect(dummy != real && Authentication.cost(of: dummy) == 12)
    }

    @Test("log-in attempts per address are limited")
    func loginRateLimitPerIP() async throws {
        var limits = RateLimits()
        limits.loginPerIP = RateLimit(limit: 3, per: 600)
        try await CommunityServer(limits: limits).run { client in
            var b = Browser(client)
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<4 { statuses.append(try await b.logIn("user\(i)", password: "whatever is here").status) }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
        }
    }
}

@Suite("Forms are safe: CSRF, escaping, private collections")
struct CommunitySecurityTests {
    @Test("a form post without or with a wrong CSRF token is 403 and changes nothing")
    func csrf() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var stranger = Browser(client)
            _ = try await stranger.get("/signup")
            for token in ["", "forged-token-0123456789"] {
                let page = try await stranger.post("/signup", [("username", "eve"), ("email", "eve@example.org"), ("password", "correct horse battery")], csrf: token)
                #expect(page.status == .forbidden && page.body.contains("nothing was changed"))
            }
            #expect(try await store.account(named: "eve") == nil)
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            let paper = "2511.10001"
            for token in ["", "forged-token-0123456789", stranger.csrf] {
                #expect(try await ada.post("/vote", [("paper", paper), ("state", "on")], csrf: token).status == .forbidden)
                #expect(try await ada.post("/collections", [("name", "x"), ("public", "on")], csrf: token).status == .forbidden)
                #expect(try await ada.post("/logout", [], csrf: token).status == .forbidden)
            }
            #expect(try await store.rankedPapers([PaperID(paper)!], viewer: nil).first?.votes == 0)
            let account = try #require(try await store.account(named: "ada"))
            #expect(try await store.collections(of: account.id, includePrivate: true).isEmpty)
            #expect(try await ada.loggedInName() == "ada")
            // With the right token the same vote goes through.
            _ = try await ada.get("/")
            #expect(try await ada.post("/vote", [("paper", paper), ("state", "on"), ("return", "/")]).status == .seeOther)
            #expect(try await store.rankedPapers([PaperID(paper)!], viewer: nil).first?.votes == 1)
        }
    }

    @Test("XSS payloads in every user-supplied field render inert")
    func xss() async throws {
        var server = try await CommunityServer()
        server.configuration.submissionEndpoint = nil
        let store = server.store
        try await server.run { client in
            let payload = #"<script>alert("x")</script><img src=x onerror=alert(1)>"#
            var b = Browser(client)
            // Username: refused, and the refusal shows it escaped.
            _ = try await b.get("/signup")
            var page = try await b.post("/signup", [("username", payload), ("email", "x@example.org"), ("password", "correct horse battery")])
            #expect(page.status == .unprocessableContent)
            try await b.enter("ada", store: store)
            // Collection name, shown on the collection page, the profile and the paper page.
            page = try await b.get("/papers/2511.10001")
            page = try await b.post("/collections", [("name", payload), ("public", "on"), ("paper", "2511.10001")])
            #expect(page.status == .seeOther)
            var pages = [try await b.get(page.location ?? "/"), try await b.get("/u/ada"), try await b.get("/papers/2511.10001")]
            // Submitted URL, echoed in the error.
            _ = try await b.get("/submit")
            pages.append(try await b.post("/submit", [("paper", "https://evil.example/" + payload)]))
            // Search words, in the page and the search box.
            pages.append(try await b.get("/search?q=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!))
            // Login name, refilled after a failure.
            _ = try await b.post("/logout", [])
            _ = try await b.get("/login")
            pages.append(try await b.post("/login", [("username", payload), ("password", "whatever 12345")]))
            for p in pages {
                #expect(!p.body.contains("<script>alert"), "status \(p.status)")
                #expect(!p.body.contains("<img src=x"))
                #expect(!p.body.contains("<script>alert(1)</script>"), "the hostile paper title too")
            }
            #expect(pages[0].body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
            #expect(pages[3].body.contains("https://evil.example/&lt;script&gt;"))
            // The API returns the collection name as JSON data, not markup.
            let json = try await b.get("/api/collections/1")
            #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("a private collection is 404 to others over the page, the API and the feed; its owner sees it")
    func privateCollection() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            _ = try await ada.get("/papers/2511.10002")
            let created = try await ada.post("/collections", [("name", "Secret reading"), ("paper", "2511.10002")])
            let url = try #require(created.location)
            #expect(url.hasPrefix("/collections/"))
            let id = String(url.dropFirst("/collections/".count))
            #expect(try await ada.get(url).body.contains("Diffusion models for protein design"))
            #expect(try await ada.get("/api/collections/\(id)").status == .ok)
            var bob = Browser(client)
            try await bob.enter("bob", store: store)
            var anonymous = Browser(client)
            for var viewer in [bob, anonymous] {
                let page = try await viewer.get(url)
                #expect(page.status == .notFound && !page.body.contains("Secret reading"))
                #expect(try await viewer.get("/api/collections/\(id)").status == .notFound)
                #expect(try await viewer.get("/feeds/collections/\(id).atom").status == .notFound)
                #expect(try await viewer.get("/api/collections/999").status == .notFound, "same answer as a missing one")
            }
            // Bob cannot add to it either.
            _ = try await bob.get("/")
            #expect(try await bob.post("\(url)/items", [("paper", "2511.10001")]).status == .notFound)
            #expect(try await ada.get("/u/ada").body.contains("href=\"\(url)\""), "the owner sees it on her profile")
            #expect(!(try await anonymous.get("/u/ada").body.contains("Secret reading")))
        }
    }
}
