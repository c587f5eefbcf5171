import Foundation
import PatientTwin
import RunRecords
import RunStore
import Simulation
import Scenario

/// What a user asks the server to simulate: a run of a stored scenario, or a comparison of stored scenarios (the
/// base first), on the first scenario's run section under `overrides`, as `run` and `compare` do with files.
public struct JobRequest: Sendable, Hashable {
    /// A run, a comparison, a forecast, a backtest or a cost report.
    public var kind: Job.Kind
    /// Stored scenarios' ids: one for a run; the base, then 1–20 variants, for a comparison.
    public var scenarioIDs: [Int64]
    /// Replications, seed, horizon and warm-up, over the first scenario's run section (a forecast takes the
    /// replications, 200 by default, and the seed).
    public var overrides: RunOverrides
    /// A forecast's days after its start, 1–366 (nil: 14).
    public var days: Int?
    /// A forecast's census time, local to the scenario (nil: now); the forecast starts at the next local midnight.
    public var censusAt: LocalDateTime?
    /// A backtest's origins: the first and last day, the days between origins, the time of day (nil: each origin at
    /// 23:59, every day). Its horizon is `overrides.horizonDays` (nil: 14), its replications per origin
    /// `overrides.replications` (nil: 200).
    public var window: BacktestWindow?

    /// A backtest's origins, as `backtest --from --to --every --at` gives them.
    public struct BacktestWindow: Sendable, Hashable {
        /// The first and last origin's day (local midnight; the origin's time is `at`).
        public var from: LocalDateTime, to: LocalDateTime
        /// Days between origins, 1–366 (nil: 1).
        public var everyDays: Int?
        /// Each origin's local time of day (nil: 23:59).
        public var at: LocalTimeOfDay?

        /// A window of daily origins from `from` to `to`.
        public init(from: LocalDateTime, to: LocalDateTime, everyDays: Int? = nil, at: LocalTimeOfDay? = nil) {
            self.from = from
            self.to = to
            self.everyDays = everyDays
            self.at = at
        }
    }

    /// The most variants a comparison takes beside its base.
    public static let variantLimit = 20

    /// A request; a run's and a comparison's defaults come from the scenario, a forecast's are 14 days from now.
    public init(kind: Job.Kind, scenarioIDs: [Int64], overrides: RunOverrides = RunOverrides(), days: Int? = nil,
                censusAt: LocalDateTime? = nil)
    {
        self.kind = kind
        self.scenarioIDs = scenarioIDs
        self.overrides = overrides
        self.days = days
        self.censusAt = censusAt
    }
}

/// A job's request as kept with it (`Job.request`, the results' JSON form): what was asked, every setting resolved
/// from the scenario's run section.
public struct JobSettings: Sendable, Hashable, Codable {
    /// Run, comparison or forecast.
    public var kind: Job.Kind
    /// The stored scenarios, a comparison's base first.
    public var scenarioIds: [Int64]
    /// Replications of each run, ≥ 1 (≥ 2 for a forecast).
    public var replications: Int
    /// The master seed.
    public var seed: UInt64
    /// Days simulated, the warm-up included.
    public var horizonDays: Int
    /// Days before measuring (0 for a forecast: its census is the hospital's state).
    public var warmupDays: Int
    /// A forecast's days and its census ("the live census at 2031-01-02T12:00Z", and its inpatients).
    public var days: Int?
    /// The census's name, as messages give it.
    public var census: String?
    /// Inpatients in that census.
    public var inpatients: Int?
    /// A backtest's first and last origin (YYYY-MM-DD), days between origins, time of day (HH:MM) and origins.
    public var from: String?, to: String?, everyDays: Int?, at: String?, origins: Int?
}

/// The server's jobs as workflows (Docs/SERVER.md, "Jobs"): a job is a plan of runs, as `runs plan` makes, worked
/// by the server as one shard with `ShardedRuns.work` — the code path of every worker — so a job's runs are stored
/// runs equal to the command line's, replication by replication, and a resumed job does only what was not stored.
public enum Jobs {
    /// Times a job may be started before it is failed (a job that kills its server each time must not stop the
    /// queue).
    public static let attemptLimit = 3

    /// Plans the request's runs from the stored scenarios and queues the job, submitted by `user`. Throws `.input`
    /// for a scenario id nobody has, a scenario this program cannot build (or whose twin model file this machine
    /// cannot read), settings that cannot run; `.store` when the database refuses.
    public static func submit(_ request: JobRequest, by user: String, store: RunStore) throws(WorkflowError) -> Job {
        let expected = request.kind == .comparison ? 2...(JobRequest.variantLimit + 1)
            : request.kind == .costs ? 1...(JobRequest.variantLimit + 1) : 1...1
        if request.kind == .backtest, request.window == nil {
            throw WorkflowError(.input, "a backtest takes its origins: the first and last day")
        }
        guard expected.contains(request.scenarioIDs.count) else {
            throw WorkflowError(.input, request.kind == .comparison
                ? "a comparison takes a base and 1 to \(JobRequest.variantLimit) variants: 2 to \(JobRequest.variantLimit + 1) scenario ids"
                : request.kind == .costs ? "a cost report takes a scenario, or a baseline and 1 to \(JobRequest.variantLimit) scenarios"
                : "a \(request.kind.rawValue) takes one scenario id")
        }
        var scenarios: [(scenario: Scenario, label: String)] = []
        var problems: [String] = []
        for id in request.scenarioIDs {
            do { scenarios.append(try storedScenario(id, store: store)) } catch { problems += error.messages }
        }
        guard problems.isEmpty else { throw WorkflowError(.input, problems + ["nothing was queued"]) }
        var runs: [Int64] = []
        var backtestPlan: Int64?
        var asked: JobSettings
        if request.kind == .backtest, let window = request.window {
            let (scenario, label) = scenarios[0]
            var backtest = BacktestRequest(from: window.from, to: window.to)
            backtest.horizonDays = request.overrides.horizonDays ?? backtest.horizonDays
            backtest.everyDays = window.everyDays ?? backtest.everyDays
            backtest.at = window.at ?? backtest.at
            backtest.replications = request.overrides.replications ?? backtest.replications
            backtest.seed = request.overrides.seed
            let planned = try ShardedBacktests.plan(scenario, file: label, request: backtest, shards: 1, store: store)
            backtestPlan = planned.id
            asked = JobSettings(kind: .backtest, scenarioIds: request.scenarioIDs, replications: backtest.replications,
                                seed: backtest.seed ?? scenario.run.seed, horizonDays: backtest.horizonDays, warmupDays: 0)
            asked.from = window.from.dateDescription
            asked.to = window.to.dateDescription
            asked.everyDays = backtest.everyDays
            asked.at = backtest.at.description
            asked.origins = planned.origins
        } else if request.kind == .forecast {
            let (scenario, label) = scenarios[0]
            let forecast = try liveForecast(scenario, label: label, request: request, store: store)
            runs = try ShardedRuns.plan([forecast.planned.prepared], shards: 1, census: forecast.planned.census,
                                        censusSource: forecast.census, store: store)
            let plan = forecast.planned.prepared.plan
            asked = JobSettings(kind: .forecast, scenarioIds: request.scenarioIDs, replications: plan.replications, seed: plan.seed,
                                horizonDays: plan.horizonDays, warmupDays: plan.warmUpDays)
            asked.days = request.days ?? ForecastRequest.defaultDays
            asked.census = forecast.census
            asked.inpatients = forecast.planned.census?.inpatients.count
        } else {
            let plan = try request.overrides.plan(for: scenarios[0].scenario)
            let prepared = try scenarios.map { item throws(WorkflowError) in try PreparedScenario(item.scenario, file: item.label, plan: plan) }
            runs = try ShardedRuns.plan(prepared, shards: 1, store: store)
            asked = JobSettings(kind: request.kind, scenarioIds: request.scenarioIDs, replications: plan.replications, seed: plan.seed,
                                horizonDays: plan.horizonDays, warmupDays: plan.warmUpDays)
        }
        let encoder = ResultJSON.encoder()
        encoder.outputFormatting = [.sortedKeys]
        let text: String
        do { text = String(decoding: try encoder.encode(asked), as: UTF8.self) } catch {
            throw WorkflowError(.input, "the request cannot be kept as JSON: \(error)")
        }
        return try storing { try store.submitJob(kind: request.kind, runs: runs, plan: backtestPlan, request: text, by: user) }
    }

    /// The forecast `request` asks for, prepared as `forecast --live` prepares it: the feed's event log replayed to
    /// the census time (now by default), who is ready to leave imputed, the start at the next local midnight.
    static func liveForecast(_ scenario: Scenario, label: String, request: JobRequest, store: RunStore) throws(WorkflowError)
        -> (planned: PreparedForecast, census: String)
    {
        let zone = scenario.configuration.timeZone
        let minute = request.censusAt.map { ForecastStart.epochMinute(of: $0, in: zone) } ?? (Date().timeIntervalSince1970 / 60).rounded(.down)
        let live = try LiveCensus.read(at: minute, scenario: scenario, connection: store.connection).census
        let name = "the live census at \(RecordTime.format(minute))"
        var forecast = ForecastRequest(days: request.days ?? ForecastRequest.defaultDays,
                                       from: ForecastStart.midnight(atOrAfter: minute, in: zone),
                                       replications: request.overrides.replications ?? ForecastRequest.defaultReplications,
                                       seed: request.overrides.seed)
        forecast.censusText = CensusText(name: name, csv: live.csv)
        forecast.censusTime = minute
        forecast.imputesReadiness = true
        return (try ForecastPlanning.prepare(scenario, file: label, request: forecast), name)
    }

    /// The stored scenario `id` built again, labelled "scenario 12 (name)" in messages. A twin model file it names
    /// is read beside the file the scenario was stored from (a plan keeps its text, so no worker needs it later).
    public static func storedScenario(_ id: Int64, store: RunStore) throws(WorkflowError) -> (scenario: Scenario, label: String) {
        guard let (listing, canonical) = try storing({ try store.scenario(id) }) else {
            throw WorkflowError(.input, "no stored scenario has id \(id)")
        }
        let label = "scenario \(id) (\(listing.name))"
        let source = try storing { try store.scenarioSourcePath(id) }
        let modelFile: String?
        do { modelFile = try ScenarioUploads.modelFile(canonical, label: label, besides: source) } catch {
            throw WorkflowError(.input, error.problems.map(\.description) + ["\(label): its stored scenario cannot be read by this program"])
        }
        do {
            return (try Scenario.rebuild(canonicalJSON: Data(canonical.utf8), label: label, twinModelFile: modelFile), label)
        } catch {
            throw WorkflowError(.input, error.problems.map(\.description) + ["\(label): its stored scenario cannot be built by this program"])
        }
    }

    /// How a job's work ended.
    public enum Outcome: Sendable, Hashable {
        /// Every run is completed.
        case completed
        /// Stopped by `isCancelled` before it finished: the caller knows why (its server stopping: interrupted, to
        /// resume; or a user's cancel).
        case stopped
        /// It cannot finish: why.
        case failed(String)
    }

    /// Works the claimed job on `threads` threads until its runs are completed, it is cancelled, or it fails.
    /// `connect` opens the database for the work (a lost connection is retried for up to `retryFor` seconds).
    public static func work(_ job: Job, threads: Int, retryFor: Double = 60, connect: @escaping @Sendable () throws -> RunStore,
                            progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                            isCancelled: @escaping @Sendable () -> Bool) -> Outcome
    {
        let observer = WorkflowObserver(progress: { done, total, _ in progress(done, total) }, isCancelled: isCancelled)
        do {
            _ = try ShardedRuns.work(plan: job.plan, shard: 0, threads: threads, retryFor: retryFor, connect: connect, observer: observer)
            let store = try connect()
            if job.kind == .backtest {
                return try store.plannedBacktest(job.plan)?.status == .completed ? .completed
                    : .failed("backtest plan \(job.plan) did not complete")
            }
            let unfinished = try job.runs.filter { try store.record($0).status != .completed }
            return unfinished.isEmpty ? .completed
                : .failed("runs \(unfinished.map(String.init).joined(separator: ", ")) did not complete")
        } catch let error as WorkflowError where error.kind == .cancelled {
            return .stopped
        } catch {
            return .failed("\(error)")
        }
    }
}
