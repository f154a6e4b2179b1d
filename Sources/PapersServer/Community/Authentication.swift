import Crypto
import Foundation
import Hummingbird
import HummingbirdBcrypt
import NIOPosix
import PapersCore
import PapersStore

/// Passwords, sessions, CSRF tokens and API tokens.
///
/// Session cookies and API tokens are 32 random bytes; the database keeps only their SHA-256, so a leaked copy of it
/// logs nobody in. CSRF tokens are an HMAC (key kept in the database, shared by every server) of the cookie the
/// browser already holds: the session cookie once logged in, a random visitor cookie before.
final class Authentication: Sendable {
    static let sessionCookie = "papers_session"
    static let visitorCookie = "papers_visitor"
    /// How long a session lasts, in seconds.
    static let sessionLifetime: Double = 30 * 86_400

    let store: any PaperStore
    let bcryptCost: UInt8
    let secureCookies: Bool
    let now: @Sendable () -> Double
    private let keys = KeyHolder()

    init(store: any PaperStore, bcryptCost: UInt8, secureCookies: Bool, now: @escaping @Sendable () -> Double) {
        precondition(bcryptCost >= 12, "bcrypt cost below 12")
        self.store = store
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.now = now
    }

    // MARK: passwords

    /// Hashes a password on NIO's blocking-work pool (bcrypt takes ~0.25 s at cost 12; cooperative threads must not).
    func hashPassword(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Checks `password` against `hash`, or against a dummy hash of the same cost when there is no account, so an
    /// unknown name takes as long as a wrong password.
    func verifyPassword(_ password: String, hash: String?) async throws -> Bool {
        let target = try await hashToCheck(hash)
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return matches && hash != nil
    }

    /// The hash a password is checked against: the account's, or for no account a dummy of the configured cost
    /// (what makes both checks take equal time).
    func hashToCheck(_ hash: String?) async throws -> String {
        if let hash { return hash }
        return try await keys.dummyHash(self)
    }

    /// The cost field of a bcrypt hash (`$2b$12$…` → 12), or -1.
    static func cost(of hash: String) -> Int {
        let parts = hash.split(separator: "$")
        return parts.count >= 3 ? Int(parts[1]) ?? -1 : -1
    }

    // MARK: tokens

    /// 32 random bytes, base64url without padding (43 characters).
    static func randomToken() -> String {
        base64url(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the database stores for a token.
    static func tokenHash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    /// Whether a cookie value looks like one of ours (anything else is ignored, never looked up).
    static func isWellFormedToken(_ value: String) -> Bool {
        value.utf8.count == 43 && value.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
    }

    /// Loads (making it on a new instance) the key CSRF tokens are signed with, so pages keep working when the
    /// database later cannot take writes (a full disk): the key is the one write a page view would otherwise need.
    func loadKeys() async throws {
        _ = try await keys.csrfKey(store)
    }

    /// The CSRF token for forms of the browser holding cookie value `subject`.
    func csrfToken(for subject: String) async throws -> String {
        let key = SymmetricKey(data: try await keys.csrfKey(store))
        return Self.base64url(Array(HMAC<SHA256>.authenticationCode(for: Data("csrf:\(subject)".utf8), using: key)))
    }

    /// Compares two tokens in time independent of where they differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    // MARK: sessions

    /// Starts a fresh session for `account`, ending `previous` (the id before log-in is never reused).
    func startSession(for account: Account, replacing previous: String?) async throws -> Cookie {
        let t = now()
        if let previous, Self.isWellFormedToken(previous) {
            try await store.deleteSession(tokenHash: Self.tokenHash(previous), now: t)
        }
        let token = Self.randomToken()
        try await store.createSession(tokenHash: Self.tokenHash(token), account: account.id, now: t, expiresAt: t + Self.sessionLifetime)
        return cookie(Self.sessionCookie, token, maxAge: Int(Self.sessionLifetime))
    }

    /// Ends the session `token`; returns the cookie that clears it.
    func endSession(_ token: String?) async throws -> Cookie {
        if let token, Self.isWellFormedToken(token) {
            try await store.deleteSession(tokenHash: Self.tokenHash(token), now: now())
        }
        return cookie(Self.sessionCookie, "", maxAge: 0)
    }

    /// A new visitor cookie (before log-in, and again after log-in and log-out).
    func newVisitorCookie() -> Cookie { cookie(Self.visitorCookie, Self.randomToken(), maxAge: 365 * 86_400) }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// The account of a session cookie value, when it is live.
    func sessionAccount(_ token: String) async throws -> Account? {
        guard Self.isWellFormedToken(token) else { return nil }
        return try await store.sessionAccount(tokenHash: Self.tokenHash(token), now: now())
    }

    /// Creates an API token for `account`; the token is shown once and only its hash is kept.
    func createAPIToken(for account: Account, name: String) async throws -> String {
        let token = "papers_" + Self.randomToken()
        try await store.createAPIToken(tokenHash: Self.tokenHash(token), account: account.id, name: name, now: now())
        return token
    }

    /// The account of an API token, when it is valid.
    func apiTokenAccount(_ token: String) async throws -> Account? {
        guard token.hasPrefix("papers_"), Self.isWellFormedToken(String(token.dropFirst(7))) else { return nil }
        return try await store.apiTokenAccount(tokenHash: Self.tokenHash(token), now: now())
    }
}

/// Lazily loaded keys: the CSRF key from the database and the dummy hash for unknown accounts.
private actor KeyHolder {
    private var csrf: [UInt8]?
    private var dummy: String?

    func csrfKey(_ store: any PaperStore) async throws -> [UInt8] {
        if let csrf { return csrf }
        let bytes = try await store.secret(named: "csrf") { SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } }
        csrf = bytes
        return bytes
    }

    func dummyHash(_ auth: Authentication) async throws -> String {
        if let dummy { return dummy }
        let hash = try await DummyHashes.shared.hash(cost: auth.bcryptCost) { try await auth.hashPassword(Authentication.randomToken()) }
        dummy = hash
        return hash
    }
}

/// One dummy hash per cost for the whole process (several servers in one process, as in tests, share it).
private actor DummyHashes {
    static let shared = DummyHashes()
    private var byCost: [UInt8: String] = [:]

    func hash(cost: UInt8, make: @Sendable () async throws -> String) async throws -> String {
        if let known = byCost[cost] { return known }
        let made = try await make()
        byCost[cost] = byCost[cost] ?? made
        return byCost[cost]!
    }
}

/// Reads who is asking (API token or session cookie), gives every browser a visitor cookie, parses POST forms and
/// refuses state-changing requests without the right CSRF token (403, before any handler runs).
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: Authentication
    static func isMachinePath(_ path: String) -> Bool {
        SiteRoute.isAPI(path) || path.hasPrefix(SiteRoute.feedsPrefix) || path.hasPrefix(SiteRoute.staticPrefix)
            || path == SiteRoute.health.rawValue || path == SiteRoute.metrics.rawValue
    }

    /// Requests whose authority is not a cookie, so a CSRF token would add nothing: the one-click unsubscribe POSTs of
    /// digests and comment mail (their signed token is the authority, and mail clients send no cookies, RFC 8058), and JSON to the subscription
    /// API (a browser cannot send `application/json` to another site without a CORS preflight, which is never
    /// granted).
    static func isCSRFExempt(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        if request.uri.path == SiteRoute.unsubscribe.rawValue || request.uri.path == SiteRoute.commentMailUnsubscribe.rawValue { return true }
        return request.uri.path == SiteRoute.apiSubscriptions.rawValue && (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/json")
    }

    /// Largest accepted form body, in bytes.
    static let maximumFormBytes = 64 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        var cookies: [Cookie] = []
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "),
                  let account = try await auth.apiTokenAccount(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
                throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "Authorization: the API token is not valid")
            }
            context.viewer = account
            context.viaAPIToken = true
        } else {
            let session = request.cookies[Authentication.sessionCookie]?.value
            if let session, let account = try await auth.sessionAccount(session) {
                context.viewer = account
                context.csrfToken = try await auth.csrfToken(for: session)
            } else {
                if let session, !session.isEmpty { cookies.append(auth.cookie(Authentication.sessionCookie, "", maxAge: 0)) }
                // Pages get the visitor cookie their forms' tokens are bound to. A GET of the API, a feed, health or
                // a static file renders no form: no cookie, no random token, no HMAC.
                let machineRead = request.method == .get && Self.isMachinePath(request.uri.path)
                var visitor = request.cookies[Authentication.visitorCookie]?.value ?? ""
                if !machineRead {
                    if !Authentication.isWellFormedToken(visitor) {
                        let cookie = auth.newVisitorCookie()
                        visitor = cookie.value
                        if !Self.isMachinePath(request.uri.path) { cookies.append(cookie) }
                    }
                    context.csrfToken = try await auth.csrfToken(for: visitor)
                }
            }
        }
        if request.method == .post || request.method == .put || request.method == .patch || request.method == .delete {
            let body = try await request.collectBody(upTo: Self.maximumFormBytes)
            if (request.headers[.contentType] ?? "").hasPrefix("application/x-www-form-urlencoded") {
                context.form = FormFields(parsing: String(buffer: body))
            }
            // An API request with neither token nor session carries no authority to forge: it goes on to the
            // handler, which answers 401 where an account is needed.
            let anonymousAPI = context.viewer == nil && SiteRoute.isAPI(request.uri.path)
            if !context.viaAPIToken && !anonymousAPI && !Self.isCSRFExempt(request) {
                let provided = request.headers[.init("X-CSRF-Token")!] ?? context.form.raw("csrf") ?? ""
                guard !context.csrfToken.isEmpty, Authentication.constantTimeEqual(provided, context.csrfToken) else {
                    throw HTTPError(.forbidden, message: "This form has expired or came from another site, so nothing was changed. Go back, reload the page and try again.")
                }
            }
        }
        var response = try await next(request, context)
        // Pages carry the visitor's CSRF token (and, logged in, their name): never for a shared cache.
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "private, no-cache" }
        for cookie in cookies where !response.headers[values: .setCookie].contains(where: { $0.hasPrefix("\(cookie.name)=") }) {
            response.setCookie(cookie)
        }
        return response
    }
}
