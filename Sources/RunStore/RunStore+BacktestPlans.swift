#if canImport(Glibc)
import Foundation
import Glibc
import HospitalModel
import RunRecords
import Store
#endif

/// A backtest planned to be worked in shards, as a worker reads it back: everything it needs from the database.
public struct PlannedBacktest: Sendable, Hashable {
    /// The plan's id (from the runs' sequence: no run has it).
    public let id: Int64
    /// The scenario as stored: its row, name and canonical JSON.
    public let scenario: StoredScenario
    /// The scenario's canonical JSON, as stored.
    public let canonicalJSON: String
    /// The text of the twin model file the scenario names, when it names one.
    public let twinModel: String?
    /// The backtest's settings, as the workflow wrote them (JSON).
    public let request: String
    /// Origins of the whole backtest, ≥ 1, and the shards they are split into (`ShardPlan`), 1…origins.
    public let origins: Int
    /// The shards the origins are split into, 1…origins.
    public let shards: Int
    /// The feed's last message id when planned: workers read the log up to it.
    public let eventsThrough: Int64
    /// Planned, running (an origin stored or a shard taken) or completed.
    public let status: RunStatus
    /// The backtest it made, once completed (`report ID --as backtest`).
    public let backtest: Int64?
}

extension RunStore {
    /// Stores the scenario and records a backtest planned in `shards` shards of `origins` origins, reading the feed's
    /// messages up to `eventsThrough`, in one transaction. Returns the plan's id.
    public func planBacktest(_ scenario: ScenarioToPlan, request: String, origins: Int, shards: Int, eventsThrough: Int64) throws
        -> Int64
    {
        try connection.transaction { () throws -> Int64 in
            let stored = try insertScenario(name: scenario.name, canonicalJSON: scenario.canonicalJSON, sourcePath: scenario.sourcePath)
            return try connection.query("""
                INSERT INTO hospital_twin.backtest_plans (scenario_id, twin_model, request, origins, shards, events_through,
                    status, run_by, host)
                VALUES (\(stored.id), \(scenario.twinModel), \(request)::jsonb, \(origins), \(shards), \(eventsThrough), 'planned',
                    \(Self.currentUser), \(Self.currentHost))
                RETURNING id
                """).single("a planned backtest").int64("id")
        }
    }

    /// The backtest plan with id `id`, or nil when there is none (the id may be a run's).
    public func plannedBacktest(_ id: Int64) throws -> PlannedBacktest? {
        guard let row = try connection.query("""
            SELECT p.id, p.twin_model, p.request::text AS request, p.origins, p.shards, p.events_through, p.status,
                   p.backtest_id, s.id AS scenario_id, s.name, s.version, s.content_hash, s.canonical_json
            FROM hospital_twin.backtest_plans p JOIN hospital_twin.scenarios s ON s.id = p.scenario_id
            WHERE p.id = \(id)
            """).typedRows.first else { return nil }
        return PlannedBacktest(
            id: try row.int64("id"),
            scenario: StoredScenario(id: try row.int64("scenario_id"), name: try row.text("name"), version: try row.int("version"),
                                     contentHash: try row.text("content_hash"), isNew: false),
            canonicalJSON: try row.text("canonical_json"), twinModel: try row.optionalText("twin_model"),
            request: try row.text("request"), origins: try row.int("origins"), shards: try row.int("shards"),
            eventsThrough: try row.int64("events_through"), status: try row.raw("status", as: RunStatus.self),
            backtest: try row.optional("backtest_id", expected: "a backtest id", { Int64($0) }))
    }

    /// The origins of plan `plan` already stored, among `range`.
    public func storedOrigins(of plan: Int64, in range: Range<Int>) throws -> Set<Int> {
        Set(try connection.query("""
            SELECT origin FROM hospital_twin.backtest_origins
            WHERE plan_id = \(plan) AND origin >= \(range.lowerBound) AND origin < \(range.upperBound)
            """).typedRows.map { try $0.int("origin") })
    }

    /// Stores one origin's scores (`document`, JSON) with who made them and how long it took, in one statement. An
    /// origin already stored (by a rerun or a racing worker) is left as it is: the answer is false.
    public func storeOrigin(plan: Int64, index: Int, document: String, worker: String, seconds: Double) throws -> Bool {
        try connection.execute("""
            INSERT INTO hospital_twin.backtest_origins (plan_id, origin, document, worker, seconds)
            VALUES (\(plan), \(index), \(document), \(worker), \(seconds))
            ON CONFLICT (plan_id, origin) DO NOTHING
            """) == 1
    }

    /// Completes a backtest plan whose every origin is stored: hands the origins' documents, in origin order, to
    /// `assemble` (which returns the backtest's document), stores the backtest with the plan's scenario and marks the
    /// plan completed — one transaction, under the plan's lock, so two workers finishing at once complete it once.
    /// Returns the backtest's id, or nil, changing nothing, when an origin is missing or the plan is already completed.
    public func completeBacktest(plan id: Int64, assemble: ([String]) throws -> Data) throws -> Int64? {
        try connection.transaction { () throws -> Int64? in
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockClass), \(Self.lockObject(id)))")
            guard let plan = try plannedBacktest(id), plan.status != .completed else { return nil }
            let documents = try connection.query("""
                SELECT document FROM hospital_twin.backtest_origins WHERE plan_id = \(id) ORDER BY origin
                """).typedRows.map { try $0.text("document") }
            guard documents.count == plan.origins else { return nil }
            let backtest = try storeBacktest(scenario: plan.scenario, origins: plan.origins, document: try assemble(documents))
            try connection.execute("""
                UPDATE hospital_twin.backtest_plans SET status = 'completed', backtest_id = \(backtest),
                    finished_at = clock_timestamp()
                WHERE id = \(id)
                """)
            return backtest
        }
    }

    /// How backtest plan `id` stands; nil when there is no such plan.
    public func backtestStatus(_ id: Int64) throws -> ShardedBacktestStatus? {
        guard let plan = try plannedBacktest(id) else { return nil }
        let progress = try shardProgress(.backtest(id), shards: plan.shards, total: plan.origins)
        return ShardedBacktestStatus(plan: id, scenario: plan.scenario.name, scenarioVersion: plan.scenario.version,
                                     status: plan.status, backtest: plan.backtest, origins: plan.origins, stored: progress.stored,
                                     shards: progress.shards, liveWorkers: progress.live,
                                     secondsPerOrigin: progress.secondsPerItem, secondsLeft: progress.secondsLeft)
    }
}
