/// An email address accepted for sending: ASCII `local@domain`, checked the way SMTP will read it, so that what is
/// stored can go into `RCPT TO:<…>` and a `To:` header unchanged (no spaces, quotes, angle brackets or line breaks).
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The address; the domain is lower-cased (domains are case-insensitive, local parts are not).
    public let value: String

    /// Characters RFC 5322 allows in an unquoted local part (`atext`) besides letters and digits.
    static let localSymbols = Set("!#$%&'*+-/=?^_`{|}~")

    /// Parses `raw` (surrounding whitespace ignored); throws ``SubscriptionError/invalid(field:reason:)`` naming `field`.
    public init(validating raw: String, field: String = "email") throws(SubscriptionError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        func fail(_ reason: String) -> SubscriptionError { .invalid(field: field, reason: reason) }
        guard !text.isEmpty else { throw fail("enter an email address") }
        guard text.utf8.count <= 254 else { throw fail("an address has at most 254 characters") }
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw fail("use an address without spaces, line breaks or non-ASCII letters, like name@example.org")
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail("expected one @, as in name@example.org") }
        let local = parts[0], domain = parts[1].lowercased()
        guard (1...64).contains(local.utf8.count),
              local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ atom in
                  !atom.isEmpty && atom.allSatisfy { $0.isLetter || $0.isNumber || Self.localSymbols.contains($0) }
              }) else {
            throw fail("the part before @ is not a valid mailbox name")
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }), labels.last!.contains(where: { $0.isLetter }) else {
            throw fail("\"\(domain)\" is not a domain name like example.org")
        }
        value = "\(local)@\(domain)"
    }

    public var description: String { value }
}

/// How often a subscriber gets a digest.
public enum DigestFrequency: String, CaseIterable, Sendable, Codable {
    case daily
    case weekly
}

/// One thing a subscriber follows, beside trending papers.
public enum SubscriptionTopic: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A saved search, run with hybrid search over the new papers.
    case search(String)
    /// An arXiv category such as `cs.LG`.
    case category(String)
    /// An author's name; their new papers are pinned first.
    case author(String)

    /// Longest accepted topic text, in characters.
    public static let maximumLength = 200

    /// Parses one line of the subscribe form: `cat:cs.LG`, `author:Yann LeCun`, anything else a search.
    public init(parsing line: String, field: String = "topics") throws(SubscriptionError) {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        for (prefix, make) in [("cat:", Self.category), ("category:", Self.category), ("author:", Self.author), ("search:", Self.search)]
        where lower.hasPrefix(prefix) {
            self = try Self.validated(make(String(text.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)), field: field)
            return
        }
        self = try Self.validated(.search(text), field: field)
    }

    /// Checks a topic built directly (the JSON API); throws naming `field`.
    public static func validated(_ topic: SubscriptionTopic, field: String) throws(SubscriptionError) -> SubscriptionTopic {
        let value = topic.value
        guard !value.isEmpty else { throw .invalid(field: field, reason: "a topic is empty") }
        guard value.count <= maximumLength else { throw .invalid(field: field, reason: "a topic has at most \(maximumLength) characters") }
        guard !value.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
            throw .invalid(field: field, reason: "a topic is one line of text")
        }
        if case .category(let category) = topic {
            guard category.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                throw .invalid(field: field, reason: "\"\(category)\" is not an arXiv category like cs.LG")
            }
        }
        return topic
    }

    /// `search`, `category` or `author`.
    public var kind: String {
        switch self {
        case .search: return "search"
        case .category: return "category"
        case .author: return "author"
        }
    }

    /// The query, category or name.
    public var value: String {
        switch self {
        case .search(let v), .category(let v), .author(let v): return v
        }
    }

    /// Builds a topic from its ``kind`` and ``value``; nil for an unknown kind.
    public init?(kind: String, value: String) {
        switch kind {
        case "search": self = .search(value)
        case "category", "cat": self = .category(value)
        case "author": self = .author(value)
        default: return nil
        }
    }

    /// The form's line syntax (`cat:cs.LG`), which ``init(parsing:field:)`` reads back.
    public var description: String {
        switch self {
        case .search(let v): return v
        case .category(let v): return "cat:\(v)"
        case .author(let v): return "author:\(v)"
        }
    }
}

/// What a subscriber asked for.
public struct DigestPreferences: Hashable, Sendable {
    /// Daily or weekly.
    public var frequency: DigestFrequency
    /// Include the top trending papers.
    public var trending: Bool
    /// Include the day's papers ranked for the subscriber's account (personal ranking; needs an account).
    public var forYou: Bool
    /// Saved searches, categories and authors.
    public var topics: [SubscriptionTopic]
    /// When not empty, a paper must mention at least one of these words or phrases (title or abstract).
    public var include: [String]
    /// A paper mentioning any of these words or phrases is left out.
    public var exclude: [String]
    /// Most papers in one email.
    public var maxPapers: Int

    /// Papers per email unless the subscriber says otherwise.
    public static let defaultMaxPapers = 20
    /// The range a subscriber may choose from.
    public static let maxPapersRange = 1...100
    /// At most this many topics, and this many include or exclude keywords.
    public static let maximumTopics = 20

    /// Creates preferences and checks them; every error names the field.
    public init(frequency: DigestFrequency = .daily, trending: Bool = true, topics: [SubscriptionTopic] = [],
                include: [String] = [], exclude: [String] = [], maxPapers: Int = DigestPreferences.defaultMaxPapers,
                forYou: Bool = false) throws(SubscriptionError) {
        guard Self.maxPapersRange.contains(maxPapers) else {
            throw .invalid(field: "maxPapers", reason: "choose between \(Self.maxPapersRange.lowerBound) and \(Self.maxPapersRange.upperBound) papers")
        }
        guard trending || forYou || !topics.isEmpty else {
            throw .invalid(field: "topics", reason: "choose trending papers, papers for you, at least one topic, or several")
        }
        guard topics.count <= Self.maximumTopics else { throw .invalid(field: "topics", reason: "at most \(Self.maximumTopics) topics") }
        var checked: [SubscriptionTopic] = []
        for topic in topics where !checked.contains(topic) { checked.append(try SubscriptionTopic.validated(topic, field: "topics")) }
        self.frequency = frequency
        self.trending = trending
        self.forYou = forYou
        self.topics = checked
        self.include = try Self.keywords(include, field: "include")
        self.exclude = try Self.keywords(exclude, field: "exclude")
        self.maxPapers = maxPapers
    }

    /// Trimmed, de-duplicated keywords, each one line.
    static func keywords(_ words: [String], field: String) throws(SubscriptionError) -> [String] {
        var result: [String] = []
        for word in words {
            let trimmed = word.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || result.contains(where: { $0.caseInsensitiveCompare(trimmed) == .orderedSame }) { continue }
            guard trimmed.count <= 100, !trimmed.contains(where: \.isNewline) else {
                throw .invalid(field: field, reason: "a keyword is one line of at most 100 characters")
            }
            result.append(trimmed)
        }
        guard result.count <= maximumTopics else { throw .invalid(field: field, reason: "at most \(maximumTopics) keywords") }
        return result
    }

    /// What the digest carries, for people: "trending papers; diffusion; cat:cs.LG".
    public var summary: String {
        ((forYou ? ["papers ranked for you"] : []) + (trending ? ["trending papers"] : []) + topics.map(\.description)).joined(separator: "; ")
    }

    /// Splits a comma- or line-separated form field into keywords.
    public static func splitKeywords(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0.isNewline }).map { String($0) }
    }
}

/// Where a subscription stands.
public enum SubscriptionStatus: String, Sendable, Codable {
    /// Waiting for the address owner to confirm; nothing but the confirmation is sent.
    case pending
    /// Confirmed: digests are sent.
    case active
    /// Stopped after repeated permanent delivery failures (bounces).
    case paused
    /// The subscriber left.
    case unsubscribed
}

/// A stored subscription.
public struct Subscription: Hashable, Sendable {
    /// Row id.
    public var id: SubscriptionID
    /// Where digests go.
    public var email: EmailAddress
    /// What goes into them.
    public var preferences: DigestPreferences
    /// Pending, active, paused or unsubscribed.
    public var status: SubscriptionStatus
    /// The account that made it, when logged in.
    public var accountID: AccountID?
    /// When it was made (Unix seconds).
    public var createdAt: Double
    /// When the address was confirmed (Unix seconds).
    public var confirmedAt: Double?
    /// Permanent delivery failures since the last success.
    public var bounces: Int

    /// Creates a subscription value.
    public init(id: SubscriptionID, email: EmailAddress, preferences: DigestPreferences, status: SubscriptionStatus, accountID: AccountID?,
                createdAt: Double, confirmedAt: Double?, bounces: Int) {
        self.id = id
        self.email = email
        self.preferences = preferences
        self.status = status
        self.accountID = accountID
        self.createdAt = createdAt
        self.confirmedAt = confirmedAt
        self.bounces = bounces
    }
}

/// The period one digest covers: a day (`2026-11-24`) or an ISO week (`2026-W48`). A subscriber gets at most one
/// digest per period; the key is what the outbox's unique index holds.
public struct DigestPeriod: Hashable, Sendable, CustomStringConvertible {
    /// Daily or weekly.
    public let frequency: DigestFrequency
    /// The first day of the period.
    public let start: Day
    /// The last day of the period.
    public let end: Day

    /// The period of `frequency` that contains `day`.
    public init(_ frequency: DigestFrequency, containing day: Day) {
        self.frequency = frequency
        switch frequency {
        case .daily:
            start = day
            end = day
        case .weekly:
            start = day.adding(days: 1 - day.weekday)
            end = start.adding(days: 6)
        }
    }

    /// `2026-11-24` or `2026-W48`.
    public var key: String {
        switch frequency {
        case .daily: return start.description
        case .weekly: return DayRange.isoWeekText(of: start)
        }
    }

    public var description: String { key }

    /// How far back a first digest looks, in days (later ones start where the previous one was made).
    public var lookbackDays: Int { frequency == .daily ? 1 : 7 }
}

/// Subscription input that cannot be accepted, naming the field.
public enum SubscriptionError: Error, Equatable, CustomStringConvertible {
    /// A field's value is not acceptable.
    case invalid(field: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "\(field): \(reason)"
        }
    }
}
