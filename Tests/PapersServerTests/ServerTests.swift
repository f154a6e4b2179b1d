import Foundation
import Hummingbird
import HummingbirdTesting
import PapersCore
import PapersEmbedding
import PapersIngest
import PapersSearch
@testable import PapersServer
import PapersStore
import PapersTestSupport
import Testing
import PapersSQLite
import PapersDatabase

/// A server over a temporary store holding a few papers, one of them hostile.
struct ServerFixture {
    /// The day the fixture's server believes it is: the Monday after its newest papers.
    static let today = Day("2025-01-06")!
    let directory: TemporaryDirectory
    let store: SQLitePaperStore
    let configuration: AppConfiguration

    init() async throws {
        directory = try TemporaryDirectory()
        configuration = AppConfiguration(host: "127.0.0.1", port: 0, home: directory.path, clock: .fixed(Self.today, hour: 10))
        store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: directory.path))
        var hostile = Fixtures.paper("2501.00003", title: Fixtures.scriptTitle,
                                     abstract: "<img src=x onerror=alert(2)> model soups \"quoted\" & more",
                                     authors: ["<b>Mallory</b>"], categories: ["cs.CR"], listed: "2025-01-03")
        hostile.comments = "<script>alert(3)</script>"
        hostile.links = ["https://example.org/?a=<script>"]
        _ = try await store.upsert([
            Fixtures.paper("2203.05482", title: "Model soups: averaging weights of multiple fine-tuned models improves accuracy",
                           abstract: "We average the weights of fine-tuned models.", authors: ["Mitchell Wortsman"], listed: "2025-01-02"),
            Fixtures.paper("hep-th/9901001", title: "Old style strings", abstract: "Strings.", categories: ["hep-th"], listed: "2025-01-02"),
            hostile,
        ], defaultDay: Day("2025-01-05")!)
    }

    func app() async throws -> some ApplicationProtocol { try await buildApplication(configuration, store: store) }
}

@Suite("Every route answers: pages, API, errors")
struct ServerRouteTests {
    @Test("home shows the newest days grouped, newest first")
    func home() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let body = String(buffer: response.body)
                let jan3 = try #require(body.range(of: "Friday, 3 January 2025"))
                let jan2 = try #require(body.range(of: "Thursday, 2 January 2025"))
                #expect(jan3.lowerBound < jan2.lowerBound)
                #expect(body.contains("Model soups"))
            }
        }
    }

    @Test("a search error answers the same everywhere: JSON under /api, an HTML page with its message on feeds, the right status")
    func searchErrors() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/search?q=%22%28%2A", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == #"{"error":{"message":"parameter q: the query has no searchable words"}}"#)
            }
            try await client.execute(uri: "/feeds/search.atom?q=%22%28%2A", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("parameter q: the query has no searchable words"))
            }
            // An empty date range is refused by the one rule, whichever page or API asks.
            try await client.execute(uri: "/api/search?q=model&from=2025-02-01&to=2025-01-01", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body) == #"{"error":{"message":"parameter from: 2025-02-01 is after to=2025-01-01"}}"#)
            }
            try await client.execute(uri: "/search?from=2025-02-01&to=2025-01-01", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("parameter from: 2025-02-01 is after to=2025-01-01"))
            }
            // This fixture has no model: semantic search and similar papers are unavailable, and say how to fix it.
            try await client.execute(uri: "/api/search?q=model&mode=semantic", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("install it with `make model`"))
            }
            try await client.execute(uri: "/api/similar?ids=2203.05482", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test("paper ids in paths, with and without an action after them, percent-encoded or not; a bad one is a 404 naming it")
    func paperPaths() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            for uri in ["/api/papers/hep-th/9901001", "/api/papers/hep-th%2F9901001", "/api/papers/arXiv:2203.05482v2"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            // Without a model similar papers are unavailable, which shows the id itself was understood.
            try await client.execute(uri: "/api/papers/hep-th/9901001/similar", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            // JSON under /api (quotes escaped), an HTML page elsewhere (quotes as entities).
            for (uri, expected) in [
                ("/api/papers/not-a-paper/similar", #"no paper with id \"not-a-paper\": not an arXiv id"#),
                ("/api/papers/similar", #"no paper with id \"similar\": not an arXiv id"#),
                ("/papers/no%20such", "no paper with id &quot;no such&quot;: not an arXiv id"),
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(String(buffer: response.body).contains(expected), "\(uri): \(String(buffer: response.body).prefix(300))")
                }
            }
        }
    }

    @Test("daily page with previous and next links, and an empty day")
    func day() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/date/2025-01-02", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("Old style strings"))
                #expect(body.contains(#"href="/date/2025-01-03" rel="next""#))
                #expect(!body.contains(#"rel="prev""#))
            }
            try await client.execute(uri: "/date/2025-01-04", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("arXiv does not announce new papers on Saturdays"), "2025-01-04 was a Saturday")
                #expect(body.contains(#"href="/date/2025-01-03" rel="prev""#))
            }
            try await client.execute(uri: "/date/2025-02-30", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("<h1>Bad request</h1>"))
            }
        }
    }

    @Test("paper pages for new- and old-style ids, arXiv spellings, and a real 404 page")
    func paper() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            for uri in ["/papers/2203.05482", "/papers/arXiv:2203.05482v1", "/papers/hep-th/9901001"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            try await client.execute(uri: "/papers/2203.05482", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("https://arxiv.org/abs/2203.05482v1"))
                #expect(body.contains("https://arxiv.org/pdf/2203.05482v1"))
                #expect(body.contains("Mitchell Wortsman"))
            }
            try await client.execute(uri: "/papers/2412.99999", method: .get) { response in
                #expect(response.status == .notFound)
                let body = String(buffer: response.body)
                #expect(body.contains("<h1>Not found</h1>"))
                #expect(body.contains("There is no paper 2412.99999"))
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("<!doctype html>"))
            }
        }
    }

    @Test("search page: results with highlights, filters, empty and punctuation-only queries")
    func searchPage() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/search?q=model+soups", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("<mark>"))
                #expect(body.contains("Model soups: averaging"))
            }
            try await client.execute(uri: "/search?q=", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("Type a few words"))
            }
            try await client.execute(uri: "/search?q=%22%28%2A", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("has no searchable words"))
            }
            try await client.execute(uri: "/search?q=model&from=yesterday", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("parameter from: expected a date YYYY-MM-DD"))
            }
            try await client.execute(uri: "/search?q=model&category=hep-th", method: .get) { response in
                #expect(!String(buffer: response.body).contains("Model soups"))
            }
            // Without a model only keyword search is offered; an explicit mode and the author stay in page links.
            try await client.execute(uri: "/search?q=learning&mode=keyword&author=%3Cb%3E", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("<option value=\"keyword\" selected>"))
                #expect(!body.contains("<option value=\"semantic\""))
                #expect(body.contains("value=\"&lt;b&gt;\""), "the author field is escaped")
            }
            try await client.execute(uri: "/search?q=model&author=" + String(repeating: "x", count: 101), method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("parameter author"))
            }
        }
    }

    @Test("API: search, paper, daily, health; errors are JSON naming the parameter")
    func api() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/search?q=model+soups&limit=2", method: .get) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let results = try #require(json?["results"] as? [[String: Any]])
                let first = try #require(results.first?["paper"] as? [String: Any])
                #expect(first["id"] as? String == "2203.05482")
                #expect(results.count <= 2)
            }
            try await client.execute(uri: "/api/search?q=model&limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
                #expect(json?["error"]?["message"]?.hasPrefix("parameter limit:") == true)
            }
            try await client.execute(uri: "/api/search", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("parameter q"))
            }
            try await client.execute(uri: "/api/papers/hep-th/9901001", method: .get) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["id"] as? String == "hep-th/9901001")
                #expect(json?["abs_url"] as? String == "https://arxiv.org/abs/hep-th/9901001v1")
            }
            try await client.execute(uri: "/api/papers/2412.99999", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains(#""error""#))
            }
            try await client.execute(uri: "/api/daily?date=2025-01-02", method: .get) { response in
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["total"] as? Int == 2)
                #expect(json?["next"] as? String == "2025-01-03")
            }
            try await client.execute(uri: "/api/daily", method: .get) { response in
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["date"] as? String == "2025-01-03")
            }
            try await client.execute(uri: "/api/daily?date=03/01/2025", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("parameter date"))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""papers":3"#))
            }
            try await client.execute(uri: "/static/style.css", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
        }
    }

    @Test("a paper titled <script>alert(1)</script> is inert on every page")
    func escaping() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            for uri in ["/", "/date/2025-01-03", "/search?q=soups", "/search?q=%3Cscript%3Ealert", "/papers/2501.00003",
                        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/papers/%3Cscript%3E"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(!body.contains("<script>"), "\(uri)")
                    #expect(!body.contains("<img"), "\(uri)")
                    #expect(!body.contains("<b>Mallory"), "\(uri)")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                }
            }
            try await client.execute(uri: "/papers/2501.00003", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            }
        }
    }
}

@Suite("Over a real socket")
struct ServerLiveTests {
    @Test("the server answers on loopback")
    func live() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.live) { client in
            try await client.execute(uri: "/api/search?q=soups", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("2203.05482"))
            }
            try await client.execute(uri: "/papers/hep-th/9901001", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}

@Suite("Similar papers and search modes over HTTP")
struct SimilarRouteTests {
    /// The paper ids of the `results` array of an API answer, in order.
    static func resultIDs(_ body: String) -> [String] {
        let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        return ((json?["results"] as? [[String: Any]]) ?? []).compactMap { ($0["paper"] as? [String: Any])?["id"] as? String }
    }

    /// The fixture's papers embedded, and a server with semantic search.
    private func withSemanticServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        let encoder = try SentenceEncoder(directory: SharedData.modelDirectory, threads: 2)
        _ = try await Embedder(store: fixture.store, encoder: encoder).run()
        let semantic = SemanticIndex(store: fixture.store, encoder: encoder)
        try await buildApplication(fixture.configuration, store: fixture.store, semantic: semantic).test(.router) { client in
            try await body(client)
        }
    }

    @Test("GET /api/papers/{id}/similar, /api/similar?ids=, the paper page's list, and every mode of /api/search")
    func similarRoutes() async throws {
        try await withSemanticServer { client in
            try await client.execute(uri: "/api/papers/2203.05482/similar?limit=2", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("\"results\""))
                #expect(!body.contains("\"id\":\"2203.05482\""), "a paper is not similar to itself")
                #expect(Self.resultIDs(body) == ["2501.00003", "hep-th/9901001"], "\(body)")
            }
            try await client.execute(uri: "/api/similar?ids=2203.05482,hep-th/9901001&limit=5", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("2501.00003"))
            }
            try await client.execute(uri: "/api/similar?ids=2412.99999", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/similar", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/papers/2203.05482", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("Similar papers"))
                #expect(!body.contains("<script>alert(1)</script>"), "similar titles are escaped too")
            }
            for mode in ["keyword", "semantic", "hybrid"] {
                try await client.execute(uri: "/api/search?q=model+soups&mode=\(mode)", method: .get) { response in
                    #expect(response.status == .ok, "mode \(mode)")
                    let body = String(buffer: response.body)
                    #expect(body.contains("\"mode\":\"\(mode)\""))
                    #expect(body.contains("Model soups"), "mode \(mode)")
                }
            }
            try await client.execute(uri: "/api/search?q=model&mode=fuzzy", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("without a model: keyword search still works, semantic search is a clear 503, pages render without similar papers")
    func withoutModel() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.directory.remove() }
        try await fixture.app().test(.router) { client in
            try await client.execute(uri: "/api/search?q=model+soups", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"mode\":\"keyword\""))
            }
            try await client.execute(uri: "/api/search?q=model+soups&mode=semantic", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("make model"))
            }
            try await client.execute(uri: "/papers/2203.05482", method: .get) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("Similar papers"))
            }
        }
    }
}

@Suite("Templates are named by a type, and every name a template uses exists")
struct TemplateNameTests {
    @Test("every template has a source, registers, and every partial it includes ({{> name}}) is a TemplateName")
    func partialsExist() throws {
        _ = try Views(siteName: "Papers")
        let known = Set(TemplateName.allCases.map(\.rawValue))
        var included: Set<String> = []
        for name in TemplateName.allCases {
            let source = Templates.source(of: name)
            #expect(!source.isEmpty, "\(name.rawValue) is empty")
            // Mustache renders an unknown partial as nothing: a misspelt include would silently drop part of a page.
            var rest = Substring(source)
            while let open = rest.range(of: "{{>") {
                let tail = rest[open.upperBound...]
                guard let close = tail.range(of: "}}") else { break }
                let partial = tail[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                included.insert(partial)
                #expect(known.contains(partial), "\(name.rawValue) includes {{> \(partial)}}, which is no template")
                rest = tail[close.upperBound...]
            }
        }
        #expect(included == ["head", "foot", "paper_item", "pagination", "tabs", "vote", "day_nav"])
    }
}
