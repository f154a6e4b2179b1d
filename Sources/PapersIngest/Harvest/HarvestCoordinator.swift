import Foundation
import PapersCore
import PapersStore

/// A whole harvest: which sets of which repository, over which days.
public struct HarvestPlan: Sendable {
    /// The OAI-PMH base URL.
    public var endpoint: String
    /// `arXiv` or `arXivRaw`.
    public var metadataPrefix: String
    /// Categories or sets as the user writes them (`cs.LG`, `cs`, `cs:cs:LG`); empty for the whole repository.
    public var sets: [String]
    /// First datestamp day; nil continues each set from its last success.
    public var from: Day?
    /// Last datestamp day; nil for up to now.
    public var until: Day?

    /// The sets a new instance follows: machine learning and its neighbours.
    public static let defaultCategories = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML"]

    /// Creates a plan; defaults harvest arXiv's default categories from where each left off.
    public init(endpoint: String = HarvestRequest.arxivEndpoint, metadataPrefix: String = "arXiv",
                sets: [String] = Self.defaultCategories, from: Day? = nil, until: Day? = nil) {
        self.endpoint = endpoint
        self.metadataPrefix = metadataPrefix
        self.sets = sets
        self.from = from
        self.until = until
    }

    /// One request per set.
    public var requests: [HarvestRequest] {
        let specs: [String?] = sets.isEmpty ? [nil] : sets.map(HarvestRequest.setSpec(forCategory:))
        return specs.map { HarvestRequest(endpoint: endpoint, metadataPrefix: metadataPrefix, set: $0, from: from, until: until) }
    }
}

/// What the harvester is doing and did, for `/healthz`, `/metrics` and the home page.
public struct HarvestStatus: Sendable, Codable {
    /// A harvest is running in this process.
    public var running = false
    /// The set being harvested now.
    public var currentSet: String?
    /// Records received in the current list, and its size when known.
    public var received = 0
    /// Records in the current list, when the repository said.
    public var expected: Int?
    /// When the last run started and finished (Unix seconds).
    public var lastStarted: Double?
    /// When the last run finished.
    public var lastFinished: Double?
    /// Papers added, updated and deleted by the last run.
    public var lastImported = 0
    /// Papers updated by the last run.
    public var lastUpdated = 0
    /// Papers deleted by the last run.
    public var lastDeleted = 0
    /// When the last successful run finished (Unix seconds).
    public var lastSuccess: Double?
    /// Runs finished successfully since start.
    public var successes = 0
    /// Runs that failed since start.
    public var failures = 0
    /// The last run's error, one line.
    public var lastError: String?
    /// The last run's error in a few words, for people.
    public var lastErrorSummary: String?
    /// Another server holds the harvest lease.
    public var heldElsewhere = false

    /// Creates an idle status.
    public init() {}
}

/// Runs harvest plans one at a time across every process sharing the database: a run holds the database
/// lease `harvest` (renewed after every page) and a second server's run waits its turn by skipping.
public actor HarvestCoordinator {
    /// Lease name in the database.
    public static let leaseName = "harvest"
    /// Lease lifetime; renewed after every page, so only a dead holder lets it expire.
    public static let leaseSeconds = 600.0

    let store: any PaperStore
    let client: PoliteHTTPClient
    let afterPage: (@Sendable () async throws -> Void)?
    let holder: String
    let clock: WallClock
    /// The current status.
    public private(set) var status = HarvestStatus()
    /// Who held the lease when a run could not take it.
    public private(set) var lastHolder: (holder: String, expiresAt: Double)?

    /// Creates a coordinator on `clock`; `afterPage` runs after each page that brought papers (embedding, say).
    public init(store: any PaperStore, client: PoliteHTTPClient, afterPage: (@Sendable () async throws -> Void)? = nil,
                clock: WallClock) {
        self.store = store
        self.client = client
        self.afterPage = afterPage
        self.clock = clock
        self.holder = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Some sets failed: what the others did, and the first error (which the description repeats).
    public struct SetsFailed: Error, CustomStringConvertible {
        /// Reports of the sets that completed.
        public var reports: [HarvestReport]
        /// The sets that failed, in order.
        public var failedSets: [String]
        /// The first failure.
        public var first: any Error

        public var description: String { "\(failedSets.first ?? "a set"): \(first)" }
    }

    /// Why a run did not happen.
    public enum RunError: Error, CustomStringConvertible {
        /// This process is already harvesting.
        case alreadyRunning
        /// Another process holds the lease.
        case heldElsewhere

        public var description: String {
            switch self {
            case .alreadyRunning: return "a harvest is already running in this process"
            case .heldElsewhere: return "another Papers process is harvesting this database (lease \"\(HarvestCoordinator.leaseName)\"); try again later"
            }
        }
    }

    /// Runs `plan`: each set in turn, each from where it left off. Throws ``RunError`` when another run
    /// holds the lease, or the first set's error after trying every set.
    public func run(_ plan: HarvestPlan, onProgress: @escaping @Sendable (String, HarvestProgress) -> Void = { _, _ in })
        async throws -> [HarvestReport] {
        guard !status.running else { throw RunError.alreadyRunning }
        guard try await takeLease() else {
            status.heldElsewhere = true
            throw RunError.heldElsewhere
        }
        status.heldElsewhere = false
        status.running = true
        status.lastStarted = clock.now
        status.lastError = nil
        status.lastErrorSummary = nil
        defer { status.running = false; status.currentSet = nil }
        var reports: [HarvestReport] = []
        var firstError: (any Error)?
        var failedSets: [String] = []
        let (store, holder, clock) = (self.store, self.holder, self.clock)
        let userHook = afterPage
        var harvester = Harvester(store: store, client: client, clock: clock)
        harvester.afterPage = {
            // Still ours? A holder that stalled past the lease's expiry must stop rather than race a successor.
            guard try await store.acquireLease(Self.leaseName, holder: holder, seconds: Self.leaseSeconds, now: clock.now) else {
                throw RunError.heldElsewhere
            }
            try await userHook?()
        }
        for request in plan.requests {
            status.currentSet = request.set ?? "all"
            status.received = 0
            status.expected = nil
            do {
                let report = try await harvester.harvest(request) { progress in
                    onProgress(request.set ?? "all", progress)
                    Task { await self.update(progress) }
                }
                var named = report
                named.set = request.set ?? "all"
                reports.append(named)
            } catch {
                firstError = firstError ?? error
                failedSets.append(request.set ?? "all")
                status.lastError = "\(request.set ?? "all"): \(error)"
                let text = (error as? FetchError)?.summary ?? "\(error)"
                status.lastErrorSummary = text.count > 160 ? String(text.prefix(160)) + "…" : text
                // The other sets live on the same host.
                if (error as? FetchError)?.isUnreachable == true { break }
            }
        }
        try? await store.releaseLease(Self.leaseName, holder: holder)
        status.lastFinished = clock.now
        status.lastImported = reports.reduce(0) { $0 + $1.counts.imported }
        status.lastUpdated = reports.reduce(0) { $0 + $1.counts.updated }
        status.lastDeleted = reports.reduce(0) { $0 + $1.deleted }
        if let firstError {
            status.failures += 1
            throw SetsFailed(reports: reports, failedSets: failedSets, first: firstError)
        }
        status.successes += 1
        status.lastSuccess = status.lastFinished
        return reports
    }

    /// Takes the lease; a lease left by a process of this host that no longer exists (killed mid-harvest)
    /// is taken over at once instead of after it expires.
    private func takeLease() async throws -> Bool {
        if try await store.acquireLease(Self.leaseName, holder: holder, seconds: Self.leaseSeconds, now: clock.now) { return true }
        guard let (other, expiresAt) = try await store.leaseHolder(Self.leaseName, now: clock.now) else {
            return try await store.acquireLease(Self.leaseName, holder: holder, seconds: Self.leaseSeconds, now: clock.now)
        }
        let parts = other.split(separator: ":")
        guard parts.count >= 2, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]),
              kill(pid, 0) != 0, errno == ESRCH else {
            lastHolder = (other, expiresAt)
            return false
        }
        // The same UPSERT, now as if the lease had expired: only succeeds if nobody renewed it meanwhile.
        return try await store.acquireLease(Self.leaseName, holder: holder, seconds: Self.leaseSeconds, replacing: other, now: clock.now)
    }

    private func update(_ progress: HarvestProgress) {
        status.received = progress.received
        status.expected = progress.completeListSize
    }
}
