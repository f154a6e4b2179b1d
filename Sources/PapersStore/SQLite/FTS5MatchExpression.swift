import Foundation
import PapersCore

/// Builds SQLite FTS5 MATCH expressions from parsed queries.
///
/// Every token is emitted as an FTS5 string literal (`"…"`, inner quotes doubled), so no user text is
/// ever interpreted as FTS5 syntax: `NEAR`, `AND`, `*`, `(`, `:` and `^` are plain words or separators.
public enum FTS5MatchExpression {
    /// The MATCH expression for `query`, or `nil` when the query has nothing to search for.
    public static func build(_ query: KeywordQuery) -> String? {
        let positive = query.included.compactMap(clause)
        guard !positive.isEmpty else { return nil }
        let negative = query.excluded.compactMap(clause)
        var expression = positive.count == 1 ? positive[0] : "(" + positive.joined(separator: " OR ") + ")"
        if !negative.isEmpty {
            expression += " NOT (" + negative.joined(separator: " OR ") + ")"
        }
        return expression
    }

    static func clause(_ clause: KeywordQuery.Clause) -> String? {
        switch clause {
        case .term(let token, let prefix):
            guard !token.isEmpty else { return nil }
            return quoted(token) + (prefix ? "*" : "")
        case .phrase(let tokens):
            let words = tokens.filter { !$0.isEmpty }
            guard !words.isEmpty else { return nil }
            return quoted(words.joined(separator: " "))
        }
    }

    /// An FTS5 string: double quotes around, inner double quotes doubled.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
