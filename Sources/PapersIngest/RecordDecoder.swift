import Foundation
import PapersCore

/// Turns one JSON line into a ``Paper``, in any of the ``RecordFormat``s.
///
/// Not thread-safe (it reuses a `JSONDecoder`); use one per task.
public struct RecordDecoder {
    /// The format to expect; `.auto` detects per line.
    public var format: RecordFormat
    /// Corpus name used to qualify BEIR document ids (`beir:CORPUS:ID`).
    public var corpus: String

    /// Creates a decoder; `corpus` names the BEIR corpus (usually the data set's folder name).
    public init(format: RecordFormat, corpus: String = "corpus") {
        self.format = format
        self.corpus = corpus
    }

    /// Decodes one line; throws ``RecordError`` naming the field when the line is unusable.
    public func decode(_ line: some Collection<UInt8>) throws(RecordError) -> Paper {
        let raw = try RawRecord(JSONParser.parse(Array(line)))
        let chosen = format == .auto ? raw.detectedFormat : format
        switch chosen {
        case .beir: return try beirPaper(raw)
        case .arxivSnapshot: return try snapshotPaper(raw)
        case .papers, .auto: return try ownPaper(raw)
        case .hfDaily: throw RecordError("a Hugging Face daily-papers file is one JSON array, not JSON lines")
        }
    }

    // MARK: formats

    private func beirPaper(_ raw: RawRecord) throws(RecordError) -> Paper {
        guard let docID = raw.beirID?.collapsingWhitespace(), !docID.isEmpty else {
            throw RecordError("missing field \"_id\" (BEIR corpus line)")
        }
        guard let text = raw.text?.collapsingWhitespace(), !text.isEmpty else {
            throw RecordError("missing or empty field \"text\" (BEIR corpus line)")
        }
        return Paper(id: .corpus(Self.corpusIdentifier(corpus), document: docID.replacingOccurrences(of: " ", with: "_")),
                     title: raw.title?.collapsingWhitespace() ?? "", abstract: text)
    }

    /// A corpus name as it appears in `beir:CORPUS:ID` ids (no `:` or spaces).
    public static func corpusIdentifier(_ name: String) -> String {
        name.replacingOccurrences(of: ":", with: "_").replacingOccurrences(of: " ", with: "_")
    }

    private func snapshotPaper(_ raw: RawRecord) throws(RecordError) -> Paper {
        guard let idText = raw.id else { throw RecordError("missing field \"id\" (arXiv snapshot record)") }
        guard let arxiv = ArxivID(idText) else { throw RecordError("field \"id\": \"\(idText)\" is not an arXiv identifier") }
        let (title, abstract) = try titleAndAbstract(raw)
        var versions: [PaperVersion] = []
        for (index, entry) in (raw.versions ?? []).enumerated() {
            guard let number = entry.version, number >= 1 else {
                throw RecordError("field \"versions[\(index)].version\": expected \"vN\"")
            }
            guard let text = entry.created ?? entry.submitted, let day = DateParsing.day(text) else {
                throw RecordError("field \"versions[\(index)].created\": unreadable date \"\(entry.created ?? "")\"")
            }
            versions.append(PaperVersion(version: number, submitted: day))
        }
        versions.sort { $0.version < $1.version }
        let authors: [Author]
        if let parsed = raw.authorsParsed, !parsed.isEmpty {
            authors = parsed.map(Self.author(fromParsed:))
        } else {
            authors = try authorList(raw)
        }
        return Paper(
            id: .arxiv(arxiv), version: versions.last?.version ?? arxiv.version,
            title: title, abstract: abstract, authors: authors,
            categories: Self.categories(raw.categories?.values ?? [], primary: raw.primaryCategory),
            published: versions.first?.submitted,
            updated: try day(raw.updateDate, field: "update_date") ?? versions.last?.submitted,
            listed: try day(raw.firstListed ?? raw.listed, field: raw.firstListed != nil ? "first_listed" : "listed"),
            versions: versions,
            doi: raw.doi.flatMap { PaperID.doi($0).map { String($0.rawValue.dropFirst(4)) } },
            journalRef: nonEmpty(raw.journalRefSnapshot ?? raw.journalRef),
            comments: nonEmpty(raw.comments ?? raw.comment),
            license: nonEmpty(raw.license),
            links: raw.links ?? [])
    }

    private func ownPaper(_ raw: RawRecord) throws(RecordError) -> Paper {
        let (title, abstract) = try titleAndAbstract(raw)
        let doi = raw.doi.flatMap { PaperID.doi($0).map { String($0.rawValue.dropFirst(4)) } }
        let id: PaperID
        var version = raw.version
        if let idText = raw.id {
            guard let parsed = PaperID(idText) else {
                throw RecordError("field \"id\": \"\(idText)\" is neither an arXiv identifier nor a DOI")
            }
            id = parsed
            if version == nil { version = ArxivID(idText)?.version }
        } else if let doi, let doiID = PaperID.doi(doi) {
            id = doiID
        } else {
            id = .contentHash(title: title, abstract: abstract)
        }
        if let v = version, v < 1 { throw RecordError("field \"version\": must be 1 or more, got \(v)") }
        var versions: [PaperVersion] = []
        for (index, entry) in (raw.versions ?? []).enumerated() {
            guard let number = entry.version, number >= 1,
                  let day = (entry.submitted ?? entry.created).flatMap(DateParsing.day) else {
                throw RecordError("field \"versions[\(index)]\": expected {\"version\": N, \"submitted\": \"YYYY-MM-DD\"}")
            }
            versions.append(PaperVersion(version: number, submitted: day))
        }
        versions.sort { $0.version < $1.version }
        if version == nil { version = versions.last?.version }
        let links = raw.links ?? []
        for (index, link) in links.enumerated() where !(link.hasPrefix("https://") || link.hasPrefix("http://")) {
            throw RecordError("field \"links[\(index)]\": expected an http(s) URL, got \"\(link.prefix(80))\"")
        }
        return Paper(
            id: id, version: version, title: title, abstract: abstract, authors: try authorList(raw),
            categories: Self.categories(raw.categories?.values ?? [], primary: raw.primaryCategory),
            published: try day(raw.published, field: "published") ?? versions.first?.submitted,
            updated: try day(raw.updated, field: "updated"),
            listed: try day(raw.firstListed ?? raw.listed, field: raw.firstListed != nil ? "first_listed" : "listed"),
            versions: versions, doi: doi,
            journalRef: nonEmpty(raw.journalRef ?? raw.journalRefSnapshot),
            comments: nonEmpty(raw.comments ?? raw.comment),
            license: nonEmpty(raw.license), links: links)
    }

    // MARK: fields

    private func titleAndAbstract(_ raw: RawRecord) throws(RecordError) -> (String, String) {
        guard let title = raw.title?.collapsingWhitespace(), !title.isEmpty else {
            throw RecordError(raw.title == nil ? "missing field \"title\"" : "field \"title\" is empty")
        }
        guard let abstract = (raw.abstract ?? raw.text)?.collapsingWhitespace() else {
            throw RecordError("missing field \"abstract\"")
        }
        return (title, abstract)
    }

    private func authorList(_ raw: RawRecord) throws(RecordError) -> [Author] {
        switch raw.authors {
        case nil: return []
        case .text(let s)?: return Self.splitAuthors(s)
        case .list(let list)?:
            var authors: [Author] = []
            for (index, a) in list.enumerated() {
                let name = a.name.collapsingWhitespace()
                guard !name.isEmpty else { throw RecordError("field \"authors[\(index)]\": empty name") }
                authors.append(Author(name: name, affiliations: a.affiliations.map { $0.collapsingWhitespace() }.filter { !$0.isEmpty }))
            }
            return authors
        }
    }

    private func day(_ text: String?, field: String) throws(RecordError) -> Day? {
        guard let text, !text.isEmpty else { return nil }
        guard let day = DateParsing.day(text) else {
            throw RecordError("field \"\(field)\": unreadable date \"\(text.prefix(40))\" (expected YYYY-MM-DD)")
        }
        return day
    }

    private func nonEmpty(_ s: String?) -> String? {
        guard let s = s?.collapsingWhitespace(), !s.isEmpty else { return nil }
        return s
    }

    /// `[keyname, forenames, suffix, affiliation…]` from the snapshot's `authors_parsed`.
    static func author(fromParsed parts: [String]) -> Author {
        let keyname = parts.first?.collapsingWhitespace() ?? ""
        let forenames = parts.count > 1 ? parts[1].collapsingWhitespace() : ""
        let suffix = parts.count > 2 ? parts[2].collapsingWhitespace() : ""
        let name = [forenames, keyname, suffix].filter { !$0.isEmpty }.joined(separator: " ")
        let affiliations = parts.count > 3 ? parts[3...].map { $0.collapsingWhitespace() }.filter { !$0.isEmpty } : []
        return Author(name: name, affiliations: affiliations)
    }

    /// Splits `"A, B and C"` (the snapshot's `authors` string) into names.
    static func splitAuthors(_ text: String) -> [Author] {
        let flat = text.collapsingWhitespace()
        return flat.replacingOccurrences(of: " and ", with: ", ")
            .split(separator: ",")
            .map { $0.collapsingWhitespace() }
            .filter { !$0.isEmpty }
            .map { Author(name: $0) }
    }

    /// arXiv categories only (MSC and ACM class codes dropped), primary first, no duplicates.
    static func categories(_ values: [String], primary: String?) -> [String] {
        var result: [String] = []
        for c in ([primary].compactMap { $0 } + values) {
            let trimmed = c.collapsingWhitespace()
            if Self.isArxivCategory(trimmed), !result.contains(trimmed) { result.append(trimmed) }
        }
        return result
    }

    /// `archive` or `archive.Subject`, e.g. `hep-th`, `cs.LG`, `cond-mat.stat-mech`.
    static func isArxivCategory(_ s: String) -> Bool {
        // Bytes: this runs for every category of every record.
        let u = s.utf8
        guard !u.isEmpty, u.count <= 40 else { return false }
        var inSubject = false
        var archiveLength = 0, subjectLength = 0
        for b in u {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"):
                if inSubject { subjectLength += 1 } else { archiveLength += 1 }
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where inSubject:
                subjectLength += 1
            case UInt8(ascii: "."):
                guard !inSubject else { return false }
                inSubject = true
            default:
                return false
            }
        }
        return archiveLength > 0 && (!inSubject || subjectLength > 0)
    }
}

/// Date formats seen in paper metadata.
enum DateParsing {
    /// `YYYY-MM-DD`, an ISO 8601 date-time (`2025-03-18T17:59:41.000Z`, UTC day taken as written),
    /// or RFC 2822 as in the arXiv snapshot (`Mon, 2 Apr 2007 19:18:42 GMT`).
    static func day(_ text: String) -> Day? {
        let u = Array(text.utf8)
        var i = 0
        while i < u.count, u[i] == 32 { i += 1 }
        // YYYY-MM-DD, optionally followed by a time.
        if u.count - i >= 10, u[i + 4] == UInt8(ascii: "-"), u[i + 7] == UInt8(ascii: "-") {
            guard u.count - i == 10 || u[i + 10] == UInt8(ascii: "T") || u[i + 10] == 32 else { return nil }
            return Day(String(decoding: u[i..<(i + 10)], as: UTF8.self))
        }
        // RFC 2822: [Weekday,] D Mon YYYY …
        var fields: [ArraySlice<UInt8>] = []
        var start = i
        for k in i...u.count {
            if k == u.count || u[k] == 32 {
                if k > start { fields.append(u[start..<k]) }
                start = k + 1
                if fields.count == 4 { break }
            }
        }
        if let first = fields.first, first.last == UInt8(ascii: ",") { fields.removeFirst() }
        guard fields.count >= 3, let d = number(fields[0]), let y = number(fields[2]), fields[1].count >= 3 else { return nil }
        let m = fields[1].prefix(3).map { $0 | 0x20 }
        let months: [[UInt8]] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map { Array($0.utf8) }
        guard let month = months.firstIndex(of: Array(m)) else { return nil }
        return Day(year: y, month: month + 1, day: d)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 4 else { return nil }
        var n = 0
        for b in digits {
            guard b >= 48, b <= 57 else { return nil }
            n = n * 10 + Int(b - 48)
        }
        return n
    }
}
