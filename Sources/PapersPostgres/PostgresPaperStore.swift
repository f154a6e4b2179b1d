import Foundation
import Logging
import PapersCore
import PapersStore
import PostgresNIO
import Synchronization

/// The shared backend: PostgreSQL (PostgresNIO) with pgvector, for several `papers serve` processes on one
/// database. Keyword search runs on Papers' own segment index, whose segments live in the database and are written
/// in the same transaction as the papers they cover (one writer at a time, under an advisory lock); each process
/// keeps the reader in memory and follows new segments.
public final class PostgresPaperStore: Sendable {
    let database: PostgresDatabase
    let analyzers = AnalyzerPool()
    let plainAnalyzers = AnalyzerPool(stemming: false)
    let keywordIndex: KeywordIndexCache
    let segments: SegmentFollower
    /// The field weights papers are indexed with.
    let fieldWeights: FieldWeights
    /// How nearest-neighbour searches run.
    let vectorSearch: VectorSearchSettings
    /// Whether pgvector has iterative scans, found out by ``open()`` unless the settings say.
    let detectedIterativeScans = Mutex(false)
    var logger: Logger { database.logger }

    /// Connects to `url`, applies pending migrations, and ranks keyword search with `keywordScoring` and nearest
    /// neighbours as `vectorSearch` says. The store runs its connection pool itself.
    public convenience init(url: String, keywordScoring: KeywordScoring = .standard, fieldWeights: FieldWeights = .standard,
                            vectorSearch: VectorSearchSettings = .init(), logger: Logger = Logger(label: "papers.postgres")) async throws {
        try self.init(unopened: url, keywordScoring: keywordScoring, fieldWeights: fieldWeights, vectorSearch: vectorSearch,
                      logger: logger, runsPool: true)
        try await open()
    }

    /// A store whose connection pool is run by the caller's service group (``connectionPool``, placed before the
    /// services using the store) when `runsPool` is false; ``open()`` must succeed before anything else is asked.
    public init(unopened url: String, keywordScoring: KeywordScoring = .standard, fieldWeights: FieldWeights = .standard,
                vectorSearch: VectorSearchSettings = .init(), logger: Logger = Logger(label: "papers.postgres"), runsPool: Bool) throws {
        database = try PostgresDatabase(url: url, logger: logger, runsPool: runsPool)
        segments = SegmentFollower(client: database.client, poolRunning: database.running, logger: logger)
        self.fieldWeights = fieldWeights
        self.vectorSearch = vectorSearch
        keywordIndex = KeywordIndexCache(snapshotPath: nil, scoring: keywordScoring)
    }

    /// Checks the database answers, applies pending migrations (once across servers) and finds out what pgvector
    /// can do. On failure the connections are closed and the error names the database.
    public func open() async throws {
        do {
            try await database.migrate()
            var iterative = vectorSearch.iterativeScans ?? false
            if vectorSearch.iterativeScans == nil { iterative = try await Self.hasIterativeScans(database) }
            detectedIterativeScans.withLock { [iterative] in $0 = iterative }
        } catch let error as StoreError {
            close()
            throw error
        } catch {
            close()
            throw StoreError.cannotOpen(path: database.displayURL, reason: "\(String(reflecting: error))")
        }
    }

    /// Whether the installed pgvector has iterative index scans (0.8 and later; 0.7 refuses the settings).
    static func hasIterativeScans(_ database: PostgresDatabase) async throws -> Bool {
        guard let row = try await database.row("SELECT extversion FROM pg_extension WHERE extname = 'vector'") else { return false }
        let parts = try row.get("extversion", String.self).split(separator: ".").compactMap { Int($0) }
        return (parts.first ?? 0, parts.dropFirst().first ?? 0) >= (0, 8)
    }

    /// The database URL without its password, for messages.
    public var displayURL: String { database.displayURL }

    /// Closes the connections.
    public func close() {
        segments.stop()
        database.close()
    }

    /// The advisory lock every write of papers and keyword segments holds: segments must be appended and merged by
    /// one writer at a time, as SQLite's single writer does, or two merges could rewrite the same segments.
    static let writeLock: Int64 = 0x5061_7065_7273_0002

    // MARK: papers

    public func upsert(_ papers: [Paper], defaultDay: Day) async throws -> UpsertCounts {
        try await commitUpsert(await prepareUpsert(papers, defaultDay: defaultDay))
    }

    public func prepareUpsert(_ papers: [Paper], defaultDay: Day) async -> PreparedUpsert {
        let prepared = await analyzers.prepareInParallel(papers, weights: fieldWeights)
        return PreparedUpsert(papers: prepared, postings: KeywordSegment.LocalPostings(prepared.map(\.analysis)), defaultDay: defaultDay)
    }

    public func commitUpsert(_ batch: PreparedUpsert) async throws -> UpsertCounts {
        let logger = self.logger
        let counts = try await database.transaction { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.writeLock))", logger: logger)
            let (counts, indexed) = try await Self.upsert(batch.papers, defaultDay: batch.defaultDay, on: connection, logger: logger)
            try await Self.appendSegment(batch.postings.segment(indexed: indexed, papers: batch.papers), on: connection, logger: logger)
            return counts
        }
        segments.wrote()
        return counts
    }

    /// Writes rows; returns the counts and, for each inserted or updated paper, (index in batch, seq, day).
    static func upsert(_ papers: [PreparedPaper], defaultDay: Day, on connection: PostgresConnection,
                       logger: Logger) async throws -> (UpsertCounts, [(index: Int, seq: UInt32, day: Day)]) {
        var counts = UpsertCounts()
        var indexed: [(index: Int, seq: UInt32, day: Day)] = []
        struct Stored { var seq: Int64; var version: Int?; var fingerprint: Data; var day: String }
        var stored: [String: Stored] = [:]
        let ids = papers.map { $0.paper.id.rawValue }
        for row in try await connection.rows("SELECT id, seq, version, fingerprint, day FROM paper WHERE id = ANY(\(ids))", logger: logger) {
            stored[try row.get("id")] = Stored(seq: try row.get("seq"), version: try row.get("version"),
                                               fingerprint: try row.get("fingerprint"), day: try row.get("day"))
        }
        for (index, item) in papers.enumerated() {
            let paper = item.paper
            if let existing = stored[paper.id.rawValue] {
                if existing.fingerprint == item.fingerprint {
                    counts.unchanged += 1
                    continue
                }
                if let storedVersion = existing.version, let incoming = paper.version, incoming < storedVersion {
                    counts.unchanged += 1   // an older version never replaces a newer one
                    continue
                }
                // A stored paper keeps its daily page unless the record names its listing day.
                let day = paper.listed?.description ?? existing.day
                var binds = try paperBinds(item)
                binds.append(day)
                binds.append(existing.seq)
                try await connection.execute(PostgresQuery(unsafeSQL: """
                    UPDATE paper SET id = $1, version = $2, title = $3, abstract = $4, authors = $5, author_names = $6,
                        categories = $7, published = $8, updated = $9, listed = $10, versions = $11, doi = $12,
                        journal_ref = $13, comments = $14, license = $15, links = $16, fingerprint = $17, day = $18
                    WHERE seq = $19
                    """, binds: binds), logger: logger)
                try await connection.execute("DELETE FROM paper_category WHERE paper = \(existing.seq)", logger: logger)
                try await insertCategories(paper.categories, seq: existing.seq, on: connection, logger: logger)
                indexed.append((index, UInt32(existing.seq), Day(day) ?? defaultDay))
                stored[paper.id.rawValue] = Stored(seq: existing.seq, version: paper.version, fingerprint: item.fingerprint, day: day)
                counts.updated += 1
            } else {
                let day = paper.announcedDay ?? defaultDay
                var binds = try paperBinds(item)
                binds.append(day.description)
                let rows = try await connection.rows(PostgresQuery(unsafeSQL: """
                    INSERT INTO paper (id, version, title, abstract, authors, author_names, categories, published, updated,
                                       listed, versions, doi, journal_ref, comments, license, links, fingerprint, day)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                    RETURNING seq
                    """, binds: binds), logger: logger)
                let seq: Int64 = try rows[0].get("seq")
                try await insertCategories(paper.categories, seq: seq, on: connection, logger: logger)
                indexed.append((index, UInt32(seq), day))
                stored[paper.id.rawValue] = Stored(seq: seq, version: paper.version, fingerprint: item.fingerprint, day: day.description)
                counts.imported += 1
            }
        }
        return (counts, indexed)
    }

    /// The paper table's columns but `day`, as binds `$1…$17`.
    static func paperBinds(_ item: PreparedPaper) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for column in item.columns {
            switch column {
            case .text(let text): binds.append(text)
            case .integer(let value): binds.append(value)
            case .blob(let data): try binds.append(data)
            }
        }
        return binds
    }

    static func insertCategories(_ categories: [String], seq: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        guard !categories.isEmpty else { return }
        try await connection.execute("""
            INSERT INTO paper_category (category, paper) SELECT DISTINCT c, \(seq)::bigint FROM unnest(\(categories)::text[]) AS c
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    static let paperColumns = """
        id, version, title, abstract, authors, categories, published, updated, listed, versions, \
        doi, journal_ref, comments, license, links
        """

    /// ``paperColumns`` of the table aliased `p`.
    static let qualifiedPaperColumns = paperColumns.split(separator: ",")
        .map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    static func paper(from row: PostgresRandomAccessRow) throws -> Paper {
        let decoder = JSONDecoder()
        let idText: String = try row.get("id")
        guard let id = PaperID(idText) else { throw StoreError.corrupt("stored paper id is invalid: \(idText)") }
        func day(_ column: String) throws -> Day? { try row.get(column, String?.self).flatMap { Day($0) } }
        func json<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
            try decoder.decode(T.self, from: Data(try row.get(column, String.self).utf8))
        }
        let categories: String = try row.get("categories")
        return Paper(
            id: id, version: try row.get("version"), title: try row.get("title"), abstract: try row.get("abstract"),
            authors: try json([Author].self, "authors"),
            categories: categories.split(separator: " ").map(String.init),
            published: try day("published"), updated: try day("updated"), listed: try day("listed"),
            versions: try json([PaperVersion].self, "versions"),
            doi: try row.get("doi"), journalRef: try row.get("journal_ref"), comments: try row.get("comments"),
            license: try row.get("license"), links: try json([String].self, "links"))
    }

    public func paper(_ id: PaperID) async throws -> Paper? {
        try await database.row("SELECT \(unescaped: Self.paperColumns) FROM paper WHERE id = \(id.rawValue)").map(Self.paper(from:))
    }

    /// A day's page: papers announced that day and papers featured that day (Hugging Face daily papers or submitted
    /// here); `$1` is the day.
    static let dayMembers = """
        SELECT seq FROM paper WHERE day = $1 UNION SELECT paper FROM paper_feature WHERE day = $1
        UNION SELECT paper FROM submission WHERE day = $1
        """

    public func papers(on day: Day, limit: Int, offset: Int) async throws -> [Paper] {
        var binds = PostgresBindings()
        binds.append(day.description)
        binds.append(limit)
        binds.append(offset)
        return try await database.rows(PostgresQuery(unsafeSQL: """
            SELECT \(Self.qualifiedPaperColumns)
            FROM (\(Self.dayMembers)) m JOIN paper p ON p.seq = m.seq
            LEFT JOIN (SELECT paper, max(upvotes) AS upvotes FROM paper_feature WHERE day = $1 GROUP BY paper) f ON f.paper = p.seq
            ORDER BY coalesce(f.upvotes, -1) DESC, p.id LIMIT $2 OFFSET $3
            """, binds: binds)).map(Self.paper(from:))
    }

    public func featuredUpvotes(on day: Day) async throws -> [PaperID: Int] {
        var result: [PaperID: Int] = [:]
        for row in try await database.rows("""
            SELECT p.id, max(f.upvotes) AS upvotes FROM paper_feature f JOIN paper p ON p.seq = f.paper
            WHERE f.day = \(day.description) GROUP BY p.id
            """) {
            if let id = PaperID(try row.get("id", String.self)) { result[id] = try row.get("upvotes", Int.self) }
        }
        return result
    }

    public func latestDays(limit: Int) async throws -> [DaySummary] {
        var result: [DaySummary] = []
        var before = "9999-12-31"
        while result.count < limit {
            guard let row = try await database.row("""
                SELECT max(d) AS day FROM (SELECT max(day) AS d FROM paper WHERE day < \(before)
                                           UNION ALL SELECT max(day) FROM paper_feature WHERE day < \(before)
                                           UNION ALL SELECT max(day) FROM submission WHERE day < \(before)) x
                """), let text = try row.get("day", String?.self), let day = Day(text) else { break }
            result.append(DaySummary(day: day, paperCount: try await paperCount(on: day)))
            before = text
        }
        return result
    }

    public func neighbours(of day: Day) async throws -> (previous: Day?, next: Day?) {
        let text = day.description
        let row = try await database.row("""
            SELECT (SELECT max(d) FROM (SELECT max(day) AS d FROM paper WHERE day < \(text)
                                        UNION ALL SELECT max(day) FROM paper_feature WHERE day < \(text)
                                        UNION ALL SELECT max(day) FROM submission WHERE day < \(text)) a) AS previous,
                   (SELECT min(d) FROM (SELECT min(day) AS d FROM paper WHERE day > \(text)
                                        UNION ALL SELECT min(day) FROM paper_feature WHERE day > \(text)
                                        UNION ALL SELECT min(day) FROM submission WHERE day > \(text)) b) AS next
            """)
        return (try row?.get("previous", String?.self).flatMap { Day($0) }, try row?.get("next", String?.self).flatMap { Day($0) })
    }

    public func paperCount(on day: Day) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(day.description)
        return try await database.row(PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM (\(Self.dayMembers)) m", binds: binds))?
            .get("n", Int.self) ?? 0
    }

    public func paperCount() async throws -> Int {
        try await database.row("SELECT count(*) AS n FROM paper")?.get("n", Int.self) ?? 0
    }

    /// Papers by row number.
    func papers(seqs: [UInt32]) async throws -> [UInt32: Paper] {
        guard !seqs.isEmpty else { return [:] }
        var result: [UInt32: Paper] = [:]
        for row in try await database.rows("""
            SELECT seq, \(unescaped: Self.paperColumns) FROM paper WHERE seq = ANY(\(seqs.map { Int64($0) }))
            """) {
            result[UInt32(try row.get("seq", Int64.self))] = try Self.paper(from: row)
        }
        return result
    }

    public func rowKey(of id: PaperID) async throws -> Int64? {
        try await database.row("SELECT seq FROM paper WHERE id = \(id.rawValue)")?.get("seq", Int64.self)
    }

    // MARK: the keyword index

    /// Writes a new segment and merges while some size tier is full (inside the writer's transaction).
    static func appendSegment(_ segment: KeywordSegment, on connection: PostgresConnection, logger: Logger) async throws {
        guard !segment.docs.isEmpty else { return }
        try await connection.execute("""
            INSERT INTO keyword_segment (doc_count, docs, postings)
            VALUES (\(segment.docs.count), \(Data(segment.encodeDocs())), \(Data(segment.encodePostings())))
            """, logger: logger)
        while try await mergeOnce(on: connection, logger: logger) {}
        // Other servers reload their reader when this transaction commits.
        try await connection.execute("NOTIFY papers_keyword_segments", logger: logger)
    }

    /// Merges the lowest full tier; `false` when no tier is full.
    static func mergeOnce(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let all = try await connection.rows("SELECT id, doc_count FROM keyword_segment ORDER BY id", logger: logger)
            .map { (id: try $0.get("id", Int64.self), count: try $0.get("doc_count", Int.self)) }
        guard let ordered = KeywordIndexMaintenance.segmentsToMerge(all) else { return false }
        let docsFrom = try await connection.rows("SELECT id, docs FROM keyword_segment WHERE id >= \(ordered[0]) ORDER BY id", logger: logger)
            .map { (id: try $0.get("id", Int64.self), docs: Array(try $0.get("docs", Data.self))) }
        let parts = try await connection.rows("SELECT docs, postings FROM keyword_segment WHERE id = ANY(\(ordered)) ORDER BY id", logger: logger)
            .map { (docs: Array(try $0.get("docs", Data.self)), postings: Array(try $0.get("postings", Data.self))) }
        let merged = try KeywordIndexMaintenance.merge(ordered: ordered, docsFrom: docsFrom, parts: parts)
        try await connection.execute("DELETE FROM keyword_segment WHERE id = ANY(\(ordered))", logger: logger)
        if !merged.docs.isEmpty {
            try await connection.execute("""
                INSERT INTO keyword_segment (doc_count, docs, postings)
                VALUES (\(merged.docs.count), \(Data(merged.encodeDocs())), \(Data(merged.encodePostings())))
                """, logger: logger)
        }
        return true
    }

    /// The in-memory reader for the segments now in the database (the list is read only when the follower says it
    /// may have changed).
    func keywordReader() async throws -> KeywordIndexReader {
        if !segments.needsCheck(), let reader = keywordIndex.cachedReader { return reader }
        return try await keywordIndex.current(sizes: {
            try await database.rows("SELECT id, length(docs) AS d, length(postings) AS p FROM keyword_segment ORDER BY id")
                .map { (id: try $0.get("id", Int64.self), docs: try $0.get("d", Int.self), postings: try $0.get("p", Int.self)) }
        }, load: {
            try await database.rows("SELECT id, docs, postings FROM keyword_segment ORDER BY id").map {
                (id: try $0.get("id", Int64.self), docs: Array(try $0.get("docs", Data.self)), postings: Array(try $0.get("postings", Data.self)))
            }
        })
    }

    public func searchKeyword(_ query: KeywordQuery, filters: SearchFilters, limit: Int, offset: Int) async throws -> SearchPage {
        guard limit > 0 else { return SearchPage(hits: [], offset: offset, hasMore: false) }
        let ranked = try await keywordCandidates(query, filters: filters, limit: offset + limit + 1)
        let page = Array(ranked.dropFirst(offset).prefix(limit))
        return SearchPage(hits: try await hits(for: page, highlighting: query), offset: offset, hasMore: ranked.count > offset + limit)
    }

    public func keywordCandidates(_ query: KeywordQuery, filters: SearchFilters, limit: Int) async throws -> [ScoredPaper] {
        guard limit > 0 else { return [] }
        let reader = try await keywordReader()
        let analyzed = analyzers.withAnalyzer { KeywordIndexMaintenance.analyze(query, analyzer: $0, reader: reader) }
        guard !analyzed.included.isEmpty else { return [] }
        let allowed = try await filters.author.asyncFlatMap { try await authorRows($0, reader: reader) }
        // Phrases are verified against the rows, which cannot be read from inside the (synchronous) ranking: a first
        // pass collects the candidates the ranking asks about (its best 20,000 per phrase, as with SQLite), the
        // database verifies those, and a second pass ranks with the answers. Without phrases, one pass.
        var asked: [[String]: Set<UInt32>] = [:]
        if !analyzed.phrases.isEmpty {
            _ = reader.search(analyzed, filters: filters, allowed: allowed, limit: limit, offset: 0) { seqs, phrase in
                asked[phrase, default: []].formUnion(seqs)
                return Set(seqs)
            }
        }
        var verified: [[String]: Set<UInt32>] = [:]
        for (phrase, seqs) in asked { verified[phrase] = try await verifyPhrase(phrase, in: seqs) }
        return reader.search(analyzed, filters: filters, allowed: allowed, limit: limit, offset: 0) { seqs, phrase in
            (verified[phrase] ?? []).intersection(seqs)
        }.hits.map { ScoredPaper(key: Int64($0.seq), score: $0.score) }
    }

    /// Papers among `seqs` whose title, abstract or author list holds `phrase`.
    func verifyPhrase(_ phrase: [String], in seqs: Set<UInt32>) async throws -> Set<UInt32> {
        guard !seqs.isEmpty else { return [] }
        let rows = try await database.rows("SELECT seq, title, abstract, author_names FROM paper WHERE seq = ANY(\(seqs.map { Int64($0) }))")
        return KeywordIndexMaintenance.phraseMatches(phrase, rows: try rows.map {
            (seq: UInt32(try $0.get("seq", Int64.self)), fields: [try $0.get("title"), try $0.get("abstract"), try $0.get("author_names")])
        })
    }

    /// Rows with an author whose name holds every word of `author`; nil when it has no words.
    func authorRows(_ author: String, reader: KeywordIndexReader) async throws -> Set<UInt32>? {
        guard let wanted = KeywordIndexMaintenance.authorTerms(author) else { return nil }
        let candidates = reader.rows(containingAll: Array(wanted))
        guard !candidates.isEmpty else { return [] }
        let rows = try await database.rows("SELECT seq, authors FROM paper WHERE seq = ANY(\(candidates.map { Int64($0) }))")
        return KeywordIndexMaintenance.authorMatches(wanted, rows: try rows.map {
            (seq: UInt32(try $0.get("seq", Int64.self)), authorsJSON: try $0.get("authors", String.self))
        })
    }

    public func hits(for ranked: [ScoredPaper], highlighting query: KeywordQuery) async throws -> [SearchHit] {
        guard !ranked.isEmpty else { return [] }
        let reader = try await keywordReader()
        let analyzed = analyzers.withAnalyzer { KeywordIndexMaintenance.analyze(query, analyzer: $0, reader: reader) }
        let queryTerms = Set(analyzed.included.flatMap { clause, _ -> [String] in
            switch clause {
            case .anyTerm(let terms), .phrase(let terms): return terms
            }
        })
        let papers = try await papers(seqs: ranked.compactMap { UInt32(exactly: $0.key) })
        return analyzers.withAnalyzer { highlight in
            plainAnalyzers.withAnalyzer { plain in
                ranked.compactMap { item -> SearchHit? in
                    guard let seq = UInt32(exactly: item.key), let paper = papers[seq] else { return nil }
                    let snippet = queryTerms.isEmpty ? nil : Snippet.make(from: paper.abstract, terms: queryTerms, analyzer: highlight, plain: plain)
                    return SearchHit(paper: paper, score: item.score, snippet: snippet)
                }
            }
        }
    }

    public func filterPredicate(_ filters: SearchFilters) async throws -> (@Sendable (Int64) -> Bool)? {
        let reader = try await keywordReader()
        let allowed = try await filters.author.asyncFlatMap { try await authorRows($0, reader: reader) }
        let predicate = reader.predicate(for: filters)
        if predicate == nil && allowed == nil { return nil }
        return { key in
            guard let row = UInt32(exactly: key) else { return false }
            return (allowed?.contains(row) ?? true) && (predicate?(row) ?? true)
        }
    }

    public func prepareKeywordIndex() async throws {
        _ = try await keywordReader()
    }

    /// Papers the keyword index covers (equals ``paperCount()`` when index and rows agree).
    public func indexedPaperCount() async throws -> Int {
        try await keywordReader().liveCount
    }
}
