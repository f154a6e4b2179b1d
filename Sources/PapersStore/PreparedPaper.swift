import Foundation
import PapersCore

/// A paper made ready for writing outside the write lock: fingerprint, column texts, analysis. Backends bind the
/// columns in their own way (``columns``, in the order of the paper table's columns).
package struct PreparedPaper: Sendable {
    package var paper: Paper
    package var fingerprint: Data
    package var analysis: KeywordSegment.Analysis
    package var authorsJSON: String
    package var versionsJSON: String
    package var linksJSON: String

    package init(_ p: Paper, analyzer: TextAnalyzer, weights: FieldWeights) {
        paper = p
        fingerprint = Data(p.fingerprint)
        authorsJSON = JSONText.authors(p.authors)
        versionsJSON = JSONText.versions(p.versions)
        linksJSON = JSONText.array(p.links)
        analysis = KeywordSegment.Analysis(title: p.title, abstract: p.abstract, authors: p.authorNames, analyzer: analyzer, weights: weights)
    }

    /// A column value, nil for SQL NULL.
    package enum Column: Sendable {
        case text(String?)
        case integer(Int?)
        case blob(Data)
    }

    /// Values for `id, version, title, abstract, authors, author_names, categories, published, updated, listed,
    /// versions, doi, journal_ref, comments, license, links, fingerprint` (everything but `day`).
    package var columns: [Column] {
        let p = paper
        return [.text(p.id.rawValue), .integer(p.version), .text(p.title), .text(p.abstract), .text(authorsJSON), .text(p.authorNames),
                .text(p.categories.joined(separator: " ")), .text(p.published?.description), .text(p.updated?.description),
                .text(p.listed?.description), .text(versionsJSON), .text(p.doi), .text(p.journalRef), .text(p.comments),
                .text(p.license), .text(linksJSON), .blob(fingerprint)]
    }
}

extension AnalyzerPool {
    /// Prepares papers on all cores, in order.
    package func prepareInParallel(_ papers: [Paper], weights: FieldWeights) async -> [PreparedPaper] {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, papers.count / 200))
        let chunk = (papers.count + parts - 1) / parts
        return await withTaskGroup(of: (Int, [PreparedPaper]).self) { group in
            for part in 0..<parts {
                let slice = Array(papers[min(part * chunk, papers.count)..<min((part + 1) * chunk, papers.count)])
                group.addTask {
                    (part, self.withAnalyzer { analyzer in slice.map { PreparedPaper($0, analyzer: analyzer, weights: weights) } })
                }
            }
            var results = [[PreparedPaper]](repeating: [], count: parts)
            for await (part, prepared) in group { results[part] = prepared }
            return results.flatMap { $0 }
        }
    }
}

extension KeywordSegment {
    /// A batch's posting lists keyed by position in the batch, built before row numbers are known.
    package struct LocalPostings: Sendable {
        /// term → (batch index, weighted tf), batch index ascending.
        let byTerm: [(term: String, entries: [(local: Int32, tf: UInt32)])]

        package init(_ analyses: [Analysis]) {
            var map: [String: [(local: Int32, tf: UInt32)]] = [:]
            for (local, analysis) in analyses.enumerated() {
                for (term, tf) in analysis.terms { map[term, default: []].append((Int32(local), tf)) }
            }
            byTerm = map.sorted { $0.key < $1.key }.map { (term: $0.key, entries: $0.value) }
        }

        /// The segment for the papers that were written (`indexed`: batch index, row number, day).
        /// When a paper occurs twice in a batch, its last occurrence wins.
        package func segment(indexed: [(index: Int, seq: UInt32, day: Day)], papers: [PreparedPaper]) -> KeywordSegment {
            guard !indexed.isEmpty else { return KeywordSegment(docs: [], postings: []) }
            var seqOfLocal = [UInt32?](repeating: nil, count: papers.count)
            var lastLocalOfSeq: [UInt32: Int] = [:]
            for item in indexed { lastLocalOfSeq[item.seq] = item.index }
            var docs: [Doc] = []
            for item in indexed where lastLocalOfSeq[item.seq] == item.index {
                seqOfLocal[item.index] = item.seq
                let p = papers[item.index]
                docs.append(Doc(seq: item.seq, length: p.analysis.length, day: Int32(clamping: item.day.daysSinceEpoch),
                                categories: p.paper.categories))
            }
            docs.sort { $0.seq < $1.seq }
            // New papers get increasing row numbers in batch order, so lists usually stay sorted.
            var postings: [(term: String, entries: [(seq: UInt32, tf: UInt32)])] = []
            postings.reserveCapacity(byTerm.count)
            for (term, entries) in byTerm {
                var mapped: [(seq: UInt32, tf: UInt32)] = []
                var sorted = true
                for e in entries {
                    guard let seq = seqOfLocal[Int(e.local)] else { continue }
                    if let last = mapped.last, last.seq >= seq { sorted = false }
                    mapped.append((seq, e.tf))
                }
                if mapped.isEmpty { continue }
                if !sorted { mapped.sort { $0.seq < $1.seq } }
                postings.append((term, mapped))
            }
            return KeywordSegment(docs: docs, postings: postings)
        }
    }
}
