import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import PapersCore
import PapersIngest
import PapersRecommend
import PapersServer
import PapersStore
import PapersDatabase

/// `papers bench for-you`: fitting a personal model, ranking a day's candidates, and `/for-you` over HTTP
/// with many people's models live.
struct BenchForYouCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "for-you",
        abstract: "Personal ranking speed: fit (200 liked, 5,000 background), rank 1,000 candidates, /for-you p50/p99 over HTTP.",
        discussion: """
            Papers and texts come from the arXiv sample (its busiest day is "today"); embeddings are seeded random unit \
            vectors (speed does not depend on their values). Works in a fresh temporary home.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "JSON-lines papers (default: ../shared/data/arxiv-sample.jsonl.gz).") var sample: String?
    @Option(help: "Papers to load (the most recent up to the busiest day).") var papers = 20_000
    @Option(help: "People with a live model for the HTTP part.") var people = 100
    @Option(help: "Timed /for-you requests.") var requests = 2_000
    @Option(help: "Requests in flight at once.") var concurrency = 4

    func run() async throws {
        let path = sample ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .deletingLastPathComponent().appendingPathComponent("shared/data/arxiv-sample.jsonl.gz").path
        var all = try RecommendEvalCommand.readPapers(path)
        let perDay = Dictionary(grouping: all.indices, by: { all[$0].announcedDay! }).mapValues(\.count)
        let today = perDay.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
        all = all.filter { $0.announcedDay! <= today }.sorted { $0.announcedDay! > $1.announcedDay! }
        let loaded = Array(all.prefix(papers))
        print("for-you: \(loaded.count) papers up to \(today) (\(perDay[today]!) that day)")

        // 1. Fitting and ranking, in process, on real texts.
        let start = ContinuousClock.now
        let vocabulary = TermVocabulary(documents: loaded.map { $0.title + " " + $0.abstract })
        let space = FeatureSpace(vocabulary: vocabulary, categories: loaded.flatMap(\.categories), dimension: 384)
        var random = SplitMix64(seed: 7)
        let embeddings = loaded.map { _ in Self.unitVector(&random) }
        let vectors = zip(loaded, embeddings).map { paper, embedding in
            space.vector(terms: vocabulary.features(paper.title + " " + paper.abstract), categories: paper.categories, embedding: embedding)
        }
        print(String(format: "  features: %d terms, %d papers in %.1f s", vocabulary.count, loaded.count, (ContinuousClock.now - start).inSeconds))
        let liked = Array(vectors.indices.filter { loaded[$0].categories.first == "cs.CV" }.prefix(200))
        let background = Array(vectors.indices.filter { !liked.contains($0) }.shuffled(using: &random).prefix(5_000))
        var fits: [Double] = []
        var model: PersonalModel?
        for _ in 0..<15 {
            let t = ContinuousClock.now
            model = PersonalModel.fit(liked: liked.map { vectors[$0] }, likedEmbeddings: liked.map { embeddings[$0] }, dismissed: [],
                                      background: background.map { vectors[$0] }, space: space)
            fits.append((ContinuousClock.now - t).inSeconds * 1_000)
        }
        let candidates = Array(vectors.prefix(1_000))
        var ranks: [Double] = []
        var checksum: Float = 0
        for _ in 0..<200 {
            let t = ContinuousClock.now
            let scores = candidates.map { model!.score($0) }
            let order = scores.indices.sorted { scores[$0] > scores[$1] }
            ranks.append((ContinuousClock.now - t).inSeconds * 1_000)
            checksum += scores[order[0]]
        }
        print("  fit (200 liked, 5,000 background): \(Self.stats(fits))")
        print("  rank 1,000 candidates:              \(Self.stats(ranks))")

        // 2. /for-you over HTTP with `people` models live.
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("papers-bench-for-you-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let store = try await StoreFactory.open(home: home, databaseURL: nil)
        for chunk in stride(from: 0, to: loaded.count, by: 2_000) {
            _ = try await store.upsert(Array(loaded[chunk..<min(chunk + 2_000, loaded.count)]), defaultDay: today)
        }
        var cursor: Int64?
        while true {
            let jobs = try await store.papersToEmbed(model: "bench", after: cursor, limit: 2_000)
            guard let last = jobs.last else { break }
            cursor = last.cursor
            try await store.saveEmbeddings(jobs.map { PaperEmbedding(job: $0, vector: Self.unitVector(&random)) }, model: "bench")
        }
        let now = today.startUnixTime + 20 * 3_600
        var cookies: [String] = []
        let earlier = loaded.filter { $0.announcedDay! < today }
        for n in 0..<people {
            let account = try await store.createAccount(name: "reader\(n)", email: "reader\(n)@example.org", passwordHash: "x", now: now - 86_400)
            for k in 0..<20 {
                _ = try await store.setVote(account: account.id, paper: earlier[(n * 37 + k * 101) % earlier.count].id, on: true, now: now - 3_600)
            }
            let token = Self.sessionToken(n)
            try await store.createSession(tokenHash: Array(SHA256.hash(data: Data(token.utf8))), account: account.id, now: now - 60,
                                          expiresAt: now + 86_400)
            cookies.append("papers_session=\(token)")
        }
        let cookieList = cookies
        let port = try LoopbackPort.free()
        var configuration = AppConfiguration(host: "127.0.0.1", port: port, home: home, clock: .fixed(now))
        configuration.harvest.enabled = false
        configuration.mailWorker = false
        var logger = Logger(label: "papers.bench")
        logger.logLevel = .error
        let app = try await buildApplication(configuration, store: store, logger: logger)
        try await Self.withRunningServer(app, port: port) { client in
            func get(_ person: Int, path: String = SiteURL.forYou(date: today).path) async throws -> Double {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                request.headers.add(name: "Cookie", value: cookieList[person])
                let t = ContinuousClock.now
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 4 << 20)
                guard response.status == .ok else { throw ValidationError("\(path) answered \(response.status)") }
                return (ContinuousClock.now - t).inSeconds * 1_000
            }
            let warm = ContinuousClock.now
            for person in 0..<people { _ = try await get(person) }
            print(String(format: "  warm-up: %d people's first /for-you (fit + day features) in %.1f s", people, (ContinuousClock.now - warm).inSeconds))
            // The same page of the same day in its plain order, for comparison (what rendering 50 cards costs).
            var plain: [Double] = []
            for i in 0..<min(requests, 200) { plain.append(try await get(i % people, path: SiteURL.day(today).path)) }
            var single: [Double] = []
            for i in 0..<min(requests, 200) { single.append(try await get(i % people)) }
            print("  one at a time: /date/\(today) \(Self.stats(plain))")
            print("  one at a time: /for-you      \(Self.stats(single))")
            var latencies: [Double] = []
            let wall = ContinuousClock.now
            try await withThrowingTaskGroup(of: [Double].self) { group in
                for lane in 0..<concurrency {
                    group.addTask {
                        var mine: [Double] = []
                        for i in stride(from: lane, to: requests, by: concurrency) { mine.append(try await get(i % people)) }
                        return mine
                    }
                }
                for try await part in group { latencies += part }
            }
            let seconds = (ContinuousClock.now - wall).inSeconds
            print("  /for-you over HTTP, \(people) people, \(concurrency) in flight: \(Self.stats(latencies)) · "
                  + String(format: "%.0f requests/s", Double(latencies.count) / seconds))
        }
        _ = checksum
    }

    /// Runs the application on `port` until `body` returns; `body` gets an HTTP client once the server answers.
    static func withRunningServer(_ app: some ApplicationProtocol & Sendable, port: Int,
                                  _ body: @escaping @Sendable (HTTPClient) async throws -> Void) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                var ready = false
                for _ in 0..<200 where !ready {
                    if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)" + SiteRoute.health.rawValue), timeout: .seconds(1)),
                       response.status == .ok {
                        ready = true
                    } else {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                guard ready else { throw ValidationError("the server did not start on port \(port)") }
                try await body(client)
                group.cancelAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    static func unitVector(_ random: inout SplitMix64) -> [Float] {
        var v = (0..<384).map { _ in Float(Int(random.next() % 20_001) - 10_000) }
        let norm = max(v.map { $0 * $0 }.reduce(0, +).squareRoot(), 1)
        for i in v.indices { v[i] /= norm }
        return v
    }

    /// A well-formed session token (43 base64url characters) for bench reader `n`.
    static func sessionToken(_ n: Int) -> String {
        let stem = "bench\(n)-"
        return stem + String(repeating: "x", count: 43 - stem.count)
    }

    static func stats(_ milliseconds: [Double]) -> String {
        String(format: "p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms", RetrievalMetrics.percentile(milliseconds, 0.5),
               RetrievalMetrics.percentile(milliseconds, 0.99), milliseconds.max() ?? 0)
    }
}
