import ArgumentParser
import Foundation
import PapersCore
import PapersSearch
import PapersStore
import PapersDatabase
import PapersPostgres

/// `papers bench search`: query latency per mode and stage over an existing home, with a file of queries.
struct BenchSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Time keyword, semantic and hybrid search over the papers in --home with a file of queries (one per line).",
        discussion: """
            Each query runs once untimed (warm-up), then once timed, one at a time. Latencies are wall-clock \
            milliseconds. With --synthetic N, a second home of N papers is built (once) beside --home: texts \
            generated with the word frequencies of --vocabulary, vectors drawn from a Gaussian with the mean and \
            covariance of --home's real embeddings, an HNSW graph; the same stages are timed there, plus recall \
            against exact search, start-up time, end-to-end latency over HTTP and the server's memory. --report \
            writes all of it as Markdown.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Queries, one per line.") var queries = "../shared/eval/arxiv-title-queries.txt"
    @Option(help: "Modes to time, comma-separated.") var modes = "keyword,semantic,hybrid"
    @Option(help: "Results per query.") var limit = 10
    @Option(help: "Papers in the synthetic home (0: none).") var synthetic = 0
    @Option(help: "Synthetic home folder (default: HOME-synthetic-N).") var syntheticHome: String?
    @Option(help: "Corpus whose word frequencies the generated texts follow.") var vocabulary = "../shared/data/arxiv-sample.jsonl.gz"
    @Option(help: "Loopback port for the server started on the synthetic home.") var port = 18_787
    @Option(help: "Write the measurements as Markdown to this file (e.g. docs/performance.md).") var report: String?
    @Option(help: "HNSW links per node of the synthetic home's graph (when it builds it).") var syntheticM = 32
    @Option(help: "HNSW candidate list while building the synthetic home's graph.") var syntheticEfConstruction = 200
    @Option(help: "With --database-url: pgvector's hnsw.ef_search (default: the store's).") var efSearch: Int?
    @Flag(help: "With --database-url: rank vectors in this process's index, loaded from the database, instead of with pgvector.")
    var inProcessVectors = false

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
        guard synthetic >= 0 else { throw ValidationError("--synthetic: must be 0 or more, got \(synthetic)") }
        let home = global.resolvedHome
        var vectorSearch = VectorSearchSettings()
        if let efSearch { vectorSearch.efSearch = efSearch }
        let store = try await StoreFactory.open(home: home, databaseURL: global.databaseURL, vectorSearch: vectorSearch)
        let needsModel = wanted.contains { $0 != .keyword } || synthetic > 0
        // Every query runs twice (warm-up, then timed): remembered query embeddings would time a cache.
        let service = try modelOptions.searchService(store: store, home: home, required: needsModel, remembersQueries: false,
                                                     rankInDatabase: !inProcessVectors)
        var markdown = Self.reportHeader(queries: queries, count: lines.count, limit: limit)
        let real = try await measureStages(store: store, service: service, lines: lines, modes: wanted)
        markdown += "\n## \(home): \(real.papers)\n\n" + real.table

        if synthetic > 0, let semantic = service.semantic {
            let realVectors = try await store.embeddingMatrix(model: semantic.encoder.name)
            guard realVectors.count >= 1_000 else {
                throw ValidationError("--home: \(realVectors.count) embedded papers; the Gaussian needs at least 1,000 (run `papers embed`)")
            }
            let model = GaussianModel(fitting: realVectors)
            let folder = syntheticHome ?? (home.hasSuffix("/") ? String(home.dropLast()) : home) + "-synthetic-\(synthetic)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let syntheticStore = try await StoreFactory.open(home: folder, databaseURL: nil)
            var syntheticConfiguration = SemanticIndex.configuration(home: folder)
            syntheticConfiguration.rememberedQueries = 0
            syntheticConfiguration.parameters.m = syntheticM
            syntheticConfiguration.parameters.efConstruction = syntheticEfConstruction
            let syntheticSemantic = SemanticIndex(store: syntheticStore, encoder: semantic.encoder, configuration: syntheticConfiguration)
            var builder = SyntheticScaleHome(home: folder, count: synthetic, vocabularyPath: vocabulary)
            try await builder.build(store: syntheticStore, semantic: syntheticSemantic, model: model)
            let loadStart = Date()
            try await syntheticSemantic.prepare()
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let syntheticService = SearchService(store: syntheticStore, semantic: syntheticSemantic)
            let measured = try await measureStages(store: syntheticStore, service: syntheticService, lines: lines, modes: wanted)
            let probe = try await ServerProbe.run(home: folder, model: modelOptions.model, queries: lines, port: port)
            say(String(format: "server: /healthz after %.2f s, first hybrid search after %.2f s; HTTP hybrid %@; errors %d; RSS %.0f MB, peak %.0f MB",
                         probe.healthSeconds, probe.firstSearchSeconds, probe.latency.summary, probe.errors,
                         probe.residentMB, probe.peakResidentMB))
            markdown += "\n## Synthetic: \(measured.papers)\n\n"
            markdown += "Texts generated with the word frequencies of `\(vocabulary)`; vectors drawn from a Gaussian with the mean "
            markdown += builder.steps.isEmpty
                ? "and covariance of the real embeddings (fitted by the earlier run that built this home), normalised.\n\n"
                : "and covariance of the \(realVectors.count) real embeddings above, normalised.\n\n"
            markdown += "| build step | seconds |\n|---|---|\n"
            for (step, seconds) in builder.steps { markdown += String(format: "| %@ | %.1f |\n", step, seconds) }
            if builder.steps.isEmpty { markdown += "| (built by an earlier run) | — |\n" }
            markdown += String(format: "| load the saved graph in this process | %.1f |\n\n", loadSeconds)
            markdown += measured.table
            markdown += "\n`papers serve` on this home (a child process, hybrid `/api/search` over HTTP, \(lines.count) queries one at a time):\n\n"
            markdown += "| measurement | value |\n|---|---|\n"
            markdown += String(format: "| first `/healthz` answer after start | %.2f s |\n", probe.healthSeconds)
            markdown += String(format: "| first hybrid search answered after start | %.2f s |\n", probe.firstSearchSeconds)
            markdown += String(format: "| hybrid end to end p50 / p99 | %.2f / %.2f ms |\n", RetrievalMetrics.percentile(probe.latency.milliseconds, 0.5),
                               RetrievalMetrics.percentile(probe.latency.milliseconds, 0.99))
            markdown += "| errors | \(probe.errors) |\n"
            markdown += String(format: "| resident memory after the queries / peak | %.0f / %.0f MB |\n", probe.residentMB, probe.peakResidentMB)
        }
        if let report {
            try markdown.write(toFile: report, atomically: true, encoding: .utf8)
            say("wrote \(report)")
        }
    }

    /// Stage and mode latencies over one store; printed as they come and returned as a Markdown table.
    private func measureStages(store: any PaperStore, service: SearchService, lines: [String], modes: [SearchMode]) async throws
        -> (papers: String, table: String) {
        var papers = "\(try await store.paperCount()) papers"
        if let semantic = service.semantic {
            papers += ", \(try await store.embeddedPaperCount(model: semantic.encoder.name)) of them embedded"
        }
        say("\(papers), \(lines.count) queries, top \(limit)")
        var rows: [(String, LatencySample)] = []
        var recallLine = ""
        func record(_ label: String, _ sample: LatencySample) {
            say("\(label.padding(toLength: 20, withPad: " ", startingAt: 0)) \(sample.summary)")
            rows.append((label, sample))
        }
        // Stage: keyword candidates alone (the ranked index, no paper rows).
        var stage = LatencySample()
        for line in lines { _ = try await store.keywordCandidates(KeywordQuery(parsing: line), filters: .init(), limit: limit) }
        for line in lines {
            let query = KeywordQuery(parsing: line)
            _ = try await stage.time { try await store.keywordCandidates(query, filters: .init(), limit: limit) }
        }
        record("keyword ranking", stage)
        if let semantic = service.semantic {
            var embed = LatencySample()
            var vectors: [[Float]] = []
            for line in lines { vectors.append(await embed.time { await semantic.embed(query: line) }) }
            record("query embedding", embed)
            try await semantic.prepare()
            var nearest = LatencySample()
            for vector in vectors { _ = try await semantic.nearest(to: vector, k: limit) }
            for vector in vectors { _ = try await nearest.time { try await semantic.nearest(to: vector, k: limit) } }
            record(semantic.databaseRanking == nil ? "vector search" : "vector search (pgvector)", nearest)
            let recall = try await Self.recall(of: semantic, store: store, queries: Array(vectors.prefix(100)))
            say(String(format: "recall@10 of the vector search against exact search (100 queries): %.4f", recall))
            recallLine = String(format: "\nVector search recall@10 against exact search, %d queries: **%.4f**\n", min(vectors.count, 100), recall)
        }
        for mode in modes {
            var sample = LatencySample()
            for line in lines { _ = try? await service.search(SearchRequest(text: line, mode: mode, limit: limit)) }
            for line in lines {
                _ = try? await sample.time { try await service.search(SearchRequest(text: line, mode: mode, limit: limit)) }
            }
            record(mode.rawValue, sample)
        }
        var table = "| stage (in process) | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n"
        for (label, sample) in rows {
            table += String(format: "| %@ | %.2f | %.2f | %.2f |\n", label, RetrievalMetrics.percentile(sample.milliseconds, 0.5),
                            RetrievalMetrics.percentile(sample.milliseconds, 0.99), sample.milliseconds.max() ?? 0)
        }
        return (papers, table + recallLine)
    }

    /// Share of the exact top 10 that `semantic` returns, over `queries`: against pgvector's exact scan when the database
    /// ranks, else against every vector loaded here.
    private static func recall(of semantic: SemanticIndex, store: any PaperStore, queries: [[Float]]) async throws -> Double {
        let model = semantic.encoder.name
        let exact: @Sendable ([Float]) async throws -> [Int64]
        if let postgres = semantic.databaseRanking as? PostgresPaperStore {
            exact = { try await postgres.nearestPapers(to: $0, model: model, limit: 10, scan: .exact).map(\.key) }
        } else {
            let index = ExactVectorIndex(matrix: try await store.embeddingMatrix(model: model))
            exact = { index.nearest(to: $0, k: 10).map(\.key) }
        }
        var found = 0, total = 0
        for query in queries {
            let truth = try await exact(query)
            let got = Set(try await semantic.nearest(to: query, k: 10).map(\.key))
            found += truth.filter(got.contains).count
            total += truth.count
        }
        return Double(found) / Double(max(total, 1))
    }

    private static func reportHeader(queries: String, count: Int, limit: Int) -> String {
        var host = ProcessInfo.processInfo.hostName
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            host = line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? host
        }
        return """
            # Performance

            Written by `papers bench search` (do not edit by hand; rerun it). Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores \
            (\(host)), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB. Queries: `\(queries)` (\(count)), top \(limit), one at a \
            time after one untimed pass. The machine is shared, so absolute figures move between runs by ±30%.

            """
    }
}

/// Prints a line and flushes it, so a long run can be watched through a log file.
func say(_ line: String) {
    print(line)
    fflush(nil)
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

    /// Times a synchronous `body` once and records it.
    mutating func timeNow<T>(_ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        return result
    }

    /// "p50 … ms, p99 … ms, max … ms".
    var summary: String {
        String(format: "p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms", RetrievalMetrics.percentile(milliseconds, 0.5),
               RetrievalMetrics.percentile(milliseconds, 0.99), milliseconds.max() ?? 0)
    }
}
