import PapersIngest

/// Everything the server needs, read once at start-up.
public struct AppConfiguration: Sendable {
    /// Interface to bind; loopback unless the operator says otherwise.
    public var host: String
    /// TCP port; 0 picks a free one (tests).
    public var port: Int
    /// The Papers home folder (database, models).
    public var home: String
    /// `postgres://…` to use PostgreSQL instead of the SQLite file under `home`.
    public var databaseURL: String?
    /// The site name shown in page titles.
    public var siteName: String
    /// The sentence-transformers model folder; nil looks in the usual places (`ModelLocation`).
    public var modelDirectory: String?
    /// The address people reach this instance at (`https://papers.example.org`), for absolute links in feeds;
    /// nil uses `http://HOST:PORT`.
    public var baseURL: String?
    /// The background harvest; off unless enabled (`papers serve` enables it).
    public var harvest: HarvestSchedule

    /// Creates a configuration; defaults bind 127.0.0.1:8080 and harvest nothing.
    public init(host: String = "127.0.0.1", port: Int = 8080, home: String, databaseURL: String? = nil, siteName: String = "Papers",
                modelDirectory: String? = nil, harvest: HarvestSchedule = HarvestSchedule(enabled: false)) {
        self.harvest = harvest
        self.baseURL = nil
        self.host = host
        self.port = port
        self.home = home
        self.databaseURL = databaseURL
        self.siteName = siteName
        self.modelDirectory = modelDirectory
    }

    /// ``baseURL`` without a trailing slash, or `http://HOST:PORT`.
    public var publicBaseURL: String {
        if let baseURL, !baseURL.isEmpty { return baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL }
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
