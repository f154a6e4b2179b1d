import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How to reach the mail server that relays Papers' mail.
public struct SMTPSettings: Sendable, Hashable {
    /// Transport security.
    public enum Security: String, Sendable, CaseIterable {
        /// Plain text (a relay on the same machine or network).
        case none
        /// Plain text upgraded with `STARTTLS` (port 587); refused if the server does not offer it.
        case starttls
        /// TLS from the first byte (port 465).
        case tls
    }

    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Transport security.
    public var security: Security
    /// `AUTH` user; nil sends no credentials.
    public var username: String?
    /// `AUTH` password.
    public var password: String?
    /// A PEM file of certificates to trust instead of the system's (a private CA, or a test certificate).
    public var trustedCertificates: String?
    /// The name this client gives in `EHLO`.
    public var heloName: String
    /// Connecting, in seconds.
    public var connectTimeout: Double
    /// Waiting for any one reply, in seconds (the reply to the message data included).
    public var replyTimeout: Double

    /// Creates settings; by default an unauthenticated relay on localhost:25.
    public init(host: String = "127.0.0.1", port: Int = 25, security: Security = .none, username: String? = nil, password: String? = nil,
                trustedCertificates: String? = nil, heloName: String = "localhost", connectTimeout: Double = 10, replyTimeout: Double = 60) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.trustedCertificates = trustedCertificates
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
    }
}

/// One SMTP session on SwiftNIO: greeting, EHLO (HELO for old servers), STARTTLS, AUTH PLAIN or LOGIN, then any
/// number of messages, each `MAIL FROM` / `RCPT TO` / `DATA` with dot-stuffing, and `QUIT`.
public final class SMTPConnection: Sendable {
    private let channel: any Channel
    private let replies: SMTPReplyQueue
    private let settings: SMTPSettings
    /// The extensions the server announced (`8BITMIME`, `STARTTLS`, `AUTH PLAIN LOGIN`, …), upper-cased.
    public let extensions: [String]

    private init(channel: any Channel, replies: SMTPReplyQueue, settings: SMTPSettings, extensions: [String]) {
        self.channel = channel
        self.replies = replies
        self.settings = settings
        self.extensions = extensions
    }

    /// Connects, greets, secures and authenticates as `settings` say; throws ``SMTPError``.
    public static func open(_ settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> SMTPConnection {
        let tls: NIOSSLContext? = settings.security == .none ? nil : try makeTLSContext(settings)
        let channel: any Channel
        let replies = SMTPReplyQueue()
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if settings.security == .tls, let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: tls, serverHostname: serverName(settings.host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try channel.pipeline.syncOperations.addHandler(replies)
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
        } catch {
            throw SMTPError.connection("cannot connect to \(settings.host):\(settings.port): \(error)")
        }
        do {
            var connection = SMTPConnection(channel: channel, replies: replies, settings: settings, extensions: [])
            try await connection.expect(220, "greeting")
            var extensions = try await connection.hello()
            if settings.security == .starttls {
                guard extensions.contains("STARTTLS") else { throw SMTPError.unsupported("the server does not offer STARTTLS") }
                try await connection.command("STARTTLS", expect: 220)
                let context = tls!, name = serverName(settings.host)
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: name), position: .first)
                }.get()
                // RFC 3207: forget what was said before TLS and greet again.
                extensions = try await connection.hello()
            }
            connection = SMTPConnection(channel: channel, replies: replies, settings: settings, extensions: extensions)
            if let username = settings.username {
                try await connection.authenticate(username: username, password: settings.password ?? "")
            }
            return connection
        } catch {
            try? await channel.close().get()
            throw error
        }
    }

    /// An SNI name: nil for IP addresses (which SNI cannot carry).
    static func serverName(_ host: String) -> String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
    }

    static func makeTLSContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let file = settings.trustedCertificates {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// EHLO, or HELO when the server does not know EHLO; returns the extension keywords.
    private func hello() async throws -> [String] {
        let reply = try await send("EHLO \(settings.heloName)", name: "EHLO")
        if reply.code == 250 { return reply.lines.dropFirst().map { $0.uppercased() } }
        try await command("HELO \(settings.heloName)", name: "HELO", expect: 250)
        return []
    }

    private func authenticate(username: String, password: String) async throws {
        guard settings.security != .none || ["127.0.0.1", "::1", "localhost"].contains(settings.host) else {
            throw SMTPError.unsupported("refusing to send the SMTP password without TLS; use --smtp-security starttls or tls")
        }
        let mechanisms = Set(extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }
            .flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) })
        if mechanisms.contains("PLAIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            try await command("AUTH PLAIN \(token)", name: "AUTH PLAIN", expect: 235)
        } else if mechanisms.contains("LOGIN") {
            try await command("AUTH LOGIN", expect: 334)
            try await command(Data(username.utf8).base64EncodedString(), name: "AUTH LOGIN user name", expect: 334)
            try await command(Data(password.utf8).base64EncodedString(), name: "AUTH LOGIN password", expect: 235)
        } else {
            throw SMTPError.unsupported("the server offers no AUTH PLAIN or LOGIN (it offers: \(mechanisms.sorted().joined(separator: " ")))")
        }
    }

    /// Sends one message; returns the server's reply to its data (250). Throws ``SMTPError/rejected(command:reply:)``
    /// for a refusal, after which the session is reset and can send the next message.
    @discardableResult
    public func send(from sender: String, to recipients: [String], message: [UInt8]) async throws -> SMTPReply {
        let eightBit = message.contains { $0 >= 0x80 }
        if eightBit && !extensions.contains("8BITMIME") {
            throw SMTPError.unsupported("the message has 8-bit bytes and the server does not offer 8BITMIME; encode it quoted-printable")
        }
        do {
            try await command("MAIL FROM:<\(sender)>\(eightBit ? " BODY=8BITMIME" : "")", name: "MAIL FROM", expect: 250)
            for recipient in recipients {
                let reply = try await send("RCPT TO:<\(recipient)>", name: "RCPT TO")
                guard reply.code == 250 || reply.code == 251 else { throw SMTPError.rejected(command: "RCPT TO", reply: reply) }
            }
            try await command("DATA", expect: 354)
            try await channel.writeAndFlush(ByteBuffer(bytes: dotStuffed(message))).get()
            let reply = try await nextReply("message")
            guard reply.code == 250 else { throw SMTPError.rejected(command: "message", reply: reply) }
            return reply
        } catch let error as SMTPError {
            if case .rejected = error { _ = try? await send("RSET", name: "RSET") }
            throw error
        }
    }

    /// Says `QUIT` and closes.
    public func close() async {
        _ = try? await send("QUIT", name: "QUIT")
        try? await channel.close().get()
    }

    private func nextReply(_ name: String) async throws -> SMTPReply {
        let timeout = TimeAmount.milliseconds(Int64(settings.replyTimeout * 1000))
        let channel = self.channel, replies = self.replies
        return try await channel.eventLoop.flatSubmit { replies.next(channel: channel, command: name, timeout: timeout) }.get()
    }

    private func expect(_ code: Int, _ name: String) async throws {
        let reply = try await nextReply(name)
        guard reply.code == code else { throw SMTPError.rejected(command: name, reply: reply) }
    }

    /// Writes one command line and reads its reply.
    private func send(_ line: String, name: String) async throws -> SMTPReply {
        guard !line.contains("\r") && !line.contains("\n") else { throw SMTPError.unsupported("a line break inside an SMTP command") }
        do {
            try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
        } catch {
            throw SMTPError.connection("writing \(name): \(error)")
        }
        return try await nextReply(name)
    }

    private func command(_ line: String, name: String? = nil, expect code: Int) async throws {
        let name = name ?? line
        let reply = try await send(line, name: name)
        guard reply.code == code else { throw SMTPError.rejected(command: name, reply: reply) }
    }
}
