import Foundation
import GRDB
import PapersCore
import PapersStore

extension SQLitePaperStore {
    static let subscriptionColumns = "id, email, frequency, preferences, status, account, created_at, confirmed_at, bounces"

    static func subscription(from row: Row) throws -> Subscription {
        try StoredPreferences.subscription(id: row["id"], email: row["email"], frequency: row["frequency"], preferencesJSON: row["preferences"],
                                           status: row["status"], account: row["account"], createdAt: row["created_at"],
                                           confirmedAt: row["confirmed_at"], bounces: row["bounces"])
    }

    static func subscription(_ id: SubscriptionID, in db: Database) throws -> Subscription? {
        try Row.fetchOne(db, sql: "SELECT \(subscriptionColumns) FROM subscription WHERE id = ?", arguments: [id]).map(subscription(from:))
    }

    public func requestSubscription(email: EmailAddress, preferences: DigestPreferences, account: AccountID?, now: Double,
                                    resendAfter: Double) async throws -> (subscription: Subscription, sendConfirmation: Bool) {
        let json = try StoredPreferences.encode(preferences)
        return try await write { db in
            let pending = try Row.fetchOne(db, sql: "SELECT id, confirmation_sent_at FROM subscription WHERE email = ? AND status = 'pending'",
                                           arguments: [email.value])
            let id: SubscriptionID
            let lastSent: Double?
            if let pending {
                id = pending["id"]
                lastSent = pending["confirmation_sent_at"]
                try db.execute(sql: "UPDATE subscription SET frequency = ?, preferences = ?, account = coalesce(?, account) WHERE id = ?",
                               arguments: [preferences.frequency.rawValue, json, account, id])
            } else {
                try db.execute(sql: """
                    INSERT INTO subscription (email, frequency, preferences, status, account, created_at)
                    VALUES (?, ?, ?, 'pending', ?, ?)
                    """, arguments: [email.value, preferences.frequency.rawValue, json, account, now])
                id = SubscriptionID(rawValue: db.lastInsertedRowID)
                // One confirmation per address per interval, whichever request (and row) it went with.
                lastSent = try Double.fetchOne(db, sql: "SELECT max(confirmation_sent_at) FROM subscription WHERE email = ?",
                                               arguments: [email.value])
            }
            let send = lastSent.map { $0 < resendAfter } ?? true
            if send { try db.execute(sql: "UPDATE subscription SET confirmation_sent_at = ? WHERE id = ?", arguments: [now, id]) }
            guard let subscription = try Self.subscription(id, in: db) else { throw SubscriptionError.invalid(field: "email", reason: "not stored") }
            return (subscription, send)
        }
    }

    public func subscription(_ id: SubscriptionID) async throws -> Subscription? {
        try await pool.read { db in try Self.subscription(id, in: db) }
    }

    public func subscriptions(of account: AccountID) async throws -> [Subscription] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.subscriptionColumns) FROM subscription WHERE account = ? AND status != 'unsubscribed' ORDER BY id DESC
                """, arguments: [account]).map(Self.subscription(from:))
        }
    }

    public func confirmSubscription(_ id: SubscriptionID, now: Double) async throws -> Subscription? {
        try await write { db in
            guard let current = try Self.subscription(id, in: db), current.status != .unsubscribed else { return nil }
            guard current.status == .pending else { return current }
            try db.execute(sql: """
                UPDATE subscription SET status = 'unsubscribed', unsubscribed_at = ?
                WHERE email = ? AND frequency = ? AND status IN ('active', 'paused') AND id != ?
                """, arguments: [now, current.email.value, current.preferences.frequency.rawValue, id])
            try db.execute(sql: "UPDATE subscription SET status = 'active', confirmed_at = ? WHERE id = ?", arguments: [now, id])
            return try Self.subscription(id, in: db)
        }
    }

    public func unsubscribe(_ id: SubscriptionID, now: Double) async throws -> Bool {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM subscription WHERE id = ?", arguments: [id]) == true else { return false }
            try db.execute(sql: "UPDATE subscription SET status = 'unsubscribed', unsubscribed_at = coalesce(unsubscribed_at, ?) WHERE id = ?",
                           arguments: [now, id])
            // Mail still queued for it is never sent; its papers are free again should the address come back.
            try db.execute(sql: "DELETE FROM digest_paper WHERE outbox IN (SELECT id FROM outbox WHERE subscription = ? AND status = 'queued')",
                           arguments: [id])
            try db.execute(sql: "UPDATE outbox SET status = 'failed', last_error = 'unsubscribed' WHERE subscription = ? AND status = 'queued'",
                           arguments: [id])
            return true
        }
    }

    public func subscriptionsDue(_ period: DigestPeriod, after: SubscriptionID, limit: Int) async throws -> [Subscription] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.subscriptionColumns) FROM subscription s
                WHERE s.status = 'active' AND s.frequency = ? AND s.id > ?
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.subscription = s.id AND o.kind = 'digest' AND o.period = ?)
                ORDER BY s.id LIMIT ?
                """, arguments: [period.frequency.rawValue, after, period.key, limit]).map(Self.subscription(from:))
        }
    }

    public func lastDigestTime(_ subscription: SubscriptionID) async throws -> Double? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: """
                SELECT max(created_at) FROM outbox WHERE subscription = ? AND kind = 'digest' AND status != 'failed'
                """, arguments: [subscription])
        }
    }

    public func papersAlreadySent(_ subscription: SubscriptionID, among papers: [PaperID]) async throws -> Set<PaperID> {
        guard !papers.isEmpty else { return [] }
        return try await pool.read { db in
            var found: Set<PaperID> = []
            for chunk in stride(from: 0, to: papers.count, by: 500).map({ papers[$0..<min($0 + 500, papers.count)] }) {
                let ids = try String.fetchAll(db, sql: """
                    SELECT p.id FROM digest_paper d JOIN paper p ON p.seq = d.paper
                    WHERE d.subscription = ? AND p.id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                    """, arguments: StatementArguments([subscription] + chunk.map(\.rawValue)))
                found.formUnion(ids.compactMap { PaperID($0) })
            }
            return found
        }
    }

    static func insertOutbox(_ mail: NewOutboxMail, kind: String, period: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO outbox (subscription, kind, period, recipient, message_id, message, paper_count, status, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
            """, arguments: [mail.subscription, kind, period, mail.recipient.value, mail.messageID, Data(mail.message),
                             mail.paperCount, mail.createdAt, mail.createdAt])
    }

    public func enqueueDigest(_ mail: NewOutboxMail, period: DigestPeriod, papers: [PaperID]) async throws -> Bool {
        try await write { db in
            let active = try Bool.fetchOne(db, sql: "SELECT 1 FROM subscription WHERE id = ? AND status = 'active'", arguments: [mail.subscription]) == true
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM outbox WHERE subscription = ? AND kind = 'digest' AND period = ?",
                                           arguments: [mail.subscription, period.key]) == true
            guard active, !exists else { return false }
            // A paper already sent to this subscriber (another planner got there first) rolls the digest back whole.
            var queued = false
            try db.inSavepoint {
                do {
                    try Self.insertOutbox(mail, kind: "digest", period: period.key, in: db)
                    let outbox = db.lastInsertedRowID
                    for paper in papers {
                        try db.execute(sql: """
                            INSERT INTO digest_paper (subscription, paper, outbox) SELECT ?, seq, ? FROM paper WHERE id = ?
                            """, arguments: [mail.subscription, outbox, paper.rawValue])
                    }
                    queued = true
                    return .commit
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    return .rollback
                }
            }
            return queued
        }
    }

    public func enqueueConfirmation(_ mail: NewOutboxMail) async throws {
        try await write { db in
            try Self.insertOutbox(mail, kind: "confirmation", period: String(format: "%.6f", mail.createdAt), in: db)
        }
    }

    public func queuedMail(now: Double, ignoringBackoff: Bool, limit: Int) async throws -> [OutboxMail] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.id, o.subscription, o.kind, o.period, o.recipient, o.message_id, o.message, o.attempts
                FROM outbox o LEFT JOIN subscription s ON s.id = o.subscription
                WHERE o.status = 'queued' AND (? OR o.next_attempt_at <= ?)
                  AND (s.status = 'active' OR (o.kind = 'confirmation' AND s.status = 'pending')
                       OR (o.kind = 'notification' AND \(Self.commentMailWanted)))
                ORDER BY o.next_attempt_at, o.id LIMIT ?
                """, arguments: [ignoringBackoff, now, limit]).map { row in
                OutboxMail(id: row["id"], subscription: row["subscription"], kind: row["kind"], period: row["period"],
                           recipient: row["recipient"], messageID: row["message_id"], message: [UInt8](row["message"] as Data),
                           attempts: row["attempts"])
            }
        }
    }

    public func markSent(_ id: OutboxMailID, now: Double) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                           arguments: [now, id])
            try db.execute(sql: "UPDATE subscription SET bounces = 0 WHERE id = (SELECT subscription FROM outbox WHERE id = ?) AND bounces != 0",
                           arguments: [id])
        }
    }

    public func markRetry(_ id: OutboxMailID, error: String, retryAt: Double) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'queued'",
                           arguments: [String(error.prefix(500)), retryAt, id])
        }
    }

    @discardableResult
    public func markFailed(_ id: OutboxMailID, error: String, now: Double, pauseAfter: Int) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                           arguments: [String(error.prefix(500)), id])
            // The papers of an undelivered digest may go in a later one.
            try db.execute(sql: "DELETE FROM digest_paper WHERE outbox = ?", arguments: [id])
            guard let subscription = try Int64.fetchOne(db, sql: "SELECT subscription FROM outbox WHERE id = ?", arguments: [id]) else { return false }
            try db.execute(sql: "UPDATE subscription SET bounces = bounces + 1 WHERE id = ?", arguments: [subscription])
            try db.execute(sql: "UPDATE subscription SET status = 'paused' WHERE id = ? AND status = 'active' AND bounces >= ?",
                           arguments: [subscription, pauseAfter])
            return db.changesCount > 0
        }
    }

    public func outboxCounts() async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = ["queued": 0, "sent": 0, "failed": 0]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM outbox GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            return counts
        }
    }

    public func recentPapers(in days: ClosedRange<Day>, filters: SearchFilters, limit: Int) async throws -> [RankedPaper] {
        guard limit > 0 else { return [] }
        let predicate = try await filterPredicate(RecentPaperChoice.undated(filters))
        let candidates = try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.seq, p.id, (SELECT count(*) FROM vote v WHERE v.paper = p.seq) + coalesce((SELECT n.votes FROM anonymous_vote n WHERE n.paper = p.seq), 0)
                       + coalesce((SELECT max(f.upvotes) FROM paper_feature f WHERE f.paper = p.seq), 0) AS upvotes
                FROM paper p WHERE p.day BETWEEN ? AND ?
                """, arguments: [days.lowerBound.description, days.upperBound.description])
                .map { (seq: $0["seq"] as Int64, id: $0["id"] as String, upvotes: $0["upvotes"] as Int) }
        }
        return try await rankedPapers(RecentPaperChoice.choose(candidates, predicate: predicate, limit: limit), viewer: nil)
    }
}
