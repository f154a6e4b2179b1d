import Foundation
import PapersCore
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One record of an OAI-PMH `ListRecords` response.
public struct OAIRecord: Sendable {
    /// The OAI identifier, e.g. `oai:arXiv.org:2401.00001`.
    public var identifier: String
    /// The record's datestamp: the UTC day it was last created, changed or deleted in the repository.
    public var datestamp: Day
    /// The `setSpec`s the header names (e.g. `cs`, `cs:cs:LG`).
    public var sets: [String]
    /// The repository says the record was deleted (`<header status="deleted">`); there is no metadata.
    public var isDeleted: Bool
    /// The arXiv identifier, from the metadata or (for deleted records) from the OAI identifier.
    public var arxivID: ArxivID?
    /// The paper described by the metadata; nil for deleted records.
    public var paper: Paper?
}

/// The `resumptionToken` of a partial list.
public struct OAIResumptionToken: Sendable, Hashable {
    /// The opaque token to send back; empty on the last page of a list.
    public var value: String
    /// Records in the whole list, when the repository says.
    public var completeListSize: Int?
    /// Records before this page, when the repository says.
    public var cursor: Int?
}

/// One page of a `ListRecords` response.
public struct OAIPage: Sendable {
    /// When the repository produced the response (the `responseDate`), as a UTC day.
    public var responseDay: Day?
    /// Usable records, in document order.
    public var records: [OAIRecord] = []
    /// Records that could not be turned into papers: `identifier: reason`.
    public var failures: [String] = []
    /// How to ask for the next page; nil or an empty value when this is the last one.
    public var resumptionToken: OAIResumptionToken?
    /// The response was the OAI-PMH error `noRecordsMatch`: an empty list, not a failure.
    public var noRecordsMatch = false

    /// The token for the next page, when there is one.
    public var nextToken: String? {
        guard let value = resumptionToken?.value, !value.isEmpty else { return nil }
        return value
    }
}

/// Why an OAI-PMH response could not be used.
public enum OAIPMHError: Error, Equatable, CustomStringConvertible {
    /// The repository answered with an OAI-PMH error element (other than `noRecordsMatch`).
    case repository(code: String, message: String)
    /// The body is not XML (an HTML error page, say).
    case notXML(contentType: String, excerpt: String)
    /// The XML is malformed or truncated.
    case malformed(line: Int, column: Int, reason: String)

    /// The repository no longer accepts the resumption token (it expired or the list changed).
    public var isBadResumptionToken: Bool {
        if case .repository("badResumptionToken", _) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .repository(let code, let message):
            return "the repository answered OAI-PMH error \(code)" + (message.isEmpty ? "" : ": \(message)")
        case .notXML(let contentType, let excerpt):
            return "the repository answered \(contentType.isEmpty ? "something" : contentType) instead of OAI-PMH XML: \(excerpt)"
        case .malformed(let line, let column, let reason):
            return "malformed OAI-PMH XML at line \(line), column \(column): \(reason)"
        }
    }
}

/// Parses `ListRecords` responses in arXiv's `arXiv` and `arXivRaw` metadata formats with a streaming (SAX)
/// parser: no document tree is built, so memory is the page's bytes plus its papers.
public enum OAIPMHParser {
    /// Parses one response body. `contentType` (the HTTP header, may be empty) helps name non-XML answers.
    public static func parse(_ body: Data, contentType: String = "") throws(OAIPMHError) -> OAIPage {
        let start = body.prefix(512)
        let head = String(decoding: start, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if !head.hasPrefix("<") || head.hasPrefix("<!doctype html") || head.hasPrefix("<html") {
            throw .notXML(contentType: contentType, excerpt: excerpt(of: body))
        }
        let parser = XMLParser(data: body)
        let handler = ListRecordsHandler()
        parser.delegate = handler
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        if !parser.parse() || !handler.sawRoot {
            if !handler.sawRoot && handler.rootName != nil {
                throw .notXML(contentType: contentType, excerpt: excerpt(of: body))
            }
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "the document ended early"
            throw .malformed(line: parser.lineNumber, column: parser.columnNumber, reason: reason)
        }
        // FoundationXML on Linux accepts a document that simply stops: a page is only whole when its root closed.
        guard handler.rootClosed else {
            throw .malformed(line: parser.lineNumber, column: parser.columnNumber,
                             reason: "the document ends inside <\(handler.openElement ?? "OAI-PMH")> (truncated answer)")
        }
        if let (code, message) = handler.error {
            if code == "noRecordsMatch" {
                var page = handler.page
                page.noRecordsMatch = true
                return page
            }
            throw .repository(code: code, message: message)
        }
        return handler.page
    }

    /// The first words of a body, for error messages: an HTML page's `<title>` when it has one.
    static func excerpt(of body: Data) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        if let open = text.range(of: "<title>", options: .caseInsensitive),
           let close = text.range(of: "</title>", options: .caseInsensitive, range: open.upperBound..<text.endIndex) {
            return "\"" + text[open.upperBound..<close.lowerBound].collapsingWhitespace() + "\""
        }
        let flat = text.collapsingWhitespace()
        return "\"" + String(flat.prefix(120)) + (flat.count > 120 ? "…" : "") + "\""
    }
}

/// The SAX handler: a small state machine over element paths. Namespace processing is off (it costs a
/// third of the parse time), so prefixed names are reduced to their local part.
private final class ListRecordsHandler: NSObject, XMLParserDelegate {
    var page = OAIPage()
    var error: (String, String)?
    var sawRoot = false
    var rootName: String?
    var rootClosed = false
    var openElement: String? { stack.last }

    private var stack: [String] = []
    private var text = ""
    private var collecting = false
    private var errorCode: String?
    private var tokenAttributes: [String: String] = [:]
    private var record = RecordFields()

    /// The fields of the record being read.
    struct RecordFields {
        var identifier = ""
        var datestamp = ""
        var sets: [String] = []
        var deleted = false
        var inMetadata = false
        var id = ""
        var created = ""
        var updated = ""
        var title = ""
        var abstract = ""
        var categories = ""
        var comments = ""
        var journalRef = ""
        var doi = ""
        var license = ""
        var rawAuthors = ""
        var authors: [Author] = []
        var author: [String] = ["", "", ""]   // keyname, forenames, suffix
        var affiliations: [String] = []
        var versions: [(number: Int, date: String)] = []
        var versionNumber: Int?
        var versionDate = ""
    }

    private static func local(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        let name = Self.local(elementName)
        if stack.isEmpty {
            rootName = name
            if name == "OAI-PMH" { sawRoot = true } else { parser.abortParsing(); return }
        }
        stack.append(name)
        text = ""
        collecting = true
        switch name {
        case "record":
            record = RecordFields()
        case "header":
            if attributes["status"] == "deleted" { record.deleted = true }
        case "metadata":
            record.inMetadata = true
        case "author":
            record.author = ["", "", ""]
            record.affiliations = []
        case "version":
            if record.inMetadata, let v = attributes["version"] {
                record.versionNumber = Int(v.drop(while: { $0 == "v" || $0 == "V" }))
                record.versionDate = ""
            }
        case "resumptionToken":
            tokenAttributes = attributes
        case "error":
            errorCode = attributes["code"] ?? "unknown"
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        let name = Self.local(elementName)
        let parent = stack.count >= 2 ? stack[stack.count - 2] : ""
        let value = text
        text = ""
        switch name {
        case "responseDate" where parent == "OAI-PMH":
            page.responseDay = DateParsing.day(value.trimmingCharacters(in: .whitespaces))
        case "error" where parent == "OAI-PMH":
            error = (errorCode ?? "unknown", value.collapsingWhitespace())
        case "resumptionToken":
            page.resumptionToken = OAIResumptionToken(
                value: value.trimmingCharacters(in: .whitespacesAndNewlines),
                completeListSize: tokenAttributes["completeListSize"].flatMap { Int($0) },
                cursor: tokenAttributes["cursor"].flatMap { Int($0) })
        case "identifier" where parent == "header": record.identifier = value.trimmingCharacters(in: .whitespacesAndNewlines)
        case "datestamp" where parent == "header": record.datestamp = value.trimmingCharacters(in: .whitespacesAndNewlines)
        case "setSpec" where parent == "header": record.sets.append(value.trimmingCharacters(in: .whitespacesAndNewlines))
        case "record":
            finishRecord()
        default:
            if record.inMetadata { metadataField(name, parent: parent, value: value) }
        }
        if name == "metadata" { record.inMetadata = false }
        stack.removeLast()
        if stack.isEmpty { rootClosed = true }
        collecting = false
    }

    private func metadataField(_ name: String, parent: String, value: String) {
        switch name {
        case "id": record.id = value
        case "created": record.created = value
        case "updated": record.updated = value
        case "title": record.title = value
        case "abstract": record.abstract = value
        case "categories": record.categories = value
        case "comments": record.comments = value
        case "journal-ref": record.journalRef = value
        case "doi": record.doi = value
        case "license": record.license = value
        case "keyname": record.author[0] = value
        case "forenames": record.author[1] = value
        case "suffix": record.author[2] = value
        case "affiliation": record.affiliations.append(value)
        case "author": record.authors.append(RecordDecoder.author(fromParsed: record.author + record.affiliations))
        case "authors" where record.authors.isEmpty: record.rawAuthors = value   // arXivRaw: one string
        case "date" where parent == "version": record.versionDate = value
        case "version":
            if let number = record.versionNumber { record.versions.append((number, record.versionDate)) }
            record.versionNumber = nil
        default: break
        }
    }

    private func finishRecord() {
        let r = record
        let where_ = r.identifier.isEmpty ? "record \(page.records.count + page.failures.count + 1)" : r.identifier
        guard let datestamp = DateParsing.day(r.datestamp) else {
            page.failures.append("\(where_): header datestamp \"\(r.datestamp)\" is not a date")
            return
        }
        let idFromHeader = r.identifier.split(separator: ":", maxSplits: 2).last.map(String.init) ?? ""
        if r.deleted {
            page.records.append(OAIRecord(identifier: r.identifier, datestamp: datestamp, sets: r.sets, isDeleted: true,
                                          arxivID: ArxivID(idFromHeader), paper: nil))
            return
        }
        do throws(RecordError) {
            let paper = try Self.paper(from: r, datestamp: datestamp)
            page.records.append(OAIRecord(identifier: r.identifier, datestamp: datestamp, sets: r.sets, isDeleted: false,
                                          arxivID: paper.arxivID, paper: paper))
        } catch {
            page.failures.append("\(where_): \(error.reason)")
        }
    }

    /// The paper an `arXiv` or `arXivRaw` metadata block describes.
    private static func paper(from r: RecordFields, datestamp: Day) throws(RecordError) -> Paper {
        let idText = r.id.collapsingWhitespace()
        guard !idText.isEmpty else { throw RecordError("metadata has no <id>") }
        guard let arxiv = ArxivID(idText) else { throw RecordError("<id> \"\(idText)\" is not an arXiv identifier") }
        let title = r.title.collapsingWhitespace()
        guard !title.isEmpty else { throw RecordError("metadata has no <title>") }
        let abstract = r.abstract.collapsingWhitespace()
        guard !abstract.isEmpty else { throw RecordError("metadata has no <abstract>") }
        var versions: [PaperVersion] = []
        for v in r.versions {
            guard let day = DateParsing.day(v.date.collapsingWhitespace()) else {
                throw RecordError("<version version=\"v\(v.number)\">: unreadable <date> \"\(v.date.collapsingWhitespace())\"")
            }
            versions.append(PaperVersion(version: v.number, submitted: day))
        }
        versions.sort { $0.version < $1.version }
        let created = DateParsing.day(r.created.collapsingWhitespace()) ?? versions.first?.submitted
        let updated = DateParsing.day(r.updated.collapsingWhitespace()) ?? (versions.count > 1 ? versions.last?.submitted : nil)
        let authors = r.authors.isEmpty ? RecordDecoder.splitAuthors(r.rawAuthors) : r.authors
        func nonEmpty(_ s: String) -> String? {
            let c = s.collapsingWhitespace()
            return c.isEmpty ? nil : c
        }
        return Paper(
            id: .arxiv(arxiv), version: versions.last?.version,
            title: title, abstract: abstract, authors: authors,
            categories: RecordDecoder.categories(r.categories.split(separator: " ").map(String.init), primary: nil),
            published: created, updated: updated,
            listed: AnnouncementSchedule.listedDay(created: created, updated: updated, versions: versions, datestamp: datestamp),
            versions: versions,
            doi: nonEmpty(r.doi).flatMap { PaperID.doi($0).map { String($0.rawValue.dropFirst(4)) } },
            journalRef: nonEmpty(r.journalRef), comments: nonEmpty(r.comments), license: nonEmpty(r.license))
    }
}
