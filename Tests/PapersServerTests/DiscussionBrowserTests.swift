import Foundation
import Hummingbird
import HummingbirdTesting
import PapersCore
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing

private let browserAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    || ProcessInfo.processInfo.environment["PAPERS_REQUIRE_BROWSER"] == "1"

@Suite("Discussion in a real browser")
struct DiscussionBrowserTests {
    /// Payloads that would leave a mark without a dialog, beside the corpus's `alert(…)`s.
    static let sentinels = [
        #"<img src=x onerror="window.__xss=1">"#, #"<svg onload="window.__xss=2">"#, #"<details open ontoggle="window.__xss=3">"#,
        #"![x](x" onerror="window.__xss=4)"#, "$x$<script>window.__xss=5</script>", #"<a href="javascript:window.__xss=6" id="xsslink">x</a>"#,
    ]

    @Test("headless Chromium: the XSS corpus in comments, reasons, claims and author names — no dialog opens, no script runs",
          .enabled(if: browserAvailable), .timeLimit(.minutes(3)))
    func xssInChromium() async throws {
        var limits = RateLimits()
        limits.commentsPerAccount = RateLimit(limit: 0, per: 1)
        let server = try await CommunityServer(limits: limits, papers: [hostileAuthorsPaper])
        let profile = try TemporaryDirectory()
        defer { profile.remove() }
        let store = server.store
        try await server.run { client in
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            for payload in MarkupInertness.payloads + Self.sentinels {
                try await ada.comment(on: "2511.10009", payload)
            }
            _ = try await ada.get("/papers/2511.10009")
            _ = try await ada.post("/claims", [("paper", "2511.10009"), ("author", hostileAuthorsPaper.authors[1].name)])
            let site = "http://127.0.0.1:\(try #require(client.port))"
            let browser = try await WebDriver.start(userDataDirectory: profile.path)
            do {
                try await browser.open(site + "/login")
                try await browser.type("input[name=username]", "ada")
                try await browser.type("input[name=password]", "correct horse battery")
                try await browser.click("section.account-form button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('a.me')"))
                for path in ["/papers/2511.10009", "/admin", SiteURL.author(name: hostileAuthorsPaper.authors[0].name).path,
                             SiteURL.author(name: hostileAuthorsPaper.authors[1].name).path, "/u/ada", "/date/2025-11-20"] {
                    try await browser.open(site + path)
                    #expect(try await browser.waitUntil("return document.readyState === 'complete'"))
                    // Open the details (ontoggle) and wait for images to fail (onerror) before looking.
                    _ = try await browser.run("document.querySelectorAll('details').forEach(d => d.open = true); return true")
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(await browser.openDialog() == nil, "a dialog opened on \(path)")
                    #expect(try await browser.run("return window.__xss === undefined") as? Bool == true, "a script ran on \(path)")
                    // The page's Content-Security-Policy would stop inline script even if markup got through, so the
                    // DOM itself is checked too: no handler attributes, no foreign scripts, frames or SVG.
                    let live = try await browser.run("""
                        return [...document.querySelectorAll('*')].filter(e =>
                          [...e.attributes].some(a => a.name.startsWith('on')) ||
                          (e.tagName === 'SCRIPT' && !(e.getAttribute('src') || '').startsWith('/static/')) ||
                          ['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'STYLE'].includes(e.tagName) ||
                          (e.namespaceURI === 'http://www.w3.org/2000/svg' && !e.closest('.katex'))
                        ).map(e => e.outerHTML.slice(0, 80))
                        """) as? [Any] ?? ["(no answer)"]
                    #expect(live.isEmpty, "live markup on \(path): \(live)")
                }
                // The one javascript: link the corpus wrote lost its address; clicking it does nothing.
                try await browser.open(site + "/papers/2511.10009")
                #expect(try await browser.run("return [...document.querySelectorAll('.comment-body a')].every(a => !a.href.startsWith('javascript:'))") as? Bool == true)
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }

    @Test("headless Chromium: comment with Markdown and math → reply → edit → delete → report → an admin hides it; the count follows each step",
          .enabled(if: browserAvailable), .timeLimit(.minutes(3)))
    func commentJourney() async throws {
        let shots = SharedData.repositoryRoot.appendingPathComponent(".build/screenshots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let server = try await CommunityServer()
        let store = server.store
        let profile = try TemporaryDirectory()
        defer { profile.remove() }
        try await server.run { client in
            // ada (the first account, so the admin) has already said something.
            var ada = Browser(client)
            try await ada.enter("ada", store: store)
            try await ada.comment(on: "2511.10001", "Has anyone reproduced the routing result?")
            let site = "http://127.0.0.1:\(try #require(client.port))"
            let browser = try await WebDriver.start(userDataDirectory: profile.path)
            func count() async throws -> String? { try await browser.run("return document.querySelector('[data-comment-count]').textContent") as? String }
            do {
                try await browser.fillSignUp(site: site, name: "bob")
                try await browser.click("section.account-form button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('a.me')"))
                try await browser.open(site + "/papers/2511.10001")
                #expect(try await count() == "1")

                // A comment with Markdown and math: rendered, the TeX typeset by KaTeX.
                try await browser.type("#new-comment-body", "Yes: **it holds** with $\\alpha_1 = \\frac{1}{2}$ and `k = 2`.")
                try await browser.click("form.new-comment button[type=submit]")
                #expect(try await browser.waitUntil("return location.hash === '#comment-2' && document.querySelector('#comment-2 .comment-body strong')?.textContent === 'it holds'"))
                #expect(try await browser.waitUntil("return !!document.querySelector('#comment-2 .comment-body .katex')"), "math typeset")
                #expect(try await count() == "2")
                try await browser.screenshot(to: shots + "/comments-1-markdown-math.png")

                // A reply to it.
                try await browser.click("#comment-2 details.reply summary")
                try await browser.type("#comment-2 details.reply textarea", "And with k = 4?")
                try await browser.click("#comment-2 details.reply button[type=submit]")
                #expect(try await browser.waitUntil("return location.hash === '#comment-3' && !!document.querySelector('#comment-3.depth-1')"))
                #expect(try await count() == "3")

                // Edit the reply.
                try await browser.click("#comment-3 details.edit summary")
                try await browser.type("#comment-3 details.edit textarea", "And with *k = 8*?")
                try await browser.click("#comment-3 details.edit button[type=submit]")
                #expect(try await browser.waitUntil("return document.querySelector('#comment-3 .comment-body em')?.textContent === 'k = 8' && document.querySelector('#comment-3 .comment-meta').textContent.includes('edited')"))
                #expect(try await count() == "3")

                // Delete it.
                try await browser.click("#comment-3 form[action$='/delete'] button")
                #expect(try await browser.waitUntil("return document.querySelector('#comment-3 .comment-removed')?.textContent === 'deleted'"))
                #expect(try await count() == "2")

                // Report ada's comment.
                try await browser.click("#comment-1 details.report summary")
                try await browser.type("#comment-1 details.report input[name=reason]", "off topic")
                try await browser.click("#comment-1 details.report button[type=submit]")
                #expect(try await browser.waitUntil("return location.hash === '#comment-1'"))
                #expect(try await count() == "2")
                #expect(try await store.openReports(limit: 10).first?.reasons == ["off topic"])
                try await browser.screenshot(to: shots + "/comments-2-reported.png")

                // The admin hides it from the queue; the page and the listing count it no more.
                try await browser.click("nav.account form.logout button")
                #expect(try await browser.waitUntil("return !document.querySelector('a.me')"))
                try await browser.open(site + "/login")
                try await browser.type("input[name=username]", "ada")
                try await browser.type("input[name=password]", "correct horse battery")
                try await browser.click("section.account-form button[type=submit]")
                #expect(try await browser.waitUntil("return !!document.querySelector('a.me')"))
                try await browser.open(site + "/admin")
                #expect(try await browser.waitUntil("return !!document.querySelector('#report-1')"))
                try await browser.screenshot(to: shots + "/comments-3-admin.png")
                try await browser.type("#report-1 form[action$='/hide'] input[name=reason]", "off topic")
                try await browser.click("#report-1 form[action$='/hide'] button")
                #expect(try await browser.waitUntil("return location.pathname === '/admin' && !document.querySelector('#report-1')"))
                try await browser.open(site + "/papers/2511.10001")
                #expect(try await browser.waitUntil("return document.querySelector('#comment-1 .comment-removed')?.textContent === 'hidden by a moderator'"))
                #expect(try await count() == "1")
                try await browser.open(site + "/date/2025-11-20")
                #expect(try await browser.run("return [...document.querySelectorAll('a.comment-count')].map(a => a.textContent).includes('1 comment')") as? Bool == true)
                #expect(try await store.auditLog(limit: 5).first?.action == "hide-comment")
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }
}
