import COpenBLAS
import CKernels

/// One transformer layer's weights, PyTorch layout (a Linear's weight is [out, in], so products use Wᵀ).
struct BertLayerWeights: Sendable {
    var query: FloatTensor, queryBias: FloatTensor
    var key: FloatTensor, keyBias: FloatTensor
    var value: FloatTensor, valueBias: FloatTensor
    var attentionOutput: FloatTensor, attentionOutputBias: FloatTensor
    var attentionNormGamma: FloatTensor, attentionNormBeta: FloatTensor
    var intermediate: FloatTensor, intermediateBias: FloatTensor
    var output: FloatTensor, outputBias: FloatTensor
    var outputNormGamma: FloatTensor, outputNormBeta: FloatTensor
}

/// A BERT encoder's weights and its forward pass over packed sequences.
///
/// Sequences of a batch are packed end to end into one token matrix rather than padded to a common length:
/// the dense layers see only real tokens and attention runs per sequence over its own length, which is
/// what padding plus an attention mask computes, minus the wasted work.
final class BertModel: Sendable {
    let configuration: BertConfiguration
    let file: SafeTensorsFile
    let wordEmbeddings: FloatTensor
    let positionEmbeddings: FloatTensor
    let tokenTypeEmbeddings: FloatTensor
    let embeddingNormGamma: FloatTensor
    let embeddingNormBeta: FloatTensor
    let layers: [BertLayerWeights]

    init(file: SafeTensorsFile, configuration c: BertConfiguration) throws {
        self.configuration = c
        self.file = file
        // Sentence-transformers folders store the bare BertModel; full checkpoints prefix "bert.".
        let prefix = file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws -> FloatTensor {
            try file.floats(prefix + name, shape: shape)
        }
        let h = c.hiddenSize, f = c.intermediateSize
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layerCount).map { index in
            let p = "encoder.layer.\(index)."
            return BertLayerWeights(
                query: try tensor(p + "attention.self.query.weight", [h, h]),
                queryBias: try tensor(p + "attention.self.query.bias", [h]),
                key: try tensor(p + "attention.self.key.weight", [h, h]),
                keyBias: try tensor(p + "attention.self.key.bias", [h]),
                value: try tensor(p + "attention.self.value.weight", [h, h]),
                valueBias: try tensor(p + "attention.self.value.bias", [h]),
                attentionOutput: try tensor(p + "attention.output.dense.weight", [h, h]),
                attentionOutputBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormGamma: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBeta: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                intermediate: try tensor(p + "intermediate.dense.weight", [f, h]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [f]),
                output: try tensor(p + "output.dense.weight", [h, f]),
                outputBias: try tensor(p + "output.dense.bias", [h]),
                outputNormGamma: try tensor(p + "output.LayerNorm.weight", [h]),
                outputNormBeta: try tensor(p + "output.LayerNorm.bias", [h]))
        }
    }

    /// Token vectors of the last layer for `sequences` packed end to end: row t of the returned buffer (width
    /// `hiddenSize`) belongs to token t of the concatenation. Every id must be below `vocabularySize` and every
    /// sequence no longer than `maxPositions` (the tokenizer guarantees both).
    func forward(_ sequences: [[Int32]], workspace: inout Workspace) -> UnsafeMutablePointer<Float> {
        let c = configuration
        let h = c.hiddenSize, f = c.intermediateSize, d = c.headSize
        let tokens = sequences.reduce(0) { $0 + $1.count }
        let longest = sequences.reduce(0) { max($0, $1.count) }
        workspace.reserve(tokens: tokens, longest: longest, configuration: c)
        // Three token buffers serve all stages: the feed-forward buffer (tokens × f, f ≥ 2h) holds the attention
        // context and its projection while attention runs, and the QKV buffer takes the feed-forward output.
        let x = workspace.hidden, qkv = workspace.qkv, inner = workspace.intermediate, scores = workspace.scores
        let context = inner, projected = inner + tokens * h, ffnOutput = qkv

        // Embeddings: word + position + token type 0, then LayerNorm.
        var row = 0
        for sequence in sequences {
            for (position, id) in sequence.enumerated() {
                let target = x + row * h
                target.update(from: wordEmbeddings.pointer + Int(id) * h, count: h)
                addInPlace(target, positionEmbeddings.pointer + position * h, count: h)
                addInPlace(target, tokenTypeEmbeddings.pointer, count: h)
                row += 1
            }
        }
        layerNormRows(x, into: x, rows: tokens, width: h, gamma: embeddingNormGamma.pointer,
                      beta: embeddingNormBeta.pointer, epsilon: c.layerNormEpsilon)

        let scale = 1 / Float(d).squareRoot()
        for layer in layers {
            // Q, K and V side by side in one [tokens × 3h] matrix, biases broadcast first (beta = 1).
            for (slot, (weight, bias)) in [(layer.query, layer.queryBias), (layer.key, layer.keyBias),
                                           (layer.value, layer.valueBias)].enumerated() {
                let out = qkv + slot * h
                for t in 0..<tokens { (out + t * 3 * h).update(from: bias.pointer, count: h) }
                linear(tokens: tokens, columns: h, depth: h, x, weight.pointer, out, outStride: 3 * h)
            }
            // Attention per sequence and head over the sequence's own tokens.
            var offset = 0
            for sequence in sequences {
                let length = sequence.count
                let base = qkv + offset * 3 * h
                for head in 0..<c.headCount {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(d),
                                scale, base + head * d, Int32(3 * h), base + h + head * d, Int32(3 * h),
                                0, scores, Int32(length))
                    softmaxRowsInPlace(scores, rows: length, columns: length)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(d), Int32(length),
                                1, scores, Int32(length), base + 2 * h + head * d, Int32(3 * h),
                                0, context + offset * h + head * d, Int32(h))
                }
                offset += length
            }
            projectAddNormalize(context, width: h, weight: layer.attentionOutput, bias: layer.attentionOutputBias,
                                gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta,
                                residual: x, tokens: tokens, scratch: projected)

            // Feed-forward: GELU(x·Wiᵀ + bi)·Woᵀ + bo, residual, LayerNorm.
            broadcastRow(layer.intermediateBias.pointer, into: inner, rows: tokens, width: f)
            linear(tokens: tokens, columns: f, depth: h, x, layer.intermediate.pointer, inner, outStride: f)
            geluInPlace(inner, count: tokens * f)
            projectAddNormalize(inner, width: f, weight: layer.output, bias: layer.outputBias,
                                gamma: layer.outputNormGamma, beta: layer.outputNormBeta,
                                residual: x, tokens: tokens, scratch: ffnOutput)
        }
        return x
    }

    /// Rows at most this many go through `papers_small_batch_linear` rather than sgemm (a query's tokens;
    /// docs/embeddings.md has the measurement).
    static let smallBatchRows = 32

    /// `out += input·Wᵀ` (input rows `depth` wide and contiguous, W `columns × depth`).
    private func linear(tokens: Int, columns: Int, depth: Int, _ input: UnsafePointer<Float>,
                        _ weight: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, outStride: Int) {
        if tokens <= Self.smallBatchRows {
            papers_small_batch_linear(Int32(tokens), Int32(columns), Int32(depth), input, Int32(depth), weight, out,
                                      Int32(outStride))
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(columns), Int32(depth),
                        1, input, Int32(depth), weight, Int32(depth), 1, out, Int32(outStride))
        }
    }

    /// `residual ← LayerNorm(residual + input·Wᵀ + bias)` for `tokens` rows; `input` rows are `width` wide.
    /// The GEMM accumulates onto residual + bias already in `scratch` (beta = 1), saving a pass.
    private func projectAddNormalize(
        _ input: UnsafePointer<Float>, width: Int, weight: FloatTensor, bias: FloatTensor,
        gamma: FloatTensor, beta: FloatTensor, residual: UnsafeMutablePointer<Float>, tokens: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let h = configuration.hiddenSize
        for t in 0..<tokens {
            let target = scratch + t * h
            target.update(from: residual + t * h, count: h)
            addInPlace(target, bias.pointer, count: h)
        }
        linear(tokens: tokens, columns: h, depth: width, input, weight.pointer, scratch, outStride: h)
        layerNormRows(scratch, into: residual, rows: tokens, width: h, gamma: gamma.pointer, beta: beta.pointer,
                      epsilon: configuration.layerNormEpsilon)
    }
}

/// Activation buffers for one worker, grown on demand and reused across batches.
struct Workspace: ~Copyable {
    private(set) var hidden: UnsafeMutablePointer<Float>
    private(set) var qkv: UnsafeMutablePointer<Float>
    private(set) var intermediate: UnsafeMutablePointer<Float>
    private(set) var scores: UnsafeMutablePointer<Float>
    private var tokenCapacity = 0
    private var longestCapacity = 0

    init() {
        hidden = .allocate(capacity: 1)
        qkv = .allocate(capacity: 1)
        intermediate = .allocate(capacity: 1)
        scores = .allocate(capacity: 1)
    }

    mutating func reserve(tokens: Int, longest: Int, configuration c: BertConfiguration) {
        if tokens > tokenCapacity {
            for buffer in [hidden, qkv, intermediate] { buffer.deallocate() }
            hidden = .allocate(capacity: tokens * c.hiddenSize)
            qkv = .allocate(capacity: tokens * 3 * c.hiddenSize)
            intermediate = .allocate(capacity: tokens * max(c.intermediateSize, 2 * c.hiddenSize))
            tokenCapacity = tokens
        }
        if longest > longestCapacity {
            scores.deallocate()
            scores = .allocate(capacity: longest * longest)
            longestCapacity = longest
        }
    }

    deinit {
        for buffer in [hidden, qkv, intermediate, scores] { buffer.deallocate() }
    }
}
