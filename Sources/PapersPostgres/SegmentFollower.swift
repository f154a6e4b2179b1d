import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Knows when the keyword segments may have changed, so a search need not ask the database every time: a
/// connection LISTENs on `papers_keyword_segments` (every segment write NOTIFYs it in its transaction), and the
/// segment list is checked again after a notification, after this process wrote, after the listening connection was
/// lost (catch-up: whatever was missed is in the list), and in any case once a second — so even behind a pooler that
/// drops LISTEN (pgbouncer in transaction mode) a new paper is searchable within about a second.
final class SegmentFollower: Sendable {
    /// The channel segment writers notify.
    static let channel = "papers_keyword_segments"
    /// The longest a process trusts its reader without a notification.
    static let recheckAfter: Duration = .seconds(1)

    private struct State {
        var listening = false
        var changed = true
        var lastCheck: ContinuousClock.Instant?
    }
    /// Shared with the listening task.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }
    private let shared = Shared()
    private let task: Task<Void, Never>

    /// Follows the segments over `client`, from when `poolRunning` is done.
    init(client: PostgresClient, poolRunning: Task<Void, Never>, logger: Logger) {
        let shared = self.shared
        task = Task {
            await poolRunning.value
            let state = shared
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            // Listening from here on: anything written before is caught by the next check.
                            state.state.withLock { $0.listening = true; $0.changed = true }
                            for try await _ in notifications {
                                state.state.withLock { $0.changed = true }
                            }
                        }
                    }
                } catch {
                    if !Task.isCancelled { logger.debug("keyword segment listener: \(error)") }
                }
                state.state.withLock { $0.listening = false; $0.changed = true }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    deinit { task.cancel() }

    /// Stops listening.
    func stop() { task.cancel() }

    /// Whether the segment list must be read again before searching; when it says so, the caller reads it (the flag
    /// is cleared first, so a notification arriving meanwhile asks again next time).
    func needsCheck() -> Bool {
        let now = ContinuousClock.now
        return shared.state.withLock { s in
            let stale = s.lastCheck.map { now - $0 >= Self.recheckAfter } ?? true
            guard s.changed || !s.listening || stale else { return false }
            s.changed = false
            s.lastCheck = now
            return true
        }
    }

    /// This process wrote segments: its next search reads the list (the notification may still be on its way).
    func wrote() { shared.state.withLock { $0.changed = true } }
}
