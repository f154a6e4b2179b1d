import Foundation
import PapersCore
import PapersIngest
import PapersTestSupport
import Testing

@Suite("Reading OAI-PMH ListRecords pages in arXiv's formats")
struct OAIPMHParserTests {
    static func sample(_ n: Int, datestamp: String = "2026-11-23") -> [TestArxivRecord] {
        (0..<n).map { i in
            TestArxivRecord(id: String(format: "2611.%05d", i + 1), datestamp: datestamp, sets: ["cs"],
                            title: "Paper \(i) on sparse attention & <friends>",
                            abstract: "We study \(i) things.\n   Across lines,  with   spaces.",
                            authors: [("Lovelace", "Ada", "Analytical Engines Ltd"), ("Babbage", "Charles", nil)],
                            categories: "cs.LG stat.ML", created: "2026-11-20", doi: i == 0 ? "10.1234/ABC.5" : nil)
        }
    }

    @Test("an arXiv-format page gives papers with authors, affiliations, categories, dates, DOI, licence and the token")
    func arxivFormat() throws {
        let xml = OAIPMHWriter.listRecordsDocument(Self.sample(3), token: "abc|3", responseDate: "2026-11-24T10:00:00Z")
        let page = try OAIPMHParser.parse(Data(xml.utf8))
        #expect(page.records.count == 3)
        #expect(page.failures.isEmpty)
        #expect(page.nextToken == "abc|3")
        #expect(page.resumptionToken?.completeListSize == 6)
        #expect(page.responseDay == Day("2026-11-24"))
        let first = try #require(page.records.first?.paper)
        #expect(first.id.rawValue == "2611.00001")
        #expect(first.title == "Paper 0 on sparse attention & <friends>")
        #expect(first.abstract == "We study 0 things. Across lines, with spaces.")
        #expect(first.authors == [Author(name: "Ada Lovelace", affiliations: ["Analytical Engines Ltd"]), Author(name: "Charles Babbage")])
        #expect(first.categories == ["cs.LG", "stat.ML"])
        #expect(first.published == Day("2026-11-20"))
        #expect(first.doi == "10.1234/abc.5")
        #expect(first.comments == "12 pages, 3 figures")
        #expect(first.license == "http://creativecommons.org/licenses/by/4.0/")
        #expect(first.listed == Day("2026-11-23"), "a fresh first version is listed on its datestamp")
        #expect(page.records[0].sets == ["cs"])
    }

    @Test("arXivRaw gives the version history; a later version names no listing day")
    func arxivRaw() throws {
        var record = Self.sample(1)[0]
        record.versions = 3
        record.updated = "2026-11-22"
        let page = try OAIPMHParser.parse(Data(OAIPMHWriter.listRecordsDocument([record], prefix: "arXivRaw").utf8))
        let paper = try #require(page.records.first?.paper)
        #expect(paper.version == 3)
        #expect(paper.versions.map(\.version) == [1, 2, 3])
        #expect(paper.versions.first?.submitted == Day("2026-11-20"))
        #expect(paper.authors.map(\.name) == ["Ada Lovelace", "Charles Babbage"])
        #expect(paper.listed == nil)
        #expect(page.nextToken == nil)
    }

    @Test("a deleted record has no paper but keeps its arXiv id")
    func deleted() throws {
        var record = Self.sample(1)[0]
        record.deleted = true
        let page = try OAIPMHParser.parse(Data(OAIPMHWriter.listRecordsDocument([record]).utf8))
        #expect(page.records.count == 1)
        #expect(page.records[0].isDeleted)
        #expect(page.records[0].paper == nil)
        #expect(page.records[0].arxivID?.base == "2611.00001")
    }

    @Test("noRecordsMatch is an empty page; other OAI errors, HTML pages and truncated XML are clear errors")
    func errors() throws {
        let empty = """
            <?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\
            <responseDate>2026-11-24T10:00:00Z</responseDate><request verb="ListRecords">x</request>\
            <error code="noRecordsMatch">nothing</error></OAI-PMH>
            """
        let page = try OAIPMHParser.parse(Data(empty.utf8))
        #expect(page.noRecordsMatch)
        #expect(page.records.isEmpty)

        let bad = empty.replacingOccurrences(of: "noRecordsMatch", with: "badResumptionToken")
        #expect(throws: OAIPMHError.repository(code: "badResumptionToken", message: "nothing")) { try OAIPMHParser.parse(Data(bad.utf8)) }

        let html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body></body></html>"
        do {
            _ = try OAIPMHParser.parse(Data(html.utf8), contentType: "text/html")
            Issue.record("an HTML page parsed")
        } catch {
            #expect("\(error)".contains("text/html") && "\(error)".contains("502 Bad Gateway"), "\(error)")
        }

        let xml = OAIPMHWriter.listRecordsDocument(Self.sample(5))
        let truncated = String(xml.prefix(xml.count / 2))
        do {
            _ = try OAIPMHParser.parse(Data(truncated.utf8))
            Issue.record("truncated XML parsed")
        } catch {
            guard case .malformed(let line, _, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(line > 1, "the message names the line: \(error)")
        }
    }

    @Test("a record without a title is reported by identifier; the rest of the page is kept")
    func recordFailure() throws {
        var records = Self.sample(2)
        records[1].title = "  "
        let page = try OAIPMHParser.parse(Data(OAIPMHWriter.listRecordsDocument(records).utf8))
        #expect(page.records.count == 1)
        #expect(page.failures == ["oai:arXiv.org:2611.00002: metadata has no <title>"])
    }

    @Test("a 1,000-record page parses completely (its speed is measured by papers bench oai-parse)")
    func thousandRecords() throws {
        let xml = Data(OAIPMHWriter.listRecordsDocument(Self.sample(1_000)).utf8)
        let page = try OAIPMHParser.parse(xml)
        #expect(page.records.count == 1_000)
        #expect(Set(page.records.compactMap { $0.paper?.id }).count == 1_000)
    }
}

@Suite("arXiv metadata fields as arXiv writes them")
struct OAIPMHFieldTests {
    @Test("suffix, several affiliations, journal-ref, report-no and a prefixed namespace are read")
    func handWritten() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-24T01:02:03Z</responseDate>
            <request verb="ListRecords">https://oaipmh.arxiv.org/oai</request><ListRecords><record><header>
            <identifier>oai:arXiv.org:hep-th/9901001</identifier><datestamp>2008-02-03</datestamp>
            <setSpec>physics:hep-th</setSpec></header><metadata>
            <a:arXiv xmlns:a="http://arxiv.org/OAI/arXiv/"><a:id>hep-th/9901001</a:id><a:created>1999-01-04</a:created>
            <a:updated>1999-03-02</a:updated><a:authors><a:author><a:keyname>King</a:keyname><a:forenames>Martin L.</a:forenames>
            <a:suffix>Jr</a:suffix><a:affiliation>Morehouse</a:affiliation><a:affiliation>Boston U.</a:affiliation></a:author></a:authors>
            <a:title>Strings &amp; things
              on two lines</a:title><a:categories>hep-th math.MP</a:categories><a:comments>LaTeX, 12 pages</a:comments>
            <a:report-no>MIT-CTP-1234</a:report-no><a:journal-ref>Phys. Rev. D 60 (1999) 1</a:journal-ref>
            <a:doi>10.1103/PhysRevD.60.000001</a:doi><a:abstract>  An <![CDATA[abstract <with> CDATA]]> part.
            </a:abstract></a:arXiv></metadata></record></ListRecords></OAI-PMH>
            """
        let page = try OAIPMHParser.parse(Data(xml.utf8))
        let paper = try #require(page.records.first?.paper)
        #expect(paper.id.rawValue == "hep-th/9901001")
        #expect(paper.authors == [Author(name: "Martin L. King Jr", affiliations: ["Morehouse", "Boston U."])])
        #expect(paper.title == "Strings & things on two lines")
        #expect(paper.abstract == "An abstract <with> CDATA part.")
        #expect(paper.categories == ["hep-th", "math.MP"])
        #expect(paper.journalRef == "Phys. Rev. D 60 (1999) 1")
        #expect(paper.doi == "10.1103/physrevd.60.000001")
        #expect(paper.published == Day("1999-01-04"))
        #expect(paper.updated == Day("1999-03-02"))
        #expect(paper.listed == nil, "an old record's datestamp is not its announcement")
        #expect(page.records.first?.sets == ["physics:hep-th"])
    }
}

@Suite("Parsing a page while it downloads")
struct OAIPMHStreamTests {
    static func parse(_ bytes: [UInt8], chunk: Int, contentType: String = "") throws(OAIPMHError) -> OAIPage {
        let parser = OAIPMHStreamParser(contentType: contentType)
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try bytes[offset..<end].withUnsafeBytes { raw in Result { () throws(OAIPMHError) in try parser.feed(raw) } }.get()
            offset = end
        }
        return try parser.finish()
    }

    @Test("any chunking gives the same page as the whole body", arguments: [1, 7, 511, 512, 4_096, 1 << 20])
    func chunking(size: Int) throws {
        let records = OAIPMHParserTests.sample(40)
        let bytes = Array(OAIPMHWriter.listRecordsDocument(records, token: "t|40").utf8)
        let whole = try OAIPMHParser.parse(Data(bytes))
        let streamed = try Self.parse(bytes, chunk: size)
        #expect(streamed.records.map(\.paper) == whole.records.map(\.paper))
        #expect(streamed.records.count == 40)
        #expect(streamed.nextToken == "t|40")
    }

    @Test("an HTML page or a cut-off body is recognised however it arrives")
    func damagedInChunks() {
        let html = Array("<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>".utf8)
        do {
            _ = try Self.parse(html, chunk: 5, contentType: "text/html")
            Issue.record("HTML parsed")
        } catch {
            #expect("\(error)".contains("503 Service Unavailable"), "\(error)")
        }
        let xml = Array(OAIPMHWriter.listRecordsDocument(OAIPMHParserTests.sample(10)).utf8)
        do {
            _ = try Self.parse(Array(xml.prefix(xml.count / 2)), chunk: 300)
            Issue.record("a truncated body parsed")
        } catch {
            guard case .malformed = error else { Issue.record("wrong error \(error)"); return }
        }
        do {
            _ = try Self.parse(Array("<?xml version=\"1.0\"?><html><body>proxy error</body></html>".utf8), chunk: 16)
            Issue.record("a non-OAI root parsed")
        } catch {
            guard case .notXML = error else { Issue.record("wrong error \(error)"); return }
        }
    }
}
