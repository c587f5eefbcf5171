import ArgumentParser
import Feed
import Foundation
import Reports
import Scenario
import Simulation
import Workflows

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Hold the bed forecast against what happened: rolling origins over the feed's event log.",
        discussion: """
            At each origin (every --every days from --from to --to, at --at local time) the census is the event log's \
            as of then, nothing later read; the twin forecast runs from it as forecast --live does, and the benchmarks \
            (last value, the six-week same-weekday mean, seasonal naive, Holt-Winters) forecast from the observed \
            midnight series before it. Every horizon day is held against the patients in the units' beds that \
            midnight: MAE, bias, MASE, coverage of the 50/80/90/95% intervals, pinball loss, CRPS and the Brier score \
            of P(patients > staffed beds), per method, group, unit and horizon (Docs/BACKTEST.md).
            """)

    @Argument(help: "The scenario whose units, locations and model forecast (a calibrated one, from hospital-twin calibrate).")
    var file: String

    @Option(help: "The first origin's date (YYYY-MM-DD).")
    var from: String

    @Option(help: "The last origin's date (YYYY-MM-DD).")
    var to: String

    @Option(help: "Days forecast from each origin, 1-60.")
    var horizon: Int = 14

    @Option(help: "Days between origins, e.g. 1d or 7 (default 1d).")
    var every: String = "1d"

    @Option(help: "The origins' local time of day, HH:MM.")
    var at: String = "23:59"

    @Option(help: "Origins drawn as forecast fans in the HTML report.")
    var fans: Int = 4

    @Flag(help: "Store the scenario and the backtest in the database (hospital-twin report ID --as backtest shows it again).")
    var store = false

    @Flag(help: "Calibrate the scenario again before origins, on history before them only (it is then the base, as calibrate's --base).")
    var recalibrate = false

    @Option(help: "With --recalibrate: days between recalibrations, e.g. 28d or 1 (each origin).")
    var recalibrateEvery: String = "28d"

    @Option(help: "With --recalibrate: days of history each calibration reads, 56-3653 (fewer where the log is shorter).")
    var calibrationDays: Int = 365

    @OptionGroup var replication: ReplicationOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var database: DatabaseOptions

    var recalibrationDays: Int? { Self.days(recalibrateEvery) }

    /// Whole days from 1 to 366, written 7 or 7d.
    static func days(_ text: String) -> Int? {
        let number = text.hasSuffix("d") ? String(text.dropLast()) : text
        return Int(number).flatMap { $0 >= 1 && $0 <= 366 ? $0 : nil }
    }

    var settings: BacktestSettings {
        BacktestSettings(from: from, to: to, horizon: horizon, every: every, at: at, fans: fans)
    }

    func validate() throws {
        try settings.validate()
        guard recalibrationDays != nil else {
            throw ValidationError("--recalibrate-every must be whole days from 1 to 366 (28 or 28d), found '\(recalibrateEvery)'")
        }
        guard (Calibrating.minimumDays...CalibrateCommand.dayLimit).contains(calibrationDays) else {
            throw ValidationError("--calibration-days must be from \(Calibrating.minimumDays) to \(CalibrateCommand.dayLimit), found \(calibrationDays)")
        }
        if let replications = replication.replications, replications < 2 {
            throw ValidationError("--replications must be >= 2 for percentile bands, found \(replications)")
        }
    }

    func run() throws {
        let scenario = try CommandWorkflow.perform { _ in try Inputs.scenario(file) }
        try report.checkDestinations(inputs: [file] + scenario.sourceFiles)
        var request = settings.request(replications: replication.replications, seed: replication.seed, threads: replication.threads)
        if recalibrate {
            var rule = BacktestRequest.Recalibration()
            rule.everyDays = recalibrationDays!
            rule.windowDays = calibrationDays
            request.recalibration = rule
        }
        let through = ShardedBacktests.logEnd(of: request, in: scenario.configuration.timeZone)
        let started = Date()
        let events = try readFeedLog(database, timeZone: scenario.configuration.timeZone, through: through)
        let result = try CommandWorkflow.perform { observer in
            try Backtest.run(scenario, file: file, events: events, request: request, observer: observer)
        }
        printError("backtested \(result.settings.origins) origins in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        if store {
            let runStore = try database.openStore()
            let id = try CommandWorkflow.perform { _ in try Backtest.store(result, scenario: scenario, file: file, in: runStore) }
            printError("stored backtest \(id) (hospital-twin report \(id) --as backtest)")
        }
        try report.write(.backtest(result))
    }
}

/// A backtest's origins, horizon and fans, as `backtest` and `runs plan --kind backtest` take them: their options'
/// values, checked and turned into a request the same way for both.
struct BacktestSettings {
    /// --from and --to (YYYY-MM-DD), --horizon (1-60), --every (1-366 days, 7 or 7d), --at (HH:MM), --fans (0-20).
    var from: String
    var to: String
    var horizon = 14
    var every = "1d"
    var at = "23:59"
    var fans = 4

    /// The most origins one backtest runs: ten years of daily origins.
    static let originLimit = 3_660

    func validate() throws {
        guard let first = ForecastStart.date(from) else { throw ValidationError("--from must be a date YYYY-MM-DD, found '\(from)'") }
        guard let last = ForecastStart.date(to) else { throw ValidationError("--to must be a date YYYY-MM-DD, found '\(to)'") }
        guard first.localMinutesSinceEpoch <= last.localMinutesSinceEpoch else {
            throw ValidationError("--from \(from) is after --to \(to)")
        }
        guard (1...60).contains(horizon) else { throw ValidationError("--horizon must be from 1 to 60 days, found \(horizon)") }
        guard let step = BacktestCommand.days(every) else {
            throw ValidationError("--every must be whole days from 1 to 366 (7 or 7d), found '\(every)'")
        }
        guard LocalTimeOfDay(parsing: at) != nil else { throw ValidationError("--at must be a local time HH:MM, found '\(at)'") }
        guard (0...20).contains(fans) else { throw ValidationError("--fans must be from 0 to 20, found \(fans)") }
        let days = Int((last.localMinutesSinceEpoch - first.localMinutesSinceEpoch) / 1440)
        guard days / step + 1 <= Self.originLimit else {
            throw ValidationError("--from to --to every \(step) days is \(days / step + 1) origins; at most \(Self.originLimit)")
        }
    }

    /// The request, once `validate` has passed: 200 replications unless `replications` says.
    func request(replications: Int?, seed: UInt64?, threads: Int) -> BacktestRequest {
        var request = BacktestRequest(from: ForecastStart.date(from)!, to: ForecastStart.date(to)!)
        request.horizonDays = horizon
        request.everyDays = BacktestCommand.days(every)!
        request.at = LocalTimeOfDay(parsing: at)!
        request.replications = replications ?? 200
        request.seed = seed
        request.threads = threads
        request.fans = fans
        return request
    }
}
