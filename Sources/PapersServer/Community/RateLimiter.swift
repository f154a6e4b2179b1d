import Foundation
import Hummingbird

/// Token buckets by key: each key may spend `limit` actions per `period`, refilled continuously. Kept in memory per
/// server process (a restart forgives everyone, which is acceptable for abuse limits).
actor RateLimiter {
    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private var buckets: [String: Bucket] = [:]
    private let now: @Sendable () -> Double

    init(now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// Spends one action of `key` under `rule`; returns nil when allowed, or the seconds until one is allowed.
    func spend(_ key: String, _ rule: RateLimit) -> Double? {
        guard rule.limit > 0 else { return nil }
        let t = now()
        if buckets.count > 200_000 { sweep(at: t) }
        let rate = Double(rule.limit) / rule.period
        var bucket = buckets[key] ?? Bucket(tokens: Double(rule.limit), updated: t)
        bucket.tokens = min(Double(rule.limit), bucket.tokens + (t - bucket.updated) * rate)
        bucket.updated = t
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return (1 - bucket.tokens) / rate
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return nil
    }

    /// Whether `key` has an action left, without spending one.
    func isExhausted(_ key: String, _ rule: RateLimit) -> Bool {
        guard rule.limit > 0, let bucket = buckets[key] else { return false }
        let refilled = bucket.tokens + (now() - bucket.updated) * Double(rule.limit) / rule.period
        return refilled < 1
    }

    /// The 429 answer for an action refused for `wait` seconds: `Retry-After` and a sentence saying what and when.
    nonisolated static func refusal(wait: Double, _ what: String) -> HTTPError {
        let seconds = max(1, Int(wait.rounded(.up)))
        return HTTPError(.tooManyRequests, headers: [.retryAfter: String(seconds)], message: "\(what); try again in \(seconds) seconds.")
    }

    private func sweep(at t: Double) {
        // Full buckets carry no information.
        buckets = buckets.filter { t - $0.value.updated < 86_400 }
    }
}

/// At most `limit` actions per `period` seconds; a limit of 0 turns the rule off.
public struct RateLimit: Sendable, Equatable {
    /// Actions allowed per period.
    public var limit: Int
    /// The period, in seconds.
    public var period: Double

    /// Creates a rule.
    public init(limit: Int, per period: Double) {
        self.limit = limit
        self.period = period
    }
}

/// The abuse limits, per client IP address and per account (configurable with `papers serve --rate-limit`).
public struct RateLimits: Sendable, Equatable {
    /// Sign-ups from one address.
    public var signupPerIP = RateLimit(limit: 5, per: 3600)
    /// Log-in attempts from one address.
    public var loginPerIP = RateLimit(limit: 20, per: 300)
    /// Failed log-ins against one account, from anywhere.
    public var loginFailuresPerAccount = RateLimit(limit: 5, per: 900)
    /// Upvote changes by one account.
    public var votesPerAccount = RateLimit(limit: 120, per: 60)
    /// Upvote changes from one address (several people may share it).
    public var votesPerIP = RateLimit(limit: 600, per: 60)
    /// Submissions by one account.
    public var submissionsPerAccount = RateLimit(limit: 20, per: 3600)
    /// Subscribe requests from one address.
    public var subscriptionsPerIP = RateLimit(limit: 10, per: 3600)
    /// Subscribe requests for one email address, from anywhere (besides the one-confirmation-per-10-minutes rule).
    public var subscriptionsPerEmail = RateLimit(limit: 5, per: 86_400)

    /// The defaults above.
    public init() {}

    /// Limits that never bite (load tests).
    public static var unlimited: RateLimits {
        var limits = RateLimits()
        let off = RateLimit(limit: 0, per: 1)
        limits.signupPerIP = off
        limits.loginPerIP = off
        limits.loginFailuresPerAccount = off
        limits.votesPerAccount = off
        limits.votesPerIP = off
        limits.submissionsPerAccount = off
        limits.subscriptionsPerIP = off
        limits.subscriptionsPerEmail = off
        return limits
    }

    /// Applies `NAME=LIMIT/SECONDS` overrides (`votes-per-ip=1000/60`); the error names the bad part.
    public mutating func apply(_ spec: String) throws {
        let parts = spec.split(separator: "=", maxSplits: 1)
        let ruleParts = parts.count == 2 ? parts[1].split(separator: "/") : []
        guard parts.count == 2, ruleParts.count == 2, let limit = Int(ruleParts[0]), limit >= 0,
              let period = Double(ruleParts[1]), period > 0 else {
            throw RateLimitSpecError(message: "--rate-limit \(spec): expected NAME=LIMIT/SECONDS, e.g. votes-per-ip=1000/60")
        }
        let rule = RateLimit(limit: limit, per: period)
        switch parts[0] {
        case "signup-per-ip": signupPerIP = rule
        case "login-per-ip": loginPerIP = rule
        case "login-failures-per-account": loginFailuresPerAccount = rule
        case "votes-per-account": votesPerAccount = rule
        case "votes-per-ip": votesPerIP = rule
        case "submissions-per-account": submissionsPerAccount = rule
        case "subscriptions-per-ip": subscriptionsPerIP = rule
        case "subscriptions-per-email": subscriptionsPerEmail = rule
        default:
            throw RateLimitSpecError(message: "--rate-limit \(spec): unknown limit \"\(parts[0])\"; known: signup-per-ip, login-per-ip, login-failures-per-account, votes-per-account, votes-per-ip, submissions-per-account, subscriptions-per-ip, subscriptions-per-email")
        }
    }
}

/// A malformed `--rate-limit` value.
public struct RateLimitSpecError: Error, CustomStringConvertible {
    /// What was wrong, naming the option.
    public var message: String
    public var description: String { message }
}
