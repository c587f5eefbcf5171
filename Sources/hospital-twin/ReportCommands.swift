import ArgumentParser
import Finance
import Foundation
import HospitalModel
import Reports
import RunStore
import Scenario
import Simulation

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
                                              baseline: base.map { ($0.scenario.name, $0.costs) },
                                              coverage: MonthCoverage.of(subject.result.replications[0]))
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

    @Option(help: "Days to forecast after the start.")
    var days: Int = 14

    @Option(help: "The census: the patients in hospital now, one row each (CSV).")
    var census: String?

    @Option(help: "The first day (YYYY-MM-DD; the forecast starts at its local midnight).")
    var from: String?

    @Option(help: "Replications (default 200: percentile bands need many).")
    var replications: Int = 200

    @Option(help: "The master seed (default: the scenario's run.seed).")
    var seed: UInt64?

    @Option(help: "Without --census: days of warm-up before the start (default: the scenario's run.warmup_days).")
    var warmup: Int?

    @Option(help: "Worker threads (default: every core). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var report: ReportOptions

    @Flag(help: "Store the scenario and the forecast's run in the database.")
    var store = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be from 1 to 366, found \(days)") }
        guard replications >= 2 else { throw ValidationError("--replications must be >= 2 for percentile bands, found \(replications)") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, found \(threads)") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
        if let warmup, census != nil, warmup > 0 {
            throw ValidationError("--warmup is for a forecast without a census: a census is the hospital's state already")
        }
        if let from, ForecastStart.date(from) == nil { throw ValidationError("--from must be a date YYYY-MM-DD, found '\(from)'") }
    }

    func run() throws {
        var scenario = try loadScenario(file)
        let zone = scenario.configuration.timeZone
        var loaded: LoadedCensus?
        let start: LocalDateTime
        let warmUpDays: Int
        if let census {
            let asOf = from.flatMap(ForecastStart.date).map { ForecastStart.epochMinute(of: $0, in: zone) }
            do { loaded = try CensusFile.read(path: census, for: scenario.configuration, asOf: asOf) } catch {
                for problem in error.problems { printError(problem) }
                printError("\(census): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s"); nothing was simulated")
                throw ExitCode(2)
            }
            start = from.flatMap(ForecastStart.date) ?? ForecastStart.midnight(atOrAfter: loaded!.latestMinute, in: zone)
            warmUpDays = 0
            for unit in loaded!.overfullUnits { printError("\(census): \(unit) at the census (the unit starts over its beds)") }
        } else {
            warmUpDays = warmup ?? scenario.run.warmUpDays
            // The warm-up ends at --from when given, else after the scenario's own start.
            start = from.flatMap(ForecastStart.date).map {
                LocalDateTime(localMinutesSinceEpoch: $0.localMinutesSinceEpoch - Double(warmUpDays) * 1440)
            } ?? scenario.configuration.start
        }
        scenario = scenario.starting(at: start)
        let plan = RunPlan(horizonDays: warmUpDays + days, warmUpDays: warmUpDays, replications: replications,
                           seed: seed ?? scenario.run.seed)
        let runStore = store || database.databaseURL != nil ? try database.openStore() : nil
        let simulated = try ScenarioRunner.simulate(scenario, file: file, plan: plan, threads: threads, store: runStore,
                                                    census: loaded?.census)
        let forecast = BedForecast(scenario: scenario.name, seed: plan.seed, replications: simulated.result.replications)
        let destination = report.destination
        try destination.write(table: { ForecastReports.table(forecast) }, json: { try ForecastReports.json(forecast) },
                              csv: { ForecastReports.writeCSV(forecast, to: $0) })
        try destination.writeHTML { HTMLReports.forecast(forecast) }
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

    enum Kind: String, ExpressibleByArgument, CaseIterable { case run, costs, forecast }

    @Argument(help: "The stored run's id (hospital-twin runs list).")
    var runID: RunID

    @Option(name: .customLong("as"), help: "run, costs or forecast.")
    var kind: Kind = .run

    @Option(help: "Another stored run to compare against (run or costs).")
    var baseline: RunID?

    @Option(help: "With --baseline: the difference, as a share of the baseline, that 'replications to detect' is for.")
    var detect: Double = 0.05

    @OptionGroup var report: ReportOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if baseline != nil && kind == .forecast { throw ValidationError("--baseline compares runs or costs, not forecasts") }
    }

    func run() throws {
        let store = try database.openStore()
        let record = try storeCall { try store.record(runID.value) }
        let result = try storeCall { try store.result(of: runID.value) }
        let base = try baseline.map { id -> (record: RunRecord, result: HospitalExperimentResult) in
            let other = try storeCall { try store.record(id.value) }
            guard other.seed == record.seed, other.replications == record.replications else {
                printError("run \(id.value) (seed \(other.seed), \(other.replications) replications) does not pair with run "
                    + "\(runID.value) (seed \(record.seed), \(record.replications) replications): compare runs of the same seed "
                    + "and replications")
                throw ExitCode(2)
            }
            return (other, try storeCall { try store.result(of: id.value) })
        }
        let destination = report.destination
        switch kind {
        case .run:
            if let base {
                let costs = try storeCall { try store.costs(of: runID.value) }
                let baseCosts = try storeCall { try store.costs(of: base.record.id) }
                func metrics(_ r: HospitalExperimentResult, _ c: RunCosts?) -> [[Metric]] {
                    let costMetrics = c?.metrics() ?? r.replications.map { _ in [] }
                    return zip(r.replications, costMetrics).map { $0.metrics + $1 }
                }
                let comparison = ComparisonReport(
                    seed: record.seed, replications: record.replications, horizonDays: record.horizonDays,
                    warmUpDays: record.warmUpDays,
                    comparisons: [ScenarioComparison(baseline: base.record.scenario, alternative: record.scenario,
                                                     baselineRuns: metrics(base.result, baseCosts),
                                                     alternativeRuns: metrics(result, costs), detectShare: detect)])
                try destination.write(table: { ComparisonReports.table(comparison) }, json: { try ComparisonReports.json(comparison) },
                                      csv: { ComparisonReports.writeCSV(comparison, to: $0) })
                try destination.writeHTML { HTMLReports.comparison(comparison) }
            } else {
                try destination.write(table: { HospitalReports.table(result) }, json: { try HospitalReports.json(result) },
                                      csv: { HospitalReports.writeCSV(result, to: $0) })
                try destination.writeHTML { HTMLReports.run(result) }
            }
        case .costs:
            guard let costs = try storeCall({ try store.costs(of: runID.value) }) else {
                printError("run \(runID.value) was stored without cost lines (before costs were kept); run it again to cost it")
                throw ExitCode(2)
            }
            var baseCosts: RunCosts?
            if let base {
                baseCosts = try storeCall { try store.costs(of: base.record.id) }
                if baseCosts == nil {
                    printError("run \(base.record.id) was stored without cost lines")
                    throw ExitCode(2)
                }
            }
            let costReport = costs.report(scenario: record.scenario,
                                          baseline: base.flatMap { b in baseCosts.map { (b.record.scenario, $0) } },
                                          coverage: MonthCoverage.of(result.replications[0]))
            try destination.write(table: { CostReports.table(costReport) }, json: { try CostReports.json(costReport) },
                                  csv: { CostReports.writeCSV(costReport, to: $0) })
            try destination.writeHTML { HTMLReports.costs(costReport) }
        case .forecast:
            let forecast = BedForecast(scenario: record.scenario, seed: record.seed, replications: result.replications)
            try destination.write(table: { ForecastReports.table(forecast) }, json: { try ForecastReports.json(forecast) },
                                  csv: { ForecastReports.writeCSV(forecast, to: $0) })
            try destination.writeHTML { HTMLReports.forecast(forecast) }
        }
    }
}
