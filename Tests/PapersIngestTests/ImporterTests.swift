import Foundation
import PapersCore
import PapersIngest
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

/// Collects failures reported from the importer's tasks.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ImportFailure] = []
    func add(_ f: ImportFailure) { lock.lock(); items.append(f); lock.unlock() }
    var all: [ImportFailure] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Compresses `path` to `path.gz` with the system's gzip.
func gzipFile(_ path: String) throws {
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-f", path]
    try gzip.run()
    gzip.waitUntilExit()
}

@Suite("Importing files: counts, line numbers, gzip and idempotence")
struct ImporterTests {
    static let today = Day("2025-06-01")!

    func makeImporter(_ store: any PaperStore, format: RecordFormat = .auto, batchSize: Int = 2) -> Importer<PreparedUpsert> {
        Importer(store: store, format: format, batchSize: batchSize, defaultDay: Self.today)
    }

    @Test("good lines are stored, bad ones skipped with FILE:LINE, blank lines ignored; a re-import changes nothing")
    func mixedFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let file = try dir.write("mixed.jsonl", lines: [
            #"{"id": "2501.00001", "title": "One", "abstract": "a"}"#,
            #"{"id": "2501.00002", "title": "Two""#,
            "",
            #"{"title": "Three", "abstract": "c"}"#,
            #"{"_id": "d1", "title": "", "text": "four"}"#,
            #"{"id": "0704.0001", "submitter": "x", "title": "Five", "abstract": "e", "categories": "hep-ph", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]}"#,
            #"{"title": 7}"#,
        ])
        let failures = FailureLog()
        let summary = try await makeImporter(store).importFile(file, onFailure: failures.add)
        #expect(summary.counts == UpsertCounts(imported: 4))
        #expect(summary.skipped == 2)
        #expect(failures.all.map(\.line) == [2, 7])
        #expect(failures.all.first?.description.hasPrefix("\(file):2: invalid JSON") == true)
        #expect(try await store.paperCount() == 4)

        let again = try await makeImporter(store).importFile(file, onFailure: { _ in })
        #expect(again.counts == UpsertCounts(unchanged: 4))
    }

    @Test("gzip input is read transparently")
    func gzip() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let lines = (1...500).map { #"{"id": "2501.\#(String(format: "%05d", $0))", "title": "Paper \#($0)", "abstract": "text"}"# }
        let file = try dir.write("papers.jsonl", lines: lines)
        try gzipFile(file)
        let summary = try await makeImporter(store, batchSize: 64).importFile(file + ".gz", onFailure: { _ in })
        #expect(summary.counts.imported == 500)
        #expect(summary.skipped == 0)
    }

    @Test("a truncated gzip file is an error, and what came before it is kept")
    func truncatedGzip() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let lines = (1...5000).map { #"{"id": "2501.\#(String(format: "%05d", $0))", "title": "Paper \#($0) \#(UUID())", "abstract": "\#(UUID()) \#(UUID())"}"# }
        let file = try dir.write("papers.jsonl", lines: lines)
        try gzipFile(file)
        let data = try Data(contentsOf: URL(fileURLWithPath: file + ".gz"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: file + ".gz"))
        await #expect(throws: InputError.self) {
            _ = try await makeImporter(store, batchSize: 100).importFile(file + ".gz", onFailure: { _ in })
        }
        let stored = try await store.paperCount()
        #expect(stored > 0 && stored < 5000)
    }

    @Test("a missing file is a clear error")
    func missingFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        await #expect(throws: InputError.self) {
            _ = try await makeImporter(store).importFile(dir.file("nope.jsonl"), onFailure: { _ in })
        }
    }

    @Test("the 285 seed papers and the first 2,000 lines of the arXiv sample import cleanly")
    func sharedData() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let failures = FailureLog()
        let seed = try await makeImporter(store, batchSize: 100).importFile(SharedData.path("data/seed-papers.jsonl"), onFailure: failures.add)
        #expect(seed.counts.imported == 285)
        #expect(failures.all.isEmpty)
        // The sample is gzip-compressed JSON lines in Papers' own schema.
        let reader = try LineReader(path: SharedData.path("data/arxiv-sample.jsonl.gz"))
        var lines: [String] = []
        while lines.count < 2000, let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        let sample = try dir.write("sample.jsonl", lines: lines)
        let summary = try await makeImporter(store, batchSize: 500).importFile(sample, onFailure: failures.add)
        #expect(summary.counts.imported == 2000)
        #expect(failures.all.isEmpty)
    }
}
