import ArgumentParser
import Foundation
import PapersEmbedding
import PapersSearch
import PapersStore

/// `papers eval …`.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure search and recommendation quality.", subcommands: [BEIREvalCommand.self, RecommendEvalCommand.self])
}

/// `papers eval beir DIR`.
struct BEIREvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beir",
        abstract: "nDCG@10, Recall@100 and MRR@10 on a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).",
        discussion: "The corpus is imported (and for semantic and hybrid modes embedded) once into a cache database under HOME/eval/ and reused while corpus.jsonl is unchanged.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The data set folder.") var directory: String
    @Option(help: "The qrels split to evaluate (qrels/SPLIT.tsv).") var split = "test"
    @Option(help: "Retrieval mode.") var mode: SearchMode = .keyword
    @Flag(help: "Print the report as JSON.") var json = false
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: ArgumentHelp("Hybrid fusion rule: rrf or convex (experiments).", visibility: .hidden)) var fusion: String?
    @Option(help: ArgumentHelp("Convex fusion keyword weight (experiments).", visibility: .hidden)) var alpha: Double?
    @Option(help: ArgumentHelp("Hybrid candidate depth per ranking (experiments).", visibility: .hidden)) var depth: Int?
    @Option(help: ArgumentHelp("Hybrid keyword candidates scored (experiments).", visibility: .hidden)) var keywordDepth: Int?
    @Option(help: ArgumentHelp("Convex fusion normalisation: max, minmax, z, theoretical or tm2c2 (experiments).", visibility: .hidden)) var normalization: String?

    func run() async throws {
        let dataset: BEIRDataset
        do { dataset = try BEIRDataset(directory: directory) } catch { throw ValidationError("\(error)") }
        let store = try SQLitePaperStore(path: try Self.cachePath(for: dataset, home: global.resolvedHome))
        var semantic: SemanticIndex?
        if mode != .keyword {
            semantic = SemanticIndex(store: store, encoder: try modelOptions.loadEncoder(home: global.resolvedHome))
        }
        var rule = HybridFusion()
        if let fusion {
            guard let method = HybridFusion.Method(rawValue: fusion) else { throw ValidationError("--fusion: rrf or convex") }
            rule.method = method
        }
        if let alpha { rule.alpha = alpha }
        if let depth { rule.depth = depth }
        if let keywordDepth { rule.keywordDepth = keywordDepth }
        if let normalization {
            guard let value = HybridFusion.Normalization(rawValue: normalization) else { throw ValidationError("--normalization: max, minmax, z, theoretical or tm2c2") }
            rule.normalization = value
        }
        let evaluator = BEIREvaluator(dataset: dataset, store: store, semantic: semantic, fusion: rule)
        let bar = ProgressBar(label: "corpus \(dataset.name)")
        _ = try await evaluator.prepareCorpus { progress in
            bar.update(done: progress.records, unit: "documents",
                       fraction: progress.totalBytes.map { Double(progress.bytesRead) / Double(max($0, 1)) },
                       elapsed: progress.elapsed)
        }
        bar.finish()
        let embedBar = ProgressBar(label: "embedding \(dataset.name)")
        try await evaluator.prepareEmbeddings { done, total, elapsed in
            embedBar.update(done: done, unit: "documents", fraction: Double(done) / Double(max(total, 1)), elapsed: elapsed)
        }
        embedBar.finish()
        let report: EvaluationReport
        do { report = try await evaluator.evaluate(split: split, mode: mode) } catch let e as EvaluationError { throw ValidationError(e.description) }
        if json {
            try JSONOutput.print(report)
        } else {
            print("\(report.dataset) split=\(report.split) mode=\(report.mode) queries=\(report.queries)")
            print(String(format: "nDCG@10    %.4f", report.ndcg10))
            print(String(format: "Recall@100 %.4f", report.recall100))
            print(String(format: "MRR@10     %.4f", report.mrr10))
            print(String(format: "latency    p50 %.2f ms, p99 %.2f ms", report.latencyP50ms, report.latencyP99ms))
        }
    }

    static func cachePath(for dataset: BEIRDataset, home: String) throws -> String {
        try EvaluationCache.path(for: dataset.corpusPath, name: dataset.name, home: home)
    }
}
