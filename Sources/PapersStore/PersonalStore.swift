import PapersCore

/// Storage of what personal ranking learns from: dismissals, seeds, mutes and follows, the on/off switch,
/// resets and the private feed token. Upvotes and collections live in `CommunityStore`. Each write is
/// one transaction.
public protocol PersonalStore: Sendable {
    /// Everything personal ranking reads for `account`: likes (upvotes, saves, seeds) after the last reset,
    /// dismissals, filters and the switch.
    func personalSignals(account: AccountID) async throws -> PersonalSignals
    /// Marks (or unmarks) a paper "Not interested"; throws `CommunityError.unknownPaper` for an unknown id.
    func setDismissal(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws
    /// Adds papers to the account's seeds; unknown ids are skipped. Returns how many were new.
    func addSeeds(account: AccountID, papers: [PaperID], now: Double) async throws -> Int
    /// Adds or removes a mute or follow.
    func setFilter(account: AccountID, filter: PersonalFilter, on: Bool, now: Double) async throws
    /// Turns personal ranking on or off for the account.
    func setPersonalization(account: AccountID, enabled: Bool) async throws
    /// Forgets what was learned: dismissals and seeds are deleted, and upvotes and saves made before `now`
    /// stop counting (they stay public as they are). Mutes and follows are kept.
    func resetPersonalization(account: AccountID, now: Double) async throws
    /// Stores the hash of the account's private feed token (nil revokes it).
    func setFeedToken(account: AccountID, tokenHash: [UInt8]?) async throws
    /// Whether the account has a feed token.
    func hasFeedToken(account: AccountID) async throws -> Bool
    /// The account whose feed token hashes to `tokenHash`, if any.
    func feedTokenAccount(tokenHash: [UInt8]) async throws -> Account?
    /// The embeddings of `ids` under `model` (missing ones left out).
    func embeddings(of ids: [PaperID], model: String) async throws -> [PaperID: [Float]]
    /// Up to `limit` papers stored most recently (by daily-page day, newest first): the sample personal
    /// ranking learns its vocabulary and background from.
    func recentPapers(limit: Int) async throws -> [Paper]
    /// Papers whose arXiv id, DOI (lower-cased) or exact title (case-insensitive) is one of these; for
    /// matching an imported library. Keys of the result are the input strings that matched.
    func matchPapers(arxivIDs: [String], dois: [String], titles: [String]) async throws -> [String: PaperID]
}
