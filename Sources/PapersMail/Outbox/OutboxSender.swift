import Foundation
import Logging
import PapersCore
import PapersStore

/// Where mail goes: an SMTP server in production and in tests alike (tests start a real one on 127.0.0.1).
public protocol MailTransport: Sendable {
    /// Opens a session that can send several messages; throws ``SMTPError``.
    func openSession() async throws -> any MailSession
}

/// One open conversation with the mail server.
public protocol MailSession: Sendable {
    /// Sends one message; returns when the server has taken responsibility for it (its 250). Throws ``SMTPError``.
    func send(from sender: String, to recipient: String, message: [UInt8]) async throws
    /// Ends the session.
    func close() async
}

/// ``MailTransport`` over ``SMTPConnection``.
public struct SMTPTransport: MailTransport {
    /// The server.
    public let settings: SMTPSettings

    /// Creates a transport.
    public init(settings: SMTPSettings) { self.settings = settings }

    public func openSession() async throws -> any MailSession { Session(connection: try await SMTPConnection.open(settings)) }

    struct Session: MailSession {
        let connection: SMTPConnection
        func send(from sender: String, to recipient: String, message: [UInt8]) async throws {
            try await connection.send(from: sender, to: [recipient], message: message)
        }
        func close() async { await connection.close() }
    }
}

/// What one pass over the outbox did.
public struct DeliveryReport: Sendable, Equatable {
    /// Accepted by the server (250) and marked sent.
    public var sent = 0
    /// Transient failures, to be tried again later.
    public var deferred = 0
    /// Permanent failures (bounces), marked failed.
    public var failed = 0
    /// Why the pass stopped early (the server unreachable or refusing the session), if it did.
    public var stoppedBecause: String?

    /// An empty report.
    public init() {}
}

/// Delivers queued mail, exactly once as far as SMTP allows.
///
/// Each message is a row before it is sent. It is marked sent right after the server's 250 reply to its data; a
/// 4xx reply or a broken connection leaves it queued with a later retry time (exponential backoff); a 5xx reply
/// marks it failed and counts a bounce. The one window no SMTP client can close: the server has stored the
/// message and the process dies before the "sent" mark is committed (between the server's 250 and one SQLite
/// commit, well under a millisecond). The rerun sends it again with the same `Message-ID`, by which mail systems
/// recognise the duplicate.
public struct OutboxSender: Sendable {
    /// The queue.
    public let store: any PaperStore
    /// The mail server.
    public let transport: any MailTransport
    /// The envelope sender (where bounces go).
    public let envelopeFrom: EmailAddress
    /// Bounces in a row that pause a subscription.
    public var pauseAfterBounces = 3
    /// Attempts before a message that keeps failing transiently is given up (marked failed).
    public var maximumAttempts = 10
    /// The first retry delay in seconds; each later one doubles, up to ``maximumBackoff``.
    public var initialBackoff: Double = 60
    /// The longest retry delay, in seconds.
    public var maximumBackoff: Double = 6 * 3600
    /// The clock, Unix seconds.
    public var now: @Sendable () -> Double
    /// Where progress and failures are logged.
    public var logger: Logger

    /// Creates a sender on the clock `now` (Unix seconds).
    public init(store: any PaperStore, transport: any MailTransport, envelopeFrom: EmailAddress,
                now: @escaping @Sendable () -> Double, logger: Logger = Logger(label: "papers.mail")) {
        self.store = store
        self.transport = transport
        self.envelopeFrom = envelopeFrom
        self.now = now
        self.logger = logger
    }

    /// The delay before attempt `attempts + 1`, in seconds.
    public func backoff(afterAttempts attempts: Int) -> Double {
        min(maximumBackoff, initialBackoff * pow(2, Double(max(0, attempts - 1))))
    }

    /// Sends every queued message that is due (all queued ones when `ignoringBackoff`), over one connection
    /// (reopened once if it drops), and reports what happened; `progress` hears about each message.
    /// `dueBy` (Unix seconds) is the time retries must be due at; nil is ``now``.
    public func deliver(dueBy: Double? = nil, ignoringBackoff: Bool = false,
                        progress: (@Sendable (DeliveryReport) -> Void)? = nil) async throws -> DeliveryReport {
        var report = DeliveryReport()
        var session: (any MailSession)?
        var tried: Set<OutboxMailID> = []
        defer { if let session { Task { await session.close() } } }
        batches: while true {
            let batch = try await store.queuedMail(now: dueBy ?? now(), ignoringBackoff: ignoringBackoff, limit: 200).filter { !tried.contains($0.id) }
            if batch.isEmpty { break }
            for mail in batch {
                tried.insert(mail.id)
                var reopened = false
                while true {
                    do {
                        if session == nil { session = try await transport.openSession() }
                        try await session!.send(from: envelopeFrom.value, to: mail.recipient, message: mail.message)
                        try await store.markSent(mail.id, now: now())
                        report.sent += 1
                    } catch let error as SMTPError {
                        if error.isPermanentForMessage {
                            let paused = try await store.markFailed(mail.id, error: error.description, now: now(), pauseAfter: pauseAfterBounces)
                            report.failed += 1
                            logger.warning("undeliverable", metadata: ["to": .string(mail.recipient), "error": .string(error.description),
                                                                       "paused": .stringConvertible(paused)])
                        } else if case .rejected(let command, let reply) = error, reply.isTransient, command == "RCPT TO" || command == "message" {
                            try await defer_(mail, error: error, report: &report)
                        } else {
                            // The session itself failed (no server, dropped connection, refused sender or log-in):
                            // try once on a fresh connection, then leave the rest for a later pass.
                            if let old = session { await old.close() }
                            session = nil
                            if !reopened, case .connection = error {
                                reopened = true
                                continue
                            }
                            try await defer_(mail, error: error, report: &report)
                            report.stoppedBecause = error.description
                            break batches
                        }
                    }
                    break
                }
                progress?(report)
            }
        }
        if let open = session {
            session = nil
            await open.close()
        }
        return report
    }

    private func defer_(_ mail: OutboxMail, error: SMTPError, report: inout DeliveryReport) async throws {
        if mail.attempts + 1 >= maximumAttempts {
            try await store.markFailed(mail.id, error: "gave up after \(mail.attempts + 1) attempts: \(error)", now: now(), pauseAfter: Int.max)
            report.failed += 1
        } else {
            try await store.markRetry(mail.id, error: error.description, retryAt: now() + backoff(afterAttempts: mail.attempts + 1))
            report.deferred += 1
        }
        logger.info("delivery deferred", metadata: ["to": .string(mail.recipient), "error": .string(error.description)])
    }
}
