import Foundation
import PapersCore
import PapersStore
import PapersTestSupport
import PropertyBased
import Testing

@Suite("The FTS5 match expression survives hostile input")
struct FTS5MatchExpressionTests {
    static let hostileAlphabet: [Character] = Array("ab Z9\"'*-()^:+.,;NEARNOTANDOR{}[]\\/\t\n\u{0}éß漢🙂\u{301}\u{E000}_%$#@!|~`<>=?&")

    @Test("any string becomes a query SQLite accepts: no SQL or FTS5 syntax error, ever")
    func hostileStringsNeverFail() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "NEAR AND OR NOT operators", abstract: "quotes \" and stars * (brackets)"),
            Fixtures.paper("2501.00002", title: "Ünïcödé 漢字 text", abstract: "emoji 🙂 and ß"),
        ], defaultDay: Day("2025-01-01")!)
        let strings = Gen<Character?>.element(of: Self.hostileAlphabet).compactMap { $0 }.string(of: 0...40)
        await propertyCheck(count: 300, input: strings) { text in
            let query = KeywordQuery(parsing: text)
            do {
                _ = try await store.searchKeyword(query, filters: .init(), limit: 5, offset: 0)
            } catch {
                Issue.record("query \(text.debugDescription) → \(FTS5MatchExpression.build(query) ?? "nil") failed: \(error)")
            }
        }
        for text in ["\"", "\"\"", "NEAR(", "a NOT", "*", "-", "(", ")", "AND", "OR", "NOT", "a:b", "^", "\u{0}", "\"unbalanced phrase"] {
            _ = try await store.searchKeyword(KeywordQuery(parsing: text), filters: .init(), limit: 5, offset: 0)
        }
    }

    @Test("operators typed by users are searched as words")
    func operatorsAreWords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        _ = try await store.upsert([Fixtures.paper("2501.00001", title: "Near-field optics")], defaultDay: Day("2025-01-01")!)
        let hits = try await store.searchKeyword(KeywordQuery(parsing: "NEAR"), filters: .init(), limit: 5, offset: 0).hits
        #expect(hits.count == 1)
        #expect(FTS5MatchExpression.build(KeywordQuery(parsing: "a \"b c\" -d e*")) == #"("b c" OR "e"*) NOT ("d")"#)
    }
}
