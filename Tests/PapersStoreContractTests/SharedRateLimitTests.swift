import Foundation
import PapersPostgres
import PapersCore
import PapersStore
import PapersTestSupport
import Testing

@Suite("Rate limits shared by every server on one PostgreSQL")
struct SharedRateLimitTests {
    @Test("two servers spend one bucket: the fourth of three allowed attempts is refused wherever it lands, and it refills")
    func sharedBucket() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        let a = try await PostgresPaperStore(url: url), b = try await PostgresPaperStore(url: url)
        defer { a.close(); b.close() }
        let t = 1_000_000.0
        #expect(try await a.spendRateLimit("login|10.0.0.1", limit: 3, period: 3_600, now: t) == nil)
        #expect(try await b.spendRateLimit("login|10.0.0.1", limit: 3, period: 3_600, now: t) == nil)
        #expect(try await a.spendRateLimit("login|10.0.0.1", limit: 3, period: 3_600, now: t) == nil)
        let wait = try await b.spendRateLimit("login|10.0.0.1", limit: 3, period: 3_600, now: t)
        #expect(wait.map { abs($0 - 1_200) < 0.001 } == true, "one token per 1,200 s: \(String(describing: wait))")
        #expect(try await a.isRateLimitExhausted("login|10.0.0.1", limit: 3, period: 3_600, now: t))
        #expect(try await b.spendRateLimit("login|10.0.0.2", limit: 3, period: 3_600, now: t) == nil, "another key has its own bucket")
        #expect(try await a.spendRateLimit("login|10.0.0.1", limit: 3, period: 3_600, now: t + 1_200) == nil, "refilled")
        #expect(try await a.spendRateLimit("login|10.0.0.1", limit: 0, period: 1, now: t) == nil, "a limit of 0 is off")
    }

    @Test("200 concurrent attempts on one key through two stores: exactly the limit is allowed")
    func concurrentSpending() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        let a = try await PostgresPaperStore(url: url), b = try await PostgresPaperStore(url: url)
        defer { a.close(); b.close() }
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask { try await store.spendRateLimit("vote|1", limit: 50, period: 86_400, now: 5_000) == nil }
            }
            var count = 0
            for try await ok in group where ok { count += 1 }
            return count
        }
        #expect(allowed == 50)
    }
}

@Suite("Nearest neighbours inside PostgreSQL (pgvector)")
struct PgvectorSearchTests {
    @Test("the HNSW index and the exact scan give the same nearest papers; a stale embedding is never returned")
    func nearest() async throws {
        let server = try await PostgresTestServer.shared()
        let store = try await PostgresPaperStore(url: try await server.database())
        defer { store.close() }
        let papers = (1...40).map { Fixtures.paper(String(format: "2511.3%04d", $0), title: "Paper \($0)", listed: "2025-11-20") }
        _ = try await store.upsert(papers, defaultDay: Day("2025-11-20")!)
        let jobs = try await store.papersToEmbed(model: "m", after: nil, limit: 100)
        // Paper i points at angle i/40 of a quarter circle in the first two dimensions: neighbours are the adjacent ids.
        func vector(_ i: Int) -> [Float] {
            let angle = Float(i) / 40 * .pi / 2
            return [cos(angle), sin(angle)] + [Float](repeating: 0, count: 382)
        }
        try await store.saveEmbeddings(jobs.enumerated().map { PaperEmbedding(job: $1, vector: vector($0)) }, model: "m")
        let exact = try await store.nearestPapers(to: vector(20), model: "m", limit: 5, scan: .exact)
        let hnsw = try await store.nearestPapers(to: vector(20), model: "m", limit: 5, scan: .hnsw(efSearch: 40))
        #expect(exact.map(\.key) == hnsw.map(\.key))
        #expect(Set(exact.map(\.key)) == Set(jobs[18...22].map(\.cursor)))
        #expect(abs(exact[0].score - 1) < 0.001 && exact[0].key == jobs[20].cursor)
        // The paper changes: its vector is stale until re-embedded, and must not answer.
        var changed = papers.first { $0.id == jobs[20].id }!
        changed.abstract = "Rewritten."
        _ = try await store.upsert([changed], defaultDay: Day("2025-11-20")!)
        let after = try await store.nearestPapers(to: vector(20), model: "m", limit: 5, scan: .hnsw(efSearch: 40))
        #expect(!after.map(\.key).contains(jobs[20].cursor) && after.count == 5)
        #expect(try await store.nearestPapers(to: vector(20), model: "other", limit: 5, scan: .exact).isEmpty)
    }
}

@Suite("Keyword segments followed across servers")
struct SegmentFollowingTests {
    @Test("a paper written through one store is searchable through another at once (NOTIFY), well before the once-a-second recheck")
    func notified() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        let writer = try await PostgresPaperStore(url: url), reader = try await PostgresPaperStore(url: url)
        defer { writer.close(); reader.close() }
        _ = try await writer.upsert([Fixtures.paper("2511.40001", title: "Warm up the index", listed: "2025-11-20")], defaultDay: Day("2025-11-20")!)
        // The reader loads its index and is listening.
        var warm = false
        for _ in 0..<100 where !warm {
            warm = try await !reader.searchKeyword(KeywordQuery(parsing: "warm"), filters: SearchFilters(), limit: 5, offset: 0).hits.isEmpty
            if !warm { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(warm)
        try await Task.sleep(for: .milliseconds(200))
        _ = try await writer.upsert([Fixtures.paper("2511.40002", title: "Quasicrystal lattices", listed: "2025-11-20")], defaultDay: Day("2025-11-20")!)
        let start = ContinuousClock.now
        var found = false
        while !found, ContinuousClock.now - start < .seconds(3) {
            found = try await !reader.searchKeyword(KeywordQuery(parsing: "quasicrystal"), filters: SearchFilters(), limit: 5, offset: 0).hits.isEmpty
            if !found { try await Task.sleep(for: .milliseconds(10)) }
        }
        let waited = ContinuousClock.now - start
        #expect(found)
        #expect(waited < .milliseconds(600), "found after \(waited): the notification did not arrive, only the recheck")
    }
}
