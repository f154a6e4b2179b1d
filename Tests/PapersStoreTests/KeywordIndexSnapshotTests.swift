import Foundation
import PapersCore
@testable import PapersStore
import PapersTestSupport
import Testing
@testable import PapersSQLite

@Suite("Keyword index snapshot: a new process starts from the saved index only when it matches the segments")
struct KeywordIndexSnapshotTests {
    static let today = Day("2025-06-01")!

    /// Papers whose titles share words, so rankings depend on idf, lengths and categories.
    static func papers(_ range: Range<Int>) -> [Paper] {
        let words = ["graph", "neural", "network", "diffusion", "model", "sparse", "attention", "retrieval", "protein", "robot"]
        return range.map { i in
            let title = (0..<(3 + i % 5)).map { words[(i * 7 + $0 * 3) % words.count] }.joined(separator: " ")
            return Fixtures.paper(String(format: "2501.%05d", i + 1), title: "Paper \(i) \(title)",
                                  abstract: "We study \(words[i % words.count]) and \(words[(i / 3) % words.count]).",
                                  categories: [i % 2 == 0 ? "cs.LG" : "cs.CV"], listed: i % 3 == 0 ? "2025-03-18" : "2025-03-19")
        }
    }

    static let queries: [(String, SearchFilters)] = [
        ("graph neural", .init()), ("diffusion model", .init(category: "cs.CV")), ("sparse attention retrieval", .init()),
        ("protein robot", .init(from: Day("2025-03-19"))), ("\"neural model\"", .init()), ("model -robot", .init()),
    ]

    func rankings(_ store: SQLitePaperStore) async throws -> [[ScoredPaper]] {
        var result: [[ScoredPaper]] = []
        for (text, filters) in Self.queries {
            result.append(try await store.keywordCandidates(KeywordQuery(parsing: text), filters: filters, limit: 20))
        }
        return result
    }

    @Test("saved after a build, loaded by the next store with identical rankings; stale or damaged files are not used")
    func snapshotLifecycle() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("papers.sqlite")
        let snapshot = directory.file("index/keyword.snapshot")
        let first = try SQLitePaperStore(path: path)
        _ = try await first.upsert(Self.papers(0..<300), defaultDay: Self.today)
        let built = try await rankings(first)
        #expect(first.keywordIndex.lastSource == .segments)
        #expect(FileManager.default.fileExists(atPath: snapshot))
        #expect(built.allSatisfy { !$0.isEmpty }, "\(built.map(\.count))")

        let second = try SQLitePaperStore(path: path)
        let loaded = try await rankings(second)
        #expect(second.keywordIndex.lastSource == .snapshot)
        #expect(loaded.map { $0.map(\.key) } == built.map { $0.map(\.key) })
        #expect(loaded.map { $0.map(\.score) } == built.map { $0.map(\.score) })

        // New papers change the segments: the old snapshot must not answer for them.
        _ = try await second.upsert(Self.papers(300..<320), defaultDay: Self.today)
        let third = try SQLitePaperStore(path: path)
        let fresh = try await third.keywordCandidates(KeywordQuery(parsing: "paper 310"), filters: .init(), limit: 5)
        #expect(third.keywordIndex.lastSource == .segments)
        #expect(try await third.hits(for: fresh, highlighting: KeywordQuery(parsing: "")).first?.paper.id.rawValue == "2501.00311")
        let afterUpdate = try await rankings(third)

        // A truncated file is ignored (and replaced), never trusted.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: snapshot))
        let fourth = try SQLitePaperStore(path: path)
        #expect(try await rankings(fourth).map { $0.map(\.key) } == afterUpdate.map { $0.map(\.key) })
        #expect(fourth.keywordIndex.lastSource == .segments)
        let fifth = try SQLitePaperStore(path: path)
        _ = try await rankings(fifth)
        #expect(fifth.keywordIndex.lastSource == .snapshot)
    }
}
