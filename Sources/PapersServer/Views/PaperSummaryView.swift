import Foundation
import Mustache
import PapersCore

/// A paper as a list item on daily pages and search results.
struct PaperSummaryView: Sendable, MustacheComputed {
    var computedValues: [String: Any] { ["nextVoteState": nextVoteState, "voteLabel": voteLabel] }

    /// Every field by name, without `Mirror`: a page renders 50 of these with ~25 lookups each, and reflecting the
    /// whole struct per lookup was most of a day page's time (`papers bench for-you`, /date beside /for-you).
    func child(named name: String) -> Any? {
        switch name {
        case "id": return id
        case "url": return url
        case "title": return title
        case "authors": return authors
        case "categories": return categories
        case "day": return day
        case "hasDay": return hasDay
        case "abstractPreview": return abstractPreview
        case "snippetHTML": return snippetHTML
        case "hasSnippet": return hasSnippet
        case "upvotes": return upvotes
        case "hasUpvotes": return hasUpvotes
        case "votes": return votes
        case "voted": return voted
        case "submitter": return submitter
        case "hasSubmitter": return hasSubmitter
        case "nextVoteState": return nextVoteState
        case "voteLabel": return voteLabel
        case "reason": return reason
        case "hasReason": return hasReason
        case "reasonURL": return reasonURL
        case "hasReasonURL": return hasReasonURL
        case "codeURL": return codeURL
        case "hasCode": return hasCode
        case "authorLinks": return authorLinks
        case "moreAuthors": return moreAuthors
        case "comments": return comments
        case "hasComments": return comments > 0
        case "commentsLabel": return comments == 1 ? "1 comment" : "\(comments) comments"
        case "commentsURL": return commentsURL
        default: return nil
        }
    }
    var id: String
    var url: String
    var title: String
    var authors: String
    var categories: [String]
    var day: String
    var hasDay: Bool
    var abstractPreview: String
    /// Escaped HTML with `<mark>` highlights (built by ``HTMLEscaping``), empty when there is none.
    var snippetHTML: String
    var hasSnippet: Bool
    /// Upvotes from an outside curator (Hugging Face daily papers) for the day shown.
    var upvotes: Int
    var hasUpvotes: Bool

    /// Upvotes by people on this instance, and whether the viewer is one of them.
    var votes = 0
    var voted = false
    /// Who submitted it to a daily page.
    var submitter = ""
    var hasSubmitter = false
    /// The state an upvote click asks for.
    var nextVoteState: String { voted ? "off" : "on" }
    var voteLabel: String { voted ? "Remove upvote" : "Upvote" }

    /// Why personal ranking put it here ("Because you liked …"), and the liked paper's page.
    var reason = ""
    var hasReason = false
    var reasonURL = ""
    var hasReasonURL = false

    /// The first code repository the paper names, when any.
    var codeURL: String
    var hasCode: Bool

    /// The first authors, each linking to their page, and "and N more".
    var authorLinks: [AuthorLink]
    var moreAuthors: String
    /// Visible comments, and where the discussion is.
    var comments = 0
    var commentsURL: String

    /// An author's name with a link to their page; `separator` follows it (", " but after the last).
    struct AuthorLink: Sendable {
        var name: String
        var url: String
        var separator: String
    }

    init(_ paper: Paper, snippet: String? = nil, upvotes: Int? = nil) {
        let code = CodeLinks.of(paper).first
        codeURL = code ?? ""
        hasCode = code != nil
        self.upvotes = upvotes ?? 0
        hasUpvotes = upvotes != nil
        id = paper.id.rawValue
        url = SiteURL.paper(paper.id).path
        title = paper.title
        authors = PaperSummaryView.shortAuthors(paper.authors)
        let shown = paper.authors.count > 6 ? Array(paper.authors.prefix(5)) : paper.authors
        authorLinks = shown.enumerated().map { i, author in
            AuthorLink(name: author.name, url: SiteURL.author(name: author.name).path, separator: i < shown.count - 1 ? ", " : "")
        }
        moreAuthors = paper.authors.count > 6 ? " and \(paper.authors.count - 5) more" : ""
        commentsURL = SiteURL.paper(paper.id, fragment: "comments").path
        categories = Array(paper.categories.prefix(4))
        day = paper.announcedDay?.description ?? ""
        hasDay = paper.announcedDay != nil
        abstractPreview = PaperSummaryView.preview(paper.abstract, characters: 300)
        snippetHTML = snippet.map(HTMLEscaping.highlighted) ?? ""
        hasSnippet = snippet != nil && !(snippet ?? "").isEmpty
    }

    /// A paper with its community standing: local upvotes (the button) and Hugging Face upvotes apart.
    init(_ ranked: RankedPaper, snippet: String? = nil) {
        self.init(ranked.paper, snippet: snippet, upvotes: ranked.externalUpvotes > 0 ? ranked.externalUpvotes : nil)
        votes = ranked.votes
        voted = ranked.viewerVoted
        submitter = ranked.submitter ?? ""
        hasSubmitter = ranked.submitter != nil
        comments = ranked.comments
    }

    static func shortAuthors(_ authors: [Author]) -> String {
        switch authors.count {
        case 0: return ""
        case 1...6: return authors.map(\.name).joined(separator: ", ")
        default: return authors.prefix(5).map(\.name).joined(separator: ", ") + " and \(authors.count - 5) more"
        }
    }

    static func preview(_ text: String, characters: Int) -> String {
        guard text.count > characters else { return text }
        let cut = text.prefix(characters)
        let end = cut.lastIndex(of: " ") ?? cut.endIndex
        return String(cut[..<end]) + "…"
    }
}
