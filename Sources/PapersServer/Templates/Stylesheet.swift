/// The one hand-written stylesheet: readable measure, system fonts, works on a phone, visible focus.
enum Stylesheet {
    /// Progressive enhancement for upvote and "Not interested" forms: post them with fetch and update the page in
    /// place. Without JavaScript (or if the request fails) the form posts normally.
    static let javascript = """
        // Posts a form with fetch for JSON; to the log-in page on 401; a plain post when fetch fails. Returns the JSON
        // answer, or null when the page is leaving.
        async function postForJSON(form) {
          try {
            const response = await fetch(form.action, {
              method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
              headers: { "Accept": "application/json" }
            });
            if (response.status === 401) { window.location = "/login?return=" + encodeURIComponent(location.pathname + location.search); return null; }
            if (!response.ok) { form.submit(); return null; }
            return await response.json();
          } catch (e) {
            form.submit();
            return null;
          }
        }
        document.addEventListener("submit", async (event) => {
          const form = event.target;
          if (!(form instanceof HTMLFormElement)) return;
          if (form.hasAttribute("data-vote")) {
            event.preventDefault();
            const button = form.querySelector("button");
            button.disabled = true;
            const result = await postForJSON(form);
            button.disabled = false;
            if (!result) return;
            form.querySelector(".count").textContent = result.votes;
            button.setAttribute("aria-pressed", result.voted ? "true" : "false");
            form.querySelector("input[name=state]").value = result.voted ? "off" : "on";
            const label = result.voted ? "Remove upvote" : "Upvote";
            button.title = label;
            button.setAttribute("aria-label", label + button.getAttribute("aria-label").replace(/^[^:]*/, ""));
          } else if (form.hasAttribute("data-dismiss")) {
            // "Not interested": the paper leaves the page; without JavaScript the form posts and the page comes
            // back without it.
            event.preventDefault();
            if (await postForJSON(form)) {
              const article = form.closest("article.paper");
              if (article) article.remove();
            }
          }
        });
        // A library file (BibTeX, RIS) read into the seeding form's text box.
        document.addEventListener("change", async (event) => {
          const input = event.target;
          if (!(input instanceof HTMLInputElement) || !input.dataset.fill || !input.files || !input.files[0]) return;
          const box = input.form && input.form.querySelector("textarea[name=" + input.dataset.fill + "]");
          if (box) box.value = await input.files[0].text();
        });
        """

    static let css = """
        :root { --fg: #1d1d1f; --muted: #5f6368; --accent: #0b57d0; --line: #e3e3e3; --bg: #fff; --mark: #fff3a3; }
        @media (prefers-color-scheme: dark) {
          :root { --fg: #e8e8e8; --muted: #a0a4a8; --accent: #8ab4f8; --line: #333; --bg: #141414; --mark: #5c4b00; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; }
        header.site { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px 16px; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 1.25rem; color: var(--fg); }
        form.search { display: flex; flex: 1; min-width: 220px; gap: 6px; }
        input, button { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
        form.search input { flex: 1; min-width: 0; }
        button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
        main { max-width: 860px; margin: 0 auto; padding: 8px 16px 48px; }
        h1 { font-size: 1.6rem; line-height: 1.25; }
        section.day h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        .count, .authors, .day, .status, .aff { color: var(--muted); font-size: 0.9rem; }
        article.paper { padding: 12px 0; border-bottom: 1px solid var(--line); }
        article.paper h3 { margin: 0 0 4px; font-size: 1.05rem; }
        article.paper p { margin: 4px 0; }
        .cat { display: inline-block; font-size: 0.75rem; padding: 0 6px; border: 1px solid var(--line); border-radius: 10px; color: var(--muted); }
        .abstract, .snippet { font-size: 0.95rem; }
        mark { background: var(--mark); color: inherit; padding: 0 1px; }
        nav.days, nav.pages { display: flex; justify-content: space-between; gap: 12px; margin: 12px 0; flex-wrap: wrap; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
        form.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); }
        .author-list { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
        .abstract-full { font-size: 1.02rem; }
        dl.details { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
        dl.details dt { color: var(--muted); }
        dl.details dd { margin: 0; overflow-wrap: anywhere; }
        footer.site { text-align: center; color: var(--muted); font-size: 0.85rem; padding: 24px; border-top: 1px solid var(--line); }
        .notice { padding: 8px 12px; background: var(--notice, #fff8e1); border-left: 4px solid #f0b400; border-radius: 4px; }
        .upvotes { font-weight: 600; color: #b35c00; }
        .message, .empty { padding: 12px; border: 1px dashed var(--line); border-radius: 8px; }
        code { font-size: 0.9em; }
        nav.main, nav.account { display: flex; gap: 12px; align-items: center; }
        nav.account form { display: inline; margin: 0; }
        button.link { background: none; border: none; color: var(--accent); padding: 0; }
        nav.tabs { display: flex; gap: 4px; margin: 12px 0 0; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        nav.tabs a { padding: 6px 12px; border-radius: 6px 6px 0 0; }
        nav.tabs a[aria-current] { background: var(--line); color: var(--fg); font-weight: 600; }
        article.paper { display: grid; grid-template-columns: 3.5rem 1fr; column-gap: 12px; }
        article.paper > :not(form.vote) { grid-column: 2; }
        form.vote { grid-row: 1 / span 4; margin: 0; }
        form.vote button { width: 3.5rem; min-height: 44px; padding: 4px; background: var(--bg); color: var(--fg); border-color: var(--line); }
        form.vote .count { color: inherit; font-size: inherit; }
        form.vote button[aria-pressed="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
        .standing { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin: 12px 0; }
        .standing form.vote { grid-row: auto; }
        .upvotes.hf { font-weight: 400; font-size: 0.85rem; }
        p.reason { margin: 0.2rem 0; color: var(--muted); font-size: 0.9rem; }
        form.dismiss { display: inline; margin: 0; }
        form.dismiss button { background: none; border: none; color: var(--muted); padding: 0; font-size: 0.85rem; cursor: pointer; text-decoration: underline; min-height: 0; }
        .sorts a[aria-current] { font-weight: 600; }
        .submitter { color: var(--muted); font-size: 0.85rem; }
        .account-form form { display: flex; flex-direction: column; gap: 10px; max-width: 26rem; }
        .account-form label.inline { flex-direction: row; align-items: center; gap: 6px; }
        .account-form fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
        .account-form fieldset legend { width: 100%; padding: 0; font-size: 0.9rem; }
        .digest-cta { margin: 0 0 8px; font-size: 0.9rem; }
        .account-form label, .new-collection label { display: flex; flex-direction: column; font-size: 0.9rem; }
        .error { color: #b00020; }
        .footnote { color: var(--muted); font-size: 0.85rem; margin-top: 16px; }
        ul.collections { list-style: none; padding: 0; }
        ul.collections form { display: flex; gap: 8px; align-items: center; margin: 4px 0; }
        .token { overflow-wrap: anywhere; }
        @media (max-width: 600px) {
          header.site { padding: 8px; }
          form.search { order: 3; flex-basis: 100%; }
          main { padding: 4px 10px 32px; }
          article.paper { grid-template-columns: 3rem 1fr; column-gap: 8px; }
          form.vote button { width: 3rem; }
          dl.details { grid-template-columns: 1fr; }
        }
        """
}
