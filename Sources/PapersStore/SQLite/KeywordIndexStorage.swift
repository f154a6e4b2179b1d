import Foundation
import GRDB
import PapersCore

/// Keeps the keyword index's segments in SQLite, in the same transactions as the papers.
enum KeywordIndexStorage {
    /// Segments of a size tier merged together once this many exist (log-structured merging). 16 rather
    /// than 8: each posting is rewritten fewer times during a bulk import (300k papers: 8,600 → 9,600/s).
    static let mergeFactor = 16

    /// Writes a new segment, then merges while some size tier holds `mergeFactor` segments.
    static func append(_ segment: KeywordSegment, in db: Database) throws {
        guard !segment.docs.isEmpty else { return }
        try db.execute(sql: "INSERT INTO keyword_segment (doc_count, docs, postings) VALUES (?, ?, ?)",
                       arguments: [segment.docs.count, Data(segment.encodeDocs()), Data(segment.encodePostings())])
        while try mergeOnce(in: db) {}
    }

    /// The size tier of a segment: segments within a factor of `mergeFactor` share one.
    static func tier(_ docCount: Int) -> Int {
        var t = 0, n = max(docCount, 1)
        while n >= mergeFactor { n /= mergeFactor; t += 1 }
        return t
    }

    /// Merges the lowest full tier; `false` when no tier is full.
    static func mergeOnce(in db: Database) throws -> Bool {
        let all = try Row.fetchAll(db, sql: "SELECT id, doc_count FROM keyword_segment ORDER BY id")
            .map { (id: $0["id"] as Int64, count: $0["doc_count"] as Int) }
        var byTier: [Int: [Int64]] = [:]
        for s in all { byTier[tier(s.count), default: []].append(s.id) }
        guard let (_, ids) = byTier.filter({ $0.value.count >= mergeFactor }).min(by: { $0.key < $1.key }) else { return false }
        let ordered = ids.sorted()
        // Liveness: a paper belongs to the newest segment holding it, so only segments from the oldest
        // merged one on can matter; a dense array indexed by row number keeps this cheap at 1M papers.
        var newest: [Int64] = []
        for s in all where s.id >= ordered[0] {
            let docs = try Data.fetchOne(db, sql: "SELECT docs FROM keyword_segment WHERE id = ?", arguments: [s.id]) ?? Data()
            for d in try KeywordSegment.decodeDocs(Array(docs)) {
                let i = Int(d.seq)
                if i >= newest.count { newest += [Int64](repeating: 0, count: max(i + 1 - newest.count, newest.count)) }
                newest[i] = s.id
            }
        }
        var parts: [(docs: [UInt8], postings: [UInt8])] = []
        for id in ordered {
            guard let row = try Row.fetchOne(db, sql: "SELECT docs, postings FROM keyword_segment WHERE id = ?", arguments: [id]) else { continue }
            parts.append((Array(row["docs"] as Data), Array(row["postings"] as Data)))
        }
        let merged = try KeywordSegment.merge(parts) { index, seq in newest[Int(seq)] == ordered[index] }
        try db.execute(sql: "DELETE FROM keyword_segment WHERE id IN (\(ordered.map { _ in "?" }.joined(separator: ",")))",
                       arguments: StatementArguments(ordered))
        if !merged.docs.isEmpty {
            try db.execute(sql: "INSERT INTO keyword_segment (doc_count, docs, postings) VALUES (?, ?, ?)",
                           arguments: [merged.docs.count, Data(merged.encodeDocs()), Data(merged.encodePostings())])
        }
        return true
    }

    /// The query in index terms: words analysed like documents, prefixes expanded against the vocabulary.
    static func analyze(_ query: KeywordQuery, analyzer: TextAnalyzer, reader: KeywordIndexReader) -> AnalyzedQuery {
        func clause(_ c: KeywordQuery.Clause) -> AnalyzedQuery.Clause? {
            switch c {
            case .term(let token, false):
                let terms = analyzer.terms(token)
                return terms.isEmpty ? nil : .anyTerm(terms)
            case .term(let token, true):
                // Expand against the stemmed vocabulary with the folded, unstemmed prefix.
                let folded = TextAnalyzer(stemming: false).terms(token).joined()
                guard folded.count >= 2 else { return nil }
                let expansions = reader.expand(prefix: folded, limit: 32)
                let stem = analyzer.terms(token)
                let all = Array(Set(expansions + stem))
                return all.isEmpty ? nil : .anyTerm(all)
            case .phrase(let tokens):
                let terms = analyzer.terms(tokens.joined(separator: " "))
                switch terms.count {
                case 0: return nil
                case 1: return .anyTerm(terms)
                default: return .phrase(terms)
                }
            }
        }
        let included = zip(query.included, query.occurrences).compactMap { written, count in
            clause(written).map { (clause: $0, weight: UInt32(clamping: count)) }
        }
        return AnalyzedQuery(included: included, excluded: query.excluded.compactMap(clause))
    }

    /// The papers among `seqs` whose title, abstract or author list contains `phrase` as consecutive terms.
    static func verifyPhrase(_ phrase: [String], in seqs: [UInt32], db: Database) throws -> Set<UInt32> {
        let analyzer = TextAnalyzer()
        var verified = Set<UInt32>()
        for chunk in stride(from: 0, to: seqs.count, by: 500).map({ Array(seqs[$0..<min($0 + 500, seqs.count)]) }) {
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, title, abstract, author_names FROM paper WHERE seq IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(chunk.map { Int64($0) }))
            for row in rows {
                for column in ["title", "abstract", "author_names"] {
                    let terms = analyzer.terms(row[column] as String)
                    if contains(terms, phrase) {
                        verified.insert(UInt32(row["seq"] as Int64))
                        break
                    }
                }
            }
        }
        return verified
    }

    /// Rows with an author whose name holds every word of `author` (analysed like the index); nil when
    /// `author` has no words.
    static func authorRows(_ author: String, reader: KeywordIndexReader, db: Database) throws -> Set<UInt32>? {
        let analyzer = TextAnalyzer()
        let wanted = Set(analyzer.terms(author))
        guard !wanted.isEmpty else { return nil }
        let candidates = Array(reader.rows(containingAll: Array(wanted)))
        var verified = Set<UInt32>()
        let decoder = JSONDecoder()
        for chunk in stride(from: 0, to: candidates.count, by: 500).map({ Array(candidates[$0..<min($0 + 500, candidates.count)]) }) {
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, authors FROM paper WHERE seq IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments(chunk.map { Int64($0) }))
            for row in rows {
                let authors = (try? decoder.decode([Author].self, from: Data((row["authors"] as String).utf8))) ?? []
                if authors.contains(where: { wanted.isSubset(of: analyzer.terms($0.name)) }) { verified.insert(UInt32(row["seq"] as Int64)) }
            }
        }
        return verified
    }

    static func contains(_ terms: [String], _ phrase: [String]) -> Bool {
        guard !phrase.isEmpty, terms.count >= phrase.count else { return false }
        for start in 0...(terms.count - phrase.count) where terms[start] == phrase[0] {
            if Array(terms[start..<(start + phrase.count)]) == phrase { return true }
        }
        return false
    }
}

/// One in-memory reader per store, rebuilt when the segments change (another process imported). With a
/// snapshot path, a process starts from the saved reader when it matches the segments, and saves the reader
/// it had to build (``KeywordIndexSnapshot``).
final class KeywordIndexCache: @unchecked Sendable {
    /// Where the last reader came from (tests check that a snapshot is used, and a stale one is not).
    enum Source: Sendable { case segments, snapshot }

    private let lock = NSLock()
    private var reader: KeywordIndexReader?
    private var signature = ""
    private let snapshotPath: String?
    private let scoring: KeywordScoring
    private(set) var lastSource: Source?

    /// A cache that saves and reuses a snapshot at `snapshotPath` (nil: memory only); impacts from `scoring`.
    init(snapshotPath: String? = nil, scoring: KeywordScoring = .standard) {
        self.snapshotPath = snapshotPath
        self.scoring = scoring
    }

    /// The reader for the segments now in the database.
    func current(_ pool: DatabasePool) async throws -> KeywordIndexReader {
        let current = try await pool.read { db in
            Self.signature(try Row.fetchAll(db, sql: "SELECT id, length(docs) AS d, length(postings) AS p FROM keyword_segment ORDER BY id")
                .map { (id: $0["id"] as Int64, docs: $0["d"] as Int, postings: $0["p"] as Int) })
        }
        if let cached = lock.withLock({ signature == current ? reader : nil }) { return cached }
        let fresh: KeywordIndexReader
        var built = current
        if let snapshotPath, let contents = KeywordIndexSnapshot.read(from: snapshotPath, signature: snapshotName(current)) {
            fresh = KeywordIndexReader(snapshot: contents, scoring: scoring)
            lock.withLock { lastSource = .snapshot }
        } else {
            let segments = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, docs, postings FROM keyword_segment ORDER BY id").map {
                    (id: $0["id"] as Int64, docs: Array($0["docs"] as Data), postings: Array($0["postings"] as Data))
                }
            }
            // Another process may have changed the segments between the two reads: the reader (and its
            // snapshot) are named by the set actually read.
            built = Self.signature(segments.map { (id: $0.id, docs: $0.docs.count, postings: $0.postings.count) })
            fresh = try KeywordIndexReader(segments: segments, scoring: scoring)
            if let snapshotPath {
                // A cache: failing to write it only costs the next process the rebuild.
                try? KeywordIndexSnapshot.write(fresh.snapshot, signature: snapshotName(built), to: snapshotPath)
            }
            lock.withLock { lastSource = .segments }
        }
        lock.withLock {
            reader = fresh
            signature = built
        }
        return fresh
    }

    /// A snapshot holds impacts, so it is named by the BM25 parameters as well as by the segments.
    private func snapshotName(_ segments: String) -> String { "\(scoring.k1)/\(scoring.b)|\(segments)" }

    /// Names a segment set. Segment blobs never change under one id, so ids and sizes identify it.
    private static func signature(_ segments: [(id: Int64, docs: Int, postings: Int)]) -> String {
        segments.map { "\($0.id):\($0.docs):\($0.postings)" }.joined(separator: ",")
    }
}

/// Analyzers memoise stems and are not thread-safe: lend them out one caller at a time. Reusing them also
/// matters for latency: a new analyzer allocates and zeroes a 1 MB token table.
final class AnalyzerPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [TextAnalyzer] = []
    private let stemming: Bool

    /// A pool of analyzers that stem (the index's) or not (for snippet boundaries).
    init(stemming: Bool = true) { self.stemming = stemming }

    func withAnalyzer<T>(_ body: (TextAnalyzer) throws -> T) rethrows -> T {
        lock.lock()
        let analyzer = idle.popLast() ?? TextAnalyzer(stemming: stemming)
        lock.unlock()
        defer {
            lock.lock()
            idle.append(analyzer)
            lock.unlock()
        }
        return try body(analyzer)
    }
}

/// A passage of text around the query's terms, with highlight markers.
enum Snippet {
    /// Up to `words` tokens around the densest cluster of matched terms; `nil` when nothing matched.
    static func make(from text: String, terms: Set<String>, analyzer: TextAnalyzer, plain: TextAnalyzer, words: Int = 32) -> String? {
        var tokens: [(range: Range<Int>, match: Bool)] = []
        plain.forEachTerm(text) { _, range in tokens.append((range, false)) }
        var matchedRanges = Set<Int>()
        analyzer.forEachTerm(text) { term, range in if terms.contains(term) { matchedRanges.insert(range.lowerBound) } }
        guard !matchedRanges.isEmpty else { return nil }
        for i in tokens.indices where matchedRanges.contains(tokens[i].range.lowerBound) { tokens[i].match = true }
        // The window with the most matches.
        var best = 0, bestCount = -1, count = 0
        for i in tokens.indices {
            if tokens[i].match { count += 1 }
            if i >= words, tokens[i - words].match { count -= 1 }
            if count > bestCount { bestCount = count; best = max(0, i - words + 1) }
        }
        let end = min(tokens.count, best + words)
        let utf8 = Array(text.utf8)
        var out = best > 0 ? "…" : ""
        var cursor = tokens[best].range.lowerBound
        for t in tokens[best..<end] {
            out += String(decoding: utf8[cursor..<t.range.lowerBound], as: UTF8.self)
            let word = String(decoding: utf8[t.range], as: UTF8.self)
            out += t.match ? "\(SearchHit.highlightStart)\(word)\(SearchHit.highlightEnd)" : word
            cursor = t.range.upperBound
        }
        if end < tokens.count {
            out += "…"
        } else {
            out += String(decoding: utf8[cursor...], as: UTF8.self)
        }
        return out
    }
}
