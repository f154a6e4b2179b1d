import Foundation
import PapersEmbedding
import PapersTestSupport
import Testing

/// Builds a safetensors file: 8-byte little-endian header length, JSON header, data.
private func safetensors(header: String, data: [UInt8]) -> Data {
    var bytes = Data()
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: Array(header.utf8))
    bytes.append(contentsOf: data)
    return bytes
}

private func expectModelError(_ path: String, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try SafeTensorsFile(path: path)
        Issue.record("\(path) opened", sourceLocation: sourceLocation)
    } catch let error as ModelFileError {
        #expect(error.description.contains(path), sourceLocation: sourceLocation)
        #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("safetensors files: dtypes, validation, clear errors")
struct SafeTensorsTests {
    @Test("f32, f16 and bf16 tensors read as the same floats")
    func dtypes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let values: [Float] = [1, -2, 0.5, 65504]
        var data: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF]  // 1, -2, 0.5, 65504 in binary16
        for h in halves { withUnsafeBytes(of: h.littleEndian) { data.append(contentsOf: $0) } }
        for v in values { withUnsafeBytes(of: UInt16(v.bitPattern >> 16).littleEndian) { data.append(contentsOf: $0) } }
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"# +
            #""b":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},"c":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#
        let path = dir.file("t.safetensors")
        try safetensors(header: header, data: data).write(to: URL(fileURLWithPath: path))
        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata["format"] == "pt")
        let a = try file.floats("a", shape: [2, 2])
        #expect((0..<4).map { a[$0] } == values)
        let b = try file.floats("b", shape: [4])
        #expect((0..<4).map { b[$0] } == values)
        let c = try file.floats("c", shape: [4])
        #expect((0..<3).map { c[$0] } == Array(values.prefix(3)))
        #expect(throws: ModelFileError.self) { try file.floats("a", shape: [4]) }
        #expect(throws: ModelFileError.self) { try file.floats("missing", shape: [1]) }
    }

    @Test("truncated, oversized, corrupt or inconsistent files are errors naming the file, never crashes")
    func corruptFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func write(_ name: String, _ data: Data) throws -> String {
            let path = dir.file(name)
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        expectModelError(try write("empty", Data()), mentioning: "truncated")
        expectModelError(try write("short-length", safetensors(header: "{}", data: []).prefix(5)), mentioning: "truncated")
        expectModelError(try write("header-cut", safetensors(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]).prefix(30)), mentioning: "truncated")
        expectModelError(try write("not-json", safetensors(header: "{not json", data: [])), mentioning: "JSON")
        expectModelError(try write("size-mismatch", safetensors(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8))), mentioning: "12")
        expectModelError(try write("outside", safetensors(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: Array(repeating: 0, count: 8))), mentioning: "outside")
        expectModelError(try write("dtype", safetensors(header: #"{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}"#, data: [0])), mentioning: "dtype")
        expectModelError(try write("negative", safetensors(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])), mentioning: "non-negative")
        expectModelError(dir.file("does-not-exist"), mentioning: "cannot open")
    }

    @Test("a model folder with truncated weights or a missing file fails to load with the file and the set-up command")
    func brokenModelFolder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = SharedData.modelDirectory
        let broken = dir.file("model")
        try FileManager.default.createDirectory(atPath: broken + "/1_Pooling", withIntermediateDirectories: true)
        for name in ["config.json", "vocab.txt", "sentence_bert_config.json", "tokenizer_config.json", "1_Pooling/config.json"] {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: broken + "/" + name)
        }
        // Missing weights.
        #expect(throws: ModelFileError.self) { try SentenceEncoder(directory: broken) }
        // Weights cut in the middle of the tensor data.
        let weights = try Data(contentsOf: URL(fileURLWithPath: source + "/model.safetensors"), options: .alwaysMapped)
        try weights.prefix(weights.count / 2).write(to: URL(fileURLWithPath: broken + "/model.safetensors"))
        do {
            _ = try SentenceEncoder(directory: broken)
            Issue.record("a truncated model loaded")
        } catch let error as ModelFileError {
            #expect(error.description.contains("model.safetensors"))
            #expect(error.description.contains("make model"))
        }
        // A config that does not match the weights.
        try #"{"hidden_size": 768, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512}"#
            .write(toFile: broken + "/config.json", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: broken + "/model.safetensors")
        try FileManager.default.copyItem(atPath: source + "/model.safetensors", toPath: broken + "/model.safetensors")
        #expect(throws: ModelFileError.self) { try SentenceEncoder(directory: broken) }
        #expect(throws: ModelFileError.self) { try SentenceEncoder(directory: dir.file("nowhere")) }
    }
}
