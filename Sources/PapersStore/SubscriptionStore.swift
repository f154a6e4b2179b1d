import PapersCore

/// Email subscriptions and the outbox their mail goes through. One implementation per database backend, beside
/// ``PaperStore``; every method is one transaction.
///
/// Exactly-once delivery rests on two unique keys: one outbox row per (subscription, kind, period), written before
/// any byte goes to the mail server, and one `digest_paper` row per (subscription, paper), written in the same
/// transaction, so that no paper reaches a subscriber twice.
public protocol SubscriptionStore: Sendable {
    /// Records a request to subscribe as pending. An address has at most one pending request: a repeat replaces
    /// its preferences. `sendConfirmation` is true when no confirmation went to the address at or after
    /// `resendAfter` (Unix seconds), and the request is then marked as confirmed-sent at `now`.
    func requestSubscription(email: EmailAddress, preferences: DigestPreferences, account: AccountID?, now: Double,
                             resendAfter: Double) async throws -> (subscription: Subscription, sendConfirmation: Bool)
    /// The subscription with this id, in any status.
    func subscription(_ id: SubscriptionID) async throws -> Subscription?
    /// The subscriptions (any status but unsubscribed) made by `account`, newest first.
    func subscriptions(of account: AccountID) async throws -> [Subscription]
    /// Activates a pending subscription; the address's earlier live subscription of the same frequency is replaced
    /// (unsubscribed). Confirming an active one changes nothing. Nil when it does not exist or was unsubscribed.
    func confirmSubscription(_ id: SubscriptionID, now: Double) async throws -> Subscription?
    /// Unsubscribes (idempotent); mail still queued for it is marked failed and never sent. False when there is no such subscription.
    func unsubscribe(_ id: SubscriptionID, now: Double) async throws -> Bool
    /// Active subscriptions of `period`'s frequency with no digest for it yet, by id, after `after`, at most `limit`.
    func subscriptionsDue(_ period: DigestPeriod, after: SubscriptionID, limit: Int) async throws -> [Subscription]
    /// When the subscription's most recent digest (queued or sent) was made, Unix seconds.
    func lastDigestTime(_ subscription: SubscriptionID) async throws -> Double?
    /// Which of `papers` already went (or are queued) to the subscription.
    func papersAlreadySent(_ subscription: SubscriptionID, among papers: [PaperID]) async throws -> Set<PaperID>

    /// Queues a digest with the papers it carries; false (and nothing written) when the subscription already has a
    /// digest for `period` or is no longer active, or when one of the papers already went to it.
    func enqueueDigest(_ mail: NewOutboxMail, period: DigestPeriod, papers: [PaperID]) async throws -> Bool
    /// Queues a confirmation email (its `period` is the request time, so each request can have its own).
    func enqueueConfirmation(_ mail: NewOutboxMail) async throws
    /// Queued mail whose next attempt is due at `now` (or all queued mail when `ignoringBackoff`), oldest first;
    /// mail to subscriptions that left, or digests to ones no longer active, is skipped.
    func queuedMail(now: Double, ignoringBackoff: Bool, limit: Int) async throws -> [OutboxMail]
    /// Marks mail accepted by the server (its 250 reply) and clears the subscription's bounce count.
    func markSent(_ id: OutboxMailID, now: Double) async throws
    /// Records a transient failure: attempt counted, next try at `retryAt` (Unix seconds).
    func markRetry(_ id: OutboxMailID, error: String, retryAt: Double) async throws
    /// Records a permanent failure: the mail is failed, its papers may go in a later digest, and the subscription
    /// counts a bounce and is paused at `pauseAfter` bounces in a row. Returns whether it was paused now.
    @discardableResult
    func markFailed(_ id: OutboxMailID, error: String, now: Double, pauseAfter: Int) async throws -> Bool
    /// How many outbox rows are in each status (`queued`, `sent`, `failed`).
    func outboxCounts() async throws -> [String: Int]

    /// Papers announced on days in `days` that pass `filters` (category, author), by upvotes (local plus external)
    /// and then newest; at most `limit`.
    func recentPapers(in days: ClosedRange<Day>, filters: SearchFilters, limit: Int) async throws -> [RankedPaper]
}

/// A message to put in the outbox: who it is for and its complete RFC 5322 text.
public struct NewOutboxMail: Sendable {
    /// The subscription it belongs to.
    public var subscription: SubscriptionID
    /// The envelope recipient.
    public var recipient: EmailAddress
    /// The `Message-ID` (without angle brackets), unique per message.
    public var messageID: String
    /// The whole message, headers and body, CRLF line ends.
    public var message: [UInt8]
    /// Papers it lists (0 for a confirmation).
    public var paperCount: Int
    /// When it was made (Unix seconds); also the confirmation's period.
    public var createdAt: Double

    /// Creates an outbox entry.
    public init(subscription: SubscriptionID, recipient: EmailAddress, messageID: String, message: [UInt8], paperCount: Int, createdAt: Double) {
        self.subscription = subscription
        self.recipient = recipient
        self.messageID = messageID
        self.message = message
        self.paperCount = paperCount
        self.createdAt = createdAt
    }
}

/// A queued message as the sender reads it.
public struct OutboxMail: Sendable, Hashable {
    /// Row id.
    public var id: OutboxMailID
    /// The subscription it belongs to (nil for comment mail, which goes to an account).
    public var subscription: SubscriptionID?
    /// `confirmation`, `digest` or `notification`.
    public var kind: String
    /// The period key (a day, an ISO week, or the confirmation's request time).
    public var period: String
    /// The envelope recipient.
    public var recipient: String
    /// The `Message-ID`.
    public var messageID: String
    /// The whole message.
    public var message: [UInt8]
    /// Attempts made so far.
    public var attempts: Int

    /// Creates a queued-mail value.
    public init(id: OutboxMailID, subscription: SubscriptionID?, kind: String, period: String, recipient: String, messageID: String, message: [UInt8], attempts: Int) {
        self.id = id
        self.subscription = subscription
        self.kind = kind
        self.period = period
        self.recipient = recipient
        self.messageID = messageID
        self.message = message
        self.attempts = attempts
    }
}

/// The choice behind ``SubscriptionStore/recentPapers(in:filters:limit:)``, the same in every backend.
package enum RecentPaperChoice {
    /// The filters' dates are the period itself; the rest become a row predicate.
    package static func undated(_ filters: SearchFilters) -> SearchFilters {
        var unfiltered = filters
        unfiltered.from = nil
        unfiltered.to = nil
        return unfiltered
    }

    /// The ids of the `limit` candidates (row key, id, upvotes) the predicate keeps, most upvoted first, newest
    /// rows first among equals.
    package static func choose(_ candidates: [(seq: Int64, id: String, upvotes: Int)], predicate: ((Int64) -> Bool)?, limit: Int) -> [PaperID] {
        candidates.filter { predicate?($0.seq) ?? true }
            .sorted { $0.upvotes != $1.upvotes ? $0.upvotes > $1.upvotes : $0.seq > $1.seq }
            .prefix(limit)
            .compactMap { PaperID($0.id) }
    }
}
