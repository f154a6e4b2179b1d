import Foundation
import PapersFuzzing
import PapersTestSupport
import Testing

/// Every seed input and every input a fuzzer once crashed on (`Fuzz/corpus/HARNESS`, `Fuzz/regressions/HARNESS`),
/// run through its harness on every `make test`: a fixed bug stays fixed. The harnesses check their invariants with
/// preconditions, so a regression stops the test process with the harness's message.
@Suite("Fuzz corpora and past findings replay cleanly")
struct FuzzRegressionTests {
    static func inputs(_ harness: FuzzHarness) -> [URL] {
        ["corpus", "regressions"].flatMap { kind -> [URL] in
            let folder = SharedData.repositoryRoot.appendingPathComponent("Fuzz/\(kind)/\(harness.rawValue)")
            return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
        }
    }

    @Test("each harness has seeds, and every seed and past finding runs through it", arguments: FuzzHarness.allCases)
    func replay(_ harness: FuzzHarness) throws {
        let files = Self.inputs(harness)
        #expect(!files.isEmpty, "Fuzz/corpus/\(harness.rawValue) has no seeds")
        for file in files { harness.run(try Data(contentsOf: file)) }
    }
}
