import Foundation
import Hummingbird
import PapersCore
import PapersMarkdown
import PapersStore

/// `/admin`: the reports queue (hide a comment or dismiss its reports, suspend its author), pending authorship
/// claims, and the audit log. Admins only: the first account of an instance, or `papers admin grant NAME`.
struct AdminController: Sendable {
    let store: any PaperStore
    let views: Views
    let now: @Sendable () -> Double

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.admin, use: page)
        routes.post(.adminHide, use: hide)
        routes.post(.adminDismiss, use: dismiss)
        routes.post(.adminSuspend, use: suspend)
        routes.post(.adminClaim, use: decide)
        return routes
    }

    /// The viewer when they are an admin (via the session, not an API token); 403 otherwise.
    static func admin(_ context: AppRequestContext) throws -> Account {
        guard let viewer = context.viewer, !context.viaAPIToken else {
            throw HTTPError(.forbidden, message: "Log in as an admin of this instance to moderate.")
        }
        guard viewer.isAdmin else { throw HTTPError(.forbidden, message: "This is for the instance's admins.") }
        return viewer
    }

    static func rowID(_ context: AppRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw HTTPError(.notFound, message: "No such item.") }
        return id
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        if context.viewer == nil { return AccountController.toLogin(request) }
        let admin = try Self.admin(context)
        let reports = try await store.openReports(limit: 100).map { report in
            AdminPageModel.ReportView(
                comment: CommentView(report.comment, depth: 0, viewer: admin), commentID: report.comment.id.description,
                url: SiteURL.comment(report.comment.paperID, report.comment.id).path, count: report.reportCount, reasons: report.reasons,
                authorID: report.comment.authorID?.description ?? "", hasAuthor: report.comment.authorID != nil,
                isHidden: report.comment.hiddenAt != nil,
                // The text even when hidden: the admin decides on it.
                html: CommentMarkdown.render(report.comment.body, profileURL: { SiteURL.profile(name: $0).path }).html)
        }
        let claims = try await store.claims(status: .pending, account: nil, limit: 200).map {
            AdminPageModel.ClaimView(id: $0.id.description, account: $0.accountName, accountURL: SiteURL.profile(name: $0.accountName).path,
                                     author: $0.authorName, title: $0.paperTitle, url: SiteURL.paper($0.paperID).path,
                                     created: CommentView.timeText($0.createdAt))
        }
        let audit = try await store.auditLog(limit: 100).map {
            AdminPageModel.AuditView(actor: $0.actorName ?? "command line", action: $0.action, subject: $0.subject, detail: $0.detail,
                                     time: CommentView.timeText($0.createdAt))
        }
        let model = AdminPageModel(reports: reports, hasReports: !reports.isEmpty, claims: claims, hasClaims: !claims.isEmpty, audit: audit)
        return try views.page(.admin, model, request: request, context: context).response(from: request, context: context)
    }

    /// `POST /admin/comments/{id}/hide` with `state` (`on` hides, `off` shows again) and `reason`.
    @Sendable func hide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try Self.admin(context)
        let id = CommentID(rawValue: try Self.rowID(context))
        let hidden = try DiscussionController.state(context.form["state"] ?? "on")
        guard try await store.setCommentHidden(id, hidden: hidden, actor: admin.id, reason: String((context.form["reason"] ?? "").prefix(500)),
                                               now: now()) else {
            throw HTTPError(.notFound, message: "There is no comment \(id).")
        }
        return AccountController.seeOther(ReturnPath.sanitized(context.form["return"], fallback: SiteURL.admin.path))
    }

    /// `POST /admin/comments/{id}/dismiss`: the reports were wrong; the comment stays.
    @Sendable func dismiss(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try Self.admin(context)
        _ = try await store.dismissReports(CommentID(rawValue: try Self.rowID(context)), actor: admin.id, now: now())
        return AccountController.seeOther(SiteURL.admin.path)
    }

    /// `POST /admin/accounts/{id}/suspend` with `state` and `reason`: a suspended account's sessions and tokens end.
    @Sendable func suspend(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try Self.admin(context)
        let id = AccountID(rawValue: try Self.rowID(context))
        guard id != admin.id else { throw HTTPError(.unprocessableContent, message: "account: you cannot suspend yourself") }
        let on = try DiscussionController.state(context.form["state"] ?? "on")
        guard try await store.setSuspended(id, suspended: on, actor: admin.id, reason: String((context.form["reason"] ?? "").prefix(500)),
                                           now: now()) else {
            throw HTTPError(.notFound, message: "There is no account \(id).")
        }
        return AccountController.seeOther(SiteURL.admin.path)
    }

    /// `POST /admin/claims/{id}` with `decision` (`approve` or `refuse`).
    @Sendable func decide(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try Self.admin(context)
        let id = ClaimID(rawValue: try Self.rowID(context))
        let approve: Bool
        switch context.form["decision"] {
        case "approve": approve = true
        case "refuse": approve = false
        default: throw HTTPError(.badRequest, message: "field decision: expected approve or refuse")
        }
        do {
            guard try await store.decideClaim(id, approve: approve, actor: admin.id, now: now()) != nil else {
                throw HTTPError(.notFound, message: "There is no pending claim \(id).")
            }
        } catch let error as CommunityError {
            throw DiscussionController.httpError(error)
        }
        return AccountController.seeOther(SiteURL.admin.path)
    }
}
