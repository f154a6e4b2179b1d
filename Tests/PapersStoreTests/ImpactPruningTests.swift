import Foundation
@testable import PapersStore
import Testing

@Suite("Keyword top-k pruning (MaxScore over quantised impacts)")
struct ImpactPruningTests {
    /// A deterministic generator, so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("MaxScore returns exactly the exhaustive top k, ties to the lower row, with and without a filter")
    func prunedEqualsExhaustive() {
        var random = Generator(state: 42)
        for round in 0..<400 {
            let termCount = 1 + random.next(5)
            let universe = 50 + random.next(2_000)
            var builder = ImpactPostings.Builder(termCount: termCount, postingCount: 0)
            var truth: [[UInt32: UInt32]] = []
            for t in 0..<termCount {
                // Lists from very short to very long, impacts mostly small with a few large (like BM25).
                let density = [0.002, 0.02, 0.2, 0.6][random.next(4)]
                var postings: [(seq: UInt32, tf: UInt32)] = []
                var impacts: [UInt32: UInt32] = [:]
                for doc in 0..<universe where Double(random.next(10_000)) < density * 10_000 {
                    let impact = random.next(10) == 0 ? UInt32(100 + random.next(156)) : UInt32(1 + random.next(40))
                    postings.append((UInt32(doc), impact))
                    impacts[UInt32(doc)] = impact
                }
                if t == 0 {
                    // One posting at 255 makes the quantisation scale exactly 1, so impacts stay as given.
                    let doc = UInt32(universe)
                    postings.append((doc, 255))
                    impacts[doc] = 255
                }
                builder.add(term: t, postings) { tf, _ in Double(tf) }
                truth.append(impacts)
            }
            let (index, lists) = builder.finish()
            // Query lists may repeat a term, and carry weights (a word typed twice counts twice).
            let query = (0..<(1 + random.next(4))).map { _ in (term: random.next(termCount), weight: UInt32(1 + random.next(3))) }
            let k = 1 + random.next(30)
            let modulus = UInt32(2 + random.next(3))
            let filter: ((UInt32) -> Bool)? = round % 2 == 0 ? nil : { $0 % modulus == 0 }
            var sums: [UInt32: UInt32] = [:]
            for (t, weight) in query {
                for (doc, impact) in truth[t] where filter?(doc) ?? true { sums[doc, default: 0] += impact * weight }
            }
            let expected = sums.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(k)
            let got = index.top(query.map { (list: lists[$0.term], weight: $0.weight) }, k: k, filter: filter)
            #expect(got.map(\.seq) == expected.map(\.key), "round \(round): rows differ")
            #expect(got.map(\.score) == expected.map(\.value), "round \(round): scores differ")
        }
    }

    @Test("impacts are quantised to one byte with the largest at 255 and none below 1")
    func quantisation() {
        var builder = ImpactPostings.Builder(termCount: 2, postingCount: 4)
        builder.add(term: 0, [(1, 1), (5, 2)]) { tf, _ in tf == 1 ? 0.0001 : 10 }
        builder.add(term: 1, [(2, 1), (3, 1)]) { _, seq in seq == 2 ? 5 : 2.5 }
        let (index, lists) = builder.finish()
        var seen: [UInt32: UInt32] = [:]
        for list in lists { index.forEach(list) { seen[$0] = $1 } }
        #expect(seen == [1: 1, 5: 255, 2: 128, 3: 64])
        #expect(abs(index.scale - 10.0 / 255) < 1e-12)
        #expect(lists.map(\.maxImpact) == [255, 128])
    }
}
