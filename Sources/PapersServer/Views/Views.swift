import Hummingbird
import Mustache
import PapersCore

/// Renders page view-models through the Mustache templates; every `{{value}}` is HTML-escaped.
struct Views: Sendable {
    let library: MustacheLibrary
    let siteName: String

    init(siteName: String) throws {
        var library = MustacheLibrary()
        for (name, source) in Templates.all {
            try library.register(source, named: name)
        }
        self.library = library
        self.siteName = siteName
    }

    /// Renders `model` with `template` into a response with `status`.
    func page(_ template: String, _ model: some PageModel, status: HTTPResponse.Status = .ok) -> HTMLPage {
        let layout = Layout(siteName: siteName, pageTitle: model.pageTitle, query: model.searchText)
        let html = library.render(PageContext(layout: layout, page: model), withTemplate: template) ?? ""
        return HTMLPage(html: html, status: status)
    }
}

/// What every page model offers the layout.
protocol PageModel: Sendable {
    /// The `<title>` (before the site name).
    var pageTitle: String { get }
    /// Text to pre-fill in the header's search box.
    var searchText: String { get }
}

extension PageModel {
    var searchText: String { "" }
}

struct Layout: Sendable {
    var siteName: String
    var pageTitle: String
    var query: String
}

/// The root context: `{{layout.…}}` for the frame, `{{page.…}}` for the page.
struct PageContext<Model: PageModel>: Sendable {
    var layout: Layout
    var page: Model
}

/// An HTML response.
struct HTMLPage: ResponseGenerator {
    var html: String
    var status: HTTPResponse.Status = .ok

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status,
                 headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// HTML escaping for the few places that build markup in Swift (snippets with highlights).
enum HTMLEscaping {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A snippet with highlight markers as escaped HTML with `<mark>` around matched words.
    static func highlighted(_ snippet: String) -> String {
        escape(snippet)
            .replacingOccurrences(of: String(SearchHit.highlightStart), with: "<mark>")
            .replacingOccurrences(of: String(SearchHit.highlightEnd), with: "</mark>")
    }

    /// The snippet as plain text, markers removed.
    static func plain(_ snippet: String) -> String {
        snippet.filter { $0 != SearchHit.highlightStart && $0 != SearchHit.highlightEnd }
    }
}
