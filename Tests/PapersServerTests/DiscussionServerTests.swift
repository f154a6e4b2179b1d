import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PapersCore
import PapersMail
@testable import PapersServer
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

/// A paper whose title and author names are themselves payloads (names reach author pages, claims and the admin queue).
let hostileAuthorsPaper = Fixtures.paper("2511.10009", title: "Title <svg onload=alert(1)>", abstract: "Hostile names.",
                                         authors: ["<script>alert(1)</script> Smith", "Eve \"><img src=x onerror=alert(1)>", "Ada Lovelace"],
                                         listed: "2025-11-20")

extension Browser {
    /// Posts a comment (fetching the paper page first for the form's token); the answer to the POST.
    @discardableResult
    mutating func comment(on paper: String, _ body: String, parent: String? = nil) async throws -> Page {
        _ = try await get("/papers/\(paper)")
        return try await post("/comments", [("paper", paper), ("body", body)] + (parent.map { [("parent", $0)] } ?? []))
    }
}

@Suite("Discussion: comments, moderation, claims, authors and account control over HTTP")
struct DiscussionServerTests {
    static func commentCount(_ store: SQLitePaperStore, _ paper: String = "2511.10001") async throws -> Int {
        try await store.rankedPapers([PaperID(paper)!], viewer: nil).first?.comments ?? -1
    }

    @Test("every XSS payload, in comments, report reasons, hide reasons, claims, author names and paths, renders inert on every page")
    func xssCorpus() async throws {
        var limits = RateLimits()
        limits.commentsPerAccount = RateLimit(limit: 0, per: 1)
        limits.reportsPerAccount = RateLimit(limit: 0, per: 1)
        let server = try await CommunityServer(limits: limits, papers: [hostileAuthorsPaper])
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            var bob = Browser(client)
            try await bob.enter("bob", store: store)
            for payload in MarkupInertness.payloads {
                let page = try await bob.comment(on: "2511.10001", payload)
                #expect(page.status == .seeOther, "\(payload)")
            }
            #expect(try await Self.commentCount(store) == MarkupInertness.payloads.count)
            let first = try #require(try await store.comments(on: PaperID("2511.10001")!).first)
            _ = try await ada.comment(on: "2511.10001", "ada's note")
            let adaComment = try #require(try await store.comments(on: PaperID("2511.10001")!).last)
            _ = try await bob.get("/papers/2511.10001")
            _ = try await bob.post("/comments/\(adaComment.id)/report", [("reason", MarkupInertness.payloads[1])])
            _ = try await bob.get("/papers/2511.10009")
            #expect(try await bob.post("/claims", [("paper", "2511.10009"), ("author", hostileAuthorsPaper.authors[0].name)]).status == .seeOther)
            _ = try await ada.get("/admin")
            _ = try await ada.post("/admin/comments/\(first.id)/hide", [("state", "on"), ("reason", MarkupInertness.payloads[0])])
            _ = try await bob.comment(on: "2511.10009", "on the hostile paper")

            var pages: [(String, Browser.Page)] = []
            for (who, path) in [("bob", "/papers/2511.10001"), ("ada", "/admin"), ("bob", "/papers/2511.10009"), ("ada", "/papers/2511.10009"),
                                ("bob", "/settings/account"), ("bob", "/u/bob"),
                                ("bob", SiteURL.author(name: hostileAuthorsPaper.authors[0].name).path),
                                ("bob", SiteURL.author(name: hostileAuthorsPaper.authors[1].name).path),
                                ("bob", "/authors/%3Cscript%3Ealert(1)%3C%2Fscript%3E%20Nobody"), ("bob", "/date/2025-11-20")] {
                pages.append((path, who == "ada" ? try await ada.get(path) : try await bob.get(path)))
            }
            for (path, page) in pages {
                #expect(MarkupInertness.problems(in: page.body, allowing: MarkupInertness.pageTags) == [], "\(path) (\(page.status))")
            }
            #expect(pages[0].1.body.contains("hidden by a moderator"))
            #expect(pages[1].1.body.contains("&lt;script&gt;"), "the hide reason, escaped, in the audit log")
            // The JSON API and the feed carry the text as data.
            let json = try await bob.get("/api/comments?paper=2511.10001")
            #expect(json.headers[.contentType]?.hasPrefix("application/json") == true)
            let feed = try await bob.get("/feeds/comments.atom?paper=2511.10001")
            #expect(!feed.body.contains("<script") && !feed.body.contains("<img"))
        }
    }

    @Test("every new state change refuses a missing or foreign CSRF token: 403, nothing changed")
    func csrfOnEveryNewForm() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            var bob = Browser(client)
            try await bob.enter("bob", store: store)
            try await bob.comment(on: "2511.10001", "bob's comment")
            let comment = try #require(try await store.comments(on: PaperID("2511.10001")!).first)
            _ = try await ada.get("/papers/2511.10001")
            _ = try await bob.get("/papers/2511.10001")
            let bobID = try #require(try await store.account(named: "bob")).id
            let forms: [(String, [(String, String)])] = [
                ("/comments", [("paper", "2511.10001"), ("body", "forged")]),
                ("/comments/\(comment.id)/edit", [("body", "forged edit")]),
                ("/comments/\(comment.id)/delete", []),
                ("/comments/\(comment.id)/report", [("reason", "forged")]),
                ("/follow/paper", [("paper", "2511.10002"), ("state", "on")]),
                ("/follow/author", [("name", "Ada Lovelace"), ("state", "on")]),
                ("/claims", [("paper", "2511.10001"), ("author", "Ada Lovelace")]),
                ("/settings/password", [("current", "correct horse battery"), ("new", "another long password")]),
                ("/settings/email", [("password", "correct horse battery"), ("email", "new@example.org")]),
                ("/settings/notifications", [("replies", "on")]),
                ("/settings/delete", [("password", "correct horse battery"), ("confirm", "bob"), ("contributions", "remove")]),
                ("/admin/comments/\(comment.id)/hide", [("state", "on")]),
                ("/admin/comments/\(comment.id)/dismiss", []),
                ("/admin/accounts/\(bobID)/suspend", [("state", "on")]),
            ]
            let before = try await Self.snapshot(store)
            for (path, fields) in forms {
                for token in ["", "forged-token-0123456789", ada.csrf] {
                    let page = try await bob.post(path, fields, csrf: token)
                    #expect(page.status == .forbidden, "\(path) with token \"\(token.prefix(8))\"")
                }
            }
            for (path, fields) in forms where path.hasPrefix("/admin") {
                for token in ["", bob.csrf] {
                    #expect(try await ada.post(path, fields, csrf: token).status == .forbidden, "\(path) as the admin, wrong token")
                }
            }
            #expect(try await Self.snapshot(store) == before)
            #expect(try await bob.loggedInName() == "bob")
        }
    }

    /// What the CSRF test must find unchanged.
    static func snapshot(_ store: SQLitePaperStore) async throws -> [String] {
        let bob = try await store.account(named: "bob")
        let comments = try await store.comments(on: PaperID("2511.10001")!).map { "\($0.id) \($0.body) \($0.deletedAt ?? -1) \($0.hiddenAt ?? -1)" }
        return comments + [
            "reports \(try await store.openReports(limit: 10).count)",
            "claims \(try await store.claims(status: nil, account: nil, limit: 10).count)",
            "bob \(bob?.email ?? "deleted") suspended=\(bob?.isSuspended ?? false)",
            "hash \(try await store.passwordHash(account: bob?.id ?? 0) ?? "")",
            "settings \(try await store.notificationSettings(account: bob?.id ?? 0))",
            "follows \(try await store.followsPaper(account: bob?.id ?? 0, paper: PaperID("2511.10002")!))",
            "filters \(try await store.personalSignals(account: bob?.id ?? 0).filters)",
            "audit \(try await store.auditLog(limit: 10).count)",
        ]
    }

    @Test("authorisation: someone else's comment cannot be edited or deleted, claims need an admin, the export is only ever one's own")
    func authorisation() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)   // the first account: admin
            var bob = Browser(client)
            try await bob.enter("bob", store: store)
            var anonymous = Browser(client)
            try await ada.comment(on: "2511.10001", "ada's comment")
            let comment = try #require(try await store.comments(on: PaperID("2511.10001")!).first)
            _ = try await bob.get("/papers/2511.10001")
            #expect(try await bob.post("/comments/\(comment.id)/edit", [("body", "bob was here")]).status == .notFound)
            #expect(try await bob.post("/comments/\(comment.id)/delete", []).status == .notFound)
            #expect(try await store.comment(comment.id)?.body == "ada's comment")
            #expect(try await store.comment(comment.id)?.deletedAt == nil)
            // A claim waits for an admin; bob cannot approve his own, nor reach the admin page or its actions.
            #expect(try await bob.post("/claims", [("paper", "2511.10001"), ("author", "Ada Lovelace")]).status == .seeOther)
            let claim = try #require(try await store.claims(status: .pending, account: nil, limit: 10).first)
            #expect(try await bob.get("/admin").status == .forbidden)
            for path in ["/admin/claims/\(claim.id)", "/admin/comments/\(comment.id)/hide", "/admin/accounts/1/suspend"] {
                #expect(try await bob.post(path, [("decision", "approve"), ("state", "on")]).status == .forbidden, "\(path)")
            }
            #expect(try await store.claims(status: .pending, account: nil, limit: 10).count == 1)
            #expect(try await store.comment(comment.id)?.hiddenAt == nil)
            #expect(try await anonymous.get("/admin").status == .seeOther)
            // The admin approves; the claim marks bob's comments on that paper.
            _ = try await ada.get("/admin")
            #expect(try await ada.post("/admin/claims/\(claim.id)", [("decision", "approve")]).status == .seeOther)
            try await bob.comment(on: "2511.10001", "author here")
            #expect(try await bob.get("/papers/2511.10001").body.contains("author: Ada Lovelace"))
            #expect(try await anonymous.get("/u/bob").body.contains("Ada Lovelace: Sparse mixtures"))
            // The export: bob's own data, whatever he asks; nothing for someone logged out.
            let export = try await bob.get("/settings/export?account=1&name=ada")
            #expect(export.status == .ok)
            #expect(export.headers[.contentDisposition]?.contains("papers-bob.json") == true)
            let exported = try JSONSerialization.jsonObject(with: Data(export.body.utf8)) as? [String: Any]
            #expect((exported?["account"] as? [String: Any])?["name"] as? String == "bob")
            #expect(!export.body.contains("ada@example.org") && !export.body.contains("ada's comment"))
            #expect(export.body.contains("author here"))
            #expect(try await anonymous.get("/settings/export").status == .unauthorized)
            #expect(try await anonymous.get("/settings/account").status == .seeOther)
            // A suspended account: its session ends and it cannot log in again.
            let bobID = try #require(try await store.account(named: "bob")).id
            _ = try await ada.get("/admin")
            #expect(try await ada.post("/admin/accounts/\(bobID)/suspend", [("state", "on"), ("reason", "test")]).status == .seeOther)
            #expect(try await bob.loggedInName() == nil)
            #expect(try await bob.logIn("bob").status == .forbidden)
        }
    }

    @Test("password change ends every other session; email change needs the password; comment mail settings stick")
    func accountControl() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var laptop = Browser(client)
            try await laptop.enter("ada", store: store)
            var phone = Browser(client)
            try await phone.logIn("ada")
            #expect(try await phone.loggedInName() == "ada")
            _ = try await laptop.get("/settings/account")
            #expect(try await laptop.post("/settings/password", [("current", "wrong password!"), ("new", "a brand new password")]).status == .forbidden)
            #expect(try await laptop.post("/settings/password", [("current", "correct horse battery"), ("new", "short")]).status == .unprocessableContent)
            #expect(try await laptop.post("/settings/password", [("current", "correct horse battery"), ("new", "a brand new password")]).status == .ok)
            #expect(try await laptop.loggedInName() == "ada")
            #expect(try await phone.loggedInName() == nil)
            #expect(try await phone.logIn("ada", password: "a brand new password").status == .seeOther)
            _ = try await laptop.get("/settings/account")
            #expect(try await laptop.post("/settings/email", [("password", "nope nope nope"), ("email", "new@example.org")]).status == .forbidden)
            #expect(try await laptop.post("/settings/email", [("password", "a brand new password"), ("email", "not an address")]).status == .unprocessableContent)
            #expect(try await laptop.post("/settings/email", [("password", "a brand new password"), ("email", "ada@new.example.org")]).status == .ok)
            #expect(try await store.account(named: "ada")?.email == "ada@new.example.org")
            #expect(try await laptop.post("/settings/notifications", [("replies", "on"), ("mentions", "on")]).status == .ok)
            let account = try #require(try await store.account(named: "ada"))
            #expect(try await store.notificationSettings(account: account.id) == NotificationSettings(replies: true, mentions: true, paperComments: false))
        }
    }

    @Test("deleting an account over HTTP: nothing in any table names the person, the rest intact, integrity and foreign keys sound")
    func deleteAccount() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            var zelda = Browser(client)
            try await zelda.enter("zelda_q", store: store)
            try await zelda.comment(on: "2511.10001", "zelda's first")
            try await ada.comment(on: "2511.10001", "ada answers", parent: "1")
            try await zelda.comment(on: "2511.10002", "a lone remark")
            _ = try await zelda.get("/")
            _ = try await zelda.post("/vote", [("paper", "2511.10001"), ("state", "on"), ("return", "/")])
            _ = try await zelda.post("/collections", [("name", "zelda reading"), ("public", "on"), ("paper", "2511.10002")])
            _ = try await zelda.get("/settings/account")
            #expect(try await zelda.post("/settings/delete", [("password", "correct horse battery"), ("confirm", "someone"), ("contributions", "remove")])
                .status == .unprocessableContent)
            #expect(try await zelda.post("/settings/delete", [("password", "wrong password!!"), ("confirm", "zelda_q"), ("contributions", "remove")])
                .status == .forbidden)
            #expect(try await store.account(named: "zelda_q") != nil)
            let deleted = try await zelda.post("/settings/delete", [("password", "correct horse battery"), ("confirm", "zelda_q"), ("contributions", "remove")])
            #expect(deleted.status == .seeOther)
            #expect(try await zelda.loggedInName() == nil)
            let traces = try await TableDump.cells(store).filter { cell in
                switch cell.cell {
                case .text(let text): return text.lowercased().contains("zelda")
                case .blob(let data): return String(decoding: data, as: UTF8.self).lowercased().contains("zelda")
                default: return false
                }
            }
            #expect(traces.map(\.place) == [])
            #expect(try await store.integrityProblems() == [])
            #expect(try await store.account(named: "ada") != nil)
            let thread = try await store.comments(on: PaperID("2511.10001")!)
            #expect(thread.map { $0.deletedAt != nil } == [true, false], "zelda's answered comment stays as deleted, ada's answer stays")
            #expect(thread.last?.body == "ada answers")
            #expect(try await store.comments(on: PaperID("2511.10002")!).isEmpty)
            #expect(try await Self.commentCount(store) == 1)
            #expect(try await store.rankedPapers([PaperID("2511.10001")!], viewer: nil).first?.votes == 0)
        }
    }

    @Test("50 accounts commenting and replying at once over HTTP: each comment stored once, thread order stable, counts exact")
    func fiftyConcurrentCommenters() async throws {
        var limits = RateLimits()
        limits.commentsPerAccount = RateLimit(limit: 0, per: 1)
        let server = try await CommunityServer(limits: limits)
        let store = server.store
        // Sessions made in the store (50 bcrypt sign-ups would be the test's whole time).
        var sessions: [String] = []
        for i in 0..<50 {
            sessions.append(try await Browser.session(for: "user\(i)", store: store))
        }
        let root = try await store.addComment(NewComment(paper: PaperID("2511.10001")!, parent: nil, author: 1, body: "root"), now: CommunityServer.now)
        let tokens = sessions
        try await server.run { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, session) in tokens.enumerated() {
                    group.addTask {
                        let cookie = "papers_session=\(session)"
                        var page = HTTPClientRequest(url: base + "/papers/2511.10001")
                        page.headers.add(name: "Cookie", value: cookie)
                        let html = String(buffer: try await HTTPClient.shared.execute(page, timeout: .seconds(30)).body.collect(upTo: 4 << 20))
                        let csrf = try #require(html.range(of: #"name="csrf" value=""#).map { String(html[$0.upperBound...].prefix { $0 != "\"" }) })
                        for (body, parent, key) in [("comment \(i)", "", "c\(i)"), ("comment \(i)", "", "c\(i)"), ("reply \(i)", "\(root.comment.id)", "r\(i)")] {
                            var post = HTTPClientRequest(url: base + "/comments")
                            post.method = .POST
                            post.headers.add(name: "Cookie", value: cookie)
                            post.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                            post.body = .bytes(ByteBuffer(string: "csrf=\(csrf)&paper=2511.10001&body=\(body.replacingOccurrences(of: " ", with: "+"))&key=\(key)"
                                                          + (parent.isEmpty ? "" : "&parent=\(parent)")))
                            let response = try await HTTPClient.shared.execute(post, timeout: .seconds(30))
                            #expect(response.status == .seeOther || response.status == .ok, "\(body)")   // the shared client follows the redirect
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let comments = try await store.comments(on: PaperID("2511.10001")!)
        let bodies = comments.map(\.body)
        #expect(comments.count == 101, "root, 50 comments sent twice with one form token, 50 replies")
        #expect(Set(bodies).count == bodies.count)
        #expect(try await Self.commentCount(store) == 101)
        let order = CommentThread.ordered(comments).map(\.comment.id)
        #expect(order == CommentThread.ordered(try await store.comments(on: PaperID("2511.10001")!).reversed()).map(\.comment.id))
        #expect(CommentThread.ordered(comments).dropFirst().prefix(50).allSatisfy { $0.depth == 1 })
    }

    @Test("author pages: newest first, co-authors, categories, a feed, follow; every author name on a paper links there")
    func authorPages() async throws {
        let server = try await CommunityServer(papers: [hostileAuthorsPaper])
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            let paper = try await ada.get("/papers/2511.10009")
            for author in hostileAuthorsPaper.authors {
                #expect(paper.body.contains("href=\"\(HTMLEscaping.escape(SiteURL.author(name: author.name).path))\""), "\(author.name)")
            }
            let page = try await ada.get("/authors/ADA%20lovelace")
            #expect(page.status == .ok)
            let titles = ["Title &lt;svg", "Sparse mixtures", "Reward models"]
            let positions = titles.map { page.body.range(of: $0)?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil })
            #expect(positions[0]! < positions[2]!, "newest day first")
            #expect(page.body.contains("Co-authors") && page.body.contains("Eve &quot;&gt;&lt;img"))
            #expect(try await ada.get("/authors/Nobody%20Atall").status == .notFound)
            let feed = try await ada.get("/feeds/author.atom?name=Ada%20Lovelace")
            #expect(feed.headers[.contentType]?.hasPrefix("application/atom+xml") == true && feed.body.contains("Sparse mixtures"))
            #expect(try await ada.post("/follow/author", [("name", "Ada Lovelace"), ("state", "on")]).status == .seeOther)
            let account = try #require(try await store.account(named: "ada"))
            #expect(try await store.personalSignals(account: account.id).filters.contains { $0.kind == .followAuthor && $0.value == "Ada Lovelace" })
            #expect(try await ada.get("/authors/Ada%20Lovelace").body.contains(">Unfollow<"))
        }
    }

    @Test("comment mail's one-click stop (RFC 8058): no cookie, no CSRF token, the signed token turns every kind off; a forged one changes nothing")
    func oneClickStop() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            let account = try #require(try await store.account(named: "ada"))
            try await store.setNotificationSettings(account: account.id, NotificationSettings(replies: true, mentions: true, paperComments: true))
            let token = try await SubscriptionTokens(store: store).makeCommentMailToken(account: account.id)
            var mailClient = Browser(client)
            #expect(try await mailClient.post(SiteURL.commentMailUnsubscribe(token: token + "x").path, [("List-Unsubscribe", "One-Click")], csrf: "").status == .badRequest)
            #expect(try await store.notificationSettings(account: account.id).wantsAny)
            #expect(try await mailClient.get(SiteURL.commentMailUnsubscribe(token: token).path).body.contains("Stop comment mail"))
            let stopped = try await mailClient.post(SiteURL.commentMailUnsubscribe(token: token).path, [("List-Unsubscribe", "One-Click")], csrf: "")
            #expect(stopped.status == .ok && stopped.body.contains("No more mail about comments"))
            #expect(try await store.notificationSettings(account: account.id) == NotificationSettings())
        }
    }

    @Test("/papers/{id}.md and .bib, linked from the page; comment counts on listings and in the Hugging Face API")
    func exportsAndCounts() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            try await ada.comment(on: "2511.10001", "one")
            try await ada.comment(on: "2511.10001", "two", parent: "1")
            let markdown = try await ada.get("/papers/2511.10001.md")
            #expect(markdown.headers[.contentType]?.hasPrefix("text/markdown") == true)
            #expect(markdown.body.hasPrefix("# Sparse mixtures of experts at scale\n") && markdown.body.contains("Discussion (2 comments)"))
            let bibtex = try await ada.get("/papers/2511.10001.bib")
            #expect(bibtex.body.hasPrefix("@misc{lovelace2025sparse,") && bibtex.body.contains("eprint = {2511.10001}"))
            #expect(try await ada.get("/papers/2511.99999.bib").status == .notFound)
            let page = try await ada.get("/papers/2511.10001")
            #expect(page.body.contains("href=\"/papers/2511.10001.md\"") && page.body.contains("href=\"/papers/2511.10001.bib\""))
            #expect(try await ada.get("/date/2025-11-20").body.contains(">2 comments</a>"))
            let api = try await ada.get("/api/papers/2511.10001")
            #expect(api.body.contains("\"numComments\":2"))
            _ = try await ada.get("/submit")
            _ = try await ada.post("/submit", [("paper", "2511.10001")])
            #expect(try await ada.get("/api/daily_papers?date=2025-11-20").body.contains("\"numComments\":2"))
        }
    }
}
