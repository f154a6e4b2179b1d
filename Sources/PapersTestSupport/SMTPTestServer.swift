import Foundation

/// A real SMTP server (aiosmtpd, `scripts/smtp-test-server.py`) on 127.0.0.1 that writes every accepted message to
/// a folder; it stops with ``stop()`` or when the test process exits (its stdin closes).
public final class SMTPTestServer: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// Where messages land, one JSON file each.
    public let directory: String
    private let process: Process
    private let stdin: Pipe

    private init(port: Int, directory: String, process: Process, stdin: Pipe) {
        self.port = port
        self.directory = directory
        self.process = process
        self.stdin = stdin
    }

    /// The server script.
    public static var script: String { SharedData.repositoryRoot.appendingPathComponent("scripts/smtp-test-server.py").path }

    /// Starts a server storing into `directory`, with the script's `options` (`--transient-first 3`, `--auth u:p`,
    /// `--cert …`); `port` 0 picks a free one.
    public static func start(directory: String, port: Int = 0, options: [String] = []) async throws -> SMTPTestServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--dir", directory, "--port", String(port)] + options
        let stdout = Pipe(), stdin = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = stderr
        try process.run()
        let line = try await firstLine(of: stdout)
        guard line.hasPrefix("READY "), let found = Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            let error = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
            throw TestServerError.notStarted("smtp-test-server.py did not start (is aiosmtpd installed? `make test` installs it): \(line) \(error)")
        }
        return SMTPTestServer(port: found, directory: directory, process: process, stdin: stdin)
    }

    /// Stops the server and waits for it to exit.
    public func stop() async {
        guard process.isRunning else { return }
        // SIGKILL: every accepted message is already on disk, and a child of the test process may have SIGTERM
        // blocked (it inherits the signal mask).
        kill(process.processIdentifier, SIGKILL)
        let process = self.process
        _ = try? await offPool { process.waitUntilExit() }
    }

    /// How many messages each recipient received.
    public func deliveriesPerRecipient() throws -> [String: Int] {
        try messages().reduce(into: [String: Int]()) { counts, mail in
            for rcpt in mail.rcptTos { counts[rcpt, default: 0] += 1 }
        }
    }

    /// The messages received so far, in arrival order.
    public func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        return try names.map { try JSONDecoder().decode(ReceivedMail.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\($0)"))) }
    }
}

/// The first line a child process writes to `pipe` (its READY announcement), or what it wrote before closing it.
func firstLine(of pipe: Pipe) async throws -> String {
    try await offPool { () -> String in
        var bytes: [UInt8] = []
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            bytes += chunk
            if bytes.contains(10) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A test server that could not be started.
public enum TestServerError: Error, CustomStringConvertible {
    case notStarted(String)
    public var description: String {
        switch self {
        case .notStarted(let reason): return reason
        }
    }
}

/// One message as the test SMTP server stored it.
public struct ReceivedMail: Decodable, Sendable {
    /// The envelope sender.
    public var mailFrom: String
    /// The envelope recipients.
    public var rcptTos: [String]
    /// The message text (after SMTP's dot-unstuffing), bytes as Latin-1.
    public var data: String
    /// Whether the session had authenticated.
    public var auth: Bool
    /// Whether the session was encrypted.
    public var tls: Bool

    /// Creates a message value (for checking a rendered message without a server).
    public init(mailFrom: String, rcptTos: [String], data: String, auth: Bool, tls: Bool) {
        self.mailFrom = mailFrom
        self.rcptTos = rcptTos
        self.data = data
        self.auth = auth
        self.tls = tls
    }

    enum CodingKeys: String, CodingKey {
        case mailFrom = "mail_from", rcptTos = "rcpt_tos", data, auth, tls
    }

    /// The header section's fields, unfolded, in order (name, value).
    public var headers: [(name: String, value: String)] {
        let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
        var fields: [(String, String)] = []
        for line in head.components(separatedBy: "\r\n") {
            if line.first == " " || line.first == "\t", let last = fields.popLast() {
                fields.append((last.0, last.1 + line))
            } else if let colon = line.firstIndex(of: ":") {
                if let last = fields.popLast() { fields.append((last.0, last.1.trimmingCharacters(in: .whitespaces))) }
                fields.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
        }
        if let last = fields.popLast() { fields.append((last.0, last.1.trimmingCharacters(in: .whitespaces))) }
        return fields
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The decoded text of the first MIME part of type `type` (quoted-printable undone), or of the body.
    public func part(_ type: String) -> String? {
        guard let start = data.range(of: "Content-Type: \(type)") else { return nil }
        let rest = data[start.upperBound...]
        guard let bodyStart = rest.range(of: "\r\n\r\n") else { return nil }
        let body = rest[bodyStart.upperBound...]
        let end = body.range(of: "\r\n--=_")?.lowerBound ?? body.endIndex
        var text = QuotedPrintable.decode(String(body[..<end]))
        while text.hasSuffix("\r\n") { text.removeLast() }
        return text
    }
}

/// Quoted-printable decoding for checking messages.
public enum QuotedPrintable {
    /// Undoes soft line breaks and `=XX` escapes; the result is read as UTF-8.
    public static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "="), i + 2 < input.count {
                if input[i + 1] == 13 && input[i + 2] == 10 { i += 3; continue }
                if let value = UInt8(String(decoding: input[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                    i += 3
                    continue
                }
            }
            bytes.append(input[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1 (made with the `openssl` command), for TLS tests.
public enum TestCertificate {
    /// Writes `cert.pem` and `key.pem` into `directory` and returns their paths.
    public static func make(in directory: String) async throws -> (certificate: String, key: String) {
        let certificate = "\(directory)/cert.pem", key = "\(directory)/key.pem"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                             "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await offPool { process.waitUntilExit() }
        guard process.terminationStatus == 0 else { throw TestServerError.notStarted("openssl could not make a test certificate") }
        return (certificate, key)
    }
}
