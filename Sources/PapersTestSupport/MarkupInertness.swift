import PapersCore

/// Finds markup in rendered HTML that could run script: a tag that is not on the page's own list, an event-handler
/// attribute, or a link, image or form address with a script-bearing scheme. Text (already escaped) is ignored,
/// so `&lt;script&gt;` in a comment is fine and `<script>` is not.
public enum MarkupInertness {
    /// Tags that never come from escaped user content on our pages.
    public static let dangerousTags: Set<String> = ["script", "iframe", "object", "embed", "svg", "math", "style",
                                                     "base", "meta", "link", "frame", "frameset", "applet", "template"]

    /// The tags of Papers' own pages that ``dangerousTags`` would name: its scripts, style sheets and meta tags.
    public static let pageTags = ["<script src=\"" + SiteRoute.staticPrefix, "<link rel=\"stylesheet\" href=\"" + SiteRoute.staticPrefix,
                                  "<meta charset=", "<meta name=\"viewport\""]


    /// Known ways of getting script into Markdown renderers; none may survive as markup.
    public static let payloads: [String] = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\nscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![x](javascript:alert(1))",
        "![x\" onerror=\"alert(1)](https://e.org/a.png)",
        "[x](https://e.org/\" onmouseover=\"alert(1))",
        "[x]: javascript:alert(1)\n\n[x]",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<details open ontoggle=alert(1)>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "\"><script>alert(1)</script>",
        "'><img src=x onerror=alert(1)>",
        "$</span><script>alert(1)</script>$",
        "$$\"><img src=x onerror=alert(1)>$$",
        "@\"><script>alert(1)</script>",
        "<style>body{display:none}</style>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "[a](vbscript:msgbox(1))",
        "<https://e.org/\"onmouseover=\"alert(1)>",
        "www.example.org/\"onmouseover=\"alert(1)",
    ]

    /// Problems in `html`, each naming the tag; `allowedTags` are tags the page itself writes (its own scripts).
    /// Reads Unicode scalars, as a browser's tokenizer does: a combining mark after `<` or `>` must not hide it.
    public static func problems(in html: String, allowing allowedTags: [String] = []) -> [String] {
        var problems: [String] = []
        let scalars = Array(html.unicodeScalars)
        var i = 0
        func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }
        while let open = scalars[i...].firstIndex(of: "<") {
            i = open + 1
            if text(i..<min(i + 3, scalars.count)) == "!--" {
                guard let end = text(i..<scalars.count).range(of: "-->") else { break }
                i += text(i..<scalars.count)[..<end.upperBound].unicodeScalars.count
                continue
            }
            guard let close = scalars[i...].firstIndex(of: ">") else { break }
            let tag = text(i..<close)
            i = close + 1
            let name = tag.unicodeScalars.prefix { $0 != " " && $0 != "\n" && $0 != "\t" && ($0 != "/" || tag.hasPrefix("/")) }
                .map(Character.init).map(String.init).joined().lowercased()
            if name.hasPrefix("/") || name.hasPrefix("!") { continue }
            let whole = "<" + tag + ">"
            if dangerousTags.contains(name), !allowedTags.contains(where: { whole.hasPrefix($0) }) {
                problems.append("tag \(whole)")
            }
            for (attribute, value) in attributes(of: Substring(String(tag.unicodeScalars.dropFirst(name.unicodeScalars.count)))) {
                if attribute.hasPrefix("on") { problems.append("event handler \(attribute) in \(whole)") }
                if ["href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"].contains(attribute) {
                    let address = value.filter { !$0.isWhitespace && $0 != "\0" }.lowercased()
                    for scheme in ["javascript:", "vbscript:", "data:"] where address.hasPrefix(scheme) {
                        problems.append("\(scheme) address in \(whole)")
                    }
                }
            }
        }
        return problems
    }

    /// Attribute names (lowercased) and values (entities for `:` decoded) of a tag's inside.
    static func attributes(of inside: Substring) -> [(String, String)] {
        var result: [(String, String)] = []
        var s = inside
        while true {
            s = s.drop { $0.isWhitespace || $0 == "/" }
            guard !s.isEmpty else { break }
            let name = s.prefix { !$0.isWhitespace && $0 != "=" && $0 != "/" }
            s = s.dropFirst(name.count)
            var value = ""
            if s.first == "=" {
                s = s.dropFirst()
                if let quote = s.first, quote == "\"" || quote == "'" {
                    s = s.dropFirst()
                    value = String(s.prefix { $0 != quote })
                    s = s.dropFirst(value.count + 1)
                } else {
                    value = String(s.prefix { !$0.isWhitespace })
                    s = s.dropFirst(value.count)
                }
            }
            if name.isEmpty { s = s.dropFirst(); continue }
            let decoded = value.replacingOccurrences(of: "&#58;", with: ":").replacingOccurrences(of: "&colon;", with: ":")
                .replacingOccurrences(of: "&#x3a;", with: ":").replacingOccurrences(of: "&#x3A;", with: ":")
            result.append((name.lowercased(), decoded))
        }
        return result
    }
}
