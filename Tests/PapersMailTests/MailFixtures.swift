import Foundation
import Logging
@testable import PapersMail
import PapersCore
import PapersSearch
import PapersStore
import PapersTestSupport
import PapersSQLite

/// Stores, papers, subscribers and runners for the mail suites; time is pinned to Tuesday 24 November 2026, 07:00 UTC.
enum MailFixtures {
    static let now = 1_795_503_600.0
    static var today: Day { Day(unixTime: now) }

    static func store(_ dir: TemporaryDirectory) throws -> SQLitePaperStore {
        try SQLitePaperStore(path: dir.file("papers.sqlite"))
    }

    static func address(_ text: String) -> EmailAddress { try! EmailAddress(validating: text) }

    static func settings(port: Int, security: SMTPSettings.Security = .none) -> MailSettings {
        MailSettings(smtp: SMTPSettings(host: "127.0.0.1", port: port, security: security, connectTimeout: 2, replyTimeout: 10),
                     from: Mailbox(name: "Papers", address: address("digest@papers.example.org")), baseURL: "http://papers.test")
    }

    /// Twelve papers announced today and yesterday: diffusion, transformers, robotics and a few by Ada Lovelace.
    static func papers() -> [Paper] {
        let day = today.description, yesterday = today.adding(days: -1).description
        return [
            Fixtures.paper("2611.00001", title: "Diffusion models for protein design", abstract: "We train diffusion models on protein structures.", categories: ["q-bio.BM", "cs.LG"], listed: day),
            Fixtures.paper("2611.00002", title: "Faster diffusion sampling", abstract: "A sampler for diffusion models with fewer steps.", categories: ["cs.LG"], listed: day),
            Fixtures.paper("2611.00003", title: "Transformers that read tables", abstract: "Attention over rows and columns.", categories: ["cs.CL"], listed: day),
            Fixtures.paper("2611.00004", title: "Robot grasping from video", abstract: "Robots learn grasping from human video.", authors: ["Ada Lovelace", "Alan Turing"], categories: ["cs.RO"], listed: day),
            Fixtures.paper("2611.00005", title: "Diffusion policies for robots", abstract: "Diffusion models as robot policies.", categories: ["cs.RO"], listed: day),
            Fixtures.paper("2611.00006", title: "A survey of sparse attention", abstract: "Sparse attention in transformers, surveyed.", categories: ["cs.LG"], listed: yesterday),
            Fixtures.paper("2611.00007", title: "Quantum error correction codes", abstract: "New surface codes.", authors: ["Grace Hopper"], categories: ["quant-ph"], listed: day),
            Fixtures.paper("2611.00008", title: "Graph neural networks for molecules", abstract: "Message passing on molecules.", categories: ["cs.LG"], listed: day),
            Fixtures.paper("2611.00009", title: "Retrieval-augmented diffusion", abstract: "Diffusion models with retrieval of examples.", categories: ["cs.CV"], listed: day),
            Fixtures.paper("2611.00010", title: "Scaling laws for robot learning", abstract: "More data helps robots.", categories: ["cs.RO"], listed: yesterday),
            Fixtures.paper("2611.00011", title: "Video diffusion at scale", abstract: "Diffusion models for long video.", categories: ["cs.CV"], listed: day),
            Fixtures.paper("2611.00012", title: "Optimisers for transformers", abstract: "Adam variants for transformers.", categories: ["cs.LG"], listed: day),
        ]
    }

    /// A store holding ``papers()``.
    static func storeWithPapers(_ dir: TemporaryDirectory) async throws -> SQLitePaperStore {
        let store = try Self.store(dir)
        _ = try await store.upsert(papers(), defaultDay: today)
        return store
    }

    /// A confirmed subscription.
    @discardableResult
    static func subscriber(_ store: any PaperStore, _ email: String, _ preferences: DigestPreferences) async throws -> Subscription {
        let request = try await store.requestSubscription(email: address(email), preferences: preferences, account: nil, now: now - 3600, resendAfter: now)
        return try await store.confirmSubscription(request.subscription.id, now: now - 3000)!
    }

    static func runner(_ store: any PaperStore, port: Int, now: Double = MailFixtures.now) async throws -> DigestRunner {
        var logger = Logger(label: "test.mail")
        logger.logLevel = .critical
        return try await DigestRunner(store: store, search: SearchService(store: store), settings: settings(port: port),
                                      transport: SMTPTransport(settings: settings(port: port).smtp), now: { now }, logger: logger)
    }

    /// Starts a test SMTP server storing into a folder of `dir`, runs `body`, and stops it.
    static func withSMTPServer<T>(_ dir: TemporaryDirectory, name: String = "mail", options: [String] = [],
                                  _ body: (SMTPTestServer) async throws -> T) async throws -> T {
        let server = try await SMTPTestServer.start(directory: dir.file(name), options: options)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Recipient → number of messages received.
    static func countsByRecipient(_ messages: [ReceivedMail]) -> [String: Int] {
        messages.reduce(into: [:]) { counts, mail in for rcpt in mail.rcptTos { counts[rcpt, default: 0] += 1 } }
    }
}
