import PapersCore
import Testing

@Suite("Reading a library to seed a profile")
struct LibraryImportTests {
    @Test("plain ids and URLs, separated by spaces, commas or lines; versions dropped; DOIs kept")
    func plainIDs() {
        let entries = LibraryImport.entries("2401.04088v2, https://arxiv.org/abs/2312.00752\nhep-th/9901001 10.1000/XYZ.1 nonsense")
        #expect(entries.map(\.arxivID) == ["2401.04088", "2312.00752", "hep-th/9901001", nil])
        #expect(entries.last?.doi == "10.1000/xyz.1")
    }

    @Test("BibTeX: eprint, arXiv URLs and journal notes, DOI, braced and quoted titles, nested braces")
    func bibtex() {
        let text = """
            @article{a, title = {Attention Is {All} You Need}, eprint = {1706.03762}, archivePrefix = {arXiv}}
            @inproceedings{b,
              title = "Deep {Residual} Learning",
              doi = {10.1109/CVPR.2016.90},
            }
            @misc{c, title={Scaling Laws}, journal = {arXiv preprint arXiv:2001.08361}}
            @article{d, url = {https://arxiv.org/abs/2106.09685v2}}
            """
        let entries = LibraryImport.entries(text)
        #expect(entries.count == 4)
        #expect(entries[0] == LibraryImport.Entry(arxivID: "1706.03762", doi: nil, title: "Attention Is All You Need"))
        #expect(entries[1].doi == "10.1109/cvpr.2016.90" && entries[1].title == "Deep Residual Learning")
        #expect(entries[2].arxivID == "2001.08361" && entries[3].arxivID == "2106.09685")
    }

    @Test("RIS records: title, DOI and arXiv links, one entry per TY … ER")
    func ris() {
        let text = "TY  - JOUR\nTI  - Reward models\nUR  - https://arxiv.org/abs/2511.10003\nER  - \nTY  - CONF\nT1  - Other\nDO  - 10.5555/ABC\nER  -"
        let entries = LibraryImport.entries(text)
        #expect(entries.count == 2)
        #expect(entries.first == LibraryImport.Entry(arxivID: "2511.10003", doi: nil, title: "Reward models"))
        #expect(entries.last?.doi == "10.5555/abc" && entries.last?.title == "Other")
    }
}
