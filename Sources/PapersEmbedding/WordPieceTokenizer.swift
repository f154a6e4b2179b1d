import Foundation

/// BERT's uncased WordPiece tokenizer, matching Hugging Face `tokenizers` (BertNormalizer +
/// BertPreTokenizer + WordPiece + the [CLS]/[SEP] template) token for token.
///
/// The steps, in the reference's order: drop NUL, U+FFFD and control/format/unassigned characters and turn
/// whitespace into spaces; put spaces around CJK ideographs; when lower-casing, decompose (NFD) and drop
/// non-spacing marks, then lower-case; split on whitespace and isolate punctuation; split each word greedily
/// into the longest vocabulary pieces (`##` marks a continuation), a word longer than 100 characters or with
/// no split becoming `[UNK]`. Work stops as soon as `maxLength - 2` pieces exist, so a megabyte of text costs
/// only the words that survive truncation.
public struct WordPieceTokenizer: Sendable {
    /// Token id of `[CLS]`.
    public let clsID: Int32
    /// Token id of `[SEP]`.
    public let sepID: Int32
    /// Token id of `[UNK]`.
    public let unknownID: Int32
    /// Most tokens a sequence may have, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// Whether text is lower-cased and stripped of accents (true for uncased models).
    public let lowercase: Bool
    /// Words with more characters than this become `[UNK]`.
    public let maxCharactersPerWord = 100

    private let vocabulary: [String: Int32]

    /// Loads `vocab.txt` (one token per line; the line number is the id).
    /// - Throws: `ModelFileError` when the file is unreadable or lacks a special token.
    public init(vocabularyFile path: String, maxLength: Int, lowercase: Bool = true) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError(path: path, reason: "cannot read the vocabulary")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ModelFileError(path: path, reason: "vocabulary is not UTF-8")
        }
        var vocabulary: [String: Int32] = [:]
        var id: Int32 = 0
        text.enumerateLines { line, _ in
            // The first occurrence wins, as in the reference's vocab loading.
            if vocabulary[line] == nil { vocabulary[line] = id }
            id += 1
        }
        try self.init(vocabulary: vocabulary, maxLength: maxLength, lowercase: lowercase, source: path)
    }

    /// Builds a tokenizer over an in-memory vocabulary (token → id).
    public init(vocabulary: [String: Int32], maxLength: Int, lowercase: Bool = true, source: String = "vocabulary") throws {
        func special(_ token: String) throws -> Int32 {
            guard let id = vocabulary[token] else {
                throw ModelFileError(path: source, reason: "vocabulary lacks the special token \(token)")
            }
            return id
        }
        guard maxLength >= 2 else {
            throw ModelFileError(path: source, reason: "max_seq_length \(maxLength) leaves no room for [CLS] and [SEP]")
        }
        self.vocabulary = vocabulary
        self.clsID = try special("[CLS]")
        self.sepID = try special("[SEP]")
        self.unknownID = try special("[UNK]")
        self.maxLength = maxLength
        self.lowercase = lowercase
    }

    /// Number of entries in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }

    /// Token ids of `text`: `[CLS]`, at most `maxLength - 2` word pieces, `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        let budget = maxLength - 2
        var ids: [Int32] = [clsID]
        ids.reserveCapacity(min(maxLength, text.utf8.count / 3 + 8))
        var word: [Unicode.Scalar] = []
        word.reserveCapacity(32)

        func flush() {
            guard !word.isEmpty else { return }
            appendPieces(of: word, to: &ids, budget: budget)
            word.removeAll(keepingCapacity: true)
        }

        for scalar in text.unicodeScalars {
            if ids.count > budget { break }
            let value = scalar.value
            if value < 0x80 {
                // ASCII fast path: the same rules, without Unicode property lookups.
                switch value {
                case 0x09, 0x0A, 0x0D, 0x20: flush()
                case 0x00..<0x20, 0x7F: continue
                case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E:
                    flush()
                    word.append(scalar)
                    flush()
                default: word.append(scalar)
                }
                continue
            }
            if value == 0xFFFD || Self.isControl(scalar) { continue }
            if scalar.properties.isWhitespace {
                flush()
            } else if Self.isCJK(value) || Self.isPunctuation(scalar) {
                flush()
                word.append(scalar)
                flush()
            } else {
                word.append(scalar)
            }
        }
        if ids.count <= budget { flush() }
        if ids.count > budget + 1 { ids.removeSubrange((budget + 1)...) }
        ids.append(sepID)
        return ids
    }

    /// Normalises one pre-token and appends its word pieces.
    private func appendPieces(of raw: [Unicode.Scalar], to ids: inout [Int32], budget: Int) {
        let characters = normalize(raw)
        if characters.isEmpty { return }
        if characters.count > maxCharactersPerWord {
            ids.append(unknownID)
            return
        }
        var pieces: [Int32] = []
        var start = 0
        while start < characters.count {
            var end = characters.count
            var found: Int32?
            while end > start {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: characters[start..<end])
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }

    /// Accent stripping (NFD, drop non-spacing marks) then lower-casing, as the reference orders them.
    private func normalize(_ word: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard lowercase else { return word }
        if word.allSatisfy({ $0.isASCII }) {
            return word.map { scalar in
                (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 32)! : scalar
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: word)
        var result: [Unicode.Scalar] = []
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return result
    }

    /// Control, format, surrogate, private-use and unassigned characters, except tab, newline and return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// ASCII punctuation and symbols (`$`, `+`, `^`… count, as in BERT) and every Unicode punctuation category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (0x21...0x2F).contains(value) || (0x3A...0x40).contains(value)
            || (0x5B...0x60).contains(value) || (0x7B...0x7E).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT splits into single characters.
    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B920...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
