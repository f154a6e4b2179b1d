import PapersCore

/// Fetches one paper's metadata from its source, for submissions of papers the store does not hold yet.
public protocol PaperFetcher: Sendable {
    /// The paper, or nil when the source has no such paper.
    func fetch(_ id: ArxivID) async throws -> Paper?
}

/// Fetches a paper with the OAI-PMH `GetRecord` verb (arXiv's metadata format), through the same polite client and
/// parser as the harvester.
public struct OAIPaperFetcher: PaperFetcher {
    /// The repository's base URL.
    public let endpoint: String
    /// The metadata format asked for.
    public let metadataPrefix: String
    let client: PoliteHTTPClient

    /// A fetcher for `endpoint` (arXiv's by default) sending `contact` in its User-Agent.
    public init(endpoint: String = HarvestRequest.arxivEndpoint, metadataPrefix: String = "arXiv", contact: String?,
                politeness: Politeness = .arxiv) {
        self.endpoint = endpoint
        self.metadataPrefix = metadataPrefix
        client = PoliteHTTPClient(contact: contact, politeness: politeness)
    }

    public func fetch(_ id: ArxivID) async throws -> Paper? {
        let identifier = "oai:arXiv.org:\(id.base)"
        let url = endpoint + "?verb=GetRecord&metadataPrefix=" + Harvester.escape(metadataPrefix) + "&identifier=" + Harvester.escape(identifier)
        do {
            let page = try await client.get(url) { body in
                do {
                    return try OAIPMHParser.parse(body.data, contentType: body.contentType)
                } catch let error as OAIPMHError {
                    // The repository's own answer ("no such id") is final; damaged pages are retried.
                    if case .repository = error { throw FinalFetchError(error) }
                    throw error
                }
            }
            return page.records.first(where: { !$0.isDeleted })?.paper
        } catch let error as FetchError {
            if case .repository(code: "idDoesNotExist", _)? = error.underlying as? OAIPMHError { return nil }
            throw error
        }
    }
}
