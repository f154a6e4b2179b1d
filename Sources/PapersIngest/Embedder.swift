import Foundation
import PapersCore
import PapersEmbedding
import PapersStore

/// What an embedding run did.
public struct EmbeddingSummary: Sendable, CustomStringConvertible {
    /// Papers embedded and stored by this run.
    public var embedded = 0
    /// Papers still lacking an embedding when the run started.
    public var pendingAtStart = 0
    /// Wall time in seconds.
    public var elapsed: Double = 0

    public var description: String {
        let rate = elapsed > 0 ? Double(embedded) / elapsed : 0
        return String(format: "embedded %d papers in %.1f s (%.1f papers/s)", embedded, elapsed, rate)
    }
}

/// Computes every missing or stale paper embedding, batch by batch.
///
/// Each batch is read, encoded and stored in its own transaction, so a run killed at any point loses at
/// most the batch in flight, and the next run starts from what the database says is missing: every paper
/// ends up embedded exactly once per change.
public struct Embedder: Sendable {
    /// Where papers and vectors live.
    public let store: any PaperStore
    /// The encoder.
    public let encoder: SentenceEncoder
    /// Papers per transaction.
    public let batchSize: Int

    /// Creates an embedder; `batchSize` defaults to 32 papers per encoder thread.
    public init(store: any PaperStore, encoder: SentenceEncoder, batchSize: Int? = nil) {
        self.store = store
        self.encoder = encoder
        self.batchSize = max(1, batchSize ?? 32 * encoder.threads)
    }

    /// Embeds every paper that needs it; `progress(done, total, elapsedSeconds)` after each batch.
    public func run(progress: @Sendable (Int, Int, Double) -> Void = { _, _, _ in }) async throws -> EmbeddingSummary {
        let start = ContinuousClock.now
        var summary = EmbeddingSummary()
        summary.pendingAtStart = try await store.papersToEmbedCount(model: encoder.name)
        var cursor: Int64?
        while true {
            let jobs = try await store.papersToEmbed(model: encoder.name, after: cursor, limit: batchSize)
            guard let last = jobs.last else { break }
            cursor = last.cursor
            let vectors = await encoder.embedInBackground(jobs.map(\.text))
            try await store.saveEmbeddings(zip(jobs, vectors).map { PaperEmbedding(job: $0, vector: $1) }, model: encoder.name)
            summary.embedded += jobs.count
            let elapsed = ContinuousClock.now - start
            summary.elapsed = elapsed.inSeconds
            progress(summary.embedded, summary.pendingAtStart, summary.elapsed)
        }
        let elapsed = ContinuousClock.now - start
        summary.elapsed = elapsed.inSeconds
        return summary
    }
}
