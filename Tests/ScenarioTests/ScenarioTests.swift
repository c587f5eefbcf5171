import Foundation
import HospitalModel
import Reports
import Scenario
import Simulation
import Testing
import TestSupport

/// Scenario text written to a temporary directory, read back by path.
final class ScenarioFiles {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "scenario-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func writeData(_ name: String, _ data: Data) throws -> String {
        let path = directory + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The problems of a scenario that must fail, with the directory stripped from their locations.
func problems(_ path: String, in files: ScenarioFiles) -> [String] {
    do {
        _ = try Scenario.load(path: path)
        return []
    } catch {
        return error.problems.map { $0.description.replacingOccurrences(of: files.directory + "/", with: "") }
    }
}

/// A small valid scenario to vary.
let minimal = """
    name: minimal
    emergency_department:
      attendances_per_day: 40
      cubicles: 10
      assessment_minutes: 30
      discharged_stay_minutes: {distribution: lognormal, mean: 150, sd: 60}
      triage:
        - {category: 3, share: 0.6, admit: 0.3}
        - {category: 4, share: 0.4, admit: 0.05}
      admitted_pathways: {emergency_medical: 1}
    units:
      - {name: Ward A, type: ward, beds: 20}
      - {name: ICU, type: icu, beds: 4}
    staff:
      shifts:
        - {name: day, from: "08:00", to: "20:00"}
        - {name: night, from: "20:00", to: "08:00"}
      rosters:
        - {unit: Ward A, group: registered_nurse, shift: day, headcount: 3}
        - {unit: Ward A, group: registered_nurse, shift: night, headcount: 2}
    """

@Suite("scenario files")
struct ScenarioFileTests {
    @Test("the reference scenarios are valid and describe the hospitals they claim to", arguments: [
        ("scenarios/demo.yaml", 6, 144), ("scenarios/general-hospital.yaml", 18, 463),
        ("scenarios/general-hospital-night-nurses.yaml", 18, 463),
        ("scenarios/general-hospital-saturday-list.yaml", 18, 463), ("scenarios/shadow-hospital.yaml", 18, 463),
    ])
    func referenceScenarios(path: String, units: Int, beds: Int) throws {
        let scenario = try Scenario.load(path: Repository.path(path))
        #expect(scenario.configuration.units.count == units)
        #expect(scenario.configuration.units.reduce(0) { $0 + $1.beds } == beds)
        #expect(scenario.configuration.problems.isEmpty)
    }

    @Test("every file in scenarios/ is checked by the test above")
    func everyScenarioListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.path("scenarios"))
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == ["demo.yaml", "general-hospital-night-nurses.yaml", "general-hospital-saturday-list.yaml",
                          "general-hospital.yaml", "shadow-hospital.yaml"])
    }

    /// The merged document of a scenario as a JSON object.
    func document(_ path: String) throws -> [String: Any] {
        let data = try Scenario.load(path: Repository.path(path)).canonicalJSON
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("the staffing variants differ from general-hospital only in what they say they change")
    func variants() throws {
        let base = try document("scenarios/general-hospital.yaml")
        func same(_ a: Any?, _ b: Any?) throws -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return try JSONSerialization.data(withJSONObject: a, options: [.sortedKeys, .fragmentsAllowed])
                == JSONSerialization.data(withJSONObject: b, options: [.sortedKeys, .fragmentsAllowed])
        }
        func rosters(_ document: [String: Any]) -> [[String: Any]] {
            ((document["staff"] as? [String: Any])?["rosters"] as? [[String: Any]]) ?? []
        }
        let keys = Set(base.keys).subtracting(["name", "description", "extends"])
        // Two more night nurses: two roster lines change, by one nurse each; nothing else does.
        let nurses = try document("scenarios/general-hospital-night-nurses.yaml")
        for key in keys where key != "staff" { #expect(try same(base[key], nurses[key]), "\(key)") }
        let pairs = zip(rosters(base), rosters(nurses)).filter { !((try? same($0.0, $0.1)) ?? false) }
        #expect(rosters(base).count == rosters(nurses).count && pairs.count == 2)
        for (before, after) in pairs {
            #expect(after["shift"] as? String == "night" && after["group"] as? String == "registered_nurse")
            #expect((after["headcount"] as? Int).map { $0 - 1 } == before["headcount"] as? Int)
        }
        // A Saturday list: one more session and one more roster line; nothing else.
        let saturday = try document("scenarios/general-hospital-saturday-list.yaml")
        for key in keys where key != "staff" && key != "theatres" { #expect(try same(base[key], saturday[key]), "\(key)") }
        let sessions = { (d: [String: Any]) in ((d["theatres"] as? [String: Any])?["sessions"] as? [Any])?.count ?? 0 }
        #expect(sessions(saturday) == sessions(base) + 1)
        #expect(rosters(saturday).count == rosters(base).count + 1)
        // The goal run's shadow: its start, every pathway's stays × 1.15, and the ED's level and yearly profile; the
        // rest of the ED as the base's.
        let shadow = try document("scenarios/shadow-hospital.yaml")
        for key in keys where !["start", "stay_scale", "emergency_department"].contains(key) {
            #expect(try same(base[key], shadow[key]), "\(key)")
        }
        #expect(shadow["start"] as? String == "2025-12-06")
        let scales = try #require(shadow["stay_scale"] as? [String: Any])
        #expect(scales.count == 6 && scales.values.allSatisfy { ($0 as? Double) == 1.15 })
        var department = try #require(shadow["emergency_department"] as? [String: Any])
        let baseDepartment = try #require(base["emergency_department"] as? [String: Any])
        #expect(department["attendances_per_day"] as? Double == 245)
        #expect((department["monthly_profile"] as? [Double])?.count == 12)
        department["attendances_per_day"] = baseDepartment["attendances_per_day"]
        department["monthly_profile"] = baseDepartment["monthly_profile"]
        #expect(try same(department, baseDepartment))
    }

    @Test("the general hospital: about 450 beds, about 250 ED attendances a day, a dozen wards, ICU and HDU, 8 theatres")
    func generalHospitalSize() throws {
        let c = try Scenario.load(path: Repository.path("scenarios/general-hospital.yaml")).configuration
        let perDay = c.emergencyDepartment.attendances.meanRatePerHour * 24
        #expect(abs(perDay - 265) < 1e-9 && abs(perDay - 250) <= 25, "about 250: within a tenth")
        #expect(c.units.filter { $0.kind == .ward }.count >= 12)
        #expect(c.units.contains { $0.kind == .icu } && c.units.contains { $0.kind == .hdu })
        #expect((c.theatres?.rooms ?? 0) + (c.theatres?.emergencyRooms ?? 0) == 8)
        let beds = c.units.reduce(0) { $0 + $1.beds }
        #expect((420...500).contains(beds))
    }

    @Test("a minimal scenario reads, with the schema's defaults filled in")
    func defaults() throws {
        let files = try ScenarioFiles()
        let scenario = try Scenario.load(path: try files.write("minimal.yaml", minimal))
        let c = scenario.configuration
        #expect(c.timeZone.identifier == "Europe/London" && c.start.description == "2026-01-05T00:00")
        #expect(scenario.run == RunSettings(horizonDays: 365, warmUpDays: 28, replications: 10, seed: 1))
        #expect(c.emergencyDepartment.targetMinutes == 240 && c.outlying.allowed && c.outlying.stayMultiplier == 1.1)
        #expect(c.staffing.ratios.defaultLevel0 == 8 && c.staffing.roster.count == 2)
        // The default hourly profile, normalised, times the weekday profile: 40 a day on average over the week.
        #expect(abs(c.emergencyDepartment.attendances.meanRatePerHour * 24 - 40) < 1e-9)
    }

    @Test("start: a date is its midnight, a local time is to the minute; anything else is a located problem")
    func startTime() throws {
        let files = try ScenarioFiles()
        let timed = try Scenario.load(path: try files.write("timed.yaml", minimal + "\nstart: 2026-06-02T14:30\n"))
        #expect(timed.configuration.start == LocalDateTime(year: 2026, month: 6, day: 2, hour: 14, minute: 30))
        let dated = try Scenario.load(path: try files.write("dated.yaml", minimal + "\nstart: 2026-06-02\n"))
        #expect(dated.configuration.start == LocalDateTime(year: 2026, month: 6, day: 2))
        // Moved to a time and back again: the document says the time (so a stored run starts there), a midnight
        // as a date.
        let moved = dated.starting(at: LocalDateTime(year: 2026, month: 6, day: 3, hour: 9, minute: 5))
        #expect(moved.document["start"]?.text == "2026-06-03T09:05" && moved.configuration.start.hour == 9)
        #expect(moved.starting(at: LocalDateTime(year: 2026, month: 6, day: 4)).document["start"]?.text == "2026-06-04")
        for wrong in ["2026-06-02T24:00", "2026-06-02T14:30:00", "2026-06-02 14:30", "2026-06-02T14:30Z", "2026-06-02T1430",
                      "2026-06-31T10:00", "2026-06-02T", "T14:30", "2026-06-02T14:30T14:30", "２０２６-06-02"] {
            let path = try files.write("wrong.yaml", minimal + "\nstart: \"\(wrong)\"\n")
            let found = problems(path, in: files)
            #expect(found.count == 1 && found[0].contains("wrong.yaml:") && found[0].contains("start")
                    && found[0].contains("must be a date YYYY-MM-DD or a local time YYYY-MM-DDTHH:MM"), "\(wrong): \(found)")
        }
    }

    @Test("monthly_profile and stay_scale: read into the configuration, and located problems for a wrong count, zeros, a look-alike pathway, a zero scale")
    func monthlyProfileAndStayScale() throws {
        let files = try ScenarioFiles()
        let good = try files.write("good.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  monthly_profile: [2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]")
            + "\nstay_scale: {emergency_medical: 1.5, stroke: 0.8}\n")
        let scenario = try Scenario.load(path: good)
        #expect(scenario.configuration.emergencyDepartment.monthlyProfile.factors.first == 2 / (15.0 / 12))
        #expect(scenario.configuration.stayScale == [.emergencyMedical: 1.5, .stroke: 0.8])
        #expect(try Scenario.load(path: files.write("plain.yaml", minimal)).configuration.emergencyDepartment.monthlyProfile.isFlat)
        let bad = try files.write("bad.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  monthly_profile: [1, 1, 1]")
            + "\nstay_scale: {emergency_medicine: 1.5, stroke: 0}\n")
        let found = problems(bad, in: files)
        #expect(found.contains { $0.hasPrefix("bad.yaml:5:20: emergency_department.monthly_profile:") && $0.contains("12") },
                "\(found)")
        #expect(found.contains { $0.contains("stay_scale.emergency_medicine") && $0.contains("emergency_medical") }, "\(found)")
        #expect(found.contains { $0.contains("stay_scale.stroke") && $0.contains("> 0") }, "\(found)")
        let zeros = try files.write("zeros.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  monthly_profile: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"))
        #expect(problems(zeros, in: files).contains { $0.contains("monthly_profile") && $0.contains("needs a month") })
        let odd = try files.write("odd.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  monthly_profile: [.nan, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, .inf]")
            + "\nstay_scale: {stroke: .inf, Stroke: 2}\n")
        let found2 = problems(odd, in: files)
        #expect(found2.contains { $0.contains("monthly_profile[0]") && $0.contains(".nan") }, "\(found2)")
        #expect(found2.contains { $0.contains("monthly_profile[11]") && $0.contains(".inf") }, "\(found2)")
        #expect(found2.contains { $0.contains("stay_scale.stroke") && $0.contains(".inf") }, "\(found2)")
        #expect(found2.contains { $0.contains("stay_scale.Stroke") && $0.contains("did you mean 'stroke'") }, "\(found2)")
    }

    @Test("stay_scale_spread: read (default 0), and a value out of 0–0.5, a word or a look-alike key located")
    func stayScaleSpread() throws {
        let files = try ScenarioFiles()
        #expect(try Scenario.load(path: files.write("plain.yaml", minimal)).configuration.stayScaleSpread == 0)
        let good = try files.write("spread.yaml", minimal + "\nstay_scale_spread: 0.011\n")
        #expect(try Scenario.load(path: good).configuration.stayScaleSpread == 0.011)
        for (value, said) in [("0.6", "<= 0.5, found 0.6"), ("-0.01", ">= 0, found -0.01"), (".nan", ".nan"), ("wide", "wide")] {
            let bad = try files.write("bad.yaml", minimal + "\nstay_scale_spread: \(value)\n")
            let found = problems(bad, in: files)
            #expect(found.count == 1 && found[0].hasPrefix("bad.yaml:") && found[0].contains("stay_scale_spread")
                    && found[0].contains(said), "\(value): \(found)")
        }
        let alike = try files.write("alike.yaml", minimal + "\nstay_scale_sprad: 0.01\n")
        #expect(problems(alike, in: files).contains { $0.contains("did you mean 'stay_scale_spread'") }, "\(problems(alike, in: files))")
    }

    @Test("hour_of_week_profile: 168 relative rates replace hourly × weekday (rate = attendances_per_day × 7 × share); a wrong count, zeros, .nan located")
    func hourOfWeekProfile() throws {
        let files = try ScenarioFiles()
        var rates = [Double](repeating: 1, count: 168)
        rates[0] = 3     // Monday 00:00 three times as busy as any other hour
        let good = try files.write("week.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  hour_of_week_profile: [" + rates.map { String($0) }.joined(separator: ", ") + "]"))
        let profile = try Scenario.load(path: good).configuration.emergencyDepartment.attendances
        // 40 a day × 7 days over a total of 170: Monday 00:00 gets 3/170 of 280 an hour, every other hour 1/170 of it.
        #expect(abs(profile.ratesPerHour[0] - 280 * 3 / 170) < 1e-9 && abs(profile.ratesPerHour[1] - 280.0 / 170) < 1e-9)
        #expect(abs(profile.meanRatePerHour * 24 - 40) < 1e-9)
        let short = try files.write("short.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  hour_of_week_profile: [1, 2, 3]"))
        #expect(problems(short, in: files).contains { $0.contains("hour_of_week_profile") && $0.contains("168") })
        let zeros = try files.write("zero.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  hour_of_week_profile: [" + [String](repeating: "0", count: 168).joined(separator: ", ") + "]"))
        #expect(problems(zeros, in: files).contains { $0.contains("hour_of_week_profile") && $0.contains("needs an hour") })
        let odd = try files.write("nan.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  hour_of_week_profile: [.nan" + String(repeating: ", 1", count: 167) + "]"))
        #expect(problems(odd, in: files).contains { $0.contains("hour_of_week_profile[0]") && $0.contains(".nan") })
    }

    @Test("the hospital honours monthly_profile: a year's ED attendances in January and July against their Poisson means")
    func hospitalFollowsMonthlyProfile() throws {
        let files = try ScenarioFiles()
        let path = try files.write("seasonal.yaml", minimal.replacingOccurrences(
            of: "  cubicles: 10", with: "  cubicles: 10\n  monthly_profile: [3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n  hourly_profile: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n  weekday_profile: [1, 1, 1, 1, 1, 1, 1]")
            + "\nstart: 2026-01-01\ntime_zone: UTC\n")
        let scenario = try Scenario.load(path: path)
        let run = try HospitalSimulation.run(try PreparedHospital(scenario.configuration, horizonDays: 365), horizonDays: 365,
                                             warmUpDays: 0, streams: RandomStreams(masterSeed: 4))
        let months = Dictionary(uniqueKeysWithValues: run.kpis.months.map { ($0.month, $0.edAttendances) })
        let mean = 14.0 / 12
        for (month, factor) in [("2026-01", 3.0), ("2026-07", 1.0)] {
            let expected = 40 * factor / mean * 31
            let seen = Double(try #require(months[month]))
            #expect(abs(seen - expected) <= Tolerance.z * expected.squareRoot(), "\(month): \(seen) against \(expected)")
        }
    }

    @Test("every problem in a file is reported at once, with file, line, column, key, what is wrong and what was expected")
    func locatedProblems() throws {
        let files = try ScenarioFiles()
        let text = minimal
            .replacingOccurrences(of: "{name: Ward A, type: ward, beds: 20}", with: "{name: Ward A, type: ward, beds: -2}")
            .replacingOccurrences(of: "  cubicles: 10", with: "  cubicles: 10\n  bedz: 3")
            .replacingOccurrences(of: "{unit: Ward A, group: registered_nurse, shift: night, headcount: 2}",
                                  with: "{unit: Ward B, group: registered_nurse, shift: nite, headcount: 2}")
            .replacingOccurrences(of: "type: icu", with: "type: itu")
        let path = try files.write("bad.yaml", text)
        let found = problems(path, in: files)
        #expect(found.contains("bad.yaml:5:3: emergency_department.bedz: unknown key (known here: attendances_per_day, "
            + "hourly_profile, weekday_profile, hour_of_week_profile, monthly_profile, cubicles, capacity, boarding_limit, target_minutes, assessment_minutes, "
            + "discharged_stay_minutes, triage, admitted_pathways, same_day_emergency_care)"), "\(found)")
        #expect(found.contains("bad.yaml:13:38: units[0].beds: must be a whole number >= 0, found -2"), "\(found)")
        #expect(found.contains { $0.hasPrefix("bad.yaml:14:23: units[1].type: must be one of assessment_unit, ward, "
            + "stroke_unit, icu, hdu, found 'itu'; did you mean 'icu'?") }, "\(found)")
        // The cross-references are checked in the same pass as the schema: every problem at once.
        #expect(found.contains { $0.hasPrefix("bad.yaml:21:14: staff.rosters[1].unit: no unit named 'Ward B'") }, "\(found)")
        #expect(found.count == 4, "\(found)")
        // With the schema satisfied, the cross-references are checked.
        let crossText = minimal.replacingOccurrences(
            of: "{unit: Ward A, group: registered_nurse, shift: night, headcount: 2}",
            with: "{unit: Ward B, group: registered_nurse, shift: nite, headcount: 2}")
        let cross = problems(try files.write("cross.yaml", crossText), in: files)
        #expect(cross == ["cross.yaml:20:14: staff.rosters[1].unit: no unit named 'Ward B'; did you mean 'Ward A'?"], "\(cross)")
        let shiftText = minimal.replacingOccurrences(
            of: "{unit: Ward A, group: registered_nurse, shift: night, headcount: 2}",
            with: "{unit: Ward A, group: registered_nurse, shift: nite, headcount: 2}")
        let shift = problems(try files.write("shift.yaml", shiftText), in: files)
        #expect(shift == ["shift.yaml:20:54: staff.rosters[1].shift: no shift named 'nite' in staff.shifts; did you mean 'night'?"],
                "\(shift)")
    }

    @Test("unknown keys get the nearest known key suggested", arguments: [
        ("atendances_per_day", "attendances_per_day"), ("cubicle", "cubicles"),
        ("discharged_stay_minute", "discharged_stay_minutes"),
    ])
    func didYouMean(wrong: String, right: String) throws {
        let files = try ScenarioFiles()
        let path = try files.write("typo.yaml", minimal.replacingOccurrences(of: "  \(right):", with: "  \(wrong):"))
        let found = problems(path, in: files)
        #expect(found.contains { $0.contains("emergency_department.\(wrong): unknown key; did you mean '\(right)'?") }, "\(found)")
    }

    @Test("values of the wrong kind name what was expected", arguments: [
        ("  cubicles: 10", "  cubicles: ten", "emergency_department.cubicles: must be a whole number >= 1, found 'ten'"),
        ("assessment_minutes: 30", "assessment_minutes: {distribution: lognormal, mean: -3, sd: 2}",
         "assessment_minutes: mean: must be > 0 and finite, found -3"),
        ("assessment_minutes: 30", "assessment_minutes: {distribution: gaussian, mean: 3}",
         "distribution: expected one of exponential, fixed, gamma, lognormal, triangular, uniform, weibull, found 'gaussian'"),
        ("from: \"08:00\"", "from: \"25:00\"", "staff.shifts[0].from: must be a time of day HH:MM from 00:00 to 23:59, found '25:00'"),
        ("{category: 3, share: 0.6, admit: 0.3}", "{category: 3, share: 0.6, admit: 1.3}",
         "emergency_department.triage[0].admit: must be a number <= 1, found 1.3"),
    ])
    func wrongKinds(original: String, replacement: String, message: String) throws {
        let files = try ScenarioFiles()
        let found = problems(try files.write("kind.yaml", minimal.replacingOccurrences(of: original, with: replacement)), in: files)
        #expect(found.contains { $0.hasSuffix(message) }, "\(found)")
        #expect(found.allSatisfy { $0.hasPrefix("kind.yaml:") })
    }

    @Test("empty files, YAML syntax errors and binary garbage are refused with a located message, never a crash")
    func unreadableFiles() throws {
        let files = try ScenarioFiles()
        #expect(problems(try files.write("empty.yaml", ""), in: files).first?
            .hasPrefix("empty.yaml:1:1: the file is empty: expected a scenario") == true)
        #expect(problems(try files.write("comments.yaml", "# nothing here\n\n"), in: files).first?.contains("the file is empty") == true)
        let syntax = problems(try files.write("syntax.yaml", "name: x\nunits: [ {name: a, beds: 3\n"), in: files)
        #expect(syntax.count == 1 && syntax[0].hasPrefix("syntax.yaml:3:") && syntax[0].contains("YAML syntax"), "\(syntax)")
        let tabs = problems(try files.write("indent.yaml", "name: x\n  units: 3\n bad: [\n"), in: files)
        #expect(tabs.count == 1 && tabs[0].contains("YAML syntax"), "\(tabs)")
        var garbage = Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00])
        garbage.append(contentsOf: (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        let binary = problems(try files.writeData("binary.yaml", garbage), in: files)
        #expect(binary.count == 1 && binary[0].hasPrefix("binary.yaml:1:")
            && (binary[0].contains("not UTF-8 text") || binary[0].contains("binary file")), "\(binary)")
        let control = problems(try files.writeData("control.yaml", Data("name: x\nunits: \u{01}\u{02}\n".utf8)), in: files)
        #expect(control == ["control.yaml:2:8: a control character (U+0001) where text was expected: this looks like a "
            + "binary file, not a YAML scenario"], "\(control)")
        let latin1 = problems(try files.writeData("latin1.yaml", Data("name: caf\u{E9}\n".utf8.dropLast(3) + [0xE9, 0x0A])),
                              in: files)
        #expect(latin1 == ["latin1.yaml:1:10: not UTF-8 text: byte 0xE9 cannot start or continue a character; a scenario is a YAML text file"],
                "\(latin1)")
        #expect(problems(try files.write("list.yaml", "- a\n- b\n"), in: files)
            == ["list.yaml:1:1: a scenario is a mapping of keys such as name, units and staff; found a list"])
        #expect(problems(files.directory + "/missing.yaml", in: files).first?.hasSuffix("missing.yaml: no such file") == true)
        let duplicate = problems(try files.write("dup.yaml", minimal + "\nname: again\n"), in: files)
        #expect(duplicate.count == 1 && duplicate[0].contains("name") && duplicate[0].contains("twice"), "\(duplicate)")
    }

    @Test("extends: a variant changes only what it says; lists with an identity merge item by item")
    func extends() throws {
        let files = try ScenarioFiles()
        try files.write("base.yaml", minimal)
        let variant = try files.write("variant.yaml", """
            extends: base.yaml
            name: more night nurses
            staff:
              rosters:
                - {unit: Ward A, group: registered_nurse, shift: night, headcount: 4}
                - {unit: ICU, group: registered_nurse, shift: night, headcount: 4}
            units:
              - {name: Ward A, beds: 24}
            """)
        let scenario = try Scenario.load(path: variant)
        let c = scenario.configuration
        #expect(c.name == "more night nurses")
        #expect(c.units.map(\.beds) == [24, 4] && c.units[0].kind == .ward)
        #expect(c.staffing.roster.map(\.headcount) == [3, 4, 4])
        #expect(c.staffing.shifts.count == 2 && c.emergencyDepartment.cubicles == 10)
        // The merged document keeps where each value came from.
        guard case .mapping = scenario.document else { Issue.record("not a mapping"); return }
        #expect(scenario.document["units"]?.items?[0]["beds"]?.location.file.hasSuffix("variant.yaml") == true)
        #expect(scenario.document["units"]?.items?[0]["type"]?.location.file.hasSuffix("base.yaml") == true)
    }

    @Test("the new hospital options refuse what cannot run, each at its key: a protocol stood down above its trigger, SDEC closing before it opens, a triage category that does not exist")
    func optionMeanings() throws {
        let files = try ScenarioFiles()
        try files.write("base.yaml", minimal)
        let path = try files.write("options.yaml", """
            extends: base.yaml
            name: options
            full_capacity_protocol: {declare_at_boarders: 4, stand_down_at_boarders: 6}
            emergency_department:
              same_day_emergency_care: {places: 3, opens: "20:00", closes: "08:00", share: 0.5, stay_minutes: 240, triage: [2, 9]}
            """)
        let found = problems(path, in: files)
        #expect(found == [
            "options.yaml:3:74: full_capacity_protocol.stand_down_at_boarders: must be from 0 to below declare_at_boarders (4), found 6",
            "options.yaml:5:64: emergency_department.same_day_emergency_care.closes: must be after opens (20:00), found 08:00",
            "options.yaml:5:116: emergency_department.same_day_emergency_care.triage[1]: must be a whole number <= 5, found 9",
        ], "\(found)")
    }

    @Test("extends: a missing base, a cycle and an error in the base are located")
    func extendsProblems() throws {
        let files = try ScenarioFiles()
        #expect(problems(try files.write("orphan.yaml", "extends: nowhere.yaml\nname: x\n"), in: files).first?
            .hasPrefix("orphan.yaml:1:10: extends: no scenario at 'nowhere.yaml'") == true)
        try files.write("a.yaml", "extends: b.yaml\nname: a\n")
        try files.write("b.yaml", "extends: a.yaml\nname: b\n")
        #expect(problems(files.directory + "/a.yaml", in: files).first?.contains("extends itself") == true)
        try files.write("broken.yaml", minimal.replacingOccurrences(of: "beds: 20", with: "beds: many"))
        let child = try files.write("child.yaml", "extends: broken.yaml\nname: child\n")
        #expect(problems(child, in: files) == ["broken.yaml:12:38: units[0].beds: must be a whole number >= 0, found 'many'"])
    }

    /// Every node of a document with its path, as the decoder names paths ("units[3].escalation.beds").
    static func paths(_ node: ScenarioNode, _ path: String = "") -> [(String, ScenarioNode)] {
        switch node {
        case .scalar: return [(path, node)]
        case .sequence(let items, _):
            return [(path, node)] + items.enumerated().flatMap { paths($1, "\(path)[\($0)]") }
        case .mapping(let pairs, _):
            return (path.isEmpty ? [] : [(path, node)]) + pairs.flatMap { paths($0.value, path.isEmpty ? $0.key : path + "." + $0.key) }
        }
    }

    /// `node` with the node at `path` replaced by `replacement`.
    static func replacing(_ path: String, in node: ScenarioNode, with replacement: ScenarioNode, at here: String = "") -> ScenarioNode {
        if here == path { return replacement }
        switch node {
        case .scalar: return node
        case .sequence(let items, let location):
            return .sequence(items.enumerated().map { replacing(path, in: $1, with: replacement, at: "\(here)[\($0)]") }, location)
        case .mapping(let pairs, let location):
            return .mapping(pairs.map { pair in
                (pair.key, pair.keyLocation,
                 replacing(path, in: pair.value, with: replacement, at: here.isEmpty ? pair.key : here + "." + pair.key))
            }, location)
        }
    }

    @Test("every value of a scenario, replaced by one of the wrong kind, is reported where it is: one pass reads it all",
          arguments: ["demo.yaml", "general-hospital.yaml"])
    func everyValueIsChecked(file: String) throws {
        let demo = Repository.path("scenarios/" + file)
        let document = try ScenarioLoader.load(path: demo)
        _ = try Scenario.build(document: document, path: demo)
        let all = Self.paths(document)
        #expect(all.count > 150)
        for (path, node) in all {
            // A list of a list is no scalar's value; a word is no list's, mapping's or distribution's.
            let wrong: ScenarioNode = node.text != nil
                ? .sequence([.sequence([], node.location)], node.location)
                : .scalar("seven", node.location, quoted: false)
            let mutated = Self.replacing(path, in: document, with: wrong)
            do {
                _ = try Scenario.build(document: mutated, path: demo)
                Issue.record("\(path): a wrong value was accepted")
            } catch {
                #expect(error.problems.contains { $0.location == node.location },
                        "\(path): no problem at \(node.location): \(error.problems.map(\.description))")
            }
        }
    }

    @Test("every default in the schema is a valid value of its own key")
    func schemaDefaults() throws {
        func check(_ type: SchemaType, _ path: String) {
            guard case .object(let fields) = type else { return }
            for field in fields {
                if let text = field.defaultValue {
                    let files = try! ScenarioFiles()
                    let node = try! ScenarioLoader.parse(data: Data("value: \(text)\n".utf8), file: files.directory + "/d.yaml")
                    var found: [ScenarioProblem] = []
                    ScenarioSchemaCheck.validate(node["value"]!, as: field.type, path: path + field.name, problems: &found)
                    #expect(found.isEmpty, "\(path)\(field.name): default \(text): \(found)")
                }
                switch field.type {
                case .object: check(field.type, path + field.name + ".")
                case .list(let element, _, _): check(element, path + field.name + "[].")
                default: break
                }
            }
        }
        check(ScenarioSchema.document, "")
    }

    @Test("the JSON Schema is JSON, forbids unknown keys and requires what the validator requires")
    func jsonSchema() throws {
        let object = try JSONSerialization.jsonObject(with: ScenarioSchema.jsonSchema()) as? [String: Any]
        let root = try #require(object)
        #expect(root["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(root["additionalProperties"] as? Bool == false)
        #expect(Set(root["required"] as? [String] ?? []) == ["name", "emergency_department", "units"])
        let properties = try #require(root["properties"] as? [String: Any])
        let units = try #require(properties["units"] as? [String: Any])
        let item = try #require(units["items"] as? [String: Any])
        #expect(Set(item["required"] as? [String] ?? []) == ["name", "type", "beds"])
    }

    @Test("Docs/SCENARIO-REFERENCE.md is the schema's reference (regenerate with hospital-twin scenario reference)")
    func referenceDocument() throws {
        let committed = try String(contentsOfFile: Repository.path("Docs/SCENARIO-REFERENCE.md"), encoding: .utf8)
        #expect(committed == ScenarioSchema.markdownReference())
    }
}

@Suite("scenario runs")
struct ScenarioRunTests {
    static let demo = try! Scenario.load(path: Repository.path("scenarios/demo.yaml"))

    @Test("the same scenario and seed print byte-identical JSON on 1 and 2 threads; another seed differs")
    func identicalJSON() throws {
        let hospital = try PreparedHospital(Self.demo.configuration, horizonDays: 60)
        let one = try HospitalExperiment.run(hospital, replications: 3, seed: 5, horizonDays: 60, warmUpDays: 10, threads: 1)
        let two = try HospitalExperiment.run(hospital, replications: 3, seed: 5, horizonDays: 60, warmUpDays: 10, threads: 2)
        #expect(try HospitalReports.json(one) == HospitalReports.json(two))
        let other = try HospitalExperiment.run(hospital, replications: 3, seed: 6, horizonDays: 60, warmUpDays: 10, threads: 2)
        #expect(try HospitalReports.json(one) != HospitalReports.json(other))
        let text = String(decoding: try HospitalReports.json(one), as: UTF8.self)
        #expect(text.contains("\"schema_version\" : \(HospitalKPIs.currentSchemaVersion)") && !text.contains("wall") && !text.contains("elapsed"))
    }

    /// Also the regression test for a patient slot reused while its last patient's events were pending.
    @Test("the general hospital runs a year with a clean audit: people conserved every midnight, no unit over its open or staffed beds",
          arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func generalHospitalYear(seed: UInt64) throws {
        let scenario = try Scenario.load(path: Repository.path("scenarios/general-hospital.yaml"))
        let hospital = try PreparedHospital(scenario.configuration, horizonDays: 365)
        let run = try HospitalSimulation.run(hospital, horizonDays: 365, warmUpDays: 28,
                                             streams: RandomStreams(masterSeed: seed), audit: true)
        let audit = try #require(run.audit)
        #expect(audit.midnights == 366, "\(audit.midnights)")  // the start and every midnight after, the end included
        #expect(audit.conservationFailures == 0 && audit.placementMismatches == 0)
        #expect(audit.occupancyBeyondOpenBeds == 0 && audit.admissionsBeyondStaffedBeds == 0)
        // A list overrunning into the next session once dropped the patients it had not reached, their beds held
        // for ever: every occupied bed is now a patient or a live booking.
        #expect(audit.bedBookingMismatches == 0, "\(audit.bedBookingMismatches)")
        // At least the ED's admissions over the year (moves between units and electives add to them), less those
        // turned away: a floor from the scenario's own rate and triage.
        let ed = scenario.configuration.emergencyDepartment
        let last = try #require(run.kpis.flows.last)
        #expect(Double(audit.admissions) > Tolerance.poissonFloor(expected: ed.meanAttendancesPerDay * 365 * ed.admittedShare)
            - Double(last.diverted + last.transferredOut), "\(audit.admissions)")
        #expect(last.arrived == last.discharged + last.died + last.inHospital + last.diverted + last.transferredOut)
    }

    @Test("a variant identical to its base differs by exactly zero in every KPI (common random numbers)")
    func identicalVariant() throws {
        let files = try ScenarioFiles()
        let text = try String(contentsOfFile: Repository.path("scenarios/demo.yaml"), encoding: .utf8)
        try files.write("demo.yaml", text)
        let variant = try Scenario.load(path: try files.write("same.yaml", "extends: demo.yaml\ndescription: the same hospital\n"))
        let base = try Scenario.load(path: files.directory + "/demo.yaml")
        func run(_ scenario: Scenario) throws -> HospitalExperimentResult {
            try HospitalExperiment.run(try PreparedHospital(scenario.configuration, horizonDays: 60), replications: 2,
                                       seed: 3, horizonDays: 60, warmUpDays: 10, threads: 2)
        }
        let a = try run(base), b = try run(variant)
        for (x, y) in zip(a.replications, b.replications) {
            for (m, n) in zip(x.metrics, y.metrics) {
                // A rate with no patients (NaN) is undefined alike in both.
                #expect(m.key == n.key && (m.value - n.value == 0 || m.value.isNaN && n.value.isNaN), "\(m.key)")
            }
        }
        #expect(a.summary.count == b.summary.count && a.summary.count > 100)
    }
}

@Suite("the feed's locations")
struct LocationMapTests {
    @Test("codes map to units by name (any case), the ED or the theatres; a place that is not one is refused where it is written")
    func locations() throws {
        let files = try ScenarioFiles()
        let good = try files.write("good.yaml", minimal + "\nlocations: {WA: ward a, ED1: emergency_department, ITU: ICU, TH: Theatres}\n")
        let scenario = try Scenario.load(path: good)
        #expect(scenario.locations == ["WA": .unit(0), "ED1": .emergencyDepartment, "ITU": .unit(1), "TH": .theatres])
        #expect(try Scenario.load(path: files.write("none.yaml", minimal)).locations.isEmpty)
        let bad = try files.write("bad.yaml", minimal + "\nlocations:\n  WA: Ward B\n  TH: theatre\n  GONE: discharged\n  N: 7\n")
        let found = problems(bad, in: files)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains { $0.hasPrefix("bad.yaml:") && $0.contains("locations.WA: no unit named 'Ward B'; did you mean 'Ward A'?") })
        #expect(found.contains { $0.contains("locations.TH: no unit named 'theatre'; did you mean 'theatres'?") })
        #expect(found.contains { $0.contains("locations.GONE") } && found.contains { $0.contains("locations.N") })
        let list = try files.write("list.yaml", minimal + "\nlocations: [WA]\n")
        #expect(problems(list, in: files).contains { $0.contains("locations") && $0.contains("must be a mapping") })
    }
}
