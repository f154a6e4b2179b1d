/// An arXiv identifier, normalised: new style `2203.05482` (or `0704.0001`), old style `hep-th/9901001`,
/// with an optional version.
///
/// Accepts the forms people paste: `arXiv:2203.05482v2`, `https://arxiv.org/abs/2203.05482`,
/// `arxiv.org/pdf/2203.05482v2.pdf`, `math.GT/0309136` (the subject class is dropped, as arXiv does).
public struct ArxivID: Hashable, Sendable, CustomStringConvertible {
    /// The identifier without version, e.g. `2203.05482` or `hep-th/9901001`.
    public let base: String
    /// The version number (≥ 1) when one was given.
    public let version: Int?

    /// The identifier with its version when known, e.g. `2203.05482v2`.
    public var description: String { version.map { "\(base)v\($0)" } ?? base }

    /// The identifier without a version.
    public var unversioned: ArxivID { ArxivID(validBase: base, version: nil) }

    /// `https://arxiv.org/abs/…` for this id (with version when known).
    public var absURL: String { "https://arxiv.org/abs/\(description)" }
    /// `https://arxiv.org/pdf/…` for this id (with version when known).
    public var pdfURL: String { "https://arxiv.org/pdf/\(description)" }

    private init(validBase: String, version: Int?) {
        self.base = validBase
        self.version = version
    }

    /// Creates an id from an already-normalised base and version; `nil` if `base` is not a valid arXiv id.
    public init?(base: String, version: Int?) {
        guard let parsed = ArxivID(base), parsed.version == nil, version.map({ $0 >= 1 }) ?? true else { return nil }
        self.init(validBase: parsed.base, version: version)
    }

    /// Parses any accepted spelling; `nil` when the text is not an arXiv identifier.
    public init?(_ input: some StringProtocol) {
        var s = Substring(input.trimmingWhitespace())
        // Most ids arrive bare (`2203.05482`): skip the URL and prefix handling for them.
        if let first = s.utf8.first, first >= 48, first <= 57, let base = ArxivID.newStyle(s) {
            self.init(validBase: base, version: nil)
            return
        }
        for prefix in ["https://", "http://"] where s.lowercased().hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
        }
        for host in ["www.arxiv.org/", "export.arxiv.org/", "arxiv.org/"] where s.lowercased().hasPrefix(host) {
            s = s.dropFirst(host.count)
            var matched = false
            for path in ["abs/", "pdf/", "html/", "format/"] where s.hasPrefix(path) {
                s = s.dropFirst(path.count)
                matched = true
            }
            guard matched else { return nil }
            while s.hasSuffix("/") { s = s.dropLast() }
            if s.lowercased().hasSuffix(".pdf") { s = s.dropLast(4) }
            break
        }
        if s.lowercased().hasPrefix("arxiv:") { s = s.dropFirst(6) }
        // Split off a version suffix `vN`.
        var version: Int?
        if let v = s.lastIndex(of: "v"), v > s.startIndex {
            let digits = s[s.index(after: v)...]
            if !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCIIDigit), let n = Int(digits), n >= 1,
               s[s.index(before: v)].isASCIIDigit {
                version = n
                s = s[..<v]
            }
        }
        if let base = ArxivID.newStyle(s) ?? ArxivID.oldStyle(s) {
            self.init(validBase: base, version: version)
        } else {
            return nil
        }
    }

    /// `YYMM.NNNN` (2007–2014) or `YYMM.NNNNN` (2015 on), month 01–12.
    private static func newStyle(_ s: Substring) -> String? {
        // Bytes, not Characters: every harvested and imported record goes through here.
        let u = s.utf8
        let n = u.count
        guard n == 9 || n == 10 else { return nil }
        var yymm = 0
        for (k, b) in u.enumerated() {
            if k == 4 {
                guard b == UInt8(ascii: ".") else { return nil }
            } else {
                guard b >= 48, b <= 57 else { return nil }
                if k < 4 { yymm = yymm * 10 + Int(b - 48) }
            }
        }
        guard (1...12).contains(yymm % 100) else { return nil }
        let year = yymm / 100
        // New-style ids began in April 2007 (0704); five digits from January 2015 (1501).
        guard yymm >= 704 || year < 7 else { return nil }
        if n == 10, yymm < 1501 { return nil }
        if n == 9, yymm >= 1501 { return nil }
        return String(s)
    }

    /// `archive(.SUBJ)?/YYMMNNN`, e.g. `hep-th/9901001`, `math.GT/0309136` → `math/0309136`.
    private static func oldStyle(_ s: Substring) -> String? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 7, parts[1].allSatisfy(\.isASCIIDigit),
              let month = Int(parts[1].dropFirst(2).prefix(2)), (1...12).contains(month) else { return nil }
        let archiveAndClass = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let archive = archiveAndClass[0].lowercased()
        guard !archive.isEmpty, archive.count <= 16,
              archive.allSatisfy({ ($0.isASCII && $0.isLetter) || $0 == "-" }),
              archive.first != "-", archive.last != "-" else { return nil }
        if archiveAndClass.count == 2 {
            let subject = archiveAndClass[1]
            guard !subject.isEmpty, subject.count <= 8, subject.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        }
        return "\(archive)/\(parts[1])"
    }
}

extension Character {
    /// `0`–`9` only (not other Unicode digits).
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines.
    public func trimmingWhitespace() -> SubSequence {
        var s = self[...]
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}
