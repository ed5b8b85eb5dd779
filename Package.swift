// swift-tools-version:6.0
// The targets are a picture of the architecture; arrows point one way:
//
//   recpipe (exe) → RecpipeCommands → RecpipeStages → RecpipeEngine → RecpipeSpec → RecpipeCore
//                                          │               └────────→ RecpipeData → RecpipeCore
//                                          ├→ RecpipeAlgorithms (pure numerics, no I/O)
//                                          ├→ RecpipeScripting  (Lua 5.4 sandbox) → CLua
//                                          ├→ RecpipeReport     (SVG charts, HTML page templates) → Mustache
//                                          └→ RecpipeDatabase   (SQLite via GRDB, PostgreSQL via postgres-nio)
//                                                                → RecpipeData
//   RecpipeSpec → CYAML (libyaml)
//   RecpipeData → CFileGuard (SIGBUS guard for memory-mapped input files)
import PackageDescription

let package = Package(
    name: "recpipe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "recpipe", targets: ["recpipe"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: - C libraries (system)
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        // MARK: - C code of our own
        .target(name: "CFileGuard"),

        // MARK: - Library modules
        .target(name: "RecpipeCore"),
        .target(name: "RecpipeSpec", dependencies: ["RecpipeCore", "CYAML"]),
        .target(name: "RecpipeData", dependencies: ["RecpipeCore", "RecpipeAlgorithms", "CFileGuard"]),
        .target(
            name: "RecpipeAlgorithms",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "RecpipeScripting", dependencies: ["RecpipeCore", "CLua"]),
        // Knows nothing of pipelines: charts and a page model in, one HTML document out.
        .target(
            name: "RecpipeReport",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")],
            resources: [.copy("Templates")]),
        .target(
            name: "RecpipeDatabase",
            dependencies: [
                "RecpipeCore", "RecpipeData",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .target(
            name: "RecpipeEngine",
            dependencies: ["RecpipeCore", "RecpipeSpec", "RecpipeData"]),
        .target(
            name: "RecpipeStages",
            dependencies: [
                "RecpipeCore", "RecpipeSpec", "RecpipeData", "RecpipeEngine",
                "RecpipeAlgorithms", "RecpipeScripting", "RecpipeReport", "RecpipeDatabase",
                .product(name: "HeapModule", package: "swift-collections"),
            ]),
        .target(
            name: "RecpipeCommands",
            dependencies: [
                "RecpipeCore", "RecpipeSpec", "RecpipeData", "RecpipeEngine", "RecpipeStages",
                "RecpipeScripting", "RecpipeAlgorithms", "RecpipeReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "recpipe", dependencies: ["RecpipeCommands"]),

        // MARK: - Tests
        .target(
            name: "RecpipeTestSupport",
            dependencies: ["RecpipeCore", "RecpipeData"],
            path: "Tests/RecpipeTestSupport"),
        .testTarget(name: "RecpipeCoreTests", dependencies: ["RecpipeCore", "RecpipeTestSupport"]),
        .testTarget(name: "RecpipeSpecTests", dependencies: ["RecpipeSpec", "RecpipeTestSupport"]),
        .testTarget(name: "RecpipeDataTests", dependencies: ["RecpipeData", "RecpipeTestSupport"]),
        .testTarget(name: "RecpipeAlgorithmsTests", dependencies: ["RecpipeAlgorithms", "RecpipeTestSupport"]),
        .testTarget(name: "RecpipeScriptingTests", dependencies: ["RecpipeScripting", "RecpipeTestSupport"]),
        .testTarget(name: "RecpipeReportTests", dependencies: ["RecpipeReport"]),
        .testTarget(
            name: "RecpipeDatabaseTests",
            dependencies: ["RecpipeDatabase", "RecpipeData", "RecpipeTestSupport"]),
        .testTarget(
            name: "RecpipeEngineTests",
            dependencies: ["RecpipeEngine", "RecpipeSpec", "RecpipeData", "RecpipeTestSupport"]),
        .testTarget(
            name: "RecpipeStagesTests",
            dependencies: ["RecpipeStages", "RecpipeEngine", "RecpipeTestSupport"]),
        .testTarget(
            name: "RecpipeCommandsTests",
            dependencies: ["RecpipeCommands", "RecpipeEngine", "RecpipeStages", "RecpipeDatabase", "RecpipeTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
