import Foundation
import Mustache
import PapersCore
import PapersStore

/// Turns subscriptions and chosen papers into messages, through the Mustache templates in ``MailTemplates``:
/// HTML values are escaped by Mustache; plain-text parts use `{{{…}}}` (no HTML there to escape).
public struct MailComposer: Sendable {
    let library: MustacheLibrary
    let settings: MailSettings
    let tokens: SubscriptionTokens

    /// Creates a composer.
    public init(settings: MailSettings, tokens: SubscriptionTokens) throws {
        var library = MustacheLibrary()
        for name in MailTemplateName.allCases { try library.register(name.source, named: name.rawValue) }
        self.library = library
        self.settings = settings
        self.tokens = tokens
    }

    /// The one-click unsubscribe address for `subscription` (never expires).
    public func unsubscribeURL(_ subscription: SubscriptionID) -> String {
        SiteURL.unsubscribe(token: tokens.make(.unsubscribe, subscription: subscription, expiresAt: nil)).absolute(base: settings.baseURL)
    }

    /// The confirmation link for a pending subscription, valid for ``MailSettings/confirmationLifetime``.
    public func confirmationURL(_ subscription: SubscriptionID, now: Double) -> String {
        SiteURL.subscribeConfirm(token: tokens.make(.confirm, subscription: subscription, expiresAt: now + settings.confirmationLifetime))
            .absolute(base: settings.baseURL)
    }

    /// Renders `model` with `template`; throws rather than sending an empty part.
    func render(_ model: Any, _ template: MailTemplateName) throws -> String {
        guard let text = library.render(model, withTemplate: template.rawValue) else { throw MailTemplateError(name: template.rawValue) }
        return text
    }

    /// A unique `Message-ID` for a message of `kind` to `subscription`.
    func messageID(kind: String, subscription: SubscriptionID, period: String) -> String {
        let random = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let safePeriod = period.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return "papers.\(kind).\(subscription).\(safePeriod).\(random)@\(settings.messageIDDomain)"
    }

    /// The message asking the address owner to confirm.
    public func confirmation(for subscription: Subscription, now: Double) throws -> NewOutboxMailDraft {
        let model = confirmationModel(for: subscription, now: now)
        let message = MailMessage(
            from: settings.from, to: Mailbox(address: subscription.email),
            subject: "Confirm your \(settings.siteName) \(subscription.preferences.frequency.rawValue) digest", date: now,
            messageID: messageID(kind: "confirm", subscription: subscription.id, period: String(Int(now))),
            text: try render(model, .confirmationText),
            html: try render(model, .confirmationHTML),
            headers: [("Auto-Submitted", "auto-generated")])
        return NewOutboxMailDraft(message: message, paperCount: 0)
    }

    /// What the confirmation templates read.
    func confirmationModel(for subscription: Subscription, now: Double) -> ConfirmationModel {
        ConfirmationModel(siteName: settings.siteName, confirmURL: confirmationURL(subscription.id, now: now),
                          frequency: subscription.preferences.frequency.rawValue,
                          contents: subscription.preferences.summary,
                          hours: Int(settings.confirmationLifetime / 3600), baseURL: settings.baseURL)
    }

    /// The digest message listing `entries` for `period`.
    public func digest(for subscription: Subscription, period: DigestPeriod, entries: [DigestEntry], now: Double) throws -> NewOutboxMailDraft {
        let unsubscribe = unsubscribeURL(subscription.id)
        let frequency = subscription.preferences.frequency
        let model = digestModel(for: subscription, period: period, entries: entries, unsubscribeURL: unsubscribe)
        let paperCount = entries.count
        // The first topic names the digest (a subject is the first thing read); it is user text, made single-line
        // and encoded by MailMessage like every header value.
        let about = subscription.preferences.topics.first.map { " on \($0.value)" } ?? ""
        let message = MailMessage(
            from: settings.from, to: Mailbox(address: subscription.email),
            subject: "\(settings.siteName) \(frequency.rawValue): \(paperCount) new paper\(paperCount == 1 ? "" : "s")\(about) (\(period.key))",
            date: now, messageID: messageID(kind: "digest", subscription: subscription.id, period: period.key),
            text: try render(model, .digestText),
            html: try render(model, .digestHTML),
            headers: [("List-Unsubscribe", "<\(unsubscribe)>"),
                      ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                      ("List-Id", "\(settings.siteName) digest <digest.\(settings.messageIDDomain)>"),
                      ("Auto-Submitted", "auto-generated"),
                      ("Precedence", "bulk")])
        return NewOutboxMailDraft(message: message, paperCount: paperCount)
    }

    /// What the digest templates read: the heading, the papers with their reasons and links, the unsubscribe link.
    func digestModel(for subscription: Subscription, period: DigestPeriod, entries: [DigestEntry], unsubscribeURL: String) -> [String: Any] {
        let frequency = subscription.preferences.frequency
        let periodText = frequency == .daily ? period.start.longDescription : "the week of \(period.start.longDescription)"
        // Dictionaries, not view-model structs: Mustache reads them directly, where structs go through `Mirror`
        // (a third of the time of a digest run, `perf record` on `papers bench digest`).
        let papers: [[String: Any]] = entries.map { entry in
            let paper = entry.paper.paper
            return ["title": MIME.singleLine(paper.title), "authors": Self.shortAuthors(paper.authors.map(\.name)),
                    "abstract": Self.shortAbstract(paper.abstract), "url": SiteURL.paper(paper.id).absolute(base: settings.baseURL),
                    "upvotes": entry.paper.totalUpvotes, "hasUpvotes": entry.paper.totalUpvotes > 0, "reason": entry.reason,
                    // Subscribers with an account can say "Not interested" (on the paper's page, logged in).
                    "hasAccount": subscription.accountID != nil,
                    "notInterestedURL": SiteURL.paper(paper.id, fragment: "not-interested").absolute(base: settings.baseURL)]
        }
        return [
            "siteName": settings.siteName, "heading": "\(frequency == .daily ? "Daily" : "Weekly") papers for \(periodText)",
            "papers": papers, "contents": subscription.preferences.summary, "unsubscribeURL": unsubscribeURL, "baseURL": settings.baseURL,
        ]
    }

    /// The first three authors and "et al.".
    static func shortAuthors(_ names: [String]) -> String {
        MIME.singleLine(names.count > 3 ? names.prefix(3).joined(separator: ", ") + " et al." : names.joined(separator: ", "))
    }

    /// About 300 characters of the abstract, cut at a word.
    static func shortAbstract(_ abstract: String) -> String {
        let flat = MIME.singleLine(abstract)
        guard flat.count > 300 else { return flat }
        let cut = flat.prefix(300)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + " …"
    }
}

extension MailComposer {
    /// The one-click address that turns all of `account`'s comment mail off (never expires).
    public func commentMailUnsubscribeURL(_ account: AccountID) -> String {
        SiteURL.commentMailUnsubscribe(token: tokens.makeCommentMailToken(account: account)).absolute(base: settings.baseURL)
    }

    /// One message with every notification in `batch` (one account's, oldest first).
    public func comments(_ batch: [PendingNotification], now: Double) throws -> NewOutboxMailDraft {
        guard let first = batch.first else { throw MailTemplateError(name: MailTemplateName.commentsText.rawValue) }
        let unsubscribe = commentMailUnsubscribeURL(first.account)
        let model = commentsModel(batch, unsubscribeURL: unsubscribe)
        let papers = Set(batch.map(\.comment.paperID)).count
        let subject = batch.count == 1
            ? "\(first.comment.authorName ?? "Someone") \(Self.verb(first.reason)) on \(first.paperTitle)"
            : "\(batch.count) new comments on \(papers == 1 ? first.paperTitle : "\(papers) papers") (\(settings.siteName))"
        let message = MailMessage(
            from: settings.from, to: Mailbox(address: try EmailAddress(validating: first.email)), subject: subject, date: now,
            messageID: messageID(kind: "comments", subscription: SubscriptionID(rawValue: first.account.rawValue), period: "n\(first.id)"),
            text: try render(model, .commentsText), html: try render(model, .commentsHTML),
            headers: [("List-Unsubscribe", "<\(unsubscribe)>"),
                      ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                      ("List-Id", "\(settings.siteName) comments <comments.\(settings.messageIDDomain)>"),
                      ("Auto-Submitted", "auto-generated")])
        return NewOutboxMailDraft(message: message, paperCount: batch.count)
    }

    /// What the comment-mail templates read (dictionaries, as the digest's).
    func commentsModel(_ batch: [PendingNotification], unsubscribeURL: String) -> [String: Any] {
        let items: [[String: Any]] = batch.map { item in
            ["reason": Self.reasonText(item.reason), "author": item.comment.authorName ?? "deleted account",
             "paperTitle": MIME.singleLine(item.paperTitle),
             "paperURL": SiteURL.paper(item.comment.paperID).absolute(base: settings.baseURL),
             "url": SiteURL.comment(item.comment.paperID, item.comment.id).absolute(base: settings.baseURL),
             "excerpt": Self.excerpt(item.comment.body)]
        }
        return ["siteName": settings.siteName, "baseURL": settings.baseURL, "items": items, "unsubscribeURL": unsubscribeURL,
                "settingsURL": SiteURL.accountSettings.absolute(base: settings.baseURL),
                "heading": batch.count == 1 ? "A new comment for you" : "\(batch.count) new comments for you"]
    }

    static func reasonText(_ reason: NotificationReason) -> String {
        switch reason {
        case .reply: return "Reply to your comment"
        case .mention: return "You were mentioned"
        case .followedPaper: return "On a paper you follow"
        case .ownPaper: return "On your paper"
        }
    }

    static func verb(_ reason: NotificationReason) -> String {
        switch reason {
        case .reply: return "replied to you"
        case .mention: return "mentioned you"
        case .followedPaper, .ownPaper: return "commented"
        }
    }

    /// The comment's Markdown as written, at most about 500 characters (mail shows it as text, never as HTML).
    static func excerpt(_ body: String) -> String {
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count > 500 else { return trimmed }
        let cut = trimmed.prefix(500)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + " …"
    }
}

/// A composed message and how many papers it lists.
public struct NewOutboxMailDraft: Sendable {
    /// The message.
    public var message: MailMessage
    /// Papers listed.
    public var paperCount: Int
}

struct ConfirmationModel: Sendable {
    var siteName: String
    var confirmURL: String
    var frequency: String
    var contents: String
    var hours: Int
    var baseURL: String
}

/// The mail templates: `Templates/NAME.mustache` in PapersMail's source tree, compiled into the binary as byte arrays
/// (`PackageResources`, SwiftPM's `embedInCode`). The switch is exhaustive and names each file's generated constant,
/// so a misspelt name or a missing file fails the build.
enum MailTemplateName: String, CaseIterable, Sendable {
    case digestText = "digest_text"
    case digestHTML = "digest_html"
    case confirmationText = "confirmation_text"
    case confirmationHTML = "confirmation_html"
    case commentsText = "comments_text"
    case commentsHTML = "comments_html"

    /// The template's text, without the one newline that ends the file.
    var source: String {
        let bytes: [UInt8]
        switch self {
        case .digestText: bytes = PackageResources.digest_text_mustache
        case .digestHTML: bytes = PackageResources.digest_html_mustache
        case .confirmationText: bytes = PackageResources.confirmation_text_mustache
        case .confirmationHTML: bytes = PackageResources.confirmation_html_mustache
        case .commentsText: bytes = PackageResources.comments_text_mustache
        case .commentsHTML: bytes = PackageResources.comments_html_mustache
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// A mail template the library cannot render.
public struct MailTemplateError: Error, CustomStringConvertible {
    /// The template's name.
    public let name: String
    public var description: String { "no mail template named \"\(name)\"" }
}
