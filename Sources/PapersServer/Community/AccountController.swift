import Foundation
import Hummingbird
import PapersCore
import PapersStore

/// Sign-up, log-in, log-out, profiles and API tokens.
struct AccountController: Sendable {
    let store: any PaperStore
    let auth: Authentication
    let limits: RateLimits
    let limiter: RateLimiter
    let views: Views

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.signup, use: signupPage)
        routes.post(.signup, use: signup)
        routes.get(.login, use: loginPage)
        routes.post(.login, use: login)
        routes.post(.logout, use: logout)
        routes.get(.profile, use: profile)
        routes.get(.tokens, use: tokensPage)
        routes.post(.tokens, use: createToken)
        routes.post(.revokeToken, use: revokeToken)
        return routes
    }

    // MARK: sign-up

    @Sendable func signupPage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let returnTo = ReturnPath.sanitized(QueryParameters(request: request).string("return"))
        return try views.page(.signup, AccountFormModel(title: "Sign up", returnTo: returnTo), request: request, context: context)
    }

    @Sendable func signup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        let name = form["username"] ?? ""
        let email = form["email"] ?? ""
        let password = form.raw("password") ?? ""
        var model = AccountFormModel(title: "Sign up", returnTo: ReturnPath.sanitized(form["return"]), username: name, email: email)
        if let wait = await limiter.spend("signup|\(context.clientKey)", limits.signupPerIP) {
            throw RateLimiter.refusal(wait: wait, "Too many sign-ups from your address")
        }
        if let problem = AccountRules.validateName(name) ?? AccountRules.validateEmail(email) ?? AccountRules.validatePassword(password) {
            model.error = problem
            return try views.page(.signup, model, request: request, context: context, status: .unprocessableContent).response(from: request, context: context)
        }
        do {
            let account = try await store.createAccount(name: name, email: email, passwordHash: try await auth.hashPassword(password), now: auth.now())
            return try await loggedIn(account, request: request, returnTo: model.returnTo)
        } catch let error as CommunityError {
            model.error = error.description
            return try views.page(.signup, model, request: request, context: context, status: .conflict).response(from: request, context: context)
        }
    }

    // MARK: log-in and log-out

    @Sendable func loginPage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let returnTo = ReturnPath.sanitized(QueryParameters(request: request).string("return"))
        return try views.page(.login, AccountFormModel(title: "Log in", returnTo: returnTo), request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        let login = form["username"] ?? ""
        let password = form.raw("password") ?? ""
        var model = AccountFormModel(title: "Log in", returnTo: ReturnPath.sanitized(form["return"]), username: login)
        let accountKey = "login-failures|\(login.lowercased())"
        if let wait = await limiter.spend("login|\(context.clientKey)", limits.loginPerIP) {
            throw RateLimiter.refusal(wait: wait, "Too many log-in attempts from your address")
        }
        if await limiter.isExhausted(accountKey, limits.loginFailuresPerAccount) {
            let rule = limits.loginFailuresPerAccount
            throw RateLimiter.refusal(wait: rule.period / Double(max(1, rule.limit)), "Too many wrong passwords for this account")
        }
        // The same bcrypt work whether or not the account exists (see Authentication.verifyPassword).
        let found = login.isEmpty ? nil : try await store.credentials(login: login)
        let valid = try await auth.verifyPassword(password, hash: found?.passwordHash)
        guard valid, let account = found?.account else {
            _ = await limiter.spend(accountKey, limits.loginFailuresPerAccount)
            model.error = "Wrong username or password."
            return try views.page(.login, model, request: request, context: context, status: .unauthorized).response(from: request, context: context)
        }
        guard !account.isSuspended else {
            model.error = "This account is suspended by the instance's admins."
            return try views.page(.login, model, request: request, context: context, status: .forbidden).response(from: request, context: context)
        }
        return try await loggedIn(account, request: request, returnTo: model.returnTo)
    }

    /// A fresh session (the cookie held before log-in stops working) and a fresh visitor cookie, then back to where
    /// the person was.
    private func loggedIn(_ account: Account, request: Request, returnTo: String) async throws -> Response {
        let session = try await auth.startSession(for: account, replacing: request.cookies[Authentication.sessionCookie]?.value)
        var response = Self.seeOther(returnTo)
        response.setCookie(session)
        response.setCookie(auth.newVisitorCookie())
        return response
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        var response = Self.seeOther("/")
        response.setCookie(try await auth.endSession(request.cookies[Authentication.sessionCookie]?.value))
        response.setCookie(auth.newVisitorCookie())
        return response
    }

    // MARK: profile

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let name = context.parameters.get("name") ?? ""
        guard let account = try await store.account(named: name) else {
            throw HTTPError(.notFound, message: "There is nobody called \"\(name.prefix(40))\" here.")
        }
        let viewer = context.viewer?.id
        let submissions = try await store.submissions(of: account.id, viewer: viewer, limit: 50)
        let upvoted = try await store.upvotedPapers(of: account.id, viewer: viewer, limit: 50)
        let collections = try await store.collections(of: account.id, includePrivate: viewer == account.id)
        let authorships = try await store.claims(status: .approved, account: account.id, limit: 200)
        var model = ProfilePageModel(
            name: account.name, isOwn: viewer == account.id,
            submissions: submissions.map { PaperSummaryView($0) }, upvoted: upvoted.map { PaperSummaryView($0) },
            collections: collections.map(CollectionLinkView.init))
        model.authorships = authorships.map { NavLink(url: SiteURL.paper($0.paperID).path, label: "\($0.authorName): \($0.paperTitle)") }
        model.isAdmin = viewer == account.id && account.isAdmin
        return try views.page(.profile, model, request: request, context: context)
    }

    // MARK: API tokens

    @Sendable func tokensPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer else { return Self.toLogin(request) }
        let model = TokensPageModel(tokens: try await store.apiTokens(of: viewer.id).map(TokensPageModel.TokenView.init))
        return try views.page(.tokens, model, request: request, context: context).response(from: request, context: context)
    }

    @Sendable func createToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer, !context.viaAPIToken else { return Self.toLogin(request) }
        let name = String((context.form["name"] ?? "script").prefix(60))
        let token = try await auth.createAPIToken(for: viewer, name: name)
        var model = TokensPageModel(tokens: try await store.apiTokens(of: viewer.id).map(TokensPageModel.TokenView.init))
        model.newToken = token
        return try views.page(.tokens, model, request: request, context: context, status: .created).response(from: request, context: context)
    }

    @Sendable func revokeToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let viewer = context.viewer, !context.viaAPIToken else { return Self.toLogin(request) }
        guard let id = context.parameters.get("id").flatMap({ APITokenID($0) }), try await store.revokeAPIToken(id: id, account: viewer.id) else {
            throw HTTPError(.notFound, message: "You have no such token.")
        }
        return Self.seeOther(SiteURL.tokens.path)
    }

    /// 303: after a form post, the browser GETs `location`.
    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Sends someone who is not logged in to the log-in page, to come back to `return` (or this page) afterwards.
    static func toLogin(_ request: Request, returnTo: String? = nil) -> Response {
        let target = returnTo ?? (request.method == .get ? ReturnPath.of(request) : "/")
        return seeOther(ReturnPath.loginURL(returningTo: target))
    }
}
