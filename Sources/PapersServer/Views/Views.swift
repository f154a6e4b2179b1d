import Foundation
import Hummingbird
import Mustache
import PapersCore

/// Renders page view-models through the Mustache templates; every `{{value}}` is HTML-escaped.
struct Views: Sendable {
    let library: MustacheLibrary
    let siteName: String

    init(siteName: String) throws {
        var library = MustacheLibrary()
        for name in TemplateName.allCases {
            try library.register(Templates.source(of: name), named: name.rawValue)
        }
        self.library = library
        self.siteName = siteName
    }

    /// Renders `model` with `template` into a response with `status`, for nobody in particular (error pages).
    func page(_ template: TemplateName, _ model: some PageModel, status: HTTPResponse.Status = .ok) throws -> HTMLPage {
        try render(template, model, layout: Layout(siteName: siteName, pageTitle: model.pageTitle, query: model.searchText), status: status)
    }

    /// Renders `model` with `template` for the person asking: their name, log-out and upvote forms with their CSRF
    /// token, and the page's own address for forms that come back to it.
    func page(_ template: TemplateName, _ model: some PageModel, request: Request, context: AppRequestContext,
              status: HTTPResponse.Status = .ok) throws -> HTMLPage {
        var layout = Layout(siteName: siteName, pageTitle: model.pageTitle, query: model.searchText)
        layout.isLoggedIn = context.viewer != nil
        layout.viewerName = context.viewer?.name ?? ""
        layout.csrf = context.csrfToken
        layout.path = ReturnPath.of(request)
        return try render(template, model, layout: layout, status: status)
    }

    /// Throws instead of answering an empty page when the library has no such template (it registers every
    /// ``TemplateName``, so only a broken library can).
    private func render(_ template: TemplateName, _ model: some PageModel, layout: Layout, status: HTTPResponse.Status) throws -> HTMLPage {
        guard let html = library.render(PageContext(layout: layout, page: model), withTemplate: template.rawValue) else {
            throw TemplateError.missing(template.rawValue)
        }
        return HTMLPage(html: html, status: status)
    }
}

/// A template the library cannot render.
enum TemplateError: Error, CustomStringConvertible {
    /// No template of this name is registered.
    case missing(String)

    var description: String {
        switch self {
        case .missing(let name): return "no template named \"\(name)\""
        }
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

/// Lets templates read computed properties: Mustache finds stored properties through `Mirror`, which does not
/// see computed ones, so a model lists those here.
protocol MustacheComputed: MustacheParent {
    /// Values of the computed properties templates use, by name.
    var computedValues: [String: Any] { get }
}

extension MustacheComputed {
    func child(named name: String) -> Any? {
        if let value = computedValues[name] { return value }
        guard let value = Mirror(reflecting: self).children.first(where: { $0.label == name })?.value else { return nil }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

struct Layout: Sendable, MustacheComputed {
    var computedValues: [String: Any] { ["loginURL": loginURL] }
    var siteName: String
    var pageTitle: String
    var query: String
    var isLoggedIn = false
    var viewerName = ""
    /// The CSRF token every form on the page carries.
    var csrf = ""
    /// This page's path and query, where forms return to.
    var path = "/"
    /// `/login?return=…` for this page.
    var loginURL: String { ReturnPath.loginURL(returningTo: path) }

    /// Fields by name without `Mirror` (every paper card reads `layout.csrf` and `layout.path`).
    func child(named name: String) -> Any? {
        switch name {
        case "siteName": return siteName
        case "pageTitle": return pageTitle
        case "query": return query
        case "isLoggedIn": return isLoggedIn
        case "viewerName": return viewerName
        case "csrf": return csrf
        case "path": return path
        case "loginURL": return loginURL
        default: return nil
        }
    }
}

/// Where to send someone back to after a form: only a local path, never another site.
enum ReturnPath {
    /// The request's path and query.
    static func of(_ request: Request) -> String {
        let path = request.uri.path
        guard let query = request.uri.query, !query.isEmpty else { return path }
        return path + "?" + query
    }

    /// The log-in page, sending the person back to `path` afterwards.
    static func loginURL(returningTo path: String) -> String {
        SiteURL.login(returningTo: path).path
    }

    /// `candidate` when it is a path on this site (`/…` but not `//…` or `/\…`), else `fallback`.
    static func sanitized(_ candidate: String?, fallback: String = "/") -> String {
        guard let c = candidate, c.hasPrefix("/"), !c.hasPrefix("//"), !c.hasPrefix("/\\"),
              !c.contains(where: { $0.isNewline || $0 == "\\" }) else { return fallback }
        return c
    }
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
