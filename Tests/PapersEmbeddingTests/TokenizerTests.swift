import Foundation
import PapersEmbedding
import PapersTestSupport
import Testing

@Suite("WordPiece tokenizer rules")
struct TokenizerTests {
    /// A toy vocabulary where every piece is visible in the test.
    private func toy(maxLength: Int = 16) throws -> WordPieceTokenizer {
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "aff", "able", "!", "cafe", "数", "学", "x"]
        var vocabulary: [String: Int32] = [:]
        for (index, token) in tokens.enumerated() { vocabulary[token] = Int32(index) }
        return try WordPieceTokenizer(vocabulary: vocabulary, maxLength: maxLength)
    }

    @Test("greedy longest match with ## continuations; an unsplittable word is one [UNK]")
    func greedyLongestMatch() throws {
        let t = try toy()
        #expect(t.encode("unaffable!") == [2, 4, 5, 6, 9, 3])
        #expect(t.encode("UNAFFABLE") == [2, 4, 5, 6, 3])
        #expect(t.encode("unaffablez able") == [2, 1, 8, 3])
    }

    @Test("accents stripped, CJK split per character, controls dropped, long words [UNK]")
    func normalisation() throws {
        let t = try toy()
        #expect(t.encode("Café") == [2, 10, 3])
        #expect(t.encode("数学") == [2, 11, 12, 3])
        #expect(t.encode("ca\u{0000}f\u{200B}e\u{7}") == [2, 10, 3])
        #expect(t.encode(String(repeating: "x", count: 101)) == [2, 1, 3])
        #expect(t.encode("") == [2, 3])
        #expect(t.encode(" \t\n\r\u{3000} ") == [2, 3])
    }

    @Test("truncation keeps [CLS], the first maxLength − 2 pieces and [SEP]")
    func truncation() throws {
        let t = try toy(maxLength: 5)
        #expect(t.encode("x x x x x x x") == [2, 13, 13, 13, 3])
    }

    @Test("hostile text: a megabyte, emoji, mixed scripts, controls and lone marks give bounded, valid sequences fast")
    func hostileText() async throws {
        let encoder = try SharedEncoder.get()
        let megabyte = String(repeating: "tokenization 🚀 ", count: 1_000_000 / 17)
        let start = ContinuousClock.now
        let ids = encoder.tokenize(megabyte)
        #expect(ContinuousClock.now - start < .seconds(2), "a megabyte must stop at the token budget")
        #expect(ids.count == 256)
        let inputs = [
            "", "   ", "\u{0}\u{1}\u{7F}\u{85}", "🚀🔥🧪👩‍🔬", "Ελληνικά русский 日本語 עברית العربية हिन्दी ไทย",
            "\u{0301}\u{0301}", "\u{FEFF}\u{200D}\u{E000}\u{FFFD}", String(repeating: "\u{0301}", count: 5000),
            megabyte,
        ]
        let vectors = await encoder.embedInBackground(inputs)
        for (input, vector) in zip(inputs, vectors) {
            let ids = encoder.tokenize(input)
            #expect(ids.first == 101 && ids.last == 102 && ids.count <= 256)
            let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            let finite = vector.allSatisfy { $0.isFinite }
            #expect(finite, "\(input.prefix(20).debugDescription)")
            #expect(abs(norm - 1) < 1e-4, "\(input.prefix(20).debugDescription): norm \(norm)")
        }
    }
}
