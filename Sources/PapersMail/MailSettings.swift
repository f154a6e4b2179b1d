import Crypto
import Foundation
import PapersCore
import PapersStore

/// Everything mail needs, read once at start-up (`papers serve` and `papers digest run` share it).
public struct MailSettings: Sendable {
    /// The relay.
    public var smtp: SMTPSettings
    /// `From:` of every message; also the envelope sender.
    public var from: Mailbox
    /// The instance's public address, for links in mail (`https://papers.example.org`), no trailing slash.
    public var baseURL: String
    /// The site name in subjects and footers.
    public var siteName: String
    /// The hour of the day (UTC) at which the server makes and sends digests.
    public var digestHour: Int
    /// The ISO weekday (1 = Monday) on which weekly digests go out.
    public var weeklyDay: Int
    /// Confirmation links work for this long, in seconds.
    public var confirmationLifetime: Double
    /// A new confirmation email goes to an address at most once per this many seconds.
    public var confirmationInterval: Double
    /// Bounces in a row that pause a subscription.
    public var pauseAfterBounces: Int

    /// Creates settings with sensible defaults: digests at 07:00 UTC, weekly on Mondays, confirmation links valid for
    /// 48 hours, one confirmation per address per 10 minutes, pause after 3 bounces.
    public init(smtp: SMTPSettings = SMTPSettings(), from: Mailbox, baseURL: String, siteName: String = "Papers", digestHour: Int = 7,
                weeklyDay: Int = 1, confirmationLifetime: Double = 48 * 3600, confirmationInterval: Double = 600, pauseAfterBounces: Int = 3) {
        self.smtp = smtp
        self.from = from
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.siteName = siteName
        self.digestHour = digestHour
        self.weeklyDay = weeklyDay
        self.confirmationLifetime = confirmationLifetime
        self.confirmationInterval = confirmationInterval
        self.pauseAfterBounces = pauseAfterBounces
    }

    /// The domain of the From address, for `Message-ID`s.
    var messageIDDomain: String { String(from.address.value.split(separator: "@").last ?? "localhost") }
}

/// Signed tokens in mail links: confirmation (expiring) and unsubscribe (lasting, per subscriber).
///
/// A token is `ID.EXPIRY.MAC` where MAC is a truncated HMAC-SHA256 (16 bytes, base64url) of the purpose, id and
/// expiry under a key kept in the database (shared by every server), so links cannot be forged or moved to
/// another subscription.
public struct SubscriptionTokens: Sendable {
    /// What a token allows.
    public enum Purpose: String, Sendable {
        case confirm
        case unsubscribe
        /// Turning off an account's comment mail (the id is the account's).
        case commentMail = "comment-mail"
    }

    let keyBytes: [UInt8]

    /// Tokens signed with the instance's `subscriptions` secret (created on first use).
    public init(store: any PaperStore) async throws {
        keyBytes = try await store.secret(named: "subscriptions") { SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) } }
    }

    /// A token for `subscription`; `expiresAt` (Unix seconds) nil means it does not expire.
    public func make(_ purpose: Purpose, subscription: SubscriptionID, expiresAt: Double?) -> String {
        make(purpose, id: subscription.rawValue, expiresAt: expiresAt)
    }

    /// The subscription a token names, or nil when it is malformed, forged, for another purpose or expired.
    public func verify(_ token: String, _ purpose: Purpose, now: Double) -> SubscriptionID? {
        verifiedID(token, purpose, now: now).map { SubscriptionID(rawValue: $0) }
    }

    /// A lasting token that turns `account`'s comment mail off.
    public func makeCommentMailToken(account: AccountID) -> String {
        make(.commentMail, id: account.rawValue, expiresAt: nil)
    }

    /// The account a comment-mail token names, or nil when it is malformed or forged.
    public func verifyCommentMailToken(_ token: String) -> AccountID? {
        verifiedID(token, .commentMail, now: 0).map { AccountID(rawValue: $0) }
    }

    private func make(_ purpose: Purpose, id: Int64, expiresAt: Double?) -> String {
        let expiry = expiresAt.map { String(Int64($0)) } ?? "0"
        return "\(id).\(expiry).\(mac(purpose, "\(id).\(expiry)"))"
    }

    private func verifiedID(_ token: String, _ purpose: Purpose, now: Double) -> Int64? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let id = Int64(parts[0]), let expiry = Int64(parts[1]) else { return nil }
        let expected = mac(purpose, "\(parts[0]).\(parts[1])")
        guard parts[2].utf8.count == expected.utf8.count,
              zip(parts[2].utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        if expiry != 0 && Double(expiry) < now { return nil }
        return id
    }

    private func mac(_ purpose: Purpose, _ payload: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("papers-\(purpose.rawValue):\(payload)".utf8), using: SymmetricKey(data: keyBytes))
        return Data(Array(code).prefix(16)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
