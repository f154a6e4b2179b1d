import Foundation
@testable import PapersCLI
import PapersCore
import PapersIngest
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

/// Runs a command and returns its exit status and output.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdout: String? = nil) async throws -> (status: Int32, output: String) {
    try await offPool { try runBlocking(executable, arguments, stdout: stdout) }
}

private func runBlocking(_ executable: String, _ arguments: [String], stdout: String?) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    if let stdout {
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdout)
    } else {
        process.standardOutput = pipe
    }
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = stdout == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The database's content as SQL text, for byte-for-byte comparisons.
func dump(_ database: String) async throws -> String {
    try await run("/usr/bin/sqlite3", [database, ".dump"]).output
}

@Suite("papers import: idempotent, crash-safe, honest exit codes")
struct ImportCommandTests {
    @Test("importing the same files twice leaves the same rows, byte for byte")
    func idempotent() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let reader = try LineReader(path: SharedData.path("data/arxiv-sample.jsonl.gz"))
        var lines: [String] = []
        while lines.count < 3000, let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        let sample = try dir.write("sample.jsonl", lines: lines)
        let files = [SharedData.path("data/seed-papers.jsonl"), sample]
        let path = dir.file("papers.sqlite")
        let store = try SQLitePaperStore(path: path)
        let first = try await ImportCommand.importFiles(files, into: store, format: .auto, batchSize: 700, clock: TestClock.clock)
        #expect(first.counts.imported == 3285)
        let before = try await dump(path)
        let second = try await ImportCommand.importFiles(files, into: store, format: .auto, batchSize: 500, clock: TestClock.clock)
        #expect(second.counts == UpsertCounts(unchanged: 3285))
        #expect(try await dump(path) == before)
        #expect(before.contains("INSERT INTO paper"))
    }

    @Test("kill -9 in the middle of an import, then a rerun: exactly the records of the file, index included")
    func killNine() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let papers = SharedData.papersExecutable
        let file = dir.file("snapshot.jsonl")
        let records = 30_000
        #expect(try await run(papers, ["bench", "generate-snapshot", String(records), "--output", file]).status == 0)
        let home = dir.file("home")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: papers)
        process.arguments = ["import", "--no-embed", "--home", home, "--batch-size", "500", file]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until some batches are committed, then kill without warning.
        let probe = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        var stored = 0
        for _ in 0..<600 {
            stored = (try? await probe.paperCount()) ?? 0
            if stored >= 2_000 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        try await offPool { process.waitUntilExit() }
        #expect(process.terminationReason == .uncaughtSignal)
        let partial = try await probe.paperCount()
        #expect(partial >= 2_000 && partial < records, "killed after \(partial) records")
        #expect(try await probe.indexedPaperCount() == partial)

        let rerun = try await run(papers, ["import", "--no-embed", "--home", home, file])
        #expect(rerun.status == 0)
        #expect(rerun.output.contains("imported \(records - partial), updated 0, unchanged \(partial), skipped 0"), "\(rerun.output)")
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        #expect(try await store.paperCount() == records)
        #expect(try await store.indexedPaperCount() == records)
        #expect(try await run("/usr/bin/sqlite3", [StoreFactory.sqlitePath(home: home), "PRAGMA integrity_check"]).output == "ok\n")
    }

    @Test("exit status: non-zero when nothing could be imported, and with --strict when a line was skipped")
    func exitStatus() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let papers = SharedData.papersExecutable
        let bad = try dir.write("bad.jsonl", lines: ["{", "not json"])
        let mixed = try dir.write("mixed.jsonl", lines: [#"{"title": "T", "abstract": "A"}"#, "{"])
        #expect(try await run(papers, ["import", "--no-embed", "--home", dir.file("h"), bad]).status != 0)
        #expect(try await run(papers, ["import", "--no-embed", "--home", dir.file("h"), mixed]).status == 0)
        #expect(try await run(papers, ["import", "--no-embed", "--home", dir.file("h"), "--strict", mixed]).status != 0)
        #expect(try await run(papers, ["import", "--no-embed", "--home", dir.file("h"), dir.file("missing.jsonl")]).status != 0)
    }

    @Test("search and show from the command line")
    func searchAndShow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let papers = SharedData.papersExecutable
        #expect(try await run(papers, ["import", "--no-embed", "--home", dir.path, SharedData.path("data/seed-papers.jsonl")]).status == 0)
        let search = try await run(papers, ["search", "--home", dir.path, "--json", "--limit", "1", "model", "soups"])
        #expect(search.status == 0)
        #expect(search.output.contains("Model soups: averaging weights of multiple fine-tuned models"))
        let id = try #require(search.output.split(separator: "\"").first { $0.hasPrefix("sha:") })
        let show = try await run(papers, ["show", "--home", dir.path, String(id)])
        #expect(show.output.hasPrefix("Model soups"))
        #expect(try await run(papers, ["show", "--home", dir.path, "2412.99999"]).status != 0)
    }
}
