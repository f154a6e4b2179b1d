import Foundation
import Hummingbird
import HummingbirdTesting
import PapersCore
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing

/// `make test` installs Chromium and chromedriver and sets PAPERS_REQUIRE_BROWSER=1, so there the test always runs;
/// a plain `swift test` on a machine without them skips it.
private let browserAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    || ProcessInfo.processInfo.environment["PAPERS_REQUIRE_BROWSER"] == "1"

@Suite("In a real browser")
struct BrowserTests {
    @Test("headless Chromium: sign up → search → upvote without a reload → trending → log out; focus visible; fits a phone",
          .enabled(if: browserAvailable), .timeLimit(.minutes(3)))
    func journey() async throws {
        let shots = SharedData.repositoryRoot.appendingPathComponent(".build/screenshots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let server = try await CommunityServer()
        let store = server.store
        let profile = try TemporaryDirectory()
        defer { profile.remove() }
        try await server.run { client in
            let site = "http://127.0.0.1:\(try #require(client.port))"
            let browser = try await WebDriver.start(userDataDirectory: profile.path)
            do {
                // Sign up.
                try await browser.fillSignUp(site: site, name: "ada")
                try await browser.screenshot(to: shots + "/1-signup.png")
                try await browser.click("section.account-form button[type=submit]")
                #expect(try await browser.waitUntil("return document.querySelector('a.me') && document.querySelector('a.me').textContent === 'ada'"))

                // Search from the header.
                try await browser.type("header form.search input[name=q]", "protein diffusion")
                try await browser.click("header form.search button")
                #expect(try await browser.waitUntil("return location.pathname === '/search' && document.body.innerText.includes('Diffusion models for protein design')"))
                // The words typed come back as typed (a GET form sends spaces as +).
                #expect(try await browser.run("return document.querySelector('header form.search input').value") as? String == "protein diffusion")
                try await browser.screenshot(to: shots + "/2-search.png")

                // Upvote: the script posts it and updates the button; the page is not reloaded (the marker survives).
                _ = try await browser.run("window.__notReloaded = true; return true")
                try await browser.click("article.paper form.vote button")
                #expect(try await browser.waitUntil("""
                    const b = document.querySelector('article.paper form.vote button');
                    return b.getAttribute('aria-pressed') === 'true' && b.querySelector('.count').textContent === '1'
                    """))
                #expect(try await browser.run("return window.__notReloaded === true") as? Bool == true)
                try await browser.screenshot(to: shots + "/3-upvoted.png")
                #expect(try await store.rankedPapers([PaperID("2511.10002")!], viewer: nil).first?.votes == 1)

                // Trending shows it, with the formula.
                try await browser.click("nav.main a[href='/trending']")
                #expect(try await browser.waitUntil("return location.pathname === '/trending' && document.body.innerText.includes('Diffusion models for protein design')"))
                #expect(try await browser.run("return document.querySelector('.footnote').innerText") as? String ?? "" != "")
                try await browser.screenshot(to: shots + "/4-trending.png")

                // Keyboard focus is visible: tab to the first link and read its outline.
                _ = try await browser.run("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); return true")
                try await browser.keys("\u{E004}\u{E004}")
                let outline = try await browser.run("return getComputedStyle(document.activeElement).outlineStyle") as? String
                let focused = try await browser.run("return document.activeElement.outerHTML") as? String ?? ""
                #expect(outline == "solid", "focused \(focused)")

                // Log out.
                try await browser.click("nav.account form.logout button")
                #expect(try await browser.waitUntil("return !document.querySelector('a.me') && document.body.innerText.includes('Log in')"))
                try await browser.screenshot(to: shots + "/5-logged-out.png")

                // On a phone-sized window the day page fits without sideways scrolling.
                try await browser.setWindow(width: 390, height: 844)
                try await browser.open(site + "/date/2025-11-20")
                #expect(try await browser.waitUntil("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
                try await browser.screenshot(to: shots + "/6-phone.png")
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }

    @Test("headless Chromium: sign up → upvote five papers on one topic → /for-you puts it first with 'Because you liked' → Not interested removes a paper without a reload",
          .enabled(if: browserAvailable), .timeLimit(.minutes(3)))
    func forYouJourney() async throws {
        let shots = SharedData.repositoryRoot.appendingPathComponent(".build/screenshots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let server = try await personalServer()
        let profile = try TemporaryDirectory()
        defer { profile.remove() }
        let yesterday = CommunityServer.today.adding(days: -1)
        let reinforcement = PersonalServerTests.ids("reinforcement", on: yesterday)
        let todays = Set(PersonalServerTests.ids("reinforcement", on: CommunityServer.today))
        try await server.run { client in
            let site = "http://127.0.0.1:\(try #require(client.port))"
            let browser = try await WebDriver.start(userDataDirectory: profile.path)
            do {
                try await browser.fillSignUp(site: site, name: "ada")
                try await browser.click("section.account-form button[type=submit]")
                #expect(try await browser.waitUntil("return document.querySelector('a.me') !== null"))
                // Upvote five papers of one topic on yesterday's page, with the buttons' script.
                try await browser.open(site + "/date/\(yesterday)")
                for id in reinforcement.prefix(5) {
                    let button = "form.vote:has(input[name=paper][value='\(id)']) button"
                    try await browser.click(button)
                    #expect(try await browser.waitUntil("return document.querySelector(\"\(button)\").getAttribute('aria-pressed') === 'true'"))
                }
                // For you, today: that topic first, each with its reason.
                try await browser.click("nav.main a[href='/for-you']")
                #expect(try await browser.waitUntil("return location.pathname === '/for-you' && document.querySelectorAll('article.paper').length > 5"))
                let top = try await browser.run("""
                    return Array.from(document.querySelectorAll('article.paper')).slice(0, 5).map(a => a.querySelector('input[name=paper]').value)
                    """) as? [String] ?? []
                #expect(top.count == 5 && top.allSatisfy(todays.contains), "top \(top)")
                let reason = try await browser.run("return document.querySelector('article.paper p.reason').innerText") as? String ?? ""
                #expect(reason.hasPrefix("Because you liked “"))
                try await browser.screenshot(to: shots + "/7-for-you.png")
                // Not interested: the card goes, the page is not reloaded, and it stays gone after a reload.
                _ = try await browser.run("window.__notReloaded = true; return true")
                let first = try #require(top.first)
                try await browser.click("article.paper form.dismiss button")
                #expect(try await browser.waitUntil("return !document.querySelector(\"article.paper input[name=paper][value='\(first)']\")"))
                #expect(try await browser.run("return window.__notReloaded === true") as? Bool == true)
                try await browser.screenshot(to: shots + "/8-not-interested.png")
                try await browser.open(site + "/for-you")
                #expect(try await browser.waitUntil("return document.querySelectorAll('article.paper').length > 0"))
                #expect(try await browser.run("return document.querySelector(\"article.paper input[name=paper][value='\(first)']\") === null") as? Bool == true)
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
        }
    }
}

extension WebDriver {
    /// Opens the sign-up page and fills it in (the caller submits).
    func fillSignUp(site: String, name: String) async throws {
        try await open(site + "/signup")
        try await type("input[name=username]", name)
        try await type("input[name=email]", "\(name)@example.org")
        try await type("input[name=password]", "correct horse battery")
    }
}
