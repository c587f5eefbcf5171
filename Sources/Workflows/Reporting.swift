import Finance
import Forecasting
import Foundation
import HospitalModel
import PatientTwin
import RunStore
import Scenario
import Simulation
import Synchronization

/// The three users' answers composed from simulated or stored runs: comparisons, cost reports, forecasts.
public enum Answers {
    /// Each alternative (`runs[1...]`) against the baseline (`runs[0]`), on the KPIs' metrics and the costs'.
    public static func comparison(_ runs: [SimulatedScenario], detect: Double) -> ComparisonReport {
        precondition(runs.count >= 2, "a baseline and an alternative")
        let base = runs[0]
        let baseMetrics = base.metrics
        let comparisons = runs.dropFirst().map { run in
            ScenarioComparison(baseline: base.scenario.name, alternative: run.scenario.name, baselineRuns: baseMetrics,
                               alternativeRuns: run.metrics, detectShare: detect)
        }
        return ComparisonReport(seed: base.plan.seed, replications: base.plan.replications, horizonDays: base.plan.horizonDays,
                                warmUpDays: base.plan.warmUpDays, comparisons: comparisons)
    }

    /// The cost report of `subject`, with the variance against `baseline` when given (paired replications).
    public static func costs(_ subject: SimulatedScenario, baseline: SimulatedScenario?) -> CostReport {
        subject.costs.report(scenario: subject.scenario.name, baseline: baseline.map { ($0.scenario.name, $0.costs) },
                             coverage: MonthCoverage.of(subject.result.replications[0]))
    }

    /// The bed forecast of a forecast run.
    public static func forecast(_ run: SimulatedScenario) -> BedForecast {
        BedForecast(scenario: run.scenario.name, seed: run.plan.seed, replications: run.result.replications)
    }
}

/// A census held as CSV text rather than in a file.
public struct CensusText: Sendable, Hashable {
    /// What problems name it by ("the live census at 2026-06-01T00:00").
    public let name: String
    /// The census file's content (`CensusFile.columns`).
    public let csv: String

    /// A census named `name` whose content is `csv`.
    public init(name: String, csv: String) {
        self.name = name
        self.csv = csv
    }
}

/// A forecast's request: how many days from when, from which census.
public struct ForecastRequest: Sendable, Hashable {
    /// Days forecast after the start, 1–366.
    public var days: Int
    /// The census file, when the forecast starts from today's inpatients.
    public var censusPath: String?
    /// Or the census as CSV text (the live census from the feed's event log, `LiveCensus.csv`), with the name its
    /// problems are given under.
    public var censusText: CensusText?
    /// The first day (its local midnight); nil: after the census's latest time, or after the scenario's start and
    /// warm-up without a census.
    public var from: LocalDateTime?
    /// Without a census: days of warm-up before the start (nil: the scenario's).
    public var warmUpDays: Int?
    /// Replications, ≥ 2 for percentile bands.
    public var replications: Int
    /// The master seed (nil: the scenario's).
    public var seed: UInt64?
    /// The time a census's age is measured at (nil: now).
    public var now: Date?
    /// The epoch minute the census describes (nil: its latest time): the live census's `--at`, a simulated census's
    /// moment. The simulation starts there, so what happens before the first midnight (the evening's arrivals and
    /// discharges) is forecast, not taken as done; it may not be after `from`.
    public var censusTime: Double?
    /// True for a census that cannot say who is ready to leave (the live census from the feed): each patient in a
    /// bed it does not call ready is drawn ready or not from the twin model and the discharge rules
    /// (`PreparedHospital.imputingReadiness`).
    public var imputesReadiness = false
    /// Where the model's probe of its own ED (`EDProbe`, for a census's undecided patients of unknown category and
    /// boarders of unnamed beds) is kept between forecasts of one scenario (a backtest's origins, a check's truths):
    /// it is probed once a calendar year and time of day. nil: each forecast probes its own.
    public var edProbes: EDProbes?

    /// Days forecast when a request does not say.
    public static let defaultDays = 14
    /// Replications when a request does not say: enough for the 5th and 95th percentiles' bands.
    public static let defaultReplications = 200

    /// A request.
    public init(days: Int, censusPath: String? = nil, from: LocalDateTime? = nil, warmUpDays: Int? = nil,
                replications: Int, seed: UInt64? = nil)
    {
        self.days = days
        self.censusPath = censusPath
        self.from = from
        self.warmUpDays = warmUpDays
        self.replications = replications
        self.seed = seed
    }
}

/// A forecast ready to simulate: the scenario moved to its start, its plan, its census.
public struct PreparedForecast: Sendable {
    /// The scenario starting at the warm-up's start (with a census: the census's time, to the minute; the days to
    /// the first midnight are the plan's warm-up).
    public let prepared: PreparedScenario
    /// The census's inpatients, when the forecast starts from a census.
    public let census: HospitalCensus?
    /// The first midnight forecast, local time.
    public let start: LocalDateTime
}

/// Choosing a forecast's start and reading its census.
public enum ForecastPlanning {
    /// The most local days from a census's day to its forecast's first midnight: each is simulated before the first.
    public static let maximumDaysFromCensus = 366

    /// Prepares `request` on `scenario` (read from `file`). With a census, the simulation starts at the census's time
    /// (`censusTime`, else its latest time, to the minute) and the forecast at `from` or the local midnight at or
    /// after it, the days between a warm-up whose end is that midnight; without, the warm-up ends at `from` when
    /// given, else after the scenario's own start. Throws an input error holding every census problem.
    public static func prepare(_ scenario: Scenario, file: String, request: ForecastRequest,
                               observer: WorkflowObserver = .silent) throws(WorkflowError) -> PreparedForecast
    {
        let zone = scenario.configuration.timeZone
        var loaded: LoadedCensus?
        var returning: [PatientTwin]?
        let warmUpStart: LocalDateTime, start: LocalDateTime
        let warmUpDays: Int
        if let path = request.censusPath ?? request.censusText?.name {
            let asOf = request.from.map { ForecastStart.epochMinute(of: $0, in: zone) }
            let census: LoadedCensus
            do {
                if let text = request.censusText, request.censusPath == nil {
                    census = try CensusFile.read(text: text.csv, name: text.name, for: scenario.configuration, asOf: asOf)
                } else {
                    census = try CensusFile.read(path: path, for: scenario.configuration, asOf: asOf)
                }
            } catch {
                let count = error.problems.count
                throw WorkflowError(.input, error.problems + [
                    "\(path): \(count) problem\(count == 1 ? "" : "s"); nothing was simulated",
                ])
            }
            let taken = request.censusTime ?? census.latestMinute
            let first = request.from ?? ForecastStart.midnight(atOrAfter: taken, in: zone)
            guard taken <= ForecastStart.epochMinute(of: first, in: zone) else {
                throw WorkflowError(.input, "\(path): the census's time \(RecordTime.format(taken)) is after the forecast's "
                    + "start \(first.dateDescription); a forecast starts at or after its census")
            }
            // The census's local time to the minute; the warm-up is the local days from its day to the first midnight.
            warmUpStart = LocalDateTime(localMinutesSinceEpoch: (RecordTime.localMinute(ofEpochMinute: taken, in: zone)
                .rounded(.down)))
            let censusDay = LocalDateTime(year: warmUpStart.year, month: warmUpStart.month, day: warmUpStart.day)
            warmUpDays = Int(((first.localMinutesSinceEpoch - censusDay.localMinutesSinceEpoch) / 1440).rounded())
            guard warmUpDays <= Self.maximumDaysFromCensus else {
                throw WorkflowError(.input, "\(path): the census's time \(RecordTime.format(taken)) is \(warmUpDays) days before the "
                    + "forecast's start \(first.dateDescription); the days between are simulated, so a forecast starts within "
                    + "\(Self.maximumDaysFromCensus) days of its census")
            }
            start = first
            let ageHours = max(0, ((request.now ?? Date()).timeIntervalSince1970 / 60 - census.latestMinute) / 60)
            let latest = RecordTime.format(census.latestMinute)
            observer.notice(.censusStart(file: path, latest: latest, ageHours: ageHours))
            if ageHours > 24 { observer.notice(.staleCensus(file: path, latest: latest, ageHours: ageHours)) }
            for unit in census.overfullUnits { observer.notice(.overfullAtCensus(file: path, unit: unit)) }
            let unnamed = census.census.inpatients.count {
                $0.location == .emergencyDepartment && !$0.undecided && $0.waitingFor == nil
            }
            if unnamed > 0 { observer.notice(.boardersInferred(file: path, boarders: unnamed)) }
            loaded = census
            if census.census.recentDischarges.isEmpty {
                let history = try simulatedHistory(scenario, file: file, before: warmUpStart,
                                                   seed: request.seed ?? scenario.run.seed)
                observer.notice(.returnsFromScenario(file: path, discharges: history.recentDischarges.count))
                returning = history.recentDischarges
            }
        } else {
            warmUpDays = request.warmUpDays ?? scenario.run.warmUpDays
            warmUpStart = request.from.map {
                LocalDateTime(localMinutesSinceEpoch: $0.localMinutesSinceEpoch - Double(warmUpDays) * 1440)
            } ?? scenario.configuration.start
            start = LocalDateTime(localMinutesSinceEpoch: warmUpStart.localMinutesSinceEpoch + Double(warmUpDays) * 1440)
        }
        // The document records the start, so a stored forecast says when it began.
        let moved = scenario.starting(at: warmUpStart)
        // The moment the census describes, where the simulation begins.
        let origin = ForecastStart.epochMinute(of: moved.configuration.start, in: zone)
        let plan = RunSettings(horizonDays: warmUpDays + request.days, warmUpDays: warmUpDays,
                               replications: request.replications, seed: request.seed ?? scenario.run.seed)
        var census = loaded.map { loaded in
            returning.map { HospitalCensus(inpatients: loaded.census.inpatients, recentDischarges: $0) } ?? loaded.census
        }
        let prepared = try PreparedScenario(moved, file: file, plan: plan)
        if request.imputesReadiness, let taken = census {
            census = prepared.hospital.imputingReadiness(taken, atEpochMinute: origin)
        }
        if var taken = census, taken.needsEDProbe, taken.edProbe == nil {
            let hospital = prepared.hospital
            let probes = request.edProbes ?? EDProbes()
            taken.edProbe = try probes.probe(of: scenario.name, at: moved.configuration.start) { () throws(WorkflowError) in
                do { return try hospital.edProbe() } catch { throw WorkflowError(.input, "\(file): \(error)") }
            }
            census = taken
            let unknown = hospital.expectedAdmissions(ofUndecidedIn: taken, atEpochMinute: origin, unknownTriageOnly: true)
            if unknown.patients > 0 {
                observer.notice(.undecidedOfUnknownTriage(file: request.censusPath ?? request.censusText?.name ?? file,
                                                          patients: unknown.patients, expected: unknown.expected))
            }
        }
        return PreparedForecast(prepared: prepared, census: census, start: start)
    }
}

/// The model's probes of its own ED (`PreparedHospital.edProbe()`), one for each scenario, calendar year and time of
/// day, kept for the forecasts that follow. One holder serves forecasts of scenarios whose names say their content
/// (one backtest's, one check's): a scenario of the same name with other content must have its own holder.
public final class EDProbes: Sendable, Hashable {
    private let probes = Mutex<[String: EDProbe]>([:])

    /// An empty holder.
    public init() {}

    /// The probe of `scenario` for the calendar year and time of day of `start` (`PreparedHospital.edProbe()`), made by
    /// `probe` the first time it is asked for.
    func probe(of scenario: String, at start: LocalDateTime, probe: () throws(WorkflowError) -> EDProbe)
        throws(WorkflowError) -> EDProbe
    {
        let key = "\(start.year) \(LocalTimeOfDay(hour: start.hour, minute: start.minute)?.description ?? "") \(scenario)"
        if let kept = probes.withLock({ $0[key] }) { return kept }
        let probed = try probe()
        probes.withLock { $0[key] = probed }
        return probed
    }

    public static func == (lhs: EDProbes, rhs: EDProbes) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension ForecastPlanning {
    /// The scenario's own census at `start`, whose recent discharges (the patients it discharged alive in the 30
    /// days before) are its steady inflow of returns, for a census that lists none. Replication 0 of `seed`, run from
    /// the scenario's warm-up plus 30 days before `start`.
    static func simulatedHistory(_ scenario: Scenario, file: String, before start: LocalDateTime, seed: UInt64)
        throws(WorkflowError) -> TakenCensus
    {
        let lead = scenario.run.warmUpDays + 30
        let moved = scenario.starting(at: LocalDateTime(localMinutesSinceEpoch: start.localMinutesSinceEpoch
            - Double(lead) * 1440))
        let plan = RunSettings(horizonDays: lead + 1, warmUpDays: 0, replications: 1, seed: seed)
        return try Simulate.census(try PreparedScenario(moved, file: file, plan: plan), at: start)
    }
}

/// A report rendered again from stored runs.
public enum StoredAnswer: Sendable {
    /// A run's KPIs.
    case run(HospitalExperimentResult)
    /// A run against a baseline run.
    case comparison(ComparisonReport)
    /// A run's cost report, with the variance against a baseline run when asked for.
    case costs(CostReport)
    /// A forecast run's bands.
    case forecast(BedForecast)
    /// A stored backtest.
    case backtest(BacktestReport)
}

/// Which report of a stored run.
public enum StoredReportKind: String, Sendable, Hashable, CaseIterable {
    case run, costs, forecast, backtest
}

/// Reports rendered again from stored runs, without simulating.
public enum StoredAnswers {
    /// The `kind` report of stored run `id`, against stored run `baseline` when given (runs or costs). Throws an
    /// input error when the two runs do not pair (seed and replications) or a run has no cost lines, a store error
    /// when the database fails.
    public static func answer(_ kind: StoredReportKind, run id: Int64, baseline: Int64?, detect: Double,
                              in store: RunStore) throws(WorkflowError) -> StoredAnswer
    {
        if baseline != nil, kind == .forecast || kind == .backtest {
            throw WorkflowError(.input, "--baseline compares runs or costs, not forecasts or backtests")
        }
        if kind == .backtest {
            guard let document = try storing({ try store.backtestDocument(id) }) else {
                throw WorkflowError(.input, "no stored backtest has id \(id) (a backtest is stored by hospital-twin backtest --store)")
            }
            do { return .backtest(try JSONDecoder().decode(BacktestReport.self, from: document)) } catch {
                throw WorkflowError(.input, "backtest \(id) was stored in a form this version cannot read: \(error)")
            }
        }
        let record = try storing { try store.record(id) }
        let result = try storing { try store.result(of: id) }
        var base: (record: RunRecord, result: HospitalExperimentResult)?
        if let baseline {
            let other = try storing { try store.record(baseline) }
            guard other.seed == record.seed, other.replications == record.replications else {
                throw WorkflowError(.input,
                    "run \(baseline) (seed \(other.seed), \(other.replications) replications) does not pair with run "
                    + "\(id) (seed \(record.seed), \(record.replications) replications): compare runs of the same seed "
                    + "and replications")
            }
            base = (other, try storing { try store.result(of: baseline) })
        }
        switch kind {
        case .run:
            guard let base else { return .run(result) }
            let costs = try storing { try store.costs(of: id) }
            let baseCosts = try storing { try store.costs(of: base.record.id) }
            return .comparison(ComparisonReport(
                seed: record.seed, replications: record.replications, horizonDays: record.horizonDays,
                warmUpDays: record.warmUpDays,
                comparisons: [ScenarioComparison(baseline: base.record.scenario, alternative: record.scenario,
                                                 baselineRuns: ReplicationMetrics.of(base.result, costs: baseCosts),
                                                 alternativeRuns: ReplicationMetrics.of(result, costs: costs),
                                                 detectShare: detect)]))
        case .costs:
            guard let costs = try storing({ try store.costs(of: id) }) else {
                throw WorkflowError(.input,
                    "run \(id) was stored without cost lines (before costs were kept); run it again to cost it")
            }
            var baseCosts: (String, RunCosts)?
            if let base {
                guard let stored = try storing({ try store.costs(of: base.record.id) }) else {
                    throw WorkflowError(.input, "run \(base.record.id) was stored without cost lines")
                }
                baseCosts = (base.record.scenario, stored)
            }
            return .costs(costs.report(scenario: record.scenario, baseline: baseCosts,
                                       coverage: MonthCoverage.of(result.replications[0])))
        case .forecast:
            return .forecast(BedForecast(scenario: record.scenario, seed: record.seed, replications: result.replications))
        case .backtest:
            preconditionFailure("a backtest is answered above, from its own table")
        }
    }
}
