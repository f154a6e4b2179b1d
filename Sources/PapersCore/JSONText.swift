/// Minimal JSON writing for the few stored columns that hold lists (authors, versions, links):
/// a hand-written encoder because Foundation's JSONEncoder cost 8% of import time.
public enum JSONText {
    /// `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func string(_ s: String) -> String {
        var out: [UInt8] = []
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal to UTF-8 bytes.
    static func append(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    /// A JSON array of strings.
    public static func array(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ",") + "]"
    }

    /// `[{"affiliations":[…],"name":"…"}]`, keys sorted as JSONEncoder with `.sortedKeys` writes them.
    public static func authors(_ authors: [Author]) -> String {
        var out: [UInt8] = [0x5B]
        for (i, author) in authors.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: Array(#"{"affiliations":["#.utf8))
            for (k, affiliation) in author.affiliations.enumerated() {
                if k > 0 { out.append(0x2C) }
                append(affiliation, to: &out)
            }
            out.append(contentsOf: Array(#"],"name":"#.utf8))
            append(author.name, to: &out)
            out.append(0x7D)
        }
        out.append(0x5D)
        return String(decoding: out, as: UTF8.self)
    }

    /// `[{"submitted":"YYYY-MM-DD","version":N}]`.
    public static func versions(_ versions: [PaperVersion]) -> String {
        "[" + versions.map { "{\"submitted\":\"\($0.submitted)\",\"version\":\($0.version)}" }.joined(separator: ",") + "]"
    }
}
