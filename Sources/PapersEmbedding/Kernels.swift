// Element-wise kernels of the encoder: exp, erf-GELU, softmax, LayerNorm, pooling.
//
// They run on SIMD8<Float> because scalar expf/erff over ~7 million values per abstract would cost as much
// as a third of the matrix products. Accuracy targets float32 round-off (relative error ~1e-7), far inside
// the 0.9999 cosine the reference comparison allows.

typealias Float8 = SIMD8<Float>

@inline(__always)
private func load8(_ pointer: UnsafePointer<Float>) -> Float8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Float8.self)
}

@inline(__always)
private func store8(_ value: Float8, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Float8.self)
}

/// e^x for eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (truncation
/// error below 2e-7 relative), 2^n built in the exponent bits. Inputs are clamped to [-87.3, 88], the
/// float range, so the result never overflows to a wrong sign.
@inline(__always)
func exp8(_ input: Float8) -> Float8 {
    // Masked selects rather than clamped(): the generic min/max it calls is not inlined (perf showed 8%).
    var x = input
    let low = Float8(repeating: -87.3), high = Float8(repeating: 88.0)
    x.replace(with: low, where: x .< low)
    x.replace(with: high, where: x .> high)
    // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer and leaves it in the low mantissa bits.
    let magic = Float8(repeating: 12_582_912)
    let shifted = x * Float8(repeating: 1.442_695_04) + magic
    let n = shifted - magic
    // ln2 split in a high part exact in float and a low correction, so r keeps full precision.
    var r = x - n * Float8(repeating: 0.693_145_751_953_125)
    r = r - n * Float8(repeating: 1.428_606_765_330_187e-6)
    var p = Float8(repeating: 1.0 / 720)
    p = p * r + Float8(repeating: 1.0 / 120)
    p = p * r + Float8(repeating: 1.0 / 24)
    p = p * r + Float8(repeating: 1.0 / 6)
    p = p * r + Float8(repeating: 0.5)
    p = p * r + Float8(repeating: 1)
    p = p * r + Float8(repeating: 1)
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((integer &+ 127) &<< 23, to: Float8.self)
    return p * scale
}

/// erf(x) for eight lanes by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7), odd symmetry applied.
@inline(__always)
func erf8(_ x: Float8) -> Float8 {
    let a = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & SIMD8<UInt32>(repeating: 0x7FFF_FFFF), to: Float8.self)
    let t = Float8(repeating: 1) / (Float8(repeating: 1) + Float8(repeating: 0.327_591_1) * a)
    var poly = Float8(repeating: 1.061_405_429)
    poly = poly * t + Float8(repeating: -1.453_152_027)
    poly = poly * t + Float8(repeating: 1.421_413_741)
    poly = poly * t + Float8(repeating: -0.284_496_736)
    poly = poly * t + Float8(repeating: 0.254_829_592)
    poly = poly * t
    let magnitude = Float8(repeating: 1) - poly * exp8(-(a * a))
    var result = magnitude
    result.replace(with: -magnitude, where: x .< Float8(repeating: 0))
    return result
}

/// Scalar e^x through the same polynomial as `exp8`, for tails shorter than eight.
@inline(__always)
func expScalar(_ x: Float) -> Float { exp8(Float8(repeating: x))[0] }

/// Exact GELU, 0.5·x·(1 + erf(x/√2)), in place over `count` values (BERT's "gelu", not the tanh form).
func geluInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
    let half = Float8(repeating: 0.5)
    let one = Float8(repeating: 1)
    let invSqrt2 = Float8(repeating: 0.707_106_781_186_547_5)
    var i = 0
    while i + 8 <= count {
        let x = load8(values + i)
        store8(half * x * (one + erf8(x * invSqrt2)), values + i)
        i += 8
    }
    while i < count {
        let x = values[i]
        values[i] = 0.5 * x * (1 + erf8(Float8(repeating: x * 0.707_106_781_186_547_5))[0])
        i += 1
    }
}

/// Softmax over each of `rows` rows of `columns` values (row stride `columns`), in place, max-subtracted.
func softmaxRowsInPlace(_ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for row in 0..<rows {
        let p = values + row * columns
        var maximum = -Float.infinity
        var i = 0
        if columns >= 8 {
            var m8 = load8(p)
            i = 8
            while i + 8 <= columns {
                let v = load8(p + i)
                m8.replace(with: v, where: v .> m8)
                i += 8
            }
            maximum = m8.max()
        }
        while i < columns {
            maximum = Swift.max(maximum, p[i])
            i += 1
        }
        let m8 = Float8(repeating: maximum)
        var sum8 = Float8(repeating: 0)
        i = 0
        while i + 8 <= columns {
            let e = exp8(load8(p + i) - m8)
            store8(e, p + i)
            sum8 += e
            i += 8
        }
        var sum = sum8.sum()
        while i < columns {
            let e = expScalar(p[i] - maximum)
            p[i] = e
            sum += e
            i += 1
        }
        let inverse = 1 / sum
        let inverse8 = Float8(repeating: inverse)
        i = 0
        while i + 8 <= columns {
            store8(load8(p + i) * inverse8, p + i)
            i += 8
        }
        while i < columns {
            p[i] *= inverse
            i += 1
        }
    }
}

/// LayerNorm of each row of `rows × width` values in `source`, written to `destination` (which may be
/// `source`): (x − mean) / √(var + ε) · gamma + beta, with the biased variance as PyTorch uses.
func layerNormRows(
    _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, rows: Int, width: Int,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
) {
    for row in 0..<rows {
        let x = source + row * width
        let y = destination + row * width
        var sum8 = Float8(repeating: 0)
        var i = 0
        while i + 8 <= width {
            sum8 += load8(x + i)
            i += 8
        }
        var sum = sum8.sum()
        while i < width {
            sum += x[i]
            i += 1
        }
        let mean = sum / Float(width)
        let mean8 = Float8(repeating: mean)
        var squares8 = Float8(repeating: 0)
        i = 0
        while i + 8 <= width {
            let d = load8(x + i) - mean8
            squares8 += d * d
            i += 8
        }
        var squares = squares8.sum()
        while i < width {
            let d = x[i] - mean
            squares += d * d
            i += 1
        }
        let inverse = 1 / (squares / Float(width) + epsilon).squareRoot()
        let inverse8 = Float8(repeating: inverse)
        i = 0
        while i + 8 <= width {
            store8((load8(x + i) - mean8) * inverse8 * load8(gamma + i) + load8(beta + i), y + i)
            i += 8
        }
        while i < width {
            y[i] = (x[i] - mean) * inverse * gamma[i] + beta[i]
            i += 1
        }
    }
}

/// `destination[i] += source[i]` over `count` values.
func addInPlace(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        store8(load8(destination + i) + load8(source + i), destination + i)
        i += 8
    }
    while i < count {
        destination[i] += source[i]
        i += 1
    }
}

/// Copies the `width`-long `row` into each of `rows` consecutive rows of `destination` (bias broadcast).
func broadcastRow(_ row: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        (destination + r * width).update(from: row, count: width)
    }
}

