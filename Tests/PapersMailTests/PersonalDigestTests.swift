import Foundation
@testable import PapersMail
import PapersCore
import PapersRecommend
import PapersStore
import PapersTestSupport
import Testing

@Suite("Digests ranked for you")
struct PersonalDigestTests {
    @Test("a 'for you' digest carries the person's topic first with reasons, honours mutes, and goes out exactly once")
    func personalDigestOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try MailFixtures.store(dir)
        let today = MailFixtures.today
        let papers = TopicalPapers.papers(days: [today.adding(days: -2), today.adding(days: -1), today], perTopic: 5)
        _ = try await store.upsert(papers, defaultDay: today)
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: MailFixtures.now - 86_400)
        for paper in papers where TopicalPapers.topic(of: paper)?.name == "graphs" && paper.listed == today.adding(days: -2) {
            _ = try await store.setVote(account: ada.id, paper: paper.id, on: true, now: MailFixtures.now - 7_200)
        }
        try await store.setFilter(account: ada.id, filter: try PersonalFilter(kind: .muteAuthor, value: "Nils Node"), on: true, now: MailFixtures.now)
        let preferences = try DigestPreferences(frequency: .daily, trending: false, topics: [], maxPapers: 6, forYou: true)
        let request = try await store.requestSubscription(email: MailFixtures.address("ada@example.org"), preferences: preferences, account: ada.id,
                                                          now: MailFixtures.now - 3_600, resendAfter: MailFixtures.now)
        _ = try await store.confirmSubscription(request.subscription.id, now: MailFixtures.now - 3_000)
        #expect(try await store.subscriptions(of: ada.id).first?.preferences.forYou == true, "the choice is stored")
        try await MailFixtures.withSMTPServer(dir) { server in
            var runner = try await MailFixtures.runner(store, port: server.port)
            runner.personal = RecommendationService(store: store, embeddingModel: "none")
            let first = try await runner.run(now: MailFixtures.now)
            #expect(first.queued == 1 && first.delivery?.sent == 1)
            // A second run in the same period, and a rerun after a crash, send nothing more.
            #expect(try await runner.run(now: MailFixtures.now + 60).queued == 0)
            #expect(try await runner.run(now: MailFixtures.now + 600).queued == 0)
            let received = try server.messages()
            try #require(received.count == 1)
            let text = try #require(received[0].part("text/plain"))
            #expect(text.contains("Because you liked “"))
            #expect(text.contains("Not interested: http://papers.test/papers/") && text.contains("#not-interested"))
            let graphs = papers.filter { TopicalPapers.topic(of: $0)?.name == "graphs" && $0.listed != today.adding(days: -2)
                && !$0.authors.contains { $0.name == "Nils Node" } }
            #expect(graphs.count >= 4)
            let linked = papers.filter { text.contains("/papers/\($0.id)") }
            #expect(linked.count == 6)
            #expect(linked.filter { graphs.contains($0) }.count >= 4, "the liked topic leads: \(linked.map(\.title))")
            #expect(!linked.contains { $0.authors.contains { $0.name == "Nils Node" } }, "muted")
            #expect(!linked.contains { $0.listed == today.adding(days: -2) && TopicalPapers.topic(of: $0)?.name == "graphs" }, "already upvoted")
        }
    }

    @Test("'for you' without an account is refused, naming the field")
    func needsAccount() throws {
        #expect(throws: SubscriptionError.self) { try DigestPreferences(trending: false, topics: [], forYou: false) }
        #expect(try DigestPreferences(trending: false, topics: [], forYou: true).summary == "papers ranked for you")
    }
}
