import Foundation
import Hummingbird
import PapersCore
import PapersMail
import PapersStore

/// `/settings/account`: what a person controls about their own account — password (other sessions end), email,
/// comment mail, a download of everything stored about them, and deleting the account.
struct AccountSettingsController: Sendable {
    let store: any PaperStore
    let auth: Authentication
    let views: Views
    /// Signs and checks the one-click "stop comment mail" links.
    let tokens: SubscriptionTokens

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.accountSettings, use: page)
        routes.post(.password, use: changePassword)
        routes.post(.email, use: changeEmail)
        routes.post(.notificationSettings, use: saveNotifications)
        routes.get(.dataExport, use: export)
        routes.post(.deleteAccount, use: delete)
        routes.get(.commentMailUnsubscribe, use: stopCommentMailPage)
        routes.post(.commentMailUnsubscribe, use: stopCommentMail)
        return routes
    }

    /// The session-cookie account, never an API token's: these are the keys to the account itself.
    static func owner(_ context: AppRequestContext) -> Account? {
        context.viaAPIToken ? nil : context.viewer
    }

    func model(for viewer: Account) async throws -> AccountSettingsModel {
        let settings = try await store.notificationSettings(account: viewer.id)
        let claims = try await store.claims(status: nil, account: viewer.id, limit: 200).map {
            AccountSettingsModel.ClaimLine(author: $0.authorName, title: $0.paperTitle, url: SiteURL.paper($0.paperID).path, status: $0.status.rawValue)
        }
        return AccountSettingsModel(name: viewer.name, email: viewer.email, replies: settings.replies, mentions: settings.mentions,
                                    paperComments: settings.paperComments, claims: claims, hasClaims: !claims.isEmpty)
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = Self.owner(context) else { return AccountController.toLogin(request) }
        return try views.page(.accountSettings, try await model(for: viewer), request: request, context: context).response(from: request, context: context)
    }

    /// The page again with a note (`status` 200) or an error naming the field (422 and friends).
    func answer(_ viewer: Account, request: Request, context: AppRequestContext, message: String? = nil, error: String? = nil,
                status: HTTPResponse.Status = .ok) async throws -> Response {
        var model = try await model(for: viewer)
        if let message { model.message = message; model.hasMessage = true }
        if let error { model.error = error; model.hasError = true }
        return try views.page(.accountSettings, model, request: request, context: context, status: status).response(from: request, context: context)
    }

    /// Checks the current password (the same bcrypt work as log-in).
    func passwordMatches(_ viewer: Account, _ password: String) async throws -> Bool {
        let hash = try await store.passwordHash(account: viewer.id)
        return try await auth.verifyPassword(password, hash: hash)
    }

    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = Self.owner(context) else { return AccountController.toLogin(request) }
        let current = context.form.raw("current") ?? ""
        let new = context.form.raw("new") ?? ""
        guard try await passwordMatches(viewer, current) else {
            return try await answer(viewer, request: request, context: context, error: "current: that is not your password", status: .forbidden)
        }
        if let problem = AccountRules.validatePassword(new) {
            return try await answer(viewer, request: request, context: context, error: problem.replacingOccurrences(of: "password:", with: "new:"),
                                    status: .unprocessableContent)
        }
        let session = request.cookies[Authentication.sessionCookie]?.value
        try await store.setPassword(account: viewer.id, passwordHash: try await auth.hashPassword(new),
                                    keepingSession: session.map(Authentication.tokenHash))
        return try await answer(viewer, request: request, context: context, message: "Password changed; every other session is logged out.")
    }

    @Sendable func changeEmail(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard var viewer = Self.owner(context) else { return AccountController.toLogin(request) }
        let email = context.form["email"] ?? ""
        guard try await passwordMatches(viewer, context.form.raw("password") ?? "") else {
            return try await answer(viewer, request: request, context: context, error: "password: that is not your password", status: .forbidden)
        }
        if let problem = AccountRules.validateEmail(email) {
            return try await answer(viewer, request: request, context: context, error: problem, status: .unprocessableContent)
        }
        do {
            try await store.setEmail(account: viewer.id, email: email)
        } catch let error as CommunityError {
            return try await answer(viewer, request: request, context: context, error: error.description, status: .conflict)
        }
        viewer.email = email
        return try await answer(viewer, request: request, context: context, message: "Email changed to \(email).")
    }

    @Sendable func saveNotifications(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = Self.owner(context) else { return AccountController.toLogin(request) }
        let settings = NotificationSettings(replies: context.form["replies"] != nil, mentions: context.form["mentions"] != nil,
                                            paperComments: context.form["paper_comments"] != nil)
        try await store.setNotificationSettings(account: viewer.id, settings)
        return try await answer(viewer, request: request, context: context,
                                message: settings.wantsAny ? "Comment mail settings saved." : "Comment mail is off.")
    }

    /// `GET /settings/export`: everything stored about the logged-in person as one JSON file. There is no parameter
    /// to name anyone else: the session is the only key.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = Self.owner(context) else { throw HTTPError(.unauthorized, message: "Log in to download your data.") }
        let export = try await AccountExportJSON.gather(viewer, store: store)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"papers-\(viewer.name).json\"",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(export))))
    }

    /// `POST /settings/delete` with `password`, `confirm` (the account name) and `contributions` (`anonymise` keeps
    /// votes and comments without a name, `remove` takes them away).
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = Self.owner(context) else { return AccountController.toLogin(request) }
        guard (context.form["confirm"] ?? "").lowercased() == viewer.name.lowercased() else {
            return try await answer(viewer, request: request, context: context, error: "confirm: type your user name to delete the account",
                                    status: .unprocessableContent)
        }
        let remove: Bool
        switch context.form["contributions"] {
        case "anonymise": remove = false
        case "remove": remove = true
        default:
            return try await answer(viewer, request: request, context: context, error: "contributions: choose anonymise or remove",
                                    status: .unprocessableContent)
        }
        guard try await passwordMatches(viewer, context.form.raw("password") ?? "") else {
            return try await answer(viewer, request: request, context: context, error: "password: that is not your password", status: .forbidden)
        }
        _ = try await store.deleteAccount(viewer.id, removeContributions: remove, now: auth.now())
        var response = AccountController.seeOther(SiteURL.home.path)
        response.setCookie(auth.cookie(Authentication.sessionCookie, "", maxAge: 0))
        response.setCookie(auth.newVisitorCookie())
        return response
    }
}

extension AccountSettingsController {
    /// `GET /unsubscribe/comments?token=`: the page behind a comment mail's "stop" link.
    @Sendable func stopCommentMailPage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let token = QueryParameters(request: request).string("token") ?? ""
        guard let account = tokens.verifyCommentMailToken(token), try await store.account(account) != nil else {
            throw HTTPError(.badRequest, message: "This link to stop comment mail is not valid.")
        }
        return try views.page(.subscriptionAction, SubscriptionActionModel(
            title: "Stop comment mail", message: "Stop all mail about comments (replies, mentions, papers you follow)?",
            action: SiteURL.commentMailUnsubscribe(token: token).path, token: token, button: "Stop comment mail", done: false),
            request: request, context: context)
    }

    /// `POST /unsubscribe/comments`: the page's button and the one-click POST of RFC 8058 (no cookies; the signed token
    /// is the authority, so ``SessionMiddleware`` asks for no CSRF token here). Turns every kind of comment mail off.
    @Sendable func stopCommentMail(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let token = context.form["token"] ?? QueryParameters(request: request).string("token") ?? ""
        guard let account = tokens.verifyCommentMailToken(token), try await store.account(account) != nil else {
            throw HTTPError(.badRequest, message: "This link to stop comment mail is not valid.")
        }
        try await store.setNotificationSettings(account: account, NotificationSettings())
        return try views.page(.subscriptionAction, SubscriptionActionModel(
            title: "Comment mail stopped", message: "No more mail about comments. You can turn it on again in your account settings.",
            action: "", token: "", button: "", done: true), request: request, context: context)
    }
}

/// Everything the database holds about one person, as `GET /settings/export` gives it.
struct AccountExportJSON: Encodable {
    struct AccountPart: Encodable {
        var name: String
        var email: String
        var createdAt: String
        var admin: Bool
    }
    struct CollectionPart: Encodable {
        var name: String
        var isPublic: Bool
        var createdAt: String
        var papers: [String]
    }
    struct SubscriptionPart: Encodable {
        var email: String
        var frequency: String
        var status: String
        var createdAt: String
    }
    struct TokenPart: Encodable {
        var name: String
        var createdAt: String
        var lastUsedAt: String?
    }
    struct ClaimPart: Encodable {
        var paper: String
        var author: String
        var status: String
        var createdAt: String
    }

    var exportedBy = "Papers"
    var account: AccountPart
    var upvoted: [String]
    var submitted: [String]
    var collections: [CollectionPart]
    var comments: [CommentJSON]
    var claims: [ClaimPart]
    var subscriptions: [SubscriptionPart]
    var apiTokens: [TokenPart]
    var notificationSettings: NotificationSettings
    var followedAuthorsAndCategories: [String]
    var mutes: [String]
    var dismissedPapers: [String]
    var personalRankingEnabled: Bool

    static func gather(_ account: Account, store: any PaperStore) async throws -> AccountExportJSON {
        var collections: [CollectionPart] = []
        for collection in try await store.collections(of: account.id, includePrivate: true) {
            let papers = try await store.collectionPapers(collection.id, viewer: nil, limit: 100_000, offset: 0)
            collections.append(CollectionPart(name: collection.name, isPublic: collection.isPublic, createdAt: HFTime.string(collection.createdAt),
                                              papers: papers.map(\.paper.id.rawValue)))
        }
        let signals = try await store.personalSignals(account: account.id)
        return AccountExportJSON(
            account: AccountPart(name: account.name, email: account.email, createdAt: HFTime.string(account.createdAt), admin: account.isAdmin),
            upvoted: try await store.upvotedPapers(of: account.id, viewer: nil, limit: 100_000).map(\.paper.id.rawValue),
            submitted: try await store.submissions(of: account.id, viewer: nil, limit: 100_000).map(\.paper.id.rawValue),
            collections: collections,
            comments: try await store.comments(by: account.id, limit: 100_000).map { CommentJSON($0, depth: 0) },
            claims: try await store.claims(status: nil, account: account.id, limit: 100_000).map {
                ClaimPart(paper: $0.paperID.rawValue, author: $0.authorName, status: $0.status.rawValue, createdAt: HFTime.string($0.createdAt))
            },
            subscriptions: try await store.subscriptions(of: account.id).map {
                SubscriptionPart(email: $0.email.description, frequency: $0.preferences.frequency.rawValue, status: $0.status.rawValue,
                                 createdAt: HFTime.string($0.createdAt))
            },
            apiTokens: try await store.apiTokens(of: account.id).map {
                TokenPart(name: $0.name, createdAt: HFTime.string($0.createdAt), lastUsedAt: $0.lastUsedAt.map(HFTime.string))
            },
            notificationSettings: try await store.notificationSettings(account: account.id),
            followedAuthorsAndCategories: signals.filters.filter { !$0.kind.isMute }.map { "\($0.kind.rawValue): \($0.value)" },
            mutes: signals.filters.filter(\.kind.isMute).map { "\($0.kind.rawValue): \($0.value)" },
            dismissedPapers: signals.dismissed.map(\.rawValue).sorted(),
            personalRankingEnabled: signals.enabled)
    }
}
