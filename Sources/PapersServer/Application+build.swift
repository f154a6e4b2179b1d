import Foundation
import Hummingbird
import Logging
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersMail
import PapersRecommend
import PapersSearch
import PapersStore
import Prometheus
import ServiceLifecycle
import UnixSignals
import PapersDatabase

/// Opens the store the configuration names and builds the server on it (the tests' way in; `papers serve` goes
/// through ``serverServiceGroup(_:gracefulShutdownSignals:logger:)``, which builds with the same composition root).
public func buildApplication(_ configuration: AppConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    let store = try await StoreFactory.open(home: configuration.home, databaseURL: configuration.databaseURL)
    return try await buildApplication(configuration, openedStore: store, logger: logger)
}

/// `papers serve`: the store's services (PostgreSQL's connection pool, `PostgresClient.run()`) and then the application,
/// built on the store once it is open, in one service group that shuts down gracefully on `gracefulShutdownSignals` —
/// the application first, the pool last.
public func serverServiceGroup(_ configuration: AppConfiguration, gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
                               logger: Logger? = nil) throws -> ServiceGroup {
    let server = try StoreFactory.serverStore(home: configuration.home, databaseURL: configuration.databaseURL)
    let application = ApplicationService {
        try await server.open()
        return try await buildApplication(configuration, openedStore: server.store, logger: logger)
    }
    let services = server.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        + [.init(service: application, successTerminationBehavior: .gracefullyShutdownGroup)]
    return ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: gracefulShutdownSignals,
                                             logger: logger ?? Logger(label: "papers")))
}

/// Builds the application when the group runs it (the store is open by then), then runs it until graceful shutdown.
struct ApplicationService: Service {
    let build: @Sendable () async throws -> any ApplicationProtocol

    func run() async throws {
        try await build().run()
    }
}

/// The one composition root, over an opened store — `papers serve` and the tests both build the server here: the
/// encoder, the indexes' warm-up, the harvester, then the routes.
public func buildApplication(_ configuration: AppConfiguration, openedStore store: any PaperStore,
                             logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "papers")
    if logger.logLevel > .info { logger.logLevel = .info }
    var semantic: SemanticIndex?
    let modelDirectory = ModelLocation.resolve(explicit: configuration.modelDirectory, home: configuration.home)
    do {
        semantic = SemanticIndex(store: store, encoder: try SentenceEncoder(directory: modelDirectory),
                                 configuration: SemanticIndex.configuration(home: configuration.home))
    } catch {
        // Keyword search, pages and the API all work without the model; say once why meaning-based search is off.
        logger.warning("semantic search disabled: \(error)")
    }
    // Load the keyword index and the vector index (or build it) now, side by side, rather than in the first
    // search's time.
    let log = logger
    Task.detached {
        do { try await store.prepareKeywordIndex() } catch { log.warning("keyword index: \(error)") }
    }
    if let semantic {
        Task.detached {
            do { try await semantic.prepare() } catch { log.warning("vector index: \(error)") }
        }
    }
    // Harvested papers are embedded as they arrive, with the encoder semantic search already loaded.
    var afterPage: (@Sendable () async throws -> Void)?
    if let encoder = semantic?.encoder {
        afterPage = { _ = try await Embedder(store: store, encoder: encoder).run() }
    }
    let scheduler = HarvestScheduler(store: store, schedule: configuration.harvest, afterPage: afterPage, clock: configuration.clock,
                                     logger: logger)
    return try await buildApplication(configuration, store: store, semantic: semantic, harvest: scheduler, logger: logger)
}

/// Builds the server over an already-open store; semantic, hybrid and similar-paper search need `semantic`.
/// `harvest` runs as a service beside the HTTP server and reports on `/healthz`, `/metrics` and the home page.
public func buildApplication(_ configuration: AppConfiguration, store: any PaperStore, semantic: SemanticIndex? = nil,
                             harvest: HarvestScheduler? = nil, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "papers")
    if logger.logLevel > .info { logger.logLevel = .info }
    let (router, services) = try await buildRouter(configuration, store: store, semantic: semantic, harvest: harvest, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Papers"),
        services: services,
        logger: logger)
}

/// Every route the server has, as `METHOD /path` with Hummingbird's patterns (`:id`, `**`): the tests hold the OpenAPI
/// description to this list.
package func routeDescriptions(_ configuration: AppConfiguration, store: any PaperStore) async throws -> [String] {
    try await buildRouter(configuration, store: store, logger: Logger(label: "papers")).0.routes.map { "\($0.method) \($0.path)" }
}

/// Every route of the server and the services that run beside it (harvester, mail worker).
func buildRouter(_ configuration: AppConfiguration, store: any PaperStore, semantic: SemanticIndex? = nil,
                 harvest: HarvestScheduler? = nil, logger: Logger) async throws -> (Router<AppRequestContext>, [any Service]) {
    let views = try Views(siteName: configuration.siteName)
    let search = SearchService(store: store, semantic: semantic)
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ClientAddressMiddleware(proxies: configuration.trustedProxies))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorPageMiddleware(views: views))
    let routeTable = RouteTable(actions: [.init(route: .apiPaper, action: "upvote", methods: [.post, .delete])])
    router.add(middleware: MethodRoutingMiddleware(table: routeTable))
    let auth = Authentication(store: store, bcryptCost: configuration.bcryptCost, secureCookies: configuration.secureCookies,
                              now: configuration.now)
    router.add(middleware: SessionMiddleware(auth: auth))
    try await auth.loadKeys()
    let limiter = RateLimiter(now: configuration.now, shared: store as? any SharedRateLimits)
    let fetcher = configuration.submissionEndpoint.map {
        OAIPaperFetcher(endpoint: $0, contact: configuration.harvest.contact, politeness: configuration.submissionPoliteness) as any PaperFetcher
    }
    let community = CommunityService(store: store, limits: configuration.rateLimits, limiter: limiter, now: configuration.now)
    let recommender = RecommendationService(store: store, embeddingModel: semantic?.encoder.name ?? SentenceEncoder.defaultModelName,
                                            dimension: semantic?.encoder.dimension ?? 384)
    let personal = PersonalController(store: store, recommender: recommender, views: views, clock: configuration.clock, limiter: limiter,
                                      limits: configuration.rateLimits, baseURL: configuration.publicBaseURL, siteName: configuration.siteName)
    router.addRoutes(PageController(store: store, search: search, views: views, harvest: harvest,
                                    clock: configuration.clock, personal: personal, baseURL: configuration.publicBaseURL).endpoints)
    router.addRoutes(AccountController(store: store, auth: auth, limits: configuration.rateLimits, limiter: limiter, views: views).endpoints)
    router.addRoutes(CommunityController(community: community, views: views, fetcher: fetcher).endpoints)
    router.addRoutes(DiscussionController(community: community, baseURL: configuration.publicBaseURL, siteName: configuration.siteName).endpoints)
    router.addRoutes(AuthorController(store: store, views: views, baseURL: configuration.publicBaseURL, siteName: configuration.siteName,
                                      now: configuration.now).endpoints)
    router.addRoutes(AccountSettingsController(store: store, auth: auth, views: views, tokens: try await SubscriptionTokens(store: store)).endpoints)
    router.addRoutes(AdminController(store: store, views: views, now: configuration.now).endpoints)
    let mail = configuration.mailSettings
    // The runner (templates, signing key) is made only when this server runs the mail worker.
    var mailWorker: DigestService?
    if configuration.mailWorker {
        var runner = try await DigestRunner(store: store, search: search, settings: mail, transport: SMTPTransport(settings: mail.smtp),
                                            now: configuration.now, logger: logger)
        runner.personal = recommender
        mailWorker = DigestService(runner: runner, settings: mail, now: configuration.now, interval: configuration.mailWorkerInterval, logger: logger)
    }
    router.addRoutes(SubscriptionController(store: store, desk: try await SubscriptionDesk(store: store, settings: mail),
                                            limits: configuration.rateLimits, limiter: limiter, views: views, now: configuration.now,
                                            nudge: { [mailWorker] in mailWorker?.nudge() }).endpoints)
    router.addRoutes(personal.endpoints)
    router.addRoutes(HFCompatibleAPIController(store: store, search: search, community: community).endpoints)
    router.addRoutes(APIController(store: store, search: search, personal: personal).endpoints)
    router.addRoutes(FeedController(store: store, search: search, baseURL: configuration.publicBaseURL,
                                    siteName: configuration.siteName, community: community).endpoints)
    router.get(.health) { _, _ -> HealthStatus in
        var health = HealthStatus(status: "ok", papers: try await store.paperCount(), mailOutbox: try await store.outboxCounts())
        if let harvest {
            health.harvest = await HarvestHealth(status: harvest.coordinator.status, scheduler: harvest,
                                                 states: try await store.harvestStates())
        }
        return health
    }
    let metrics = ServerMetrics(store: store, harvest: harvest)
    router.get(.metrics) { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: try await metrics.render())))
    }
    router.get(.script) { _, _ -> Response in
        Response(status: .ok,
                 headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                 body: .init(byteBuffer: ByteBuffer(string: Stylesheet.javascript)))
    }
    router.get(.stylesheet) { _, _ -> Response in
        Response(status: .ok,
                 headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                 body: .init(byteBuffer: ByteBuffer(string: Stylesheet.css)))
    }
    let katex = KatexAssets(directory: KatexAssets.defaultDirectory)
    router.get(.katex) { _, context -> Response in try katex.response(context.parameters.getCatchAll()) }
    router.get(.openAPI) { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=3600"],
                 body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
    }
    routeTable.fill(router.routes)
    var services: [any Service] = []
    if let harvest { services.append(harvest) }
    if let mailWorker { services.append(mailWorker) }
    return (router, services)
}

/// `GET /healthz`.
struct HealthStatus: ResponseCodable {
    var status: String
    var papers: Int
    /// Outbox rows by status (`queued`, `sent`, `failed`): queued mail that does not go down means no relay.
    var mailOutbox: [String: Int]
    var harvest: HarvestHealth?
}

/// The harvest part of `/healthz`.
struct HarvestHealth: Codable, Sendable {
    var enabled: Bool
    var running: Bool
    var currentSet: String?
    var received: Int
    var expected: Int?
    var lastStarted: String?
    var lastFinished: String?
    var lastImported: Int
    var lastUpdated: Int
    var lastDeleted: Int
    var successes: Int
    var failures: Int
    var lastError: String?
    var nextRun: String?
    /// Per set: the day the last complete harvest reached, and whether one is interrupted.
    var sets: [String: SetState]

    struct SetState: Codable, Sendable {
        var completedThrough: String?
        var inProgress: Bool
        var lastError: String?
    }

    init(status: HarvestStatus, scheduler: HarvestScheduler, states: [String: HarvestState]) {
        let iso = ISO8601DateFormatter()
        func time(_ t: Double?) -> String? { t.map { iso.string(from: Date(timeIntervalSince1970: $0)) } }
        enabled = scheduler.schedule.enabled
        running = status.running
        currentSet = status.currentSet
        received = status.received
        expected = status.expected
        lastStarted = time(status.lastStarted)
        lastFinished = time(status.lastFinished)
        lastImported = status.lastImported
        lastUpdated = status.lastUpdated
        lastDeleted = status.lastDeleted
        successes = status.successes
        failures = status.failures
        lastError = status.lastError
        nextRun = scheduler.nextRun.map { iso.string(from: $0) }
        sets = states.mapValues { SetState(completedThrough: $0.completedThrough?.description, inProgress: $0.isInProgress, lastError: $0.lastError) }
    }
}

/// `/metrics` in the Prometheus text format: gauges refreshed from the store and the harvester on each scrape.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let store: any PaperStore
    let harvest: HarvestScheduler?
    let papers: Gauge
    let running: Gauge
    let lastSuccess: Gauge
    let lastImported: Gauge
    let successes: Gauge
    let failures: Gauge
    let received: Gauge

    init(store: any PaperStore, harvest: HarvestScheduler?) {
        self.store = store
        self.harvest = harvest
        papers = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers", unitName: "stored", helpText: "Papers in the database."))
        running = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers_harvest", unitName: "running", helpText: "1 while a harvest runs in this process."))
        lastSuccess = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers_harvest_last_success_timestamp", unitName: "seconds", helpText: "When the last harvest finished without error (Unix time, 0 if never)."))
        lastImported = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers_harvest_last", unitName: "imported", helpText: "Papers the last harvest added."))
        successes = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers_harvest", unitName: "successes", helpText: "Harvests that succeeded since start."))
        failures = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers_harvest", unitName: "failures", helpText: "Harvests that failed since start."))
        received = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "papers_harvest_records", unitName: "received", helpText: "Records received by the running (or last) harvest list."))
    }

    func render() async throws -> String {
        papers.set(to: Double(try await store.paperCount()))
        if let harvest {
            let status = await harvest.coordinator.status
            running.set(to: status.running ? 1 : 0)
            lastSuccess.set(to: status.lastSuccess ?? 0)
            lastImported.set(to: Double(status.lastImported))
            successes.set(to: Double(status.successes))
            failures.set(to: Double(status.failures))
            received.set(to: Double(status.received))
        }
        return registry.emitToString()
    }
}
