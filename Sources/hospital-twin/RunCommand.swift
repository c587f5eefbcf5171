import ArgumentParser
import CSVFiles
import Foundation
import Reports
import RunRecords
import Scenario
import Simulation
import Workflows

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
    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenario and the run in the database (as does giving --database-url).")
    var store = false

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Write the census of the simulated hospital at this local time instead of a report: "
        + "every patient in a bed or in the ED, and the recent discharges, as a census file for `forecast "
        + "--census` (replication 0 of the seed).", valueName: "YYYY-MM-DDTHH:MM"))
    var censusAt: String?

    @Flag(help: ArgumentHelp("Instead of the KPIs, check the warm-up: the replications run from empty with nothing "
        + "discarded; for the daily demand and census, Welch's moving average, the MSER-5 warm-up and whether the "
        + "second half still drifts."))
    var warmupReport = false

    func validate() throws {
        if warmupReport && (censusAt != nil || store || report.html != nil || report.format == .csv) {
            throw ValidationError("--warmup-report prints a report (table, or --format json): --census-at, --store, "
                + "--html and --format csv do not apply")
        }
        guard let censusAt else { return }
        guard LocalDateTime(parsing: censusAt) != nil else {
            throw ValidationError("--census-at: expected a local date-time YYYY-MM-DDTHH:MM, e.g. 2026-03-02T00:00, "
                + "found '\(TerminalText.safe(censusAt))'")
        }
        if report.format != .table || report.html != nil || store {
            throw ValidationError("--census-at writes a census file (CSV, to -o or standard output): "
                + "--format, --html and --store do not apply")
        }
    }

    func run() throws {
        let prepared = try CommandWorkflow.perform { _ in
            let scenario = try Inputs.scenario(file)
            return try PreparedScenario(scenario, file: file, plan: try simulation.overrides.plan(for: scenario))
        }
        try report.checkDestinations(inputs: [file] + prepared.scenario.sourceFiles)
        if warmupReport {
            let analysis = try CommandWorkflow.perform { observer in
                try Simulate.warmUpReport(prepared, threads: simulation.threads, observer: observer)
            }
            let output = try report.output.map { try AtomicFile(path: $0) }
            let handle = output?.handle ?? FileHandle.standardOutput
            if report.format == .json {
                handle.write(try ResultJSON.encoder().encode(analysis) + Data("\n".utf8))
            } else {
                handle.write(Data((TerminalText.safe(WarmUpReports.table(analysis)) + "\n").utf8))
            }
            try output?.commit()
            return
        }
        if let censusAt, let local = LocalDateTime(parsing: censusAt) {
            let census = try CommandWorkflow.perform { _ in try Simulate.census(prepared, at: local) }
            let output = try report.output.map { try AtomicFile(path: $0) }
            CensusFile.write(census, for: prepared.scenario.configuration,
                             to: CSVWriter(handle: output?.handle ?? FileHandle.standardOutput))
            try output?.commit()
            printError("census at \(local): \(census.inpatients.count) patients in beds, in the ED or in the theatres, "
                + "\(census.recentDischarges.count) discharged in the 30 days before"
                + (report.output.map { "; wrote \($0)" } ?? ""))
            return
        }
        // The database is reached before anything is simulated.
        let runStore = try database.openStore(if: store)
        let simulated = try CommandWorkflow.perform { observer in
            try Simulate.run(prepared, threads: simulation.threads, store: runStore,
                         keepOnStandardOutput: report.archiveOnStandardOutput, observer: observer)
        }
        try report.write(.run(simulated.result))
        if simulated.storeFailed { throw ExitCode(1) }
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
            printOut(ScenarioSchema.markdownReference(), terminator: "")
        }
    }
}
