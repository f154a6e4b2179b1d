import Foundation
import PapersCore
import CXMLStream

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
    /// Parses one whole response body. `contentType` (the HTTP header, may be empty) helps name non-XML answers.
    public static func parse(_ body: Data, contentType: String = "") throws(OAIPMHError) -> OAIPage {
        let parser = OAIPMHStreamParser(contentType: contentType)
        try body.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in Result { () throws(OAIPMHError) in try parser.feed(raw) } }.get()
        return try parser.finish()
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

/// Parses a `ListRecords` response as its bytes arrive (from the socket), so a page's bytes are never
/// held whole: feed chunks in order, then ``finish()``. One parser per response.
public final class OAIPMHStreamParser {
    private let handler = ListRecordsHandler()
    private let callbacks: UnsafeMutablePointer<papers_xml_callbacks>
    private var stream: OpaquePointer?
    private let contentType: String
    /// The first bytes, kept to recognise non-XML answers and to quote them in errors.
    private var head: [UInt8] = []
    private var sniffed = false
    /// Bytes fed so far.
    private var received = 0
    /// Bytes received before the sniff decided.
    private var pending: [UInt8] = []
    private var failure: OAIPMHError?

    static let sniffLength = 512
    static let excerptLength = 4096

    /// Starts a parse; `contentType` (the HTTP header, may be empty) helps name non-XML answers.
    public init(contentType: String = "") {
        self.contentType = contentType
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: papers_xml_callbacks(
            context: Unmanaged.passUnretained(handler).toOpaque(),
            start: { context, name, count, names, values, lengths in
                let h = Unmanaged<ListRecordsHandler>.fromOpaque(context!).takeUnretainedValue()
                let element = h.element(name!)
                var attributes: [String: String] = [:]
                if count > 0, element.readsAttributes {
                    for i in 0..<Int(count) {
                        let value = UnsafeRawBufferPointer(start: values![i], count: Int(lengths![i]))
                        attributes[String(cString: names![i]!)] = String(decoding: value, as: UTF8.self)
                    }
                }
                h.start(element, attributes: attributes)
            },
            end: { context, name in
                let h = Unmanaged<ListRecordsHandler>.fromOpaque(context!).takeUnretainedValue()
                h.end(h.element(name!))
            },
            text: { context, bytes, length in
                let h = Unmanaged<ListRecordsHandler>.fromOpaque(context!).takeUnretainedValue()
                if h.collecting {
                    h.text.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: Int(length)))
                }
            }))
    }

    deinit {
        if let stream { papers_xml_stream_free(stream) }
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }

    /// Feeds the next bytes of the body.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(OAIPMHError) {
        if let failure { throw failure }
        received += bytes.count
        if head.count < Self.excerptLength { head += bytes.prefix(Self.excerptLength - head.count) }
        if sniffed || (pending.isEmpty && bytes.count >= Self.sniffLength) {
            if !sniffed { try sniff() }
            try send(bytes, terminate: false)
            return
        }
        // Held back until there is enough to tell XML from an HTML error page.
        pending += bytes
        guard pending.count >= Self.sniffLength else { return }
        try sniff()
        let held = pending
        pending = []
        try held.withUnsafeBytes { raw in Result { () throws(OAIPMHError) in try send(raw, terminate: false) } }.get()
    }

    /// Ends the body and returns the page, or the reason it cannot be used.
    public func finish() throws(OAIPMHError) -> OAIPage {
        if let failure { throw failure }
        if !sniffed {
            try sniff()
            let held = pending
            pending = []
            try held.withUnsafeBytes { raw in Result { () throws(OAIPMHError) in try send(raw, terminate: true) } }.get()
        } else {
            try send(UnsafeRawBufferPointer(start: nil, count: 0), terminate: true)
        }
        guard handler.sawRoot else {
            throw fail(.notXML(contentType: contentType, excerpt: OAIPMHParser.excerpt(of: Data(head))))
        }
        // A page is only whole when its root closed.
        guard handler.rootClosed else {
            throw fail(.malformed(line: 0, column: 0,
                                  reason: "the answer stops after \(received) bytes, inside <\(handler.openElement ?? "OAI-PMH")> (truncated)"))
        }
        if let (code, message) = handler.error {
            if code == "noRecordsMatch" {
                var page = handler.page
                page.noRecordsMatch = true
                return page
            }
            throw fail(.repository(code: code, message: message))
        }
        return handler.page
    }

    private func sniff() throws(OAIPMHError) {
        sniffed = true
        let text = String(decoding: head.prefix(Self.sniffLength), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if !text.hasPrefix("<") || text.hasPrefix("<!doctype html") || text.hasPrefix("<html") {
            throw fail(.notXML(contentType: contentType, excerpt: OAIPMHParser.excerpt(of: Data(head))))
        }
        stream = papers_xml_stream_create(callbacks)
    }

    private func send(_ bytes: UnsafeRawBufferPointer, terminate: Bool) throws(OAIPMHError) {
        guard let stream else { throw fail(.malformed(line: 0, column: 0, reason: "out of memory")) }
        var error = papers_xml_error()
        let status = papers_xml_stream_feed(stream, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count,
                                            terminate ? 1 : 0, &error)
        guard status != 0 else { return }
        if !handler.sawRoot {
            throw fail(.notXML(contentType: contentType, excerpt: OAIPMHParser.excerpt(of: Data(head))))
        }
        let reason = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        throw fail(.malformed(line: Int(error.line), column: Int(error.column), reason: reason.isEmpty ? "not well-formed" : reason))
    }

    private func fail(_ error: OAIPMHError) -> OAIPMHError {
        failure = error
        return error
    }
}

/// The SAX handler: a small state machine over element paths (local names; namespaces are not needed to
/// tell arXiv's elements apart).
private final class ListRecordsHandler {
    var page = OAIPage()
    var error: (String, String)?
    var sawRoot = false
    var rootClosed = false
    var openElement: String? { stack.last.map { $0 == .other ? "element" : $0.rawValue } }

    private var stack: [Element] = []
    /// libxml2 interns element names, so a name's address identifies it for the whole parse.
    private var names: [UInt: Element] = [:]

    /// The elements this parser acts on; everything else is `.other`.
    enum Element: String {
        case oaiPMH = "OAI-PMH", responseDate, error, resumptionToken, record, header, identifier, datestamp, setSpec
        case metadata, id, created, updated, title, abstract, categories, comments, journalRef = "journal-ref", doi, license
        case keyname, forenames, suffix, affiliation, author, authors, date, version, other

        var readsAttributes: Bool { self == .header || self == .version || self == .resumptionToken || self == .error }
    }

    func element(_ name: UnsafePointer<CChar>) -> Element {
        let key = UInt(bitPattern: name)
        if let known = names[key] { return known }
        let element = Element(rawValue: String(cString: name)) ?? .other
        names[key] = element
        return element
    }
    /// The text of the element being read, as UTF-8.
    var text: [UInt8] = []
    /// Whether text is being kept (inside a leaf, until its end).
    var collecting = false
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

    func start(_ name: Element, attributes: [String: String]) {
        if stack.isEmpty, name == .oaiPMH { sawRoot = true }
        stack.append(name)
        text.removeAll(keepingCapacity: true)
        collecting = sawRoot
        switch name {
        case .record:
            record = RecordFields()
        case .header:
            if attributes["status"] == "deleted" { record.deleted = true }
        case .metadata:
            record.inMetadata = true
        case .author:
            record.author = ["", "", ""]
            record.affiliations = []
        case .version:
            if record.inMetadata, let v = attributes["version"] {
                record.versionNumber = Int(v.drop(while: { $0 == "v" || $0 == "V" }))
                record.versionDate = ""
            }
        case .resumptionToken:
            tokenAttributes = attributes
        case .error:
            errorCode = attributes["code"] ?? "unknown"
        default:
            break
        }
    }

    func end(_ name: Element) {
        guard sawRoot, !stack.isEmpty else { return }
        let parent = stack.count >= 2 ? stack[stack.count - 2] : .other
        // Every field arXiv sends is whitespace-insensitive (titles and abstracts wrap lines), so text is
        // collapsed once here, straight from the parser's bytes.
        let value = collecting && !text.isEmpty ? String.collapsingWhitespace(utf8: text) : ""
        text.removeAll(keepingCapacity: true)
        switch name {
        case .responseDate where parent == .oaiPMH:
            page.responseDay = DateParsing.day(value)
        case .error where parent == .oaiPMH:
            error = (errorCode ?? "unknown", value)
        case .resumptionToken:
            page.resumptionToken = OAIResumptionToken(
                value: value,
                completeListSize: tokenAttributes["completeListSize"].flatMap { Int($0) },
                cursor: tokenAttributes["cursor"].flatMap { Int($0) })
        case .identifier where parent == .header: record.identifier = value
        case .datestamp where parent == .header: record.datestamp = value
        case .setSpec where parent == .header: record.sets.append(value)
        case .record:
            finishRecord()
        default:
            if record.inMetadata { metadataField(name, parent: parent, value: value) }
        }
        if name == .metadata { record.inMetadata = false }
        stack.removeLast()
        if stack.isEmpty { rootClosed = true }
        collecting = false
    }

    private func metadataField(_ name: Element, parent: Element, value: String) {
        switch name {
        case .id: record.id = value
        case .created: record.created = value
        case .updated: record.updated = value
        case .title: record.title = value
        case .abstract: record.abstract = value
        case .categories: record.categories = value
        case .comments: record.comments = value
        case .journalRef: record.journalRef = value
        case .doi: record.doi = value
        case .license: record.license = value
        case .keyname: record.author[0] = value
        case .forenames: record.author[1] = value
        case .suffix: record.author[2] = value
        case .affiliation: record.affiliations.append(value)
        case .author:
            let name = [record.author[1], record.author[0], record.author[2]].filter { !$0.isEmpty }.joined(separator: " ")
            record.authors.append(Author(name: name, affiliations: record.affiliations.filter { !$0.isEmpty }))
        case .authors where record.authors.isEmpty: record.rawAuthors = value   // arXivRaw: one string
        case .date where parent == .version: record.versionDate = value
        case .version:
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
            let (paper, arxiv) = try Self.paper(from: r, datestamp: datestamp)
            page.records.append(OAIRecord(identifier: r.identifier, datestamp: datestamp, sets: r.sets, isDeleted: false,
                                          arxivID: arxiv, paper: paper))
        } catch {
            page.failures.append("\(where_): \(error.reason)")
        }
    }

    /// The paper an `arXiv` or `arXivRaw` metadata block describes.
    /// Fields arrive with whitespace already collapsed.
    private static func paper(from r: RecordFields, datestamp: Day) throws(RecordError) -> (Paper, ArxivID) {
        let idText = r.id
        guard !idText.isEmpty else { throw RecordError("metadata has no <id>") }
        guard let arxiv = ArxivID(idText) else { throw RecordError("<id> \"\(idText)\" is not an arXiv identifier") }
        let title = r.title
        guard !title.isEmpty else { throw RecordError("metadata has no <title>") }
        let abstract = r.abstract
        guard !abstract.isEmpty else { throw RecordError("metadata has no <abstract>") }
        var versions: [PaperVersion] = []
        for v in r.versions {
            guard let day = DateParsing.day(v.date) else {
                throw RecordError("<version version=\"v\(v.number)\">: unreadable <date> \"\(v.date)\"")
            }
            versions.append(PaperVersion(version: v.number, submitted: day))
        }
        versions.sort { $0.version < $1.version }
        let created = DateParsing.day(r.created) ?? versions.first?.submitted
        let updated = DateParsing.day(r.updated) ?? (versions.count > 1 ? versions.last?.submitted : nil)
        let authors = r.authors.isEmpty ? RecordDecoder.splitAuthors(r.rawAuthors) : r.authors
        func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
        let paper = Paper(
            id: .arxiv(arxiv), version: versions.last?.version,
            title: title, abstract: abstract, authors: authors,
            categories: RecordDecoder.categories(r.categories.split(separator: " ").map(String.init), primary: nil),
            published: created, updated: updated,
            listed: AnnouncementSchedule.listedDay(created: created, updated: updated, versions: versions, datestamp: datestamp),
            versions: versions,
            doi: nonEmpty(r.doi).flatMap { PaperID.doi($0).map { String($0.rawValue.dropFirst(4)) } },
            journalRef: nonEmpty(r.journalRef), comments: nonEmpty(r.comments), license: nonEmpty(r.license))
        return (paper, arxiv)
    }
}
