import Foundation
import PapersCore
import PapersRecommend
import PapersSearch
import PapersStore

/// One paper in a digest and why it is there.
public struct DigestEntry: Sendable {
    /// The paper with its upvotes.
    public var paper: RankedPaper
    /// "By Yann LeCun", "Matches “diffusion”", "In cs.LG" or "Trending".
    public var reason: String
}

/// Chooses a subscriber's papers for one digest.
///
/// Candidates are papers announced (or featured) since the subscriber's previous digest: papers by followed authors
/// first, then the subscriber's topics and trending papers taken in turn (each list in its own order: hybrid-search
/// relevance for saved searches, upvotes for categories, trending score for trending), so that no one list crowds
/// out the rest. Include and exclude keywords filter all of them; papers already sent to this subscriber are left
/// out; the result is capped at the subscriber's ``DigestPreferences/maxPapers``.
public struct DigestSelector: Sendable {
    let store: any PaperStore
    let search: SearchService
    /// Personal ranking, for subscriptions that ask for papers "for you" (nil: such digests get their other lists).
    let personal: RecommendationService?
    let cache = SelectionCache()

    /// Creates a selector; results of shared topics are computed once per selector (one digest run).
    public init(store: any PaperStore, search: SearchService, personal: RecommendationService? = nil) {
        self.store = store
        self.search = search
        self.personal = personal
    }

    /// The days a digest at `now` covers: from the previous digest's day (or the period's look-back) to today.
    public static func window(for subscription: Subscription, previousDigest: Double?, now: Double) -> ClosedRange<Day> {
        let today = Day(unixTime: now)
        let lookback = DigestPeriod(subscription.preferences.frequency, containing: today).lookbackDays
        var from = today.adding(days: -lookback)
        if let previousDigest { from = max(from.adding(days: -7), Day(unixTime: previousDigest)) }
        return min(from, today)...today
    }

    /// The papers for `subscription`'s digest at `now`, in order; empty when there is nothing new for it.
    public func select(for subscription: Subscription, now: Double) async throws -> [DigestEntry] {
        let preferences = subscription.preferences
        let days = Self.window(for: subscription, previousDigest: try await store.lastDigestTime(subscription.id), now: now)
        let depth = min(SearchService.maximumLimit, preferences.maxPapers * 3)
        var pinned: [DigestEntry] = []
        var lists: [[DigestEntry]] = []
        for topic in preferences.topics {
            switch topic {
            case .author(let name):
                pinned += try await recent(days, SearchFilters(author: name), depth).map { DigestEntry(paper: $0, reason: "By \(name)") }
            case .category(let category):
                lists.append(try await recent(days, SearchFilters(category: category), depth).map { DigestEntry(paper: $0, reason: "In \(category)") })
            case .search(let query):
                lists.append(try await matches(query, days, depth).map { DigestEntry(paper: $0, reason: "Matches “\(query)”") })
            }
        }
        if preferences.forYou, let personal, let account = subscription.accountID {
            // The person's own ranking leads: mutes and dismissals apply, as everywhere personal.
            let ranked = try await personal.recommend(.account(account), days: days, limit: depth).recommendations
            let standing = Dictionary(try await store.rankedPapers(ranked.map(\.paper.id), viewer: nil).map { ($0.paper.id, $0) },
                                      uniquingKeysWith: { a, _ in a })
            lists.insert(ranked.compactMap { r in standing[r.paper.id].map { DigestEntry(paper: $0, reason: r.reason?.text ?? "For you") } }, at: 0)
        }
        if preferences.trending {
            lists.append(try await trending(preferences.frequency, days, now, depth).map { DigestEntry(paper: $0, reason: "Trending") })
        }
        var ordered = pinned
        var index = 0
        while lists.contains(where: { index < $0.count }) {
            for list in lists where index < list.count { ordered.append(list[index]) }
            index += 1
        }
        let sent = try await store.papersAlreadySent(subscription.id, among: ordered.map(\.paper.paper.id))
        var seen = sent
        var chosen: [DigestEntry] = []
        for entry in ordered where chosen.count < preferences.maxPapers {
            let paper = entry.paper.paper
            guard !seen.contains(paper.id) else { continue }
            seen.insert(paper.id)
            let text = paper.title + "\n" + paper.abstract
            if !preferences.include.isEmpty && !preferences.include.contains(where: { Self.mentions(text, $0) }) { continue }
            if preferences.exclude.contains(where: { Self.mentions(text, $0) }) { continue }
            chosen.append(entry)
        }
        return chosen
    }

    /// Whether `text` contains `phrase` as whole words, ignoring case and accents.
    public static func mentions(_ text: String, _ phrase: String) -> Bool {
        var searchRange = text.startIndex..<text.endIndex
        while let found = text.range(of: phrase, options: [.caseInsensitive, .diacriticInsensitive], range: searchRange) {
            let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
            let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
            func isWordCharacter(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber } ?? false }
            if !isWordCharacter(before) && !isWordCharacter(after) { return true }
            searchRange = text.index(after: found.lowerBound)..<text.endIndex
        }
        return false
    }

    private func recent(_ days: ClosedRange<Day>, _ filters: SearchFilters, _ depth: Int) async throws -> [RankedPaper] {
        try await cache.value("recent|\(days)|\(filters.category ?? "")|\(filters.author ?? "")|\(depth)") {
            try await store.recentPapers(in: days, filters: filters, limit: depth)
        }
    }

    /// The least cosine similarity between a saved search and a paper found by meaning alone. On
    /// ../shared/eval/scifact-dev (MiniLM, 809 queries) 95.5% of relevant abstracts reach 0.30 and 5% of random
    /// query-abstract pairs do: below it, a "match" is the nearest of unrelated papers, and a digest is better
    /// without it. Papers that contain the words are kept whatever their cosine.
    public static let minimumSimilarity: Float = 0.30

    private func matches(_ query: String, _ days: ClosedRange<Day>, _ depth: Int) async throws -> [RankedPaper] {
        try await cache.value("search|\(days)|\(depth)|\(query)") {
            let filters = SearchFilters(from: days.lowerBound, to: days.upperBound)
            var hits: [SearchHit]
            var containWords: Set<PaperID> = []
            do {
                hits = try await search.search(SearchRequest(text: query, mode: search.defaultMode, filters: filters, limit: depth)).hits
                if let semantic = search.semantic {
                    containWords = try await Set(search.search(SearchRequest(text: query, mode: .keyword, filters: filters, limit: depth)).hits
                        .map(\.paper.id))
                    let vector = await semantic.embed(query: query)
                    var keys: [PaperID: Int64] = [:]
                    for hit in hits where !containWords.contains(hit.paper.id) {
                        keys[hit.paper.id] = try await store.rowKey(of: hit.paper.id)
                    }
                    let cosines = try await semantic.similarities(to: vector, keys: Array(keys.values))
                    hits = hits.filter { hit in
                        containWords.contains(hit.paper.id) || keys[hit.paper.id].flatMap { cosines[$0] }.map { $0 >= Self.minimumSimilarity } ?? false
                    }
                }
            } catch SearchError.emptyQuery {
                // Only stop words: nothing to match by words, and a meaning-only list would be noise.
                return []
            }
            return try await store.rankedPapers(hits.map(\.paper.id), viewer: nil)
        }
    }

    private func trending(_ frequency: DigestFrequency, _ days: ClosedRange<Day>, _ now: Double, _ depth: Int) async throws -> [RankedPaper] {
        try await cache.value("trending|\(frequency)|\(days)|\(depth)") {
            let window: TrendingWindow = frequency == .daily ? .day : .week
            let since = min(now - window.seconds, Double(days.lowerBound.daysSinceEpoch) * 86_400)
            var ranked = Trending.rank(try await store.trendingCandidates(since: since, viewer: nil), window: window, now: now)
            ranked = Array(ranked.prefix(depth))
            // Few upvotes yet: the papers featured on the daily pages (submitted or from Hugging Face) fill up.
            if ranked.count < depth {
                let have = Set(ranked.map(\.paper.id))
                ranked += try await store.featuredPapers(in: days, submitter: nil, newestFirst: false, viewer: nil, limit: depth, offset: 0)
                    .filter { !have.contains($0.paper.id) }.prefix(depth - ranked.count)
            }
            return ranked
        }
    }
}

/// Lists computed once per digest run and shared by every subscriber who asked for the same thing.
actor SelectionCache {
    private var values: [String: [RankedPaper]] = [:]

    func value(_ key: String, make: () async throws -> [RankedPaper]) async throws -> [RankedPaper] {
        if let found = values[key] { return found }
        let made = try await make()
        values[key] = made
        return made
    }
}
