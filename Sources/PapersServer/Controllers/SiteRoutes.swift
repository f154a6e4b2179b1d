import Hummingbird
import PapersCore

/// Routes registered by ``SiteRoute``: the pattern a controller answers is the one ``SiteURL`` fills for links.
extension RouterMethods {
    /// Answers GET on `route`.
    @discardableResult
    func get(_ route: SiteRoute, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        on(RouterPath(route.rawValue), method: .get, use: handler)
    }

    /// Answers POST on `route`.
    @discardableResult
    func post(_ route: SiteRoute, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        on(RouterPath(route.rawValue), method: .post, use: handler)
    }

    /// Answers DELETE on `route`.
    @discardableResult
    func delete(_ route: SiteRoute, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        on(RouterPath(route.rawValue), method: .delete, use: handler)
    }
}
