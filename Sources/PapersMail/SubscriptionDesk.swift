import Foundation
import PapersCore
import PapersStore

/// What a subscribe request did.
public enum SubscribeOutcome: Equatable, Sendable {
    /// A confirmation email is queued.
    case confirmationQueued
    /// One went to this address moments ago; no second one (the preferences were still updated).
    case confirmationRecentlySent
}

/// Subscribing, confirming and unsubscribing: double opt-in with signed links, used by the web pages and the API.
public struct SubscriptionDesk: Sendable {
    let store: any PaperStore
    let composer: MailComposer
    let tokens: SubscriptionTokens
    let settings: MailSettings

    /// Creates the desk over the store's signing key.
    public init(store: any PaperStore, settings: MailSettings) async throws {
        self.store = store
        self.settings = settings
        tokens = try await SubscriptionTokens(store: store)
        composer = try MailComposer(settings: settings, tokens: tokens)
    }

    /// Records a pending subscription and queues the confirmation email (at most one per address per
    /// ``MailSettings/confirmationInterval``). Nothing else is ever sent before confirmation.
    public func subscribe(email: EmailAddress, preferences: DigestPreferences, account: AccountID?, now: Double) async throws -> SubscribeOutcome {
        let (subscription, send) = try await store.requestSubscription(email: email, preferences: preferences, account: account, now: now,
                                                                      resendAfter: now - settings.confirmationInterval)
        guard send else { return .confirmationRecentlySent }
        let draft = try composer.confirmation(for: subscription, now: now)
        try await store.enqueueConfirmation(NewOutboxMail(subscription: subscription.id, recipient: email, messageID: draft.message.messageID,
                                                          message: draft.message.rendered(), paperCount: 0, createdAt: now))
        return .confirmationQueued
    }

    /// The subscription a confirmation token names, if the token is genuine and unexpired.
    public func pending(token: String, now: Double) async throws -> Subscription? {
        guard let id = tokens.verify(token, .confirm, now: now) else { return nil }
        return try await store.subscription(id)
    }

    /// Confirms the subscription a genuine, unexpired token names; nil otherwise (or when it was unsubscribed).
    public func confirm(token: String, now: Double) async throws -> Subscription? {
        guard let id = tokens.verify(token, .confirm, now: now) else { return nil }
        return try await store.confirmSubscription(id, now: now)
    }

    /// The subscription an unsubscribe token names.
    public func subscription(unsubscribeToken token: String) async throws -> Subscription? {
        guard let id = tokens.verify(token, .unsubscribe, now: 0) else { return nil }
        return try await store.subscription(id)
    }

    /// Unsubscribes the subscription a genuine unsubscribe token names (idempotent); nil for a bad token.
    public func unsubscribe(token: String, now: Double) async throws -> Subscription? {
        guard let id = tokens.verify(token, .unsubscribe, now: 0), try await store.unsubscribe(id, now: now) else { return nil }
        return try await store.subscription(id)
    }

    /// The unsubscribe link of a subscription (for a logged-in owner's settings page).
    public func unsubscribeURL(_ subscription: SubscriptionID) -> String { composer.unsubscribeURL(subscription) }
}
