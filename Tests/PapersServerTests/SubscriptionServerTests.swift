import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PapersCore
import PapersMail
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

/// Runs `body` with a live server whose mail worker sends through a real SMTP server on 127.0.0.1.
func withMailingServer(limits: RateLimits = RateLimits(),
                       _ body: @escaping @Sendable (any TestClientProtocol, SMTPTestServer, SQLitePaperStore) async throws -> Void) async throws {
    var server = try await CommunityServer(limits: limits)
    let smtp = try await SMTPTestServer.start(directory: server.directory.file("mail"))
    server.configuration.mail = MailSettings(smtp: SMTPSettings(host: "127.0.0.1", port: smtp.port, connectTimeout: 2, replyTimeout: 10),
                                             from: Mailbox(name: "Papers", address: try EmailAddress(validating: "digest@papers.example.org")),
                                             baseURL: "http://papers.test")
    server.configuration.mailWorker = true
    server.configuration.mailWorkerInterval = 0.5
    let store = server.store
    do {
        try await server.run { client in try await body(client, smtp, store) }
        await smtp.stop()
    } catch {
        await smtp.stop()
        throw error
    }
}

/// Waits (up to 15 s) until the SMTP server holds `count` messages, and returns them.
func waitForMail(_ smtp: SMTPTestServer, count: Int) async throws -> [ReceivedMail] {
    for _ in 0..<150 {
        let messages = try smtp.messages()
        if messages.count >= count { return messages }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try smtp.messages()
}

/// The path and query of a link to http://papers.test.
func localPath(_ url: some StringProtocol) -> String { String(url.dropFirst("http://papers.test".count)) }

@Suite("Email digests on the web: double opt-in, one-click unsubscribe")
struct SubscriptionServerTests {
    @Test("subscribe on /subscribe → confirmation email → confirm page → digest → one-click unsubscribe with no cookie or CSRF token")
    func journey() async throws {
        try await withMailingServer { client, smtp, store in
            var browser = Browser(client)
            let form = try await browser.get("/subscribe")
            #expect(form.status == .ok && form.body.contains("Get trending papers in your email inbox"))
            let results = try await browser.get("/search?q=protein%20%26%20design&mode=keyword")
            #expect(results.body.contains("href=\"/subscribe?topic=protein%20%26%20design\""), "a search offers itself as a digest topic")
            let prefilled = try await browser.get("/subscribe?topic=protein%20%26%20design")
            #expect(prefilled.body.contains(">protein &amp; design</textarea>"))
            let sent = try await browser.post("/subscribe", [("email", "ada@example.org"), ("frequency", "daily"), ("topics", "diffusion\ncat:cs.LG"),
                                                             ("maxPapers", "10")])
            #expect(sent.status == .ok && sent.body.contains("Check your inbox"), "\(sent.body)")
            let confirmation = try #require(try await waitForMail(smtp, count: 1).first)
            #expect(confirmation.rcptTos == ["ada@example.org"])
            let link = try #require(confirmation.part("text/plain")?.split(separator: "\r\n").first { $0.hasPrefix("http://papers.test/subscribe/confirm?token=") })
            try await Task.sleep(for: .milliseconds(800))
            #expect(try smtp.messages().count == 1, "nothing but the confirmation before confirming")

            let page = try await browser.get(localPath(link))
            #expect(page.status == .ok && page.body.contains("Confirm my subscription"))
            let token = String(link.split(separator: "token=")[1])
            let confirmed = try await browser.post("/subscribe/confirm", [("token", token)])
            #expect(confirmed.status == .ok && confirmed.body.contains("Subscribed"), "\(confirmed.body)")

            let messages = try await waitForMail(smtp, count: 2)
            try #require(messages.count == 2)
            let digest = messages[1]
            #expect(digest.header("Subject")?.hasPrefix("Papers daily: ") == true)
            #expect(digest.part("text/plain")?.contains("Diffusion models for protein design") == true)
            var health = ""
            for _ in 0..<50 where !health.contains("\"sent\":2") {
                health = String(buffer: try await client.executeRequest(uri: "/healthz", method: .get, headers: [:], body: nil).body)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(health.contains("\"sent\":2") && health.contains("\"queued\":0"), "/healthz reports the outbox: \(health)")
            let unsubscribe = try #require(digest.header("List-Unsubscribe"))
            #expect(digest.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")

            // What a mail client does for RFC 8058: a POST to the List-Unsubscribe address, no cookies, no CSRF token.
            var mailClient = Browser(client)
            let url = localPath(unsubscribe.dropFirst().dropLast())
            let done = try await mailClient.post(url, [("List-Unsubscribe", "One-Click")], csrf: "")
            #expect(done.status == .ok && done.body.contains("Unsubscribed"), "\(done.status) \(done.body)")
            let id = try #require(SubscriptionID(url.split(separator: "token=")[1].split(separator: ".")[0]))
            #expect(try await store.subscription(id)?.status == .unsubscribed)
            // The link in the email itself shows a page saying so (GET never unsubscribes by itself).
            #expect(try await mailClient.get(url).body.contains("gets no more digests"))
        }
    }

    @Test("bad input is a clear message naming the field and stores nothing; repeats send one confirmation; the API answers JSON")
    func badInputAndRepeats() async throws {
        var limits = RateLimits()
        limits.subscriptionsPerIP = RateLimit(limit: 2, per: 3600)
        try await withMailingServer(limits: limits) { client, smtp, store in
            var browser = Browser(client)
            _ = try await browser.get("/subscribe")
            let bad = try await browser.post("/subscribe", [("email", "ada@example"), ("frequency", "daily"), ("trending", "on")])
            #expect(bad.status == .unprocessableContent && bad.body.contains("email: "))
            let nothing = try await browser.post("/subscribe", [("email", "ada@example.org"), ("frequency", "daily")])
            #expect(nothing.status == .unprocessableContent && nothing.body.contains("topics: choose trending papers"))
            #expect(try await store.outboxCounts() == ["queued": 0, "sent": 0, "failed": 0])

            func api(_ json: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.executeRequest(uri: "/api/subscriptions", method: .post,
                                                               headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
                return (response.status, String(buffer: response.body))
            }
            let first = try await api(#"{"email": "grace@example.org", "frequency": "weekly", "topics": ["cat:cs.LG", {"kind": "author", "value": "Ada Lovelace"}]}"#)
            #expect(first.0 == .accepted && first.1.contains("\"confirmation_sent\""), "\(first)")
            let repeat_ = try await api(#"{"email": "grace@example.org", "frequency": "weekly", "trending": true}"#)
            #expect(repeat_.0 == .accepted && repeat_.1.contains("confirmation_recently_sent"))
            let wrong = try await api(#"{"email": "grace@example.org", "frequency": "hourly", "trending": true}"#)
            #expect(wrong.0 == .unprocessableContent && wrong.1.contains("frequency: choose daily or weekly"), "\(wrong)")
            let limited = try await api(#"{"email": "someone@example.org", "trending": true}"#)
            #expect(limited.0 == .tooManyRequests, "the third accepted request from one address in an hour")
            _ = try await waitForMail(smtp, count: 1)
            try await Task.sleep(for: .milliseconds(800))
            #expect(try smtp.messages().map(\.rcptTos) == [["grace@example.org"]], "one confirmation, whatever the repeats")
        }
    }

    @Test("logged in: the form is filled with the account's address and /subscribe lists the account's subscriptions")
    func loggedIn() async throws {
        try await withMailingServer { client, _, store in
            var browser = Browser(client)
            try await browser.enter("ada", store: store)
            let form = try await browser.get("/subscribe")
            #expect(form.body.contains("value=\"ada@example.org\""))
            _ = try await browser.post("/subscribe", [("email", "ada@example.org"), ("frequency", "weekly"), ("trending", "on")])
            let page = try await browser.get("/subscribe")
            #expect(page.body.contains("Your subscriptions") && page.body.contains("ada@example.org: weekly, trending papers (pending)"), "\(page.body)")
            let account = try #require(try await store.account(named: "ada"))
            #expect(try await store.subscriptions(of: account.id).count == 1)
        }
    }

    @Test("forged or altered tokens are refused on every link and change nothing")
    func forgedTokens() async throws {
        try await withMailingServer { client, _, _ in
            var browser = Browser(client)
            #expect(try await browser.get("/subscribe/confirm?token=1.99999999999.AAAAAAAAAAAAAAAAAAAAAA").status == .badRequest)
            #expect(try await browser.get("/unsubscribe?token=1.0.AAAAAAAAAAAAAAAAAAAAAA").status == .badRequest)
            var mailClient = Browser(client)
            let post = try await mailClient.post("/unsubscribe?token=1.0.AAAAAAAAAAAAAAAAAAAAAA", [("List-Unsubscribe", "One-Click")], csrf: "")
            #expect(post.status == .badRequest)
        }
    }
}
