import Foundation
import Logging
import PapersCore
import PapersIngest
import PapersStore
import ServiceLifecycle
import UnixSignals

/// When and what the server harvests by itself.
public struct HarvestSchedule: Sendable {
    /// Harvest at all (off for tests and for read-only mirrors).
    public var enabled: Bool
    /// The UTC hour of the daily harvest (0–23). arXiv announces at 00:00–01:00 UTC, so the default, 2,
    /// finds the new day complete.
    public var hourUTC: Int
    /// The sets, endpoint and format.
    public var plan: HarvestPlan
    /// Sent in the User-Agent (an e-mail address or URL).
    public var contact: String?
    /// Spacing and retries.
    public var politeness: Politeness

    /// Creates a schedule; by default a daily harvest at 02:00 UTC of the default categories.
    public init(enabled: Bool = true, hourUTC: Int = 2, plan: HarvestPlan = HarvestPlan(), contact: String? = nil,
                politeness: Politeness = .arxiv) {
        self.enabled = enabled
        self.hourUTC = min(max(hourUTC, 0), 23)
        self.plan = plan
        self.contact = contact
        self.politeness = politeness
    }

    /// The next time the clock reads `hourUTC`:00 after `now`.
    public func nextRun(after now: Date) -> Date {
        let seconds = now.timeIntervalSince1970
        let day = floor(seconds / 86_400) * 86_400
        var next = day + Double(hourUTC) * 3_600
        if next <= seconds { next += 86_400 }
        return Date(timeIntervalSince1970: next)
    }
}

/// Runs the harvest in the background of `papers serve`: at once when the database has never been
/// harvested (the first run reaches 3 days back, while pages are already served), then daily at the
/// scheduled hour, and on demand. Failures (an unreachable network, say) are logged in one line and
/// retried at the next run; the server keeps serving what it has.
public final class HarvestScheduler: Service, Sendable {
    /// The coordinator (its status feeds /healthz, /metrics and the home page).
    public let coordinator: HarvestCoordinator
    let schedule: HarvestSchedule
    let store: any PaperStore
    let logger: Logger
    let clock: WallClock
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    /// When the next scheduled run is due (Unix seconds), for /healthz.
    let nextRunBox = LockedValue<Double?>(nil)
    /// The last run failed (not merely skipped).
    let lastRunFailed = LockedValue(false)

    /// Creates the scheduler on `clock`; `afterPage` runs after every harvested page with papers (embedding).
    public init(store: any PaperStore, schedule: HarvestSchedule, afterPage: (@Sendable () async throws -> Void)?, clock: WallClock,
                logger: Logger) {
        self.store = store
        self.schedule = schedule
        self.logger = logger
        self.clock = clock
        coordinator = HarvestCoordinator(store: store, client: PoliteHTTPClient(contact: schedule.contact, politeness: schedule.politeness),
                                         afterPage: afterPage, clock: clock)
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a harvest now (ignored while one runs).
    public func trigger() { wake.yield() }

    /// The next scheduled run, when harvesting is enabled.
    public var nextRun: Date? { nextRunBox.value.map { Date(timeIntervalSince1970: $0) } }

    /// The signal that asks a running server for a harvest now: `kill -USR1 <pid of papers serve>`.
    public static let triggerSignal = SIGUSR1

    public func run() async throws {
        // On demand from the operator's shell, without an HTTP endpoint to protect. Trapped even when harvesting is
        // off, so a stray signal does not kill the server.
        let signals = await UnixSignalsSequence(trapping: .sigusr1)
        let enabled = schedule.enabled
        let log = logger
        let listener = Task { [weak self] in
            for await _ in signals {
                if enabled { self?.trigger() } else { log.warning("SIGUSR1 ignored: this server runs with --no-harvest") }
            }
        }
        defer { listener.cancel() }
        guard enabled else {
            // A service that returns early would stop the whole group: wait for shutdown instead.
            try? await gracefulShutdown()
            return
        }
        // A database error here is logged by the first run; it must not stop the server.
        if ((try? await store.harvestStates()) ?? [:]).isEmpty {
            logger.info("first run: harvesting the last \(HarvestRequest.firstRunDays) days of \(schedule.plan.sets.joined(separator: " ")) in the background")
            await harvestOnce()
        }
        let waker = wakes
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = self.clock.now
                let next = self.nextAttempt(after: Date(timeIntervalSince1970: now))
                self.nextRunBox.set(next.timeIntervalSince1970)
                // Whichever comes first: the scheduled hour or a trigger.
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await Task.sleep(for: .seconds(max(0, next.timeIntervalSince1970 - now))) }
                    group.addTask { for await _ in waker { return } }
                    _ = await group.next()
                    group.cancelAll()
                }
                if Task.isCancelled { break }
                await self.harvestOnce()
            }
        }
    }

    /// After a failed run (an unreachable network, say) the next try comes within the hour, not a day later.
    static let retryAfterFailure: TimeInterval = 3_600

    /// When to harvest next: the scheduled hour, or sooner after a failure.
    func nextAttempt(after now: Date) -> Date {
        let scheduled = schedule.nextRun(after: now)
        guard lastRunFailed.value else { return scheduled }
        return min(scheduled, now.addingTimeInterval(Self.retryAfterFailure))
    }

    /// One run; errors become one log line (and the status).
    func harvestOnce() async {
        lastRunFailed.set(false)
        do {
            let reports = try await coordinator.run(schedule.plan)
            let imported = reports.reduce(0) { $0 + $1.counts.imported }
            let updated = reports.reduce(0) { $0 + $1.counts.updated }
            logger.info("harvest done: \(imported) new papers, \(updated) updated, from \(schedule.plan.endpoint)")
        } catch HarvestCoordinator.RunError.heldElsewhere {
            logger.info("harvest skipped: another server is harvesting this database")
        } catch HarvestCoordinator.RunError.alreadyRunning {
            return
        } catch {
            lastRunFailed.set(true)
            let count = (try? await store.paperCount()) ?? 0
            let next = ISO8601DateFormatter().string(from: nextAttempt(after: Date(timeIntervalSince1970: clock.now)))
            logger.warning("harvest failed (\(Self.oneLine(error))); serving the \(count) papers already stored; next try \(next)")
        }
    }

    static func oneLine(_ error: any Error) -> String {
        let text = "\(error)".replacingOccurrences(of: "\n", with: " ")
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

/// A value behind a lock.
final class LockedValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ value: T) { lock.lock(); stored = value; lock.unlock() }
}
