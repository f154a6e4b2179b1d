import Foundation
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore: SharedRateLimits {
    public func spendRateLimit(_ key: String, limit: Int, period: Double, now: Double) async throws -> Double? {
        guard limit > 0 else { return nil }
        let logger = self.logger
        return try await database.transaction { connection in
            // A full bucket first if the key is new (a racing insert waits for ours), then the row is locked for the
            // read-modify-write: servers spending the same key take turns.
            try await connection.execute("""
                INSERT INTO rate_limit (key, tokens, updated) VALUES (\(key), \(Double(limit)), \(now)) ON CONFLICT (key) DO NOTHING
                """, logger: logger)
            let row = try await connection.rows("SELECT tokens, updated FROM rate_limit WHERE key = \(key) FOR UPDATE", logger: logger)[0]
            var tokens = TokenBucket.refill(tokens: try row.get("tokens"), updated: try row.get("updated"), limit: limit, period: period, now: now)
            let allowed = tokens >= 1
            if allowed { tokens -= 1 }
            try await connection.execute("""
                INSERT INTO rate_limit (key, tokens, updated) VALUES (\(key), \(tokens), \(now))
                ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated
                """, logger: logger)
            // Full buckets carry no information: now and then, forget the day-old ones.
            if Int.random(in: 0..<1_000) == 0 {
                try await connection.execute("DELETE FROM rate_limit WHERE updated < \(now - 86_400)", logger: logger)
            }
            return allowed ? nil : TokenBucket.wait(tokens: tokens, limit: limit, period: period)
        }
    }

    public func isRateLimitExhausted(_ key: String, limit: Int, period: Double, now: Double) async throws -> Bool {
        guard limit > 0, let row = try await database.row("SELECT tokens, updated FROM rate_limit WHERE key = \(key)") else { return false }
        return TokenBucket.refill(tokens: try row.get("tokens"), updated: try row.get("updated"), limit: limit, period: period, now: now) < 1
    }
}
