import Crypto
import Foundation
import PapersCore

/// A paper as the offline evaluation sees it: text, categories, authors and its announcement day.
public struct EvaluationPaper: Sendable {
    /// The arXiv id (or any stable id).
    public var id: String
    /// Title.
    public var title: String
    /// Abstract.
    public var abstract: String
    /// Author names, in order (used to pick users and targets only; never a feature).
    public var authors: [String]
    /// Categories, primary first.
    public var categories: [String]
    /// The day it was first listed.
    public var day: Day

    /// Creates an evaluation paper.
    public init(id: String, title: String, abstract: String, authors: [String], categories: [String], day: Day) {
        self.id = id
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.day = day
    }
}

/// The offline protocol of `papers eval recommend` (docs/recommend.md): authors stand in for users, their
/// earlier papers for what they upvoted, and their later papers for what they would have wanted to see on
/// each later day's page.
///
/// Users are authors with at least `minimumProfile` papers first listed before `cutoff` and at least one
/// after; papers with more than `maximumAuthors` authors count for nobody. `userCount` of them are drawn in
/// the order of SHA-256("user:SEED:NAME"), so the draw is reproducible in any language. For each day after
/// the cutoff with a paper of theirs, every paper first listed that day is a candidate and theirs are the
/// relevant ones. In the co-author-free split a target sharing any co-author with the profile is dropped
/// (from the targets and from the candidates), so a score measures topical interest rather than a team's
/// next paper.
public struct RecommendationProtocol: Sendable {
    /// One ranking task: a day's candidates, of which `relevant` are the user's.
    public struct Task: Sendable {
        /// The announcement day.
        public var day: Day
        /// Indices of the day's candidate papers.
        public var candidates: [Int]
        /// Indices (a subset of `candidates`) of the user's papers that day.
        public var relevant: Set<Int>
    }

    /// One evaluation user.
    public struct User: Sendable {
        /// The author's name (only to report and to seed tie-breaking).
        public var name: String
        /// Indices of the author's papers before the cutoff, oldest first: the profile.
        public var profile: [Int]
        /// Tasks with every later paper as a target.
        public var allTasks: [Task]
        /// Tasks with targets sharing no co-author with the profile (days left without one dropped).
        public var coauthorFreeTasks: [Task]
    }

    /// Settings of the protocol.
    public struct Settings: Sendable, Hashable {
        /// Profiles are papers listed before this day; targets on or after it.
        public var cutoff: Day
        /// Users drawn.
        public var userCount = 1_000
        /// Seed of the user and background draws.
        public var seed = 42
        /// Papers with more authors than this count for nobody.
        public var maximumAuthors = 15
        /// Fewest papers before the cutoff for a user.
        public var minimumProfile = 5
        /// Background papers (drawn from before the cutoff) a model may use as unlabelled negatives.
        public var backgroundCount = 5_000

        /// The defaults with this cutoff.
        public init(cutoff: Day) { self.cutoff = cutoff }
    }

    /// The papers.
    public let papers: [EvaluationPaper]
    /// The settings.
    public let settings: Settings
    /// The drawn users, in draw order.
    public let users: [User]
    /// How many authors qualified before the draw.
    public let eligibleUsers: Int
    /// Indices of the background papers.
    public let background: [Int]

    /// Builds the users, tasks and background sample from `papers`.
    public init(papers: [EvaluationPaper], settings: Settings) {
        self.papers = papers
        self.settings = settings
        var before: [String: [Int]] = [:]
        var after: [String: [Int]] = [:]
        for (i, paper) in papers.enumerated() where paper.authors.count <= settings.maximumAuthors {
            for name in Set(paper.authors) {
                if paper.day < settings.cutoff { before[name, default: []].append(i) } else { after[name, default: []].append(i) }
            }
        }
        let eligible = before.keys.filter { before[$0]!.count >= settings.minimumProfile && after[$0] != nil }
        eligibleUsers = eligible.count
        let drawn = eligible.map { ($0, Self.drawKey("user:\(settings.seed):\($0)")) }
            .sorted { $0.1 < $1.1 }.prefix(settings.userCount).map(\.0)
        var byDay: [Day: [Int]] = [:]
        for (i, paper) in papers.enumerated() where paper.day >= settings.cutoff { byDay[paper.day, default: []].append(i) }
        users = drawn.map { name in
            let profile = before[name]!.sorted { (papers[$0].day, papers[$0].id) < (papers[$1].day, papers[$1].id) }
            var coauthors = Set(profile.flatMap { papers[$0].authors })
            coauthors.remove(name)
            let targets = after[name]!
            let kept = targets.filter { !papers[$0].authors.contains { $0 != name && coauthors.contains($0) } }
            let dropped = Set(targets).subtracting(kept)
            func tasks(_ targets: [Int], dropping excluded: Set<Int>) -> [Task] {
                Dictionary(grouping: targets, by: { papers[$0].day }).keys.sorted().map { day in
                    let candidates = byDay[day]!.filter { !excluded.contains($0) }
                    return Task(day: day, candidates: candidates, relevant: Set(targets.filter { papers[$0].day == day }))
                }
            }
            return User(name: name, profile: profile, allTasks: tasks(targets, dropping: []),
                        coauthorFreeTasks: tasks(kept, dropping: dropped))
        }
        background = papers.indices.filter { papers[$0].day < settings.cutoff }
            .map { ($0, Self.drawKey("background:\(settings.seed):\(papers[$0].id)")) }
            .sorted { $0.1 < $1.1 }.prefix(settings.backgroundCount).map(\.0)
    }

    /// Every paper some model needs a vector for: the candidates, the profiles and the background.
    public var neededPapers: Set<Int> {
        var needed = Set(background)
        for user in users {
            needed.formUnion(user.profile)
            for task in user.allTasks { needed.formUnion(task.candidates) }
        }
        return needed
    }

    /// The hex SHA-256 of `text`: draw order (lexicographic, as Python's `sorted(key=sha256(...).hexdigest())`).
    static func drawKey(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
