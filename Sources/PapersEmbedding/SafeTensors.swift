import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element types a safetensors file may declare. Only `f32`, `f16` and `bf16` can be read as floats;
/// the others are recognised so that a header naming them still validates.
public enum TensorDType: String, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }
}

/// One tensor's entry in a safetensors header: element type, shape and byte range in the data area.
public struct TensorInfo: Sendable, Equatable {
    /// Element type.
    public var dtype: TensorDType
    /// Dimensions, outermost first (row-major).
    public var shape: [Int]
    /// Byte range relative to the start of the data area (after the 8-byte length and the header).
    public var byteRange: Range<Int>

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A model file that cannot be used, with the path and what is wrong in it.
public struct ModelFileError: Error, CustomStringConvertible, Sendable {
    /// The offending file.
    public var path: String
    /// What is wrong, in words a user can act on.
    public var reason: String

    /// Creates an error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        "\(path): \(reason). Install the model with `make model` (part of `make run` and `make test`) or point --model at a sentence-transformers folder."
    }
}

/// A safetensors file, memory-mapped read-only and validated on open.
///
/// Validation covers what a truncated or hostile file could get wrong: the header length fits the file, the
/// header is a JSON object of tensors, every dtype is known, every shape's element count times the dtype size
/// equals its byte range, and every range lies inside the data area. Nothing is read past the file.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Path the file was opened from.
    public let path: String
    /// Tensors by name.
    public let tensors: [String: TensorInfo]
    /// Free-form `__metadata__` strings from the header.
    public let metadata: [String: String]

    // Immutable after init; the mapping lives until deinit, so pointers into it stay valid as long as self.
    private let base: UnsafeRawPointer
    private let mappedLength: Int
    private let dataOffset: Int

    /// Maps and validates the file at `path`.
    /// - Throws: `ModelFileError` naming the file and the first problem found.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ModelFileError(path: path, reason: "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ModelFileError(path: path, reason: "cannot stat (\(String(cString: strerror(errno))))")
        }
        let length = Int(info.st_size)
        guard length >= 8 else {
            throw ModelFileError(path: path, reason: "file is \(length) bytes, shorter than the 8-byte header length: truncated")
        }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw ModelFileError(path: path, reason: "cannot memory-map (\(String(cString: strerror(errno))))")
        }
        let raw = UnsafeRawPointer(mapped)
        do {
            let headerLength = raw.loadUnaligned(as: UInt64.self).littleEndian
            guard headerLength <= UInt64(length - 8) else {
                throw ModelFileError(path: path, reason: "header length \(headerLength) exceeds the file size \(length): truncated or not a safetensors file")
            }
            let headerBytes = UnsafeRawBufferPointer(start: raw + 8, count: Int(headerLength))
            let parsed = try Self.parseHeader(Data(headerBytes), dataLength: length - 8 - Int(headerLength), path: path)
            self.tensors = parsed.tensors
            self.metadata = parsed.metadata
            self.dataOffset = 8 + Int(headerLength)
        } catch {
            munmap(mapped, length)
            throw error
        }
        self.base = raw
        self.mappedLength = length
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
    }

    /// The raw bytes of tensor `name`, valid while this file is alive.
    public func bytes(of name: String) throws -> UnsafeRawBufferPointer {
        guard let info = tensors[name] else {
            throw ModelFileError(path: path, reason: "tensor \"\(name)\" is missing")
        }
        return UnsafeRawBufferPointer(start: base + dataOffset + info.byteRange.lowerBound, count: info.byteRange.count)
    }

    /// Tensor `name` as float32 values, checked against `shape`.
    ///
    /// An aligned f32 tensor is returned as a view into the mapping (no copy, pages load on first touch);
    /// f16 and bf16 tensors, or unaligned f32 ones, are converted into a new buffer the caller owns.
    public func floats(_ name: String, shape: [Int]) throws -> FloatTensor {
        guard let info = tensors[name] else {
            throw ModelFileError(path: path, reason: "tensor \"\(name)\" is missing")
        }
        guard info.shape == shape else {
            throw ModelFileError(path: path, reason: "tensor \"\(name)\" has shape \(info.shape), config.json implies \(shape)")
        }
        let raw = try bytes(of: name)
        let count = info.elementCount
        switch info.dtype {
        case .f32:
            if Int(bitPattern: raw.baseAddress) % MemoryLayout<Float>.alignment == 0 {
                return FloatTensor(view: raw.baseAddress!.assumingMemoryBound(to: Float.self), count: count, owner: self)
            }
            return FloatTensor(copying: count) { out in
                for i in 0..<count { out[i] = raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self) }
            }
        case .f16:
            return FloatTensor(copying: count) { out in
                for i in 0..<count {
                    out[i] = Self.halfToFloat(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian)
                }
            }
        case .bf16:
            return FloatTensor(copying: count) { out in
                for i in 0..<count {
                    let bits = UInt32(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian) << 16
                    out[i] = Float(bitPattern: bits)
                }
            }
        default:
            throw ModelFileError(path: path, reason: "tensor \"\(name)\" is \(info.dtype.rawValue); only F32, F16 and BF16 can be loaded")
        }
    }

    /// IEEE 754 binary16 to binary32, subnormals, infinities and NaN included (no reliance on `Float16`,
    /// which is unavailable on some platforms).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    private static func parseHeader(_ header: Data, dataLength: Int, path: String) throws -> (tensors: [String: TensorInfo], metadata: [String: String]) {
        guard let object = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
            throw ModelFileError(path: path, reason: "header is not a JSON object: corrupt or not a safetensors file")
        }
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                for (key, text) in value as? [String: Any] ?? [:] { metadata[key] = text as? String }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shapeValues = entry["shape"] as? [Any],
                  let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2 else {
                throw ModelFileError(path: path, reason: "header entry \"\(name)\" lacks dtype, shape or data_offsets")
            }
            guard let dtype = TensorDType(rawValue: dtypeName) else {
                throw ModelFileError(path: path, reason: "tensor \"\(name)\" has unknown dtype \(dtypeName)")
            }
            let shape = try shapeValues.map { try nonNegativeInt($0, path: path, what: "shape of \"\(name)\"") }
            let begin = try nonNegativeInt(offsetValues[0], path: path, what: "data_offsets of \"\(name)\"")
            let end = try nonNegativeInt(offsetValues[1], path: path, what: "data_offsets of \"\(name)\"")
            guard begin <= end, end <= dataLength else {
                throw ModelFileError(path: path, reason: "tensor \"\(name)\" spans bytes \(begin)..<\(end), outside the \(dataLength)-byte data area: truncated or corrupt")
            }
            var bytes = dtype.size
            for dimension in shape {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw ModelFileError(path: path, reason: "tensor \"\(name)\" shape \(shape) overflows")
                }
                bytes = product
            }
            guard bytes == end - begin else {
                throw ModelFileError(path: path, reason: "tensor \"\(name)\" shape \(shape) × \(dtype.size) bytes = \(bytes), but its data is \(end - begin) bytes")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, byteRange: begin..<end)
        }
        return (tensors, metadata)
    }

    private static func nonNegativeInt(_ value: Any, path: String, what: String) throws -> Int {
        // `as? Int` succeeds only for exact integers, so 1.5 or "3" are rejected.
        if let integer = value as? Int, integer >= 0 { return integer }
        throw ModelFileError(path: path, reason: "\(what) holds \(value), not a non-negative integer")
    }
}

/// A contiguous run of float32 values: either a view into a memory-mapped file (kept alive by `owner`) or a
/// buffer this value allocated and frees.
public final class FloatTensor: @unchecked Sendable {
    /// First element; valid for `count` elements while this object lives.
    public let pointer: UnsafePointer<Float>
    /// Number of elements.
    public let count: Int
    private let owned: UnsafeMutablePointer<Float>?
    private let owner: AnyObject?

    init(view: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = view
        self.count = count
        self.owned = nil
        self.owner = owner
    }

    init(copying count: Int, fill: (UnsafeMutablePointer<Float>) -> Void) {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        fill(buffer)
        self.pointer = UnsafePointer(buffer)
        self.count = count
        self.owned = buffer
        self.owner = nil
    }

    deinit { owned?.deallocate() }

    /// Element `index` (unchecked beyond a debug assertion).
    public subscript(index: Int) -> Float {
        assert(index >= 0 && index < count)
        return pointer[index]
    }
}
