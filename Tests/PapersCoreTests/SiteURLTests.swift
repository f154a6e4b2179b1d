import Foundation
import PapersCore
import Testing

@Suite("SiteURL: links built from the routes' own patterns")
struct SiteURLTests {
    @Test("paths and queries encode as the pages always did")
    func encodings() throws {
        #expect(SiteURL.paper(PaperID("hep-th/9901001")!).path == "/papers/hep-th/9901001")
        #expect(SiteURL.paper(PaperID("2203.05482")!, fragment: "not-interested").path == "/papers/2203.05482#not-interested")
        #expect(SiteURL.day(Day("2025-11-20")!).path == "/date/2025-11-20")
        #expect(SiteURL.day(Day("2025-11-20")!, page: 2, forYou: true).path == "/date/2025-11-20?sort=for-you&page=2")
        #expect(SiteURL.search(query: "a+b & c", filters: SearchFilters(category: "cs.LG"), mode: "keyword", page: 2).path
                == "/search?q=a%2Bb%20%26%20c&category=cs.LG&mode=keyword&page=2")
        #expect(SiteURL.login(returningTo: "/date/2025-11-20?page=2").path == "/login?return=%2Fdate%2F2025%2D11%2D20%3Fpage%3D2")
        #expect(SiteURL.subscribe(topic: "protein & design").path == "/subscribe?topic=protein%20%26%20design")
        #expect(SiteURL.subscribe().path == "/subscribe")
        #expect(SiteURL.forYou(date: Day("2025-11-20")!, collection: 3).path == "/for-you?date=2025-11-20&collection=3")
        #expect(SiteURL.forYouFeed(token: "abc", collection: 3).absolute(base: "https://p.example") == "https://p.example/feeds/for-you/abc.atom?collection=3")
        #expect(SiteURL.collectionFeed(7).path == "/feeds/collections/7.atom")
        #expect(SiteURL.profile(name: "ada").path == "/u/ada")
        #expect(SiteURL.trending(window: .month).path == "/trending?window=month")
    }

    @Test("a filled pattern keeps its fixed segments and encodes what would end a path segment")
    func filling() {
        #expect(SiteRoute.revokeToken.filled("5") == "/settings/tokens/5/revoke")
        #expect(SiteRoute.profile.filled("a?b#c%d;e") == "/u/a%3Fb%23c%25d%3Be")
        // Every pattern is a path; every parameterised one names its parameters.
        for route in SiteRoute.allCases {
            #expect(route.rawValue.hasPrefix("/"), "\(route)")
        }
    }
}
