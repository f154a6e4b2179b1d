import CZlib
import Foundation

/// Errors while reading an input file.
public enum InputError: Error, CustomStringConvertible {
    /// The file could not be opened.
    case cannotOpen(path: String, reason: String)
    /// Reading failed part-way.
    case readFailed(path: String, reason: String)
    /// The gzip stream is corrupt or truncated.
    case corruptGzip(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open: \(reason)"
        case .readFailed(let path, let reason): return "\(path): read failed: \(reason)"
        case .corruptGzip(let path, let reason): return "\(path): corrupt gzip data: \(reason)"
        }
    }
}

/// Reads a file (or standard input for `-`) line by line in large chunks, transparently
/// decompressing gzip (detected by its magic bytes, several members allowed).
///
/// Lines are split on `\n`; a trailing `\r` is removed. Memory stays bounded by the longest line.
public final class LineReader {
    /// The path given, `-` for standard input.
    public let path: String
    /// Size of the file on disk in bytes, when it is a regular file (compressed size for gzip).
    public let totalBytes: Int?
    /// Bytes consumed from the file so far (compressed bytes for gzip), for progress and ETA.
    public private(set) var bytesRead = 0
    /// The 1-based number of the last line returned.
    public private(set) var lineNumber = 0

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var raw = [UInt8](repeating: 0, count: 1 << 20)
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var endOfInput = false
    private var gzip: GzipInflater?
    private var sniffed = false

    /// Opens `path` (`-` = standard input).
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            totalBytes = nil
        } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw InputError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
            ownsDescriptor = true
            var info = stat()
            if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                totalBytes = Int(info.st_size)
            } else if (info.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw InputError.cannotOpen(path: path, reason: "is a directory")
            } else {
                totalBytes = nil
            }
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The next line without its terminator, or `nil` at the end of input.
    public func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = pending[pendingStart...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > pendingStart, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = pending[pendingStart..<end]
                pendingStart = newline + 1
                lineNumber += 1
                return line
            }
            if endOfInput {
                guard pendingStart < pending.count else { return nil }
                var end = pending.count
                if pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = pending[pendingStart..<end]
                pendingStart = pending.count
                lineNumber += 1
                return line
            }
            // Compact before refilling so the buffer only holds the unfinished line.
            if pendingStart > 0 {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            try fill()
        }
    }

    private func fill() throws {
        let n = raw.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            throw InputError.readFailed(path: path, reason: String(cString: strerror(errno)))
        }
        bytesRead += n
        if !sniffed, n > 0 {
            sniffed = true
            if n >= 2, raw[0] == 0x1f, raw[1] == 0x8b { gzip = try GzipInflater(path: path) }
        }
        if n == 0 {
            if let gzip, !gzip.atMemberBoundary {
                throw InputError.corruptGzip(path: path, reason: "unexpected end of file")
            }
            endOfInput = true
            return
        }
        if let gzip {
            try gzip.inflate(raw[0..<n], into: &pending)
        } else {
            pending.append(contentsOf: raw[0..<n])
        }
    }
}

/// Streaming gzip decompression through zlib.
final class GzipInflater {
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 20)
    private let path: String
    /// `true` between members: a clean end of file is allowed here.
    private(set) var atMemberBoundary = true

    init(path: String) throws {
        self.path = path
        // 15 + 16: a gzip wrapper only.
        let status = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw InputError.corruptGzip(path: path, reason: "zlib init failed (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    func inflate(_ input: ArraySlice<UInt8>, into sink: inout [UInt8]) throws {
        var input = Array(input)
        let inputCount = input.count
        try input.withUnsafeMutableBufferPointer { inPtr in
            stream.next_in = inPtr.baseAddress
            stream.avail_in = UInt32(inputCount)
            while stream.avail_in > 0 {
                atMemberBoundary = false
                let (status, produced) = output.withUnsafeMutableBufferPointer { outPtr -> (Int32, Int) in
                    stream.next_out = outPtr.baseAddress
                    stream.avail_out = UInt32(outPtr.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, outPtr.count - Int(stream.avail_out))
                }
                sink.append(contentsOf: output[0..<produced])
                switch status {
                case Z_OK, Z_BUF_ERROR:
                    if status == Z_BUF_ERROR, produced == 0 { return }
                case Z_STREAM_END:
                    // Another gzip member may follow (concatenated .gz files are valid).
                    atMemberBoundary = true
                    inflateReset(&stream)
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw InputError.corruptGzip(path: path, reason: message)
                }
            }
        }
    }
}
