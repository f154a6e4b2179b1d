import PapersCore

/// One training or scoring example: a dense part (a sentence embedding, already scaled) and a sparse part
/// (term and category weights, ids from a `FeatureVocabulary`, already scaled).
public struct FeatureVector: Sendable {
    /// Dense features; every vector a model sees has the same length (0 for none).
    public var dense: [Float]
    /// Sparse feature ids, ascending, each below the vocabulary's size.
    public var ids: [UInt32]
    /// The value of each sparse feature, parallel to `ids`.
    public var values: [Float]

    /// Creates a feature vector.
    public init(dense: [Float], ids: [UInt32] = [], values: [Float] = []) {
        precondition(ids.count == values.count, "ids and values differ in length")
        self.dense = dense
        self.ids = ids
        self.values = values
    }

    /// Σ x², over both parts.
    public var squaredNorm: Float {
        var s: Float = 0
        for v in dense { s += v * v }
        for v in values { s += v * v }
        return s
    }
}

/// A linear scoring function `w·x + b` over `FeatureVector`s.
public struct LinearScorer: Sendable {
    /// Weights of the dense part.
    public var dense: [Float]
    /// Weights of the sparse part, indexed by feature id.
    public var sparse: [Float]
    /// The intercept.
    public var bias: Float

    /// Creates a scorer of the given shape with all weights zero.
    public init(denseCount: Int, sparseCount: Int) {
        dense = [Float](repeating: 0, count: denseCount)
        sparse = [Float](repeating: 0, count: sparseCount)
        bias = 0
    }

    /// `w·x + b`.
    public func score(_ x: FeatureVector) -> Float {
        var s = bias
        dense.withUnsafeBufferPointer { w in
            x.dense.withUnsafeBufferPointer { v in s += Self.dot(w, v) }
        }
        sparse.withUnsafeBufferPointer { w in
            for (k, id) in x.ids.enumerated() where Int(id) < w.count { s += w[Int(id)] * x.values[k] }
        }
        return s
    }

    /// Σ a[i] b[i] over the shorter of the two, eight lanes at a time (a float sum is not reordered by the
    /// compiler, so a plain loop runs one multiply-add per cycle).
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let n = min(a.count, b.count)
        guard n > 0 else { return 0 }
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            lanes += UnsafeRawPointer(a.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = lanes.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ a[i] b[i] of two arrays (the shorter's length).
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in dot(x, y) } }
    }

    /// Adds `step × x` to the weights (and `step × biasFeature` to the intercept).
    mutating func add(_ x: FeatureVector, times step: Float, biasFeature: Float) {
        dense.withUnsafeMutableBufferPointer { w in
            x.dense.withUnsafeBufferPointer { v in
                let n = min(w.count, v.count)
                var i = 0
                // Eight lanes at a time: the compiler does not vectorise this loop on its own (aliasing).
                let step8 = SIMD8<Float>(repeating: step)
                while i + 8 <= n {
                    let wv = UnsafeRawPointer(w.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                    let vv = UnsafeRawPointer(v.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(w.baseAddress! + i).storeBytes(of: wv + step8 * vv, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < n { w[i] += step * v[i]; i += 1 }
            }
        }
        sparse.withUnsafeMutableBufferPointer { w in
            for (k, id) in x.ids.enumerated() where Int(id) < w.count { w[Int(id)] += step * x.values[k] }
        }
        bias += step * biasFeature
    }
}

/// L2-regularised linear classifier with the squared hinge loss, trained by dual coordinate descent
/// (Hsieh et al., ICML 2008 — liblinear's default solver, the one behind scikit-learn's `LinearSVC`).
/// Each example carries its own cost `C_i`, which is how class balancing and signal weights enter.
///
/// The intercept is a constant feature (`biasFeature`, liblinear's `intercept_scaling`) and is regularised
/// with the rest, as in liblinear.
public struct LinearClassifier: Sendable {
    /// Stop when the projected gradient's spread is below this (liblinear's `eps`).
    public var tolerance: Float = 0.1
    /// At most this many passes over the examples.
    public var maximumPasses = 200
    /// The value of the constant feature that carries the intercept (0: no intercept).
    public var biasFeature: Float = 1
    /// Seed of the pass order (the result is deterministic for a given seed).
    public var seed: UInt64 = 1

    /// Creates a classifier configuration.
    public init(tolerance: Float = 0.1, maximumPasses: Int = 200, biasFeature: Float = 1, seed: UInt64 = 1) {
        self.tolerance = tolerance
        self.maximumPasses = maximumPasses
        self.biasFeature = biasFeature
        self.seed = seed
    }

    /// Fits `examples` with labels `positive` and per-example costs `cost` (all the same length).
    /// `denseCount` and `sparseCount` give the model's shape. Empty input or one class only gives a zero model.
    public func fit(_ examples: [FeatureVector], positive: [Bool], cost: [Float], denseCount: Int, sparseCount: Int) -> LinearScorer {
        precondition(examples.count == positive.count && examples.count == cost.count, "examples, labels and costs differ in length")
        var model = LinearScorer(denseCount: denseCount, sparseCount: sparseCount)
        let n = examples.count
        guard n > 0, positive.contains(true), positive.contains(false) else { return model }
        var alpha = [Float](repeating: 0, count: n)
        let diagonal = cost.map { 1 / (2 * max($0, 1e-12)) }
        let qii = (0..<n).map { examples[$0].squaredNorm + biasFeature * biasFeature + diagonal[$0] }
        let y: [Float] = positive.map { $0 ? 1 : -1 }
        var index = Array(0..<n)
        var random = SplitMix64(seed: seed)
        // liblinear's shrinking: an example at α = 0 whose gradient is beyond last pass's largest projected
        // gradient is left out until the active set converges, then everything is checked once more.
        var active = n
        var maxOld = Float.infinity
        var passes = 0
        while passes < maximumPasses {
            for i in stride(from: active - 1, to: 0, by: -1) { index.swapAt(i, Int(random.next() % UInt64(i + 1))) }
            var maxNew = -Float.infinity, minNew = Float.infinity
            var s = 0
            while s < active {
                let i = index[s]
                let g = y[i] * model.score(examples[i]) - 1 + diagonal[i] * alpha[i]
                var pg: Float = 0
                if alpha[i] == 0 {
                    if g > maxOld {
                        active -= 1
                        index.swapAt(s, active)
                        continue
                    }
                    if g < 0 { pg = g }
                } else {
                    pg = g
                }
                maxNew = max(maxNew, pg)
                minNew = min(minNew, pg)
                if abs(pg) > 1e-12 {
                    let old = alpha[i]
                    alpha[i] = max(old - g / qii[i], 0)
                    let delta = (alpha[i] - old) * y[i]
                    if delta != 0 { model.add(examples[i], times: delta, biasFeature: biasFeature) }
                }
                s += 1
            }
            passes += 1
            if maxNew - minNew <= tolerance {
                if active == n { break }
                active = n
                maxOld = .infinity
                continue
            }
            maxOld = maxNew <= 0 ? .infinity : maxNew
        }
        return model
    }
}

