import Hummingbird
import PapersCore
import PapersStore
import Logging

/// Conservative security headers on every response; pages load only their own stylesheet.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        // KaTeX positions typeset math with style attributes (never elements, never script) and brings its fonts;
        // images in comments from other sites stay blocked (no tracking pixels).
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; style-src-attr 'unsafe-inline'; font-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        return response
    }
}

/// Outside `/api`, errors become real HTML pages with the right status; the API keeps JSON errors.
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let views: Views

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var error = (error as? any HTTPErrorConvertible)?.httpError ?? error
            let path = request.uri.path
            // A disk that cannot take writes (full, read-only) is the operator's to fix; the visitor is told
            // nothing changed, and reading goes on.
            if case StoreError.unwritable = error {
                context.logger.error("write refused", metadata: ["path": .string(path), "error": .string("\(error)")])
                error = HTTPError(.serviceUnavailable, headers: [.retryAfter: "60"],
                                  message: "The database cannot take changes right now, so nothing was changed. Reading works; please try again later.")
            }
            if SiteRoute.isAPI(path) || path == SiteRoute.health.rawValue {
                if error is any HTTPResponseError { throw error }
                context.logger.error("request failed", metadata: ["path": .string(path), "error": .string("\(error)")])
                throw HTTPError(.internalServerError, message: "internal error")
            }
            let status: HTTPResponse.Status
            let message: String
            var headers = HTTPFields()
            if let http = error as? HTTPError {
                status = http.status
                message = http.body ?? http.status.reasonPhrase
                headers = http.headers
            } else if let responseError = error as? any HTTPResponseError {
                status = responseError.status
                message = status.reasonPhrase
            } else {
                context.logger.error("request failed", metadata: ["path": .string(path), "error": .string("\(error)")])
                status = .internalServerError
                message = "Something went wrong on our side. Please try again."
            }
            let title = status == .notFound ? "Not found" : status == .badRequest ? "Bad request" : status.reasonPhrase
            let page = try views.page(.error, ErrorPageModel(status: status.code, title: title,
                                                          message: status == .notFound && message == "Not Found" ? "There is no page at this address." : message),
                                  status: status)
            var response = try page.response(from: request, context: context)
            // Retry-After on 429, WWW-Authenticate on 401 and the like survive the HTML page.
            for field in headers where field.name != .contentType && field.name != .contentLength { response.headers.append(field) }
            return response
        }
    }
}
