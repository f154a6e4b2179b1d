import Foundation

/// Every live posting of the keyword index with its BM25 contribution precomputed and quantised to one
/// byte, in one contiguous array per kind (no per-term allocations), and top-k retrieval over them with
/// MaxScore pruning.
///
/// Why: scoring every matching paper (what SQLite FTS5's `ORDER BY bm25()` and the first reader did) costs
/// time proportional to the matches; MaxScore skips the papers that only match low-impact terms once the
/// k-th best score is known to beat what those terms could add. Scores are integers (sums of quantised
/// impacts), so pruning is exact with respect to the quantised ranking. 8-bit impacts are what Lucene's
/// and PISA's quantised indexes use; docs/search.md has the effect on nDCG@10.
struct ImpactPostings {
    /// One term's list: `docs[start..<start+count]` ascending, the matching `impacts`, and their maximum.
    struct List {
        var start: Int
        var count: Int
        var maxImpact: UInt32
    }

    /// Row numbers of all lists, list after list.
    private(set) var docs: [UInt32] = []
    /// Quantised impact of each posting, parallel to `docs`; at least 1 for every posting.
    private(set) var impacts: [UInt8] = []
    /// A score in BM25 units is `Double(sum of impacts) * scale`.
    private(set) var scale: Double = 1

    /// Empty postings.
    init() {}

    /// Postings as saved by a snapshot (`docs` and `impacts` parallel).
    init(docs: [UInt32], impacts: [UInt8], scale: Double) {
        self.docs = docs
        self.impacts = impacts
        self.scale = scale
    }

    /// Collects lists with exact impacts, then quantises them all with one scale (the largest impact → 255).
    struct Builder {
        private var docs: [UInt32] = []
        private var exact: [Float] = []
        private var lists: [List]
        private var largest = 0.0

        /// Room for `termCount` lists holding `postingCount` postings in all (an estimate is fine).
        init(termCount: Int, postingCount: Int) {
            lists = [List](repeating: List(start: 0, count: 0, maxImpact: 0), count: termCount)
            docs.reserveCapacity(postingCount)
            exact.reserveCapacity(postingCount)
        }

        /// Sets list `term` to `postings` (rows ascending); `impact(tf, row)` is the exact BM25 contribution.
        mutating func add(term: Int, _ postings: [(seq: UInt32, tf: UInt32)], impact: (UInt32, UInt32) -> Double) {
            lists[term] = List(start: docs.count, count: postings.count, maxImpact: 0)
            for (seq, tf) in postings {
                let value = impact(tf, seq)
                largest = max(largest, value)
                docs.append(seq)
                exact.append(Float(value))
            }
        }

        /// The quantised postings and the lists, indexed by term as added.
        func finish() -> (ImpactPostings, [List]) {
            var result = ImpactPostings()
            result.docs = docs
            result.scale = largest > 0 ? largest / 255 : 1
            let inverse = Float(1 / result.scale)
            result.impacts = exact.map { UInt8(clamping: max(1, Int(($0 * inverse).rounded()))) }
            var lists = self.lists
            result.impacts.withUnsafeBufferPointer { impacts in
                for t in lists.indices {
                    var m: UInt8 = 0
                    for i in lists[t].start..<(lists[t].start + lists[t].count) where impacts[i] > m { m = impacts[i] }
                    lists[t].maxImpact = UInt32(m)
                }
            }
            return (result, lists)
        }
    }

    /// Calls `body(row, impact)` for every posting of `list`.
    func forEach(_ list: List, _ body: (UInt32, UInt32) -> Void) {
        docs.withUnsafeBufferPointer { docs in
            impacts.withUnsafeBufferPointer { impacts in
                for i in list.start..<(list.start + list.count) { body(docs[i], UInt32(impacts[i])) }
            }
        }
    }

    /// The `k` rows with the largest weighted sum of impacts over `lists` (one entry per query term, its weight
    /// the times the query names it; a list given twice also counts twice), best first, ties to the lower row;
    /// rows failing `filter` are skipped. MaxScore: lists sorted by their largest weighted impact; the lowest ones
    /// whose maxima together cannot lift a row above the current k-th score are "non-essential" and only probed
    /// for rows the others found.
    func top(_ weighted: [(list: List, weight: UInt32)], k: Int, filter: ((UInt32) -> Bool)?) -> [(seq: UInt32, score: UInt32)] {
        let entries = weighted.filter { $0.list.count > 0 && $0.weight > 0 }
            .sorted { $0.list.maxImpact * $0.weight < $1.list.maxImpact * $1.weight }
        let sorted = entries.map(\.list)
        let weight = entries.map(\.weight)
        guard k > 0, !sorted.isEmpty else { return [] }
        let n = sorted.count
        // bound[i]: the most lists 0..<i can add together.
        var bound = [UInt32](repeating: 0, count: n + 1)
        for i in 0..<n { bound[i + 1] = bound[i] + sorted[i].maxImpact * weight[i] }
        var position = sorted.map(\.start)
        let end = sorted.map { $0.start + $0.count }
        var heap = TopScoredPapers(capacity: k)
        // Below this nothing can enter the heap; -1 until it is full.
        var threshold: Int64 = -1
        var essential = 0
        docs.withUnsafeBufferPointer { docs in
            impacts.withUnsafeBufferPointer { impacts in
                while true {
                    var doc = UInt32.max
                    for i in essential..<n where position[i] < end[i] && docs[position[i]] < doc { doc = docs[position[i]] }
                    if doc == UInt32.max { break }
                    var score: UInt32 = 0
                    for i in essential..<n where position[i] < end[i] && docs[position[i]] == doc {
                        score += UInt32(impacts[position[i]]) * weight[i]
                        position[i] += 1
                    }
                    if let filter, !filter(doc) { continue }
                    var j = essential - 1
                    while j >= 0 {
                        if Int64(score + bound[j + 1]) <= threshold { break }
                        let p = Self.seek(docs, from: position[j], to: end[j], atLeast: doc)
                        position[j] = p
                        if p < end[j] && docs[p] == doc { score += UInt32(impacts[p]) * weight[j] }
                        j -= 1
                    }
                    // Rows come in ascending order: an equal score loses the tie to the row already kept.
                    guard Int64(score) > threshold else { continue }
                    heap.insert(ScoredPaper(key: Int64(doc), score: Double(score)))
                    if let floor = heap.floor {
                        threshold = Int64(floor)
                        while essential < n && Int64(bound[essential + 1]) <= threshold { essential += 1 }
                    }
                }
            }
        }
        return heap.sortedDescending().map { (UInt32($0.key), UInt32($0.score)) }
    }

    /// The first index in `from..<to` whose row is ≥ `target` (galloping, then binary search).
    private static func seek(_ docs: UnsafeBufferPointer<UInt32>, from: Int, to: Int, atLeast target: UInt32) -> Int {
        if from >= to || docs[from] >= target { return from }
        var low = from, step = 1
        while low + step < to && docs[low + step] < target {
            low += step
            step <<= 1
        }
        var lo = low + 1, hi = min(low + step, to)
        while lo < hi {
            let mid = (lo + hi) >> 1
            if docs[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
