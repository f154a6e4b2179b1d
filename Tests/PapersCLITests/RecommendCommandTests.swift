import Foundation
import PapersCore
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

@Suite("papers recommend: any profile, ranked with the code of /for-you")
struct RecommendCommandTests {
    @Test("liked papers of one topic rank that topic first, with reasons; dislikes never show; bad input fails with status 64")
    func rankForProfile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.file("home")
        let days = [TestClock.today.adding(days: -1), TestClock.today]
        let papers = TopicalPapers.papers(days: days, perTopic: 6)
        do {
            let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
            _ = try await store.upsert(papers, defaultDay: TestClock.today)
        }
        let liked = papers.filter { $0.listed == days[0] && TopicalPapers.topic(of: $0)?.name == "diffusion" }.prefix(3).map(\.id.rawValue)
        let disliked = try #require(papers.first { $0.listed == days[1] && TopicalPapers.topic(of: $0)?.name == "diffusion" }).id.rawValue
        let result = try await run(SharedData.papersExecutable, ["recommend", "--home", home, "--liked"] + liked
                                   + ["--disliked", disliked, "--day", days[1].description, "--limit", "5", "--json"])
        #expect(result.status == 0)
        struct Item: Decodable { var id: String; var reason: String?; var reasonPaper: String? }
        let items = try JSONDecoder().decode([Item].self, from: Data(result.output.utf8))
        #expect(items.count == 5)
        let diffusion = Set(papers.filter { TopicalPapers.topic(of: $0)?.name == "diffusion" }.map(\.id.rawValue))
        #expect(items.allSatisfy { diffusion.contains($0.id) }, "\(items.map(\.id))")
        #expect(!items.contains { $0.id == disliked })
        #expect(items.allSatisfy { ($0.reason ?? "").hasPrefix("Because you liked") && liked.contains($0.reasonPaper ?? "") })
        // Unknown papers, bad days and a missing profile are refused (ArgumentParser's usage status, 64).
        for arguments in [["--liked", "2611.99999"], ["--liked", liked[0], "--day", "yesterday"], ["--day", days[1].description],
                          ["--liked", liked[0], "--day", days[1].description, "--from", days[0].description]] {
            #expect(try await run(SharedData.papersExecutable, ["recommend", "--home", home] + arguments).status == 64, "\(arguments)")
        }
    }
}
