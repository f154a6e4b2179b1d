import Foundation
import PapersEmbedding
import PapersIngest
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

/// Runs `papers` with input on standard input; returns status, stdout and stderr.
private func runWithInput(_ arguments: [String], input: Data) async throws -> (status: Int32, output: String, errors: String) {
    try await offPool { try runWithInputBlocking(arguments, input: input) }
}

private func runWithInputBlocking(_ arguments: [String], input: Data) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: SharedData.papersExecutable)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
}

private func cosine(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

@Suite("papers encode, embed and import with embeddings")
struct EmbedCommandTests {
    @Test("encode: JSON lines in, ids and unit vectors out; bad lines named by line number and skipped")
    func encodeCommand() async throws {
        var input = Data(#"{"text": "Attention Is All You Need"}"#.utf8 + [0x0A])
        input.append(Data(#"{"text": "bad "#.utf8 + [0xFF] + #""}"#.utf8 + [0x0A]))
        input.append(Data("not json\n{\"title\": \"no text field\"}\n{\"text\": \"\"}\n".utf8))
        let result = try await runWithInput(["encode", "--model", SharedData.modelDirectory], input: input)
        #expect(result.status == 1, "bad lines make the exit status 1")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["input_ids"] as? [Int] == [101, 3086, 2003, 2035, 2017, 2342, 102])
        #expect((first["embedding"] as? [Double])?.count == 384)
        #expect(result.errors.contains("stdin:2:"))
        #expect(result.errors.contains("stdin:3:"))
        #expect(result.errors.contains("stdin:4: field \"text\""))
    }

    @Test("a missing model is one clear error naming the folder and the set-up command, before anything is imported")
    func missingModel() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("one.jsonl", lines: [#"{"title": "T", "abstract": "A"}"#])
        let result = try await runWithInput(["import", "--home", dir.file("home"), "--model", dir.file("no-model"), file], input: Data())
        #expect(result.status != 0)
        #expect(result.errors.contains(dir.file("no-model")))
        #expect(result.errors.contains("make model"))
        #expect(!FileManager.default.fileExists(atPath: StoreFactory.sqlitePath(home: dir.file("home"))))
    }

    @Test("kill -9 during papers embed, then a rerun: every paper embedded exactly once, vectors as computed directly")
    func embedIsResumable() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.file("home")
        let papers = SharedData.papersExecutable
        let seed = SharedData.path("data/seed-papers.jsonl")
        #expect(try await run(papers, ["import", "--no-embed", "--home", home, seed]).status == 0)
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        let total = try await store.paperCount()
        let model = SentenceEncoder.defaultModelName
        #expect(try await store.papersToEmbedCount(model: model) == total)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: papers)
        process.arguments = ["embed", "--home", home, "--model", SharedData.modelDirectory, "--batch-size", "8"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var stored = 0
        for _ in 0..<1_200 {
            stored = try await store.embeddedPaperCount(model: model)
            if stored >= 24 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        try await offPool { process.waitUntilExit() }
        #expect(process.terminationReason == .uncaughtSignal)
        let partial = try await store.embeddedPaperCount(model: model)
        #expect(partial >= 24 && partial < total, "killed after \(partial) embeddings")

        let rerun = try await run(papers, ["embed", "--home", home, "--model", SharedData.modelDirectory])
        #expect(rerun.status == 0)
        #expect(rerun.output.contains("embedded \(total - partial) papers"), "\(rerun.output)")
        #expect(try await store.embeddedPaperCount(model: model) == total)
        #expect(try await store.papersToEmbedCount(model: model) == 0)
        let rows = try await run("/usr/bin/sqlite3", [StoreFactory.sqlitePath(home: home), "SELECT count(*), count(DISTINCT paper) FROM paper_embedding"]).output
        #expect(rows == "\(total)|\(total)\n")

        // Stored vectors are the encoder's, whichever run wrote them.
        let encoder = try SentenceEncoder(directory: SharedData.modelDirectory, threads: 2)
        let jobs = try await Array(store.papersToEmbed(model: "another-model", after: nil, limit: total))
        for job in [jobs[0], jobs[partial - 1], jobs[total - 1]] {
            let stored = try #require(try await store.embedding(of: job.id, model: model))
            let fresh = await encoder.embedInBackground([job.text])[0]
            #expect(cosine(stored, fresh) > 0.99999)
        }

        // Changing a paper makes exactly that one stale.
        let changed = try #require(try await store.paper(jobs[3].id))
        var edited = changed
        edited.abstract += " Revised."
        _ = try await store.upsert([edited], defaultDay: changed.listed ?? .init(daysSinceEpoch: 0))
        #expect(try await store.papersToEmbedCount(model: model) == 1)
        #expect(try await store.embedding(of: changed.id, model: model) == nil)
    }

    @Test("papers import embeds what it imported; invalid UTF-8 lines are reported by line and skipped")
    func importEmbeds() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let reader = try LineReader(path: SharedData.path("data/seed-papers.jsonl"))
        var lines: [String] = []
        while lines.count < 12, let line = try reader.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        let file = try dir.write("some.jsonl", lines: lines)
        var bad = Data(#"{"title": "Broken "#.utf8)
        bad.append(contentsOf: [0xC3, 0x28])
        bad.append(Data(#"", "abstract": "x"}"#.utf8 + [0x0A]))
        bad.append(Data(#"{"title": "Fine", "abstract": "A good line."}"#.utf8 + [0x0A]))
        let badFile = dir.file("bad.jsonl")
        try bad.write(to: URL(fileURLWithPath: badFile))
        let home = dir.file("home")
        let result = try await runWithInput(["import", "--home", home, "--model", SharedData.modelDirectory, file, badFile], input: Data())
        #expect(result.status == 0)
        #expect(result.errors.contains("bad.jsonl:1: invalid UTF-8 at byte 19"), "\(result.errors)")
        #expect(result.output.contains("embedded 13 papers"), "\(result.output)")
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        #expect(try await store.paperCount() == 13)
        #expect(try await store.embeddedPaperCount(model: SentenceEncoder.defaultModelName) == 13)
    }
}
