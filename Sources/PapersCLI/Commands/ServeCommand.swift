import ArgumentParser
import Hummingbird
import Logging
import PapersServer

/// `papers serve`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the web server (pages, API, feeds).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Interface to bind. Use 0.0.0.0 only behind a proxy you trust.") var host = "127.0.0.1"
    @Option(help: "TCP port.") var port = 8080
    @Option(help: "Sentence-transformers model folder for semantic search (default: the usual places, see papers embed --help).")
    var model: String?

    func run() async throws {
        let configuration = AppConfiguration(host: host, port: port, home: global.resolvedHome, databaseURL: global.databaseURL,
                                             modelDirectory: model)
        let app = try await buildApplication(configuration)
        try await app.runService()
    }
}
