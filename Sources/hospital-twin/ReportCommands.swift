import ArgumentParser
import Foundation
import PatientTwin
import Simulation
import Reports
import Scenario
import Workflows

/// Runs scenarios paired on common random numbers for a command: its destinations already checked, every file read
/// (every problem printed), the database reached before simulating when storing, each scenario simulated and stored.
func simulatePaired(_ files: [String], simulation: SimulationOptions, store: Bool, database: DatabaseOptions,
                    report: ReportOptions) throws -> [SimulatedScenario]
{
    let prepared = try CommandWorkflow.perform { observer in
        try Inputs.pairedScenarios(files, overrides: simulation.overrides, observer: observer)
    }
    // Before simulating: no report may be written over a scenario, a base it extends or its twin model.
    try report.checkDestinations(inputs: files + prepared.flatMap(\.scenario.sourceFiles))
    let runStore = try database.openStore(if: store)
    return try CommandWorkflow.perform { observer in
        try Simulate.paired(prepared, threads: simulation.threads, store: runStore,
                            keepOnStandardOutput: report.archiveOnStandardOutput, observer: observer)
    }
}

struct Costs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The cost report: staff, agency, bed-days, theatres, fixed costs, income and penalties by cost centre and month.",
        discussion: """
            Prices every replication with the scenario's costs section (Docs/COSTS.md) and reports means with 95% \
            intervals. With --baseline, the baseline runs on the same replications (common random numbers) and \
            every line shows its variance (scenario − baseline) with its interval. --format csv writes every line \
            of every level, for a spreadsheet.
            """)

    @Argument(help: "The scenario to cost.")
    var file: String

    @Option(help: "A scenario to compare against: the variance is scenario − baseline.")
    var baseline: String?

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenarios and their runs, with their cost lines, in the database.")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let files = (baseline.map { [$0] } ?? []) + [file]
        let runs = try simulatePaired(files, simulation: simulation, store: store, database: database, report: report)
        try report.write(.costs(Answers.costs(runs[runs.count - 1], baseline: baseline == nil ? nil : runs[0])))
        if runs.contains(where: \.storeFailed) { throw ExitCode(1) }
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare scenarios on common random numbers: paired differences with 95% intervals and a verdict.",
        discussion: """
            Replication k of every scenario has the same arrivals and the same patient twins, so a difference comes \
            from the change, not from noise. Every scenario runs as the baseline's run section says (under the \
            options). For each measure: baseline, alternative, the difference with its 95% interval, better / worse \
            / no detectable difference, and the paired replications that would detect a difference of --detect \
            times the baseline with 80% power. Costs (Docs/COSTS.md) are compared beside the KPIs.
            """)

    @Argument(help: "The baseline scenario, then one or more alternatives.")
    var files: [String]

    @Option(help: "The difference, as a share of the baseline from above 0 to 1 (0.05 is 5%), that 'replications to detect' is for.")
    var detect: Double = 0.05

    /// `--detect` is a share of the baseline, above 0 and at most 1 (100%): 5 would be 500%, a typo for 0.05.
    static func checkDetect(_ detect: Double) throws {
        guard detect > 0 && detect <= 1 else {
            throw ValidationError("--detect is a share of the baseline from above 0 to 1 (0.05 is 5%), found \(detect)"
                + (detect > 1 && detect <= 100 ? "; for \(detect)% give \(detect / 100)" : ""))
        }
    }

    @Flag(help: "List every measure in the terminal report (CSV and JSON always hold every measure).")
    var all = false

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenarios and their runs in the database.")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard files.count >= 2 else { throw ValidationError("give a baseline scenario and at least one alternative") }
        try Self.checkDetect(detect)
    }

    func run() throws {
        let runs = try simulatePaired(files, simulation: simulation, store: store, database: database, report: report)
        try report.write(.comparison(Answers.comparison(runs, detect: detect), all: all))
        if runs.contains(where: \.storeFailed) { throw ExitCode(1) }
    }
}

struct Forecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast daily bed demand per unit: percentile bands and the chance of running out of staffed beds.",
        discussion: """
            With --census, the forecast starts from the patients in hospital now (Docs/REPORTS.md gives the \
            format; scenarios/general-hospital-census.csv is a sample): their twins predict the rest of their \
            stays, given the time already spent, while new arrivals come from the scenario. It starts at the local \
            midnight after the census's latest time, or at --from. Without a census the hospital warms up first \
            (the scenario's warm-up) and the forecast starts after it.
            """)

    @Argument(help: "The scenario file.")
    var file: String

    @OptionGroup var start: ForecastStartOptions

    @OptionGroup var replication: ReplicationOptions

    @Option(help: "Without --census: days of warm-up before the start (default: the scenario's run.warmup_days).")
    var warmup: Int?

    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenario and the forecast's run in the database.")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let replications = replication.replications, replications < 2 {
            throw ValidationError("--replications must be >= 2 for percentile bands, found \(replications)")
        }
        try start.values.validate(warmup: warmup)
    }

    func run() throws {
        let forecast = try start.values.prepare(file, replications: replication.replications, seed: replication.seed,
                                         warmup: warmup, database: database)
        try report.checkDestinations(inputs: [file] + (start.census.map { [$0] } ?? []) + forecast.prepared.scenario.sourceFiles)
        let runStore = try database.openStore(if: store)
        let simulated = try CommandWorkflow.perform { observer in
            try Simulate.run(forecast.prepared, threads: replication.threads, census: forecast.census, store: runStore,
                             keepOnStandardOutput: report.archiveOnStandardOutput, observer: observer)
        }
        try report.write(.forecast(Answers.forecast(simulated)))
        if simulated.storeFailed { throw ExitCode(1) }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a report again from a stored run, without simulating.",
        discussion: """
            --as run prints the run's KPIs (as hospital-twin run did); --as costs the cost report from its stored \
            cost lines; --as forecast the bed-demand bands from its stored midnights (a run of forecast). With \
            --baseline RUN, the comparison (or the cost variance) against another stored run: the two must have \
            the same seed and replications, so that they pair on common random numbers.
            """)

    @Argument(help: "The stored run's id (hospital-twin runs list).")
    var runID: RunID

    @Option(name: .customLong("as"), help: "run, costs, forecast, or backtest (the id is then a stored backtest's).")
    var kind: StoredReportKind = .run

    @Option(help: "Another stored run to compare against (run or costs).")
    var baseline: RunID?

    @Option(help: "With --baseline: the difference, as a share of the baseline from above 0 to 1 (0.05 is 5%), that 'replications to detect' is for.")
    var detect: Double = 0.05

    @OptionGroup var report: ReportOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if baseline != nil && (kind == .forecast || kind == .backtest) {
            throw ValidationError("--baseline compares runs or costs, not forecasts or backtests")
        }
        try Compare.checkDetect(detect)
    }

    func run() throws {
        try report.checkDestinations(inputs: [])
        let store = try database.openStore()
        let answer = try CommandWorkflow.perform { _ in
            try StoredAnswers.answer(kind, run: runID.value, baseline: baseline?.value, detect: detect, in: store)
        }
        switch answer {
        case .run(let result): try report.write(.run(result))
        case .comparison(let comparison): try report.write(.comparison(comparison))
        case .costs(let costs): try report.write(.costs(costs))
        case .forecast(let forecast): try report.write(.forecast(forecast))
        case .backtest(let backtest): try report.write(.backtest(backtest))
        }
    }
}

extension StoredReportKind: ExpressibleByArgument {}
