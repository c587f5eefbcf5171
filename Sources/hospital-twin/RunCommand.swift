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

    @Flag(help: "Store the scenario and the run in the database (as does giving --database-url).")
    var store = false

    @OptionGroup var database: DatabaseOptions

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
        let masterSeed = seed ?? scenario.run.seed
        let hospital: PreparedHospital
        do { hospital = try PreparedHospital(scenario.configuration, horizonDays: horizonDays) } catch {
            printError("\(file): \(error.description)")
            throw ExitCode(2)
        }
        // The database is reached, and the run recorded, before anything is simulated.
        let canonical = String(decoding: scenario.canonicalJSON, as: UTF8.self)
        let source = URL(fileURLWithPath: file).standardizedFileURL.path
        var stored: (store: RunStore, scenario: StoredScenario, run: Int64)?
        let started = Date()
        if store || database.databaseURL != nil {
            let runStore = try database.openStore()
            let storedScenario = try storeCall {
                try runStore.storeScenario(name: scenario.name, canonicalJSON: canonical, sourcePath: source)
            }
            let id = try storeCall {
                try runStore.beginRun(scenario: storedScenario, seed: masterSeed, replications: count,
                                      horizonDays: horizonDays, warmUpDays: warmUpDays, startedAt: started)
            }
            printError("run \(id): \(storedScenario.name) v\(storedScenario.version)"
                + (storedScenario.isNew ? " (new scenario content)" : ""))
            stored = (runStore, storedScenario, id)
        }
        let progress = ProgressDisplay(total: count, label: "replications")
        let result = try HospitalExperiment.run(hospital, replications: count, seed: masterSeed,
                                                horizonDays: horizonDays, warmUpDays: warmUpDays, threads: threads,
                                                progress: progress.update)
        progress.finish()
        try writeReport(result)
        guard let stored else { return }
        let finished = Date()
        do {
            try stored.store.complete(run: stored.run, result: result, finishedAt: finished)
            printError("stored run \(stored.run)")
        } catch {
            let archive = RunArchive(
                scenario: .init(name: scenario.name, sourcePath: source, canonicalDocument: canonical),
                run: .init(seed: masterSeed, replications: count, horizonDays: horizonDays, warmUpDays: warmUpDays,
                           engineVersion: HospitalSimulation.engineVersion, startedAt: started, finishedAt: finished,
                           runBy: RunStore.currentUser, host: RunStore.currentHost),
                result: result)
            printError("could not store run \(stored.run): \(error)")
            try keepLocally(archive, run: stored.run)
            do { try stored.store.fail(run: stored.run, reason: "its results could not be written: \(error)") } catch {
                printError("run \(stored.run) stays 'running' until the database sees this process has ended; it is then "
                    + "marked failed")
            }
            throw ExitCode(1)
        }
    }

    /// Keeps a run's results in a file when the database went away after simulating, and says how to store them.
    func keepLocally(_ archive: RunArchive, run: Int64) throws {
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
