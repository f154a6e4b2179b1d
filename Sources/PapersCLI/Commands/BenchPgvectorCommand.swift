import ArgumentParser
import Foundation
import PapersCore
import PapersPostgres
import PapersStore

/// `papers bench pgvector`: recall@10 and latency of pgvector's HNSW index against an exact scan, and the index's
/// build time, on the embeddings already in a PostgreSQL database.
struct BenchPgvectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgvector",
        abstract: "Recall@10 and latency of pgvector's HNSW index against an exact scan, and its build time (PostgreSQL only).",
        discussion: "Queries are stored papers' own embeddings (a deterministic sample), so no encoder is needed; each is left out of its own answers.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Model name the embeddings were stored under.") var model = "all-MiniLM-L6-v2"
    @Option(help: "Queries to run.") var queries = 300
    @Option(help: "HNSW candidate list sizes (ef_search) to try, comma-separated.") var efSearch = "40,100"
    @Option(name: .customLong("filter"), help: ArgumentHelp(
        "A filtered search to time both ways (exact scan of the filter's papers, HNSW with the filter in SQL), e.g. category=cs.LG, from=2026-01-05,to=2026-01-05 or author=wang; repeat for several.",
        valueName: "FILTERS"))
    var filterSpecs: [String] = []
    @Flag(help: "Skip the REINDEX (the build time) and the unfiltered comparison.") var filtersOnly = false

    func run() async throws {
        guard let url = global.databaseURL else { throw ValidationError("papers bench pgvector needs --database-url (or $PAPERS_DATABASE_URL)") }
        let store = try await PostgresPaperStore(url: url)
        defer { store.close() }
        let matrix = try await store.embeddingMatrix(model: model)
        guard matrix.count > 10 else { throw ValidationError("only \(matrix.count) embeddings of \(model) in the database; embed some first") }
        let efs = efSearch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var random = SplitMix64(seed: 7)
        let picks = (0..<min(queries, matrix.count)).map { _ in Int(random.next() % UInt64(matrix.count)) }
        func vector(_ i: Int) -> [Float] { Array(matrix.values[(i * matrix.dimension)..<((i + 1) * matrix.dimension)]) }
        print("pgvector: \(matrix.count) embeddings of \(model), \(picks.count) queries (stored papers' own vectors, each left out)")
        if !filterSpecs.isEmpty {
            try await timeFilters(url: url, queries: picks.map(vector))
        }
        if filtersOnly { return }
        let build = try await store.rebuildVectorIndex()
        print(String(format: "  HNSW build (REINDEX, m 16, ef_construction 64): %.2f s", build))
        var exact: [[Int64]] = []
        var exactTimes: [Double] = []
        for i in picks {
            let start = ContinuousClock.now
            let hits = try await store.nearestPapers(to: vector(i), model: model, limit: 11, scan: .exact)
            exactTimes.append(Self.milliseconds(since: start))
            exact.append(hits.map(\.key).filter { $0 != matrix.keys[i] }.prefix(10).map { $0 })
        }
        print("  exact scan:        p50 \(Self.format(exactTimes, 0.5)) ms, p99 \(Self.format(exactTimes, 0.99)) ms")
        for ef in efs {
            var found = 0, wanted = 0
            var times: [Double] = []
            for (n, i) in picks.enumerated() {
                let start = ContinuousClock.now
                let hits = try await store.nearestPapers(to: vector(i), model: model, limit: 11, scan: .hnsw(efSearch: ef))
                times.append(Self.milliseconds(since: start))
                let answer = Set(hits.map(\.key).filter { $0 != matrix.keys[i] }.prefix(10))
                found += exact[n].filter(answer.contains).count
                wanted += exact[n].count
            }
            print(String(format: "  HNSW ef_search %4d: recall@10 %.4f, p50 %@ ms, p99 %@ ms", ef, Double(found) / Double(max(wanted, 1)),
                         Self.format(times, 0.5), Self.format(times, 0.99)))
        }
    }

    /// Each filter through the exact scan and through the index (the same database, two stores whose settings force
    /// one path each): papers passing, p50 / p99 of both, and the index's recall@10 against the exact answer.
    private func timeFilters(url: String, queries: [[Float]]) async throws {
        let exactStore = try await PostgresPaperStore(url: url, vectorSearch: .init(exactScanUpTo: .max))
        let indexStore = try await PostgresPaperStore(url: url, vectorSearch: .init(exactScanUpTo: 0))
        defer { exactStore.close(); indexStore.close() }
        print("  filter | papers passing | exact scan p50 / p99 ms | HNSW + iterative scan p50 / p99 ms | HNSW recall@10")
        for spec in filterSpecs {
            let filters = try Self.filters(spec)
            let passing = try await exactStore.papersPassing(filters)
            var exactTimes: [Double] = [], indexTimes: [Double] = []
            var found = 0, wanted = 0
            for query in queries {
                var start = ContinuousClock.now
                let truth = try await exactStore.nearestPapers(to: query, model: model, limit: 10, excluding: [], filters: filters).map(\.key)
                exactTimes.append(Self.milliseconds(since: start))
                start = ContinuousClock.now
                let got = Set(try await indexStore.nearestPapers(to: query, model: model, limit: 10, excluding: [], filters: filters).map(\.key))
                indexTimes.append(Self.milliseconds(since: start))
                found += truth.filter(got.contains).count
                wanted += truth.count
            }
            print(String(format: "  %@ | %d | %@ / %@ | %@ / %@ | %.4f", spec, passing, Self.format(exactTimes, 0.5), Self.format(exactTimes, 0.99),
                         Self.format(indexTimes, 0.5), Self.format(indexTimes, 0.99), wanted == 0 ? 1 : Double(found) / Double(wanted)))
        }
    }

    /// `category=…,from=…,to=…,author=…` as filters; a bad part is named.
    static func filters(_ spec: String) throws -> SearchFilters {
        var filters = SearchFilters()
        for part in spec.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { throw ValidationError("--filter \(spec): expected name=value, got \"\(part)\"") }
            switch pieces[0] {
            case "category": filters.category = pieces[1]
            case "author": filters.author = pieces[1]
            case "from", "to":
                guard let day = Day(pieces[1]) else { throw ValidationError("--filter \(spec): \(pieces[0]) is not a YYYY-MM-DD day") }
                if pieces[0] == "from" { filters.from = day } else { filters.to = day }
            default: throw ValidationError("--filter \(spec): unknown filter \"\(pieces[0])\" (category, from, to, author)")
            }
        }
        return filters
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1_000 + Double(d.components.attoseconds) / 1e15
    }

    static func format(_ values: [Double], _ q: Double) -> String {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return "-" }
        return String(format: "%.2f", sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))])
    }
}
