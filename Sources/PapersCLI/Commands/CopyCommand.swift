import ArgumentParser
import Foundation
import PapersDatabase
import PapersPostgres
import PapersSQLite
import PapersStore

/// `papers copy --to TARGET`: moves a whole instance into an empty database of either kind.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy this instance — papers, embeddings, keyword index, accounts, sessions, votes, collections, subscriptions, outbox, harvest state — into an empty database.",
        discussion: """
            The source is this instance (--home's SQLite file, or --database-url). TARGET is a postgres:// URL or the path \
            of a new SQLite file; it must be empty, and nothing is written when it is not. Ids are kept, so links, sessions \
            and API tokens keep working. Embeddings stored in PostgreSQL are half precision (pgvector halfvec). Stop the \
            servers writing to the source first.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("postgres://… or the path of a new SQLite file.", valueName: "TARGET"))
    var to: String

    func run() async throws {
        guard let source = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL) as? any TableTransfer else {
            throw ValidationError("this store cannot be copied")
        }
        let target: any TableTransfer
        if to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") {
            target = try await PostgresPaperStore(url: to)
        } else {
            // A SQLite file that does not exist yet is created; one that is not empty is refused before anything is written.
            target = try SQLitePaperStore(path: (to as NSString).expandingTildeInPath)
        }
        let bar = ProgressBar(label: "copy")
        let start = Date()
        do {
            let report = try await InstanceCopy.copy(from: source, to: target) { table, done, total in
                bar.update(done: done, unit: "\(table) rows", fraction: total > 0 ? Double(done) / Double(total) : nil,
                           elapsed: Date().timeIntervalSince(start))
            }
            bar.finish()
            for (table, count) in report.rows where count > 0 { print("\(table): \(count)") }
            print(String(format: "copied %d rows in %.1f s", report.total, Date().timeIntervalSince(start)))
        } catch let error as CopyError {
            bar.finish()
            // A refusal, not a usage mistake: the message alone, exit status 1.
            throw CopyError(message: "--to \(to): \(error.message)")
        }
    }
}
