import Foundation
import PapersEmbedding
import PapersTestSupport
import Testing

/// One line of the reference file made with sentence-transformers.
private struct GoldenLine: Decodable {
    var text: String
    var input_ids: [Int32]
    var embedding: [Float]
}

private func goldenLines() throws -> [GoldenLine] {
    let path = SharedData.path("data/golden/minilm-golden.jsonl")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n").map { try JSONDecoder().decode(GoldenLine.self, from: Data($0.utf8)) }
}

private func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        na += Double(a[i]) * Double(a[i])
        nb += Double(b[i]) * Double(b[i])
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// Loaded once for the suites: loading maps 90 MB and reads the vocabulary.
enum SharedEncoder {
    static let encoder: Result<SentenceEncoder, any Error> = Result {
        try SentenceEncoder(directory: SharedData.modelDirectory, threads: 2)
    }
    static func get() throws -> SentenceEncoder { try encoder.get() }
}

@Suite("Encoder matches the sentence-transformers reference")
struct EncoderParityTests {
    @Test("every golden text gets identical token ids")
    func tokenIDsMatchTheReference() throws {
        let encoder = try SharedEncoder.get()
        let lines = try goldenLines()
        #expect(lines.count == 53)
        for (number, line) in lines.enumerated() {
            let ids = encoder.tokenize(line.text)
            #expect(ids == line.input_ids, "line \(number + 1): \(line.text.prefix(60).debugDescription)")
        }
    }

    @Test("every golden text's embedding has cosine ≥ 0.9999 with the reference, batched or alone")
    func embeddingsMatchTheReference() async throws {
        let encoder = try SharedEncoder.get()
        let lines = try goldenLines()
        // Off the concurrency pool, so other suites' async tests are not starved meanwhile.
        let batched = await encoder.embedInBackground(lines.map(\.text))
        for (number, line) in lines.enumerated() {
            let similarity = cosine(batched[number], line.embedding)
            #expect(similarity >= 0.9999, "line \(number + 1): cosine \(similarity)")
            #expect(batched[number].count == 384)
        }
        // A text's vector must not depend on what it was batched with. Alone, texts of up to 32 tokens go
        // through the small-batch kernel instead of sgemm (a search query's path).
        let short = lines.indices.filter { encoder.tokenize(lines[$0].text).count <= 32 }
        #expect(short.count >= 10)
        for number in Set([0, 40, 44, 52] + short).sorted() {
            let alone = await encoder.embedInBackground([lines[number].text])[0]
            #expect(cosine(alone, batched[number]) >= 0.99999, "line \(number + 1) alone vs batched")
            #expect(cosine(alone, lines[number].embedding) >= 0.9999, "line \(number + 1) alone vs the reference")
        }
    }
}
