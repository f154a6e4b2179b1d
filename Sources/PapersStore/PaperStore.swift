import PapersCore

/// How many papers a day has, for day lists and navigation.
public struct DaySummary: Hashable, Sendable {
    /// The announcement day.
    public var day: Day
    /// Papers on that day.
    public var paperCount: Int

    /// Creates a summary.
    public init(day: Day, paperCount: Int) {
        self.day = day
        self.paperCount = paperCount
    }
}

/// Storage of papers. One implementation per database backend; SQL dialect stays inside each.
public protocol PaperStore: CommunityStore, SubscriptionStore, PersonalStore, DiscussionStore {
    /// Inserts new papers and updates changed ones in one transaction (all or nothing); a record whose
    /// version is older than the stored one, or whose content is identical, counts as unchanged.
    /// `defaultDay` is the daily-page day given to new papers whose record names no date.
    func upsert(_ papers: [Paper], defaultDay: Day) async throws -> UpsertCounts
    /// The part of an upsert that needs no database (text analysis, fingerprints, column values): run it
    /// for the next batch while the previous one is being written.
    func prepareUpsert(_ papers: [Paper], defaultDay: Day) async -> PreparedUpsert
    /// Writes a prepared batch in one transaction (all or nothing); same rules as ``upsert(_:defaultDay:)``.
    func commitUpsert(_ batch: PreparedUpsert) async throws -> UpsertCounts
    /// The paper with this id, or `nil`.
    func paper(_ id: PaperID) async throws -> Paper?
    /// The papers announced on `day`, in announcement order, at most `limit` from `offset`.
    func papers(on day: Day, limit: Int, offset: Int) async throws -> [Paper]
    /// Upvotes of the papers featured on `day` (Hugging Face daily papers), by paper.
    func featuredUpvotes(on day: Day) async throws -> [PaperID: Int]
    /// Records outside features (replacing an earlier feature of the same paper by the same source); features
    /// of papers not stored are skipped. Returns how many were stored.
    func saveFeatures(_ features: [PaperFeature]) async throws -> Int
    /// Removes papers (and everything hanging off them) in one transaction; returns how many existed.
    func deletePapers(_ ids: [PaperID]) async throws -> Int

    /// The saved state of harvest `key`, or nil when it never ran.
    func harvestState(key: String) async throws -> HarvestState?
    /// Every saved harvest state by key.
    func harvestStates() async throws -> [String: HarvestState]
    /// Saves the state of harvest `key`, stamped `now` (Unix seconds).
    func saveHarvestState(_ state: HarvestState, key: String, now: Double) async throws
    /// Takes lease `name` for `holder` until `now + seconds` (Unix seconds) when it is free, expired at `now`, already
    /// `holder`'s (renewing it) or held by `replacing` (a holder known to be dead); false when someone else holds it.
    func acquireLease(_ name: String, holder: String, seconds: Double, replacing: String?, now: Double) async throws -> Bool
    /// Gives lease `name` up if `holder` holds it.
    func releaseLease(_ name: String, holder: String) async throws
    /// Who holds lease `name` at `now` and until when (Unix seconds), or nil when nobody does.
    func leaseHolder(_ name: String, now: Double) async throws -> (holder: String, expiresAt: Double)?

    /// The most recent days that have papers, newest first, at most `limit`.
    func latestDays(limit: Int) async throws -> [DaySummary]
    /// The nearest days before and after `day` that have papers.
    func neighbours(of day: Day) async throws -> (previous: Day?, next: Day?)
    /// Papers on `day` in total.
    func paperCount(on day: Day) async throws -> Int
    /// Papers stored in total.
    func paperCount() async throws -> Int
    /// BM25 keyword search (title weighted above abstract and authors), best first; a page of at most `limit`.
    func searchKeyword(_ query: KeywordQuery, filters: SearchFilters, limit: Int, offset: Int) async throws -> SearchPage

    /// Papers whose embedding under `model` is missing or stale (the paper changed since), in row order,
    /// at most `limit` of them after `cursor` (start with `nil`; pass the last job's `cursor` to continue).
    func papersToEmbed(model: String, after cursor: Int64?, limit: Int) async throws -> [EmbeddingJob]
    /// How many papers lack a current embedding under `model`.
    func papersToEmbedCount(model: String) async throws -> Int
    /// Stores embeddings in one transaction (replacing older ones of the same papers).
    func saveEmbeddings(_ embeddings: [PaperEmbedding], model: String) async throws
    /// The stored embedding of paper `id` under `model`, or `nil` when it has none (or only a stale one).
    func embedding(of id: PaperID, model: String) async throws -> [Float]?
    /// Papers with a current embedding under `model`.
    func embeddedPaperCount(model: String) async throws -> Int
    /// A number that changes whenever embeddings of `model` are stored (to know when to reload them).
    func embeddingGeneration(model: String) async throws -> Int64
    /// The current embeddings of `model` stored after `generation` (see ``embeddingGeneration(model:)``;
    /// `Int64.min` for all) as one row-major matrix, in row-key order.
    func embeddingMatrix(model: String, storedAfter generation: Int64) async throws -> EmbeddingMatrix

    /// Loads the keyword index into memory now (otherwise the first search loads it), so a starting server
    /// can warm it in the background.
    func prepareKeywordIndex() async throws

    /// Keyword retrieval without fetching papers: (row key, BM25 score), best first, at most `limit`.
    func keywordCandidates(_ query: KeywordQuery, filters: SearchFilters, limit: Int) async throws -> [ScoredPaper]
    /// Search hits for already ranked papers, in the given order, with snippets around `query`'s words.
    func hits(for ranked: [ScoredPaper], highlighting query: KeywordQuery) async throws -> [SearchHit]
    /// `filters` as a predicate over row keys, or nil when they restrict nothing.
    func filterPredicate(_ filters: SearchFilters) async throws -> (@Sendable (Int64) -> Bool)?
    /// The row key of paper `id`, or nil when it is not stored.
    func rowKey(of id: PaperID) async throws -> Int64?
}

extension PaperStore {
    /// Takes lease `name` until `now + seconds` when it is free, expired at `now` or already `holder`'s.
    public func acquireLease(_ name: String, holder: String, seconds: Double, now: Double) async throws -> Bool {
        try await acquireLease(name, holder: holder, seconds: seconds, replacing: nil, now: now)
    }

    /// Every current embedding of `model` as one row-major matrix, in row-key order.
    public func embeddingMatrix(model: String) async throws -> EmbeddingMatrix {
        try await embeddingMatrix(model: model, storedAfter: .min)
    }
}

/// A paper by its store row key with a ranking score; larger is better, the scale depends on who ranked.
public struct ScoredPaper: Hashable, Sendable {
    /// The paper's row key (stable while the paper exists).
    public var key: Int64
    /// The score.
    public var score: Double

    /// Pairs a key and a score.
    public init(key: Int64, score: Double) {
        self.key = key
        self.score = score
    }
}

/// Unit vectors of many papers in one contiguous row-major buffer (`count × dimension` floats).
public struct EmbeddingMatrix: Sendable {
    /// Row keys, one per vector, ascending.
    public var keys: [Int64]
    /// The vectors, row after row.
    public var values: [Float]
    /// Floats per vector.
    public var dimension: Int

    /// Number of vectors.
    public var count: Int { keys.count }

    /// Wraps keys and values; `values.count` must be `keys.count × dimension`.
    public init(keys: [Int64], values: [Float], dimension: Int) {
        precondition(values.count == keys.count * dimension, "matrix size mismatch")
        self.keys = keys
        self.values = values
        self.dimension = dimension
    }
}

/// A paper that needs (re-)embedding: the text to encode and what to record with the vector.
public struct EmbeddingJob: Sendable {
    /// Opaque position for paging (`papersToEmbed(after:)`).
    public var cursor: Int64
    /// The paper.
    public var id: PaperID
    /// `title + ". " + abstract`, the text the encoder sees.
    public var text: String
    /// The paper's fingerprint when read; stored with the vector to detect later changes.
    public var fingerprint: [UInt8]

    /// A job for paper `id` at row `cursor`.
    public init(cursor: Int64, id: PaperID, text: String, fingerprint: [UInt8]) {
        self.cursor = cursor
        self.id = id
        self.text = text
        self.fingerprint = fingerprint
    }
}

/// A computed embedding for a job.
public struct PaperEmbedding: Sendable {
    /// The job it answers.
    public var job: EmbeddingJob
    /// The unit vector.
    public var vector: [Float]

    /// Pairs a job with its vector.
    public init(job: EmbeddingJob, vector: [Float]) {
        self.job = job
        self.vector = vector
    }
}

/// A batch of papers analysed and encoded for writing; opaque outside the store.
public struct PreparedUpsert: Sendable {
    package let papers: [PreparedPaper]
    package let postings: KeywordSegment.LocalPostings
    package let defaultDay: Day

    package init(papers: [PreparedPaper], postings: KeywordSegment.LocalPostings, defaultDay: Day) {
        self.papers = papers
        self.postings = postings
        self.defaultDay = defaultDay
    }

    /// Papers in the batch.
    public var count: Int { papers.count }
}

/// Errors raised by stores, with enough context to tell the user what to do.
public enum StoreError: Error, CustomStringConvertible {
    /// The database could not be opened or migrated.
    case cannotOpen(path: String, reason: String)
    /// A stored value cannot be read back (a row written by something else, or damaged).
    case corrupt(String)
    /// The database refused a statement (its message, without the values bound to it).
    case database(String)
    /// The database file cannot take writes now (disk full, read-only file or mount, I/O error); the change was not
    /// written at all, and reading goes on.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open database \(path): \(reason)"
        case .unwritable(let path, let reason): return "database \(path) cannot take writes: \(reason); nothing of this change was written"
        case .corrupt(let what): return "corrupt database: \(what)"
        case .database(let message): return "database error: \(message)"
        }
    }
}
