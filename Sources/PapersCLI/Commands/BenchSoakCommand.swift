import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import PapersCore
import PapersDatabase
import PapersStore

/// `papers bench soak`: mixed traffic at a fixed rate against `papers serve` on a home, minute by minute.
struct BenchSoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Drive mixed traffic at a fixed rate against papers serve on --home; errors, p50/p99 and resident memory per minute.",
        discussion: """
            Starts `papers serve` on --home (a child process on --port, harvest off, vote limits off) and sends \
            --rate requests per second for --minutes: pages (home, day, paper, search), search in every mode, the JSON \
            and Hugging Face-compatible API, feeds, and upvotes taken back and forth with an API token of an account \
            made for the run. Requests are scheduled open-loop (latency counts from when a request was due, so a \
            server that falls behind shows it). Each minute: requests, errors (transport errors and statuses ≥ 400), \
            p50 and p99 in ms, and the server's resident memory. The verdict checks 0 errors, resident memory after \
            --warmup minutes growing by at most 5 %, and every minute's p99 within 1.5 × the first minute's; the exit \
            status is 1 when one fails. Build the home first, e.g. `papers import --home H ../shared/data/arxiv-sample.jsonl.gz`.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Minutes to run.") var minutes = 30.0
    @Option(help: "Requests per second.") var rate = 20.0
    @Option(help: "Most requests in flight at once.") var concurrency = 64
    @Option(help: "Minutes of warm-up before the memory baseline.") var warmup = 1
    @Option(help: "Loopback port of the server.") var port = 18_788
    @Option(help: "Search queries, one per line.") var queries = "../shared/eval/arxiv-title-queries.txt"
    @Option(help: "Seed of the request mix.") var seed: UInt64 = 1
    @Option(help: "Append the table and the verdict as Markdown to this file (e.g. docs/performance.md).") var report: String?

    func run() async throws {
        guard minutes > 0, rate > 0, concurrency > 0 else { throw ValidationError("--minutes, --rate and --concurrency must be positive") }
        let home = global.resolvedHome
        let queryLines = try String(contentsOfFile: queries, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard !queryLines.isEmpty else { throw ValidationError("--queries: \(queries) has no queries") }
        let store = try await StoreFactory.open(home: home, databaseURL: global.databaseURL)
        let days = try await store.latestDays(limit: 30).map(\.day)
        var ids: [PaperID] = []
        for day in days.prefix(10) { ids += try await store.papers(on: day, limit: 500, offset: 0).map(\.id) }
        guard !ids.isEmpty else { throw ValidationError("--home: \(home) has no papers; import some first") }
        let token = "papers_" + Self.randomToken()
        let account = try await store.createAccount(name: "soak\(Int(Date().timeIntervalSince1970))", email: "soak\(Int(Date().timeIntervalSince1970))@example.invalid",
                                                    passwordHash: "-", now: Date().timeIntervalSince1970)
        try await store.createAPIToken(tokenHash: Array(SHA256.hash(data: Data(token.utf8))), account: account.id, name: "soak", now: Date().timeIntervalSince1970)
        say("soak: \(try await store.paperCount()) papers in \(home); \(ids.count) paper ids and \(days.count) days to visit; \(queryLines.count) queries")

        let server = try await ChildServer.start(home: home, model: modelOptions.model, port: port, arguments: ["--no-harvest"]
            + ["votes-per-account", "votes-per-ip"].flatMap { ["--rate-limit", "\($0)=0/60"] })
        defer { server.stop() }
        // Ready when hybrid search answers (the indexes are loaded), so minute 1 measures serving, not loading.
        let ready = Date()
        while (try? await ChildServer.get(server.base + SiteURL.apiSearch(query: queryLines[0], mode: "hybrid").path))?.0 != 200 {
            guard Date().timeIntervalSince(ready) < 600 else { throw ValidationError("hybrid search did not answer within 10 minutes") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let mix = SoakMix(ids: ids, days: days, queries: queryLines, seed: seed)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)))
        let recorder = SoakRecorder(minutes: Int(minutes.rounded(.up)))
        let total = Int(minutes * 60 * rate)
        let interval = 1.0 / rate
        let start = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Memory at the end of each minute.
                    for minute in 0..<recorder.minuteCount {
                        try await Task.sleep(until: start + .seconds(min(60 * Double(minute + 1), minutes * 60)))
                        let memory = server.memoryMB()
                        await recorder.memory(minute: minute, residentMB: memory.resident, anonymousMB: memory.anonymous)
                        await recorder.printMinute(minute)
                    }
                }
                var inFlight = 0
                for n in 0..<total {
                    let due = start + .seconds(Double(n) * interval)
                    try await Task.sleep(until: due)
                    if inFlight >= concurrency {
                        try await group.next()
                        inFlight -= 1
                    }
                    let request = mix.request(n, base: server.base, token: token)
                    inFlight += 1
                    group.addTask {
                        var ok = false
                        var failure = ""
                        do {
                            let response = try await client.execute(request.request, timeout: .seconds(60))
                            let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
                            ok = response.status.code < 400
                            if !ok { failure = "\(response.status.code) \(String(buffer: body).prefix(200))" }
                        } catch {
                            failure = "\(error)"
                        }
                        let elapsed = ContinuousClock.now - due
                        await recorder.record(minute: Int((due - start) / .seconds(60)), milliseconds: Double(elapsed / .microseconds(1)) / 1_000, ok: ok,
                                              kind: request.kind, failure: failure)
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let summary = await recorder.summary(warmup: warmup, rate: rate, papers: try await store.paperCount())
        say(summary.markdown)
        if let report {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: report))
            handle.seekToEndOfFile()
            handle.write(Data(("\n" + summary.markdown).utf8))
            try handle.close()
        }
        if !summary.passed { throw ExitCode(1) }
    }

    /// 43 base64url characters, the shape of the server's API tokens (256 random bits).
    static func randomToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<43).map { _ in alphabet[Int.random(in: 0..<64, using: &generator)] })
    }
}

/// Writes `text` to standard output at once (`print` buffers when the output is a file or a pipe, and a soak's minutes
/// should show as they end).
func say(_ text: String, terminator: String = "\n") {
    FileHandle.standardOutput.write(Data((text + terminator).utf8))
}

/// The request mix: what a reading, searching and voting crowd asks for, by weight.
struct SoakMix: Sendable {
    let ids: [PaperID]
    let days: [Day]
    let queries: [String]
    let seed: UInt64

    /// Request kinds and their share of the traffic (weights sum to 100).
    static let kinds: [(kind: String, weight: Int)] = [
        ("page:home", 5), ("page:day", 10), ("page:paper", 14), ("page:search", 5), ("page:trending", 2),
        ("api:search keyword", 9), ("api:search semantic", 9), ("api:search hybrid", 9),
        ("api:paper", 5), ("api:similar", 5), ("api:daily", 4), ("hf:daily_papers", 3), ("hf:trending", 2),
        ("feed:daily", 3), ("feed:search", 2), ("vote", 13),
    ]

    /// The `n`th request (the same for the same seed): a GET, or a vote that alternates up and back per paper.
    func request(_ n: Int, base: String, token: String) -> SoakRequest {
        var random = SplitMix64(seed: seed &+ UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
        var pick = Int.random(in: 0..<100, using: &random)
        var kind = Self.kinds[0].kind
        for entry in Self.kinds {
            if pick < entry.weight { kind = entry.kind; break }
            pick -= entry.weight
        }
        let id = ids[Int.random(in: 0..<ids.count, using: &random)]
        let day = days[Int.random(in: 0..<days.count, using: &random)]
        let query = queries[Int.random(in: 0..<queries.count, using: &random)]
        let url: SiteURL
        switch kind {
        case "page:home": url = .home
        case "page:day": url = .day(day)
        case "page:paper": url = .paper(id)
        case "page:search": url = .search(query: query)
        case "page:trending": url = .trending(window: .week)
        case "api:search keyword": url = .apiSearch(query: query, mode: "keyword")
        case "api:search semantic": url = .apiSearch(query: query, mode: "semantic")
        case "api:search hybrid": url = .apiSearch(query: query, mode: "hybrid")
        case "api:paper": url = .apiPaper(id)
        case "api:similar": url = .apiPaper(id, action: "similar")
        case "api:daily": url = .apiDaily(date: day)
        case "hf:daily_papers": url = .hfDailyPapers
        case "hf:trending": url = .hfTrending(window: .week)
        case "feed:daily": url = .dailyFeed(date: day)
        case "feed:search": url = .searchFeed(query: query)
        default:
            // Votes on a small set of papers, up on even visits and back on odd ones, so counts stay bounded.
            let voted = ids[n % min(ids.count, 50)]
            var request = HTTPClientRequest(url: base + SiteURL.apiPaper(voted, action: "upvote").path)
            request.method = (n / min(ids.count, 50)) % 2 == 0 ? .POST : .DELETE
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            return SoakRequest(kind: kind, request: request)
        }
        return SoakRequest(kind: kind, request: HTTPClientRequest(url: base + url.path))
    }
}

/// One request of the soak and its kind (for the per-kind error count).
struct SoakRequest: Sendable {
    let kind: String
    let request: HTTPClientRequest
}

/// Latencies, errors and memory per minute of a soak.
actor SoakRecorder {
    struct Minute {
        var milliseconds: [Double] = []
        var errors = 0
        var residentMB = 0.0
        var anonymousMB = 0.0
    }

    let minuteCount: Int
    private var minutes: [Minute]
    private var errorsByKind: [String: Int] = [:]

    init(minutes: Int) {
        minuteCount = minutes
        self.minutes = Array(repeating: Minute(), count: minutes)
    }

    func record(minute: Int, milliseconds: Double, ok: Bool, kind: String, failure: String) {
        let m = min(max(minute, 0), minuteCount - 1)
        minutes[m].milliseconds.append(milliseconds)
        if !ok {
            minutes[m].errors += 1
            errorsByKind[kind, default: 0] += 1
            // The first failure of each kind, to say what went wrong.
            if errorsByKind[kind] == 1 { say("soak: \(kind) failed: \(failure)") }
        }
    }

    func memory(minute: Int, residentMB: Double, anonymousMB: Double) {
        minutes[minute].residentMB = residentMB
        minutes[minute].anonymousMB = anonymousMB
    }

    func printMinute(_ minute: Int) {
        let m = minutes[minute]
        let line = String(format: "minute %3d: %6d requests  %4d errors  p50 %8.2f ms  p99 %8.2f ms  resident %7.1f MB (heap %7.1f MB)\n", minute + 1,
                          m.milliseconds.count, m.errors, RetrievalMetrics.percentile(m.milliseconds, 0.5),
                          RetrievalMetrics.percentile(m.milliseconds, 0.99), m.residentMB, m.anonymousMB)
        say(line, terminator: "")
    }

    /// The Markdown table and the verdict.
    func summary(warmup: Int, rate: Double, papers: Int) -> (markdown: String, passed: Bool) {
        var lines = ["### Soak: \(minuteCount) minutes at \(Int(rate)) requests/s on \(papers) papers", "",
                     "| minute | requests | errors | p50 ms | p99 ms | resident MB | heap MB |", "|---:|---:|---:|---:|---:|---:|---:|"]
        for (i, m) in minutes.enumerated() {
            lines.append(String(format: "| %d | %d | %d | %.2f | %.2f | %.1f | %.1f |", i + 1, m.milliseconds.count, m.errors,
                                RetrievalMetrics.percentile(m.milliseconds, 0.5), RetrievalMetrics.percentile(m.milliseconds, 0.99),
                                m.residentMB, m.anonymousMB))
        }
        let errors = minutes.reduce(0) { $0 + $1.errors }
        let requests = minutes.reduce(0) { $0 + $1.milliseconds.count }
        // Memory is read once a minute and moves ±10 % between readings (SQLite's memory-mapped pages come and go
        // with what was read, malloc keeps and returns arenas): the baseline is the median of the five minutes
        // after the warm-up and the end the median of the last five, so one reading does not decide.
        let after = Array(minutes[min(warmup, minuteCount - 1)...])
        let window = max(1, min(5, after.count / 2))
        func median(_ values: [Double]) -> Double { RetrievalMetrics.percentile(values, 0.5) }
        let base = median(after.prefix(window).map(\.residentMB)), last = median(after.suffix(window).map(\.residentMB))
        let heapBase = median(after.prefix(window).map(\.anonymousMB)), heapLast = median(after.suffix(window).map(\.anonymousMB))
        let peak = after.map(\.residentMB).max() ?? 0
        let growth = base > 0 ? (last - base) / base * 100 : 0
        let heapGrowth = heapBase > 0 ? (heapLast - heapBase) / heapBase * 100 : 0
        let firstP99 = RetrievalMetrics.percentile(minutes[0].milliseconds, 0.99)
        let worst = minutes.map { RetrievalMetrics.percentile($0.milliseconds, 0.99) }.max() ?? 0
        let ratio = firstP99 > 0 ? worst / firstP99 : 0
        let passed = errors == 0 && growth <= 5 && ratio <= 1.5
        lines += ["",
                  "- requests \(requests), errors \(errors)" + (errorsByKind.isEmpty ? "" : " (" + errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")") + " — \(errors == 0 ? "pass" : "FAIL")",
                  String(format: "- resident memory after the %d-minute warm-up %.1f MB, at the end %.1f MB (%+.1f %%; medians of %d minutes; highest reading %.1f MB); heap %.1f → %.1f MB (%+.1f %%) — %@",
                         warmup, base, last, growth, window, peak, heapBase, heapLast, heapGrowth, growth <= 5 ? "pass" : "FAIL"),
                  String(format: "- worst minute's p99 %.2f ms = %.2f × the first minute's %.2f ms — %@", worst, ratio, firstP99, ratio <= 1.5 ? "pass" : "FAIL")]
        return (lines.joined(separator: "\n") + "\n", passed)
    }
}
