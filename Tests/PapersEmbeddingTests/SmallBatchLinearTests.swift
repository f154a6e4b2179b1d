import CKernels
import Testing

@Suite("Small-batch linear kernel matches a double-precision product")
struct SmallBatchLinearTests {
    /// Deterministic values in [-1, 1) so a failure reproduces.
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    @Test("every row, column and stride combination adds x·Wᵀ onto the output, leaving other cells alone",
          arguments: [(1, 1, 8), (3, 5, 16), (4, 2, 384), (7, 9, 40), (9, 3, 12), (33, 6, 24)])
    func addsTheProduct(rows: Int, columns: Int, depth: Int) {
        let xStride = depth + 3, outStride = columns + 2
        let x = values(rows * xStride, seed: 1), w = values(columns * depth, seed: 2)
        let initial = values(rows * outStride, seed: 3)
        var out = initial
        papers_small_batch_linear(Int32(rows), Int32(columns), Int32(depth), x, Int32(xStride), w, &out, Int32(outStride))
        for m in 0..<rows {
            for n in 0..<outStride {
                var expected = Double(initial[m * outStride + n])
                if n < columns {
                    for k in 0..<depth { expected += Double(x[m * xStride + k]) * Double(w[n * depth + k]) }
                }
                let got = Double(out[m * outStride + n])
                #expect(abs(got - expected) <= 1e-4 * max(1, abs(expected)), "row \(m) column \(n): \(got) vs \(expected)")
            }
        }
    }
}
