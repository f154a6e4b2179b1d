import Foundation

/// Progress for long CLI work: a redrawn bar on a terminal, a plain line every few seconds otherwise.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let isTerminal: Bool
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drewOnTerminal = false

    init(label: String, isTerminal: Bool = Console.stderrIsTerminal) {
        self.label = label
        self.isTerminal = isTerminal
    }

    /// Reports `done` units (`unit` plural, e.g. "records") with an optional fraction complete (0…1).
    func update(done: Int, unit: String, fraction: Double?, elapsed: Double, force: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let interval = isTerminal ? 0.1 : 5.0
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var eta = ""
        if let fraction, fraction > 0.001, fraction < 1 {
            eta = " ETA " + ProgressBar.duration(elapsed / fraction - elapsed)
        }
        let stats = "\(done) \(unit), \(Int(rate)) \(unit)/s\(eta)"
        if isTerminal {
            var bar = ""
            if let fraction {
                let width = 30
                let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
                bar = "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] "
                    + String(format: "%3.0f%% ", min(fraction, 1) * 100)
            }
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(label) \(bar)\(stats)".utf8))
            drewOnTerminal = true
        } else {
            let percent = fraction.map { String(format: " (%.0f%%)", min($0, 1) * 100) } ?? ""
            FileHandle.standardError.write(Data("\(label): \(stats)\(percent)\n".utf8))
        }
    }

    /// Prints a message line (to standard error) without mangling the bar.
    func message(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        let clear = drewOnTerminal ? "\r\u{1B}[2K" : ""
        FileHandle.standardError.write(Data((clear + text + "\n").utf8))
        lastDraw = .distantPast
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drewOnTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        drewOnTerminal = false
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
