import Hummingbird
import PapersCore
import Synchronization

/// The server's route patterns by method, filled once the router has every route (the middleware that reads it is
/// added before the routes are).
final class RouteTable: Sendable {
    /// A catch-all route whose handlers tell apart paths by their last segment (`/api/papers/{id}/upvote` is
    /// POST and DELETE, every other path under `/api/papers/` is GET): the methods of a path ending in `action`.
    struct Action: Sendable {
        let route: SiteRoute
        let action: Substring
        let methods: [HTTPRequest.Method]
    }

    private let routes = Mutex<[(method: HTTPRequest.Method, pattern: [Substring])]>([])
    /// The actions with their routes' patterns split once (the table is read on every request).
    private let actions: [(pattern: [Substring], action: Action)]

    /// A table that knows the catch-all routes' `actions`.
    init(actions: [Action] = []) {
        self.actions = actions.map { ($0.route.rawValue.split(separator: "/"), $0) }
    }

    /// Replaces the table with `routes` (Hummingbird's `RouteDescription`s).
    func fill(_ routes: [Router<AppRequestContext>.RouteDescription]) {
        let table = routes.map { (method: $0.method, pattern: "\($0.path)".split(separator: "/")) }
        self.routes.withLock { $0 = table }
    }

    /// The methods with a route matching `path`, sorted by name.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        let found = routes.withLock { table in
            table.filter { Self.matches($0.pattern, segments) && allows($0.method, pattern: $0.pattern, segments) }.map(\.method)
        }
        return Set(found.map(\.rawValue)).sorted().compactMap { HTTPRequest.Method($0) }
    }

    /// Whether a catch-all's `method` serves this path: its action's methods for a path ending in the action, the
    /// others for every other path.
    private func allows(_ method: HTTPRequest.Method, pattern: [Substring], _ segments: [Substring]) -> Bool {
        let forPattern = actions.filter { $0.pattern == pattern }.map(\.action)
        guard !forPattern.isEmpty else { return true }
        if let action = forPattern.first(where: { segments.count > pattern.count && segments.last == $0.action }) {
            return action.methods.contains(method)
        }
        return !forPattern.contains { $0.methods.contains(method) }
    }

    /// Hummingbird's pattern semantics: `:name` (printed `{name}`) and `*` match one segment, `**` one or more to
    /// the end.
    static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        var i = 0
        for (index, part) in pattern.enumerated() {
            if part == "**" { return index == pattern.count - 1 && segments.count > i }
            guard i < segments.count else { return false }
            if !(part.hasPrefix(":") || part.hasPrefix("{") || part == "*" || part == segments[i]) { return false }
            i += 1
        }
        return i == segments.count
    }
}

/// A known address asked with a method it has no route for is 405 with `Allow` (RFC 9110 §15.5.6), not the 404 of
/// an address that does not exist. `HEAD` of a `GET` route passes: the router answers it (`autoGenerateHeadEndpoints`).
struct MethodRoutingMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let methods = table.methods(for: request.uri.path)
        if methods.isEmpty || methods.contains(request.method) || (request.method == .head && methods.contains(.get)) {
            return try await next(request, context)
        }
        let allowed = (methods.contains(.get) ? methods + [.head] : methods).map(\.rawValue).joined(separator: ", ")
        throw HTTPError(.methodNotAllowed, headers: [.allow: allowed], message: "method \(request.method): this address answers \(allowed)")
    }
}
