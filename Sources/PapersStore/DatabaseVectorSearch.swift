import PapersCore

/// A store that ranks papers by embedding inside its own database (PostgreSQL with pgvector): servers sharing
/// it keep no vectors in memory and see each other's new embeddings at once. Stores without it (SQLite) are
/// searched through the in-process index of ``embeddingMatrix(model:storedAfter:)``.
public protocol DatabaseVectorSearch: Sendable {
    /// The `limit` papers whose current `model` embedding is nearest `vector` (unit length) by cosine, best first,
    /// as (row key, cosine similarity); papers in `excluding` and papers failing `filters` are left out.
    func nearestPapers(to vector: [Float], model: String, limit: Int, excluding: Set<Int64>,
                       filters: SearchFilters) async throws -> [ScoredPaper]
    /// Cosine similarity of `vector` with the stored `model` embedding of each of `keys` (a changed paper's previous
    /// one until it is embedded again, as in the in-process index); keys without one are left out.
    func similarities(to vector: [Float], model: String, keys: [Int64]) async throws -> [Int64: Float]
}
