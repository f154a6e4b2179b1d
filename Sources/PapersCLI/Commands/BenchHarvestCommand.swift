import ArgumentParser
import Foundation
import PapersCore
import PapersIngest

/// `papers bench oai-parse`: OAI-PMH page parsing speed on real arXiv metadata.
struct BenchOAIParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oai-parse",
        abstract: "Parse a 1,000-record OAI-PMH ListRecords page (real arXiv titles, abstracts and authors) and report records/s.")

    @Option(help: "JSON-lines papers to build the page from (default: ../shared/data/arxiv-sample.jsonl.gz).")
    var sample: String?
    @Option(help: "Records on the page.") var records = 1_000
    @Option(help: "Timed parses; the median is reported.") var runs = 21
    @Option(help: "arXiv or arXivRaw.") var metadataPrefix = "arXiv"

    func run() async throws {
        let path = sample ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .deletingLastPathComponent().appendingPathComponent("shared/data/arxiv-sample.jsonl.gz").path
        let reader = try LineReader(path: path)
        let decoder = RecordDecoder(format: .auto)
        var page: [OAIArxivRecord] = []
        while page.count < records, let line = try reader.nextLine() {
            guard let paper = try? decoder.decode(line), let id = paper.arxivID?.base else { continue }
            let listed = (paper.listed ?? Day("2026-11-23")!).description
            page.append(OAIArxivRecord(
                id: id, datestamp: listed, sets: ["cs"], title: paper.title, abstract: paper.abstract,
                authors: paper.authors.map { a in
                    let parts = a.name.split(separator: " ")
                    return (String(parts.last ?? ""), parts.dropLast().joined(separator: " "), a.affiliations.first)
                },
                categories: paper.categories.joined(separator: " "), created: listed))
        }
        let document = Data(OAIPMHWriter.listRecordsDocument(page, prefix: metadataPrefix, token: "bench|\(page.count)").utf8)
        var seconds: [Double] = []
        var parsed = 0
        for _ in 0..<max(1, runs) {
            let start = ContinuousClock.now
            let result = try OAIPMHParser.parse(document)
            let elapsed = ContinuousClock.now - start
            seconds.append(elapsed.inSeconds)
            parsed = result.records.count
        }
        seconds.sort()
        let median = seconds[seconds.count / 2]
        print(String(format: "oai-parse: %d records, %.2f MB page (%@): median %.1f ms → %.0f records/s (best %.0f, worst %.0f) over %d runs",
                     parsed, Double(document.count) / 1e6, metadataPrefix, median * 1000, Double(parsed) / median,
                     Double(parsed) / seconds[0], Double(parsed) / seconds[seconds.count - 1], seconds.count))
    }
}
