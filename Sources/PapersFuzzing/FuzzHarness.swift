import Foundation
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersMail
import PapersMarkdown
import PapersServer
import PapersTestSupport

/// One fuzz harness per parser of outside input. Each takes arbitrary bytes, must not crash, hang or leak on any of
/// them, and checks what the rest of Papers relies on (a finding stops the process: libFuzzer keeps the input).
public enum FuzzHarness: String, CaseIterable, Sendable {
    /// JSON-lines records in every format `papers import` reads.
    case records
    /// OAI-PMH pages through the streaming parser, fed in two pieces.
    case oaiPMH = "oai-pmh"
    /// The search box's query syntax (phrases, exclusions, prefixes).
    case query
    /// Form bodies, query strings and return paths as the server reads them.
    case form
    /// A safetensors file's header and tensor table.
    case safetensors
    /// SMTP reply lines.
    case smtp
    /// BibTeX and RIS libraries (For-you seeds).
    case library
    /// Comment Markdown: rendered output must carry no live markup; BibTeX export must keep its braces balanced.
    case markdown

    /// Runs the harness on `data`.
    public func run(_ data: Data) {
        switch self {
        case .records:
            for format in RecordFormat.allCases where format != .hfDaily {
                _ = try? RecordDecoder(format: format).decode(data)
            }
        case .oaiPMH:
            let parser = OAIPMHStreamParser(contentType: "text/xml")
            let cut = data.isEmpty ? 0 : Int(data[data.startIndex]) % (data.count + 1)
            data.withUnsafeBytes { bytes in
                _ = try? parser.feed(UnsafeRawBufferPointer(rebasing: bytes[..<cut]))
                _ = try? parser.feed(UnsafeRawBufferPointer(rebasing: bytes[cut...]))
            }
            _ = try? parser.finish()
        case .query:
            let text = String(decoding: data.prefix(4 * KeywordQuery.maximumLength), as: UTF8.self)
            let query = KeywordQuery(parsing: text)
            _ = KeywordQuery.tokens(in: text)
            _ = TextAnalyzer().terms(text)
            for clause in query.included + query.excluded { _ = clause }
        case .form:
            let text = String(decoding: data, as: UTF8.self)
            ServerInputParsers.form(text)
            ServerInputParsers.query(SiteRoute.search.rawValue + "?" + text)
        case .safetensors:
            let path = NSTemporaryDirectory() + "papers-fuzz-\(getpid()).safetensors"
            _ = FileManager.default.createFile(atPath: path, contents: data)
            defer { try? FileManager.default.removeItem(atPath: path) }
            if let file = try? SafeTensorsFile(path: path) {
                for name in file.tensors.keys { _ = try? file.bytes(of: name) }
            }
        case .smtp:
            for line in data.split(separator: 10, omittingEmptySubsequences: false) {
                if let (code, _, _) = try? SMTPReplyLine.parse(Array(line)) { precondition((0...999).contains(code)) }
            }
        case .library:
            _ = LibraryImport.entries(String(decoding: data, as: UTF8.self))
        case .markdown:
            let text = String(decoding: data.prefix(CommentMarkdown.maximumLength * 2), as: UTF8.self)
            let rendered = CommentMarkdown.render(text, profileURL: { SiteURL.profile(name: $0).path })
            let problems = MarkupInertness.problems(in: rendered.html)
            precondition(problems.isEmpty, "live markup from Markdown: \(problems) in \(rendered.html.prefix(300))")
            for name in rendered.mentions { precondition(AccountRules.validateName(name) == nil, "mention \(name) is no account name") }
            let paper = Paper(id: PaperID("2511.10001")!, title: text, abstract: text, authors: [Author(name: text)])
            let bibtex = PaperExport.bibtex(paper)
            // BibTeX counts every brace, escaped or not; and a field must not end in a backslash, which would make
            // LaTeX read its closing brace as text.
            var depth = 0
            for c in bibtex.unicodeScalars {
                if c == "{" { depth += 1 } else if c == "}" { depth -= 1 }
                precondition(depth >= 0, "a BibTeX field closed early: \(bibtex.prefix(300))")
            }
            precondition(depth == 0, "unbalanced BibTeX: \(bibtex.prefix(300))")
            precondition(!bibtex.contains("\\},\n") && !bibtex.contains("\\}\n"), "a field ends in a backslash: \(bibtex.prefix(300))")
        }
    }
}
