/// The record formats `papers import` understands: JSON lines, and Hugging Face's daily-papers array.
public enum RecordFormat: String, CaseIterable, Sendable {
    /// Detect per line from the fields present.
    case auto
    /// Papers' own schema (docs/import-formats.md); also plain `{title, abstract}` records.
    case papers
    /// The arXiv metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`).
    case arxivSnapshot = "arxiv-snapshot"
    /// BEIR corpus lines `{_id, title, text}`.
    case beir
    /// Hugging Face daily papers: the JSON array `/api/daily_papers?date=…` returns (``HFDailyReader``).
    case hfDaily = "hf-daily"
}

/// Why one input line could not be imported.
public struct RecordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the field.
    public var reason: String

    /// Creates an error with a reason.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
