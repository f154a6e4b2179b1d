import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PapersCore

/// How gently a harvester treats a repository.
public struct Politeness: Sendable {
    /// Least time between the start of two requests (arXiv asks for 3 s).
    public var minimumInterval: Duration
    /// Attempts per request before giving up (the first one included).
    public var maximumAttempts: Int
    /// Wait before the first retry; doubles with every further one.
    public var initialBackoff: Duration
    /// Longest `Retry-After` obeyed; a longer one fails the request with a clear message.
    public var maximumRetryAfter: Duration
    /// Seconds a single response may take, headers to last byte.
    public var requestTimeout: Duration
    /// Seconds to keep trying to connect before an attempt counts as failed (an unreachable network should
    /// be reported in seconds, not after the whole request timeout).
    public var connectTimeout: Duration

    /// arXiv's rules: 3 s apart, 5 attempts, backoff from 5 s, `Retry-After` up to 10 min.
    public static let arxiv = Politeness(minimumInterval: .seconds(3), maximumAttempts: 5, initialBackoff: .seconds(5),
                                         maximumRetryAfter: .seconds(600), requestTimeout: .seconds(120))

    /// Creates a policy.
    public init(minimumInterval: Duration, maximumAttempts: Int, initialBackoff: Duration, maximumRetryAfter: Duration,
                requestTimeout: Duration, connectTimeout: Duration = .seconds(10)) {
        self.connectTimeout = connectTimeout
        self.minimumInterval = minimumInterval
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = initialBackoff
        self.maximumRetryAfter = maximumRetryAfter
        self.requestTimeout = requestTimeout
    }
}

/// A fetched body with its content type.
public struct FetchedBody: Sendable {
    /// The body bytes.
    public var data: Data
    /// The `Content-Type` header, possibly empty.
    public var contentType: String
}

/// Why a fetch failed for good.
public struct FetchError: Error, CustomStringConvertible {
    /// What went wrong, naming the URL.
    public var message: String
    /// The body could not be used as the caller wanted, after every attempt.
    public var underlying: (any Error)?
    /// The host could not be reached at all (no name resolution, no route, nobody listening).
    public var isUnreachable = false
    /// A few words for people (the home page): `cannot reach oaipmh.arxiv.org`; the message has the details.
    public var summary: String?

    public var description: String { message }
}

/// GETs with a descriptive User-Agent, a minimum interval between requests, `Retry-After` on 503 (and 429)
/// obeyed, and bounded retries with exponential backoff for network errors and 5xx answers.
public actor PoliteHTTPClient {
    /// Sent with every request: who we are and how to reach the operator.
    public nonisolated let userAgent: String
    /// The rules.
    public nonisolated let politeness: Politeness
    private let client: HTTPClient
    private var lastRequest: ContinuousClock.Instant?
    /// Every wait a 503 asked for, in seconds (tests and logs).
    public private(set) var retryAfterWaits: [Double] = []

    /// `contact` (an e-mail address or URL) goes into the User-Agent, as arXiv asks of harvesters.
    public init(contact: String?, politeness: Politeness = .arxiv, client: HTTPClient? = nil) {
        var agent = "Papers/0.5 (self-hosted research-paper hub; https://github.com/papers-hub/papers"
        if let contact, !contact.isEmpty { agent += "; mailto:" + contact }
        userAgent = agent + ")"
        self.politeness = politeness
        self.client = client ?? Self.transport(connectTimeout: politeness.connectTimeout)
    }

    /// Process-wide clients by connect timeout (they live as long as the process, like `HTTPClient.shared`,
    /// so they never need shutting down).
    private static let transports = LockedClients()

    static func transport(connectTimeout: Duration) -> HTTPClient {
        let milliseconds = Int64(connectTimeout.components.seconds) * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000
        return transports.client(connectMilliseconds: max(1, milliseconds))
    }

    /// GETs `url`; `accept(body)` decides whether a 200 answer is usable (throw to retry it as a damaged
    /// answer, e.g. truncated XML). Throws `FetchError` once the attempts are used up, or at once for answers
    /// that retrying cannot fix (4xx other than 429, errors `accept` marks final).
    public func get<T: Sendable>(_ url: String, accept: @escaping @Sendable (FetchedBody) throws -> T) async throws -> T {
        try await get(url) { contentType in CollectingConsumer(contentType: contentType, accept: accept) }
    }

    /// Largest body accepted (an arXiv page is a few MB).
    static let maximumBodyBytes = 256 << 20

    /// GETs `url`, handing a 200 answer's body to a consumer made for it as the bytes arrive (a parser, say);
    /// the consumer's `finish()` gives the result. Retries, pacing and errors as in ``get(_:accept:)``; a
    /// consumer error of type ``FinalFetchError`` is not retried.
    public func get<C: ResponseConsumer>(_ url: String, consumer makeConsumer: @Sendable (_ contentType: String) -> C) async throws -> C.Output {
        var backoff = politeness.initialBackoff
        var unreachableAttempts = 0
        var lastProblem = ""
        var lastError: (any Error)?
        for attempt in 1...politeness.maximumAttempts {
            try await pace()
            var retryAfter: Duration?
            do {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "User-Agent", value: userAgent)
                request.headers.add(name: "Accept", value: "text/xml, application/xml, application/json")
                let response = try await client.execute(request, timeout: .nanoseconds(Int64(politeness.requestTimeout.components.seconds) * 1_000_000_000))
                let status = response.status
                if status == .ok {
                    // The body goes to the consumer chunk by chunk as it arrives; a damaged answer (or a
                    // connection lost midway) is retried with a fresh consumer.
                    let consumer = makeConsumer(response.headers.first(name: "Content-Type") ?? "")
                    do {
                        var received = 0
                        for try await chunk in response.body {
                            received += chunk.readableBytes
                            guard received <= Self.maximumBodyBytes else {
                                throw FinalFetchError(BodyTooLarge(limit: Self.maximumBodyBytes))
                            }
                            try chunk.withUnsafeReadableBytes { try consumer.consume($0) }
                        }
                        return try consumer.finish()
                    } catch let final as FinalFetchError {
                        throw FetchError(message: "\(url): \(final.underlying)", underlying: final.underlying)
                    } catch {
                        lastProblem = "\(error)"
                        lastError = error
                    }
                } else if status == .serviceUnavailable || status == .tooManyRequests {
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    retryAfter = Self.retryAfter(response.headers.first(name: "Retry-After"))
                    lastProblem = "HTTP \(status.code)" + (retryAfter.map { " (Retry-After \($0.components.seconds) s)" } ?? "")
                    if let wait = retryAfter, wait > politeness.maximumRetryAfter {
                        throw FetchError(message: "\(url): the server asks to wait \(wait.components.seconds) s (Retry-After), longer than \(politeness.maximumRetryAfter.components.seconds) s; try later")
                    }
                } else if status.code >= 500 {
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    lastProblem = "HTTP \(status.code) \(status.reasonPhrase)"
                } else {
                    throw FetchError(message: "\(url): HTTP \(status.code) \(status.reasonPhrase)")
                }
            } catch let error as FetchError {
                throw error
            } catch {
                lastProblem = Self.describe(error)
                lastError = error
                // No route, no name resolution, nobody listening: twice is enough to say the host is
                // unreachable (a busy server answers 503 instead, which keeps its full retries).
                if Self.isUnreachable(error) {
                    unreachableAttempts += 1
                    if unreachableAttempts >= 2 {
                        throw FetchError(message: "cannot reach \(Self.host(of: url)) (\(lastProblem)); check the network or the endpoint",
                                         underlying: error, isUnreachable: true, summary: "cannot reach \(Self.host(of: url))")
                    }
                }
            }
            guard attempt < politeness.maximumAttempts else { break }
            let wait = retryAfter ?? backoff
            if retryAfter != nil { retryAfterWaits.append(wait.inSeconds) }
            try await Task.sleep(for: wait)
            // The wait counts as spacing: the next request may go right after it.
            lastRequest = nil
            if retryAfter == nil { backoff = backoff * 2 }
        }
        throw FetchError(message: "\(url): gave up after \(politeness.maximumAttempts) attempts; last: \(lastProblem)", underlying: lastError)
    }

    /// Waits until `minimumInterval` has passed since the previous request.
    private func pace() async throws {
        if let last = lastRequest {
            let next = last.advanced(by: politeness.minimumInterval)
            if next > .now { try await Task.sleep(until: next, clock: .continuous) }
        }
        lastRequest = .now
    }

    /// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3).
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(max(0, Int(date.timeIntervalSinceNow * 1000)))
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        return isUnreachable(error) ? "cannot connect: \(text)" : text
    }

    /// Errors that mean the host cannot be reached at all (rather than answering badly).
    static func isUnreachable(_ error: any Error) -> Bool {
        let text = "\(error)"
        return ["connectTimeout", "connectionRefused", "Connection refused", "NIOConnectionError", "unknown host",
                "getaddrinfo", "UnknownHost", "DNS error", "Network is unreachable", "No route to host", "resolution"].contains { text.contains($0) }
    }

    static func host(of url: String) -> String {
        URL(string: url).flatMap { u in u.host.map { h in u.port.map { "\(h):\($0)" } ?? h } } ?? url
    }
}

/// Receives a response body in chunks.
public protocol ResponseConsumer: AnyObject {
    /// What the whole body becomes.
    associatedtype Output: Sendable
    /// The next bytes of the body.
    func consume(_ bytes: UnsafeRawBufferPointer) throws
    /// The body ended: the result, or why it is unusable.
    func finish() throws -> Output
}

/// Collects the body, then hands it to a closure.
final class CollectingConsumer<T: Sendable>: ResponseConsumer {
    private var data = Data()
    private let contentType: String
    private let accept: @Sendable (FetchedBody) throws -> T

    init(contentType: String, accept: @escaping @Sendable (FetchedBody) throws -> T) {
        self.contentType = contentType
        self.accept = accept
    }

    func consume(_ bytes: UnsafeRawBufferPointer) throws { data.append(contentsOf: bytes) }
    func finish() throws -> T { try accept(FetchedBody(data: data, contentType: contentType)) }
}

/// A body over the size limit.
struct BodyTooLarge: Error, CustomStringConvertible {
    var limit: Int
    var description: String { "the answer is larger than \(limit >> 20) MB" }
}

/// HTTP clients keyed by connect timeout.
private final class LockedClients: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [Int64: HTTPClient] = [:]

    func client(connectMilliseconds: Int64) -> HTTPClient {
        lock.lock()
        defer { lock.unlock() }
        if let client = clients[connectMilliseconds] { return client }
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .milliseconds(connectMilliseconds)
        // Our own retries (spaced, counted, reported) replace the pool's: its silent reconnect loop keeps a
        // request waiting until its whole deadline when a name does not resolve.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        configuration.decompression = .enabled(limit: .ratio(50))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        clients[connectMilliseconds] = client
        return client
    }
}

/// Thrown by an `accept` closure for an answer that retrying cannot fix (an OAI-PMH protocol error, say).
public struct FinalFetchError: Error {
    /// The reason, passed on to the caller.
    public var underlying: any Error

    /// Wraps an error.
    public init(_ underlying: any Error) { self.underlying = underlying }
}
