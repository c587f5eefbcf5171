import Foundation
import Store
import Testing
import TestSupport

/// `hospital-twin calibrate` as a user runs it, on a database of its own (calibration reads the whole event log).
@Suite("calibrate from the command line", .enabled(if: TestDatabase.runs("calibrate from the command line")), .serialized)
struct CalibrateCommandTests {
    @Test("feed emit, ingest, calibrate: a scenario extending the base and a twin model beside it, which validate and forecast live; an existing file is never overwritten without --replace; bad options exit 64, bad outputs and a short window 2")
    func calibrateWritesAScenario() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try CLI.ownDatabase("calibrate")
        defer { database.drop() }
        let environment = database.environment
        let scenario = CLI.repository("scenarios/general-hospital.yaml")
        func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try CLI.run(arguments, environment: environment, directory: directory)
        }
        let emitted = try tool(["feed", "emit", scenario, "--days", "68", "--seed", "43", "-o", "feed.hl7", "--duplicates", "0.02",
                                "--out-of-order", "0.05", "--merges", "0.02"])
        #expect(emitted.status == 0, "\(emitted.stderr)")
        let ingested = try tool(["ingest", "feed.hl7"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let calibrate = ["calibrate", "--base", scenario, "--from", "2026-01-12", "--to", "2026-03-10", "--replications", "2",
                         "--threads", "2"]
        let first = try tool(calibrate + ["-o", "my-hospital.yaml", "--format", "json", "--report", "calibration.json",
                                          "--html", "calibration.html"])
        #expect(first.status == 0, "\(first.stderr)")
        let written = directory.appendingPathComponent("my-hospital.yaml")
        let text = try String(contentsOf: written, encoding: .utf8)
        #expect(text.contains("extends: \"") && text.contains("twin_model: \"my-hospital.twin-model.json\"")
                && text.contains("hour_of_week_profile: [") && text.contains("stay_scale: {"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("my-hospital.twin-model.json").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("draft") || $0.contains("partial") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("calibration.json"))) as? [String: Any]
        let arrivals = report?["arrivals"] as? [String: Any]
        let perDay = try #require(arrivals?["per_day"] as? Double)
        // The base's 265 a day, within 3.29 Poisson standard errors of a 58-day mean.
        #expect(abs(perDay - 265) <= 3.29 * (265.0 / 58).squareRoot(), "\(perDay)")
        #expect((report?["census"] as? [[String: Any]])?.count == 2)
        #expect(arrivals?["ed_full_hours"] is Double)
        // Critical care's own factor: sought only where its ratio at the stay scale was beyond the tolerance, then
        // that ratio (within 0.5–2), with the check after it; else 1 and no ratios.
        let criticalCare = try #require(report?["critical_care_scale"] as? Double)
        let criticalCareRatios = try #require(report?["critical_care_ratios"] as? [Double])
        if let before = criticalCareRatios.first {
            #expect(criticalCareRatios.count == 2 && abs(before - 1) > 0.03 && abs(criticalCare - max(0.5, min(2, before))) < 1e-12,
                    "\(criticalCare) \(criticalCareRatios)")
        } else {
            #expect(criticalCare == 1)
        }
        // The documented theatre_times fields; the feed is the base's own, so each factor written is the observed median
        // over the base's, and the observed median lies in its own interval.
        let times = try #require(report?["theatre_times"] as? [[String: Any]])
        #expect(!times.isEmpty)
        for time in times {
            let median = try #require(time["observed_median_minutes"] as? Double)
            let interval = try #require(time["median_interval"] as? [Double])
            let base = try #require(time["base_median_minutes"] as? Double)
            let factor = try #require(time["factor"] as? Double)
            #expect(interval.count == 2 && interval[0] <= median && median <= interval[1], "\(time)")
            #expect(time["observed_mean_minutes"] is Double && time["base_mean_minutes"] is Double && time["operations"] is Int)
            if let operations = time["operations"] as? Int, operations >= 30 { #expect(abs(factor - median / base) < 1e-9) }
        }
        // The documented bed_waits fields: each clinical share is that of the time the fit holds (the waits but the
        // windows'), below 1 where the run added a wait; each factor is the share times the fitted mean over the
        // feed's patients over the run's mean clinical stay (the run was at stay scale 1) where enough stays were run
        // (the share alone without a fitted mean), else 1. Each stay's fitted mean is in stays' mean_days.
        let waits = try #require(report?["bed_waits"] as? [[String: Any]])
        let curves = try #require(report?["stays"] as? [[String: Any]])
        #expect(!waits.isEmpty)
        for wait in waits {
            let clinical = try #require(wait["mean_clinical_days"] as? Double)
            let waiting = try #require(wait["mean_waiting_days"] as? Double)
            let stays = try #require(wait["stays"] as? Int)
            let factor = try #require(wait["factor"] as? Double)
            let window = try #require(wait["mean_window_waiting_days"] as? Double)
            let share = try #require(wait["clinical_share"] as? Double)
            #expect(wait["pathway"] is String && wait["state"] is String)
            #expect(window >= 0 && window <= waiting + 1e-12, "\(wait)")
            #expect(abs(share - clinical / (clinical + waiting - window)) < 1e-9, "\(wait)")
            let curve = curves.first { $0["pathway"] as? String == wait["pathway"] as? String && $0["state"] as? String == wait["state"] as? String }
            let mean = wait["fitted_mean_days"] as? Double
            #expect(mean == curve?["mean_days"] as? Double, "\(wait)")
            let expected = stays < 20 ? 1 : share * (mean.map { $0 / clinical } ?? 1)
            #expect(abs(factor - expected) < 1e-9, "\(wait)")
        }
        #expect(waits.contains { ($0["clinical_share"] as? Double ?? 1) < 1 })
        #expect(waits.contains { $0["fitted_mean_days"] is Double })
        let html = try String(contentsOf: directory.appendingPathComponent("calibration.html"), encoding: .utf8)
        #expect(html.contains("Census check") && html.contains("Kaplan–Meier") && html.contains("Waits the model adds in a bed"))
        let valid = try tool(["validate", "my-hospital.yaml"])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        let live = try tool(["forecast", "my-hospital.yaml", "--live", "--at", "2026-03-10T23:59", "--days", "3", "--replications", "4"])
        #expect(live.status == 0 && live.stdout.contains("General and acute"), "\(live.stderr)")

        // Again without --replace: refused before any work, the file untouched.
        let before = try Data(contentsOf: written)
        let again = try tool(calibrate + ["-o", "my-hospital.yaml"])
        #expect(again.status == 2 && again.stderr.contains("exists") && again.stderr.contains("--replace") && !again.stderr.contains("read "),
                "\(again.stderr)")
        #expect(try Data(contentsOf: written) == before)
        for (options, says) in [(["--from", "2026-02-30", "-o", "x.yaml"], "--from must be a date"),
                                (["--to", "2026-01-01", "-o", "x.yaml"], "is after --to"),
                                (["-o", "x.txt"], "-o must name a scenario file"),
                                (["--replications", "1", "-o", "x.yaml"], "--replications")] {
            let bad = try tool(calibrate + options)
            #expect(bad.status == 64 && bad.stderr.contains(says), "\(options): \(bad.stderr)")
        }
        for (options, says) in [(["-o", scenario, "--replace"], "an input of this command"),
                                (["-o", "missing/x.yaml"], "does not exist"),
                                (["-o", "y.yaml", "--model", "y.yaml"], "the same file")] {
            let refused = try tool(calibrate + options)
            #expect(refused.status == 2 && refused.stderr.contains(says) && !refused.stderr.contains("read "), "\(options): \(refused.stderr)")
        }
        let short = try tool(["calibrate", "--base", scenario, "--from", "2026-01-12", "--to", "2026-02-12", "-o", "short.yaml"])
        #expect(short.status == 2 && short.stderr.contains("at least 56"), "\(short.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("short.yaml").path))
    }
}
