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
}

/// The Mustache templates, compiled into the binary so `papers` stays one file.
/// `{{x}}` is HTML-escaped; `{{{x}}}` is used only for markup built by `HTMLEscaping`.
enum Templates {
    /// The source of each template; the switch is exhaustive, so every name has one.
    static func source(of name: TemplateName) -> String {
        switch name {
        case .head: return head
        case .foot: return foot
        case .paperItem: return paperItem
        case .pagination: return pagination
        case .home: return home
        case .day: return day
        case .search: return search
        case .paper: return paper
        case .error: return error
        case .vote: return vote
        case .signup: return signup
        case .login: return login
        case .profile: return profile
        case .tokens: return tokens
        case .submit: return submit
        case .list: return list
        case .tabs: return tabs
        case .subscribe: return subscribe
        case .subscribeSent: return subscribeSent
        case .subscriptionAction: return subscriptionAction
        case .forYou: return forYou
        case .forYouSettings: return forYouSettings
        case .dayNav: return dayNav
        }
    }

    static let subscribe = """
        {{> head}}
        {{#page}}
        <section class="account-form subscribe">
          <h1>Get trending papers in your email inbox</h1>
          <p>A daily or weekly email with the papers worth reading: trending ones, and the best new matches for your topics. We send a confirmation first; nothing else comes before you confirm, and every email has a one-click unsubscribe link.</p>
          {{#hasError}}<p class="error" role="alert">{{error}}</p>{{/hasError}}
          <form action="/subscribe" method="post">
            <input type="hidden" name="csrf" value="{{layout.csrf}}">
            <label>Email <input type="email" name="email" value="{{email}}" required maxlength="254" autocomplete="email"></label>
            <fieldset><legend>How often</legend>
              <label class="inline"><input type="radio" name="frequency" value="daily"{{#isDaily}} checked{{/isDaily}}> Daily</label>
              <label class="inline"><input type="radio" name="frequency" value="weekly"{{#isWeekly}} checked{{/isWeekly}}> Weekly</label>
            </fieldset>
            <label class="inline"><input type="checkbox" name="trending" value="on"{{#trending}} checked{{/trending}}> Trending papers</label>
            {{#layout.isLoggedIn}}<label class="inline"><input type="checkbox" name="forYou" value="on"{{#forYou}} checked{{/forYou}}> Papers ranked <a href="/for-you">for you</a>, from what you liked</label>{{/layout.isLoggedIn}}
            <label><span>Topics, one per line: a search (<code>diffusion models</code>), a category (<code>cat:cs.LG</code>) or an author (<code>author:Yann LeCun</code>, pinned first)</span>
              <textarea name="topics" rows="4" maxlength="4000">{{topics}}</textarea></label>
            <label>Only papers mentioning any of (comma-separated, optional) <input name="include" value="{{include}}" maxlength="2000"></label>
            <label>Never papers mentioning any of (comma-separated, optional) <input name="exclude" value="{{exclude}}" maxlength="2000"></label>
            <label>Most papers per email <input type="number" name="maxPapers" value="{{maxPapers}}" min="1" max="100"></label>
            <button type="submit">Subscribe</button>
          </form>
          {{#hasCurrent}}
          <h2>Your subscriptions</h2>
          <ul class="subscriptions">{{#current}}<li>{{email}}: {{frequency}}, {{contents}} ({{status}}) · <a href="{{unsubscribeURL}}">unsubscribe</a></li>{{/current}}</ul>
          {{/hasCurrent}}
        </section>
        {{/page}}
        {{> foot}}
        """

    static let subscribeSent = """
        {{> head}}
        {{#page}}
        <section class="account-form">
          <h1>Check your inbox</h1>
          <p role="status">We sent a confirmation link to <strong>{{email}}</strong>. Your digest starts once you click it; if you did not get it, look in your spam folder (we send at most one confirmation every few minutes).</p>
        </section>
        {{/page}}
        {{> foot}}
        """

    static let subscriptionAction = """
        {{> head}}
        {{#page}}
        <section class="account-form">
          <h1>{{title}}</h1>
          <p role="status">{{message}}</p>
          {{^done}}
          <form action="{{action}}" method="post">
            <input type="hidden" name="csrf" value="{{layout.csrf}}">
            <input type="hidden" name="token" value="{{token}}">
            <button type="submit">{{button}}</button>
          </form>
          {{/done}}
          {{#done}}<p><a href="/">Back to today's papers</a></p>{{/done}}
        </section>
        {{/page}}
        {{> foot}}
        """

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{layout.pageTitle}} · {{layout.siteName}}</title>
        <link rel="stylesheet" href="/static/style.css">
        <script src="/static/app.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#content">Skip to content</a>
        <header class="site">
          <a class="brand" href="/">{{layout.siteName}}</a>
          <nav class="main" aria-label="Main">
            <a href="/">Daily</a>
            <a href="/trending">Trending</a>
            <a href="/for-you">For you</a>
            <a href="/submit">Submit</a>
            <a href="/subscribe">Email digest</a>
          </nav>
          <form class="search" action="/search" method="get" role="search">
            <input type="search" name="q" value="{{layout.query}}" placeholder="Search papers" aria-label="Search papers" maxlength="1000">
            <button type="submit">Search</button>
          </form>
          <nav class="account" aria-label="Account">
            {{#layout.isLoggedIn}}
            <a class="me" href="/u/{{layout.viewerName}}">{{layout.viewerName}}</a>
            <form class="logout" action="/logout" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><button type="submit" class="link">Log out</button></form>
            {{/layout.isLoggedIn}}
            {{^layout.isLoggedIn}}<a href="{{layout.loginURL}}">Log in</a> <a href="/signup">Sign up</a>{{/layout.isLoggedIn}}
          </nav>
        </header>
        <main id="content">

        """

    static let foot = """
        </main>
        <footer class="site"><p>{{layout.siteName}} · papers from arXiv and friends · <a href="/search">search</a> · <a href="/trending">trending</a> · <a href="/feeds/daily.atom">Atom feed</a></p></footer>
        </body>
        </html>

        """

    static let paperItem = """
        <article class="paper">
          {{> vote}}
          <h3><a href="{{url}}">{{title}}</a></h3>
          <p class="authors">{{authors}}</p>
          <p class="cats">{{#hasUpvotes}}<span class="upvotes hf" title="upvotes on Hugging Face daily papers">HF ▲ {{upvotes}}</span> {{/hasUpvotes}}{{#hasSubmitter}}<span class="submitter">submitted by <a href="/u/{{submitter}}">{{submitter}}</a></span> {{/hasSubmitter}}{{#categories}}<span class="cat">{{.}}</span> {{/categories}}{{#hasDay}}<span class="day">{{day}}</span>{{/hasDay}}{{#hasCode}} <a class="code" href="{{codeURL}}" rel="nofollow noopener">Code</a>{{/hasCode}}</p>
          {{#hasReason}}<p class="reason">{{#hasReasonURL}}<a href="{{reasonURL}}">{{reason}}</a>{{/hasReasonURL}}{{^hasReasonURL}}{{reason}}{{/hasReasonURL}}</p>{{/hasReason}}
          {{#hasSnippet}}<p class="snippet">{{{snippetHTML}}}</p>{{/hasSnippet}}{{^hasSnippet}}<p class="abstract">{{abstractPreview}}</p>{{/hasSnippet}}
          {{#layout.isLoggedIn}}<form class="dismiss" action="/dismiss" method="post" data-dismiss>
            <input type="hidden" name="csrf" value="{{layout.csrf}}">
            <input type="hidden" name="paper" value="{{id}}">
            <input type="hidden" name="state" value="on">
            <input type="hidden" name="return" value="{{layout.path}}">
            <button type="submit" aria-label="Not interested: {{title}}">Not interested</button>
          </form>{{/layout.isLoggedIn}}
        </article>

        """

    /// The upvote button: a plain form post (works without JavaScript), enhanced by app.js to update in place.
    static let vote = """
        <form class="vote" action="/vote" method="post" data-vote>
          <input type="hidden" name="csrf" value="{{layout.csrf}}">
          <input type="hidden" name="paper" value="{{id}}">
          <input type="hidden" name="state" value="{{nextVoteState}}">
          <input type="hidden" name="return" value="{{layout.path}}">
          <button type="submit" aria-pressed="{{voted}}" aria-label="{{voteLabel}}: {{title}}" title="{{voteLabel}}">▲ <span class="count">{{votes}}</span></button>
        </form>
        """

    static let tabs = """
        <p class="digest-cta"><a href="/subscribe">✉ Get trending papers in your email inbox</a></p>
        {{#hasTabs}}<nav class="tabs" aria-label="Period">{{#tabs}}<a href="{{url}}"{{#selected}} aria-current="page"{{/selected}}>{{label}}</a>{{/tabs}}</nav>{{/hasTabs}}
        """

    static let signup = """
        {{> head}}
        {{#page}}
        <section class="account-form">
          <h1>Sign up</h1>
          {{#hasError}}<p class="error" role="alert">{{error}}</p>{{/hasError}}
          <form action="/signup" method="post">
            <input type="hidden" name="csrf" value="{{layout.csrf}}">
            <input type="hidden" name="return" value="{{returnTo}}">
            <label>Username <input name="username" value="{{username}}" required minlength="2" maxlength="30" autocomplete="username" pattern="[A-Za-z0-9][A-Za-z0-9_-]*"></label>
            <label>Email <input type="email" name="email" value="{{email}}" required maxlength="254" autocomplete="email"></label>
            <label>Password <input type="password" name="password" required minlength="10" maxlength="72" autocomplete="new-password"></label>
            <button type="submit">Create account</button>
          </form>
          <p>Already have an account? <a href="/login">Log in</a>.</p>
        </section>
        {{/page}}
        {{> foot}}
        """

    static let login = """
        {{> head}}
        {{#page}}
        <section class="account-form">
          <h1>Log in</h1>
          {{#hasError}}<p class="error" role="alert">{{error}}</p>{{/hasError}}
          <form action="/login" method="post">
            <input type="hidden" name="csrf" value="{{layout.csrf}}">
            <input type="hidden" name="return" value="{{returnTo}}">
            <label>Username or email <input name="username" value="{{username}}" required maxlength="254" autocomplete="username"></label>
            <label>Password <input type="password" name="password" required maxlength="72" autocomplete="current-password"></label>
            <button type="submit">Log in</button>
          </form>
          <p>New here? <a href="/signup">Sign up</a>.</p>
        </section>
        {{/page}}
        {{> foot}}
        """

    static let profile = """
        {{> head}}
        {{#page}}
        <h1>{{name}}</h1>
        {{#isOwn}}<p><a href="/settings/tokens">API tokens</a></p>{{/isOwn}}
        <section><h2>Collections</h2>
        {{#hasCollections}}<ul class="collections">{{#collections}}<li><a href="{{url}}">{{name}}</a> <span class="count">{{count}} papers{{^isPublic}} · private{{/isPublic}}</span></li>{{/collections}}</ul>{{/hasCollections}}
        {{^hasCollections}}<p class="empty">No public collections.</p>{{/hasCollections}}
        </section>
        <section><h2>Submitted</h2>
        {{#submissions}}{{> paper_item}}{{/submissions}}
        {{^hasSubmissions}}<p class="empty">No submissions yet.</p>{{/hasSubmissions}}
        </section>
        <section><h2>Upvoted</h2>
        {{#upvoted}}{{> paper_item}}{{/upvoted}}
        {{^hasUpvoted}}<p class="empty">No upvotes yet.</p>{{/hasUpvoted}}
        </section>
        {{/page}}
        {{> foot}}
        """

    static let tokens = """
        {{> head}}
        {{#page}}
        <h1>API tokens</h1>
        <p>Scripts send a token as <code>Authorization: Bearer TOKEN</code>. Only a hash is kept: copy a new token now, it is not shown again.</p>
        {{#hasNewToken}}<p class="notice" role="status">New token: <code class="token">{{newToken}}</code></p>{{/hasNewToken}}
        <form action="/settings/tokens" method="post">
          <input type="hidden" name="csrf" value="{{layout.csrf}}">
          <label>Name <input name="name" maxlength="60" placeholder="my script"></label>
          <button type="submit">Create token</button>
        </form>
        {{#hasTokens}}<table class="tokens"><thead><tr><th>Name</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
        {{#tokens}}<tr><td>{{name}}</td><td>{{created}}</td><td>{{lastUsed}}</td><td><form action="/settings/tokens/{{id}}/revoke" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><button type="submit">Revoke</button></form></td></tr>{{/tokens}}
        </tbody></table>{{/hasTokens}}
        {{/page}}
        {{> foot}}
        """

    static let submit = """
        {{> head}}
        {{#page}}
        <section class="account-form">
          <h1>Submit a paper</h1>
          <p>Put a paper on the page of {{day}}. Give its arXiv id or URL.</p>
          {{#hasError}}<p class="error" role="alert">{{error}}{{#isDuplicate}} <a href="{{duplicateURL}}">See the paper</a> or <a href="{{duplicateDayURL}}">its day, {{duplicateDay}}</a>.{{/isDuplicate}}</p>{{/hasError}}
          <form action="/submit" method="post">
            <input type="hidden" name="csrf" value="{{layout.csrf}}">
            <label>arXiv id or URL <input name="paper" value="{{paper}}" required maxlength="300" placeholder="2401.04088"></label>
            <button type="submit">Submit</button>
          </form>
        </section>
        {{/page}}
        {{> foot}}
        """

    static let list = """
        {{> head}}
        {{#page}}
        {{> tabs}}
        <h1>{{heading}}</h1>
        {{#hasOwner}}<p class="owner">by <a href="{{ownerURL}}">{{ownerName}}</a></p>{{/hasOwner}}
        {{#previous}}<nav class="days" aria-label="Periods"><span class="prev"><a href="{{url}}" rel="prev">{{label}}</a></span>{{/previous}}{{#next}}<span class="next"><a href="{{url}}" rel="next">{{label}}</a></span></nav>{{/next}}
        {{#isEmpty}}<p class="empty">{{emptyMessage}}</p>{{/isEmpty}}
        {{#papers}}{{> paper_item}}{{/papers}}
        <p class="footnote">{{footnote}}{{#hasFeed}} <a href="{{feedURL}}">Atom feed</a>{{/hasFeed}}</p>
        {{/page}}
        {{> foot}}
        """

    /// Previous/next day links of a day page and of /for-you.
    static let dayNav = """
        <nav class="days" aria-label="Days">
          <span class="prev">{{#previous}}<a href="{{url}}" rel="prev">{{label}}</a>{{/previous}}</span>
          <span class="next">{{#next}}<a href="{{url}}" rel="next">{{label}}</a>{{/next}}</span>
        </nav>
        """

    static let forYou = """
        {{> head}}
        {{#page}}
        {{> day_nav}}
        <nav class="tabs" aria-label="Period">{{#periods}}<a href="{{url}}"{{#selected}} aria-current="page"{{/selected}}>{{label}}</a>{{/periods}}</nav>
        {{#hasCollections}}<nav class="sorts" aria-label="Ranked like">Ranked like: {{#feeds}}<a href="{{url}}"{{#selected}} aria-current="true"{{/selected}}>{{label}}</a> {{/feeds}}</nav>{{/hasCollections}}
        <h1>{{heading}}</h1>
        {{#notices}}<p class="notice" role="status">{{.}}</p>{{/notices}}
        {{#isEmpty}}
        <section class="empty">
          <p>{{emptyMessage}}</p>
          <ul>
            <li>Upvote papers on the <a href="/">daily pages</a> or save them to a collection.</li>
            <li><a href="/for-you/settings#seed">Seed your profile</a> with arXiv ids or a BibTeX, RIS or Zotero export.</li>
            <li><a href="/for-you/settings#follow">Follow authors or categories</a>.</li>
          </ul>
        </section>
        {{/isEmpty}}
        {{#papers}}{{> paper_item}}{{/papers}}
        <p class="footnote">Ranked for you from {{likedCount}} papers you liked, among {{candidates}} papers. <a href="/for-you/settings">Mutes, follows, seeds, private feed and reset</a>.</p>
        {{/page}}
        {{> foot}}
        """

    static let forYouSettings = """
        {{> head}}
        {{#page}}
        <h1>For you: settings</h1>
        {{#notices}}<p class="notice" role="status">{{.}}</p>{{/notices}}
        {{#hasError}}<p class="error" role="alert">{{error}}</p>{{/hasError}}
        <section id="personalization"><h2>Personal ranking</h2>
          <p>Personal ranking is <strong>{{#enabled}}on{{/enabled}}{{^enabled}}off{{/enabled}}</strong>. It learns from {{likedCount}} liked papers and {{dismissedCount}} you marked “Not interested”.</p>
          <form action="/for-you/personalization" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}">
            <input type="hidden" name="state" value="{{#enabled}}off{{/enabled}}{{^enabled}}on{{/enabled}}">
            <button type="submit">{{#enabled}}Turn it off{{/enabled}}{{^enabled}}Turn it on{{/enabled}}</button></form>
          <form action="/for-you/reset" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}">
            <button type="submit">Reset what it learned</button> <span class="hint">Forgets seeds and “Not interested”; earlier upvotes and saves stop counting. Mutes and follows stay.</span></form>
        </section>
        <section id="mute"><h2>Mutes and follows</h2>
          <p>Muted authors, categories and words never appear in anything personal: this page, your feed, your digests.</p>
          <ul>{{#filters}}<li>{{label}}: <strong>{{value}}</strong>
            <form class="inline" action="/for-you/filters" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="kind" value="{{kind}}"><input type="hidden" name="value" value="{{value}}"><input type="hidden" name="state" value="off"><button type="submit">Remove</button></form></li>{{/filters}}</ul>
          <form id="follow" action="/for-you/filters" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="state" value="on">
            <label>Rule <select name="kind">{{#kinds}}<option value="{{value}}">{{label}}</option>{{/kinds}}</select></label>
            <label>Value <input name="value" maxlength="200" required placeholder="an author, cs.CV, a word"></label>
            <button type="submit">Add</button></form>
        </section>
        <section id="seed"><h2>Seed your profile</h2>
          <p>Paste arXiv ids, or a BibTeX, RIS or Zotero export: papers are matched by arXiv id, then DOI, then exact title. To pick papers by search, <a href="/search">search</a> and upvote or save them.</p>
          <form action="/for-you/seeds" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}">
            <textarea name="library" rows="8" cols="70" maxlength="2000000" placeholder="2401.04088 2312.00752 … or @article{…}"></textarea>
            <input type="file" accept=".bib,.ris,.txt" data-fill="library" aria-label="Read a library file into the box">
            <button type="submit">Add these papers</button></form>
        </section>
        <section id="feed"><h2>Private feed</h2>
          {{#hasNewFeedURL}}<p>Your feed: <code>{{newFeedURL}}</code> — copy it now; only a hash is kept.</p>{{/hasNewFeedURL}}
          {{#hasFeed}}<p>You have a private Atom feed of your ranked papers.</p>
          <form action="/for-you/feed/revoke" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><button type="submit">Revoke it</button></form>{{/hasFeed}}
          <form action="/for-you/feed" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><button type="submit">{{#hasFeed}}Make a new address (the old one stops working){{/hasFeed}}{{^hasFeed}}Make a private feed{{/hasFeed}}</button></form>
        </section>
        {{/page}}
        {{> foot}}
        """

    static let pagination = """
        {{#pageNavigation}}{{#isVisible}}
        <nav class="pages" aria-label="Pages">
          {{#previous}}<a href="{{url}}">{{label}}</a>{{/previous}}
          {{#next}}<a href="{{url}}">{{label}}</a>{{/next}}
        </nav>
        {{/isVisible}}{{/pageNavigation}}

        """

    static let home = """
        {{> head}}
        {{#page}}
        {{> tabs}}
        {{#notices}}<p class="notice" role="status">{{.}}</p>{{/notices}}
        {{#isEmpty}}
        <section class="empty">
          <h1>No papers yet</h1>
          {{#harvesting}}<p>The first papers are being fetched from arXiv right now; this page fills in as they arrive (reload in a minute).</p>{{/harvesting}}
          {{^harvesting}}<p>Fetch the latest with <code>papers harvest</code>, or import some with <code>papers import FILE</code> (for example <code>make run IMPORT=../shared/data/seed-papers.jsonl</code>).</p>{{/harvesting}}
        </section>
        {{/isEmpty}}
        {{#groups}}
        <section class="day">
          <h2><a href="{{url}}">{{heading}}</a> <span class="count">{{total}} papers</span></h2>
          {{#papers}}{{> paper_item}}{{/papers}}
          {{#hasMore}}<p class="more"><a href="{{url}}">All {{total}} papers of {{date}} →</a></p>{{/hasMore}}
        </section>
        {{/groups}}
        {{/page}}
        {{> foot}}
        """

    static let day = """
        {{> head}}
        {{#page}}
        {{> day_nav}}
        {{> tabs}}
        <h1>{{heading}}</h1>
        {{#isEmpty}}<p class="empty">{{emptyMessage}}</p>{{/isEmpty}}
        {{^isEmpty}}<p class="count">{{total}} papers · <a href="/feeds/daily.atom?date={{date}}">Atom feed</a></p>
        <nav class="sorts" aria-label="Order">Order: <a href="/date/{{date}}"{{^forYou}} aria-current="true"{{/forYou}}>Featured first</a> · <a href="/date/{{date}}?sort=for-you"{{#forYou}} aria-current="true"{{/forYou}}>For you</a></nav>{{/isEmpty}}
        {{#notices}}<p class="notice" role="status">{{.}}</p>{{/notices}}
        {{#papers}}{{> paper_item}}{{/papers}}
        {{> pagination}}
        {{/page}}
        {{> foot}}
        """

    static let search = """
        {{> head}}
        {{#page}}
        <h1>Search</h1>
        <form class="filters" action="/search" method="get">
          <label>Words <input type="search" name="q" value="{{query}}" maxlength="1000"></label>
          <label>Category <input type="text" name="category" value="{{category}}" placeholder="cs.LG" size="10"></label>
          <label>From <input type="date" name="from" value="{{from}}"></label>
          <label>To <input type="date" name="to" value="{{to}}"></label>
          <label>Author <input type="text" name="author" value="{{author}}" placeholder="Hinton" size="14" maxlength="100"></label>
          <label>Mode <select name="mode">{{#modes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/modes}}</select></label>
          <button type="submit">Search</button>
        </form>
        {{#hasMessage}}<p class="message">{{message}}</p>{{/hasMessage}}
        {{#hasResults}}<p class="count">{{rangeText}} · <a href="{{subscribeURL}}">✉ New papers for this search by email</a></p>{{/hasResults}}
        {{#results}}{{> paper_item}}{{/results}}
        {{> pagination}}
        {{/page}}
        {{> foot}}
        """

    static let paper = """
        {{> head}}
        {{#page}}
        <article class="paper-full">
          <p class="cats">{{#categories}}<span class="cat">{{.}}</span> {{/categories}}</p>
          <h1>{{title}}</h1>
          <ul class="author-list">{{#authors}}<li>{{name}}{{#hasAffiliations}} <span class="aff">({{affiliations}})</span>{{/hasAffiliations}}</li>{{/authors}}</ul>
          <p class="links">
            {{#isArxiv}}<a href="{{absURL}}">arXiv:{{arxivID}}</a> · <a href="{{pdfURL}}">PDF</a>{{/isArxiv}}
            {{#hasDay}} · <a href="{{dayURL}}">{{day}}</a>{{/hasDay}}
            {{#code}} · <a class="code" href="{{url}}" rel="nofollow noopener">Code: {{label}}</a>{{/code}}
          </p>
          <div class="standing">
            {{#standing}}{{> vote}}{{#hasUpvotes}} <span class="upvotes hf" title="upvotes on Hugging Face daily papers">HF ▲ {{upvotes}}</span>{{/hasUpvotes}}{{#hasSubmitter}} <span class="submitter">submitted by <a href="/u/{{submitter}}">{{submitter}}</a></span>{{/hasSubmitter}}
            {{#layout.isLoggedIn}}<form id="not-interested" class="dismiss" action="/dismiss" method="post"><input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="paper" value="{{id}}"><input type="hidden" name="state" value="on"><input type="hidden" name="return" value="/for-you"><button type="submit" aria-label="Not interested: {{title}}">Not interested</button></form>{{/layout.isLoggedIn}}{{/standing}}
            <a href="/submit?paper={{id}}">Submit to today's page</a>
          </div>
          <h2>Abstract</h2>
          <p class="abstract-full">{{abstract}}</p>
          <dl class="details">
            {{#dates}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/dates}}
            {{#details}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/details}}
            <dt>Id</dt><dd>{{id}}</dd>
          </dl>
          {{#hasLinks}}<h2>Links</h2><ul>{{#links}}<li><a href="{{.}}" rel="nofollow noopener">{{.}}</a></li>{{/links}}</ul>{{/hasLinks}}
          {{#canCollect}}
          <section class="collect">
            <h2>Collections</h2>
            <ul class="collections">{{#collections}}<li>
              <form action="/collections/{{id}}/items" method="post">
                <input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="paper" value="{{page.id}}">
                <input type="hidden" name="state" value="{{nextState}}"><input type="hidden" name="return" value="{{layout.path}}">
                <button type="submit">{{#holds}}Remove from{{/holds}}{{^holds}}Add to{{/holds}}</button> <a href="/collections/{{id}}">{{name}}</a>{{^isPublic}} <span class="count">private</span>{{/isPublic}}
              </form></li>{{/collections}}</ul>
            <form action="/collections" method="post" class="new-collection">
              <input type="hidden" name="csrf" value="{{layout.csrf}}"><input type="hidden" name="paper" value="{{id}}">
              <input type="hidden" name="return" value="{{layout.path}}">
              <label>New collection <input name="name" required maxlength="80"></label>
              <label><input type="checkbox" name="public" checked> public</label>
              <button type="submit">Create and add</button>
            </form>
          </section>
          {{/canCollect}}
        </article>
        {{#hasSimilar}}
        <section class="similar">
          <h2>Similar papers</h2>
          {{#similar}}{{> paper_item}}{{/similar}}
        </section>
        {{/hasSimilar}}
        {{/page}}
        {{> foot}}
        """

    static let error = """
        {{> head}}
        {{#page}}
        <section class="error">
          <h1>{{title}}</h1>
          <p>{{message}}</p>
          <p><a href="/">Today's papers</a> · <a href="/search">Search</a></p>
          <p class="status">HTTP {{status}}</p>
        </section>
        {{/page}}
        {{> foot}}
        """
}
