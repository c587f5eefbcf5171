import CSVFiles
import Feed
import Foundation
import HL7
import HospitalModel
import PatientTwin
import Reports
import Scenario
import Simulation
import Testing
import TestSupport
import Workflows

@Suite("the live census from the feed")
struct LiveCensusTests {
    static let scenario = try! Scenario.load(path: Repository.path("scenarios/general-hospital.yaml"))

    /// The log of a small morning: messages as the PAS sends them, times local (June: London is UTC+1).
    static func log() throws -> [ReceivedEvent] {
        var log: [ReceivedEvent] = []
        func send(_ event: String, _ mrn: String, _ time: String, _ location: String, birth: String = "19400101",
                  type: String = "E", disposition: String = "", extra: String = "") throws
        {
            let kind = event == "R01" ? "ORU^R01" : "ADT^" + event
            let text = "MSH|^~\\&|PAS|RXX|TWIN|RXX|2026" + time + "||" + kind + "|M\(log.count)|P|2.5\r"
                + "EVN|\(event)|||||2026\(time)\rPID|1||\(mrn)^^^RXX^MR||Doe^Jo||\(birth)|F\r"
                + "PV1|1|I|\(location)|\(type)" + (disposition.isEmpty ? "" : String(repeating: "|", count: 32) + disposition)
                + "\r" + extra
            log.append(ReceivedEvent(sequence: log.count, event: try FeedMessageReader.event(
                from: HL7Parser.parse(Array(text.utf8)), timeZone: scenario.configuration.timeZone)))
        }
        try send("A04", "M1", "06010800", "ED")                       // in ED, undecided
        try send("A04", "M2", "06010700", "ED")
        try send("A01", "M2", "06010930", "ED")                       // admitted, waiting for a bed
        try send("A01", "M3", "05300900", "AMU", birth: "19450615")   // May 30th (the log reaches back)
        try send("A02", "M3", "05311000", "WD07", birth: "19450615")
        let obx = { (code: String, value: String, unit: String) in "OBX|1|NM|\(code)^^LN||\(value)|\(unit)|||||F\r" }
        try send("R01", "M3", "06010600", "", birth: "19450615", extra: obx("9279-1", "18", "/min") + obx("59408-5", "97", "%")
            + obx("3150-0", "21", "%") + obx("8480-6", "125", "mm[Hg]") + obx("8867-4", "80", "/min")
            + "OBX|1|ST|67775-7^^LN||A||||||F\r" + obx("8310-5", "36.8", "Cel"))
        try send("A01", "M4", "06010800", "WD12", birth: "19600101", type: "L")
        try send("A01", "M5", "06010830", "WD99")                     // a code the scenario does not map
        try send("A01", "M6", "05200800", "WD05", birth: "")          // no birth date
        try send("A03", "M7", "05150900", "AMU")                      // discharge with no admission in the log
        try send("A01", "M8", "05200800", "AMU")
        try send("A03", "M8", "05250800", "AMU", disposition: "19")   // a recent discharge, home
        try send("A04", "M9", "05250800", "ED")                       // an ED attendance, home: not followed
        try send("A03", "M9", "05251100", "ED", disposition: "19")
        try send("A01", "M10", "05200800", "WD05")                    // died: not followed
        try send("A03", "M10", "05250800", "WD05", disposition: "79")
        try send("A01", "M11", "05200800", "WD09")                    // to another hospital: not followed
        try send("A03", "M11", "05250800", "WD09", disposition: "51")
        try send("A01", "M12", "06010700", "THTR", type: "L")         // in theatre or recovery since 07:00
        return log.map { $0.event.minute.isFinite ? $0 : $0 }
    }

    @Test("placed by the scenario's locations, written in the census format, read back as a forecast's census")
    func roundTrip() throws {
        let at = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 6, day: 1, hour: 12), in: Self.scenario.configuration.timeZone)
        let ledger = PatientLedger.census(of: try Self.log(), at: at)
        let live = try LiveCensus.build(ledger, scenario: Self.scenario)
        #expect(live.inHospital == 6 && live.recentDischarges == 1)
        #expect(live.unmapped.count == 1 && live.unmapped[0].code == "WD99" && live.unmapped[0].patients == 1)
        #expect(live.unmapped[0].messages == ["M7"], "the message that placed the patient there is named")
        #expect(live.notes.contains { $0.contains("without a birth date") } && live.notes.contains { $0.contains("M7") })
        #expect(!live.notes.contains { $0.contains("theatre") }, "the patient in the theatres is in the file")
        #expect(ledger.recentDischarges.count == 4, "the ledger keeps every discharge; the census file only inpatients home or to a care home")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try AtomicFile(path: path)
        live.write(to: CSVWriter(handle: output.handle))
        try output.commit()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("M3,") && !text.contains(",M3"), "identifiers are pseudonymised")
        let loaded = try CensusFile.read(path: path, for: Self.scenario.configuration, asOf: at)
        let census = loaded.census
        #expect(census.inpatients.count == 6 && census.recentDischarges.count == 1)
        let units = Self.scenario.configuration.units
        let ward7 = try #require(census.inpatients.first { if case .unit(let u) = $0.location { units[u].name.hasPrefix("Ward 7") } else { false } })
        #expect(ward7.twin.attributes.ageYears == 80 && ward7.twin.pathway == .frailElderly, "80 under geriatrics: frail")
        #expect(ward7.twin.latestNEWS2 == 0, "all seven vital signs read: NEWS2 0")
        let elective = try #require(census.inpatients.first { if case .unit(let u) = $0.location { units[u].name.hasPrefix("Ward 12") } else { false } })
        #expect(elective.twin.pathway == .electiveOrthopaedic && elective.twin.attributes.admissionMethod == .elective)
        let ed = census.inpatients.filter { $0.location == .emergencyDepartment }
        #expect(ed.count == 2 && ed.filter(\.undecided).count == 1, "one undecided, one boarding")
        #expect(ed.allSatisfy { $0.undecidedTriage == nil }, "ADT carries no triage category: none is assumed")
        // In theatre or recovery since 07:00 (06:00 UTC): an elective patient, general surgery without PV1-10, its
        // twin in theatre since it went there; the run draws which.
        let operated = try #require(census.inpatients.first { $0.location == .theatres })
        #expect(operated.twin.state == .theatre && operated.twin.pathway == .electiveSurgical
            && operated.twin.attributes.specialty == .generalSurgery)
        #expect(operated.twin.stateSince == at - 5 * 60 && operated.readyAt == nil && !operated.undecided)
    }
}

extension LiveCensusTests {
    /// `count` patients admitted `daysAgo` days before `at` to WD05 with PV1-10 `service`, and discharged home
    /// `dischargedDaysAgo` days before when given.
    static func cohort(_ count: Int, at: Double, daysAgo: Double, service: String, dischargedDaysAgo: Double? = nil) -> [ReceivedEvent] {
        var log: [ReceivedEvent] = []
        for i in 0..<count {
            func event(_ kind: FeedEvent.Kind, _ minute: Double) -> ReceivedEvent {
                ReceivedEvent(sequence: log.count, event: FeedEvent(
                    kind: kind, minute: minute, localID: "C\(i)", nhsID: nil, birthDate: DateComponents(year: 1950, month: 3, day: 1),
                    sex: .female, patientClass: "I", location: FeedEvent.Location(pointOfCare: "WD05"), admissionType: "E",
                    priorLocation: nil, hospitalService: service, visitNumber: "V\(i)", dischargeDisposition: kind == .discharge ? "19" : "",
                    mergedLocalID: nil, vitals: nil, controlID: "C\(i)-\(kind.rawValue)"))
            }
            let admitted = at - daysAgo * 1440 - Double(i)
            log.append(event(.admit, admitted))
            if let dischargedDaysAgo { log.append(event(.discharge, at - dischargedDaysAgo * 1440 - Double(i))) }
        }
        return log
    }

    @Test("what ADT does not carry is drawn from the population for the pathway PV1-10 gives: Charlson's mean within its interval, the same draw for the same log")
    func imputation() throws {
        let scenario = Self.scenario
        let at = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 6, day: 1, hour: 12), in: scenario.configuration.timeZone)
        let n = 600
        let log = Self.cohort(n, at: at, daysAgo: 0.01, service: "300")
        let live = try LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: scenario)
        let loaded = try CensusFile.read(text: live.csv, name: "live", for: scenario.configuration, asOf: at)
        #expect(loaded.census.inpatients.count == n)
        #expect(loaded.census.inpatients.allSatisfy { $0.twin.pathway == .emergencyMedical && $0.twin.attributes.specialty == .generalMedicine })
        let charlson = loaded.census.inpatients.map { Double($0.twin.attributes.charlsonIndex) }
        let mean = try #require(scenario.configuration.population.charlsonMean[.emergencyMedical])
        let seen = charlson.reduce(0, +) / Double(n)
        #expect(abs(seen - mean) <= Tolerance.halfWidth(variance: mean, count: n), "mean Charlson \(seen), population \(mean)")
        #expect(Set(charlson).count > 3, "drawn, not one value for all")
        #expect(try LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: scenario).csv == live.csv)
        // PV1-10 430 (geriatric medicine) as an emergency: the frail-elderly pathway, frailty 6 or more.
        let frail = try LiveCensus.build(PatientLedger.census(of: Self.cohort(20, at: at, daysAgo: 2, service: "430"), at: at), scenario: scenario)
        let frailLoaded = try CensusFile.read(text: frail.csv, name: "live", for: scenario.configuration, asOf: at)
        #expect(frailLoaded.census.inpatients.allSatisfy { $0.twin.pathway == .frailElderly && $0.twin.attributes.clinicalFrailtyScale >= 6 })
    }
}

extension LiveCensusTests {
    /// A log that covers the whole of every window (it begins 400 days before): with no earlier spell of its
    /// patients in it (a shadow hospital's, whose population's visits stand for those elsewhere), 600 patients'
    /// earlier ED visits and admissions are drawn with the population's means (each within its Poisson interval;
    /// counting the log's alone gave every one 0); when each has an earlier admission in the log, more than the
    /// population's mean, the log holds them all and nothing is added (every count exactly 1).
    @Test("earlier visits: the population's beyond what the log holds per covered window, nothing where it holds them all")
    func earlierVisits() throws {
        let scenario = Self.scenario
        let zone = scenario.configuration.timeZone
        let at = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 6, day: 1, hour: 12), in: zone)
        let n = 600
        func event(_ kind: FeedEvent.Kind, _ minute: Double, _ id: String, visit: String) -> ReceivedEvent {
            ReceivedEvent(sequence: 0, event: FeedEvent(
                kind: kind, minute: minute, localID: id, nhsID: nil, birthDate: DateComponents(year: 1950, month: 3, day: 1),
                sex: .female, patientClass: "I", location: FeedEvent.Location(pointOfCare: "WD05"), admissionType: "E",
                priorLocation: nil, hospitalService: "300", visitNumber: visit, dischargeDisposition: kind == .discharge ? "19" : "",
                mergedLocalID: nil, vitals: nil, controlID: "\(id)-\(visit)-\(kind.rawValue)"))
        }
        func census(earlierAdmission: Bool) throws -> [PatientAttributes] {
            var log = [event(.admit, at - 400 * 1440, "FIRST", visit: "F1"), event(.discharge, at - 399 * 1440, "FIRST", visit: "F1")]
            for i in 0..<n {
                if earlierAdmission {
                    log.append(event(.admit, at - 60 * 1440 - Double(i), "C\(i)", visit: "E\(i)"))
                    log.append(event(.discharge, at - 55 * 1440 - Double(i), "C\(i)", visit: "E\(i)"))
                }
                log.append(event(.admit, at - 1440 - Double(i), "C\(i)", visit: "V\(i)"))
            }
            log = log.sorted { $0.event.minute < $1.event.minute }.enumerated().map { ReceivedEvent(sequence: $0, event: $1.event) }
            let live = try LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: scenario)
            return try CensusFile.read(text: live.csv, name: "live", for: scenario.configuration, asOf: at)
                .census.inpatients.map(\.twin.attributes)
        }
        let population = scenario.configuration.population
        let none = try census(earlierAdmission: false)
        #expect(none.count == n)
        for (name, mean, counts) in [("ED visits", population.edVisitsMean, none.map(\.edVisitsLast6Months)),
                                     ("admissions", population.admissionsMean, none.map(\.admissionsLast12Months))]
        {
            let seen = Double(counts.reduce(0, +)) / Double(n)
            #expect(abs(seen - mean) <= Tolerance.halfWidth(variance: mean, count: n), "\(name): mean \(seen), population \(mean)")
        }
        #expect(population.admissionsMean < 1)
        let held = try census(earlierAdmission: true)
        #expect(held.count == n && held.allSatisfy { $0.admissionsLast12Months == 1 })
    }
}

@Suite("live twins update as observations arrive")
struct LiveTwinTests {
    @Test("a high NEWS2 read from the feed raises the twin's chance of critical care and death")
    func observationChangesForecast() throws {
        let scenario = LiveCensusTests.scenario
        let zone = scenario.configuration.timeZone
        func event(_ kind: FeedEvent.Kind, _ minute: Double, vitals: VitalSigns? = nil, id: String) -> ReceivedEvent {
            ReceivedEvent(sequence: Int(minute), event: FeedEvent(
                kind: kind, minute: minute, localID: "L1", nhsID: nil, birthDate: DateComponents(year: 1944, month: 5, day: 1),
                sex: .male, patientClass: "I", location: FeedEvent.Location(pointOfCare: "WD05"), admissionType: "E",
                priorLocation: nil, hospitalService: "", visitNumber: "V1", dischargeDisposition: "", mergedLocalID: nil,
                vitals: vitals, controlID: id))
        }
        let admitted = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 6, day: 1, hour: 9), in: zone)
        let calm = [event(.admit, admitted, id: "1"), event(.observation, admitted + 60, vitals: VitalSigns.scoring(1), id: "2")]
        let worse = calm + [event(.observation, admitted + 600, vitals: VitalSigns.scoring(9), id: "3")]
        let at = admitted + 720
        func forecast(_ log: [ReceivedEvent]) throws -> TwinForecast {
            let live = try LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: scenario)
            let twins = try LiveTwins.forecast(live, at: at, scenario: scenario, samples: 2_000, seed: 3)
            #expect(twins.count == 1)
            return try #require(twins.first?.forecast)
        }
        let before = try forecast(calm), after = try forecast(worse)
        #expect(before.news2 == 1 && after.news2 == 9)
        // Binomial proportions of 2,000 samples each: the rise must exceed four standard errors of the difference
        // (a one-sided 99.997% test), not a margin chosen to pass.
        let (p0, p1) = (before.criticalCareProbability, after.criticalCareProbability)
        let standardError = (p0 * (1 - p0) / 2_000 + p1 * (1 - p1) / 2_000).squareRoot()
        #expect(p1 - p0 > 4 * standardError, "\(p0) → \(p1), standard error \(standardError)")
        #expect(after.deathProbability > before.deathProbability)
    }
}

extension LiveTwinTests {
    /// The general hospital extended by `extra` (scenario lines), from a file of its own.
    static func scenario(_ extra: String) throws -> Scenario {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("live-twins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("scaled.yaml").path
        try Data("extends: \"\(Repository.path("scenarios/general-hospital.yaml"))\"\nname: scaled\n\(extra)\n".utf8).write(to: URL(fileURLWithPath: path))
        return try Scenario.load(path: path)
    }

    @Test("each admitted patient of the live census forecast under its census row's id, in the census's order; the ED's patients before a decision have none; the same figures on one thread or two")
    func censusIDs() throws {
        let scenario = LiveCensusTests.scenario
        let at = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 6, day: 1, hour: 12), in: scenario.configuration.timeZone)
        let live = try LiveCensus.build(PatientLedger.census(of: try LiveCensusTests.log(), at: at), scenario: scenario)
        let one = try LiveTwins.forecast(live, at: at, scenario: scenario, samples: 50, seed: 9, threads: 1)
        let two = try LiveTwins.forecast(live, at: at, scenario: scenario, samples: 50, seed: 9, threads: 2)
        let unit = CensusFile.columns.firstIndex(of: "unit")!, undecided = CensusFile.columns.firstIndex(of: "undecided_triage")!
        let admitted = live.rows.filter { $0[unit] != "discharged" && $0[undecided].isEmpty }.map { $0[0] }
        #expect(live.rows.contains { !$0[undecided].isEmpty }, "the log has a patient in the ED before a decision")
        #expect(one.map(\.patientID) == admitted && admitted.count == 5, "\(one.map(\.patientID)) against \(admitted)")
        #expect(zip(one, two).allSatisfy { $0.forecast == $1.forecast } && one.count == two.count)
        #expect(one.allSatisfy { $0.forecast.samples == 50 && $0.forecast.remainingDaysP10 >= 0
            && $0.forecast.remainingDaysP10 <= $0.forecast.remainingDaysP50 && $0.forecast.remainingDaysP50 <= $0.forecast.remainingDaysP90 })
        // The forecast file and the API name the same fields alike: the file's columns are the documented ones, and a
        // patient's JSON has each of them (but the spell) with the file's value, and the trajectories drawn.
        #expect(TwinReports.forecastColumns == ["patient_id", "spell_id", "pathway", "state", "news2", "mean_remaining_days",
                                                "remaining_days_p10", "remaining_days_p50", "remaining_days_p90",
                                                "p_icu_or_hdu", "p_death", "p_care_home", "p_readmission_30d"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("twins-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try AtomicFile(path: file)
        TwinReports.writeForecasts(one.map(\.forecast), patientIDs: one.map(\.patientID), to: CSVWriter(handle: output.handle))
        try output.commit()
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(one)) as? [[String: Any]])
        #expect(lines.count == one.count + 1 && json.count == one.count)
        for (row, object) in zip(lines.dropFirst(), json) {
            #expect(Set(object.keys) == Set(TwinReports.forecastColumns.filter { $0 != "spell_id" && !(object[$0] == nil && $0 == "news2") } + ["samples"]))
            for (column, cell) in zip(TwinReports.forecastColumns, row) where column != "spell_id" {
                switch object[column] {
                case let text as String: #expect(text == cell, "\(column)")
                case let number as NSNumber: #expect(String(format: "%.4g", number.doubleValue) == cell, "\(column)")
                default: #expect(cell.isEmpty, "\(column): no value in the JSON, \(cell) in the file")
                }
            }
        }
        let before = at - 60 * 24 * 30
        let empty = try LiveCensus.build(PatientLedger.census(of: try LiveCensusTests.log().filter { $0.event.minute <= before }, at: before), scenario: scenario)
        let nobody = try LiveTwins.forecast(empty, at: before, scenario: scenario, seed: 9)
        #expect(empty.inHospital == 0 && nobody.isEmpty, "nobody in hospital: nobody forecast, no error")
        for samples in [9, LiveTwins.sampleLimit + 1] {
            #expect(throws: WorkflowError.self) { try LiveTwins.forecast(live, at: at, scenario: scenario, samples: samples, seed: 9) }
        }
    }

    @Test("the scenario's stay_scale multiplies every remaining day of a patient who has just come to its ward: each percentile exactly twice at scale 2; a stay_scale_spread draws each sample's level, as a run's replications do")
    func stayScale() throws {
        let plain = LiveCensusTests.scenario
        let doubled = try Self.scenario("stay_scale: {emergency_medical: 2, emergency_surgical: 2, stroke: 2, frail_elderly: 2, elective_surgical: 2, elective_orthopaedic: 2}")
        let spread = try Self.scenario("stay_scale_spread: 0.3")
        let zone = plain.configuration.timeZone
        let at = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 6, day: 1, hour: 12), in: zone)
        var log: [ReceivedEvent] = []
        for (n, ward) in ["WD05", "WD01", "WD07", "WD09"].enumerated() {
            log.append(ReceivedEvent(sequence: n, event: FeedEvent(
                kind: .admit, minute: at, localID: "S\(n)", nhsID: nil, birthDate: DateComponents(year: 1950, month: 3, day: 1),
                sex: .female, patientClass: "I", location: FeedEvent.Location(pointOfCare: ward), admissionType: "E",
                priorLocation: nil, hospitalService: "", visitNumber: "V\(n)", dischargeDisposition: "", mergedLocalID: nil,
                vitals: nil, controlID: "C\(n)")))
        }
        let base = try LiveTwins.forecast(LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: plain), at: at, scenario: plain, seed: 4)
        let scaled = try LiveTwins.forecast(LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: doubled), at: at, scenario: doubled, seed: 4)
        let drawn = try LiveTwins.forecast(LiveCensus.build(PatientLedger.census(of: log, at: at), scenario: spread), at: at, scenario: spread, seed: 4)
        #expect(base.count == 4 && scaled.count == 4 && drawn.count == 4)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }
        for (one, two) in zip(base, scaled) {
            let (b, s) = (one.forecast, two.forecast)
            #expect(one.patientID == two.patientID && b.remainingDaysP50 > 0)
            #expect(close(s.remainingDaysP10, 2 * b.remainingDaysP10) && close(s.remainingDaysP50, 2 * b.remainingDaysP50)
                && close(s.remainingDaysP90, 2 * b.remainingDaysP90) && close(s.meanRemainingDays, 2 * b.meanRemainingDays),
                "\(b) against \(s)")
            #expect(s.criticalCareProbability == b.criticalCareProbability && s.deathProbability == b.deathProbability)
        }
        // A spread of 0.3 draws sample k's level exp(0.3·z_k): the percentiles move, the places a trajectory goes do not.
        for (one, two) in zip(base, drawn) {
            #expect(one.forecast.remainingDaysP90 != two.forecast.remainingDaysP90)
            #expect(one.forecast.criticalCareProbability == two.forecast.criticalCareProbability)
        }
    }
}
