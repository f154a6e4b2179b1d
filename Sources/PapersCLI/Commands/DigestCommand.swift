import ArgumentParser
import Foundation
import Logging
import PapersCore
import PapersEmbedding
import PapersMail
import PapersRecommend
import PapersSearch
import PapersStore
import PapersDatabase

/// Mail options shared by `papers serve` and `papers digest run`.
struct MailOptions: ParsableArguments {
    @Option(help: "SMTP relay host.") var smtpHost = "127.0.0.1"
    @Option(help: "SMTP relay port (25, 587 with --smtp-security starttls, 465 with tls).") var smtpPort = 25
    @Option(help: "none, starttls or tls.") var smtpSecurity = "none"
    @Option(help: "SMTP user name for AUTH (the password comes from $PAPERS_SMTP_PASSWORD).") var smtpUser: String?
    @Option(help: "A PEM file of certificates to trust for the relay (a private CA); default: the system's.")
    var smtpCAFile: String?
    @Option(help: "The From address of digests (default: papers@ the --base-url host).") var mailFrom: String?
    @Option(help: "UTC hour (0-23) at which the server sends digests.") var digestHour = 7
    @Option(help: "Weekday of weekly digests, 1 = Monday … 7 = Sunday.") var digestWeekday = 1

    /// Checks the options; every message names the option.
    func check() throws {
        guard SMTPSettings.Security(rawValue: smtpSecurity) != nil else {
            throw ValidationError("--smtp-security must be none, starttls or tls, got \(smtpSecurity)")
        }
        guard (1...65_535).contains(smtpPort) else { throw ValidationError("--smtp-port must be 1 to 65535, got \(smtpPort)") }
        guard (0...23).contains(digestHour) else { throw ValidationError("--digest-hour must be 0 to 23, got \(digestHour)") }
        guard (1...7).contains(digestWeekday) else { throw ValidationError("--digest-weekday must be 1 (Monday) to 7, got \(digestWeekday)") }
        if let mailFrom {
            do { _ = try EmailAddress(validating: mailFrom, field: "--mail-from") } catch { throw ValidationError("\(error)") }
        }
        if let smtpCAFile, !FileManager.default.fileExists(atPath: smtpCAFile) {
            throw ValidationError("--smtp-ca-file: no file at \(smtpCAFile)")
        }
    }

    /// The settings, with the site's public address and name.
    func settings(baseURL: String, siteName: String) throws -> MailSettings {
        let host = URL(string: baseURL)?.host ?? "localhost"
        // An IP address or a bare host name makes no mail domain: fall back to a placeholder the operator replaces.
        let from = try mailFrom.map { try EmailAddress(validating: $0, field: "--mail-from") }
            ?? (try? EmailAddress(validating: "papers@\(host)")) ?? EmailAddress(validating: "papers@localhost.localdomain")
        let smtp = SMTPSettings(host: smtpHost, port: smtpPort, security: SMTPSettings.Security(rawValue: smtpSecurity) ?? .none,
                                username: smtpUser, password: ProcessInfo.processInfo.environment["PAPERS_SMTP_PASSWORD"],
                                trustedCertificates: smtpCAFile, heloName: host)
        return MailSettings(smtp: smtp, from: Mailbox(name: siteName, address: from), baseURL: baseURL, siteName: siteName,
                            digestHour: digestHour, weeklyDay: digestWeekday)
    }
}

/// `papers digest …`.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "digest", abstract: "Email digests.",
                                                    subcommands: [DigestRunCommand.self])
}

/// `papers digest run [--dry-run]`.
struct DigestRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Make today's digests (and this week's) for every confirmed subscriber who has none yet, and send all queued mail.",
        discussion: """
            Safe to run again, and safe to kill: each subscriber gets at most one digest per day (or ISO week), recorded \
            before it is sent and marked sent after the server's 250 reply. Queued mail that failed before is retried at \
            once (the server's worker waits for its backoff).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var mail: MailOptions
    @OptionGroup var model: ModelOptions
    @Flag(help: "Show who would get which papers; write and send nothing.") var dryRun = false
    @Option(help: "The address people reach this instance at, for links in mail.") var baseURL = "http://127.0.0.1:8080"

    func validate() throws {
        try mail.check()
    }

    func run() async throws {
        let home = global.resolvedHome
        let store = try await StoreFactory.open(home: home, databaseURL: global.databaseURL)
        let settings = try mail.settings(baseURL: baseURL, siteName: "Papers")
        // Planning happens at one instant; sending reads the clock as it goes (`--now` stops it).
        let clock = global.clock
        let time = clock.now
        var logger = Logger(label: "papers.digest")
        logger.logLevel = .warning
        let search = try model.searchService(store: store, home: home, required: false)
        var runner = try await DigestRunner(store: store, search: search, settings: settings, transport: SMTPTransport(settings: settings.smtp),
                                            now: clock.nowFunction, logger: logger)
        runner.personal = RecommendationService(store: store, embeddingModel: search.semantic?.encoder.name ?? SentenceEncoder.defaultModelName,
                                                dimension: search.semantic?.encoder.dimension ?? 384)
        let bar = ProgressBar(label: "digest")
        let started = Date()
        let report = try await runner.run(now: time, dryRun: dryRun, ignoringBackoff: true) { phase, count in
            bar.update(done: count, unit: phase == "sent" ? "sent" : "planned", fraction: nil, elapsed: Date().timeIntervalSince(started))
        }
        bar.finish()
        if dryRun {
            for (email, papers) in report.preview { print("\(email): \(papers.joined(separator: " "))") }
            print("dry run: \(report.preview.count) digests would be sent, \(report.empty) subscribers have nothing new; nothing was written")
            return
        }
        let elapsed = Date().timeIntervalSince(started)
        let delivery = report.delivery ?? DeliveryReport()
        print("queued \(report.queued) digests (\(report.empty) subscribers had nothing new, \(report.skipped) already had theirs)")
        print("sent \(delivery.sent) messages in \(String(format: "%.2f", elapsed)) s (\(String(format: "%.1f", Double(delivery.sent) / max(elapsed, 0.001))) messages/s), \(delivery.deferred) deferred, \(delivery.failed) failed")
        if let reason = delivery.stoppedBecause {
            print("stopped early: \(reason); queued mail stays queued for the next run")
            throw ExitCode(75)  // EX_TEMPFAIL
        }
        if report.errors > 0 { throw ExitCode(1) }
    }
}
