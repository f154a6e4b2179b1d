import Crypto

/// One author of a paper, in the paper's order.
public struct Author: Hashable, Sendable, Codable {
    /// The display name, e.g. `Ada Lovelace`.
    public var name: String
    /// Affiliations as given by the source, possibly empty.
    public var affiliations: [String]

    /// Creates an author.
    public init(name: String, affiliations: [String] = []) {
        self.name = name
        self.affiliations = affiliations
    }
}

/// One version of an arXiv paper and the day it was submitted.
public struct PaperVersion: Hashable, Sendable, Codable {
    /// The version number, 1 for the first submission.
    public var version: Int
    /// The UTC day the version was submitted.
    public var submitted: Day

    /// Creates a version record.
    public init(version: Int, submitted: Day) {
        self.version = version
        self.submitted = submitted
    }
}

/// A research paper as Papers stores it: metadata only, no full text.
public struct Paper: Hashable, Sendable, Codable {
    /// Stable identity (see ``PaperID``).
    public var id: PaperID
    /// The latest known version number for arXiv papers; `nil` when unknown or not on arXiv.
    public var version: Int?
    /// Title, whitespace collapsed.
    public var title: String
    /// Abstract, whitespace collapsed.
    public var abstract: String
    /// Authors in order.
    public var authors: [Author]
    /// arXiv categories, primary first, no duplicates (e.g. `cs.LG`, `stat.ML`).
    public var categories: [String]
    /// Day the first version was submitted.
    public var published: Day?
    /// Day of the latest version or metadata update.
    public var updated: Day?
    /// Day arXiv (or another source) first announced the paper: its daily page.
    public var listed: Day?
    /// All known versions, oldest first.
    public var versions: [PaperVersion]
    /// DOI of the published version, lower-cased.
    public var doi: String?
    /// Journal reference as given.
    public var journalRef: String?
    /// Author comments (pages, venue, code links).
    public var comments: String?
    /// Licence URL.
    public var license: String?
    /// Other links (code, project page), absolute URLs.
    public var links: [String]

    /// Creates a paper; see the properties for the meaning of each field.
    public init(id: PaperID, version: Int? = nil, title: String, abstract: String, authors: [Author] = [],
                categories: [String] = [], published: Day? = nil, updated: Day? = nil, listed: Day? = nil,
                versions: [PaperVersion] = [], doi: String? = nil, journalRef: String? = nil,
                comments: String? = nil, license: String? = nil, links: [String] = []) {
        self.id = id
        self.version = version
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.published = published
        self.updated = updated
        self.listed = listed
        self.versions = versions
        self.doi = doi
        self.journalRef = journalRef
        self.comments = comments
        self.license = license
        self.links = links
    }

    /// The primary category, when any.
    public var primaryCategory: String? { categories.first }

    /// The arXiv id with the latest known version, when this is an arXiv paper.
    public var arxivID: ArxivID? {
        id.arxivID.flatMap { ArxivID(base: $0.base, version: version) }
    }

    /// The day this paper belongs to on daily pages: when it was listed, else first submitted.
    public var announcedDay: Day? { listed ?? published }

    /// Names of all authors joined by `, `.
    public var authorNames: String { authors.map(\.name).joined(separator: ", ") }

    /// The text a paper is embedded from: `title + ". " + abstract`, the convention of the reference
    /// embeddings (../shared/data/golden) and of sentence-transformers' paper examples.
    public static func embeddingText(title: String, abstract: String) -> String {
        title + ". " + abstract
    }

    /// SHA-256 over every stored field: two records with the same fingerprint store the same row,
    /// so a re-import can tell "unchanged" without comparing field by field.
    public var fingerprint: [UInt8] {
        var hasher = SHA256()
        let one: [UInt8] = [1], zero: [UInt8] = [0]
        func add(_ s: String?) {
            if var s {
                hasher.update(data: one)
                s.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            }
            hasher.update(data: zero)
        }
        func add(_ n: Int?) { add(n.map(String.init)) }
        add(id.rawValue); add(version); add(title); add(abstract)
        for a in authors { add(a.name); for aff in a.affiliations { add("@" + aff) } }
        add("|authors")
        for c in categories { add(c) }
        add("|categories")
        add(published?.description); add(updated?.description); add(listed?.description)
        for v in versions { add(v.version); add(v.submitted.description) }
        add("|versions")
        add(doi); add(journalRef); add(comments); add(license)
        for l in links { add(l) }
        return Array(hasher.finalize())
    }
}

/// What an upsert did with each record of a batch.
public struct UpsertCounts: Hashable, Sendable, Codable {
    /// New papers stored.
    public var imported = 0
    /// Existing papers changed (a newer version or corrected metadata).
    public var updated = 0
    /// Records identical to what was stored, or older versions than the stored one.
    public var unchanged = 0

    /// Zero counts.
    public init(imported: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.imported = imported
        self.updated = updated
        self.unchanged = unchanged
    }

    /// Adds another batch's counts.
    public static func += (a: inout UpsertCounts, b: UpsertCounts) {
        a.imported += b.imported
        a.updated += b.updated
        a.unchanged += b.unchanged
    }

    /// All records counted.
    public var total: Int { imported + updated + unchanged }
}
