import Foundation
import GRDB
import PapersCore

/// The embedded backend: one SQLite file (WAL mode) through GRDB, keyword search with FTS5.
public final class SQLitePaperStore: PaperStore {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
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
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    public func upsert(_ papers: [Paper], defaultDay: Day) async throws -> UpsertCounts {
        try await pool.write { db in try Self.upsert(papers, defaultDay: defaultDay, in: db) }
    }

    static func upsert(_ papers: [Paper], defaultDay: Day, in db: Database) throws -> UpsertCounts {
        var counts = UpsertCounts()
        let lookup = try db.cachedStatement(sql: "SELECT seq, version, fingerprint, day FROM paper WHERE id = ?")
        let insert = try db.cachedStatement(sql: """
            INSERT INTO paper (id, version, title, abstract, authors, author_names, categories, published, updated,
                               listed, day, versions, doi, journal_ref, comments, license, links, fingerprint)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let update = try db.cachedStatement(sql: """
            UPDATE paper SET version = ?, title = ?, abstract = ?, authors = ?, author_names = ?, categories = ?,
                published = ?, updated = ?, listed = ?, day = ?, versions = ?, doi = ?, journal_ref = ?,
                comments = ?, license = ?, links = ?, fingerprint = ?
            WHERE seq = ?
            """)
        let deleteCategories = try db.cachedStatement(sql: "DELETE FROM paper_category WHERE paper = ?")
        let insertCategory = try db.cachedStatement(sql: "INSERT OR IGNORE INTO paper_category (category, paper) VALUES (?, ?)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        for paper in papers {
            let fingerprint = Data(paper.fingerprint)
            let existing = try Row.fetchOne(lookup, arguments: [paper.id.rawValue])
            if let existing {
                let storedVersion: Int? = existing["version"]
                let storedFingerprint: Data = existing["fingerprint"]
                if storedFingerprint == fingerprint {
                    counts.unchanged += 1
                    continue
                }
                if let stored = storedVersion, let incoming = paper.version, incoming < stored {
                    counts.unchanged += 1   // an older version never replaces a newer one
                    continue
                }
                let seq: Int64 = existing["seq"]
                let storedDay: String = existing["day"]
                let day = paper.announcedDay?.description ?? storedDay
                var arguments = try columnValues(paper, day: day, encoder: encoder)
                arguments += [fingerprint, seq]
                try update.execute(arguments: StatementArguments(arguments))
                try deleteCategories.execute(arguments: [seq])
                for category in paper.categories { try insertCategory.execute(arguments: [category, seq]) }
                counts.updated += 1
            } else {
                let day = (paper.announcedDay ?? defaultDay).description
                var arguments: [(any DatabaseValueConvertible)?] = [paper.id.rawValue]
                arguments += try columnValues(paper, day: day, encoder: encoder)
                arguments.append(fingerprint)
                try insert.execute(arguments: StatementArguments(arguments))
                let seq = db.lastInsertedRowID
                for category in paper.categories { try insertCategory.execute(arguments: [category, seq]) }
                counts.imported += 1
            }
        }
        return counts
    }

    /// Values for the columns `version … links`, in table order.
    private static func columnValues(_ p: Paper, day: String, encoder: JSONEncoder) throws -> [(any DatabaseValueConvertible)?] {
        [
            p.version, p.title, p.abstract,
            String(decoding: try encoder.encode(p.authors), as: UTF8.self),
            p.authorNames,
            p.categories.joined(separator: " "),
            p.published?.description, p.updated?.description, p.listed?.description, day,
            String(decoding: try encoder.encode(p.versions), as: UTF8.self),
            p.doi, p.journalRef, p.comments, p.license,
            String(decoding: try encoder.encode(p.links), as: UTF8.self),
        ]
    }

    static let paperColumns = """
        id, version, title, abstract, authors, categories, published, updated, listed, versions, \
        doi, journal_ref, comments, license, links
        """

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

    public func papers(on day: Day, limit: Int, offset: Int) async throws -> [Paper] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.paperColumns) FROM paper WHERE day = ? ORDER BY id LIMIT ? OFFSET ?
                """, arguments: [day.description, limit, offset]).map(Self.paper(from:))
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
                    row = try Row.fetchOne(db, sql: "SELECT max(day) AS day FROM paper WHERE day < ?", arguments: [before])
                } else {
                    row = try Row.fetchOne(db, sql: "SELECT max(day) AS day FROM paper")
                }
                guard let text = row?["day"] as String?, let day = Day(text) else { break }
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM paper WHERE day = ?", arguments: [text]) ?? 0
                result.append(DaySummary(day: day, paperCount: count))
                before = text
            }
            return result
        }
    }

    public func neighbours(of day: Day) async throws -> (previous: Day?, next: Day?) {
        try await pool.read { db in
            let previous = try String.fetchOne(db, sql: "SELECT max(day) FROM paper WHERE day < ?", arguments: [day.description])
            let next = try String.fetchOne(db, sql: "SELECT min(day) FROM paper WHERE day > ?", arguments: [day.description])
            return (previous.flatMap { Day($0) }, next.flatMap { Day($0) })
        }
    }

    public func paperCount(on day: Day) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM paper WHERE day = ?", arguments: [day.description]) ?? 0
        }
    }

    public func paperCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM paper") ?? 0 }
    }

    /// Column weights for BM25: title, abstract, author names.
    static let bm25Weights = (title: 2.0, abstract: 1.0, authors: 1.0)

    public func searchKeyword(_ query: KeywordQuery, filters: SearchFilters, limit: Int, offset: Int) async throws -> SearchPage {
        guard let match = FTS5MatchExpression.build(query), limit > 0 else {
            return SearchPage(hits: [], offset: offset, hasMore: false)
        }
        var sql = """
            SELECT \(Self.paperColumns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                   bm25(paper_fts, \(Self.bm25Weights.title), \(Self.bm25Weights.abstract), \(Self.bm25Weights.authors)) AS score,
                   snippet(paper_fts, 1, char(57344), char(57345), '…', 32) AS snippet
            FROM paper_fts JOIN paper p ON p.seq = paper_fts.rowid
            WHERE paper_fts MATCH ?
            """
        var arguments: [(any DatabaseValueConvertible)?] = [match]
        if let from = filters.from {
            sql += " AND p.day >= ?"
            arguments.append(from.description)
        }
        if let to = filters.to {
            sql += " AND p.day <= ?"
            arguments.append(to.description)
        }
        if let category = filters.category {
            sql += " AND p.seq IN (SELECT paper FROM paper_category WHERE category = ?)"
            arguments.append(category)
        }
        sql += " ORDER BY score LIMIT ? OFFSET ?"
        arguments += [limit + 1, offset]
        let finalSQL = sql
        let finalArguments: [DatabaseValue] = arguments.map { $0?.databaseValue ?? .null }
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: finalSQL, arguments: StatementArguments(finalArguments))
            let hits = try rows.prefix(limit).map { row in
                // FTS5's bm25() is negative, lower is better; flip it so larger is better everywhere.
                SearchHit(paper: try Self.paper(from: row), score: -(row["score"] as Double), snippet: row["snippet"])
            }
            return SearchPage(hits: hits, offset: offset, hasMore: rows.count > limit)
        }
    }
}
