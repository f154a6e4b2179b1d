import ArgumentParser
import Foundation
import PapersCore
import PapersEmbedding
import PapersSearch
import PapersServer
import PapersStore
import PapersDatabase

extension SearchMode: ExpressibleByArgument {}

/// `papers search QUERY`.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search papers: hybrid (default when the model is installed), keyword (BM25; \"quoted phrases\", -exclude, prefix*) or semantic.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Argument(help: "The words to search for.") var query: [String]
    @Option(help: "Retrieval mode: keyword, semantic or hybrid (default: hybrid when the model is installed).") var mode: SearchMode?
    @Option(help: "Results to show (1–100).") var limit = 10
    @Option(help: "Results to skip.") var offset = 0
    @Option(help: "Only this arXiv category, e.g. cs.LG.") var category: String?
    @Option(help: "Only papers announced on or after YYYY-MM-DD.") var from: String?
    @Option(help: "Only papers announced on or before YYYY-MM-DD.") var to: String?
    @Option(help: "Only papers with an author whose name holds these words, e.g. \"Hinton\".") var author: String?
    @Flag(help: "Print JSON (the /api/search result format).") var json = false

    func run() async throws {
        let filters = SearchFilters(category: category, from: try Self.day(from, "--from"), to: try Self.day(to, "--to"),
                                    author: author.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 })
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let service = try modelOptions.searchService(store: store, home: global.resolvedHome, required: mode == .semantic || mode == .hybrid)
        let page: SearchPage
        do {
            page = try await service.search(SearchRequest(text: query.joined(separator: " "), mode: mode ?? service.defaultMode,
                                                          filters: filters, limit: limit, offset: offset))
        } catch let error as SearchError {
            throw ValidationError(error.description)
        }
        if json {
            try JSONOutput.print(page.hits.map(SearchResultJSON.init))
            return
        }
        if page.hits.isEmpty { print("no results") }
        for (i, hit) in page.hits.enumerated() {
            let authors = hit.paper.authors.prefix(3).map(\.name).joined(separator: ", ") + (hit.paper.authors.count > 3 ? " et al." : "")
            print("\(offset + i + 1). \(hit.paper.title)")
            print("   \(hit.paper.id)  \(String(format: "%.2f", hit.score))  \(authors)")
        }
    }

    static func day(_ text: String?, _ option: String) throws -> Day? {
        guard let text else { return nil }
        guard let day = Day(text) else { throw ValidationError("\(option): expected YYYY-MM-DD, got \"\(text)\"") }
        return day
    }
}

/// `papers show ID`.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one paper.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "arXiv id or URL, DOI, or a Papers id.") var id: String
    @Flag(help: "Print JSON (the /api/papers/{id} format).") var json = false

    func run() async throws {
        guard let paperID = PaperID(id) else { throw ValidationError("\"\(id)\" is not an arXiv id, DOI or Papers id") }
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        guard let paper = try await store.paper(paperID) else {
            Console.error("error: no paper \(paperID) in \(global.resolvedHome)")
            throw ExitCode(1)
        }
        if json {
            try JSONOutput.print(PaperJSON(paper))
            return
        }
        print(paper.title)
        print(paper.authors.map(\.name).joined(separator: ", "))
        var facts = [paper.id.rawValue]
        if let arxiv = paper.arxivID { facts.append(arxiv.absURL) }
        if !paper.categories.isEmpty { facts.append(paper.categories.joined(separator: " ")) }
        if let d = paper.announcedDay { facts.append("listed \(d)") }
        print(facts.joined(separator: " · "))
        print()
        print(paper.abstract)
    }
}

enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// `papers similar ID…`: the nearest papers by embedding ("more like these" with several ids).
struct SimilarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar", abstract: "Papers most similar to one paper (or to several together), by embedding.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptions
    @Argument(help: "arXiv ids or URLs, DOIs or Papers ids.") var ids: [String]
    @Option(help: "Results to show (1–100).") var limit = 10
    @Flag(help: "Print JSON (the /api/papers/{id}/similar result format).") var json = false

    func run() async throws {
        let paperIDs = try ids.map { text -> PaperID in
            guard let id = PaperID(text) else { throw ValidationError("\"\(text)\" is not an arXiv id, DOI or Papers id") }
            return id
        }
        guard !paperIDs.isEmpty else { throw ValidationError("give at least one paper id") }
        let store = try await StoreFactory.open(home: global.resolvedHome, databaseURL: global.databaseURL)
        let service = try modelOptions.searchService(store: store, home: global.resolvedHome, required: true)
        let hits: [SearchHit]
        do {
            hits = try await service.similar(to: paperIDs, limit: limit)
        } catch let error as SearchError {
            throw ValidationError(error.description)
        }
        if json {
            try JSONOutput.print(hits.map(SearchResultJSON.init))
            return
        }
        for (i, hit) in hits.enumerated() {
            print("\(i + 1). \(hit.paper.title)")
            print("   \(hit.paper.id)  \(String(format: "%.3f", hit.score))")
        }
    }
}

extension ModelOptions {
    /// A search service with semantic search when the model loads; without it, keyword only, unless
    /// `required` (then the model error is the command's error).
    func searchService(store: any PaperStore, home: String, required: Bool, remembersQueries: Bool = true,
                       rankInDatabase: Bool = true) throws -> SearchService {
        do {
            var configuration = SemanticIndex.configuration(home: home)
            if !remembersQueries { configuration.rememberedQueries = 0 }
            configuration.rankInDatabase = rankInDatabase
            return SearchService(store: store, semantic: SemanticIndex(store: store, encoder: try loadEncoder(home: home),
                                                                       configuration: configuration))
        } catch {
            if required { throw error }
            return SearchService(store: store)
        }
    }
}
