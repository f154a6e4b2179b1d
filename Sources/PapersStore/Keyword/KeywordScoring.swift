/// BM25's two parameters. The index stores weighted term frequencies; a reader turns them into impacts with
/// these at load, so changing them needs no re-indexing (a snapshot is named by them too).
public struct KeywordScoring: Sendable, Hashable, CustomStringConvertible {
    /// Term-frequency saturation: how quickly further occurrences of a word stop adding (≥ 0).
    public var k1: Double
    /// Length normalisation: 0 ignores a paper's length, 1 divides by it in full (0…1).
    public var b: Double

    /// Creates parameters; values outside their range are clamped.
    public init(k1: Double, b: Double) {
        self.k1 = max(0, k1)
        self.b = min(max(b, 0), 1)
    }

    /// What search uses: k1 1.2, b 0.4 — the middle of the plateau that the grid over both development sets
    /// found (k1 1.0–1.5, b 0.3–0.5; docs/search.md). Lucene's b 0.75 normalises length harder than abstracts need.
    public static let standard = KeywordScoring(k1: 1.2, b: 0.4)

    public var description: String { "k1=\(k1) b=\(b)" }
}
