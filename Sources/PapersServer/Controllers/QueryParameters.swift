import Hummingbird
import PapersCore
import PapersSearch

/// Typed access to query parameters; every failure is a 400 naming the parameter and the reason.
///
/// Parsed as HTML forms send them (`+` is a space, `%2B` a plus), which Hummingbird's `queryParameters` does not do:
/// a search typed into a GET form arrives as `q=protein+diffusion`.
struct QueryParameters {
    let request: Request
    let fields: FormFields

    init(request: Request) {
        self.request = request
        fields = FormFields(parsing: request.uri.query ?? "")
    }

    func string(_ name: String) -> String? { fields[name] }

    func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw HTTPError(.badRequest, message: "parameter \(name): expected an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text.prefix(40))\"")
        }
        return value
    }

    func day(_ name: String) throws -> Day? {
        guard let text = string(name) else { return nil }
        guard let day = Day(text) else {
            throw HTTPError(.badRequest, message: "parameter \(name): expected a date YYYY-MM-DD, got \"\(text.prefix(40))\"")
        }
        return day
    }

    func category(_ name: String) throws -> String? {
        guard let text = string(name) else { return nil }
        guard text.count <= 40, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            throw HTTPError(.badRequest, message: "parameter \(name): expected an arXiv category such as cs.LG, got \"\(text.prefix(40))\"")
        }
        return text
    }

    func author(_ name: String) throws -> String? {
        guard let text = string(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard text.count <= 100 else {
            throw HTTPError(.badRequest, message: "parameter \(name): at most 100 characters, got \(text.count)")
        }
        return text
    }

    func mode(_ name: String, default defaultMode: SearchMode) throws -> SearchMode {
        guard let text = string(name) else { return defaultMode }
        guard let mode = SearchMode(rawValue: text) else {
            throw HTTPError(.badRequest, message: "parameter \(name): expected one of \(SearchMode.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text.prefix(40))\"")
        }
        return mode
    }

    /// The search filters shared by the page and the API.
    func filters() throws -> SearchFilters {
        let filters = SearchFilters(category: try category("category"), from: try day("from"), to: try day("to"),
                                    author: try author("author"))
        try filters.validate()
        return filters
    }
}

/// An error that has an HTTP form (status and message). Thrown from a handler it answers as that form — JSON under
/// /api, the message on an HTML error page elsewhere — so handlers need no mapping of their own.
protocol HTTPErrorConvertible: HTTPResponseError {
    /// The status and message to answer with.
    var httpError: HTTPError { get }
}

extension HTTPErrorConvertible {
    /// The status of ``httpError``.
    public var status: HTTPResponse.Status { httpError.status }

    /// ``httpError``'s response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try httpError.response(from: request, context: context)
    }
}

extension SearchError: HTTPErrorConvertible {
    /// The HTTP form of a search error.
    var httpError: HTTPError {
        switch self {
        case .emptyQuery: return HTTPError(.badRequest, message: "parameter q: the query has no searchable words")
        case .invalidParameter(let name, let reason): return HTTPError(.badRequest, message: "parameter \(name): \(reason)")
        case .semanticUnavailable: return HTTPError(.serviceUnavailable, message: description)
        case .unknownPaper: return HTTPError(.notFound, message: description)
        }
    }
}

/// Paper ids in paths: `/papers/2203.05482`, `/papers/hep-th/9901001`, `/papers/arXiv:2203.05482v2`, and with an
/// action after them (`/api/papers/hep-th/9901001/similar`). The one place a catch-all path becomes a paper id.
enum PaperPath {
    /// The paper id the whole catch-all path names.
    static func id(from context: some RequestContext) throws -> PaperID {
        try id(context.parameters.getCatchAll())
    }

    /// The catch-all path's segments without a last segment `action`, and whether it was there (a path of the
    /// action alone is an id, so `/api/papers/similar` asks for a paper called "similar").
    static func split(_ context: some RequestContext, action: String) -> (segments: [String], hasAction: Bool) {
        var segments = context.parameters.getCatchAll().map(String.init)
        guard segments.count > 1, segments.last == action else { return (segments, false) }
        segments.removeLast()
        return (segments, true)
    }

    /// The paper id of path segments (percent-decoded); a 404 naming the text when it is no id.
    static func id<S: StringProtocol>(_ segments: [S]) throws -> PaperID {
        let raw = segments.joined(separator: "/")
        let text = raw.removingPercentEncoding ?? raw
        guard let id = PaperID(text) else {
            throw HTTPError(.notFound, message: "no paper with id \"\(text.prefix(80))\": not an arXiv id, DOI or Papers id")
        }
        return id
    }
}
