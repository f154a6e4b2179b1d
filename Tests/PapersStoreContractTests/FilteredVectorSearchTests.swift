import Foundation
import PapersCore
import PapersPostgres
import PapersStore
import PapersTestSupport
import Testing

@Suite("Filtered nearest neighbours inside PostgreSQL")
struct FilteredVectorSearchTests {
    /// 240 papers over 12 days, 4 categories and 6 authors, each with a random unit vector; the reference ranks them
    /// as pgvector does: vectors rounded to half precision, cosine computed in single precision.
    struct Corpus {
        struct Item { var key: Int64; var day: Day; var categories: [String]; var author: String; var vector: [Float] }
        var items: [Item] = []

        func reference(_ query: [Float], k: Int, excluding: Set<Int64> = [], where passes: (Item) -> Bool = { _ in true }) -> [Int64] {
            let q = Corpus.half(query)
            var scored: [(key: Int64, score: Float)] = []
            for item in items where passes(item) && !excluding.contains(item.key) {
                scored.append((item.key, Corpus.cosine(q, item.vector)))
            }
            scored.sort { a, b in a.score != b.score ? a.score > b.score : a.key < b.key }
            return scored.prefix(k).map(\.key)
        }

        static func half(_ v: [Float]) -> [Float] { v.map { Float(Float16($0)) } }

        static func cosine(_ a: [Float], _ b: [Float]) -> Float {
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
            return dot / (na.squareRoot() * nb.squareRoot())
        }
    }

    static func randomUnit(_ random: inout SplitMix64) -> [Float] {
        let v = (0..<384).map { _ in Float(Double(random.next() % 2_000_001) / 1_000_000 - 1) }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    static func load(into store: PostgresPaperStore) async throws -> Corpus {
        let first = Day("2025-11-01")!
        let categories = ["cs.LG", "cs.CL", "stat.ML", "math.OC"]
        let authors = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Emmy Noether", "Kurt Gödel", "Ada Yonath"]
        var papers: [Paper] = []
        for i in 0..<240 {
            let cats = i % 5 == 0 ? [categories[i % 4], categories[(i + 1) % 4]] : [categories[i % 4]]
            papers.append(Fixtures.paper(String(format: "2511.5%04d", i), title: "Paper \(i)", authors: [authors[i % 6]], categories: cats,
                                         listed: first.adding(days: i % 12).description))
        }
        _ = try await store.upsert(papers, defaultDay: first)
        let jobs = try await store.papersToEmbed(model: "m", after: nil, limit: 1_000)
        var random = SplitMix64(seed: 11)
        var corpus = Corpus()
        var embeddings: [PaperEmbedding] = []
        for job in jobs {
            let paper = papers.first { $0.id == job.id }!
            let vector = randomUnit(&random)
            embeddings.append(PaperEmbedding(job: job, vector: vector))
            corpus.items.append(.init(key: job.cursor, day: paper.listed!, categories: paper.categories, author: paper.authors[0].name,
                                      vector: Corpus.half(vector)))
        }
        try await store.saveEmbeddings(embeddings, model: "m")
        return corpus
    }

    @Test("category, days, author, their combination and exclusions give the exact filtered answer, through an exact scan of the filter's papers and through the HNSW index with the filter in SQL")
    func filtered() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        // The same database, one store choosing the exact scan for every filter, one the index for every filter.
        let exact = try await PostgresPaperStore(url: url, vectorSearch: .init(exactScanUpTo: 1_000_000))
        let indexed = try await PostgresPaperStore(url: url, vectorSearch: .init(efSearch: 100, exactScanUpTo: 0))
        // pgvector 0.7 has no iterative scans: every filtered search is then exact.
        let legacy = try await PostgresPaperStore(url: url, vectorSearch: .init(exactScanUpTo: 0, iterativeScans: false))
        defer { exact.close(); indexed.close(); legacy.close() }
        let corpus = try await Self.load(into: exact)
        var random = SplitMix64(seed: 5)
        let day = { (s: String) in Day(s)! }
        let cases: [(String, SearchFilters, (Corpus.Item) -> Bool)] = [
            ("category", SearchFilters(category: "stat.ML"), { $0.categories.contains("stat.ML") }),
            ("days", SearchFilters(from: day("2025-11-03"), to: day("2025-11-05")), { $0.day >= day("2025-11-03") && $0.day <= day("2025-11-05") }),
            ("from only", SearchFilters(from: day("2025-11-10")), { $0.day >= day("2025-11-10") }),
            ("author", SearchFilters(author: "ada"), { $0.author.hasPrefix("Ada") }),
            ("author and category and days", SearchFilters(category: "cs.CL", from: day("2025-11-02"), to: day("2025-11-09"), author: "turing"),
             { $0.author == "Alan Turing" && $0.categories.contains("cs.CL") && $0.day >= day("2025-11-02") && $0.day <= day("2025-11-09") }),
            ("unknown category", SearchFilters(category: "q-bio.NC"), { _ in false }),
            ("no author matches", SearchFilters(author: "nobody"), { _ in false }),
        ]
        for (name, filters, passes) in cases {
            for _ in 0..<3 {
                let query = Self.randomUnit(&random)
                let excluded: Set<Int64> = [corpus.reference(query, k: 1, where: passes).first ?? -1]
                let want = corpus.reference(query, k: 10, excluding: excluded, where: passes)
                for (store, path) in [(exact, "the exact scan"), (indexed, "the index"), (legacy, "pgvector without iterative scans")] {
                    let got = try await store.nearestPapers(to: query, model: "m", limit: 10, excluding: excluded, filters: filters)
                    #expect(got.map(\.key) == want, "\(name) through \(path)")
                }
            }
        }
        // Unfiltered: the index; and the cosines of chosen papers.
        let query = Self.randomUnit(&random)
        for store in [indexed, legacy] {
            let got = try await store.nearestPapers(to: query, model: "m", limit: 10, excluding: [], filters: SearchFilters())
            #expect(got.map(\.key) == corpus.reference(query, k: 10))
        }
        let keys = corpus.items.prefix(5).map(\.key) + [999_999]
        let cosines = try await exact.similarities(to: query, model: "m", keys: keys)
        #expect(cosines.count == 5)
        for item in corpus.items.prefix(5) {
            #expect(abs(cosines[item.key]! - Corpus.cosine(Corpus.half(query), item.vector)) < 1e-4)
        }
    }
}
