import PapersCore
import Testing

@Suite("Keyword queries are parsed into words, phrases and exclusions")
struct KeywordQueryTests {
    @Test("words are lower-cased and stop words dropped")
    func words() {
        let q = KeywordQuery(parsing: "The Model SOUPS of weights")
        #expect(q.included == [.term("model", prefix: false), .term("soups", prefix: false), .term("weights", prefix: false)])
    }

    @Test("only stop words: they are kept so the query still means something")
    func onlyStopWords() {
        #expect(KeywordQuery(parsing: "to be or not to be").included.count == 4)
    }

    @Test("quoted phrases, exclusions and prefixes")
    func syntax() {
        let q = KeywordQuery(parsing: #""graph neural network" -survey transform* -"large language""#)
        #expect(q.included == [.phrase(["graph", "neural", "network"]), .term("transform", prefix: true)])
        #expect(q.excluded == [.term("survey", prefix: false), .phrase(["large", "language"])])
    }

    @Test("an unbalanced quote runs to the end")
    func unbalanced() {
        #expect(KeywordQuery(parsing: #"diffusion "score matching"#).included == [.term("diffusion", prefix: false), .phrase(["score", "matching"])])
    }

    @Test("operators and punctuation are plain words or separators", arguments: [
        "NEAR(a b)", "a AND b", "a OR b", "(((", "*", "-", "\"", "title:foo", "^start", "a + b", "''", "--", "-\"\"",
    ])
    func operators(text: String) {
        let q = KeywordQuery(parsing: text)
        for case .term(let t, _) in q.included { #expect(t.allSatisfy { $0.isLetter || $0.isNumber }) }
    }

    @Test("hyphen inside a word is a separator, not an exclusion")
    func hyphenInWord() {
        let q = KeywordQuery(parsing: "fine-tuned 0-dimensional")
        #expect(q.excluded.isEmpty)
        #expect(q.included.count == 4)
    }

    @Test("a word written twice is one clause that counts twice; a phrase likewise")
    func repeatedWords() {
        let q = KeywordQuery(parsing: #"Retrieval of titles: retrieval from titles, "title words" and "TITLE words""#)
        #expect(q.included == [.term("retrieval", prefix: false), .term("titles", prefix: false), .phrase(["title", "words"])])
        #expect(q.occurrences == [2, 2, 2])
        #expect(KeywordQuery(parsing: "graph").occurrences == [1])
    }

    @Test("very long input is cut, not rejected")
    func long() {
        let q = KeywordQuery(parsing: String(repeating: "word\(Int.random(in: 0...9)) ", count: 5_000))
        #expect(q.included.count <= KeywordQuery.maximumClauses)
    }
}
