import AsyncHTTPClient
import Foundation
import NIOCore
import PapersCore
import PapersIngest
import PapersMail
@testable import PapersPostgres
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing

/// `papers serve` processes of the binary the build produced, all on one PostgreSQL database.
final class ServerFleet: @unchecked Sendable {
    let ports: [Int]
    let processes: [Process]
    let directory: TemporaryDirectory

    init(count: Int, databaseURL: String, harvestEndpoint: String, smtpPort: Int, model: String?) throws {
        directory = try TemporaryDirectory()
        var ports: [Int] = []
        var processes: [Process] = []
        for i in 0..<count {
            let port = try LoopbackPort.free()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: SharedData.papersExecutable)
            process.arguments = ["serve", "--home", directory.file("home\(i)"), "--database-url", databaseURL, "--port", String(port),
                                 "--harvest-endpoint", harvestEndpoint, "--harvest-set", "cs", "--model", model ?? directory.file("no-model"),
                                 "--now", OAIArxivRecord.isoTime(TestClock.now), "--smtp-port", String(smtpPort),
                                 "--base-url", "http://papers.test", "--mail-from", "digest@papers.example.org"]
                + RateLimitName.allCases.flatMap { ["--rate-limit", "\($0.rawValue)=0/1"] }
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.write("server\(i).log", lines: [])))
            try process.run()
            ports.append(port)
            processes.append(process)
        }
        self.ports = ports
        self.processes = processes
    }

    /// The log of server `i`, for failure messages.
    func log(_ i: Int) -> String { (try? String(contentsOfFile: directory.file("server\(i).log"), encoding: .utf8)) ?? "" }

    func stop() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        directory.remove()
    }
}

@Suite("Several papers serve processes on one PostgreSQL", .serialized)
struct MultiServerTests {
    static func get(_ http: HTTPClient, _ url: String) async throws -> (UInt, String) {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (response.status.code, String(buffer: body))
    }

    static func upvote(_ http: HTTPClient, port: Int, paper: String, token: String) async -> UInt? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/papers/\(paper)/upvote")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        guard let response = try? await http.execute(request, timeout: .seconds(60)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return response.status.code
    }

    /// Waits (up to a minute each) until every server of `fleet` answers /healthz; one that does not is an issue.
    static func expectAllUp(_ fleet: ServerFleet, _ http: HTTPClient) async throws {
        for (i, port) in fleet.ports.enumerated() {
            var up = false
            for _ in 0..<600 where !up {
                up = (try? await get(http, "http://127.0.0.1:\(port)/healthz"))?.0 == 200
                if !up { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(up, "server \(i) did not start: \(fleet.log(i))")
        }
    }

    @Test("two papers serve processes started at the same moment on an empty database: both come up, each migration applied once")
    func simultaneousStart() async throws {
        let postgres = try await PostgresTestServer.shared()
        let url = try await postgres.database()
        let fleet = try ServerFleet(count: 2, databaseURL: url, harvestEndpoint: "http://127.0.0.1:9/oai", smtpPort: 9, model: nil)
        defer { fleet.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        try await Self.expectAllUp(fleet, http)
        try await http.shutdown()
        let name = String(url.split(separator: "/").last ?? "")
        let versions = try await postgres.psql(database: name, "SELECT string_agg(version::text, ',' ORDER BY version) FROM papers_migration")
        #expect(versions.trimmingCharacters(in: .whitespacesAndNewlines) == PostgresSchema.migrations.map { String($0.version) }.joined(separator: ","))
    }

    @Test("three servers: exact upvote counts, one harvester whose papers the others find, one digest per subscriber, a SIGKILL survived")
    func threeServers() async throws {
        let postgres = try await PostgresTestServer.shared()
        let url = try await postgres.database()
        let store = try await PostgresPaperStore(url: url)
        defer { store.close() }
        // Ten papers of today, a hundred people with API tokens, one confirmed daily subscriber.
        let papers = (1...20).map { Fixtures.paper(String(format: "2611.9%04d", $0), title: "Seeded paper \($0) on sparse experts",
                                                   listed: TestClock.today.description) }
        _ = try await store.upsert(papers, defaultDay: TestClock.today)
        var made: [String] = []
        for u in 0..<100 {
            let account = try await store.createAccount(name: "user\(u)", email: "user\(u)@example.org", passwordHash: "x", now: 0)
            let token = "papers_" + Authentication.randomToken()
            try await store.createAPIToken(tokenHash: Authentication.tokenHash(token), account: account.id, name: "load", now: 0)
            made.append(token)
        }
        let tokens = made
        let (request, _) = try await store.requestSubscription(
            email: try EmailAddress(validating: "grace@example.org"),
            preferences: try DigestPreferences(frequency: .daily, trending: false, topics: [try SubscriptionTopic(parsing: "cat:cs.LG")]),
            account: nil, now: TestClock.now - 7_200, resendAfter: TestClock.now)
        _ = try await store.confirmSubscription(request.id, now: TestClock.now - 7_000)

        let mail = try TemporaryDirectory()
        defer { mail.remove() }
        let smtp = try await SMTPTestServer.start(directory: mail.file("mail"))
        let repository = OAIPMHTestRepository(records: TestArxivRecord.batch(3, datestamp: TestClock.today.description), pageSize: 3)
        let http = HTTPClient(eventLoopGroupProvider: .singleton,
                              configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(60)),
                                                   connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)))
        let model = ProcessInfo.processInfo.environment["PAPERS_MODEL"]
        try await withOAIPMHServer(repository) { endpoint in
            let fleet = try ServerFleet(count: 3, databaseURL: url, harvestEndpoint: endpoint, smtpPort: smtp.port, model: model)
            defer { fleet.stop() }
            // All three up.
            try await Self.expectAllUp(fleet, http)

            // 1,000 upvotes at once, spread over the three: every count exact.
            let ids = papers.prefix(10).map(\.id.rawValue)
            let statuses = await withTaskGroup(of: UInt?.self) { group in
                for (u, token) in tokens.enumerated() {
                    for (p, id) in ids.enumerated() {
                        let port = fleet.ports[(u + p) % 3]
                        group.addTask { await Self.upvote(http, port: port, paper: id, token: token) }
                    }
                }
                var all: [UInt?] = []
                for await status in group { all.append(status) }
                return all
            }
            #expect(statuses.count == 1_000 && statuses.allSatisfy { $0 == 200 }, "\(Set(statuses.map { $0.map(String.init) ?? "no answer" }))")
            for id in ids {
                #expect(try await store.rankedPapers([PaperID(id)!], viewer: nil).first?.votes == 100, "paper \(id)")
            }

            // One harvester: the records arrive once, and the other servers find them by keyword (and meaning).
            var found = false
            let deadline = ContinuousClock.now + .seconds(60)
            while !found, ContinuousClock.now < deadline {
                found = try await store.paper(PaperID("2611.00003")!) != nil
                if !found { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(found, "no server harvested: \(fleet.log(0))")
            let requests = await repository.requests
            #expect(requests.filter { $0.contains("ListRecords") }.count == 1, "\(requests)")
            for port in fleet.ports {
                let start = ContinuousClock.now
                var seen = false
                while !seen, ContinuousClock.now - start < .seconds(2) {
                    let (_, body) = try await Self.get(http, "http://127.0.0.1:\(port)/api/search?q=graph+transformers&mode=keyword")
                    seen = body.contains("2611.00003")
                    if !seen { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(seen, "keyword search on :\(port) did not find the harvested paper within 2 s")
            }
            if model != nil {
                // Embedded by the harvester once the page was written; every server's vector index catches up.
                let embedDeadline = ContinuousClock.now + .seconds(60)
                while try await store.embeddedPaperCount(model: URL(fileURLWithPath: model!).lastPathComponent) < 3, ContinuousClock.now < embedDeadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                for port in fleet.ports {
                    let start = ContinuousClock.now
                    var seen = false
                    while !seen, ContinuousClock.now - start < .seconds(2) {
                        let (_, body) = try await Self.get(http, "http://127.0.0.1:\(port)/api/search?q=transformer+networks+on+graphs&mode=semantic&limit=3")
                        seen = body.contains("2611.0000")
                        if !seen { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    #expect(seen, "semantic search on :\(port) did not find the harvested papers within 2 s")
                }
            }

            // Every server runs the digest worker; the subscriber gets exactly one digest.
            var digests: [ReceivedMail] = []
            let mailDeadline = ContinuousClock.now + .seconds(30)
            while digests.isEmpty, ContinuousClock.now < mailDeadline {
                digests = try smtp.messages().filter { $0.data.contains("Subject: Papers daily") }
                if digests.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
            }
            try await Task.sleep(for: .seconds(2))
            digests = try smtp.messages().filter { $0.data.contains("Subject: Papers daily") }
            #expect(digests.count == 1, "\(digests.count) digests")

            // One server killed under load: the others answer every request, and every acknowledged upvote is stored.
            let second = papers.suffix(10).map(\.id.rawValue)
            let victim = fleet.processes[1]
            let outcomes = await withTaskGroup(of: (paper: String, port: Int, status: UInt?).self) { group in
                for (u, token) in tokens.enumerated() {
                    for (p, id) in second.enumerated() {
                        let port = fleet.ports[(u + p) % 3]
                        group.addTask { (id, port, await Self.upvote(http, port: port, paper: id, token: token)) }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(150))
                    kill(victim.processIdentifier, SIGKILL)
                    return ("", 0, nil)
                }
                var all: [(paper: String, port: Int, status: UInt?)] = []
                for await outcome in group where !outcome.paper.isEmpty { all.append(outcome) }
                return all
            }
            // The kill landed mid-load: some requests to the killed server got no answer.
            #expect(outcomes.contains { $0.port == fleet.ports[1] && $0.status == nil })
            let survivors = outcomes.filter { $0.port != fleet.ports[1] }
            #expect(survivors.allSatisfy { $0.status == 200 }, "\(survivors.filter { $0.status != 200 }.count) failed on the surviving servers")
            for id in second {
                let acknowledged = outcomes.filter { $0.paper == id && $0.status == 200 }.count
                let stored = try await store.rankedPapers([PaperID(id)!], viewer: nil).first?.votes ?? -1
                #expect(stored >= acknowledged && stored <= 100, "paper \(id): \(acknowledged) acknowledged, \(stored) stored")
            }
            #expect(!victim.isRunning)
        }
        try await http.shutdown()
        await smtp.stop()
    }
}
