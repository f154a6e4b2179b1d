import PapersCore
@testable import PapersMarkdown
import PapersTestSupport
import Testing

@Suite("Comment Markdown")
struct CommentMarkdownTests {
    func html(_ source: String) -> String {
        CommentMarkdown.render(source, profileURL: { SiteURL.profile(name: $0).path }).html
    }

    @Test("GitHub Markdown renders: emphasis, code, lists, tables, autolinks, strikethrough")
    func githubMarkdown() {
        let out = html("**bold** and `code` and ~~gone~~\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nsee https://arxiv.org/abs/1706.03762")
        #expect(out.contains("<strong>bold</strong>"))
        #expect(out.contains("<code>code</code>"))
        #expect(out.contains("<del>gone</del>"))
        #expect(out.contains("<li>one</li>"))
        #expect(out.contains("<table>"))
        #expect(out.contains("<a rel=\"nofollow ugc noopener\" href=\"https://arxiv.org/abs/1706.03762\">"))
    }

    @Test("Math between dollars is kept as TeX for KaTeX, untouched by emphasis")
    func mathIsProtected() {
        let out = html("The loss $L = \\sum_i x_i * y_i$ and $$\\frac{a_1}{b_1}$$ cost $5 and $10.")
        #expect(out.contains("\\(L = \\sum_i x_i * y_i\\)"))
        #expect(out.contains("\\[\\frac{a_1}{b_1}\\]"))
        #expect(!out.contains("<em>"))
        #expect(out.contains("cost $5 and $10."))
    }

    @Test("Dollars inside code stay code")
    func dollarsInCode() {
        let out = html("`$x_1$` and\n\n```\n$a_b$\n```")
        #expect(out.contains("<code>$x_1$</code>"))
        #expect(out.contains("$a_b$\n</code></pre>"))
    }

    @Test("@mentions link to profiles; emails, code and links are not mentions")
    func mentions() {
        let rendered = CommentMarkdown.render("thanks @alice_b and @Bob-2. mail me at x@y.org, `@carol`, [@dave](https://e.org) @alice_b",
                                             profileURL: { SiteURL.profile(name: $0).path })
        #expect(rendered.mentions == ["alice_b", "Bob-2"])
        #expect(rendered.html.contains("<a rel=\"nofollow ugc noopener\" href=\"/u/alice_b\">@alice_b</a>"))
        #expect(rendered.html.contains("<code>@carol</code>"))
    }

    @Test("Every known payload renders inert", arguments: MarkupInertness.payloads)
    func payloadIsInert(_ payload: String) {
        let out = html(payload)
        #expect(MarkupInertness.problems(in: out) == [], "\(payload) → \(out)")
    }

    @Test("The inertness check itself catches live markup")
    func checkerCatchesLiveMarkup() {
        #expect(!MarkupInertness.problems(in: "<p><img src=x onerror=alert(1)></p>").isEmpty)
        #expect(!MarkupInertness.problems(in: "<a href=\"JavaScript&#58;alert(1)\">x</a>").isEmpty)
        #expect(!MarkupInertness.problems(in: "<svg><g/></svg>").isEmpty)
        #expect(MarkupInertness.problems(in: "<p>&lt;script&gt; onerror=alert(1)</p>").isEmpty)
    }
}
