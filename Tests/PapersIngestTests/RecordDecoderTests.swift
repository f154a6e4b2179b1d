import Foundation
import PapersCore
@testable import PapersIngest
import Testing

@Suite("Every import format decodes, and every broken line says which field is wrong")
struct RecordDecoderTests {
    let auto = RecordDecoder(format: .auto, corpus: "scifact")

    func decode(_ json: String, _ decoder: RecordDecoder? = nil) throws(RecordError) -> Paper {
        try (decoder ?? auto).decode(Array(json.utf8))
    }

    @Test("Papers' own schema, as the arXiv sample writes it")
    func ownSchema() throws {
        let paper = try decode(#"""
            {"id": "1812.06145", "title": "Improving  Hand-Gesture\nRecognition", "abstract": "We present.", "categories": ["cs.CV", "cs.AI", "68T45, 62H30", "I.5.3; I.2.10"], "primary_category": "cs.CV", "authors": ["Mahdi Abavisani", "Vishal M. Patel"], "comment": null, "first_listed": "2025-10-13"}
            """#)
        #expect(paper.id.rawValue == "1812.06145")
        #expect(paper.title == "Improving Hand-Gesture Recognition")
        #expect(paper.categories == ["cs.CV", "cs.AI"])
        #expect(paper.authors.map(\.name) == ["Mahdi Abavisani", "Vishal M. Patel"])
        #expect(paper.listed?.description == "2025-10-13")
        #expect(paper.comments == nil)
    }

    @Test("own schema with versions, affiliations, DOI and links")
    func ownSchemaFull() throws {
        let paper = try decode(#"""
            {"id": "arXiv:2203.05482v3", "title": "Model soups", "abstract": "Averaging.", "authors": [{"name": "Mitchell Wortsman", "affiliations": ["UW"]}], "categories": ["cs.LG"], "published": "2022-03-10", "updated": "2022-07-01T10:00:00Z", "doi": "10.48550/ARXIV.2203.05482", "journal_ref": "ICML 2022", "comments": "code: https://github.com/mlfoundations/model-soups", "links": ["https://github.com/mlfoundations/model-soups"], "versions": [{"version": 1, "submitted": "2022-03-10"}, {"version": 3, "submitted": "2022-07-01"}]}
            """#)
        #expect(paper.id.rawValue == "2203.05482")
        #expect(paper.version == 3)
        #expect(paper.authors == [Author(name: "Mitchell Wortsman", affiliations: ["UW"])])
        #expect(paper.updated?.description == "2022-07-01")
        #expect(paper.doi == "10.48550/arxiv.2203.05482")
        #expect(paper.versions.count == 2)
    }

    @Test("title-and-abstract records get a content id")
    func titleAbstract() throws {
        let a = try decode(#"{"title": "Model soups", "abstract": "We average weights."}"#)
        let b = try decode(#"{"abstract": "We average weights.", "title": "Model  soups"}"#)
        #expect(a.id == b.id)
        #expect(a.id.rawValue.hasPrefix("sha:"))
    }

    @Test("arXiv snapshot records: versions, authors_parsed, space-separated categories")
    func snapshot() throws {
        let paper = try decode(#"""
            {"id":"0704.0001","submitter":"Pavel Nadolsky","authors":"C. Bal\\'azs, E. L. Berger, P. M. Nadolsky and C.-P. Yuan","title":"Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies","comments":"37 pages, 15 figures","journal-ref":"Phys.Rev.D76:013009,2007","doi":"10.1103/PhysRevD.76.013009","report-no":"ANL-HEP-PR-07-12","categories":"hep-ph","license":null,"abstract":"  A fully differential calculation.\n","versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"},{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}],"update_date":"2008-11-13","authors_parsed":[["Balázs","C.",""],["Berger","E. L.",""],["Nadolsky","P. M.","", "Michigan State"],["Yuan","C. -P.",""]]}
            """#)
        #expect(paper.id.rawValue == "0704.0001")
        #expect(paper.version == 2)
        #expect(paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies")
        #expect(paper.abstract == "A fully differential calculation.")
        #expect(paper.authors.count == 4)
        #expect(paper.authors[0].name == "C. Balázs")
        #expect(paper.authors[2].affiliations == ["Michigan State"])
        #expect(paper.categories == ["hep-ph"])
        #expect(paper.published?.description == "2007-04-02")
        #expect(paper.updated?.description == "2008-11-13")
        #expect(paper.journalRef == "Phys.Rev.D76:013009,2007")
    }

    @Test("BEIR corpus lines get corpus-qualified ids, numeric ids included")
    func beir() throws {
        let paper = try decode(#"{"_id": 4983, "title": "", "text": "Alterations of white matter.", "metadata": {}}"#)
        #expect(paper.id.rawValue == "beir:scifact:4983")
        #expect(paper.title == "")
        #expect(paper.abstract == "Alterations of white matter.")
    }

    @Test("broken lines name the field", arguments: [
        (#"{"title": "x""#, "invalid JSON"),
        (#"not json"#, "invalid JSON"),
        (#"{"abstract": "x"}"#, "missing field \"title\""),
        (#"{"title": "", "abstract": "x"}"#, "field \"title\" is empty"),
        (#"{"title": 5, "abstract": "x"}"#, "field \"title\": expected a string"),
        (#"{"title": "t"}"#, "missing field \"abstract\""),
        (#"{"id": "nonsense", "title": "t", "abstract": "a"}"#, "field \"id\""),
        (#"{"title": "t", "abstract": "a", "published": "March"}"#, "field \"published\": unreadable date"),
        (#"{"title": "t", "abstract": "a", "authors": [{"affiliations": []}]}"#, "authors[0]"),
        (#"{"title": "t", "abstract": "a", "links": ["javascript:alert(1)"]}"#, "field \"links[0]\""),
        (#"{"id": "0704.0001", "submitter": "x", "title": "t", "abstract": "a", "versions": [{"version": "v1", "created": "someday"}]}"#, "versions[0]"),
        (#"{"_id": "1", "title": "t", "text": ""}"#, "\"text\""),
        (#"[1, 2]"#, "expected"),
    ] as [(String, String)])
    func broken(line: String, expected: String) {
        do {
            _ = try decode(line)
            Issue.record("accepted a broken line: \(line)")
        } catch {
            #expect(error.reason.contains(expected), "\(error.reason)")
        }
    }

    @Test("JSON escapes, surrogate pairs and numbers decode; deep nesting is refused, not crashed on")
    func jsonEdgeCases() throws {
        let paper = try decode(#"{"title": "Caf\u00e9 \ud83d\ude00 \"quoted\" \\ \/", "abstract": "tab\there", "version": 3, "id": "2203.05482"}"#)
        #expect(paper.title == "Café 😀 \"quoted\" \\ /")
        #expect(paper.abstract == "tab here")
        #expect(paper.version == 3)
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: RecordError.self) { try decode(#"{"title": "t", "abstract": "a", "x": \#(deep)}"#) }
        #expect(throws: RecordError.self) { try decode(#"{"title": "t", "abstract": "a"} trailing"#) }
        #expect(throws: RecordError.self) { try decode(#"{"title": "t\q", "abstract": "a"}"#) }
        #expect(throws: RecordError.self) { try decode(#"{"title": "t", "abstract": "a", "version": 1.5}"#) }
    }

    @Test("a forced format rejects lines of another")
    func forcedFormat() {
        #expect(throws: RecordError.self) { try decode(#"{"title": "t", "abstract": "a"}"#, RecordDecoder(format: .beir)) }
        #expect(throws: RecordError.self) { try decode(#"{"title": "t", "abstract": "a"}"#, RecordDecoder(format: .arxivSnapshot)) }
    }
}
