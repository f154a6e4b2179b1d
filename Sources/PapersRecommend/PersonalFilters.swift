import Foundation
import PapersCore

/// A person's mutes and follows compiled for fast checks: mutes are hard filters everywhere personal, follows
/// explain and lift.
public struct CompiledFilters: Sendable {
    private let mutedAuthors: Set<String>
    private let mutedCategories: Set<String>
    private let mutedWords: [[String]]
    private let followedAuthors: [String: String]
    private let followedCategories: Set<String>

    /// Compiles `filters`.
    public init(_ filters: [PersonalFilter]) {
        let analyzer = TextAnalyzer()
        mutedAuthors = Set(filters.filter { $0.kind == .muteAuthor }.map { Self.fold($0.value) })
        mutedCategories = Set(filters.filter { $0.kind == .muteCategory }.map { $0.value.lowercased() })
        mutedWords = filters.filter { $0.kind == .muteWord }.map { analyzer.terms($0.value) }.filter { !$0.isEmpty }
        followedAuthors = Dictionary(filters.filter { $0.kind == .followAuthor }.map { (Self.fold($0.value), $0.value) }, uniquingKeysWith: { a, _ in a })
        followedCategories = Set(filters.filter { $0.kind == .followCategory }.map { $0.value.lowercased() })
    }

    /// Whether nothing is muted.
    public var mutesNothing: Bool { mutedAuthors.isEmpty && mutedCategories.isEmpty && mutedWords.isEmpty }
    /// Whether nothing is followed.
    public var followsNothing: Bool { followedAuthors.isEmpty && followedCategories.isEmpty }

    /// Whether a paper is muted; `terms` are its analyzed title and abstract terms.
    public func isMuted(_ paper: Paper, terms: Set<String>) -> Bool {
        if paper.categories.contains(where: { mutedCategories.contains($0.lowercased()) }) { return true }
        if !mutedAuthors.isEmpty, paper.authors.contains(where: { mutedAuthors.contains(Self.fold($0.name)) }) { return true }
        return mutedWords.contains { words in words.allSatisfy(terms.contains) }
    }

    /// The followed author (as the person wrote it) or category the paper has, if any.
    public func followed(_ paper: Paper) -> PersonalReason? {
        if !followedAuthors.isEmpty {
            for author in paper.authors { if let name = followedAuthors[Self.fold(author.name)] { return .followedAuthor(name) } }
        }
        if let category = paper.categories.first(where: { followedCategories.contains($0.lowercased()) }) { return .followedCategory(category) }
        return nil
    }

    /// Case- and diacritic-insensitive form of a name, spaces collapsed.
    static func fold(_ name: String) -> String {
        name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// Why a paper was recommended.
public enum PersonalReason: Hashable, Sendable {
    /// Closest in meaning to this liked paper.
    case similar(to: PaperID, title: String)
    /// Closest to a paper saved in this collection.
    case collection(id: CollectionID, name: String, paper: PaperID, title: String)
    /// By an author the person follows.
    case followedAuthor(String)
    /// In a category the person follows.
    case followedCategory(String)

    /// One line for pages, feeds and mail ("Because you liked …").
    public var text: String {
        switch self {
        case .similar(_, let title): return "Because you liked “\(title)”"
        case .collection(_, let name, _, let title): return "From your collection “\(name)”: like “\(title)”"
        case .followedAuthor(let name): return "By \(name), whom you follow"
        case .followedCategory(let category): return "In \(category), which you follow"
        }
    }

    /// The liked paper the reason points at, when there is one.
    public var paper: PaperID? {
        switch self {
        case .similar(let id, _), .collection(_, _, let id, _): return id
        default: return nil
        }
    }
}
