import Foundation
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersSearch
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

/// The 285 seed papers imported and embedded once for every test of the suite (~30 s of encoding).
private actor SeededStore {
    static let shared = SeededStore()
    private var service: SearchService?
    private(set) var parts: (store: SQLitePaperStore, encoder: SentenceEncoder)?

    func get() async throws -> SearchService {
        if let service { return service }
        let dir = try TemporaryDirectory()
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let importer = Importer(store: store, format: .auto, defaultDay: Day("2025-03-18")!)
        _ = try await importer.importFile(SharedData.path("data/seed-papers.jsonl"), onFailure: { _ in }, onProgress: { _ in })
        let encoder = try SentenceEncoder(directory: SharedData.modelDirectory, threads: 2)
        _ = try await Embedder(store: store, encoder: encoder).run()
        let made = SearchService(store: store, semantic: SemanticIndex(store: store, encoder: encoder))
        service = made
        parts = (store, encoder)
        return made
    }
}

private func paperID(titled prefix: String, in service: SearchService) async throws -> PaperID {
    let hits = try await service.search(SearchRequest(text: "\"\(prefix)\"", mode: .keyword, limit: 5)).hits
    return try #require(hits.first { $0.paper.title.hasPrefix(prefix) }?.paper.id, "no seed paper titled \(prefix)")
}

@Suite("Semantic search, hybrid search and similar papers on the seed papers")
struct SemanticSearchTests {
    @Test("Model soups: Fisher-weighted merging and Sparse Model Soups are among its 3 most similar papers")
    func similarToModelSoups() async throws {
        let service = try await SeededStore.shared.get()
        let soups = try await paperID(titled: "Model soups: averaging weights", in: service)
        let similar = try await service.similar(to: [soups], limit: 10)
        let top3 = similar.prefix(3).map(\.paper.title)
        #expect(top3.contains { $0.hasPrefix("Merging Models with Fisher-Weighted Averaging") }, "\(top3)")
        #expect(top3.contains { $0.hasPrefix("Sparse Model Soups: A Recipe for Improved Pruning via Model Averaging") }, "\(top3)")
        #expect(!similar.contains { $0.paper.id == soups }, "a paper is not similar to itself")
        #expect(similar.count == 10)
        #expect(zip(similar, similar.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test("from the approximate threshold on, an HNSW graph answers, is saved, and a new process loads it")
    func approximateIndex() async throws {
        _ = try await SeededStore.shared.get()
        let (store, encoder) = try #require(await SeededStore.shared.parts)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let configuration = SemanticIndex.Configuration(approximateFrom: 100, directory: dir.file("index"))
        let semantic = SemanticIndex(store: store, encoder: encoder, configuration: configuration)
        #expect(try await semantic.index() is ApproximateVectorIndex)
        try await semantic.updateSavedGraph()
        let path = try #require(semantic.graphPath)
        #expect(FileManager.default.fileExists(atPath: path) && FileManager.default.fileExists(atPath: path + ".json"))
        let service = SearchService(store: store, semantic: semantic)
        let soups = try await paperID(titled: "Model soups: averaging weights", in: service)
        let top3 = try await service.similar(to: [soups], limit: 10).prefix(3).map(\.paper.title)
        #expect(top3.contains { $0.hasPrefix("Merging Models with Fisher-Weighted Averaging") }, "\(top3)")
        #expect(top3.contains { $0.hasPrefix("Sparse Model Soups") }, "\(top3)")
        let reloaded = try await SemanticIndex(store: store, encoder: encoder, configuration: configuration).index()
        #expect(reloaded is ApproximateVectorIndex)
        #expect(reloaded.count == 285)
        // Below the threshold the exact index answers.
        let small = SemanticIndex(store: store, encoder: encoder, configuration: .init(approximateFrom: 1_000))
        #expect(try await small.index() is ExactVectorIndex)
    }

    @Test("more like these: two merging papers together still exclude both and find the third")
    func moreLikeThese() async throws {
        let service = try await SeededStore.shared.get()
        let soups = try await paperID(titled: "Model soups: averaging weights", in: service)
        let fisher = try await paperID(titled: "Merging Models with Fisher-Weighted Averaging", in: service)
        let similar = try await service.similar(to: [soups, fisher], limit: 5)
        #expect(!similar.contains { $0.paper.id == soups || $0.paper.id == fisher })
        #expect(similar.prefix(3).contains { $0.paper.title.hasPrefix("Sparse Model Soups") })
        await #expect(throws: SearchError.self) { try await service.similar(to: [PaperID("2412.99999")!], limit: 5) }
    }

    @Test("semantic search ranks by meaning; hybrid keeps exact-title matches first; stop words still find papers")
    func semanticAndHybrid() async throws {
        let service = try await SeededStore.shared.get()
        let semantic = try await service.search(SearchRequest(text: "averaging weights of fine-tuned models", mode: .semantic, limit: 5))
        #expect(semantic.hits.prefix(5).contains { $0.paper.title.hasPrefix("Model soups") }, "\(semantic.hits.map(\.paper.title))")
        let hybrid = try await service.search(SearchRequest(text: "model soups", mode: .hybrid, limit: 5))
        #expect(hybrid.hits.first?.paper.title.hasPrefix("Model soups") == true, "\(hybrid.hits.map(\.paper.title))")
        // Stop words alone have no keyword matches, but still mean something.
        let stopWords = try await service.search(SearchRequest(text: "to be or not to be", mode: .hybrid, limit: 3))
        #expect(stopWords.hits.count == 3)
        // Pages do not overlap and continue the ranking.
        let first = try await service.search(SearchRequest(text: "pruning", mode: .hybrid, limit: 5))
        let second = try await service.search(SearchRequest(text: "pruning", mode: .hybrid, limit: 5, offset: 5))
        #expect(Set(first.hits.map(\.paper.id)).isDisjoint(with: second.hits.map(\.paper.id)))
        #expect(first.hasMore)
        await #expect(throws: SearchError.emptyQuery) { try await service.search(SearchRequest(text: "   ", mode: .semantic)) }
    }
}
