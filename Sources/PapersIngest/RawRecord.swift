import Foundation
import PapersCore

/// The union of the fields of every supported JSON-lines format; unknown fields are ignored.
struct RawRecord: Decodable {
    var id: FlexibleString?
    var beirID: FlexibleString?
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

    enum CodingKeys: String, CodingKey {
        case id, title, abstract, text, authors, categories, comment, comments, doi, license, submitter
        case versions, published, updated, listed, version, links
        case beirID = "_id"
        case authorsParsed = "authors_parsed"
        case primaryCategory = "primary_category"
        case journalRef = "journal_ref"
        case journalRefSnapshot = "journal-ref"
        case reportNo = "report-no"
        case updateDate = "update_date"
        case firstListed = "first_listed"
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

/// A string that may also be written as a JSON number (BEIR ids often are).
struct FlexibleString: Decodable {
    var value: String
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            value = s
        } else if let n = try? c.decode(Int64.self) {
            value = String(n)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath,
                                                                debugDescription: "expected a string"))
        }
    }
}

/// `authors` as a string (`"A, B and C"`), a list of names, or a list of `{name, affiliations}` objects.
enum AuthorsField: Decodable {
    case text(String)
    case list([Author])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .text(s)
            return
        }
        var list = try decoder.unkeyedContainer()
        var authors: [Author] = []
        while !list.isAtEnd {
            if let name = try? list.decode(String.self) {
                authors.append(Author(name: name))
            } else {
                let entry = try list.decode(AuthorEntry.self)
                authors.append(Author(name: entry.name, affiliations: entry.affiliations ?? entry.affiliation.map { [$0] } ?? []))
            }
        }
        self = .list(authors)
    }

    struct AuthorEntry: Decodable {
        var name: String
        var affiliations: [String]?
        var affiliation: String?
    }
}

/// `categories` as a space-separated string (the snapshot) or a list.
enum CategoriesField: Decodable {
    case text(String)
    case list([String])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .text(s)
        } else {
            self = .list(try c.decode([String].self))
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
struct VersionEntry: Decodable {
    var version: Int?
    var created: String?
    var submitted: String?
    var versionText: String?

    enum CodingKeys: String, CodingKey { case version, created, submitted }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let n = try? c.decode(Int.self, forKey: .version) {
            version = n
        } else if let s = try c.decodeIfPresent(String.self, forKey: .version) {
            versionText = s
            let digits = s.hasPrefix("v") ? s.dropFirst() : Substring(s)
            version = Int(digits)
        }
        created = try c.decodeIfPresent(String.self, forKey: .created)
        submitted = try c.decodeIfPresent(String.self, forKey: .submitted)
    }
}
