import COpenBLAS
import Dispatch
import Foundation
import Synchronization

/// A sentence-transformers BERT model (all-MiniLM-L6-v2 by default) run in-process: text → unit vector.
///
/// Loading maps the weights read-only (no copy for f32) and reads the vocabulary; encoding tokenizes,
/// sorts inputs by length, packs them into batches of about `batchTokens` tokens and runs the batches on
/// `threads` workers, each calling single-threaded OpenBLAS sgemm, so the cores never wait on each other.
/// Safe to share between tasks: all state after loading is read-only.
public final class SentenceEncoder: Sendable {
    /// The folder name under `$PAPERS_HOME/models` of the default model.
    public static let defaultModelName = "all-MiniLM-L6-v2"

    /// What the folder's configuration files say.
    public let folder: ModelFolder
    /// The tokenizer built from `vocab.txt`.
    public let tokenizer: WordPieceTokenizer
    /// Worker threads used by `embed` (each runs its own batches).
    public let threads: Int
    /// Packed tokens per batch: larger batches make larger matrix products, at ~15 KB of activations per token.
    public let batchTokens: Int
    let model: BertModel

    /// The model's name (its folder's name), recorded with every stored vector so a model change is noticed.
    public var name: String { URL(fileURLWithPath: folder.path).standardizedFileURL.lastPathComponent }

    /// Length of every embedding (`hidden_size`).
    public var dimension: Int { folder.bert.hiddenSize }

    /// Loads the model in `directory`.
    /// - Parameters:
    ///   - threads: worker threads; nil means one per active core.
    ///   - batchTokens: tokens packed into one batch.
    /// - Throws: `ModelFileError` naming the missing or corrupt file.
    public init(directory: String, threads: Int? = nil, batchTokens: Int = 512) throws {
        let folder = try ModelFolder(path: directory)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: folder.vocabularyPath,
                                               maxLength: folder.maxSequenceLength, lowercase: folder.lowercase)
        guard tokenizer.vocabularySize <= folder.bert.vocabularySize else {
            throw ModelFileError(path: folder.vocabularyPath, reason: "\(tokenizer.vocabularySize) tokens, more than vocab_size \(folder.bert.vocabularySize) in config.json")
        }
        let file = try SafeTensorsFile(path: folder.weightsPath)
        self.model = try BertModel(file: file, configuration: folder.bert)
        self.folder = folder
        self.tokenizer = tokenizer
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.batchTokens = max(folder.maxSequenceLength, batchTokens)
        // Parallelism comes from our workers; OpenBLAS threads inside them would only contend for the cores.
        openblas_set_num_threads(1)
    }

    /// Token ids of `text` as the model sees them ([CLS] … [SEP], truncated to `max_seq_length`).
    public func tokenize(_ text: String) -> [Int32] { tokenizer.encode(text) }

    /// Unit-length embeddings of `texts`, in order.
    public func embed(_ texts: [String]) -> [[Float]] {
        embed(tokenized: texts.map(tokenizer.encode))
    }

    /// `embed` on a thread of its own, so a long batch holds neither a Swift concurrency thread nor one of
    /// libdispatch's global-queue threads (GRDB's queues run there: filling them stalled every database read).
    public func embedInBackground(_ texts: [String]) async -> [[Float]] {
        await withCheckedContinuation { continuation in
            startThread { continuation.resume(returning: self.embed(texts)) }
        }
    }

    /// Unit-length embedding of one text.
    public func embed(_ text: String) -> [Float] { embed([text])[0] }

    /// Unit-length embeddings of already tokenized sequences, in order. Ids outside the vocabulary count as
    /// [UNK]; sequences longer than `max_seq_length` are cut (keeping the final [SEP] position as is).
    public func embed(tokenized input: [[Int32]]) -> [[Float]] {
        if input.isEmpty { return [] }
        let sequences = input.map(sanitize)
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var batches: [[Int]] = []
        var current: [Int] = []
        var currentTokens = 0
        for index in order {
            let length = sequences[index].count
            if !current.isEmpty && currentTokens + length > batchTokens {
                batches.append(current)
                current = []
                currentTokens = 0
            }
            current.append(index)
            currentTokens += length
        }
        if !current.isEmpty { batches.append(current) }
        let work = batches

        let width = dimension
        let output = SharedFloats(count: input.count * width)
        let next = Atomic<Int>(0)
        let workers = min(threads, work.count)
        let model = self.model
        let pooling = folder.pooling
        runOnOwnThreads(workers) {
            var workspace = Workspace()
            while true {
                let batchIndex = next.add(1, ordering: .relaxed).oldValue
                if batchIndex >= work.count { break }
                let members = work[batchIndex]
                let hidden = model.forward(members.map { sequences[$0] }, workspace: &workspace)
                var row = 0
                for member in members {
                    let length = sequences[member].count
                    Self.pool(hidden + row * width, rows: length, width: width, mode: pooling,
                              into: output.pointer + member * width)
                    row += length
                }
            }
        }
        return (0..<input.count).map { Array(UnsafeBufferPointer(start: output.pointer + $0 * width, count: width)) }
    }

    private func sanitize(_ sequence: [Int32]) -> [Int32] {
        let limit = folder.maxSequenceLength
        let vocabularySize = Int32(folder.bert.vocabularySize)
        var result = sequence.count > limit ? Array(sequence.prefix(limit)) : sequence
        for i in result.indices where result[i] < 0 || result[i] >= vocabularySize {
            result[i] = tokenizer.unknownID
        }
        if result.isEmpty { result = [tokenizer.clsID, tokenizer.sepID] }
        return result
    }

    /// Mean (or CLS) pooling of `rows` token vectors, then L2 normalisation.
    private static func pool(_ tokens: UnsafePointer<Float>, rows: Int, width: Int, mode: PoolingMode,
                             into out: UnsafeMutablePointer<Float>) {
        switch mode {
        case .cls:
            out.update(from: tokens, count: width)
        case .mean:
            out.update(repeating: 0, count: width)
            for r in 0..<rows { addInPlace(out, tokens + r * width, count: width) }
            let inverse = 1 / Float(rows)
            for i in 0..<width { out[i] *= inverse }
        }
        var norm: Float = 0
        for i in 0..<width { norm += out[i] * out[i] }
        // sentence-transformers' Normalize clamps the norm at 1e-12 the same way.
        let inverse = 1 / max(norm.squareRoot(), 1e-12)
        for i in 0..<width { out[i] *= inverse }
    }
}

/// Runs `body` on `count` threads (the caller's and `count − 1` new ones) and returns when all are done.
/// Dedicated threads rather than `DispatchQueue.concurrentPerform`, whose helpers come from the global
/// queue's small pool that the rest of the process (GRDB among others) depends on. Also used to build
/// vector indexes.
public func runOnOwnThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    for _ in 1..<max(count, 1) {
        startThread {
            body()
            done.signal()
        }
    }
    // The caller may be a libdispatch or concurrency-pool thread at nice 0; while it works here it takes the
    // process's nice value like the others.
    let own = getpriority(PRIO_PROCESS_WHICH, 0), process = processNiceness()
    if own != process { _ = setpriority(PRIO_PROCESS_WHICH, 0, process) }
    body()
    if own != process { _ = setpriority(PRIO_PROCESS_WHICH, 0, own) }
    for _ in 1..<max(count, 1) { done.wait() }
}

/// The nice value the process was started with (its main thread's; Linux keeps one per thread).
private func processNiceness() -> Int32 {
    getpriority(PRIO_PROCESS_WHICH, id_t(getpid()))
}

/// Starts `body` on a new thread (1 MB stack) at the process's nice value: threads otherwise inherit the
/// creator's, and libdispatch's and Foundation's threads run at 0, which let a `nice`d `papers embed` take
/// half the machine from a server beside it.
func startThread(_ body: @escaping @Sendable () -> Void) {
    let niceness = processNiceness()
    let thread = Thread {
        _ = setpriority(PRIO_PROCESS_WHICH, 0, niceness)
        body()
    }
    thread.stackSize = 1 << 20
    thread.start()
}

#if canImport(Glibc)
private let PRIO_PROCESS_WHICH = __priority_which_t(PRIO_PROCESS.rawValue)
#else
private let PRIO_PROCESS_WHICH = PRIO_PROCESS
#endif

/// An output buffer the workers write disjoint rows of.
private final class SharedFloats: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(count: Int) {
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0, count: count)
    }
    deinit { pointer.deallocate() }
}
