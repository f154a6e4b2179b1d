import Foundation
import PapersIngest

/// A BEIR-format retrieval set on disk: `corpus.jsonl`, `queries.jsonl`, `qrels/SPLIT.tsv`.
public struct BEIRDataset: Sendable {
    /// The folder.
    public let directory: URL
    /// The folder's name, used to qualify document ids.
    public var name: String { directory.lastPathComponent }
    /// `corpus.jsonl`.
    public var corpusPath: String { directory.appendingPathComponent("corpus.jsonl").path }

    /// Opens a data set folder, checking that the corpus and queries are there.
    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EvaluationError.invalidDataset("\(directory): no such folder")
        }
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        for file in ["corpus.jsonl", "queries.jsonl"] where !FileManager.default.fileExists(atPath: self.directory.appendingPathComponent(file).path) {
            throw EvaluationError.invalidDataset("\(directory): \(file) is missing (expected a BEIR-format folder)")
        }
    }

    /// Query id → text.
    public func queries() throws -> [String: String] {
        struct Line: Decodable {
            var _id: FlexibleID
            var text: String
        }
        let reader = try LineReader(path: directory.appendingPathComponent("queries.jsonl").path)
        var result: [String: String] = [:]
        let decoder = JSONDecoder()
        while let line = try reader.nextLine() {
            if line.isEmpty { continue }
            do {
                let q = try decoder.decode(Line.self, from: Data(line))
                result[q._id.value] = q.text
            } catch {
                throw EvaluationError.invalidDataset("\(reader.path):\(reader.lineNumber): expected {\"_id\", \"text\"}")
            }
        }
        return result
    }

    /// Query id → (document id → graded relevance) for `split` (`qrels/SPLIT.tsv`, header optional).
    public func qrels(split: String) throws -> [String: [String: Int]] {
        let path = directory.appendingPathComponent("qrels").appendingPathComponent("\(split).tsv").path
        guard FileManager.default.fileExists(atPath: path) else {
            let available = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("qrels").path)) ?? []
            throw EvaluationError.invalidDataset("split \"\(split)\": \(path) is missing (available: \(available.sorted().joined(separator: ", ")))")
        }
        let reader = try LineReader(path: path)
        var result: [String: [String: Int]] = [:]
        while let line = try reader.nextLine() {
            let fields = String(decoding: line, as: UTF8.self).split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.isEmpty || fields == [""] { continue }
            if reader.lineNumber == 1, fields.first == "query-id" { continue }
            guard fields.count >= 3, let score = Int(fields[2]) ?? Double(fields[2]).map({ Int($0) }) else {
                throw EvaluationError.invalidDataset("\(path):\(reader.lineNumber): expected query-id<TAB>corpus-id<TAB>score")
            }
            result[fields[0], default: [:]][fields[1]] = score
        }
        return result
    }
}

/// A JSON id that may be a string or a number.
struct FlexibleID: Decodable {
    var value: String
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s } else { value = String(try c.decode(Int64.self)) }
    }
}

/// Errors of `papers eval`.
public enum EvaluationError: Error, CustomStringConvertible {
    /// The data set folder is not usable.
    case invalidDataset(String)
    /// A grid specification cannot be read.
    case invalidGrid(String)

    public var description: String {
        switch self {
        case .invalidDataset(let message): return message
        case .invalidGrid(let message): return "--grid: \(message)"
        }
    }
}
