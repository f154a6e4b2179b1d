import Foundation
import PapersCore

/// A mailbox in a header: an optional display name and an address.
public struct Mailbox: Hashable, Sendable {
    /// Shown by mail clients (`Papers digest`); any text, encoded as needed.
    public var name: String?
    /// The address.
    public var address: EmailAddress

    /// Creates a mailbox.
    public init(name: String? = nil, address: EmailAddress) {
        self.name = name
        self.address = address
    }

    /// The header form: `"Name" <addr>`, `=?UTF-8?B?…?= <addr>` for non-ASCII names, or `addr`.
    var headerValue: String {
        guard let name = name.map(MIME.singleLine), !name.isEmpty else { return address.value }
        if name.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address.value)>"
        }
        return "\(MIME.encodedWords(name).joined(separator: " ")) <\(address.value)>"
    }
}

/// An email with a plain-text body and, optionally, an HTML alternative.
///
/// Every header value passes through ``MIME/singleLine(_:)`` before it is written: CR, LF and other control
/// characters become spaces, so no subject, name or topic can start a header of its own. Non-ASCII text is
/// RFC 2047-encoded; bodies are quoted-printable, so the message is 7-bit and needs no 8BITMIME.
public struct MailMessage: Sendable {
    /// `From:`.
    public var from: Mailbox
    /// `To:`.
    public var to: Mailbox
    /// `Subject:`.
    public var subject: String
    /// `Date:`, Unix seconds.
    public var date: Double
    /// `Message-ID:` without angle brackets (`local@domain`).
    public var messageID: String
    /// The text/plain part.
    public var text: String
    /// The text/html part, when there is one.
    public var html: String?
    /// More headers (`List-Unsubscribe`, …), in order; names must be header tokens, values are made single-line.
    public var headers: [(name: String, value: String)]

    /// Creates a message.
    public init(from: Mailbox, to: Mailbox, subject: String, date: Double, messageID: String, text: String, html: String? = nil,
                headers: [(name: String, value: String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
        self.text = text
        self.html = html
        self.headers = headers
    }

    /// The message as sent: headers and body, CRLF line ends, lines of at most 78 characters, 7-bit.
    public func rendered() -> [UInt8] {
        var out = ""
        func header(_ name: String, _ value: String) {
            precondition(MIME.isHeaderName(name), "header name \(name)")
            out += MIME.fold(name: name, value: value) + "\r\n"
        }
        header("Date", MIME.rfc5322Date(date))
        header("From", from.headerValue)
        header("To", to.headerValue)
        header("Subject", MIME.encodeUnstructured(subject))
        header("Message-ID", "<\(MIME.singleLine(messageID).replacingOccurrences(of: " ", with: ""))>")
        for extra in headers { header(extra.name, MIME.encodeUnstructured(extra.value)) }
        header("MIME-Version", "1.0")
        guard let html else {
            header("Content-Type", "text/plain; charset=utf-8")
            header("Content-Transfer-Encoding", "quoted-printable")
            out += "\r\n" + MIME.quotedPrintable(text)
            return Array(out.utf8)
        }
        let boundary = "=_papers_\(MIME.boundaryToken(messageID))"
        header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
        out += "\r\nThis is a multi-part message in MIME format.\r\n"
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            out += "--\(boundary)\r\nContent-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            out += MIME.quotedPrintable(body) + "\r\n"
        }
        out += "--\(boundary)--\r\n"
        return Array(out.utf8)
    }
}

/// MIME and RFC 5322 encoding rules, kept small: what a digest needs and nothing else.
public enum MIME {
    /// Text with every CR, LF, tab and other control character replaced by a space, runs of spaces collapsed.
    public static func singleLine(_ text: String) -> String {
        // Most text (titles, abstracts) is plain: look at bytes first and only rebuild when something must change.
        var needsWork = false
        var previousSpace = true
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F || byte >= 0xC2 && byte <= 0xE2 || (byte == 0x20 && previousSpace) {
                needsWork = true
                break
            }
            previousSpace = byte == 0x20
        }
        if !needsWork && text.utf8.last != 0x20 { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}"
                || scalar == " " || (scalar.value >= 0x80 && scalar.value < 0xA0)
            if isSpace {
                if !lastWasSpace { out.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    /// Whether `name` is a header field name (printable ASCII except `:` and space).
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != ":" }
    }

    /// An unstructured header value (Subject and the like): single-line, and RFC 2047 encoded words when it has
    /// non-ASCII characters or something that would look like an encoded word.
    static func encodeUnstructured(_ text: String) -> String {
        let line = singleLine(text)
        if line.unicodeScalars.allSatisfy({ $0.isASCII }) && !line.contains("=?") { return line }
        return encodedWords(line).joined(separator: " ")
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, never splitting a character.
    static func encodedWords(_ text: String) -> [String] {
        // 75 - len("=?UTF-8?B??=") = 63 base64 characters = 45 bytes at most per word.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    /// `Name: value` folded at spaces so that lines stay within 78 characters where possible.
    static func fold(name: String, value: String) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: true) {
            if current.count + 1 + word.count > 78 {
                lines.append(current)
                current = " \(word)"
            } else {
                current += " \(word)"
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// Quoted-printable (RFC 2045) of UTF-8 text; any line ending becomes CRLF; lines at most 76 characters.
    public static func quotedPrintable(_ text: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        var width = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 13 || byte == 10 {
                // CRLF, lone CR and lone LF all end a line.
                if byte == 13 && index + 1 < bytes.count && bytes[index + 1] == 10 { index += 1 }
                out += [13, 10]
                width = 0
                index += 1
                continue
            }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 10
            let isLast = next == 10 || next == 13
            // Trailing spaces are encoded (transports strip them); `.` first on a line is encoded too, so that the
            // body never depends on SMTP dot-stuffing being done right.
            let literal = (byte == 32 || byte == 9) ? !isLast : (byte >= 33 && byte <= 126 && byte != 61 && !(byte == 46 && width == 0))
            let length = literal ? 1 : 3
            // A soft line break (`=`) keeps every line within 76 characters.
            if width + length > (isLast ? 76 : 75) {
                out += [61, 13, 10]
                width = 0
            }
            if literal && !(byte == 46 && width == 0) {
                out.append(byte)
                width += 1
            } else {
                out += [61, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                width += 3
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The `Date:` form, e.g. `Tue, 24 Nov 2026 07:00:00 +0000`.
    public static func rfc5322Date(_ unixTime: Double) -> String {
        let day = Day(unixTime: unixTime)
        let (year, month, dayOfMonth) = day.components
        let seconds = Int((unixTime - Double(day.daysSinceEpoch) * 86_400).rounded(.down))
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day.weekday - 1]
        let monthName = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(two(dayOfMonth)) \(monthName) \(year) \(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)) +0000"
    }

    /// A boundary part made from the message id (which is unique), restricted to safe characters.
    static func boundaryToken(_ messageID: String) -> String {
        String(messageID.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-") }
            .map(Character.init).prefix(50))
    }
}
