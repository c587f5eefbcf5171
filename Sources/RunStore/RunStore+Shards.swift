#if canImport(Glibc)
import Finance
import Foundation
import Glibc
import HospitalModel
import RunRecords
import Store
#endif

/// A run planned to be worked in shards, as a worker reads it back: everything it needs to simulate, from the
/// database alone.
public struct PlannedRun: Sendable, Hashable {
    /// The run's id.
    public let id: Int64
    /// The scenario's name and its canonical JSON (the merged document, as stored).
    public let scenario: String
    /// The scenario's canonical JSON: the merged document, as stored.
    public let canonicalJSON: String
    /// The text of the twin model file the scenario names, when it names one (`twin_model: FILE`).
    public let twinModel: String?
    /// The master seed: replication r draws from it and r alone.
    public let seed: UInt64
    /// Replications of the whole run, ≥ 1.
    public let replications: Int
    /// Days simulated per replication, and the first of them discarded as warm-up.
    public let horizonDays: Int
    /// The first days of `horizonDays` discarded as warm-up.
    public let warmUpDays: Int
    /// How many shards the replications are split into (`ShardPlan`).
    public let shards: Int
    /// Planned, running (some replications stored), completed or failed.
    public let status: RunStatus
    /// For a forecast from a census: the census's JSON (`HospitalCensus`, as the planner prepared it); nil otherwise.
    public let census: String?
}

/// A census a planned forecast starts from, as `RunStore.plan` keeps it.
public struct CensusToPlan: Sendable, Hashable {
    /// Where it came from ("census.csv", "the live census at 2026-06-01 23:59"), for messages.
    public let source: String
    /// Its inpatients and recent discharges, counted.
    public let inpatients: Int
    /// Its recent discharges (the patients whose returns it forecasts), counted.
    public let recentDischarges: Int
    /// The `HospitalCensus` as JSON.
    public let document: String

    /// A census to keep: `inpatients` and `recentDischarges` count `document`'s, for listings.
    public init(source: String, inpatients: Int, recentDischarges: Int, document: String) {
        self.source = source
        self.inpatients = inpatients
        self.recentDischarges = recentDischarges
        self.document = document
    }
}

/// What a shard belongs to: a run planned in shards, or a backtest planned in shards (their ids are drawn from one
/// sequence, so an id names one or the other).
public enum ShardSubject: Sendable, Hashable {
    /// A run planned in shards (or the first run of a comparison's plan), by id.
    case run(Int64)
    /// A backtest planned in shards, by its plan's id.
    case backtest(Int64)

    /// The run's or the backtest plan's id.
    public var id: Int64 {
        switch self {
        case .run(let id), .backtest(let id): id
        }
    }

    /// The column of `shard_attempts` that names it, and its own table.
    var attemptColumn: String { if case .run = self { "run_id" } else { "backtest_plan_id" } }
    var table: String { if case .run = self { "hospital_twin.runs" } else { "hospital_twin.backtest_plans" } }
    /// The table of its stored items (replications or origins), that table's subject column and item column.
    var items: (table: String, subject: String, item: String) {
        if case .run = self { ("hospital_twin.replication_kpis", "run_id", "replication") }
        else { ("hospital_twin.backtest_origins", "plan_id", "origin") }
    }
}

/// An id that names no plan: no run, a run done in one process, or a run planned with another (the caller's
/// mistake, not the database's).
public struct NotAPlan: Error, Sendable, CustomStringConvertible {
    /// What the id named instead, for the user.
    public let description: String

    init(_ description: String) { self.description = description }
}

extension RunStore {
    // MARK: Planning

    /// A scenario to plan: its name, canonical JSON, the file it was read from, the text of its twin model file,
    /// and the census its run starts from (a forecast's).
    public struct ScenarioToPlan: Sendable {
        /// The scenario's `name:`.
        public let name: String
        /// Its canonical JSON (the merged document).
        public let canonicalJSON: String
        /// The file it was read from, as given, if any.
        public let sourcePath: String?
        /// The text of the twin model file it names, if it names one.
        public let twinModel: String?
        /// The census a forecast starts from; nil for a run.
        public let census: CensusToPlan?

        /// A value from its parts.
        public init(name: String, canonicalJSON: String, sourcePath: String?, twinModel: String?, census: CensusToPlan? = nil) {
            self.name = name
            self.canonicalJSON = canonicalJSON
            self.sourcePath = sourcePath
            self.twinModel = twinModel
            self.census = census
        }
    }

    /// Stores the scenarios and records one planned run of each (status planned) with the same seed, replications
    /// and days in `shards` shards, all in one transaction: the first is the plan's handle, the others are planned
    /// with it (a comparison's variants). Returns the runs' ids, in the scenarios' order, and the stored scenarios.
    public func plan(_ scenarios: [ScenarioToPlan], seed: UInt64, replications: Int, horizonDays: Int, warmUpDays: Int,
                     shards: Int) throws -> [(run: Int64, scenario: StoredScenario)]
    {
        try connection.transaction { () throws -> [(run: Int64, scenario: StoredScenario)] in
            var planned: [(run: Int64, scenario: StoredScenario)] = []
            for item in scenarios {
                let stored = try insertScenario(name: item.name, canonicalJSON: item.canonicalJSON, sourcePath: item.sourcePath)
                let id = try planRun(scenario: stored, seed: seed, replications: replications, horizonDays: horizonDays,
                                     warmUpDays: warmUpDays, shards: shards, plannedWith: planned.first?.run,
                                     twinModel: item.twinModel)
                if let census = item.census {
                    try connection.execute("""
                        INSERT INTO hospital_twin.run_censuses (run_id, source, inpatients, recent_discharges, document)
                        VALUES (\(id), \(census.source), \(census.inpatients), \(census.recentDischarges), \(census.document))
                        """)
                }
                planned.append((id, stored))
            }
            return planned
        }
    }

    func planRun(scenario: StoredScenario, seed: UInt64, replications: Int, horizonDays: Int, warmUpDays: Int,
                 shards: Int, plannedWith: Int64?, twinModel: String?) throws -> Int64
    {
        let id = try connection.query("""
            INSERT INTO hospital_twin.runs (scenario_id, seed, replications, horizon_days, warm_up_days, engine_version,
                kpi_schema_version, status, started_at, run_by, host, shards, planned_with, twin_model)
            VALUES (\(scenario.id), \(seed), \(replications), \(horizonDays), \(warmUpDays),
                \(HospitalSimulation.engineVersion), \(HospitalKPIs.currentSchemaVersion), 'planned', clock_timestamp(),
                \(Self.currentUser), \(Self.currentHost), \(shards), \(plannedWith), \(twinModel))
            RETURNING id
            """).single("a planned run").int64("id")
        // The plan's first run is planned with itself, so that one query finds every run of a plan.
        try connection.execute("UPDATE hospital_twin.runs SET planned_with = \(plannedWith ?? id) WHERE id = \(id)")
        return id
    }

    /// The runs of the plan `id` names (the run itself, then those planned with it, in id order). Throws when `id`
    /// is no run, or a run done in one process, or one planned with another (name the plan's first run).
    public func plannedRuns(_ id: Int64) throws -> [PlannedRun] {
        guard let first = try connection.query("""
            SELECT shards, planned_with FROM hospital_twin.runs WHERE id = \(id)
            """).typedRows.first else { throw NotAPlan("no run with id \(id)") }
        guard try first.optionalText("shards") != nil else {
            throw NotAPlan("run \(id) was run in one process, not planned in shards (hospital-twin runs plan makes one)")
        }
        if let with = try first.optionalText("planned_with"), with != String(id) {
            throw NotAPlan("run \(id) is part of the plan of run \(with): give \(with), whose workers do every run of it")
        }
        let rows = try connection.query("""
            SELECT r.id, s.name, s.canonical_json, r.twin_model, r.seed, r.replications, r.horizon_days, r.warm_up_days,
                   r.shards, r.status, c.document AS census
            FROM hospital_twin.runs r JOIN hospital_twin.scenarios s ON s.id = r.scenario_id
                LEFT JOIN hospital_twin.run_censuses c ON c.run_id = r.id
            WHERE r.planned_with = \(id) ORDER BY r.id
            """).typedRows
        return try rows.map { row in
            PlannedRun(id: try row.int64("id"), scenario: try row.text("name"), canonicalJSON: try row.text("canonical_json"),
                       twinModel: try row.optionalText("twin_model"), seed: try row.uint64("seed"),
                       replications: try row.int("replications"), horizonDays: try row.int("horizon_days"),
                       warmUpDays: try row.int("warm_up_days"), shards: try row.int("shards"),
                       status: try row.raw("status", as: RunStatus.self), census: try row.optionalText("census"))
        }
    }

    // MARK: Working

    /// The replications of `run` already stored, among `range`.
    public func storedReplications(of run: Int64, in range: Range<Int>) throws -> Set<Int> {
        Set(try connection.query("""
            SELECT replication FROM hospital_twin.replication_kpis
            WHERE run_id = \(run) AND replication >= \(range.lowerBound) AND replication < \(range.upperBound)
            """).typedRows.map { try $0.int("replication") })
    }

    /// Records that `worker` takes shard `shard` of `subject` and holds the shard's lock shared (two workers may race
    /// on one shard; `runs status` sees a shard as worked while anyone holds it). Marks the run (or backtest plan)
    /// running. Returns the attempt's id.
    public func beginShard(_ subject: ShardSubject, shard: Int, worker: String) throws -> Int64 {
        try connection.query("SELECT pg_advisory_lock_shared(\(Self.shardLock(run: subject.id, shard: shard)))")
        return try connection.transaction { () throws -> Int64 in
            try connection.execute("UPDATE \(raw: subject.table) SET status = 'running' WHERE id = \(subject.id) AND status = 'planned'")
            return try connection.query("""
                INSERT INTO hospital_twin.shard_attempts (\(raw: subject.attemptColumn), shard, worker, outcome)
                VALUES (\(subject.id), \(shard), \(worker), 'working') RETURNING id
                """).single("a shard attempt").int64("id")
        }
    }

    /// Takes the shard's shared lock again (after a reconnection: the old connection's locks went with it).
    public func holdShard(_ subject: ShardSubject, shard: Int) throws {
        try connection.query("SELECT pg_advisory_lock_shared(\(Self.shardLock(run: subject.id, shard: shard)))")
    }

    /// Records how a shard attempt ended (`failure` nil: finished) and lets the shard's lock go.
    public func endShard(attempt: Int64, _ subject: ShardSubject, shard: Int, failure: String?) throws {
        try connection.execute("""
            UPDATE hospital_twin.shard_attempts
            SET ended_at = clock_timestamp(), outcome = \(failure == nil ? "finished" : "failed"), failure = \(failure)
            WHERE id = \(attempt)
            """)
        try connection.query("SELECT pg_advisory_unlock_shared(\(Self.shardLock(run: subject.id, shard: shard)))")
    }

    /// Claims replication `replication` of `run` for this connection while it is simulated: false when another
    /// live worker has claimed it (the claim ends with the claimer's connection, so a killed worker's claims free
    /// themselves).
    public func claim(run: Int64, replication: Int) throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock(\(Self.replicationLock(run: run, replication: replication))) AS claimed")
            .single("a claim").bool("claimed")
    }

    /// Lets a claim go.
    public func release(run: Int64, replication: Int) throws {
        try connection.query("SELECT pg_advisory_unlock(\(Self.replicationLock(run: run, replication: replication)))")
    }

    /// Stores one replication of a sharded run — its KPIs and metrics, with who simulated it and how long it took —
    /// in its own transaction. A replication already stored (by a rerun or a racing worker) is left as it is: the
    /// answer is false, and nothing else changes.
    public func storeReplication(run: Int64, index: Int, kpis: HospitalKPIs, worker: String, seconds: Double) throws -> Bool {
        let (json, metrics) = try Self.encoded(kpis)
        return try connection.transaction { () throws -> Bool in
            let inserted = try connection.execute("""
                INSERT INTO hospital_twin.replication_kpis (run_id, replication, kpis, worker, seconds)
                VALUES (\(run), \(index), \(json)::json, \(worker), \(seconds))
                ON CONFLICT (run_id, replication) DO NOTHING
                """)
            guard inserted == 1 else { return false }
            try connection.execute("""
                INSERT INTO hospital_twin.replication_metrics (run_id, replication, metrics)
                VALUES (\(run), \(index), \(metrics)::jsonb)
                """)
            return true
        }
    }

    /// Completes a sharded run whose every replication is stored: reads them back, summarises them as a run done in
    /// one process would, prices them with `costs`, writes the summary, the daily census and the cost lines, and
    /// marks it completed — one transaction, under the run's lock, so two workers finishing at once complete it
    /// once. Returns false, changing nothing, when a replication is missing or the run is already completed.
    public func completeSharded(run id: Int64, costs model: CostModel) throws -> Bool {
        try connection.transaction { () throws -> Bool in
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockClass), \(Self.lockObject(id)))")
            let row = try connection.query("""
                SELECT status, replications, (SELECT count(*) FROM hospital_twin.replication_kpis WHERE run_id = \(id)) AS stored
                FROM hospital_twin.runs WHERE id = \(id)
                """).single("run \(id)")
            let status = try row.raw("status", as: RunStatus.self)
            guard status == .planned || status == .running, try row.int("stored") == (try row.int("replications")) else {
                return false
            }
            try connection.execute("UPDATE hospital_twin.runs SET status = 'completed' WHERE id = \(id)")
            let result = try self.result(of: id)
            try writeSummary(run: id, result: result)
            try writeCosts(run: id, costs: RunCosts(pricing: result.replications, with: model))
            try connection.execute("UPDATE hospital_twin.runs SET finished_at = clock_timestamp() WHERE id = \(id)")
            return true
        }
    }

    // MARK: Status

    /// How sharded run `id` stands: each shard's replications stored, whether a live worker holds it, its attempts
    /// and last failure; the pace and the time left.
    public func shardedStatus(_ id: Int64) throws -> ShardedRunStatus {
        let record = try record(id)
        let plan = try plannedRuns(id).first { $0.id == id }!
        let progress = try shardProgress(.run(id), shards: plan.shards, total: plan.replications)
        return ShardedRunStatus(run: record, shards: progress.shards, stored: progress.stored, liveWorkers: progress.live,
                                secondsPerReplication: progress.secondsPerItem, secondsLeft: progress.secondsLeft)
    }

    /// The shards of `subject`, `total` items (replications or origins) in `shards`: each one's items stored, whether a
    /// live worker holds it, its attempts and last failure; the items stored, the live workers, the mean seconds per
    /// item and the time left at the pace of the last ten minutes.
    func shardProgress(_ subject: ShardSubject, shards count: Int, total: Int) throws
        -> (shards: [ShardedRunStatus.Shard], stored: Int, live: Int, secondsPerItem: Double?, secondsLeft: Double?)
    {
        let id = subject.id, items = subject.items
        let stored = try connection.query("""
            SELECT \(raw: items.item) AS item FROM \(raw: items.table) WHERE \(raw: items.subject) = \(id)
            """).typedRows.map { try $0.int("item") }
        var storedByShard = [Int](repeating: 0, count: count)
        for item in stored {
            storedByShard[ShardPlan.shard(of: item, shards: count, total: total)] += 1
        }
        let attempts = try connection.query("""
            SELECT shard, count(*) AS attempts,
                   (array_agg(failure ORDER BY id DESC) FILTER (WHERE outcome = 'failed'))[1] AS failure,
                   bool_or(outcome = 'failed' AND id = (SELECT max(id) FROM hospital_twin.shard_attempts b
                                                       WHERE b.\(raw: subject.attemptColumn) = a.\(raw: subject.attemptColumn)
                                                         AND b.shard = a.shard)) AS last_failed
            FROM hospital_twin.shard_attempts a WHERE \(raw: subject.attemptColumn) = \(id)
            GROUP BY shard, \(raw: subject.attemptColumn)
            """).typedRows
        var byShard: [Int: (attempts: Int, failure: String?, lastFailed: Bool)] = [:]
        for row in attempts {
            byShard[try row.int("shard")] = (try row.int("attempts"), try row.optionalText("failure"), try row.bool("last_failed"))
        }
        var live = 0
        let shards = try (0..<count).map { index -> ShardedRunStatus.Shard in
            let range = ShardPlan.replications(ofShard: index, of: count, total: total)
            let working = try isHeld(Self.shardLock(run: id, shard: index))
            if working { live += 1 }
            let attempt = byShard[index]
            let state: ShardedRunStatus.ShardState = storedByShard[index] == range.count ? .done
                : working ? .working : attempt?.lastFailed == true ? .failed : .missing
            return .init(index: index, first: range.lowerBound, end: range.upperBound, stored: storedByShard[index],
                         state: state, attempts: attempt?.attempts ?? 0, failure: attempt?.failure)
        }
        let pace = try connection.query("""
            SELECT avg(seconds) AS per_item,
                   count(*) FILTER (WHERE stored_at > clock_timestamp() - interval '10 minutes') AS recent,
                   extract(epoch FROM clock_timestamp() - greatest(min(stored_at) FILTER (WHERE stored_at > clock_timestamp() - interval '10 minutes'),
                                                                  (SELECT min(started_at) FROM hospital_twin.shard_attempts
                                                                   WHERE \(raw: subject.attemptColumn) = \(id)))) AS span
            FROM \(raw: items.table) WHERE \(raw: items.subject) = \(id)
            """).single("a shard plan's pace")
        let remaining = total - stored.count
        let recent = try pace.int("recent")
        let span = try pace.optional("span", expected: "seconds", { Double($0) })
        let left: Double? = remaining > 0 && recent > 0 && live > 0 ? span.map { $0 / Double(recent) * Double(remaining) } : nil
        return (shards, stored.count, live, try pace.optional("per_item", expected: "seconds", { Double($0) }), left)
    }

    /// True when some connection holds the advisory lock `key` (shared or not).
    func isHeld(_ key: Int64) throws -> Bool {
        let free = try connection.query("SELECT pg_try_advisory_lock(\(key)) AS free").single("a lock").bool("free")
        if free { try connection.query("SELECT pg_advisory_unlock(\(key))") }
        return !free
    }

    // MARK: Locks

    /// A shard's lock: one 64-bit advisory key, class 'HS' in the top 16 bits, the run's id in the next 24 (wrapping:
    /// a collision only makes a status look busy), the shard in the low 24.
    static func shardLock(run: Int64, shard: Int) -> Int64 { lockKey(0x4853, run, shard) }

    /// A replication's claim: class 'HR', the run, the replication.
    static func replicationLock(run: Int64, replication: Int) -> Int64 { lockKey(0x4852, run, replication) }

    static func lockKey(_ kind: Int64, _ run: Int64, _ item: Int) -> Int64 {
        (kind << 48) | ((run & 0xFF_FFFF) << 24) | (Int64(item) & 0xFF_FFFF)
    }
}
