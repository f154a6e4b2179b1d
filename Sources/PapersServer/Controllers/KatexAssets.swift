import Foundation
import Hummingbird

/// KaTeX's script, style sheet and fonts, served from the Debian package's folder (libjs-katex, which `make` installs)
/// under `/static/katex/`. Without the folder math stays as readable TeX; nothing is fetched from elsewhere.
struct KatexAssets: Sendable {
    /// Where Debian puts KaTeX.
    static let defaultDirectory = "/usr/share/javascript/katex"
    let directory: String

    /// Content types by file extension; anything else is not served.
    static let types: [String: String] = [
        "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "woff2": "font/woff2", "woff": "font/woff", "ttf": "font/ttf",
    ]

    /// The file at `segments` below the folder: only plain names (no `..`, no hidden files) with a known extension.
    func response(_ segments: [Substring]) throws -> Response {
        guard !segments.isEmpty, segments.count <= 3,
              segments.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) } }),
              let ext = segments.last?.split(separator: ".").last, let type = Self.types[String(ext)] else {
            throw HTTPError(.notFound, message: "No such file.")
        }
        let path = directory + "/" + segments.joined(separator: "/")
        guard let data = FileManager.default.contents(atPath: path) else { throw HTTPError(.notFound, message: "No such file.") }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=86400"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
