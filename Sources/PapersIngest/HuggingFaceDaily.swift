import Foundation
import PapersCore
import PapersStore

/// One entry of Hugging Face's daily papers: the paper and how the community received it.
public struct HFDailyEntry: Sendable {
    /// The paper (an arXiv paper: `paper.id` is its arXiv id).
    public var paper: Paper
    /// The day it was featured.
    public var featured: Day
    /// Upvotes on Hugging Face when the list was read.
    public var upvotes: Int
}

/// Reads the JSON array `https://huggingface.co/api/daily_papers?date=YYYY-MM-DD` returns.
///
/// Fields relied on, per entry: `paper.id` (arXiv id, required), `paper.title` (required; the entry's own
/// `title` is the fallback), `paper.summary` (the abstract, required; likewise `summary`), `paper.authors[].name`,
/// `paper.publishedAt` (the arXiv submission time), `paper.upvotes` (default 0), and the entry's
/// `publishedAt` (when it was featured) unless the caller names the day. Everything else is ignored.
/// docs/import-formats.md has an example.
public enum HFDailyReader {
    /// Entries of one daily list; entries that lack a required field are reported as
    /// `entry N (id): reason` in `failures` and skipped. Throws when the document is not a JSON array.
    public static func read(_ data: [UInt8], featured day: Day? = nil, source: String = "hf-daily")
        throws(RecordError) -> (entries: [HFDailyEntry], failures: [String]) {
        let value: JSONValue
        do throws(RecordError) {
            value = try JSONParser.parse(data)
        } catch {
            throw RecordError("\(source): not JSON: \(error.reason)")
        }
        guard case .array(let items) = value else {
            throw RecordError("\(source): expected a JSON array of daily-paper entries, got \(value.typeName)")
        }
        var entries: [HFDailyEntry] = []
        var failures: [String] = []
        for (index, item) in items.enumerated() {
            do throws(RecordError) {
                entries.append(try entry(item, featured: day))
            } catch {
                var id = ""
                if case .object(let fields) = item, case .object(let paper)? = fields["paper"], case .string(let s)? = paper["id"] {
                    id = " (\(s))"
                }
                failures.append("\(source): entry \(index + 1)\(id): \(error.reason)")
            }
        }
        return (entries, failures)
    }

    static func entry(_ item: JSONValue, featured day: Day?) throws(RecordError) -> HFDailyEntry {
        guard case .object(let fields) = item else { throw RecordError("expected an object, got \(item.typeName)") }
        let outer = JSONObject(fields: fields)
        guard let paperValue = outer.value("paper") else { throw RecordError("missing field \"paper\"") }
        guard case .object(let paperFields) = paperValue else {
            throw RecordError("field \"paper\": expected an object, got \(paperValue.typeName)")
        }
        let p = JSONObject(fields: paperFields)
        guard let idText = try p.flexibleString("id") else { throw RecordError("missing field \"paper.id\"") }
        guard let arxiv = ArxivID(idText) else { throw RecordError("field \"paper.id\": \"\(idText)\" is not an arXiv identifier") }
        let titleText = try p.string("title")
        let outerTitle = try outer.string("title")
        guard let title = (titleText ?? outerTitle)?.collapsingWhitespace(), !title.isEmpty else {
            throw RecordError("missing field \"paper.title\"")
        }
        let summaryText = try p.string("summary")
        let outerSummary = try outer.string("summary")
        guard let abstract = (summaryText ?? outerSummary)?.collapsingWhitespace(), !abstract.isEmpty else {
            throw RecordError("missing field \"paper.summary\"")
        }
        var authors: [Author] = []
        for (index, a) in (try p.list("authors") ?? []).enumerated() {
            guard case .object(let af) = a else {
                throw RecordError("field \"paper.authors[\(index)]\": expected an object, got \(a.typeName)")
            }
            if let name = try JSONObject(fields: af).string("name")?.collapsingWhitespace(), !name.isEmpty {
                authors.append(Author(name: name))
            }
        }
        let submitted = try p.string("publishedAt").flatMap(DateParsing.day)
        let featuredText = try outer.string("publishedAt")
        guard let featured = day ?? featuredText.flatMap(DateParsing.day) else {
            throw RecordError("missing field \"publishedAt\" (the day it was featured); give the day explicitly")
        }
        let upvotes = try p.int("upvotes") ?? 0
        guard upvotes >= 0 else { throw RecordError("field \"paper.upvotes\": must not be negative, got \(upvotes)") }
        let paper = Paper(id: .arxiv(arxiv), version: arxiv.version, title: title, abstract: abstract, authors: authors,
                          published: submitted, listed: nil,
                          versions: submitted.map { [PaperVersion(version: 1, submitted: $0)] } ?? [])
        return HFDailyEntry(paper: paper, featured: featured, upvotes: upvotes)
    }

    /// Stores entries: papers not yet known are added on their featured day; every entry is recorded as
    /// featured that day with its upvotes. Papers already stored keep their own metadata (arXiv's is richer).
    public static func store(_ entries: [HFDailyEntry], into store: any PaperStore) async throws -> (counts: UpsertCounts, featured: Int) {
        var fresh: [Paper] = []
        var counts = UpsertCounts()
        for e in entries {
            if try await store.paper(e.paper.id) == nil {
                var p = e.paper
                p.listed = e.featured
                fresh.append(p)
            } else {
                counts.unchanged += 1
            }
        }
        // Every fresh paper is listed on its featured day, so the default day is never used.
        if !fresh.isEmpty { counts += try await store.upsert(fresh, defaultDay: entries[0].featured) }
        let featured = try await store.saveFeatures(entries.map {
            PaperFeature(paper: $0.paper.id, source: "hf", day: $0.featured, upvotes: $0.upvotes)
        })
        return (counts, featured)
    }
}
