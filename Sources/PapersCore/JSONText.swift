/// Minimal JSON writing for the few stored columns that hold lists (authors, versions, links):
/// a hand-written encoder because Foundation's JSONEncoder cost 8% of import time.
public enum JSONText {
    /// `s` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func string(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A JSON array of strings.
    public static func array(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ",") + "]"
    }

    /// `[{"affiliations":[…],"name":"…"}]`, keys sorted as JSONEncoder with `.sortedKeys` writes them.
    public static func authors(_ authors: [Author]) -> String {
        "[" + authors.map { "{\"affiliations\":\(array($0.affiliations)),\"name\":\(string($0.name))}" }.joined(separator: ",") + "]"
    }

    /// `[{"submitted":"YYYY-MM-DD","version":N}]`.
    public static func versions(_ versions: [PaperVersion]) -> String {
        "[" + versions.map { "{\"submitted\":\"\($0.submitted)\",\"version\":\($0.version)}" }.joined(separator: ",") + "]"
    }
}
