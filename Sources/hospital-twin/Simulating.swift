import ArgumentParser
import CSVFiles
import Foundation
import PatientTwin
import Reports
import Scenario
import Simulation
import Workflows

/// The options of every command that runs replications: how many, from which seed, on how many threads.
struct ReplicationOptions: ParsableArguments {
    @Option(help: "Replications (default: the scenario's run.replications; forecast: 200, as percentile bands need many).")
    var replications: Int?

    @Option(help: "The master seed (default: the scenario's run.seed).")
    var seed: UInt64?

    @Option(help: "Worker threads (default: every core). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// The most replications a command runs (a forecast's bands need a few hundred; a comparison's intervals
    /// rarely more than a hundred).
    static let replicationLimit = RunOverrides.replicationLimit
    /// The most worker threads.
    static let threadLimit = 1_024

    func validate() throws {
        if let replications, !(1...Self.replicationLimit).contains(replications) {
            throw ValidationError("--replications must be from 1 to \(Self.replicationLimit), found \(replications)")
        }
        guard (1...Self.threadLimit).contains(threads) else {
            throw ValidationError("--threads must be from 1 to \(Self.threadLimit), found \(threads)")
        }
    }
}

/// Where a forecast starts and for how long, as `forecast` and `runs plan --kind forecast` take it: their options'
/// values, checked and turned into a prepared forecast the same way for both.
struct ForecastStartValues {
    /// --days (nil: 14), --census, --live, --at, --from.
    var days: Int?
    var census: String?
    var live = false
    var at: String?
    var from: String?

    /// Days forecast when --days is not given.
    static let defaultDays = ForecastRequest.defaultDays

    /// Checks the values together with the command's `--warmup` (a warm-up is for a forecast without a census).
    func validate(warmup: Int?) throws {
        if let days, !(1...366).contains(days) { throw ValidationError("--days must be from 1 to 366, found \(days)") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
        if let warmup, warmup > 0, census != nil || live {
            throw ValidationError("--warmup is for a forecast without a census: a census is the hospital's state already")
        }
        if let from, ForecastStart.date(from) == nil { throw ValidationError("--from must be a date YYYY-MM-DD, found '\(from)'") }
        if live, census != nil { throw ValidationError("--live and --census: choose one census") }
        if at != nil, !live { throw ValidationError("--at is the live census's time; it needs --live") }
        if let at, LocalDateTime(parsing: at) == nil { throw ValidationError("--at must be a local time YYYY-MM-DDTHH:MM, found '\(at)'") }
    }

    /// Reads the scenario at `file` and the census (the file, or with --live the feed's event log) and prepares the
    /// forecast, as `forecast` runs it: 200 replications unless `replications` says.
    func prepare(_ file: String, replications: Int?, seed: UInt64?, warmup: Int?, database: DatabaseOptions) throws
        -> PreparedForecast
    {
        var request = ForecastRequest(days: days ?? Self.defaultDays, censusPath: census, from: from.flatMap(ForecastStart.date),
                                      warmUpDays: warmup, replications: replications ?? ForecastRequest.defaultReplications, seed: seed)
        if live {
            let scenario = try CommandWorkflow.perform { _ in try Inputs.scenario(file) }
            let (census, minute, events) = try readLiveCensus(scenario, file: file, at: at, database: database)
            let name = "the live census at \(RecordTime.format(minute))"
            printError("\(name) from \(events) events: \(census.inHospital) in hospital, \(census.recentDischarges) recent discharges")
            request.censusText = CensusText(name: name, csv: census.csv)
            request.imputesReadiness = true
            request.censusTime = minute
            if request.from == nil {
                request.from = ForecastStart.midnight(atOrAfter: minute, in: scenario.configuration.timeZone)
            }
        }
        return try CommandWorkflow.perform { observer in
            try ForecastPlanning.prepare(try Inputs.scenario(file), file: file, request: request, observer: observer)
        }
    }

    /// What messages call the census: its file, or the live census and its time.
    var censusSource: String {
        census ?? "the live census" + (at.map { " at \($0)" } ?? "")
    }
}

/// `forecast`'s options for where it starts and for how long.
struct ForecastStartOptions: ParsableArguments {
    @Option(help: "Days to forecast after the start, 1-366 (default 14).")
    var days: Int?

    @Option(help: "The census: the patients in hospital now, one row each (CSV).")
    var census: String?

    @Flag(help: "Start from the live census: the feed's event log replayed to --at (hospital-twin census).")
    var live = false

    @Option(help: "With --live: the census's time, local (YYYY-MM-DDTHH:MM; default: now). The forecast starts at the local midnight at or after it.")
    var at: String?

    @Option(help: "The first day (YYYY-MM-DD; the forecast starts at its local midnight).")
    var from: String?

    var values: ForecastStartValues { ForecastStartValues(days: days, census: census, live: live, at: at, from: from) }
}

/// The options of every command that simulates a scenario's run: the replications, and the days over its run
/// section.
struct SimulationOptions: ParsableArguments {
    @OptionGroup var replication: ReplicationOptions

    @Option(help: "Days simulated (default: the scenario's run.horizon_days).")
    var horizon: Int?

    @Option(help: "Days before measuring (default: the scenario's run.warmup_days).")
    var warmup: Int?

    /// The longest horizon, days: a century.
    static let horizonLimit = RunOverrides.horizonLimit

    func validate() throws {
        if let horizon, !(1...Self.horizonLimit).contains(horizon) {
            throw ValidationError("--horizon must be from 1 to \(Self.horizonLimit) days, found \(horizon)")
        }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
    }

    var threads: Int { replication.threads }

    /// What the options set over a scenario's run section.
    var overrides: RunOverrides {
        RunOverrides(replications: replication.replications, seed: replication.seed, horizonDays: horizon, warmUpDays: warmup)
    }
}

/// How a report is printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Where a report goes: the format on standard output or a file, and an HTML file beside it.
struct ReportOptions: ParsableArguments {
    @Option(help: "table, json or csv.")
    var format: OutputFormat = .table

    @Option(name: .shortAndLong, help: "Write the report here (whole or not at all) instead of standard output.")
    var output: String?

    @Option(help: "Also write a self-contained HTML report (charts and tables, printable) to this file.")
    var html: String?

    /// Checks, before any work, that the report's files can be written and overwrite nothing the command reads:
    /// `-o` and `--html` name different files, neither names one of `inputs`, and each one's directory exists and
    /// takes a new file. Prints what is wrong and exits 2.
    func checkDestinations(inputs: [String]) throws {
        let outputs = [("-o", output), ("--html", html)].compactMap { option, path in path.map { (option, $0) } }
        func same(_ a: String, _ b: String) -> Bool { FileIdentity(a) == FileIdentity(b) }
        var problems: [String] = []
        if outputs.count == 2, same(outputs[0].1, outputs[1].1) {
            problems.append("-o and --html name the same file (\(outputs[0].1)): give each its own")
        }
        for (option, path) in outputs {
            if let input = inputs.first(where: { same($0, path) }) {
                problems.append("\(option) \(path) is \(input), an input of this command: writing the report there would destroy it")
                continue
            }
            if let problem = FileIdentity.cannotWrite(path) { problems.append("\(option) \(path): \(problem)") }
        }
        guard problems.isEmpty else {
            for problem in problems { printError(problem) }
            printError("nothing was simulated")
            throw ExitCode(2)
        }
    }

    /// When the report goes to a file, standard output is free to carry a run's archive as the last place to keep
    /// its results (after the working directory and the user's data directory).
    var archiveOnStandardOutput: ((Data) -> String?)? {
        guard output != nil else { return nil }
        return { data in
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return "standard output (save it to a file)"
        }
    }

    /// Writes `document` in the format chosen, to standard output or `-o`, and its HTML page to `--html` when asked
    /// for; each file whole or not at all.
    func write(_ document: ReportDocument) throws {
        try Self.write(document, format: format, to: output, html: html)
    }

    /// Writes `document` in `format` to standard output or `output`, and its HTML page to `html` when given; each file
    /// whole or not at all. The one way a report reaches its destinations (a command whose `-o` names something else
    /// passes its own option).
    static func write(_ document: ReportDocument, format: OutputFormat, to output: String?, html: String?) throws {
        let file = try output.map { try AtomicFile(path: $0) }
        let handle = file?.handle ?? FileHandle.standardOutput
        switch format {
        case .table: handle.write(Data((TerminalText.safe(document.table()) + "\n").utf8))
        case .json: handle.write(try document.json() + Data("\n".utf8))
        case .csv: document.csv(CSVWriter(handle: handle))
        }
        try file?.commit()
        if let output { printError("wrote \(output)") }
        if let html {
            let page = try AtomicFile(path: html)
            page.write(document.html().standalone)
            try page.commit()
            printError("wrote \(html)")
        }
    }
}

/// The command line's side of a workflow: a progress bar on a terminal, notices on standard error, Ctrl-C to
/// cancel, and each kind of failure to its exit code (2 for the user's input, 1 for the database or lost results,
/// 130 when cancelled).
enum CommandWorkflow {
    /// Runs `body` with the command line's observer; prints a failure's messages and exits with its code.
    static func perform<T>(_ body: (WorkflowObserver) throws -> T) throws -> T {
        let progress = ProgressDisplay()
        let cancellation = CancellationFlag()
        let interrupt = Interrupt(cancelling: cancellation)
        defer { interrupt.restore() }
        let observer = WorkflowObserver(
            progress: { progress.update(done: $0, total: $1, scenario: $2) },
            notice: { notice in
                progress.clear()
                printError(notice.description)
            },
            isCancelled: { cancellation.isCancelled })
        do { return try body(observer) } catch let error as WorkflowError {
            progress.clear()
            for message in error.messages { printError(message) }
            switch error.kind {
            case .input: throw ExitCode(2)
            case .store, .resultsLost: throw ExitCode(1)
            case .cancelled: throw ExitCode(130)
            }
        }
    }
}

/// While a workflow runs, the first Ctrl-C asks it to stop (no further replication starts and a recorded run is
/// marked failed); a second one ends the process at once.
final class Interrupt {
    private let source: DispatchSourceSignal

    init(cancelling flag: CancellationFlag) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            printError("stopping after the replications under way (Ctrl-C again to end now)")
            flag.cancel()
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
    }

    /// Puts back the default handler.
    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// A progress line on a terminal (replications done, time left), silent when standard error is not a terminal
/// (pipes, CI).
final class ProgressDisplay: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    private let lock = NSLock()
    private var scenario: String?
    private var start = Date()
    private var shown = false

    func update(done: Int, total: Int, scenario name: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if name != scenario {
            scenario = name
            start = Date()
        }
        let elapsed = Date().timeIntervalSince(start)
        let left = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data(
            "\r[\(bar)] \(done)/\(total) replications of \(name), about \(Int(left.rounded())) s left ".utf8))
        shown = true
        if done == total { clearLocked() }
    }

    /// Clears the line, so that a message starts on a clean one.
    func clear() {
        lock.lock()
        defer { lock.unlock() }
        clearLocked()
    }

    private func clearLocked() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
        scenario = nil
    }
}

/// A file as the system knows it: its device and inode when it exists (so two paths through links or `..` are one
/// file), else its absolute path without `.` and `..`.
struct FileIdentity: Equatable {
    let key: String

    init(_ path: String) {
        var info = stat()
        if stat(path, &info) == 0 {
            key = "\(info.st_dev):\(info.st_ino)"
        } else {
            key = AtomicFile.followingLinks(path)  // a link to a file not yet made is that file
        }
    }

    /// Why a new file cannot be written at `path` (its directory missing or not writable, or the path a directory),
    /// or nil when it can.
    /// The file written is the one `AtomicFile` writes: a symbolic link's target (its folder is where the new file is
    /// made), or a device or pipe in place (it must itself be writable).
    static func cannotWrite(_ path: String) -> String? {
        let target = AtomicFile.followingLinks(path)
        var info = stat()
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return "is a directory; give a file name"
            case S_IFREG: break
            default: return access(target, W_OK) == 0 ? nil : "cannot be written to; write elsewhere"
            }
        }
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "the folder \(directory) does not exist; create it or write elsewhere"
        }
        guard access(directory, W_OK) == 0 else { return "the folder \(directory) cannot be written to; write elsewhere" }
        return nil
    }
}
