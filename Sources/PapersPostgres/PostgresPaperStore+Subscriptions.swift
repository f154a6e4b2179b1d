import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO

extension PostgresPaperStore: SubscriptionStore {
    static let subscriptionColumns = "id, email, frequency, preferences, status, account, created_at, confirmed_at, bounces"

    static func subscription(from row: PostgresRandomAccessRow) throws -> Subscription {
        try StoredPreferences.subscription(
            id: try row.get("id"), email: try row.get("email"), frequency: try row.get("frequency"), preferencesJSON: try row.get("preferences"),
            status: try row.get("status"), account: try row.get("account"), createdAt: try row.get("created_at"),
            confirmedAt: try row.get("confirmed_at"), bounces: try row.get("bounces", Int.self))
    }

    static func subscription(_ id: SubscriptionID, on connection: PostgresConnection, logger: Logger) async throws -> Subscription? {
        try await connection.rows("SELECT \(unescaped: subscriptionColumns) FROM subscription WHERE id = \(id)", logger: logger)
            .first.map(subscription(from:))
    }

    public func requestSubscription(email: EmailAddress, preferences: DigestPreferences, account: AccountID?, now: Double,
                                    resendAfter: Double) async throws -> (subscription: Subscription, sendConfirmation: Bool) {
        let json = try StoredPreferences.encode(preferences)
        let logger = self.logger
        return try await database.transaction { connection in
            // Requests for one address are serialised (two servers, one form posted twice).
            try await connection.execute("SELECT pg_advisory_xact_lock(hashtext(\(email.value)))", logger: logger)
            let pending = try await connection.rows("""
                SELECT id, confirmation_sent_at FROM subscription WHERE email = \(email.value) AND status = 'pending'
                """, logger: logger).first
            let id: SubscriptionID
            let lastSent: Double?
            if let pending {
                id = try pending.get("id")
                lastSent = try pending.get("confirmation_sent_at")
                try await connection.execute("""
                    UPDATE subscription SET frequency = \(preferences.frequency.rawValue), preferences = \(json),
                        account = coalesce(\(account), account) WHERE id = \(id)
                    """, logger: logger)
            } else {
                id = try await connection.rows("""
                    INSERT INTO subscription (email, frequency, preferences, status, account, created_at)
                    VALUES (\(email.value), \(preferences.frequency.rawValue), \(json), 'pending', \(account), \(now)) RETURNING id
                    """, logger: logger)[0].get("id")
                // One confirmation per address per interval, whichever request (and row) it went with.
                lastSent = try await connection.rows("SELECT max(confirmation_sent_at) AS t FROM subscription WHERE email = \(email.value)",
                                                     logger: logger)[0].get("t")
            }
            let send = lastSent.map { $0 < resendAfter } ?? true
            if send { try await connection.execute("UPDATE subscription SET confirmation_sent_at = \(now) WHERE id = \(id)", logger: logger) }
            guard let subscription = try await Self.subscription(id, on: connection, logger: logger) else {
                throw SubscriptionError.invalid(field: "email", reason: "not stored")
            }
            return (subscription, send)
        }
    }

    public func subscription(_ id: SubscriptionID) async throws -> Subscription? {
        try await database.row("SELECT \(unescaped: Self.subscriptionColumns) FROM subscription WHERE id = \(id)").map(Self.subscription(from:))
    }

    public func subscriptions(of account: AccountID) async throws -> [Subscription] {
        try await database.rows("""
            SELECT \(unescaped: Self.subscriptionColumns) FROM subscription WHERE account = \(account) AND status != 'unsubscribed' ORDER BY id DESC
            """).map(Self.subscription(from:))
    }

    public func confirmSubscription(_ id: SubscriptionID, now: Double) async throws -> Subscription? {
        let logger = self.logger
        return try await database.transaction { connection in
            guard let current = try await connection.rows("""
                SELECT \(unescaped: Self.subscriptionColumns) FROM subscription WHERE id = \(id) FOR UPDATE
                """, logger: logger).first.map(Self.subscription(from:)), current.status != .unsubscribed else { return nil }
            guard current.status == .pending else { return current }
            try await connection.execute("""
                UPDATE subscription SET status = 'unsubscribed', unsubscribed_at = \(now)
                WHERE email = \(current.email.value) AND frequency = \(current.preferences.frequency.rawValue)
                  AND status IN ('active', 'paused') AND id != \(id)
                """, logger: logger)
            try await connection.execute("UPDATE subscription SET status = 'active', confirmed_at = \(now) WHERE id = \(id)", logger: logger)
            return try await Self.subscription(id, on: connection, logger: logger)
        }
    }

    public func unsubscribe(_ id: SubscriptionID, now: Double) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            let updated = try await connection.rows("""
                UPDATE subscription SET status = 'unsubscribed', unsubscribed_at = coalesce(unsubscribed_at, \(now)) WHERE id = \(id) RETURNING id
                """, logger: logger)
            guard !updated.isEmpty else { return false }
            // Mail still queued for it is never sent; its papers are free again should the address come back.
            try await connection.execute("""
                DELETE FROM digest_paper WHERE outbox IN (SELECT id FROM outbox WHERE subscription = \(id) AND status = 'queued')
                """, logger: logger)
            try await connection.execute("""
                UPDATE outbox SET status = 'failed', last_error = 'unsubscribed' WHERE subscription = \(id) AND status = 'queued'
                """, logger: logger)
            return true
        }
    }

    public func subscriptionsDue(_ period: DigestPeriod, after: SubscriptionID, limit: Int) async throws -> [Subscription] {
        try await database.rows("""
            SELECT \(unescaped: Self.subscriptionColumns) FROM subscription s
            WHERE s.status = 'active' AND s.frequency = \(period.frequency.rawValue) AND s.id > \(after)
              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.subscription = s.id AND o.kind = 'digest' AND o.period = \(period.key))
            ORDER BY s.id LIMIT \(limit)
            """).map(Self.subscription(from:))
    }

    public func lastDigestTime(_ subscription: SubscriptionID) async throws -> Double? {
        try await database.row("""
            SELECT max(created_at) AS t FROM outbox WHERE subscription = \(subscription) AND kind = 'digest' AND status != 'failed'
            """)?.get("t", Double?.self)
    }

    public func papersAlreadySent(_ subscription: SubscriptionID, among papers: [PaperID]) async throws -> Set<PaperID> {
        guard !papers.isEmpty else { return [] }
        return Set(try await database.rows("""
            SELECT p.id FROM digest_paper d JOIN paper p ON p.seq = d.paper
            WHERE d.subscription = \(subscription) AND p.id = ANY(\(papers.map(\.rawValue)))
            """).compactMap { PaperID(try $0.get("id", String.self)) })
    }

    static func insertOutbox(_ mail: NewOutboxMail, kind: String, period: String, on connection: PostgresConnection,
                             logger: Logger) async throws -> OutboxMailID? {
        try await connection.rows("""
            INSERT INTO outbox (subscription, kind, period, recipient, message_id, message, paper_count, status, next_attempt_at, created_at)
            VALUES (\(mail.subscription), \(kind), \(period), \(mail.recipient.value), \(mail.messageID), \(Data(mail.message)),
                    \(mail.paperCount), 'queued', \(mail.createdAt), \(mail.createdAt))
            ON CONFLICT DO NOTHING RETURNING id
            """, logger: logger).first?.get("id", OutboxMailID.self)
    }

    public func enqueueDigest(_ mail: NewOutboxMail, period: DigestPeriod, papers: [PaperID]) async throws -> Bool {
        let logger = self.logger
        do {
            return try await database.transaction { connection in
                // The subscription row is locked: planners on several servers queue one digest for it, in turn.
                let active = try await connection.rows("""
                    SELECT 1 FROM subscription WHERE id = \(mail.subscription) AND status = 'active' FOR UPDATE
                    """, logger: logger)
                guard !active.isEmpty else { return false }
                guard let outbox = try await Self.insertOutbox(mail, kind: "digest", period: period.key, on: connection, logger: logger) else {
                    return false
                }
                // A paper already sent to this subscriber (another planner got there first) rolls the digest back whole.
                try await connection.execute("""
                    INSERT INTO digest_paper (subscription, paper, outbox)
                    SELECT \(mail.subscription), seq, \(outbox) FROM paper WHERE id = ANY(\(papers.map(\.rawValue)))
                    """, logger: logger)
                return true
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            return false
        }
    }

    public func enqueueConfirmation(_ mail: NewOutboxMail) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            _ = try await Self.insertOutbox(mail, kind: "confirmation", period: String(format: "%.6f", mail.createdAt), on: connection, logger: logger)
        }
    }

    /// How long a worker's claim on a queued message lasts: longer than any send, short enough that a message whose
    /// worker died goes out soon after.
    static let claimSeconds = 300.0

    /// Claims the due messages for this worker (`FOR UPDATE SKIP LOCKED`: workers on other servers get other rows),
    /// so each message is handed to one sender.
    public func queuedMail(now: Double, ignoringBackoff: Bool, limit: Int) async throws -> [OutboxMail] {
        try await database.rows("""
            UPDATE outbox SET claimed_until = \(now + Self.claimSeconds)
            WHERE id IN (
                SELECT o.id FROM outbox o LEFT JOIN subscription s ON s.id = o.subscription
                WHERE o.status = 'queued' AND (\(ignoringBackoff) OR o.next_attempt_at <= \(now))
                  AND (o.claimed_until IS NULL OR o.claimed_until <= \(now))
                  AND (s.status = 'active' OR (o.kind = 'confirmation' AND s.status = 'pending')
                       OR (o.kind = 'notification' AND \(unescaped: Self.commentMailWanted)))
                ORDER BY o.next_attempt_at, o.id LIMIT \(limit)
                FOR UPDATE OF o SKIP LOCKED)
            RETURNING id, subscription, kind, period, recipient, message_id, message, attempts, next_attempt_at
            """).map { row in
            (OutboxMail(id: try row.get("id"), subscription: try row.get("subscription"), kind: try row.get("kind"), period: try row.get("period"),
                        recipient: try row.get("recipient"), messageID: try row.get("message_id"), message: [UInt8](try row.get("message", Data.self)),
                        attempts: try row.get("attempts", Int.self)),
             try row.get("next_attempt_at", Double.self))
        }.sorted { ($0.1, $0.0.id) < ($1.1, $1.0.id) }.map(\.0)
    }

    public func markSent(_ id: OutboxMailID, now: Double) async throws {
        let logger = self.logger
        try await database.transaction { connection in
            try await connection.execute("""
                UPDATE outbox SET status = 'sent', sent_at = \(now), attempts = attempts + 1, last_error = NULL, claimed_until = NULL WHERE id = \(id)
                """, logger: logger)
            try await connection.execute("""
                UPDATE subscription SET bounces = 0 WHERE id = (SELECT subscription FROM outbox WHERE id = \(id)) AND bounces != 0
                """, logger: logger)
        }
    }

    public func markRetry(_ id: OutboxMailID, error: String, retryAt: Double) async throws {
        try await database.execute("""
            UPDATE outbox SET attempts = attempts + 1, last_error = \(String(error.prefix(500))), next_attempt_at = \(retryAt), claimed_until = NULL
            WHERE id = \(id) AND status = 'queued'
            """)
    }

    @discardableResult
    public func markFailed(_ id: OutboxMailID, error: String, now: Double, pauseAfter: Int) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction { connection in
            let rows = try await connection.rows("""
                UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = \(String(error.prefix(500))), claimed_until = NULL
                WHERE id = \(id) RETURNING subscription
                """, logger: logger)
            // The papers of an undelivered digest may go in a later one.
            try await connection.execute("DELETE FROM digest_paper WHERE outbox = \(id)", logger: logger)
            guard let subscription = try rows.first?.get("subscription", SubscriptionID.self) else { return false }
            try await connection.execute("UPDATE subscription SET bounces = bounces + 1 WHERE id = \(subscription)", logger: logger)
            let paused = try await connection.rows("""
                UPDATE subscription SET status = 'paused' WHERE id = \(subscription) AND status = 'active' AND bounces >= \(pauseAfter) RETURNING id
                """, logger: logger)
            return !paused.isEmpty
        }
    }

    public func outboxCounts() async throws -> [String: Int] {
        var counts: [String: Int] = ["queued": 0, "sent": 0, "failed": 0]
        for row in try await database.rows("SELECT status, count(*) AS n FROM outbox GROUP BY status") {
            counts[try row.get("status", String.self)] = try row.get("n", Int.self)
        }
        return counts
    }

    public func recentPapers(in days: ClosedRange<Day>, filters: SearchFilters, limit: Int) async throws -> [RankedPaper] {
        guard limit > 0 else { return [] }
        let predicate = try await filterPredicate(RecentPaperChoice.undated(filters))
        let candidates = try await database.rows("""
            SELECT p.seq, p.id, (SELECT count(*) FROM vote v WHERE v.paper = p.seq) + coalesce((SELECT n.votes FROM anonymous_vote n WHERE n.paper = p.seq), 0)
                   + coalesce((SELECT max(f.upvotes) FROM paper_feature f WHERE f.paper = p.seq), 0) AS upvotes
            FROM paper p WHERE p.day BETWEEN \(days.lowerBound.description) AND \(days.upperBound.description)
            """).map { (seq: try $0.get("seq", Int64.self), id: try $0.get("id", String.self), upvotes: try $0.get("upvotes", Int.self)) }
        return try await rankedPapers(RecentPaperChoice.choose(candidates, predicate: predicate, limit: limit), viewer: nil)
    }
}
