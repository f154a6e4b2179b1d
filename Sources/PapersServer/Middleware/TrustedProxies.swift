import Foundation
import Hummingbird

/// The reverse proxies whose `X-Forwarded-For` header says who the client is.
///
/// Without it every request behind nginx comes from 127.0.0.1, and one abuser's rate limit is everyone's. With it,
/// the client is the rightmost address in `X-Forwarded-For` that is not itself a trusted proxy (the leftmost entries
/// are whatever the client wrote, so they are never believed); requests from untrusted peers keep their own address.
public struct TrustedProxies: Sendable, Equatable {
    /// Exact addresses (`127.0.0.1`, `::1`) and IPv4 networks (`10.0.0.0/8`).
    public private(set) var entries: [String] = []

    /// No proxy trusted: the peer's address is the client's.
    public init() {}

    /// Parses `--trusted-proxy` values; the error names the bad one.
    public init(_ specs: [String]) throws {
        for spec in specs {
            guard Self.isAddress(spec) || Self.network(spec) != nil else {
                throw TrustedProxyError(message: "--trusted-proxy \(spec): expected an IP address (127.0.0.1, ::1) or an IPv4 network (10.0.0.0/8)")
            }
            entries.append(spec)
        }
    }

    /// Whether `address` is one of the trusted proxies.
    public func trusts(_ address: String) -> Bool {
        entries.contains { entry in
            if let (base, bits) = Self.network(entry), let ip = Self.ipv4(address) {
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                return ip & mask == base & mask
            }
            return entry == address
        }
    }

    /// The client's address for a request that came from `peer` with `forwardedFor` (the header's value).
    public func clientAddress(peer: String?, forwardedFor: String?) -> String? {
        guard let peer, trusts(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trusts(hop) {
            return Self.isAddress(hop) ? hop : peer
        }
        return hops.first ?? peer
    }

    static func isAddress(_ text: String) -> Bool {
        ipv4(text) != nil || (text.contains(":") && text.count <= 45 && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." })
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part), part.count <= 3 else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    static func network(_ text: String) -> (UInt32, Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let base = ipv4(String(parts[0])), let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
        return (base, bits)
    }
}

/// A malformed `--trusted-proxy` value.
public struct TrustedProxyError: Error, CustomStringConvertible {
    /// What was wrong, naming the option.
    public var message: String
    public var description: String { message }
}

/// Sets each request's client address (rate limits, logs) from a trusted proxy's `X-Forwarded-For`.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = proxies.clientAddress(peer: context.remoteAddress, forwardedFor: request.headers[.init("X-Forwarded-For")!])
        return try await next(request, context)
    }
}
