import Foundation
import PapersCore
import PapersDatabase
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

extension AdminCommandTests {
    /// Runs the binary and returns its exit status and standard error (short commands only: it blocks).
    static func runCapturingErrors(_ executable: String, _ arguments: [String]) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite("papers admin: the admin role and suspensions from the command line, in the audit log")
struct AdminCommandTests {
    @Test("grant and revoke make and unmake an admin; suspend ends sessions; an unknown name is named in the error; log lists it all")
    func grantSuspendLog() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        _ = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: 0)
        let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: 0)
        try await store.createSession(tokenHash: [7], account: bob.id, now: 0, expiresAt: 4_000_000_000)
        let papers = SharedData.papersExecutable

        let grant = try await run(papers, ["admin", "grant", "BOB", "--home", home])
        #expect(grant.status == 0 && grant.output.contains("bob is now an admin"))
        #expect(try await store.account(named: "bob")?.isAdmin == true)
        let unknown = try Self.runCapturingErrors(papers, ["admin", "grant", "nobody", "--home", home])
        #expect(unknown.status != 0 && unknown.errors.contains("NAME: there is no account called \"nobody\""))
        #expect(try await run(papers, ["admin", "revoke", "bob", "--home", home]).status == 0)
        #expect(try await store.account(named: "bob")?.isAdmin == false)
        let suspend = try await run(papers, ["admin", "suspend", "bob", "--reason", "spam", "--home", home])
        #expect(suspend.status == 0)
        #expect(try await store.sessionAccount(tokenHash: [7], now: 1) == nil)
        #expect(try await store.account(named: "bob")?.isSuspended == true)
        #expect(try await run(papers, ["admin", "restore", "bob", "--home", home]).status == 0)
        let log = try await run(papers, ["admin", "log", "--home", home])
        let actions = log.output.split(separator: "\n").map { $0.split(separator: "\t").dropFirst(2).prefix(1).joined() }
        #expect(actions == ["restore-account", "suspend-account", "revoke-admin", "grant-admin"])
        #expect(log.output.contains("command line\tsuspend-account\taccount \(bob.id)\tspam"))
    }
}

@Suite("papers backup and restore")
struct BackupCommandTests {
    @Test("backup makes a new file and refuses to overwrite; restore checks the file, asks for --force over papers, and brings every paper back")
    func backupRestore() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.file("home"), other = dir.file("other")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        _ = try await store.upsert([Fixtures.paper("2511.10001", title: "One"), Fixtures.paper("2511.10002", title: "Two")], defaultDay: Day("2025-11-20")!)
        let papers = SharedData.papersExecutable
        let file = dir.file("backup.sqlite")
        let backup = try await run(papers, ["backup", file, "--home", home])
        #expect(backup.status == 0 && backup.output.contains("2 papers"))
        let again = try AdminCommandTests.runCapturingErrors(papers, ["backup", file, "--home", home])
        #expect(again.status != 0 && again.errors.contains("exists"))
        let restored = try await run(papers, ["restore", file, "--home", other])
        #expect(restored.status == 0 && restored.output.contains("2 papers restored"))
        #expect(try await SQLitePaperStore(path: StoreFactory.sqlitePath(home: other)).paperCount() == 2)
        let refused = try AdminCommandTests.runCapturingErrors(papers, ["restore", file, "--home", other])
        #expect(refused.status != 0 && refused.errors.contains("--force"))
        #expect(try await run(papers, ["restore", file, "--home", other, "--force"]).status == 0)
        let junk = try dir.write("junk.sqlite", lines: ["not a database"])
        let damaged = try AdminCommandTests.runCapturingErrors(papers, ["restore", junk, "--home", other, "--force"])
        #expect(damaged.status != 0)
        #expect(try await SQLitePaperStore(path: StoreFactory.sqlitePath(home: other)).paperCount() == 2, "a bad file changes nothing")
    }
}
