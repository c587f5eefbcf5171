import ArgumentParser
import CSVFiles
import Foundation
import PatientTwin
import ReferenceModels
import Reports
import Simulation
import Scenario
import Store

/// The command-line tool: argument parsing and wiring only; the behaviour lives in the library modules.
@main
struct HospitalTwin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hospital-twin",
        abstract: "A digital twin of a hospital's operations.",
        subcommands: [Run.self, Compare.self, Forecast.self, Costs.self, Report.self, Runs.self, Validate.self, ScenarioCommand.self, Score.self, Twins.self, Database.self, Ingest.self, Listen.self, CensusCommand.self, FeedCommand.self, CalibrateCommand.self, BacktestCommand.self, Users.self, AuditCommand.self, Serve.self, Work.self])
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check scenario files; with --kernel, check the simulation kernel against queueing theory.",
        discussion: """
            With files: each scenario (and the scenarios it extends) is read, merged and checked whole before any \
            simulation; every problem is reported as FILE:LINE:COLUMN: key: what is wrong. Exits 1 if any file has \
            a problem.
            With --kernel: each reference model runs independent replications in parallel; a check agrees when the \
            analytic value lies inside the replications' Student-t confidence interval. Exits 1 if any check \
            disagrees.
            """)

    @Argument(help: "Scenario files to check.")
    var files: [String] = []

    @Flag(help: "Check the simulation kernel against Erlang B, Erlang C and a Jackson network instead.")
    var kernel = false

    @Option(help: "With --kernel: replications per model.")
    var replications: Int = 20

    @Option(help: "With --kernel: customers per replication.")
    var customers: Int = 100_000

    @Option(help: "With --kernel: the master seed.")
    var seed: UInt64 = 1

    @Option(help: "Worker threads (default: every core). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "With --kernel: confidence level of the intervals, between 0 and 1.")
    var level: Double = 0.99

    @Flag(name: .customLong("warmup-report"), help: "With --kernel: also print Welch's moving averages for M/M/10 at rho 0.95.")
    var warmUpReport = false

    func validate() throws {
        guard kernel || !files.isEmpty else {
            throw ValidationError("give scenario files to check, or --kernel to check the simulation kernel")
        }
        guard !(kernel && !files.isEmpty) else { throw ValidationError("--kernel checks the kernel, not files: give one or the other") }
        guard replications >= 2 else { throw ValidationError("--replications must be >= 2, found \(replications)") }
        guard customers >= 1_000 else { throw ValidationError("--customers must be >= 1000, found \(customers)") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, found \(threads)") }
        guard level > 0 && level < 1 else { throw ValidationError("--level must be between 0 and 1, found \(level)") }
    }

    func run() throws {
        if kernel { try runKernelChecks() } else { try checkFiles() }
    }

    func checkFiles() throws {
        var failed = 0
        for file in files {
            do {
                let scenario = try Scenario.load(path: file)
                let c = scenario.configuration
                let beds = c.units.reduce(0) { $0 + $1.beds }
                let theatres = c.theatres.map { "\($0.rooms) elective and \($0.emergencyRooms) emergency theatres" } ?? "no theatres"
                printOut("\(file): ok — \(scenario.name): \(c.units.count) units, \(beds) beds, ED \(c.emergencyDepartment.cubicles) "
                    + "cubicles, \(theatres), \(c.staffing.roster.count) roster lines")
            } catch {
                failed += 1
                for problem in error.problems { printError(problem.description) }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    func runKernelChecks() throws {
        let plan = KernelValidation.Plan(replications: replications, customers: customers, seed: seed,
                                         threads: threads, level: level)
        let start = ContinuousClock.now
        let checks = try KernelValidation.run(plan)
        printOut("Kernel validation: \(replications) replications per model, \(customers) customers each, "
            + "master seed \(seed), \(threads) thread(s)")
        printOut(KernelValidationReport.table(checks, level: level))
        if warmUpReport {
            let analysis = try KernelValidation.warmUpAnalysis(plan)
            printOut("\nWarm-up check, M/M/10 at rho 0.95 started empty: mean wait (min) per batch of 500 customers, "
                + "averaged over \(replications) replications")
            printOut(KernelValidationReport.warmUpTable(analysis, periodLabel: "batch",
                                                     every: max(1, analysis.movingAverages.count / 20)))
            printOut("MSER-5 suggests a warm-up of \(analysis.suggestedWarmUpPeriods) batches "
                + "(\(analysis.suggestedWarmUpPeriods * 500) customers).")
        }
        let failed = checks.filter { !$0.agrees }.count
        let seconds = Double((ContinuousClock.now - start).components.seconds)
        printOut("\n\(checks.count - failed) of \(checks.count) checks agree with theory (\(Int(seconds)) s).")
        if failed > 0 { throw ExitCode(1) }
    }
}

/// Text on standard output, its control characters made visible (a name in a table or a message cannot rewrite the
/// terminal); JSON and CSV go through their own writers.
func printOut(_ text: String, terminator: String = "\n") {
    Swift.print(TerminalText.safe(text), terminator: terminator)
}

/// A message on standard error, its control characters made visible (a name in it cannot rewrite the terminal).
func printError(_ message: String) {
    FileHandle.standardError.write(Data("hospital-twin: \(TerminalText.safe(message))\n".utf8))
}
