import Mustache
import PapersSearch
import PapersCore

/// A day's group of papers on the home page.
struct DayGroupView: Sendable {
    var heading: String
    var date: String
    var url: String
    var papers: [PaperSummaryView]
    var total: Int
    var hasMore: Bool
}

/// `/`.
struct HomePageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] { ["hasTabs": hasTabs] }
    var pageTitle: String { "Daily papers" }
    var groups: [DayGroupView]
    var isEmpty: Bool
    /// One-line notices above the papers: a harvest in progress or failed, no announcement today.
    var notices: [String] = []
    var tabs: [TabView] = []
    var hasTabs: Bool { !tabs.isEmpty }
    /// A harvest is running now.
    var harvesting = false
}

/// A link with a label, for previous/next navigation.
struct NavLink: Sendable {
    var url: String
    var label: String
}

/// `/date/YYYY-MM-DD`.
struct DayPageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] { ["hasTabs": hasTabs] }
    var pageTitle: String { "Papers of \(date)" }
    var date: String
    var heading: String
    var papers: [PaperSummaryView]
    var total: Int
    var isEmpty: Bool
    /// Why a day has no papers.
    var emptyMessage: String = "No papers were announced on this day."
    var previous: [NavLink]
    var next: [NavLink]
    var pageNavigation: PageNavigation
    var tabs: [TabView] = []
    var hasTabs: Bool { !tabs.isEmpty }
    /// Whether the personal order ("For you") is shown instead of featured first.
    var forYou = false
    var notices: [String] = []
}

/// Previous/next page links of a paginated list.
struct PageNavigation: Sendable {
    var previous: [NavLink]
    var next: [NavLink]
    var isVisible: Bool

    init(previousURL: String?, nextURL: String?) {
        previous = previousURL.map { [NavLink(url: $0, label: "← Newer results")] } ?? []
        next = nextURL.map { [NavLink(url: $0, label: "More results →")] } ?? []
        isVisible = previousURL != nil || nextURL != nil
    }
}

/// `/search`.
struct SearchPageModel: PageModel {
    var pageTitle: String { query.isEmpty ? "Search" : "\(query) – search" }
    var searchText: String { query }
    var query: String
    var category: String
    var from: String
    var to: String
    var author: String
    var modes: [ModeOption]
    var results: [PaperSummaryView]
    var hasResults: Bool
    var message: String
    var hasMessage: Bool
    var rangeText: String
    var pageNavigation: PageNavigation
    /// `/subscribe` with this search filled in as a topic.
    var subscribeURL = SiteURL.subscribe().path
}

/// One choice of the search page's mode menu.
struct ModeOption: Sendable {
    var value: String
    var label: String
    var selected: Bool

    static func label(of mode: SearchMode) -> String {
        switch mode {
        case .hybrid: return "Words and meaning"
        case .keyword: return "Exact words"
        case .semantic: return "Meaning only"
        }
    }
}

/// `/papers/{id}`.
struct PaperPageModel: PageModel {
    var pageTitle: String { title }
    var id: String
    var title: String
    var authors: [AuthorView]
    var abstract: String
    var categories: [String]
    var arxivID: String
    var isArxiv: Bool
    var absURL: String
    var pdfURL: String
    var dates: [LabelValue]
    var details: [LabelValue]
    var links: [String]
    var hasLinks: Bool
    /// Code repositories (GitHub, GitLab) the paper names.
    var code: [NavLink]
    var hasCode: Bool
    var hasDay: Bool
    var day: String
    var dayURL: String
    /// The nearest papers by embedding (empty when no model is loaded).
    var similar: [PaperSummaryView] = []
    var hasSimilar: Bool = false
    /// The paper as a list item (one element, or none), for the upvote button and counts.
    var standing: [PaperSummaryView] = []
    /// The viewer's collections, marked where this paper is in them.
    var collections: [CollectionChoice] = []
    var canCollect = false
    /// The comments and their forms (one element; a section in the template).
    var discussion: [DiscussionView] = []

    struct CollectionChoice: Sendable, MustacheComputed {
        var computedValues: [String: Any] { ["nextState": nextState] }
        var id: CollectionID
        var name: String
        var holds: Bool
        var isPublic: Bool
        var nextState: String { holds ? "off" : "on" }
    }

    struct AuthorView: Sendable {
        var name: String
        /// The author's page.
        var url: String
        var affiliations: String
        var hasAffiliations: Bool
    }

    struct LabelValue: Sendable {
        var label: String
        var value: String
    }
}

/// Error pages.
struct ErrorPageModel: PageModel {
    var pageTitle: String { title }
    var status: Int
    var title: String
    var message: String
}
