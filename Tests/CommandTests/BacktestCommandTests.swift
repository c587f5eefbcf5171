import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RunRecords
import RunStore
import Workflows
import Store
import Testing
import TestSupport

/// `hospital-twin backtest` as a user runs it, on a database of its own (a backtest reads the whole event log, and
/// the shared test database holds other suites' feeds).
@Suite("backtest from the command line", .enabled(if: TestDatabase.runs("backtest from the command line")), .serialized)
struct BacktestCommandTests {
    @Test("feed emit, ingest, backtest --store: the report shown again by report --as backtest is byte for byte the same; bad options exit 64 (usage), a short log 2")
    func storedAndShownAgain() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try CLI.ownDatabase("backtest")
        defer { database.drop() }
        let environment = database.environment
        let scenario = CLI.repository("scenarios/general-hospital.yaml")
        func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try CLI.run(arguments, environment: environment, directory: directory)
        }
        let emitted = try tool(["feed", "emit", scenario, "--days", "52", "--seed", "41", "-o", "feed.hl7"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        let ingested = try tool(["ingest", "feed.hl7"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let backtest = ["backtest", scenario, "--from", "2026-02-16", "--to", "2026-02-18", "--horizon", "5",
                        "--replications", "8", "--threads", "2"]
        let first = try tool(backtest + ["--store", "--format", "csv", "-o", "first.csv", "--html", "first.html"])
        #expect(first.status == 0, "\(first.stderr)")
        let id = try #require(CLI.number(after: "stored backtest ", in: first.stderr), "\(first.stderr)")
        let again = try tool(["report", String(id), "--as", "backtest", "--format", "csv", "-o", "again.csv", "--html", "again.html"])
        #expect(again.status == 0, "\(again.stderr)")
        for file in ["csv", "html"] {
            let a = try Data(contentsOf: directory.appendingPathComponent("first.\(file)"))
            let b = try Data(contentsOf: directory.appendingPathComponent("again.\(file)"))
            #expect(a == b && !a.isEmpty, "\(file) rendered again differs")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("first.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("method,group,unit,horizon_days,origins,mae,bias,mase,coverage_50,coverage_80,coverage_90,coverage_95,pinball,crps,brier\n"))
        #expect(csv.contains("\ntwin,general_and_acute,,1,3,") && csv.contains("\nseasonal_naive,critical_care,,5,3,"))
        let table = try tool(["report", String(id), "--as", "backtest"])
        #expect(table.status == 0 && table.stdout.contains("General and acute (all units)"), "\(table.stderr)")
        let missing = try tool(["report", "999999", "--as", "backtest"])
        #expect(missing.status == 2 && missing.stderr.contains("no stored backtest has id 999999"), "\(missing.stderr)")
        for (options, says) in [(["--every", "0d"], "--every"), (["--at", "25:00"], "--at"), (["--horizon", "61"], "--horizon"),
                                (["--replications", "1"], "--replications"), (["--every", "99999999999999999999d"], "--every"),
                                (["--fans", "21"], "--fans"), (["--from", "2026-02-30"], "--from must be a date"),
                                (["--to", "2026-02-01"], "is after --to"),
                                (["--recalibrate", "--recalibrate-every", "0d"], "--recalibrate-every"),
                                (["--recalibrate", "--calibration-days", "30"], "--calibration-days")] {
            let bad = try tool(backtest + options)
            #expect(bad.status == 64 && bad.stderr.contains(says), "\(options): \(bad.stderr)")
        }
        // Outputs are checked before any work: not an input, not each other, in a folder that exists.
        for (options, says) in [(["-o", scenario], "an input of this command"), (["-o", "same.csv", "--html", "same.csv"], "the same file"),
                                (["-o", "missing/out.csv"], "does not exist")] {
            let refused = try tool(backtest + options)
            #expect(refused.status == 2 && refused.stderr.contains(says) && !refused.stderr.contains("read "), "\(options): \(refused.stderr)")
        }
        let late = try tool(["backtest", scenario, "--from", "2026-02-16", "--to", "2026-02-26", "--replications", "2"])
        #expect(late.status == 2 && late.stderr.contains("choose --to"), "\(late.stderr)")
    }
}

@Suite("a backtest job on the server", .enabled(if: TestDatabase.runs("a backtest job on the server")), .serialized)
struct BacktestJobTests {
    @Test("a planner POSTs a backtest job to serve; the job's stored backtest reports byte for byte as the command line's backtest --store of the same settings; a viewer is refused, a window the log cannot score is a 422")
    func backtestJob() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try CLI.ownDatabase("backtestjob")
        defer { database.drop() }
        let environment = database.environment
        func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try CLI.run(arguments, environment: environment, directory: directory)
        }
        let file = CLI.repository("scenarios/general-hospital.yaml")
        #expect(try tool(["feed", "emit", file, "--days", "52", "--seed", "41", "-o", "feed.hl7"]).status == 0)
        #expect(try tool(["ingest", "feed.hl7"]).status == 0)
        let store = try RunStore(connection: DatabaseConnection(url: try #require(environment["HOSPITAL_TWIN_DATABASE_URL"])))
        let scenario = try Inputs.scenario(file)
        let stored = try store.storeScenario(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self),
                                             sourcePath: file)
        var tokens: [String: String] = [:]
        for (name, role) in [("plan", "planner"), ("look", "viewer")] {
            #expect(try tool(["users", "add", name, "--role", role, "--no-password"]).status == 0)
            tokens[role] = try tool(["users", "token", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let server = try CLI.Running(["serve", "--port", "0", "--jobs", "1", "--job-threads", "1"], environment: environment, directory: directory)
        defer { kill(server.pid, SIGTERM); _ = server.wait() }
        #expect(server.waitForError(containing: "listening on http://127.0.0.1:", seconds: 60), "\(server.stderr)")
        let port = try #require(server.stderr.components(separatedBy: "listening on http://127.0.0.1:").last?.prefix { $0.isNumber })
        func post(_ body: String, as role: String) async throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/jobs")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(tokens[role]!)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
        }
        let body = #"{"kind": "backtest", "scenario_id": \#(stored.id), "from": "2026-02-16", "to": "2026-02-18", "horizon_days": 5, "replications": 8}"#
        #expect(try await post(body, as: "viewer").0 == 403)
        let late = try await post(body.replacingOccurrences(of: "2026-02-18", with: "2026-02-26"), as: "planner")
        #expect(late.0 == 422 && "\(late.1["detail"] ?? "")".contains("choose --to"), "\(late)")
        let (status, job) = try await post(body, as: "planner")
        #expect(status == 202, "\(job)")
        let id = Int64(try #require(job["id"] as? Int))
        #expect((job["request"] as? [String: Any])?["origins"] as? Int == 3 && (job["progress"] as? [String: Any])?["counts"] as? String == "origins")
        let deadline = Date().addingTimeInterval(600)
        while !(try #require(try store.job(id)).status.isFinal), Date() < deadline { try await Task.sleep(for: .milliseconds(500)) }
        let done = try #require(try store.job(id))
        #expect(done.status == .completed && done.runs.isEmpty, "\(done)")
        let backtest = try #require(try store.plannedBacktest(done.plan)?.backtest)
        #expect(try store.progress(of: done) == (3, 3))
        // The command line's backtest of the same settings, reported as the job's is.
        let cli = try tool(["backtest", file, "--from", "2026-02-16", "--to", "2026-02-18", "--horizon", "5", "--replications", "8", "--store"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let other = try #require(CLI.number(after: "stored backtest ", in: cli.stderr), "\(cli.stderr)")
        let a = try tool(["report", String(backtest), "--as", "backtest", "--format", "csv"])
        let b = try tool(["report", String(other), "--as", "backtest", "--format", "csv"])
        #expect(a.status == 0 && a.stdout == b.stdout && a.stdout.contains("\ntwin,general_and_acute,,1,3,"), "\(a.stderr)")
    }
}
