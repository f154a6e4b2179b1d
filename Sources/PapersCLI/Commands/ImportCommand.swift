import ArgumentParser
import Foundation
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersStore
import PapersDatabase

extension RecordFormat: ExpressibleByArgument {}

/// `papers import FILE…`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import papers from JSON-lines files (gzip allowed; - for standard input).",
        discussion: """
            Formats (auto-detected per line unless --format is given): Papers' own schema (docs/import-formats.md), \
            plain {title, abstract} records, the arXiv metadata snapshot, BEIR corpus lines {_id, title, text}, and Hugging Face daily papers (the JSON array of \
            /api/daily_papers: papers stored on their featured day with their upvotes). \
            Re-importing is idempotent; a newer version updates a paper. Bad lines are reported as FILE:LINE: reason \
            and skipped. New and changed papers are then embedded (like `papers embed`) unless --no-embed; an \
            interrupted import or embedding continues where it stopped when rerun.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Import without computing embeddings (run `papers embed` later).")
    var noEmbed = false

    @Argument(help: "JSON-lines files; - reads standard input.")
    var files: [String]

    @Option(help: "auto, papers, arxiv-snapshot, beir or hf-daily (auto reads a file that is one JSON array as hf-daily).")
    var format: RecordFormat = .auto

    @Flag(help: "Exit with a non-zero status when any line was skipped.")
    var strict = false

    @Option(help: "Records per transaction.")
    var batchSize = 2_000

    /// Skipped lines printed per file; the rest are only counted.
    static let maximumReportedFailures = 1_000

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one FILE (or - for standard input)") }
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 100000") }
    }

    func run() async throws {
        // Load the model before touching the database, so a missing model changes nothing.
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome, unless: noEmbed, command: "import")
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let summary: ImportSummary
        if format == .hfDaily || (format == .auto && files.allSatisfy(HFDailyFile.looksLikeDailyPapers)) {
            summary = try await HFDailyFile.importFiles(files, into: store)
        } else {
            summary = try await Self.importFiles(files, into: store, format: format, batchSize: batchSize, clock: global.clock)
        }
        print("\(summary.description)")
        if let encoder {
            print(try await EmbedCommand.embedAll(store: store, encoder: encoder, home: global.resolvedHome).description)
        }
        if summary.counts.total == 0 {
            Console.error("error: nothing could be imported")
            throw ExitCode(1)
        }
        if strict, summary.skipped > 0 {
            Console.error("error: \(summary.skipped) line(s) skipped (--strict)")
            throw ExitCode(1)
        }
    }

    /// Imports files one after another with progress and error reporting; used by `make run IMPORT=…` too.
    static func importFiles(_ files: [String], into store: any PaperStore, format: RecordFormat, batchSize: Int = 2_000,
                            clock: WallClock) async throws -> ImportSummary {
        // Papers whose record has no date join today's page; fixed once so a long import stays on one day.
        let today = clock.today
        let importer = Importer(store: store, format: format, batchSize: batchSize, defaultDay: today)
        var total = ImportSummary()
        let start = Date()
        for file in files {
            let bar = ProgressBar(label: file == "-" ? "stdin" : (file as NSString).lastPathComponent)
            let reported = Counter()
            let summary = try await importer.importFile(file, onFailure: { failure in
                let n = reported.increment()
                if n <= maximumReportedFailures {
                    bar.message(failure.description)
                } else if n == maximumReportedFailures + 1 {
                    bar.message("\(file): more skipped lines are counted but not shown")
                }
            }, onProgress: { progress in
                bar.update(done: progress.records, unit: "records",
                           fraction: progress.totalBytes.map { Double(progress.bytesRead) / Double(max($0, 1)) },
                           elapsed: progress.elapsed)
            })
            bar.finish()
            total.counts += summary.counts
            total.skipped += summary.skipped
        }
        total.elapsed = -start.timeIntervalSinceNow
        return total
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

/// `papers import --format hf-daily`: whole-file JSON arrays from Hugging Face's daily papers.
enum HFDailyFile {
    /// A file (not standard input) whose first non-blank byte opens a JSON array.
    static func looksLikeDailyPapers(_ path: String) -> Bool {
        guard path != "-", !path.hasSuffix(".gz"), let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 256)) ?? Data()
        return head.first(where: { ![9, 10, 13, 32].contains($0) }) == UInt8(ascii: "[")
    }

    /// Reads, validates and stores each file; bad entries are printed as `FILE: entry N (id): reason`.
    static func importFiles(_ files: [String], into store: any PaperStore, featured day: Day? = nil) async throws -> ImportSummary {
        var total = ImportSummary()
        let start = Date()
        for file in files {
            let data: Data
            do {
                data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError("\(file): cannot read: \(error.localizedDescription)")
            }
            let (entries, failures) = try HFDailyReader.read([UInt8](data), featured: day, source: file)
            for failure in failures { Console.error(failure) }
            let (counts, featured) = try await HFDailyReader.store(entries, into: store)
            print("\(file): \(featured) featured papers on \(Set(entries.map(\.featured)).sorted().map(\.description).joined(separator: ", "))")
            total.counts += counts
            total.skipped += failures.count
        }
        total.elapsed = Date().timeIntervalSince(start)
        return total
    }
}
