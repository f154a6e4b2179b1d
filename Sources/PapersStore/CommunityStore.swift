import PapersCore

/// Accounts, sessions, upvotes, submissions and collections. One implementation per database backend, beside
/// ``PaperStore``; every method is one transaction.
public protocol CommunityStore: Sendable {
    /// Creates an account; throws ``CommunityError/nameTaken`` or ``CommunityError/emailTaken`` (case-insensitive).
    func createAccount(name: String, email: String, passwordHash: String, now: Double) async throws -> Account
    /// The account whose name or email is `login` (case-insensitive), with its password hash.
    func credentials(login: String) async throws -> (account: Account, passwordHash: String)?
    /// The account named `name` (case-insensitive).
    func account(named name: String) async throws -> Account?

    /// Records a session: `tokenHash` (SHA-256 of the cookie value) logs `account` in until `expiresAt`.
    func createSession(tokenHash: [UInt8], account: AccountID, now: Double, expiresAt: Double) async throws
    /// The account a live session belongs to, or nil (unknown or expired).
    func sessionAccount(tokenHash: [UInt8], now: Double) async throws -> Account?
    /// Ends a session (log-out, rotation); expired sessions are swept at the same time.
    func deleteSession(tokenHash: [UInt8], now: Double) async throws

    /// Records an API token by its SHA-256 hash under `name`.
    func createAPIToken(tokenHash: [UInt8], account: AccountID, name: String, now: Double) async throws
    /// The account an API token belongs to (noting its use), or nil.
    func apiTokenAccount(tokenHash: [UInt8], now: Double) async throws -> Account?
    /// The account's API tokens (names and times only: the tokens themselves are not stored).
    func apiTokens(of account: AccountID) async throws -> [APITokenInfo]
    /// Revokes one of the account's tokens; false when it had no such token.
    func revokeAPIToken(id: APITokenID, account: AccountID) async throws -> Bool

    /// Sets `account`'s upvote on `paper` to `on` (idempotent) and returns the paper's local upvote count after it;
    /// throws ``CommunityError/unknownPaper`` when the paper is not stored.
    func setVote(account: AccountID, paper: PaperID, on: Bool, now: Double) async throws -> Int
    /// Puts `paper` on the daily page of `day` as submitted by `account`; a paper already submitted or featured is
    /// not submitted again (``SubmissionResult/duplicate(day:submitter:)``).
    func submit(paper: PaperID, account: AccountID, day: Day, now: Double) async throws -> SubmissionResult

    /// A day's page: papers featured that day (submitted or from Hugging Face) first, then the day's announced papers;
    /// each group by upvotes (local plus external), most first. `viewer` marks the viewer's own upvotes.
    func dailyPage(_ day: Day, viewer: AccountID?, limit: Int, offset: Int) async throws -> [RankedPaper]
    /// Papers featured (submitted or from Hugging Face) on days in `days`, by upvotes (or newest first when
    /// `newestFirst`), optionally only those `submitter` submitted; at most `limit` from `offset`.
    func featuredPapers(in days: ClosedRange<Day>, submitter: String?, newestFirst: Bool, viewer: AccountID?,
                        limit: Int, offset: Int) async throws -> [RankedPaper]
    /// Papers with at least one upvote that entered the daily pages at or after `since` (Unix seconds): the candidates
    /// ``Trending/rank(_:window:now:)`` orders.
    func trendingCandidates(since: Double, viewer: AccountID?) async throws -> [RankedPaper]
    /// The standing of the given papers, in the given order (unknown ids are left out).
    func rankedPapers(_ ids: [PaperID], viewer: AccountID?) async throws -> [RankedPaper]
    /// Papers `account` submitted, newest first.
    func submissions(of account: AccountID, viewer: AccountID?, limit: Int) async throws -> [RankedPaper]
    /// Papers `account` upvoted, most recent vote first.
    func upvotedPapers(of account: AccountID, viewer: AccountID?, limit: Int) async throws -> [RankedPaper]

    /// Creates a collection; throws ``CommunityError/collectionExists`` when the owner already has one of that name.
    func createCollection(owner: AccountID, name: String, isPublic: Bool, now: Double) async throws -> PaperCollection
    /// The collection with this id, visible or not (callers check ``PaperCollection/isVisible(to:)``).
    func collection(_ id: CollectionID) async throws -> PaperCollection?
    /// The owner's collections, newest first; private ones only when `includePrivate`.
    func collections(of owner: AccountID, includePrivate: Bool) async throws -> [PaperCollection]
    /// Adds `paper` to (or removes it from) a collection `owner` owns; throws ``CommunityError/unknownCollection``
    /// or ``CommunityError/unknownPaper``.
    func setCollectionItem(collection: CollectionID, owner: AccountID, paper: PaperID, present: Bool, now: Double) async throws
    /// The papers in a collection, most recently added first.
    func collectionPapers(_ collection: CollectionID, viewer: AccountID?, limit: Int, offset: Int) async throws -> [RankedPaper]
    /// Which of `owner`'s collections hold `paper`.
    func collectionsHolding(_ paper: PaperID, owner: AccountID) async throws -> Set<CollectionID>

    /// The instance secret `name` (signing keys), created from `make()` on first use and shared by every server on
    /// the database.
    func secret(named name: String, make: @Sendable () -> [UInt8]) async throws -> [UInt8]
}

/// What a submission did.
public enum SubmissionResult: Equatable, Sendable {
    /// The paper is now on the requested day's page.
    case submitted
    /// It was already on a daily page: the day, and who submitted it (nil when Hugging Face featured it).
    case duplicate(day: Day, submitter: String?)
}

/// An API token as listed to its owner.
public struct APITokenInfo: Hashable, Sendable {
    /// Row id (for revoking).
    public var id: APITokenID
    /// The owner's label for it.
    public var name: String
    /// When it was made (Unix seconds).
    public var createdAt: Double
    /// When it last authenticated a request (Unix seconds).
    public var lastUsedAt: Double?

    /// Creates a token description.
    public init(id: APITokenID, name: String, createdAt: Double, lastUsedAt: Double?) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Community operations that cannot be carried out, each saying why.
public enum CommunityError: Error, Equatable, CustomStringConvertible {
    case nameTaken(String)
    case emailTaken
    case unknownPaper(PaperID)
    case unknownCollection(CollectionID)
    case collectionExists(String)
    case unknownComment(CommentID)
    case suspended
    case notAnAuthor(String)
    case claimExists

    public var description: String {
        switch self {
        case .nameTaken(let name): return "username: \"\(name)\" is taken"
        case .emailTaken: return "email: an account with this address exists; log in instead"
        case .unknownPaper(let id): return "paper: there is no paper \(id) on this instance"
        case .unknownCollection(let id): return "collection: there is no collection \(id) of yours"
        case .collectionExists(let name): return "name: you already have a collection called \"\(name)\""
        case .unknownComment(let id): return "comment: there is no comment \(id) on this paper"
        case .suspended: return "account: this account is suspended"
        case .notAnAuthor(let name): return "author: \"\(name.prefix(80))\" is not an author of this paper"
        case .claimExists: return "author: this author of the paper is already claimed"
        }
    }
}
