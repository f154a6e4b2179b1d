import Foundation
import Logging
import PapersCore
import PapersPostgres
import PapersSQLite
import PapersStore
import ServiceLifecycle

/// Opens the store a configuration names: PostgreSQL for a `postgres://` URL (several servers on one database),
/// else the SQLite file under the home folder.
public enum StoreFactory {
    /// The SQLite database path inside a Papers home folder.
    public static func sqlitePath(home: String) -> String {
        URL(fileURLWithPath: home).appendingPathComponent("papers.sqlite").path
    }

    /// Opens the store: PostgreSQL when `databaseURL` is given (migrated on open), else `HOME/papers.sqlite`.
    /// `vectorSearch` tunes PostgreSQL's nearest-neighbour searches (benchmarks vary it).
    public static func open(home: String, databaseURL: String?, vectorSearch: VectorSearchSettings = .init(),
                            logger: Logger = Logger(label: "papers.postgres")) async throws -> any PaperStore {
        if let databaseURL {
            return try await PostgresPaperStore(url: databaseURL, vectorSearch: vectorSearch, logger: logger)
        }
        return try SQLitePaperStore(path: sqlitePath(home: home))
    }

    /// The store of a server whose service group owns it: for PostgreSQL not yet open, its connection pool the first
    /// service (``ServerStore/open`` runs inside the group, once the pool runs); for SQLite opened, no services.
    public static func serverStore(home: String, databaseURL: String?, logger: Logger = Logger(label: "papers.postgres")) throws -> ServerStore {
        guard let databaseURL else {
            return ServerStore(store: try SQLitePaperStore(path: sqlitePath(home: home)), services: [], open: {})
        }
        let store = try PostgresPaperStore(unopened: databaseURL, logger: logger, runsPool: false)
        return ServerStore(store: store, services: [store.connectionPool], open: { try await store.open() })
    }
}

/// A store with the services that own its resources, for a server's `ServiceGroup` (``StoreFactory/serverStore(home:databaseURL:logger:)``).
public struct ServerStore: Sendable {
    /// The store; ask nothing of it before ``open`` returned.
    public let store: any PaperStore
    /// To run before the services that use the store (a graceful shutdown stops them last).
    public let services: [any Service]
    /// Checks and migrates the database; call it inside the group.
    public let open: @Sendable () async throws -> Void
}
