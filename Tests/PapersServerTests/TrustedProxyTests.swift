import Foundation
import Hummingbird
import HummingbirdTesting
import PapersCore
@testable import PapersServer
import PapersTestSupport
import Testing

@Suite("Behind a reverse proxy: X-Forwarded-For believed only from trusted proxies")
struct TrustedProxyTests {
    @Test("the client is the rightmost untrusted hop; spoofed leftmost entries and untrusted peers are ignored; bad values named")
    func addressRules() throws {
        let proxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8"])
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "203.0.113.5") == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "1.2.3.4, 203.0.113.5, 10.1.2.3") == "203.0.113.5", "the client's own claim is not believed")
        #expect(proxies.clientAddress(peer: "198.51.100.7", forwardedFor: "203.0.113.5") == "198.51.100.7", "an untrusted peer keeps its address")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: nil) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: "not-an-ip") == "127.0.0.1")
        #expect(TrustedProxies().clientAddress(peer: "127.0.0.1", forwardedFor: "203.0.113.5") == "127.0.0.1")
        #expect(throws: TrustedProxyError.self) { try TrustedProxies(["nginx.local"]) }
        #expect(throws: TrustedProxyError.self) { try TrustedProxies(["10.0.0.0/33"]) }
    }

    @Test("log-in rate limits count per forwarded client behind a trusted proxy, and per peer without one")
    func rateLimitsPerForwardedClient() async throws {
        var limits = RateLimits()
        limits.loginPerIP = RateLimit(limit: 2, per: 300)
        for trusted in [true, false] {
            var server = try await CommunityServer(limits: limits)
            if trusted { server.configuration.trustedProxies = try TrustedProxies(["127.0.0.1"]) }
            try await server.run { client in
                var b = Browser(client)
                _ = try await b.get("/login")
                func attempt(_ from: String) async throws -> HTTPResponse.Status {
                    try await b.post("/login", [("username", "nobody"), ("password", "wrong password")], headers: [.init("X-Forwarded-For")!: from]).status
                }
                #expect(try await attempt("203.0.113.5") == .unauthorized)
                #expect(try await attempt("203.0.113.5") == .unauthorized)
                #expect(try await attempt("203.0.113.5") == .tooManyRequests)
                // Another client behind the same proxy: its own bucket only when the proxy is trusted.
                #expect(try await attempt("203.0.113.6") == (trusted ? .unauthorized : .tooManyRequests))
            }
        }
    }
}
