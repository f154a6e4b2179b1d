import Foundation
@testable import PapersPostgres
import PapersStore
import PapersTestSupport
import Testing

@Suite("PostgreSQL schema: numbered migrations, applied once however many servers start")
struct PostgresMigrationTests {
    @Test("two servers opening an empty database at the same moment: both come up, the schema is migrated once")
    func concurrentStart() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        let first = try PostgresDatabase(url: url), second = try PostgresDatabase(url: url)
        defer { first.close(); second.close() }
        async let a = first.migrate()
        async let b = second.migrate()
        let (appliedA, appliedB) = try await (a, b)
        let all = PostgresSchema.migrations.map(\.version)
        #expect([appliedA, appliedB].sorted { $0.count < $1.count } == [[], all], "one applies everything, the other nothing")
        let versions = try await server.psql(database: url.split(separator: "/").last.map(String.init) ?? "", "SELECT string_agg(version::text, ',' ORDER BY version) FROM papers_migration")
        #expect(versions.trimmingCharacters(in: .whitespacesAndNewlines) == all.map(String.init).joined(separator: ","))
        // A third open finds nothing to do.
        let third = try PostgresDatabase(url: url)
        defer { third.close() }
        #expect(try await third.migrate() == [])
    }

    @Test("a database migrated by a newer papers is refused with the versions, not half-used")
    func newerSchema() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        let database = try PostgresDatabase(url: url)
        defer { database.close() }
        try await database.migrate()
        let name = String(url.split(separator: "/").last!)
        try await server.psql(database: name, "INSERT INTO papers_migration (version, name) VALUES (999, 'from the future')")
        await #expect(throws: StoreError.self) { try await database.migrate() }
        do {
            try await database.migrate()
        } catch {
            #expect("\(error)".contains("schema version 999, newer than this papers (\(PostgresSchema.migrations.last!.version))"))
        }
    }

    @Test("pgvector is there: the embedding column is a 384-dimension halfvec")
    func vectorColumn() async throws {
        let server = try await PostgresTestServer.shared()
        let url = try await server.database()
        let database = try PostgresDatabase(url: url)
        defer { database.close() }
        try await database.migrate()
        let type = try await server.psql(database: String(url.split(separator: "/").last!), """
            SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'paper_embedding'::regclass AND attname = 'vector'
            """)
        #expect(type.trimmingCharacters(in: .whitespacesAndNewlines) == "halfvec(384)")
    }

    @Test("a bad --database-url names what is wrong and keeps the password out of the message")
    func badURLs() {
        let cases: [(String, String)] = [
            ("mysql://u@h/db", "expected postgres://user[:password]@host[:port]/database"),
            ("postgres://u:secret@h", "no database name after the host"),
            ("postgres://h/db", "no user name"),
            ("postgres://u:secret@h/db?sslmode=sometimes", "sslmode sometimes is not one of disable, prefer, require"),
        ]
        for (url, reason) in cases {
            #expect(throws: StoreError.self) { try PostgresDatabase.configuration(url) }
            do { _ = try PostgresDatabase.configuration(url) } catch {
                #expect("\(error)".contains(reason), "\(url): \(error)")
                #expect(!"\(error)".contains("secret"), "\(url): \(error)")
            }
        }
    }

    @Test("statements split at line-ending semicolons, comments dropped")
    func statements() {
        #expect(PostgresDatabase.statements("""
            CREATE TABLE a (x INT); -- one
            -- a comment line
            CREATE INDEX b ON a (x);
            """) == ["CREATE TABLE a (x INT)", "CREATE INDEX b ON a (x)"])
    }
}
