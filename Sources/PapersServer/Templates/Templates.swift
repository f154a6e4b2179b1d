/// Every template by name: pages are rendered by these names and partials included by them (`{{> paper_item}}`),
/// so a misspelt name does not compile.
enum TemplateName: String, CaseIterable, Sendable {
    case head
    case foot
    case paperItem = "paper_item"
    case pagination
    case home
    case day
    case search
    case paper
    case error
    case vote
    case signup
    case login
    case profile
    case tokens
    case submit
    case list
    case tabs
    case subscribe
    case subscribeSent = "subscribe_sent"
    case subscriptionAction = "subscription_action"
    case forYou = "for_you"
    case forYouSettings = "for_you_settings"
    case dayNav = "day_nav"
    case author
    case accountSettings = "account_settings"
    case admin
}

/// The Mustache templates: `Templates/Pages/NAME.mustache` in the source tree, compiled into the binary as byte
/// arrays (`PackageResources`, SwiftPM's `embedInCode`) so `papers` stays one file.
/// `{{x}}` is HTML-escaped; `{{{x}}}` is used only for markup built by `HTMLEscaping` or `CommentMarkdown` (safe mode).
enum Templates {
    /// The source of each template; the switch is exhaustive and each case names a file's generated constant, so
    /// every name has a template and a missing or misspelt file fails the build.
    static func source(of name: TemplateName) -> String {
        text(bytes(of: name))
    }

    /// A file's text without the one newline that ends it (editors add it; pages never had it).
    static func text(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    private static func bytes(of name: TemplateName) -> [UInt8] {
        switch name {
        case .author: return PackageResources.author_mustache
        case .accountSettings: return PackageResources.account_settings_mustache
        case .admin: return PackageResources.admin_mustache
        case .head: return PackageResources.head_mustache
        case .foot: return PackageResources.foot_mustache
        case .paperItem: return PackageResources.paper_item_mustache
        case .pagination: return PackageResources.pagination_mustache
        case .home: return PackageResources.home_mustache
        case .day: return PackageResources.day_mustache
        case .search: return PackageResources.search_mustache
        case .paper: return PackageResources.paper_mustache
        case .error: return PackageResources.error_mustache
        case .vote: return PackageResources.vote_mustache
        case .signup: return PackageResources.signup_mustache
        case .login: return PackageResources.login_mustache
        case .profile: return PackageResources.profile_mustache
        case .tokens: return PackageResources.tokens_mustache
        case .submit: return PackageResources.submit_mustache
        case .list: return PackageResources.list_mustache
        case .tabs: return PackageResources.tabs_mustache
        case .subscribe: return PackageResources.subscribe_mustache
        case .subscribeSent: return PackageResources.subscribe_sent_mustache
        case .subscriptionAction: return PackageResources.subscription_action_mustache
        case .forYou: return PackageResources.for_you_mustache
        case .forYouSettings: return PackageResources.for_you_settings_mustache
        case .dayNav: return PackageResources.day_nav_mustache
        }
    }
}
