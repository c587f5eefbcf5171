import Feed
import Forecasting
import Foundation
import HospitalModel
import PatientTwin
import RunStore
import Scenario
import Simulation

/// What a backtest runs: the origins (a date range, a step and a time of day), the horizon, and each twin
/// forecast's replications.
public struct BacktestRequest: Sendable, Hashable {
    /// The first and last origins' local dates (midnights; the time of day is `at`).
    public var from: LocalDateTime, to: LocalDateTime
    /// Days forecast from each origin, 1–60.
    public var horizonDays = 14
    /// Days between origins, ≥ 1.
    public var everyDays = 1
    /// The origins' local time of day: the census is the log's as of then.
    public var at = LocalTimeOfDay(hour: 23, minute: 59)!
    /// Replications of each twin forecast, ≥ 2.
    public var replications = 200
    /// The twin forecasts' master seed (nil: the scenario's).
    public var seed: UInt64?
    /// Threads each forecast runs on.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Origins drawn as fans in the report, evenly spread.
    public var fans = 4
    /// Calibrate the scenario again before origins (`backtest --recalibrate`), only on history before them; nil:
    /// the scenario forecasts as given.
    public var recalibration: Recalibration?
    /// Where the origins' forecasts keep the model's probe of its own ED, probed once a scenario, year and time of day
    /// (`ForecastRequest.edProbes`); nil: the backtest makes its own.
    public var edProbes: EDProbes?

    /// How a backtest recalibrates: on the `windowDays` days before an origin (fewer where the log is shorter, at least
    /// `Calibrating.minimumDays`), at the first origin and then every `everyDays` days, each census check of
    /// `replications` replications (the stay scale search starting from the last one found).
    public struct Recalibration: Sendable, Hashable {
        /// Days between recalibrations (≥ 1).
        public var everyDays = 28
        /// Days of history each calibration reads, 56–3653.
        public var windowDays = 365
        /// Replications of each census check (≥ 1).
        public var replications = 4

        /// The defaults: every 28 days, on the year before, census checks of 4 replications.
        public init() {}
    }

    /// A request for origins on the dates `from`…`to`.
    public init(from: LocalDateTime, to: LocalDateTime) {
        self.from = from
        self.to = to
    }
}

/// Rolling-origin backtests of the bed forecast on the feed's event log (Docs/BACKTEST.md).
public enum Backtest {
    /// Days at the start of the log left out of the observed series: a log begins with the patients admitted
    /// before it missing, and its census is short until they would have left.
    public static let logRampUpDays = 14

    /// Backtests `scenario` (read from `file`) on `events`: at each origin the census is the log's as of then
    /// (`LedgerTimeline`: nothing later is read), the twin forecast runs from it as `forecast --live` does, the
    /// baselines forecast from the observed midnight series up to the origin, and every horizon day is held against
    /// the log's census at that midnight. Throws an input error when the log does not reach the last origin's
    /// horizon or an origin's census cannot be read.
    public static func run(_ scenario: Scenario, file: String, events: [ReceivedEvent], request: BacktestRequest,
                           observer: WorkflowObserver = .silent) throws(WorkflowError) -> BacktestReport
    {
        var request = request
        if request.edProbes == nil { request.edProbes = EDProbes() }
        let plan = try plan(scenario, events: events, request: request)
        var timeline = plan.timeline
        var recalibrated = Recalibrated(base: scenario, file: file)
        defer { recalibrated.removeFiles() }
        var origins: [OriginScores] = []
        var batchStart = 0
        while batchStart < plan.originDays.count {
            if observer.isCancelled() { throw WorkflowError(.cancelled, "the backtest was cancelled after \(batchStart) origins") }
            let batch = Array(batchStart..<min(plan.originDays.count, batchStart + originsPerBatch(request.replications)))
            var scenarios: [Scenario] = []
            for index in batch {
                guard let recalibration = request.recalibration else { scenarios.append(scenario); continue }
                scenarios.append(try recalibrated.scenario(before: plan.originDays[index], rule: recalibration,
                                                           logFirstDay: plan.logFirstDay, events: events,
                                                           threads: request.threads, observer: observer))
            }
            origins += try score(origins: batch, plan: plan, scenarios: scenarios, file: file, timeline: &timeline,
                                 request: request, observer: observer)
            batchStart += batch.count
            observer.progress(batchStart, plan.originDays.count, scenario.name)
        }
        return assemble(origins, plan: plan, scenario: scenario, request: request, notes: recalibrated.notes)
    }

    /// Origins worked together (`score(origins:)`): their censuses read in time order, then their forecasts
    /// prepared, simulated and scored on every thread at once, so that no core waits while one origin's census is
    /// prepared or its scores are worked out. Eight, or fewer so that a batch holds at most 1,600 replications' KPIs
    /// (about 0.3 GiB) at once; one when an origin has more. Results do not depend on it.
    static func originsPerBatch(_ replications: Int) -> Int { max(1, min(8, 1600 / max(1, replications))) }

    /// What every origin of a backtest shares, worked out from the log and the request alone, so that any process
    /// (a shard's worker too) works out the same: the origins, the observed series, the origins drawn as fans.
    struct Plan {
        let timeline: LedgerTimeline
        /// Local days (days since 1970 in the scenario's zone) of the log's first event, of each origin, and of the
        /// observed series' first midnight.
        let logFirstDay: Int
        let originDays: [Int]
        let seriesStart: Int
        let series: [Series]
        let fanOrigins: Set<Int>
        let seed: UInt64
        let events: Int
    }

    /// The plan of `request` on `events`; throws an input error when the log is empty, does not reach the last
    /// origin's horizon, or has too little history before the first origin.
    static func plan(_ scenario: Scenario, events: [ReceivedEvent], request: BacktestRequest) throws(WorkflowError) -> Plan {
        let zone = scenario.configuration.timeZone
        let horizon = request.horizonDays
        let timeline = LedgerTimeline(events)
        guard let first = timeline.firstMinute, let last = timeline.lastMinute else {
            throw WorkflowError(.input, "the feed's event log is empty: nothing to backtest on (hospital-twin ingest or listen fill it)")
        }
        let day = 1440.0
        func localDay(_ epochMinute: Double) -> Int { RecordTime.localDay(ofEpochMinute: epochMinute, in: zone) }
        func midnightMinute(_ localDay: Int) -> Double {
            ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: Double(localDay) * day), in: zone)
        }
        let firstOriginDay = Int(request.from.localMinutesSinceEpoch / day)
        let lastOriginDay = Int(request.to.localMinutesSinceEpoch / day)
        let originDays = Array(stride(from: firstOriginDay, through: lastOriginDay, by: max(1, request.everyDays)))
        guard !originDays.isEmpty else { throw WorkflowError(.input, "--from \(request.from.dateDescription) is after --to \(request.to.dateDescription): no origin") }
        // The series: each local midnight from after the log's ramp-up to the last origin's horizon.
        let seriesStart = localDay(first) + 1 + logRampUpDays
        let seriesEnd = lastOriginDay + 1 + horizon
        guard midnightMinute(seriesEnd) <= last else {
            let reach = localDay(last) - 1 - horizon
            throw WorkflowError(.input, "the event log ends at \(RecordTime.format(last)): the last origin's \(horizon)-day horizon "
                + "needs events to \(dateText(seriesEnd)); choose --to \(dateText(reach)) or earlier")
        }
        guard firstOriginDay + 1 > seriesStart else {
            throw WorkflowError(.input, "the event log begins at \(RecordTime.format(first)): an origin needs the log's first "
                + "\(logRampUpDays) days behind it and a midnight of history; choose --from \(dateText(seriesStart)) or later")
        }
        // Pass 1: the observed census at every midnight of the series. The origins then read the timeline on in time
        // order from where it stood before the first of them, not from the log's start again.
        let firstOriginMinute = ForecastStart.epochMinute(of: originTime(firstOriginDay, at: request.at), in: zone)
        let (series, kept) = observedSeries(timeline, scenario: scenario, from: seriesStart, through: seriesEnd,
                                            keepingBefore: firstOriginMinute)
        return Plan(timeline: kept, logFirstDay: localDay(first), originDays: originDays, seriesStart: seriesStart,
                    series: series, fanOrigins: Set(fanIndices(count: originDays.count, fans: request.fans).map { originDays[$0] }),
                    seed: request.seed ?? scenario.run.seed, events: events.count)
    }

    /// An origin's local date and time: local day `day` (days since 1970) at `time`.
    static func originTime(_ day: Int, at time: LocalTimeOfDay) -> LocalDateTime {
        LocalDateTime(localMinutesSinceEpoch: Double(day) * 1440 + Double(time.minuteOfDay))
    }

    /// The date of a local day, YYYY-MM-DD.
    static func dateText(_ localDay: Int) -> String { LocalDateTime(localMinutesSinceEpoch: Double(localDay) * 1440).dateDescription }

    /// What one origin adds to a backtest: each scored series and method's score at every horizon from this origin
    /// alone, the fans drawn at it, and the baselines it left out for too little history. Merged in origin order
    /// (`assemble`) they give the sums that scoring every origin in one loop gives, bit for bit: each origin's score
    /// is a single term, and the sums add the terms in the same order. A backtest worked in shards stores one per
    /// origin (Docs/SCALE.md).
    public struct OriginScores: Sendable, Hashable, Codable {
        /// The origin's place among the backtest's origins, from 0.
        public let index: Int
        /// One per series and method that scored at this origin, in series then method order.
        public let scores: [Entry]
        /// The forecast fans drawn at this origin (the chosen origins' groups).
        public let fans: [BacktestReport.Fan]
        /// The methods (`BacktestReport.methods`) left out at this origin for too little history.
        public let skipped: [String]

        /// A series' (`Series.index`) method's (`BacktestReport.methods` index) score at horizons 1…H.
        public struct Entry: Sendable, Hashable, Codable {
            /// The series' index (groups, then units), the method's index, and its score at horizon h at h − 1.
            public let series: Int
            /// The method's index in `BacktestReport.methods`.
            public let method: Int
            /// Its score at horizon h at index h − 1 (one origin's).
            public let horizons: [ForecastScore]
        }
    }

    /// Scores origin `index` of `plan` (`score(origins:)` of that one origin).
    static func score(origin index: Int, plan: Plan, scenario: Scenario, file: String, timeline: inout LedgerTimeline,
                      request: BacktestRequest, observer: WorkflowObserver) throws(WorkflowError) -> OriginScores
    {
        try score(origins: [index], plan: plan, scenarios: [scenario], file: file, timeline: &timeline, request: request,
                  observer: observer)[0]
    }

    /// Scores origins `indices` of `plan` (ascending; `scenarios` the scenario forecasting at each): each one's
    /// census read from `timeline` (forward, to the origin's time), its forecasts made (`setUp`, `simulate`,
    /// `forecasts`) and held against the observed series. The same scores, bit for bit, as scoring each alone.
    static func score(origins indices: [Int], plan: Plan, scenarios: [Scenario], file: String, timeline: inout LedgerTimeline,
                      request: BacktestRequest, observer: WorkflowObserver) throws(WorkflowError) -> [OriginScores]
    {
        precondition(indices.count == scenarios.count, "one scenario an origin")
        let zone = scenarios[0].configuration.timeZone
        let locals = indices.map { originTime(plan.originDays[$0], at: request.at) }
        let censuses = locals.map { timeline.census(at: ForecastStart.epochMinute(of: $0, in: zone)) }
        let setups = try Parallel.map(count: indices.count, threads: request.threads) { position in
            Result { () throws(WorkflowError) in
                try setUp(censuses[position], scenario: scenarios[position], file: file, request: request, seed: plan.seed)
            }
        }.map { result throws(WorkflowError) in try result.get() }
        let kpis = try simulate(setups, request: request, seed: plan.seed, observer: observer, done: indices[0])
        return Parallel.map(count: indices.count, threads: request.threads) { position in
            let made = forecasts(setups[position], kpis: kpis[position], series: plan.series, seriesStart: plan.seriesStart,
                                 horizon: request.horizonDays)
            return scores(of: made, origin: indices[position], local: locals[position], plan: plan, horizon: request.horizonDays)
        }
    }

    /// What origin `index` (at local time `local`) adds to the backtest: its forecasts `made` held against the
    /// observed series.
    static func scores(of made: OriginForecasts, origin index: Int, local: LocalDateTime, plan: Plan, horizon: Int) -> OriginScores {
        let originDay = plan.originDays[index]
        let kpis = made.kpis, dayZero = made.dayZero
        var entries: [OriginScores.Entry] = [], fans: [BacktestReport.Fan] = [], skipped: [String] = []
        for item in plan.series {
            let origin = made.origin[item.index]
            let methods = made.methods[item.index]
            for (m, forecast) in methods.enumerated() where item.index == 0 && forecast == nil {
                skipped.append(BacktestReport.methods[m])   // counted once an origin, on the first series
            }
            let thresholds = (1...horizon).map { staffedBeds(kpis, units: item.units, day: $0) }
            for (m, forecasts) in methods.enumerated() {
                guard let forecasts else { continue }
                var list = [ForecastScore](repeating: ForecastScore(), count: horizon)
                for h in 1...horizon {
                    list[h - 1].add(forecasts[h - 1], actual: item.values[dayZero + h], threshold: thresholds[h - 1])
                }
                entries.append(OriginScores.Entry(series: item.index, method: m, horizons: list))
            }
            if plan.fanOrigins.contains(originDay), item.unit.isEmpty, let twin = methods[0] {
                let census = PredictiveDistribution.normal(mean: origin, sd: 0)
                fans.append(BacktestReport.Fan(origin: local.description, group: item.group, days: ([census] + twin).enumerated().map { h, d in
                    BacktestReport.FanDay(date: dateText(plan.seriesStart + dayZero + h), p5: d.quantile(0.05), p25: d.quantile(0.25),
                                          p50: d.median, p75: d.quantile(0.75), p95: d.quantile(0.95),
                                          actual: item.values[dayZero + h])
                }))
            }
        }
        return OriginScores(index: index, scores: entries, fans: fans, skipped: skipped)
    }

    /// The backtest's report from every origin's scores (`origins`, in origin order: index i at position i), with
    /// `notes` added (a recalibration's).
    static func assemble(_ origins: [OriginScores], plan: Plan, scenario: Scenario, request: BacktestRequest,
                         notes extra: [String] = []) -> BacktestReport
    {
        precondition(origins.map(\.index) == Array(plan.originDays.indices), "every origin's scores, in origin order")
        let horizon = request.horizonDays
        var scores: [SeriesKey: [ForecastScore]] = [:]
        // Each origin's coverage, in origin order, by series, horizon and level: for the intervals of the means.
        var coverages: [SeriesKey: [[[Double]]]] = [:]
        var skipped: [String: Int] = [:]
        var fans: [BacktestReport.Fan] = []
        let levels = ForecastScore.levels.count
        for origin in origins {
            for method in origin.skipped { skipped[method, default: 0] += 1 }
            for entry in origin.scores {
                let key = SeriesKey(method: entry.method, series: entry.series)
                var list = scores[key] ?? [ForecastScore](repeating: ForecastScore(), count: horizon)
                var covered = coverages[key] ?? [[[Double]]](repeating: [[Double]](repeating: [], count: levels), count: horizon)
                for h in list.indices {
                    list[h].merge(entry.horizons[h])
                    guard entry.horizons[h].origins > 0 else { continue }
                    for (level, value) in entry.horizons[h].coverage.enumerated() { covered[h][level].append(value) }
                }
                scores[key] = list
                coverages[key] = covered
            }
            fans += origin.fans
        }
        let firstOriginDay = plan.originDays[0]
        var rows: [BacktestReport.Row] = []
        for item in plan.series {
            let scale = seasonalNaiveScale(Array(item.values[..<(firstOriginDay + 1 - plan.seriesStart)]))
            for (m, method) in BacktestReport.methods.enumerated() {
                let key = SeriesKey(method: m, series: item.index)
                guard let list = scores[key] else { continue }
                for (h, score) in list.enumerated() {
                    let intervals = coverages[key]?[h].map { SerialInterval.interval($0) }
                    rows.append(BacktestReport.Row(method: method, group: item.group, unit: item.unit, horizonDays: h + 1,
                                                   score: score, maseScale: scale, coverageIntervals: intervals))
                }
            }
        }
        var notes: [String] = []
        for (method, count) in skipped.sorted(by: { $0.key < $1.key }) {
            notes.append("\(method): \(count) of \(plan.originDays.count) origins had too little history "
                + "(\(BaselineMethod(rawValue: method)?.minimumHistory ?? 0) days needed) and are left out of its scores")
        }
        notes.append("an origin's census stands for its forecast's first midnight (day 0); the observed series starts \(logRampUpDays) days after the log's first event")
        notes += extra
        let settings = BacktestReport.Settings(
            scenario: scenario.name, from: request.from.dateDescription, to: request.to.dateDescription,
            horizonDays: horizon, everyDays: request.everyDays, at: request.at.description,
            replications: request.replications, seed: plan.seed, origins: plan.originDays.count,
            seriesStart: dateText(plan.seriesStart), events: plan.events)
        return BacktestReport(settings: settings, rows: rows, fans: fans, notes: notes)
    }

    /// Stores `report` with its scenario (read from `file`) in one statement; returns the backtest's id.
    public static func store(_ report: BacktestReport, scenario: Scenario, file: String, in store: RunStore) throws(WorkflowError) -> Int64 {
        let canonical = String(decoding: scenario.canonicalJSON, as: UTF8.self)
        let source = URL(fileURLWithPath: file).standardizedFileURL.path
        let document = try document(report)
        let stored = try storing { try store.storeScenario(name: scenario.name, canonicalJSON: canonical, sourcePath: source) }
        return try storing { try store.storeBacktest(scenario: stored, origins: report.settings.origins, document: document) }
    }

    /// The backtest's document as stored (JSON, keys sorted).
    static func document(_ report: BacktestReport) throws(WorkflowError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(report) } catch {
            throw WorkflowError(.input, "the backtest could not be written as JSON: \(error)")
        }
    }

    /// An origin made ready to simulate: the census's occupancy by unit at the origin, and the twin forecast
    /// prepared from the census (`forecast --live`'s preparation; the recent discharges' returns worked out once).
    struct OriginSetup: Sendable {
        let atOrigin: [Int]
        let start: LocalDateTime
        /// The simulation's days and the warm-up among them (the census's day before its first midnight).
        let plan: RunSettings
        /// The scenario's file and the census's name, for a failure's message.
        let file: String, name: String
        let hospital: PreparedHospital
        let census: HospitalCensus?
    }

    /// The origin of `ledger` (the log's census as of the origin, nothing later) made ready: its live census written
    /// and read back in the census format, the forecast prepared from its first midnight (the local midnight after).
    static func setUp(_ ledger: LedgerCensus, scenario: Scenario, file: String, request: BacktestRequest,
                      seed: UInt64) throws(WorkflowError) -> OriginSetup
    {
        let zone = scenario.configuration.timeZone
        let live = try LiveCensus.build(ledger, scenario: scenario)
        let start = ForecastStart.midnight(atOrAfter: ledger.at, in: zone)
        var forecastRequest = ForecastRequest(days: request.horizonDays, from: start, replications: request.replications, seed: seed)
        let name = "the live census at \(RecordTime.format(ledger.at))"
        forecastRequest.censusText = CensusText(name: name, csv: live.csv)
        forecastRequest.censusTime = ledger.at
        forecastRequest.imputesReadiness = true
        forecastRequest.edProbes = request.edProbes
        let prepared = try ForecastPlanning.prepare(scenario, file: file, request: forecastRequest)
        let hospital = prepared.prepared.hospital
        return OriginSetup(atOrigin: occupancy(ledger, scenario: scenario), start: start, plan: prepared.prepared.plan,
                           file: file, name: name, hospital: hospital, census: prepared.census.map { hospital.preparingReturns($0) })
    }

    /// Every replication of every origin of `setups`, on `request.threads` threads at once: replication r of an
    /// origin is `HospitalExperiment.replication(r, …)` from `seed`, as a forecast of that origin alone runs it.
    /// `done`: the origins scored before these (for the message when cancelled).
    static func simulate(_ setups: [OriginSetup], request: BacktestRequest, seed: UInt64, observer: WorkflowObserver,
                         done: Int) throws(WorkflowError) -> [[HospitalKPIs]]
    {
        let replications = request.replications
        let results = Parallel.map(count: setups.count * replications, threads: request.threads) { item -> Result<HospitalKPIs, WorkflowError> in
            let setup = setups[item / replications]
            if observer.isCancelled() { return .failure(WorkflowError(.cancelled, "the backtest was cancelled after \(done) origins")) }
            do {
                return .success(try HospitalExperiment.replication(item % replications, of: setup.hospital, seed: seed,
                                                                   horizonDays: setup.plan.horizonDays,
                                                                   warmUpDays: setup.plan.warmUpDays, preparedCensus: setup.census))
            } catch {
                return .failure(WorkflowError(.input, "\(setup.file): the forecast from \(setup.name) failed: \(error)"))
            }
        }
        let kpis = try results.map { result throws(WorkflowError) in try result.get() }
        return setups.indices.map { Array(kpis[$0 * replications..<($0 + 1) * replications]) }
    }

    /// What one origin forecasts: per series (in `Series.index` order) the census value at the origin and each
    /// method's distributions for horizons 1…H (`BacktestReport.methods` order; nil where a baseline lacks history),
    /// the twin's replications, and the series index of the forecast's first midnight.
    struct OriginForecasts {
        let origin: [Double]
        let methods: [[[PredictiveDistribution]?]]
        let kpis: [HospitalKPIs]
        let dayZero: Int
    }

    /// The forecasts made at an origin (`setup`): the twin's from its replications' `kpis`, the baselines from each
    /// series' values at the midnights before the origin (with the origin's census for the forecast's day 0).
    static func forecasts(_ setup: OriginSetup, kpis: [HospitalKPIs], series: [Series], seriesStart: Int, horizon: Int) -> OriginForecasts {
        let dayZero = Int(setup.start.localMinutesSinceEpoch / 1440) - seriesStart   // the series index of the first forecast midnight
        var origins: [Double] = [], methods: [[[PredictiveDistribution]?]] = []
        for item in series {
            let origin = Double(item.units.reduce(0) { $0 + setup.atOrigin[$1] })
            let history = Array(item.values[max(0, dayZero - 365)..<max(0, dayZero)]) + [origin]
            methods.append([twinForecast(kpis, units: item.units, horizon: horizon)]
                + BaselineMethod.allCases.map { $0.forecast(history, horizons: horizon) })
            origins.append(origin)
        }
        return OriginForecasts(origin: origins, methods: methods, kpis: kpis, dayZero: dayZero)
    }

    /// Every method's forecasts at one origin, keyed "method|group|unit", made from `events` as `run` makes them:
    /// for checking that an origin reads nothing after its time (the same forecasts from logs that differ only
    /// after it).
    public static func forecasts(_ scenario: Scenario, file: String, events: [ReceivedEvent], origin: LocalDateTime,
                                 request: BacktestRequest) throws(WorkflowError) -> [String: [PredictiveDistribution]]
    {
        let zone = scenario.configuration.timeZone
        let originMinute = ForecastStart.epochMinute(of: origin, in: zone)
        // Every event, later ones too, as `run` has them: what keeps the future out is the forecast's own reading.
        var timeline = LedgerTimeline(events)
        guard let first = timeline.firstMinute else { throw WorkflowError(.input, "the feed's event log is empty") }
        let seriesStart = RecordTime.localDay(ofEpochMinute: first, in: zone) + 1 + logRampUpDays
        let series = observedSeries(timeline, scenario: scenario, from: seriesStart,
                                    through: max(seriesStart, Int(origin.localMinutesSinceEpoch / 1440)))
        let seed = request.seed ?? scenario.run.seed
        let setup = try setUp(timeline.census(at: originMinute), scenario: scenario, file: file, request: request, seed: seed)
        let kpis = try simulate([setup], request: request, seed: seed, observer: .silent, done: 0)[0]
        let made = forecasts(setup, kpis: kpis, series: series, seriesStart: seriesStart, horizon: request.horizonDays)
        var result: [String: [PredictiveDistribution]] = [:]
        for item in series {
            for (m, forecast) in made.methods[item.index].enumerated() {
                if let forecast { result["\(BacktestReport.methods[m])|\(item.group)|\(item.unit)"] = forecast }
            }
        }
        return result
    }

    struct SeriesKey: Hashable {
        let method: Int
        let series: Int
    }

    /// One observed series: a group (units summed) or a unit.
    struct Series {
        let index: Int
        let group: String
        let unit: String
        let units: [Int]
        let values: [Double]
    }

    /// The observed series (groups, then units) at the local midnights `from`…`through` (local days), read from a
    /// copy of `timeline` in time order.
    static func observedSeries(_ timeline: LedgerTimeline, scenario: Scenario, from start: Int, through end: Int) -> [Series] {
        observedSeries(timeline, scenario: scenario, from: start, through: end, keepingBefore: -.infinity).series
    }

    /// The observed series (above), and `timeline` as read through the last midnight at or before `minute`: a
    /// timeline from which the censuses at `minute` and later are read without replaying the log before it again.
    /// With `heardOfLate` (a later history's `LedgerHistory.heardOfLate`), each midnight also counts those spells
    /// under way then whose first message came after it, where that history places them: hindsight, for a window
    /// all of whose events are known (a calibration's), never for an origin's history.
    static func observedSeries(_ timeline: LedgerTimeline, scenario: Scenario, from start: Int, through end: Int,
                               keepingBefore minute: Double, heardOfLate: [LedgerSpell] = []) -> (series: [Series], kept: LedgerTimeline)
    {
        let zone = scenario.configuration.timeZone
        let units = scenario.configuration.units
        var timeline = timeline, kept = timeline
        var observed = [[Double]](repeating: [], count: units.count)
        func midnight(_ index: Int) -> Double {
            ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: Double(index) * 1440), in: zone)
        }
        for index in start...end {
            var counts = occupancy(timeline.census(at: midnight(index)), scenario: scenario)
            for location in LedgerHistory.unheard(at: midnight(index), among: heardOfLate) {
                if case .unit(let unit)? = scenario.locations[location?.pointOfCare ?? ""] { counts[unit] += 1 }
            }
            for unit in units.indices { observed[unit].append(Double(counts[unit])) }
            // Kept once, at the last midnight not after `minute` (a copy's first change copies the whole timeline).
            if midnight(index) <= minute, index == end || midnight(index + 1) > minute { kept = timeline }
        }
        return (seriesList(units: units, groups: groupOf(units), observed: observed), kept)
    }

    static func groupOf(_ units: [UnitConfiguration]) -> [String] {
        units.map { $0.kind.isCriticalCare ? BacktestReport.criticalCare : BacktestReport.generalAndAcute }
    }

    static func seriesList(units: [UnitConfiguration], groups: [String], observed: [[Double]]) -> [Series] {
        var list: [Series] = []
        for group in [BacktestReport.generalAndAcute, BacktestReport.criticalCare] {
            let members = units.indices.filter { groups[$0] == group }
            guard !members.isEmpty else { continue }
            let values = observed[0].indices.map { day in members.reduce(0) { $0 + observed[$1][day] } }
            list.append(Series(index: list.count, group: group, unit: "", units: members, values: values))
        }
        for unit in units.indices {
            list.append(Series(index: list.count, group: groups[unit], unit: units[unit].name, units: [unit],
                               values: observed[unit]))
        }
        return list
    }

    /// Patients in each unit's beds in `census`: those whose location the scenario maps to the unit.
    static func occupancy(_ census: LedgerCensus, scenario: Scenario) -> [Int] {
        var counts = [Int](repeating: 0, count: scenario.configuration.units.count)
        for patient in census.inHospital {
            if case .unit(let unit)? = scenario.locations[patient.location?.pointOfCare ?? ""] { counts[unit] += 1 }
        }
        return counts
    }

    /// The replications' patients in `units`' beds at each midnight 1…`horizon`.
    static func twinForecast(_ kpis: [HospitalKPIs], units: [Int], horizon: Int) -> [PredictiveDistribution]? {
        var days: [PredictiveDistribution] = []
        for h in 1...horizon {
            var values: [Double] = []
            for run in kpis {
                var total = 0
                for unit in units {
                    guard h < run.units[unit].midnightCensus.count else { return nil }
                    total += run.units[unit].midnightCensus[h]
                }
                values.append(Double(total))
            }
            days.append(.ensemble(values))
        }
        return days
    }

    /// The median over replications of `units`' staffed beds at midnight `day`: the threshold whose exceedance the
    /// Brier score scores.
    static func staffedBeds(_ kpis: [HospitalKPIs], units: [Int], day: Int) -> Double? {
        let values = kpis.compactMap { run -> Double? in
            var total = 0.0
            for unit in units {
                guard day < run.units[unit].midnightStaffedBeds.count else { return nil }
                total += run.units[unit].midnightStaffedBeds[day]
            }
            return total
        }.sorted()
        return values.isEmpty ? nil : SampleQuantile.type7(values, probability: 0.5)
    }

    /// The in-sample mean absolute seven-day change: the MASE's scale (Hyndman and Koehler 2006, seasonal form).
    static func seasonalNaiveScale(_ values: [Double]) -> Double? {
        guard values.count >= 14 else { return nil }
        let changes = (7..<values.count).map { abs(values[$0] - values[$0 - 7]) }
        let scale = changes.reduce(0, +) / Double(changes.count)
        return scale > 0 ? scale : nil
    }

    /// `fans` indices spread evenly over `count` origins (first and last included).
    static func fanIndices(count: Int, fans: Int) -> [Int] {
        guard count > 0, fans > 0 else { return [] }
        if fans == 1 || count == 1 { return [count - 1] }
        return Array(Set((0..<min(fans, count)).map { Int((Double($0) * Double(count - 1) / Double(min(fans, count) - 1)).rounded()) })).sorted()
    }
}

/// The scenario a recalibrating backtest forecasts with: the base calibrated on the history before an origin, kept
/// until the next recalibration; its files (the scenario, which extends the base, and the twin model) in a folder of
/// this process's own, removed at the end.
struct Recalibrated {
    let base: Scenario
    let file: String
    var current: Scenario?
    var lastDay: Int?
    var scale = 1.0
    var folder: URL?
    var notes: [String] = []

    init(base: Scenario, file: String) {
        self.base = base
        self.file = file
    }

    mutating func scenario(before originDay: Int, rule: BacktestRequest.Recalibration, logFirstDay: Int, events: [ReceivedEvent],
                           threads: Int, observer: WorkflowObserver) throws(WorkflowError) -> Scenario
    {
        if let current, let lastDay, originDay < lastDay + max(1, rule.everyDays) { return current }
        // The window ends the day before the origin's, so that nothing of the origin's day, even before its time, is read.
        let last = originDay - 1
        let first = max(logFirstDay + 1 + Backtest.logRampUpDays, last - rule.windowDays + 1)
        func date(_ day: Int) -> LocalDateTime { LocalDateTime(localMinutesSinceEpoch: Double(day) * 1440) }
        guard last - first + 1 >= Calibrating.minimumDays else {
            throw WorkflowError(.input, "--recalibrate: the origin \(date(originDay).dateDescription) has \(max(0, last - first + 1)) days "
                + "of history after the log's first \(Backtest.logRampUpDays); calibration needs \(Calibrating.minimumDays): choose --from "
                + "\(date(logFirstDay + 1 + Backtest.logRampUpDays + Calibrating.minimumDays).dateDescription) or later")
        }
        var request = CalibrationRequest(from: date(first), to: date(last))
        request.threads = threads
        let calibration = try Calibrating.run(base, file: file, events: events, request: request)
        let folder: URL
        if let existing = self.folder { folder = existing } else {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("hospital-twin-recalibration-\(getpid())-\(UUID().uuidString)")
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw WorkflowError(.input, "--recalibrate: cannot make a folder for the recalibrated scenarios: \(error)")
            }
            self.folder = folder
        }
        let name = "recalibrated-\(date(originDay).dateDescription)"
        let model = folder.appendingPathComponent(name + ".twin-model.json").path
        let path = folder.appendingPathComponent(name + ".yaml").path
        func writeModel(_ scale: Double, _ criticalCare: Double, _ factors: [Pathway: [CareState: Double]]) throws(WorkflowError) {
            do { try TwinModelFile.write(calibration.model(stayScale: scale, factors: factors, criticalCare: criticalCare), to: model) } catch {
                throw WorkflowError(.input, "--recalibrate: cannot write the twin model: \(error)")
            }
        }
        let basePath = URL(fileURLWithPath: file).standardizedFileURL.path
        let found = try Calibrating.fitStayScale(calibration, events: events, request: request, replications: rule.replications, seed: nil,
                                                 observer: .silent, start: scale) { (scale: Double, criticalCare: Double, factors: [Pathway: [CareState: Double]]) throws(WorkflowError) -> (Scenario, String) in
            try writeModel(scale, criticalCare, factors)
            let text = calibration.scenarioText(name: name, base: basePath, twinModel: name + ".twin-model.json", stayScale: scale)
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
                throw WorkflowError(.input, "--recalibrate: cannot write the recalibrated scenario: \(error)")
            }
            return (try Inputs.scenario(path), path)
        }
        scale = found.scale
        try writeModel(scale, found.criticalCare, found.factors)
        let spread = Calibrating.stayScaleSpread(found.check)
        let text = calibration.scenarioText(name: name, base: basePath, twinModel: name + ".twin-model.json", stayScale: scale,
                                            stayScaleSpread: spread)
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
            throw WorkflowError(.input, "--recalibrate: cannot write the recalibrated scenario: \(error)")
        }
        let scenario = try Inputs.scenario(path)
        notes.append("recalibrated before \(date(originDay).dateDescription) on \(request.from.dateDescription) to \(request.to.dateDescription): "
            + String(format: "%.1f attendances a day, stay scale %.3f (spread %.4f), critical care stays × %.3f",
                     calibration.arrivals.perDay, scale, spread, found.criticalCare))
        current = scenario
        lastDay = originDay
        return scenario
    }

    /// Removes the folder of recalibrated scenarios (this process's own files only).
    func removeFiles() {
        guard let folder else { return }
        do { try FileManager.default.removeItem(at: folder) } catch {
            // A temporary folder left behind loses nothing of the user's; nothing else to do about it.
        }
    }
}
