import Foundation
import PapersCore
import PapersMail
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

@Suite("papers digest run: kill -9 safe, exactly one digest per subscriber")
struct DigestCommandTests {
    /// Tuesday 24 November 2026, 08:00 UTC.
    static let now = "2026-11-24T08:00:00Z"
    static let day = Day("2026-11-24")!

    /// A home with papers announced on ``day`` and `count` confirmed subscribers, each with a search topic.
    static func home(_ dir: TemporaryDirectory, subscribers count: Int) async throws -> (home: String, store: SQLitePaperStore) {
        let home = dir.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        let topics = ["diffusion", "transformers", "robots", "graphs"]
        var papers: [Paper] = []
        for (t, topic) in topics.enumerated() {
            for n in 0..<6 {
                papers.append(Fixtures.paper(String(format: "2611.%05d", t * 10 + n + 1), title: "Paper \(n) on \(topic)",
                                             abstract: "We study \(topic) in setting \(n).", listed: day.description))
            }
        }
        _ = try await store.upsert(papers, defaultDay: day)
        let confirmed = Double(day.daysSinceEpoch) * 86_400 - 3600
        for n in 0..<count {
            let preferences = try DigestPreferences(frequency: .daily, trending: false, topics: [.search(topics[n % topics.count])], maxPapers: 5)
            let request = try await store.requestSubscription(email: try EmailAddress(validating: "reader\(n)@example.org"), preferences: preferences,
                                                              account: nil, now: confirmed, resendAfter: confirmed)
            _ = try await store.confirmSubscription(request.subscription.id, now: confirmed)
        }
        return (home, store)
    }

    @Test("kill -9 in the middle of a 500-subscriber batch, rerun: every subscriber has exactly one digest")
    func killNine() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (home, store) = try await Self.home(dir, subscribers: 500)
        let pidFile = dir.file("pid")
        let mailbox = dir.file("mail")
        let killer = try await SMTPTestServer.start(directory: mailbox, options: ["--kill-at", "200", "--kill-pid-file", pidFile])
        let arguments = ["digest", "run", "--home", home, "--smtp-port", String(killer.port), "--now", Self.now, "--base-url", "http://papers.test"]
        let process = try KillMatrixTests.spawn(arguments)
        try String(process.processIdentifier).write(toFile: pidFile, atomically: true, encoding: .utf8)
        try await offPool { process.waitUntilExit() }
        await killer.stop()
        #expect(process.terminationReason == .uncaughtSignal, "the digest run was killed, not finished")
        let delivered = try killer.messages().count
        #expect(delivered == 199, "killed at the 200th message")
        let counts = try await store.outboxCounts()
        #expect(counts["sent"] == 199 && counts["queued"] == 301, "\(counts)")

        let server = try await SMTPTestServer.start(directory: mailbox, port: killer.port)
        let rerun = try await run(SharedData.papersExecutable, arguments)
        let again = try await run(SharedData.papersExecutable, arguments)
        await server.stop()
        #expect(rerun.status == 0, "\(rerun.output)")
        #expect(rerun.output.contains("queued 0 digests"), "\(rerun.output)")
        #expect(again.output.contains("sent 0 messages"), "\(again.output)")
        let perRecipient = try server.deliveriesPerRecipient()
        #expect(perRecipient.count == 500)
        #expect(perRecipient.values.allSatisfy { $0 == 1 }, "duplicates: \(perRecipient.filter { $0.value != 1 })")
        #expect(try await store.outboxCounts() == ["queued": 0, "sent": 500, "failed": 0])
        print("digest rerun: \(rerun.output.split(separator: "\n").last ?? "")")
    }

    @Test("--dry-run lists who would get what and writes nothing")
    func dryRun() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (home, store) = try await Self.home(dir, subscribers: 3)
        let result = try await run(SharedData.papersExecutable, ["digest", "run", "--home", home, "--dry-run", "--now", Self.now, "--smtp-port", "9"])
        #expect(result.status == 0)
        #expect(result.output.contains("reader0@example.org: 2611.0000"), "\(result.output)")
        #expect(result.output.contains("dry run: 3 digests would be sent"))
        #expect(try await store.outboxCounts() == ["queued": 0, "sent": 0, "failed": 0])
    }
}
