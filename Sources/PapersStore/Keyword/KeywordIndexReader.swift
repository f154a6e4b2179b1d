import Foundation
import PapersCore

/// A query after analysis: what the index can match.
struct AnalyzedQuery {
    enum Clause {
        /// Any of these terms (one term, or a prefix's expansions).
        case anyTerm([String])
        /// All terms, consecutive, in one field.
        case phrase([String])
    }

    var included: [Clause]
    var excluded: [Clause]
}

/// An in-memory, read-only view of all keyword segments: BM25 (BM25F-style field weights) over
/// posting lists, with liveness (the newest segment holding a paper wins), day and category filters.
final class KeywordIndexReader: @unchecked Sendable {
    struct TermSlice {
        var segment: Int32
        var start: Int32
        var end: Int32
        var df: Int32
    }

    /// Segment ids (from the store), ascending.
    let segmentIDs: [Int64]
    private let postingsData: [[UInt8]]
    private var terms: [String: [TermSlice]] = [:]
    private var docSegment: [Int32] = []
    private var docLength: [Float] = []
    private var docDay: [Int32] = []
    private var docCategoryStart: [UInt32] = []
    private var docCategoryCount: [UInt8] = []
    private var categoryData: [UInt16] = []
    private var categoryIDs: [String: UInt16] = [:]
    /// Papers indexed.
    private(set) var liveCount = 0
    private var averageLength: Double = 1
    private let sortedTermsLock = NSLock()
    private var sortedTermsCache: [String]?

    /// BM25 saturation and length normalisation: the textbook 1.2/0.75, not tuned (docs/search.md).
    static let k1 = 1.2
    static let b = 0.75

    /// Builds the reader from segments given oldest first.
    init(segments: [(id: Int64, docs: [UInt8], postings: [UInt8])]) throws(SegmentError) {
        segmentIDs = segments.map(\.id)
        postingsData = segments.map(\.postings)
        var terms: [String: [TermSlice]] = [:]
        var totalLength = 0.0
        for (index, segment) in segments.enumerated() {
            for d in try KeywordSegment.decodeDocs(segment.docs) {
                let seq = Int(d.seq)
                if seq >= docSegment.count { grow(to: seq + 1) }
                if docSegment[seq] >= 0 {
                    totalLength -= Double(docLength[seq])
                } else {
                    liveCount += 1
                }
                docSegment[seq] = Int32(index)
                docLength[seq] = Float(d.length)
                totalLength += Double(d.length)
                docDay[seq] = d.day
                docCategoryStart[seq] = UInt32(categoryData.count)
                docCategoryCount[seq] = UInt8(min(d.categories.count, 255))
                for c in d.categories.prefix(255) {
                    let id: UInt16
                    if let known = categoryIDs[c] {
                        id = known
                    } else {
                        id = UInt16(truncatingIfNeeded: categoryIDs.count)
                        categoryIDs[c] = id
                    }
                    categoryData.append(id)
                }
            }
            try KeywordSegment.forEachTerm(segment.postings) { term, df, range in
                terms[term, default: []].append(TermSlice(segment: Int32(index), start: Int32(range.lowerBound),
                                                          end: Int32(range.upperBound), df: Int32(df)))
            }
        }
        self.terms = terms
        averageLength = liveCount > 0 ? max(totalLength / Double(liveCount), 1) : 1
    }

    private func grow(to count: Int) {
        let n = max(count, docSegment.count * 2)
        let extra = n - docSegment.count
        docSegment += [Int32](repeating: -1, count: extra)
        docLength += [Float](repeating: 0, count: extra)
        docDay += [Int32](repeating: 0, count: extra)
        docCategoryStart += [UInt32](repeating: 0, count: extra)
        docCategoryCount += [UInt8](repeating: 0, count: extra)
    }

    /// Indexed terms starting with `prefix`, most frequent first, at most `limit`.
    func expand(prefix: String, limit: Int) -> [String] {
        sortedTermsLock.lock()
        if sortedTermsCache == nil { sortedTermsCache = terms.keys.sorted() }
        let sorted = sortedTermsCache!
        sortedTermsLock.unlock()
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < prefix { lo = mid + 1 } else { hi = mid }
        }
        var matches: [(String, Int)] = []
        var i = lo
        while i < sorted.count, sorted[i].hasPrefix(prefix) {
            matches.append((sorted[i], documentFrequency(sorted[i])))
            i += 1
        }
        return matches.sorted { $0.1 > $1.1 }.prefix(limit).map(\.0)
    }

    /// Papers containing `term` (across segments; replaced versions may be counted until merged).
    func documentFrequency(_ term: String) -> Int {
        terms[term]?.reduce(0) { $0 + Int($1.df) } ?? 0
    }

    private func idf(_ term: String) -> Double {
        let n = Double(liveCount)
        let df = min(Double(documentFrequency(term)), n)
        return log(1 + (n - df + 0.5) / (df + 0.5))
    }

    /// Calls `body(seq, tf)` for every live posting of `term`.
    private func forEachPosting(_ term: String, _ body: (UInt32, Float) -> Void) {
        guard let slices = terms[term] else { return }
        for slice in slices {
            postingsData[Int(slice.segment)].withUnsafeBufferPointer { buffer in
                var offset = Int(slice.start)
                let end = Int(slice.end)
                var seq: UInt32 = 0
                while offset < end {
                    var delta: UInt32 = 0, shift: UInt32 = 0
                    while true {
                        let b = buffer[offset]; offset += 1
                        delta |= UInt32(b & 0x7F) << shift
                        if b < 0x80 { break }
                        shift += 7
                    }
                    var tf: UInt32 = 0
                    shift = 0
                    while true {
                        let b = buffer[offset]; offset += 1
                        tf |= UInt32(b & 0x7F) << shift
                        if b < 0x80 { break }
                        shift += 7
                    }
                    seq &+= delta
                    if docSegment[Int(seq)] == slice.segment { body(seq, Float(tf)) }
                }
            }
        }
    }

    /// `filters` as a predicate over row numbers; nil when they restrict nothing. Rows the index does not
    /// know (embedded before being indexed, or deleted) never pass a real filter.
    func predicate(for filters: SearchFilters) -> (@Sendable (UInt32) -> Bool)? {
        if filters.category == nil && filters.from == nil && filters.to == nil { return nil }
        let from = filters.from.map { Int32(clamping: $0.daysSinceEpoch) }
        let to = filters.to.map { Int32(clamping: $0.daysSinceEpoch) }
        var category: UInt16?
        if let name = filters.category {
            guard let id = categoryIDs[name] else { return { _ in false } }
            category = id
        }
        let wanted = category
        return { seq in Int(seq) < self.docDay.count && self.passes(seq, from: from, to: to, category: wanted) }
    }

    private func passes(_ seq: UInt32, from: Int32?, to: Int32?, category: UInt16?) -> Bool {
        let i = Int(seq)
        if let from, docDay[i] < from { return false }
        if let to, docDay[i] > to { return false }
        if let category {
            let start = Int(docCategoryStart[i])
            for k in start..<(start + Int(docCategoryCount[i])) where categoryData[k] == category { return true }
            return false
        }
        return true
    }

    /// BM25 contributions of `terms` per document (documents must pass the filters).
    private func scores(of terms: [String], filter: (UInt32) -> Bool) -> [UInt32: Double] {
        var result: [UInt32: Double] = [:]
        let k1 = Self.k1, b = Self.b, avg = averageLength
        for term in terms {
            let idf = idf(term)
            forEachPosting(term) { seq, tf in
                guard filter(seq) else { return }
                let norm = k1 * (1 - b + b * Double(docLength[Int(seq)]) / avg)
                result[seq, default: 0] += idf * Double(tf) * (k1 + 1) / (Double(tf) + norm)
            }
        }
        return result
    }

    /// Documents matching a clause with their clause score; phrases are checked with `verifyPhrase`
    /// (best-scoring candidates first, at most `phraseCandidateLimit`).
    private func matches(_ clause: AnalyzedQuery.Clause, filter: (UInt32) -> Bool,
                         verifyPhrase: ([UInt32], [String]) -> Set<UInt32>) -> [UInt32: Double] {
        switch clause {
        case .anyTerm(let terms):
            return scores(of: terms, filter: filter)
        case .phrase(let terms):
            guard let rarest = terms.min(by: { documentFrequency($0) < documentFrequency($1) }) else { return [:] }
            var candidates = Set<UInt32>()
            forEachPosting(rarest) { seq, _ in if filter(seq) { candidates.insert(seq) } }
            for term in terms where term != rarest && !candidates.isEmpty {
                var next = Set<UInt32>()
                forEachPosting(term) { seq, _ in if candidates.contains(seq) { next.insert(seq) } }
                candidates = next
            }
            guard !candidates.isEmpty else { return [:] }
            var scored = scores(of: Array(Set(terms)), filter: { candidates.contains($0) })
            let ranked = scored.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
                .prefix(Self.phraseCandidateLimit).map(\.key)
            let verified = verifyPhrase(ranked, terms)
            scored = scored.filter { verified.contains($0.key) }
            return scored
        }
    }

    /// Phrase candidates checked against the stored text, per query.
    static let phraseCandidateLimit = 20_000

    /// Ranked documents for `query`: at most `limit` after skipping `offset`, and whether more exist.
    func search(_ query: AnalyzedQuery, filters: SearchFilters, limit: Int, offset: Int,
                verifyPhrase: ([UInt32], [String]) -> Set<UInt32>) -> (hits: [(seq: UInt32, score: Double)], hasMore: Bool) {
        let from = filters.from.map { Int32(clamping: $0.daysSinceEpoch) }
        let to = filters.to.map { Int32(clamping: $0.daysSinceEpoch) }
        var category: UInt16?
        if let name = filters.category {
            guard let id = categoryIDs[name] else { return ([], false) }
            category = id
        }
        let filter: (UInt32) -> Bool = { self.passes($0, from: from, to: to, category: category) }
        var excluded = Set<UInt32>()
        for clause in query.excluded {
            excluded.formUnion(matches(clause, filter: filter, verifyPhrase: verifyPhrase).keys)
        }
        var total: [UInt32: Double] = [:]
        for clause in query.included {
            for (seq, score) in matches(clause, filter: filter, verifyPhrase: verifyPhrase) where !excluded.contains(seq) {
                total[seq, default: 0] += score
            }
        }
        // Keep the best offset+limit+1 with a bounded min-heap instead of sorting everything.
        let wanted = offset + limit + 1
        var heap = TopScoredPapers(capacity: wanted)
        for (seq, score) in total where heap.accepts(score) { heap.insert(ScoredPaper(key: Int64(seq), score: score)) }
        let ranked = heap.sortedDescending().map { (seq: UInt32($0.key), score: $0.score) }
        let page = Array(ranked.dropFirst(offset).prefix(limit))
        return (page, ranked.count > offset + limit)
    }
}
