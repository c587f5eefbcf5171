import ArgumentParser
import CSVFiles
import Finance
import Foundation
import HospitalModel
import RunStore
import Scenario

/// The options of every command that simulates: how many replications, from which seed, on how many threads.
struct SimulationOptions: ParsableArguments {
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

    func validate() throws {
        if let replications, replications < 1 { throw ValidationError("--replications must be >= 1, found \(replications)") }
        if let horizon, horizon < 1 { throw ValidationError("--horizon must be >= 1 day, found \(horizon)") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, found \(threads)") }
    }

    /// The options over the scenario's run section; exits 2 when the warm-up is not shorter than the horizon.
    func plan(for scenario: Scenario) throws -> RunPlan {
        let horizonDays = horizon ?? scenario.run.horizonDays
        let warmUpDays = warmup ?? (horizon.map { min(scenario.run.warmUpDays, $0 - 1) } ?? scenario.run.warmUpDays)
        guard warmUpDays < horizonDays else {
            printError("--warmup (\(warmUpDays) days) must be shorter than the horizon (\(horizonDays) days)")
            throw ExitCode(2)
        }
        return RunPlan(horizonDays: horizonDays, warmUpDays: warmUpDays,
                       replications: replications ?? scenario.run.replications, seed: seed ?? scenario.run.seed)
    }
}

/// How a scenario is run: days, replications, seed.
struct RunPlan: Equatable {
    var horizonDays: Int
    var warmUpDays: Int
    var replications: Int
    var seed: UInt64
}

/// Where a report goes: the format on standard output or a file, and an HTML file beside it.
struct ReportOptions: ParsableArguments {
    @Option(help: "table, json or csv.")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: "Write the report here (whole or not at all) instead of standard output.")
    var output: String?

    @Option(help: "Also write a self-contained HTML report (charts and tables, printable) to this file.")
    var html: String?

    var destination: ReportDestination { ReportDestination(format: format, output: output, html: html) }
}

/// Where a report goes (`ReportOptions`, or a command's own options).
struct ReportDestination {
    var format: OutputFormat
    var output: String?
    var html: String?

    /// Writes the report in the format chosen: `table`, `json` or `csv` (given a writer).
    func write(table: () -> String, json: () throws -> Data, csv: (CSVWriter) -> Void) throws {
        let file = try output.map { try AtomicFile(path: $0) }
        let handle = file?.handle ?? FileHandle.standardOutput
        switch format {
        case .table: handle.write(Data((table() + "\n").utf8))
        case .json: handle.write(try json() + Data("\n".utf8))
        case .csv: csv(CSVWriter(handle: handle))
        }
        try file?.commit()
        if let output { printError("wrote \(output)") }
    }

    /// Writes the HTML report when asked for.
    func writeHTML(_ page: () -> String) throws {
        guard let html else { return }
        let file = try AtomicFile(path: html)
        file.write(page())
        try file.commit()
        printError("wrote \(html)")
    }
}

/// A scenario simulated (and stored, when a store was given).
struct SimulatedScenario {
    let scenario: Scenario
    let plan: RunPlan
    let result: HospitalExperimentResult
    /// Every replication priced with the scenario's cost model.
    let costs: RunCosts
    /// The stored run's id, when stored.
    let runID: Int64?
    /// True when storing was asked for and failed (the results were kept in a file instead).
    let storeFailed: Bool
}

/// Simulates scenarios for the commands: the scenario prepared, the run recorded before simulating when storing,
/// a progress bar on a terminal, the results priced and stored in one transaction after.
enum ScenarioRunner {
    /// Reads and prepares a scenario, or prints every located problem and exits 2.
    static func prepare(_ scenario: Scenario, file: String, plan: RunPlan) throws -> PreparedHospital {
        do { return try PreparedHospital(scenario.configuration, horizonDays: plan.horizonDays) } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
    }

    /// Runs `scenario` as `plan` says; with `store`, records the run first and stores it after. A store that fails
    /// after simulating keeps the results in a file (say how to import them) and reports `storeFailed`.
    static func simulate(_ scenario: Scenario, file: String, plan: RunPlan, threads: Int, store: RunStore?,
                         census: HospitalCensus? = nil) throws -> SimulatedScenario
    {
        let hospital = try prepare(scenario, file: file, plan: plan)
        let canonical = String(decoding: scenario.canonicalJSON, as: UTF8.self)
        let source = URL(fileURLWithPath: file).standardizedFileURL.path
        var stored: (scenario: StoredScenario, run: Int64)?
        let started = Date()
        if let store {
            let storedScenario = try storeCall {
                try store.storeScenario(name: scenario.name, canonicalJSON: canonical, sourcePath: source)
            }
            let id = try storeCall {
                try store.beginRun(scenario: storedScenario, seed: plan.seed, replications: plan.replications,
                                   horizonDays: plan.horizonDays, warmUpDays: plan.warmUpDays, startedAt: started)
            }
            printError("run \(id): \(storedScenario.name) v\(storedScenario.version)"
                + (storedScenario.isNew ? " (new scenario content)" : ""))
            stored = (storedScenario, id)
        }
        let progress = ProgressDisplay(total: plan.replications, label: "replications of \(scenario.name)")
        let result = try HospitalExperiment.run(hospital, replications: plan.replications, seed: plan.seed,
                                                horizonDays: plan.horizonDays, warmUpDays: plan.warmUpDays,
                                                threads: threads, census: census, progress: progress.update)
        progress.finish()
        let costs = RunCosts(pricing: result.replications, with: scenario.costs)
        guard let store, let stored else {
            return SimulatedScenario(scenario: scenario, plan: plan, result: result, costs: costs, runID: nil, storeFailed: false)
        }
        let finished = Date()
        do {
            try store.complete(run: stored.run, result: result, costs: costs, finishedAt: finished)
            printError("stored run \(stored.run)")
            return SimulatedScenario(scenario: scenario, plan: plan, result: result, costs: costs, runID: stored.run,
                                     storeFailed: false)
        } catch {
            let archive = RunArchive(
                scenario: .init(name: scenario.name, sourcePath: source, canonicalDocument: canonical),
                run: .init(seed: plan.seed, replications: plan.replications, horizonDays: plan.horizonDays,
                           warmUpDays: plan.warmUpDays, engineVersion: HospitalSimulation.engineVersion,
                           startedAt: started, finishedAt: finished, runBy: RunStore.currentUser, host: RunStore.currentHost),
                result: result, costs: costs)
            printError("could not store run \(stored.run): \(error)")
            try keepLocally(archive)
            do { try store.fail(run: stored.run, reason: "its results could not be written: \(error)") } catch {
                printError("run \(stored.run) stays 'running' until the database sees this process has ended; it is then "
                    + "marked failed")
            }
            return SimulatedScenario(scenario: scenario, plan: plan, result: result, costs: costs, runID: nil, storeFailed: true)
        }
    }

    /// Keeps a run's results in a file when the database went away after simulating, and says how to store them.
    static func keepLocally(_ archive: RunArchive) throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime]
        let stamp = formatter.string(from: archive.run.finishedAt)
        let path = "hospital-twin-run-\(archive.scenario.name)-\(stamp).json"
        do {
            let file = try AtomicFile(path: path)
            file.handle.write(try archive.encoded())
            try file.commit()
        } catch {
            printError("and the results could not be kept in \(path) either: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        printError("the results are kept in \(path); store them later with: hospital-twin runs import \(path)")
    }
}
