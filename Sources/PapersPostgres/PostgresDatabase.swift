import Foundation
import Logging
import PapersStore
import NIOSSL
import PostgresNIO

/// A pool of connections to one PostgreSQL database (PostgresNIO's `PostgresClient`, run in a task of its own or by
/// a service group), and the schema migrations every process applies on open.
public final class PostgresDatabase: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// The task running the pool when the database runs it itself.
    private let runner: Task<Void, Never>?
    /// Done once the pool's run() has been entered: a connection leased before that waits with a warning.
    let running: Task<Void, Never>
    private let started: AsyncStream<Void>.Continuation
    /// The URL without its password, for messages.
    public let displayURL: String

    /// Where to connect, parsed from the URL.
    let target: Target

    /// Connects to `url` (`postgres://user:password@host:port/database`, `?sslmode=disable|prefer|require`;
    /// `postgresql://` too). Connections open on first use; ``migrate()`` checks the database answers first. With
    /// `runsPool` false nothing is sent until ``runPool()`` runs (a service group's task does).
    public init(url: String, logger: Logger = Logger(label: "papers.postgres"), runsPool: Bool = true) throws {
        target = try Target(url)
        self.logger = logger
        // The pool retries failed connections with backoff, logging each at info: a failure to open is reported
        // once by migrate()'s check instead.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: target.clientConfiguration, backgroundLogger: background)
        self.client = client
        let (stream, started) = AsyncStream.makeStream(of: Void.self)
        running = Task { for await _ in stream { break } }
        self.started = started
        runner = runsPool ? Task {
            started.yield()
            await client.run()
        } : nil
        displayURL = Self.redacted(url)
    }

    deinit { runner?.cancel() }

    /// Closes every connection (when the database runs its pool itself; a service group closes its own).
    public func close() { runner?.cancel() }

    /// Runs the pool until the calling task is cancelled or its service group shuts down (PostgresClient's own run).
    func runPool() async {
        started.yield()
        await client.run()
    }

    /// The parts of a database URL.
    struct Target: Sendable {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String
        var sslmode: String

        /// Parses `url`; a bad URL is a `StoreError.cannotOpen` naming the part that is wrong.
        init(_ url: String) throws {
            func bad(_ reason: String) -> StoreError { .cannotOpen(path: PostgresDatabase.redacted(url), reason: "--database-url: \(reason)") }
            guard let components = URLComponents(string: url), let scheme = components.scheme,
                  scheme == "postgres" || scheme == "postgresql" else {
                throw bad("expected postgres://user[:password]@host[:port]/database")
            }
            guard let host = components.host, !host.isEmpty else { throw bad("no host") }
            guard let user = components.user, !user.isEmpty else { throw bad("no user name") }
            let database = String(components.path.drop { $0 == "/" })
            guard !database.isEmpty else { throw bad("no database name after the host") }
            let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
            guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslmode) else {
                throw bad("sslmode \(sslmode) is not one of disable, prefer, require")
            }
            (self.host, port, self.user, password, self.database, self.sslmode) = (host, components.port ?? 5432, user,
                                                                                components.password, database, sslmode)
        }

        var clientConfiguration: PostgresClient.Configuration {
            let tls: PostgresClient.Configuration.TLS
            switch sslmode {
            case "disable": tls = .disable
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            default: tls = .prefer(.makeClientConfiguration())
            }
            var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
            configuration.options.maximumConnections = 20
            return configuration
        }

        /// One connection's configuration, for the check on open.
        func connectionConfiguration() throws -> PostgresConnection.Configuration {
            let tls: PostgresConnection.Configuration.TLS
            switch sslmode {
            case "disable": tls = .disable
            case "require", "verify-ca", "verify-full": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
            configuration.options.connectTimeout = .seconds(10)
            return configuration
        }
    }

    /// The client configuration `url` names (parsing only; tests check the messages).
    static func configuration(_ url: String) throws -> PostgresClient.Configuration { try Target(url).clientConfiguration }

    /// Opens one connection and closes it: a database that does not answer, refuses the user or does not exist is
    /// one clear error now, not a minute of retries.
    func check() async throws {
        var quiet = logger
        quiet.logLevel = .critical
        do {
            let connection = try await PostgresConnection.connect(configuration: try target.connectionConfiguration(), id: 0, logger: quiet)
            try? await connection.close()
        } catch let error as PSQLError {
            let reason: String
            if let message = error.serverInfo?[.message] {
                reason = message
            } else if let underlying = error.underlying {
                reason = "cannot connect to \(target.host):\(target.port): \(underlying)"
            } else {
                reason = "cannot connect to \(target.host):\(target.port) (\(error.code))"
            }
            throw StoreError.cannotOpen(path: displayURL, reason: reason)
        } catch {
            throw StoreError.cannotOpen(path: displayURL, reason: "cannot connect to \(target.host):\(target.port): \(error)")
        }
    }

    /// `url` with its password replaced by `***`.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// Brings the schema up to date: every migration not yet applied, in order, in one transaction under an
    /// advisory lock, so servers starting at once on an empty database migrate it once (the others wait, then find
    /// nothing to do). Returns the versions this call applied. A database migrated by a newer `papers` is refused.
    @discardableResult
    public func migrate() async throws -> [Int] {
        // The pool serves requests once run() has started; waiting for it keeps the first query from racing it.
        await running.value
        try await check()
        let known = PostgresSchema.migrations
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS papers_migration (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM papers_migration", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > (known.last?.version ?? 0) {
                throw StoreError.cannotOpen(path: displayURL, reason: """
                    the database has schema version \(newest), newer than this papers (\(known.last?.version ?? 0)): upgrade papers
                    """)
            }
            var done: [Int] = []
            for migration in known where !applied.contains(migration.version) {
                for statement in Self.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO papers_migration (version, name) VALUES (\(migration.version), \(migration.name))",
                                           logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }

    /// The key of the advisory lock migrations hold (any fixed number other tools are unlikely to use).
    static let migrationLock: Int64 = 0x5061_7065_7273_0001

    /// The statements of a migration: split at `;` ending a line, `--` comments dropped (the extended query
    /// protocol takes one statement at a time; migrations hold no functions or quoted semicolons).
    static func statements(_ sql: String) -> [String] {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            guard let comment = line.range(of: "--") else { return line }
            return line[..<comment.lowerBound]
        }
        var statements: [String] = []
        var current = ""
        for line in lines {
            current += line + "\n"
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()
                if !statement.isEmpty { statements.append(String(statement)) }
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
