import ArgumentParser
import Foundation
import PapersCore
import PapersRecommend
import PapersStore
import PapersDatabase

/// `papers recommend --liked ID…`: ranks days of papers for an ad-hoc profile, with the code behind `/for-you`.
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Rank a day's papers (or several days') for a profile of liked and disliked papers, with reasons.",
        discussion: "The same model and ranking as /for-you (docs/recommend.md). Without --day or --from/--to: the newest day.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .upToNextOption, help: "Papers the profile likes (arXiv ids or URLs, DOIs, Papers ids).") var liked: [String] = []
    @Option(parsing: .upToNextOption, help: "Papers the profile is not interested in.") var disliked: [String] = []
    @Option(help: "The day to rank (YYYY-MM-DD).") var day: String?
    @Option(help: "First day of a range.") var from: String?
    @Option(help: "Last day of a range.") var to: String?
    @Option(help: "Results to show (1–1000).") var limit = 20
    @Flag(help: "Print JSON.") var json = false

    struct Item: Encodable {
        var rank: Int
        var id: String
        var title: String
        var day: String?
        var score: Float
        var reason: String?
        var reasonPaper: String?
    }

    func validate() throws {
        guard !liked.isEmpty else { throw ValidationError("--liked: give at least one paper") }
        guard (1...1_000).contains(limit) else { throw ValidationError("--limit: between 1 and 1000") }
        if day != nil, from != nil || to != nil { throw ValidationError("--day: use either --day or --from/--to") }
    }

    func run() async throws {
        func ids(_ texts: [String], _ option: String) throws -> [PaperID] {
            try texts.map { text in
                guard let id = PaperID(text) else { throw ValidationError("\(option): \"\(text)\" is not an arXiv id, DOI or Papers id") }
                return id
            }
        }
        let likedIDs = try ids(liked, "--liked")
        let dislikedIDs = try ids(disliked, "--disliked")
        func parse(_ text: String?, _ option: String) throws -> Day? {
            guard let text else { return nil }
            guard let day = Day(text) else { throw ValidationError("\(option): expected YYYY-MM-DD, got \"\(text)\"") }
            return day
        }
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let known = Set(try await store.rankedPapers(likedIDs + dislikedIDs, viewer: nil).map(\.paper.id))
        if let missing = (likedIDs + dislikedIDs).first(where: { !known.contains($0) }) {
            throw ValidationError("\(likedIDs.contains(missing) ? "--liked" : "--disliked"): \(missing) is not in this database")
        }
        var range: ClosedRange<Day>
        if let single = try parse(day, "--day") {
            range = single...single
        } else if let first = try parse(from, "--from") {
            let last = try parse(to, "--to") ?? first
            guard first <= last else { throw ValidationError("--to: must not be before --from") }
            range = first...last
        } else {
            guard let newest = try await store.latestDays(limit: 1).first?.day else { throw ValidationError("the database has no papers") }
            range = newest...newest
        }
        // Ranking reads stored embeddings by the model's name; it never runs the encoder.
        let service = RecommendationService(store: store, embeddingModel: modelOptions.embeddingModelName(home: global.resolvedHome))
        let result = try await service.recommend(.adHoc(liked: likedIDs, disliked: dislikedIDs), days: range, limit: limit)
        let items = result.recommendations.enumerated().map { i, r in
            Item(rank: i + 1, id: r.paper.id.rawValue, title: r.paper.title, day: r.paper.announcedDay?.description, score: r.score,
                 reason: r.reason?.text, reasonPaper: r.reason?.paper?.rawValue)
        }
        if json { try JSONOutput.print(items); return }
        print("\(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) … \(range.upperBound)"): "
              + "\(result.candidates) papers, ranked for \(result.likedCount) liked")
        for item in items {
            print("\(item.rank). \(item.title)")
            print("   \(item.id)  \(String(format: "%.3f", item.score))" + (item.reason.map { "  \($0)" } ?? ""))
        }
    }
}
