import ArgumentParser
import Foundation
import PapersCore
import PapersEmbedding
import PapersSearch
import PapersIngest
import PapersStore
import PapersDatabase
import PapersPostgres

/// Options of every command that runs the encoder.
struct ModelOptions: ParsableArguments {
    @Option(help: "Sentence-transformers model folder. Default: $PAPERS_MODEL, else HOME/models/all-MiniLM-L6-v2, else ~/.papers/models/all-MiniLM-L6-v2.")
    var model: String?

    @Option(help: "Encoder threads (default: one per core).")
    var threads: Int?

    /// Loads the encoder, turning a missing or corrupt model into a message naming the file.
    func loadEncoder(home: String) throws -> SentenceEncoder {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        let directory = ModelLocation.resolve(explicit: model.map { ($0 as NSString).expandingTildeInPath }, home: home)
        do {
            return try SentenceEncoder(directory: directory, threads: threads)
        } catch let error as ModelFileError {
            throw ValidationError(error.description)
        }
    }

    /// The name stored embeddings are kept under (the model folder's name), without loading the weights.
    func embeddingModelName(home: String) -> String {
        URL(fileURLWithPath: ModelLocation.resolve(explicit: model.map { ($0 as NSString).expandingTildeInPath }, home: home))
            .standardizedFileURL.lastPathComponent
    }

    /// The encoder unless `skip` (a `--no-embed` flag); a missing model's message tells how to go without it.
    func loadEncoder(home: String, unless skip: Bool, command: String) throws -> SentenceEncoder? {
        guard !skip else { return nil }
        do {
            return try loadEncoder(home: home)
        } catch let error as ValidationError {
            throw ValidationError(error.message + " (or \(command) with --no-embed)")
        }
    }
}

/// `papers encode`: JSON lines `{"text": …}` on standard input → `{"input_ids": […], "embedding": […]}` lines.
struct EncodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Embed texts: JSON lines {\"text\": …} on stdin, {\"input_ids\": […], \"embedding\": […]} on stdout.",
        discussion: "A line that is not a JSON object with a string \"text\" is reported on stderr with its line number and skipped; the exit status is then 1.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Input file (default: standard input; .gz is decompressed).") var input = "-"

    func run() async throws {
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome)
        let reader = try LineReader(path: input)
        let place = input == "-" ? "stdin" : input
        var pending: [String] = []
        var failures = 0
        let out = FileHandle.standardOutput

        func flush() {
            guard !pending.isEmpty else { return }
            let ids = pending.map(encoder.tokenize)
            let vectors = encoder.embed(tokenized: ids)
            var text = ""
            for (tokens, vector) in zip(ids, vectors) {
                text += "{\"input_ids\": [" + tokens.map(String.init).joined(separator: ", ") + "], \"embedding\": ["
                text += vector.map { "\($0)" }.joined(separator: ", ") + "]}\n"
            }
            out.write(Data(text.utf8))
            pending.removeAll(keepingCapacity: true)
        }

        while let line = try reader.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                Console.error("\(place):\(reader.lineNumber): not a JSON object (or not valid UTF-8); line skipped")
                failures += 1
                continue
            }
            guard let text = object["text"] as? String else {
                Console.error("\(place):\(reader.lineNumber): field \"text\" is missing or not a string; line skipped")
                failures += 1
                continue
            }
            pending.append(text)
            if pending.count >= 64 { flush() }
        }
        flush()
        if failures > 0 { throw ExitCode(1) }
    }
}

/// `papers bench encode`: abstracts/s, tokens/s and GFLOP/s of the encoder on the seed papers.
struct BenchEncodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Time the encoder on the seed papers (title + \". \" + abstract), as PyTorch sentence-transformers would run them.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "JSON lines with title and abstract.") var input = "../shared/data/seed-papers.jsonl"
    @Option(help: "Timed rounds over all texts; the best and the median are reported.") var rounds = 3
    @Option(help: "PyTorch sentence-transformers abstracts/s to compare with: the issue's 15.7, or a figure measured on this machine with scripts/pytorch-encode-bench.py.")
    var reference = 15.7

    func run() async throws {
        let residentBefore = residentMegabytes()
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome)
        let reader = try LineReader(path: input)
        var texts: [String] = []
        while let line = try reader.nextLine() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let title = object["title"] as? String, let abstract = object["abstract"] as? String else {
                throw ValidationError("\(input):\(reader.lineNumber): expected a JSON object with string title and abstract")
            }
            texts.append(title + ". " + abstract)
        }
        guard !texts.isEmpty else { throw ValidationError("\(input): no texts") }
        let ids = texts.map(encoder.tokenize)
        let tokens = ids.reduce(0) { $0 + $1.count }
        let flops = ids.reduce(0.0) { $0 + encoder.folder.bert.flops(sequenceLength: $1.count) }
        _ = encoder.embed(tokenized: Array(ids.prefix(2 * encoder.threads)))  // page in weights, size buffers
        var seconds: [Double] = []
        for _ in 0..<max(1, rounds) {
            let start = ContinuousClock.now
            _ = encoder.embed(tokenized: ids)
            seconds.append((ContinuousClock.now - start).inSeconds)
        }
        seconds.sort()
        let loaded = residentMegabytes()
        print("texts \(texts.count), tokens \(tokens) (\(String(format: "%.1f", Double(tokens) / Double(texts.count))) per text), threads \(encoder.threads), rounds \(seconds.count)")
        for (label, time) in [("best", seconds[0]), ("median", seconds[seconds.count / 2])] {
            let rate = Double(texts.count) / time
            print(String(format: "%@: %.2f s, %.1f abstracts/s (%.2f× the reference %.1f), %.0f tokens/s, %.1f GFLOP/s",
                         label, time, rate, rate / reference, reference, Double(tokens) / time, flops / time / 1e9))
        }
        print(String(format: "resident memory: %.0f MB before loading, %.0f MB loaded and after encoding (peak %.0f MB)",
                     residentBefore, loaded, peakResidentMegabytes()))
    }
}

/// Current resident set size in MB, from /proc/self/statm.
func residentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1e6
}

/// Peak resident set size of this process in MB (getrusage's ru_maxrss, kilobytes on Linux).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1e3
}

/// `papers embed`: compute every missing or stale paper embedding; safe to interrupt and rerun.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed every paper that has no current embedding (resumable: rerun after an interruption).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Papers per transaction (default: 32 per encoder thread).") var batchSize: Int?

    func validate() throws {
        if let batchSize, !(1...10_000).contains(batchSize) {
            throw ValidationError("--batch-size must be between 1 and 10000, got \(batchSize)")
        }
    }

    func run() async throws {
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome)
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let summary = try await Self.embedAll(store: store, encoder: encoder, home: global.resolvedHome, batchSize: batchSize)
        print(summary.description)
    }

    /// Runs an `Embedder` with a progress bar (papers/s, ETA); shared with `papers import`.
    /// Then brings the saved vector index of `home` up to date (building it once the collection is large enough).
    static func embedAll(store: any PaperStore, encoder: SentenceEncoder, home: String, batchSize: Int? = nil) async throws -> EmbeddingSummary {
        let bar = ProgressBar(label: "embedding")
        let summary = try await Embedder(store: store, encoder: encoder, batchSize: batchSize).run { done, total, elapsed in
            bar.update(done: done, unit: "papers", fraction: total > 0 ? Double(done) / Double(total) : nil, elapsed: elapsed)
        }
        bar.finish()
        let semantic = SemanticIndex(store: store, encoder: encoder, configuration: SemanticIndex.configuration(home: home))
        let start = Date()
        try await semantic.updateSavedGraph()
        if let path = semantic.graphPath, FileManager.default.fileExists(atPath: path) {
            print(String(format: "vector index %@ up to date in %.1f s", path, Date().timeIntervalSince(start)))
        }
        return summary
    }
}

/// `papers index`: rebuild the approximate vector index from every stored embedding.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Rebuild the approximate vector index (HNSW) of HOME/index from the stored embeddings.",
        discussion: "Search keeps the index up to date by itself; rebuild after many papers changed, or to apply new settings.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "HNSW links per node.") var m = 32
    @Option(help: "HNSW candidate list while building.") var efConstruction = 200

    func run() async throws {
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome)
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        if let postgres = store as? PostgresPaperStore {
            // Its vectors are ranked by pgvector's own HNSW index, kept up to date by PostgreSQL.
            print("rebuilding pgvector's HNSW index (REINDEX) in \(postgres.displayURL)")
            print(String(format: "rebuilt in %.1f s", try await postgres.rebuildVectorIndex()))
            return
        }
        var configuration = SemanticIndex.configuration(home: global.resolvedHome)
        configuration.parameters.m = m
        configuration.parameters.efConstruction = efConstruction
        let semantic = SemanticIndex(store: store, encoder: encoder, configuration: configuration)
        let total = try await store.embeddedPaperCount(model: encoder.name)
        let bar = ProgressBar(label: "indexing")
        let start = Date()
        let graph = try await semantic.rebuild { done in
            bar.update(done: done, unit: "vectors", fraction: Double(done) / Double(max(total, 1)), elapsed: Date().timeIntervalSince(start))
        }
        bar.finish()
        print(String(format: "indexed %d vectors in %.1f s → %@", graph.count, Date().timeIntervalSince(start), semantic.graphPath ?? "-"))
    }
}
