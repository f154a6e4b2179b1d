import Foundation

/// The in-memory keyword index saved to a file, so a process starts by reading arrays instead of decoding
/// every segment and recomputing every BM25 impact (at a million papers: ~1 s instead of ~13 s, and no
/// transient copy of the impacts as floats).
///
/// The file names the segments it was built from (id and blob sizes, which never change for one id); a
/// file for other segments is ignored, as is one that is truncated or malformed: the index is then built
/// from the segments as before and the file rewritten. Written to a temporary name and renamed, so a
/// reader never sees half a file. Native byte order: the file is a cache for this machine, not an export.
package enum KeywordIndexSnapshot {
    /// What the file holds: a ``KeywordIndexReader``'s arrays.
    package struct Contents {
        var segmentIDs: [Int64]
        var docs: [UInt32]
        var impacts: [UInt8]
        var scale: Double
        var lists: [ImpactPostings.List]
        var terms: [String]
        var docSegment: [Int32]
        var docLength: [Float]
        var docDay: [Int32]
        var docCategoryStart: [UInt32]
        var docCategoryCount: [UInt8]
        var categoryData: [UInt16]
        var categories: [String]
        var liveCount: Int
        var averageLength: Double
    }

    private static let magic = Array("PAPERSKW".utf8)
    private static let version: Int64 = 1
    private static let trailer = Array("KWEND001".utf8)

    /// Writes `contents` for the segments described by `signature`, streaming (no second copy in memory).
    package static func write(_ contents: Contents, signature: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else { throw CocoaError(.fileWriteUnknown) }
        let out = Sink(handle: handle)
        do {
            try out.raw(magic)
            try out.counted([version])
            try out.strings([signature])
            try out.counted([Int64(contents.liveCount)])
            try out.counted([contents.averageLength, contents.scale])
            try out.counted(contents.segmentIDs)
            try out.counted(contents.docs)
            try out.counted(contents.impacts)
            try out.counted(contents.lists.map { Int64($0.start) })
            try out.counted(contents.lists.map { Int64($0.count) })
            try out.counted(contents.lists.map(\.maxImpact))
            try out.strings(contents.terms)
            try out.counted(contents.docSegment)
            try out.counted(contents.docLength)
            try out.counted(contents.docDay)
            try out.counted(contents.docCategoryStart)
            try out.counted(contents.docCategoryCount)
            try out.counted(contents.categoryData)
            try out.strings(contents.categories)
            try out.raw(trailer)
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// The contents saved for `signature`, or nil when the file is missing, for other segments, or damaged.
    package static func read(from path: String, signature: String) -> Contents? {
        guard let handle = FileHandle(forReadingAtPath: path),
              let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue else { return nil }
        defer { try? handle.close() }
        var reader = Reader(handle: handle, size: size)
        guard reader.bytes(magic.count) == magic, reader.counted(Int64.self) == [version],
              let stored = reader.strings(), stored == [signature],
              let live = reader.counted(Int64.self)?.first, let doubles = reader.counted(Double.self), doubles.count == 2,
              let segmentIDs = reader.counted(Int64.self), let docs = reader.counted(UInt32.self),
              let impacts = reader.counted(UInt8.self), let starts = reader.counted(Int64.self),
              let counts = reader.counted(Int64.self), let maxima = reader.counted(UInt32.self),
              let terms = reader.strings(), let docSegment = reader.counted(Int32.self),
              let docLength = reader.counted(Float.self), let docDay = reader.counted(Int32.self),
              let docCategoryStart = reader.counted(UInt32.self), let docCategoryCount = reader.counted(UInt8.self),
              let categoryData = reader.counted(UInt16.self), let categories = reader.strings(),
              reader.bytes(trailer.count) == trailer, reader.atEnd
        else { return nil }
        // Shapes that must agree before any search trusts the arrays.
        let rows = docSegment.count
        guard docs.count == impacts.count, starts.count == counts.count, counts.count == maxima.count,
              terms.count == starts.count, docLength.count == rows, docDay.count == rows,
              docCategoryStart.count == rows, docCategoryCount.count == rows,
              zip(starts, counts).allSatisfy({ $0 >= 0 && $1 >= 0 && $0 + $1 <= Int64(docs.count) }),
              docs.allSatisfy({ Int($0) < rows })
        else { return nil }
        let lists = (0..<starts.count).map { ImpactPostings.List(start: Int(starts[$0]), count: Int(counts[$0]), maxImpact: maxima[$0]) }
        return Contents(segmentIDs: segmentIDs, docs: docs, impacts: impacts, scale: doubles[1], lists: lists, terms: terms,
                        docSegment: docSegment, docLength: docLength, docDay: docDay, docCategoryStart: docCategoryStart,
                        docCategoryCount: docCategoryCount, categoryData: categoryData, categories: categories,
                        liveCount: Int(live), averageLength: doubles[0])
    }

    /// Writes arrays to a file in chunks of at most 8 MB.
    private struct Sink {
        let handle: FileHandle

        func raw<T: BitwiseCopyable>(_ values: [T]) throws {
            try values.withUnsafeBytes { bytes in
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + (8 << 20))
                    try handle.write(contentsOf: Data(bytes[start..<end]))
                    start = end
                }
            }
        }

        func counted<T: BitwiseCopyable>(_ values: [T]) throws {
            try raw([Int64(values.count)])
            try raw(values)
        }

        func strings(_ strings: [String]) throws {
            var bytes: [UInt8] = []
            var ends: [Int64] = []
            ends.reserveCapacity(strings.count)
            for string in strings {
                bytes.append(contentsOf: string.utf8)
                ends.append(Int64(bytes.count))
            }
            try counted(ends)
            try counted(bytes)
        }
    }

    /// Sequential, bounds-checked reads straight into arrays (the file is not mapped, so it never counts
    /// twice in resident memory).
    private struct Reader {
        let handle: FileHandle
        let size: Int
        var offset = 0

        var atEnd: Bool { offset == size }

        mutating func bytes(_ count: Int) -> [UInt8]? { array(UInt8.self, count: count) }

        mutating func array<T: BitwiseCopyable>(_ type: T.Type, count: Int) -> [T]? {
            let total = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
            guard count >= 0, !total.overflow, offset + total.partialValue <= size else { return nil }
            var ok = true
            let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                var filled = 0
                while filled < total.partialValue {
                    guard let chunk = try? handle.read(upToCount: min(8 << 20, total.partialValue - filled)), !chunk.isEmpty else {
                        ok = false
                        break
                    }
                    chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: raw[filled..<filled + chunk.count]))
                    filled += chunk.count
                }
                initialized = ok ? count : 0
            }
            offset += total.partialValue
            return ok ? result : nil
        }

        mutating func counted<T: BitwiseCopyable>(_ type: T.Type) -> [T]? {
            guard let count = array(Int64.self, count: 1)?.first, count >= 0, count <= Int64(size) else { return nil }
            return array(type, count: Int(count))
        }

        mutating func strings() -> [String]? {
            guard let ends = counted(Int64.self), let bytes = counted(UInt8.self) else { return nil }
            var strings: [String] = []
            strings.reserveCapacity(ends.count)
            var start = 0
            for end in ends {
                guard end >= Int64(start), end <= Int64(bytes.count) else { return nil }
                strings.append(String(decoding: bytes[start..<Int(end)], as: UTF8.self))
                start = Int(end)
            }
            return strings
        }
    }
}
