import Foundation
import NIOCore
import NIOPosix
@testable import PapersMail
import PapersCore
import PapersStore
import PapersTestSupport
import Testing

@Suite("Digests delivered exactly once through a real SMTP server")
struct DigestDeliveryTests {
    static func preferences(_ frequency: DigestFrequency = .daily, trending: Bool = false, topics: [SubscriptionTopic] = [.search("diffusion")],
                            include: [String] = [], exclude: [String] = [], max: Int = 20) throws -> DigestPreferences {
        try DigestPreferences(frequency: frequency, trending: trending, topics: topics, include: include, exclude: exclude, maxPapers: max)
    }

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    @Test("subscribe → only the confirmation is sent → confirm → a digest with List-Unsubscribe → unsubscribe → nothing more")
    func confirmDigestUnsubscribe() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        try await MailFixtures.withSMTPServer(dir) { server in
            let desk = try await SubscriptionDesk(store: store, settings: MailFixtures.settings(port: server.port))
            let runner = try await MailFixtures.runner(store, port: server.port)
            let now = MailFixtures.now
            #expect(try await desk.subscribe(email: MailFixtures.address("ada@example.org"), preferences: Self.preferences(), account: nil, now: now) == .confirmationQueued)
            #expect(try await desk.subscribe(email: MailFixtures.address("ada@example.org"), preferences: Self.preferences(), account: nil, now: now + 5) == .confirmationRecentlySent)
            let first = try await runner.run(now: now)
            #expect(first.queued == 0, "a pending subscription gets no digest")
            var received = try server.messages()
            #expect(received.count == 1)
            let confirmation = try #require(received.first)
            #expect(confirmation.header("Subject") == "Confirm your Papers daily digest")
            let link = try #require(confirmation.part("text/plain")?.split(separator: "\r\n").first { $0.hasPrefix("http://papers.test/subscribe/confirm?token=") })
            let token = String(link.split(separator: "=", maxSplits: 1)[1])
            #expect(try await desk.confirm(token: token, now: now + 3 * 86_400) == nil, "the link expires")
            let active = try #require(try await desk.confirm(token: token, now: now + 60))
            #expect(active.status == .active)

            let second = try await runner.run(now: now + 120)
            #expect(second.queued == 1 && second.delivery?.sent == 1)
            received = try server.messages()
            try #require(received.count == 2)
            let digest = received[1]
            #expect(digest.rcptTos == ["ada@example.org"])
            #expect(digest.header("Subject") == "Papers daily: 5 new papers on diffusion (2026-11-24)")
            #expect(digest.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
            let unsubscribe = try #require(digest.header("List-Unsubscribe"))
            #expect(unsubscribe.hasPrefix("<http://papers.test/unsubscribe?token=") && unsubscribe.hasSuffix(">"))
            let text = try #require(digest.part("text/plain"))
            #expect(text.contains("Faster diffusion sampling") && text.contains("http://papers.test/papers/2611.00002"))
            #expect(try #require(digest.part("text/html")).contains("<a href=\"http://papers.test/papers/2611.00002\""))

            let unsubscribeToken = String(unsubscribe.dropFirst("<http://papers.test/unsubscribe?token=".count).dropLast())
            #expect(try await desk.unsubscribe(token: unsubscribeToken, now: now + 200)?.status == .unsubscribed)
            #expect(try await desk.unsubscribe(token: unsubscribeToken + "x", now: now + 200) == nil)
            _ = try await runner.run(now: now + 86_400)
            #expect(try server.messages().count == 2, "nothing after unsubscribing")
        }
    }

    @Test("a digest that would repeat a paper already sent to the subscriber is not queued, and nothing of it is written")
    func enqueueNeverRepeatsAPaper() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        let reader = try await MailFixtures.subscriber(store, "ada@example.org", Self.preferences())
        func mail(_ n: Int) -> NewOutboxMail {
            NewOutboxMail(subscription: reader.id, recipient: reader.email, messageID: "m\(n)@papers.example.org",
                          message: Array("Subject: \(n)\r\n\r\nx".utf8), paperCount: 2, createdAt: MailFixtures.now)
        }
        let today = DigestPeriod(.daily, containing: MailFixtures.today)
        let tomorrow = DigestPeriod(.daily, containing: MailFixtures.today.adding(days: 1))
        let first = [PaperID("2611.00001")!, PaperID("2611.00002")!]
        #expect(try await store.enqueueDigest(mail(1), period: today, papers: first))
        #expect(try await !store.enqueueDigest(mail(2), period: today, papers: [PaperID("2611.00003")!]), "one per period")
        #expect(try await !store.enqueueDigest(mail(3), period: tomorrow, papers: [PaperID("2611.00003")!, PaperID("2611.00002")!]))
        #expect(try await store.outboxCounts()["queued"] == 1)
        #expect(try await store.papersAlreadySent(reader.id, among: [PaperID("2611.00003")!]).isEmpty, "the refused digest left no paper behind")
        #expect(try await store.enqueueDigest(mail(4), period: tomorrow, papers: [PaperID("2611.00003")!]))
    }

    @Test("three reruns in one period: exactly one digest per subscriber")
    func threeReruns() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        for n in 1...5 { try await MailFixtures.subscriber(store, "reader\(n)@example.org", Self.preferences()) }
        try await MailFixtures.subscriber(store, "weekly@example.org", Self.preferences(.weekly))
        try await MailFixtures.withSMTPServer(dir) { server in
            for rerun in 0..<3 {
                let report = try await MailFixtures.runner(store, port: server.port, now: MailFixtures.now + Double(rerun) * 3600).run(now: MailFixtures.now + Double(rerun) * 3600)
                #expect(report.queued == (rerun == 0 ? 6 : 0))
            }
            let counts = MailFixtures.countsByRecipient(try server.messages())
            #expect(counts.count == 6 && counts.values.allSatisfy { $0 == 1 }, "\(counts)")
            #expect(try await store.outboxCounts() == ["queued": 0, "sent": 6, "failed": 0])
        }
    }

    @Test("the SMTP server is down during a run: nothing is marked sent; the next run delivers each digest once")
    func serverDown() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        for n in 1...4 { try await MailFixtures.subscriber(store, "reader\(n)@example.org", Self.preferences()) }
        let port = try await Self.freePort()
        let down = try await MailFixtures.runner(store, port: port).run(now: MailFixtures.now)
        #expect(down.queued == 4)
        #expect(down.delivery?.sent == 0 && down.delivery?.stoppedBecause != nil)
        #expect(try await store.outboxCounts() == ["queued": 4, "sent": 0, "failed": 0])
        let server = try await SMTPTestServer.start(directory: dir.file("mail"), port: port)
        defer { Task { await server.stop() } }
        // Two minutes later the first message's backoff (60 s) has passed; the others were never tried.
        let later = MailFixtures.now + 120
        let up = try await MailFixtures.runner(store, port: port, now: later).run(now: later)
        #expect(up.queued == 0 && up.delivery?.sent == 4)
        let counts = MailFixtures.countsByRecipient(try server.messages())
        #expect(counts == ["reader1@example.org": 1, "reader2@example.org": 1, "reader3@example.org": 1, "reader4@example.org": 1])
        _ = try await MailFixtures.runner(store, port: port, now: later + 60).run(now: later + 60, ignoringBackoff: true)
        #expect(try server.messages().count == 4)
        await server.stop()
    }

    @Test("transient 4xx replies are retried after their backoff, a dropped connection is reopened: each digest once")
    func transientFailures() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        for n in 1...5 { try await MailFixtures.subscriber(store, "reader\(n)@example.org", Self.preferences()) }
        try await MailFixtures.withSMTPServer(dir, options: ["--transient-first", "2", "--drop-at", "4"]) { server in
            let first = try await MailFixtures.runner(store, port: server.port).run(now: MailFixtures.now)
            #expect(first.delivery?.deferred == 2 && first.delivery?.sent == 3, "\(String(describing: first.delivery))")
            let soon = try await MailFixtures.runner(store, port: server.port, now: MailFixtures.now + 10).run(now: MailFixtures.now + 10)
            #expect(soon.delivery?.sent == 0, "backoff not over yet")
            let later = try await MailFixtures.runner(store, port: server.port, now: MailFixtures.now + 120).run(now: MailFixtures.now + 120)
            #expect(later.delivery?.sent == 2)
            let counts = MailFixtures.countsByRecipient(try server.messages())
            #expect(counts.count == 5 && counts.values.allSatisfy { $0 == 1 }, "\(counts)")
        }
    }

    @Test("permanent 5xx: the digest is failed, and bounces in a row pause the subscription; others still get theirs")
    func bounces() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        let gone = try await MailFixtures.subscriber(store, "gone@example.org", Self.preferences())
        try await MailFixtures.subscriber(store, "ada@example.org", Self.preferences())
        try await MailFixtures.withSMTPServer(dir, options: ["--refuse-rcpt", "gone@example.org=550"]) { server in
            for day in 0..<4 {
                let now = MailFixtures.now + Double(day) * 86_400
                var runner = try await MailFixtures.runner(store, port: server.port, now: now)
                runner.sender.pauseAfterBounces = 2
                _ = try await runner.run(now: now)
            }
            #expect(try await store.subscription(gone.id)?.status == .paused)
            #expect(try await store.subscription(gone.id)?.bounces == 2)
            #expect(try await store.outboxCounts()["failed"] == 2, "paused after two: no third attempt")
            #expect(MailFixtures.countsByRecipient(try server.messages()) == ["ada@example.org": 1])
        }
    }

    @Test("selection: followed authors first, topics and trending in turn, include/exclude, the cap, nothing twice, no empty email")
    func selection() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        let account = try await store.createAccount(name: "voter", email: "v@example.org", passwordHash: "x", now: 0)
        _ = try await store.setVote(account: account.id, paper: PaperID("2611.00012")!, on: true, now: MailFixtures.now - 600)
        let selector = DigestSelector(store: store, search: .init(store: store))
        let mixed = try await MailFixtures.subscriber(store, "mixed@example.org", Self.preferences(
            trending: true, topics: [.search("diffusion"), .author("Grace Hopper"), .category("cs.RO")], exclude: ["video"], max: 6))
        let picked = try await selector.select(for: mixed, now: MailFixtures.now)
        let ids = picked.map(\.paper.paper.id.rawValue)
        #expect(ids.count == 6)
        #expect(ids.first == "2611.00007", "the followed author's paper is pinned first")
        #expect(picked.first?.reason == "By Grace Hopper")
        #expect(ids.contains("2611.00012") && picked.contains { $0.reason == "Trending" })
        #expect(!ids.contains("2611.00011") && !ids.contains("2611.00004"), "video papers are excluded")
        #expect(Set(ids).count == ids.count)

        let only = try await MailFixtures.subscriber(store, "only@example.org", Self.preferences(include: ["protein"]))
        #expect(try await selector.select(for: only, now: MailFixtures.now).map(\.paper.paper.id.rawValue) == ["2611.00001"])

        try await MailFixtures.withSMTPServer(dir) { server in
            let nobody = try await MailFixtures.subscriber(store, "nothing@example.org", Self.preferences(topics: [.search("zymurgy")]))
            let report = try await MailFixtures.runner(store, port: server.port).run(now: MailFixtures.now)
            #expect(report.empty == 1 && report.queued == 2)
            #expect(!MailFixtures.countsByRecipient(try server.messages()).keys.contains(nobody.email.value))
            // The next day's window overlaps today's papers: none of them goes to the same reader twice.
            let tomorrow = MailFixtures.now + 86_400
            let next = try await MailFixtures.runner(store, port: server.port, now: tomorrow).run(now: tomorrow)
            let twice = try server.messages().filter { $0.rcptTos == ["mixed@example.org"] }
            #expect(next.queued <= 1)
            let paperLinks = twice.flatMap { mail in
                (mail.part("text/plain") ?? "").split(separator: "\r\n").filter { $0.contains("/papers/") }.map { String($0) }
            }
            #expect(Set(paperLinks).count == paperLinks.count, "no paper twice to one reader: \(paperLinks)")
        }
    }
}
