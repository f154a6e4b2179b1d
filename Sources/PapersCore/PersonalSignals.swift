import Foundation

/// A hard rule of a person's ranking: hide (mute) or boost and explain (follow) papers by an author, a
/// category or a word.
public struct PersonalFilter: Hashable, Sendable, Codable {
    /// What the rule does and what it looks at.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Hide every paper with this author (case-insensitive, diacritics folded).
        case muteAuthor = "mute-author"
        /// Hide every paper listed in this category.
        case muteCategory = "mute-category"
        /// Hide every paper whose title or abstract contains this word or phrase (analyzed like search).
        case muteWord = "mute-word"
        /// Papers by this author are liked by default and say so.
        case followAuthor = "follow-author"
        /// Papers in this category are liked by default and say so.
        case followCategory = "follow-category"

        /// Whether the rule hides papers.
        public var isMute: Bool { self == .muteAuthor || self == .muteCategory || self == .muteWord }
    }

    /// Longest value, in characters.
    public static let maximumLength = 200

    /// The rule's kind.
    public var kind: Kind
    /// The author name, category or word, trimmed.
    public var value: String

    /// Validates and normalises a rule; the error names the field.
    public init(kind: Kind, value: String) throws(PersonalFilterError) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty(kind) }
        guard trimmed.count <= Self.maximumLength else { throw .tooLong(kind) }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { throw .control(kind) }
        self.kind = kind
        self.value = trimmed
    }
}

/// Why a filter value was refused; each names the field.
public enum PersonalFilterError: Error, Sendable, CustomStringConvertible, Equatable {
    case empty(PersonalFilter.Kind)
    case tooLong(PersonalFilter.Kind)
    case control(PersonalFilter.Kind)

    public var description: String {
        switch self {
        case .empty(let kind): return "\(kind.rawValue): give a value"
        case .tooLong(let kind): return "\(kind.rawValue): use at most \(PersonalFilter.maximumLength) characters"
        case .control(let kind): return "\(kind.rawValue): control characters are not allowed"
        }
    }
}

/// Where a liked paper's signal came from: what "because you liked X" can say.
public enum LikeSource: Hashable, Sendable, Codable {
    /// The person upvoted it.
    case upvote
    /// The person saved it in one of their collections (id and name).
    case collection(id: CollectionID, name: String)
    /// The person seeded their profile with it (search pick, id list, BibTeX/RIS import).
    case seed
}

/// One paper a person liked.
public struct LikedPaper: Hashable, Sendable {
    /// The paper.
    public var paper: PaperID
    /// Its title, for reasons.
    public var title: String
    /// Where the signal came from.
    public var source: LikeSource
    /// When (Unix seconds).
    public var at: Double

    /// Creates a liked paper.
    public init(paper: PaperID, title: String, source: LikeSource, at: Double) {
        self.paper = paper
        self.title = title
        self.source = source
        self.at = at
    }
}

/// Everything personal ranking knows about one person: what they liked and dismissed, their rules, and
/// whether it is on. Signals from before a reset are not included.
public struct PersonalSignals: Sendable {
    /// Upvotes, collection saves and seeds (a paper may appear once per source).
    public var liked: [LikedPaper]
    /// Papers marked "Not interested".
    public var dismissed: Set<PaperID>
    /// Mutes and follows.
    public var filters: [PersonalFilter]
    /// Whether the person wants personal ranking at all.
    public var enabled: Bool

    /// Creates a signal set.
    public init(liked: [LikedPaper] = [], dismissed: Set<PaperID> = [], filters: [PersonalFilter] = [], enabled: Bool = true) {
        self.liked = liked
        self.dismissed = dismissed
        self.filters = filters
        self.enabled = enabled
    }

    /// Papers already acted on (upvoted, saved, seeded or dismissed): never recommended again.
    public var seen: Set<PaperID> { dismissed.union(liked.map(\.paper)) }

    /// Whether the person has given anything to learn from.
    public var isEmpty: Bool { liked.isEmpty && !filters.contains { !$0.kind.isMute } }
}
