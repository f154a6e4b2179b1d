/// Little-endian and LEB128 varint coding for index segments.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8((v >> 8) & 0xFF))
        bytes.append(UInt8((v >> 16) & 0xFF)); bytes.append(UInt8(v >> 24))
    }
    mutating func varint(_ value: UInt32) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    mutating func string(_ s: String) {
        let u = Array(s.utf8.prefix(255))
        u8(UInt8(u.count))
        bytes.append(contentsOf: u)
    }
}

/// Reads what ``ByteWriter`` wrote; throws on truncated or malformed data instead of trapping.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func need(_ n: Int) throws(SegmentError) {
        guard n >= 0, offset + n <= bytes.count else { throw SegmentError.corrupt("truncated at byte \(offset)") }
    }
    mutating func u8() throws(SegmentError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func u16() throws(SegmentError) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }
    mutating func u32() throws(SegmentError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
    mutating func varint() throws(SegmentError) -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let b = try u8()
            result |= UInt32(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 28 { throw SegmentError.corrupt("varint too long at byte \(offset)") }
        }
    }
    mutating func string() throws(SegmentError) -> String {
        let n = Int(try u8())
        try need(n)
        defer { offset += n }
        return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
    }
}

/// A keyword-index segment that cannot be read.
public enum SegmentError: Error, CustomStringConvertible {
    /// The bytes are not a valid segment.
    case corrupt(String)

    public var description: String {
        switch self {
        case .corrupt(let reason): return "keyword index segment is corrupt: \(reason) (run `papers reindex`)"
        }
    }
}
