/// The Mustache templates, compiled into the binary so `papers` stays one file.
/// `{{x}}` is HTML-escaped; `{{{x}}}` is used only for markup built by `HTMLEscaping`.
enum Templates {
    static let all: [String: String] = [
        "head": head, "foot": foot, "paper_item": paperItem, "pagination": pagination,
        "home": home, "day": day, "search": search, "paper": paper, "error": error,
    ]

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{layout.pageTitle}} · {{layout.siteName}}</title>
        <link rel="stylesheet" href="/static/style.css">
        </head>
        <body>
        <a class="skip" href="#content">Skip to content</a>
        <header class="site">
          <a class="brand" href="/">{{layout.siteName}}</a>
          <form class="search" action="/search" method="get" role="search">
            <input type="search" name="q" value="{{layout.query}}" placeholder="Search papers" aria-label="Search papers" maxlength="1000">
            <button type="submit">Search</button>
          </form>
        </header>
        <main id="content">

        """

    static let foot = """
        </main>
        <footer class="site"><p>{{layout.siteName}} · papers from arXiv and friends · <a href="/search">search</a></p></footer>
        </body>
        </html>

        """

    static let paperItem = """
        <article class="paper">
          <h3><a href="{{url}}">{{title}}</a></h3>
          <p class="authors">{{authors}}</p>
          <p class="cats">{{#hasUpvotes}}<span class="upvotes" title="upvotes on Hugging Face daily papers">▲ {{upvotes}}</span> {{/hasUpvotes}}{{#categories}}<span class="cat">{{.}}</span> {{/categories}}{{#hasDay}}<span class="day">{{day}}</span>{{/hasDay}}{{#hasCode}} <a class="code" href="{{codeURL}}" rel="nofollow noopener">Code</a>{{/hasCode}}</p>
          {{#hasSnippet}}<p class="snippet">{{{snippetHTML}}}</p>{{/hasSnippet}}{{^hasSnippet}}<p class="abstract">{{abstractPreview}}</p>{{/hasSnippet}}
        </article>

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
        <nav class="days" aria-label="Days">
          <span class="prev">{{#previous}}<a href="{{url}}" rel="prev">{{label}}</a>{{/previous}}</span>
          <span class="next">{{#next}}<a href="{{url}}" rel="next">{{label}}</a>{{/next}}</span>
        </nav>
        <h1>{{heading}}</h1>
        {{#isEmpty}}<p class="empty">{{emptyMessage}}</p>{{/isEmpty}}
        {{^isEmpty}}<p class="count">{{total}} papers</p>{{/isEmpty}}
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
        {{#hasResults}}<p class="count">{{rangeText}}</p>{{/hasResults}}
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
          <h2>Abstract</h2>
          <p class="abstract-full">{{abstract}}</p>
          <dl class="details">
            {{#dates}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/dates}}
            {{#details}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/details}}
            <dt>Id</dt><dd>{{id}}</dd>
          </dl>
          {{#hasLinks}}<h2>Links</h2><ul>{{#links}}<li><a href="{{.}}" rel="nofollow noopener">{{.}}</a></li>{{/links}}</ul>{{/hasLinks}}
        </article>
        {{#hasSimilar}}
        <section class="similar">
          <h2>Similar papers</h2>
          {{#similar}}{{> summary}}{{/similar}}
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
