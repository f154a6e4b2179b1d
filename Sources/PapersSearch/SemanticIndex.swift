import Foundation
import PapersCore
import PapersEmbedding
import PapersStore
import Synchronization

/// Query embedding plus the vectors of every paper, reloaded when the store's embeddings change.
public final class SemanticIndex: Sendable {
    /// The encoder queries go through (the same model as the stored vectors).
    public let encoder: SentenceEncoder
    let store: any PaperStore
    private let cached = Mutex<(generation: Int64, index: ExactVectorIndex)?>(nil)

    /// Semantic search over `store`'s vectors of `encoder`'s model.
    public init(store: any PaperStore, encoder: SentenceEncoder) {
        self.store = store
        self.encoder = encoder
    }

    /// The current vector index; reloaded from the store when embeddings were stored since the last call.
    public func index() async throws -> ExactVectorIndex {
        let generation = try await store.embeddingGeneration(model: encoder.name)
        if let current = cached.withLock({ $0 }), current.generation == generation { return current.index }
        let index = ExactVectorIndex(matrix: try await store.embeddingMatrix(model: encoder.name))
        cached.withLock { $0 = (generation, index) }
        return index
    }

    /// The unit vector of a query text, computed off the Swift concurrency pool: a few milliseconds each, but
    /// under load they must not starve the tasks serving other requests.
    public func embed(query: String) async -> [Float] {
        await encoder.embedInBackground([query])[0]
    }
}
