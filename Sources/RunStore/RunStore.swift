@_exported import RunRecords
#if canImport(Glibc)
import Finance
import Foundation
import Glibc
import HospitalModel
import RunRecords
import Simulation
import Store
#endif

/// hospital-twin's records in PostgreSQL: scenarios (content-addressed, versioned by name), runs, their KPIs per
/// replication and summarised, the daily census per unit across replications, and fitted twin models. Every write
/// of many rows is one transaction through COPY; everything else binds its values. A run's results are written
/// in one transaction, so a run is stored whole or not at all; while a run is being simulated its process holds
/// a session advisory lock on it, so a run whose process died is recognised (and marked failed) by whoever looks.
///
/// One `RunStore` uses one connection, from one thread at a time (libpq's calls block: a server must call them
/// from a thread pool, never from an event loop).
public final class RunStore {
    /// The connection.
    public let connection: DatabaseConnection
    /// Runs this store began and has not finished: their locks are held by this connection.
    private var held: Set<Int64> = []

    /// The metrics `RunRecord.headline` carries (`MetricKey.listing`).
    public static var headlineKeys: [MetricKey] { MetricKey.listing.map(\.key) }

    /// Opens the store on `connection`, bringing its schema up to date first (`RunStoreSchema`) unless `migrating`
    /// is false (a server, which migrated once before listening: a migration check takes a lock every caller waits
    /// for).
    public init(connection: DatabaseConnection, migrating: Bool = true) throws {
        self.connection = connection
        try connection.execute("SET TimeZone TO 'UTC'")
        try connection.execute("SET application_name TO 'hospital-twin'")
        if migrating { try connection.migrate(schema: RunStoreSchema.name, RunStoreSchema.migrations) }
    }

    /// Who is storing: the user name of this process.
    public static var currentUser: String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    /// This machine's name.
    public static var currentHost: String { ProcessInfo.processInfo.hostName }

    // MARK: Scenarios

    /// Stores a scenario by its canonical JSON: the same content again returns the existing row; new content
    /// under a known name gets the next version. Safe under concurrent commands (an advisory lock per name).
    /// `storedBy`: who stores it (the operating-system user for a command, the signed-in user for an upload).
    public func storeScenario(name: String, canonicalJSON: String, sourcePath: String?,
                              storedBy: String = RunStore.currentUser) throws -> StoredScenario
    {
        try connection.transaction {
            try insertScenario(name: name, canonicalJSON: canonicalJSON, sourcePath: sourcePath, storedBy: storedBy)
        }
    }

    func insertScenario(name: String, canonicalJSON: String, sourcePath: String?,
                        storedBy: String = RunStore.currentUser) throws -> StoredScenario
    {
        try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\("hospital_twin.scenario:" + name)))")
        let hash = try connection.query("SELECT encode(sha256(convert_to(\(canonicalJSON), 'UTF8')), 'hex') AS hash")
            .single("a scenario's hash").text("hash")
        if let row = try connection.query("""
            SELECT id, name, version FROM hospital_twin.scenarios WHERE content_hash = \(hash)
            """).typedRows.first {
            return StoredScenario(id: try row.int64("id"), name: try row.text("name"), version: try row.int("version"),
                                  contentHash: hash, isNew: false)
        }
        let row = try connection.query("""
            INSERT INTO hospital_twin.scenarios (name, version, content_hash, document, canonical_json, source_path, stored_by)
            SELECT \(name), coalesce(max(version), 0) + 1, \(hash), \(canonicalJSON)::jsonb, \(canonicalJSON), \(sourcePath),
                   \(storedBy)
            FROM hospital_twin.scenarios WHERE name = \(name)
            RETURNING id, version
            """).single("a stored scenario")
        return StoredScenario(id: try row.int64("id"), name: name, version: try row.int("version"), contentHash: hash, isNew: true)
    }

    // MARK: Runs

    /// Records a run about to be simulated (status running, committed at once so others see it) and takes its
    /// lock for as long as this connection lives or until `complete`/`fail`. Returns its id.
    public func beginRun(scenario: StoredScenario, seed: UInt64, replications: Int, horizonDays: Int, warmUpDays: Int,
                         startedAt: Date = Date()) throws -> Int64
    {
        let id = try connection.transaction { () throws -> Int64 in
            let row = try connection.query("""
                INSERT INTO hospital_twin.runs (scenario_id, seed, replications, horizon_days, warm_up_days, engine_version,
                    kpi_schema_version, status, started_at, run_by, host)
                VALUES (\(scenario.id), \(seed), \(replications), \(horizonDays), \(warmUpDays),
                    \(HospitalSimulation.engineVersion), \(HospitalKPIs.currentSchemaVersion), 'running', \(startedAt),
                    \(Self.currentUser), \(Self.currentHost))
                RETURNING id
                """).single("a new run")
            return try row.int64("id")
        }
        try connection.query("SELECT pg_advisory_lock(\(Self.lockClass), \(Self.lockObject(id)))")
        held.insert(id)
        return id
    }

    /// Writes a run's results — every replication's KPIs, their metrics, the summary, the daily census per unit
    /// — and marks it completed, all in one transaction: a kill or a lost connection part-way leaves none of it.
    public func complete(run id: Int64, result: HospitalExperimentResult, costs: RunCosts? = nil,
                         finishedAt: Date = Date()) throws
    {
        try connection.transaction {
            try writeResults(run: id, result: result)
            if let costs { try writeCosts(run: id, costs: costs) }
            Failpoint.pause(at: "before-commit", detail: "run \(id), backend pid \(connection.backendPID)")
            let updated = try connection.execute("""
                UPDATE hospital_twin.runs SET status = 'completed', finished_at = \(finishedAt)
                WHERE id = \(id) AND status = 'running'
                """)
            if updated != 1 { throw RunStoreError("run \(id) is no longer running: it was marked failed meanwhile") }
        }
        try release(id)
    }

    /// Marks a run failed, with why.
    public func fail(run id: Int64, reason: String) throws {
        try connection.execute("""
            UPDATE hospital_twin.runs SET status = 'failed', failure = \(reason), finished_at = now()
            WHERE id = \(id) AND status = 'running'
            """)
        try release(id)
    }

    func release(_ id: Int64) throws {
        guard held.remove(id) != nil else { return }
        try connection.query("SELECT pg_advisory_unlock(\(Self.lockClass), \(Self.lockObject(id)))")
    }

    /// The rows of a run's results, through COPY. The replications' JSON is made on every core.
    func writeResults(run id: Int64, result: HospitalExperimentResult) throws {
        let run = String(id)
        let encoded = Parallel.map(count: result.replications.count) { index in
            Result { try Self.encoded(result.replications[index]) }
        }
        var kpiRows: [[String?]] = []
        var metricRows: [[String?]] = []
        for (index, value) in encoded.enumerated() {
            let (kpis, metrics) = try value.get()
            kpiRows.append([run, String(index), kpis])
            metricRows.append([run, String(index), metrics])
        }
        try connection.copy(into: "hospital_twin.replication_kpis", columns: ["run_id", "replication", "kpis"], rows: kpiRows)
        try connection.copy(into: "hospital_twin.replication_metrics", columns: ["run_id", "replication", "metrics"],
                            rows: metricRows)
        try writeSummary(run: id, result: result)
    }

    /// A replication's rows: its KPIs (JSON, sorted keys) and its finite scalar metrics by key (a JSON object).
    static func encoded(_ kpis: HospitalKPIs) throws -> (kpis: String, metrics: String) {
        let encoder = ResultJSON.encoder()
        encoder.outputFormatting = [.sortedKeys]
        let metrics = Dictionary(kpis.metrics.filter(\.value.isFinite).map { ($0.key.rawValue, $0.value) }) { first, _ in first }
        return (String(decoding: try encoder.encode(kpis), as: UTF8.self),
                String(decoding: try encoder.encode(metrics), as: UTF8.self))
    }

    /// A run's summary rows (every metric's mean and interval) and its daily census per unit, through COPY.
    func writeSummary(run id: Int64, result: HospitalExperimentResult) throws {
        let run = String(id)
        try connection.copy(into: "hospital_twin.metrics",
                            columns: ["run_id", "key", "label", "unit", "direction", "replications", "mean",
                                      "standard_deviation", "half_width"],
                            rows: result.summary.filter { $0.mean.isFinite }.map { summary in
                                [run, summary.key.rawValue, summary.label, summary.unit, summary.direction.rawValue,
                                 String(summary.replications), summary.mean.sqlText,
                                 (summary.standardDeviation.isFinite ? summary.standardDeviation : 0).sqlText,
                                 (summary.halfWidth.isFinite ? summary.halfWidth : 0).sqlText]
                            })
        try connection.copy(into: "hospital_twin.unit_days",
                            columns: ["run_id", "unit", "day", "replications", "beds", "mean", "p05", "p50", "p95",
                                      "minimum", "maximum"],
                            rows: result.dailyCensus.map { day in
                                [run, day.unit, day.date, String(day.replications), String(day.beds), day.mean.sqlText,
                                 day.p05.sqlText, day.p50.sqlText, day.p95.sqlText, day.minimum.sqlText,
                                 day.maximum.sqlText]
                            })
    }

    /// A run's cost model (on the run row) and its cost lines, one row per centre, category and month with the
    /// amount of every replication, through COPY.
    func writeCosts(run id: Int64, costs: RunCosts) throws {
        guard let first = costs.replications.first else { return }
        guard costs.replications.allSatisfy({ $0.count == first.count }) else {
            throw RunStoreError("run \(id): replications priced with different cost lines")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let model = String(decoding: try encoder.encode(costs.model), as: UTF8.self)
        try connection.execute("UPDATE hospital_twin.runs SET cost_model = \(model)::jsonb WHERE id = \(id)")
        let run = String(id)
        let rows = first.indices.map { index -> [String?] in
            let line = first[index]
            let amounts = costs.replications.map { $0[index].amount }
            let summary = ReplicationSummary(amounts)
            let half = summary.reportedHalfWidth()
            return [run, line.centre.name, line.category.rawValue, line.category.kind.rawValue, line.month, costs.model.currency,
                    String(index), "{" + amounts.map(\.sqlText).joined(separator: ",") + "}", summary.mean.sqlText,
                    half.sqlText]
        }
        try connection.copy(into: "hospital_twin.cost_lines",
                            columns: ["run_id", "cost_centre", "category", "kind", "month", "currency", "position", "amounts",
                                      "mean", "half_width"],
                            rows: rows)
    }

    /// A run's costs as stored: its cost model and every replication's lines; nil for a run stored without them.
    public func costs(of id: Int64) throws -> RunCosts? {
        let record = try record(id)
        guard let modelText = try connection.query("SELECT cost_model::text AS cost_model FROM hospital_twin.runs WHERE id = \(id)")
            .single("run \(id)").optionalText("cost_model")
        else { return nil }
        let model: CostModel
        do { model = try JSONDecoder().decode(CostModel.self, from: Data(modelText.utf8)) } catch {
            throw RunStoreError("run \(id): its stored cost model cannot be read: \(error)")
        }
        let rows = try connection.query("""
            SELECT cost_centre, category, month, amounts::text AS amounts FROM hospital_twin.cost_lines
            WHERE run_id = \(id) ORDER BY position
            """).typedRows
        var replications = [[CostLine]](repeating: [], count: record.replications)
        for row in rows {
            let category = try row.raw("category", as: CostCategory.self)
            let centre = CostCentre(name: try row.text("cost_centre")), month = try row.text("month")
            let amounts = try row.value("amounts", expected: "an array of \(record.replications) numbers") { text -> [Double]? in
                let items = text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",")
                let numbers = items.compactMap { Double($0) }
                return numbers.count == items.count && numbers.count == record.replications ? numbers : nil
            }
            for (index, amount) in amounts.enumerated() {
                replications[index].append(CostLine(centre: centre, category: category, month: month, amount: amount))
            }
        }
        return RunCosts(model: model, replications: replications)
    }

    /// Stores an archived run (exported, or left behind when the database was away) as a completed run, in one
    /// transaction; its scenario is stored as any other (the same content is found again).
    public func importArchive(_ archive: RunArchive, from file: String) throws -> RunRecord {
        let id = try connection.transaction { () throws -> Int64 in
            let scenario = try insertScenario(name: archive.scenario.name, canonicalJSON: archive.scenario.canonicalDocument,
                                              sourcePath: archive.scenario.sourcePath)
            let run = archive.run
            // The same run again (imported before, or exported from here): the same scenario content, seed, days,
            // replications, times to the microsecond, user and host.
            if let existing = try connection.query("""
                SELECT id FROM hospital_twin.runs
                WHERE scenario_id = \(scenario.id) AND seed = \(run.seed) AND replications = \(run.replications)
                  AND horizon_days = \(run.horizonDays) AND warm_up_days = \(run.warmUpDays)
                  AND started_at = \(run.startedAt) AND finished_at = \(run.finishedAt) AND run_by = \(run.runBy)
                  AND host = \(run.host) AND status = 'completed'
                LIMIT 1
                """).typedRows.first {
                throw RunStoreError("\(file): this run is already stored, as run \(try existing.int64("id")); nothing was stored")
            }
            let row = try connection.query("""
                INSERT INTO hospital_twin.runs (scenario_id, seed, replications, horizon_days, warm_up_days, engine_version,
                    kpi_schema_version, status, started_at, finished_at, run_by, host, imported_from)
                VALUES (\(scenario.id), \(run.seed), \(run.replications), \(run.horizonDays), \(run.warmUpDays),
                    \(run.engineVersion), \(archive.result.schemaVersion), 'completed', \(run.startedAt), \(run.finishedAt),
                    \(run.runBy), \(run.host), \(file))
                RETURNING id
                """).single("an imported run")
            let id = try row.int64("id")
            try writeResults(run: id, result: archive.result)
            if let costs = archive.costs { try writeCosts(run: id, costs: costs) }
            return id
        }
        return try record(id)
    }

    // MARK: Reading

    /// Runs, newest first, optionally of one scenario name; runs left running by a process that has ended are
    /// marked failed first.
    public func runs(scenario: String? = nil) throws -> [RunRecord] {
        try reconcileAbandonedRuns()
        let ids = try connection.query("""
            SELECT r.id FROM hospital_twin.runs r JOIN hospital_twin.scenarios s ON s.id = r.scenario_id
            WHERE \(scenario)::text IS NULL OR s.name = \(scenario)::text
            ORDER BY r.id DESC
            """).typedRows.map { try $0.int64("id") }
        return try records(ids)
    }

    /// A page of runs, newest first: at most `limit` of those with an id below `before` (nil: from the newest),
    /// optionally of one scenario name. Runs left running by a process that has ended are marked failed first.
    public func runs(scenario: String? = nil, before: Int64?, limit: Int) throws -> [RunRecord] {
        try reconcileAbandonedRuns()
        let ids = try connection.query("""
            SELECT r.id FROM hospital_twin.runs r JOIN hospital_twin.scenarios s ON s.id = r.scenario_id
            WHERE (\(scenario)::text IS NULL OR s.name = \(scenario)::text) AND (\(before)::bigint IS NULL OR r.id < \(before)::bigint)
            ORDER BY r.id DESC LIMIT \(limit)
            """).typedRows.map { try $0.int64("id") }
        return try records(ids)
    }

    /// A page of stored scenarios, newest first: at most `limit` of those with an id below `before` (nil: from the
    /// newest).
    public func scenarios(before: Int64?, limit: Int) throws -> [ScenarioListing] {
        try connection.query("""
            SELECT id, name, version, content_hash, to_char(stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS stored_at,
                   stored_by
            FROM hospital_twin.scenarios WHERE \(before)::bigint IS NULL OR id < \(before)::bigint
            ORDER BY id DESC LIMIT \(limit)
            """).typedRows.map { row in
            ScenarioListing(id: try row.int64("id"), name: try row.text("name"), version: try row.int("version"),
                            contentHash: try row.text("content_hash"), storedAt: try row.text("stored_at"),
                            storedBy: try row.text("stored_by"))
        }
    }

    /// The versions of the scenario named `name`, newest first: at most `limit` of those with an id below `before`
    /// (nil: from the newest).
    public func scenarioVersions(named name: String, before: Int64? = nil, limit: Int = 200) throws -> [ScenarioListing] {
        try connection.query("""
            SELECT id, name, version, content_hash, to_char(stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS stored_at,
                   stored_by
            FROM hospital_twin.scenarios WHERE name = \(name) AND (\(before)::bigint IS NULL OR id < \(before)::bigint)
            ORDER BY id DESC LIMIT \(limit)
            """).typedRows.map(Self.listing)
    }

    /// The id of the newest version of the scenario named `name`, or nil when none is stored.
    public func latestScenario(named name: String) throws -> Int64? {
        try connection.query("SELECT max(id) AS id FROM hospital_twin.scenarios WHERE name = \(name)").single().optional("id", expected: "a whole number") { Int64($0) }
    }

    /// The newest completed forecast (a run that started from a census: `run_censuses`) of the scenario named
    /// `name`, or nil.
    public func latestForecast(scenario name: String) throws -> Int64? {
        try connection.query("""
            SELECT max(r.id) AS id FROM hospital_twin.runs r JOIN hospital_twin.scenarios s ON s.id = r.scenario_id
            JOIN hospital_twin.run_censuses c ON c.run_id = r.id
            WHERE s.name = \(name) AND r.status = 'completed'
            """).single().optional("id", expected: "a whole number") { Int64($0) }
    }

    /// The newest stored backtest of the scenario named `name`, or nil.
    public func latestBacktest(scenario name: String) throws -> Int64? {
        try connection.query("""
            SELECT max(b.id) AS id FROM hospital_twin.backtests b JOIN hospital_twin.scenarios s ON s.id = b.scenario_id
            WHERE s.name = \(name)
            """).single().optional("id", expected: "a whole number") { Int64($0) }
    }

    static func listing(_ row: ResultRow) throws -> ScenarioListing {
        ScenarioListing(id: try row.int64("id"), name: try row.text("name"), version: try row.int("version"),
                        contentHash: try row.text("content_hash"), storedAt: try row.text("stored_at"),
                        storedBy: try row.text("stored_by"))
    }

    /// A stored scenario's listing and its canonical JSON (the merged document), or nil when no scenario has `id`.
    public func scenario(_ id: Int64) throws -> (listing: ScenarioListing, canonicalJSON: String)? {
        guard let row = try connection.query("""
            SELECT id, name, version, content_hash, to_char(stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS stored_at,
                   stored_by, canonical_json
            FROM hospital_twin.scenarios WHERE id = \(id)
            """).typedRows.first else { return nil }
        return (ScenarioListing(id: try row.int64("id"), name: try row.text("name"), version: try row.int("version"),
                                contentHash: try row.text("content_hash"), storedAt: try row.text("stored_at"),
                                storedBy: try row.text("stored_by")),
                try row.text("canonical_json"))
    }

    /// Where the stored scenario `id` was read from when stored (an absolute path), if it was read from a file.
    public func scenarioSourcePath(_ id: Int64) throws -> String? {
        try connection.query("SELECT source_path FROM hospital_twin.scenarios WHERE id = \(id)").typedRows.first?.optionalText("source_path")
    }

    /// A completed run's summary as stored (`metrics`), by key: cheap to read, whatever the
    /// replications. Empty for a run not completed.
    public func summary(of id: Int64) throws -> [StoredMetric] {
        try connection.query("""
            SELECT key, label, unit, direction, replications, mean, standard_deviation, half_width
            FROM hospital_twin.metrics WHERE run_id = \(id) ORDER BY key
            """).typedRows.map { row in
            StoredMetric(key: try row.text("key"), label: try row.text("label"), unit: try row.text("unit"),
                         direction: try row.text("direction"), replications: try row.int("replications"), mean: try row.double("mean"),
                         standardDeviation: try row.double("standard_deviation"), halfWidth: try row.double("half_width"))
        }
    }

    /// True when a run has `id`.
    public func hasRun(_ id: Int64) throws -> Bool {
        try connection.query("SELECT count(*) AS n FROM hospital_twin.runs WHERE id = \(id)").single("a count").int("n") == 1
    }

    /// One run; throws when there is none with that id.
    public func record(_ id: Int64) throws -> RunRecord {
        try reconcileAbandonedRuns()
        guard let record = try records([id]).first else { throw RunStoreError("no run with id \(id)") }
        return record
    }

    func records(_ ids: [Int64]) throws -> [RunRecord] {
        guard !ids.isEmpty else { return [] }
        let list = "{" + ids.map(String.init).joined(separator: ",") + "}"
        let rows = try connection.query("""
            SELECT r.id, s.name, s.version, s.content_hash, r.seed, r.replications, r.horizon_days, r.warm_up_days,
                   r.engine_version, r.kpi_schema_version, r.status, r.failure, extract(epoch FROM r.started_at) AS started_at,
                   extract(epoch FROM r.finished_at) AS finished_at, r.run_by, r.host, r.imported_from
            FROM hospital_twin.runs r JOIN hospital_twin.scenarios s ON s.id = r.scenario_id
            WHERE r.id = ANY(\(list)::bigint[])
            """).typedRows
        let headlines = try connection.query("""
            SELECT run_id, key, mean FROM hospital_twin.metrics
            WHERE run_id = ANY(\(list)::bigint[]) AND key = ANY(\("{" + Self.headlineKeys.map { "\"\($0)\"" }.joined(separator: ",") + "}")::text[])
            """).typedRows
        var headline: [Int64: [String: Double]] = [:]
        for row in headlines {
            headline[try row.int64("run_id"), default: [:]][try row.text("key")] = try row.double("mean")
        }
        let byID = Dictionary(uniqueKeysWithValues: try rows.map { row -> (Int64, RunRecord) in
            let id = try row.int64("id")
            return (id, RunRecord(
                id: id, scenario: try row.text("name"), scenarioVersion: try row.int("version"),
                scenarioHash: try row.text("content_hash"), seed: try row.uint64("seed"),
                replications: try row.int("replications"), horizonDays: try row.int("horizon_days"),
                warmUpDays: try row.int("warm_up_days"), engineVersion: try row.text("engine_version"),
                kpiSchemaVersion: try row.int("kpi_schema_version"), status: try row.raw("status", as: RunStatus.self),
                failure: try row.optionalText("failure"),
                startedAt: Date(timeIntervalSince1970: try row.double("started_at")),
                finishedAt: try row.optional("finished_at", expected: "seconds since 1970", { Double($0) })
                    .map { Date(timeIntervalSince1970: $0) },
                runBy: try row.text("run_by"), host: try row.text("host"), importedFrom: try row.optionalText("imported_from"),
                headline: headline[id] ?? [:]))
        })
        return ids.compactMap { byID[$0] }
    }

    /// A completed run's result, read back from its replications' KPIs (the summary recomputed from them, as
    /// when it ran).
    public func result(of id: Int64) throws -> HospitalExperimentResult {
        let record = try record(id)
        guard record.status == .completed else {
            throw RunStoreError("run \(id) is \(record.status.rawValue)" + (record.failure.map { ": \($0)" } ?? "")
                + "; only a completed run has results")
        }
        guard record.kpiSchemaVersion == HospitalKPIs.currentSchemaVersion else {
            throw RunStoreError("run \(id) was stored with KPI schema version \(record.kpiSchemaVersion) (by \(record.engineVersion)); "
                + "this program reads version \(HospitalKPIs.currentSchemaVersion): run its scenario again to report on it")
        }
        let rows = try connection.query("""
            SELECT replication, kpis::text AS kpis FROM hospital_twin.replication_kpis WHERE run_id = \(id) ORDER BY replication
            """).typedRows
        let texts = try rows.map { row in (replication: try row.int("replication"), kpis: try row.text("kpis")) }
        // Decoded on every core: a thousand replications are some 85 MB of JSON.
        let replications = try Parallel.map(count: texts.count) { index -> Result<HospitalKPIs, RunStoreError> in
            do { return .success(try ResultJSON.decode(HospitalKPIs.self, from: Data(texts[index].kpis.utf8))) } catch {
                return .failure(RunStoreError("run \(id), replication \(texts[index].replication): its stored KPIs cannot be read: \(error)"))
            }
        }.map { try $0.get() }
        guard replications.count == record.replications else {
            throw RunStoreError("run \(id) says \(record.replications) replications but \(replications.count) are stored")
        }
        return HospitalExperimentResult(scenario: record.scenario, seed: record.seed, horizonDays: record.horizonDays,
                                        warmUpDays: record.warmUpDays, replications: replications)
    }

    /// A completed run as an archive, to export.
    public func archive(of id: Int64) throws -> RunArchive {
        let record = try record(id)
        let result = try result(of: id)
        let scenario = try connection.query("""
            SELECT s.canonical_json, s.source_path FROM hospital_twin.scenarios s
            JOIN hospital_twin.runs r ON r.scenario_id = s.id WHERE r.id = \(id)
            """).single("run \(id)'s scenario")
        return RunArchive(
            scenario: .init(name: record.scenario, sourcePath: try scenario.optionalText("source_path"),
                            canonicalDocument: try scenario.text("canonical_json")),
            run: .init(seed: record.seed, replications: record.replications, horizonDays: record.horizonDays,
                       warmUpDays: record.warmUpDays, engineVersion: record.engineVersion, startedAt: record.startedAt,
                       finishedAt: record.finishedAt ?? record.startedAt, runBy: record.runBy, host: record.host),
            result: result, costs: try costs(of: id))
    }

    /// Marks failed every run still 'running' whose lock nobody holds: its process ended before storing it.
    func reconcileAbandonedRuns() throws {
        // A sharded run has no one process: its workers come and go (runs status says which shards are worked).
        let running = try connection.query("SELECT id FROM hospital_twin.runs WHERE status = 'running' AND shards IS NULL").typedRows
            .map { try $0.int64("id") }
        for id in running where !held.contains(id) {
            let free = try connection.query("SELECT pg_try_advisory_lock(\(Self.lockClass), \(Self.lockObject(id))) AS free")
                .single("a lock").bool("free")
            guard free else { continue }
            try connection.execute("""
                UPDATE hospital_twin.runs SET status = 'failed', finished_at = now(),
                    failure = 'abandoned: the process running it ended before its results were stored'
                WHERE id = \(id) AND status = 'running'
                """)
            try connection.query("SELECT pg_advisory_unlock(\(Self.lockClass), \(Self.lockObject(id)))")
        }
    }

    // MARK: Backtests

    /// Stores a backtest's document (its JSON, from the caller's encoder) for `scenario`, in one statement; returns
    /// its id.
    public func storeBacktest(scenario: StoredScenario, origins: Int, document: Data) throws -> Int64 {
        let json = String(decoding: document, as: UTF8.self)
        return try connection.query("""
            INSERT INTO hospital_twin.backtests (scenario_id, engine_version, origins, document, run_by, host)
            VALUES (\(scenario.id), \(HospitalSimulation.engineVersion), \(origins), \(json)::jsonb, \(Self.currentUser),
                    \(Self.currentHost))
            RETURNING id
            """).single("a stored backtest").int64("id")
    }

    /// A page of stored backtests, newest first: at most `limit` of those with an id below `before` (nil: from the
    /// newest).
    public func backtests(before: Int64?, limit: Int) throws -> [BacktestListing] {
        try connection.query("""
            SELECT b.id, s.id AS scenario_id, s.name, s.version, b.origins,
                   to_char(b.stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS stored_at, b.run_by
            FROM hospital_twin.backtests b JOIN hospital_twin.scenarios s ON s.id = b.scenario_id
            WHERE \(before)::bigint IS NULL OR b.id < \(before)::bigint
            ORDER BY b.id DESC LIMIT \(limit)
            """).typedRows.map { row in
            BacktestListing(id: try row.int64("id"), scenarioId: try row.int64("scenario_id"), scenario: try row.text("name"),
                            scenarioVersion: try row.int("version"), origins: try row.int("origins"), storedAt: try row.text("stored_at"),
                            storedBy: try row.text("run_by"))
        }
    }

    /// A stored backtest's document (JSON), or nil when no backtest has `id`.
    public func backtestDocument(_ id: Int64) throws -> Data? {
        guard let row = try connection.query("SELECT document::text AS document FROM hospital_twin.backtests WHERE id = \(id)")
            .typedRows.first else { return nil }
        return Data(try row.text("document").utf8)
    }

    // MARK: Twin models

    /// Stores a fitted twin model (its JSON) and its fit report; the same model again returns the existing row.
    public func storeTwinModel(json: String, report: String?, source: String?, spells: Int?) throws -> (id: Int64, isNew: Bool) {
        try connection.transaction { () throws -> (id: Int64, isNew: Bool) in
            let hash = try connection.query("SELECT encode(sha256(convert_to(\(json), 'UTF8')), 'hex') AS hash")
                .single("a model's hash").text("hash")
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\("hospital_twin.model:" + hash)))")
            if let row = try connection.query("SELECT id FROM hospital_twin.twin_models WHERE content_hash = \(hash)").typedRows.first {
                return (try row.int64("id"), false)
            }
            let row = try connection.query("""
                INSERT INTO hospital_twin.twin_models (content_hash, model, report, source, spells, stored_by)
                VALUES (\(hash), \(json)::jsonb, \(report), \(source), \(spells), \(Self.currentUser))
                RETURNING id
                """).single("a stored model")
            return (try row.int64("id"), true)
        }
    }

    // MARK: Locks

    /// The advisory-lock class of runs ('HT').
    static let lockClass: Int = 0x4854

    /// A run's lock object (advisory locks take 32-bit keys).
    static func lockObject(_ id: Int64) -> Int { Int(Int32(truncatingIfNeeded: id)) }
}

/// Test hooks that stop the program at a named point, so a test can kill it or cut its connection there:
/// `HOSPITAL_TWIN_FAILPOINT=before-commit:30` pauses 30 seconds before a run's results are committed, after
/// saying so on standard error; `replication-stored:30` pauses a sharded run's worker after each replication it
/// stores. Inert unless the variable names the point.
public enum Failpoint {
    /// Pauses at `point` when `HOSPITAL_TWIN_FAILPOINT` names it, saying `detail` (what a test needs to act on).
    public static func pause(at point: String, detail: String) {
        guard let setting = ProcessInfo.processInfo.environment["HOSPITAL_TWIN_FAILPOINT"] else { return }
        let parts = setting.split(separator: ":", maxSplits: 1)
        guard parts.first.map(String.init) == point else { return }
        let seconds = parts.count > 1 ? Double(parts[1]) ?? 0 : 0
        FileHandle.standardError.write(Data("failpoint \(point) (\(detail)): pausing \(seconds) s\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }
}
