import Foundation

/// Turns text into index terms: Unicode letters and digits, lower-cased, diacritics folded
/// (`Müller` → `muller`), English stop words dropped, Porter-stemmed. Queries and documents go
/// through the same analyzer, so what one writes the other finds.
///
/// Not thread-safe: it memoises tokens and folded characters; use one per task. Import analyses every
/// word of every abstract, so the hot path works on UTF-8 bytes with a token table keyed by a
/// precomputed hash (see `TokenTable`) instead of building a `String` per word.
public final class TextAnalyzer {
    /// `false` for prefix queries: fold and lower-case only, keep stop words, no stemming.
    public let stemming: Bool
    /// Tokens longer than this many bytes are dropped (base64, URLs, DNA strings).
    public static let maximumTokenBytes = 64
    /// Distinct tokens remembered before the table is cleared (memory stays bounded).
    static let tokenTableLimit = 1_000_000

    /// token → term id (-1 for stop words); ids index `termTexts`.
    private var tokenTable = TokenTable()
    private var termIDs: [String: Int32] = [:]
    private var termTexts: [String] = []
    private var foldCache: [UInt32: [UInt8]] = [:]
    private var counts: [UInt32] = []
    private var touched: [Int32] = []

    /// Creates an analyzer; `stemming: false` gives plain folded tokens.
    public init(stemming: Bool = true) { self.stemming = stemming }

    /// The analyzed terms of `text`, in order (stop words removed).
    public func terms(_ text: String) -> [String] {
        var out: [String] = []
        forEachTerm(text) { term, _ in out.append(term) }
        return out
    }

    /// Calls `body` with each analyzed term and the UTF-8 byte range of the original token.
    public func forEachTerm(_ text: String, _ body: (String, Range<Int>) -> Void) {
        forEachTermID(text) { id, range in body(termTexts[Int(id)], range) }
    }

    /// Weighted term frequencies over several fields: `(term, Σ weight × occurrences)` and the weighted
    /// length (Σ weight × terms). Used to index a paper.
    public func weightedCounts(_ fields: [(text: String, weight: UInt32)]) -> (terms: [(String, UInt32)], length: UInt32) {
        var length: UInt32 = 0
        for (text, weight) in fields {
            forEachTermID(text) { id, _ in
                let i = Int(id)
                if i >= counts.count { counts += [UInt32](repeating: 0, count: max(i + 1 - counts.count, 4096)) }
                if counts[i] == 0 { touched.append(id) }
                counts[i] &+= weight
                length &+= weight
            }
        }
        var result: [(String, UInt32)] = []
        result.reserveCapacity(touched.count)
        for id in touched {
            result.append((termTexts[Int(id)], counts[Int(id)]))
            counts[Int(id)] = 0
        }
        touched.removeAll(keepingCapacity: true)
        return (result, length)
    }

    private func forEachTermID(_ text: String, _ body: (Int32, Range<Int>) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var token = TokenBuffer()
            var tokenStart = 0
            var i = 0
            let n = bytes.count
            while i < n {
                let byte = bytes[i]
                if byte < 0x80 {
                    if (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) {
                        if token.count == 0 { tokenStart = i }
                        token.append(byte)
                    } else if byte >= 65 && byte <= 90 {
                        if token.count == 0 { tokenStart = i }
                        token.append(byte + 32)
                    } else if token.count > 0 {
                        emit(&token, tokenStart..<i, body)
                    }
                    i += 1
                    continue
                }
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                var scalar = UInt32(byte) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length where i + k < n { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
                let folded = fold(scalar)
                if folded.isEmpty {
                    if token.count > 0 { emit(&token, tokenStart..<i, body) }
                } else if folded != [0] {
                    if token.count == 0 { tokenStart = i }
                    for b in folded { token.append(b) }
                }
                i += length
            }
            if token.count > 0 { emit(&token, tokenStart..<n, body) }
        }
    }

    private func emit(_ token: inout TokenBuffer, _ range: Range<Int>, _ body: (Int32, Range<Int>) -> Void) {
        defer { token.reset() }
        guard !token.overflowed else { return }
        if let id = tokenTable.find(token.bytes, hash: token.hash) {
            if id >= 0 { body(id, range) }
            return
        }
        let id = termID(for: token.bytes)
        if tokenTable.count >= Self.tokenTableLimit { tokenTable = TokenTable() }
        tokenTable.insert(token.bytes, hash: token.hash, value: id)
        if id >= 0 { body(id, range) }
    }

    /// The term id for a new token (stop word → -1).
    private func termID(for token: [UInt8]) -> Int32 {
        let word = String(decoding: token, as: UTF8.self)
        let term: String
        if !stemming {
            term = word
        } else if StopWords.english.contains(word) {
            return -1
        } else if token.allSatisfy({ $0 < 0x80 }) {
            term = String(decoding: PorterStemmer.stem(token), as: UTF8.self)
        } else {
            term = word
        }
        if let id = termIDs[term] { return id }
        let id = Int32(termTexts.count)
        termIDs[term] = id
        termTexts.append(term)
        return id
    }

    /// UTF-8 of the lower-cased, accent-free form of a letter or digit; `[]` for separators,
    /// `[0]` for combining marks (which belong to the token but add nothing).
    private func fold(_ scalarValue: UInt32) -> [UInt8] {
        if let cached = foldCache[scalarValue] { return cached }
        var result: [UInt8] = []
        if let scalar = Unicode.Scalar(scalarValue) {
            let properties = scalar.properties
            if properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark
                || properties.generalCategory == .enclosingMark {
                result = [0]
            } else if properties.isAlphabetic || properties.numericType != nil {
                let decomposed = String(scalar).decomposedStringWithCanonicalMapping.lowercased()
                for s in decomposed.unicodeScalars {
                    let p = s.properties.generalCategory
                    if p == .nonspacingMark || p == .spacingMark || p == .enclosingMark { continue }
                    result.append(contentsOf: Array(String(s).utf8))
                }
                if result.isEmpty { result = [0] }
            }
        }
        foldCache[scalarValue] = result
        return result
    }
}

/// A token being built: bytes plus a running FNV-1a hash, so table lookups hash nothing twice.
struct TokenBuffer {
    var bytes: [UInt8] = []
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var overflowed = false

    init() { bytes.reserveCapacity(TextAnalyzer.maximumTokenBytes) }

    var count: Int { bytes.count }

    mutating func append(_ byte: UInt8) {
        guard bytes.count < TextAnalyzer.maximumTokenBytes else {
            overflowed = true
            return
        }
        bytes.append(byte)
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        hash = 0xcbf2_9ce4_8422_2325
        overflowed = false
    }

}

/// An open-addressing hash table from token bytes to term ids. The analyzer looks up every word of
/// every abstract; Swift's Dictionary would SipHash and copy each token (perf showed 15% of import).
struct TokenTable {
    private var hashes: [UInt64]
    private var offsets: [Int32]
    private var lengths: [UInt8]
    private var values: [Int32]
    private var arena: [UInt8] = []
    private(set) var count = 0

    init(capacity: Int = 1 << 16) {
        hashes = [UInt64](repeating: 0, count: capacity)
        offsets = [Int32](repeating: -1, count: capacity)
        lengths = [UInt8](repeating: 0, count: capacity)
        values = [Int32](repeating: 0, count: capacity)
    }

    private func matches(_ slot: Int, _ bytes: [UInt8]) -> Bool {
        let offset = Int(offsets[slot])
        guard Int(lengths[slot]) == bytes.count else { return false }
        for k in 0..<bytes.count where arena[offset + k] != bytes[k] { return false }
        return true
    }

    func find(_ bytes: [UInt8], hash: UInt64) -> Int32? {
        let mask = hashes.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while offsets[slot] >= 0 {
            if hashes[slot] == hash, matches(slot, bytes) { return values[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    mutating func insert(_ bytes: [UInt8], hash: UInt64, value: Int32) {
        if (count + 1) * 2 > hashes.count { grow() }
        let mask = hashes.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while offsets[slot] >= 0 {
            if hashes[slot] == hash, matches(slot, bytes) {
                values[slot] = value
                return
            }
            slot = (slot + 1) & mask
        }
        hashes[slot] = hash
        offsets[slot] = Int32(arena.count)
        lengths[slot] = UInt8(bytes.count)
        values[slot] = value
        arena.append(contentsOf: bytes)
        count += 1
    }

    private mutating func grow() {
        var bigger = TokenTable(capacity: hashes.count * 2)
        for slot in 0..<hashes.count where offsets[slot] >= 0 {
            let offset = Int(offsets[slot])
            bigger.insert(Array(arena[offset..<(offset + Int(lengths[slot]))]), hash: hashes[slot], value: values[slot])
        }
        self = bigger
    }
}
