import Foundation
import PapersCore
import PapersSQLite
import PapersStore

/// Opens the store a configuration names: the SQLite file under `home`, or (later) PostgreSQL.
public enum StoreFactory {
    /// The SQLite database path inside a Papers home folder.
    public static func sqlitePath(home: String) -> String {
        URL(fileURLWithPath: home).appendingPathComponent("papers.sqlite").path
    }

    /// Opens the store: PostgreSQL when `databaseURL` is given, else `HOME/papers.sqlite`.
    public static func open(home: String, databaseURL: String?) throws -> any PaperStore {
        if let databaseURL {
            throw StoreError.cannotOpen(path: databaseURL, reason: "the PostgreSQL backend is not built yet; omit --database-url to use SQLite")
        }
        return try SQLitePaperStore(path: sqlitePath(home: home))
    }
}
