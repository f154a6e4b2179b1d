import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PapersIngest
import PapersServer
import PapersTestSupport
import Testing

@Suite("papers serve: the operator's signal")
struct ServeCommandTests {
    /// A TCP port nobody listens on right now.
    static func freeLoopbackPort() throws -> Int { try LoopbackPort.free() }

    /// Polls `/healthz` of a child server until `done` holds (at most ~60 s); the last body read.
    static func health(port: Int, until done: (String) -> Bool) async -> String {
        var body = ""
        for _ in 0..<300 {
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!) {
                body = String(decoding: data, as: UTF8.self)
                if done(body) { break }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return body
    }

    @Test("kill -USR1 <papers serve> harvests at once: a record added after the first run arrives without waiting a day")
    func signalTriggersHarvest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let repository = OAIPMHTestRepository(records: TestArxivRecord.batch(3), pageSize: 3)
        try await withOAIPMHServer(repository) { endpoint in
            let port = try Self.freeLoopbackPort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: SharedData.papersExecutable)
            process.arguments = ["serve", "--home", dir.file("home"), "--port", String(port), "--harvest-endpoint", endpoint,
                                 "--harvest-set", "cs", "--model", dir.file("no-model"), "--now", OAIArxivRecord.isoTime(TestClock.now)]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { process.terminate() }
            // The first run of an empty database.
            let first = await Self.health(port: port) { $0.contains("\"successes\":1") }
            #expect(first.contains("\"papers\":3"), "\(first)")
            // Nothing is due until tomorrow's scheduled hour; the signal asks for a run now. The new record is of today,
            // the day the first run completed through.
            await repository.put(TestArxivRecord.batch(1, first: 4, datestamp: TestClock.today.description)[0])
            kill(process.processIdentifier, SIGUSR1)
            let second = await Self.health(port: port) { $0.contains("\"successes\":2") }
            #expect(second.contains("\"papers\":4"), "\(second)")
            #expect(process.isRunning, "SIGUSR1 is trapped, not fatal")
        }
    }
}
