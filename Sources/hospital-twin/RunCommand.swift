import ArgumentParser
import CSVFiles
import Foundation
import HospitalModel
import Reports
import RunStore
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

    @OptionGroup var simulation: SimulationOptions

    @Option(help: "table, json or csv.")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: "Write the report here (whole or not at all) instead of standard output.")
    var output: String?

    @Flag(help: "Store the scenario and the run in the database (as does giving --database-url).")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let scenario = try loadScenario(file)
        let plan = try simulation.plan(for: scenario)
        _ = try ScenarioRunner.prepare(scenario, file: file, plan: plan)
        // The database is reached before anything is simulated.
        let runStore = store || database.databaseURL != nil ? try database.openStore() : nil
        let simulated = try ScenarioRunner.simulate(scenario, file: file, plan: plan, threads: simulation.threads,
                                                    store: runStore)
        let report = ReportDestination(format: format, output: output, html: nil)
        try report.write(table: { HospitalReports.table(simulated.result) }, json: { try HospitalReports.json(simulated.result) },
                         csv: { HospitalReports.writeCSV(simulated.result, to: $0) })
        if simulated.storeFailed { throw ExitCode(1) }
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
