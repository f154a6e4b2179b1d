import Foundation
import PapersCore
@testable import PapersSearch
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite

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

    @Test("both development sets with the defaults: keyword nDCG@10 at or above plain BM25 (scifact-dev 0.695, cisi-dev 0.373)",
          arguments: [("eval/scifact-dev", 5183, 0.695), ("eval/cisi-dev", 1460, 0.373)])
    func developmentSets(folder: String, documents: Int, plainBM25: Double) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let dataset = try BEIRDataset(directory: SharedData.path(folder))
        let store = try SQLitePaperStore(path: dir.file("eval.sqlite"))
        let evaluator = BEIREvaluator(dataset: dataset, store: store)
        #expect(try await evaluator.prepareCorpus() == documents)
        let report = try await evaluator.evaluate(split: "dev", mode: .keyword)
        #expect(report.ndcg10 >= plainBM25, "\(folder): nDCG@10 = \(report.ndcg10)")
    }
}

@Suite("Evaluation grids: every combination once, on every collection, in one table")
struct EvaluationGridTests {
    @Test("the cartesian product of the axes, first axis slowest; settings a mode ignores collapse into one point")
    func points() throws {
        let grid = try EvaluationGrid(parsing: "mode=keyword,hybrid alpha=0.1,0.3; k1=0.9,1.2")
        // keyword ignores alpha: 2 keyword points (k1) + 4 hybrid points (alpha × k1).
        #expect(grid.points.count == 6)
        #expect(grid.points.map(\.mode) == [.keyword, .keyword, .hybrid, .hybrid, .hybrid, .hybrid])
        #expect(grid.points.map { $0.value(of: .k1) } == ["0.9", "1.2", "0.9", "1.2", "0.9", "1.2"])
        #expect(grid.points.map { $0.value(of: .alpha) }.suffix(4) == ["0.1", "0.1", "0.3", "0.3"])
        #expect(grid.varyingAxes == [.mode, .k1, .alpha])
        let rrf = try EvaluationGrid(parsing: "fusion=rrf alpha=0.1,0.2,0.3 rrfk=10,60")
        #expect(rrf.points.count == 2)
        // Semantic search ignores the keyword index's title weight.
        let titles = try EvaluationGrid(parsing: "mode=semantic,keyword title=1,2,3")
        #expect(titles.points.map { "\($0.mode.rawValue)/\($0.fieldWeights.title)" } == ["semantic/2", "keyword/1", "keyword/2", "keyword/3"])
    }

    @Test("unnamed axes keep the base settings; an empty spec is the base alone")
    func base() throws {
        let grid = try EvaluationGrid(parsing: "", base: SearchSettings(mode: .keyword, scoring: KeywordScoring(k1: 2, b: 0.5)))
        #expect(grid.points == [SearchSettings(mode: .keyword, scoring: KeywordScoring(k1: 2, b: 0.5))])
    }

    @Test("bad specs are refused with the axis and value named", arguments: [
        ("k1=abc", "k1=abc"), ("b=1.5", "b=1.5"), ("mode=fast", "mode=fast"), ("colour=red", "colour=red"),
        ("alpha", "alpha"), ("k1=1 k1=2", "k1 is given twice"), ("qtf=", "qtf="), ("title=1.5", "title=1.5"), ("title=0", "title=0"),
    ])
    func refused(spec: String, named: String) {
        #expect {
            _ = try EvaluationGrid(parsing: spec)
        } throws: { error in
            "\(error)".contains(named) && "\(error)".hasPrefix("--grid:")
        }
    }

    @Test("the table has a row per point, a column per collection, the means, the best mean in bold and · where a setting does not apply")
    func table() throws {
        let grid = try EvaluationGrid(parsing: "mode=keyword,hybrid alpha=0.2,0.4")
        func report(_ ndcg: Double) -> EvaluationReport {
            EvaluationReport(dataset: "", split: "dev", mode: "", queries: 1, ndcg10: ndcg, recall100: 0.5, mrr10: 0, latencyP50ms: 0, latencyP99ms: 0)
        }
        let text = grid.table(collections: ["a", "b"], results: [
            ["a": report(0.6), "b": report(0.2)], ["a": report(0.7), "b": report(0.5)], ["a": report(0.8), "b": report(0.1)],
        ])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("| mode | alpha | a | b | mean nDCG@10 | mean R@100 |"))
        #expect(lines.contains("| keyword | · | 0.6000 | 0.2000 | 0.4000 | 0.5000 |"))
        #expect(lines.contains("| hybrid | 0.2 | 0.7000 | 0.5000 | **0.6000** | 0.5000 |"))
        #expect(lines.contains("| hybrid | 0.4 | 0.8000 | 0.1000 | 0.4500 | 0.5000 |"))
    }
}

@Suite("Query embeddings are remembered: a repeated text costs no encoder time")
struct QueryEmbeddingCacheTests {
    @Test("a text used again is answered from memory; the older generation is dropped only after a full newer one")
    func generations() {
        var cache = QueryEmbeddingCache(capacity: 2)
        cache.insert([1], for: "a")
        cache.insert([2], for: "b")
        cache.insert([3], for: "c")                 // "a" and "b" move to the older generation
        #expect(cache.vector(for: "a") == [1])      // found there, moved back to the newer one (now full: "c", "a")
        cache.insert([4], for: "d")                 // newer full: ("c", "a") become the older, "b" is dropped
        #expect(cache.vector(for: "b") == nil)
        #expect(cache.vector(for: "c") == [3])
        #expect(cache.vector(for: "d") == [4])
        #expect(cache.vector(for: "unseen") == nil)
    }
}
