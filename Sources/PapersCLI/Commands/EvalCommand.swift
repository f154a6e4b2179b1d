import ArgumentParser
import Crypto
import Foundation
import PapersSearch
import PapersStore

/// `papers eval …`.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure search quality.", subcommands: [BEIREvalCommand.self])
}

/// `papers eval beir DIR`.
struct BEIREvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beir",
        abstract: "nDCG@10, Recall@100 and MRR@10 on a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).",
        discussion: "The corpus is imported once into a cache database under HOME/eval/ and reused while corpus.jsonl is unchanged.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The data set folder.") var directory: String
    @Option(help: "The qrels split to evaluate (qrels/SPLIT.tsv).") var split = "test"
    @Option(help: "Retrieval mode.") var mode: SearchMode = .keyword
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let dataset: BEIRDataset
        do { dataset = try BEIRDataset(directory: directory) } catch { throw ValidationError("\(error)") }
        let store = try SQLitePaperStore(path: try Self.cachePath(for: dataset, home: global.resolvedHome))
        let evaluator = BEIREvaluator(dataset: dataset, store: store)
        let bar = ProgressBar(label: "corpus \(dataset.name)")
        _ = try await evaluator.prepareCorpus { progress in
            bar.update(done: progress.records, unit: "documents",
                       fraction: progress.totalBytes.map { Double(progress.bytesRead) / Double(max($0, 1)) },
                       elapsed: progress.elapsed)
        }
        bar.finish()
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

    /// `HOME/eval/NAME-HASH.sqlite`, the hash covering the corpus path, size and modification time.
    static func cachePath(for dataset: BEIRDataset, home: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: dataset.corpusPath)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = "\(dataset.corpusPath)|\(size)|\(modified)|schema1"
        let hash = SHA256.hash(data: Data(key.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        return URL(fileURLWithPath: home).appendingPathComponent("eval").appendingPathComponent("\(dataset.name)-\(hash).sqlite").path
    }
}
