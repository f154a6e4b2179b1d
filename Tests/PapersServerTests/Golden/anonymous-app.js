200 text/javascript; charset=utf-8
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

// Math in comments: the server keeps TeX between \( \) and \[ \] (Markdown never touches it); KaTeX, when the
// instance has it, typesets it in place. Without KaTeX the TeX stays readable as it is.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof renderMathInElement !== "function") return;
  for (const body of document.querySelectorAll(".comment-body")) {
    renderMathInElement(body, {
      delimiters: [{ left: "\\[", right: "\\]", display: true }, { left: "\\(", right: "\\)", display: false }],
      throwOnError: false, trust: false, maxExpand: 1000
    });
  }
});