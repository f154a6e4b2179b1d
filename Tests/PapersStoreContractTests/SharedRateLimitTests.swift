import Foundation
import PapersPostgres
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
