import Foundation
import Hummingbird
import Logging
import NIOCore
import PapersCore
import PapersIngest

/// The test repository's records.
public typealias TestArxivRecord = OAIArxivRecord

extension OAIArxivRecord {
    /// `count` fresh cs.LG first versions listed on `datestamp` (by default the day before ``TestClock/today``) and
    /// submitted three days before it, ids `2611.000NN` from `first`.
    public static func batch(_ count: Int, first: Int = 1, datestamp: String = TestClock.today.adding(days: -1).description) -> [TestArxivRecord] {
        let created = (Day(datestamp) ?? TestClock.today).adding(days: -3).description
        return (0..<count).map { i in
            TestArxivRecord(id: String(format: "2611.%05d", first + i), datestamp: datestamp, sets: ["cs", "cs:cs:LG"],
                            title: "Harvested paper number \(first + i) about graph transformers",
                            abstract: "Abstract \(first + i): we harvest metadata politely and completely.",
                            created: created)
        }
    }
}

extension OAIArxivRecord {
    /// `unixTime` as an OAI-PMH `responseDate` (`2026-11-24T10:00:00Z`).
    public static func isoTime(_ unixTime: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: unixTime))
    }
}

/// Something the repository does to the next request instead of answering it properly.
public enum OAIFault: Sendable {
    /// 503 with `Retry-After: seconds`.
    case unavailable(retryAfter: Int)
    /// 200 with an HTML error page.
    case htmlPage
    /// 200 with the real answer cut in the middle.
    case truncated
    /// Forgets every resumption token issued so far (as when they expire).
    case expireTokens
}

/// An OAI-PMH 2.0 repository serving arXiv metadata (`arXiv` and `arXivRaw` formats) over HTTP on
/// 127.0.0.1, written from the OAI-PMH 2.0 specification and arXiv's metadata schema, with faults on demand.
public actor OAIPMHTestRepository {
    /// Records, in the order lists return them.
    public var records: [TestArxivRecord]
    /// Records per `ListRecords` page.
    public var pageSize: Int
    /// Every request's query string, in order.
    public private(set) var requests: [String] = []
    /// When each request arrived.
    public private(set) var requestTimes: [ContinuousClock.Instant] = []
    /// User-Agent headers seen.
    public private(set) var userAgents: Set<String> = []
    /// Time taken before answering each request.
    public var delay: Duration = .zero
    /// The repository's clock, as its `responseDate` says it: by default ``TestClock/now``, never the machine's.
    public var responseDate = OAIArxivRecord.isoTime(TestClock.now)
    /// Called (outside the actor's queue) with the 1-based number of each `ListRecords` request.
    public var onRequest: (@Sendable (Int) -> Void)?
    private var faults: [OAIFault] = []
    private var persistentFault: OAIFault?
    private var scheduled: [(request: Int, fault: OAIFault, persistent: Bool)] = []
    private var tokens: [String: (query: ListQuery, offset: Int)] = [:]
    private var tokenCounter = 0

    struct ListQuery {
        var prefix: String
        var from: String?
        var until: String?
        var set: String?
    }

    /// Creates a repository holding `records`.
    public init(records: [TestArxivRecord], pageSize: Int = 3) {
        self.records = records
        self.pageSize = pageSize
    }

    /// The next requests get these faults, one each.
    public func inject(_ faults: OAIFault...) { self.faults += faults }
    /// Every request gets `fault` until cleared with nil.
    public func setPersistentFault(_ fault: OAIFault?) { persistentFault = fault }
    /// From the `request`-th request on (1-based, counting every request), answers get `fault`: every one
    /// when `persistent`, else only that one.
    public func schedule(_ fault: OAIFault, atRequest request: Int, persistent: Bool) {
        scheduled.append((request, fault, persistent))
    }
    /// Replaces or adds a record (matched by id).
    public func put(_ record: TestArxivRecord) {
        if let i = records.firstIndex(where: { $0.id == record.id }) { records[i] = record } else { records.append(record) }
    }
    /// Sets the page size.
    public func setPageSize(_ n: Int) { pageSize = n }
    /// Sets the per-request delay.
    public func setDelay(_ d: Duration) { delay = d }
    /// Sets the request hook.
    public func setOnRequest(_ hook: (@Sendable (Int) -> Void)?) { onRequest = hook }

    /// Answers one request: (status, headers, body).
    func answer(query: [String: String], userAgent: String?) -> (HTTPResponse.Status, [(String, String)], String) {
        requests.append(query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"))
        requestTimes.append(.now)
        if let userAgent { userAgents.insert(userAgent) }
        for (i, s) in scheduled.enumerated().reversed() where s.request == requests.count {
            if s.persistent { persistentFault = s.fault } else { faults.insert(s.fault, at: 0) }
            scheduled.remove(at: i)
        }
        let fault = faults.isEmpty ? persistentFault : faults.removeFirst()
        switch fault {
        case .unavailable(let seconds)?:
            return (.serviceUnavailable, [("Retry-After", "\(seconds)"), ("Content-Type", "text/plain")], "busy, retry later\n")
        case .htmlPage?:
            return (.ok, [("Content-Type", "text/html; charset=utf-8")],
                    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n")
        case .expireTokens?:
            tokens = [:]
        default:
            break
        }
        let xml = respond(query)
        if case .truncated? = fault {
            return (.ok, [("Content-Type", "text/xml; charset=utf-8")], String(xml.prefix(xml.count * 2 / 3)))
        }
        return (.ok, [("Content-Type", "text/xml; charset=utf-8")], xml)
    }

    private func respond(_ q: [String: String]) -> String {
        if q["verb"] == "GetRecord" { return getRecord(q) }
        guard q["verb"] == "ListRecords" else { return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("badVerb", "only ListRecords and GetRecord are served here")) }
        var list: ListQuery
        var offset = 0
        if let token = q["resumptionToken"] {
            guard q.count == 2, let saved = tokens[token] else {
                return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("badResumptionToken", "The value of the resumptionToken argument is invalid or expired."))
            }
            list = saved.query
            offset = saved.offset
        } else {
            guard let prefix = q["metadataPrefix"] else { return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("badArgument", "metadataPrefix is required")) }
            guard prefix == "arXiv" || prefix == "arXivRaw" else {
                return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("cannotDisseminateFormat", "\(prefix) is not supported"))
            }
            list = ListQuery(prefix: prefix, from: q["from"], until: q["until"], set: q["set"])
        }
        let matching = records.filter { r in
            (list.from.map { r.datestamp >= $0 } ?? true) && (list.until.map { r.datestamp <= $0 } ?? true)
                && (list.set.map { set in r.sets.contains { $0 == set || $0.hasPrefix(set + ":") } } ?? true)
        }
        if matching.isEmpty { return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("noRecordsMatch", "The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.")) }
        let page = matching[min(offset, matching.count)..<min(offset + pageSize, matching.count)]
        var body = "<ListRecords>\n"
        for r in page { body += OAIPMHWriter.record(r, prefix: list.prefix) }
        let next = offset + page.count
        if next < matching.count {
            tokenCounter += 1
            let token = "\(tokenCounter)|\(next)"
            tokens[token] = (list, next)
            body += "<resumptionToken cursor=\"\(offset)\" completeListSize=\"\(matching.count)\">\(token)</resumptionToken>\n"
        } else if offset > 0 {
            body += "<resumptionToken cursor=\"\(offset)\" completeListSize=\"\(matching.count)\"/>\n"
        }
        body += "</ListRecords>\n"
        return OAIPMHWriter.envelope(q, responseDate: responseDate, body: body)
    }

    /// `GetRecord`: the latest record of `oai:arXiv.org:ID`.
    private func getRecord(_ q: [String: String]) -> String {
        guard let prefix = q["metadataPrefix"], prefix == "arXiv" || prefix == "arXivRaw" else {
            return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("cannotDisseminateFormat", "metadataPrefix must be arXiv or arXivRaw"))
        }
        guard let identifier = q["identifier"], let record = records.last(where: { "oai:arXiv.org:\($0.id)" == identifier }) else {
            return OAIPMHWriter.envelope(q, responseDate: responseDate, error: ("idDoesNotExist", "No matching identifier in arXiv"))
        }
        return OAIPMHWriter.envelope(q, responseDate: responseDate, body: "<GetRecord>\n" + OAIPMHWriter.record(record, prefix: prefix) + "</GetRecord>\n")
    }

}

/// Serves an ``OAIPMHTestRepository`` at `http://127.0.0.1:PORT/oai` while `body` runs.
public func withOAIPMHServer<T: Sendable>(_ repository: OAIPMHTestRepository,
                                          _ body: @Sendable (_ endpoint: String) async throws -> T) async throws -> T {
    try await withLoopbackServer({ router in
        router.get("/oai") { request, _ -> Response in
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            let delay = await repository.delay
            if delay > .zero { try await Task.sleep(for: delay) }
            let number = await repository.requests.count + 1
            if let hook = await repository.onRequest { hook(number) }
            let (status, headers, text) = await repository.answer(query: query, userAgent: request.headers[.userAgent])
            var fields: HTTPFields = [:]
            for (name, value) in headers {
                switch name {
                case "Retry-After": fields[.retryAfter] = value
                default: fields[.contentType] = value
                }
            }
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }, { base in try await body(base + "/oai") })
}

/// Serves fixed documents by path (`/api/daily_papers` → JSON, say) on 127.0.0.1 while `body` runs;
/// `body` gets `http://127.0.0.1:PORT`. Requests' query strings are recorded in `log`.
public func withStaticServer<T: Sendable>(_ documents: [String: (contentType: String, body: String)], log: RequestLog? = nil,
                                          _ body: @Sendable (_ base: String) async throws -> T) async throws -> T {
    try await withLoopbackServer({ router in
        for (path, document) in documents {
            router.get(RouterPath(path)) { request, _ -> Response in
                log?.add(request.uri.description)
                return Response(status: .ok, headers: [.contentType: document.contentType],
                                body: .init(byteBuffer: ByteBuffer(string: document.body)))
            }
        }
    }, body)
}

/// URIs a test server saw.
public final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    /// Creates an empty log.
    public init() {}
    func add(_ uri: String) { lock.lock(); items.append(uri); lock.unlock() }
    /// Every URI, in order.
    public var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Runs a Hummingbird server with `routes` on 127.0.0.1 (a free port) while `body` runs.
func withLoopbackServer<T: Sendable>(_ routes: (Router<BasicRequestContext>) -> Void,
                                     _ body: @Sendable (_ base: String) async throws -> T) async throws -> T {
    let router = Router()
    routes(router)
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in
                              portContinuation.yield(channel.localAddress?.port ?? 0)
                              portContinuation.finish()
                          },
                          logger: Logger(label: "test-server", factory: { _ in SwiftLogNoOpLogHandler() }))
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    var port = 0
    for await p in portStream { port = p }
    return try await body("http://127.0.0.1:\(port)")
}
