/// arXiv's announcement calendar, in the terms of daily pages.
///
/// arXiv announces new submissions Sunday to Thursday at 20:00 US Eastern, which is already the next day in
/// UTC; a daily page is named by that UTC day, so pages exist Monday to Friday and Saturday and Sunday never
/// have one (holidays aside, which arXiv announces in advance and this calendar does not know).
public enum AnnouncementSchedule {
    /// Whether arXiv normally announces papers for `day`'s page (Monday to Friday).
    public static func isAnnouncementDay(_ day: Day) -> Bool { day.weekday <= 5 }

    /// The latest day at or before `day` that normally has a page.
    public static func latestAnnouncementDay(onOrBefore day: Day) -> Day {
        var d = day
        while !isAnnouncementDay(d) { d = d.adding(days: -1) }
        return d
    }

    /// The daily-page day of a freshly harvested record, or nil when the record does not tell it.
    ///
    /// A first version's OAI datestamp is the day arXiv announced it. Later versions, and records whose
    /// first version is older than a week, change the datestamp without being new, so they name no day:
    /// a paper already stored keeps its page, and a paper new to this database goes on its submission day.
    public static func listedDay(created: Day?, updated: Day?, versions: [PaperVersion], datestamp: Day) -> Day? {
        guard updated == nil, versions.count <= 1, let created else { return nil }
        guard created <= datestamp, datestamp.daysSinceEpoch - created.daysSinceEpoch <= 7,
              isAnnouncementDay(datestamp) else { return nil }
        return datestamp
    }
}
