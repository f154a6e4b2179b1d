import ArgumentParser
import PapersStore
import PapersSQLite
import PapersDatabase

/// `papers reindex`: rebuild the keyword index from the stored papers.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the keyword index from the stored papers (after an upgrade that changes text analysis, or a corrupt index).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        if let url = global.databaseURL {
            // Not silently the SQLite file under --home while the user meant the shared database.
            throw ValidationError("--database-url \(url.split(separator: "@").last ?? ""): papers reindex rebuilds a SQLite home's keyword index; on PostgreSQL it is not available yet (copy the instance to SQLite, reindex, copy back)")
        }
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: global.resolvedHome))
        try await store.reindex()
        print("reindexed \(try await store.indexedPaperCount()) of \(try await store.paperCount()) papers")
    }
}
