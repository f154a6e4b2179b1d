import Foundation
import PapersCore
@testable import PapersMail
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

/// One full sample of every page model: every list holds an item, every optional a value, so walking a template
/// against it reaches every tag.
enum SamplePages {
    static var card: PaperSummaryView {
        var paper = Fixtures.paper("2511.10001", title: "Sparse mixtures", abstract: "Routing tokens.", listed: "2025-11-20")
        paper.links = ["https://github.com/example/moe"]
        var card = PaperSummaryView(RankedPaper(paper: paper, votes: 2, externalUpvotes: 5, submitter: "ada", submittedAt: 0,
                                                featuredDay: Day("2025-11-20"), viewerVoted: true), snippet: "routing")
        card.reason = "Matches “routing”"
        card.hasReason = true
        card.reasonURL = "/search?q=routing"
        card.hasReasonURL = true
        return card
    }
    static let link = NavLink(url: "/date/2025-11-19", label: "Wednesday")
    static var navigation: PageNavigation { PageNavigation(previousURL: "/search?page=1", nextURL: "/search?page=3") }
    static let tab = TabView(url: "/trending?window=week", label: "This week", selected: true)
    static var comment: CommentView {
        CommentView(PapersCore.Comment(id: 7, paperID: PaperID("2511.10001")!, parentID: nil, authorID: 1, authorName: "ada", body: "**Nice** $x$",
                                       createdAt: 0, editedAt: 1, paperAuthorName: "Ada Lovelace"),
                    depth: 1, viewer: Account(id: 1, name: "ada", email: "a@example.org", createdAt: 0))
    }
    static var discussion: DiscussionView {
        DiscussionView(paperID: "2511.10001", comments: [comment], count: 1, hasComments: true, canComment: true, formKey: "k", following: true,
                       nextFollowState: "off", feedURL: "/feeds/comments.atom?paper=2511.10001", apiURL: "/api/comments?paper=2511.10001",
                       authorChoices: ["Ada Lovelace"], canClaim: true, claimText: "Ada Lovelace, pending", hasClaim: true,
                       markdownURL: "/papers/2511.10001.md", bibtexURL: "/papers/2511.10001.bib")
    }

    /// Every page template with a model of the type its controller renders it with.
    static var all: [(TemplateName, any PageModel)] {
        var home = HomePageModel(groups: [DayGroupView(heading: "Thursday", date: "2025-11-20", url: "/date/2025-11-20", papers: [card],
                                                       total: 1, hasMore: true)], isEmpty: false)
        home.notices = ["Harvesting"]
        home.tabs = [tab]
        var day = DayPageModel(date: "2025-11-20", heading: "Thursday", papers: [card], total: 1, isEmpty: false,
                               previous: [link], next: [link], pageNavigation: navigation)
        day.tabs = [tab]
        day.notices = ["A notice"]
        let search = SearchPageModel(query: "routing", category: "cs.LG", from: "2025-11-01", to: "2025-11-20", author: "Ada",
                                     modes: [ModeOption(value: "hybrid", label: "Words and meaning", selected: true)],
                                     results: [card], hasResults: true, message: "1 result", hasMessage: true, rangeText: "1–1",
                                     pageNavigation: navigation)
        var paper = PaperPageModel(id: "2511.10001", title: "Sparse mixtures",
                                   authors: [.init(name: "Ada", url: "/authors/Ada", affiliations: "Analytical Engines", hasAffiliations: true)],
                                   abstract: "Routing.", categories: ["cs.LG"], arxivID: "2511.10001", isArxiv: true,
                                   absURL: "https://arxiv.org/abs/2511.10001", pdfURL: "https://arxiv.org/pdf/2511.10001",
                                   dates: [.init(label: "Listed", value: "2025-11-20")], details: [.init(label: "Comments", value: "9 pages")],
                                   links: ["https://example.org"], hasLinks: true, code: [link], hasCode: true, hasDay: true,
                                   day: "2025-11-20", dayURL: "/date/2025-11-20")
        paper.similar = [card]
        paper.hasSimilar = true
        paper.standing = [card]
        paper.collections = [.init(id: 1, name: "Reading", holds: true, isPublic: false)]
        paper.canCollect = true
        paper.discussion = [discussion]
        var forYou = ForYouPageModel(heading: "For you", emptyMessage: "Upvote a few papers.")
        forYou.papers = [card]
        forYou.notices = ["Learning"]
        forYou.previous = [link]
        forYou.next = [link]
        forYou.periods = [.init(url: "/for-you?window=week", label: "Week", selected: true)]
        forYou.feeds = [.init(url: "/for-you", label: "All", selected: true), .init(url: "/for-you?feed=1", label: "Robots", selected: false)]
        var settings = ForYouSettingsModel(enabled: true, likedCount: 3, dismissedCount: 1,
                                           filters: [.init(kind: "mute_author", label: "Mute author", value: "Mallory")], hasFeed: true)
        settings.notices = ["Saved"]
        settings.error = "Bad"
        settings.newFeedURL = "/feeds/for-you/abc.atom"
        var list = ListPageModel(title: "Trending", heading: "Trending", tabs: [tab], papers: [card], emptyMessage: "None",
                                 footnote: "By upvotes", feedURL: "/feeds/trending.atom", previous: [link], next: [link])
        list.ownerURL = "/u/ada"
        list.ownerName = "ada"
        var subscribe = SubscribePageModel()
        subscribe.current = [SubscriptionSummary(Subscription(id: 1, email: try! EmailAddress(validating: "a@example.org"),
                                                              preferences: try! DigestPreferences(), status: .active, accountID: 1,
                                                              createdAt: 0, confirmedAt: 0, bounces: 0),
                                                 unsubscribeURL: "/unsubscribe?token=t")]
        var tokens = TokensPageModel(tokens: [.init(APITokenInfo(id: 1, name: "laptop", createdAt: 0, lastUsedAt: 0))])
        tokens.newToken = "papers_x"
        let account = AccountFormModel(title: "Log in", returnTo: "/", username: "ada", email: "a@example.org", error: "Wrong")
        return [
            (.home, home), (.day, day), (.search, search), (.paper, paper),
            (.error, ErrorPageModel(status: 404, title: "Not found", message: "No such page")),
            (.signup, account), (.login, account),
            (.profile, ProfilePageModel(name: "ada", isOwn: true, submissions: [card], upvoted: [card],
                                        collections: [CollectionLinkView(PaperCollection(id: 1, ownerID: 1, ownerName: "ada", name: "Reading",
                                                                                         isPublic: true, paperCount: 1, createdAt: 0))],
                                        authorships: [link], isAdmin: true)),
            (.tokens, tokens),
            (.submit, SubmitPageModel(day: "2025-11-20", paper: "2511.10001", error: "Already there", duplicateURL: "/papers/2511.10001",
                                      duplicateDayURL: "/date/2025-11-20", duplicateDay: "2025-11-20")),
            (.list, list), (.subscribe, subscribe), (.subscribeSent, SubscribeSentModel(email: "a@example.org")),
            (.subscriptionAction, SubscriptionActionModel(title: "Confirm", message: "Confirm?", action: "/subscribe/confirm",
                                                          token: "t", button: "Confirm", done: false)),
            (.forYou, forYou), (.forYouSettings, settings),
            (.author, AuthorPageModel(name: "Ada Lovelace", total: 1, papers: [card], coauthors: [.init(label: "Charles Babbage", url: "/authors/x", count: 1)],
                                      categories: [.init(label: "cs.LG", url: "/search?q=x", count: 1)], feedURL: "/feeds/author.atom?name=x",
                                      following: true, nextFollowState: "off", claimedBy: [link], hasClaims: true, pageNavigation: navigation)),
            (.accountSettings, AccountSettingsModel(name: "ada", email: "a@example.org", replies: true, mentions: true, paperComments: false,
                                                    claims: [.init(author: "Ada Lovelace", title: "Sparse", url: "/papers/2511.10001", status: "pending")],
                                                    hasClaims: true, message: "Saved", hasMessage: true, error: "Bad", hasError: true)),
            (.admin, AdminPageModel(reports: [.init(comment: comment, commentID: "7", url: "/papers/2511.10001#comment-7", count: 2, reasons: ["spam"],
                                                    authorID: "1", hasAuthor: true, isHidden: true, html: "<p>x</p>")], hasReports: true,
                                    claims: [.init(id: "1", account: "ada", accountURL: "/u/ada", author: "Ada Lovelace", title: "Sparse",
                                                   url: "/papers/2511.10001", created: "2025-11-20 18:00 UTC")], hasClaims: true,
                                    audit: [.init(actor: "ada", action: "hide-comment", subject: "comment 7", detail: "spam", time: "2025-11-20 18:00 UTC")])),
        ]
    }
}

@Suite("Every name a template reads is in its model")
struct TemplateKeyTests {
    static func checker() -> TemplateKeyChecker {
        TemplateKeyChecker { name in TemplateName(rawValue: name).map(Templates.source(of:)) }
    }

    /// The root context the renderer gets (opens the existential for the generic ``PageContext``).
    static func context(_ layout: Layout, _ page: some PageModel) -> Any { PageContext(layout: layout, page: page) }

    @Test("every page template, its partials included, against a full sample of its model and the layout")
    func pages() {
        var checker = Self.checker()
        let layout = Layout(siteName: "Papers", pageTitle: "Title", query: "q", isLoggedIn: true, viewerName: "ada", csrf: "c", path: "/")
        for (template, model) in SamplePages.all {
            checker.check(template.rawValue, source: Templates.source(of: template), model: Self.context(layout, model))
        }
        #expect(checker.problems == [])
        #expect(checker.visited == Set(TemplateName.allCases.map(\.rawValue)), "templates no sample reaches")
    }

    @Test("the confirmation and digest mail templates against the composer's models")
    func mail() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLitePaperStore(path: directory.file("papers.sqlite"))
        let tokens = try await SubscriptionTokens(store: store)
        let composer = try MailComposer(settings: MailSettings(smtp: SMTPSettings(host: "127.0.0.1", port: 25),
                                                         from: Mailbox(address: try EmailAddress(validating: "d@example.org")),
                                                         baseURL: "http://papers.test"),
                                        tokens: tokens)
        let subscription = Subscription(id: 1, email: try EmailAddress(validating: "a@example.org"), preferences: try DigestPreferences(),
                                        status: .active, accountID: 1, createdAt: 0, confirmedAt: 0, bounces: 0)
        let entry = DigestEntry(paper: RankedPaper(paper: Fixtures.paper("2511.10001", title: "T", listed: "2025-11-20"), votes: 1,
                                                   externalUpvotes: 0, submitter: nil, submittedAt: nil, featuredDay: nil, viewerVoted: false),
                                reason: "Trending")
        let digest = composer.digestModel(for: subscription, period: DigestPeriod(.daily, containing: Day("2025-11-20")!), entries: [entry],
                                          unsubscribeURL: "http://papers.test/unsubscribe?token=t")
        let confirmation = composer.confirmationModel(for: subscription, now: 0)
        let comment = PendingNotification(id: 1, account: 1, accountName: "ada", email: "a@example.org",
                                          comment: PapersCore.Comment(id: 1, paperID: PaperID("2511.10001")!, parentID: nil, authorID: 2,
                                                                      authorName: "bob", body: "Nice", createdAt: 0),
                                          paperTitle: "T", reason: .reply, createdAt: 0)
        let comments = composer.commentsModel([comment], unsubscribeURL: "http://papers.test/unsubscribe/comments?token=t")
        var checker = TemplateKeyChecker { _ in nil }
        for template in MailTemplateName.allCases {
            let model: Any = switch template {
            case .digestText, .digestHTML: digest
            case .commentsText, .commentsHTML: comments
            case .confirmationText, .confirmationHTML: confirmation
            }
            checker.check(template.rawValue, source: template.source, model: model)
        }
        #expect(checker.problems == [])
    }

    @Test("a misspelt name, a renamed field and an empty sample list are each reported")
    func catchesMistakes() {
        var checker = Self.checker()
        let layout = Layout(siteName: "Papers", pageTitle: "T", query: "")
        let model = ErrorPageModel(status: 404, title: "Not found", message: "x")
        checker.check("broken", source: "{{> head}}{{#page}}{{mesage}}{{title}}{{/page}}{{layout.siteNam}}{{> nowhere}}",
                      model: PageContext(layout: layout, page: model))
        #expect(checker.problems == ["broken: {{mesage}} is not in the model", "broken: {{layout.siteNam}} is not in the model",
                                     "broken: {{> nowhere}} names no template"])
        var empty = Self.checker()
        empty.check("profile", source: "{{#page}}{{#submissions}}{{titel}}{{/submissions}}{{/page}}",
                    model: PageContext(layout: layout, page: ProfilePageModel(name: "a", isOwn: false, submissions: [], upvoted: [], collections: [])))
        #expect(empty.problems == ["profile: the sample's submissions is empty, so its items go unchecked", "profile: {{titel}} is not in the model"])
    }
}
