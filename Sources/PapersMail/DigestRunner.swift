import Foundation
import Logging
import PapersCore
import PapersRecommend
import PapersSearch
import PapersStore

/// What one digest run did.
public struct DigestRunReport: Sendable {
    /// Digests made and queued for this period.
    public var queued = 0
    /// Due subscribers with nothing new (no email).
    public var empty = 0
    /// Digests that went to other processes first (already queued for the period).
    public var skipped = 0
    /// Due subscriptions that could not be planned (logged), the run went on.
    public var errors = 0
    /// In a dry run, what each subscriber would get: address and paper ids.
    public var preview: [(email: String, papers: [String])] = []
    /// Comment mails queued (each one account's batch of notifications).
    public var commentMail = 0
    /// The delivery pass after planning (nil in a dry run).
    public var delivery: DeliveryReport?
    /// Time spent choosing papers, rendering and queueing, in seconds.
    public var planningSeconds = 0.0
    /// Time spent delivering, in seconds.
    public var deliverySeconds = 0.0

    /// An empty report.
    public init() {}
}

/// Makes the digests that are due and sends them: the work behind `papers digest run` and the server's
/// scheduled digest service.
public struct DigestRunner: Sendable {
    /// The database.
    public let store: any PaperStore
    /// Finds papers for saved searches (each run makes its own ``DigestSelector`` over it).
    public let search: SearchService
    /// Makes messages.
    public let composer: MailComposer
    /// Delivers them.
    public var sender: OutboxSender
    /// Logs.
    public var logger: Logger
    /// Personal ranking for "for you" digests (nil: those digests carry only their other lists).
    public var personal: RecommendationService?
    /// How long after a person's oldest unmailed notification their comment mail goes (seconds), so that a lively
    /// thread makes one mail rather than one per comment.
    public var commentMailDelay: Double = 600
    /// Notifications per comment mail at most (the rest wait for the next one).
    public static let commentMailBatch = 50

    /// Creates a runner.
    public init(store: any PaperStore, search: SearchService, settings: MailSettings, transport: any MailTransport,
                now: @escaping @Sendable () -> Double, logger: Logger = Logger(label: "papers.digest")) async throws {
        self.store = store
        self.search = search
        composer = try MailComposer(settings: settings, tokens: try await SubscriptionTokens(store: store))
        var sender = OutboxSender(store: store, transport: transport, envelopeFrom: settings.from.address, now: now, logger: logger)
        sender.pauseAfterBounces = settings.pauseAfterBounces
        self.sender = sender
        self.logger = logger
    }

    /// Plans the current period's digest for every due subscriber (daily ones always; weekly ones when `weekly`)
    /// and, unless `dryRun`, queues and then delivers them (with every other queued message that is due, or all of
    /// them when `ignoringBackoff`). `progress` hears the count of subscribers planned, then of messages sent.
    public func run(now: Double, weekly: Bool = true, dryRun: Bool = false, ignoringBackoff: Bool = false,
                    progress: (@Sendable (_ phase: String, _ count: Int) -> Void)? = nil) async throws -> DigestRunReport {
        var report = DigestRunReport()
        let planningStart = ContinuousClock.now
        let today = Day(unixTime: now)
        let frequencies: [DigestFrequency] = weekly ? [.daily, .weekly] : [.daily]
        // A fresh selector per run: topic results are shared between subscribers of this run only.
        let selector = DigestSelector(store: store, search: search, personal: personal)
        for frequency in frequencies {
            let period = DigestPeriod(frequency, containing: today)
            var after: SubscriptionID = 0
            while true {
                let due = try await store.subscriptionsDue(period, after: after, limit: 200)
                guard let last = due.last else { break }
                after = last.id
                for subscription in due {
                    do {
                        let entries = try await selector.select(for: subscription, now: now)
                        if entries.isEmpty {
                            report.empty += 1
                            continue
                        }
                        if dryRun {
                            report.preview.append((subscription.email.value, entries.map(\.paper.paper.id.rawValue)))
                            continue
                        }
                        let draft = try composer.digest(for: subscription, period: period, entries: entries, now: now)
                        let mail = NewOutboxMail(subscription: subscription.id, recipient: subscription.email,
                                                 messageID: draft.message.messageID, message: draft.message.rendered(),
                                                 paperCount: draft.paperCount, createdAt: now)
                        if try await store.enqueueDigest(mail, period: period, papers: entries.map(\.paper.paper.id)) {
                            report.queued += 1
                        } else {
                            report.skipped += 1
                        }
                    } catch {
                        report.errors += 1
                        logger.error("digest not planned", metadata: ["subscription": .stringConvertible(subscription.id), "error": .string("\(error)")])
                    }
                    progress?("planned", report.queued + report.empty + report.skipped + report.errors + report.preview.count)
                }
            }
        }
        report.planningSeconds = Self.seconds(since: planningStart)
        guard !dryRun else { return report }
        report.commentMail = try await queueCommentMail(now: now)
        let deliveryStart = ContinuousClock.now
        report.delivery = try await sender.deliver(dueBy: now, ignoringBackoff: ignoringBackoff) { delivery in
            progress?("sent", delivery.sent)
        }
        report.deliverySeconds = Self.seconds(since: deliveryStart)
        return report
    }

    /// Queues one mail per person whose oldest unmailed notification is at least ``commentMailDelay`` old, with all
    /// their notifications (up to ``commentMailBatch``); the store marks them mailed in the same transaction, so a
    /// notification is mailed once however many workers run. Returns how many mails were queued.
    public func queueCommentMail(now: Double) async throws -> Int {
        let pending = try await store.pendingNotifications(limit: 10_000)
        var queued = 0
        for (account, notifications) in Dictionary(grouping: pending, by: \.account) {
            let batch = Array(notifications.sorted { $0.id < $1.id }.prefix(Self.commentMailBatch))
            guard let oldest = batch.first, now - oldest.createdAt >= commentMailDelay else { continue }
            do {
                let draft = try composer.comments(batch, now: now)
                let mail = NotificationMail(account: account, recipient: oldest.email, messageID: draft.message.messageID,
                                            message: draft.message.rendered(), notifications: batch.map(\.id), createdAt: now)
                if try await store.enqueueNotificationMail(mail) { queued += 1 }
            } catch {
                logger.error("comment mail not queued", metadata: ["account": .stringConvertible(account), "error": .string("\(error)")])
            }
        }
        return queued
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return elapsed.inSeconds
    }

    /// Whether weekly digests are due on `day` (their configured weekday).
    public static func isWeeklyDay(_ day: Day, settings: MailSettings) -> Bool { day.weekday == settings.weeklyDay }
}
