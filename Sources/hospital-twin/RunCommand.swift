import ArgumentParser
import CSVFiles
import Foundation
import HospitalModel
import Reports
import Scenario

/// How a report is printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a hospital scenario: replications of the model, KPIs with 95% confidence intervals.",
        discussion: """
            The scenario is checked whole first; any problem stops the run. Options not given come from the \
            scenario's run section. The JSON output holds no wall-clock fields: the same scenario and seed print \
            the same bytes on any number of threads.
            """)

    @Argument(help: "The scenario file.")
    var file: String

    @Option(help: "Replications (default: the scenario's run.replications).")
    var replications: Int?

    @Option(help: "The master seed (default: the scenario's run.seed).")
    var seed: UInt64?

    @Option(help: "Days simulated (default: the scenario's run.horizon_days).")
    var horizon: Int?

    @Option(help: "Days before measuring (default: the scenario's run.warmup_days).")
    var warmup: Int?

    @Option(help: "Worker threads (default: every core). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "table, json or csv.")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: "Write the report here (whole or not at all) instead of standard output.")
    var output: String?

    func validate() throws {
        if let replications, replications < 1 { throw ValidationError("--replications must be >= 1, found \(replications)") }
        if let horizon, horizon < 1 { throw ValidationError("--horizon must be >= 1 day, found \(horizon)") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, found \(threads)") }
    }

    func run() throws {
        let scenario = try loadScenario(file)
        let horizonDays = horizon ?? scenario.run.horizonDays
        let warmUpDays = warmup ?? (horizon.map { min(scenario.run.warmUpDays, $0 - 1) } ?? scenario.run.warmUpDays)
        guard warmUpDays < horizonDays else {
            printError("--warmup (\(warmUpDays) days) must be shorter than the horizon (\(horizonDays) days)")
            throw ExitCode(2)
        }
        let count = replications ?? scenario.run.replications
        let hospital: PreparedHospital
        do { hospital = try PreparedHospital(scenario.configuration, horizonDays: horizonDays) } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
        let progress = ProgressDisplay(total: count, label: "replications")
        let result = try HospitalExperiment.run(hospital, replications: count, seed: seed ?? scenario.run.seed,
                                                horizonDays: horizonDays, warmUpDays: warmUpDays, threads: threads,
                                                progress: progress.update)
        progress.finish()
        try writeReport(result)
    }

    func writeReport(_ result: HospitalExperimentResult) throws {
        let file = try output.map { try AtomicFile(path: $0) }
        let handle = file?.handle ?? FileHandle.standardOutput
        switch format {
        case .table: handle.write(Data((HospitalReports.table(result) + "\n").utf8))
        case .json: handle.write(try HospitalReports.json(result) + Data("\n".utf8))
        case .csv: HospitalReports.writeCSV(result, to: CSVWriter(handle: handle))
        }
        try file?.commit()
        if let output { printError("wrote \(output)") }
    }
}

/// Reads a scenario, or prints every located problem and exits 2.
func loadScenario(_ path: String) throws -> Scenario {
    do { return try Scenario.load(path: path) } catch {
        for problem in error.problems { printError(problem.description) }
        printError("\(path): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s"); nothing was simulated")
        throw ExitCode(2)
    }
}

/// A progress line on a terminal (replications done, time left), silent when standard error is not a terminal
/// (pipes, CI).
final class ProgressDisplay: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    private let start = Date()
    private let lock = NSLock()
    private var shown = false

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let left = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(label), about \(Int(left.rounded())) s left ".utf8))
        shown = true
    }

    func finish() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "The scenario file format: its JSON Schema and its reference.",
        subcommands: [Schema.self, Reference.self])

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the JSON Schema of scenario files (for editors).")

        func run() throws {
            FileHandle.standardOutput.write(ScenarioSchema.jsonSchema() + Data("\n".utf8))
        }
    }

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every scenario key with its type, unit and default (Markdown).")

        func run() throws {
            print(ScenarioSchema.markdownReference(), terminator: "")
        }
    }
}
