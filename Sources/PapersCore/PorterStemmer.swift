/// The Porter (1980) stemming algorithm over lower-case ASCII words, as used by SQLite FTS5 and
/// Lucene's PorterStemFilter: `connections`, `connected`, `connecting` → `connect`.
///
/// Words shorter than three letters and words with non-letters are returned unchanged.
public enum PorterStemmer {
    /// The stem of `word` (lower-case ASCII letters); anything else comes back as it was.
    public static func stem(_ word: [UInt8]) -> [UInt8] {
        guard word.count > 2, word.allSatisfy({ $0 >= 97 && $0 <= 122 }) else { return word }
        var s = Stem(b: word)
        s.step1ab(); s.step1c(); s.step2(); s.step3(); s.step4(); s.step5()
        return Array(s.b[0...s.k])
    }

    private struct Stem {
        var b: [UInt8]
        var k: Int
        var j = 0

        init(b: [UInt8]) {
            self.b = b
            k = b.count - 1
        }

        func isConsonant(_ i: Int) -> Bool {
            switch b[i] {
            case 97, 101, 105, 111, 117: return false
            case 121: return i == 0 ? true : !isConsonant(i - 1)
            default: return true
            }
        }

        /// The number of VC sequences in b[0...j].
        func m() -> Int {
            var n = 0, i = 0
            while true {
                if i > j { return n }
                if !isConsonant(i) { break }
                i += 1
            }
            i += 1
            while true {
                while true {
                    if i > j { return n }
                    if isConsonant(i) { break }
                    i += 1
                }
                i += 1
                n += 1
                while true {
                    if i > j { return n }
                    if !isConsonant(i) { break }
                    i += 1
                }
                i += 1
            }
        }

        func vowelInStem() -> Bool { (0...max(j, 0)).contains { j >= 0 && !isConsonant($0) } }

        func doubleConsonant(_ i: Int) -> Bool { i >= 1 && b[i] == b[i - 1] && isConsonant(i) }

        /// consonant-vowel-consonant ending at i, the last not w, x or y.
        func cvc(_ i: Int) -> Bool {
            guard i >= 2, isConsonant(i), !isConsonant(i - 1), isConsonant(i - 2) else { return false }
            return b[i] != 119 && b[i] != 120 && b[i] != 121
        }

        mutating func ends(_ s: String) -> Bool {
            let u = Array(s.utf8)
            guard u.count <= k + 1 else { return false }
            let start = k - u.count + 1
            for (n, c) in u.enumerated() where b[start + n] != c { return false }
            j = k - u.count
            return true
        }

        mutating func setTo(_ s: String) {
            let u = Array(s.utf8)
            b.replaceSubrange((j + 1)..<(k + 1), with: u)
            k = j + u.count
        }

        mutating func r(_ s: String) { if m() > 0 { setTo(s) } }

        mutating func step1ab() {
            if b[k] == 115 {  // s
                if ends("sses") { k -= 2 } else if ends("ies") { setTo("i") } else if k >= 1, b[k - 1] != 115 { k -= 1 }
            }
            if ends("eed") {
                if m() > 0 { k -= 1 }
            } else if (ends("ed") || ends("ing")) && vowelInStem() {
                k = j
                if ends("at") { setTo("ate") } else if ends("bl") { setTo("ble") } else if ends("iz") { setTo("ize") }
                else if doubleConsonant(k) {
                    k -= 1
                    if b[k] == 108 || b[k] == 115 || b[k] == 122 { k += 1 }
                } else if m() == 1, cvc(k) {
                    j = k
                    setTo("e")
                }
            }
            b = Array(b[0...k])
        }

        mutating func step1c() {
            if ends("y"), vowelInStem() { b[k] = 105 }
        }

        mutating func step2() {
            guard k >= 1 else { return }
            switch b[k - 1] {
            case 97: if ends("ational") { r("ate") } else if ends("tional") { r("tion") }
            case 99: if ends("enci") { r("ence") } else if ends("anci") { r("ance") }
            case 101: if ends("izer") { r("ize") }
            case 108:
                if ends("bli") { r("ble") } else if ends("alli") { r("al") } else if ends("entli") { r("ent") }
                else if ends("eli") { r("e") } else if ends("ousli") { r("ous") }
            case 111: if ends("ization") { r("ize") } else if ends("ation") { r("ate") } else if ends("ator") { r("ate") }
            case 115:
                if ends("alism") { r("al") } else if ends("iveness") { r("ive") } else if ends("fulness") { r("ful") }
                else if ends("ousness") { r("ous") }
            case 116: if ends("aliti") { r("al") } else if ends("iviti") { r("ive") } else if ends("biliti") { r("ble") }
            case 103: if ends("logi") { r("log") }
            default: break
            }
        }

        mutating func step3() {
            switch b[k] {
            case 101: if ends("icate") { r("ic") } else if ends("ative") { r("") } else if ends("alize") { r("al") }
            case 105: if ends("iciti") { r("ic") }
            case 108: if ends("ical") { r("ic") } else if ends("ful") { r("") }
            case 115: if ends("ness") { r("") }
            default: break
            }
        }

        mutating func step4() {
            guard k >= 1 else { return }
            switch b[k - 1] {
            case 97: if !ends("al") { return }
            case 99: if !ends("ance"), !ends("ence") { return }
            case 101: if !ends("er") { return }
            case 105: if !ends("ic") { return }
            case 108: if !ends("able"), !ends("ible") { return }
            case 110: if !ends("ant"), !ends("ement"), !ends("ment"), !ends("ent") { return }
            case 111:
                if ends("ion"), j >= 0, b[j] == 115 || b[j] == 116 { break }
                if !ends("ou") { return }
            case 115: if !ends("ism") { return }
            case 116: if !ends("ate"), !ends("iti") { return }
            case 117: if !ends("ous") { return }
            case 118: if !ends("ive") { return }
            case 122: if !ends("ize") { return }
            default: return
            }
            if m() > 1 { k = j }
        }

        mutating func step5() {
            j = k
            if b[k] == 101 {
                let a = m()
                if a > 1 || (a == 1 && !cvc(k - 1)) { k -= 1 }
            }
            if b[k] == 108, doubleConsonant(k), m() > 1 { k -= 1 }
        }
    }
}
