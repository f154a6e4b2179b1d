import AsyncHTTPClient
import Foundation
import Logging
import PapersServer
import PapersTestSupport
import ServiceLifecycle
import Testing

@Suite("papers serve's service group")
struct ServerServiceGroupTests {
    /// Status of GET `path`, or nil when nothing answers.
    static func status(_ http: HTTPClient, port: Int, path: String) async -> UInt? {
        guard let response = try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(5)) else {
            return nil
        }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }

    static func run(databaseURL: String?) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let port = try LoopbackPort.free()
        var configuration = AppConfiguration(port: port, home: home, databaseURL: databaseURL, modelDirectory: "/nonexistent", clock: TestClock.clock)
        configuration.mailWorker = false
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // No signals: the test asks for the graceful shutdown itself.
        let group = try serverServiceGroup(configuration, gracefulShutdownSignals: [], logger: logger)
        let running = Task { try await group.run() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var answered: UInt?
        for _ in 0..<200 where answered == nil {
            answered = await status(http, port: port, path: "/healthz")
            if answered == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        // /healthz counts the papers and the outbox: the store is open and answers.
        #expect(answered == 200, "the server answered /healthz with \(String(describing: answered))")
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(await status(http, port: port, path: "/healthz") == nil, "nothing listens after the shutdown")
        try await http.shutdown()
    }

    @Test("on PostgreSQL the connection pool runs in the group (the server could not open its store otherwise), and a graceful shutdown ends it cleanly")
    func postgres() async throws {
        let server = try await PostgresTestServer.shared()
        try await Self.run(databaseURL: try await server.database())
    }

    @Test("on SQLite the same group holds the application alone")
    func sqlite() async throws {
        try await Self.run(databaseURL: nil)
    }
}
