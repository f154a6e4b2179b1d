import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PapersCore
import PapersIngest
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

@Suite("A person's signals survive kill -9")
struct PersonalSignalsCrashTests {
    @Test("every acknowledged 'Not interested' and upvote is there after kill -9 of papers serve, and the database opens clean",
          .timeLimit(.minutes(3)))
    func signalsSurviveKill() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let papers = TopicalPapers.papers(days: [TestClock.today.adding(days: -1), TestClock.today], perTopic: 20)
        let token = "papers_" + String(repeating: "k", count: 43)
        let account: Account
        do {
            let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
            _ = try await store.upsert(papers, defaultDay: TestClock.today)
            account = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: TestClock.now - 86_400)
            try await store.createAPIToken(tokenHash: Array(SHA256.hash(data: Data(token.utf8))), account: account.id, name: "crash", now: TestClock.now)
        }
        let port = try ServeCommandTests.freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SharedData.papersExecutable)
        process.arguments = ["serve", "--home", home, "--port", String(port), "--model", dir.file("no-model"), "--now", OAIArxivRecord.isoTime(TestClock.now)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        _ = await ServeCommandTests.health(port: port) { $0.contains("\"status\":\"ok\"") }

        // Two lanes of writes; the server is killed while they run. Only what was answered 2xx counts as acknowledged.
        let acknowledged = Acknowledged()
        func send(_ path: String, _ body: String) async -> Bool {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0) / 100 == 2
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for paper in papers.prefix(60) where await send("/dismiss", "paper=\(paper.id)&state=on") {
                    await acknowledged.add(dismissed: paper.id)
                }
            }
            group.addTask {
                for paper in papers.suffix(60) where await send("/api/papers/\(paper.id)/upvote", "") {
                    await acknowledged.add(upvoted: paper.id)
                }
            }
            group.addTask {
                while await acknowledged.count < 30 { try? await Task.sleep(for: .milliseconds(5)) }
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        let signals = try await store.personalSignals(account: account.id)
        let dismissed = await acknowledged.dismissed, upvoted = await acknowledged.upvoted
        #expect(dismissed.count + upvoted.count >= 30)
        #expect(dismissed.isSubset(of: signals.dismissed), "lost: \(dismissed.subtracting(signals.dismissed))")
        let liked = Set(signals.liked.map(\.paper))
        #expect(upvoted.isSubset(of: liked), "lost: \(upvoted.subtracting(liked))")
        #expect(signals.dismissed.count <= 60 && liked.count <= 60)
    }
}

actor Acknowledged {
    var dismissed: Set<PaperID> = []
    var upvoted: Set<PaperID> = []
    var count: Int { dismissed.count + upvoted.count }
    func add(dismissed id: PaperID) { dismissed.insert(id) }
    func add(upvoted id: PaperID) { upvoted.insert(id) }
}
