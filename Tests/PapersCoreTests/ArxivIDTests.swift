import PapersCore
import Testing

@Suite("arXiv ids are normalised from every spelling people paste")
struct ArxivIDTests {
    @Test("accepted spellings normalise to base and version", arguments: [
        ("2203.05482", "2203.05482", nil),
        ("2203.05482v2", "2203.05482", 2),
        ("arXiv:2203.05482v3", "2203.05482", 3),
        ("ARXIV:2203.05482", "2203.05482", nil),
        ("https://arxiv.org/abs/2203.05482v2", "2203.05482", 2),
        ("http://arxiv.org/pdf/2203.05482v1.pdf", "2203.05482", 1),
        ("arxiv.org/pdf/2203.05482", "2203.05482", nil),
        ("https://export.arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", 2),
        ("hep-th/9901001", "hep-th/9901001", nil),
        ("math.GT/0309136", "math/0309136", nil),
        ("0704.0001", "0704.0001", nil),
        ("  1501.00001  ", "1501.00001", nil),
    ] as [(String, String, Int?)])
    func accepted(input: String, base: String, version: Int?) throws {
        let id = try #require(ArxivID(input))
        #expect(id.base == base)
        #expect(id.version == version)
    }

    @Test("text that is not an arXiv id is rejected", arguments: [
        "", "hello", "2203.5482x", "2213.05482", "2203.054821", "1412.00001", "1501.0001", "hep-th/99010", "hep-th/9913001",
        "https://example.org/abs/2203.05482", "2203.05482v", "2203.05482v0", "../etc/passwd", "2203.05482 OR 1=1",
    ])
    func rejected(input: String) {
        #expect(ArxivID(input) == nil)
    }

    @Test("description keeps the version; URLs point at arxiv.org")
    func rendering() throws {
        let id = try #require(ArxivID("arXiv:2203.05482v2"))
        #expect(id.description == "2203.05482v2")
        #expect(id.unversioned.description == "2203.05482")
        #expect(id.absURL == "https://arxiv.org/abs/2203.05482v2")
        #expect(id.pdfURL == "https://arxiv.org/pdf/2203.05482v2")
    }
}

@Suite("Papers without an arXiv id still get stable ids")
struct PaperIDTests {
    @Test("arXiv versions share one paper id")
    func versionsShareID() {
        #expect(PaperID("2203.05482v1") == PaperID("https://arxiv.org/abs/2203.05482v4"))
        #expect(PaperID("2203.05482")?.rawValue == "2203.05482")
    }

    @Test("DOIs are lower-cased and prefixed")
    func doi() {
        #expect(PaperID("10.1000/ABC.def")?.rawValue == "doi:10.1000/abc.def")
        #expect(PaperID.doi("https://doi.org/10.1000/X")?.rawValue == "doi:10.1000/x")
        #expect(PaperID.doi("not a doi") == nil)
    }

    @Test("content hashes ignore whitespace and case, but not words")
    func contentHash() {
        let a = PaperID.contentHash(title: "Model soups", abstract: "We average  weights.")
        let b = PaperID.contentHash(title: " model   SOUPS ", abstract: "We average weights.\n")
        let c = PaperID.contentHash(title: "Model soups", abstract: "We average biases.")
        #expect(a == b)
        #expect(a != c)
        #expect(a.rawValue.hasPrefix("sha:") && a.rawValue.count == 20)
        #expect(PaperID(a.rawValue) == a)
    }

    @Test("corpus ids round-trip through parsing")
    func corpus() {
        let id = PaperID.corpus("scifact", document: "4983")
        #expect(id.rawValue == "beir:scifact:4983")
        #expect(PaperID(id.rawValue) == id)
        #expect(id.arxivID == nil)
    }
}

@Suite("Days")
struct DayTests {
    @Test("parse, print and step across month and leap-year ends")
    func arithmetic() throws {
        let day = try #require(Day("2024-02-28"))
        #expect(day.adding(days: 1).description == "2024-02-29")
        #expect(day.adding(days: 2).description == "2024-03-01")
        #expect(Day("2025-02-29") == nil)
        #expect(Day("2025-13-01") == nil)
        #expect(Day("2025-1-01") == nil)
        #expect(Day("1970-01-01")?.daysSinceEpoch == 0)
        #expect(Day("2025-03-18")?.longDescription == "Tuesday, 18 March 2025")
    }
}
