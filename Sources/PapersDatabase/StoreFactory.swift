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

    /// Services that own the store's resources in a server's `ServiceGroup` (put them first: they stop last):
    /// PostgreSQL's connection pool; nothing for SQLite.
    public static func services(of store: any PaperStore) -> [any Service] {
        guard let postgres = store as? PostgresPaperStore else { return [] }
        return [postgres.connectionPoolService]
    }
}
