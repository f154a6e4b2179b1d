import ArgumentParser
import Foundation
import PapersEmbedding
import PapersSearch
import PapersStore
import PapersSQLite

/// `papers eval …`.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure search and recommendation quality.", subcommands: [BEIREvalCommand.self, RecommendEvalCommand.self])
}

/// `papers eval beir DIR`.
struct BEIREvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beir",
        abstract: "nDCG@10, Recall@100 and MRR@10 on BEIR-format folders (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).",
        discussion: """
            Each corpus is imported (and for semantic and hybrid modes embedded) once into a cache database under \
            HOME/eval/ and reused while corpus.jsonl is unchanged. With several folders or --grid, every combination \
            of settings runs on every folder and one Markdown table prints nDCG@10 per collection and the means, so \
            that a default is chosen on all collections at once. Grid axes (AXIS=V1,V2,…, separated by spaces): \
            mode (keyword, semantic, hybrid), k1, b, qtf (count, once), fusion (rrf, convex), alpha, norm (max, \
            minmax, z, theoretical, tm2c2), depth, kdepth, rrfk, title (a title word's weight in the keyword index: \
            each value re-indexes a copy of the corpus database once). Axes not named keep the defaults (and --mode). \
            Example: papers eval beir A B --split dev --grid "mode=keyword,hybrid k1=0.9,1.2 b=0.4,0.75".
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The data set folders.") var directories: [String]
    @Option(help: "Settings to try on every folder, e.g. \"mode=keyword,hybrid alpha=0.2,0.3\" (see above).") var grid: String?
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
        guard !directories.isEmpty else { throw ValidationError("give at least one data set folder") }
        let datasets: [BEIRDataset]
        do { datasets = try directories.map { try BEIRDataset(directory: $0) } } catch { throw ValidationError("\(error)") }
        let rule = try fusionRule()
        if grid == nil && datasets.count == 1 {
            try await single(datasets[0], rule: rule)
            return
        }
        let evaluationGrid: EvaluationGrid
        do {
            evaluationGrid = try EvaluationGrid(parsing: grid ?? "", base: SearchSettings(mode: mode, fusion: rule))
        } catch { throw ValidationError(error.description) }
        let needsModel = evaluationGrid.points.contains { $0.mode != .keyword }
        let encoder = needsModel ? try modelOptions.loadEncoder(home: global.resolvedHome) : nil
        var results = [[String: EvaluationReport]](repeating: [:], count: evaluationGrid.points.count)
        for dataset in datasets {
            let path = try Self.cachePath(for: dataset, home: global.resolvedHome)
            let store = try SQLitePaperStore(path: path)
            let semantic = encoder.map { SemanticIndex(store: store, encoder: $0) }
            let evaluator = try await prepared(BEIREvaluator(dataset: dataset, store: store, semantic: semantic))
            // One store per BM25 setting (impacts are computed with k1 and b when a store's index loads) and one
            // database per field weighting (fixed at indexing: a copy of the corpus database, re-indexed; row
            // numbers are kept, so the corpus's vectors serve every copy).
            var stores: [StoreKey: SQLitePaperStore] = [StoreKey(scoring: .standard, weights: .standard): store]
            for (i, point) in evaluationGrid.points.enumerated() {
                let key = StoreKey(scoring: point.scoring, weights: point.fieldWeights)
                let scored: SQLitePaperStore
                if let known = stores[key] {
                    scored = known
                } else {
                    let weighted = try await Self.weightedCopy(of: store, at: path, weights: point.fieldWeights)
                    scored = try SQLitePaperStore(path: weighted, keywordScoring: point.scoring, fieldWeights: point.fieldWeights)
                    stores[key] = scored
                }
                let service = SearchService(store: scored, semantic: semantic, fusion: point.fusion, termFrequency: point.termFrequency)
                let report: EvaluationReport
                do { report = try await evaluator.evaluate(split: split, mode: point.mode, service: service) } catch let e as EvaluationError {
                    throw ValidationError(e.description)
                }
                results[i][dataset.name] = report
                // Progress on stderr: stdout is the table (or JSON).
                FileHandle.standardError.write(Data(("\(dataset.name) [\(i + 1)/\(evaluationGrid.points.count)] " + EvaluationGrid.Axis.allCases.map { "\($0.rawValue)=\(point.value(of: $0))" }.joined(separator: " ")
                    + String(format: " nDCG@10 %.4f\n", report.ndcg10)).utf8))
            }
        }
        if json {
            try JSONOutput.print(evaluationGrid.points.enumerated().map { i, point in
                GridRow(settings: Dictionary(uniqueKeysWithValues: EvaluationGrid.Axis.allCases.map { ($0.rawValue, point.value(of: $0)) }),
                        results: results[i])
            })
        } else {
            print(evaluationGrid.table(collections: datasets.map(\.name), results: results))
        }
    }

    /// What a grid point needs of a store.
    struct StoreKey: Hashable {
        var scoring: KeywordScoring
        var weights: FieldWeights
    }

    /// The corpus database indexed with `weights`: `path` itself for the standard weights, else a copy beside it
    /// (`…-titleN.sqlite`), made once: copied, re-indexed, then renamed into place, so an interrupted run leaves
    /// no half-indexed copy to be trusted later.
    static func weightedCopy(of store: SQLitePaperStore, at path: String, weights: FieldWeights) async throws -> String {
        guard weights != .standard else { return path }
        let target = String(path.dropLast(".sqlite".count)) + "-title\(weights.title)-abstract\(weights.abstract)-authors\(weights.authors).sqlite"
        if FileManager.default.fileExists(atPath: target) { return target }
        let scratch = target + ".scratch", finished = target + ".partial"
        func remove(_ file: String) { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        remove(scratch)
        remove(finished)
        try await store.copy(to: scratch)
        let copy = try SQLitePaperStore(path: scratch, fieldWeights: weights)
        try await copy.reindex()
        // A second VACUUM INTO gives one self-contained file (no write-ahead log) to rename into place.
        try await copy.copy(to: finished)
        try FileManager.default.moveItem(atPath: finished, toPath: target)
        remove(scratch)
        return target
    }

    /// One grid point's results in `--json` output.
    struct GridRow: Encodable {
        var settings: [String: String]
        var results: [String: EvaluationReport]
    }

    /// The corpus imported and embedded (when the evaluator has a semantic index), with progress bars.
    private func prepared(_ evaluator: BEIREvaluator) async throws -> BEIREvaluator {
        let name = evaluator.dataset.name
        let bar = ProgressBar(label: "corpus \(name)")
        _ = try await evaluator.prepareCorpus { progress in
            bar.update(done: progress.records, unit: "documents",
                       fraction: progress.totalBytes.map { Double(progress.bytesRead) / Double(max($0, 1)) },
                       elapsed: progress.elapsed)
        }
        bar.finish()
        let embedBar = ProgressBar(label: "embedding \(name)")
        try await evaluator.prepareEmbeddings { done, total, elapsed in
            embedBar.update(done: done, unit: "documents", fraction: Double(done) / Double(max(total, 1)), elapsed: elapsed)
        }
        embedBar.finish()
        return evaluator
    }

    /// The hidden single-run fusion options applied to the default rule.
    private func fusionRule() throws -> HybridFusion {
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
        return rule
    }

    /// One folder, one setting: the report as before grids existed.
    private func single(_ dataset: BEIRDataset, rule: HybridFusion) async throws {
        let store = try SQLitePaperStore(path: try Self.cachePath(for: dataset, home: global.resolvedHome))
        var semantic: SemanticIndex?
        if mode != .keyword {
            semantic = SemanticIndex(store: store, encoder: try modelOptions.loadEncoder(home: global.resolvedHome))
        }
        let evaluator = try await prepared(BEIREvaluator(dataset: dataset, store: store, semantic: semantic, fusion: rule))
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
