import Foundation
@testable import PapersMail
import PapersCore
import PapersTestSupport
import Testing

@Suite("Mail messages: headers that cannot be injected, encodings that survive transport")
struct MailMessageTests {
    static let from = Mailbox(name: "Papers", address: try! EmailAddress(validating: "digest@papers.example.org"))
    static let to = Mailbox(address: try! EmailAddress(validating: "ada@example.org"))

    static func received(_ message: MailMessage) -> ReceivedMail {
        ReceivedMail(mailFrom: "x", rcptTos: [], data: String(decoding: message.rendered(), as: UTF8.self), auth: false, tls: false)
    }

    @Test("a subject, a display name and an extra header value with CR/LF add no header")
    func headerInjection() {
        let hostile = "Hello\r\nBcc: victim@example.org\r\n\r\n<script>x</script>\nX-Evil: 1\rX-Also: 2"
        let message = MailMessage(from: Mailbox(name: "Papers\r\nBcc: a@b.org", address: Self.from.address), to: Self.to,
                                  subject: hostile, date: 1_764_000_000, messageID: "id\r\nX-Id: 3@x.org", text: "body",
                                  headers: [("List-Id", "list\r\nX-List: 4")])
        let mail = Self.received(message)
        let names = mail.headers.map { $0.name.lowercased() }
        #expect(names == ["date", "from", "to", "subject", "message-id", "list-id", "mime-version", "content-type", "content-transfer-encoding"])
        #expect(!mail.data.lowercased().contains("\r\nbcc:"))
        #expect(!mail.data.contains("\r\nX-Evil") && !mail.data.contains("\r\nX-Also") && !mail.data.contains("\r\nX-Id") && !mail.data.contains("\r\nX-List"))
        #expect(mail.header("Subject") == "Hello Bcc: victim@example.org <script>x</script> X-Evil: 1 X-Also: 2")
        #expect(mail.header("From") == "\"Papers Bcc: a@b.org\" <digest@papers.example.org>")
    }

    @Test("a topic with CR/LF is refused where it comes in, and a digest's topic in the subject stays inside the Subject header")
    func topicInjection() async throws {
        #expect(throws: SubscriptionError.invalid(field: "topics", reason: "a topic is one line of text")) {
            try DigestPreferences(topics: [.search("diffusion\r\nBcc: evil@example.org")])
        }
        #expect(throws: SubscriptionError.self) { try SubscriptionTopic(parsing: "author:Ada\rBcc: evil@example.org") }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try MailFixtures.store(dir)
        var settings = MailFixtures.settings(port: 25)
        settings.from = Mailbox(name: "Papers\r\nBcc: evil@example.org", address: settings.from.address)
        let composer = try MailComposer(settings: settings, tokens: try await SubscriptionTokens(store: store))
        let subscription = Subscription(id: 1, email: MailFixtures.address("ada@example.org"),
                                        preferences: try DigestPreferences(topics: [.search("diffusion Bcc: evil@example.org To: x@y.org")]),
                                        status: .active, accountID: nil, createdAt: 0, confirmedAt: 0, bounces: 0)
        let paper = RankedPaper(paper: Fixtures.paper("2611.00001", title: "A title\r\nX-Evil: 1"), votes: 0, externalUpvotes: 0,
                                submitter: nil, submittedAt: nil, featuredDay: nil, viewerVoted: false)
        let draft = try composer.digest(for: subscription, period: DigestPeriod(.daily, containing: MailFixtures.today),
                                    entries: [DigestEntry(paper: paper, reason: "Trending")], now: MailFixtures.now)
        let mail = Self.received(draft.message)
        #expect(mail.headers.map { $0.name } == ["Date", "From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
                                                 "List-Id", "Auto-Submitted", "Precedence", "MIME-Version", "Content-Type"])
        #expect(mail.header("Subject") == "Papers daily: 1 new paper on diffusion Bcc: evil@example.org To: x@y.org (2026-11-24)")
        #expect(!mail.data.contains("\r\nX-Evil"))
    }

    @Test("every header line of a long non-ASCII subject stays within 78 characters and decodes back")
    func encodedSubject() throws {
        let subject = "Über die Konvergenz von Diffusionsmodellen — 深層学習 and a rather long tail of words " + String(repeating: "ß", count: 40)
        let message = MailMessage(from: Self.from, to: Self.to, subject: subject, date: 0, messageID: "a@b.org", text: "x")
        let data = String(decoding: message.rendered(), as: UTF8.self)
        let head = data.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(head.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
        let encoded = try #require(Self.received(message).header("Subject"))
        let decoded = encoded.split(separator: " ").map { word -> String in
            let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return String(decoding: Data(base64Encoded: String(base64)) ?? Data(), as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
    }

    @Test("quoted-printable bodies are 7-bit, lines at most 76, and decode to the text (dots, spaces, '=' and UTF-8 included)")
    func quotedPrintable() {
        let text = ".starts with a dot\nends with spaces   \nequals = sign, naïve café, 数学\n" + String(repeating: "long line ", count: 30) + "\n.\n"
        let encoded = MIME.quotedPrintable(text)
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 && !$0.hasPrefix(".") && !$0.hasSuffix(" ") })
        #expect(QuotedPrintable.decode(encoded) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("a multipart message carries both parts, a Date in RFC 5322 form and the Message-ID in angle brackets")
    func multipart() throws {
        let message = MailMessage(from: Self.from, to: Self.to, subject: "Digest", date: 1_795_503_600, messageID: "m1@papers.example.org",
                                  text: "plain ✓", html: "<p>html ✓</p>")
        let mail = Self.received(message)
        #expect(mail.header("Date") == "Tue, 24 Nov 2026 07:00:00 +0000")
        #expect(mail.header("Message-ID") == "<m1@papers.example.org>")
        #expect(try #require(mail.header("Content-Type")).hasPrefix("multipart/alternative; boundary="))
        #expect(mail.part("text/plain")?.hasPrefix("plain ✓") == true)
        #expect(mail.part("text/html")?.hasPrefix("<p>html ✓</p>") == true)
    }

    @Test("dot-stuffing doubles leading dots, ends lines with CRLF and the data with CRLF.CRLF")
    func dotStuffing() {
        let stuffed = String(decoding: dotStuffed(Array(".a\r\nb\n..c\r\n.".utf8)), as: UTF8.self)
        #expect(stuffed == "..a\r\nb\r\n...c\r\n..\r\n.\r\n")
    }

    @Test("addresses are checked the way SMTP reads them, and the error names the field")
    func addresses() throws {
        #expect(try EmailAddress(validating: " Ada@Example.ORG ").value == "Ada@example.org")
        for bad in ["", "ada", "ada@", "@example.org", "ada@example", "a b@example.org", "ada@exa mple.org", "ada@example.org\r\nBcc: x@y.org",
                    "<ada@example.org>", "ada@@example.org", "ada..x@example.org", "ádá@example.org", "ada@-example.org"] {
            #expect(throws: SubscriptionError.self, "\(bad)") { try EmailAddress(validating: bad) }
        }
        do {
            _ = try EmailAddress(validating: "nope", field: "email")
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("email: "))
        }
    }

    @Test("signed tokens: a changed id, another purpose or an expired link is refused")
    func tokens() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try MailFixtures.store(dir)
        let tokens = try await SubscriptionTokens(store: store)
        let token = tokens.make(.confirm, subscription: 42, expiresAt: 1_000)
        #expect(tokens.verify(token, .confirm, now: 999) == 42)
        #expect(tokens.verify(token, .confirm, now: 1_001) == nil)
        #expect(tokens.verify(token, .unsubscribe, now: 0) == nil)
        #expect(tokens.verify(token.replacingOccurrences(of: "42.", with: "43."), .confirm, now: 0) == nil)
        let forever = tokens.make(.unsubscribe, subscription: 7, expiresAt: nil)
        #expect(tokens.verify(forever, .unsubscribe, now: 9e12) == 7)
        #expect(tokens.verify("7.0.AAAAAAAAAAAAAAAAAAAAAA", .unsubscribe, now: 0) == nil)
        #expect(try await SubscriptionTokens(store: store).verify(forever, .unsubscribe, now: 0) == 7, "the key is stored, not per process")
    }
}
