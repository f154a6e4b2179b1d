import Foundation
import PapersCore

/// One arXiv record as an OAI-PMH repository would serve it (test repositories and benchmarks).
public struct OAIArxivRecord: Sendable {
    /// The arXiv id, no version (`2411.00001`).
    public var id: String
    /// The OAI datestamp, `YYYY-MM-DD`.
    public var datestamp: String
    /// The OAI sets it belongs to, e.g. `cs`, `cs:cs:LG`.
    public var sets: [String]
    /// `<header status="deleted">`.
    public var deleted = false
    /// Title (may hold `&`, `<`, which the XML escapes).
    public var title: String
    /// Abstract.
    public var abstract: String
    /// Authors as (keyname, forenames, affiliation).
    public var authors: [(keyname: String, forenames: String, affiliation: String?)]
    /// Space-separated categories, primary first.
    public var categories: String
    /// The first version's day, `YYYY-MM-DD`.
    public var created: String
    /// The latest version's day when there is more than one version.
    public var updated: String?
    /// Number of versions (arXivRaw lists each).
    public var versions: Int
    /// DOI, when published.
    public var doi: String?

    /// Creates a record; defaults describe a fresh cs.LG first version.
    public init(id: String, datestamp: String, sets: [String] = ["cs"], title: String, abstract: String,
                authors: [(keyname: String, forenames: String, affiliation: String?)] = [("Lovelace", "Ada", nil)],
                categories: String = "cs.LG", created: String? = nil, updated: String? = nil, versions: Int = 1,
                doi: String? = nil, deleted: Bool = false) {
        self.id = id
        self.datestamp = datestamp
        self.sets = sets
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.created = created ?? datestamp
        self.updated = updated
        self.versions = versions
        self.doi = doi
        self.deleted = deleted
    }
}


/// Writes OAI-PMH 2.0 `ListRecords` documents in arXiv's `arXiv` and `arXivRaw` metadata formats, as arXiv's
/// repository does: the local repository of the tests and the parsing benchmark use it.
public enum OAIPMHWriter {
    /// The OAI-PMH envelope around `body`, echoing the request `q`, answered at `responseDate` (ISO 8601 UTC, as
    /// `2026-11-24T10:00:00Z`), with an `<error>` when given.
    public static func envelope(_ q: [String: String], responseDate: String, body: String = "", error: (String, String)? = nil) -> String {
        let attributes = q.sorted { $0.key < $1.key }.map { " \($0.key)=\"\($0.value.xmlEscaped)\"" }.joined()
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
            <responseDate>\(responseDate)</responseDate>
            <request\(attributes)>http://127.0.0.1/oai</request>

            """
        if let (code, message) = error { s += "<error code=\"\(code)\">\(message.xmlEscaped)</error>\n" }
        return s + body + "</OAI-PMH>\n"
    }

    /// One `<record>` element.
    public static func record(_ r: OAIArxivRecord, prefix: String) -> String {
        var s = "<record>\n<header\(r.deleted ? " status=\"deleted\"" : "")>\n<identifier>oai:arXiv.org:\(r.id)</identifier>\n"
        s += "<datestamp>\(r.datestamp)</datestamp>\n"
        for set in r.sets { s += "<setSpec>\(set)</setSpec>\n" }
        s += "</header>\n"
        if r.deleted { return s + "</record>\n" }
        let e: (String) -> String = { $0.xmlEscaped }
        if prefix == "arXivRaw" {
            s += "<metadata>\n<arXivRaw xmlns=\"http://arxiv.org/OAI/arXivRaw/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
            s += "<id>\(r.id)</id>\n<submitter>\(e(r.authors.first.map { "\($0.forenames) \($0.keyname)" } ?? ""))</submitter>\n"
            for v in 1...max(1, r.versions) {
                let day = v == 1 ? r.created : (r.updated ?? r.created)
                s += "<version version=\"v\(v)\"><date>\(Self.rfc2822(day))</date><size>120kb</size><source_type>D</source_type></version>\n"
            }
            s += "<title>\(e(r.title))</title>\n<authors>\(e(r.authors.map { "\($0.forenames) \($0.keyname)" }.joined(separator: ", ")))</authors>\n"
            s += "<categories>\(r.categories)</categories>\n<comments>12 pages, 3 figures</comments>\n"
            if let doi = r.doi { s += "<doi>\(e(doi))</doi>\n" }
            s += "<license>http://creativecommons.org/licenses/by/4.0/</license>\n"
            s += "<abstract>  \(e(r.abstract))\n</abstract>\n</arXivRaw>\n</metadata>\n"
        } else {
            s += "<metadata>\n<arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
            s += "<id>\(r.id)</id>\n<created>\(r.created)</created>\n"
            if let updated = r.updated { s += "<updated>\(updated)</updated>\n" }
            s += "<authors>"
            for a in r.authors {
                s += "<author><keyname>\(e(a.keyname))</keyname><forenames>\(e(a.forenames))</forenames>"
                if let aff = a.affiliation { s += "<affiliation>\(e(aff))</affiliation>" }
                s += "</author>"
            }
            s += "</authors>\n<title>\(e(r.title))</title>\n<categories>\(r.categories)</categories>\n"
            s += "<comments>12 pages, 3 figures</comments>\n"
            if let doi = r.doi { s += "<doi>\(e(doi))</doi>\n" }
            s += "<license>http://creativecommons.org/licenses/by/4.0/</license>\n"
            s += "<abstract>  \(e(r.abstract))\n</abstract>\n</arXiv>\n</metadata>\n"
        }
        return s + "</record>\n"
    }

    /// `YYYY-MM-DD` as an RFC 2822 date at noon GMT, as arXivRaw writes version dates.
    static func rfc2822(_ day: String) -> String {
        guard let d = Day(day) else { return day }
        let (y, m, dd) = d.components
        return "\(d.weekdayName.prefix(3)), \(dd) \(Day.monthNames[m - 1].prefix(3)) \(y) 12:00:00 GMT"
    }

    /// A whole `ListRecords` response holding `records` (for parser tests and benchmarks), answered at `responseDate`
    /// (ISO 8601 UTC), by default on the evening of the newest datestamp.
    public static func listRecordsDocument(_ records: [OAIArxivRecord], prefix: String = "arXiv", token: String? = nil,
                                           responseDate: String? = nil) -> String {
        let responseDate = responseDate ?? (records.map(\.datestamp).max() ?? "1970-01-01") + "T23:00:00Z"
        var body = "<ListRecords>\n" + records.map { record($0, prefix: prefix) }.joined()
        if let token { body += "<resumptionToken cursor=\"0\" completeListSize=\"\(records.count * 2)\">\(token)</resumptionToken>\n" }
        return envelope(["verb": "ListRecords", "metadataPrefix": prefix], responseDate: responseDate, body: body + "</ListRecords>\n")
    }
}
