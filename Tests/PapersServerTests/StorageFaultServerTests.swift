import Foundation
import Hummingbird
import HummingbirdTesting
import PapersCore
import PapersDatabase
@testable import PapersServer
import PapersSQLite
import PapersStore
import PapersTestSupport
import Testing

@Suite("The server on a full disk")
struct StorageFaultServerTests {
    @Test("the disk fills under the server: writes answer 503 with Retry-After and change nothing, pages, search and the API keep answering; freed, writes work",
          .enabled(if: SmallFilesystem.available))
    func fullDiskServesReads() async throws {
        let disk = try SmallFilesystem(megabytes: 16)
        defer { disk.remove() }
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: disk.path))
        _ = try await store.upsert((1...20).map { Fixtures.paper(String(format: "2511.4%04d", $0), title: "Sparse experts paper \($0)", listed: "2025-11-20") },
                                   defaultDay: CommunityServer.today)
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: 0)
        let token = "papers_" + Authentication.randomToken()
        try await store.createAPIToken(tokenHash: Authentication.tokenHash(token), account: ada.id, name: "disk", now: 0)
        var configuration = AppConfiguration(host: "127.0.0.1", port: 0, home: disk.path, clock: .fixed(CommunityServer.now))
        configuration.rateLimits = .unlimited
        configuration.submissionEndpoint = nil
        let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        try await buildApplication(configuration, store: store).test(.live) { client in
            func comment(_ n: Int) async throws -> (HTTPResponse.Status, String, String?) {
                let body = #"{"paper":"2511.40001","body":"comment number \#(n) with some words to take room"}"#
                return try await client.execute(uri: SiteRoute.apiComments.rawValue, method: .post, headers: auth, body: ByteBuffer(string: body)) {
                    ($0.status, String(buffer: $0.body), $0.headers[.retryAfter])
                }
            }
            #expect(try await comment(0).0 == .created)
            try disk.fill()
            var acknowledged = 1
            var refusal: (HTTPResponse.Status, String, String?)?
            for n in 1...2_000 {
                let answer = try await comment(n)
                if answer.0 == .created { acknowledged += 1; continue }
                refusal = answer
                break
            }
            let refused = try #require(refusal, "the disk never filled")
            #expect(refused.0 == .serviceUnavailable && refused.2 == "60", "\(refused)")
            #expect(refused.1.contains("nothing was changed"), "\(refused.1)")
            // Reads go on: pages, search, the API, feeds.
            for uri in [SiteURL.home.path, SiteURL.day(CommunityServer.today).path, SiteURL.paper(PaperID("2511.40001")!).path,
                        SiteURL.search(query: "sparse experts").path, SiteURL.apiSearch(query: "sparse experts", mode: "keyword").path,
                        SiteURL.apiComments(PaperID("2511.40001")!).path, SiteURL.dailyFeed().path] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri) while the disk is full")
                }
            }
            // A vote refused the same way, as a page form would see it: an error page, not a crash.
            try await client.execute(uri: SiteURL.apiPaper(PaperID("2511.40002")!, action: "upvote").path, method: .post, headers: auth) { response in
                #expect(response.status == .serviceUnavailable || response.status == .ok)
            }
            disk.free()
            #expect(try await comment(9_999).0 == .created, "writes work again once there is room, without a restart")
            acknowledged += 1
            let stored = try await store.comments(on: PaperID("2511.40001")!)
            #expect(stored.count == acknowledged, "every 201 is stored and no refused comment is")
            #expect(try await store.integrityProblems() == [])
        }
    }
}
