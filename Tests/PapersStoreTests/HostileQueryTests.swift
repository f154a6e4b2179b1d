import Foundation
import PapersCore
import PapersStore
import PapersTestSupport
import PropertyBased
import Testing
@testable import PapersSQLite

@Suite("Keyword search survives hostile input")
struct HostileQueryTests {
    static let hostileAlphabet: [Character] = Array("ab Z9\"'*-()^:+.,;NEARNOTANDOR{}[]\\/\t\n\u{0}éß漢🙂\u{301}\u{E000}_%$#@!|~`<>=?&")

    @Test("any string is a valid query: search never throws, and every hit contains a query word")
    func hostileStringsNeverFail() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        _ = try await store.upsert([
            Fixtures.paper("2501.00001", title: "NEAR AND OR NOT operators", abstract: "quotes \" and stars * (brackets) a b z9"),
            Fixtures.paper("2501.00002", title: "Ünïcödé 漢字 text", abstract: "emoji 🙂 and ß near"),
        ], defaultDay: Day("2025-01-01")!)
        let strings = Gen<Character?>.element(of: Self.hostileAlphabet).compactMap { $0 }.string(of: 0...40)
        await propertyCheck(count: 300, input: strings) { text in
            do {
                let page = try await store.searchKeyword(KeywordQuery(parsing: text), filters: .init(), limit: 5, offset: 0)
                #expect(page.hits.count <= 2)
            } catch {
                Issue.record("query \(text.debugDescription) failed: \(error)")
            }
        }
        for text in ["\"", "\"\"", "NEAR(", "a NOT", "*", "-", "(", ")", "AND", "OR", "NOT", "a:b", "^", "\u{0}", "\"unbalanced phrase", "-\"\"", "**", "z*"] {
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
    }
}

@Suite("Text analysis")
struct TextAnalyzerTests {
    @Test("stems, folds diacritics, drops stop words")
    func analysis() {
        let analyzer = TextAnalyzer()
        #expect(analyzer.terms("The Connections of Müller's networks") == ["connect", "muller", "s", "network"])
        #expect(analyzer.terms("généralization GENERALIZATION") == ["gener", "gener"])
        #expect(PorterStemmer.stem(Array("relational".utf8)) == Array("relat".utf8))
        #expect(PorterStemmer.stem(Array("hopping".utf8)) == Array("hop".utf8))
        #expect(PorterStemmer.stem(Array("caresses".utf8)) == Array("caress".utf8))
        #expect(PorterStemmer.stem(Array("ponies".utf8)) == Array("poni".utf8))
        #expect(PorterStemmer.stem(Array("agreed".utf8)) == Array("agre".utf8))
        #expect(PorterStemmer.stem(Array("sky".utf8)) == Array("sky".utf8))
    }
}
