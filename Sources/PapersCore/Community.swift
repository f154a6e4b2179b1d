import Foundation

/// A registered person. The password hash never leaves the store except for verification.
public struct Account: Hashable, Sendable {
    /// Row id, stable for the account's life.
    public var id: AccountID
    /// The public handle shown on pages and in `/u/{name}`.
    public var name: String
    /// Where mail goes; never shown to others.
    public var email: String
    /// When it signed up (Unix seconds).
    public var createdAt: Double
    /// Whether it may moderate (the first account on a new instance, or `papers admin grant NAME`).
    public var isAdmin: Bool
    /// Whether an admin suspended it: it cannot log in, comment, vote or report.
    public var isSuspended: Bool

    /// Creates an account value.
    public init(id: AccountID, name: String, email: String, createdAt: Double, isAdmin: Bool = false, isSuspended: Bool = false) {
        self.id = id
        self.name = name
        self.email = email
        self.createdAt = createdAt
        self.isAdmin = isAdmin
        self.isSuspended = isSuspended
    }
}

/// The rules for what people type into the sign-up form; each failure names the field.
public enum AccountRules {
    /// Shortest accepted password, in characters.
    public static let minimumPasswordLength = 10
    /// Longest accepted password, in UTF-8 bytes (bcrypt reads at most 72).
    public static let maximumPasswordBytes = 72

    /// Checks a user name: 2–30 ASCII letters, digits, `-` or `_`, starting with a letter or digit.
    public static func validateName(_ name: String) -> String? {
        guard (2...30).contains(name.count) else { return "username: use 2 to 30 characters" }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return "username: use only letters, digits, - and _"
        }
        guard let first = name.first, first.isLetter || first.isNumber else { return "username: start with a letter or a digit" }
        return nil
    }

    /// Checks an email address: one `@`, something on both sides, a dot in the domain, no spaces or angle brackets.
    public static func validateEmail(_ email: String) -> String? {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "," }) else {
            return "email: expected an address like name@example.org"
        }
        return nil
    }

    /// Checks a new password's length.
    public static func validatePassword(_ password: String) -> String? {
        if password.count < minimumPasswordLength { return "password: use at least \(minimumPasswordLength) characters" }
        if password.utf8.count > maximumPasswordBytes { return "password: use at most \(maximumPasswordBytes) bytes" }
        return nil
    }
}

/// A named list of papers kept by one account.
public struct PaperCollection: Hashable, Sendable {
    /// Row id; collections are addressed as `/collections/{id}`.
    public var id: CollectionID
    /// The owner.
    public var ownerID: AccountID
    /// The owner's user name.
    public var ownerName: String
    /// What the owner called it.
    public var name: String
    /// Whether people other than the owner may see it.
    public var isPublic: Bool
    /// How many papers it holds.
    public var paperCount: Int
    /// When it was made (Unix seconds).
    public var createdAt: Double

    /// Creates a collection value.
    public init(id: CollectionID, ownerID: AccountID, ownerName: String, name: String, isPublic: Bool, paperCount: Int, createdAt: Double) {
        self.id = id
        self.ownerID = ownerID
        self.ownerName = ownerName
        self.name = name
        self.isPublic = isPublic
        self.paperCount = paperCount
        self.createdAt = createdAt
    }

    /// Longest collection name, in characters.
    public static let maximumNameLength = 80

    /// Whether `viewer` (nil: nobody logged in) may see this collection.
    public func isVisible(to viewer: AccountID?) -> Bool { isPublic || viewer == ownerID }
}

/// A paper with its community standing: upvotes, who submitted it and when it joined a daily page.
public struct RankedPaper: Sendable {
    /// The paper.
    public var paper: Paper
    /// Upvotes by accounts on this instance.
    public var votes: Int
    /// Upvotes carried over from Hugging Face daily papers (kept apart from local ones).
    public var externalUpvotes: Int
    /// Who submitted it to a daily page, when someone did.
    public var submitter: String?
    /// When it was submitted (Unix seconds).
    public var submittedAt: Double?
    /// The daily page it was featured on (submission or Hugging Face), when it was.
    public var featuredDay: Day?
    /// Whether the viewer has upvoted it.
    public var viewerVoted: Bool
    /// The daily page it is stored on: its announced day, or for a record without one the day it was imported.
    public var pageDay: Day?
    /// Visible comments on it (neither deleted nor hidden).
    public var comments: Int = 0

    /// Creates a ranked paper; `pageDay` defaults to the paper's announced day.
    public init(paper: Paper, votes: Int, externalUpvotes: Int, submitter: String?, submittedAt: Double?, featuredDay: Day?, viewerVoted: Bool,
                pageDay: Day? = nil, comments: Int = 0) {
        self.pageDay = pageDay ?? paper.announcedDay
        self.comments = comments
        self.paper = paper
        self.votes = votes
        self.externalUpvotes = externalUpvotes
        self.submitter = submitter
        self.submittedAt = submittedAt
        self.featuredDay = featuredDay
        self.viewerVoted = viewerVoted
    }

    /// Local and external upvotes together: what pages rank by.
    public var totalUpvotes: Int { votes + externalUpvotes }

    /// When the paper reached this instance's daily pages (Unix seconds): its submission, else the start (UTC) of the
    /// day it was featured, else of the daily page it is listed on (the same day the pages show it under).
    public var enteredAt: Double? {
        if let submittedAt { return submittedAt }
        if let day = featuredDay ?? pageDay { return day.startUnixTime }
        return nil
    }
}

/// The span of days a trending list or a daily-papers tab covers.
public enum TrendingWindow: String, CaseIterable, Sendable {
    case day, week, month

    /// How far back papers may have entered to be ranked, in seconds.
    public var seconds: Double {
        switch self {
        case .day: return 86_400 * 1.5
        case .week: return 86_400 * 7
        case .month: return 86_400 * 30
        }
    }
}

/// Trending: upvotes with time decay, the Hacker News form. A paper scores
/// `U / (H + 2)^1.5`, where U is its upvotes (local plus Hugging Face) and H the hours since it entered the
/// daily pages (submitted, featured or announced). Two extra hours keep brand-new papers from dominating with one
/// vote; gravity 1.5 halves a paper's standing over roughly its first day.
public enum Trending {
    /// The decay exponent.
    public static let gravity = 1.5
    /// Hours added to every age.
    public static let offsetHours = 2.0
    /// The formula as shown to people (docs/community.md and the trending page's footer).
    public static let formulaText = "score = upvotes / (hours since the paper entered + 2)^1.5"

    /// The score of a paper with `upvotes` that entered at `enteredAt`, at time `now` (Unix seconds).
    public static func score(upvotes: Int, enteredAt: Double, now: Double) -> Double {
        let hours = max(0, now - enteredAt) / 3600
        return Double(upvotes) / pow(hours + offsetHours, gravity)
    }

    /// Ranks papers that entered within `window` of `now` and have at least one upvote: best score first, then more
    /// upvotes, then newer.
    public static func rank(_ papers: [RankedPaper], window: TrendingWindow, now: Double) -> [RankedPaper] {
        let earliest = now - window.seconds
        let scored: [(paper: RankedPaper, score: Double, entered: Double)] = papers.compactMap { paper in
            guard paper.totalUpvotes > 0, let entered = paper.enteredAt, entered >= earliest, entered <= now + 86_400 else { return nil }
            return (paper, score(upvotes: paper.totalUpvotes, enteredAt: entered, now: now), entered)
        }
        return scored.sorted {
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.paper.totalUpvotes != $1.paper.totalUpvotes { return $0.paper.totalUpvotes > $1.paper.totalUpvotes }
            if $0.entered != $1.entered { return $0.entered > $1.entered }
            return $0.paper.paper.id < $1.paper.paper.id
        }.map(\.paper)
    }
}

/// ISO weeks (`2025-W47`) and months (`2025-11`) as ranges of days, for the weekly and monthly daily-papers tabs.
public enum DayRange {
    /// The Monday-to-Sunday ISO week `text` (`YYYY-Www`), or nil when it is not one.
    public static func isoWeek(_ text: String) -> ClosedRange<Day>? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), parts[1].count == 3, parts[1].first == "W",
              let week = Int(parts[1].dropFirst()), (1...53).contains(week),
              let jan4 = Day(year: year, month: 1, day: 4) else { return nil }
        // ISO week 1 is the week with January 4th; Day.weekday is 1 for Monday … 7 for Sunday.
        let monday = jan4.adding(days: -(jan4.weekday - 1) + (week - 1) * 7)
        guard week < 53 || isoWeek(of: monday).week == 53 else { return nil }
        return monday...monday.adding(days: 6)
    }

    /// The ISO year and week of `day`.
    public static func isoWeek(of day: Day) -> (year: Int, week: Int) {
        // The Thursday of the day's week decides its ISO year.
        let thursday = day.adding(days: 4 - day.weekday)
        let year = thursday.components.year
        let jan1 = Day(year: year, month: 1, day: 1)!
        return (year, (thursday.daysSinceEpoch - jan1.daysSinceEpoch) / 7 + 1)
    }

    /// `YYYY-Www` for the ISO week of `day`.
    public static func isoWeekText(of day: Day) -> String {
        let (year, week) = isoWeek(of: day)
        return "\(year)-W\(week < 10 ? "0" : "")\(week)"
    }

    /// The calendar month `text` (`YYYY-MM`), or nil when it is not one.
    public static func month(_ text: String) -> ClosedRange<Day>? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
              let first = Day(year: year, month: month, day: 1) else { return nil }
        let nextFirst = month == 12 ? Day(year: year + 1, month: 1, day: 1)! : Day(year: year, month: month + 1, day: 1)!
        return first...nextFirst.adding(days: -1)
    }

    /// `YYYY-MM` for the month of `day`.
    public static func monthText(of day: Day) -> String { String(day.description.prefix(7)) }
}
