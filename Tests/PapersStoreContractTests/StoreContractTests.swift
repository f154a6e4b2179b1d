import Foundation
import PapersCore
import PapersPostgres
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

/// A backend under contract: a fresh, empty store of each kind.
enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }

    /// A new empty store, and what to run when done with it.
    func makeStore() async throws -> (store: any PaperStore, close: @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
            return (store, { directory.remove() })
        case .postgres:
            let server = try await PostgresTestServer.shared()
            let store = try await PostgresPaperStore(url: try await server.database())
            return (store, { store.close() })
        }
    }
}

/// What a scenario saw, line by line: both backends must write the same lines.
struct Transcript {
    private(set) var lines: [String] = []
    mutating func note(_ label: String, _ value: Any) { lines.append("\(label): \(value)") }
}

/// Runs `scenario` on every backend and requires the same transcript from each (a difference names the first line).
func sameOnEveryBackend(_ scenario: @Sendable (any PaperStore, inout Transcript) async throws -> Void,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws {
    var transcripts: [(Backend, Transcript)] = []
    for backend in Backend.allCases {
        let (store, close) = try await backend.makeStore()
        defer { close() }
        var transcript = Transcript()
        try await scenario(store, &transcript)
        transcripts.append((backend, transcript))
    }
    let (firstBackend, first) = transcripts[0]
    if ProcessInfo.processInfo.environment["PAPERS_PRINT_TRANSCRIPT"] == "1" { print(first.lines.joined(separator: "\n")) }
    #expect(!first.lines.isEmpty, sourceLocation: sourceLocation)
    for (backend, other) in transcripts.dropFirst() {
        let a = first.lines, b = other.lines
        if let line = (0..<max(a.count, b.count)).first(where: { $0 >= a.count || $0 >= b.count || a[$0] != b[$0] }) {
            Issue.record("""
                \(backend) differs from \(firstBackend) at line \(line + 1):
                  \(firstBackend): \(line < a.count ? a[line] : "(end)")
                  \(backend): \(line < b.count ? b[line] : "(end)")
                """, sourceLocation: sourceLocation)
        }
    }
}

enum ContractData {
    static let day = Day("2025-11-20")!
    static let now = Double(day.daysSinceEpoch) * 86_400 + 18 * 3_600

    static var papers: [Paper] {
        var hostile = Fixtures.paper("2511.10004", title: "Quoted \"phrases\" & <tags>", abstract: "Sparse attention, sparse experts; routing.",
                                     authors: ["Grace Hopper", "Ada Lovelace"], categories: ["cs.CL", "cs.LG"], listed: "2025-11-19")
        hostile.doi = "10.1000/xyz"
        hostile.links = ["https://example.org/code"]
        return [
            Fixtures.paper("2511.10001", title: "Sparse mixtures of experts at scale", abstract: "Routing tokens to experts with load balancing.",
                           authors: ["Noam Shazeer"], categories: ["cs.LG"], listed: "2025-11-20"),
            Fixtures.paper("2511.10002", title: "Diffusion models for protein design", abstract: "Denoising protein backbones with diffusion.",
                           authors: ["David Baker", "Ada Lovelace"], categories: ["q-bio.BM", "cs.LG"], listed: "2025-11-20"),
            Fixtures.paper("2511.10003", title: "Reward models and their discontents", abstract: "Preference data for reward models.",
                           authors: ["Paul Christiano"], categories: ["cs.AI"], listed: "2025-11-19"),
            hostile,
            Fixtures.paper("hep-th/9901001", title: "Old style strings", abstract: "Strings in old-style ids.", authors: ["Ed Witten"],
                           categories: ["hep-th"], listed: "2025-11-18", version: 2),
        ]
    }

    static func ids(_ hits: [SearchHit]) -> String { hits.map(\.paper.id.rawValue).joined(separator: ",") }
    static func ranked(_ papers: [RankedPaper]) -> String {
        papers.map { "\($0.paper.id)/v\($0.votes)+\($0.externalUpvotes)/\($0.submitter ?? "-")/\($0.featuredDay?.description ?? "-")/\($0.viewerVoted)" }
            .joined(separator: ",")
    }
}

@Suite("Store contract: SQLite and PostgreSQL give the same answers")
struct StoreContractTests {
    @Test("papers: import, unchanged, update, older versions, days, counts, deletion")
    func papers() async throws {
        try await sameOnEveryBackend { store, t in
            t.note("first import", try await store.upsert(ContractData.papers, defaultDay: ContractData.day))
            t.note("again", try await store.upsert(ContractData.papers, defaultDay: ContractData.day))
            var changed = ContractData.papers[0]
            changed.abstract += " Now with more experts."
            changed.version = 2
            var older = ContractData.papers[2]
            older.version = nil
            older.title = "An older title"
            var olderVersion = ContractData.papers[4]
            olderVersion.version = 1
            olderVersion.title = "Version one"
            t.note("update", try await store.upsert([changed, olderVersion], defaultDay: ContractData.day))
            t.note("paper", try await store.paper(PaperID("2511.10001")!).map { "\($0.title) v\($0.version ?? 0): \($0.abstract)" } ?? "nil")
            t.note("old-style kept v2", try await store.paper(PaperID("hep-th/9901001")!)?.title ?? "nil")
            t.note("hostile", try await store.paper(PaperID("2511.10004")!).map { "\($0.title)|\($0.authors.map(\.name))|\($0.doi ?? "")|\($0.links)" } ?? "nil")
            t.note("missing", try await store.paper(PaperID("2511.99999")!) == nil)
            t.note("on day", try await store.papers(on: ContractData.day, limit: 10, offset: 0).map(\.id.rawValue))
            t.note("on day page 2", try await store.papers(on: ContractData.day, limit: 1, offset: 1).map(\.id.rawValue))
            t.note("latest days", try await store.latestDays(limit: 5).map { "\($0.day)=\($0.paperCount)" })
            let (previous, next) = try await store.neighbours(of: Day("2025-11-19")!)
            t.note("neighbours", "\(previous?.description ?? "-") \(next?.description ?? "-")")
            t.note("count", try await store.paperCount())
            t.note("count on day", try await store.paperCount(on: ContractData.day))
            t.note("row key exists", try await store.rowKey(of: PaperID("2511.10003")!) != nil)
            t.note("recent", try await store.recentPapers(limit: 3).map(\.id.rawValue))
            t.note("match", try await store.matchPapers(arxivIDs: ["2511.10001", "2511.00000"], dois: ["10.1000/XYZ"], titles: ["old style STRINGS"])
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            t.note("deleted", try await store.deletePapers([PaperID("2511.10003")!, PaperID("2511.99999")!]))
            t.note("after delete", try await store.paperCount())
            t.note("search after delete", ContractData.ids(try await store.searchKeyword(KeywordQuery(parsing: "reward"), filters: SearchFilters(), limit: 10, offset: 0).hits))
        }
    }

    @Test("keyword search: ranking, phrases, prefixes, exclusions, filters, snippets, paging")
    func keywordSearch() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            for (label, text, filters) in [
                ("word", "experts", SearchFilters()),
                ("two words", "sparse experts", SearchFilters()),
                ("phrase", "\"sparse attention\"", SearchFilters()),
                ("prefix", "diffus*", SearchFilters()),
                ("exclusion", "sparse -routing", SearchFilters()),
                ("category", "sparse", SearchFilters(category: "cs.CL")),
                ("dates", "models", SearchFilters(from: Day("2025-11-20"), to: Day("2025-11-20"))),
                ("author", "models", SearchFilters(author: "Ada Lovelace")),
                ("author alone", "protein", SearchFilters(author: "baker")),
            ] as [(String, String, SearchFilters)] {
                let page = try await store.searchKeyword(KeywordQuery(parsing: text), filters: filters, limit: 10, offset: 0)
                t.note(label, page.hits.map { "\($0.paper.id)~\(String(format: "%.4f", $0.score))|\($0.snippet ?? "")" })
            }
            let first = try await store.searchKeyword(KeywordQuery(parsing: "models"), filters: SearchFilters(), limit: 1, offset: 0)
            let second = try await store.searchKeyword(KeywordQuery(parsing: "models"), filters: SearchFilters(), limit: 1, offset: 1)
            t.note("paging", "\(ContractData.ids(first.hits)) more=\(first.hasMore) then \(ContractData.ids(second.hits)) more=\(second.hasMore)")
            t.note("candidates", try await store.keywordCandidates(KeywordQuery(parsing: "sparse"), filters: SearchFilters(), limit: 5).count)
            let predicate = try await store.filterPredicate(SearchFilters(category: "cs.LG"))
            var keys: [String] = []
            for paper in ContractData.papers {
                if let key = try await store.rowKey(of: paper.id), predicate?(key) == true { keys.append(paper.id.rawValue) }
            }
            t.note("predicate", keys)
            t.note("no predicate", try await store.filterPredicate(SearchFilters()) == nil)
        }
    }

    @Test("accounts, sessions, API tokens and secrets")
    func accounts() async throws {
        try await sameOnEveryBackend { store, t in
            let ada = try await store.createAccount(name: "Ada", email: "ada@example.org", passwordHash: "hash", now: ContractData.now)
            t.note("account", "\(ada.name) \(ada.email)")
            for (name, email) in [("ada", "other@example.org"), ("bob", "ADA@example.org")] {
                do {
                    _ = try await store.createAccount(name: name, email: email, passwordHash: "h", now: ContractData.now)
                    t.note("duplicate \(name)", "created")
                } catch {
                    t.note("duplicate \(name)", "\(error)")
                }
            }
            t.note("credentials by email", try await store.credentials(login: "ADA@example.org").map { "\($0.account.name) \($0.passwordHash)" } ?? "nil")
            t.note("by name", try await store.account(named: "ADA")?.name ?? "nil")
            let token: [UInt8] = Array(repeating: 7, count: 32)
            try await store.createSession(tokenHash: token, account: ada.id, now: ContractData.now, expiresAt: ContractData.now + 60)
            t.note("session", try await store.sessionAccount(tokenHash: token, now: ContractData.now)?.name ?? "nil")
            t.note("expired session", try await store.sessionAccount(tokenHash: token, now: ContractData.now + 61)?.name ?? "nil")
            try await store.deleteSession(tokenHash: token, now: ContractData.now)
            t.note("deleted session", try await store.sessionAccount(tokenHash: token, now: ContractData.now)?.name ?? "nil")
            try await store.createAPIToken(tokenHash: [1, 2, 3], account: ada.id, name: "laptop", now: ContractData.now)
            t.note("api token", try await store.apiTokenAccount(tokenHash: [1, 2, 3], now: ContractData.now + 120)?.name ?? "nil")
            let tokens = try await store.apiTokens(of: ada.id)
            t.note("tokens", tokens.map { "\($0.name) \($0.createdAt) \($0.lastUsedAt ?? -1)" })
            t.note("revoke other's", try await store.revokeAPIToken(id: tokens[0].id, account: AccountID(rawValue: ada.id.rawValue + 1)))
            t.note("revoke", try await store.revokeAPIToken(id: tokens[0].id, account: ada.id))
            t.note("revoked token", try await store.apiTokenAccount(tokenHash: [1, 2, 3], now: ContractData.now)?.name ?? "nil")
            let secret = try await store.secret(named: "csrf") { [9, 9, 9] }
            t.note("secret", secret)
            t.note("secret kept", try await store.secret(named: "csrf") { [1] })
        }
    }

    @Test("votes, submissions, features, daily pages, trending, profiles and collections")
    func community() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            let bob = try await store.createAccount(name: "bob", email: "bob@example.org", passwordHash: "h", now: ContractData.now)
            let id = PaperID("2511.10003")!
            t.note("vote", try await store.setVote(account: ada.id, paper: id, on: true, now: ContractData.now))
            t.note("vote again", try await store.setVote(account: ada.id, paper: id, on: true, now: ContractData.now))
            t.note("second voter", try await store.setVote(account: bob.id, paper: id, on: true, now: ContractData.now + 1))
            t.note("unvote", try await store.setVote(account: bob.id, paper: id, on: false, now: ContractData.now + 2))
            do {
                _ = try await store.setVote(account: ada.id, paper: PaperID("2511.99999")!, on: true, now: ContractData.now)
            } catch {
                t.note("unknown paper", "\(error)")
            }
            t.note("submit", "\(try await store.submit(paper: PaperID("2511.10004")!, account: bob.id, day: ContractData.day, now: ContractData.now))")
            t.note("submit again", "\(try await store.submit(paper: PaperID("2511.10004")!, account: ada.id, day: ContractData.day, now: ContractData.now))")
            t.note("features", try await store.saveFeatures([PaperFeature(paper: PaperID("2511.10002")!, source: "hf", day: ContractData.day, upvotes: 12),
                                                             PaperFeature(paper: PaperID("2511.99999")!, source: "hf", day: ContractData.day, upvotes: 3)]))
            t.note("submit featured", "\(try await store.submit(paper: PaperID("2511.10002")!, account: ada.id, day: ContractData.day, now: ContractData.now))")
            t.note("featured upvotes", try await store.featuredUpvotes(on: ContractData.day).map { "\($0.key)=\($0.value)" }.sorted())
            t.note("daily page", ContractData.ranked(try await store.dailyPage(ContractData.day, viewer: ada.id, limit: 10, offset: 0)))
            t.note("featured", ContractData.ranked(try await store.featuredPapers(in: Day("2025-11-01")!...ContractData.day, submitter: nil,
                                                                               newestFirst: true, viewer: nil, limit: 10, offset: 0)))
            t.note("by submitter", ContractData.ranked(try await store.featuredPapers(in: Day("2025-11-01")!...ContractData.day, submitter: "bob",
                                                                                   newestFirst: false, viewer: bob.id, limit: 10, offset: 0)))
            t.note("trending", ContractData.ranked(try await store.trendingCandidates(since: ContractData.now - 7 * 86_400, viewer: ada.id)
                .sorted { $0.paper.id.rawValue < $1.paper.id.rawValue }))
            t.note("ranked", ContractData.ranked(try await store.rankedPapers([PaperID("2511.10004")!, PaperID("2511.10003")!, PaperID("2511.99999")!], viewer: ada.id)))
            t.note("submissions", ContractData.ranked(try await store.submissions(of: bob.id, viewer: nil, limit: 5)))
            t.note("upvoted", ContractData.ranked(try await store.upvotedPapers(of: ada.id, viewer: ada.id, limit: 5)))
            let reading = try await store.createCollection(owner: ada.id, name: "Reading", isPublic: false, now: ContractData.now)
            do {
                _ = try await store.createCollection(owner: ada.id, name: "Reading", isPublic: true, now: ContractData.now)
            } catch {
                t.note("duplicate collection", "\(error)")
            }
            let open = try await store.createCollection(owner: ada.id, name: "Open", isPublic: true, now: ContractData.now + 5)
            try await store.setCollectionItem(collection: reading.id, owner: ada.id, paper: id, present: true, now: ContractData.now)
            try await store.setCollectionItem(collection: reading.id, owner: ada.id, paper: PaperID("2511.10001")!, present: true, now: ContractData.now + 1)
            try await store.setCollectionItem(collection: open.id, owner: ada.id, paper: id, present: true, now: ContractData.now)
            try await store.setCollectionItem(collection: open.id, owner: ada.id, paper: id, present: false, now: ContractData.now)
            do {
                try await store.setCollectionItem(collection: reading.id, owner: bob.id, paper: id, present: true, now: ContractData.now)
            } catch {
                t.note("someone else's collection", "\(error)")
            }
            t.note("collection", try await store.collection(reading.id).map { "\($0.name) \($0.ownerName) public=\($0.isPublic) n=\($0.paperCount)" } ?? "nil")
            t.note("collections", try await store.collections(of: ada.id, includePrivate: true).map { "\($0.name)=\($0.paperCount)" })
            t.note("public collections", try await store.collections(of: ada.id, includePrivate: false).map(\.name))
            t.note("collection papers", ContractData.ranked(try await store.collectionPapers(reading.id, viewer: ada.id, limit: 10, offset: 0)))
            t.note("holding", try await store.collectionsHolding(id, owner: ada.id) == [reading.id])
        }
    }

    @Test("personal signals: likes from votes, collections and seeds; dismissals, filters, settings, feed tokens, embeddings")
    func personal() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "h", now: ContractData.now)
            _ = try await store.setVote(account: ada.id, paper: PaperID("2511.10001")!, on: true, now: ContractData.now)
            let list = try await store.createCollection(owner: ada.id, name: "Proteins", isPublic: false, now: ContractData.now)
            try await store.setCollectionItem(collection: list.id, owner: ada.id, paper: PaperID("2511.10002")!, present: true, now: ContractData.now + 1)
            t.note("seeds", try await store.addSeeds(account: ada.id, papers: [PaperID("2511.10003")!, PaperID("2511.99999")!], now: ContractData.now + 2))
            t.note("seeds again", try await store.addSeeds(account: ada.id, papers: [PaperID("2511.10003")!], now: ContractData.now + 3))
            try await store.setDismissal(account: ada.id, paper: PaperID("2511.10004")!, on: true, now: ContractData.now)
            try await store.setFilter(account: ada.id, filter: try PersonalFilter(kind: .muteAuthor, value: "Ed Witten"), on: true, now: ContractData.now)
            try await store.setFilter(account: ada.id, filter: try PersonalFilter(kind: .followCategory, value: "cs.LG"), on: true, now: ContractData.now)
            try await store.setFilter(account: ada.id, filter: try PersonalFilter(kind: .followCategory, value: "cs.LG"), on: false, now: ContractData.now)
            func signals() async throws -> String {
                let s = try await store.personalSignals(account: ada.id)
                return "liked=\(s.liked.map { "\($0.paper)/\($0.source)/\($0.at)" }) dismissed=\(s.dismissed.map(\.rawValue).sorted()) "
                    + "filters=\(s.filters.map { "\($0.kind.rawValue):\($0.value)" }) enabled=\(s.enabled)"
            }
            t.note("signals", try await signals())
            try await store.setPersonalization(account: ada.id, enabled: false)
            t.note("disabled", try await signals())
            try await store.resetPersonalization(account: ada.id, now: ContractData.now + 10)
            t.note("after reset", try await signals())
            t.note("feed token before", try await store.hasFeedToken(account: ada.id))
            try await store.setFeedToken(account: ada.id, tokenHash: [4, 5, 6])
            t.note("feed token", try await store.hasFeedToken(account: ada.id))
            t.note("feed account", try await store.feedTokenAccount(tokenHash: [4, 5, 6])?.name ?? "nil")
            try await store.setFeedToken(account: ada.id, tokenHash: nil)
            t.note("feed token revoked", try await store.feedTokenAccount(tokenHash: [4, 5, 6])?.name ?? "nil")
        }
    }

    @Test("embeddings: jobs, vectors (half precision in PostgreSQL), generations, staleness")
    func embeddings() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let jobs = try await store.papersToEmbed(model: "m", after: nil, limit: 3)
            t.note("jobs", jobs.map { "\($0.id): \($0.text)" })
            t.note("to embed", try await store.papersToEmbedCount(model: "m"))
            // Values exact in half precision, so both backends read back the same numbers.
            func vector(_ i: Int) -> [Float] { (0..<384).map { Float(($0 + i) % 8) / 8 } }
            try await store.saveEmbeddings(jobs.enumerated().map { PaperEmbedding(job: $1, vector: vector($0)) }, model: "m")
            t.note("generation", try await store.embeddingGeneration(model: "m"))
            t.note("embedded", try await store.embeddedPaperCount(model: "m"))
            t.note("still to embed", try await store.papersToEmbedCount(model: "m"))
            t.note("vector", try await store.embedding(of: jobs[1].id, model: "m")?.prefix(10).map { $0 } ?? [])
            t.note("other model", try await store.embedding(of: jobs[1].id, model: "other") == nil)
            let matrix = try await store.embeddingMatrix(model: "m")
            t.note("matrix", "\(matrix.count)x\(matrix.dimension) sum=\(matrix.values.reduce(0, +))")
            t.note("after generation", try await store.embeddingMatrix(model: "m", storedAfter: 1).count)
            t.note("by id", try await store.embeddings(of: [jobs[0].id, PaperID("2511.99999")!], model: "m").keys.map(\.rawValue))
            var changed = ContractData.papers.first { $0.id == jobs[0].id }!
            changed.abstract += " Changed."
            _ = try await store.upsert([changed], defaultDay: ContractData.day)
            t.note("stale after change", try await store.embedding(of: jobs[0].id, model: "m") == nil)
            t.note("to embed after change", try await store.papersToEmbedCount(model: "m"))
        }
    }

    @Test("harvest state and leases")
    func harvest() async throws {
        try await sameOnEveryBackend { store, t in
            t.note("no state", try await store.harvestState(key: "arxiv") == nil)
            var state = HarvestState(completedThrough: Day("2025-11-19"))
            state.resumptionToken = "abc|1"
            state.recordsReceived = 42
            try await store.saveHarvestState(state, key: "arxiv", now: ContractData.now)
            state.recordsReceived = 43
            try await store.saveHarvestState(state, key: "arxiv", now: ContractData.now + 1)
            t.note("state", try await store.harvestState(key: "arxiv").map { "\($0.completedThrough?.description ?? "-") \($0.resumptionToken ?? "-") \($0.recordsReceived)" } ?? "nil")
            t.note("states", try await store.harvestStates().keys.sorted())
            t.note("a takes", try await store.acquireLease("harvest", holder: "a", seconds: 60, now: ContractData.now))
            t.note("b refused", try await store.acquireLease("harvest", holder: "b", seconds: 60, now: ContractData.now + 1))
            t.note("a renews", try await store.acquireLease("harvest", holder: "a", seconds: 60, now: ContractData.now + 30))
            t.note("holder", try await store.leaseHolder("harvest", now: ContractData.now + 31).map { "\($0.holder) \($0.expiresAt)" } ?? "nil")
            t.note("b after expiry", try await store.acquireLease("harvest", holder: "b", seconds: 60, now: ContractData.now + 91))
            t.note("c replacing dead b", try await store.acquireLease("harvest", holder: "c", seconds: 60, replacing: "b", now: ContractData.now + 92))
            try await store.releaseLease("harvest", holder: "a")
            t.note("a cannot release c's", try await store.leaseHolder("harvest", now: ContractData.now + 93)?.holder ?? "nil")
            try await store.releaseLease("harvest", holder: "c")
            t.note("released", try await store.leaseHolder("harvest", now: ContractData.now + 93)?.holder ?? "nil")
        }
    }

    @Test("subscriptions and the outbox: request, confirm, digests once per period, delivery states, unsubscribe")
    func subscriptions() async throws {
        try await sameOnEveryBackend { store, t in
            _ = try await store.upsert(ContractData.papers, defaultDay: ContractData.day)
            let email = try EmailAddress(validating: "grace@example.org")
            let preferences = try DigestPreferences(frequency: .weekly, trending: true, topics: [try SubscriptionTopic(parsing: "diffusion")])
            let (pending, send) = try await store.requestSubscription(email: email, preferences: preferences, account: nil, now: ContractData.now,
                                                                      resendAfter: ContractData.now - 3600)
            t.note("requested", "\(pending.status) \(pending.preferences.summary) send=\(send)")
            let (_, sendAgain) = try await store.requestSubscription(email: email, preferences: preferences, account: nil, now: ContractData.now + 60,
                                                                     resendAfter: ContractData.now - 3600)
            t.note("again within the interval", sendAgain)
            try await store.enqueueConfirmation(NewOutboxMail(subscription: pending.id, recipient: email, messageID: "<c1@x>", message: Array("confirm".utf8),
                                                              paperCount: 0, createdAt: ContractData.now))
            let confirmed = try await store.confirmSubscription(pending.id, now: ContractData.now + 100)
            t.note("confirmed", "\(confirmed?.status.rawValue ?? "nil") at \(confirmed?.confirmedAt ?? -1)")
            let period = DigestPeriod(.weekly, containing: ContractData.day)
            t.note("due", try await store.subscriptionsDue(period, after: 0, limit: 10).map(\.email.value))
            let mail = NewOutboxMail(subscription: pending.id, recipient: email, messageID: "<d1@x>", message: Array("digest".utf8),
                                     paperCount: 2, createdAt: ContractData.now + 200)
            t.note("enqueue", try await store.enqueueDigest(mail, period: period, papers: [PaperID("2511.10001")!, PaperID("2511.10002")!]))
            var second = mail
            second.messageID = "<d2@x>"
            t.note("enqueue twice", try await store.enqueueDigest(second, period: period, papers: [PaperID("2511.10003")!]))
            t.note("due after", try await store.subscriptionsDue(period, after: 0, limit: 10).count)
            t.note("already sent", try await store.papersAlreadySent(pending.id, among: [PaperID("2511.10001")!, PaperID("2511.10004")!]).map(\.rawValue))
            t.note("last digest", try await store.lastDigestTime(pending.id) ?? -1)
            let queued = try await store.queuedMail(now: ContractData.now + 300, ignoringBackoff: false, limit: 10)
            t.note("queued", queued.map { "\($0.kind) \($0.messageID) \(String(decoding: $0.message, as: UTF8.self)) \($0.attempts)" })
            try await store.markRetry(queued[0].id, error: "421 try later", retryAt: ContractData.now + 900)
            try await store.markSent(queued[1].id, now: ContractData.now + 301)
            t.note("counts", try await store.outboxCounts().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            t.note("not due yet", try await store.queuedMail(now: ContractData.now + 600, ignoringBackoff: false, limit: 10).map(\.messageID))
            t.note("paused", try await store.markFailed(queued[0].id, error: "550 no such user", now: ContractData.now + 1000, pauseAfter: 1))
            t.note("after failure", try await store.subscription(pending.id).map { "\($0.status) bounces=\($0.bounces)" } ?? "nil")
            t.note("unsubscribe", try await store.unsubscribe(pending.id, now: ContractData.now + 2000))
            t.note("unsubscribe unknown", try await store.unsubscribe(SubscriptionID(rawValue: 999), now: ContractData.now))
            t.note("after unsubscribe", try await store.subscription(pending.id)?.status.rawValue ?? "nil")
            t.note("of account", try await store.subscriptions(of: AccountID(rawValue: 1)).count)
            t.note("recent papers", ContractData.ranked(try await store.recentPapers(in: Day("2025-11-19")!...ContractData.day,
                                                                                  filters: SearchFilters(category: "cs.LG"), limit: 5)))
        }
    }
}
