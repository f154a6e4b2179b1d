import Foundation
import Hummingbird
import PapersStore

/// Token buckets by key: each key may spend `limit` actions per `period`, refilled continuously. Kept in memory per
/// server process (a restart forgives everyone, which is acceptable for abuse limits) — or, when the store is shared
/// by several servers (PostgreSQL), in the database, so the limit holds across them.
actor RateLimiter {
    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private var buckets: [String: Bucket] = [:]
    private let now: @Sendable () -> Double
    private let shared: (any SharedRateLimits)?

    init(now: @escaping @Sendable () -> Double, shared: (any SharedRateLimits)? = nil) {
        self.now = now
        self.shared = shared
    }

    /// Spends one action of `key` under `rule`; returns nil when allowed, or the seconds until one is allowed. With a
    /// shared store that cannot be reached, the action is allowed (an abuse limit must not take the site down).
    func spend(_ key: String, _ rule: RateLimit) async -> Double? {
        guard rule.limit > 0 else { return nil }
        if let shared {
            return (try? await shared.spendRateLimit(key, limit: rule.limit, period: rule.period, now: now())) ?? nil
        }
        let t = now()
        if buckets.count > 200_000 { sweep(at: t) }
        var bucket = buckets[key] ?? Bucket(tokens: Double(rule.limit), updated: t)
        bucket.tokens = TokenBucket.refill(tokens: bucket.tokens, updated: bucket.updated, limit: rule.limit, period: rule.period, now: t)
        bucket.updated = t
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return TokenBucket.wait(tokens: bucket.tokens, limit: rule.limit, period: rule.period)
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return nil
    }

    /// Whether `key` has an action left, without spending one.
    func isExhausted(_ key: String, _ rule: RateLimit) async -> Bool {
        if let shared, rule.limit > 0 {
            return (try? await shared.isRateLimitExhausted(key, limit: rule.limit, period: rule.period, now: now())) ?? false
        }
        guard rule.limit > 0, let bucket = buckets[key] else { return false }
        return TokenBucket.refill(tokens: bucket.tokens, updated: bucket.updated, limit: rule.limit, period: rule.period, now: now()) < 1
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
    /// Comments (new ones and edits) by one account.
    public var commentsPerAccount = RateLimit(limit: 10, per: 60)
    /// Comment reports by one account.
    public var reportsPerAccount = RateLimit(limit: 20, per: 3600)
    /// Authorship claims by one account.
    public var claimsPerAccount = RateLimit(limit: 20, per: 86_400)

    /// The defaults above.
    public init() {}

    /// Limits that never bite (load tests).
    public static var unlimited: RateLimits {
        var limits = RateLimits()
        for name in RateLimitName.allCases { limits[keyPath: name.keyPath] = RateLimit(limit: 0, per: 1) }
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
        guard let name = RateLimitName(rawValue: String(parts[0])) else {
            throw RateLimitSpecError(message: "--rate-limit \(spec): unknown limit \"\(parts[0])\"; known: "
                                     + RateLimitName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self[keyPath: name.keyPath] = RateLimit(limit: limit, per: period)
    }

    /// `papers serve --rate-limit`'s help: every name with its default.
    public static var overrideHelp: String {
        let defaults = RateLimits()
        let listed = RateLimitName.allCases.map { name in
            let rule = defaults[keyPath: name.keyPath]
            let period = rule.period == rule.period.rounded() ? String(Int(rule.period)) : String(rule.period)
            return "\(name.rawValue) (\(rule.limit)/\(period))"
        }
        return "Override an abuse limit, NAME=LIMIT/SECONDS (repeatable; 0 turns it off): " + listed.joined(separator: ", ") + "."
    }
}

/// The command-line name of each limit, in the order help lists them.
public enum RateLimitName: String, CaseIterable, Sendable {
    case signupPerIP = "signup-per-ip"
    case loginPerIP = "login-per-ip"
    case loginFailuresPerAccount = "login-failures-per-account"
    case votesPerAccount = "votes-per-account"
    case votesPerIP = "votes-per-ip"
    case submissionsPerAccount = "submissions-per-account"
    case subscriptionsPerIP = "subscriptions-per-ip"
    case subscriptionsPerEmail = "subscriptions-per-email"
    case commentsPerAccount = "comments-per-account"
    case reportsPerAccount = "reports-per-account"
    case claimsPerAccount = "claims-per-account"

    /// The limit this name sets.
    public var keyPath: WritableKeyPath<RateLimits, RateLimit> {
        switch self {
        case .signupPerIP: return \.signupPerIP
        case .loginPerIP: return \.loginPerIP
        case .loginFailuresPerAccount: return \.loginFailuresPerAccount
        case .votesPerAccount: return \.votesPerAccount
        case .votesPerIP: return \.votesPerIP
        case .submissionsPerAccount: return \.submissionsPerAccount
        case .subscriptionsPerIP: return \.subscriptionsPerIP
        case .subscriptionsPerEmail: return \.subscriptionsPerEmail
        case .commentsPerAccount: return \.commentsPerAccount
        case .reportsPerAccount: return \.reportsPerAccount
        case .claimsPerAccount: return \.claimsPerAccount
        }
    }
}

/// A malformed `--rate-limit` value.
public struct RateLimitSpecError: Error, CustomStringConvertible {
    /// What was wrong, naming the option.
    public var message: String
    public var description: String { message }
}
