/// Links to a paper's code: GitHub and GitLab repositories named in its abstract, comments or links.
public enum CodeLinks {
    /// Hosts recognised as code hosting.
    static let hosts = ["github.com", "gitlab.com"]

    /// `https://HOST/OWNER/REPO` for every repository mentioned in `texts`, in order of first mention, without
    /// duplicates (case-insensitive); trailing punctuation, `.git` and deeper paths are dropped.
    public static func find(in texts: [String]) -> [String] {
        var found: [String] = []
        var seen: Set<String> = []
        for text in texts {
            let bytes = Array(text.utf8)
            for host in hosts {
                let needle = Array(host.utf8)
                var i = 0
                while let at = firstIndex(of: needle, in: bytes, from: i) {
                    i = at + needle.count
                    // The host must start a word or follow `//` or `www.`, not end another domain.
                    if at > 0, isNameByte(bytes[at - 1]) { continue }
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "/") else { continue }
                    var parts: [String] = []
                    var j = i + 1
                    while parts.count < 2 {
                        var k = j
                        while k < bytes.count, isPathByte(bytes[k]) { k += 1 }
                        var part = String(decoding: bytes[j..<k], as: UTF8.self)
                        while let last = part.last, ".,;:)]}'\"".contains(last) { part.removeLast() }
                        if parts.count == 1, part.lowercased().hasSuffix(".git") { part.removeLast(4) }
                        guard !part.isEmpty else { break }
                        parts.append(part)
                        guard k < bytes.count, bytes[k] == UInt8(ascii: "/"), parts.count < 2 else { break }
                        j = k + 1
                    }
                    guard parts.count == 2 else { continue }
                    let url = "https://\(host)/\(parts[0])/\(parts[1])"
                    if seen.insert(url.lowercased()).inserted { found.append(url) }
                }
            }
        }
        return found
    }

    /// The code links of a paper: its links first, then what its abstract and comments mention.
    public static func of(_ paper: Paper) -> [String] {
        find(in: paper.links + [paper.abstract, paper.comments ?? ""])
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "-")
    }

    /// Characters of an owner or repository name (GitHub: letters, digits, `-`, `_`, `.`).
    private static func isPathByte(_ b: UInt8) -> Bool {
        isNameByte(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var i = start
        while i + needle.count <= bytes.count {
            if bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
