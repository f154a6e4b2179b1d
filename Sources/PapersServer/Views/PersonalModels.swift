import Mustache
import PapersCore

/// `/for-you`.
struct ForYouPageModel: PageModel {
    var pageTitle: String { "For you" }
    var heading: String
    var papers: [PaperSummaryView] = []
    var isEmpty = true
    var emptyMessage: String
    var likedCount = 0
    var candidates = 0
    var notices: [String] = []
    var previous: [NavLink] = []
    var next: [NavLink] = []
    var periods: [Period] = []
    /// "Everything" and each of the viewer's collections: each collection is a feed of its own.
    var feeds: [Period] = [] {
        didSet { hasCollections = feeds.count > 1 }
    }
    var hasCollections = false

    /// The Day / Week switch.
    struct Period: Sendable {
        var url: String
        var label: String
        var selected: Bool
    }

    init(heading: String, emptyMessage: String = "") {
        self.heading = heading
        self.emptyMessage = emptyMessage
    }
}

/// `/for-you/settings`.
struct ForYouSettingsModel: PageModel {
    var pageTitle: String { "For you: settings" }
    var enabled: Bool
    var likedCount: Int
    var dismissedCount: Int
    var filters: [Filter]
    var hasFeed: Bool
    var notices: [String] = []
    var error = ""
    var hasError = false
    var newFeedURL = ""
    var hasNewFeedURL = false
    var kinds: [Kind] = PersonalFilter.Kind.allCases.map { Kind(value: $0.rawValue, label: ForYouSettingsModel.label($0)) }

    struct Filter: Sendable {
        var kind: String
        var label: String
        var value: String
    }

    struct Kind: Sendable {
        var value: String
        var label: String
    }

    static func label(_ kind: PersonalFilter.Kind) -> String {
        switch kind {
        case .muteAuthor: return "Mute author"
        case .muteCategory: return "Mute category"
        case .muteWord: return "Mute word"
        case .followAuthor: return "Follow author"
        case .followCategory: return "Follow category"
        }
    }
}
