import Foundation
import PapersCore
import PapersStore
import PapersTestSupport
import Testing
@testable import PapersSQLite

/// A store with five papers over two days and two accounts.
struct CommunityFixture {
    let directory: TemporaryDirectory
    let store: SQLitePaperStore
    let ada: Account
    let bob: Account

    init() async throws {
        directory = try TemporaryDirectory()
        store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        _ = try await store.upsert([
            Fixtures.paper("2511.00001", title: "One", listed: "2025-11-20"),
            Fixtures.paper("2511.00002", title: "Two", listed: "2025-11-20"),
            Fixtures.paper("2511.00003", title: "Three", listed: "2025-11-20"),
            Fixtures.paper("2511.00004", title: "Four", listed: "2025-11-19"),
            Fixtures.paper("2401.00005", title: "Old", listed: "2024-01-05"),
        ], defaultDay: Day("2025-11-20")!)
        ada = try await store.createAccount(name: "Ada", email: "ada@example.org", passwordHash: "x", now: 1)
        bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "y", now: 2)
    }

    static func id(_ text: String) -> PaperID { PaperID(text)! }
}

@Suite("Accounts, votes, submissions and collections in the store")
struct CommunityStoreTests {
    @Test("names and emails are unique whatever their case; credentials by name or email")
    func accounts() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        await #expect(throws: CommunityError.nameTaken("ADA")) {
            _ = try await f.store.createAccount(name: "ADA", email: "other@example.org", passwordHash: "z", now: 3)
        }
        await #expect(throws: CommunityError.emailTaken) {
            _ = try await f.store.createAccount(name: "carol", email: "BOB@example.org", passwordHash: "z", now: 3)
        }
        #expect(try await f.store.credentials(login: "ada")?.account.id == f.ada.id)
        #expect(try await f.store.credentials(login: "Bob@Example.org")?.passwordHash == "y")
        #expect(try await f.store.credentials(login: "nobody") == nil)
    }

    @Test("sessions end at their expiry and when deleted")
    func sessions() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        let token = Array("session-1".utf8)
        try await f.store.createSession(tokenHash: token, account: f.ada.id, now: 100, expiresAt: 200)
        #expect(try await f.store.sessionAccount(tokenHash: token, now: 150)?.name == "Ada")
        #expect(try await f.store.sessionAccount(tokenHash: token, now: 201) == nil)
        try await f.store.deleteSession(tokenHash: token, now: 150)
        #expect(try await f.store.sessionAccount(tokenHash: token, now: 150) == nil)
    }

    @Test("an upvote is one per account and paper, idempotent both ways, and unknown papers are refused")
    func votes() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        let one = CommunityFixture.id("2511.00001")
        #expect(try await f.store.setVote(account: f.ada.id, paper: one, on: true, now: 10) == 1)
        #expect(try await f.store.setVote(account: f.ada.id, paper: one, on: true, now: 11) == 1)
        #expect(try await f.store.setVote(account: f.bob.id, paper: one, on: true, now: 12) == 2)
        #expect(try await f.store.setVote(account: f.ada.id, paper: one, on: false, now: 13) == 1)
        #expect(try await f.store.setVote(account: f.ada.id, paper: one, on: false, now: 14) == 1)
        await #expect(throws: CommunityError.unknownPaper(CommunityFixture.id("2511.09999"))) {
            _ = try await f.store.setVote(account: f.ada.id, paper: CommunityFixture.id("2511.09999"), on: true, now: 15)
        }
        let standing = try await f.store.rankedPapers([one], viewer: f.bob.id)
        #expect(standing.first?.votes == 1 && standing.first?.viewerVoted == true)
        #expect(try await f.store.rankedPapers([one], viewer: f.ada.id).first?.viewerVoted == false)
        #expect(try await f.store.upvotedPapers(of: f.bob.id, viewer: nil, limit: 10).map(\.paper.title) == ["One"])
        // Deleting the paper takes its votes with it.
        _ = try await f.store.deletePapers([one])
        #expect(try await f.store.upvotedPapers(of: f.bob.id, viewer: nil, limit: 10).isEmpty)
    }

    @Test("a day's page lists featured papers first, each group by local plus external upvotes")
    func dailyPage() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        let day = Day("2025-11-20")!
        // "Old" is submitted to the 20th; "Two" was featured on Hugging Face with 3 upvotes.
        #expect(try await f.store.submit(paper: CommunityFixture.id("2401.00005"), account: f.ada.id, day: day, now: 50) == .submitted)
        _ = try await f.store.saveFeatures([PaperFeature(paper: CommunityFixture.id("2511.00002"), source: "huggingface", day: day, upvotes: 3)])
        _ = try await f.store.setVote(account: f.ada.id, paper: CommunityFixture.id("2401.00005"), on: true, now: 51)
        for account in [f.ada.id, f.bob.id] {
            _ = try await f.store.setVote(account: account, paper: CommunityFixture.id("2511.00003"), on: true, now: 52)
        }
        let page = try await f.store.dailyPage(day, viewer: f.bob.id, limit: 10, offset: 0)
        #expect(page.map(\.paper.title) == ["Two", "Old", "Three", "One"])
        #expect(page.map(\.totalUpvotes) == [3, 1, 2, 0])
        #expect(page[0].externalUpvotes == 3 && page[0].votes == 0)
        #expect(page[1].submitter == "Ada" && page[2].viewerVoted)
        #expect(try await f.store.paperCount(on: day) == 4)
        // A second submission of the same paper, or of a featured one, is a duplicate naming where it is.
        #expect(try await f.store.submit(paper: CommunityFixture.id("2401.00005"), account: f.bob.id, day: day.adding(days: 1), now: 60)
                == .duplicate(day: day, submitter: "Ada"))
        #expect(try await f.store.submit(paper: CommunityFixture.id("2511.00002"), account: f.bob.id, day: day, now: 61)
                == .duplicate(day: day, submitter: nil))
        // The weekly view holds only featured papers, most upvoted first; by submitter only the submitted one.
        let week = DayRange.isoWeek("2025-W47")!
        #expect(try await f.store.featuredPapers(in: week, submitter: nil, newestFirst: false, viewer: nil, limit: 10, offset: 0)
                    .map(\.paper.title) == ["Two", "Old"])
        #expect(try await f.store.featuredPapers(in: week, submitter: "ada", newestFirst: false, viewer: nil, limit: 10, offset: 0)
                    .map(\.paper.title) == ["Old"])
        #expect(try await f.store.submissions(of: f.ada.id, viewer: nil, limit: 5).map(\.paper.title) == ["Old"])
    }

    @Test("collections: private ones stay private, items toggle, only the owner changes them")
    func collections() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        let reading = try await f.store.createCollection(owner: f.ada.id, name: "Reading <list>", isPublic: false, now: 5)
        await #expect(throws: CommunityError.collectionExists("Reading <list>")) {
            _ = try await f.store.createCollection(owner: f.ada.id, name: "Reading <list>", isPublic: true, now: 6)
        }
        let one = CommunityFixture.id("2511.00001")
        try await f.store.setCollectionItem(collection: reading.id, owner: f.ada.id, paper: one, present: true, now: 7)
        try await f.store.setCollectionItem(collection: reading.id, owner: f.ada.id, paper: one, present: true, now: 8)
        await #expect(throws: CommunityError.unknownCollection(reading.id)) {
            try await f.store.setCollectionItem(collection: reading.id, owner: f.bob.id, paper: one, present: false, now: 9)
        }
        let stored = try #require(try await f.store.collection(reading.id))
        #expect(stored.paperCount == 1 && !stored.isPublic && stored.ownerName == "Ada")
        #expect(stored.isVisible(to: f.ada.id) && !stored.isVisible(to: f.bob.id) && !stored.isVisible(to: nil))
        #expect(try await f.store.collections(of: f.ada.id, includePrivate: false).isEmpty)
        #expect(try await f.store.collections(of: f.ada.id, includePrivate: true).map(\.name) == ["Reading <list>"])
        #expect(try await f.store.collectionsHolding(one, owner: f.ada.id) == [reading.id])
        try await f.store.setCollectionItem(collection: reading.id, owner: f.ada.id, paper: one, present: false, now: 10)
        #expect(try await f.store.collectionPapers(reading.id, viewer: nil, limit: 10, offset: 0).isEmpty)
    }

    @Test("trending candidates: upvoted papers that entered recently")
    func trendingCandidates() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        let since = Double(Day("2025-11-19")!.daysSinceEpoch) * 86_400
        for id in ["2511.00001", "2511.00004", "2401.00005"] {
            _ = try await f.store.setVote(account: f.ada.id, paper: CommunityFixture.id(id), on: true, now: since + 10)
        }
        // "Old" (2024) entered long ago, unless someone submits it now.
        #expect(Set(try await f.store.trendingCandidates(since: since, viewer: nil).map(\.paper.title)) == ["One", "Four"])
        _ = try await f.store.submit(paper: CommunityFixture.id("2401.00005"), account: f.bob.id, day: Day("2025-11-20")!, now: since + 86_400)
        #expect(Set(try await f.store.trendingCandidates(since: since, viewer: nil).map(\.paper.title)) == ["One", "Four", "Old"])
    }

    @Test("an instance secret is made once and then kept")
    func secrets() async throws {
        let f = try await CommunityFixture()
        defer { f.directory.remove() }
        let first = try await f.store.secret(named: "csrf") { [1, 2, 3] }
        let second = try await f.store.secret(named: "csrf") { [9, 9, 9] }
        #expect(first == [1, 2, 3] && second == [1, 2, 3])
    }
}
