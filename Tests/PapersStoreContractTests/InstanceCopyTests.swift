import Foundation
import PapersCore
import PapersPostgres
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

@Suite("papers copy: a whole instance, SQLite → PostgreSQL → SQLite")
struct InstanceCopyTests {
    /// A store with a row in every table.
    static func populate(_ store: any PaperStore) async throws {
        let now = ContractData.now
        _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
        _ = try await store.deletePapers([PaperID("hep-th/9901001")!])
        _ = try await store.saveFeatures([PaperFeature(paper: PaperID("2511.10002")!, source: "hf", day: ContractData.day, upvotes: 7)])
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "$2b$12$hash", now: now)
        let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "$2b$12$other", now: now + 1)
        try await store.createSession(tokenHash: Array(repeating: 1, count: 32), account: ada.id, now: now, expiresAt: now + 86_400)
        try await store.createAPIToken(tokenHash: Array(repeating: 2, count: 32), account: bob.id, name: "laptop", now: now)
        _ = try await store.setVote(account: ada.id, paper: PaperID("2511.10001")!, on: true, now: now)
        _ = try await store.setVote(account: bob.id, paper: PaperID("2511.10001")!, on: true, now: now + 2)
        _ = try await store.submit(paper: PaperID("2511.10004")!, account: bob.id, day: ContractData.day, now: now)
        let collection = try await store.createCollection(owner: ada.id, name: "Reading", isPublic: true, now: now)
        _ = try await store.createCollection(owner: ada.id, name: "Private", isPublic: false, now: now)
        try await store.setCollectionItem(collection: collection.id, owner: ada.id, paper: PaperID("2511.10003")!, present: true, now: now)
        _ = try await store.secret(named: "csrf") { Array(repeating: 3, count: 32) }
        let (pending, _) = try await store.requestSubscription(email: try EmailAddress(validating: "grace@example.org"),
                                                               preferences: try DigestPreferences(topics: [try SubscriptionTopic(parsing: "cat:cs.LG")]),
                                                               account: ada.id, now: now, resendAfter: now)
        _ = try await store.confirmSubscription(pending.id, now: now + 5)
        let mail = NewOutboxMail(subscription: pending.id, recipient: try EmailAddress(validating: "grace@example.org"), messageID: "<m@x>",
                                 message: Array("Subject: hi\r\n\r\nbody".utf8), paperCount: 1, createdAt: now + 10)
        _ = try await store.enqueueDigest(mail, period: DigestPeriod(.daily, containing: ContractData.day), papers: [PaperID("2511.10001")!])
        try await store.setDismissal(account: ada.id, paper: PaperID("2511.10002")!, on: true, now: now)
        _ = try await store.addSeeds(account: ada.id, papers: [PaperID("2511.10004")!], now: now)
        try await store.setFilter(account: ada.id, filter: try PersonalFilter(kind: .muteWord, value: "quantum"), on: true, now: now)
        try await store.setPersonalization(account: bob.id, enabled: false)
        try await store.setFeedToken(account: ada.id, tokenHash: Array(repeating: 4, count: 32))
        // Discussion: comments, a report, a decided claim (audit log), a follow, comment mail in the outbox, and the
        // anonymous upvote a deleted account left.
        try await store.setNotificationSettings(account: ada.id, NotificationSettings(replies: true, mentions: true))
        let root = try await store.addComment(NewComment(paper: PaperID("2511.10001")!, parent: nil, author: ada.id, body: "root **x**", clientKey: "k1"),
                                              now: now + 20)
        _ = try await store.addComment(NewComment(paper: PaperID("2511.10001")!, parent: root.comment.id, author: bob.id, body: "@ada reply",
                                                  mentions: ["ada"]), now: now + 21)
        _ = try await store.reportComment(root.comment.id, reporter: bob.id, reason: "spam", now: now + 22)
        let claim = try await store.claimAuthorship(account: bob.id, paper: PaperID("2511.10002")!, authorName: "David Baker", now: now + 23)
        _ = try await store.decideClaim(claim.id, approve: true, actor: ada.id, now: now + 24)
        let notifications = try await store.pendingNotifications(limit: 10).map(\.id)
        _ = try await store.enqueueNotificationMail(NotificationMail(account: ada.id, recipient: "ada@example.org", messageID: "<n@x>",
                                                                     message: Array("Subject: comments\r\n\r\nbody".utf8),
                                                                     notifications: notifications, createdAt: now + 25))
        let cy = try await store.createAccount(name: "cy", email: "cy@example.org", passwordHash: "$2b$12$cy", now: now)
        _ = try await store.setVote(account: cy.id, paper: PaperID("2511.10003")!, on: true, now: now)
        _ = try await store.deleteAccount(cy.id, removeContributions: false, now: now + 26)
        var state = HarvestState(completedThrough: ContractData.day)
        state.recordsReceived = 12
        try await store.saveHarvestState(state, key: "arxiv cs", now: now)
        _ = try await store.acquireLease("harvest", holder: "host:1", seconds: 60, now: now)
        let jobs = try await store.papersToEmbed(model: "m", after: nil, limit: 10)
        // Values half precision holds exactly, so the round trip through halfvec gives back the same floats.
        try await store.saveEmbeddings(jobs.enumerated().map { i, job in
            PaperEmbedding(job: job, vector: (0..<384).map { Float(($0 + i) % 16) / 16 })
        }, model: "m")
    }

    /// Every table of `store`, row by row.
    @Test("every table compares equal after SQLite → PostgreSQL → SQLite, and the copy in PostgreSQL answers like the original")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = try SQLitePaperStore(path: directory.file("original.sqlite"))
        try await Self.populate(original)
        let server = try await PostgresTestServer.shared()
        let postgres = try await PostgresPaperStore(url: try await server.database())
        defer { postgres.close() }
        // Batches of 2 rows: every table is read page by page (keyset paging over one- and three-column keys).
        let there = try await InstanceCopy.copy(from: original, to: postgres, batchSize: 2)
        let back = try SQLitePaperStore(path: directory.file("back.sqlite"))
        let again = try await InstanceCopy.copy(from: postgres, to: back, batchSize: 3)
        #expect(there.rows.map(\.count) == again.rows.map(\.count))
        let before = try await TableDump.rows(original), after = try await TableDump.rows(back)
        for table in TableSpec.all {
            #expect(!(before[table.name] ?? []).isEmpty, "the fixture leaves \(table.name) empty")
            #expect(before[table.name] == after[table.name], "\(table.name) differs after the round trip")
        }
        // The copy is a working instance: same search answers, the next id after the copied ones, sessions valid.
        for query in ["sparse experts", "\"sparse attention\"", "diffus*"] {
            let a = try await original.searchKeyword(KeywordQuery(parsing: query), filters: SearchFilters(), limit: 10, offset: 0).hits.map(\.paper.id)
            let b = try await postgres.searchKeyword(KeywordQuery(parsing: query), filters: SearchFilters(), limit: 10, offset: 0).hits.map(\.paper.id)
            #expect(a == b, "\(query)")
        }
        #expect(try await postgres.sessionAccount(tokenHash: Array(repeating: 1, count: 32), now: ContractData.now)?.name == "ada")
        let carol = try await postgres.createAccount(name: "carol", email: "carol@example.org", passwordHash: "h", now: ContractData.now)
        #expect(carol.id.rawValue == 3)
        // A paper imported into the copy gets the row number the original would have given it.
        let later = [Fixtures.paper("2511.20001", title: "After the copy", listed: "2025-11-20")]
        #expect(try await postgres.upsert(later, defaultDay: ContractData.day).imported == 1)
        _ = try await original.upsert(later, defaultDay: ContractData.day)
        let key = try await postgres.rowKey(of: PaperID("2511.20001")!)
        let originalKey = try await original.rowKey(of: PaperID("2511.20001")!)
        #expect(key != nil && key == originalKey)
    }

    @Test("a target that is not empty is refused before anything is written")
    func nonEmptyTarget() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try SQLitePaperStore(path: directory.file("a.sqlite"))
        try await Self.populate(source)
        let target = try SQLitePaperStore(path: directory.file("b.sqlite"))
        _ = try await target.createAccount(name: "zed", email: "zed@example.org", passwordHash: "h", now: 0)
        await #expect(throws: CopyError.self) { try await InstanceCopy.copy(from: source, to: target) }
        #expect(try await target.paperCount() == 0)
        #expect(try await target.rowCount(of: TableSpec.all.first { $0.name == "account" }!) == 1)
    }
}
