import Foundation
import PapersCore
import PapersStore
import PapersTestSupport
import Testing
@testable import PapersSQLite

@Suite("SQLite store: upserts are idempotent and versions only move forward")
struct SQLitePaperStoreTests {
    let directory: TemporaryDirectory
    let store: SQLitePaperStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
    }

    static let today = Day("2025-06-01")!

    @Test("new, identical, newer and older versions count as imported, unchanged, updated, unchanged")
    func versions() async throws {
        let v1 = Fixtures.paper("2203.05482", title: "Model soups", version: 1)
        #expect(try await store.upsert([v1], defaultDay: Self.today) == UpsertCounts(imported: 1))
        #expect(try await store.upsert([v1], defaultDay: Self.today) == UpsertCounts(unchanged: 1))
        var v2 = v1
        v2.version = 2
        v2.title = "Model soups: averaging weights"
        #expect(try await store.upsert([v2], defaultDay: Self.today) == UpsertCounts(updated: 1))
        #expect(try await store.upsert([v1], defaultDay: Self.today) == UpsertCounts(unchanged: 1))
        let stored = try #require(try await store.paper(v1.id))
        #expect(stored.version == 2)
        #expect(stored.title == "Model soups: averaging weights")
        #expect(try await store.paperCount() == 1)
    }

    @Test("a stored paper reads back equal, field by field")
    func roundTrip() async throws {
        let paper = Paper(
            id: PaperID("hep-th/9901001")!, version: 3, title: "Strings", abstract: "About strings.",
            authors: [Author(name: "Ed Witten", affiliations: ["IAS"]), Author(name: "Zoë Ø")],
            categories: ["hep-th", "math-ph"], published: Day("1999-01-01"), updated: Day("1999-03-01"),
            listed: Day("1999-01-04"), versions: [PaperVersion(version: 1, submitted: Day("1999-01-01")!)],
            doi: "10.1000/x", journalRef: "J. Phys. 1", comments: "12 pages", license: "http://creativecommons.org/licenses/by/4.0/",
            links: ["https://github.com/example/strings"])
        _ = try await store.upsert([paper], defaultDay: Self.today)
        #expect(try await store.paper(paper.id) == paper)
    }

    @Test("papers without a date land on the default day; daily pages navigate between days with papers")
    func days() async throws {
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "A", listed: "2025-01-02"),
            Fixtures.paper("2501.00002", title: "B", listed: "2025-01-02"),
            Fixtures.paper("2501.00003", title: "C", listed: "2025-01-06"),
            Fixtures.paper("2501.00004", title: "D", listed: nil),
        ], defaultDay: Self.today)
        #expect(try await store.papers(on: Day("2025-01-02")!, limit: 10, offset: 0).map(\.title) == ["A", "B"])
        #expect(try await store.latestDays(limit: 5).map(\.day.description) == ["2025-06-01", "2025-01-06", "2025-01-02"])
        let (previous, next) = try await store.neighbours(of: Day("2025-01-04")!)
        #expect(previous?.description == "2025-01-02")
        #expect(next?.description == "2025-01-06")
        #expect(try await store.paperCount(on: Day("2025-01-03")!) == 0)
    }

    @Test("keyword search ranks title matches first and honours filters")
    func search() async throws {
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "Model soups: averaging weights of fine-tuned models",
                           abstract: "We average weights.", categories: ["cs.LG"], listed: "2025-01-02"),
            Fixtures.paper("2501.00002", title: "Charity kitchens", abstract: "A model of charity and soups.",
                           categories: ["econ.GN"], listed: "2025-01-03"),
            Fixtures.paper("2501.00003", title: "Café culture", abstract: "Naïve coffee models.", authors: ["José Müller"],
                           categories: ["cs.CY"], listed: "2025-01-04"),
        ], defaultDay: Self.today)
        let all = try await store.searchKeyword(KeywordQuery(parsing: "model soups"), filters: .init(), limit: 10, offset: 0)
        #expect(all.hits.first?.paper.id.rawValue == "2501.00001")
        #expect(all.hits.count == 3)   // OR semantics; stemming makes "models" match "model"
        let econ = try await store.searchKeyword(KeywordQuery(parsing: "model soups"), filters: .init(category: "econ.GN"), limit: 10, offset: 0)
        #expect(econ.hits.map(\.paper.id.rawValue) == ["2501.00002"])
        let dated = try await store.searchKeyword(KeywordQuery(parsing: "model"), filters: .init(from: Day("2025-01-03"), to: Day("2025-01-03")), limit: 10, offset: 0)
        #expect(dated.hits.map(\.paper.id.rawValue) == ["2501.00002"])
        let folded = try await store.searchKeyword(KeywordQuery(parsing: "cafe naive jose muller"), filters: .init(), limit: 10, offset: 0)
        #expect(folded.hits.map(\.paper.id.rawValue) == ["2501.00003"])
        let phrase = try await store.searchKeyword(KeywordQuery(parsing: #""soups averaging""#), filters: .init(), limit: 10, offset: 0)
        #expect(phrase.hits.map(\.paper.id.rawValue) == ["2501.00001"])
        let excluded = try await store.searchKeyword(KeywordQuery(parsing: "model -charity"), filters: .init(), limit: 10, offset: 0)
        #expect(!excluded.hits.map(\.paper.id.rawValue).contains("2501.00002"))
        let paged = try await store.searchKeyword(KeywordQuery(parsing: "model"), filters: .init(), limit: 1, offset: 1)
        #expect(paged.hits.count == 1 && paged.hasMore)
        let snippet = try #require(all.hits.first { $0.paper.id.rawValue == "2501.00002" }?.snippet)
        #expect(snippet.contains(SearchHit.highlightStart))
    }

    @Test("a word the query names twice weighs twice: with and without an exclusion (both scoring paths), stems adding up")
    func repeatedQueryWords() async throws {
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "Indexing", abstract: "Indexing of catalogues.", listed: "2025-01-02"),
            Fixtures.paper("2501.00002", title: "Retrieval", abstract: "Retrieval of catalogues.", listed: "2025-01-02"),
            Fixtures.paper("2501.00003", title: "Other", abstract: "Unrelated text about cooking.", listed: "2025-01-02"),
        ], defaultDay: Self.today)
        func ranking(_ text: String) async throws -> [String] {
            try await store.searchKeyword(KeywordQuery(parsing: text), filters: .init(), limit: 10, offset: 0).hits.map(\.paper.id.rawValue)
        }
        // Both words once: the same score, the lower row first. Named twice, "retrieval" wins.
        #expect(try await ranking("indexing retrieval") == ["2501.00001", "2501.00002"])
        #expect(try await ranking("indexing retrieval retrieval") == ["2501.00002", "2501.00001"])
        #expect(try await ranking("indexing retrieving retrieval -cooking") == ["2501.00002", "2501.00001"])
        #expect(try await ranking("retrieval indexing indexing -cooking") == ["2501.00001", "2501.00002"])
    }

    @Test("a copy keeps every paper and row number; re-indexed with a heavier title weight, a title match overtakes abstract matches")
    func weightedCopy() async throws {
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "Catalogues", abstract: "Indexing indexing indexing of library records.", listed: "2025-01-02"),
            Fixtures.paper("2501.00002", title: "Indexing", abstract: "Of library records and catalogues in general.", listed: "2025-01-02"),
        ], defaultDay: Self.today)
        func top(_ store: SQLitePaperStore) async throws -> String? {
            try await store.searchKeyword(KeywordQuery(parsing: "indexing"), filters: .init(), limit: 1, offset: 0).hits.first?.paper.id.rawValue
        }
        #expect(try await top(store) == "2501.00001")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await store.copy(to: dir.file("copy.sqlite"))
        let copy = try SQLitePaperStore(path: dir.file("copy.sqlite"), fieldWeights: FieldWeights(title: 6))
        #expect(try await copy.paperCount() == 2)
        let id = try #require(PaperID("2501.00002"))
        #expect(try await copy.rowKey(of: id) == store.rowKey(of: id))
        #expect(try await top(copy) == "2501.00001")   // still indexed with the weights it was copied with
        try await copy.reindex()
        #expect(try await top(copy) == "2501.00002")
        #expect(try await top(store) == "2501.00001")  // the original is untouched
    }

    @Test("the author filter matches all its words within one author, in any order, accents and case ignored")
    func authorFilter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "Deep learning of capsules", authors: ["Geoffrey E. Hinton", "Sara Sabour"]),
            Fixtures.paper("2501.00002", title: "Deep learning with convolutions", authors: ["Yann LeCun", "Geoffrey Zweig"]),
            Fixtures.paper("2501.00003", title: "Learning to rank", authors: ["Jürgen Müller"]),
            Fixtures.paper("2501.00004", title: "Hinton diagrams for learning", authors: ["Ada Lovelace"]),
        ], defaultDay: Day("2025-01-01")!)
        func ids(_ author: String) async throws -> [String] {
            try await store.searchKeyword(KeywordQuery(parsing: "learning"), filters: SearchFilters(author: author), limit: 10, offset: 0)
                .hits.map(\.paper.id.rawValue).sorted()
        }
        #expect(try await ids("hinton") == ["2501.00001"], "a title word is not an author")
        #expect(try await ids("Geoffrey Hinton") == ["2501.00001"])
        #expect(try await ids("HINTON geoffrey") == ["2501.00001"])
        #expect(try await ids("Geoffrey") == ["2501.00001", "2501.00002"])
        #expect(try await ids("Geoffrey LeCun") == [], "words must meet in one author")
        #expect(try await ids("muller") == ["2501.00003"])
        #expect(try await ids("Nobody") == [])
        let predicate = try #require(try await store.filterPredicate(SearchFilters(author: "sabour")))
        let hinton = try #require(try await store.rowKey(of: PaperID("2501.00001")!))
        let lecun = try #require(try await store.rowKey(of: PaperID("2501.00002")!))
        #expect(predicate(hinton) && !predicate(lecun))
    }

    @Test("a batch is one transaction: a failure leaves nothing behind")
    func atomicBatch() async throws {
        // A CHECK constraint rejects version 0 half-way through the batch.
        let good = Fixtures.paper("2501.00001", title: "Good")
        var bad = Fixtures.paper("2501.00002", title: "Bad")
        bad.version = 0
        await #expect(throws: (any Error).self) { try await store.upsert([good, bad], defaultDay: Self.today) }
        #expect(try await store.paperCount() == 0)
    }
}
