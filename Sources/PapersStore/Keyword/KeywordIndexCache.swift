import Foundation
import PapersCore

/// One in-memory reader per store, rebuilt when the segments change (another process imported). With a
/// snapshot path, a process starts from the saved reader when it matches the segments, and saves the reader
/// it had to build (``KeywordIndexSnapshot``).
package final class KeywordIndexCache: @unchecked Sendable {
    /// Where the last reader came from (tests check that a snapshot is used, and a stale one is not).
    package enum Source: Sendable { case segments, snapshot }

    private let lock = NSLock()
    private var reader: KeywordIndexReader?
    private var signature = ""
    private let snapshotPath: String?
    private let scoring: KeywordScoring
    package private(set) var lastSource: Source?

    /// A cache that saves and reuses a snapshot at `snapshotPath` (nil: memory only); impacts from `scoring`.
    package init(snapshotPath: String? = nil, scoring: KeywordScoring = .standard) {
        self.snapshotPath = snapshotPath
        self.scoring = scoring
    }

    /// The reader last built or loaded, if any.
    package var cachedReader: KeywordIndexReader? { lock.withLock { reader } }

    /// A segment's id and blob sizes: segment blobs never change under one id, so these name a segment set.
    package typealias SegmentSize = (id: Int64, docs: Int, postings: Int)

    /// The reader for the segments now in the database: `sizes` lists them (cheap, every call), `load` reads them
    /// whole (only when the set changed and no snapshot matches).
    package func current(sizes: () async throws -> [SegmentSize],
                         load: () async throws -> [(id: Int64, docs: [UInt8], postings: [UInt8])]) async throws -> KeywordIndexReader {
        let current = Self.signature(try await sizes())
        if let cached = lock.withLock({ signature == current ? reader : nil }) { return cached }
        let fresh: KeywordIndexReader
        var built = current
        if let snapshotPath, let contents = KeywordIndexSnapshot.read(from: snapshotPath, signature: snapshotName(current)) {
            fresh = KeywordIndexReader(snapshot: contents, scoring: scoring)
            lock.withLock { lastSource = .snapshot }
        } else {
            let segments = try await load()
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
package final class AnalyzerPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [TextAnalyzer] = []
    private let stemming: Bool

    /// A pool of analyzers that stem (the index's) or not (for snippet boundaries).
    package init(stemming: Bool = true) { self.stemming = stemming }

    package func withAnalyzer<T>(_ body: (TextAnalyzer) throws -> T) rethrows -> T {
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
package enum Snippet {
    /// Up to `words` tokens around the densest cluster of matched terms; `nil` when nothing matched.
    package static func make(from text: String, terms: Set<String>, analyzer: TextAnalyzer, plain: TextAnalyzer, words: Int = 32) -> String? {
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
