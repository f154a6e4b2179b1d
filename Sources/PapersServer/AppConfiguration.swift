import Foundation
import PapersCore
import PapersIngest
import PapersMail

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
    /// Abuse limits on sign-up, log-in, upvotes and submissions.
    public var rateLimits = RateLimits()
    /// Reverse proxies (nginx, a load balancer) whose `X-Forwarded-For` is believed: requests from these addresses
    /// count under the client address the proxy reports; from anyone else the header is ignored (docs/operations.md).
    public var trustedProxies: TrustedProxies = TrustedProxies()
    /// bcrypt cost for new passwords (log2 rounds; at least 12).
    public var bcryptCost: UInt8 = 12
    /// Where submissions of papers not yet stored are fetched from (OAI-PMH `GetRecord`); nil turns fetching off.
    public var submissionEndpoint: String? = HarvestRequest.arxivEndpoint
    /// Politeness of those fetches.
    public var submissionPoliteness: Politeness = .arxiv
    /// Mail: the SMTP relay, the From address, digest hour and weekday; nil uses ``defaultMail``.
    public var mail: MailSettings?
    /// Whether the server runs the mail worker (confirmations, scheduled digests, retries); `papers serve` turns it
    /// on, router-only tests leave it off.
    public var mailWorker = false
    /// The longest pause of the mail worker between passes, in seconds.
    public var mailWorkerInterval: Double = 60
    /// The calendar every part of the server reads (`papers serve` passes the system clock; tests pin it).
    public var clock: WallClock

    /// ``clock`` as a closure of Unix seconds, for the components that take one.
    public var now: @Sendable () -> Double { clock.nowFunction }

    /// Cookies get the Secure flag when the public address is https.
    public var secureCookies: Bool { baseURL?.lowercased().hasPrefix("https://") ?? false }

    /// Creates a configuration on `clock`; defaults bind 127.0.0.1:8080 and harvest nothing.
    public init(host: String = "127.0.0.1", port: Int = 8080, home: String, databaseURL: String? = nil, siteName: String = "Papers",
                modelDirectory: String? = nil, harvest: HarvestSchedule = HarvestSchedule(enabled: false), clock: WallClock) {
        self.clock = clock
        self.harvest = harvest
        self.baseURL = nil
        self.host = host
        self.port = port
        self.home = home
        self.databaseURL = databaseURL
        self.siteName = siteName
        self.modelDirectory = modelDirectory
    }

    /// ``mail``, or a relay on localhost:25 sending as `papers@HOST` (HOST from ``publicBaseURL``).
    public var mailSettings: MailSettings {
        if let mail { return mail }
        let host = URL(string: publicBaseURL)?.host ?? "localhost"
        let address = (try? EmailAddress(validating: "papers@\(host)")) ?? (try! EmailAddress(validating: "papers@localhost.localdomain"))
        return MailSettings(from: Mailbox(name: siteName, address: address), baseURL: publicBaseURL, siteName: siteName)
    }

    /// ``baseURL`` without a trailing slash, or `http://HOST:PORT`.
    public var publicBaseURL: String {
        if let baseURL, !baseURL.isEmpty { return baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL }
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}
