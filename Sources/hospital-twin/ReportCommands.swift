import ArgumentParser
import Finance
import Foundation
import HospitalModel
import Reports
import RunStore
import Scenario

/// Loads scenarios that are to be compared and the plan they share: the first scenario's run section under the
/// options, so every scenario runs the same replications from the same seed (common random numbers).
func loadPaired(_ files: [String], simulation: SimulationOptions) throws -> (scenarios: [Scenario], plan: RunPlan) {
    var scenarios: [Scenario] = []
    var failed = false
    for file in files {
        do { scenarios.append(try Scenario.load(path: file)) } catch {
            for problem in error.problems { printError(problem.description) }
            failed = true
        }
    }
    if failed {
        printError("nothing was simulated")
        throw ExitCode(2)
    }
    let plan = try simulation.plan(for: scenarios[0])
    for (scenario, file) in zip(scenarios, files) {
        _ = try ScenarioRunner.prepare(scenario, file: file, plan: plan)
        let own = try simulation.plan(for: scenario)
        if own != plan {
            printError("\(file): runs as \(files[0]) does (\(plan.replications) replications of \(plan.horizonDays) days, "
                + "warm-up \(plan.warmUpDays), seed \(plan.seed)) so that the replications pair up")
        }
    }
    return (scenarios, plan)
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
        let (scenarios, plan) = try loadPaired(files, simulation: simulation)
        let runStore = store || database.databaseURL != nil ? try database.openStore() : nil
        let runs = try zip(scenarios, files).map { scenario, path in
            try ScenarioRunner.simulate(scenario, file: path, plan: plan, threads: simulation.threads, store: runStore)
        }
        let subject = runs[runs.count - 1]
        let base = baseline == nil ? nil : runs[0]
        let costReport = subject.costs.report(scenario: subject.scenario.name,
                                              baseline: base.map { ($0.scenario.name, $0.costs) })
        let destination = report.destination
        try destination.write(table: { CostReports.table(costReport) }, json: { try CostReports.json(costReport) },
                              csv: { CostReports.writeCSV(costReport, to: $0) })
        try destination.writeHTML { HTMLReports.costs(costReport) }
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

    @Option(help: "The difference, as a share of the baseline, that 'replications to detect' is for.")
    var detect: Double = 0.05

    @Flag(help: "List every measure in the terminal report (CSV and JSON always hold every measure).")
    var all = false

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenarios and their runs in the database.")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard files.count >= 2 else { throw ValidationError("give a baseline scenario and at least one alternative") }
        guard detect > 0 && detect < 10 else { throw ValidationError("--detect must be a share above 0 (0.05 is 5%), found \(detect)") }
    }

    func run() throws {
        let (scenarios, plan) = try loadPaired(files, simulation: simulation)
        let runStore = store || database.databaseURL != nil ? try database.openStore() : nil
        let runs = try zip(scenarios, files).map { scenario, path in
            try ScenarioRunner.simulate(scenario, file: path, plan: plan, threads: simulation.threads, store: runStore)
        }
        let comparison = Self.compare(runs, detect: detect)
        let destination = report.destination
        try destination.write(table: { ComparisonReports.table(comparison, all: all) },
                              json: { try ComparisonReports.json(comparison) },
                              csv: { ComparisonReports.writeCSV(comparison, to: $0) })
        try destination.writeHTML { HTMLReports.comparison(comparison) }
        if runs.contains(where: \.storeFailed) { throw ExitCode(1) }
    }

    /// Each alternative against the first run, on the KPIs' metrics and the costs'.
    static func compare(_ runs: [SimulatedScenario], detect: Double) -> ComparisonReport {
        func metrics(_ run: SimulatedScenario) -> [[Metric]] {
            zip(run.result.replications, run.costs.metrics()).map { $0.metrics + $1 }
        }
        let base = runs[0]
        let baseMetrics = metrics(base)
        let comparisons = runs.dropFirst().map { run in
            ScenarioComparison(baseline: base.scenario.name, alternative: run.scenario.name, baselineRuns: baseMetrics,
                               alternativeRuns: metrics(run), detectShare: detect)
        }
        return ComparisonReport(seed: base.plan.seed, replications: base.plan.replications, horizonDays: base.plan.horizonDays,
                                warmUpDays: base.plan.warmUpDays, comparisons: comparisons)
    }
}
