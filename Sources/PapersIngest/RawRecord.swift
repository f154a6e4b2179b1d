import PapersCore

/// The union of the fields of every supported JSON-lines format; unknown fields are ignored.
struct RawRecord {
    var id: String?
    var beirID: String?
    var title: String?
    var abstract: String?
    var text: String?
    var authors: AuthorsField?
    var authorsParsed: [[String]]?
    var categories: CategoriesField?
    var primaryCategory: String?
    var comment: String?
    var comments: String?
    var doi: String?
    var journalRef: String?
    var journalRefSnapshot: String?
    var license: String?
    var submitter: String?
    var reportNo: String?
    var versions: [VersionEntry]?
    var updateDate: String?
    var published: String?
    var updated: String?
    var firstListed: String?
    var listed: String?
    var version: Int?
    var links: [String]?

    init(_ value: JSONValue) throws(RecordError) {
        guard case .object(let fields) = value else {
            throw RecordError("expected a JSON object, got \(value.typeName)")
        }
        let o = JSONObject(fields: fields)
        id = try o.flexibleString("id")
        beirID = try o.flexibleString("_id")
        title = try o.string("title")
        abstract = try o.string("abstract")
        text = try o.string("text")
        authors = try o.value("authors").map { v throws(RecordError) in try AuthorsField(v) }
        authorsParsed = try o.list("authors_parsed").map { list throws(RecordError) in
            try list.enumerated().map { (index, item) throws(RecordError) in
                guard case .array(let parts) = item else {
                    throw RecordError("field \"authors_parsed[\(index)]\": expected a list, got \(item.typeName)")
                }
                return parts.map { if case .string(let s) = $0 { return s } else { return "" } }
            }
        }
        categories = try o.value("categories").map { v throws(RecordError) in try CategoriesField(v) }
        primaryCategory = try o.string("primary_category")
        comment = try o.string("comment")
        comments = try o.string("comments")
        doi = try o.string("doi")
        journalRef = try o.string("journal_ref")
        journalRefSnapshot = try o.string("journal-ref")
        license = try o.string("license")
        submitter = try o.string("submitter")
        reportNo = try o.string("report-no")
        versions = try o.list("versions").map { list throws(RecordError) in
            try list.enumerated().map { (index, item) throws(RecordError) in try VersionEntry(item, index: index) }
        }
        updateDate = try o.string("update_date")
        published = try o.string("published")
        updated = try o.string("updated")
        firstListed = try o.string("first_listed")
        listed = try o.string("listed")
        version = try o.int("version")
        links = try o.list("links").map { list throws(RecordError) in try JSONObject.strings(list, field: "links") }
    }

    /// The format these fields look like.
    var detectedFormat: RecordFormat {
        if beirID != nil, text != nil { return .beir }
        if authorsParsed != nil || updateDate != nil || submitter != nil || journalRefSnapshot != nil
            || versions?.contains(where: { $0.created != nil }) == true {
            return .arxivSnapshot
        }
        return .papers
    }
}

/// Typed access to a JSON object's fields; `null` counts as absent; a wrong type names the field.
struct JSONObject {
    let fields: [String: JSONValue]

    func value(_ key: String) -> JSONValue? {
        guard let v = fields[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    func string(_ key: String) throws(RecordError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw RecordError("field \"\(key)\": expected a string, got \(v.typeName)") }
        return s
    }

    /// A string, or an integer written as a number (BEIR ids often are).
    func flexibleString(_ key: String) throws(RecordError) -> String? {
        guard let v = value(key) else { return nil }
        switch v {
        case .string(let s): return s
        case .number(let n, true) where abs(n) < 1e15: return String(Int64(n))
        default: throw RecordError("field \"\(key)\": expected a string, got \(v.typeName)")
        }
    }

    func int(_ key: String) throws(RecordError) -> Int? {
        guard let v = value(key) else { return nil }
        guard case .number(let n, true) = v, abs(n) < 1e15 else {
            throw RecordError("field \"\(key)\": expected an integer, got \(v.typeName)")
        }
        return Int(n)
    }

    /// The items of a list that must hold only strings; an error names `field[index]`.
    static func strings(_ items: [JSONValue], field: String) throws(RecordError) -> [String] {
        try items.enumerated().map { (index, item) throws(RecordError) in
            guard case .string(let s) = item else {
                throw RecordError("field \"\(field)[\(index)]\": expected a string, got \(item.typeName)")
            }
            return s
        }
    }

    func list(_ key: String) throws(RecordError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw RecordError("field \"\(key)\": expected a list, got \(v.typeName)") }
        return items
    }
}

/// `authors` as a string (`"A, B and C"`), a list of names, or a list of `{name, affiliations}` objects.
enum AuthorsField {
    case text(String)
    case list([Author])

    init(_ value: JSONValue) throws(RecordError) {
        switch value {
        case .string(let s):
            self = .text(s)
        case .array(let items):
            var authors: [Author] = []
            for (index, item) in items.enumerated() {
                switch item {
                case .string(let name):
                    authors.append(Author(name: name))
                case .object(let fields):
                    let o = JSONObject(fields: fields)
                    guard let name = try? o.string("name") else {
                        throw RecordError("field \"authors[\(index)].name\": expected a string")
                    }
                    var affiliations: [String] = []
                    if let list = try? o.list("affiliations") {
                        affiliations = list.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
                    } else if let one = try? o.string("affiliation") {
                        affiliations = [one]
                    }
                    authors.append(Author(name: name, affiliations: affiliations))
                default:
                    throw RecordError("field \"authors[\(index)]\": expected a name or {\"name\": …}, got \(item.typeName)")
                }
            }
            self = .list(authors)
        default:
            throw RecordError("field \"authors\": expected a list or a string, got \(value.typeName)")
        }
    }
}

/// `categories` as a space-separated string (the snapshot) or a list.
enum CategoriesField {
    case text(String)
    case list([String])

    init(_ value: JSONValue) throws(RecordError) {
        switch value {
        case .string(let s): self = .text(s)
        case .array(let items):
            self = .list(try JSONObject.strings(items, field: "categories"))
        default:
            throw RecordError("field \"categories\": expected a list or a string, got \(value.typeName)")
        }
    }

    var values: [String] {
        switch self {
        case .text(let s): return s.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        case .list(let l): return l
        }
    }
}

/// A version entry: the snapshot's `{"version": "v2", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}` or
/// Papers' own `{"version": 2, "submitted": "2007-04-02"}`.
struct VersionEntry {
    var version: Int?
    var created: String?
    var submitted: String?

    init(_ value: JSONValue, index: Int) throws(RecordError) {
        guard case .object(let fields) = value else {
            throw RecordError("field \"versions[\(index)]\": expected an object, got \(value.typeName)")
        }
        let o = JSONObject(fields: fields)
        switch o.value("version") {
        case .number(let n, true)?: version = Int(exactly: n)
        case .string(let s)?: version = Int(s.hasPrefix("v") ? s.dropFirst() : Substring(s))
        default: version = nil
        }
        created = try? o.string("created")
        submitted = try? o.string("submitted")
    }
}
