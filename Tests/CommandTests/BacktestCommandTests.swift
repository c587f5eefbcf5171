import Foundation
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
