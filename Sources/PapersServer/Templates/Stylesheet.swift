/// The one hand-written stylesheet (readable measure, system fonts, works on a phone, visible focus) and the script
/// that enhances forms: `Templates/Static/style.css` and `app.js` in the source tree, compiled into the binary.
enum Stylesheet {
    /// Progressive enhancement for upvote and "Not interested" forms: post them with fetch and update the page in
    /// place. Without JavaScript (or if the request fails) the form posts normally.
    static let javascript = Templates.text(PackageResources.app_js)
    /// The site's CSS.
    static let css = Templates.text(PackageResources.style_css)
}
