import Foundation

/// One comment on a paper, as stored: the Markdown its author wrote, or nothing once deleted or hidden.
public struct Comment: Hashable, Sendable {
    /// Row id; comments are shown in id order within their parent, so a thread's order never changes.
    public var id: CommentID
    /// The paper discussed.
    public var paperID: PaperID
    /// The comment this one answers, when it is a reply.
    public var parentID: CommentID?
    /// Who wrote it; nil once its author deleted their account (the comment is then anonymous).
    public var authorID: AccountID?
    /// The author's name at the time of reading; nil when anonymous.
    public var authorName: String?
    /// The Markdown as written; empty once deleted or hidden.
    public var body: String
    /// When it was written (Unix seconds).
    public var createdAt: Double
    /// When it was last edited (Unix seconds).
    public var editedAt: Double?
    /// When its author deleted it (Unix seconds); a deleted comment stays as a "deleted" line above its replies.
    public var deletedAt: Double?
    /// When an admin hid it (Unix seconds).
    public var hiddenAt: Double?
    /// The author of the paper the commenter claimed (an approved claim on this paper), when there is one.
    public var paperAuthorName: String?

    /// Creates a comment value.
    public init(id: CommentID, paperID: PaperID, parentID: CommentID?, authorID: AccountID?, authorName: String?, body: String,
                createdAt: Double, editedAt: Double? = nil, deletedAt: Double? = nil, hiddenAt: Double? = nil, paperAuthorName: String? = nil) {
        self.id = id
        self.paperID = paperID
        self.parentID = parentID
        self.authorID = authorID
        self.authorName = authorName
        self.body = body
        self.createdAt = createdAt
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.hiddenAt = hiddenAt
        self.paperAuthorName = paperAuthorName
    }

    /// Whether it is shown and counted: neither deleted by its author nor hidden by an admin.
    public var isVisible: Bool { deletedAt == nil && hiddenAt == nil }
}

/// What people may write in a comment; each failure names the field.
public enum CommentRules {
    /// Longest comment, in characters.
    public static let maximumLength = 10_000
    /// Longest report reason, in characters.
    public static let maximumReasonLength = 500

    /// Checks a comment's Markdown: not blank, at most ``maximumLength`` characters, no NUL.
    public static func validateBody(_ body: String) -> String? {
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "body: write something first" }
        if body.count > maximumLength { return "body: at most \(maximumLength) characters (this has \(body.count))" }
        if body.contains("\0") { return "body: contains a NUL character" }
        return nil
    }
}

/// A thread: comments in the order a page shows them, each with its depth.
public enum CommentThread {
    /// Deepest indentation shown; deeper replies sit at this depth, still after their parent.
    public static let maximumDepth = 6

    /// `comments` (one paper's, any order) depth-first: top-level comments oldest first, each followed by its replies
    /// oldest first. A reply whose parent is missing is shown at the top level.
    public static func ordered(_ comments: [Comment]) -> [(comment: Comment, depth: Int)] {
        let ids = Set(comments.map(\.id))
        var children: [CommentID?: [Comment]] = [:]
        for comment in comments {
            let parent = comment.parentID.flatMap { ids.contains($0) ? $0 : nil }
            children[parent, default: []].append(comment)
        }
        for key in children.keys { children[key]?.sort { $0.id < $1.id } }
        var result: [(comment: Comment, depth: Int)] = []
        result.reserveCapacity(comments.count)
        // Iterative, so a long chain of replies cannot exhaust the stack.
        var stack: [(Comment, Int)] = (children[nil] ?? []).reversed().map { ($0, 0) }
        while let (comment, depth) = stack.popLast() {
            result.append((comment, min(depth, maximumDepth)))
            for child in (children[comment.id] ?? []).reversed() { stack.append((child, depth + 1)) }
        }
        return result
    }
}

/// A comment reported by at least one person and not yet dealt with.
public struct ReportedComment: Hashable, Sendable {
    /// The comment (visible or already hidden).
    public var comment: Comment
    /// How many people reported it.
    public var reportCount: Int
    /// Their reasons, oldest first.
    public var reasons: [String]
    /// When it was first reported (Unix seconds).
    public var firstReportedAt: Double

    /// Creates a report summary.
    public init(comment: Comment, reportCount: Int, reasons: [String], firstReportedAt: Double) {
        self.comment = comment
        self.reportCount = reportCount
        self.reasons = reasons
        self.firstReportedAt = firstReportedAt
    }
}

/// Where an authorship claim stands.
public enum ClaimStatus: String, CaseIterable, Codable, Sendable {
    case pending, approved, refused
}

/// An account's claim to be one of a paper's authors.
public struct AuthorClaim: Hashable, Sendable {
    /// Row id.
    public var id: ClaimID
    /// Who claims.
    public var accountID: AccountID
    /// Their account name.
    public var accountName: String
    /// The paper.
    public var paperID: PaperID
    /// Its title, for the queue.
    public var paperTitle: String
    /// The author name as the paper lists it.
    public var authorName: String
    /// Pending, approved or refused.
    public var status: ClaimStatus
    /// When it was made (Unix seconds).
    public var createdAt: Double
    /// When an admin decided (Unix seconds).
    public var decidedAt: Double?

    /// Creates a claim value.
    public init(id: ClaimID, accountID: AccountID, accountName: String, paperID: PaperID, paperTitle: String, authorName: String,
                status: ClaimStatus, createdAt: Double, decidedAt: Double?) {
        self.id = id
        self.accountID = accountID
        self.accountName = accountName
        self.paperID = paperID
        self.paperTitle = paperTitle
        self.authorName = authorName
        self.status = status
        self.createdAt = createdAt
        self.decidedAt = decidedAt
    }
}

/// One line of the moderation audit log. Subjects are ids ("comment 12", "account 7"), never names, so deleting
/// an account leaves nothing here that names the person.
public struct AuditEntry: Hashable, Sendable {
    /// Row id.
    public var id: Int64
    /// The admin who acted (nil: the command line, or an account since deleted).
    public var actorName: String?
    /// What was done (`hide-comment`, `suspend-account`, `grant-admin`, …).
    public var action: String
    /// What it was done to.
    public var subject: String
    /// Anything else worth knowing (a reason, the new state).
    public var detail: String
    /// When (Unix seconds).
    public var createdAt: Double

    /// Creates an entry.
    public init(id: Int64, actorName: String?, action: String, subject: String, detail: String, createdAt: Double) {
        self.id = id
        self.actorName = actorName
        self.action = action
        self.subject = subject
        self.detail = detail
        self.createdAt = createdAt
    }
}

/// How author names are compared: with search's author filter's analyser — letters and digits, case and accents
/// folded — but whole names, word for word, unstemmed.
public enum AuthorName {
    /// The name's comparison key: its analysed words joined by spaces (`"Yoshua Bengio"` and `"yoshua  BENGIO"`
    /// share one; `"Bengio"` alone is another name).
    public static func key(_ name: String) -> String {
        TextAnalyzer(stemming: false).terms(name).joined(separator: " ")
    }
}

/// Which comment mail an account wants; everything is off until the person turns it on.
public struct NotificationSettings: Hashable, Sendable, Codable {
    /// Replies to my comments.
    public var replies: Bool
    /// `@name` mentions of me.
    public var mentions: Bool
    /// New comments on papers I follow or claimed as mine.
    public var paperComments: Bool

    /// Creates settings; the default is all off (opt-in).
    public init(replies: Bool = false, mentions: Bool = false, paperComments: Bool = false) {
        self.replies = replies
        self.mentions = mentions
        self.paperComments = paperComments
    }

    /// Whether any notification is wanted.
    public var wantsAny: Bool { replies || mentions || paperComments }
}

/// Why someone is told about a comment.
public enum NotificationReason: String, CaseIterable, Codable, Sendable {
    /// It answers their comment.
    case reply
    /// It mentions them.
    case mention
    /// It is on a paper they follow.
    case followedPaper = "followed-paper"
    /// It is on a paper they claimed as an author.
    case ownPaper = "own-paper"
}
