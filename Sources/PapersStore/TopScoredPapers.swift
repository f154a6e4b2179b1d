import PapersCore

/// The k best scored papers seen so far (a min-heap on score; ties prefer the lower key, the older paper).
/// Shared by keyword and vector retrieval.
public struct TopScoredPapers: Sendable {
    /// Most items kept (at least 1).
    public let capacity: Int
    private var heap: [ScoredPaper] = []

    /// An empty heap keeping at most `capacity` items.
    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        heap.reserveCapacity(capacity)
    }

    private static func worse(_ a: ScoredPaper, _ b: ScoredPaper) -> Bool {
        a.score < b.score || (a.score == b.score && a.key > b.key)
    }

    /// Whether a candidate with `score` could enter.
    public func accepts(_ score: Double) -> Bool {
        heap.count < capacity || score >= heap[0].score
    }

    /// The lowest kept score once `capacity` items are kept (nothing scoring below it can enter), else nil.
    public var floor: Double? { heap.count == capacity ? heap[0].score : nil }

    /// Keeps `item` if it is among the best `capacity` so far.
    public mutating func insert(_ item: ScoredPaper) {
        if heap.count < capacity {
            heap.append(item)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.worse(heap[i], heap[parent]) else { break }
                heap.swapAt(i, parent)
                i = parent
            }
            return
        }
        guard Self.worse(heap[0], item) else { return }
        heap[0] = item
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < heap.count && Self.worse(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.worse(heap[right], heap[smallest]) { smallest = right }
            if smallest == i { break }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }

    /// The kept items, best first.
    public func sortedDescending() -> [ScoredPaper] {
        heap.sorted { Self.worse($1, $0) }
    }
}
