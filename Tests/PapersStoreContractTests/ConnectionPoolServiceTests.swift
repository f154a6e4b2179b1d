import Foundation
import Logging
import PapersDatabase
import PapersPostgres
import PapersStore
import PapersTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@Suite("PostgreSQL's connection pool in the server's ServiceGroup")
struct ConnectionPoolServiceTests {
    /// A worker that still queries the store while it shuts down, as the HTTP server and the mail worker do.
    struct LateWorker: Service {
        let store: any PaperStore
        let box: Box

        func run() async throws {
            try? await gracefulShutdown()
            try await Task.sleep(for: .milliseconds(200))
            let count = try await store.paperCount()
            box.answered.withLock { $0 = count }
        }
    }

    final class Box: Sendable { let answered = Mutex<Int?>(nil) }

    @Test("a graceful shutdown closes the pool last: a worker's query during its own shutdown is answered, and the pool is closed after")
    func closesLast() async throws {
        let server = try await PostgresTestServer.shared()
        let store = try await StoreFactory.open(home: "/nonexistent", databaseURL: try await server.database())
        let services = StoreFactory.services(of: store)
        #expect(services.count == 1)
        let box = Box()
        let worker = LateWorker(store: store, box: box)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // The order the server uses: the store's services first, so they stop last.
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) } + [.init(service: worker)], logger: logger))
        let running = Task { try await group.run() }
        #expect(try await store.paperCount() == 0)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(box.answered.withLock { $0 } == 0, "the worker's query during shutdown was answered")
        // Closed now: a query fails (or never gets a connection) instead of opening new ones.
        let afterwards = await withTaskGroup(of: Bool?.self) { tasks in
            tasks.addTask { (try? await store.paperCount()) != nil }
            tasks.addTask { try? await Task.sleep(for: .seconds(3)); return nil }
            let first = await tasks.next()!
            tasks.cancelAll()
            return first
        }
        #expect(afterwards != true, "a query after the pool stopped must not succeed")
    }

    @Test("a SQLite store has no services: nothing to own")
    func sqliteHasNone() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(StoreFactory.services(of: try await StoreFactory.open(home: folder, databaseURL: nil)).isEmpty)
    }
}
