import Foundation
import NIOCore
import NIOPosix
@testable import PapersMail
import PapersCore
import PapersTestSupport
import Testing

@Suite("SMTP client against a real server on 127.0.0.1")
struct SMTPClientTests {
    static func message(_ n: Int, body: String = "Hello") -> [UInt8] {
        MailMessage(from: MailFixtures.settings(port: 0).from, to: Mailbox(address: MailFixtures.address("ada@example.org")),
                    subject: "Message \(n)", date: MailFixtures.now, messageID: "m\(n)@papers.example.org", text: body).rendered()
    }

    @Test("several messages over one plain connection arrive whole; leading dots survive dot-stuffing")
    func plainSession() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await MailFixtures.withSMTPServer(dir) { server in
            let connection = try await SMTPConnection.open(SMTPSettings(host: "127.0.0.1", port: server.port))
            #expect(connection.extensions.contains("8BITMIME"))
            for n in 1...3 {
                try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: Self.message(n, body: ".\n.. two dots\nend"))
            }
            await connection.close()
            let received = try server.messages()
            #expect(received.count == 3)
            #expect(received.map { $0.header("Subject") } == ["Message 1", "Message 2", "Message 3"])
            #expect(received.allSatisfy { $0.mailFrom == "digest@papers.example.org" && $0.rcptTos == ["ada@example.org"] && !$0.tls })
            #expect(received[0].part("text/plain") == ".\r\n.. two dots\r\nend")
        }
    }

    @Test("a server that does not know EHLO gets HELO, and a 7-bit message still goes through")
    func helo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await MailFixtures.withSMTPServer(dir, options: ["--no-ehlo"]) { server in
            let connection = try await SMTPConnection.open(SMTPSettings(host: "127.0.0.1", port: server.port))
            #expect(connection.extensions.isEmpty)
            try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: Self.message(1))
            do {
                try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: Array("Subject: x\r\n\r\ncafé\r\n".utf8))
                Issue.record("8-bit data sent without 8BITMIME")
            } catch let error as SMTPError {
                guard case .unsupported = error else { Issue.record("\(error)"); return }
            }
            await connection.close()
            #expect(try server.messages().map { $0.header("Subject") } == ["Message 1"])
        }
    }

    @Test("8-bit data goes with BODY=8BITMIME to a server that offers it")
    func eightBit() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await MailFixtures.withSMTPServer(dir) { server in
            let connection = try await SMTPConnection.open(SMTPSettings(host: "127.0.0.1", port: server.port))
            let raw = Array("Subject: raw\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nnaïve café 数学\r\n".utf8)
            try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: raw)
            await connection.close()
            let received = try server.messages()
            #expect(received.count == 1)
            #expect(Data(received[0].data.unicodeScalars.map { UInt8($0.value) }) == Data(raw), "the bytes arrive unchanged")
        }
    }

    @Test("STARTTLS then AUTH PLAIN, trusting the server's own certificate; a wrong password is a clear 535 refusal")
    func startTLSAndPlain() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (certificate, key) = try await TestCertificate.make(in: dir.path)
        try await MailFixtures.withSMTPServer(dir, options: ["--cert", certificate, "--key", key, "--require-starttls", "--auth", "papers:s3cret pass"]) { server in
            let settings = SMTPSettings(host: "localhost", port: server.port, security: .starttls, username: "papers", password: "s3cret pass",
                                        trustedCertificates: certificate)
            let connection = try await SMTPConnection.open(settings)
            try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: Self.message(1))
            await connection.close()
            let received = try server.messages()
            #expect(received.count == 1)
            #expect(received.first?.tls == true && received.first?.auth == true)
            var wrong = settings
            wrong.password = "wrong"
            wrong.replyTimeout = 5
            do {
                _ = try await SMTPConnection.open(wrong)
                Issue.record("logged in with a wrong password")
            } catch let error as SMTPError {
                guard case .rejected(let command, let reply) = error else { Issue.record("\(error)"); return }
                #expect(command == "AUTH PLAIN" && reply.code == 535)
            }
        }
    }

    @Test("AUTH LOGIN when the server offers no PLAIN")
    func authLogin() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (certificate, key) = try await TestCertificate.make(in: dir.path)
        try await MailFixtures.withSMTPServer(dir, options: ["--cert", certificate, "--key", key, "--auth", "papers:pw", "--auth-exclude", "PLAIN"]) { server in
            let settings = SMTPSettings(host: "localhost", port: server.port, security: .starttls, username: "papers", password: "pw",
                                        trustedCertificates: certificate)
            let connection = try await SMTPConnection.open(settings)
            try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: Self.message(1))
            await connection.close()
            #expect(try server.messages().first?.auth == true)
        }
    }

    @Test("a certificate the client does not trust stops the session before any credential is sent")
    func untrustedCertificate() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (certificate, key) = try await TestCertificate.make(in: dir.path)
        try await MailFixtures.withSMTPServer(dir, options: ["--cert", certificate, "--key", key, "--auth", "papers:pw"]) { server in
            let settings = SMTPSettings(host: "localhost", port: server.port, security: .starttls, username: "papers", password: "pw")
            await #expect(throws: (any Error).self) { _ = try await SMTPConnection.open(settings) }
            let received = try server.messages()
            #expect(received.isEmpty)
        }
    }

    @Test("a refused recipient is a permanent error for that message only: the next one goes over the same connection")
    func refusedRecipient() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await MailFixtures.withSMTPServer(dir, options: ["--refuse-rcpt", "gone@example.org=550", "--refuse-rcpt", "busy@example.org=451"]) { server in
            let connection = try await SMTPConnection.open(SMTPSettings(host: "127.0.0.1", port: server.port))
            do {
                try await connection.send(from: "digest@papers.example.org", to: ["gone@example.org"], message: Self.message(1))
                Issue.record("accepted")
            } catch let error as SMTPError {
                #expect(error.isPermanentForMessage)
            }
            do {
                try await connection.send(from: "digest@papers.example.org", to: ["busy@example.org"], message: Self.message(2))
                Issue.record("accepted")
            } catch let error as SMTPError {
                #expect(!error.isPermanentForMessage)
                guard case .rejected(_, let reply) = error else { Issue.record("\(error)"); return }
                #expect(reply.isTransient)
            }
            try await connection.send(from: "digest@papers.example.org", to: ["ada@example.org"], message: Self.message(3))
            await connection.close()
            #expect(try server.messages().map(\.rcptTos) == [["ada@example.org"]])
        }
    }

    @Test("no server: a connection error; a server that never greets: a timeout, not a hang")
    func unreachableAndSilent() async throws {
        let closed = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = closed.localAddress!.port!
        try await closed.close()
        await #expect(throws: SMTPError.self) { _ = try await SMTPConnection.open(SMTPSettings(host: "127.0.0.1", port: port, connectTimeout: 1)) }

        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let started = ContinuousClock.now
        do {
            _ = try await SMTPConnection.open(SMTPSettings(host: "127.0.0.1", port: silent.localAddress!.port!, replyTimeout: 0.5))
            Issue.record("opened")
        } catch let error as SMTPError {
            guard case .timeout = error else { Issue.record("\(error)"); return }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
