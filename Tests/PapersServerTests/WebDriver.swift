import AsyncHTTPClient
import Foundation
import NIOCore
import PapersServer

/// A minimal W3C WebDriver client (the JSON-over-HTTP protocol chromedriver speaks), enough to drive headless
/// Chromium through the site like a person: open pages, type, click, read, run a script, take screenshots.
final class WebDriver: Sendable {
    let http: HTTPClient
    let base: String
    let session: String
    let process: Process

    /// Starts `chromedriver` on a free loopback port and opens a headless Chromium session of `width`×`height`.
    static func start(width: Int = 1280, height: Int = 900, userDataDirectory: String) async throws -> WebDriver {
        // A port nobody listens on (a random one can land on another test's live listener), and a short timeout
        // per readiness poll: one CI run's start waited out the test's three-minute limit in this loop.
        let port = try LoopbackPort.free()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        // The browser is an outside peer, like a visitor's: it keeps the machine's clock (and libfaketime out of
        // Chromium's many processes) while the server under test runs on the clock `make test-clock` moves.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FAKETIME") && $0.key != "LD_PRELOAD" }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let base = "http://127.0.0.1:\(port)"
        // Every way out but success (cancellation by a time limit included) stops chromedriver and shuts the client
        // down; a client dropped unshut traps in debug builds and takes the whole test process with it.
        do {
            var ready = false
            let deadline = ContinuousClock.now + .seconds(30)
            while !ready && ContinuousClock.now < deadline {
                ready = ((try? await call(http, "GET", base + "/status", nil, timeout: .seconds(2)))?["value"] as? [String: Any])?["ready"] as? Bool == true
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            guard ready else { throw WebDriverError(message: "chromedriver did not start on port \(port)") }
            let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
                "browserName": "chrome",
                "goog:chromeOptions": [
                    "binary": "/usr/bin/chromium",
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--window-size=\(width),\(height)", "--user-data-dir=\(userDataDirectory)"],
                ] as [String: Any],
            ] as [String: Any]]]
            let answer = try await call(http, "POST", base + "/session", capabilities)
            guard let session = (answer["value"] as? [String: Any])?["sessionId"] as? String else {
                throw WebDriverError(message: "no session: \(answer)")
            }
            return WebDriver(http: http, base: base, session: session, process: process)
        } catch {
            process.terminate()
            try? await http.shutdown()
            throw error
        }
    }

    private init(http: HTTPClient, base: String, session: String, process: Process) {
        self.http = http
        self.base = base
        self.session = session
        self.process = process
    }

    /// Ends the session and stops chromedriver.
    func quit() async {
        _ = try? await Self.call(http, "DELETE", "\(base)/session/\(session)", nil)
        process.terminate()
        // Polled, not waitUntilExit(): that would block one of the few cooperative threads.
        for _ in 0..<50 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        try? await http.shutdown()
    }

    @discardableResult
    static func call(_ http: HTTPClient, _ method: String, _ url: String, _ body: [String: Any]?,
                     timeout: TimeAmount = .seconds(60)) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await http.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        if response.status.code >= 400 {
            throw WebDriverError(message: "\(method) \(url): HTTP \(response.status.code) \(object["value"] ?? "")")
        }
        return object
    }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await Self.call(http, method, "\(base)/session/\(session)\(path)", body)["value"]
    }

    func open(_ url: String) async throws { try await command("POST", "/url", ["url": url]) }

    /// The element matching a CSS selector (its WebDriver id).
    func element(_ css: String) async throws -> String {
        guard let value = try await command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any],
              let id = value.values.first as? String else { throw WebDriverError(message: "no element \(css)") }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        let id = try await element(css)
        try await command("POST", "/element/\(id)/clear", [:])
        try await command("POST", "/element/\(id)/value", ["text": text])
    }

    func click(_ css: String) async throws {
        try await command("POST", "/element/\(try await element(css))/click", [:])
    }

    /// Runs `script` (a function body; `arguments` are passed) and returns its result.
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": script, "args": arguments])
    }

    /// Polls `script` until it returns true (at most `seconds`).
    func waitUntil(_ script: String, seconds: Double = 10) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await run(script) as? Bool == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Presses keys on the focused element (W3C key codes, e.g. "\u{E004}" for Tab).
    func keys(_ text: String) async throws {
        let actions: [[String: Any]] = text.unicodeScalars.flatMap { scalar -> [[String: Any]] in
            [["type": "keyDown", "value": String(scalar)], ["type": "keyUp", "value": String(scalar)]]
        }
        try await command("POST", "/actions", ["actions": [["type": "key", "id": "keyboard", "actions": actions]]])
    }

    /// The text of an open alert, confirm or prompt dialog, or nil when none is open.
    func openDialog() async -> String? {
        (try? await command("GET", "/alert/text")) as? String
    }

    func setWindow(width: Int, height: Int) async throws {
        try await command("POST", "/window/rect", ["width": width, "height": height])
    }

    /// Saves a PNG screenshot of the viewport to `path`.
    func screenshot(to path: String) async throws {
        guard let base64 = try await command("GET", "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw WebDriverError(message: "no screenshot")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }
}

struct WebDriverError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
