import Foundation
import PapersCore
import PapersRecommend
import PapersStore
import PapersTestSupport
import PropertyBased
import Testing
import PapersSQLite

/// A store with three topics over three days and one account, for the service tests.
struct RankingFixture {
    static let days = [TestClock.today.adding(days: -2), TestClock.today.adding(days: -1), TestClock.today]
    let directory: TemporaryDirectory
    let store: SQLitePaperStore
    let papers: [Paper]
    let account: Account
    let service: RecommendationService

    init() async throws {
        directory = try TemporaryDirectory()
        store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        papers = TopicalPapers.papers(days: Self.days, perTopic: 8)
        _ = try await store.upsert(papers, defaultDay: TestClock.today)
        account = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: TestClock.now - 86_400)
        service = RecommendationService(store: store, embeddingModel: "none")
    }

    func papers(of topic: String, on day: Day) -> [Paper] {
        papers.filter { TopicalPapers.topic(of: $0)?.name == topic && $0.listed == day }
    }

    func upvote(_ papers: [Paper], at offset: Double = 0) async throws {
        for (i, paper) in papers.enumerated() {
            _ = try await store.setVote(account: account.id, paper: paper.id, on: true, now: TestClock.now - 3_600 + Double(i) + offset)
        }
    }
}

@Suite("Personal ranking: the model, reasons, mutes and dismissals")
struct PersonalRankingTests {
    @Test("five upvotes on one topic put that topic first the next day, each with the liked paper it resembles")
    func topicFirst() async throws {
        let f = try await RankingFixture()
        defer { f.directory.remove() }
        let liked = Array(f.papers(of: "diffusion", on: RankingFixture.days[0]).prefix(5))
        try await f.upvote(liked)
        let result = try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 8)
        #expect(result.likedCount == 5 && result.candidates == 24)
        #expect(result.recommendations.count == 8)
        let topics = result.recommendations.prefix(5).map { TopicalPapers.topic(of: $0.paper)?.name }
        #expect(topics.allSatisfy { $0 == "diffusion" }, "got \(topics)")
        for r in result.recommendations.prefix(5) {
            guard case .similar(let id, let title) = r.reason else { Issue.record("no reason for \(r.paper.id)"); continue }
            #expect(liked.map(\.id).contains(id) && liked.contains { $0.title == title })
        }
    }

    @Test("a dismissed paper never comes back, and dismissing teaches the model")
    func dismissedNeverReturns() async throws {
        let f = try await RankingFixture()
        defer { f.directory.remove() }
        try await f.upvote(Array(f.papers(of: "diffusion", on: RankingFixture.days[0]).prefix(3)))
        let before = try await f.service.recommend(.account(f.account.id), days: RankingFixture.days[1]...TestClock.today, limit: 100)
        let gone = try #require(before.recommendations.first).paper
        try await f.store.setDismissal(account: f.account.id, paper: gone.id, on: true, now: TestClock.now)
        for range in [TestClock.today...TestClock.today, RankingFixture.days[1]...TestClock.today, RankingFixture.days[0]...TestClock.today] {
            let after = try await f.service.recommend(.account(f.account.id), days: range, limit: 100)
            #expect(!after.recommendations.contains { $0.paper.id == gone.id })
        }
        // Liked papers are not recommended back either.
        let again = try await f.service.recommend(.account(f.account.id), days: RankingFixture.days[0]...TestClock.today, limit: 100)
        let liked = Set(try await f.store.personalSignals(account: f.account.id).liked.map(\.paper))
        #expect(again.recommendations.allSatisfy { !liked.contains($0.paper.id) })
    }

    @Test("muted authors, categories and words never appear, whatever is muted and liked", .timeLimit(.minutes(2)))
    func mutesNeverAppear() async throws {
        let f = try await RankingFixture()
        defer { f.directory.remove() }
        try await f.upvote(Array(f.papers(of: "diffusion", on: RankingFixture.days[0]).prefix(4))
                           + Array(f.papers(of: "graphs", on: RankingFixture.days[0]).prefix(2)))
        let authors = TopicalPapers.topics.flatMap(\.authors) + ["Coauthor 7", "Coauthor 30"]
        let categories = TopicalPapers.topics.map(\.category)
        let words = TopicalPapers.topics.flatMap(\.words)
        let rules = try authors.map { try PersonalFilter(kind: .muteAuthor, value: $0.uppercased()) }
            + categories.map { try PersonalFilter(kind: .muteCategory, value: $0) }
            + words.map { try PersonalFilter(kind: .muteWord, value: $0.capitalized) }
        await propertyCheck(count: 25, input: Gen<Int>.int(in: 0...(rules.count - 1)).array(of: 1...4)) { picks in
            let filters = picks.map { rules[$0] }
            do {
                for existing in try await f.store.personalSignals(account: f.account.id).filters {
                    try await f.store.setFilter(account: f.account.id, filter: existing, on: false, now: TestClock.now)
                }
                for rule in filters { try await f.store.setFilter(account: f.account.id, filter: rule, on: true, now: TestClock.now) }
                let result = try await f.service.recommend(.account(f.account.id), days: RankingFixture.days[0]...TestClock.today, limit: 200)
                for r in result.recommendations {
                    let text = (r.paper.title + " " + r.paper.abstract).lowercased()
                    for rule in filters {
                        switch rule.kind {
                        case .muteAuthor: #expect(!r.paper.authors.contains { $0.name.lowercased() == rule.value.lowercased() })
                        case .muteCategory: #expect(!r.paper.categories.contains(rule.value))
                        case .muteWord: #expect(!text.split(whereSeparator: { !$0.isLetter }).contains { $0 == rule.value.lowercased() })
                        default: break
                        }
                    }
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("with nothing liked there is nothing to rank; a followed author alone is enough, and says so")
    func emptyAndFollowed() async throws {
        let f = try await RankingFixture()
        defer { f.directory.remove() }
        let empty = try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 10)
        #expect(empty.noSignals && empty.recommendations.isEmpty)
        try await f.store.setFilter(account: f.account.id, filter: try PersonalFilter(kind: .followAuthor, value: "rita reward"), on: true, now: TestClock.now)
        let followed = try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 4)
        #expect(!followed.noSignals)
        #expect(followed.recommendations.first?.reason == .followedAuthor("rita reward"))
        #expect(followed.recommendations.first?.paper.authors.contains { $0.name == "Rita Reward" } == true)
    }

    @Test("turned off, nothing is ranked; a reset forgets likes before it but keeps them public")
    func offAndReset() async throws {
        let f = try await RankingFixture()
        defer { f.directory.remove() }
        try await f.upvote(Array(f.papers(of: "graphs", on: RankingFixture.days[0]).prefix(3)))
        try await f.store.setPersonalization(account: f.account.id, enabled: false)
        #expect(try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 5).disabled)
        try await f.store.setPersonalization(account: f.account.id, enabled: true)
        #expect(try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 5).likedCount == 3)
        try await f.store.resetPersonalization(account: f.account.id, now: TestClock.now)
        let reset = try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 5)
        #expect(reset.noSignals && reset.likedCount == 0)
        let graphs = f.papers(of: "graphs", on: RankingFixture.days[0])
        #expect(try await f.store.rankedPapers([graphs[0].id], viewer: nil).first?.votes == 1)
        // Upvotes after the reset count again.
        try await f.upvote([graphs[5]], at: 7_200)
        #expect(try await f.service.recommend(.account(f.account.id), days: TestClock.today...TestClock.today, limit: 5).likedCount == 1)
    }

    @Test("an ad-hoc profile (papers recommend) ranks like an account, and its dislikes are never shown")
    func adHocProfile() async throws {
        let f = try await RankingFixture()
        defer { f.directory.remove() }
        let liked = f.papers(of: "reinforcement", on: RankingFixture.days[0]).prefix(3).map(\.id)
        let disliked = f.papers(of: "reinforcement", on: TestClock.today)[0].id
        let result = try await f.service.recommend(.adHoc(liked: liked, disliked: [disliked]), days: TestClock.today...TestClock.today, limit: 7)
        #expect(result.recommendations.prefix(5).allSatisfy { TopicalPapers.topic(of: $0.paper)?.name == "reinforcement" })
        #expect(!result.recommendations.contains { $0.paper.id == disliked })
    }
}

@Suite("Personal ranking: the learning parts")
struct PersonalModelTests {
    @Test("the classifier separates two clusters and ranks by distance to the positive one")
    func classifierSeparates() {
        var random = SplitMix64(seed: 3)
        func point(_ centre: Float) -> FeatureVector {
            FeatureVector(dense: (0..<8).map { _ in centre + Float(Int(random.next() % 1000) - 500) / 2_000 })
        }
        let positives = (0..<20).map { _ in point(1) }, negatives = (0..<200).map { _ in point(-1) }
        let model = LinearClassifier().fit(positives + negatives, positive: positives.map { _ in true } + negatives.map { _ in false },
                                           cost: [Float](repeating: 1, count: 220), denseCount: 8, sparseCount: 0)
        #expect(positives.allSatisfy { model.score($0) > 0 } && negatives.allSatisfy { model.score($0) < 0 })
        #expect(model.score(point(2)) > model.score(point(0.5)))
        // One class only: no model, all zeros.
        let none = LinearClassifier().fit(positives, positive: positives.map { _ in true }, cost: positives.map { _ in 1 }, denseCount: 8, sparseCount: 0)
        #expect(none.dense.allSatisfy { $0 == 0 })
    }

    @Test("the vocabulary keeps words and pairs within its document limits, and features are unit length")
    func vocabulary() {
        let documents = (0..<40).map { "graph neural networks paper \($0 % 4 == 0 ? "spectral coloring" : "message passing") rare\($0)" }
        var settings = TermVocabulary.Settings()
        settings.minimumDocuments = 2
        settings.maximumDocumentFraction = 0.5
        let vocabulary = TermVocabulary(documents: documents, settings: settings)
        let spectral = vocabulary.features("spectral coloring of graphs")
        #expect(spectral.ids.count == 3, "spectral, colour, and the pair")
        #expect(abs(spectral.values.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
        #expect(vocabulary.features("graph neural networks").ids.isEmpty, "in every document: dropped")
        #expect(vocabulary.features("rare7").ids.isEmpty, "in one document: dropped")
    }

    @Test("diversity lets a second sub-topic in, and off it is the plain score order")
    func diversity() {
        let a: [Float] = [1, 0], b: [Float] = [0, 1]
        let scores: [Float] = [3, 2.9, 2.8, 2.7, 1]
        let embeddings = [a, a, a, a, b]
        #expect(PersonalRanking.diversified(scores: scores, embeddings: embeddings, diversity: 0, limit: 3) == [0, 1, 2])
        let mixed = PersonalRanking.diversified(scores: scores, embeddings: embeddings, diversity: 3, limit: 3)
        #expect(mixed.first == 0 && mixed.contains(4))
    }
}
