import Foundation

/// A paper as other tools read it: Markdown (the page as text, as Hugging Face serves `/papers/{id}.md`) and BibTeX
/// (arXiv's own `@misc` form, for reference managers).
public enum PaperExport {
    /// The paper page as Markdown; links are absolute on the instance at `baseURL`.
    public static func markdown(_ paper: Paper, baseURL: String, comments: Int = 0) -> String {
        var lines: [String] = ["# " + oneLine(paper.title), ""]
        if !paper.authors.isEmpty {
            lines.append("**Authors:** " + paper.authors.map { oneLine($0.name) }.joined(separator: ", "))
            lines.append("")
        }
        var facts: [String] = []
        if let arxiv = paper.arxivID { facts.append("**arXiv:** [\(arxiv)](\(arxiv.absURL)) · [PDF](\(arxiv.pdfURL))") }
        if let published = paper.published { facts.append("**Submitted:** \(published)") }
        if let listed = paper.announcedDay { facts.append("**Listed:** \(listed)") }
        if !paper.categories.isEmpty { facts.append("**Categories:** " + paper.categories.joined(separator: ", ")) }
        if let doi = paper.doi { facts.append("**DOI:** \(oneLine(doi))") }
        if let journal = paper.journalRef { facts.append("**Journal:** \(oneLine(journal))") }
        for fact in facts { lines.append(fact + "  ") }
        if !facts.isEmpty { lines.append("") }
        lines += ["## Abstract", "", paper.abstract.trimmingCharacters(in: .whitespacesAndNewlines), ""]
        let code = CodeLinks.of(paper)
        if !code.isEmpty || !paper.links.isEmpty {
            lines += ["## Links", ""]
            for link in (code + paper.links.filter { !code.contains($0) }) where link.hasPrefix("https://") || link.hasPrefix("http://") {
                lines.append("- <\(link)>")
            }
            lines.append("")
        }
        lines.append("[Discussion (\(comments) comment\(comments == 1 ? "" : "s"))](\(SiteURL.paper(paper.id, fragment: "comments").absolute(base: baseURL)))"
                     + " · [BibTeX](\(SiteURL.paper(paper.id).absolute(base: baseURL)).bib)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The paper as one BibTeX `@misc` entry (arXiv's form: eprint, archivePrefix, primaryClass), or `@article`
    /// when it has a journal reference.
    public static func bibtex(_ paper: Paper) -> String {
        var fields: [(String, String)] = [("title", braced(paper.title))]
        if !paper.authors.isEmpty { fields.append(("author", braced(paper.authors.map(\.name).joined(separator: " and ")))) }
        if let year = (paper.published ?? paper.announcedDay)?.components.year { fields.append(("year", String(year))) }
        if let arxiv = paper.arxivID {
            // The unversioned id, as arXiv's own export writes it: a citation names the paper, not one version.
            fields.append(("eprint", arxiv.base))
            fields.append(("archivePrefix", "arXiv"))
            if let primary = paper.primaryCategory { fields.append(("primaryClass", braced(primary))) }
            fields.append(("url", "https://arxiv.org/abs/" + arxiv.base))
        }
        if let doi = paper.doi { fields.append(("doi", braced(doi))) }
        if let journal = paper.journalRef { fields.append(("journal", braced(journal))) }
        let body = fields.map { "  \($0.0) = {\($0.1)}" }.joined(separator: ",\n")
        return "@\(paper.journalRef == nil ? "misc" : "article"){\(citationKey(paper)),\n\(body)\n}\n"
    }

    /// `lastnameYEARfirstword`, ASCII letters and digits only (arXiv's and Google Scholar's habit).
    public static func citationKey(_ paper: Paper) -> String {
        func ascii(_ text: String) -> String {
            text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
        let last = paper.authors.first.map { ascii($0.name.split(separator: " ").last.map(String.init) ?? $0.name) } ?? ""
        let year = (paper.published ?? paper.announcedDay).map { String($0.components.year) } ?? ""
        let stop: Set<String> = ["a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "towards", "toward"]
        let word = paper.title.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { ascii(String($0)) }.first { !$0.isEmpty && !stop.contains($0) } ?? ""
        let key = last + year + word
        return key.isEmpty ? ascii(paper.id.rawValue) : key
    }

    /// A value safe inside BibTeX braces: LaTeX's special `&`, `%` and `#` escaped, braces kept only when they
    /// balance (BibTeX counts every brace, escaped or not, and an unbalanced one would end the field), no backslash
    /// at the end (it would escape the field's closing brace), on one line.
    static func braced(_ text: String) -> String {
        // Unicode scalars, not Characters: a combining mark after a brace makes one Character of both, which would
        // hide the brace from the count while BibTeX still sees it.
        var line = Array(oneLine(text).unicodeScalars)
        var depth = 0
        var balanced = true
        for c in line {
            if c == "{" { depth += 1 } else if c == "}" { depth -= 1; if depth < 0 { balanced = false; break } }
        }
        if depth != 0 { balanced = false }
        if !balanced { line.removeAll { $0 == "{" || $0 == "}" } }
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        for c in line {
            if c == "&" || c == "%" || c == "#", previous != "\\" { out.append("\\") }
            out.append(c)
            previous = c
        }
        while out.last == "\\" { out.removeLast() }
        return String(out)
    }

    /// Whitespace runs (newlines too) as one space.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
