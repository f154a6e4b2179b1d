import Foundation
import Mustache
import PapersCore
import PapersStore

/// The sign-up and log-in forms, refilled (never with the password) after a mistake.
struct AccountFormModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] { ["hasError": hasError] }
    var title: String
    var pageTitle: String { title }
    var returnTo: String
    var username = ""
    var email = ""
    var error = ""
    var hasError: Bool { !error.isEmpty }
}

/// A link to a collection.
struct CollectionLinkView: Sendable {
    var url: String
    var name: String
    var count: Int
    var isPublic: Bool

    init(_ collection: PaperCollection) {
        url = SiteURL.collection(collection.id).path
        name = collection.name
        count = collection.paperCount
        isPublic = collection.isPublic
    }
}

/// `/u/{name}`.
struct ProfilePageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] {
        ["hasSubmissions": hasSubmissions, "hasUpvoted": hasUpvoted, "hasCollections": hasCollections, "hasAuthorships": !authorships.isEmpty]
    }
    var pageTitle: String { name }
    var name: String
    var isOwn: Bool
    var submissions: [PaperSummaryView]
    var upvoted: [PaperSummaryView]
    var collections: [CollectionLinkView]
    var hasSubmissions: Bool { !submissions.isEmpty }
    var hasUpvoted: Bool { !upvoted.isEmpty }
    var hasCollections: Bool { !collections.isEmpty }
    /// Papers the account is an approved author of ("Ada Lovelace: Title").
    var authorships: [NavLink] = []
    /// The viewer's own page, and they moderate.
    var isAdmin = false
}

/// `/settings/tokens`.
struct TokensPageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] { ["hasNewToken": hasNewToken, "hasTokens": hasTokens] }
    var pageTitle: String { "API tokens" }
    var tokens: [TokenView]
    /// A token just made, shown this once.
    var newToken = ""
    var hasNewToken: Bool { !newToken.isEmpty }
    var hasTokens: Bool { !tokens.isEmpty }

    struct TokenView: Sendable {
        var id: APITokenID
        var name: String
        var created: String
        var lastUsed: String

        init(_ info: APITokenInfo) {
            id = info.id
            name = info.name
            created = Day(unixTime: info.createdAt).description
            lastUsed = info.lastUsedAt.map { Day(unixTime: $0).description } ?? "never"
        }
    }
}

/// `/submit`.
struct SubmitPageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] { ["hasError": hasError, "isDuplicate": isDuplicate] }
    var pageTitle: String { "Submit a paper" }
    var day: String
    var paper = ""
    var error = ""
    var hasError: Bool { !error.isEmpty }
    var duplicateURL = ""
    var duplicateDayURL = ""
    var duplicateDay = ""
    var isDuplicate: Bool { !duplicateURL.isEmpty }
}

/// A tab (trending windows, day/week/month).
struct TabView: Sendable {
    var url: String
    var label: String
    var selected: Bool

    static func trending(selected: TrendingWindow) -> [TabView] {
        TrendingWindow.allCases.map {
            TabView(url: SiteURL.trending(window: $0).path, label: $0 == .day ? "Today" : $0 == .week ? "This week" : "This month",
                    selected: $0 == selected)
        }
    }

    /// Daily, weekly and monthly views around `day`.
    static func periods(day: Day, selected: String) -> [TabView] {
        [TabView(url: SiteURL.day(day).path, label: "Daily", selected: selected == "day"),
         TabView(url: SiteURL.week(DayRange.isoWeekText(of: day)).path, label: "Weekly", selected: selected == "week"),
         TabView(url: SiteURL.month(DayRange.monthText(of: day)).path, label: "Monthly", selected: selected == "month")]
    }
}

/// A titled list of papers: trending, a week, a month, a collection.
struct ListPageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] {
        ["hasFeed": hasFeed, "hasTabs": hasTabs, "isEmpty": isEmpty, "hasOwner": hasOwner]
    }
    var title: String
    var pageTitle: String { title }
    var heading: String
    var tabs: [TabView]
    var papers: [PaperSummaryView]
    var emptyMessage: String
    var footnote: String
    var feedURL: String
    var hasFeed: Bool { !feedURL.isEmpty }
    var hasTabs: Bool { !tabs.isEmpty }
    var isEmpty: Bool { papers.isEmpty }
    var previous: [NavLink] = []
    var next: [NavLink] = []
    var ownerURL = ""
    var ownerName = ""
    var hasOwner: Bool { !ownerName.isEmpty }
}

/// `/subscribe`: the digest form (kept filled in after an error) and, logged in, the viewer's subscriptions.
struct SubscribePageModel: PageModel, MustacheComputed {
    var computedValues: [String: Any] {
        ["hasError": !error.isEmpty, "isDaily": frequency != "weekly", "isWeekly": frequency == "weekly", "hasCurrent": !current.isEmpty]
    }
    var pageTitle: String { "Email digest" }
    var email = ""
    var frequency = "daily"
    var trending = true
    /// Papers ranked for the subscriber (offered to people logged in).
    var forYou = false
    var topics = ""
    var include = ""
    var exclude = ""
    var maxPapers = DigestPreferences.defaultMaxPapers
    var error = ""
    var current: [SubscriptionSummary] = []

    init() {}

    init(form: FormFields) {
        email = form["email"] ?? ""
        frequency = form["frequency"] == "weekly" ? "weekly" : "daily"
        trending = form["trending"] != nil
        forYou = form["forYou"] != nil
        topics = form.raw("topics") ?? ""
        include = form.raw("include") ?? ""
        exclude = form.raw("exclude") ?? ""
        maxPapers = Int(form["maxPapers"] ?? "") ?? DigestPreferences.defaultMaxPapers
    }
}

/// One of the viewer's subscriptions.
struct SubscriptionSummary: Sendable {
    var email: String
    var frequency: String
    var status: String
    var contents: String
    var unsubscribeURL: String

    init(_ subscription: Subscription, unsubscribeURL: String) {
        email = subscription.email.value
        frequency = subscription.preferences.frequency.rawValue
        status = subscription.status.rawValue
        contents = subscription.preferences.summary
        self.unsubscribeURL = unsubscribeURL
    }
}

/// After subscribing: check your inbox.
struct SubscribeSentModel: PageModel {
    var pageTitle: String { "Check your inbox" }
    var email: String
}

/// Confirm / unsubscribe pages: a message and, unless done, one button posting the token.
struct SubscriptionActionModel: PageModel {
    var pageTitle: String { title }
    var title: String
    var message: String
    var action: String
    var token: String
    var button: String
    var done: Bool
}
