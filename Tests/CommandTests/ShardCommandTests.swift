import Foundation
import RunStore
import Store
import Testing
import TestSupport

/// The contract between a scheduler and hospital-twin (Docs/SCALE.md), tested with separate processes as a
/// Kubernetes Indexed Job or a Slurm array would start them: runs plan, work, runs status, runs finish.
@Suite("runs in shards over separate processes", .enabled(if: TestDatabase.runs("runs in shards over separate processes")))
struct ShardCommandTests {
    var database: [String: String] { CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? ""]) }

    /// The demo hospital's settings every test here plans and runs with.
    static func settings(replications: Int, horizon: Int = 30) -> [String] {
        ["--replications", String(replications), "--horizon", String(horizon), "--warmup", "5"]
    }

    /// Plans `files` and returns the id printed alone on standard output.
    func plan(_ arguments: [String], environment: [String: String]? = nil, directory: URL) throws -> Int64 {
        let planned = try CLI.run(["runs", "plan"] + arguments, environment: environment ?? database, directory: directory)
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stdout.range(of: #"^[0-9]+\n$"#, options: .regularExpression) != nil,
                "standard output holds the id alone: \(planned.stdout.debugDescription)")
        return try #require(Int64(planned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A worker started as a Kubernetes Indexed Job starts it: the shard in JOB_COMPLETION_INDEX.
    func worker(_ plan: Int64, index: Int, failpoint: String? = nil, environment: [String: String]? = nil,
                directory: URL) throws -> CLI.Running
    {
        var environment = environment ?? database
        environment["JOB_COMPLETION_INDEX"] = String(index)
        if let failpoint { environment["HOSPITAL_TWIN_FAILPOINT"] = failpoint }
        return try CLI.Running(["work", String(plan), "--shard-from-env", "--threads", "1"], environment: environment,
                               directory: directory)
    }

    /// Stored KPIs of a run, as text, in replication order.
    func storedKPIs(_ run: Int64) throws -> [String] {
        try TestDatabase.store().connection.query("""
            SELECT kpis::text FROM hospital_twin.replication_kpis WHERE run_id = \(run) ORDER BY replication
            """).rows.map { $0[0] ?? "" }
    }

    /// The run `plan` stands for, run by `run --store` in one process: its stored KPIs, its export's result and
    /// costs, and its CSV export equal the sharded run's, byte for byte.
    func expectSameAsOneProcess(_ plan: Int64, scenario: String, replications: Int, directory: URL) throws {
        let single = try CLI.run(["run", scenario] + Self.settings(replications: replications) + ["--store", "--format", "csv"],
                                 environment: database, directory: directory)
        #expect(single.status == 0, "\(single.stderr)")
        let one = try #require(CLI.number(after: "stored run ", in: single.stderr), "\(single.stderr)")
        let sharded = try storedKPIs(plan)
        #expect(sharded.count == replications)
        #expect(sharded == (try storedKPIs(one)), "every replication's KPIs, as stored")
        let exports = try [plan, one].map { try self.exports($0, directory: directory) }
        #expect(exports[0] == exports[1], "runs export of the sharded run and of the one-process run")
        #expect(exports[0][0] == single.stdout, "the CSV export is what run printed")
    }

    @Test("four workers with JOB_COMPLETION_INDEX, one killed half-way and started again: a complete run, every replication once, equal to the one-process run")
    func killedAndRestarted() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = CLI.repository("scenarios/demo.yaml")
        let plan = try plan([scenario, "--shards", "4"] + Self.settings(replications: 8), directory: directory)
        var workers = try [0, 1, 3].map { try worker(plan, index: $0, directory: directory) }
        let doomed = try worker(plan, index: 2, failpoint: "replication-stored:60", directory: directory)
        #expect(doomed.waitForError(containing: "failpoint replication-stored", seconds: 120), "\(doomed.stderr)")
        kill(doomed.pid, SIGKILL)
        #expect(doomed.wait() == 128 + SIGKILL)
        for worker in workers { #expect(worker.wait() == 0, "\(worker.stderr)") }
        // Half of shard 2 is stored; nobody works it, so the run is not complete and the status says which shard.
        let status = try CLI.run(["runs", "status", String(plan), "--format", "json"], environment: database, directory: directory)
        let shards = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])?
            .first?["shards"] as? [[String: Any]], "\(status.stdout) \(status.stderr)")
        #expect(shards.map { $0["state"] as? String } == ["done", "done", "missing", "done"], "\(shards)")
        #expect(shards[2]["stored"] as? Int == 1 && shards[2]["attempts"] as? Int == 1, "\(shards[2])")
        let table = try CLI.run(["runs", "status", String(plan)], environment: database, directory: directory)
        #expect(table.stdout.contains("stored 7 of 8") && table.stdout.contains("not being worked and not done: shard 2"),
                "\(table.stdout)")
        let early = try CLI.run(["runs", "finish", String(plan)], environment: database, directory: directory)
        #expect(early.status == 1 && early.stderr.contains("run \(plan): 1 replication not stored yet"), "\(early.stderr)")

        let again = try worker(plan, index: 2, directory: directory)
        workers = [again]
        #expect(again.wait() == 0, "\(again.stderr)")
        #expect(again.stderr.contains("stored 1 replication, 1 found stored already"), "\(again.stderr)")
        #expect(again.stderr.contains("completed run \(plan)"), "\(again.stderr)")
        let record = try TestDatabase.store().record(plan)
        #expect(record.status == .completed, "\(record)")
        try expectSameAsOneProcess(plan, scenario: scenario, replications: 8, directory: directory)
        // A worker started after the end finds nothing to do.
        let late = try worker(plan, index: 0, directory: directory)
        #expect(late.wait() == 0 && late.stderr.contains("stored 0 replications, 2 found stored already"), "\(late.stderr)")
    }

    @Test("two workers given the same index: each replication stored once, both end well, the run completes once")
    func racingOnOneIndex() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = try plan([CLI.repository("scenarios/demo.yaml"), "--shards", "2"] + Self.settings(replications: 12),
                            directory: directory)
        let other = try worker(plan, index: 1, directory: directory)
        #expect(other.wait() == 0, "\(other.stderr)")
        let racers = try (0..<2).map { _ in try worker(plan, index: 0, directory: directory) }
        let statuses = racers.map { $0.wait() }
        #expect(statuses == [0, 0], "\(racers.map(\.stderr))")
        let stored = racers.map { CLI.number(after: "stored ", in: $0.stderr) ?? -1 }
        #expect(stored.reduce(0, +) == 6, "the six replications of shard 0, each stored by one of them: \(racers.map(\.stderr))")
        #expect(racers.filter { $0.stderr.contains("completed run \(plan)") }.count == 1, "\(racers.map(\.stderr))")
        let store = try TestDatabase.store()
        #expect(try store.record(plan).status == .completed)
        #expect(try store.connection.query("""
            SELECT count(*), count(DISTINCT replication) FROM hospital_twin.replication_kpis WHERE run_id = \(plan)
            """).rows == [["12", "12"]])
        #expect(try store.connection.query("""
            SELECT count(*) FROM hospital_twin.shard_attempts WHERE run_id = \(plan) AND shard = 0 AND outcome = 'finished'
            """).rows == [["2"]])
    }

    @Test("the database restarted while a worker runs: it tries again with backoff and finishes")
    func databaseRestarted() throws {
        let directory = try CLI.temporaryDirectory()
        let environment = CLI.environment(["HOSPITAL_TWIN_HOME": directory.appendingPathComponent("home").path])
        defer {
            _ = try? CLI.run(["db", "stop"], environment: environment, directory: directory)
            try? FileManager.default.removeItem(at: directory)
        }
        let plan = try plan([CLI.repository("scenarios/demo.yaml"), "--shards", "1"] + Self.settings(replications: 4),
                            environment: environment, directory: directory)
        let running = try worker(plan, index: 0, failpoint: "replication-stored:2", environment: environment, directory: directory)
        #expect(running.waitForError(containing: "failpoint replication-stored", seconds: 120), "\(running.stderr)")
        let stop = try CLI.run(["db", "stop"], environment: environment, directory: directory)
        #expect(stop.stdout.contains("stopped the embedded cluster"), "\(stop)")
        Thread.sleep(forTimeInterval: 4)
        let start = try CLI.run(["db", "start"], environment: environment, directory: directory)
        #expect(start.status == 0, "\(start)")
        #expect(running.wait() == 0, "\(running.stderr)")
        #expect(running.stderr.contains("the database cannot be used") && running.stderr.contains("trying again in"),
                "\(running.stderr)")
        #expect(running.stderr.contains("stored 4 replications") && running.stderr.contains("completed run \(plan)"),
                "\(running.stderr)")
    }

    @Test("a comparison planned in shards: every worker does its shard of each run, and report compares them")
    func comparison() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = CLI.repository("scenarios/general-hospital.yaml")
        let variant = CLI.repository("scenarios/general-hospital-night-nurses.yaml")
        let planned = try CLI.run(["runs", "plan", base, variant, "--kind", "compare", "--shards", "2"]
                                  + Self.settings(replications: 4, horizon: 20), environment: database, directory: directory)
        #expect(planned.status == 0, "\(planned.stderr)")
        let plan = try #require(Int64(planned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let second = try #require(CLI.number(after: "report ", in: planned.stderr), "\(planned.stderr)")
        #expect(planned.stderr.contains("report \(second) --baseline \(plan)"), "\(planned.stderr)")
        let part = try CLI.run(["work", String(second), "--shard", "0"], environment: database, directory: directory)
        #expect(part.status == 2 && part.stderr.contains("part of the plan of run \(plan)"), "\(part.stderr)")
        for shard in 0..<2 {
            let work = try CLI.run(["work", String(plan), "--shard", String(shard)], environment: database, directory: directory)
            #expect(work.status == 0, "\(work.stderr)")
        }
        let store = try TestDatabase.store()
        #expect(try store.record(plan).status == .completed && store.record(second).status == .completed)
        let report = try CLI.run(["report", String(second), "--baseline", String(plan)], environment: database, directory: directory)
        #expect(report.status == 0 && report.stdout.contains("general-hospital-night-nurses"), "\(report.stderr)")
    }

    /// `runs export` of `run` as CSV, and its result and costs as sorted JSON.
    func exports(_ run: Int64, environment: [String: String]? = nil, directory: URL) throws -> [String] {
        let environment = environment ?? database
        let csv = try CLI.run(["runs", "export", String(run), "--format", "csv"], environment: environment, directory: directory)
        let json = try CLI.run(["runs", "export", String(run)], environment: environment, directory: directory)
        #expect(csv.status == 0 && json.status == 0, "\(csv.stderr) \(json.stderr)")
        let archive = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        return try [csv.stdout] + ["result", "costs"].map { key in
            String(decoding: try JSONSerialization.data(withJSONObject: try #require(archive?[key]), options: [.sortedKeys]),
                   as: UTF8.self)
        }
    }

    @Test("a forecast from a census planned in shards: the census kept in the database, the bands those of forecast --store")
    func forecastFromCensus() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The census is copied, planned from, and deleted: the workers read it from the database.
        let census = directory.appendingPathComponent("census.csv")
        try FileManager.default.copyItem(atPath: CLI.repository("scenarios/general-hospital-census.csv"), toPath: census.path)
        let scenario = CLI.repository("scenarios/general-hospital.yaml")
        let forecast = ["--census", census.path, "--days", "5", "--replications", "6", "--seed", "11"]
        let planned = try CLI.run(["runs", "plan", scenario, "--kind", "forecast", "--shards", "3"] + forecast,
                                  environment: database, directory: directory)
        #expect(planned.status == 0 && planned.stderr.contains("inpatients") && planned.stderr.contains("--as forecast"),
                "\(planned.stderr)")
        let plan = try #require(Int64(planned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(planned.stdout)")
        let single = try CLI.run(["forecast", scenario] + forecast + ["--store", "--format", "csv"], environment: database,
                                 directory: directory)
        #expect(single.status == 0, "\(single.stderr)")
        let one = try #require(CLI.number(after: "stored run ", in: single.stderr), "\(single.stderr)")
        try FileManager.default.removeItem(at: census)
        let workers = try (0..<3).map { try worker(plan, index: $0, directory: directory) }
        for running in workers { #expect(running.wait() == 0, "\(running.stderr)") }
        #expect(try TestDatabase.store().record(plan).status == .completed)
        #expect(try storedKPIs(plan) == (try storedKPIs(one)), "every replication's KPIs, as stored")
        #expect(try exports(plan, directory: directory) == (try exports(one, directory: directory)))
        let again = try CLI.run(["report", String(plan), "--as", "forecast", "--format", "csv"], environment: database,
                                directory: directory)
        #expect(again.status == 0 && again.stdout == single.stdout, "the sharded forecast's bands are forecast's: \(again.stderr)")
        let kept = try TestDatabase.store().connection.query("""
            SELECT source, inpatients FROM hospital_twin.run_censuses WHERE run_id = \(plan)
            """).rows
        #expect(kept.count == 1 && kept[0][0] == census.path && (Int(kept[0][1] ?? "") ?? 0) > 400, "\(kept)")
    }

    @Test("a forecast from the live census planned in shards: readiness imputed once by the planner, every shard starting from it")
    func forecastFromLiveCensus() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let own = try CLI.ownDatabase("shardedlive")
        defer { own.drop() }
        let environment = own.environment
        let scenario = CLI.repository("scenarios/general-hospital.yaml")
        let emitted = try CLI.run(["feed", "emit", scenario, "--days", "20", "--seed", "5", "-o", "feed.hl7"],
                                  environment: environment, directory: directory)
        #expect(emitted.status == 0, "\(emitted.stderr)")
        let ingested = try CLI.run(["ingest", "feed.hl7"], environment: environment, directory: directory)
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let forecast = ["--live", "--at", "2026-01-18T23:59", "--days", "3", "--replications", "4"]
        let plan = try plan([scenario, "--kind", "forecast", "--shards", "2"] + forecast, environment: environment,
                            directory: directory)
        let single = try CLI.run(["forecast", scenario] + forecast + ["--store", "--format", "csv"], environment: environment,
                                 directory: directory)
        #expect(single.status == 0, "\(single.stderr)")
        let one = try #require(CLI.number(after: "stored run ", in: single.stderr), "\(single.stderr)")
        for shard in 0..<2 {
            let work = try CLI.run(["work", String(plan), "--shard", String(shard)], environment: environment, directory: directory)
            #expect(work.status == 0, "\(work.stderr)")
        }
        let again = try CLI.run(["report", String(plan), "--as", "forecast", "--format", "csv"], environment: environment,
                                directory: directory)
        #expect(again.status == 0 && again.stdout == single.stdout, "\(again.stderr)")
        #expect(try exports(plan, environment: environment, directory: directory)
            == (try exports(one, environment: environment, directory: directory)))
    }

    @Test("a backtest planned in shards: its origins worked by separate processes, one killed and started again, every worker reading the log as planned; the backtest that of backtest --store")
    func backtestInShards() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let own = try CLI.ownDatabase("shardedbacktest")
        defer { own.drop() }
        var environment = own.environment
        environment["HOSPITAL_TWIN_PSEUDONYM_KEY"] = "a test key of at least thirty-two characters, never a trust's"
        func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try CLI.run(arguments, environment: environment, directory: directory)
        }
        let scenario = CLI.repository("scenarios/general-hospital.yaml")
        let emitted = try tool(["feed", "emit", scenario, "--days", "36", "--seed", "8", "-o", "feed.hl7"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        let ingested = try tool(["ingest", "feed.hl7"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let settings = ["--from", "2026-01-21", "--to", "2026-01-30", "--horizon", "3", "--replications", "4", "--seed", "3"]
        let planned = try tool(["runs", "plan", scenario, "--kind", "backtest", "--shards", "3"] + settings)
        #expect(planned.status == 0 && planned.stderr.contains("10 origins"), "\(planned.stderr)")
        let plan = try #require(Int64(planned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(planned.stdout)")
        let single = try tool(["backtest", scenario] + settings + ["--store"])
        #expect(single.status == 0, "\(single.stderr)")
        let stored = try #require(CLI.number(after: "stored backtest ", in: single.stderr), "\(single.stderr)")

        // Messages arriving after the plan: five more patients on a ward during the window. Workers do not read them.
        let late = (1...5).map { n in
            "MSH|^~\\&|PAS|LATE|TWIN|RXX|202601250800||ADT^A01|L\(n)|P|2.5\rEVN|A01|||||202601250800\r"
                + "PID|1||LATE-\(n)^^^RXX^MR||Doe^Jo||19400101|F\rPV1|1|I|WD05|E\r"
        }.joined(separator: "\n") + "\n"
        try late.write(to: directory.appendingPathComponent("late.hl7"), atomically: true, encoding: .utf8)
        let lateIngest = try tool(["ingest", "late.hl7"])
        #expect(lateIngest.status == 0 && lateIngest.stdout.contains("5 applied"), "\(lateIngest.stdout)\(lateIngest.stderr)")

        var workers = try [0, 2].map { try worker(plan, index: $0, environment: environment, directory: directory) }
        let doomed = try worker(plan, index: 1, failpoint: "origin-stored:60", environment: environment, directory: directory)
        #expect(doomed.waitForError(containing: "failpoint origin-stored", seconds: 300), "\(doomed.stderr)")
        kill(doomed.pid, SIGKILL)
        #expect(doomed.wait() == 128 + SIGKILL)
        for worker in workers { #expect(worker.wait() == 0, "\(worker.stderr)") }
        let status = try tool(["runs", "status", String(plan)])
        #expect(status.stdout.contains("stored 8 of 10 origins") && status.stdout.contains("not being worked and not done: shard 1"),
                "\(status.stdout)\(status.stderr)")
        let early = try tool(["runs", "finish", String(plan)])
        #expect(early.status == 1 && early.stderr.contains("2 origins not stored yet"), "\(early.stderr)")
        let again = try worker(plan, index: 1, environment: environment, directory: directory)
        workers = [again]
        #expect(again.wait() == 0, "\(again.stderr)")
        #expect(again.stderr.contains("stored 2 origins, 1 found stored already"), "\(again.stderr)")
        let backtest = try #require(CLI.number(after: "stored backtest ", in: again.stderr), "\(again.stderr)")

        let sharded = try tool(["report", String(backtest), "--as", "backtest", "--format", "csv"])
        let one = try tool(["report", String(stored), "--as", "backtest", "--format", "csv"])
        #expect(sharded.status == 0 && one.status == 0 && sharded.stdout.count > 1000, "\(sharded.stderr)")
        // One process scores its 10 origins eight at a time (`Backtest.originsPerBatch`: 4 replications an origin), each shard one at a time.
        #expect(sharded.stdout == one.stdout, "the backtest worked in shards is backtest --store's, byte for byte")
        let json = try ["json"].map { format in
            try [backtest, stored].map { try tool(["report", String($0), "--as", "backtest", "--format", format]).stdout }
        }[0]
        #expect(json[0] == json[1])
        // The late messages do change a backtest that reads them: what the plan's snapshot kept out.
        let now = try tool(["backtest", scenario] + settings + ["--format", "csv"])
        #expect(now.status == 0 && now.stdout != one.stdout, "\(now.stderr)")
        let finished = try tool(["runs", "finish", String(plan)])
        #expect(finished.status == 0 && finished.stderr.contains("already completed"), "\(finished.stderr)")
        let done = try tool(["runs", "status", String(plan), "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(done.stdout.utf8)) as? [String: Any], "\(done.stdout)")
        #expect(object["backtest"] as? Int == Int(backtest) && object["stored"] as? Int == 10 && object["status"] as? String == "completed")

        for (arguments, says) in [
            (["--kind", "backtest"], "--kind backtest needs --from and --to"),
            (["--kind", "backtest", "--from", "2026-01-21", "--to", "2026-01-30", "--days", "3"], "--days is for --kind forecast, not --kind backtest"),
            (["--to", "2026-01-26"], "--to is for --kind backtest, not --kind run"),
            (["--kind", "backtest", "--from", "2026-01-21", "--to", "2026-01-30", "--horizon", "61"], "--horizon must be from 1 to 60 days"),
            (["--kind", "backtest", "--from", "2026-01-21", "--to", "2026-01-30", "--warmup", "3"], "--warmup is for --kind run, compare or forecast, not --kind backtest"),
        ] {
            let refused = try tool(["runs", "plan", scenario] + arguments)
            #expect(refused.status == 64 && refused.stderr.contains(says) && refused.stdout.isEmpty, "\(arguments): \(refused.stderr)")
        }
        let tooMany = try tool(["runs", "plan", scenario, "--kind", "backtest", "--shards", "11"] + settings)
        #expect(tooMany.status == 2 && tooMany.stderr.contains("the backtest has 10 origins; choose 1 to 10 shards"), "\(tooMany.stderr)")
        let outside = try tool(["work", String(plan), "--shard", "3"])
        #expect(outside.status == 2 && outside.stderr.contains("backtest plan \(plan) has 3 shards"), "\(outside.stderr)")
    }

    @Test("a scenario's twin model file is kept in the database: a worker elsewhere needs no file of the planner's")
    func twinModelInDatabase() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let planner = directory.appendingPathComponent("planner")
        try FileManager.default.createDirectory(at: planner, withIntermediateDirectories: true)
        let exported = try CLI.run(["twins", "export-model", "-o", "model.json"], environment: database, directory: planner)
        #expect(exported.status == 0, "\(exported.stderr)")
        let scenario = planner.appendingPathComponent("with-model.yaml")
        try """
            extends: \(CLI.repository("scenarios/demo.yaml"))
            name: demo-with-model
            twin_model: model.json
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let plan = try plan([scenario.path, "--shards", "2"] + Self.settings(replications: 4), directory: directory)
        let single = try CLI.run(["run", scenario.path] + Self.settings(replications: 4) + ["--store"], environment: database,
                                 directory: directory)
        let one = try #require(CLI.number(after: "stored run ", in: single.stderr), "\(single.stderr)")
        try FileManager.default.removeItem(at: planner)
        for shard in 0..<2 {
            let work = try CLI.run(["work", String(plan), "--shard", String(shard)], environment: database, directory: directory)
            #expect(work.status == 0, "\(work.stderr)")
        }
        #expect(try storedKPIs(plan) == (try storedKPIs(one)))
    }

    @Test("wrong plans, ids, shards and scheduler variables are refused with what was expected")
    func refusals() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = CLI.repository("scenarios/demo.yaml")
        for (arguments, says) in [
            ([demo, "--shards", "0"], "--shards must be from 1 to 100000, found 0"),
            ([demo, "--shards", "100001"], "--shards must be from 1 to 100000"),
            ([demo, demo], "--kind run plans one scenario, found 2"),
            ([demo, "--kind", "compare"], "--kind compare needs a baseline and at least one alternative"),
            ([demo, "--days", "3"], "--days is for --kind forecast, not --kind run"),
            ([demo, "--kind", "forecast", "--horizon", "5"], "--horizon is for --kind run, compare or backtest, not --kind forecast"),
            ([demo, "--kind", "forecast", "--replications", "1"], "--replications must be >= 2 for percentile bands"),
            ([demo, "--kind", "forecast", "--live", "--census", "c.csv"], "--live and --census: choose one census"),
            ([demo, demo, "--kind", "forecast"], "--kind forecast plans one scenario, found 2"),
            ([demo, "--replications", "0"], "--replications must be from 1"),
        ] {
            let refused = try CLI.run(["runs", "plan"] + arguments, environment: database, directory: directory)
            #expect(refused.status == 64 && refused.stderr.contains(says) && refused.stdout.isEmpty,
                    "\(arguments): \(refused.status) \(refused.stderr)")
        }
        let tooMany = try CLI.run(["runs", "plan", demo, "--shards", "5"] + Self.settings(replications: 4), environment: database,
                                  directory: directory)
        #expect(tooMany.status == 2 && tooMany.stderr.contains("--shards 5 is more than the 4 replications"), "\(tooMany.stderr)")
        let missing = try CLI.run(["runs", "plan", "no-such.yaml"], environment: database, directory: directory)
        #expect(missing.status == 2 && missing.stdout.isEmpty, "\(missing.stderr)")

        let plan = try plan([demo, "--shards", "2"] + Self.settings(replications: 2), directory: directory)
        let outside = try CLI.run(["work", String(plan), "--shard", "2"], environment: database, directory: directory)
        #expect(outside.status == 2 && outside.stderr.contains("has 2 shards, numbered 0 to 1: there is no shard 2"),
                "\(outside.stderr)")
        let nowhere = try CLI.run(["work", "999999999", "--shard", "0"], environment: database, directory: directory)
        #expect(nowhere.status == 2 && nowhere.stderr.contains("no run with id 999999999"), "\(nowhere.stderr)")
        let stored = try CLI.run(quickRun + ["--store"], environment: database, directory: directory)
        let one = try #require(CLI.number(after: "stored run ", in: stored.stderr), "\(stored.stderr)")
        let notPlanned = try CLI.run(["work", String(one), "--shard", "0"], environment: database, directory: directory)
        #expect(notPlanned.status == 2 && notPlanned.stderr.contains("was run in one process, not planned in shards"),
                "\(notPlanned.stderr)")
        let both = try CLI.run(["work", String(plan), "--shard", "0", "--shard-from-env"], environment: database, directory: directory)
        #expect(both.status == 64 && both.stderr.contains("give the shard"), "\(both.stderr)")
        for (variable, value, says) in [
            (nil, nil, "neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set"),
            ("JOB_COMPLETION_INDEX", "-1", "JOB_COMPLETION_INDEX is '-1', expected a whole number from 0"),
            ("JOB_COMPLETION_INDEX", "1e3", "expected a whole number"),
            ("SLURM_ARRAY_TASK_ID", "99999999999999999999", "expected a whole number"),
            ("SLURM_ARRAY_TASK_ID", "\u{0661}", "expected a whole number"),
            ("SLURM_ARRAY_TASK_ID", " 1", "expected a whole number"),
        ] as [(String?, String?, String)] {
            var environment = database
            if let variable, let value { environment[variable] = value }
            let refused = try CLI.run(["work", String(plan), "--shard-from-env"], environment: environment, directory: directory)
            #expect(refused.status == 64 && refused.stderr.contains(says), "\(variable ?? "none")=\(value ?? ""): \(refused.stderr)")
        }
        #expect(try TestDatabase.store().connection.query("""
            SELECT count(*) FROM hospital_twin.replication_kpis WHERE run_id = \(plan)
            """).rows == [["0"]], "nothing refused did any work")
    }
}

@Suite("shard plan")
struct ShardPlanTests {
    @Test("shards partition the replications into contiguous ranges differing in size by at most one; shard(of:) inverts them")
    func partition() {
        for total in 1...60 {
            for shards in 1...total {
                let ranges = (0..<shards).map { ShardPlan.replications(ofShard: $0, of: shards, total: total) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == total)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                let sizes = ranges.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1 && sizes.min()! >= 1, "\(total) in \(shards): \(sizes)")
                for (index, range) in ranges.enumerated() {
                    for replication in range {
                        #expect(ShardPlan.shard(of: replication, shards: shards, total: total) == index)
                    }
                }
            }
        }
    }
}
