import Crypto

/// The stable identity of a paper in Papers.
///
/// arXiv papers use their unversioned arXiv id (`2203.05482`, `hep-th/9901001`). Papers without one get
/// an id of their own: `doi:10.1000/xyz` (lower-cased DOI), `beir:CORPUS:DOCID` for documents of a
/// BEIR corpus, or `sha:` + 16 hex digits of SHA-256 over the normalised title and abstract.
public struct PaperID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The canonical text form, as stored and shown in URLs.
    public let rawValue: String

    private init(raw: String) { self.rawValue = raw }

    /// The id of an arXiv paper (version dropped: all versions are one paper).
    public static func arxiv(_ id: ArxivID) -> PaperID { PaperID(raw: id.base) }

    /// The id of a paper known by DOI only; `nil` when `doi` does not look like a DOI (`10.NNNN/…`).
    public static func doi(_ doi: String) -> PaperID? {
        guard let normalised = PaperID.normaliseDOI(doi) else { return nil }
        return PaperID(raw: "doi:" + normalised)
    }

    /// The id of document `documentID` in the named corpus (e.g. a BEIR data set).
    public static func corpus(_ corpus: String, document documentID: String) -> PaperID {
        PaperID(raw: "beir:\(corpus):\(documentID)")
    }

    /// A content id for records with only a title and an abstract: stable across imports because it
    /// hashes the whitespace-collapsed, lower-cased title and abstract.
    public static func contentHash(title: String, abstract: String) -> PaperID {
        let text = title.collapsingWhitespace().lowercased() + "\n" + abstract.collapsingWhitespace().lowercased()
        let digest = SHA256.hash(data: Array(text.utf8))
        let hex = digest.prefix(8).map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined()
        return PaperID(raw: "sha:" + hex)
    }

    /// Parses what a user or URL gives: any arXiv spelling (`arXiv:2203.05482v2`, abs/pdf URLs), a bare DOI
    /// or `doi:` id, or an existing `beir:` / `sha:` id. `nil` when it is none of these.
    public init?(_ input: some StringProtocol) {
        let text = String(input.trimmingWhitespace())
        if let arxiv = ArxivID(text) {
            self = .arxiv(arxiv)
        } else if text.hasPrefix("doi:"), let id = PaperID.doi(String(text.dropFirst(4))) {
            self = id
        } else if text.hasPrefix("10."), let id = PaperID.doi(text) {
            self = id
        } else if text.hasPrefix("beir:"), text.dropFirst(5).contains(":"), text.count <= 300,
                  !text.contains(where: { $0.isWhitespace || $0.isNewline }) {
            self.init(raw: text)
        } else if text.hasPrefix("sha:"), text.count == 20,
                  text.dropFirst(4).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            self.init(raw: text)
        } else {
            return nil
        }
    }

    /// The arXiv id when this is an arXiv paper.
    public var arxivID: ArxivID? { rawValue.contains(":") ? nil : ArxivID(rawValue) }

    public var description: String { rawValue }

    public static func < (a: PaperID, b: PaperID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = PaperID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a paper id: \"\(text)\""))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// `10.prefix/suffix`, lower-cased (DOIs are case-insensitive), with `https://doi.org/` or `doi:` removed.
    static func normaliseDOI(_ input: String) -> String? {
        var s = Substring(input.trimmingWhitespace())
        for prefix in ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"]
        where s.lowercased().hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
        }
        guard s.hasPrefix("10."), let slash = s.firstIndex(of: "/"), s.index(after: slash) < s.endIndex,
              s[s.index(s.startIndex, offsetBy: 3)..<slash].allSatisfy({ $0.isASCIIDigit || $0 == "." }),
              s.count <= 300, !s.contains(where: { $0.isWhitespace }) else { return nil }
        return s.lowercased()
    }
}

extension StringProtocol {
    /// Runs of whitespace (including newlines and Unicode spaces such as U+00A0) collapsed to one
    /// space, ends trimmed. Works on UTF-8 bytes: it runs on every field of every imported record.
    public func collapsingWhitespace() -> String {
        String.collapsingWhitespace(utf8: Array(utf8))
    }
}

extension String {
    /// ``StringProtocol/collapsingWhitespace()`` of UTF-8 bytes (a parser's text buffer), without first
    /// making a string of them.
    public static func collapsingWhitespace(utf8 bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { input in
            let n = input.count
            // Most short fields need nothing: no control whitespace, no doubled or outer spaces, ASCII only.
            var clean = n > 0 && input[0] != 32 && input[n - 1] != 32
            if clean {
                var previous: UInt8 = 0
                for b in input {
                    if b < 32 || b >= 0x80 || (b == 32 && previous == 32) { clean = false; break }
                    previous = b
                }
            }
            if clean { return String(decoding: input, as: UTF8.self) }
            return String(unsafeUninitializedCapacity: n) { out in
                var count = 0
                var pendingSpace = false
                var i = 0
                while i < n {
                    let b = input[i]
                    // The common case: a visible ASCII character.
                    if b > 32, b < 0x80 {
                        if pendingSpace { out[count] = 32; count += 1 }
                        pendingSpace = false
                        out[count] = b
                        count += 1
                        i += 1
                        continue
                    }
                    var width = 1
                    var isSpace = false
                    switch b {
                    case 9, 10, 11, 12, 13, 32:
                        isSpace = true
                    case 0xC2 where i + 1 < n:
                        width = 2
                        isSpace = input[i + 1] == 0x85 || input[i + 1] == 0xA0
                    case 0xE2 where i + 2 < n:
                        width = 3
                        let (b2, b3) = (input[i + 1], input[i + 2])
                        isSpace = (b2 == 0x80 && ((0x80...0x8A).contains(b3) || b3 == 0xA8 || b3 == 0xA9 || b3 == 0xAF))
                            || (b2 == 0x81 && b3 == 0x9F)
                    case 0xE3 where i + 2 < n:
                        width = 3
                        isSpace = input[i + 1] == 0x80 && input[i + 2] == 0x80
                    default:
                        break
                    }
                    if isSpace {
                        pendingSpace = count > 0
                    } else {
                        // Never more bytes out than in: a pending space replaces at least one whitespace byte.
                        if pendingSpace { out[count] = 32; count += 1 }
                        pendingSpace = false
                        for k in i..<Swift.min(i + width, n) { out[count] = input[k]; count += 1 }
                    }
                    i += width
                }
                return count
            }
        }
    }
}
