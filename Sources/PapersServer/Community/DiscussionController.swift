import Foundation
import Hummingbird
import PapersCore
import PapersMarkdown
import PapersStore

/// Comments on papers (forms and JSON), reports, following a paper's discussion, authorship claims, and each
/// discussion as an Atom feed.
struct DiscussionController: Sendable {
    let community: CommunityService
    let baseURL: String
    let siteName: String

    var store: any PaperStore { community.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post(.comments, use: create)
        routes.post(.commentEdit, use: edit)
        routes.post(.commentDelete, use: delete)
        routes.post(.commentReport, use: report)
        routes.post(.followPaper, use: followPaper)
        routes.post(.claims, use: claim)
        routes.get(.commentsFeed, use: feed)
        routes.get(.apiComments, use: list)
        routes.post(.apiComments, use: createJSON)
        return routes
    }

    // MARK: writing

    /// `POST /comments` with `paper`, `body`, optionally `parent` (a reply) and `key` (the form's token).
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request, returnTo: ReturnPath.sanitized(context.form["return"])) }
        let paper = try Self.paperField(context.form["paper"], field: "paper")
        let parent = try context.form["parent"].map { text -> CommentID in
            guard let id = CommentID(text) else { throw HTTPError(.badRequest, message: "field parent: expected a comment id") }
            return id
        }
        let comment = try await write(NewComment(paper: paper, parent: parent, author: viewer.id, body: context.form.raw("body") ?? "",
                                                 clientKey: context.form["key"].map { String($0.prefix(64)) }), viewer: viewer)
        return AccountController.seeOther(SiteURL.comment(paper, comment.id).path)
    }

    /// `POST /api/comments` with JSON `{"paper", "body", "parent"?}` (an API token, or a session with `X-CSRF-Token`).
    @Sendable func createJSON(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { throw HTTPError(.unauthorized, message: "Authorization: log in or send an API token to comment") }
        let input: NewCommentJSON
        do {
            input = try JSONDecoder().decode(NewCommentJSON.self, from: try await request.body.collect(upTo: 64 * 1024))
        } catch {
            throw HTTPError(.badRequest, message: "body: expected JSON {\"paper\": \"…\", \"body\": \"…\", \"parent\": 12}")
        }
        let paper = try Self.paperField(input.paper, field: "paper")
        let comment = try await write(NewComment(paper: paper, parent: input.parent.map { CommentID(rawValue: $0) }, author: viewer.id,
                                                 body: input.body, clientKey: input.key.map { String($0.prefix(64)) }), viewer: viewer)
        var response = try CommentJSON(comment, depth: 0).response(from: request, context: context)
        response.status = .created
        return response
    }

    /// Checks the rules and the rate limit, renders the mentions and stores the comment.
    private func write(_ new: NewComment, viewer: Account) async throws -> Comment {
        if let problem = CommentRules.validateBody(new.body) { throw HTTPError(.unprocessableContent, message: problem) }
        if let parent = new.parent, let existing = try await store.comment(parent), existing.paperID == new.paper, !existing.isVisible {
            throw HTTPError(.unprocessableContent, message: "parent: that comment was deleted or hidden; it cannot be answered")
        }
        if let wait = await community.limiter.spend("comment|\(viewer.id)", community.limits.commentsPerAccount) {
            throw RateLimiter.refusal(wait: wait, "Too many comments from your account")
        }
        var new = new
        new.mentions = CommentMarkdown.mentions(in: new.body)
        do {
            return try await store.addComment(new, now: community.now()).comment
        } catch let error as CommunityError {
            throw Self.httpError(error)
        }
    }

    /// `POST /comments/{id}/edit` with `body`: only the comment's author, only while it is visible.
    @Sendable func edit(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let id = try Self.commentID(context)
        let body = context.form.raw("body") ?? ""
        if let problem = CommentRules.validateBody(body) { throw HTTPError(.unprocessableContent, message: problem) }
        if let wait = await community.limiter.spend("comment|\(viewer.id)", community.limits.commentsPerAccount) {
            throw RateLimiter.refusal(wait: wait, "Too many comments from your account")
        }
        guard let comment = try await store.editComment(id, author: viewer.id, body: body, now: community.now()) else {
            throw HTTPError(.notFound, message: "You have no comment \(id) that can be edited.")
        }
        return AccountController.seeOther(SiteURL.comment(comment.paperID, comment.id).path)
    }

    /// `POST /comments/{id}/delete`: only the comment's author; its replies stay under a "deleted" line.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let id = try Self.commentID(context)
        guard let comment = try await store.comment(id), comment.authorID == viewer.id,
              try await store.deleteComment(id, author: viewer.id, now: community.now()) else {
            throw HTTPError(.notFound, message: "You have no comment \(id) that can be deleted.")
        }
        return AccountController.seeOther(SiteURL.comment(comment.paperID, comment.id).path)
    }

    /// `POST /comments/{id}/report` with `reason`: once per person and comment, into the admins' queue.
    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let id = try Self.commentID(context)
        let reason = String((context.form["reason"] ?? "no reason given").prefix(CommentRules.maximumReasonLength))
        if let wait = await community.limiter.spend("report|\(viewer.id)", community.limits.reportsPerAccount) {
            throw RateLimiter.refusal(wait: wait, "Too many reports from your account")
        }
        guard let comment = try await store.comment(id), comment.isVisible, comment.authorID != viewer.id else {
            throw HTTPError(.notFound, message: "There is no comment \(id) of someone else's to report.")
        }
        _ = try await store.reportComment(id, reporter: viewer.id, reason: reason, now: community.now())
        return AccountController.seeOther(SiteURL.comment(comment.paperID, comment.id).path)
    }

    /// `POST /follow/paper` with `paper` and `state` (`on`/`off`): comment mail for this paper's discussion.
    @Sendable func followPaper(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let paper = try Self.paperField(context.form["paper"], field: "paper")
        let on = try Self.state(context.form["state"])
        do {
            try await store.setPaperFollow(account: viewer.id, paper: paper, on: on, now: community.now())
        } catch let error as CommunityError {
            throw Self.httpError(error)
        }
        return AccountController.seeOther(SiteURL.paper(paper, fragment: "comments").path)
    }

    /// `POST /claims` with `paper` and `author` (a name the paper lists): waits for an admin's decision.
    @Sendable func claim(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return AccountController.toLogin(request) }
        let paper = try Self.paperField(context.form["paper"], field: "paper")
        let author = String((context.form["author"] ?? "").prefix(300))
        if let wait = await community.limiter.spend("claim|\(viewer.id)", community.limits.claimsPerAccount) {
            throw RateLimiter.refusal(wait: wait, "Too many claims from your account")
        }
        do {
            _ = try await store.claimAuthorship(account: viewer.id, paper: paper, authorName: author, now: community.now())
        } catch let error as CommunityError {
            throw Self.httpError(error)
        }
        return AccountController.seeOther(SiteURL.paper(paper, fragment: "comments").path)
    }

    // MARK: reading

    /// `GET /api/comments?paper=ID`: the thread in page order, with each comment's Markdown and its safe HTML.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> CommentListJSON {
        let paper = try Self.paperField(QueryParameters(request: request).string("paper"), field: "parameter paper")
        guard try await store.paper(paper) != nil else { throw HTTPError(.notFound, message: "There is no paper \(paper) on this instance.") }
        let thread = CommentThread.ordered(try await store.comments(on: paper))
        return CommentListJSON(paper: paper.rawValue, count: thread.filter { $0.comment.isVisible }.count,
                               comments: thread.map { CommentJSON($0.comment, depth: $0.depth) })
    }

    /// `GET /feeds/comments.atom?paper=ID`: the discussion's visible comments, newest first.
    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Self.paperField(QueryParameters(request: request).string("paper"), field: "parameter paper")
        guard let paper = try await store.paper(id) else { throw HTTPError(.notFound, message: "There is no paper \(id) on this instance.") }
        let comments = try await store.comments(on: id).filter(\.isVisible).sorted { $0.id > $1.id }.prefix(FeedController.entries)
        let entries = comments.map { comment in
            let url = SiteURL.comment(id, comment.id).absolute(base: baseURL)
            return AtomFeed.Entry(id: url, title: "\(comment.authorName ?? "deleted account") on \(paper.title)", url: url,
                                  updated: HFTime.string(comment.editedAt ?? comment.createdAt), published: HFTime.string(comment.createdAt),
                                  authors: [comment.authorName ?? "deleted account"], categories: [], summary: comment.body)
        }
        let selfURL = SiteURL.commentsFeed(id).absolute(base: baseURL)
        let feed = AtomFeed(id: selfURL, title: "\(siteName): discussion of \(paper.title)", selfURL: selfURL,
                            pageURL: SiteURL.paper(id, fragment: "comments").absolute(base: baseURL),
                            updated: comments.first.map { HFTime.string($0.editedAt ?? $0.createdAt) } ?? FeedController.timestamp(paper.announcedDay),
                            entries: Array(entries))
        return feed.response()
    }

    /// The discussion part of `paper`'s page for `viewer`.
    static func view(of paper: Paper, store: any PaperStore, viewer: Account?) async throws -> DiscussionView {
        let thread = CommentThread.ordered(try await store.comments(on: paper.id))
        var following = false
        var claimText = ""
        if let viewer {
            following = try await store.followsPaper(account: viewer.id, paper: paper.id)
            if let claim = try await store.claims(status: nil, account: viewer.id, limit: 1_000).first(where: { $0.paperID == paper.id }) {
                claimText = "\(claim.authorName), \(claim.status.rawValue)"
            }
        }
        let count = thread.filter { $0.comment.isVisible }.count
        let base = SiteURL.paper(paper.id).path
        return DiscussionView(
            paperID: paper.id.rawValue, comments: thread.map { CommentView($0.comment, depth: $0.depth, viewer: viewer) },
            count: count, hasComments: !thread.isEmpty, canComment: viewer != nil, formKey: Authentication.randomToken(),
            following: following, nextFollowState: following ? "off" : "on",
            feedURL: SiteURL.commentsFeed(paper.id).path, apiURL: SiteURL.apiComments(paper.id).path,
            authorChoices: paper.authors.map(\.name), canClaim: viewer != nil && claimText.isEmpty && !paper.authors.isEmpty,
            claimText: claimText, hasClaim: !claimText.isEmpty, markdownURL: base + ".md", bibtexURL: base + ".bib")
    }

    // MARK: helpers

    static func paperField(_ text: String?, field: String) throws -> PaperID {
        guard let text, let id = PaperID(text) else { throw HTTPError(.badRequest, message: "\(field): expected a paper id") }
        return id
    }

    static func commentID(_ context: AppRequestContext) throws -> CommentID {
        guard let id = context.parameters.get("id").flatMap({ CommentID($0) }) else {
            throw HTTPError(.notFound, message: "There is no such comment.")
        }
        return id
    }

    static func state(_ text: String?) throws -> Bool {
        switch text {
        case "on": return true
        case "off": return false
        default: throw HTTPError(.badRequest, message: "field state: expected on or off")
        }
    }

    /// A store refusal as the HTTP answer it is.
    static func httpError(_ error: CommunityError) -> HTTPError {
        switch error {
        case .unknownPaper, .unknownComment, .unknownCollection: return HTTPError(.notFound, message: error.description)
        case .suspended: return HTTPError(.forbidden, message: error.description)
        default: return HTTPError(.unprocessableContent, message: error.description)
        }
    }
}

/// `POST /api/comments`' body.
struct NewCommentJSON: Decodable {
    var paper: String
    var body: String
    var parent: Int64?
    /// A token of the client's: the same one again returns the first comment instead of making a second.
    var key: String?
}

/// A comment in the JSON API.
struct CommentJSON: ResponseEncodable {
    var id: Int64
    var paper: String
    var parent: Int64?
    var depth: Int
    var author: String?
    /// The paper author the commenter is (an approved claim).
    var paperAuthor: String?
    /// The Markdown as written (empty when deleted or hidden).
    var body: String
    /// The Markdown rendered as the page shows it.
    var html: String
    var createdAt: String
    var editedAt: String?
    var deleted: Bool
    var hidden: Bool

    init(_ comment: Comment, depth: Int) {
        id = comment.id.rawValue
        paper = comment.paperID.rawValue
        parent = comment.parentID?.rawValue
        self.depth = depth
        author = comment.authorName
        paperAuthor = comment.paperAuthorName
        body = comment.isVisible ? comment.body : ""
        html = comment.isVisible ? CommentMarkdown.render(comment.body, profileURL: { SiteURL.profile(name: $0).path }).html : ""
        createdAt = HFTime.string(comment.createdAt)
        editedAt = comment.editedAt.map(HFTime.string)
        deleted = comment.deletedAt != nil
        hidden = comment.deletedAt == nil && comment.hiddenAt != nil
    }
}

/// `GET /api/comments?paper=`.
struct CommentListJSON: ResponseEncodable {
    var paper: String
    /// Visible comments (what pages count).
    var count: Int
    var comments: [CommentJSON]
}
