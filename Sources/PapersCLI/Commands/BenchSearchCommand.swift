import ArgumentParser
import Foundation
import PapersCore
import PapersSearch
import PapersStore

/// `papers bench search`: query latency per mode and stage over an existing home, with a file of queries.
struct BenchSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Time keyword, semantic and hybrid search over the papers in --home with a file of queries (one per line).",
        discussion: "Each query runs once untimed (warm-up), then once timed, one at a time. Latencies are wall-clock milliseconds.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Queries, one per line.") var queries = "../shared/eval/arxiv-title-queries.txt"
    @Option(help: "Modes to time, comma-separated.") var modes = "keyword,semantic,hybrid"
    @Option(help: "Results per query.") var limit = 10

    func run() async throws {
        guard let text = try? String(contentsOfFile: queries, encoding: .utf8) else {
            throw ValidationError("--queries: cannot read \(queries)")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw ValidationError("--queries: \(queries) has no queries") }
        let wanted = try modes.split(separator: ",").map { name -> SearchMode in
            guard let mode = SearchMode(rawValue: String(name)) else { throw ValidationError("--modes: unknown mode \"\(name)\"") }
            return mode
        }
        let store = try StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let needsModel = wanted.contains { $0 != .keyword }
        let service = try modelOptions.searchService(store: store, home: global.resolvedHome, required: needsModel)
        print("\(try await store.paperCount()) papers, \(lines.count) queries, top \(limit)")

        // Stage: keyword candidates alone (the ranked index, no paper rows).
        var stage = LatencySample()
        for line in lines { _ = try await store.keywordCandidates(KeywordQuery(parsing: line), filters: .init(), limit: limit) }
        for line in lines {
            let query = KeywordQuery(parsing: line)
            _ = try await stage.time { try await store.keywordCandidates(query, filters: .init(), limit: limit) }
        }
        print("keyword ranking      \(stage.summary)")
        if let semantic = service.semantic {
            var embed = LatencySample()
            for line in lines { _ = await embed.time { await semantic.embed(query: line) } }
            print("query embedding      \(embed.summary)")
        }
        for mode in wanted {
            var sample = LatencySample()
            for line in lines { _ = try? await service.search(SearchRequest(text: line, mode: mode, limit: limit)) }
            for line in lines {
                _ = try? await sample.time { try await service.search(SearchRequest(text: line, mode: mode, limit: limit)) }
            }
            print("\(mode.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)) \(sample.summary)")
        }
    }
}

/// Wall-clock latencies in milliseconds, with percentiles.
struct LatencySample {
    private(set) var milliseconds: [Double] = []

    /// Times `body` once and records it.
    mutating func time<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try await body()
        milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        return result
    }

    /// "p50 … ms, p99 … ms, max … ms".
    var summary: String {
        String(format: "p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms", RetrievalMetrics.percentile(milliseconds, 0.5),
               RetrievalMetrics.percentile(milliseconds, 0.99), milliseconds.max() ?? 0)
    }
}
