import Foundation
import Hummingbird
import PapersCore
import PapersStore

/// The community rules every controller shares: voting under the rate limits, trending at the current time, and who
/// may see a collection. Pages, the API, the Hugging Face-compatible API and feeds call this, not each other.
struct CommunityService: Sendable {
    let store: any PaperStore
    let limits: RateLimits
    let limiter: RateLimiter
    /// Seconds since 1970 (the injected clock).
    let now: @Sendable () -> Double

    /// Today by the injected clock.
    var today: Day { Day(unixTime: now()) }

    /// Applies the rate limits (per account, then per address `clientKey`), then the vote; the paper's new count.
    func setVote(viewer: Account, paper: PaperID, on: Bool, clientKey: String) async throws -> Int {
        var wait = await limiter.spend("vote|\(viewer.id)", limits.votesPerAccount)
        if wait == nil { wait = await limiter.spend("vote-ip|\(clientKey)", limits.votesPerIP) }
        if let wait {
            throw RateLimiter.refusal(wait: wait, "Too many upvotes in a short time")
        }
        do {
            return try await store.setVote(account: viewer.id, paper: paper, on: on, now: now())
        } catch CommunityError.unknownPaper(let id) {
            throw HTTPError(.notFound, message: "There is no paper \(id) on this instance.")
        }
    }

    /// Trending papers of `window` at the current time.
    func trendingPapers(window: TrendingWindow, viewer: AccountID?) async throws -> [RankedPaper] {
        let t = now()
        return Trending.rank(try await store.trendingCandidates(since: t - window.seconds, viewer: viewer), window: window, now: t)
    }

    /// The collection when the viewer may see it; private collections are "not found" to everyone but their owner.
    func visibleCollection(id text: String?, viewer: AccountID?) async throws -> PaperCollection {
        guard let id = text.flatMap({ CollectionID($0) }), let collection = try await store.collection(id), collection.isVisible(to: viewer) else {
            throw HTTPError(.notFound, message: "There is no collection \(text?.prefix(20) ?? "") here.")
        }
        return collection
    }
}

extension QueryParameters {
    /// `window=day|week|month` (default week).
    func trendingWindow() throws -> TrendingWindow {
        guard let text = string("window") else { return .week }
        guard let window = TrendingWindow(rawValue: String(text)) else {
            throw HTTPError(.badRequest, message: "parameter window: expected day, week or month, got \"\(text.prefix(20))\"")
        }
        return window
    }
}
