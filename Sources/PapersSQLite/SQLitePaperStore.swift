import Foundation
import GRDB
import PapersCore
import PapersStore

/// The embedded backend: one SQLite file (WAL mode) through GRDB; keyword search over Papers' own segment index
/// stored in the same file (docs/search.md).
public final class SQLitePaperStore: PaperStore {
    let pool: DatabasePool
    /// The database file.
    public let path: String
    let analyzers = AnalyzerPool()
    let plainAnalyzers = AnalyzerPool(stemming: false)
    let keywordIndex: KeywordIndexCache
    /// The field weights papers are indexed with.
    let fieldWeights: FieldWeights

    /// Opens (creating if needed) the database at `path` and applies pending migrations; keyword search ranks
    /// with `keywordScoring` and indexes with `fieldWeights` (evaluation grids try others, on databases of their
    /// own; everything else uses the standard ones — a home must be opened with the weights it was indexed with).
    public init(path: String, keywordScoring: KeywordScoring = .standard, fieldWeights: FieldWeights = .standard) throws {
        self.path = path
        self.fieldWeights = fieldWeights
        let directory = (path as NSString).deletingLastPathComponent
        // Beside the vector graph: HOME/index.
        keywordIndex = KeywordIndexCache(snapshotPath: URL(fileURLWithPath: directory.isEmpty ? "." : directory)
            .appendingPathComponent("index").appendingPathComponent("keyword.snapshot").path, scoring: keywordScoring)
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: """
                PRAGMA synchronous = NORMAL;
                PRAGMA cache_size = -65536;
                PRAGMA temp_store = MEMORY;
                PRAGMA mmap_size = 268435456;
                """)
        }
        pool = try Self.open(path: path, configuration: configuration)
    }

    /// The pool on `path`, migrated; read-only when the file or its folder cannot be written.
    private static func open(path: String, configuration: Configuration) throws -> DatabasePool {
        var configuration = configuration
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // Two processes opening a new file at once (a server and a CLI command) can both find a migration missing;
            // the one that loses fails on the tables the other just made. Looking again finds them applied.
            var attempt = 0
            while true {
                do {
                    try SQLiteSchema.migrator.migrate(pool)
                    break
                } catch where attempt < 5 {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            return pool
        } catch let error as DatabaseError where [.SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode)
                    && FileManager.default.fileExists(atPath: path) {
            // A database on a read-only file or mount still serves reads; every write then fails naming the file
            // (``StoreError/unwritable(path:reason:)``).
            configuration.readonly = true
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                guard try pool.read({ try SQLiteSchema.migrator.hasCompletedMigrations($0) }) else {
                    throw StoreError.cannotOpen(path: path, reason: "it is read-only and needs migrating to this version of papers")
                }
                return pool
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "\(error) (the file or its folder is read-only, and reading it failed too)")
            }
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    public func upsert(_ papers: [Paper], defaultDay: Day) async throws -> UpsertCounts {
        try await commitUpsert(await prepareUpsert(papers, defaultDay: defaultDay))
    }

    public func prepareUpsert(_ papers: [Paper], defaultDay: Day) async -> PreparedUpsert {
        // Everything that does not need row numbers (text analysis, fingerprints, column values, the
        // segment's posting lists) is prepared on all cores, outside the single write lock.
        let prepared = await analyzers.prepareInParallel(papers, weights: fieldWeights)
        return PreparedUpsert(papers: prepared, postings: KeywordSegment.LocalPostings(prepared.map(\.analysis)), defaultDay: defaultDay)
    }

    public func commitUpsert(_ batch: PreparedUpsert) async throws -> UpsertCounts {
        try await write { db in
            let (counts, indexed) = try Self.upsert(batch.papers, defaultDay: batch.defaultDay, in: db)
            try KeywordIndexStorage.append(batch.postings.segment(indexed: indexed, papers: batch.papers), in: db)
            return counts
        }
    }

    /// Writes rows; returns the counts and, for each inserted or updated paper, (index in batch, seq, day).
    static func upsert(_ papers: [PreparedPaper], defaultDay: Day, in db: Database) throws -> (UpsertCounts, [(index: Int, seq: UInt32, day: Day)]) {
        var counts = UpsertCounts()
        var indexed: [(index: Int, seq: UInt32, day: Day)] = []
        // One query per 500 ids instead of one per paper.
        var stored: [String: Row] = [:]
        for start in stride(from: 0, to: papers.count, by: 500) {
            let ids = papers[start..<min(start + 500, papers.count)].map { $0.paper.id.rawValue }
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, seq, version, fingerprint, day FROM paper WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(ids))
            for row in rows { stored[row["id"]] = row }
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO paper (id, version, title, abstract, authors, author_names, categories, published, updated,
                               listed, versions, doi, journal_ref, comments, license, links, fingerprint, day)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let update = try db.cachedStatement(sql: """
            UPDATE paper SET id = ?, version = ?, title = ?, abstract = ?, authors = ?, author_names = ?, categories = ?,
                published = ?, updated = ?, listed = ?, versions = ?, doi = ?, journal_ref = ?,
                comments = ?, license = ?, links = ?, fingerprint = ?, day = ?
            WHERE seq = ?
            """)
        let deleteCategories = try db.cachedStatement(sql: "DELETE FROM paper_category WHERE paper = ?")
        let insertCategory = try db.cachedStatement(sql: "INSERT OR IGNORE INTO paper_category (category, paper) VALUES (?, ?)")

        for (index, item) in papers.enumerated() {
            let paper = item.paper
            if let existing = stored[paper.id.rawValue] {
                let storedVersion: Int? = existing["version"]
                let storedFingerprint: Data = existing["fingerprint"]
                if storedFingerprint == item.fingerprint {
                    counts.unchanged += 1
                    continue
                }
                if let stored = storedVersion, let incoming = paper.version, incoming < stored {
                    counts.unchanged += 1   // an older version never replaces a newer one
                    continue
                }
                let seq: Int64 = existing["seq"]
                // A stored paper keeps its daily page unless the record names its listing day: a harvested new
                // version says only when it was submitted, which is not when the paper was first announced.
                let storedDay: String = existing["day"]
                let day = paper.listed?.description ?? storedDay
                try update.execute(arguments: StatementArguments(item.values + [day.databaseValue, seq.databaseValue]))
                try deleteCategories.execute(arguments: [seq])
                for category in paper.categories { try insertCategory.execute(arguments: [category, seq]) }
                indexed.append((index, UInt32(seq), Day(day) ?? defaultDay))
                stored[paper.id.rawValue] = Row(["id": paper.id.rawValue, "seq": seq, "version": paper.version,
                                                 "fingerprint": item.fingerprint, "day": day])
                counts.updated += 1
            } else {
                let day = paper.announcedDay ?? defaultDay
                try insert.execute(arguments: StatementArguments(item.values + [day.description.databaseValue]))
                let seq = db.lastInsertedRowID
                for category in paper.categories { try insertCategory.execute(arguments: [category, seq]) }
                indexed.append((index, UInt32(seq), day))
                stored[paper.id.rawValue] = Row(["id": paper.id.rawValue, "seq": seq, "version": paper.version,
                                                 "fingerprint": item.fingerprint, "day": day.description])
                counts.imported += 1
            }
        }
        return (counts, indexed)
    }

    static let paperColumns = """
        id, version, title, abstract, authors, categories, published, updated, listed, versions, \
        doi, journal_ref, comments, license, links
        """

    /// ``paperColumns`` of the table aliased `p`.
    static let qualifiedPaperColumns = paperColumns.split(separator: ",")
        .map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    static func paper(from row: Row) throws -> Paper {
        let decoder = JSONDecoder()
        let idText: String = row["id"]
        guard let id = PaperID(idText) else {
            throw DatabaseError(message: "stored paper id is invalid: \(idText)")
        }
        func day(_ column: String) -> Day? { (row[column] as String?).flatMap { Day($0) } }
        func json<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
            let text: String = row[column]
            return try decoder.decode(T.self, from: Data(text.utf8))
        }
        let categories: String = row["categories"]
        return Paper(
            id: id, version: row["version"], title: row["title"], abstract: row["abstract"],
            authors: try json([Author].self, "authors"),
            categories: categories.split(separator: " ").map(String.init),
            published: day("published"), updated: day("updated"), listed: day("listed"),
            versions: try json([PaperVersion].self, "versions"),
            doi: row["doi"], journalRef: row["journal_ref"], comments: row["comments"], license: row["license"],
            links: try json([String].self, "links"))
    }

    public func paper(_ id: PaperID) async throws -> Paper? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.paperColumns) FROM paper WHERE id = ?", arguments: [id.rawValue])
                .map(Self.paper(from:))
        }
    }

    /// A day's page: papers announced that day and papers featured that day (Hugging Face daily papers or submitted
    /// here), most upvoted features first, then by id.
    static let dayMembers = """
        SELECT seq FROM paper WHERE day = ?1 UNION SELECT paper FROM paper_feature WHERE day = ?1
        UNION SELECT paper FROM submission WHERE day = ?1
        """

    public func papers(on day: Day, limit: Int, offset: Int) async throws -> [Paper] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.qualifiedPaperColumns)
                FROM (\(Self.dayMembers)) m JOIN paper p ON p.seq = m.seq
                LEFT JOIN (SELECT paper, max(upvotes) AS upvotes FROM paper_feature WHERE day = ?1 GROUP BY paper) f
                       ON f.paper = p.seq
                ORDER BY coalesce(f.upvotes, -1) DESC, p.id LIMIT ?2 OFFSET ?3
                """, arguments: [day.description, limit, offset]).map(Self.paper(from:))
        }
    }

    public func featuredUpvotes(on day: Day) async throws -> [PaperID: Int] {
        try await pool.read { db in
            var result: [PaperID: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT p.id, max(f.upvotes) AS upvotes FROM paper_feature f JOIN paper p ON p.seq = f.paper
                WHERE f.day = ? GROUP BY p.id
                """, arguments: [day.description]) {
                if let id = PaperID(row["id"] as String) { result[id] = row["upvotes"] }
            }
            return result
        }
    }

    public func latestDays(limit: Int) async throws -> [DaySummary] {
        try await pool.read { db in
            // Walk the day index backwards one distinct day at a time instead of grouping the whole table.
            var result: [DaySummary] = []
            var before: String? = nil
            while result.count < limit {
                let row: Row?
                if let before {
                    row = try Row.fetchOne(db, sql: """
                        SELECT max(d) AS day FROM (SELECT max(day) AS d FROM paper WHERE day < ?1
                                                   UNION ALL SELECT max(day) FROM paper_feature WHERE day < ?1
                                                   UNION ALL SELECT max(day) FROM submission WHERE day < ?1)
                        """, arguments: [before])
                } else {
                    row = try Row.fetchOne(db, sql: """
                        SELECT max(d) AS day FROM (SELECT max(day) AS d FROM paper UNION ALL SELECT max(day) FROM paper_feature
                                                   UNION ALL SELECT max(day) FROM submission)
                        """)
                }
                guard let text = row?["day"] as String?, let day = Day(text) else { break }
                let count = try Self.paperCount(on: text, in: db)
                result.append(DaySummary(day: day, paperCount: count))
                before = text
            }
            return result
        }
    }

    public func neighbours(of day: Day) async throws -> (previous: Day?, next: Day?) {
        try await pool.read { db in
            let previous = try String.fetchOne(db, sql: """
                SELECT max(d) FROM (SELECT max(day) AS d FROM paper WHERE day < ?1 UNION ALL SELECT max(day) FROM paper_feature WHERE day < ?1
                                    UNION ALL SELECT max(day) FROM submission WHERE day < ?1)
                """, arguments: [day.description])
            let next = try String.fetchOne(db, sql: """
                SELECT min(d) FROM (SELECT min(day) AS d FROM paper WHERE day > ?1 UNION ALL SELECT min(day) FROM paper_feature WHERE day > ?1
                                    UNION ALL SELECT min(day) FROM submission WHERE day > ?1)
                """, arguments: [day.description])
            return (previous.flatMap { Day($0) }, next.flatMap { Day($0) })
        }
    }

    public func paperCount(on day: Day) async throws -> Int {
        try await pool.read { db in
            try Self.paperCount(on: day.description, in: db)
        }
    }

    static func paperCount(on day: String, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(dayMembers))", arguments: [day]) ?? 0
    }

    public func paperCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM paper") ?? 0 }
    }

    public func searchKeyword(_ query: KeywordQuery, filters: SearchFilters, limit: Int, offset: Int) async throws -> SearchPage {
        guard limit > 0 else { return SearchPage(hits: [], offset: offset, hasMore: false) }
        // One extra result says whether a next page exists.
        let ranked = try await keywordCandidates(query, filters: filters, limit: offset + limit + 1)
        let page = Array(ranked.dropFirst(offset).prefix(limit))
        return SearchPage(hits: try await hits(for: page, highlighting: query), offset: offset,
                          hasMore: ranked.count > offset + limit)
    }

    public func keywordCandidates(_ query: KeywordQuery, filters: SearchFilters, limit: Int) async throws -> [ScoredPaper] {
        guard limit > 0 else { return [] }
        let reader = try await keywordIndex.current(pool)
        let analyzed = analyzers.withAnalyzer { analyzer in KeywordIndexMaintenance.analyze(query, analyzer: analyzer, reader: reader) }
        guard !analyzed.included.isEmpty else { return [] }
        return try await pool.read { db in
            var allowed: Set<UInt32>?
            if let author = filters.author {
                allowed = try KeywordIndexStorage.authorRows(author, reader: reader, db: db)
            }
            return reader.search(analyzed, filters: filters, allowed: allowed, limit: limit, offset: 0) { seqs, phrase in
                (try? KeywordIndexStorage.verifyPhrase(phrase, in: seqs, db: db)) ?? []
            }.hits.map { ScoredPaper(key: Int64($0.seq), score: $0.score) }
        }
    }

    public func hits(for ranked: [ScoredPaper], highlighting query: KeywordQuery) async throws -> [SearchHit] {
        guard !ranked.isEmpty else { return [] }
        let reader = try await keywordIndex.current(pool)
        let analyzed = analyzers.withAnalyzer { analyzer in KeywordIndexMaintenance.analyze(query, analyzer: analyzer, reader: reader) }
        let queryTerms = Set(analyzed.included.flatMap { clause, _ -> [String] in
            switch clause {
            case .anyTerm(let terms), .phrase(let terms): return terms
            }
        })
        return try await pool.read { db in
            let papers = try Self.papers(seqs: ranked.compactMap { UInt32(exactly: $0.key) }, in: db)
            return analyzers.withAnalyzer { highlight in
                plainAnalyzers.withAnalyzer { plain in
                    ranked.compactMap { item -> SearchHit? in
                        guard let seq = UInt32(exactly: item.key), let paper = papers[seq] else { return nil }
                        let snippet = queryTerms.isEmpty ? nil
                            : Snippet.make(from: paper.abstract, terms: queryTerms, analyzer: highlight, plain: plain)
                        return SearchHit(paper: paper, score: item.score, snippet: snippet)
                    }
                }
            }
        }
    }

    public func filterPredicate(_ filters: SearchFilters) async throws -> (@Sendable (Int64) -> Bool)? {
        let reader = try await keywordIndex.current(pool)
        let allowed: Set<UInt32>? = try await filters.author.asyncFlatMap { author in
            try await pool.read { db in try KeywordIndexStorage.authorRows(author, reader: reader, db: db) }
        }
        let predicate = reader.predicate(for: filters)
        if predicate == nil && allowed == nil { return nil }
        return { key in
            guard let row = UInt32(exactly: key) else { return false }
            return (allowed?.contains(row) ?? true) && (predicate?(row) ?? true)
        }
    }

    public func prepareKeywordIndex() async throws {
        _ = try await keywordIndex.current(pool)
    }

    /// Papers the keyword index covers (equals ``paperCount()`` when index and rows agree).
    public func indexedPaperCount() async throws -> Int {
        try await keywordIndex.current(pool).liveCount
    }

    /// Papers by row number.
    static func papers(seqs: [UInt32], in db: Database) throws -> [UInt32: Paper] {
        guard !seqs.isEmpty else { return [:] }
        var result: [UInt32: Paper] = [:]
        let rows = try Row.fetchAll(db, sql: "SELECT seq, \(paperColumns) FROM paper WHERE seq IN (\(seqs.map { _ in "?" }.joined(separator: ",")))",
                                    arguments: StatementArguments(seqs.map { Int64($0) }))
        for row in rows { result[UInt32(row["seq"] as Int64)] = try paper(from: row) }
        return result
    }

    /// Writes a consistent copy of the whole database to `path` (SQLite's `VACUUM INTO`; row numbers kept), e.g.
    /// for an evaluation database that is then re-indexed with other field weights. `path` must not exist.
    public func copy(to path: String) async throws {
        try await writeWithoutTransaction(writing: path) { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
    }

    /// Rebuilds the keyword index from the paper rows with this store's field weights (after an analyzer
    /// change or a corrupt segment).
    public func reindex(batchSize: Int = 5_000) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM keyword_segment") }
        var after: Int64 = 0
        while true {
            let start = after
            let batch: [(seq: UInt32, day: Day, categories: [String], title: String, abstract: String, authors: String)] = try await pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT seq, day, categories, title, abstract, author_names FROM paper WHERE seq > ? ORDER BY seq LIMIT ?
                    """, arguments: [start, batchSize]).map { row in
                    (UInt32(row["seq"] as Int64), Day(row["day"] as String) ?? Day(daysSinceEpoch: 0),
                     (row["categories"] as String).split(separator: " ").map(String.init),
                     row["title"], row["abstract"], row["author_names"])
                }
            }
            guard let last = batch.last else { break }
            after = Int64(last.seq)
            let weights = fieldWeights
            let documents = analyzers.withAnalyzer { analyzer in
                batch.map { ($0.seq, $0.day, $0.categories,
                             KeywordSegment.Analysis(title: $0.title, abstract: $0.abstract, authors: $0.authors, analyzer: analyzer,
                                                     weights: weights)) }
            }
            try await write { db in try KeywordIndexStorage.append(KeywordSegment.build(documents), in: db) }
        }
    }
}

extension SQLitePaperStore {
    /// Every write of the store: one transaction on the pool, with the faults of the disk under it (full, read-only,
    /// I/O error) turned into ``StoreError/unwritable(path:reason:)`` naming the database file. SQLite rolls the
    /// transaction back first, so nothing of it is written.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(updates)
        } catch let error as DatabaseError {
            throw storageFault(error) ?? error
        }
    }

    /// ``write(_:)`` outside a transaction (`VACUUM INTO`); a fault names `file` when the statement writes another
    /// file than the database.
    func writeWithoutTransaction<T: Sendable>(writing file: String? = nil, _ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction(updates)
        } catch let error as DatabaseError {
            throw storageFault(error, file: file) ?? error
        }
    }

    /// The store's error for a fault of the disk under `file` (the database unless said), nil for any other error.
    func storageFault(_ error: DatabaseError, file: String? = nil) -> StoreError? {
        let reason: String
        switch error.resultCode {
        case .SQLITE_FULL: reason = "the disk is full (SQLITE_FULL)"
        case .SQLITE_READONLY: reason = "the file or its folder is read-only (SQLITE_READONLY: permissions, or a read-only mount)"
        case .SQLITE_IOERR: reason = "the disk reported an I/O error (SQLITE_IOERR)"
        case .SQLITE_CANTOPEN: reason = "its journal cannot be created (SQLITE_CANTOPEN)"
        default: return nil
        }
        return .unwritable(path: file ?? path, reason: reason)
    }
}
