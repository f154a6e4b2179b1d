import Foundation
import PapersSearch
import PapersStore
import PapersTestSupport
import Testing

/// Unit vectors around a few random centres (like topics), deterministic.
private func clusteredVectors(count: Int, dimension: Int, seed: UInt64, firstKey: Int64 = 1) -> EmbeddingMatrix {
    var state = seed
    func gaussian() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let u1 = max(Double(state >> 11) / Double(1 << 53), 1e-12)
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let u2 = Double(state >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
    let centres = (0..<20).map { _ in (0..<dimension).map { _ in gaussian() } }
    var values: [Float] = []
    for i in 0..<count {
        var v = centres[i % centres.count].map { $0 + 0.8 * gaussian() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        v = v.map { $0 / norm }
        values += v
    }
    return EmbeddingMatrix(keys: (0..<Int64(count)).map { firstKey + $0 }, values: values, dimension: dimension)
}

private func row(_ matrix: EmbeddingMatrix, _ i: Int) -> [Float] {
    Array(matrix.values[(i * matrix.dimension)..<((i + 1) * matrix.dimension)])
}

@Suite("Approximate vector index (HNSW over 8-bit codes)")
struct ApproximateVectorIndexTests {
    @Test("recall@10 against exact search is at least 0.95, and cosines are within 0.02 of exact")
    func recall() throws {
        let data = clusteredVectors(count: 4_000, dimension: 64, seed: 1)
        let queries = clusteredVectors(count: 100, dimension: 64, seed: 2)
        var parameters = ApproximateVectorIndex.Parameters()
        parameters.scale = ApproximateVectorIndex.scale(for: data.values)
        let graph = try ApproximateVectorIndex(dimension: 64, capacity: 100, parameters: parameters)
        try graph.add(data)
        #expect(graph.count == 4_000)
        let exact = ExactVectorIndex(matrix: data)
        var found = 0
        for i in 0..<queries.count {
            let q = row(queries, i)
            let truth = exact.nearest(to: q, k: 10)
            let got = graph.nearest(to: q, k: 10)
            found += Set(truth.map(\.key)).intersection(got.map(\.key)).count
            let exactCosines = exact.similarities(to: q, keys: got.map(\.key))
            for hit in got { #expect(abs(hit.score - Double(exactCosines[hit.key]!)) < 0.02) }
        }
        #expect(Double(found) / 1_000 >= 0.95, "recall@10 \(Double(found) / 1_000)")
    }

    @Test("saved and loaded, it answers the same and remembers its generation; a damaged file is a clear error")
    func persistence() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = clusteredVectors(count: 1_000, dimension: 32, seed: 3)
        let graph = try ApproximateVectorIndex(dimension: 32, capacity: 1_000)
        try graph.add(data)
        let path = dir.file("g.hnsw")
        try graph.save(to: path, generation: 17)
        let (loaded, generation) = try ApproximateVectorIndex.load(from: path, dimension: 32)
        #expect(generation == 17)
        #expect(loaded.count == 1_000)
        for i in stride(from: 0, to: 1_000, by: 97) {
            #expect(loaded.nearest(to: row(data, i), k: 5) == graph.nearest(to: row(data, i), k: 5))
        }
        #expect(throws: VectorIndexError.self) { try ApproximateVectorIndex.load(from: path, dimension: 33) }
        try Data("{".utf8).write(to: URL(fileURLWithPath: path + ".json"))
        let error = try #require(throws: VectorIndexError.self) { try ApproximateVectorIndex.load(from: path, dimension: 32) }
        #expect(error.description.contains("g.hnsw.json"))
    }

    @Test("additions, replacements and removals show in the next search; filters and exclusions hold")
    func incrementalUpdates() throws {
        let data = clusteredVectors(count: 2_000, dimension: 32, seed: 4)
        let graph = try ApproximateVectorIndex(dimension: 32, capacity: 10)
        try graph.add(data)
        let newcomer = clusteredVectors(count: 1, dimension: 32, seed: 99, firstKey: 50_000)
        try graph.add(newcomer)
        #expect(graph.nearest(to: row(newcomer, 0), k: 1).first?.key == 50_000)
        // Key 7 now holds the newcomer's vector: both are the nearest to it.
        try graph.add(EmbeddingMatrix(keys: [7], values: row(newcomer, 0), dimension: 32))
        #expect(Set(graph.nearest(to: row(newcomer, 0), k: 2).map(\.key)) == [7, 50_000])
        graph.remove(50_000)
        #expect(graph.nearest(to: row(newcomer, 0), k: 1).first?.key == 7)
        #expect(graph.count == 2_000)
        // A filter passing 1 key in 100: still k results, all passing.
        let filtered = graph.nearest(to: row(data, 0), k: 10, excluding: [100], filter: { $0 % 100 == 0 })
        #expect(filtered.count == 10)
        #expect(filtered.allSatisfy { $0.key % 100 == 0 && $0.key != 100 })
    }
}
