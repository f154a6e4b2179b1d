import ArgumentParser
import PapersDatabase
import PapersPostgres

/// `papers migrate`: brings the database's schema up to date and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database schema up to date, then exit (servers also do it when they start).",
        discussion: """
            Every command migrates the database it opens, under a lock, so servers starting together on an empty \
            PostgreSQL database apply each migration once. Run this first when you would rather deploy the schema \
            before the servers (say, with a database user that may create tables, and servers whose user may not).
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        if let url = global.databaseURL {
            let database = try PostgresDatabase(url: url)
            defer { database.close() }
            let applied = try await database.migrate()
            print(applied.isEmpty ? "\(database.displayURL): schema up to date" : "\(database.displayURL): applied migrations \(applied.map(String.init).joined(separator: ", "))")
        } else {
            _ = try await StoreFactory.open(home: global.resolvedHome, databaseURL: nil)
            print("\(StoreFactory.sqlitePath(home: global.resolvedHome)): schema up to date")
        }
    }
}
