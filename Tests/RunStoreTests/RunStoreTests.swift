import Finance
import Foundation
import HospitalModel
import RunStore
import Scenario
import Store
import Testing
import TestSupport

extension TestDatabase {
    static func store() throws -> RunStore { try RunStore(connection: try connect()) }
}

/// A small run of the demo hospital (2 replications of 40 days), made once.
enum DemoRun {
    static let scenario = try! Scenario.load(path: Repository.path("scenarios/demo.yaml"))
    static let result: HospitalExperimentResult = {
        let hospital = try! PreparedHospital(scenario.configuration, horizonDays: 40)
        return try! HospitalExperiment.run(hospital, replications: 2, seed: 9, horizonDays: 40, warmUpDays: 10, threads: 2)
    }()
    static var canonical: String { String(decoding: scenario.canonicalJSON, as: UTF8.self) }
    static let costs = RunCosts(pricing: result.replications, with: scenario.costs)

    /// The demo run stored whole, with its costs, in `store`: its scenario's row and the run's id.
    static func stored(in store: RunStore) throws -> (scenario: StoredScenario, run: Int64) {
        let scenario = try store.storeScenario(name: DemoRun.scenario.name, canonicalJSON: canonical, sourcePath: nil)
        let id = try store.beginRun(scenario: scenario, seed: result.seed, replications: 2, horizonDays: 40, warmUpDays: 10)
        try store.complete(run: id, result: result, costs: costs)
        return (scenario, id)
    }
}

@Suite("migrations", .enabled(if: TestDatabase.runs("migrations")))
struct MigrationTests {
    /// A schema of its own for each test, dropped afterwards.
    static func scratch() -> String { "scratch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12) }

    static let steps = [
        Migration(version: 1, name: "a table", sql: "CREATE TABLE {s}.a (id int PRIMARY KEY); INSERT INTO {s}.a VALUES (1)"),
        Migration(version: 2, name: "another", sql: "CREATE TABLE {s}.b (id int PRIMARY KEY)"),
    ]

    static func steps(in schema: String, _ count: Int) -> [Migration] {
        steps.prefix(count).map { Migration(version: $0.version, name: $0.name, sql: $0.sql.replacingOccurrences(of: "{s}", with: schema)) }
    }

    @Test("applied once each, recorded, idempotent; a schema newer than the program is refused")
    func idempotent() throws {
        let db = try TestDatabase.connect()
        let schema = Self.scratch()
        defer { _ = try? db.execute("DROP SCHEMA \(raw: schema) CASCADE") }
        #expect(try db.migrate(schema: schema, Self.steps(in: schema, 1)) == [1])
        #expect(try db.migrate(schema: schema, Self.steps(in: schema, 2)) == [2])
        #expect(try db.migrate(schema: schema, Self.steps(in: schema, 2)) == [])
        #expect(try db.schemaVersion(schema) == 2)
        #expect(try db.query("SELECT count(*) FROM \(raw: schema).a").rows == [["1"]])
        let error = #expect(throws: MigrationError.self) { try db.migrate(schema: schema, Self.steps(in: schema, 1)) }
        #expect(error?.message.contains("version 2, newer than this program knows (1)") == true, "\(String(describing: error))")
    }

    @Test("four connections migrating at once apply each migration once")
    func concurrent() async throws {
        let schema = Self.scratch()
        let admin = try TestDatabase.connect()
        defer { _ = try? admin.execute("DROP SCHEMA \(raw: schema) CASCADE") }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask { try TestDatabase.connect().migrate(schema: schema, Self.steps(in: schema, 2)) }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(applied.sorted() == [1, 2])
        #expect(try admin.query("SELECT count(*) FROM \(raw: schema).schema_migrations").rows == [["2"]])
    }

    @Test("the store's own schema is at its last migration")
    func storeSchema() throws {
        let store = try TestDatabase.store()
        #expect(try store.connection.schemaVersion(RunStoreSchema.name) == RunStoreSchema.migrations.count)
    }
}

@Suite("scenarios, runs and archives in the store", .enabled(if: TestDatabase.runs("scenarios, runs and archives in the store")), .serialized)
struct RunStoreTests {
    @Test("a scenario is stored by content: the same content again is the same row; new content under a name is its next version")
    func scenarios() throws {
        let store = try TestDatabase.store()
        let name = "scenario-\(UUID().uuidString.prefix(8))"
        let document = #"{"name":"\#(name)","units":[{"beds":10,"name":"Ward A"}]}"#
        let first = try store.storeScenario(name: name, canonicalJSON: document, sourcePath: "/tmp/a.yaml")
        let again = try store.storeScenario(name: name, canonicalJSON: document, sourcePath: "/elsewhere/a.yaml")
        #expect(first.isNew && !again.isNew && again.id == first.id && first.version == 1)
        #expect(first.contentHash.count == 64)
        let changed = try store.storeScenario(name: name, canonicalJSON: document.replacingOccurrences(of: "\"beds\":10", with: "\"beds\":12"),
                                              sourcePath: nil)
        #expect(changed.isNew && changed.version == 2 && changed.id != first.id)
    }

    @Test("a completed run reads back exactly as it ran: every replication's KPIs, the summary, the daily census")
    func roundTrip() throws {
        let store = try TestDatabase.store()
        let scenario = try store.storeScenario(name: DemoRun.scenario.name, canonicalJSON: DemoRun.canonical, sourcePath: nil)
        let result = DemoRun.result
        let id = try store.beginRun(scenario: scenario, seed: result.seed, replications: 2, horizonDays: 40, warmUpDays: 10)
        #expect(try store.record(id).status == .running)
        try store.complete(run: id, result: result)
        let record = try store.record(id)
        #expect(record.status == .completed && record.finishedAt != nil && record.scenario == "demo")
        #expect(record.headline["ed.within_four_hours_percent"] == result.summary.first { $0.key == "ed.within_four_hours_percent" }?.mean)
        #expect(try store.result(of: id) == result)
        let census = try store.connection.query("""
            SELECT count(*), sum(mean) FROM hospital_twin.unit_days WHERE run_id = \(id)
            """).rows[0]
        let expected = result.dailyCensus
        #expect(Int(census[0] ?? "") == expected.count && expected.count == 6 * result.replications[0].flows.count)
        #expect(abs((Double(census[1] ?? "") ?? 0) - expected.reduce(0) { $0 + $1.mean }) < 1e-6)
        // Per-replication metrics for paired comparisons in SQL: one JSON object per replication, by metric key.
        let paired = try store.connection.query("""
            SELECT replication, (metrics ->> 'ed.within_four_hours_percent')::float8 FROM hospital_twin.replication_metrics
            WHERE run_id = \(id) ORDER BY replication
            """).rows
        #expect(paired == result.replications.enumerated().map { [String($0.offset), $0.element.emergencyDepartment.withinFourHoursPercent.sqlText] })
    }

    @Test("a run's cost lines and cost model read back exactly; every replication's amounts in one row per line")
    func costLines() throws {
        let store = try TestDatabase.store()
        let (scenario, id) = try DemoRun.stored(in: store)
        #expect(try store.costs(of: id) == DemoRun.costs)
        let rows = try store.connection.query("""
            SELECT count(*), sum(mean) FILTER (WHERE kind = 'cost') FROM hospital_twin.cost_lines WHERE run_id = \(id)
            """).rows[0]
        #expect(Int(rows[0] ?? "") == DemoRun.costs.replications[0].count)
        let report = DemoRun.costs.report(scenario: "demo")
        #expect(abs((Double(rows[1] ?? "") ?? 0) - (report.total("costs")?.amount.mean ?? 0)) < 1e-3)
        // A run stored without costs has none.
        let plain = try store.beginRun(scenario: scenario, seed: 1, replications: 2, horizonDays: 40, warmUpDays: 10)
        try store.complete(run: plain, result: DemoRun.result)
        #expect(try store.costs(of: plain) == nil)
    }

    @Test("a stored value that cannot be read is an error naming its column, never a silent 0 or default")
    func unreadableColumns() throws {
        let store = try TestDatabase.store()
        let id = try DemoRun.stored(in: store).run
        try store.connection.execute("""
            UPDATE hospital_twin.cost_lines SET amounts = '{1}' WHERE run_id = \(id) AND position = 0
            """)
        let amounts = #expect(throws: ResultRowError.self) { try store.costs(of: id) }
        #expect(amounts?.column == "amounts" && amounts?.problem.contains("expected an array of 2 numbers, found '{1}'") == true,
                "\(String(describing: amounts))")
        try store.connection.execute("UPDATE hospital_twin.cost_lines SET category = 'snacks' WHERE run_id = \(id) AND position = 0")
        let category = #expect(throws: ResultRowError.self) { try store.costs(of: id) }
        #expect(category?.column == "category" && category?.problem.contains("found 'snacks'") == true, "\(String(describing: category))")
        try store.connection.execute("UPDATE hospital_twin.replication_kpis SET kpis = '{\"days\": 1}' WHERE run_id = \(id) AND replication = 1")
        let kpis = #expect(throws: RunStoreError.self) { try store.result(of: id) }
        #expect(kpis?.message.contains("run \(id), replication 1: its stored KPIs cannot be read") == true, "\(String(describing: kpis))")
    }

    @Test("a run stored with an older KPI schema is refused with what to do, not a decoding error")
    func olderSchema() throws {
        let store = try TestDatabase.store()
        let scenario = try store.storeScenario(name: DemoRun.scenario.name, canonicalJSON: DemoRun.canonical, sourcePath: nil)
        let id = try store.beginRun(scenario: scenario, seed: 1, replications: 2, horizonDays: 40, warmUpDays: 10)
        try store.complete(run: id, result: DemoRun.result)
        try store.connection.execute("UPDATE hospital_twin.runs SET kpi_schema_version = 1 WHERE id = \(id)")
        #expect(throws: RunStoreError.self) { try store.result(of: id) }
        do { _ = try store.result(of: id) } catch {
            #expect("\(error)".contains("KPI schema version 1") && "\(error)".contains("run its scenario again"), "\(error)")
        }
    }

    @Test("an exported archive imports as the same run: the same scenario row, the same result")
    func archives() throws {
        let store = try TestDatabase.store()
        let (scenario, id) = try DemoRun.stored(in: store)
        let data = try store.archive(of: id).encoded()
        let archive = try RunArchive.decode(data, file: "run.json")
        // The same run is recognised while it is stored; once it is gone, its archive brings it back.
        let again = #expect(throws: RunStoreError.self) { try store.importArchive(archive, from: "run.json") }
        #expect(again?.message == "run.json: this run is already stored, as run \(id); nothing was stored")
        try store.connection.execute("DELETE FROM hospital_twin.runs WHERE id = \(id)")
        let imported = try store.importArchive(archive, from: "run.json")
        let twice = #expect(throws: RunStoreError.self) { try store.importArchive(archive, from: "copy.json") }
        #expect(twice?.message.contains("already stored, as run \(imported.id)") == true)
        #expect(imported.id != id && imported.status == .completed && imported.importedFrom == "run.json")
        #expect(imported.scenarioHash == scenario.contentHash && imported.scenarioVersion == scenario.version)
        #expect(try store.result(of: imported.id) == DemoRun.result)
        #expect(try store.costs(of: imported.id) == DemoRun.costs, "the cost lines and the cost model travel with the archive")
        #expect(abs(imported.startedAt.timeIntervalSince(archive.run.startedAt)) < 0.001)
    }

    @Test("a tampered archive is refused: an edited KPI, time running backwards, cost lines that do not pair, a document that is not a scenario")
    func tamperedArchives() throws {
        let original = RunArchive(
            scenario: .init(name: "demo", sourcePath: nil, canonicalDocument: DemoRun.canonical),
            run: .init(seed: 9, replications: 2, horizonDays: 40, warmUpDays: 10, engineVersion: "x",
                       startedAt: Date(timeIntervalSince1970: 1_800_000_000), finishedAt: Date(timeIntervalSince1970: 1_800_000_060),
                       runBy: "me", host: "here"),
            result: DemoRun.result, costs: DemoRun.costs)
        #expect(try RunArchive.decode(try original.encoded(), file: "ok.json") == original)
        func refused(_ change: (inout RunArchive) -> Void) throws -> String {
            var archive = original
            change(&archive)
            do { _ = try RunArchive.decode(try archive.encoded(), file: "bad.json") } catch { return "\(error)" }
            return "accepted"
        }
        let edited = try refused { $0.result.replications[0].emergencyDepartment.attendances += 1 }
        #expect(edited.contains("its summary is not the one its replications give"), "\(edited)")
        let backwards = try refused { $0.run.finishedAt = $0.run.startedAt.addingTimeInterval(-60) }
        #expect(backwards.contains("finished") && backwards.contains("before it started"), "\(backwards)")
        let costs = try refused { $0.costs?.replications.removeLast() }
        #expect(costs.contains("its cost lines are 1 sets for 2 replications"), "\(costs)")
        let document = try refused { $0.scenario.canonicalDocument = "[1, 2, 3]" }
        #expect(document.contains("its scenario document is not a scenario named 'demo'"), "\(document)")
        let days = try refused { $0.run.warmUpDays = 50 }
        #expect(days.contains("do not agree or make no sense"), "\(days)")
    }

    @Test("an archive that is not one, or of a newer format, is refused with what is wrong")
    func badArchives() throws {
        #expect(throws: RunStoreError.self) { try RunArchive.decode(Data("{}".utf8), file: "empty.json") }
        var archive = try RunArchive.decode(try RunArchive(
            scenario: .init(name: "demo", sourcePath: nil, canonicalDocument: DemoRun.canonical),
            run: .init(seed: 9, replications: 2, horizonDays: 40, warmUpDays: 10, engineVersion: "x", startedAt: Date(),
                       finishedAt: Date(), runBy: "me", host: "here"),
            result: DemoRun.result).encoded(), file: "ok.json")
        archive.formatVersion = 99
        let error = #expect(throws: RunStoreError.self) { try RunArchive.decode(try archive.encoded(), file: "new.json") }
        #expect(error?.message == "new.json: archive format version 99 is newer than this program reads (1)")
        let missing = #expect(throws: RunStoreError.self) { try RunArchive.decode(Data(#"{"format": "hospital-twin run"}"#.utf8), file: "m.json") }
        #expect(missing?.message.hasPrefix("m.json: not a hospital-twin run archive (missing key") == true, "\(String(describing: missing))")
    }

    @Test("a write that fails part-way leaves none of the run's rows; the run is then marked failed")
    func atomic() throws {
        let store = try TestDatabase.store()
        let scenario = try store.storeScenario(name: DemoRun.scenario.name, canonicalJSON: DemoRun.canonical, sourcePath: nil)
        let id = try store.beginRun(scenario: scenario, seed: 1, replications: 2, horizonDays: 40, warmUpDays: 10)
        // A unit twice in every replication repeats its summary keys and daily census rows: a primary key breaks
        // after replication_kpis and replication_metrics have been written.
        var broken = DemoRun.result
        for index in broken.replications.indices { broken.replications[index].units.append(broken.replications[index].units[0]) }
        broken = HospitalExperimentResult(scenario: broken.scenario, seed: broken.seed, horizonDays: broken.horizonDays,
                                          warmUpDays: broken.warmUpDays, replications: broken.replications)
        #expect(throws: DatabaseError.self) { try store.complete(run: id, result: broken) }
        for table in ["replication_kpis", "replication_metrics", "metrics", "unit_days"] {
            #expect(try store.connection.query("SELECT count(*) FROM hospital_twin.\(raw: table) WHERE run_id = \(id)").rows == [["0"]], "\(table)")
        }
        try store.fail(run: id, reason: "test")
        #expect(try store.record(id).status == .failed)
        #expect(throws: RunStoreError.self) { try store.result(of: id) }
    }

    @Test("a run whose process (connection) ended before storing it is marked failed, abandoned, by the next reader")
    func abandoned() throws {
        var id: Int64 = 0
        do {
            let store = try TestDatabase.store()
            let scenario = try store.storeScenario(name: DemoRun.scenario.name, canonicalJSON: DemoRun.canonical, sourcePath: nil)
            id = try store.beginRun(scenario: scenario, seed: 1, replications: 2, horizonDays: 40, warmUpDays: 10)
            // Another reader while it runs: still running, its lock held.
            #expect(try TestDatabase.store().record(id).status == .running)
        }  // the store and its connection go: as when the process is killed
        let record = try TestDatabase.store().record(id)
        #expect(record.status == .failed && record.failure?.hasPrefix("abandoned") == true, "\(record)")
    }

    @Test("twin models are stored by content")
    func twinModels() throws {
        let store = try TestDatabase.store()
        let json = #"{"description": "test \#(UUID().uuidString)", "pathways": []}"#
        let first = try store.storeTwinModel(json: json, report: "# report", source: "episodes.csv", spells: 10)
        let again = try store.storeTwinModel(json: json, report: "# report", source: "episodes.csv", spells: 10)
        #expect(first.isNew && !again.isNew && first.id == again.id)
    }
}

@Suite("COPY", .enabled(if: TestDatabase.runs("COPY")))
struct CopyTests {
    @Test("COPY carries tabs, newlines, backslashes, quotes, unicode and NULL unchanged, in bulk")
    func escaping() throws {
        let db = try TestDatabase.connect()
        try db.execute("CREATE TEMP TABLE copied (id int, text text)")
        let awkward = ["a\tb", "line\nbreak\r\n", #"back\slash\\N"#, "quote ' \" ", "Ó'Brien — ✓", "", "\\N"]
        var rows: [[String?]] = awkward.enumerated().map { [String($0.offset), $0.element] }
        rows.append(["99", nil])
        rows += (100..<20_100).map { [String($0), "row \($0)"] }
        #expect(try db.copy(into: "copied", columns: ["id", "text"], rows: rows) == rows.count)
        let back = try db.query("SELECT text FROM copied WHERE id < 100 ORDER BY id").rows.map { $0[0] }
        #expect(back == awkward.map { Optional($0) } + [nil])
        #expect(try db.query("SELECT count(*) FROM copied").rows == [[String(rows.count)]])
    }

    @Test("a COPY the server rejects throws its SQLSTATE, and the connection stays usable")
    func rejected() throws {
        let db = try TestDatabase.connect()
        try db.execute("CREATE TEMP TABLE strict (id int PRIMARY KEY)")
        let error = #expect(throws: DatabaseError.self) {
            try db.copy(into: "strict", columns: ["id"], rows: [["1"], ["1"]])
        }
        #expect(error?.sqlState == "23505")
        #expect(try db.query("SELECT 1").rows == [["1"]])
    }
}
