import Foundation
import PapersCore
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

typealias Comment = PapersCore.Comment

@Suite("Backup and restore while writers run")
struct BackupTests {
    /// Every row of every table, as text, by table.
    static func dump(_ store: SQLitePaperStore) async throws -> [String: [String]] {
        try await TableDump.rows(store).mapValues { $0.map { "\($0)" } }
    }

    @Test("a backup taken during write load is the source at one moment: whole transactions only, and a restore equals it table for table")
    func backupUnderLoad() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = try SQLitePaperStore(path: dir.file("papers.sqlite"))
        let day = Day("2025-11-20")!
        _ = try await source.upsert((1...40).map { Fixtures.paper(String(format: "2511.%05d", $0), title: "Paper \($0)", listed: "2025-11-20") },
                                    defaultDay: day)
        let writers = try await (0..<4).asyncMap { i in
            try await source.createAccount(name: "writer\(i)", email: "w\(i)@example.org", passwordHash: "h", now: 0).id
        }
        for writer in writers { try await source.setNotificationSettings(account: writer, NotificationSettings(replies: true, mentions: true, paperComments: true)) }
        // Writers comment without pause (each comment, its follow and its notifications are one transaction) while
        // the backup runs.
        let stop = ManagedFlag()
        let load = Task {
            var n = 0
            while !stop.isSet {
                n += 1
                let paper = PaperID(String(format: "2511.%05d", n % 40 + 1))!
                _ = try await source.addComment(NewComment(paper: paper, parent: nil, author: writers[n % writers.count], body: "comment \(n)"),
                                                now: Double(n))
                if n % 7 == 0 { _ = try await source.setVote(account: writers[n % writers.count], paper: paper, on: n % 14 == 0, now: Double(n)) }
            }
            return n
        }
        try await Task.sleep(for: .milliseconds(300))
        let file = dir.file("backup.sqlite")
        try await source.backup(to: file)
        stop.set()
        let written = try await load.value
        let backup = try SQLitePaperStore(path: file)
        #expect(try await backup.integrityProblems() == [])
        let comments = try await (1...40).asyncMap { try await backup.comments(on: PaperID(String(format: "2511.%05d", $0))!) }.flatMap { $0 }
        let numbers = comments.compactMap { Int($0.body.dropFirst("comment ".count)) }.sorted()
        #expect(!numbers.isEmpty && numbers.count < written, "the backup fell mid-load (\(numbers.count) of \(written))")
        #expect(numbers == Array(1...numbers.count), "a prefix of the writes, with no gap")
        // Each comment's transaction wrote a follow: every comment in the backup has its follow, none is half there.
        for comment in comments {
            #expect(try await backup.followsPaper(account: try #require(comment.authorID), paper: comment.paperID))
        }
        // The source, cut back to the same moment, equals the backup table for table.
        let last = numbers.count
        let cut = try await Self.dump(source).mapValues { $0 }
        let saved = try await Self.dump(backup)
        #expect(saved["paper"] == cut["paper"] && saved["account"] == cut["account"] && saved["keyword_segment"] == cut["keyword_segment"])
        #expect(saved["comment"]?.count == last)
        #expect(Array((cut["comment"] ?? []).prefix(last)) == saved["comment"] ?? [])

        // Restore into a fresh home: every table equal to the backup.
        let restored = try SQLitePaperStore(path: dir.file("restored.sqlite"))
        try await restored.restore(from: file)
        #expect(try await Self.dump(restored) == saved)
        #expect(try await restored.integrityProblems() == [])
    }
}

/// A flag one task sets and another reads.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
