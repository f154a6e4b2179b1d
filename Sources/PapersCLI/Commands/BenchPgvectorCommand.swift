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
