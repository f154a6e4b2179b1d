import PapersCore
import Testing

@Suite("Dates behave on any day: year ends, leap days, weekends, a pinned clock")
struct CalendarTests {
    @Test("a pinned WallClock reads the same instant and day every time, whatever the machine's date")
    func pinnedClock() {
        let clock = WallClock.fixed(Day("2028-01-01")!, hour: 10)
        #expect(clock.now == 1_830_333_600)
        #expect(clock.today == Day("2028-01-01"))
        #expect(clock.nowFunction() == clock.now)
        #expect(WallClock.fixed(Day("2028-02-29")!, hour: 23.999).today == Day("2028-02-29"), "the last second of a leap day")
    }

    @Test("weekly digest periods across New Year take the ISO week of their Monday")
    func digestPeriodsAtYearEnd() {
        // Saturday 1 January 2028 belongs to the week of Monday 27 December 2027, ISO week 2027-W52.
        let saturday = DigestPeriod(.weekly, containing: Day("2028-01-01")!)
        #expect(saturday.start == Day("2027-12-27") && saturday.end == Day("2028-01-02"))
        #expect(saturday.key == "2027-W52")
        #expect(DigestPeriod(.weekly, containing: Day("2028-01-03")!).key == "2028-W01")
        // 2026 has 53 ISO weeks; its last one ends on Sunday 3 January 2027.
        #expect(DigestPeriod(.weekly, containing: Day("2027-01-02")!).key == "2026-W53")
        #expect(DigestPeriod(.daily, containing: Day("2031-12-31")!).key == "2031-12-31")
    }

    @Test("no arXiv page on the weekend after New Year: the latest is the Friday before, in the old year")
    func announcementsAtYearEnd() {
        #expect(!AnnouncementSchedule.isAnnouncementDay(Day("2028-01-01")!))
        #expect(AnnouncementSchedule.latestAnnouncementDay(onOrBefore: Day("2028-01-02")!) == Day("2027-12-31"))
        // A first version announced on Monday 3 January 2028, submitted in the old year, is listed that Monday.
        #expect(AnnouncementSchedule.listedDay(created: Day("2027-12-30"), updated: nil, versions: [],
                                               datestamp: Day("2028-01-03")!) == Day("2028-01-03"))
    }
}
