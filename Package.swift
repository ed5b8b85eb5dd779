// swift-tools-version:6.0
// The targets are a picture of the architecture; arrows point one way:
//
//   recpipe (exe) → RecpipeCommands → RecpipeStages → RecpipeEngine → RecpipeSpec → RecpipeCore
//                        │                 │               └────────→ RecpipeData → RecpipeCore
//                        │                 ├→ RecpipeAlgorithms (pure numerics, no I/O) → RealModule
//                        │                 ├→ RecpipeScripting  (Lua 5.4 sandbox) → CLua, CRecpipeMatch
//                        │                 ├→ RecpipeReport     (SVG charts, HTML page templates) → Mustache
//                        │                 └→ RecpipeDatabase   (SQLite via GRDB, PostgreSQL via postgres-nio)
//                        │                                       → RecpipeData
//                        ├→ RecpipeServe (HTTP: Hummingbird, service-lifecycle, Prometheus) → RecpipeStages
//                        └─ (holds DemoShop, the `demo-data` generator: a command's feature, not a data type)
//   RecpipeData → RecpipeAlgorithms (SparseMatrix and RankedLists inside its artifacts; Parallel for
//                 chunked CSV parsing), CFileGuard (SIGBUS guard for memory-mapped input files)
//   RecpipeSpec → CYAML (libyaml)
//   RecpipeEngine → RecpipeAlgorithms (Parallel.cores: the default --jobs and --threads)
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
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: - C libraries (system)
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Linked statically (module.modulemap): the plugin stages call the Lua API per row, and a
        // call into the shared library costs about a tenth of a simple map's throughput.
        .systemLibrary(name: "CLua", providers: [.apt(["liblua5.4-dev"])]),
        // MARK: - C code of our own
        .target(name: "CFileGuard"),

        // Lua's pattern functions with their steps charged to the rule's budget.
        .target(name: "CRecpipeMatch", dependencies: ["CLua"]),

        // MARK: - Library modules
        .target(name: "RecpipeCore"),
        .target(name: "RecpipeSpec", dependencies: ["RecpipeCore", "CYAML"]),
        .target(name: "RecpipeData", dependencies: ["RecpipeCore", "RecpipeAlgorithms", "CFileGuard"]),
        .target(
            name: "RecpipeAlgorithms",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "RecpipeScripting", dependencies: ["RecpipeCore", "CLua", "CRecpipeMatch"]),
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
            dependencies: ["RecpipeCore", "RecpipeSpec", "RecpipeData", "RecpipeAlgorithms"]),
        .target(
            name: "RecpipeStages",
            dependencies: [
                "RecpipeCore", "RecpipeSpec", "RecpipeData", "RecpipeEngine",
                "RecpipeAlgorithms", "RecpipeScripting", "RecpipeReport", "RecpipeDatabase",
            ],
            // The PySpark job run by `engine: spark` stages (spark-submit needs it as a file).
            resources: [.copy("Spark/recpipe_spark_job.py")]),
        // The HTTP server (`recpipe serve`): the only module importing Hummingbird.
        .target(
            name: "RecpipeServe",
            dependencies: [
                "RecpipeCore", "RecpipeSpec", "RecpipeData", "RecpipeEngine", "RecpipeStages",
                "RecpipeScripting", "RecpipeAlgorithms",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The API's OpenAPI document, served at /openapi.yaml and checked against the routes.
            resources: [.copy("openapi.yaml")]),
        .target(
            name: "RecpipeCommands",
            dependencies: [
                "RecpipeCore", "RecpipeSpec", "RecpipeData", "RecpipeEngine", "RecpipeStages",
                "RecpipeScripting", "RecpipeAlgorithms", "RecpipeReport", "RecpipeServe",
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
        .testTarget(name: "RecpipeScriptingTests", dependencies: ["RecpipeScripting", "RecpipeTestSupport", "CLua"]),
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
            dependencies: [
                "RecpipeCommands", "RecpipeEngine", "RecpipeStages", "RecpipeDatabase", "RecpipeTestSupport",
            ]),
        .testTarget(
            name: "RecpipeServeTests",
            dependencies: [
                "RecpipeServe", "RecpipeCommands", "RecpipeEngine", "RecpipeStages", "RecpipeTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
