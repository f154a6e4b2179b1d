import ArgumentParser
import Foundation
import PapersCore

/// `papers`: the command-line entry point; the executable only calls `await PapersCommand.main()`.
public struct PapersCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "papers",
        abstract: "A self-hostable research-paper hub: daily papers, search, similar papers, digests.",
        subcommands: [ServeCommand.self, ImportCommand.self, HarvestCommand.self, SearchCommand.self, SimilarCommand.self, ShowCommand.self, EvalCommand.self, RecommendCommand.self, BenchCommand.self, ReindexCommand.self, CopyCommand.self, MigrateCommand.self, AdminCommand.self, BackupCommand.self, RestoreCommand.self, EncodeCommand.self, EmbedCommand.self, IndexCommand.self, DigestCommand.self])

    public init() {}
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Papers home folder (database, models). Default: $PAPERS_HOME, else ~/.papers.")
    var home: String?

    @Option(name: .customLong("database-url"), help: ArgumentHelp(
        "postgres://user[:password]@host[:port]/database to use PostgreSQL (with pgvector) instead of the SQLite file under --home; several servers may share one. Default: $PAPERS_DATABASE_URL, else SQLite.",
        valueName: "URL"))
    var databaseURLOption: String?

    /// The PostgreSQL URL of this run, or nil for SQLite.
    var databaseURL: String? {
        if let databaseURLOption { return databaseURLOption }
        let env = ProcessInfo.processInfo.environment["PAPERS_DATABASE_URL"] ?? ""
        return env.isEmpty ? nil : env
    }

    @Option(name: .long, help: ArgumentHelp(
        "Run as if it were this time, the clock standing still there (ISO 8601, e.g. 2025-11-21T08:00:00Z): to replay a day's harvest or digests, and for tests. Default: the system clock.",
        valueName: "TIME"))
    var now: String?

    func validate() throws {
        if let now, Self.parseTime(now) == nil {
            throw ValidationError("--now must be ISO 8601 like 2025-11-21T08:00:00Z, got \(now)")
        }
    }

    /// The one wall clock of this run: the system's, or the instant `--now` pins. Everything below the CLI gets its
    /// dates from here.
    var clock: WallClock {
        if let pinned = now.flatMap(Self.parseTime) { return .fixed(pinned) }
        return .system
    }

    /// Unix seconds of an ISO 8601 time with a zone (`2025-11-21T08:00:00Z`), or a bare day (its 00:00 UTC).
    static func parseTime(_ text: String) -> Double? {
        if let day = Day(text) { return day.startUnixTime }
        return ISO8601DateFormatter().date(from: text)?.timeIntervalSince1970
    }

    /// The resolved home folder.
    var resolvedHome: String {
        if let home { return (home as NSString).expandingTildeInPath }
        if let env = ProcessInfo.processInfo.environment["PAPERS_HOME"], !env.isEmpty {
            return (env as NSString).expandingTildeInPath
        }
        return ("~/.papers" as NSString).expandingTildeInPath
    }
}

extension WallClock {
    /// The system's clock: read here, in the CLI, and nowhere below it.
    static let system = WallClock { Date().timeIntervalSince1970 }
}

/// Writes to standard error.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
