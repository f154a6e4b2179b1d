import Foundation
import Hummingbird
import PapersCore
import PapersMail
import PapersStore

/// Email digests on the web: the subscribe form and its JSON twin, the confirmation link (double opt-in), and
/// unsubscribing, by a confirm page or at once by the one-click `POST` mail clients send (RFC 8058).
struct SubscriptionController: Sendable {
    let store: any PaperStore
    let desk: SubscriptionDesk
    let limits: RateLimits
    let limiter: RateLimiter
    let views: Views
    let now: @Sendable () -> Double
    /// Asks the mail worker to send now (a confirmation was queued, or a subscriber may be due today).
    let nudge: @Sendable () -> Void

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(.subscribe, use: subscribePage)
        routes.post(.subscribe, use: subscribe)
        routes.get(.subscribeConfirm, use: confirmPage)
        routes.post(.subscribeConfirm, use: confirm)
        routes.get(.unsubscribe, use: unsubscribePage)
        routes.post(.unsubscribe, use: unsubscribe)
        routes.post(.apiSubscriptions, use: subscribeJSON)
        return routes
    }

    // MARK: subscribing

    @Sendable func subscribePage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        var model = SubscribePageModel()
        model.email = context.viewer?.email ?? ""
        if let topic = QueryParameters(request: request).string("topic") { model.topics = topic }
        if let viewer = context.viewer {
            model.current = try await store.subscriptions(of: viewer.id).map { SubscriptionSummary($0, unsubscribeURL: desk.unsubscribeURL($0.id)) }
        }
        return try views.page(.subscribe, model, request: request, context: context)
    }

    @Sendable func subscribe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = context.form
        var model = SubscribePageModel(form: form)
        do {
            let input = try SubscriptionInput(form: form)
            try await requestSubscription(input, context: context)
            return try views.page(.subscribeSent, SubscribeSentModel(email: input.email.value), request: request, context: context)
                .response(from: request, context: context)
        } catch let error as SubscriptionError {
            model.error = error.description
            return try views.page(.subscribe, model, request: request, context: context, status: .unprocessableContent)
                .response(from: request, context: context)
        }
    }

    /// `POST /api/subscriptions` with JSON `{"email", "frequency", "trending", "topics": [{"kind", "value"}] or
    /// ["cat:cs.LG", …], "include", "exclude", "maxPapers"}`: 202 and a confirmation email, or 422 naming the field.
    @Sendable func subscribeJSON(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body: SubscriptionRequestJSON
        do {
            body = try JSONDecoder().decode(SubscriptionRequestJSON.self, from: try await request.body.collect(upTo: 64 * 1024))
        } catch {
            throw HTTPError(.badRequest, message: "body: expected a JSON object with email, frequency, trending and topics (\(error))")
        }
        do {
            let input = try SubscriptionInput(json: body)
            let outcome = try await requestSubscription(input, context: context)
            let status = outcome == .confirmationQueued ? "confirmation_sent" : "confirmation_recently_sent"
            var response = try SubscriptionAcceptedJSON(status: status, email: input.email.value,
                                                        message: "Check \(input.email.value) for a link to confirm; nothing is sent before that.")
                .response(from: request, context: context)
            response.status = .accepted
            return response
        } catch let error as SubscriptionError {
            throw HTTPError(.unprocessableContent, message: error.description)
        }
    }

    /// Rate limits (per client address and per email address), then the pending record and its confirmation.
    @discardableResult
    private func requestSubscription(_ input: SubscriptionInput, context: AppRequestContext) async throws -> SubscribeOutcome {
        if input.preferences.forYou, context.viewer == nil {
            throw SubscriptionError.invalid(field: "forYou", reason: "log in to get papers ranked for you: they are learned from your account")
        }
        if let wait = await limiter.spend("subscribe|\(context.clientKey)", limits.subscriptionsPerIP) {
            throw RateLimiter.refusal(wait: wait, "Too many subscription requests from your address")
        }
        if let wait = await limiter.spend("subscribe-email|\(input.email.value.lowercased())", limits.subscriptionsPerEmail) {
            throw RateLimiter.refusal(wait: wait, "Too many subscription requests for this email address")
        }
        let outcome = try await desk.subscribe(email: input.email, preferences: input.preferences, account: context.viewer?.id, now: now())
        nudge()
        return outcome
    }

    // MARK: confirming

    @Sendable func confirmPage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let token = QueryParameters(request: request).string("token") ?? ""
        guard let subscription = try await desk.pending(token: token, now: now()), subscription.status != .unsubscribed else {
            throw HTTPError(.badRequest, message: "This confirmation link has expired or is not valid. Subscribe again to get a new one.")
        }
        return try views.page(.subscriptionAction, SubscriptionActionModel(
            title: "Confirm your digest", message: "Send a \(subscription.preferences.frequency.rawValue) digest to \(subscription.email.value)?",
            action: SiteURL.subscribeConfirm().path, token: token, button: "Confirm my subscription", done: false), request: request, context: context)
    }

    @Sendable func confirm(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        guard let subscription = try await desk.confirm(token: context.form["token"] ?? "", now: now()) else {
            throw HTTPError(.badRequest, message: "This confirmation link has expired or is not valid. Subscribe again to get a new one.")
        }
        nudge()
        return try views.page(.subscriptionAction, SubscriptionActionModel(
            title: "Subscribed", message: "You will get a \(subscription.preferences.frequency.rawValue) digest at \(subscription.email.value). Every email has a one-click unsubscribe link.",
            action: "", token: "", button: "", done: true), request: request, context: context)
    }

    // MARK: unsubscribing

    @Sendable func unsubscribePage(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let token = QueryParameters(request: request).string("token") ?? ""
        guard let subscription = try await desk.subscription(unsubscribeToken: token) else {
            throw HTTPError(.badRequest, message: "This unsubscribe link is not valid.")
        }
        if subscription.status == .unsubscribed {
            return try views.page(.subscriptionAction, SubscriptionActionModel(
                title: "Unsubscribed", message: "\(subscription.email.value) gets no more digests.", action: "", token: "", button: "", done: true),
                request: request, context: context)
        }
        return try views.page(.subscriptionAction, SubscriptionActionModel(
            title: "Unsubscribe", message: "Stop the \(subscription.preferences.frequency.rawValue) digest to \(subscription.email.value)?",
            action: SiteURL.unsubscribe().path, token: token, button: "Unsubscribe", done: false), request: request, context: context)
    }

    /// The confirm page's button, and the one-click `POST` a mail client sends to the `List-Unsubscribe` address
    /// (body `List-Unsubscribe=One-Click`, no cookies): the signed token is the authority, so no CSRF token is
    /// asked for (``SessionMiddleware`` lets this path through).
    @Sendable func unsubscribe(_ request: Request, context: AppRequestContext) async throws -> HTMLPage {
        let token = context.form["token"] ?? QueryParameters(request: request).string("token") ?? ""
        guard let subscription = try await desk.unsubscribe(token: token, now: now()) else {
            throw HTTPError(.badRequest, message: "This unsubscribe link is not valid.")
        }
        return try views.page(.subscriptionAction, SubscriptionActionModel(
            title: "Unsubscribed", message: "\(subscription.email.value) gets no more digests.", action: "", token: "", button: "", done: true),
            request: request, context: context)
    }
}

/// A checked subscribe request from the form or the API.
struct SubscriptionInput {
    var email: EmailAddress
    var preferences: DigestPreferences

    init(form: FormFields) throws(SubscriptionError) {
        email = try EmailAddress(validating: form["email"] ?? "")
        let frequency = try Self.frequency(form["frequency"] ?? "daily")
        var topics: [SubscriptionTopic] = []
        for line in (form.raw("topics") ?? "").split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            topics.append(try SubscriptionTopic(parsing: String(line)))
        }
        guard let maxPapers = Int(form["maxPapers"] ?? String(DigestPreferences.defaultMaxPapers)) else {
            throw .invalid(field: "maxPapers", reason: "enter a number")
        }
        preferences = try DigestPreferences(frequency: frequency, trending: form["trending"] != nil, topics: topics,
                                            include: DigestPreferences.splitKeywords(form.raw("include") ?? ""),
                                            exclude: DigestPreferences.splitKeywords(form.raw("exclude") ?? ""), maxPapers: maxPapers,
                                            forYou: form["forYou"] != nil)
    }

    init(json: SubscriptionRequestJSON) throws(SubscriptionError) {
        email = try EmailAddress(validating: json.email ?? "")
        var topics: [SubscriptionTopic] = []
        for topic in json.topics ?? [] {
            switch topic {
            case .line(let line): topics.append(try SubscriptionTopic(parsing: line))
            case .object(let kind, let value):
                guard let parsed = SubscriptionTopic(kind: kind, value: value) else {
                    throw .invalid(field: "topics", reason: "kind \"\(kind)\" is not search, category or author")
                }
                topics.append(parsed)
            }
        }
        preferences = try DigestPreferences(frequency: try Self.frequency(json.frequency ?? "daily"), trending: json.trending ?? topics.isEmpty,
                                            topics: topics, include: json.include ?? [], exclude: json.exclude ?? [],
                                            maxPapers: json.maxPapers ?? DigestPreferences.defaultMaxPapers, forYou: json.forYou ?? false)
    }

    static func frequency(_ text: String) throws(SubscriptionError) -> DigestFrequency {
        guard let frequency = DigestFrequency(rawValue: text.lowercased()) else {
            throw .invalid(field: "frequency", reason: "choose daily or weekly")
        }
        return frequency
    }
}

/// The body of `POST /api/subscriptions`.
struct SubscriptionRequestJSON: Decodable {
    enum Topic: Decodable {
        case line(String)
        case object(kind: String, value: String)

        init(from decoder: any Decoder) throws {
            if let line = try? decoder.singleValueContainer().decode(String.self) {
                self = .line(line)
                return
            }
            struct Object: Decodable { var kind: String; var value: String }
            let object = try Object(from: decoder)
            self = .object(kind: object.kind, value: object.value)
        }
    }
    var email: String?
    var frequency: String?
    var trending: Bool?
    var forYou: Bool?
    var topics: [Topic]?
    var include: [String]?
    var exclude: [String]?
    var maxPapers: Int?
}

/// The 202 answer of `POST /api/subscriptions`.
struct SubscriptionAcceptedJSON: ResponseCodable {
    var status: String
    var email: String
    var message: String
}
