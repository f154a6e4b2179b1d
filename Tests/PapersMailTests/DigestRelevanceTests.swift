import Foundation
@testable import PapersMail
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersSearch
import PapersStore
import PapersTestSupport
import Testing

@Suite("Digest topics with the MiniLM model: close in meaning or containing the words, never the nearest unrelated papers")
struct DigestRelevanceTests {
    @Test("a saved search keeps papers with its words or a cosine of at least 0.30, and gets nothing when nothing is related")
    func relevanceFloor() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try await MailFixtures.storeWithPapers(dir)
        let encoder = try SentenceEncoder(directory: SharedData.modelDirectory, threads: 2)
        _ = try await Embedder(store: store, encoder: encoder).run()
        let search = SearchService(store: store, semantic: SemanticIndex(store: store, encoder: encoder))
        let selector = DigestSelector(store: store, search: search)
        func picked(_ topic: String) async throws -> [String] {
            let subscription = try await MailFixtures.subscriber(store, "\(abs(topic.hashValue))@example.org",
                                                                 try DigestPreferences(trending: false, topics: [.search(topic)]))
            return try await selector.select(for: subscription, now: MailFixtures.now).map(\.paper.paper.id.rawValue).sorted()
        }
        // Hybrid search alone ranks every paper of the day for any query; the digest must not.
        let unrelated = try await search.search(SearchRequest(text: "zymurgy and beer brewing", mode: .hybrid,
                                                              filters: SearchFilters(from: MailFixtures.today.adding(days: -1), to: MailFixtures.today)))
        #expect(!unrelated.hits.isEmpty)
        #expect(try await picked("zymurgy and beer brewing") == [])
        #expect(try await picked("grippers picking up objects") == ["2611.00004"], "robot grasping, by meaning alone")
        #expect(try await picked("diffusion") == ["2611.00001", "2611.00002", "2611.00005", "2611.00009", "2611.00011"])
    }
}
