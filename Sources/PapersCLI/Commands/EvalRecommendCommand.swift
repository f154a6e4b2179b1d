import ArgumentParser
import Crypto
import Foundation
import PapersCore
import PapersIngest
import PapersRecommend
import PapersStore
import PapersSQLite

/// `papers eval recommend [FILE]`: the offline evaluation of personal ranking (docs/recommend.md).
struct RecommendEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "nDCG@10, Recall@20 and MRR of personal ranking and its baselines on arXiv listings, authors standing in for users.",
        discussion: """
            Users are authors with ≥ 5 papers first listed before the cutoff and ≥ 1 after (papers with more than 15 \
            authors count for nobody); their earlier papers are the profile, and each later day with a paper of theirs \
            is a ranking task over every paper listed that day. The headline split drops targets that share a co-author \
            with the profile. The papers a run needs are embedded once into HOME/eval/NAME-HASH.sqlite and reused.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "JSON-lines papers with first_listed days (default: ../shared/data/arxiv-sample.jsonl.gz).") var file: String?
    @Option(help: "Profiles before this day, targets from it on (YYYY-MM-DD).") var cutoff = "2026-04-01"
    @Option(help: "Users drawn.") var users = 1_000
    @Option(help: "Seed of the user and background draws.") var seed = 42
    @Option(help: "Background papers a model may use as negatives.") var background = 5_000
    @Option(help: "Profile sizes for the curve (comma separated; empty: no curve).") var curve = "1,2,3,5,10,20"
    @Flag(help: "Also print the split with every target (co-authored ones too).") var allTargets = false
    @Flag(help: "Print the report as JSON.") var json = false
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: ArgumentHelp("Rows to run, comma separated names (experiments).", visibility: .hidden)) var only: String?
    @Option(help: ArgumentHelp("Personal model block weights terms,embedding,categories (experiments).", visibility: .hidden)) var weights: String?
    @Option(help: ArgumentHelp("Personal model C (experiments).", visibility: .hidden)) var cost: Float?
    @Option(help: ArgumentHelp("Personal model recency decay (experiments).", visibility: .hidden)) var decay: Float?
    @Option(help: ArgumentHelp("Diversity of the final order (experiments).", visibility: .hidden)) var diversity: Float?

    struct Report: Encodable {
        var file: String
        var cutoff: String
        var eligibleUsers: Int
        var users: Int
        var coauthorFree: [RecommendationScore]
        var allTargets: [RecommendationScore]?
        var curve: [CurvePoint]
    }

    struct CurvePoint: Encodable {
        var profileSize: Int
        var scores: [RecommendationScore]
    }

    func run() async throws {
        guard let cutoffDay = Day(cutoff) else { throw ValidationError("--cutoff: expected YYYY-MM-DD, got \(cutoff)") }
        let path = file ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .deletingLastPathComponent().appendingPathComponent("shared/data/arxiv-sample.jsonl.gz").path
        let papers = try Self.readPapers(path)
        var settings = RecommendationProtocol.Settings(cutoff: cutoffDay)
        settings.userCount = users
        settings.seed = seed
        settings.backgroundCount = background
        let evaluationPapers = papers.map {
            EvaluationPaper(id: $0.id.description, title: $0.title, abstract: $0.abstract, authors: $0.authors.map(\.name),
                            categories: $0.categories, day: $0.announcedDay!)
        }
        let evaluationProtocol = RecommendationProtocol(papers: evaluationPapers, settings: settings)
        let needed = evaluationProtocol.neededPapers
        log("\(papers.count) papers, \(evaluationProtocol.eligibleUsers) eligible users, \(evaluationProtocol.users.count) drawn, \(needed.count) papers to embed")

        let (embeddings, dimension) = try await embed(papers, needed: needed, path: path)
        let start = ContinuousClock.now
        let vocabulary = TermVocabulary(documents: evaluationPapers.filter { $0.day < cutoffDay }.map { $0.title + " " + $0.abstract })
        let corpus = EvaluationCorpus(papers: evaluationPapers, embeddings: embeddings, dimension: dimension, vocabulary: vocabulary, needed: needed)
        log("features: \(vocabulary.count) terms in \(String(format: "%.1f", (ContinuousClock.now - start).inSeconds)) s")

        let rankers = try rankers(corpus: corpus)
        let evaluator = RecommendationEvaluator(protocol: evaluationProtocol, corpus: corpus)
        func table(coauthorFree: Bool, profileLimit: Int? = nil, rows: [any EvaluationRanker]) -> [RecommendationScore] {
            [evaluator.randomExpectation(coauthorFree: coauthorFree)] + rows.map { ranker in
                let t0 = ContinuousClock.now
                let score = evaluator.evaluate(ranker, coauthorFree: coauthorFree, profileLimit: profileLimit)
                log(String(format: "  %@: %.4f nDCG@10 (%.1f s)", ranker.name, score.ndcg10, (ContinuousClock.now - t0).inSeconds))
                return score
            }
        }
        let headline = table(coauthorFree: true, rows: rankers)
        let every = allTargets ? table(coauthorFree: false, rows: rankers) : nil
        let sizes = curve.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let curvePoints = sizes.map { CurvePoint(profileSize: $0, scores: table(coauthorFree: true, profileLimit: $0, rows: rankers)) }
        let report = Report(file: path, cutoff: cutoff, eligibleUsers: evaluationProtocol.eligibleUsers,
                            users: evaluator.users(coauthorFree: true).count, coauthorFree: headline, allTargets: every, curve: curvePoints)
        if json { try JSONOutput.print(report); return }
        print("co-author-free split: \(report.users) users with a target (of \(evaluationProtocol.users.count) drawn), cutoff \(cutoff)")
        Self.printTable(headline)
        if let every {
            print("\nevery target: \(evaluator.users(coauthorFree: false).count) users")
            Self.printTable(every)
        }
        if !curvePoints.isEmpty {
            print("\nnDCG@10 by profile size (the most recent papers), co-author-free split")
            print("method".padding(toLength: 26, withPad: " ", startingAt: 0) + curvePoints.map { String(format: "%8d", $0.profileSize) }.joined())
            for (row, name) in headline.map(\.method).enumerated() {
                print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + curvePoints.map { String(format: "%8.4f", $0.scores[row].ndcg10) }.joined())
            }
        }
    }

    private func rankers(corpus: EvaluationCorpus) throws -> [any EvaluationRanker] {
        var ranker = PersonalModelRanker()
        if let weights {
            let parts = weights.split(separator: ",").compactMap { Float($0) }
            guard parts.count == 3 else { throw ValidationError("--weights: terms,embedding,categories") }
            ranker.weights = FeatureSpace.Weights(terms: parts[0], embedding: parts[1], categories: parts[2])
        }
        if let cost { ranker.settings.cost = cost }
        if let decay { ranker.settings.recencyDecay = decay }
        if let diversity { ranker.diversity = diversity }
        let all: [any EvaluationRanker] = [CategoryPriorRanker(), TitleBM25Ranker(corpus: corpus), CentroidRanker(), NearestLikedRanker(),
                                           DecayedSumRanker(), TermSVMRanker(), ranker]
        guard let only else { return all }
        let names = Set(only.split(separator: ",").map { String($0).lowercased() })
        return all.filter { ranker in names.contains { ranker.name.lowercased().contains($0) } }
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Every record of `path` with an announcement day.
    static func readPapers(_ path: String) throws -> [Paper] {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw ValidationError("\(error)") }
        let decoder = RecordDecoder(format: .auto)
        var papers: [Paper] = []
        while let line = try reader.nextLine() {
            do {
                let paper = try decoder.decode(line)
                if paper.announcedDay != nil { papers.append(paper) }
            } catch {
                throw ValidationError("\(path):\(reader.lineNumber): \(error)")
            }
        }
        return papers
    }

    /// The embeddings of `needed` papers (zeros for the rest), from the evaluation cache, embedding what is missing.
    private func embed(_ papers: [Paper], needed: Set<Int>, path: String) async throws -> ([Float], Int) {
        let home = global.resolvedHome
        let name = URL(fileURLWithPath: path).lastPathComponent.components(separatedBy: ".").first ?? "papers"
        let cache = try EvaluationCache.path(for: path, name: name, home: home)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: cache).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let store = try SQLitePaperStore(path: cache)
        let order = needed.sorted()
        for start in stride(from: 0, to: order.count, by: 2_000) {
            _ = try await store.upsert(order[start..<min(start + 2_000, order.count)].map { papers[$0] }, defaultDay: papers[order[start]].announcedDay!)
        }
        let encoder = try modelOptions.loadEncoder(home: home)
        let bar = ProgressBar(label: "embedding")
        _ = try await Embedder(store: store, encoder: encoder).run { done, total, elapsed in
            bar.update(done: done, unit: "papers", fraction: Double(done) / Double(max(total, 1)), elapsed: elapsed)
        }
        bar.finish()
        var matrix = [Float](repeating: 0, count: papers.count * encoder.dimension)
        for i in order {
            guard let vector = try await store.embedding(of: papers[i].id, model: encoder.name), vector.count == encoder.dimension else { continue }
            matrix.replaceSubrange((i * encoder.dimension)..<((i + 1) * encoder.dimension), with: vector)
        }
        return (matrix, encoder.dimension)
    }

    private static func printTable(_ rows: [RecommendationScore]) {
        print("method".padding(toLength: 26, withPad: " ", startingAt: 0) + "  nDCG@10  Recall@20      MRR")
        for row in rows {
            print(row.method.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: "  %7.4f  %9.4f  %7.4f", row.ndcg10, row.recall20, row.mrr))
        }
    }
}

/// Where evaluations keep imported and embedded corpora: `HOME/eval/NAME-HASH.sqlite`, the hash covering the
/// file's content, so a copied data set reuses its cache and a changed one gets a fresh database.
enum EvaluationCache {
    static func path(for file: String, name: String, home: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw ValidationError("\(file): cannot read it") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        hasher.update(data: Data("schema1".utf8))
        let hash = hasher.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
        return URL(fileURLWithPath: home).appendingPathComponent("eval").appendingPathComponent("\(name)-\(hash).sqlite").path
    }
}
