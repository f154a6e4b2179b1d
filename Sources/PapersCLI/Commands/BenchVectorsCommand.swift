import ArgumentParser
import Foundation
import PapersCore
import PapersSearch
import PapersStore
import PapersDatabase

/// `papers bench vectors`: HNSW against exact search on the real embeddings in --home, and on synthetic
/// vectors drawn from a Gaussian fitted to them.
struct BenchVectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Recall@10 and latency of the approximate vector index against exact search.",
        discussion: """
            Queries are the embedded lines of --queries. With --synthetic N, N vectors are drawn from a Gaussian \
            with the mean and covariance of the real embeddings (then normalised, as embeddings are), and the \
            same is measured there.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Queries, one per line.") var queries = "../shared/eval/arxiv-title-queries.txt"
    @Option(help: "Synthetic vectors to generate (0: real vectors only).") var synthetic = 0
    @Option(help: "HNSW efSearch values to try, comma-separated.") var ef = "64,128,256"
    @Option(help: "HNSW links per node.") var m = 32
    @Option(help: "HNSW efConstruction.") var efConstruction = 200

    func run() async throws {
        guard let text = try? String(contentsOfFile: queries, encoding: .utf8) else { throw ValidationError("--queries: cannot read \(queries)") }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        let efs = try ef.split(separator: ",").map { item -> Int in
            guard let value = Int(item), value > 0 else { throw ValidationError("--ef: \"\(item)\" is not a positive integer") }
            return value
        }
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let encoder = try modelOptions.loadEncoder(home: global.resolvedHome)
        let real = try await store.embeddingMatrix(model: encoder.name)
        guard real.count > 100 else { throw ValidationError("--home: only \(real.count) embedded papers; run `papers embed` first") }
        let queryVectors = encoder.embed(lines)
        print("real embeddings: \(real.count) × \(real.dimension), \(lines.count) queries")
        try await measure(real, queries: queryVectors, efs: efs)
        if synthetic > 0 {
            let start = Date()
            let model = GaussianModel(fitting: real)
            let generated = model.sample(count: synthetic, seed: 7)
            print(String(format: "synthetic: %d vectors drawn in %.1f s; queries: the real title embeddings", synthetic, Date().timeIntervalSince(start)))
            try await measure(generated, queries: queryVectors, efs: efs)
            // The same graph question with queries from the data's own distribution (held out: another seed).
            let drawn = model.sample(count: queryVectors.count, seed: 99)
            let inDistribution = (0..<drawn.count).map { Array(drawn.values[$0 * drawn.dimension..<($0 + 1) * drawn.dimension]) }
            print("synthetic again, queries drawn from the same Gaussian")
            try await measure(generated, queries: inDistribution, efs: efs)
        }
    }

    private func measure(_ matrix: EmbeddingMatrix, queries: [[Float]], efs: [Int]) async throws {
        let exact = ExactVectorIndex(matrix: matrix)
        var exactLatency = LatencySample()
        var truth: [[Int64]] = []
        for q in queries { truth.append(await exactLatency.time { exact.nearest(to: q, k: 10) }.map(\.key)) }
        print("exact                    \(exactLatency.summary)")
        var parameters = ApproximateVectorIndex.Parameters()
        parameters.m = m
        parameters.efConstruction = efConstruction
        parameters.scale = ApproximateVectorIndex.scale(for: matrix.values)
        let start = Date()
        let graph = try ApproximateVectorIndex(dimension: matrix.dimension, capacity: matrix.count, parameters: parameters)
        try graph.add(matrix)
        let buildSeconds = Date().timeIntervalSince(start)
        print(String(format: "hnsw build M=%d efC=%d: %.1f s (%.0f vectors/s), peak resident memory %.0f MB", m, efConstruction,
                     buildSeconds, Double(matrix.count) / buildSeconds, peakResidentMegabytes()))
        // The ceiling set by 8-bit codes alone: exact search over the codes.
        var codeFound = 0
        for (q, expected) in zip(queries.prefix(100), truth) {
            let got = Set(graph.exactNearestByCodes(to: q, k: 10).map(\.key))
            codeFound += expected.filter(got.contains).count
        }
        print(String(format: "int8 codes, exact scan: recall@10 %.4f (100 queries)", Double(codeFound) / Double(max(1, truth.prefix(100).reduce(0) { $0 + $1.count }))))
        for ef in efs {
            graph.setSearchBreadth(ef)
            var latency = LatencySample()
            var found = 0
            for (q, expected) in zip(queries, truth) {
                let got = Set(await latency.time { graph.nearest(to: q, k: 10) }.map(\.key))
                found += expected.filter(got.contains).count
            }
            let recall = Double(found) / Double(max(1, truth.reduce(0) { $0 + $1.count }))
            print(String(format: "hnsw efSearch=%-4d recall@10 %.4f  ", ef, recall) + latency.summary)
        }
    }
}

/// A multivariate Gaussian fitted to vectors (mean and full covariance), sampled through the covariance's
/// Cholesky factor. Written by hand: 384 × 384 is small, and LAPACK's spotrf is not in the COpenBLAS shim.
struct GaussianModel {
    let dimension: Int
    let mean: [Double]
    /// Lower-triangular L with L·Lᵀ = covariance, row-major.
    let factor: [Double]

    init(fitting matrix: EmbeddingMatrix) {
        let d = matrix.dimension, n = matrix.count
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for i in 0..<d { mean[i] += Double(matrix.values[r * d + i]) } }
        for i in 0..<d { mean[i] /= Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for r in 0..<n {
            for i in 0..<d { centred[i] = Double(matrix.values[r * d + i]) - mean[i] }
            for i in 0..<d {
                let ci = centred[i]
                for j in 0...i { covariance[i * d + j] += ci * centred[j] }
            }
        }
        for i in 0..<d { for j in 0...i { covariance[i * d + j] /= Double(max(n - 1, 1)) } }
        // Cholesky (lower), with a tiny ridge so a rank-deficient sample still factors.
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var sum = covariance[i * d + j] + (i == j ? 1e-9 : 0)
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = i == j ? sum.squareRoot() : sum / max(l[j * d + j], 1e-12)
            }
        }
        self.dimension = d
        self.mean = mean
        self.factor = l
    }

    /// `count` unit vectors: mean + L·z with z standard normal, normalised; keys 1…count.
    func sample(count: Int, seed: UInt64) -> EmbeddingMatrix {
        var rng = SplitMix64(seed: seed)
        let d = dimension
        var values = [Float](repeating: 0, count: count * d)
        var z = [Double](repeating: 0, count: d)
        for r in 0..<count {
            for i in 0..<d {
                // Box–Muller.
                let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300)
                let u2 = Double(rng.next() >> 11) / Double(1 << 53)
                z[i] = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            }
            var norm = 0.0
            for i in 0..<d {
                var x = mean[i]
                for k in 0...i { x += factor[i * d + k] * z[k] }
                values[r * d + i] = Float(x)
                norm += x * x
            }
            let inverse = Float(1 / max(norm.squareRoot(), 1e-12))
            for i in 0..<d { values[r * d + i] *= inverse }
        }
        return EmbeddingMatrix(keys: (1...Int64(max(count, 1))).prefix(count).map { $0 }, values: values, dimension: d)
    }
}

