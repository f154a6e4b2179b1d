import Foundation

/// Reads what people paste or upload to seed their profile: plain arXiv ids or URLs, BibTeX (a Zotero or
/// Mendeley export, Google Scholar's), or RIS. Each entry yields the identifiers Papers can match, in the order
/// they are tried: arXiv id, then DOI, then exact title.
///
/// A tolerant reader, not a validator: a library file from any reference manager should give every entry it
/// can, and what it cannot read is skipped (the caller reports how many matched).
public enum LibraryImport {
    /// One reference.
    public struct Entry: Hashable, Sendable {
        /// The arXiv id without version, when the entry names one.
        public var arxivID: String?
        /// The DOI, lower-cased, when given.
        public var doi: String?
        /// The title with braces and extra spaces removed, when given.
        public var title: String?

        /// Creates an entry.
        public init(arxivID: String? = nil, doi: String? = nil, title: String? = nil) {
            self.arxivID = arxivID
            self.doi = doi
            self.title = title
        }
    }

    /// Largest input read, in bytes (a 5,000-entry library is about 2 MB).
    public static let maximumBytes = 2_000_000

    /// The entries of `text`: BibTeX if it has `@type{`, RIS if it has `TY  -` lines, else whitespace- or
    /// comma-separated ids.
    public static func entries(_ text: String) -> [Entry] {
        let text = String(text.utf8.prefix(maximumBytes)) ?? ""
        if text.range(of: #"@[A-Za-z]+\s*\{"#, options: .regularExpression) != nil { return bibtex(text) }
        if text.range(of: #"(?m)^TY  - "#, options: .regularExpression) != nil { return ris(text) }
        return text.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ";" }).compactMap { token in
            let word = String(token)
            if let arxiv = ArxivID(word) { return Entry(arxivID: arxiv.unversioned.description) }
            if let doi = doi(in: word) { return Entry(doi: doi) }
            return nil
        }
    }

    /// BibTeX entries: `eprint` (with `archivePrefix = arXiv`) or an arXiv URL/`journal = arXiv preprint arXiv:…`,
    /// `doi`, `title`.
    static func bibtex(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "@" else { i += 1; continue }
            // The entry runs to the brace that closes the one after `@type`.
            guard let open = scalars[i...].firstIndex(where: { $0 == "{" || $0 == "(" }) else { break }
            var depth = 0
            var end = open
            while end < scalars.count {
                if scalars[end] == "{" || scalars[end] == "(" { depth += 1 }
                if scalars[end] == "}" || scalars[end] == ")" { depth -= 1; if depth == 0 { break } }
                end += 1
            }
            let body = String(String.UnicodeScalarView(scalars[(open + 1)..<min(end, scalars.count)]))
            let fields = bibtexFields(body)
            var entry = Entry()
            for key in ["eprint", "arxivid", "arxiv"] { if entry.arxivID == nil, let v = fields[key] { entry.arxivID = ArxivID(v)?.unversioned.description } }
            for key in ["url", "journal", "note", "howpublished"] where entry.arxivID == nil {
                if let v = fields[key], v.lowercased().contains("arxiv") { entry.arxivID = arxivID(in: v) }
            }
            entry.doi = fields["doi"].flatMap(doi(in:))
            entry.title = fields["title"].map(cleanTitle).flatMap { $0.isEmpty ? nil : $0 }
            if entry != Entry() { entries.append(entry) }
            i = end + 1
        }
        return entries
    }

    /// `key = {value}`, `key = "value"` or `key = bare` pairs of one entry body, keys lower-cased.
    static func bibtexFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        let chars = Array(body)
        var i = chars.firstIndex(of: ",").map { $0 + 1 } ?? 0
        while i < chars.count {
            while i < chars.count, chars[i].isWhitespace || chars[i] == "," { i += 1 }
            var key = ""
            while i < chars.count, chars[i] != "=", chars[i] != "," { key.append(chars[i]); i += 1 }
            guard i < chars.count, chars[i] == "=" else { break }
            i += 1
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            var value = ""
            if i < chars.count, chars[i] == "{" {
                var depth = 0
                while i < chars.count {
                    if chars[i] == "{" { depth += 1 }
                    if chars[i] == "}" { depth -= 1; if depth == 0 { i += 1; break } }
                    if depth > 0, !(depth == 1 && chars[i] == "{") { value.append(chars[i]) }
                    i += 1
                }
            } else if i < chars.count, chars[i] == "\"" {
                i += 1
                while i < chars.count, chars[i] != "\"" { value.append(chars[i]); i += 1 }
                i += 1
            } else {
                while i < chars.count, chars[i] != "," { value.append(chars[i]); i += 1 }
            }
            fields[key.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()] = value.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return fields
    }

    /// RIS records (`TY  -` … `ER  -`): `DO` DOI, `TI`/`T1` title, `UR`/`L1`/`N1` arXiv links or ids.
    static func ris(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        var entry = Entry()
        for line in text.split(whereSeparator: \.isNewline) {
            guard line.count >= 5, line.dropFirst(2).hasPrefix("  -") else { continue }
            let tag = String(line.prefix(2))
            let value = String(line.dropFirst(6)).trimmingCharacters(in: .whitespaces)
            switch tag {
            case "TY": entry = Entry()
            case "DO": entry.doi = doi(in: value)
            case "TI", "T1": if entry.title == nil { entry.title = cleanTitle(value) }
            case "UR", "L1", "L2", "N1", "AN", "M3": if entry.arxivID == nil, value.lowercased().contains("arxiv") { entry.arxivID = arxivID(in: value) }
            case "ER": if entry != Entry() { entries.append(entry) }; entry = Entry()
            default: break
            }
        }
        // A last record without its ER line (a truncated file, trimmed input) still counts.
        if entry != Entry() { entries.append(entry) }
        return entries
    }

    static func arxivID(in text: String) -> String? {
        guard let range = text.range(of: #"(\d{4}\.\d{4,5}(v\d+)?|[a-z\-]+(\.[A-Z]{2})?/\d{7})"#, options: .regularExpression) else { return nil }
        return ArxivID(String(text[range]))?.unversioned.description
    }

    static func doi(in text: String) -> String? {
        guard let range = text.range(of: #"10\.\d{4,9}/[^\s"{}]+"#, options: .regularExpression) else { return nil }
        return String(text[range]).lowercased()
    }

    static func cleanTitle(_ title: String) -> String {
        title.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
