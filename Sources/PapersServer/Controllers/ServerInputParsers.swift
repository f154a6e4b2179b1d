import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import PapersCore

/// The server's parsers of what clients send — form bodies, query strings, return paths, typed ids — run without a
/// socket, for the fuzz harnesses (`PapersFuzzing`). Each checks the invariants the rest of the server relies on and
/// stops the process (a finding) when one breaks.
package enum ServerInputParsers {
    /// A URL-encoded form body: parsed, every field read.
    package static func form(_ body: String) {
        let form = FormFields(parsing: body)
        for name in form.values.keys {
            _ = form[name]
            _ = form.raw(name)
        }
        // Where a form may send the browser back: a path on this site, never another site.
        let target = ReturnPath.sanitized(form["return"])
        precondition(target.hasPrefix("/") && !target.hasPrefix("//") && !target.hasPrefix("/\\") && !target.contains("\n"),
                     "return path escaped the site: \(target)")
        for name in ["id", "paper", "parent"] { _ = form[name].flatMap { PaperID($0) }; _ = form[name].flatMap { CommentID($0) } }
    }

    /// A request target (`/search?q=…&from=…`): the query read the way every page reads it.
    package static func query(_ target: String) {
        let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: target),
                              body: RequestBody(buffer: ByteBuffer()))
        let parameters = QueryParameters(request: request)
        _ = try? parameters.filters()
        _ = try? parameters.int("page", default: 1, range: 1...10_000)
        _ = try? parameters.mode("mode", default: .hybrid)
        _ = try? parameters.day("date")
        _ = try? parameters.author("author")
        _ = ReturnPath.of(request)
        if let q = parameters.string("q") { _ = KeywordQuery(parsing: String(q.prefix(KeywordQuery.maximumLength))) }
    }
}
