import ArgumentParser
import Foundation
import Hummingbird
import PapersIngest
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
    @Flag(help: "Do not harvest arXiv in the background (by default: at once on an empty database, then daily).")
    var noHarvest = false
    @Option(help: "UTC hour (0-23) of the daily harvest.")
    var harvestHour = 2
    @Option(name: .customLong("harvest-set"), help: "Category or set to harvest (repeatable). Default: cs.LG cs.CL cs.CV cs.AI stat.ML.")
    var harvestSets: [String] = []
    @Option(help: "OAI-PMH endpoint to harvest.")
    var harvestEndpoint = HarvestRequest.arxivEndpoint
    @Option(help: "Your e-mail or URL for the harvester's User-Agent (default: $PAPERS_CONTACT).")
    var contact: String?
    @Option(help: "The address people reach this instance at (https://papers.example.org), for links in feeds. Default: http://HOST:PORT.")
    var baseURL: String?
    @Option(name: .customLong("rate-limit"), help: ArgumentHelp(
        RateLimits.overrideHelp,
        valueName: "NAME=LIMIT/SECONDS"))
    var rateLimits: [String] = []
    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp(
        "A reverse proxy (IP address or IPv4 network, repeatable) whose X-Forwarded-For names the client for rate limits and logs (docs/operations.md).",
        valueName: "ADDRESS"))
    var trustedProxies: [String] = []
    @OptionGroup var mail: MailOptions

    func validate() throws {
        try mail.check()
        var limits = RateLimits()
        for spec in rateLimits {
            do { try limits.apply(spec) } catch { throw ValidationError("\(error)") }
        }
        do { _ = try TrustedProxies(trustedProxies) } catch { throw ValidationError("\(error)") }
        if let baseURL, URL(string: baseURL)?.host == nil || !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) {
            throw ValidationError("--base-url must be an absolute http(s) URL, got \(baseURL)")
        }
        guard (0...23).contains(harvestHour) else { throw ValidationError("--harvest-hour must be 0 to 23, got \(harvestHour)") }
        guard let url = URL(string: harvestEndpoint), ["http", "https"].contains(url.scheme ?? "") else {
            throw ValidationError("--harvest-endpoint must be an http(s) URL, got \(harvestEndpoint)")
        }
    }

    func run() async throws {
        let schedule = HarvestSchedule(
            enabled: !noHarvest, hourUTC: harvestHour,
            plan: HarvestPlan(endpoint: harvestEndpoint, sets: harvestSets.isEmpty ? HarvestPlan.defaultCategories : harvestSets),
            contact: contact ?? ProcessInfo.processInfo.environment["PAPERS_CONTACT"])
        var configuration = AppConfiguration(host: host, port: port, home: global.resolvedHome, databaseURL: global.databaseURL,
                                             modelDirectory: model, harvest: schedule, clock: global.clock)
        configuration.baseURL = baseURL
        for spec in rateLimits { try configuration.rateLimits.apply(spec) }
        configuration.trustedProxies = try TrustedProxies(trustedProxies)
        configuration.submissionEndpoint = harvestEndpoint
        configuration.mail = try mail.settings(baseURL: configuration.publicBaseURL, siteName: configuration.siteName)
        configuration.mailWorker = true
        try await serverServiceGroup(configuration).run()
    }
}
