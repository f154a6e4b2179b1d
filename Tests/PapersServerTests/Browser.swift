import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdBcrypt
import NIOCore
import NIOPosix
import PapersStore
@testable import PapersServer

/// A test client that keeps cookies like a browser and pulls CSRF tokens out of pages, over real sockets.
struct Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    /// The CSRF token of the last page that had one.
    var csrf = ""

    init(_ client: any TestClientProtocol) { self.client = client }

    /// A response with its body as text.
    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        var location: String? { headers[.location] }
        var setCookies: [String] { headers[values: .setCookie] }
    }

    mutating func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Page {
        try await send(uri, method: .get, headers: headers, body: nil)
    }

    /// POSTs a form; `csrf` nil sends the token of the last page, "" sends none.
    mutating func post(_ uri: String, _ fields: [(String, String)], csrf: String? = nil, headers: HTTPFields = [:]) async throws -> Page {
        var all = fields
        let token = csrf ?? self.csrf
        if !token.isEmpty { all.insert(("csrf", token), at: 0) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let body = all.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        var h = headers
        h[.contentType] = "application/x-www-form-urlencoded"
        return try await send(uri, method: .post, headers: h, body: ByteBuffer(string: body))
    }

    mutating func send(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> Page {
        var h = headers
        if !cookies.isEmpty { h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let response = try await client.executeRequest(uri: uri, method: method, headers: h, body: body)
        let page = Page(status: response.status, headers: response.headers, body: String(buffer: response.body))
        for line in page.setCookies {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if let range = page.body.range(of: #"name="csrf" value=""#) {
            csrf = String(page.body[range.upperBound...].prefix { $0 != "\"" })
        }
        return page
    }

    /// Signs up (fetching the form first for its token); returns the answer to the POST.
    @discardableResult
    mutating func signUp(_ name: String, password: String = "correct horse battery") async throws -> Page {
        _ = try await get("/signup")
        return try await post("/signup", [("username", name), ("email", "\(name.lowercased())@example.org"), ("password", password)])
    }

    /// Makes the account straight in the store and logs this browser in with a session made there too, the way
    /// sign-up would leave it (the first account is the admin) but without sign-up's bcrypt: the server tests run
    /// at once on two cores, and fifty cost-12 hashes queued on NIO's two blocking threads kept a log-in waiting
    /// past the test client's 20 s read timeout. The password (`correct horse battery`) still logs in.
    mutating func enter(_ name: String, store: any PaperStore, now: Double = CommunityServer.now) async throws {
        cookies[Authentication.sessionCookie] = try await Self.session(for: name, store: store, now: now)
        _ = try await get("/")
    }

    /// Makes the account `name` (`name@example.org`, the test password) and a session for it in the store; returns
    /// the session cookie's value.
    static func session(for name: String, store: any PaperStore, now: Double = CommunityServer.now) async throws -> String {
        let account = try await store.createAccount(name: name, email: "\(name.lowercased())@example.org",
                                                    passwordHash: try await TestPassword.shared.hash(), now: now)
        let token = Authentication.randomToken()
        try await store.createSession(tokenHash: Authentication.tokenHash(token), account: account.id, now: now,
                                      expiresAt: now + Authentication.sessionLifetime)
        return token
    }

    /// Logs in; returns the answer to the POST.
    @discardableResult
    mutating func logIn(_ name: String, password: String = "correct horse battery") async throws -> Page {
        _ = try await get("/login")
        return try await post("/login", [("username", name), ("password", password)])
    }

    /// Who the header says is logged in, or nil.
    mutating func loggedInName() async throws -> String? {
        let page = try await get("/")
        guard let range = page.body.range(of: #"class="me" href="/u/"#) else { return nil }
        return String(page.body[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// The cost-12 hash of the test password, made once per process (one bcrypt instead of one per account).
actor TestPassword {
    static let shared = TestPassword()
    private var making: Task<String, any Error>?

    func hash() async throws -> String {
        let task = making ?? Task { try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash("correct horse battery", cost: 12) } }
        making = task
        return try await task.value
    }
}
