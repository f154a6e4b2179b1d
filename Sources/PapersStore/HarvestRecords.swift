import Foundation
import PapersCore

/// Where one harvest (one endpoint, set and metadata format) stands; saved after every page.
public struct HarvestState: Codable, Hashable, Sendable {
    /// The day the last complete harvest reached (the repository's `responseDate` when it began): the next
    /// run asks `from` this day, so nothing changed since is missed (records of that day come again, harmlessly).
    public var completedThrough: Day?
    /// The `from` of the harvest in progress; an expired resumption token restarts here.
    public var pendingFrom: Day?
    /// The `until` of the harvest in progress, when it has one.
    public var pendingUntil: Day?
    /// The `responseDate` of the first page of the harvest in progress.
    public var pendingResponseDay: Day?
    /// The token for the next page of the harvest in progress.
    public var resumptionToken: String?
    /// Records in the whole list, when the repository said.
    public var completeListSize: Int?
    /// Records received so far in the harvest in progress.
    public var recordsReceived: Int
    /// When the last harvest finished successfully.
    public var lastSuccess: Date?
    /// The last failure, when the last run failed.
    public var lastError: String?

    /// An empty state: nothing harvested yet.
    public init(completedThrough: Day? = nil) {
        self.completedThrough = completedThrough
        self.recordsReceived = 0
    }

    /// A harvest was interrupted and can resume.
    public var isInProgress: Bool { pendingFrom != nil || resumptionToken != nil }
}

/// A paper an outside curator featured on a day, e.g. on Hugging Face's daily papers.
public struct PaperFeature: Hashable, Sendable {
    /// The featured paper (it must be stored).
    public var paper: PaperID
    /// Who featured it, e.g. `hf`.
    public var source: String
    /// The day it was featured.
    public var day: Day
    /// Upvotes it had there when read.
    public var upvotes: Int

    /// Creates a feature record.
    public init(paper: PaperID, source: String, day: Day, upvotes: Int) {
        self.paper = paper
        self.source = source
        self.day = day
        self.upvotes = upvotes
    }
}
