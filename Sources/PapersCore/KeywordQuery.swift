/// A user's keyword query, parsed into clauses; never contains raw user syntax.
///
/// Syntax understood on purpose: words (any order, ranked by BM25 with OR semantics),
/// `"quoted phrases"` (an unbalanced quote runs to the end), `-word` / `-"phrase"` to exclude,
/// and `word*` for a prefix. Everything else (operators, brackets, lone punctuation) is treated as a
/// separator, so no input can produce a malformed query for any backend.
public struct KeywordQuery: Hashable, Sendable {
    /// One part of a query.
    public enum Clause: Hashable, Sendable {
        /// A single lower-cased token; `prefix` when the user wrote `token*`.
        case term(String, prefix: Bool)
        /// Consecutive lower-cased tokens that must appear in order.
        case phrase([String])
    }

    /// Clauses that rank and match (at least one must match), each once, in the order first written.
    public var included: [Clause]
    /// How often each of `included` occurs in the text (parallel to it, each ≥ 1). BM25 weighs a clause by
    /// its count, as Lucene, Pyserini and bm25s do: a long request repeats what it is about (docs/search.md:
    /// cisi-dev nDCG@10 0.34 → 0.41, scifact-dev unchanged).
    public var occurrences: [Int]
    /// Clauses whose documents are removed from the results.
    public var excluded: [Clause]

    /// The longest query text considered, in characters; longer input is cut (not rejected).
    public static let maximumLength = 1_000
    /// At most this many clauses are kept, so a pasted essay cannot make one query arbitrarily slow.
    public static let maximumClauses = 64

    /// Creates a query from clauses.
    /// Creates a query from clauses; `occurrences` (parallel to `included`) defaults to once each.
    public init(included: [Clause], occurrences: [Int]? = nil, excluded: [Clause] = []) {
        precondition(occurrences == nil || occurrences?.count == included.count, "one occurrence count per included clause")
        self.included = included
        self.occurrences = occurrences?.map { max($0, 1) } ?? [Int](repeating: 1, count: included.count)
        self.excluded = excluded
    }

    /// `true` when nothing is left to search for.
    public var isEmpty: Bool { included.isEmpty }

    /// Parses user text. Stop words are dropped from plain terms unless nothing else would remain.
    public init(parsing text: String) {
        let chars = Array(text.prefix(KeywordQuery.maximumLength))
        var included: [Clause] = []
        var excluded: [Clause] = []
        var i = 0
        func isTokenChar(_ c: Character) -> Bool { c.isLetter || c.isNumber }
        while i < chars.count {
            let c = chars[i]
            let atWordStart = i == 0 || chars[i - 1].isWhitespace
            var negate = false
            var j = i
            if c == "-", atWordStart, j + 1 < chars.count, chars[j + 1] == "\"" || isTokenChar(chars[j + 1]) {
                negate = true
                j += 1
            }
            if chars[j] == "\"" {
                // A phrase: up to the closing quote, or the end of the text when unbalanced.
                var k = j + 1
                while k < chars.count, chars[k] != "\"" { k += 1 }
                let tokens = KeywordQuery.tokens(in: String(chars[(j + 1)..<k]))
                if !tokens.isEmpty {
                    let clause: Clause = tokens.count == 1 ? .term(tokens[0], prefix: false) : .phrase(tokens)
                    if negate { excluded.append(clause) } else { included.append(clause) }
                }
                i = k + 1
                continue
            }
            if isTokenChar(chars[j]) {
                var k = j
                while k < chars.count, isTokenChar(chars[k]) { k += 1 }
                let token = String(chars[j..<k]).lowercased()
                let prefix = k < chars.count && chars[k] == "*"
                if negate { excluded.append(.term(token, prefix: prefix)) } else { included.append(.term(token, prefix: prefix)) }
                i = prefix ? k + 1 : k
                continue
            }
            i = j + 1
        }
        let content = included.filter {
            if case .term(let t, false) = $0 { return !StopWords.english.contains(t) }
            return true
        }
        if !content.isEmpty { included = content }
        let counted = KeywordQuery.counted(included).prefix(KeywordQuery.maximumClauses)
        self.included = counted.map(\.clause)
        self.occurrences = counted.map(\.count)
        self.excluded = KeywordQuery.counted(excluded).prefix(KeywordQuery.maximumClauses).map(\.clause)
    }

    /// Lower-cased runs of letters and digits.
    public static func tokens(in text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in text {
            if c.isLetter || c.isNumber {
                current.append(c)
            } else if !current.isEmpty {
                out.append(current.lowercased())
                current = ""
            }
        }
        if !current.isEmpty { out.append(current.lowercased()) }
        return out
    }

    /// Distinct clauses in first-seen order with how often each occurs.
    private static func counted(_ clauses: [Clause]) -> [(clause: Clause, count: Int)] {
        var position: [Clause: Int] = [:]
        var result: [(clause: Clause, count: Int)] = []
        for clause in clauses {
            if let i = position[clause] {
                result[i].count += 1
            } else {
                position[clause] = result.count
                result.append((clause, 1))
            }
        }
        return result
    }
}

/// Common English function words that carry no topical meaning in a keyword query.
public enum StopWords {
    /// The set used for queries (the classic Lucene/NLTK-style short list).
    public static let english: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does", "for", "from",
        "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "no", "not", "of", "on",
        "or", "our", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
        "this", "those", "to", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your",
    ]
}
