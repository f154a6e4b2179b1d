import PapersCore
import PropertyBased
import Testing

@Suite("Whitespace in metadata collapses to single spaces")
struct WhitespaceTests {
    static let alphabet: [Character] = Array("ab Z9 \t\n\r\u{0B}\u{0C}\u{A0}\u{85}\u{2003}\u{2028}\u{202F}\u{3000}\u{205F}éß漢🙂.")

    /// The definition, character by character.
    static func reference(_ s: String) -> String {
        let spaces: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{A0}", "\u{85}", "\u{2028}", "\u{2029}",
                                           "\u{202F}", "\u{205F}", "\u{3000}"]
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if spaces.contains(scalar) || (0x2000...0x200A).contains(scalar.value) {
                if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words.joined(separator: " ")
    }

    @Test("any text: the fast path and the full path agree with the definition")
    func matchesReference() async {
        let strings = Gen<Character?>.element(of: Self.alphabet).compactMap { $0 }.string(of: 0...30)
        await propertyCheck(count: 500, input: strings) { text in
            #expect(text.collapsingWhitespace() == Self.reference(text), "\(text.debugDescription)")
            #expect(String.collapsingWhitespace(utf8: Array(text.utf8)) == Self.reference(text))
        }
        #expect("  Attention   is\n all\tyou need ".collapsingWhitespace() == "Attention is all you need")
        #expect("clean text".collapsingWhitespace() == "clean text")
        #expect("".collapsingWhitespace() == "")
    }
}
