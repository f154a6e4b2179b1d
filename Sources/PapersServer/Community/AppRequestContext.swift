import Hummingbird
import NIOCore
import PapersCore

/// The request context of every route: who is asking (the logged-in account, from a session cookie or an API
/// token), the CSRF token their forms carry, their address for rate limits, and the parsed form of a POST.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address (nil in router-only tests).
    let remoteAddress: String?
    /// The logged-in account, when there is one.
    var viewer: Account?
    /// True when the viewer came from `Authorization: Bearer` (no cookies, so no CSRF check).
    var viaAPIToken = false
    /// The token this visitor's forms must carry.
    var csrfToken = ""
    /// The fields of a URL-encoded POST body (read once by ``SessionMiddleware``).
    var form: FormFields = FormFields()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The client's address: the peer's, or behind a trusted proxy the one it reports (``ClientAddressMiddleware``).
    var clientAddress: String?

    /// The key rate limits count this client under.
    var clientKey: String { clientAddress ?? remoteAddress ?? "local" }
}

/// The fields of an `application/x-www-form-urlencoded` body; the first value of each name wins.
struct FormFields: Sendable {
    private(set) var values: [String: String] = [:]

    init() {}

    /// Parses `body`; `+` is a space and `%XX` an escaped byte, as browsers send them.
    init(parsing body: String) {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
    }

    /// The field's value with surrounding whitespace removed, or nil when missing or empty.
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// The raw value (passwords keep their spaces).
    func raw(_ name: String) -> String? { values[name] }
}
