import PapersCore

/// Field weights: a title word counts as `title` abstract words (BM25F-style weighted term frequency, in the
/// frequency and in the length). Fixed when a paper is indexed; a home keeps the weights it was indexed with.
public struct FieldWeights: Sendable, Hashable {
    /// Weight of a title word.
    public var title: UInt32
    /// Weight of an abstract word.
    public var abstract: UInt32
    /// Weight of a word of the author list.
    public var authors: UInt32

    /// Creates weights.
    public init(title: UInt32, abstract: UInt32 = 1, authors: UInt32 = 1) {
        self.title = title
        self.abstract = abstract
        self.authors = authors
    }

    /// What Papers indexes with: a title word counts twice (docs/search.md: ×1 and ×3 were measured).
    public static let standard = FieldWeights(title: 2)
}

/// One immutable segment of the keyword index: for a set of documents, their lengths, days and
/// categories (`docs` blob) and, per term, the documents containing it with weighted frequencies
/// (`postings` blob, terms sorted, document numbers delta-coded as varints).
package struct KeywordSegment {
    package struct Doc {
        package var seq: UInt32
        package var length: UInt32
        package var day: Int32
        package var categories: [String]

        package init(seq: UInt32, length: UInt32, day: Int32, categories: [String]) {
            self.seq = seq
            self.length = length
            self.day = day
            self.categories = categories
        }

        /// The length that marks a tombstone: the paper was deleted, and every older posting of it is dead.
        package static let deletedLength = UInt32.max

        var isDeleted: Bool { length == Self.deletedLength }
    }

    package var docs: [Doc]
    /// term → postings (seq ascending, weighted tf).
    package var postings: [(term: String, entries: [(seq: UInt32, tf: UInt32)])]

    package init(docs: [Doc], postings: [(term: String, entries: [(seq: UInt32, tf: UInt32)])]) {
        self.docs = docs
        self.postings = postings
    }

    static let docsMagic: [UInt8] = Array("PKD1".utf8)
    static let postingsMagic: [UInt8] = Array("PKP1".utf8)

    /// The weighted term counts and length of one paper's indexed fields.
    package struct Analysis: Sendable {
        package var length: UInt32
        package var terms: [(String, UInt32)]

        package init(title: String, abstract: String, authors: String, analyzer: TextAnalyzer, weights: FieldWeights = .standard) {
            let (terms, length) = analyzer.weightedCounts([
                (title, weights.title), (abstract, weights.abstract), (authors, weights.authors),
            ])
            self.terms = terms
            self.length = length
        }
    }

    /// Builds a segment from analysed documents `(seq, day, categories, analysis)` with distinct seqs.
    package static func build(_ documents: [(seq: UInt32, day: Day, categories: [String], analysis: Analysis)]) -> KeywordSegment {
        var docs: [Doc] = []
        var byTerm: [String: [(seq: UInt32, tf: UInt32)]] = [:]
        for d in documents.sorted(by: { $0.seq < $1.seq }) {
            for (term, tf) in d.analysis.terms { byTerm[term, default: []].append((d.seq, tf)) }
            docs.append(Doc(seq: d.seq, length: d.analysis.length, day: Int32(clamping: d.day.daysSinceEpoch), categories: d.categories))
        }
        let postings = byTerm.sorted { $0.key < $1.key }.map { (term: $0.key, entries: $0.value) }
        return KeywordSegment(docs: docs, postings: postings)
    }

    package func encodeDocs() -> [UInt8] {
        var w = ByteWriter()
        w.bytes.append(contentsOf: Self.docsMagic)
        var categoryIDs: [String: UInt16] = [:]
        var categoryNames: [String] = []
        for d in docs {
            for c in d.categories where categoryIDs[c] == nil && categoryNames.count < Int(UInt16.max) {
                categoryIDs[c] = UInt16(categoryNames.count)
                categoryNames.append(c)
            }
        }
        w.u32(UInt32(categoryNames.count))
        for c in categoryNames { w.string(c) }
        w.u32(UInt32(docs.count))
        for d in docs {
            w.u32(d.seq)
            w.u32(d.length)
            w.u32(UInt32(bitPattern: d.day))
            let ids = d.categories.compactMap { categoryIDs[$0] }.prefix(255)
            w.u8(UInt8(ids.count))
            for id in ids { w.u16(id) }
        }
        return w.bytes
    }

    package func encodePostings() -> [UInt8] {
        var w = ByteWriter()
        w.bytes.append(contentsOf: Self.postingsMagic)
        w.u32(UInt32(postings.count))
        var block = ByteWriter()
        for (term, entries) in postings {
            w.string(term)
            w.u32(UInt32(entries.count))
            block.bytes.removeAll(keepingCapacity: true)
            var previous: UInt32 = 0
            for (seq, tf) in entries {
                block.varint(seq - previous)
                block.varint(tf)
                previous = seq
            }
            w.u32(UInt32(block.bytes.count))
            w.bytes.append(contentsOf: block.bytes)
        }
        return w.bytes
    }

    package static func decodeDocs(_ bytes: [UInt8]) throws(SegmentError) -> [Doc] {
        var r = ByteReader(bytes)
        try r.need(4)
        guard Array(bytes[0..<4]) == docsMagic else { throw SegmentError.corrupt("bad docs header") }
        r.offset = 4
        let categoryCount = Int(try r.u32())
        var names: [String] = []
        for _ in 0..<categoryCount { names.append(try r.string()) }
        let count = Int(try r.u32())
        var docs: [Doc] = []
        docs.reserveCapacity(count)
        for _ in 0..<count {
            let seq = try r.u32()
            let length = try r.u32()
            let day = Int32(bitPattern: try r.u32())
            let n = Int(try r.u8())
            var cats: [String] = []
            for _ in 0..<n {
                let id = Int(try r.u16())
                guard id < names.count else { throw SegmentError.corrupt("category id out of range") }
                cats.append(names[id])
            }
            docs.append(Doc(seq: seq, length: length, day: day, categories: cats))
        }
        return docs
    }

    /// Walks the postings blob: `body(term, df, byteRange)` for each term, in term order.
    static func forEachTerm(_ bytes: [UInt8], _ body: (String, Int, Range<Int>) throws(SegmentError) -> Void) throws(SegmentError) {
        var r = ByteReader(bytes)
        try r.need(4)
        guard Array(bytes[0..<4]) == postingsMagic else { throw SegmentError.corrupt("bad postings header") }
        r.offset = 4
        let termCount = Int(try r.u32())
        for _ in 0..<termCount {
            let term = try r.string()
            let df = Int(try r.u32())
            let length = Int(try r.u32())
            try r.need(length)
            try body(term, df, r.offset..<(r.offset + length))
            r.offset += length
        }
    }

    /// Decodes one posting list.
    static func decodePostings(_ bytes: [UInt8], _ range: Range<Int>) throws(SegmentError) -> [(seq: UInt32, tf: UInt32)] {
        var r = ByteReader(bytes, offset: range.lowerBound)
        var out: [(seq: UInt32, tf: UInt32)] = []
        var seq: UInt32 = 0
        while r.offset < range.upperBound {
            seq &+= try r.varint()
            out.append((seq, try r.varint()))
        }
        return out
    }

    /// Merges segments (given oldest first) keeping only documents for which `isLive(segmentIndex, seq)`.
    package static func merge(_ parts: [(docs: [UInt8], postings: [UInt8])], isLive: (Int, UInt32) -> Bool) throws(SegmentError) -> KeywordSegment {
        var docs: [Doc] = []
        var byTerm: [String: [(seq: UInt32, tf: UInt32)]] = [:]
        for (index, part) in parts.enumerated() {
            for d in try decodeDocs(part.docs) where isLive(index, d.seq) { docs.append(d) }
            try forEachTerm(part.postings) { term, df, range throws(SegmentError) in
                var r = ByteReader(part.postings, offset: range.lowerBound)
                var seq: UInt32 = 0
                var live: [(seq: UInt32, tf: UInt32)] = []
                live.reserveCapacity(df)
                while r.offset < range.upperBound {
                    seq &+= try r.varint()
                    let tf = try r.varint()
                    if isLive(index, seq) { live.append((seq, tf)) }
                }
                if live.isEmpty { return }
                byTerm[term, default: []].append(contentsOf: live)
            }
        }
        docs.sort { $0.seq < $1.seq }
        var postings: [(term: String, entries: [(seq: UInt32, tf: UInt32)])] = []
        postings.reserveCapacity(byTerm.count)
        for (term, entries) in byTerm {
            // Imports give later segments higher row numbers: lists are usually sorted already.
            var isSorted = true
            for k in entries.indices.dropFirst() where entries[k].seq <= entries[k - 1].seq {
                isSorted = false
                break
            }
            postings.append((term, isSorted ? entries : entries.sorted { $0.seq < $1.seq }))
        }
        postings.sort { $0.term < $1.term }
        return KeywordSegment(docs: docs, postings: postings)
    }
}
