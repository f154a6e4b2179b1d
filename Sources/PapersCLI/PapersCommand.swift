import ArgumentParser
import Foundation

/// `papers`: the command-line entry point; the executable only calls `await PapersCommand.main()`.
public struct PapersCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "papers",
        abstract: "A self-hostable research-paper hub: daily papers, search, similar papers, digests.",
        subcommands: [ServeCommand.self, ImportCommand.self, HarvestCommand.self, SearchCommand.self, SimilarCommand.self, ShowCommand.self, EvalCommand.self, BenchCommand.self, ReindexCommand.self, EncodeCommand.self, EmbedCommand.self, IndexCommand.self, DigestCommand.self])

    public init() {}
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Papers home folder (database, models). Default: $PAPERS_HOME, else ~/.papers.")
    var home: String?

    @Option(name: .long, help: "postgres://… to use PostgreSQL instead of the SQLite file under --home.")
    var databaseURL: String?

    /// The resolved home folder.
    var resolvedHome: String {
        if let home { return (home as NSString).expandingTildeInPath }
        if let env = ProcessInfo.processInfo.environment["PAPERS_HOME"], !env.isEmpty {
            return (env as NSString).expandingTildeInPath
        }
        return ("~/.papers" as NSString).expandingTildeInPath
    }
}

/// Writes to standard error.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
