import ArgumentParser
import Foundation
import PapersCore
import PapersIngest
import PapersStore
import PapersSQLite
import PapersDatabase

/// `papers bench …`: measurements too slow for unit tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks and the synthetic data they use.",
        subcommands: [BenchImportCommand.self, BenchEncodeCommand.self, BenchSearchCommand.self, BenchVectorsCommand.self, BenchOAIParseCommand.self, BenchDigestCommand.self, BenchForYouCommand.self, BenchPgvectorCommand.self, BenchSoakCommand.self, GenerateSnapshotCommand.self])
}

/// `papers bench generate-snapshot N`: synthetic arXiv-snapshot records for scale tests.
struct GenerateSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-snapshot",
        abstract: "Write N synthetic arXiv metadata snapshot records (JSON lines) with realistic sizes.")

    @Argument(help: "How many records.") var count: Int
    @Option(help: "Output file (default: standard output).") var output: String?
    @Option(help: "Random seed; the same seed gives the same file.") var seed: UInt64 = 42

    func run() async throws {
        // Standard output is used as it is: creating "/dev/stdout" as a file would replace the device link.
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                  let file = FileHandle(forWritingAtPath: output) else {
                throw ValidationError("--output: cannot write \(output)")
            }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        var generator = SyntheticSnapshot(seed: seed)
        var buffer = Data()
        for i in 0..<count {
            buffer.append(generator.record(index: i))
            buffer.append(0x0A)
            if buffer.count > 1 << 22 {
                handle.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(buffer)
        if output != nil { try handle.close() }
    }
}

/// `papers bench import`: generate N records, import them into a fresh home, report records/s and size.
struct BenchImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Time importing N synthetic snapshot records into a fresh SQLite database.")

    @Option(help: "Records to generate and import.") var records = 1_000_000
    @Option(help: "Working folder (default: a new temporary folder, removed afterwards).") var workdir: String?

    func run() async throws {
        let dir = workdir ?? FileManager.default.temporaryDirectory.appendingPathComponent("papers-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let file = URL(fileURLWithPath: dir).appendingPathComponent("snapshot.jsonl").path
        let home = URL(fileURLWithPath: dir).appendingPathComponent("home").path
        let generate = try GenerateSnapshotCommand.parse([String(records), "--output", file])
        try await generate.run()
        let inputBytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
        print("generated \(records) records, \(inputBytes / 1_000_000) MB")
        let store = try SQLitePaperStore(path: StoreFactory.sqlitePath(home: home))
        let summary = try await ImportCommand.importFiles([file], into: store, format: .auto, clock: .system)
        var databaseBytes = 0
        for suffix in ["", "-wal"] {
            databaseBytes += (try? FileManager.default.attributesOfItem(atPath: store.path + suffix)[.size] as? NSNumber)?.intValue ?? 0
        }
        print(summary.description)
        print(String(format: "%.0f records/s, database %.0f MB (%.0f bytes/paper)",
                     Double(records) / summary.elapsed, Double(databaseBytes) / 1e6, Double(databaseBytes) / Double(max(records, 1))))
    }
}

/// Deterministic synthetic arXiv-snapshot records: Zipf-distributed vocabulary, realistic field sizes
/// (titles ~10 words, abstracts ~170 words, 1–8 authors, 1–3 categories, 1–3 versions).
struct SyntheticSnapshot {
    private var rng: SplitMix64
    /// Where words come from: a fitted distribution, or the built-in Zipf vocabulary.
    private let distribution: WordDistribution
    private static let categories = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "cs.IR", "math.OC", "eess.IV", "q-bio.NC", "hep-th", "cond-mat.stat-mech"]
    private static let surnames = ["Smith", "Wang", "Li", "Zhang", "Müller", "García", "Kim", "Nguyen", "Rossi", "Kowalski", "Dubois", "Sato", "Ivanova", "Okafor", "Silva"]
    private static let forenames = ["A.", "Wei", "Maria", "J. K.", "Yuki", "Olga", "Ahmed", "Lucía", "Chen", "Pierre", "Anna", "Ravi"]

    /// Records whose words come from `words` (fitted to a real corpus), or from a built-in Zipf vocabulary
    /// of 30,000 made-up words when nil.
    init(seed: UInt64, words distribution: WordDistribution? = nil) {
        rng = SplitMix64(seed: seed)
        if let distribution {
            self.distribution = distribution
            return
        }
        let common = ["the", "of", "and", "to", "a", "in", "we", "for", "is", "on", "that", "with", "by", "this", "model", "learning",
                      "data", "our", "are", "from", "method", "results", "neural", "network", "show", "performance", "training",
                      "which", "as", "can", "an", "based", "propose", "approach", "be", "tasks", "language", "models", "deep",
                      "image", "these", "problem", "using", "state", "art", "large", "new", "algorithm", "graph", "framework"]
        var words = common
        var local = SplitMix64(seed: 7)
        let syllables = ["ta", "ro", "mi", "ne", "lu", "ka", "po", "ri", "sen", "tor", "al", "ex", "in", "ver", "qua", "lin", "gra", "ph", "ic", "ent"]
        while words.count < 30_000 {
            let n = 2 + Int(local.next() % 3)
            words.append((0..<n).map { _ in syllables[Int(local.next() % UInt64(syllables.count))] }.joined())
        }
        self.distribution = WordDistribution(words: words, weights: (1...words.count).map { 1 / pow(Double($0), 1.05) })
    }

    private mutating func word() -> String { distribution.sample(&rng) }

    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    private mutating func words(_ n: Int) -> String { (0..<n).map { _ in word() }.joined(separator: " ") }

    mutating func record(index: Int) -> Data {
        let yymm = 1501 + (index / 90_000) % 12 + ((index / 1_080_000) * 100)
        let id = String(format: "%04d.%05d", yymm, index % 90_000 + 1)
        let authorCount = int(1...8)
        var parsed: [[String]] = []
        for _ in 0..<authorCount {
            parsed.append([Self.surnames[int(0...Self.surnames.count - 1)], Self.forenames[int(0...Self.forenames.count - 1)], ""])
        }
        let names = parsed.map { "\($0[1]) \($0[0])" }
        let authorText = names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + names.last! : names[0]
        let versionCount = int(1...3)
        let month = yymm % 100
        let year = 2000 + yymm / 100
        let versions = (1...versionCount).map { v -> [String: String] in
            ["version": "v\(v)", "created": "Mon, \(min(v * 3, 28)) \(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]) \(year) 10:00:00 GMT"]
        }
        let categoryList = (0..<int(1...3)).map { _ in Self.categories[int(0...Self.categories.count - 1)] }
        var seen = Set<String>()
        let categories = categoryList.filter { seen.insert($0).inserted }.joined(separator: " ")
        // Written by hand (JSONSerialization made generating 1M records take half an hour).
        func field(_ key: String, _ value: String?) -> String { "\(JSONText.string(key)):\(value.map(JSONText.string) ?? "null")" }
        let versionsJSON = "[" + versions.map { "{\"created\":\(JSONText.string($0["created"]!)),\"version\":\(JSONText.string($0["version"]!))}" }.joined(separator: ",") + "]"
        let parsedJSON = "[" + parsed.map { JSONText.array($0) }.joined(separator: ",") + "]"
        let line = "{" + [
            field("abstract", "  " + words(int(110...230)).capitalizedFirst + ".\n"),
            field("authors", authorText),
            "\"authors_parsed\":" + parsedJSON,
            field("categories", categories),
            field("comments", int(0...2) == 0 ? nil : "\(int(5...40)) pages, \(int(1...12)) figures"),
            field("doi", int(0...9) == 0 ? "10.\(int(1000...9999))/synthetic.\(index)" : nil),
            field("id", id),
            field("journal-ref", nil),
            field("license", "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"),
            field("report-no", nil),
            field("submitter", names[0]),
            field("title", words(int(6...14)).capitalizedFirst),
            field("update_date", String(format: "%04d-%02d-%02d", year, month, min(versionCount * 3, 28))),
            "\"versions\":" + versionsJSON,
        ].joined(separator: ",") + "}"
        return Data(line.utf8)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
