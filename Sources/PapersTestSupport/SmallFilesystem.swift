import Foundation

/// A small tmpfs to fill or make read-only (where this process may mount one — root on CI; elsewhere the tests that
/// need it are skipped).
public struct SmallFilesystem: Sendable {
    /// The mount point.
    public let path: String

    /// Whether this process may mount a tmpfs (tried once: root in a container may still lack the capability).
    public static let available: Bool = {
        guard getuid() == 0, let probe = try? SmallFilesystem(megabytes: 1) else { return false }
        probe.remove()
        return true
    }()

    /// Mounts a fresh tmpfs of `megabytes` MiB under the temporary directory.
    public init(megabytes: Int) throws {
        path = NSTemporaryDirectory() + "papers-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.run("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
    }

    /// Fills the free space with one file (`filler`), so the next write that needs a new page fails.
    public func fill() throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler).creatingFile())
        let block = Data(count: 64 * 1024)
        while (try? handle.write(contentsOf: block)) != nil {}
        try? handle.close()
    }

    /// Frees what ``fill()`` took.
    public func free() { try? FileManager.default.removeItem(atPath: filler) }

    /// The same files through a read-only bind mount (as a read-only volume or a filesystem remounted read-only after
    /// errors shows them): its path.
    public func readOnlyView() throws -> String {
        try FileManager.default.createDirectory(atPath: readOnlyPath, withIntermediateDirectories: true)
        try Self.run("mount", ["--bind", path, readOnlyPath])
        try Self.run("mount", ["-o", "remount,bind,ro", readOnlyPath])
        return readOnlyPath
    }

    /// Unmounts and removes the mount point.
    public func remove() {
        if FileManager.default.fileExists(atPath: readOnlyPath) {
            try? Self.run("umount", [readOnlyPath])
            try? FileManager.default.removeItem(atPath: readOnlyPath)
        }
        try? Self.run("umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private var filler: String { path + "/filler" }
    private var readOnlyPath: String { path + "-ro" }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments.joined(separator: " ")) failed"])
        }
    }
}

private extension URL {
    /// The URL after creating an empty file there.
    func creatingFile() -> URL {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return self
    }
}
