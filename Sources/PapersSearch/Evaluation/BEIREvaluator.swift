import Foundation
import PapersCore
import PapersIngest
import PapersStore

/// Scores of one evaluation run, averaged over the split's judged queries.
public struct EvaluationReport: Sendable, Codable {
    /// Data set folder name.
    public var dataset: String
    /// Split evaluated.
    public var split: String
    /// Retrieval mode.
    public var mode: String
    /// Judged queries evaluated.
    public var queries: Int
    /// Mean nDCG@10.
    public var ndcg10: Double
    /// Mean Recall@100.
    public var recall100: Double
    /// Mean MRR@10.
    public var mrr10: Double
    /// Median query latency in milliseconds.
    public var latencyP50ms: Double
    /// 99th-percentile query latency in milliseconds.
    public var latencyP99ms: Double
}

/// Runs BEIR-style retrieval evaluation against a store holding the data set's corpus.
public struct BEIREvaluator: Sendable {
    /// The data set evaluated.
    public let dataset: BEIRDataset
    let store: any PaperStore
    let semantic: SemanticIndex?
    let fusion: HybridFusion

    /// Creates an evaluator for `dataset` whose corpus is (or will be) in `store`; semantic and hybrid
    /// modes need `semantic`.
    public init(dataset: BEIRDataset, store: any PaperStore, semantic: SemanticIndex? = nil, fusion: HybridFusion = .init()) {
        self.dataset = dataset
        self.store = store
        self.semantic = semantic
        self.fusion = fusion
    }

    /// Embeds the corpus documents that have no embedding yet (a no-op on a second run).
    public func prepareEmbeddings(progress: @escaping @Sendable (Int, Int, Double) -> Void = { _, _, _ in }) async throws {
        guard let semantic else { return }
        _ = try await Embedder(store: store, encoder: semantic.encoder).run(progress: progress)
    }

    /// Imports the corpus when the store is empty; returns how many documents it holds.
    public func prepareCorpus(onProgress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) async throws -> Int {
        let count = try await store.paperCount()
        if count > 0 { return count }
        let store = self.store
        let importer = Importer(store: store, format: .beir, defaultDay: Day(daysSinceEpoch: 0))
        _ = try await importer.importFile(dataset.corpusPath, onFailure: { _ in }, onProgress: onProgress)
        return try await store.paperCount()
    }

    /// Evaluates `mode` on `split`: nDCG@10, Recall@100, MRR@10 and latency; `service` (over this corpus)
    /// replaces the evaluator's own store and fusion rule, as a grid's settings do.
    public func evaluate(split: String, mode: SearchMode, service: SearchService? = nil) async throws -> EvaluationReport {
        let queries = try dataset.queries()
        let qrels = try dataset.qrels(split: split)
        let service = service ?? SearchService(store: store, semantic: semantic, fusion: fusion)
        let prefix = PaperID.corpus(RecordDecoder.corpusIdentifier(dataset.name), document: "").rawValue
        var ndcg = 0.0, recall = 0.0, mrr = 0.0
        var latencies: [Double] = []
        let judged = qrels.keys.sorted()
        var evaluated = 0
        for queryID in judged {
            guard let text = queries[queryID], let relevance = qrels[queryID] else { continue }
            evaluated += 1
            let start = DispatchTime.now().uptimeNanoseconds
            let hits: [SearchHit]
            do {
                hits = try await service.search(SearchRequest(text: text, mode: mode, limit: 100)).hits
            } catch SearchError.emptyQuery {
                hits = []
            }
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            // BEIR ignores a document that is the query itself.
            let ranking = hits.map { String($0.paper.id.rawValue.dropFirst(prefix.count)) }.filter { $0 != queryID }
            ndcg += RetrievalMetrics.ndcg(ranking: ranking, relevance: relevance, k: 10)
            recall += RetrievalMetrics.recall(ranking: ranking, relevance: relevance, k: 100)
            mrr += RetrievalMetrics.reciprocalRank(ranking: ranking, relevance: relevance, k: 10)
        }
        guard evaluated > 0 else {
            throw EvaluationError.invalidDataset("split \"\(split)\" has no judged queries that appear in queries.jsonl")
        }
        let n = Double(evaluated)
        return EvaluationReport(dataset: dataset.name, split: split, mode: mode.rawValue, queries: evaluated,
                                ndcg10: ndcg / n, recall100: recall / n, mrr10: mrr / n,
                                latencyP50ms: RetrievalMetrics.percentile(latencies, 0.5),
                                latencyP99ms: RetrievalMetrics.percentile(latencies, 0.99))
    }
}
