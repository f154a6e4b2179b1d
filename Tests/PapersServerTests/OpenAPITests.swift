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

@Suite("The OpenAPI description of the JSON API")
struct OpenAPITests {
    /// The served description, parsed.
    static func description(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try await client.execute(uri: SiteRoute.openAPI.rawValue, method: .get) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        }
    }

    /// `METHOD /path` of every operation, `{name}` parameters replaced by a sample segment.
    static func operations(_ spec: [String: Any]) throws -> [(method: String, path: String, template: String)] {
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return paths.flatMap { template, item in
            item.keys.filter(methods.contains).map { method in
                let sample = template.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "2511.10001" : String($0) }.joined(separator: "/")
                return (method: method.uppercased(), path: sample, template: template)
            }
        }
    }

    @Test("/openapi.json is OpenAPI 3.1 and lists exactly the routes under /api, with their methods, plus health and itself")
    func describesEveryRoute() async throws {
        let server = try await CommunityServer()
        let routes = try await routeDescriptions(server.configuration, store: server.store)
        try await server.run { client in
            let spec = try await Self.description(client)
            #expect(spec["openapi"] as? String == "3.1.0")
            let operations = try Self.operations(spec)
            let table = RouteTable(actions: [.init(route: .apiPaper, action: "upvote", methods: [.post, .delete])])
            let described = routes.compactMap { line -> (String, String)? in
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }
            let apiRoutes = described.filter { SiteRoute.isAPI($0.1) || $0.1 == SiteRoute.health.rawValue || $0.1 == SiteRoute.openAPI.rawValue }
            #expect(apiRoutes.count >= 14, "\(apiRoutes)")
            // Every route the server has under /api is some operation of the description (same method, a path the
            // route's pattern matches)…
            for (method, pattern) in apiRoutes {
                let segments = pattern.split(separator: "/")
                #expect(operations.contains { $0.method == method && RouteTable.matches(segments, $0.path.split(separator: "/")) },
                        "\(method) \(pattern) is served but not in /openapi.json")
            }
            // …and every operation of the description is a route the server answers with that method.
            table.fill(try await buildRouter(server.configuration, store: server.store, logger: .init(label: "test")).0.routes)
            for operation in operations {
                #expect(table.methods(for: operation.path).map(\.rawValue).contains(operation.method),
                        "\(operation.method) \(operation.template) is in /openapi.json but the server has no such route")
            }
            // Sabotage check of the comparison itself: a method the server lacks is not found.
            #expect(!table.methods(for: "/api/search").map(\.rawValue).contains("POST"))
        }
    }

    @Test("a known address asked with another method is 405 with Allow; HEAD of a page answers its headers; unknown is 404")
    func methodNotAllowed() async throws {
        let server = try await CommunityServer()
        let store = server.store
        try await server.run { client in
            try await client.execute(uri: "/api/search?q=x", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
                #expect(String(buffer: response.body).contains("\"error\""))
            }
            try await client.execute(uri: "/api/papers/2511.10001/upvote", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE, POST")
            }
            try await client.execute(uri: "/api/papers/search", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
            }
            try await client.execute(uri: "/date/2025-11-20", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // An anonymous API write reaches its handler, which asks for an account (not a form token)…
            try await client.execute(uri: "/api/papers/2511.10001/upvote", method: .post) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            // …while a logged-in browser's session is authority a forged request could use: its CSRF token is needed.
            var browser = Browser(client)
            try await browser.enter("ada", store: store)
            let forged = try await browser.send("/api/papers/2511.10001/upvote", method: .post, headers: [:], body: nil)
            #expect(forged.status == .forbidden, "\(forged.status)")
        }
    }

    @Test("schemathesis against the live server (every operation, generated requests, all checks): no 5xx, every answer as described",
          .enabled(if: schemathesisAvailable), .timeLimit(.minutes(10)))
    func schemathesis() async throws {
        let server = try await CommunityServer(papers: [
            Fixtures.paper("2511.10005", title: "Contrastive pretraining of protein language models", abstract: "Sequences and structures.",
                           listed: "2025-11-20"),
        ])
        let store = server.store
        let ada = try await store.createAccount(name: "ada", email: "ada@example.org", passwordHash: "x", now: 0)
        let token = "papers_" + Authentication.randomToken()
        try await store.createAPIToken(tokenHash: Authentication.tokenHash(token), account: ada.id, name: "schemathesis", now: 0)
        let collection = try await store.createCollection(owner: ada.id, name: "reading", isPublic: true, now: 0)
        try await store.setCollectionItem(collection: collection.id, owner: ada.id, paper: PaperID("2511.10002")!, present: true, now: 0)
        let first = try await store.addComment(NewComment(paper: PaperID("2511.10001")!, parent: nil, author: ada.id, body: "**First** $x^2$",
                                                          clientKey: nil), now: CommunityServer.now).comment
        _ = try await store.addComment(NewComment(paper: PaperID("2511.10001")!, parent: first.id, author: ada.id, body: "a reply", clientKey: nil),
                                       now: CommunityServer.now)
        _ = try await store.setVote(account: ada.id, paper: PaperID("2511.10002")!, on: true, now: CommunityServer.now - 600)
        // Similar papers and semantic search need the encoder: without it they are 503 (documented, but a 5xx).
        let encoder = try SentenceEncoder(directory: SharedData.modelDirectory, threads: 2)
        _ = try await Embedder(store: store, encoder: encoder).run()
        let semantic = SemanticIndex(store: store, encoder: encoder)
        let directory = server.directory
        defer { directory.remove() }
        // Known ids offered half of the time, so the generated requests reach papers, comments and the collection
        // that exist as well as ones that do not.
        let config = """
            [dictionaries.papers]
            values = ["2511.10001", "2511.10002", "2511.10003", "2511.10004", "2511.10005"]
            [dictionaries.collections]
            values = ["\(collection.id.rawValue)"]
            [dictionaries.comments]
            values = [\(first.id.rawValue)]
            [[operations]]
            include-path-regex = "^/api/papers/"
            parameters = { "path.id" = { dictionary = "papers", probability = 0.5 } }
            [[operations]]
            include-path = "/api/collections/{id}"
            parameters = { "path.id" = { dictionary = "collections", probability = 0.5 } }
            [[operations]]
            include-path = "/api/comments"
            parameters = { "query.paper" = { dictionary = "papers", probability = 0.5 }, "body.paper" = { dictionary = "papers", probability = 0.5 }, "body.parent" = { dictionary = "comments", probability = 0.3 } }
            [[operations]]
            include-path = "/api/similar"
            parameters = { "query.ids" = { dictionary = "papers", probability = 0.5 } }
            """
        let configFile = directory.url.appendingPathComponent("schemathesis.toml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let examples = ProcessInfo.processInfo.environment["PAPERS_SCHEMATHESIS_EXAMPLES"] ?? "25"
        let seed = ProcessInfo.processInfo.environment["PAPERS_SCHEMATHESIS_SEED"] ?? "20261202"
        try await buildApplication(server.configuration, store: store, semantic: semantic).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // positive_data_acceptance stays out: it counts a 400 for a well-formed but contradictory request
            // (from after to, date and month together, a paper id of a month that does not exist) as a failure,
            // and OpenAPI cannot say those rules. Every other check runs. One worker: with two, Hypothesis parses
            // lambdas' source on both threads at once, and CPython before 3.11.8 shares the AST builder's recursion
            // counter between threads (python/cpython#106905) — a clock-guard run died of "AST constructor recursion
            // depth mismatch" inside schemathesis, 0 failures found.
            process.arguments = ["python3", "-m", "schemathesis.cli", "--no-color", "--config-file", configFile.path, "run", base + SiteRoute.openAPI.rawValue,
                                 "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                                 "--max-examples", examples, "--seed", seed, "--no-shrink", "--workers", "1",
                                 "--header", "Authorization: Bearer \(token)", "--request-timeout", "30"]
            var environment = ProcessInfo.processInfo.environment
            environment["SCHEMATHESIS_TELEMETRY"] = "false"
            environment["NO_COLOR"] = "1"
            process.environment = environment
            process.currentDirectoryURL = directory.url
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let out = try await offPool { output.fileHandleForReading.readDataToEndOfFile() }
            try await offPool { process.waitUntilExit() }
            let text = String(decoding: out, as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(text.suffix(12_000))")
            // The run's size, for the log: "N generated, N passed" and the stateful scenarios.
            for line in text.split(separator: "\n") where line.contains(" generated, ") || line.contains("Scenarios:") {
                print("schemathesis:", line.trimmingCharacters(in: .whitespaces))
            }
            // Every operation selected and tested (schemathesis leaves out /openapi.json, the description itself).
            let operations = try Self.operations(try #require(try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as? [String: Any])).count
            #expect(text.contains("Selected: \(operations - 1)/\(operations - 1)") && text.contains("Tested: \(operations - 1)"), "\(text.suffix(3_000))")
            // The token worked: the operations that need an account were reached, not only refused.
            #expect(!text.contains("Authentication failed"), "\(text.suffix(3_000))")
        }
    }
}

/// `make test` installs schemathesis and sets PAPERS_REQUIRE_SCHEMATHESIS=1; elsewhere the test runs when it is there.
private let schemathesisAvailable = pythonModuleAvailable("schemathesis", requiredBy: "PAPERS_REQUIRE_SCHEMATHESIS")
