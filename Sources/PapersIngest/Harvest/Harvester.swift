import Foundation
import PapersCore
import PapersStore

/// What to harvest from an OAI-PMH repository.
public struct HarvestRequest: Sendable {
    /// The repository's base URL (arXiv's since 2025: `https://oaipmh.arxiv.org/oai`).
    public var endpoint: String
    /// `arXiv` (structured authors) or `arXivRaw` (the only format with version history).
    public var metadataPrefix: String
    /// A set such as `cs` or `cs:cs:LG`; nil for the whole repository.
    public var set: String?
    /// First datestamp day wanted; nil continues from the last complete harvest (first run: 3 days back).
    public var from: Day?
    /// Last datestamp day wanted; nil for up to now.
    public var until: Day?

    /// arXiv's OAI-PMH service.
    public static let arxivEndpoint = "https://oaipmh.arxiv.org/oai"
    /// Days a first harvest reaches back.
    public static let firstRunDays = 3

    /// Creates a request.
    public init(endpoint: String = Self.arxivEndpoint, metadataPrefix: String = "arXiv", set: String? = nil,
                from: Day? = nil, until: Day? = nil) {
        self.endpoint = endpoint
        self.metadataPrefix = metadataPrefix
        self.set = set
        self.from = from
        self.until = until
    }

    /// The key its state is saved under: one per endpoint, format and set.
    public var stateKey: String { "oai-pmh \(endpoint) \(metadataPrefix) \(set ?? "*")" }

    /// arXiv's set name for a category argument: `cs` stays `cs`, `cs.LG` becomes `cs:cs:LG`,
    /// `stat.ML` becomes `stat:stat:ML`; `physics:hep-th` and other spellings with `:` pass through.
    public static func setSpec(forCategory category: String) -> String {
        if category.contains(":") { return category }
        let parts = category.split(separator: ".", maxSplits: 1)
        guard parts.count == 2 else { return category }
        return "\(parts[0]):\(parts[0]):\(parts[1])"
    }
}

/// Progress of a running harvest, after every page.
public struct HarvestProgress: Sendable {
    /// Records received so far in this list (resumed lists count what came before the interruption).
    public var received: Int
    /// Records in the whole list, when the repository says.
    public var completeListSize: Int?
    /// Pages fetched by this run.
    public var pages: Int
}

/// What a harvest did.
public struct HarvestReport: Sendable, CustomStringConvertible {
    /// The set harvested (`all` for the whole repository), when a coordinator ran it.
    public var set: String?
    /// Pages fetched.
    public var pages = 0
    /// Records received (papers and deletions).
    public var records = 0
    /// Upsert outcome of the papers.
    public var counts = UpsertCounts()
    /// Papers removed because the repository deleted them.
    public var deleted = 0
    /// Records that could not be used, `identifier: reason`.
    public var failures: [String] = []
    /// The run continued an interrupted harvest from its resumption token.
    public var resumed = false
    /// The repository rejected a saved or current resumption token, so the list was asked for again.
    public var restarts = 0
    /// The datestamp range asked for.
    public var from: Day?
    /// The end of the range, when one was given.
    public var until: Day?
    /// Seconds spent.
    public var elapsed: Double = 0

    public var description: String {
        var s = "harvested \(records) records in \(pages) pages from \(from?.description ?? "the beginning")"
        if let until { s += " until \(until)" }
        s += ": imported \(counts.imported), updated \(counts.updated), unchanged \(counts.unchanged), deleted \(deleted)"
        if !failures.isEmpty { s += ", skipped \(failures.count)" }
        if resumed { s += " (resumed an interrupted harvest)" }
        if restarts > 0 { s += " (restarted \(restarts)× after an expired resumption token)" }
        return s + String(format: " in %.1f s", elapsed)
    }
}

/// Harvests arXiv metadata over OAI-PMH into a store, page by page.
///
/// Each page is written (papers upserted, deletions applied) before its successor is asked for, and the
/// harvest state (resumption token, range) is saved after it: a harvest killed at any point resumes from the
/// last saved token, and since upserts are idempotent a page written twice changes nothing. An expired or
/// rejected token restarts the list from the harvest's `from` day.
public struct Harvester: Sendable {
    /// Where papers and state go.
    public let store: any PaperStore
    /// The HTTP client (politeness lives there).
    public let client: PoliteHTTPClient
    /// Called after each page with new papers written, e.g. to embed them as they arrive.
    public var afterPage: (@Sendable () async throws -> Void)?
    /// The calendar: a first run reaches back from its day, and the state records when a harvest succeeded.
    public var clock: WallClock

    /// Creates a harvester on `clock` (tests pin it).
    public init(store: any PaperStore, client: PoliteHTTPClient, afterPage: (@Sendable () async throws -> Void)? = nil,
                clock: WallClock) {
        self.store = store
        self.client = client
        self.afterPage = afterPage
        self.clock = clock
    }

    /// Runs one harvest; see the type's description for what survives an interruption.
    public func harvest(_ request: HarvestRequest,
                        onProgress: @escaping @Sendable (HarvestProgress) -> Void = { _ in }) async throws -> HarvestReport {
        let started = ContinuousClock.now
        let key = request.stateKey
        var state = try await store.harvestState(key: key) ?? HarvestState()
        var report = HarvestReport()
        let explicitRange = request.from != nil || request.until != nil
        var token: String?
        if !explicitRange, state.isInProgress {
            token = state.resumptionToken
            report.resumed = token != nil
        } else {
            state.pendingFrom = request.from ?? state.completedThrough ?? clock.today.adding(days: -HarvestRequest.firstRunDays)
            state.pendingUntil = request.until
            state.pendingResponseDay = nil
            state.resumptionToken = nil
            state.recordsReceived = 0
            state.completeListSize = nil
        }
        if state.pendingFrom == nil { state.pendingFrom = state.completedThrough ?? clock.today.adding(days: -HarvestRequest.firstRunDays) }
        report.from = state.pendingFrom
        report.until = state.pendingUntil
        try await store.saveHarvestState(state, key: key, now: clock.now)

        do {
            while true {
                let url = token.map { listRecordsURL(request, token: $0) }
                    ?? listRecordsURL(request, from: state.pendingFrom, until: state.pendingUntil)
                let page: OAIPage
                do {
                    page = try await fetchPage(url)
                } catch let error as FetchError where (error.underlying as? OAIPMHError)?.isBadResumptionToken == true && token != nil {
                    // Tokens expire (arXiv's after a while); the list is asked for again from the range's start.
                    guard report.restarts < 3 else { throw error }
                    report.restarts += 1
                    token = nil
                    state.resumptionToken = nil
                    state.recordsReceived = 0
                    try await store.saveHarvestState(state, key: key, now: clock.now)
                    continue
                }
                try await apply(page, to: &report)
                report.pages += 1
                if state.pendingResponseDay == nil { state.pendingResponseDay = page.responseDay ?? clock.today }
                state.recordsReceived += page.records.count + page.failures.count
                if let size = page.resumptionToken?.completeListSize { state.completeListSize = size }
                token = page.nextToken
                state.resumptionToken = token
                try await store.saveHarvestState(state, key: key, now: clock.now)
                onProgress(HarvestProgress(received: state.recordsReceived, completeListSize: state.completeListSize, pages: report.pages))
                if token == nil { break }
            }
        } catch {
            state.lastError = "\(error)"
            try? await store.saveHarvestState(state, key: key, now: clock.now)
            throw error
        }
        let reached = state.pendingUntil ?? state.pendingResponseDay ?? clock.today
        state.completedThrough = max(state.completedThrough ?? reached, reached)
        state.pendingFrom = nil
        state.pendingUntil = nil
        state.pendingResponseDay = nil
        state.resumptionToken = nil
        state.lastSuccess = Date(timeIntervalSince1970: clock.now)
        state.lastError = nil
        try await store.saveHarvestState(state, key: key, now: clock.now)
        let elapsed = ContinuousClock.now - started
        report.elapsed = elapsed.inSeconds
        return report
    }

    /// Fetches and parses one page; protocol errors are final, damaged answers are retried.
    func fetchPage(_ url: String) async throws -> OAIPage {
        try await client.get(url) { contentType in OAIPageConsumer(contentType: contentType) }
    }

    /// Writes one page: papers upserted in one transaction, deletions in another.
    func apply(_ page: OAIPage, to report: inout HarvestReport) async throws {
        report.records += page.records.count + page.failures.count
        report.failures += page.failures
        var papers: [Paper] = []
        var deleted: [PaperID] = []
        for record in page.records {
            if record.isDeleted {
                if let id = record.arxivID { deleted.append(.arxiv(id)) }
                papers.removeAll { $0.id.arxivID?.base == record.arxivID?.base }
            } else if let paper = record.paper {
                deleted.removeAll { $0.arxivID?.base == paper.id.arxivID?.base }
                papers.append(paper)
            }
        }
        if !papers.isEmpty {
            report.counts += try await store.upsert(papers, defaultDay: page.responseDay ?? clock.today)
        }
        report.deleted += try await store.deletePapers(deleted)
        if !papers.isEmpty, let afterPage { try await afterPage() }
    }

    func listRecordsURL(_ request: HarvestRequest, token: String) -> String {
        request.endpoint + "?verb=ListRecords&resumptionToken=" + Self.escape(token)
    }

    func listRecordsURL(_ request: HarvestRequest, from: Day?, until: Day?) -> String {
        var url = request.endpoint + "?verb=ListRecords&metadataPrefix=" + Self.escape(request.metadataPrefix)
        if let from { url += "&from=\(from)" }
        if let until { url += "&until=\(until)" }
        if let set = request.set { url += "&set=" + Self.escape(set) }
        return url
    }

    /// Percent-encodes a query value (RFC 3986 unreserved characters pass).
    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// Parses a page while it downloads; protocol errors are final, damaged answers are retried.
final class OAIPageConsumer: ResponseConsumer {
    private let parser: OAIPMHStreamParser

    init(contentType: String) { parser = OAIPMHStreamParser(contentType: contentType) }

    func consume(_ bytes: UnsafeRawBufferPointer) throws { try parser.feed(bytes) }

    func finish() throws -> OAIPage {
        do {
            return try parser.finish()
        } catch {
            if case .repository = error { throw FinalFetchError(error) }
            throw error
        }
    }
}
