import ArgumentParser
import Foundation
import PapersDatabase
import PapersSQLite

/// `papers backup FILE`: a consistent copy of the SQLite database while servers keep running.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database to FILE, consistently, while servers keep running.",
        discussion: """
            SQLite's online backup inside one read transaction: FILE is the database as it was at one moment, whatever \
            is written meanwhile. FILE must not exist. For PostgreSQL use pg_dump (docs/operations.md); `papers copy \
            --to FILE.sqlite` also moves a whole instance into one file.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Where the copy goes (a new file).") var file: String

    func run() async throws {
        guard global.databaseURL == nil else {
            throw ValidationError("--database-url: papers backup copies the SQLite database; back PostgreSQL up with pg_dump (docs/operations.md)")
        }
        guard !FileManager.default.fileExists(atPath: file) else { throw ValidationError("FILE: \(file) exists; choose a new name") }
        let path = StoreFactory.sqlitePath(home: global.resolvedHome)
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("--home: there is no database at \(path)") }
        let store = try SQLitePaperStore(path: path)
        let started = ContinuousClock.now
        try await store.backup(to: file)
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        print("\(path) → \(file): \(try await store.paperCount()) papers, \(size / 1_048_576) MiB in \(started.duration(to: .now))")
    }
}

/// `papers restore FILE`: the database under `--home` replaced by a backup.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the SQLite database under --home with a backup made by papers backup.",
        discussion: """
            Stop the servers first: they would keep serving from their memory. The backup is checked (SQLite's \
            integrity check, Papers' tables) before anything is replaced; a database with papers is replaced only \
            with --force. The keyword and vector indexes under HOME/index are removed and rebuilt from the restored \
            database on the next start.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A file made by papers backup.") var file: String
    @Flag(help: "Replace a database that holds papers.") var force = false

    func run() async throws {
        guard global.databaseURL == nil else {
            throw ValidationError("--database-url: papers restore writes the SQLite database; restore PostgreSQL with pg_restore (docs/operations.md)")
        }
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("FILE: there is no file \(file)") }
        // Opening it as a store checks it is a Papers database (migrations known) and readable.
        let backup = try SQLitePaperStore(path: file)
        let problems = try await backup.integrityProblems()
        guard problems.isEmpty else { throw ValidationError("FILE: \(file) is damaged: \(problems.prefix(3).joined(separator: "; "))") }
        let papers = try await backup.paperCount()
        let home = global.resolvedHome
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let target = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        let existing = try await target.paperCount()
        guard existing == 0 || force else {
            throw ValidationError("--home: \(StoreFactory.sqlitePath(home: home)) holds \(existing) papers; add --force to replace them")
        }
        try await target.restore(from: file)
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: home).appendingPathComponent("index").path)
        print("\(file) → \(StoreFactory.sqlitePath(home: home)): \(papers) papers restored; indexes rebuild on the next start")
    }
}
