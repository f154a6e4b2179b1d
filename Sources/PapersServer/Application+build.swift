import Hummingbird
import Logging
import PapersEmbedding
import PapersSearch
import PapersStore

/// The one composition root: `papers serve` and the tests both build the server here.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "papers")
    if logger.logLevel > .info { logger.logLevel = .info }
    let store = try StoreFactory.open(home: configuration.home, databaseURL: configuration.databaseURL)
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
            do { _ = try await semantic.index() } catch { log.warning("vector index: \(error)") }
        }
    }
    return try buildApplication(configuration, store: store, semantic: semantic, logger: logger)
}

/// Builds the server over an already-open store; semantic, hybrid and similar-paper search need `semantic`.
public func buildApplication(_ configuration: AppConfiguration, store: any PaperStore, semantic: SemanticIndex? = nil,
                             logger: Logger? = nil) throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "papers")
    if logger.logLevel > .info { logger.logLevel = .info }
    let views = try Views(siteName: configuration.siteName)
    let search = SearchService(store: store, semantic: semantic)
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorPageMiddleware(views: views))
    router.addRoutes(PageController(store: store, search: search, views: views).endpoints)
    router.addRoutes(APIController(store: store, search: search).endpoints, atPath: "/api")
    router.get("/healthz") { _, _ -> HealthStatus in
        HealthStatus(status: "ok", papers: try await store.paperCount())
    }
    router.get("/static/style.css") { _, _ -> Response in
        Response(status: .ok,
                 headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                 body: .init(byteBuffer: ByteBuffer(string: Stylesheet.css)))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Papers"),
        logger: logger)
}

/// `GET /healthz`.
struct HealthStatus: ResponseCodable {
    var status: String
    var papers: Int
}
