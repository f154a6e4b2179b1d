import Foundation

/// Turns text into index terms: Unicode letters and digits, lower-cased, diacritics folded
/// (`Müller` → `muller`), English stop words dropped, Porter-stemmed. Queries and documents go
/// through the same analyzer, so what one writes the other finds.
///
/// Not thread-safe: it memoises stems and folded characters; use one per task.
public final class TextAnalyzer {
    private var stemCache: [String: String] = [:]
    private var foldCache: [UInt32: [UInt8]] = [:]
    private var token: [UInt8] = []
    private var tokenIsASCII = true

    /// The largest number of cached stems before the cache is cleared (memory stays bounded).
    static let stemCacheLimit = 500_000
    /// Tokens longer than this many bytes are dropped (base64, URLs, DNA strings).
    public static let maximumTokenBytes = 64

    /// `false` for prefix queries: fold and lower-case only, keep stop words, no stemming.
    public let stemming: Bool

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
        var text = text
        text.withUTF8 { bytes in
            var i = 0
            var tokenStart = 0
            token.removeAll(keepingCapacity: true)
            tokenIsASCII = true
            let n = bytes.count
            while i < n {
                let byte = bytes[i]
                if byte < 0x80 {
                    if (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) {
                        if token.isEmpty { tokenStart = i }
                        token.append(byte)
                    } else if byte >= 65 && byte <= 90 {
                        if token.isEmpty { tokenStart = i }
                        token.append(byte + 32)
                    } else if !token.isEmpty {
                        emit(tokenStart..<i, body)
                    }
                    i += 1
                    continue
                }
                // Decode one multi-byte scalar.
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                var scalar = UInt32(byte) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length where i + k < n { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
                let folded = fold(scalar)
                if folded.isEmpty {
                    if !token.isEmpty { emit(tokenStart..<i, body) }
                } else if folded == [0] {
                    // A combining mark: part of the token, contributes nothing.
                } else {
                    if token.isEmpty { tokenStart = i }
                    token.append(contentsOf: folded)
                    if folded.contains(where: { $0 >= 0x80 }) { tokenIsASCII = false }
                }
                i += length
            }
            if !token.isEmpty { emit(tokenStart..<n, body) }
        }
    }

    private func emit(_ range: Range<Int>, _ body: (String, Range<Int>) -> Void) {
        defer {
            token.removeAll(keepingCapacity: true)
            tokenIsASCII = true
        }
        guard token.count <= TextAnalyzer.maximumTokenBytes else { return }
        // Short words are stored inline in String (no allocation), and String hashes its UTF-8 in bulk.
        let word = String(decoding: token, as: UTF8.self)
        if let cached = stemCache[word] {
            if !cached.isEmpty { body(cached, range) }
            return
        }
        let term: String
        if !stemming {
            term = word
        } else if StopWords.english.contains(word) {
            term = ""
        } else if tokenIsASCII {
            term = String(decoding: PorterStemmer.stem(token), as: UTF8.self)
        } else {
            term = word
        }
        if stemCache.count >= TextAnalyzer.stemCacheLimit { stemCache.removeAll(keepingCapacity: true) }
        stemCache[word] = term
        if !term.isEmpty { body(term, range) }
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
                // Letters like ß or ø that have no decomposition keep their lower-case form.
                if result.isEmpty { result = [0] }
            }
        }
        foldCache[scalarValue] = result
        return result
    }
}
