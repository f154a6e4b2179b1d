import AsyncAlgorithms
import Foundation
import Logging
import PapersCore
import ServiceLifecycle

/// The server's mail worker, a service beside the HTTP server: from the configured hour on, it makes the day's
/// digests (and the week's, from the configured weekday on); at any time it sends queued mail that is due, at once
/// when nudged (a new confirmation) and otherwise every ``interval`` seconds (retries after their backoff).
/// Planning is idempotent, so checking often and running on several servers makes no second digest.
public final class DigestService: Service, Sendable {
    let runner: DigestRunner
    let settings: MailSettings
    let now: @Sendable () -> Double
    let interval: Double
    let logger: Logger
    /// Between two planning passes on ticks, in seconds (nudges plan at once): subscribers with nothing new stay
    /// due all day, and re-running their searches every tick would be waste.
    let planningInterval: Double
    private let nudges: AsyncStream<Bool>
    private let nudger: AsyncStream<Bool>.Continuation

    /// Creates the service; `interval` is the longest wait between passes, in seconds.
    public init(runner: DigestRunner, settings: MailSettings, now: @escaping @Sendable () -> Double, interval: Double = 60,
                planningInterval: Double = 900, logger: Logger = Logger(label: "papers.digest")) {
        self.runner = runner
        self.settings = settings
        self.now = now
        self.interval = interval
        self.planningInterval = planningInterval
        self.logger = logger
        (nudges, nudger) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a pass now, planning included (a confirmation was queued, or a new subscriber may be due today).
    public func nudge() { nudger.yield(true) }

    /// Whether digests are due at `time`: past the digest hour (UTC) of its day.
    func digestsDue(at time: Double) -> Bool {
        let day = Day(unixTime: time)
        return time - Double(day.daysSinceEpoch) * 86_400 >= Double(settings.digestHour) * 3600
    }

    public func run() async throws {
        let ticks = AsyncTimerSequence(interval: .milliseconds(Int64(interval * 1000)), clock: .continuous).map { _ in false }
        let wakeups = merge(ticks, nudges)
        await withGracefulShutdownHandler {
            var lastPlanned = -Double.infinity
            await pass(plan: true, lastPlanned: &lastPlanned)
            for await nudged in wakeups.cancelOnGracefulShutdown() {
                await pass(plan: nudged || now() - lastPlanned >= planningInterval, lastPlanned: &lastPlanned)
            }
        } onGracefulShutdown: { [nudger] in
            nudger.finish()
        }
    }

    /// One pass: plan when due (and `plan`), then deliver what is due; errors are logged and the next pass tries again.
    func pass(plan: Bool, lastPlanned: inout Double) async {
        let time = now()
        do {
            if plan && digestsDue(at: time) {
                lastPlanned = time
                let day = Day(unixTime: time)
                let report = try await runner.run(now: time, weekly: day.weekday >= settings.weeklyDay)
                if report.queued > 0 || (report.delivery?.sent ?? 0) > 0 {
                    logger.info("digest pass", metadata: ["queued": .stringConvertible(report.queued),
                                                          "sent": .stringConvertible(report.delivery?.sent ?? 0)])
                }
            } else {
                _ = try await runner.queueCommentMail(now: time)
                _ = try await runner.sender.deliver()
            }
        } catch {
            logger.warning("mail pass failed", metadata: ["error": .string("\(error)")])
        }
    }
}
