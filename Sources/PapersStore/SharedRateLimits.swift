/// Token buckets kept in the database, for stores that several servers share: each key may spend `limit` actions
/// per `period` seconds, refilled continuously, whichever server the requests reach.
public protocol SharedRateLimits: Sendable {
    /// Spends one action of `key`; nil when allowed, else the seconds until one is.
    func spendRateLimit(_ key: String, limit: Int, period: Double, now: Double) async throws -> Double?
    /// Whether `key` has no action left at `now`, without spending one.
    func isRateLimitExhausted(_ key: String, limit: Int, period: Double, now: Double) async throws -> Bool
}

/// The token-bucket arithmetic, the same in memory and in a database.
public enum TokenBucket {
    /// The bucket after refilling from `updated` to `now`, and whether one action may be spent.
    public static func refill(tokens: Double, updated: Double, limit: Int, period: Double, now: Double) -> Double {
        min(Double(limit), tokens + max(0, now - updated) * Double(limit) / period)
    }

    /// Seconds until a bucket holding `tokens` (< 1) has one.
    public static func wait(tokens: Double, limit: Int, period: Double) -> Double {
        (1 - tokens) / (Double(limit) / period)
    }
}
