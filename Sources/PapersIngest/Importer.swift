import AsyncAlgorithms
import Foundation
import PapersCore
import PapersStore

/// One skipped input line.
public struct ImportFailure: Sendable, CustomStringConvertible {
    /// The input path (`-` for standard input).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// Why it was skipped, naming the field.
    public var reason: String

    /// `FILE:LINE: reason`.
    public var description: String { "\(file):\(line): \(reason)" }
}

/// Progress of a running import, reported about ten times a second.
public struct ImportProgress: Sendable {
    /// The file being read.
    public var file: String
    /// Lines read so far.
    public var records: Int
    /// Input bytes consumed (compressed bytes for gzip).
    public var bytesRead: Int
    /// Size of the input, when known.
    public var totalBytes: Int?
    /// Seconds since the import of this file started.
    public var elapsed: Double
}

/// The outcome of importing one or more files.
public struct ImportSummary: Sendable {
    /// Upsert outcome of the good records.
    public var counts = UpsertCounts()
    /// Lines skipped as unusable (blank lines are not counted).
    public var skipped = 0
    /// Seconds spent.
    public var elapsed: Double = 0

    /// Creates an empty summary.
    public init() {}

    /// `imported 10, updated 0, unchanged 2, skipped 1 in 0.3 s (40 records/s)`.
    public var description: String {
        let rate = elapsed > 0 ? Double(counts.total + skipped) / elapsed : 0
        return "imported \(counts.imported), updated \(counts.updated), unchanged \(counts.unchanged), "
            + "skipped \(skipped) in \(String(format: "%.1f", elapsed)) s (\(Int(rate)) records/s)"
    }
}

/// Streams JSON-lines files into a store in a pipeline: read, decode and `prepare` batch N+1 (on all
/// cores) while batch N is being committed (one transaction each).
public struct Importer<Prepared: Sendable>: Sendable {
    /// Work on a batch that needs no database (runs concurrently with the previous commit).
    public typealias Prepare = @Sendable ([Paper]) async -> Prepared
    /// Writes one prepared batch atomically and reports what it did.
    public typealias Commit = @Sendable (Prepared) async throws -> UpsertCounts

    /// Records per transaction.
    public var batchSize: Int
    /// The format to expect (`.auto` detects per line).
    public var format: RecordFormat
    private let prepare: Prepare
    private let commit: Commit

    /// Creates an importer that prepares and commits batches through the given closures.
    public init(format: RecordFormat = .auto, batchSize: Int = 2_000, prepare: @escaping Prepare, commit: @escaping Commit) {
        self.format = format
        self.batchSize = batchSize
        self.prepare = prepare
        self.commit = commit
    }

    /// Imports `path` (`-` = stdin). Bad lines are reported to `onFailure` and skipped; I/O errors throw
    /// after everything decoded before them has been stored.
    public func importFile(
        _ path: String,
        onFailure: @escaping @Sendable (ImportFailure) -> Void,
        onProgress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportSummary {
        let start = ContinuousClock.now
        let reader = try LineReader(path: path)
        let corpus = corpusName(for: path)
        let batches = AsyncThrowingChannel<PreparedBatch<Prepared>, any Error>()
        let prepare = self.prepare
        let format = self.format
        let batchSize = self.batchSize

        // The reader owns the LineReader; batches cross to the writer through the channel (which waits
        // for the writer, so memory stays bounded to about two batches).
        let producer = Task.detached { [reader] in
            do {
                var finished = false
                while !finished {
                    var lines: [(number: Int, bytes: [UInt8])] = []
                    lines.reserveCapacity(batchSize)
                    while lines.count < batchSize {
                        guard let line = try reader.nextLine() else {
                            finished = true
                            break
                        }
                        if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                        lines.append((reader.lineNumber, Array(line)))
                    }
                    let decoded = await decodeLines(lines, format: format, corpus: corpus, file: path)
                    let progress = ImportProgress(file: path, records: reader.lineNumber, bytesRead: reader.bytesRead,
                                                  totalBytes: reader.totalBytes, elapsed: Self.seconds(since: start))
                    let prepared = decoded.papers.isEmpty ? nil : await prepare(decoded.papers)
                    await batches.send(PreparedBatch(prepared: prepared, failures: decoded.failures, progress: progress))
                }
                batches.finish()
            } catch {
                batches.fail(error)
            }
        }
        var summary = ImportSummary()
        // One commit runs while the next batch is received, so the producer can work two batches ahead;
        // commits still happen strictly in file order.
        var inFlight: Task<UpsertCounts, any Error>?
        do {
            for try await batch in batches {
                for failure in batch.failures.sorted(by: { $0.line < $1.line }) { onFailure(failure) }
                summary.skipped += batch.failures.count
                if let prepared = batch.prepared {
                    if let previous = inFlight { summary.counts += try await previous.value }
                    inFlight = Task { try await commit(prepared) }
                }
                onProgress(batch.progress)
            }
            if let last = inFlight {
                inFlight = nil
                summary.counts += try await last.value
            }
        } catch {
            producer.cancel()
            // Let a running commit finish (it is one transaction either way) before reporting.
            _ = try? await inFlight?.value
            throw error
        }
        summary.elapsed = Self.seconds(since: start)
        return summary
    }

}

/// Decodes lines on all cores, keeping their order.
func decodeLines(_ lines: [(number: Int, bytes: [UInt8])], format: RecordFormat, corpus: String, file: String) async -> DecodedBatch {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, lines.count / 100))
        let chunk = (lines.count + parts - 1) / parts
        let decoded = await withTaskGroup(of: (Int, DecodedBatch).self) { group in
            for part in 0..<parts {
                let slice = lines[min(part * chunk, lines.count)..<min((part + 1) * chunk, lines.count)]
                group.addTask {
                    let decoder = RecordDecoder(format: format, corpus: corpus)
                    var batch = DecodedBatch()
                    for line in slice {
                        do throws(RecordError) {
                            batch.papers.append(try decoder.decode(line.bytes))
                        } catch {
                            batch.failures.append(ImportFailure(file: file, line: line.number, reason: error.reason))
                        }
                    }
                    return (part, batch)
                }
            }
            var results = [DecodedBatch](repeating: DecodedBatch(), count: parts)
            for await (part, batch) in group { results[part] = batch }
            return results
        }
        var batch = DecodedBatch()
        for part in decoded {
            batch.papers += part.papers
            batch.failures += part.failures
        }
        return batch
    }

/// The BEIR corpus name for a file: its folder's name (`…/scifact/corpus.jsonl` → `scifact`).
public func corpusName(for path: String) -> String {
        let url = URL(fileURLWithPath: path == "-" ? "stdin/corpus.jsonl" : path)
        let folder = url.deletingLastPathComponent().lastPathComponent
        return folder.isEmpty || folder == "/" || folder == "." ? "corpus" : folder
}

struct PreparedBatch<Prepared: Sendable>: Sendable {
    var prepared: Prepared?
    var failures: [ImportFailure]
    var progress: ImportProgress
}

struct DecodedBatch: Sendable {
    var papers: [Paper] = []
    var failures: [ImportFailure] = []
}

extension Importer where Prepared == PreparedUpsert {
    /// An importer into `store`; papers whose record names no date join `defaultDay`'s page.
    public init(store: any PaperStore, format: RecordFormat = .auto, batchSize: Int = 2_000, defaultDay: Day) {
        self.init(format: format, batchSize: batchSize,
                  prepare: { await store.prepareUpsert($0, defaultDay: defaultDay) },
                  commit: { try await store.commitUpsert($0) })
    }
}

extension Importer {
    /// Seconds elapsed since `start` (a duration, so not the calendar clock).
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}
