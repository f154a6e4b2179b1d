import Foundation
import PapersCore
import PapersIngest
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

/// Politeness scaled down for loopback tests.
let testPoliteness = Politeness(minimumInterval: .milliseconds(10), maximumAttempts: 3, initialBackoff: .milliseconds(10),
                                maximumRetryAfter: .seconds(5), requestTimeout: .seconds(10))

func testRecords(_ count: Int, first: Int = 1, datestamp: String = "2026-11-23") -> [TestArxivRecord] {
    TestArxivRecord.batch(count, first: first, datestamp: datestamp)
}

@Suite("Harvesting arXiv over OAI-PMH from a local repository")
struct HarvestTests {
    struct Fixture {
        let dir: TemporaryDirectory
        let store: SQLitePaperStore
        let client: PoliteHTTPClient
        var harvester: Harvester { Harvester(store: store, client: client, clock: TestClock.clock) }

        init(politeness: Politeness = testPoliteness) throws {
            dir = try TemporaryDirectory()
            store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
            client = PoliteHTTPClient(contact: "ops@example.org", politeness: politeness)
        }

        func ids() async throws -> [String] {
            var all: [String] = []
            for summary in try await store.latestDays(limit: 100) {
                all += try await store.papers(on: summary.day, limit: 10_000, offset: 0).map(\.id.rawValue)
            }
            return all.sorted()
        }
    }

    @Test("several pages linked by resumption tokens end with every paper, once, on its announcement day")
    func pages() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(10), pageSize: 3)
        let progress = ProgressLog()
        let report = try await withOAIPMHServer(repository) { endpoint in
            try await f.harvester.harvest(HarvestRequest(endpoint: endpoint, set: "cs"), onProgress: { progress.add($0) })
        }
        #expect(report.pages == 4)
        #expect(report.counts.imported == 10)
        #expect(try await f.ids() == testRecords(10).map(\.id))
        #expect(try await f.store.paperCount(on: Day("2026-11-23")!) == 10)
        #expect(progress.all.map(\.received) == [3, 6, 9, 10])
        #expect(progress.all.allSatisfy { $0.completeListSize == 10 })
        let requests = await repository.requests
        #expect(requests.first == "from=2026-11-21&metadataPrefix=arXiv&set=cs&verb=ListRecords", "first run: 3 days back")
        #expect(requests.dropFirst().allSatisfy { $0.hasPrefix("resumptionToken=") })
        let agents = await repository.userAgents
        #expect(agents.count == 1 && agents.first!.contains("Papers/") && agents.first!.contains("mailto:ops@example.org"))
        let states = try await f.store.harvestStates()
        #expect(states.count == 1)
        let state = try #require(states.values.first)
        #expect(state.completedThrough == Day("2026-11-24"), "the responseDate of the first page")
        #expect(!state.isInProgress)
    }

    @Test("a second run continues from the last success and brings only what changed; re-running changes nothing")
    func incremental() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(4), pageSize: 3)
        try await withOAIPMHServer(repository) { endpoint in
            _ = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
            await repository.put(testRecords(2, first: 5, datestamp: "2026-11-24")[0])
            await repository.put(testRecords(2, first: 5, datestamp: "2026-11-24")[1])
            let second = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
            #expect(second.counts.imported == 2)
            #expect(second.counts.unchanged == 0)
            let third = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
            #expect(third.counts.imported == 0)
            #expect(third.counts.unchanged == 2)
        }
        let requests = await repository.requests
        #expect(requests.filter { $0.hasPrefix("from=2026-11-24") }.count == 2, "\(requests)")
        #expect(try await f.ids().count == 6)
    }

    @Test("a 503 with Retry-After is waited out, then the harvest completes; requests stay spaced")
    func retryAfter() async throws {
        let f = try Fixture(politeness: Politeness(minimumInterval: .milliseconds(150), maximumAttempts: 3,
                                                   initialBackoff: .milliseconds(10), maximumRetryAfter: .seconds(5),
                                                   requestTimeout: .seconds(10)))
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(5), pageSize: 2)
        await repository.inject(.unavailable(retryAfter: 1))
        let start = ContinuousClock.now
        let report = try await withOAIPMHServer(repository) { endpoint in
            try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
        }
        #expect(ContinuousClock.now - start >= .seconds(1))
        #expect(await f.client.retryAfterWaits == [1])
        #expect(report.counts.imported == 5)
        let times = await repository.requestTimes
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= .milliseconds(140)) }
    }

    @Test("an HTML error page or truncated XML on every attempt fails clearly, keeps earlier pages, and the next run recovers")
    func damagedAnswers() async throws {
        for fault in [OAIFault.htmlPage, .truncated] {
            let f = try Fixture()
            defer { f.dir.remove() }
            let repository = OAIPMHTestRepository(records: testRecords(7), pageSize: 3)
            try await withOAIPMHServer(repository) { endpoint in
                await repository.schedule(fault, atRequest: 2, persistent: true)
                do {
                    _ = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
                    Issue.record("harvest with \(fault) succeeded")
                } catch {
                    let text = "\(error)"
                    if case .htmlPage = fault { #expect(text.contains("text/html") && text.contains("502 Bad Gateway"), "\(text)") }
                    else { #expect(text.contains("malformed OAI-PMH XML at line"), "\(text)") }
                    #expect(text.contains("gave up after 3 attempts"), "\(text)")
                }
                #expect(try await f.ids() == testRecords(3).map(\.id), "the first page stays, nothing else is half-written")
                let state = try #require(try await f.store.harvestStates().values.first)
                #expect(state.isInProgress && state.lastError != nil)
                await repository.setPersistentFault(nil)
                let report = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
                #expect(report.resumed)
                #expect(report.counts.imported == 4)
            }
            #expect(try await f.ids() == testRecords(7).map(\.id))
        }
    }

    @Test("a transient HTML page is retried within the same request")
    func transientHTML() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(4), pageSize: 3)
        await repository.inject(.htmlPage, .truncated)
        let report = try await withOAIPMHServer(repository) { endpoint in
            try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
        }
        #expect(report.counts.imported == 4)
        #expect(await repository.requests.count == 4)
    }

    @Test("noRecordsMatch is an empty, successful harvest that still advances the high-water mark")
    func noRecords() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(3, datestamp: "2026-10-01"))
        let report = try await withOAIPMHServer(repository) { endpoint in
            try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
        }
        #expect(report.records == 0 && report.pages == 1)
        #expect(try await f.store.paperCount() == 0)
        #expect(try await f.store.harvestStates().values.first?.completedThrough == Day("2026-11-24"))
    }

    @Test("a deleted record removes the paper from pages and search; a new version replaces the old on the same day")
    func deletionsAndVersions() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(4), pageSize: 3)
        try await withOAIPMHServer(repository) { endpoint in
            _ = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint, metadataPrefix: "arXivRaw"))
            var gone = testRecords(4)[1]
            gone.deleted = true
            gone.datestamp = "2026-11-24"
            await repository.put(gone)
            var revised = testRecords(4)[2]
            revised.datestamp = "2026-11-24"
            revised.versions = 2
            revised.updated = "2026-11-24"
            revised.title = "Harvested paper number 3, revised: quantum kittens"
            await repository.put(revised)
            let report = try await f.harvester.harvest(HarvestRequest(endpoint: endpoint, metadataPrefix: "arXivRaw"))
            #expect(report.deleted == 1)
            #expect(report.counts.updated == 1)
        }
        #expect(try await f.ids() == ["2611.00001", "2611.00003", "2611.00004"])
        let updated = try #require(try await f.store.paper(PaperID("2611.00003")!))
        #expect(updated.version == 2)
        #expect(updated.title.hasSuffix("quantum kittens"))
        #expect(try await f.store.paperCount(on: Day("2026-11-23")!) == 3, "the new version stays on its first day")
        let kittens = try await f.store.searchKeyword(KeywordQuery(parsing: "kittens"), filters: SearchFilters(), limit: 10, offset: 0)
        #expect(kittens.hits.map(\.paper.id.rawValue) == ["2611.00003"])
        let number2 = try await f.store.searchKeyword(KeywordQuery(parsing: "\"number 2\""), filters: SearchFilters(), limit: 10, offset: 0)
        #expect(number2.hits.isEmpty, "the deleted paper is gone from the keyword index")
        #expect(try await f.store.indexedPaperCount() == 3)
    }

    @Test("an expired resumption token restarts the list from the harvest's first day; the result is complete")
    func expiredToken() async throws {
        let f = try Fixture()
        defer { f.dir.remove() }
        let repository = OAIPMHTestRepository(records: testRecords(8), pageSize: 3)
        let report = try await withOAIPMHServer(repository) { endpoint in
            await repository.schedule(.expireTokens, atRequest: 2, persistent: false)
            return try await f.harvester.harvest(HarvestRequest(endpoint: endpoint))
        }
        #expect(report.restarts == 1)
        #expect(try await f.ids() == testRecords(8).map(\.id))
        let requests = await repository.requests
        #expect(requests.filter { $0.hasPrefix("from=2026-11-21") }.count == 2, "\(requests)")
    }
}

/// Collects progress reports.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [HarvestProgress] = []
    func add(_ p: HarvestProgress) { lock.lock(); items.append(p); lock.unlock() }
    var all: [HarvestProgress] { lock.lock(); defer { lock.unlock() }; return items }
}

@Suite("One harvest at a time per database")
struct HarvestLeaseTests {
    @Test("two coordinators on one database: one harvests, the other is told someone else is; afterwards either may")
    func lease() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("papers.sqlite")
        let first = try SQLitePaperStore(path: path)
        let second = try SQLitePaperStore(path: path)
        let repository = OAIPMHTestRepository(records: testRecords(6), pageSize: 2)
        await repository.setDelay(.milliseconds(400))
        let a = HarvestCoordinator(store: first, client: PoliteHTTPClient(contact: nil, politeness: testPoliteness), clock: TestClock.clock)
        let b = HarvestCoordinator(store: second, client: PoliteHTTPClient(contact: nil, politeness: testPoliteness), clock: TestClock.clock)
        try await withOAIPMHServer(repository) { endpoint in
            let plan = HarvestPlan(endpoint: endpoint, sets: ["cs"])
            let running = Task { try await a.run(plan) }
            // Wait until a holds the lease, then b must be refused.
            var waited = 0
            while try await first.leaseHolder(HarvestCoordinator.leaseName, now: TestClock.now) == nil, waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            await #expect(throws: HarvestCoordinator.RunError.self) { try await b.run(plan) }
            #expect(await b.status.heldElsewhere)
            let reports = try await running.value
            #expect(reports.first?.counts.imported == 6)
            #expect(try await first.leaseHolder(HarvestCoordinator.leaseName, now: TestClock.now) == nil, "released after the run")
            let again = try await b.run(plan)
            #expect(again.first?.records == 0, "b continues from where a's harvest ended")
            #expect(await repository.requests.last?.hasPrefix("from=2026-11-24") == true)
        }
        #expect(await a.status.successes == 1)
    }
}

@Suite("A plan of several sets")
struct HarvestPlanTests {
    @Test("a set that fails does not hide what the others did; the error names the set")
    func partialFailure() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let repository = OAIPMHTestRepository(records: testRecords(3), pageSize: 10)
        await repository.schedule(.htmlPage, atRequest: 2, persistent: true)
        let coordinator = HarvestCoordinator(store: store, client: PoliteHTTPClient(contact: nil, politeness: testPoliteness),
                                             clock: TestClock.clock)
        try await withOAIPMHServer(repository) { endpoint in
            do {
                _ = try await coordinator.run(HarvestPlan(endpoint: endpoint, sets: ["cs", "stat.ML"]))
                Issue.record("the plan succeeded")
            } catch let failed as HarvestCoordinator.SetsFailed {
                #expect(failed.reports.map(\.set) == ["cs"])
                #expect(failed.reports.first?.counts.imported == 3)
                #expect(failed.failedSets == ["stat:stat:ML"])
                #expect("\(failed)".hasPrefix("stat:stat:ML: "), "\(failed)")
            }
        }
        #expect(await coordinator.status.failures == 1)
        #expect(await coordinator.status.lastImported == 3)
    }
}
