// swift-tools-version:6.1
import PackageDescription

// Layering (arrows point down only):
//   papers → PapersCLI → PapersServer → PapersSearch → PapersIngest → PapersStore → PapersCore
//   PapersServer, PapersCLI → PapersDatabase → PapersSQLite (GRDB) | PapersPostgres (PostgresNIO) → PapersStore
//   PapersIngest → PapersEmbedding → COpenBLAS (the encoder knows nothing of papers or storage)
//   PapersServer → PapersMail → PapersSearch (mail: SMTP client on SwiftNIO, digest selection, outbox)
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]
// Import and search run tight loops over arrays; dynamic exclusivity checks cost ~5% there (perf).
let hot: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Papers",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "papers", targets: ["papers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"4.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCmarkGFM", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),
        // hnswlib (header-only C++, Debian libhnswlib-dev) behind a small C interface; optimised in debug
        // builds too (tests build graphs), AVX2 for the int8 inner product.
        .target(
            name: "CHNSW",
            cxxSettings: [.unsafeFlags(["-O2", "-mavx2", "-Wno-unused-parameter"])]),
        // The encoder's small-batch linear layer (AVX2/FMA chosen at run time); optimised in debug builds too.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O2"])]),
        // libxml2's streaming (SAX2) parser behind three callbacks, for OAI-PMH pages (Debian libxml2-dev).
        .target(
            name: "CXMLStream",
            cSettings: [.unsafeFlags(["-O2", "-I/usr/include/libxml2"])],
            linkerSettings: [.linkedLibrary("xml2")]),
        .target(
            name: "PapersCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: hot),
        // The store's protocols and the keyword index both backends keep; no SQL here.
        .target(
            name: "PapersStore",
            dependencies: ["PapersCore"],
            swiftSettings: hot),
        // The SQLite backend (GRDB): the zero-setup default, one file under the home folder.
        .target(
            name: "PapersSQLite",
            dependencies: ["PapersCore", "PapersStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: hot),
        // The PostgreSQL backend (PostgresNIO, pgvector): several servers on one database.
        .target(
            name: "PapersPostgres",
            dependencies: ["PapersCore", "PapersStore",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // Comments' Markdown (cmark-gfm, safe mode) with math kept for KaTeX and @mentions.
        .target(
            name: "PapersMarkdown",
            dependencies: ["PapersCore", "CCmarkGFM"],
            swiftSettings: strict),
        // Opens the backend a configuration names (SQLite file or PostgreSQL URL).
        .target(
            name: "PapersDatabase",
            dependencies: ["PapersCore", "PapersStore", "PapersSQLite", "PapersPostgres", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict),
        .target(
            name: "PapersEmbedding",
            dependencies: ["COpenBLAS", "CKernels"],
            // Optimised in debug builds too: unoptimised SIMD code is ~100× slower, which would put the
            // encoder tests (and every debug `papers embed`) at minutes per abstract.
            swiftSettings: hot + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(
            name: "PapersIngest",
            dependencies: ["PapersCore", "PapersStore", "PapersEmbedding", "CZlib", "CXMLStream",
                           .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: hot),
        .target(
            name: "PapersSearch",
            dependencies: ["PapersCore", "PapersStore", "PapersIngest", "PapersEmbedding", "COpenBLAS", "CHNSW"],
            swiftSettings: strict),
        // A person's signals → model → ranked candidates with reasons; and the offline evaluation of it.
        .target(
            name: "PapersRecommend",
            dependencies: ["PapersCore", "PapersStore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: hot + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(
            name: "PapersMail",
            dependencies: [
                "PapersCore", "PapersStore", "PapersSearch", "PapersRecommend",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            // The mail templates, compiled into the binary as byte arrays (`PackageResources`).
            resources: [.embedInCode("Templates")],
            swiftSettings: strict),
        .target(
            name: "PapersServer",
            dependencies: [
                "PapersCore", "PapersStore", "PapersDatabase", "PapersSearch", "PapersEmbedding", "PapersIngest", "PapersMail", "PapersRecommend",
                "PapersMarkdown",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Page templates, the stylesheet and the script are files in the source tree compiled into the binary
            // as byte arrays (`PackageResources`), so `papers` stays one file.
            resources: [.embedInCode("Templates/Pages"), .embedInCode("Templates/Static"), .embedInCode("OpenAPI")],
            swiftSettings: strict),
        .target(
            name: "PapersCLI",
            dependencies: [
                "PapersCore", "PapersStore", "PapersSQLite", "PapersDatabase", "PapersIngest", "PapersSearch", "PapersServer", "PapersEmbedding", "PapersMail", "PapersRecommend",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "papers", dependencies: ["PapersCLI"], swiftSettings: strict),
        // Fuzz harnesses over every parser of outside input (docs/fuzzing.md): `make fuzz` builds papers-fuzz with
        // libFuzzer and AddressSanitizer; a plain build replays corpus and crash files through the same harnesses.
        .target(
            name: "PapersFuzzing",
            dependencies: ["PapersCore", "PapersIngest", "PapersEmbedding", "PapersMail", "PapersServer", "PapersMarkdown", "PapersTestSupport"],
            swiftSettings: strict),
        .executableTarget(name: "papers-fuzz", dependencies: ["PapersFuzzing"], swiftSettings: strict),
        .target(
            name: "PapersTestSupport",
            dependencies: ["PapersCore", "PapersStore", "PapersIngest",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "PapersCoreTests",
            dependencies: ["PapersCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        // The store contract: every backend, the same answers (PostgreSQL from scripts/postgres-test-server.sh).
        .testTarget(
            name: "PapersStoreContractTests",
            dependencies: ["PapersStore", "PapersSQLite", "PapersPostgres", "PapersTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersFuzzingTests",
            dependencies: ["PapersFuzzing", "PapersTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersMarkdownTests",
            dependencies: ["PapersMarkdown", "PapersCore", "PapersTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersStoreTests",
            dependencies: ["PapersSQLite", "PapersStore", "PapersTestSupport",
                           .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(
            name: "PapersEmbeddingTests",
            dependencies: ["PapersEmbedding", "CKernels", "PapersTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersIngestTests",
            dependencies: ["PapersSQLite", "PapersIngest", "PapersStore", "PapersTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersSearchTests",
            dependencies: ["PapersSQLite", "PapersSearch", "PapersTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersRecommendTests",
            dependencies: ["PapersSQLite", "PapersRecommend", "PapersStore", "PapersTestSupport",
                           .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        .testTarget(
            name: "PapersServerTests",
            dependencies: ["PapersDatabase", "PapersSQLite", "PapersServer", "PapersSearch", "PapersEmbedding", "PapersIngest", "PapersTestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            // Recorded pages, feeds and mail the render tests compare with (read from the source tree).
            exclude: ["Golden"],
            swiftSettings: strict),
        .testTarget(
            name: "PapersMailTests",
            dependencies: ["PapersSQLite", "PapersMail", "PapersStore", "PapersSearch", "PapersEmbedding", "PapersIngest", "PapersTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "PapersCLITests",
            // The executable too: its tests run the binary, which building the tests must rebuild.
            dependencies: ["PapersDatabase", "PapersSQLite", "PapersPostgres", "PapersServer", "PapersCLI", "PapersMail", "PapersTestSupport", "papers",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
