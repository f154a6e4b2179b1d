import Foundation
@testable import PapersCLI
import PapersCore
import PapersIngest
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

/// Holds the pid of the harvest to kill, set once it started.
final class Victim: @unchecked Sendable {
    private let lock = NSLock()
    private var pid: Int32 = 0
    private(set) var killed = false
    func set(_ p: Int32) { lock.lock(); pid = p; lock.unlock() }
    func kill() {
        lock.lock()
        defer { lock.unlock() }
        guard pid > 0, !killed else { return }
        _ = Foundation.kill(pid, SIGKILL)
        killed = true
    }
}

@Suite("papers harvest: kill -9 safe, and Hugging Face daily papers")
struct HarvestCommandTests {
    /// Every stored paper, fully, ordered by id.
    static func papers(home: String) async throws -> [Paper] {
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        var all: [Paper] = []
        for summary in try await store.latestDays(limit: 1_000) {
            all += try await store.papers(on: summary.day, limit: 100_000, offset: 0)
        }
        return all.sorted { $0.id < $1.id }
    }

    @Test("kill -9 in the middle of a multi-page harvest, rerun: the same papers as an uninterrupted run")
    func killNine() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let papers = SharedData.papersExecutable
        var records = TestArxivRecord.batch(40)
        records[7].deleted = true
        records[12].versions = 2
        records[12].updated = TestClock.today.adding(days: -2).description
        let repository = OAIPMHTestRepository(records: records, pageSize: 4)
        await repository.setDelay(.milliseconds(100))
        let victim = Victim()
        await repository.setOnRequest { n in if n == 5 { victim.kill() } }
        try await withOAIPMHServer(repository) { endpoint in
            // No --from: the first run reaches three days back from the pinned --now.
            let arguments = ["harvest", "--no-embed", "--endpoint", endpoint, "--interval", "0.02", "--set", "cs",
                             "--metadata-prefix", "arXivRaw", "--now", OAIArxivRecord.isoTime(TestClock.now)]
            let home = dir.file("killed")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: papers)
            process.arguments = arguments + ["--home", home]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            victim.set(process.processIdentifier)
            try await offPool { process.waitUntilExit() }
            #expect(process.terminationReason == .uncaughtSignal, "the harvest was killed, not finished")
            let partial = try await Self.papers(home: home).count
            #expect(partial > 0 && partial < 39, "killed after \(partial) papers")

            await repository.setOnRequest(nil)
            let rerun = try await run(papers, arguments + ["--home", home])
            #expect(rerun.status == 0)
            #expect(rerun.output.contains("resumed an interrupted harvest"), "\(rerun.output)")

            let clean = try await run(papers, arguments + ["--home", dir.file("clean")])
            #expect(clean.status == 0)
            let expected = try await Self.papers(home: dir.file("clean"))
            #expect(expected.count == 39)
            #expect(try await Self.papers(home: home) == expected)
            #expect(try await run("/usr/bin/sqlite3", [StoreFactory.sqlitePath(home: home), "PRAGMA integrity_check"]).output == "ok\n")
        }
    }

    @Test("an HF daily-papers file with 3 entries imports 3 papers on their featured day, listed by upvotes")
    func hfDaily() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("daily.json")
        let json = """
            [
              {"paper": {"id": "2511.00011", "authors": [{"_id": "x", "name": "Ada Lovelace", "hidden": false}],
                         "publishedAt": "2025-11-20T17:59:41.000Z", "title": "Low votes", "summary": "Summary one.",
                         "upvotes": 3, "discussionId": "d1", "ai_keywords": ["x"]},
               "publishedAt": "2025-11-21T01:02:03.000Z", "title": "Low votes", "thumbnail": "https://example.org/t.png",
               "numComments": 1, "submittedBy": {"name": "someone"}, "isAuthorParticipating": false},
              {"paper": {"id": "2511.00012", "authors": [{"name": "Grace Hopper"}], "publishedAt": "2025-11-20T10:00:00.000Z",
                         "title": "Most votes", "summary": "Summary two.", "upvotes": 120},
               "publishedAt": "2025-11-21T02:00:00.000Z"},
              {"paper": {"id": "2511.00013", "authors": [], "title": "Middle votes", "summary": "Summary three.", "upvotes": 45},
               "publishedAt": "2025-11-21T03:00:00.000Z", "somethingNew": {"nested": [1, 2]}}
            ]
            """
        try json.write(toFile: file, atomically: true, encoding: .utf8)
        let home = dir.file("home")
        let result = try await run(SharedData.papersExecutable, ["import", "--no-embed", "--home", home, "--format", "hf-daily", file])
        #expect(result.status == 0, "\(result.output)")
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        let day = Day("2025-11-21")!
        let listed = try await store.papers(on: day, limit: 10, offset: 0)
        #expect(listed.map(\.title) == ["Most votes", "Middle votes", "Low votes"])
        #expect(try await store.featuredUpvotes(on: day) == [PaperID("2511.00012")!: 120, PaperID("2511.00013")!: 45, PaperID("2511.00011")!: 3])
        #expect(listed.first?.authors.map(\.name) == ["Grace Hopper"])

        // Auto-detection reads the same array; re-importing changes nothing but the upvotes it carries.
        let again = try await run(SharedData.papersExecutable, ["import", "--no-embed", "--home", home, file])
        #expect(again.status == 0)
        #expect(again.output.contains("imported 0"), "\(again.output)")
    }

    @Test("an HF entry without a required field is reported by position and id; the others are imported")
    func hfDailyBadEntry() throws {
        let json = #"[{"paper": {"id": "2511.00021", "title": "Fine", "summary": "S."}, "publishedAt": "2025-11-21T00:00:00Z"},"#
            + #" {"paper": {"id": "2511.00022", "summary": "No title."}, "publishedAt": "2025-11-21T00:00:00Z"},"#
            + #" {"publishedAt": "2025-11-21T00:00:00Z"}]"#
        let (entries, failures) = try HFDailyReader.read(Array(json.utf8), source: "daily.json")
        #expect(entries.map(\.paper.id.rawValue) == ["2511.00021"])
        #expect(failures == ["daily.json: entry 2 (2511.00022): missing field \"paper.title\"",
                             "daily.json: entry 3: missing field \"paper\""])
        #expect(throws: RecordError.self) { try HFDailyReader.read(Array(#"{"not": "an array"}"#.utf8)) }
    }
}

@Suite("papers harvest: fetching HF daily papers and embedding what arrives")
struct HarvestFetchTests {
    @Test("--hf-daily DATE fetches the day's list and stores it like an imported file")
    func hfDailyFetch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let json = #"[{"paper": {"id": "2511.00031", "title": "Fetched paper", "summary": "From the API.", "upvotes": 7}, "publishedAt": "2025-11-20T23:00:00Z"}]"#
        let log = RequestLog()
        try await withStaticServer(["/api/daily_papers": ("application/json", json)], log: log) { base in
            let result = try await run(SharedData.papersExecutable, [
                "harvest", "--no-embed", "--home", dir.file("home"), "--hf-daily", "2025-11-21",
                "--hf-endpoint", base + "/api/daily_papers", "--interval", "0"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("1 featured papers"), "\(result.output)")
        }
        #expect(log.all == ["/api/daily_papers?date=2025-11-21"])
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: dir.file("home")))
        #expect(try await store.featuredUpvotes(on: Day("2025-11-21")!) == [PaperID("2511.00031")!: 7], "the asked day, not publishedAt")
    }

    @Test("harvested papers are embedded as they arrive")
    func embedsHarvest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let repository = OAIPMHTestRepository(records: TestArxivRecord.batch(4), pageSize: 2)
        try await withOAIPMHServer(repository) { endpoint in
            let result = try await run(SharedData.papersExecutable, [
                "harvest", "--home", dir.file("home"), "--model", SharedData.modelDirectory, "--endpoint", endpoint,
                "--interval", "0", "--set", "cs", "--from", "2026-11-01"])
            #expect(result.status == 0, "\(result.output)")
        }
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: dir.file("home")))
        #expect(try await store.paperCount() == 4)
        #expect(try await store.embeddedPaperCount(model: "all-MiniLM-L6-v2") == 4)
    }
}
