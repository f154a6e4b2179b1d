import PapersCore
import Testing

@Suite("Trending ranks upvotes with time decay")
struct TrendingTests {
    static let day = Day("2025-11-20")!
    /// 2025-11-20 18:00 UTC.
    static let now = Double(day.daysSinceEpoch) * 86_400 + 18 * 3600

    static func ranked(_ id: String, votes: Int, external: Int = 0, submittedHoursAgo: Double? = nil, listed: Day? = nil) -> RankedPaper {
        var paper = Paper(id: PaperID(id)!, title: id, abstract: "")
        paper.listed = listed
        return RankedPaper(paper: paper, votes: votes, externalUpvotes: external, submitter: submittedHoursAgo == nil ? nil : "ada",
                           submittedAt: submittedHoursAgo.map { now - $0 * 3600 }, featuredDay: nil, viewerVoted: false)
    }

    @Test("the formula: upvotes over (hours + 2)^1.5")
    func formula() {
        #expect(Trending.score(upvotes: 8, enteredAt: Self.now - 2 * 3600, now: Self.now) == 1.0)
        #expect(abs(Trending.score(upvotes: 27, enteredAt: Self.now - 7 * 3600, now: Self.now) - 1.0) < 1e-12)
        #expect(Trending.score(upvotes: 0, enteredAt: Self.now, now: Self.now) == 0)
        // A paper's score falls as it ages, and more upvotes always rank higher at the same age.
        #expect(Trending.score(upvotes: 10, enteredAt: Self.now - 3600, now: Self.now) > Trending.score(upvotes: 10, enteredAt: Self.now - 7200, now: Self.now))
        #expect(Trending.score(upvotes: 11, enteredAt: Self.now - 3600, now: Self.now) > Trending.score(upvotes: 10, enteredAt: Self.now - 3600, now: Self.now))
    }

    @Test("with a pinned clock: a fresh paper with few votes passes an old one with many, and the window filters")
    func order() {
        let papers = [
            Self.ranked("2511.00001", votes: 30, submittedHoursAgo: 30),   // 30 / 32^1.5 ≈ 0.166
            Self.ranked("2511.00002", votes: 5, submittedHoursAgo: 2),     // 5 / 4^1.5 = 0.625
            Self.ranked("2511.00003", votes: 2, external: 40, listed: Self.day),  // 42 / 20^1.5 ≈ 0.470 (day start)
            Self.ranked("2511.00004", votes: 0, submittedHoursAgo: 1),     // no upvotes: not trending
            Self.ranked("2511.00005", votes: 100, submittedHoursAgo: 24 * 5), // outside the day window, inside the week
        ]
        let day = Trending.rank(papers, window: .day, now: Self.now).map(\.paper.id.rawValue)
        #expect(day == ["2511.00002", "2511.00003", "2511.00001"])
        let week = Trending.rank(papers, window: .week, now: Self.now).map(\.paper.id.rawValue)
        #expect(week == ["2511.00002", "2511.00003", "2511.00001", "2511.00005"])
        // Two days later the fresh paper with 5 votes has decayed below the ones with many: 42/68^1.5 ≈ 0.075,
        // 100/170^1.5 ≈ 0.045, 30/80^1.5 ≈ 0.042, 5/52^1.5 ≈ 0.013.
        let later = Trending.rank(papers, window: .week, now: Self.now + 48 * 3600).map(\.paper.id.rawValue)
        #expect(later == ["2511.00003", "2511.00005", "2511.00001", "2511.00002"])
    }

    @Test("ISO weeks and months as day ranges")
    func ranges() throws {
        let w47 = try #require(DayRange.isoWeek("2025-W47"))
        #expect(w47.lowerBound.description == "2025-11-17" && w47.upperBound.description == "2025-11-23")
        let w01 = try #require(DayRange.isoWeek("2021-W01"))
        #expect(w01.lowerBound.description == "2021-01-04", "2021's first ISO week starts on Monday 4 January")
        #expect(DayRange.isoWeek("2020-W53") != nil, "2020 has 53 ISO weeks")
        #expect(DayRange.isoWeek("2021-W53") == nil, "2021 has 52")
        #expect(DayRange.isoWeek("2025-47") == nil && DayRange.isoWeek("2025-W00") == nil && DayRange.isoWeek("<b>") == nil)
        #expect(DayRange.isoWeekText(of: Day("2021-01-03")!) == "2020-W53")
        #expect(DayRange.isoWeekText(of: Day("2025-11-20")!) == "2025-W47")
        let feb = try #require(DayRange.month("2024-02"))
        #expect(feb.upperBound.description == "2024-02-29")
        #expect(DayRange.month("2024-13") == nil && DayRange.month("2024-2") == nil)
        #expect(DayRange.monthText(of: Day("2025-12-31")!) == "2025-12")
    }

    @Test("account rules name the field at fault")
    func accountRules() {
        #expect(AccountRules.validateName("ada_l") == nil)
        #expect(AccountRules.validateName("<script>")?.hasPrefix("username:") == true)
        #expect(AccountRules.validateName("a")?.hasPrefix("username:") == true)
        #expect(AccountRules.validateName("_ada")?.hasPrefix("username:") == true)
        #expect(AccountRules.validateEmail("ada@example.org") == nil)
        #expect(AccountRules.validateEmail("ada@example")?.hasPrefix("email:") == true)
        #expect(AccountRules.validateEmail("a <b>@x.org")?.hasPrefix("email:") == true)
        #expect(AccountRules.validatePassword("short")?.hasPrefix("password:") == true)
        #expect(AccountRules.validatePassword(String(repeating: "é", count: 40))?.hasPrefix("password:") == true, "80 bytes: over bcrypt's 72")
        #expect(AccountRules.validatePassword("correct horse battery") == nil)
    }
}
