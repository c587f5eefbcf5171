// swift-tools-version: 6.0
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
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "Simulation", dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")]),
        .target(name: "ReferenceModels", dependencies: ["Simulation"]),
        .target(name: "Store", dependencies: ["CLibPQ"]),
        .target(name: "CSVFiles"),
        .target(name: "PatientTwin", dependencies: ["Simulation", "CSVFiles"]),
        // Rendering of what the libraries return: text tables, Markdown, CSV; the reports grow here.
        .target(name: "Reports", dependencies: ["Simulation", "ReferenceModels", "PatientTwin", "CSVFiles"]),
        .executableTarget(
            name: "hospital-twin",
            dependencies: [
                "Simulation", "ReferenceModels", "Store", "PatientTwin", "CSVFiles", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "hospital-twin-bench",
            dependencies: [
                "Simulation", "ReferenceModels", "PatientTwin",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Helpers the test targets share (tolerances from intervals, fixtures); no product ships it.
        .target(name: "TestSupport", dependencies: ["Simulation"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "ReferenceModels", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "CSVFilesTests", dependencies: ["CSVFiles"]),
        .testTarget(name: "PatientTwinTests", dependencies: ["PatientTwin", "Simulation", "CSVFiles", "TestSupport", "Reports"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Simulation", "ReferenceModels", "TestSupport"]),
    ]
)
