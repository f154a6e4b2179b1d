import PapersCore

/// A comment about to be written.
public struct NewComment: Sendable {
    /// The paper discussed.
    public var paper: PaperID
    /// The comment answered, when it is a reply (it must be on the same paper).
    public var parent: CommentID?
    /// The author.
    public var author: AccountID
    /// The Markdown as written (checked by ``CommentRules/validateBody(_:)`` before it gets here).
    public var body: String
    /// The account names it mentions (from the rendered Markdown), for notifications.
    public var mentions: [String]
    /// A token the form carried: the same author and key again (a double click, a retried request) returns the
    /// comment made the first time instead of a second one.
    public var clientKey: String?

    /// Creates a new comment.
    public init(paper: PaperID, parent: CommentID?, author: AccountID, body: String, mentions: [String] = [], clientKey: String? = nil) {
        self.paper = paper
        self.parent = parent
        self.author = author
        self.body = body
        self.mentions = mentions
        self.clientKey = clientKey
    }
}

/// One comment mail: an account's pending notifications in one message.
public struct NotificationMail: Sendable {
    /// Who it is for.
    public var account: AccountID
    /// The envelope recipient (the account's address).
    public var recipient: String
    /// The `Message-ID` (without angle brackets).
    public var messageID: String
    /// The whole message, CRLF line ends.
    public var message: [UInt8]
    /// The notifications it carries (their ids); the first names the batch, so it is queued once.
    public var notifications: [Int64]
    /// When it was made (Unix seconds).
    public var createdAt: Double

    /// Creates a comment mail.
    public init(account: AccountID, recipient: String, messageID: String, message: [UInt8], notifications: [Int64], createdAt: Double) {
        self.account = account
        self.recipient = recipient
        self.messageID = messageID
        self.message = message
        self.notifications = notifications
        self.createdAt = createdAt
    }

    /// The outbox period: the batch's first notification.
    public var period: String { "n\(notifications.min() ?? 0)" }
}

/// A notification waiting to be mailed: who, about which comment, and why.
public struct PendingNotification: Hashable, Sendable {
    /// Row id.
    public var id: Int64
    /// Who is told.
    public var account: AccountID
    /// Their name and address.
    public var accountName: String
    /// Where the mail goes.
    public var email: String
    /// The comment (its paper, author and text).
    public var comment: Comment
    /// The paper's title.
    public var paperTitle: String
    /// Why they are told.
    public var reason: NotificationReason
    /// When it was recorded (Unix seconds).
    public var createdAt: Double

    /// Creates a pending notification.
    public init(id: Int64, account: AccountID, accountName: String, email: String, comment: Comment, paperTitle: String,
                reason: NotificationReason, createdAt: Double) {
        self.id = id
        self.account = account
        self.accountName = accountName
        self.email = email
        self.comment = comment
        self.paperTitle = paperTitle
        self.reason = reason
        self.createdAt = createdAt
    }
}

/// Comments, moderation, authorship claims, follows, comment notifications and the account's own controls. One
/// implementation per backend; every method is one transaction, and every moderation step writes its audit line in
/// the same transaction as the change.
public protocol DiscussionStore: Sendable {
    /// Writes a comment (and follows the paper for its author), records the notifications it causes for people
    /// who opted in, and returns it with `created` false when `clientKey` had already made it. Throws
    /// ``CommunityError/unknownPaper``, ``CommunityError/unknownComment`` (a parent not on this paper) or
    /// ``CommunityError/suspended``.
    func addComment(_ new: NewComment, now: Double) async throws -> (comment: Comment, created: Bool)
    /// The comment with this id, whatever its state.
    func comment(_ id: CommentID) async throws -> Comment?
    /// Every comment on `paper` (deleted and hidden ones too, for their place in the thread), in id order.
    func comments(on paper: PaperID) async throws -> [Comment]
    /// The comments `account` wrote, newest first, at most `limit`.
    func comments(by account: AccountID, limit: Int) async throws -> [Comment]
    /// Replaces the body of `author`'s own visible comment; nil when there is no such comment of theirs.
    func editComment(_ id: CommentID, author: AccountID, body: String, now: Double) async throws -> Comment?
    /// Deletes `author`'s own comment (its text goes, its place and replies stay); false when there is no such
    /// visible comment of theirs.
    func deleteComment(_ id: CommentID, author: AccountID, now: Double) async throws -> Bool

    /// Reports a comment; false when this person already reported it. Throws ``CommunityError/unknownComment``.
    func reportComment(_ id: CommentID, reporter: AccountID, reason: String, now: Double) async throws -> Bool
    /// Comments with unresolved reports, the most reported first, at most `limit`.
    func openReports(limit: Int) async throws -> [ReportedComment]
    /// Hides (or shows again) a comment and resolves its reports; `actor` is the admin (nil: the command line).
    /// False when there is no such comment.
    func setCommentHidden(_ id: CommentID, hidden: Bool, actor: AccountID?, reason: String, now: Double) async throws -> Bool
    /// Resolves a comment's reports without hiding it.
    func dismissReports(_ id: CommentID, actor: AccountID?, now: Double) async throws -> Bool
    /// Makes the account named `name` an admin (or a member again); nil when there is no such account.
    func setAdmin(named name: String, admin: Bool, actor: AccountID?, now: Double) async throws -> Account?
    /// Suspends (or restores) an account; suspending ends its sessions and API tokens. False when there is no
    /// such account.
    func setSuspended(_ account: AccountID, suspended: Bool, actor: AccountID?, reason: String, now: Double) async throws -> Bool
    /// The audit log, newest first, at most `limit` lines.
    func auditLog(limit: Int) async throws -> [AuditEntry]
    /// The account with this id.
    func account(_ id: AccountID) async throws -> Account?

    /// Claims that `account` is `authorName` on `paper`. Throws ``CommunityError/unknownPaper``,
    /// ``CommunityError/notAnAuthor`` (no such author on the paper) or ``CommunityError/claimExists``.
    func claimAuthorship(account: AccountID, paper: PaperID, authorName: String, now: Double) async throws -> AuthorClaim
    /// Claims, newest first: only those with `status` and of `account` when given.
    func claims(status: ClaimStatus?, account: AccountID?, limit: Int) async throws -> [AuthorClaim]
    /// Approves or refuses a pending claim; nil when there is no pending claim with this id. Throws
    /// ``CommunityError/claimExists`` when another account's claim on that author was approved first.
    func decideClaim(_ id: ClaimID, approve: Bool, actor: AccountID?, now: Double) async throws -> AuthorClaim?

    /// Follows (or stops following) a paper's discussion.
    func setPaperFollow(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws
    /// Whether `account` follows `paper`'s discussion.
    func followsPaper(account: AccountID, paper: PaperID) async throws -> Bool
    /// The account's comment-mail settings (all off when never set).
    func notificationSettings(account: AccountID) async throws -> NotificationSettings
    /// Saves the account's comment-mail settings.
    func setNotificationSettings(account: AccountID, _ settings: NotificationSettings) async throws
    /// Notifications not yet mailed (of visible comments), oldest first, at most `limit`.
    func pendingNotifications(limit: Int) async throws -> [PendingNotification]
    /// Marks notifications as mailed (they are never sent again).
    func markNotificationsSent(_ ids: [Int64], now: Double) async throws
    /// Queues one comment mail and marks its notifications mailed, in one transaction; false, with nothing written,
    /// when any of them was mailed already (another worker batched them first) or the batch was queued before.
    func enqueueNotificationMail(_ mail: NotificationMail) async throws -> Bool

    /// Replaces the password hash and ends every session but `keepingSession` (API tokens stay: they are
    /// revoked one by one on their page).
    func setPassword(account: AccountID, passwordHash: String, keepingSession: [UInt8]?) async throws
    /// The account's password hash.
    func passwordHash(account: AccountID) async throws -> String?
    /// Changes the account's address; throws ``CommunityError/emailTaken``.
    func setEmail(account: AccountID, email: String) async throws
    /// Deletes the account and everything that names it: sessions, tokens, collections, signals, subscriptions
    /// (by account and by address), reports, claims, follows, notifications. Votes become anonymous counts and
    /// comments anonymous, or with `removeContributions` both go (a comment with replies stays as "deleted").
    /// False when there was no such account.
    func deleteAccount(_ account: AccountID, removeContributions: Bool, now: Double) async throws -> Bool

    /// The papers with an author of this name (``AuthorName/key(_:)``), newest first, and how many there are.
    func authorPapers(named name: String, viewer: AccountID?, limit: Int, offset: Int) async throws -> (total: Int, papers: [RankedPaper])
}
