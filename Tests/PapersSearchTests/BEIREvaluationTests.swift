import Foundation
import PapersCore
import PapersSearch
import PapersStore
import PapersTestSupport
import Testing

@Suite("BEIR evaluation of keyword search")
struct BEIREvaluationTests {
    @Test("a tiny hand-made set (folder name with a space) scores what it should, with string ids and graded qrels")
    func tiny() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("tiny set/corpus.jsonl", lines: [
            #"{"_id": "doc-a", "title": "Protein folding with deep learning", "text": "We predict protein structure."}"#,
            #"{"_id": "doc-b", "title": "Cooking pasta", "text": "Boil water, add salt."}"#,
            #"{"_id": "doc-c", "title": "Graph networks", "text": "Message passing on molecules and protein graphs."}"#,
        ])
        try dir.write("tiny set/queries.jsonl", lines: [
            #"{"_id": "q1", "text": "protein structure prediction"}"#,
            #"{"_id": "q2", "text": "how to cook pasta"}"#,
            #"{"_id": "q3", "text": "unjudged query"}"#,
        ])
        try dir.write("tiny set/qrels/test.tsv", lines: ["query-id\tcorpus-id\tscore", "q1\tdoc-a\t2", "q1\tdoc-c\t1", "q2\tdoc-b\t1"])
        let dataset = try BEIRDataset(directory: dir.file("tiny set"))
        let store = try SQLitePaperStore(path: dir.file("eval.sqlite"))
        let evaluator = BEIREvaluator(dataset: dataset, store: store)
        #expect(try await evaluator.prepareCorpus() == 3)
        let report = try await evaluator.evaluate(split: "test", mode: .keyword)
        #expect(report.queries == 2)
        #expect(report.ndcg10 == 1)
        #expect(report.mrr10 == 1)
        await #expect(throws: EvaluationError.self) { _ = try await evaluator.evaluate(split: "dev", mode: .keyword) }
    }

    @Test("SciFact dev: keyword nDCG@10 ≥ 0.69 (BM25 reference 0.695)")
    func scifact() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let dataset = try BEIRDataset(directory: SharedData.path("eval/scifact-dev"))
        let store = try SQLitePaperStore(path: dir.file("scifact.sqlite"))
        let evaluator = BEIREvaluator(dataset: dataset, store: store)
        #expect(try await evaluator.prepareCorpus() == 5183)
        let report = try await evaluator.evaluate(split: "dev", mode: .keyword)
        #expect(report.ndcg10 >= 0.69, "nDCG@10 = \(report.ndcg10)")
    }
}
