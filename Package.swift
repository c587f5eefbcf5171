// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "hospital-twin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hospital-twin", targets: ["hospital-twin"]),
        .executable(name: "hospital-twin-bench", targets: ["hospital-twin-bench"]),
        .library(name: "Simulation", targets: ["Simulation"]),
    ],
    dependencies: [
        // Command-line parsing with validation messages that name the option.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // HDR histograms: percentiles of long runs in flat memory.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Only for the benchmark that compares its Heap against the kernel's calendar.
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // YAML scenario files, read as nodes with their line and column so that every error is located.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // bcrypt for the server's passwords (its HummingbirdBcrypt library alone builds now: a C bcrypt and a Swift
        // wrapper); the server issue's pick, whose HTTP side the server will use.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // The HTTP server (issue 19's pick), without its default traits (no swift-configuration to build).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Hummingbird's logging API (already built for it): the server's structured logs.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Hummingbird's own service lifecycle (already built for it): the server's job slots stop with the server.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The server's /metrics in Prometheus's text format: its registry and exposition (its swift-metrics and
        // swift-atomics are built for Hummingbird already, so it adds one small module to the build).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "Simulation", dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]),
        .target(name: "ReferenceModels", dependencies: ["Simulation"]),
        .target(name: "Store", dependencies: ["CLibPQ"]),
        .target(name: "CSVFiles"),
        // The HTTP server: routes, problem documents, security headers; libpq's calls on NIO's thread pool.
        .target(name: "Server", dependencies: ["Accounts", "CSVFiles", "Feed", "FeedStore", "Store", "Reports", "RunStore", "RunRecords", "PatientTwin", "Scenario", "Simulation", "Workflows", .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "Prometheus", package: "swift-prometheus"),
                                               .product(name: "NIOPosix", package: "swift-nio"),
                                               .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                                               .product(name: "HTTPTypes", package: "swift-http-types"),
                                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                               .product(name: "Logging", package: "swift-log")]),
        // Accounts: users with roles and bcrypt passwords, hashed API tokens, the append-only audit log (PostgreSQL).
        .target(name: "Accounts", dependencies: ["Store", "RunStore",
                                                 .product(name: "HummingbirdBcrypt", package: "hummingbird-auth")]),
        // HL7 version 2 messages: the parser (delimiters per message, escapes, character sets), bounded; values
        // such as NHS numbers and HL7 date-times. No dependency: the feed builds on it.
        .target(name: "HL7"),
        // The hospital's feed: what each HL7 v2 message says happened (ADT events, observations as vital signs).
        .target(name: "Feed", dependencies: ["HL7", "PatientTwin"]),
        // The feed's event log in PostgreSQL: messages applied once, pseudonymised, or quarantined with why.
        .target(name: "FeedStore", dependencies: ["Feed", "HL7", "Store", "RunStore", "Simulation"]),
        .target(name: "PatientTwin", dependencies: ["Simulation", "CSVFiles"]),
        // The hospital: ED, units, theatres and staff on the kernel, every patient a twin.
        .target(name: "HospitalModel", dependencies: ["Simulation", "PatientTwin"]),
        // Prices a run's KPIs: the cost model, cost lines by centre, category and month, the cost report.
        .target(name: "Finance", dependencies: ["HospitalModel", "PatientTwin", "Simulation"]),
        // The scenario file format: YAML with located errors, extends, the schema, JSON Schema, reference docs.
        .target(name: "Scenario", dependencies: ["HospitalModel", "PatientTwin", "Simulation", "Finance", "CSVFiles",
                                                 .product(name: "Yams", package: "Yams")]),
        // hospital-twin's records in PostgreSQL: scenarios, runs, KPIs, twin models; the schema's migrations.
        // What a stored run is, as values: its record and status, a stored scenario (no database code).
        .target(name: "RunRecords"),
        .target(name: "RunStore", dependencies: ["RunRecords", "Store", "HospitalModel", "Simulation", "Finance"]),
        // Rendering of what the libraries return: text tables, Markdown, CSV; the reports grow here.
        .target(name: "Reports", dependencies: ["Simulation", "ReferenceModels", "PatientTwin", "CSVFiles", "HospitalModel", "Forecasting",
                                                "RunRecords", "Finance", "Accounts"]),
        // Scoring forecasts against what happened (coverage, pinball, CRPS, PIT, Brier) and the statistical
        // benchmarks a bed forecast is held against; nothing of hospitals.
        .target(name: "Forecasting", dependencies: ["Simulation"]),
        // The workflows every front end calls: plan, simulate, price, store (or keep in a file), compare, forecast,
        // reports of stored runs; values out, a progress callback and cancellation in.
        .target(name: "Workflows", dependencies: ["HospitalModel", "PatientTwin", "Scenario", "Finance", "RunStore", "Store", "CSVFiles", "Feed",
                                                  "FeedStore", "Simulation", "Forecasting"]),
        .executableTarget(
            name: "hospital-twin",
            dependencies: [
                "Simulation", "ReferenceModels", "Store", "RunStore", "PatientTwin", "CSVFiles", "Reports", "HospitalModel",
                "Scenario", "Finance", "Workflows", "Feed", "FeedStore", "HL7", "Forecasting", "Accounts", "Server", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "hospital-twin-bench",
            dependencies: [
                "Simulation", "ReferenceModels", "PatientTwin", "HospitalModel", "Scenario", "Store", "RunStore", "RunRecords", "Finance",
                "Workflows", "Feed", "FeedStore", "HL7", .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Helpers the test targets share (tolerances from intervals, fixtures); no product ships it.
        .target(name: "TestSupport", dependencies: ["Simulation", "Store"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "ReferenceModels", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "RunStoreTests", dependencies: ["RunStore", "RunRecords", "Store", "HospitalModel", "Scenario", "TestSupport", "Finance"]),
        // The command-line tool as a user runs it: killed mid-write, the database lost, concurrent runs, the
        // embedded cluster.
        .testTarget(name: "CommandTests", dependencies: ["RunStore", "RunRecords", "Store", "TestSupport", "Workflows", "Feed", "FeedStore", "HL7",
                                                     .product(name: "Yams", package: "Yams"),
                                                     "Scenario", "HospitalModel", "PatientTwin"]),
        .testTarget(name: "WorkflowsTests", dependencies: ["Workflows", "Scenario", "HospitalModel", "RunStore", "Store", "Feed", "HL7",
                                                      "Finance", "Reports", "TestSupport", "CSVFiles", "PatientTwin", "Simulation", "Forecasting"]),
        .testTarget(name: "CSVFilesTests", dependencies: ["CSVFiles"]),
        .testTarget(name: "ForecastingTests", dependencies: ["Forecasting", "Simulation", "TestSupport"]),
        .testTarget(name: "HL7Tests", dependencies: ["HL7", "TestSupport"]),
        .testTarget(name: "FeedTests", dependencies: ["Feed", "HL7", "PatientTwin"]),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "RunRecords", "Reports", "HospitalModel", "Store", "TestSupport", "Server", "RunStore", "Workflows", "Feed",
                                                     "FeedStore", "Forecasting", "PatientTwin", "Scenario", .product(name: "Yams", package: "Yams"),
                                                     .product(name: "Hummingbird", package: "hummingbird"),
                                                     .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .testTarget(name: "FeedStoreTests", dependencies: ["FeedStore", "Feed", "HL7", "Store", "TestSupport"]),
        .testTarget(name: "PatientTwinTests", dependencies: ["PatientTwin", "Simulation", "CSVFiles", "TestSupport", "Reports"]),
        .testTarget(name: "HospitalModelTests", dependencies: ["HospitalModel", "PatientTwin", "Simulation", "TestSupport"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "HospitalModel", "Reports", "Simulation", "TestSupport", "Finance",
                                                     "PatientTwin", "CSVFiles"]),
        .testTarget(name: "FinanceTests", dependencies: ["Finance", "HospitalModel", "PatientTwin", "Simulation"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Simulation", "ReferenceModels", "TestSupport", "Finance", "Scenario",
                                                    "HospitalModel", "CSVFiles"]),
    ]
)
