import ArgumentParser
import Foundation
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersStore
import PapersDatabase

extension Day: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `papers harvest`.
struct HarvestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvest",
        abstract: "Fetch new and changed arXiv papers over OAI-PMH, or a Hugging Face daily-papers list.",
        discussion: """
            Without dates each set continues from its last complete harvest (the first run reaches 3 days back); \
            an interrupted harvest resumes from its saved resumption token. Requests are at least 3 s apart, \
            503 Retry-After is obeyed, failures are retried with backoff. Only one harvest runs at a time per \
            database, across processes. New papers are embedded as they arrive unless --no-embed.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "First datestamp day (YYYY-MM-DD). Default: where the last harvest of each set ended.")
    var from: Day?
    @Option(help: "Last datestamp day (YYYY-MM-DD). Default: today.")
    var until: Day?
    @Option(name: .customLong("set"), help: "A category or set: cs, cs.LG, stat.ML, cs:cs:LG… (repeatable). Default: cs.LG cs.CL cs.CV cs.AI stat.ML.")
    var sets: [String] = []
    @Option(help: "OAI-PMH base URL.")
    var endpoint = HarvestRequest.arxivEndpoint
    @Option(help: "arXiv (structured authors) or arXivRaw (version history).")
    var metadataPrefix = "arXiv"
    @Option(help: "Your e-mail or URL, sent in the User-Agent as arXiv asks (default: $PAPERS_CONTACT).")
    var contact: String?
    @Option(help: "Seconds between requests; below 3 only for a repository on this machine.")
    var interval: Double = 3
    @Option(help: "Fetch Hugging Face's daily papers of this day (YYYY-MM-DD) instead of harvesting arXiv.")
    var hfDaily: Day?
    @Option(help: "The Hugging Face daily-papers API.")
    var hfEndpoint = "https://huggingface.co/api/daily_papers"
    @Flag(help: "Harvest without computing embeddings (run `papers embed` later).")
    var noEmbed = false

    func validate() throws {
        if let from, let until, from > until { throw ValidationError("--from \(from) is after --until \(until)") }
        guard ["arXiv", "arXivRaw"].contains(metadataPrefix) else {
            throw ValidationError("--metadata-prefix must be arXiv or arXivRaw, got \(metadataPrefix)")
        }
        let (option, value) = hfDaily == nil ? ("--endpoint", endpoint) : ("--hf-endpoint", hfEndpoint)
        guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("\(option) must be an http(s) URL, got \(value)")
        }
        guard interval >= 0 else { throw ValidationError("--interval must not be negative") }
        if interval < 3, !Self.isLoopback(url.host ?? "") {
            throw ValidationError("--interval below 3 s is only allowed for a server on this machine (arXiv asks for 3 s); \(option) is \(value)")
        }
        for set in sets where set.isEmpty || set.contains(where: { $0 == " " || $0 == "&" }) {
            throw ValidationError("--set \"\(set)\" is not a category or set name")
        }
    }

    static func isLoopback(_ host: String) -> Bool { ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) }

    func run() async throws {
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome, unless: noEmbed, command: "harvest")
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        var politeness = Politeness.arxiv
        politeness.minimumInterval = .milliseconds(Int(interval * 1000))
        if interval < 3 { politeness.initialBackoff = .milliseconds(max(10, Int(interval * 1000))) }
        let client = PoliteHTTPClient(contact: contact ?? ProcessInfo.processInfo.environment["PAPERS_CONTACT"], politeness: politeness)
        let home = global.resolvedHome
        var embed: (@Sendable () async throws -> Void)?
        if let encoder {
            embed = { _ = try await Embedder(store: store, encoder: encoder).run() }
        }

        if let day = hfDaily {
            let url = hfEndpoint + "?date=\(day)"
            let data = try await client.get(url) { body in body.data }
            let (entries, failures) = try HFDailyReader.read([UInt8](data), featured: day, source: url)
            for failure in failures { Console.error(failure) }
            let (counts, featured) = try await HFDailyReader.store(entries, into: store)
            print("hf-daily \(day): \(featured) featured papers; imported \(counts.imported), already known \(counts.unchanged), skipped \(failures.count)")
            try await embed?()
            return
        }

        let coordinator = HarvestCoordinator(store: store, client: client, afterPage: embed, clock: global.clock)
        let plan = HarvestPlan(endpoint: endpoint, metadataPrefix: metadataPrefix,
                               sets: sets.isEmpty ? HarvestPlan.defaultCategories : sets, from: from, until: until)
        let bars = BarsBySet()
        do {
            let reports = try await coordinator.run(plan) { set, progress in
                bars.bar(for: set).update(done: progress.received, unit: "records",
                                          fraction: progress.completeListSize.map { Double(progress.received) / Double(max($0, 1)) },
                                          elapsed: bars.elapsed(set))
            }
            bars.finishAll()
            Self.printReports(reports)
        } catch let partial as HarvestCoordinator.SetsFailed {
            bars.finishAll()
            Self.printReports(partial.reports)
            Console.error("error: harvest of \(partial.failedSets.joined(separator: ", ")) failed: \(partial.first)")
            Console.error("       what was fetched is kept; rerun `papers harvest` to continue where it stopped")
            throw ExitCode(1)
        } catch HarvestCoordinator.RunError.heldElsewhere {
            bars.finishAll()
            let holder = await coordinator.lastHolder
            Console.error("error: another process is harvesting this database" + (holder.map {
                " (\($0.holder), lease until \(Date(timeIntervalSince1970: $0.expiresAt)))" } ?? ""))
            throw ExitCode(1)
        } catch {
            bars.finishAll()
            Console.error("error: harvest failed: \(error)")
            Console.error("       what was fetched is kept; rerun `papers harvest` to continue where it stopped")
            throw ExitCode(1)
        }
        if let encoder {
            _ = try await EmbedCommand.embedAll(store: store, encoder: encoder, home: home)
        }
    }
}

extension HarvestCommand {
    /// One line per set, skipped records on standard error.
    static func printReports(_ reports: [HarvestReport]) {
        for report in reports {
            Swift.print("\(report.set ?? "all"): \(report.description)")
            for failure in report.failures.prefix(100) { Console.error("  skipped \(failure)") }
        }
    }
}

/// One progress bar per set, created when the set starts.
final class BarsBySet: @unchecked Sendable {
    private let lock = NSLock()
    private var bars: [String: (ProgressBar, Date)] = [:]
    private var order: [String] = []

    func bar(for set: String) -> ProgressBar {
        lock.lock()
        defer { lock.unlock() }
        if let (bar, _) = bars[set] { return bar }
        if let last = order.last { bars[last]?.0.finish() }
        let bar = ProgressBar(label: set)
        bars[set] = (bar, Date())
        order.append(set)
        return bar
    }

    func elapsed(_ set: String) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return bars[set].map { Date().timeIntervalSince($0.1) } ?? 0
    }

    func finishAll() {
        lock.lock()
        defer { lock.unlock() }
        if let last = order.last { bars[last]?.0.finish() }
    }
}
