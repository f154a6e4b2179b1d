import PapersCore
import Testing

@Suite("A paper as Markdown and BibTeX")
struct PaperExportTests {
    func paper(title: String, authors: [String] = ["Ádá Lovelace", "Charles Babbage"], journal: String? = nil) -> Paper {
        var paper = Paper(id: PaperID("2511.10001")!, version: 2, title: title, abstract: "An abstract\nover lines.",
                          authors: authors.map { Author(name: $0) }, categories: ["cs.LG", "stat.ML"], published: Day("2025-11-18"))
        paper.journalRef = journal
        return paper
    }

    @Test("BibTeX: arXiv's @misc form, unversioned eprint, a lastnameYEARword key, @article with a journal")
    func bibtex() {
        let text = PaperExport.bibtex(paper(title: "The Analytical Engine: notes"))
        #expect(text.hasPrefix("@misc{lovelace2025analytical,\n"))
        #expect(text.contains("  author = {Ádá Lovelace and Charles Babbage},\n"))
        #expect(text.contains("  eprint = {2511.10001},\n") && text.contains("  primaryClass = {cs.LG},\n"))
        #expect(text.contains("  url = {https://arxiv.org/abs/2511.10001}\n}"))
        #expect(PaperExport.bibtex(paper(title: "X", journal: "Nature 1 (2025)")).hasPrefix("@article{"))
    }

    @Test("BibTeX: LaTeX specials escaped, unbalanced braces dropped so a title cannot end its field")
    func bibtexEscaping() {
        let text = PaperExport.bibtex(paper(title: "100% of {R&D} } @misc{evil, title={x #1"))
        let title = text.split(separator: "\n").first { $0.hasPrefix("  title = ") }.map(String.init) ?? ""
        #expect(title == "  title = {100\\% of R\\&D  @misceevil, title=x \\#1},".replacingOccurrences(of: "misce", with: "misc"))
        #expect(PaperExport.bibtex(paper(title: "Balanced {GPU} kernels")).contains("title = {Balanced {GPU} kernels}"))
    }

    @Test("Markdown: title, authors, links, abstract and the discussion's size")
    func markdown() {
        let text = PaperExport.markdown(paper(title: "Line\nbroken title"), baseURL: "https://papers.example.org", comments: 1)
        #expect(text.hasPrefix("# Line broken title\n\n**Authors:** Ádá Lovelace, Charles Babbage\n"))
        #expect(text.contains("**arXiv:** [2511.10001v2](https://arxiv.org/abs/2511.10001v2)"))
        #expect(text.contains("## Abstract\n\nAn abstract\nover lines.\n"))
        #expect(text.contains("[Discussion (1 comment)](https://papers.example.org/papers/2511.10001#comments)"))
    }
}
