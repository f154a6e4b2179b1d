import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PapersCore
import PapersIngest
import PapersSearch
import PapersStore

/// Word frequencies of a real corpus, sampled to generate texts whose vocabulary and word frequencies
/// look like arXiv's (so real title queries hit postings of realistic lengths).
struct WordDistribution {
    let words: [String]
    let cumulative: [Double]

    /// Words drawn with the given weights (any positive scale).
    init(words: [String], weights: [Double]) {
        precondition(!words.isEmpty && words.count == weights.count, "one weight per word")
        self.words = words
        var sum = 0.0
        cumulative = weights.map { sum += $0; return sum }
    }

    /// Counts the lower-cased words of every title and abstract in a JSON-lines file (`.gz` read as is),
    /// keeping the `limit` most frequent.
    init(fitting path: String, limit: Int = 200_000) throws {
        let reader = try LineReader(path: path)
        var counts: [String: Int] = [:]
        while let line = try reader.nextLine() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            for key in ["title", "abstract"] {
                guard let text = object[key] as? String else { continue }
                for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" }) {
                    counts[String(word), default: 0] += 1
                }
            }
        }
        guard !counts.isEmpty else { throw ValidationError("--vocabulary: \(path) has no titles or abstracts") }
        let ranked = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(limit)
        words = ranked.map(\.key)
        var sum = 0.0
        cumulative = ranked.map { sum += Double($0.value); return sum }
    }

    /// One word drawn with its corpus frequency.
    func sample(_ rng: inout SplitMix64) -> String {
        let u = Double(rng.next() >> 11) / Double(1 << 53) * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return words[lo]
    }
}

/// Builds (once) a home of N synthetic papers with generated texts and Gaussian-fitted synthetic vectors,
/// timing each step.
struct SyntheticScaleHome {
    let home: String
    let count: Int
    let vocabularyPath: String

    /// Seconds per build step, in order, for the report.
    private(set) var steps: [(String, Double)] = []

    /// Generates, imports, stores vectors drawn from `model` and builds the HNSW graph, skipping what a
    /// previous run already did (a home holding `count` papers with `count` vectors and a saved graph).
    mutating func build(store: any PaperStore, semantic: SemanticIndex, model: GaussianModel) async throws {
        let existing = try await store.paperCount()
        if existing < count {
            var start = Date()
            let distribution = try WordDistribution(fitting: vocabularyPath)
            let file = URL(fileURLWithPath: home).appendingPathComponent("synthetic-\(count).jsonl").path
            var generator = SyntheticSnapshot(seed: 42, words: distribution)
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: file) else { throw ValidationError("cannot write \(file)") }
            var buffer = Data()
            for i in 0..<count {
                buffer.append(generator.record(index: i))
                buffer.append(0x0A)
                if buffer.count > 1 << 22 { handle.write(buffer); buffer.removeAll(keepingCapacity: true) }
            }
            handle.write(buffer)
            try handle.close()
            steps.append(("generate \(count) texts (word frequencies of the arXiv sample)", Date().timeIntervalSince(start)))
            say(String(format: "generated %d records in %.1f s", count, steps.last!.1))
            start = Date()
            _ = try await ImportCommand.importFiles([file], into: store, format: .auto, clock: .system)
            try? FileManager.default.removeItem(atPath: file)
            steps.append(("import \(count) papers (keyword index included)", Date().timeIntervalSince(start)))
            say(String(format: "imported in %.1f s", steps.last!.1))
        }
        let name = semantic.encoder.name
        if try await store.papersToEmbedCount(model: name) > 0 {
            let start = Date()
            var cursor: Int64? = nil
            var seed: UInt64 = 1
            while true {
                let jobs = try await store.papersToEmbed(model: name, after: cursor, limit: 20_000)
                guard let last = jobs.last else { break }
                let vectors = model.sample(count: jobs.count, seed: seed)
                seed += 1
                let embeddings = jobs.enumerated().map { i, job in
                    PaperEmbedding(job: job, vector: Array(vectors.values[i * vectors.dimension..<(i + 1) * vectors.dimension]))
                }
                try await store.saveEmbeddings(embeddings, model: name)
                cursor = last.cursor
            }
            steps.append(("draw and store the synthetic vectors", Date().timeIntervalSince(start)))
            say(String(format: "stored synthetic vectors in %.1f s", steps.last!.1))
        }
        if let path = semantic.graphPath, !FileManager.default.fileExists(atPath: path) {
            let start = Date()
            let graph = try await semantic.rebuild()
            let parameters = semantic.configuration.parameters
            steps.append(("build and save the HNSW graph (M \(parameters.m), efConstruction \(parameters.efConstruction), 2 threads)",
                          Date().timeIntervalSince(start)))
            say(String(format: "built the HNSW graph of %d vectors in %.1f s", graph.count, steps.last!.1))
        }
    }
}

/// A `papers serve` child process on a free loopback port, for start-up time, end-to-end latency and memory.
/// `papers serve` as a child process of a benchmark: the same binary, on a loopback port, stopped with the benchmark.
struct ChildServer {
    let process: Process
    let base: String

    /// Spawns `papers serve --home home --port port` (plus `arguments`) and waits up to 120 s for `/healthz`.
    static func start(home: String, model: String?, port: Int, arguments: [String] = []) async throws -> ChildServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = Bundle.main.executableURL
        }
        process.arguments = ["serve", "--home", home, "--port", String(port)] + (model.map { ["--model", $0] } ?? []) + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let server = ChildServer(process: process, base: "http://127.0.0.1:\(port)")
        while true {
            if let (status, _) = try? await get(server.base + SiteRoute.health.rawValue), status == 200 { return server }
            guard Date().timeIntervalSince(start) < 120, process.isRunning else {
                server.stop()
                throw ValidationError("papers serve did not start on port \(port)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Ends the server (SIGTERM, then waits).
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Resident, peak resident and anonymous resident memory (the heap, without mapped files such as SQLite's
    /// memory-mapped pages) of the server now, MB (Linux `/proc`; zeros elsewhere).
    func memoryMB() -> (resident: Double, peak: Double, anonymous: Double) {
        var resident = 0.0, peak = 0.0, anonymous = 0.0
        if let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count >= 2, let kilobytes = Double(fields[1]) else { continue }
                if fields[0] == "VmRSS:" { resident = kilobytes / 1024 }
                if fields[0] == "VmHWM:" { peak = kilobytes / 1024 }
                if fields[0] == "RssAnon:" { anonymous = kilobytes / 1024 }
            }
        }
        return (resident, peak, anonymous)
    }

    /// One GET: status and body.
    static func get(_ url: String) async throws -> (Int, Data) {
        guard let address = URL(string: url) else { throw ValidationError("bad URL \(url)") }
        let (data, response) = try await URLSession.shared.data(from: address)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}

struct ServerProbe {
    /// Seconds from spawn to the first `/healthz` answer, and to the first answered hybrid search.
    var healthSeconds = 0.0, firstSearchSeconds = 0.0
    /// End-to-end hybrid search latencies over HTTP.
    var latency = LatencySample()
    /// Resident and peak resident memory of the server after the queries, MB.
    var residentMB = 0.0, peakResidentMB = 0.0
    var errors = 0

    static func run(home: String, model: String?, queries: [String], port: Int) async throws -> ServerProbe {
        var probe = ServerProbe()
        let start = Date()
        let server = try await ChildServer.start(home: home, model: model, port: port)
        defer { server.stop() }
        probe.healthSeconds = Date().timeIntervalSince(start)
        while true {
            if let (status, _) = try? await ChildServer.get(server.base + SiteURL.apiSearch(query: queries[0], mode: "hybrid").path), status == 200 { break }
            guard Date().timeIntervalSince(start) < 300 else { throw ValidationError("hybrid search did not answer") }
            try await Task.sleep(for: .milliseconds(20))
        }
        probe.firstSearchSeconds = Date().timeIntervalSince(start)
        for query in queries {
            let status = try? await probe.latency.time { try await ChildServer.get(server.base + SiteURL.apiSearch(query: query, mode: "hybrid", limit: 10).path).0 }
            if status != 200 { probe.errors += 1 }
        }
        (probe.residentMB, probe.peakResidentMB, _) = server.memoryMB()
        return probe
    }
}
