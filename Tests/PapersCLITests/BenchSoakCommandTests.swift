import Foundation
import PapersCore
import PapersTestSupport
import Testing

@Suite("papers bench soak")
struct BenchSoakCommandTests {
    @Test("a short soak on a small embedded home: every kind of request answered, the table and the verdict printed", .timeLimit(.minutes(5)))
    func shortSoak() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.file("home")
        let file = dir.file("papers.jsonl")
        let topics = ["sparse mixture of experts routing", "diffusion models for proteins", "reward models from preference data",
                      "graph neural networks for molecules", "retrieval augmented generation"]
        let lines = (0..<40).map { n in
            #"{"id":"\#(String(format: "2511.5%04d", n + 1))","title":"\#(topics[n % topics.count].capitalized) \#(n)","abstract":"We study \#(topics[n % topics.count]) in setting \#(n).","authors":["Ada Lovelace"],"categories":["cs.LG"],"first_listed":"\#(TestClock.today.adding(days: -(n % 3)))"}"#
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let queries = dir.file("queries.txt")
        try topics.joined(separator: "\n").write(toFile: queries, atomically: true, encoding: .utf8)
        let imported = try await run(SharedData.papersExecutable, ["import", "--home", home, "--model", SharedData.modelDirectory, file])
        #expect(imported.status == 0, "\(imported.output)")
        let soak = try await run(SharedData.papersExecutable, ["bench", "soak", "--home", home, "--model", SharedData.modelDirectory,
                                                               "--minutes", "0.1", "--rate", "20", "--port", String(try ServeCommandTests.freeLoopbackPort()),
                                                               "--queries", queries])
        #expect(soak.status == 0, "\(soak.output)")
        #expect(soak.output.contains("| 1 | 120 | 0 |"), "120 requests in the minute, none failed: \(soak.output)")
        #expect(soak.output.contains("errors 0 — pass"), "\(soak.output)")
        #expect(soak.output.contains("resident memory after the 1-minute warm-up"), "\(soak.output)")
    }
}
