import Foundation
import Mustache
import PapersCore

/// Turns subscriptions and chosen papers into messages, through the Mustache templates in ``MailTemplates``:
/// HTML values are escaped by Mustache; plain-text parts use `{{{…}}}` (no HTML there to escape).
public struct MailComposer: Sendable {
    let library: MustacheLibrary
    let settings: MailSettings
    let tokens: SubscriptionTokens

    /// Creates a composer.
    public init(settings: MailSettings, tokens: SubscriptionTokens) throws {
        var library = MustacheLibrary()
        for (name, source) in MailTemplates.all { try library.register(source, named: name) }
        self.library = library
        self.settings = settings
        self.tokens = tokens
    }

    /// The one-click unsubscribe address for `subscription` (never expires).
    public func unsubscribeURL(_ subscription: Int64) -> String {
        "\(settings.baseURL)/unsubscribe?token=\(tokens.make(.unsubscribe, subscription: subscription, expiresAt: nil))"
    }

    /// The confirmation link for a pending subscription, valid for ``MailSettings/confirmationLifetime``.
    public func confirmationURL(_ subscription: Int64, now: Double) -> String {
        "\(settings.baseURL)/subscribe/confirm?token=\(tokens.make(.confirm, subscription: subscription, expiresAt: now + settings.confirmationLifetime))"
    }

    /// A unique `Message-ID` for a message of `kind` to `subscription`.
    func messageID(kind: String, subscription: Int64, period: String) -> String {
        let random = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let safePeriod = period.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        return "papers.\(kind).\(subscription).\(safePeriod).\(random)@\(settings.messageIDDomain)"
    }

    /// The message asking the address owner to confirm.
    public func confirmation(for subscription: Subscription, now: Double) -> NewOutboxMailDraft {
        let model = ConfirmationModel(siteName: settings.siteName, confirmURL: confirmationURL(subscription.id, now: now),
                                      frequency: subscription.preferences.frequency.rawValue,
                                      contents: subscription.preferences.summary,
                                      hours: Int(settings.confirmationLifetime / 3600), baseURL: settings.baseURL)
        let message = MailMessage(
            from: settings.from, to: Mailbox(address: subscription.email),
            subject: "Confirm your \(settings.siteName) \(subscription.preferences.frequency.rawValue) digest", date: now,
            messageID: messageID(kind: "confirm", subscription: subscription.id, period: String(Int(now))),
            text: library.render(model, withTemplate: "confirmation_text") ?? "",
            html: library.render(model, withTemplate: "confirmation_html"),
            headers: [("Auto-Submitted", "auto-generated")])
        return NewOutboxMailDraft(message: message, paperCount: 0)
    }

    /// The digest message listing `entries` for `period`.
    public func digest(for subscription: Subscription, period: DigestPeriod, entries: [DigestEntry], now: Double) -> NewOutboxMailDraft {
        let unsubscribe = unsubscribeURL(subscription.id)
        let frequency = subscription.preferences.frequency
        let periodText = frequency == .daily ? period.start.longDescription : "the week of \(period.start.longDescription)"
        // Dictionaries, not view-model structs: Mustache reads them directly, where structs go through `Mirror`
        // (a third of the time of a digest run, `perf record` on `papers bench digest`).
        let papers: [[String: Any]] = entries.map { entry in
            let paper = entry.paper.paper
            return ["title": MIME.singleLine(paper.title), "authors": Self.shortAuthors(paper.authors.map(\.name)),
                    "abstract": Self.shortAbstract(paper.abstract), "url": "\(settings.baseURL)/papers/\(paper.id.rawValue)",
                    "upvotes": entry.paper.totalUpvotes, "hasUpvotes": entry.paper.totalUpvotes > 0, "reason": entry.reason,
                    // Subscribers with an account can say "Not interested" (on the paper's page, logged in).
                    "hasAccount": subscription.accountID != nil,
                    "notInterestedURL": "\(settings.baseURL)/papers/\(paper.id.rawValue)#not-interested"]
        }
        let model: [String: Any] = [
            "siteName": settings.siteName, "heading": "\(frequency == .daily ? "Daily" : "Weekly") papers for \(periodText)",
            "papers": papers, "contents": subscription.preferences.summary, "unsubscribeURL": unsubscribe, "baseURL": settings.baseURL,
        ]
        // The first topic names the digest (a subject is the first thing read); it is user text, made single-line
        // and encoded by MailMessage like every header value.
        let about = subscription.preferences.topics.first.map { " on \($0.value)" } ?? ""
        let message = MailMessage(
            from: settings.from, to: Mailbox(address: subscription.email),
            subject: "\(settings.siteName) \(frequency.rawValue): \(papers.count) new paper\(papers.count == 1 ? "" : "s")\(about) (\(period.key))",
            date: now, messageID: messageID(kind: "digest", subscription: subscription.id, period: period.key),
            text: library.render(model, withTemplate: "digest_text") ?? "",
            html: library.render(model, withTemplate: "digest_html"),
            headers: [("List-Unsubscribe", "<\(unsubscribe)>"),
                      ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                      ("List-Id", "\(settings.siteName) digest <digest.\(settings.messageIDDomain)>"),
                      ("Auto-Submitted", "auto-generated"),
                      ("Precedence", "bulk")])
        return NewOutboxMailDraft(message: message, paperCount: papers.count)
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

/// The mail templates, compiled into the binary.
enum MailTemplates {
    static let all: [String: String] = [
        "digest_html": digestHTML, "digest_text": digestText, "confirmation_html": confirmationHTML, "confirmation_text": confirmationText,
    ]

    static let digestText = """
        {{{heading}}}

        {{#papers}}
        * {{{title}}}
          {{{authors}}}
          {{{reason}}}{{#hasUpvotes}} · ▲ {{upvotes}}{{/hasUpvotes}}
          {{{abstract}}}
          {{{url}}}{{#hasAccount}}
          Not interested: {{{notInterestedURL}}}{{/hasAccount}}

        {{/papers}}
        --
        You get this because you subscribed to {{{siteName}}} ({{{contents}}}).
        Unsubscribe with one click: {{{unsubscribeURL}}}

        """

    static let digestHTML = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{heading}}</title></head>
        <body style="margin:0;padding:16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#fff">
        <div style="max-width:640px;margin:0 auto">
        <h1 style="font-size:20px;margin:0 0 16px">{{heading}}</h1>
        {{#papers}}
        <div style="margin:0 0 20px;padding:0 0 16px;border-bottom:1px solid #e5e5e5">
          <h2 style="font-size:16px;margin:0 0 4px"><a href="{{url}}" style="color:#0b57d0;text-decoration:none">{{title}}</a></h2>
          <p style="margin:0 0 4px;font-size:13px;color:#555">{{authors}}</p>
          <p style="margin:0 0 6px;font-size:12px;color:#777">{{reason}}{{#hasUpvotes}} · ▲ {{upvotes}}{{/hasUpvotes}}</p>
          <p style="margin:0;font-size:14px;line-height:1.45">{{abstract}}</p>
          {{#hasAccount}}<p style="margin:4px 0 0;font-size:12px"><a href="{{notInterestedURL}}" style="color:#777">Not interested</a></p>{{/hasAccount}}
        </div>
        {{/papers}}
        <p style="font-size:12px;color:#777">You get this because you subscribed to <a href="{{baseURL}}">{{siteName}}</a> ({{contents}}).
        <a href="{{unsubscribeURL}}">Unsubscribe</a> with one click.</p>
        </div>
        </body></html>

        """

    static let confirmationText = """
        Please confirm your {{{frequency}}} {{{siteName}}} digest ({{{contents}}}):

        {{{confirmURL}}}

        The link works for {{hours}} hours. If you did not ask for this, ignore this email: nothing will be sent.

        """

    static let confirmationHTML = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Confirm your digest</title></head>
        <body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;padding:16px">
        <p>Please confirm your {{frequency}} <a href="{{baseURL}}">{{siteName}}</a> digest ({{contents}}).</p>
        <p><a href="{{confirmURL}}" style="display:inline-block;padding:10px 16px;background:#0b57d0;color:#fff;border-radius:6px;text-decoration:none">Confirm my subscription</a></p>
        <p style="font-size:12px;color:#777">The link works for {{hours}} hours. If you did not ask for this, ignore this email: nothing will be sent.</p>
        </body></html>

        """
}
