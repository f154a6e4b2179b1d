import Foundation
import PapersCore

/// Where the read-only shared data lives: `$PAPERS_SHARED`, else `../shared` beside the repository.
public enum SharedData {
    /// The repository root (the folder holding Package.swift).
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The shared folder.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["PAPERS_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared").standardizedFileURL
    }()

    /// A file inside the shared folder.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The MiniLM model folder `make test` installs: `$PAPERS_MODEL`, else `~/.papers/models/all-MiniLM-L6-v2`.
    public static var modelDirectory: String {
        if let env = ProcessInfo.processInfo.environment["PAPERS_MODEL"], !env.isEmpty { return env }
        return NSHomeDirectory() + "/.papers/models/all-MiniLM-L6-v2"
    }

    /// The `papers` executable built beside the test bundle (PapersCLITests depends on the executable target, so
    /// building the tests builds it too: `swift build --build-tests` never leaves an older binary to test).
    public static var papersExecutable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("papers").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug/papers").path
    }
}

/// A fresh folder under the system temporary directory; removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
    /// The folder.
    public let url: URL
    /// Its path.
    public var path: String { url.path }

    /// Creates an empty folder.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("papers-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `lines` joined by newlines to `name` and returns its path.
    @discardableResult
    public func write(_ name: String, lines: [String]) throws -> String {
        let path = file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Deletes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Small paper values for tests.
public enum Fixtures {
    /// An arXiv paper with sensible defaults.
    public static func paper(_ id: String, title: String, abstract: String = "An abstract.", authors: [String] = ["Ada Lovelace"],
                             categories: [String] = ["cs.LG"], listed: String? = "2025-03-18", version: Int? = 1) -> Paper {
        Paper(id: PaperID(id)!, version: version, title: title, abstract: abstract,
              authors: authors.map { Author(name: $0) }, categories: categories,
              listed: listed.flatMap { Day($0) })
    }

    /// A hostile title used to check escaping on every page.
    public static let scriptTitle = "<script>alert(1)</script>"
}

/// Runs blocking work (waiting for a process, reading a pipe) on a thread of its own, so it never holds one of the
/// few cooperative threads that the servers under test need.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// The time tests pretend it is, never the machine's: Tuesday 24 November 2026, 10:00 UTC, the `responseDate` the
/// local OAI-PMH repository answers with. Fixture dates that must be "recent" are written relative to ``today``.
public enum TestClock {
    /// The pinned day (a Tuesday, an arXiv announcement day).
    public static let today = Day("2026-11-24")!
    /// The pinned instant, `today` at 10:00 UTC, in Unix seconds.
    public static let now = today.startUnixTime + 10 * 3_600
    /// A clock stopped at ``now``.
    public static let clock = WallClock.fixed(now)
}

/// Papers on a few clearly separate topics, for personal-ranking tests: each topic has its own words, authors
/// and category, so a model that learned one topic must put it first.
public enum TopicalPapers {
    /// A topic: its category, authors and the words its titles and abstracts are made of.
    public struct Topic: Sendable {
        public var name: String
        public var category: String
        public var authors: [String]
        public var words: [String]
    }

    /// Three topics with disjoint vocabularies.
    public static let topics: [Topic] = [
        Topic(name: "diffusion", category: "cs.CV", authors: ["Dana Diffuse", "Ivo Imagen"],
              words: ["diffusion", "denoising", "image", "generation", "score", "sampler", "pixels", "latent", "guidance", "noise"]),
        Topic(name: "reinforcement", category: "cs.RO", authors: ["Rita Reward", "Paul Policy"],
              words: ["reinforcement", "policy", "reward", "robot", "agent", "locomotion", "control", "environment", "actor", "critic"]),
        Topic(name: "graphs", category: "math.CO", authors: ["Gina Graph", "Nils Node"],
              words: ["graph", "nodes", "edges", "coloring", "spectral", "vertex", "clique", "planar", "bipartite", "chromatic"]),
    ]

    /// `perTopic` papers of each topic listed on each of `days`, ids `YYMM.NNNNN` numbered in order (topics
    /// interleaved, so id order says nothing about topic).
    public static func papers(days: [Day], perTopic: Int, idPrefix: String = "2611") -> [Paper] {
        var papers: [Paper] = []
        var n = 0
        for day in days {
            for k in 0..<perTopic {
                for (t, topic) in topics.enumerated() {
                    n += 1
                    let w = topic.words
                    let title = "\(w[(k + n) % w.count].capitalized) \(w[(k * 3 + 1) % w.count]) with \(w[(k + 2 * n) % w.count]) \(n)"
                    let abstract = (0..<12).map { w[($0 * (k + 2) + t + n) % w.count] }.joined(separator: " ") + "."
                    papers.append(Fixtures.paper(String(format: "\(idPrefix).%05d", n), title: title, abstract: abstract,
                                                 authors: [topic.authors[n % 2], "Coauthor \(n)"], categories: [topic.category],
                                                 listed: day.description))
                }
            }
        }
        return papers
    }

    /// The topic of a paper made by `papers`.
    public static func topic(of paper: Paper) -> Topic? { topics.first { paper.categories.first == $0.category } }
}

/// Whether a test that drives a Python package (huggingface_hub, schemathesis) runs: always when `make test` set
/// `requiredBy` to 1 (it installs the package, so a missing one fails loudly), elsewhere when `import module` works.
public func pythonModuleAvailable(_ module: String, requiredBy variable: String) -> Bool {
    if ProcessInfo.processInfo.environment[variable] == "1" { return true }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    probe.arguments = ["python3", "-c", "import \(module)"]
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}
