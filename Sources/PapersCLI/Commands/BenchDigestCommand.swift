import ArgumentParser
import Foundation
import Logging
import PapersCore
import PapersIngest
import PapersMail
import PapersSearch
import PapersStore
import PapersDatabase

/// `papers bench digest`: plan and send digests for many subscribers to an SMTP server, and report the rates.
struct BenchDigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Plan and send digests for N subscribers of real arXiv papers to an SMTP server; report digests/s.",
        discussion: """
            Needs a mail server that accepts everything, e.g. the test one: \
            python3 scripts/smtp-test-server.py --dir /tmp/bench-mail --port 2525, then \
            papers bench digest --smtp-port 2525. Works in a fresh temporary home.
            """)

    @OptionGroup var mail: MailOptions
    @Option(help: "Subscribers.") var subscribers = 1_000
    @Option(help: "JSON-lines papers to import (default: ../shared/data/arxiv-sample.jsonl.gz).") var sample: String?
    @Option(help: "Papers to import from it.") var papers = 20_000

    func validate() throws { try mail.check() }

    func run() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("papers-bench-digest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let store = try await StoreFactory.open(home: home, databaseURL: nil)
        let path = sample ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .deletingLastPathComponent().appendingPathComponent("shared/data/arxiv-sample.jsonl.gz").path
        let reader = try LineReader(path: path)
        let decoder = RecordDecoder(format: .auto)
        var batch: [Paper] = []
        var perDay: [Day: Int] = [:]
        while batch.count < papers, let line = try reader.nextLine() {
            guard let paper = try? decoder.decode(line) else { continue }
            batch.append(paper)
            if let day = paper.announcedDay { perDay[day, default: 0] += 1 }
        }
        _ = try await store.upsert(batch, defaultDay: Day("2026-11-24")!)
        // "Today" is the sample's busiest day, 08:00 UTC.
        let today = perDay.max { $0.value < $1.value }?.key ?? Day("2026-11-24")!
        let now = Double(today.daysSinceEpoch) * 86_400 + 8 * 3600
        let topics: [SubscriptionTopic] = ["language models", "diffusion", "reinforcement learning", "graph neural networks",
                                           "robotics", "federated learning", "image segmentation", "speech recognition"].map { .search($0) }
            + ["cs.LG", "cs.CV", "cs.CL", "stat.ML"].map { .category($0) }
        for n in 0..<subscribers {
            let preferences = try DigestPreferences(frequency: .daily, trending: false,
                                                    topics: [topics[n % topics.count], topics[(n / topics.count + n + 1) % topics.count]])
            let request = try await store.requestSubscription(email: try EmailAddress(validating: "reader\(n)@example.org"), preferences: preferences,
                                                              account: nil, now: now - 7200, resendAfter: now)
            _ = try await store.confirmSubscription(request.subscription.id, now: now - 7000)
        }
        var logger = Logger(label: "papers.bench")
        logger.logLevel = .error
        let settings = try mail.settings(baseURL: "http://papers.test", siteName: "Papers")
        let runner = try await DigestRunner(store: store, search: SearchService(store: store), settings: settings,
                                            transport: SMTPTransport(settings: settings.smtp), now: { now }, logger: logger)
        let planStart = ContinuousClock.now
        _ = try await runner.run(now: now, dryRun: true)
        let planSeconds = Self.seconds(ContinuousClock.now - planStart)
        let start = ContinuousClock.now
        let report = try await runner.run(now: now)
        let total = Self.seconds(ContinuousClock.now - start)
        let delivery = report.delivery ?? DeliveryReport()
        print("digest: \(batch.count) papers, \(subscribers) subscribers, day \(today): \(report.queued) digests (\(report.empty) empty)")
        print(String(format: "  planning alone: %.2f s (%.0f subscribers/s)", planSeconds, Double(subscribers) / planSeconds))
        print(String(format: "  choose, render and queue: %.2f s (%.0f digests/s); send: %.2f s (%.0f digests/s to the SMTP server)",
                     report.planningSeconds, Double(report.queued) / report.planningSeconds,
                     report.deliverySeconds, Double(delivery.sent) / report.deliverySeconds))
        print(String(format: "  end to end: %.2f s → %.0f digests/s; %d sent, %d deferred, %d failed",
                     total, Double(delivery.sent) / total, delivery.sent, delivery.deferred, delivery.failed)
              + (delivery.stoppedBecause.map { " (stopped: \($0))" } ?? ""))
        // The window SMTP cannot close: from the server's 250 to the commit of the "sent" mark.
        var commits: [Double] = []
        for id in 1...Int64(min(500, max(1, report.queued))) {
            let t = ContinuousClock.now
            try await store.markSent(OutboxMailID(rawValue: id), now: now)
            commits.append(Self.seconds(ContinuousClock.now - t) * 1000)
        }
        commits.sort()
        print(String(format: "  the sent-mark commit (the duplicate window after a 250): median %.3f ms, p99 %.3f ms over %d commits",
                     commits[commits.count / 2], commits[min(commits.count - 1, commits.count * 99 / 100)], commits.count))
    }

    static func seconds(_ d: Duration) -> Double { d.inSeconds }
}
