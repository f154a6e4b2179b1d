import Foundation
import PapersCore

/// A query after analysis: what the index can match.
package struct AnalyzedQuery {
    package enum Clause {
        /// Any of these terms (one term, or a prefix's expansions).
        case anyTerm([String])
        /// All terms, consecutive, in one field.
        case phrase([String])
    }

    /// Clauses that rank, each with how often the query names it (its score is multiplied by that).
    package var included: [(clause: Clause, weight: UInt32)]
    package var excluded: [Clause]

    /// Every phrase the query holds, included or excluded (each must be verified against the rows).
    package var phrases: [[String]] {
        (included.map(\.clause) + excluded).compactMap { clause in
            if case .phrase(let terms) = clause { return terms }
            return nil
        }
    }
}

/// An in-memory, read-only view of all keyword segments: BM25 (BM25F-style field weights) as quantised
/// impacts per posting (``ImpactPostings``), with liveness resolved at load (the newest segment holding a
/// paper wins), day and category filters.
package final class KeywordIndexReader: @unchecked Sendable {
    private struct TermSlice {
        var segment: Int32
        var range: Range<Int>
    }

    /// Segment ids (from the store), ascending.
    let segmentIDs: [Int64]
    private var postings = ImpactPostings()
    private var lists: [ImpactPostings.List] = []
    private var termIndex: [String: Int] = [:]
    private var docSegment: [Int32] = []
    private var docLength: [Float] = []
    private var docDay: [Int32] = []
    private var docCategoryStart: [UInt32] = []
    private var docCategoryCount: [UInt8] = []
    private var categoryData: [UInt16] = []
    private var categoryIDs: [String: UInt16] = [:]
    /// Papers indexed.
    package private(set) var liveCount = 0
    private var averageLength: Double = 1
    private let sortedTermsLock = NSLock()
    private var sortedTermsCache: [String]?

    /// The BM25 parameters the impacts were computed with.
    let scoring: KeywordScoring

    /// A reader from a snapshot file's arrays (``KeywordIndexSnapshot``).
    package init(snapshot: KeywordIndexSnapshot.Contents, scoring: KeywordScoring) {
        self.scoring = scoring
        segmentIDs = snapshot.segmentIDs
        postings = ImpactPostings(docs: snapshot.docs, impacts: snapshot.impacts, scale: snapshot.scale)
        lists = snapshot.lists
        var index: [String: Int] = [:]
        index.reserveCapacity(snapshot.terms.count)
        for (i, term) in snapshot.terms.enumerated() { index[term] = i }
        termIndex = index
        docSegment = snapshot.docSegment
        docLength = snapshot.docLength
        docDay = snapshot.docDay
        docCategoryStart = snapshot.docCategoryStart
        docCategoryCount = snapshot.docCategoryCount
        categoryData = snapshot.categoryData
        categoryIDs = Dictionary(uniqueKeysWithValues: snapshot.categories.enumerated().map { ($1, UInt16($0)) })
        liveCount = snapshot.liveCount
        averageLength = snapshot.averageLength
    }

    /// Everything a snapshot file stores.
    package var snapshot: KeywordIndexSnapshot.Contents {
        var terms = [String](repeating: "", count: termIndex.count)
        for (term, i) in termIndex { terms[i] = term }
        var categories = [String](repeating: "", count: categoryIDs.count)
        for (name, id) in categoryIDs { categories[Int(id)] = name }
        return KeywordIndexSnapshot.Contents(
            segmentIDs: segmentIDs, docs: postings.docs, impacts: postings.impacts, scale: postings.scale, lists: lists,
            terms: terms, docSegment: docSegment, docLength: docLength, docDay: docDay,
            docCategoryStart: docCategoryStart, docCategoryCount: docCategoryCount, categoryData: categoryData,
            categories: categories, liveCount: liveCount, averageLength: averageLength)
    }

    /// Builds the reader from segments given oldest first, with impacts from `scoring`.
    package init(segments: [(id: Int64, docs: [UInt8], postings: [UInt8])], scoring: KeywordScoring = .standard) throws(SegmentError) {
        self.scoring = scoring
        segmentIDs = segments.map(\.id)
        var slices: [String: [TermSlice]] = [:]
        var totalLength = 0.0
        var postingCount = 0
        for (index, segment) in segments.enumerated() {
            for d in try KeywordSegment.decodeDocs(segment.docs) {
                let seq = Int(d.seq)
                if seq >= docSegment.count { grow(to: seq + 1) }
                if d.isDeleted {
                    if docSegment[seq] >= 0 {
                        totalLength -= Double(docLength[seq])
                        liveCount -= 1
                    }
                    docSegment[seq] = -1
                    continue
                }
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
                slices[term, default: []].append(TermSlice(segment: Int32(index), range: range))
                postingCount += df
            }
        }
        averageLength = liveCount > 0 ? max(totalLength / Double(liveCount), 1) : 1
        let names = Array(slices.keys)
        var termIndex: [String: Int] = [:]
        termIndex.reserveCapacity(names.count)
        for (i, name) in names.enumerated() { termIndex[name] = i }
        let n = Double(liveCount), k1 = scoring.k1, b = scoring.b, avg = averageLength
        var builder = ImpactPostings.Builder(termCount: names.count, postingCount: postingCount)
        let docLength = self.docLength, docSegment = self.docSegment
        for (t, name) in names.enumerated() {
            var live: [(seq: UInt32, tf: UInt32)] = []
            var isSorted = true
            for slice in slices[name] ?? [] {
                for p in try KeywordSegment.decodePostings(segments[Int(slice.segment)].postings, slice.range)
                where Int(p.seq) < docSegment.count && docSegment[Int(p.seq)] == slice.segment {
                    if let last = live.last, last.seq >= p.seq { isSorted = false }
                    live.append(p)
                }
            }
            if !isSorted { live.sort { $0.seq < $1.seq } }
            // Live document frequency: a replaced version no longer counts.
            let df = Double(live.count)
            let idf = log(1 + (n - df + 0.5) / (df + 0.5))
            builder.add(term: t, live) { tf, seq in
                let norm = k1 * (1 - b + b * Double(docLength[Int(seq)]) / avg)
                return idf * Double(tf) * (k1 + 1) / (Double(tf) + norm)
            }
        }
        (postings, lists) = builder.finish()
        self.termIndex = termIndex
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
    package func expand(prefix: String, limit: Int) -> [String] {
        sortedTermsLock.lock()
        if sortedTermsCache == nil { sortedTermsCache = termIndex.keys.sorted() }
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

    /// Live papers containing `term`.
    func documentFrequency(_ term: String) -> Int {
        termIndex[term].map { lists[$0].count } ?? 0
    }

    /// Live rows whose postings hold every one of `terms` (candidates for an author filter).
    package func rows(containingAll terms: [String]) -> Set<UInt32> {
        let ordered = terms.sorted { documentFrequency($0) < documentFrequency($1) }
        guard let first = ordered.first else { return [] }
        var result = Set<UInt32>()
        forEachPosting(first) { seq, _ in result.insert(seq) }
        for term in ordered.dropFirst() where !result.isEmpty {
            var next = Set<UInt32>()
            forEachPosting(term) { seq, _ in if result.contains(seq) { next.insert(seq) } }
            result = next
        }
        return result
    }

    /// Calls `body(seq, impact)` for every live posting of `term`.
    private func forEachPosting(_ term: String, _ body: (UInt32, UInt32) -> Void) {
        guard let t = termIndex[term] else { return }
        postings.forEach(lists[t], body)
    }

    /// `filters` as a predicate over row numbers; nil when they restrict nothing. Rows the index does not
    /// know (embedded before being indexed, or deleted) never pass a real filter.
    package func predicate(for filters: SearchFilters) -> (@Sendable (UInt32) -> Bool)? {
        if filters.category == nil && filters.from == nil && filters.to == nil { return nil }
        // The author filter is resolved by the store (it needs the stored names).
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

    /// The live rows passing `filters` (category and days; the author part is `among`, the rows the store
    /// resolved for it), ascending — or nil as soon as more than `atMost` pass, so a wide filter costs little.
    /// A database that ranks vectors itself uses it to choose between an exact scan of these rows and its
    /// index with the filter in SQL.
    package func rows(passing filters: SearchFilters, among: Set<UInt32>?, atMost: Int) -> [UInt32]? {
        let from = filters.from.map { Int32(clamping: $0.daysSinceEpoch) }
        let to = filters.to.map { Int32(clamping: $0.daysSinceEpoch) }
        var category: UInt16?
        if let name = filters.category {
            guard let id = categoryIDs[name] else { return [] }
            category = id
        }
        var result: [UInt32] = []
        func visit(_ seq: UInt32) -> Bool {
            guard Int(seq) < docSegment.count, docSegment[Int(seq)] >= 0,
                  passes(seq, from: from, to: to, category: category) else { return true }
            result.append(seq)
            return result.count <= atMost
        }
        if let among {
            for seq in among.sorted() where !visit(seq) { return nil }
        } else {
            for seq in 0..<UInt32(docSegment.count) where !visit(seq) { return nil }
        }
        return result
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
        let scale = postings.scale
        for term in terms {
            forEachPosting(term) { seq, impact in
                guard filter(seq) else { return }
                result[seq, default: 0] += Double(impact) * scale
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
            let candidates = rows(containingAll: terms).filter(filter)
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
    /// `allowed`, when given, restricts results to those rows (the store's author filter).
    package func search(_ query: AnalyzedQuery, filters: SearchFilters, allowed: Set<UInt32>? = nil, limit: Int, offset: Int,
                verifyPhrase: ([UInt32], [String]) -> Set<UInt32>) -> (hits: [(seq: UInt32, score: Double)], hasMore: Bool) {
        let from = filters.from.map { Int32(clamping: $0.daysSinceEpoch) }
        let to = filters.to.map { Int32(clamping: $0.daysSinceEpoch) }
        var category: UInt16?
        if let name = filters.category {
            guard let id = categoryIDs[name] else { return ([], false) }
            category = id
        }
        let filter: (UInt32) -> Bool = { (allowed?.contains($0) ?? true) && self.passes($0, from: from, to: to, category: category) }
        let wanted = offset + limit + 1
        // Words and prefixes only (the usual query): MaxScore over the impact lists.
        if query.excluded.isEmpty, let terms = Self.plainTerms(query.included) {
            let unfiltered = filters.category == nil && filters.from == nil && filters.to == nil && allowed == nil
            let weighted = terms.compactMap { term, weight in termIndex[term].map { (list: lists[$0], weight: weight) } }
            let ranked = postings.top(weighted, k: wanted, filter: unfiltered ? nil : filter)
                .map { (seq: $0.seq, score: Double($0.score) * postings.scale) }
            return (Array(ranked.dropFirst(offset).prefix(limit)), ranked.count > offset + limit)
        }
        var excluded = Set<UInt32>()
        for clause in query.excluded {
            excluded.formUnion(matches(clause, filter: filter, verifyPhrase: verifyPhrase).keys)
        }
        var total: [UInt32: Double] = [:]
        for (clause, weight) in query.included {
            for (seq, score) in matches(clause, filter: filter, verifyPhrase: verifyPhrase) where !excluded.contains(seq) {
                total[seq, default: 0] += score * Double(weight)
            }
        }
        // Keep the best offset+limit+1 with a bounded min-heap instead of sorting everything.
        var heap = TopScoredPapers(capacity: wanted)
        for (seq, score) in total where heap.accepts(score) { heap.insert(ScoredPaper(key: Int64(seq), score: score)) }
        let ranked = heap.sortedDescending().map { (seq: UInt32($0.key), score: $0.score) }
        let page = Array(ranked.dropFirst(offset).prefix(limit))
        return (page, ranked.count > offset + limit)
    }

    /// The distinct terms of `clauses` with their summed weights when none is a phrase, else nil. Words that
    /// analyse to one term ("retrieval", "retrieving") add up, as if the term had been written twice.
    private static func plainTerms(_ clauses: [(clause: AnalyzedQuery.Clause, weight: UInt32)]) -> [(term: String, weight: UInt32)]? {
        var terms: [(term: String, weight: UInt32)] = []
        var position: [String: Int] = [:]
        for (clause, weight) in clauses {
            guard case .anyTerm(let expansions) = clause else { return nil }
            for term in expansions {
                if let i = position[term] {
                    terms[i].weight += weight
                } else {
                    position[term] = terms.count
                    terms.append((term, weight))
                }
            }
        }
        return terms
    }
}
