import CCmarkGFM
import Foundation
import PapersCore

/// A comment's Markdown turned into HTML that is safe to put on a page, and the people it mentions.
public struct RenderedMarkdown: Hashable, Sendable {
    /// The HTML: no raw HTML from the author, no script-bearing links, every text escaped.
    public var html: String
    /// The account names written as `@name` outside code and links, in order of first mention, without repeats.
    public var mentions: [String]
}

/// Markdown as people write it on GitHub (CommonMark with tables, strikethrough, autolinks and task lists), rendered
/// by GitHub's own library, cmark-gfm, in its safe mode: raw HTML is dropped and only `http`, `https` and `mailto`
/// links and relative paths survive (cmark already removes `javascript:`, `vbscript:` and `file:`; the allow-list
/// also removes `data:` and anything new). Math written as `$…$` or `$$…$$` is kept as TeX between `\(…\)` /
/// `\[…\]` — readable as it is, and typeset by KaTeX on the page — and Markdown never touches what is inside it.
public enum CommentMarkdown {
    /// Longest comment accepted, in characters.
    public static let maximumLength = 10_000

    /// Renders `source`; `@name` mentions link to `profileURL(name)`.
    public static func render(_ source: String, profileURL: (String) -> String) -> RenderedMarkdown {
        Extensions.registered.ensure()
        let options = CMARK_OPT_DEFAULT | CMARK_OPT_HARDBREAKS | CMARK_OPT_VALIDATE_UTF8
        guard let parser = cmark_parser_new(options) else { return RenderedMarkdown(html: "", mentions: []) }
        defer { cmark_parser_free(parser) }
        for name in ["autolink", "strikethrough", "table", "tagfilter", "tasklist"] {
            if let extensionPointer = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, extensionPointer) }
        }
        let protected = MathSpans.protect(source)
        protected.withCString { cmark_parser_feed(parser, $0, strlen($0)) }
        guard let document = cmark_parser_finish(parser) else { return RenderedMarkdown(html: "", mentions: []) }
        defer { cmark_node_free(document) }
        let mentions = rewrite(document, profileURL: profileURL)
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else {
            return RenderedMarkdown(html: "", mentions: mentions)
        }
        defer { free(rendered) }
        // Every `<` the author wrote is escaped by now, so these tags can only be the renderer's own.
        let html = String(cString: rendered)
            .replacingOccurrences(of: "<a href=\"", with: "<a rel=\"nofollow ugc noopener\" href=\"")
            .replacingOccurrences(of: "<img src=\"", with: "<img loading=\"lazy\" referrerpolicy=\"no-referrer\" src=\"")
        return RenderedMarkdown(html: html, mentions: mentions)
    }

    /// The `@name` mentions of `source` (as ``render(_:profileURL:)`` finds them).
    public static func mentions(in source: String) -> [String] {
        render(source, profileURL: { _ in "" }).mentions
    }

    /// Whether a link or image address may stay: web and mail addresses, and paths on this site.
    static func isAllowedURL(_ url: String) -> Bool {
        let lowered = url.trimmingCharacters(in: .whitespaces).lowercased()
        if lowered.isEmpty || lowered.hasPrefix("#") { return true }
        if lowered.hasPrefix("/") { return !lowered.hasPrefix("//") && !lowered.hasPrefix("/\\") }
        return lowered.hasPrefix("https://") || lowered.hasPrefix("http://") || lowered.hasPrefix("mailto:")
    }

    /// Blanks disallowed link and image addresses and turns `@name` in text into profile links; returns the names.
    private static func rewrite(_ document: OpaquePointer, profileURL: (String) -> String) -> [String] {
        var texts: [OpaquePointer] = []
        guard let iterator = cmark_iter_new(document) else { return [] }
        var insideLink = 0
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard let node = cmark_iter_get_node(iterator) else { continue }
            let type = cmark_node_get_type(node)
            if type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE {
                if event == CMARK_EVENT_ENTER {
                    insideLink += 1
                    let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
                    if !isAllowedURL(url) { cmark_node_set_url(node, "") }
                } else {
                    insideLink -= 1
                }
            } else if type == CMARK_NODE_TEXT, insideLink == 0, event == CMARK_EVENT_ENTER {
                texts.append(node)
            }
        }
        cmark_iter_free(iterator)
        var mentions: [String] = []
        for node in texts {
            let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
            let pieces = Mentions.split(literal)
            guard pieces.contains(where: { $0.mention != nil }) else { continue }
            for piece in pieces {
                let inserted: OpaquePointer?
                if let name = piece.mention {
                    if !mentions.contains(where: { $0.lowercased() == name.lowercased() }) { mentions.append(name) }
                    inserted = cmark_node_new(CMARK_NODE_LINK)
                    cmark_node_set_url(inserted, profileURL(name))
                    let label = cmark_node_new(CMARK_NODE_TEXT)
                    cmark_node_set_literal(label, piece.text)
                    cmark_node_append_child(inserted, label)
                } else {
                    inserted = cmark_node_new(CMARK_NODE_TEXT)
                    cmark_node_set_literal(inserted, piece.text)
                }
                if let inserted { cmark_node_insert_before(node, inserted) }
            }
            cmark_node_free(node)
        }
        return mentions
    }

    /// cmark-gfm's extensions are registered once per process.
    private final class Extensions: Sendable {
        static let registered = Extensions()
        private init() { cmark_gfm_core_extensions_ensure_registered() }
        func ensure() {}
    }
}

/// `@name` in running text.
enum Mentions {
    /// `text` cut into plain runs and mentions (`@` after a start, space or punctuation other than `/`, `.`, `@`,
    /// then a valid account name).
    static func split(_ text: String) -> [(text: String, mention: String?)] {
        let characters = Array(text)
        var pieces: [(text: String, mention: String?)] = []
        var plain = ""
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if c == "@", i == 0 || !isNameCharacter(characters[i - 1]) && !"/.@".contains(characters[i - 1]) {
                var j = i + 1
                while j < characters.count, isNameCharacter(characters[j]) { j += 1 }
                var name = String(characters[(i + 1)..<j])
                // A sentence's last hyphen or underscore is punctuation, not part of the name.
                while let last = name.last, last == "-" || last == "_" { name.removeLast() }
                if AccountRules.validateName(name) == nil {
                    if !plain.isEmpty { pieces.append((plain, nil)); plain = "" }
                    pieces.append(("@" + name, name))
                    i += 1 + name.count
                    continue
                }
            }
            plain.append(c)
            i += 1
        }
        if !plain.isEmpty { pieces.append((plain, nil)) }
        return pieces
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
    }
}

/// Finds TeX between dollars and hides it from Markdown: `$x_1$` becomes `\\(x\_1\\)` in the source, which cmark
/// renders back as the text `\(x_1\)`.
enum MathSpans {
    /// `source` with its math spans protected; code spans and fenced code blocks are left as they are.
    static func protect(_ source: String) -> String {
        let s = Array(source)
        var out = ""
        out.reserveCapacity(source.utf8.count + 16)
        var i = 0
        var inFence: String? = nil
        var lineStart = true
        while i < s.count {
            if lineStart {
                // A fenced code block: copied line by line until its closing fence.
                var j = i
                while j < s.count, s[j] == " ", j - i < 4 { j += 1 }
                let fenceCharacter = j < s.count ? s[j] : " "
                if fenceCharacter == "`" || fenceCharacter == "~" {
                    var k = j
                    while k < s.count, s[k] == fenceCharacter { k += 1 }
                    let run = String(s[j..<k])
                    if run.count >= 3 {
                        if let fence = inFence {
                            if run.hasPrefix(fence), fence.first == fenceCharacter { inFence = nil }
                        } else {
                            inFence = run
                        }
                    }
                }
            }
            if inFence != nil {
                let c = s[i]
                out.append(c)
                lineStart = c == "\n"
                i += 1
                continue
            }
            let c = s[i]
            lineStart = false
            switch c {
            case "\n":
                out.append(c)
                lineStart = true
                i += 1
            case "\\":
                out.append(c)
                if i + 1 < s.count { out.append(s[i + 1]) }
                i += 2
            case "`":
                var k = i
                while k < s.count, s[k] == "`" { k += 1 }
                let run = k - i
                if let close = closingBackticks(s, from: k, count: run) {
                    out.append(contentsOf: String(s[i..<(close + run)]))
                    i = close + run
                } else {
                    out.append(contentsOf: String(s[i..<k]))
                    i = k
                }
            case "$":
                if let (tex, end, display) = mathSpan(s, at: i) {
                    out.append(display ? "\\\\[" : "\\\\(")
                    out.append(escapedForMarkdown(tex))
                    out.append(display ? "\\\\]" : "\\\\)")
                    i = end
                } else {
                    out.append(c)
                    i += 1
                }
            default:
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// Where a run of `count` backticks closes a code span opened before `from`, if it does.
    private static func closingBackticks(_ s: [Character], from: Int, count: Int) -> Int? {
        var i = from
        while i < s.count {
            if s[i] == "`" {
                var k = i
                while k < s.count, s[k] == "`" { k += 1 }
                if k - i == count { return i }
                i = k
            } else {
                i += 1
            }
        }
        return nil
    }

    /// The math span starting at `s[i]` (a `$`): its TeX, the index after it, and whether it is display math.
    /// Inline math follows Pandoc's rule, so prices stay prices: no space after the opening `$`, none before the
    /// closing one, and no digit right after it. Neither kind crosses a blank line.
    private static func mathSpan(_ s: [Character], at i: Int) -> (String, Int, Bool)? {
        let display = i + 1 < s.count && s[i + 1] == "$"
        let start = i + (display ? 2 : 1)
        guard start < s.count, !s[start].isWhitespace || display else { return nil }
        var j = start
        while j < s.count {
            if s[j] == "\\" { j += 2; continue }
            if s[j] == "\n", j + 1 < s.count, s[j + 1] == "\n" { return nil }
            if s[j] == "$" {
                if display {
                    guard j + 1 < s.count, s[j + 1] == "$" else { return nil }
                    let tex = String(s[start..<j])
                    return tex.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : (tex, j + 2, true)
                }
                guard j > start, !s[j - 1].isWhitespace, j + 1 >= s.count || !s[j + 1].isNumber else { return nil }
                return (String(s[start..<j]), j + 1, false)
            }
            j += 1
        }
        return nil
    }

    /// Every ASCII punctuation character backslash-escaped: CommonMark then reads each as itself.
    static func escapedForMarkdown(_ tex: String) -> String {
        var out = ""
        for c in tex {
            if c.isASCII, c.isPunctuation || c.isSymbol { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
