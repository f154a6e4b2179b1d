import Foundation
import PapersCore
import PapersMarkdown

/// One comment as a thread shows it.
struct CommentView: Sendable {
    var id: String
    /// `comment-12`, the fragment that links to it.
    var anchor: String
    var authorName: String
    var hasAuthor: Bool
    var authorURL: String
    /// The paper's author the commenter is (an approved claim), shown as a mark.
    var paperAuthor: String
    var isPaperAuthor: Bool
    /// The Markdown rendered by ``CommentMarkdown`` (safe HTML), empty when deleted or hidden.
    var html: String
    /// The Markdown as written, for the author's edit box.
    var body: String
    var isVisible: Bool
    var isDeleted: Bool
    var isHidden: Bool
    var isOwn: Bool
    var canReply: Bool
    var canReport: Bool
    /// `2025-11-20 18:00 UTC`.
    var created: String
    /// RFC 3339, for `<time datetime>`.
    var createdISO: String
    var edited: Bool
    /// Indentation level, 0 … ``CommentThread/maximumDepth``.
    var depth: Int

    init(_ comment: Comment, depth: Int, viewer: Account?) {
        id = comment.id.description
        anchor = "comment-\(comment.id)"
        authorName = comment.authorName ?? "deleted account"
        hasAuthor = comment.authorName != nil
        authorURL = comment.authorName.map { SiteURL.profile(name: $0).path } ?? ""
        paperAuthor = comment.paperAuthorName ?? ""
        isPaperAuthor = comment.paperAuthorName != nil
        isVisible = comment.isVisible
        isDeleted = comment.deletedAt != nil
        isHidden = comment.deletedAt == nil && comment.hiddenAt != nil
        html = isVisible ? CommentMarkdown.render(comment.body, profileURL: { SiteURL.profile(name: $0).path }).html : ""
        body = isVisible ? comment.body : ""
        let own = viewer != nil && comment.authorID == viewer?.id
        isOwn = own && isVisible
        canReply = viewer != nil && isVisible
        canReport = viewer != nil && !own && isVisible
        created = CommentView.timeText(comment.createdAt)
        createdISO = HFTime.string(comment.createdAt)
        edited = comment.editedAt != nil
        self.depth = depth
    }

    /// `YYYY-MM-DD HH:MM UTC`.
    static func timeText(_ unixTime: Double) -> String {
        let day = Day(unixTime: unixTime)
        let seconds = Int(unixTime - day.startUnixTime)
        let hour = seconds / 3600, minute = seconds % 3600 / 60
        return "\(day) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) UTC"
    }
}

/// The discussion part of a paper page.
struct DiscussionView: Sendable, MustacheComputed {
    var computedValues: [String: Any] { ["countLabel": countLabel] }
    var paperID: String
    var comments: [CommentView]
    var count: Int
    var countLabel: String { count == 1 ? "1 comment" : "\(count) comments" }
    var hasComments: Bool
    var canComment: Bool
    /// A fresh token per rendered form: the same form sent twice makes one comment.
    var formKey: String
    var following: Bool
    var nextFollowState: String
    var feedURL: String
    var apiURL: String
    /// The paper's author names a logged-in person may claim to be.
    var authorChoices: [String]
    var canClaim: Bool
    /// The viewer's claim on this paper, when there is one ("Ada Lovelace, pending").
    var claimText: String
    var hasClaim: Bool
    var markdownURL: String
    var bibtexURL: String
}

/// `/authors/{name}`.
struct AuthorPageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] { ["hasCoauthors": !coauthors.isEmpty, "totalLabel": totalLabel] }
    var pageTitle: String { name }
    var name: String
    var total: Int
    var totalLabel: String { total == 1 ? "1 paper" : "\(total) papers" }
    var papers: [PaperSummaryView]
    var coauthors: [CountedLink]
    var categories: [CountedLink]
    var feedURL: String
    var following: Bool
    var nextFollowState: String
    var claimedBy: [NavLink]
    var hasClaims: Bool
    var pageNavigation: PageNavigation

    struct CountedLink: Sendable {
        var label: String
        var url: String
        var count: Int
    }
}

/// `/settings/account`.
struct AccountSettingsModel: PageModel {
    var pageTitle: String { "Your account" }
    var name: String
    var email: String
    var replies: Bool
    var mentions: Bool
    var paperComments: Bool
    var claims: [ClaimLine]
    var hasClaims: Bool
    var message = ""
    var hasMessage = false
    var error = ""
    var hasError = false

    struct ClaimLine: Sendable {
        var author: String
        var title: String
        var url: String
        var status: String
    }
}

/// `/admin`.
struct AdminPageModel: PageModel {
    var pageTitle: String { "Moderation" }
    var reports: [ReportView]
    var hasReports: Bool
    var claims: [ClaimView]
    var hasClaims: Bool
    var audit: [AuditView]

    struct ReportView: Sendable {
        var comment: CommentView
        var commentID: String
        var url: String
        var count: Int
        var reasons: [String]
        var authorID: String
        var hasAuthor: Bool
        var isHidden: Bool
        /// The comment's text, shown to the admin even when hidden.
        var html: String
    }

    struct ClaimView: Sendable {
        var id: String
        var account: String
        var accountURL: String
        var author: String
        var title: String
        var url: String
        var created: String
    }

    struct AuditView: Sendable {
        var actor: String
        var action: String
        var subject: String
        var detail: String
        var time: String
    }
}
