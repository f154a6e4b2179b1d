import PapersCore
import Testing

@Suite("Links to code found in abstracts and comments")
struct CodeLinksTests {
    @Test("repositories are found, normalised and deduplicated", arguments: [
        ("Code is available at https://github.com/mlfoundations/model-soups.", ["https://github.com/mlfoundations/model-soups"]),
        ("see github.com/openai/CLIP/tree/main/notebooks and https://GitHub.com/openai/clip", ["https://github.com/openai/CLIP"]),
        ("(https://gitlab.com/group/project.git)", ["https://gitlab.com/group/project"]),
        ("Our code: https://github.com/a-b/c_d.e, and data at https://github.com/x/y;", ["https://github.com/a-b/c_d.e", "https://github.com/x/y"]),
        ("https://github.com/onlyowner is not a repository", []),
        ("notgithub.com/a/b and mygitlab.com/a/b are other hosts", []),
        ("no links here", []),
    ] as [(String, [String])])
    func find(text: String, expected: [String]) {
        #expect(CodeLinks.find(in: [text]) == expected)
    }

    @Test("a paper's own links come first, then its abstract and comments")
    func paper() {
        let paper = Paper(id: PaperID("2203.05482")!, title: "T", abstract: "Code: https://github.com/b/two.",
                          comments: "12 pages; https://github.com/c/three", links: ["https://github.com/a/one"])
        #expect(CodeLinks.of(paper) == ["https://github.com/a/one", "https://github.com/b/two", "https://github.com/c/three"])
    }
}
