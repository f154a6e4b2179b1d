import Foundation

/// The sizes of a BERT encoder, read from a model folder's `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    /// Width of every token vector (384 for MiniLM-L6).
    public var hiddenSize: Int
    /// Number of transformer layers.
    public var layerCount: Int
    /// Attention heads per layer; `hiddenSize` must be a multiple of it.
    public var headCount: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Number of rows in the word-embedding table.
    public var vocabularySize: Int
    /// Longest sequence the position table covers.
    public var maxPositions: Int
    /// Rows in the token-type table.
    public var typeVocabularySize: Int
    /// LayerNorm ε.
    public var layerNormEpsilon: Float

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// Reads and checks `config.json`.
    /// - Throws: `ModelFileError` naming the file and the missing or unsupported key.
    public init(file path: String) throws {
        let object = try readJSONObject(path)
        func integer(_ key: String) throws -> Int {
            guard let value = object[key] as? Int, value > 0 else {
                throw ModelFileError(path: path, reason: "\"\(key)\" is missing or not a positive integer")
            }
            return value
        }
        hiddenSize = try integer("hidden_size")
        layerCount = try integer("num_hidden_layers")
        headCount = try integer("num_attention_heads")
        intermediateSize = try integer("intermediate_size")
        vocabularySize = try integer("vocab_size")
        maxPositions = try integer("max_position_embeddings")
        typeVocabularySize = (object["type_vocab_size"] as? Int) ?? 2
        layerNormEpsilon = Float((object["layer_norm_eps"] as? Double) ?? 1e-12)
        guard hiddenSize % headCount == 0 else {
            throw ModelFileError(path: path, reason: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        let activation = (object["hidden_act"] as? String) ?? "gelu"
        guard activation == "gelu" else {
            throw ModelFileError(path: path, reason: "hidden_act \"\(activation)\" is not supported (only the exact \"gelu\")")
        }
        if let kind = object["position_embedding_type"] as? String, kind != "absolute" {
            throw ModelFileError(path: path, reason: "position_embedding_type \"\(kind)\" is not supported (only \"absolute\")")
        }
    }

    /// Floating-point operations (multiply and add counted apart) to encode one sequence of `length` tokens:
    /// the four projections and the feed-forward pair per token, plus the two attention products.
    public func flops(sequenceLength length: Int) -> Double {
        let n = Double(length), h = Double(hiddenSize), f = Double(intermediateSize)
        let perLayer = 2 * n * (4 * h * h + 2 * h * f) + 2 * 2 * n * n * h
        return perLayer * Double(layerCount)
    }
}

/// How token vectors become one sentence vector (`1_Pooling/config.json`).
public enum PoolingMode: String, Sendable {
    /// Average over the real tokens, [CLS] and [SEP] included (sentence-transformers' default).
    case mean
    /// The [CLS] token's vector.
    case cls
}

/// Everything a sentence-transformers BERT folder says about how to run it.
public struct ModelFolder: Sendable {
    /// The folder.
    public var path: String
    /// Encoder sizes from `config.json`.
    public var bert: BertConfiguration
    /// Longest input in tokens, [CLS] and [SEP] included (`max_seq_length`, capped by the position table).
    public var maxSequenceLength: Int
    /// Whether the tokenizer lower-cases and strips accents.
    public var lowercase: Bool
    /// Pooling over token vectors.
    public var pooling: PoolingMode
    /// The WordPiece vocabulary.
    public var vocabularyPath: String { path + "/vocab.txt" }
    /// The weights file.
    public var weightsPath: String { path + "/model.safetensors" }

    /// Reads the folder's configuration files.
    /// - Throws: `ModelFileError` naming the first missing or unreadable file.
    public init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelFileError(path: path, reason: "model folder does not exist")
        }
        for required in ["config.json", "vocab.txt", "model.safetensors"] where !FileManager.default.fileExists(atPath: path + "/" + required) {
            throw ModelFileError(path: path + "/" + required, reason: "file is missing")
        }
        bert = try BertConfiguration(file: path + "/config.json")
        var maxLength = 512
        let sentenceConfig = path + "/sentence_bert_config.json"
        if FileManager.default.fileExists(atPath: sentenceConfig) {
            let object = try readJSONObject(sentenceConfig)
            if let value = object["max_seq_length"] as? Int, value >= 2 { maxLength = value }
        }
        maxSequenceLength = min(maxLength, bert.maxPositions)
        lowercase = true
        let tokenizerConfig = path + "/tokenizer_config.json"
        if FileManager.default.fileExists(atPath: tokenizerConfig),
           let flag = try readJSONObject(tokenizerConfig)["do_lower_case"] as? Bool {
            lowercase = flag
        }
        pooling = .mean
        let poolingConfig = path + "/1_Pooling/config.json"
        if FileManager.default.fileExists(atPath: poolingConfig) {
            let object = try readJSONObject(poolingConfig)
            if object["pooling_mode_mean_tokens"] as? Bool == true {
                pooling = .mean
            } else if object["pooling_mode_cls_token"] as? Bool == true {
                pooling = .cls
            } else {
                throw ModelFileError(path: poolingConfig, reason: "only mean-token or CLS-token pooling is supported")
            }
        }
    }
}

func readJSONObject(_ path: String) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ModelFileError(path: path, reason: "cannot read the file")
    }
    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
        throw ModelFileError(path: path, reason: "not a JSON object: corrupt")
    }
    return object
}

/// Where the encoder's model folder is looked for.
public enum ModelLocation {
    /// The folder to load: `explicit` (`--model`) when given, else `$PAPERS_MODEL`, else
    /// `HOME/models/all-MiniLM-L6-v2`, else the default home's copy (`~/.papers/models/…`, where `make model`
    /// installs it) when that exists; a missing folder is reported by the loader with its path.
    public static func resolve(explicit: String?, home: String) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PAPERS_MODEL"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let inHome = home + "/models/" + SentenceEncoder.defaultModelName
        if FileManager.default.fileExists(atPath: inHome) { return inHome }
        let userDefault = NSHomeDirectory() + "/.papers/models/" + SentenceEncoder.defaultModelName
        if FileManager.default.fileExists(atPath: userDefault) { return userDefault }
        return inHome
    }
}
