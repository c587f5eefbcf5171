import CSVFiles
import Finance
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation
import Testing
import TestSupport

@Suite("scenario costs")
struct ScenarioCostTests {
    @Test("a costs section overrides what it names; the rest keeps the reference prices")
    func overrides() throws {
        let files = try ScenarioFiles()
        let scenario = try Scenario.load(path: try files.write("priced.yaml", minimal + """

            costs:
              currency: EUR
              staff:
                registered_nurse: {hourly: 31}
              agency_premium: 0.8
              bed_day: {ward: 150}
              income:
                spells: {stroke: 7000}
            """))
        let costs = scenario.costs
        #expect(costs.currency == "EUR" && costs.agencyPremium == 0.8)
        #expect(costs.staff[.registeredNurse] == StaffRate(hourly: 31, unsocialEnhancement: 0.3, sundayEnhancement: 0.6))
        #expect(costs.staff[.doctor] == CostModel.reference.staff[.doctor])
        #expect(costs.bedDay[.ward] == 150 && costs.bedDay[.icu] == CostModel.reference.bedDay[.icu])
        #expect(costs.spellIncome[.stroke] == 7000 && costs.spellIncome[.frailElderly] == CostModel.reference.spellIncome[.frailElderly])
        #expect(try Scenario.load(path: try files.write("plain.yaml", minimal)).costs == CostModel.reference)
    }

    @Test("mistakes in a costs section are located and say what was expected")
    func mistakes() throws {
        let files = try ScenarioFiles()
        let path = try files.write("bad.yaml", minimal + """

            costs:
              staff:
                nurse: {hourly: 31}
                doctor: {unsocial: 0.37}
              bed_day: {ward: -5}
              overhed_month: 10
            """)
        let found = problems(path, in: files)
        #expect(found.contains { $0.hasPrefix("bad.yaml:23:5: costs.staff.nurse: unknown key") && $0.contains("registered_nurse") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bad.yaml:24:") && $0.contains("costs.staff.doctor") && $0.contains("hourly") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bad.yaml:25:") && $0.contains("costs.bed_day.ward") && $0.contains(">= 0") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("bad.yaml:26:") && $0.contains("did you mean 'overhead_month'") }, "\(found)")
    }

    /// Priced independently of the model's pay-period rule: minute by minute, with Foundation's calendar.
    @Test("one more night nurse costs exactly her rostered minutes at Agenda for Change rates, a public holiday as a Sunday, counted minute by minute")
    func nightNursePrice() throws {
        let files = try ScenarioFiles()
        // A public holiday on Monday 16 February: paid as a Sunday.
        try files.write("demo.yaml", try String(contentsOfFile: Repository.path("scenarios/demo.yaml"), encoding: .utf8)
            + "\npublic_holidays: [2026-02-16]\n")
        let variant = try Scenario.load(path: try files.write("more.yaml", """
            extends: demo.yaml
            name: one-more-night-nurse
            staff:
              rosters:
                - {unit: Elderly care, group: registered_nurse, shift: night, headcount: 5}
            """))
        let base = try Scenario.load(path: files.directory + "/demo.yaml")
        let horizon = 60, warmUp = 10
        func substantive(_ scenario: Scenario) throws -> Double {
            let run = try HospitalSimulation.run(try PreparedHospital(scenario.configuration, horizonDays: horizon),
                                                 horizonDays: horizon, warmUpDays: warmUp, streams: RandomStreams(masterSeed: 4))
            return CostLedger.lines(of: run.kpis, priced: scenario.costs)
                .filter { $0.centre == .unit("Elderly care") && $0.category == .substantiveStaff }.reduce(0) { $0 + $1.amount }
        }
        let difference = try substantive(variant) - substantive(base)
        // The night shift runs 19:30–08:00 local time every day; AfC: time plus 30% on weekday nights 20:00–06:00
        // and all Saturday, plus 60% all Sunday.
        let rate = try #require(base.costs.staff[.registeredNurse])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = base.configuration.timeZone
        let s = base.configuration.start
        let start = try #require(calendar.date(from: DateComponents(year: s.year, month: s.month, day: s.day)))
        var expected = 0.0
        for minute in (warmUp * 1440)..<(horizon * 1440) {
            let parts = calendar.dateComponents([.weekday, .hour, .minute, .month, .day],
                                                from: start.addingTimeInterval(Double(minute) * 60))
            let clock = parts.hour! * 60 + parts.minute!
            guard clock >= 19 * 60 + 30 || clock < 8 * 60 else { continue }
            let multiplier: Double
            let holiday = parts.month == 2 && parts.day == 16
            switch parts.weekday! {
            case _ where holiday: multiplier = 1 + rate.sundayEnhancement
            case 1: multiplier = 1 + rate.sundayEnhancement
            case 7: multiplier = 1 + rate.unsocialEnhancement
            default: multiplier = clock >= 20 * 60 || clock < 6 * 60 ? 1 + rate.unsocialEnhancement : 1
            }
            expected += rate.hourly * multiplier / 60
        }
        #expect(abs(difference - expected) < 1e-6 * expected, "priced \(difference), counted \(expected)")
    }
}

@Suite("census files")
struct CensusFileTests {
    static let demo = try! Scenario.load(path: Repository.path("scenarios/demo.yaml"))
    static let header = CensusFile.columns.joined(separator: ",")

    @Test("the waiting_for column: a boarder's bed reads back; on a bed's patient, an undecided one, or an unknown state it is located")
    func waitingForColumn() throws {
        let files = try ScenarioFiles()
        let bad = try files.write("waiting.csv", """
            \(Self.header)
            W1,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,,ward
            W2,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,2,,,ward
            W3,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,,home
            W4,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,,Ward
            W8,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,,w\u{0430}rd
            """)
        do {
            _ = try CensusFile.read(path: bad, for: Self.demo.configuration, asOf: nil)
            Issue.record("a bad census was read")
        } catch {
            let found = error.problems.map { $0.replacingOccurrences(of: files.directory + "/", with: "") }
            #expect(found.contains { $0.hasPrefix("waiting.csv:2: column 'waiting_for': expected nothing for a patient not admitted and boarding") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("waiting.csv:3: column 'waiting_for': expected nothing") }, "\(found)")
            for line in [4, 5, 6] {   // home, a case look-alike, a Cyrillic look-alike
                #expect(found.contains { $0.hasPrefix("waiting.csv:\(line): column 'waiting_for': expected one of assessment_unit, ward, stroke_unit, hdu, icu, theatre") }, "\(found)")
            }
            #expect(found.count == 5, "\(found)")
        }
        let good = try files.write("good.csv", """
            \(Self.header)
            W5,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,,icu
            W6,emergency_department,2026-03-03T10:00,,stroke,emergency,,,70,male,1,,,0,0,,,,,,,,stroke_unit
            W7,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,,
            """)
        let read = try CensusFile.read(path: good, for: Self.demo.configuration, asOf: nil)
        #expect(read.census.inpatients.map(\.waitingFor) == [.icu, .strokeUnit, nil])
    }

    @Test("the deteriorated column: yes on a patient in a bed reads back; a word that is no answer, or yes in the ED, is located")
    func deterioratedColumn() throws {
        let files = try ScenarioFiles()
        let bad = try files.write("deteriorated.csv", """
            \(Self.header)
            D1,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,maybe
            D2,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,yes
            """)
        do {
            _ = try CensusFile.read(path: bad, for: Self.demo.configuration, asOf: nil)
            Issue.record("a bad census was read")
        } catch {
            let found = error.problems.map { $0.replacingOccurrences(of: files.directory + "/", with: "") }
            #expect(found.contains { $0.hasPrefix("deteriorated.csv:2: column 'deteriorated'") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("deteriorated.csv:3: column 'deteriorated': expected nothing for a patient not in a unit's bed") }, "\(found)")
        }
        let good = try files.write("good.csv", """
            \(Self.header)
            D3,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,yes
            D4,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,,
            """)
        let read = try CensusFile.read(path: good, for: Self.demo.configuration, asOf: nil)
        #expect(read.census.inpatients.map(\.deteriorated) == [true, false])
    }

    /// A patient in theatre or recovery (the feed's one theatres code): its twin in theatre since it went there,
    /// the run drawing which it is in; one done and waiting for a bed says since when and for which care state.
    @Test("a census holds patients in the theatres: in theatre since they went there, or waiting for a bed")
    func theatresRows() throws {
        let files = try ScenarioFiles()
        let good = try files.write("theatres.csv", """
            \(Self.header)
            T1,theatres,2026-03-04T08:00,,elective_surgical,elective,general_surgery,,60,male,1,,,0,0,,,,,,
            T2,theatres,2026-03-03T16:00,2026-03-04T09:00,elective_orthopaedic,elective,,,70,female,1,,,0,0,,,,,,
            T3,Theatres,2026-03-04T08:30,,emergency_surgical,emergency,,,50,male,0,,,0,0,,,2026-03-04T11:00,ward,
            """)
        let zone = Self.demo.configuration.timeZone
        func minute(_ hour: Int, day: Int = 4) -> Double {
            ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 3, day: day, hour: hour), in: zone)
        }
        let read = try CensusFile.read(path: good, for: Self.demo.configuration, asOf: minute(12))
        #expect(read.census.inpatients.allSatisfy { $0.location == .theatres && $0.twin.state == .theatre && !$0.undecided })
        #expect(read.census.inpatients.map(\.twin.stateSince) == [minute(8), minute(9), minute(8) + 30],
                "in theatre since unit_since (admitted the day before its operation: since the operation)")
        #expect(read.census.inpatients[1].twin.spellStart == minute(16, day: 3))
        #expect(read.census.inpatients.map(\.readyFor) == [nil, nil, .ward] && read.census.inpatients[2].readyAt == minute(11))
        // Written back as a run writes its census, and read again: the same.
        let taken = TakenCensus(epochMinute: minute(12), inpatients: read.census.inpatients, recentDischarges: [])
        let path = files.directory + "/written.csv"
        let output = try AtomicFile(path: path)
        CensusFile.write(taken, for: Self.demo.configuration, to: CSVWriter(handle: output.handle))
        try output.commit()
        let again = try CensusFile.read(path: path, for: Self.demo.configuration, asOf: minute(12))
        #expect(again.census.inpatients.map(\.twin.stateSince) == read.census.inpatients.map(\.twin.stateSince))
        #expect(again.census.inpatients.map(\.location) == read.census.inpatients.map(\.location))
        #expect(again.census.inpatients.map(\.readyFor) == [nil, nil, .ward])
        let bad = try files.write("bad-theatres.csv", """
            \(Self.header)
            B1,theatres,2026-03-04T08:00,,elective_surgical,elective,,,60,male,1,,,0,0,,,2026-03-04T10:00,home,
            B2,theatres,2026-03-04T08:00,,elective_surgical,elective,,,60,male,1,,,0,0,,,,,3,
            B3,theatres,2026-03-04T08:00,,elective_surgical,elective,,,60,male,1,,,0,0,,,,,,,yes
            B4,theatres,2026-03-04T08:00,,elective_surgical,elective,,,60,male,1,,,0,0,,,,,,,,ward
            B5,theatres,2026-03-04T08:00,2026-03-04T07:00,elective_surgical,elective,,,60,male,1,,,0,0,,,,,,
            """)
        do {
            _ = try CensusFile.read(path: bad, for: Self.demo.configuration, asOf: nil)
            Issue.record("a bad census was read")
        } catch {
            let found = error.problems.map { $0.replacingOccurrences(of: files.directory + "/", with: "") }
            #expect(found.contains { $0.hasPrefix("bad-theatres.csv:2: column 'ready_for': expected for a patient in the theatres, the care state of the bed it waits for: one of assessment_unit, ward") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("bad-theatres.csv:3: column 'undecided_triage': expected nothing for a patient not in the emergency department") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("bad-theatres.csv:4: column 'deteriorated': expected nothing for a patient not in a unit's bed") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("bad-theatres.csv:5: column 'waiting_for': expected nothing for a patient not admitted and boarding") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("bad-theatres.csv:6: column 'unit_since': expected a time not before admitted_at") }, "\(found)")
            #expect(found.count == 5, "\(found)")
        }
    }

    @Test("every mistake in a census is reported at once, located, with what was expected")
    func mistakes() throws {
        let files = try ScenarioFiles()
        let path = try files.write("census.csv", """
            \(Self.header)
            P1,Medical wrd,2026-03-01T10:00,,emergency_medical,emergency,general_medicine,infection,80,female,2,5,3,1,0,3,
            P2,ICU,2026-03-02T25:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,
            P1,AMU,2026-03-03T10:00,2026-03-03T09:00,emergency_medical,emergency,,,70,male,1,,,0,0,,
            P4,AMU,2026-03-03T10:00,,emergency_medicine,emergency,,,170,male,1,,,0,0,21,
            """)
        do {
            _ = try CensusFile.read(path: path, for: Self.demo.configuration, asOf: nil)
            Issue.record("a bad census was read")
        } catch {
            let found = error.problems.map { $0.replacingOccurrences(of: files.directory + "/", with: "") }
            #expect(found.contains { $0.hasPrefix("census.csv:2: column 'unit': expected a unit of demo (AMU, Medical ward") && $0.contains("emergency_department, theatres or discharged") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("census.csv:3: column 'admitted_at': expected a date-time") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("census.csv:4: column 'patient_id': expected each patient once (also on line 2)") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("census.csv:4: column 'unit_since': expected a time not before admitted_at") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("census.csv:5: column 'pathway'") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("census.csv:5: column 'age'") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("census.csv:5: column 'news2'") }, "\(found)")
        }
        // The columns of readiness and recent discharges, each mistake named.
        let ready = try files.write("ready.csv", """
            \(Self.header)
            P5,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,2026-03-03T12:00,nowhere,
            P6,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,2026-03-03T12:00,home,
            P7,discharged,2026-03-01T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,
            P8,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,2026-03-04T10:00
            P9,AMU,2026-03-03T10:00,2026-03-03T11:00,emergency_medical,emergency,,,70,male,1,,,0,0,,,2026-03-03T10:30,home,
            P10,DISCHARGED,2026-03-01T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,,2026-02-28T10:00
            P11,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,3,
            P12,emergency_department,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,,,7,
            """)
        do {
            _ = try CensusFile.read(path: ready, for: Self.demo.configuration, asOf: nil)
            Issue.record("a bad census was read")
        } catch {
            let found = error.problems.map { $0.replacingOccurrences(of: files.directory + "/", with: "") }
            #expect(found.contains { $0.hasPrefix("ready.csv:2: column 'ready_for': expected one of home, care_home") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:3: column 'ready_at': expected nothing for a patient not in a unit's bed") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:4: column 'discharged_at': expected the discharge time") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:5: column 'discharged_at': expected nothing for a patient in hospital") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:6: column 'ready_at': expected a time not before unit_since") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:7: column 'discharged_at': expected a time not before admitted_at") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:8: column 'undecided_triage': expected nothing for a patient not in the emergency department") }, "\(found)")
            #expect(found.contains { $0.hasPrefix("ready.csv:9: column 'undecided_triage'") && $0.contains("a triage category 1-5, or unknown") }, "\(found)")
            #expect(found.count == 8, "\(found)")
        }
        // And a good one: a patient ready to go home, one waiting for a ward, and a recent discharge.
        let good = try files.write("good.csv", """
            \(Self.header)
            G1,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,2026-03-04T09:00,home,
            G2,AMU,2026-03-03T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,,2026-03-04T09:30,ward,
            G3,discharged,2026-02-20T10:00,,emergency_medical,emergency,,,80,female,4,,,2,1,,,,,,2026-02-27T15:00
            G4,emergency_department,2026-03-04T08:00,,emergency_medical,emergency,,,80,female,4,,,2,1,,,,,3,
            G5,emergency_department,2026-03-04T08:30,,emergency_medical,emergency,,,60,male,0,,,0,0,,,,,unknown,
            """)
        let read = try CensusFile.read(path: good, for: Self.demo.configuration, asOf: nil)
        #expect(read.census.inpatients.map(\.readyFor) == [.dischargedHome, .ward, nil, nil])
        #expect(read.census.inpatients.map(\.undecidedTriage) == [nil, nil, .urgent, nil])
        #expect(read.census.inpatients.map(\.undecided) == [false, false, true, true], "unknown: undecided, category not known")
        #expect(read.census.recentDischarges.count == 1 && read.census.recentDischarges[0].state == .dischargedHome)
        let late = try files.write("late.csv", "\(Self.header)\nP1,AMU,2026-03-05T10:00,,emergency_medical,emergency,,,70,male,1,,,0,0,,\n")
        let start = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 3, day: 5), in: Self.demo.configuration.timeZone)
        #expect(throws: CensusFileError.self) { try CensusFile.read(path: late, for: Self.demo.configuration, asOf: start) }
        let missing = try files.write("missing.csv", "patient_id,unit\nP1,AMU\n")
        do { _ = try CensusFile.read(path: missing, for: Self.demo.configuration, asOf: nil) } catch {
            #expect(error.problems.first?.contains("missing columns 'admitted_at', 'pathway'") == true, "\(error.problems)")
        }
    }

    /// A census of 60 patients on the demo's units; the forecast starts at the next midnight.
    func census(_ files: ScenarioFiles) throws -> LoadedCensus {
        var rows = [Self.header]
        let units = ["AMU": 10, "Medical ward": 25, "Elderly care": 15, "ICU": 3, "HDU": 2, "Surgical ward": 5]
        var n = 0
        for (unit, count) in units.sorted(by: { $0.key < $1.key }) {
            for k in 0..<count {
                n += 1
                let pathway = unit == "Surgical ward" ? "emergency_surgical" : unit == "Elderly care" ? "frail_elderly" : "emergency_medical"
                rows.append("P\(n),\(unit),2026-03-0\(1 + k % 4)T1\(k % 10):00,,\(pathway),emergency,,,\(60 + k),female,1,,,0,0,\(k % 5),")
            }
        }
        let path = try files.write("census.csv", rows.joined(separator: "\n") + "\n")
        return try CensusFile.read(path: path, for: Self.demo.configuration, asOf: nil)
    }

    @Test("a forecast starts from the census: every census patient is in its unit at the first midnight and counted as arrived")
    func startsFromCensus() throws {
        let files = try ScenarioFiles()
        let loaded = try census(files)
        let zone = Self.demo.configuration.timeZone
        let start = ForecastStart.midnight(atOrAfter: loaded.latestMinute, in: zone)
        #expect(start.dateDescription == "2026-03-05")
        let scenario = Self.demo.starting(at: start)
        let run = try HospitalSimulation.run(try PreparedHospital(scenario.configuration, horizonDays: 14), horizonDays: 14,
                                             warmUpDays: 0, streams: RandomStreams(masterSeed: 2), census: loaded.census, audit: true)
        var expected = [String: Int]()
        for inpatient in loaded.census.inpatients {
            if case .unit(let unit) = inpatient.location { expected[scenario.configuration.units[unit].name, default: 0] += 1 }
        }
        for unit in run.kpis.units { #expect(unit.midnightCensus.first == expected[unit.name] ?? 0, "\(unit.name)") }
        #expect(run.kpis.flows.first?.date == "2026-03-05" && run.kpis.flows.first?.inHospital == 60)
        #expect(run.kpis.flows.first?.arrived == 60)
        let audit = try #require(run.audit)
        #expect(audit.conservationFailures == 0 && audit.placementMismatches == 0)
        #expect(run.kpis.censusPatients == 60)
        // The bands summarise the replications; day 0 is the census in every replication.
        let hospital = try PreparedHospital(scenario.configuration, horizonDays: 14)
        let result = try HospitalExperiment.run(hospital, replications: 20, seed: 2, horizonDays: 14, warmUpDays: 0,
                                                threads: 2, census: loaded.census)
        let forecast = BedForecast(scenario: "demo", seed: 2, replications: result.replications)
        let ward = try #require(forecast.series.first { $0.name == "Medical ward" })
        #expect(ward.days.count == 15 && ward.days[0].p10 == 25 && ward.days[0].p95 == 25)
        #expect(ward.days.allSatisfy { $0.p10 <= $0.p50 && $0.p50 <= $0.p90 && $0.p90 <= $0.p95 })
        #expect(forecast.censusPatients == 60)
        let again = try HospitalExperiment.run(hospital, replications: 20, seed: 2, horizonDays: 14, warmUpDays: 0,
                                               threads: 1, census: loaded.census)
        #expect(again == result, "the same census and seed give the same forecast on 1 and 2 threads")
    }

    @Test("admitted patients boarding in ED at the census finish their ED stay, ask for a bed and count as demand for it")
    func boarders() throws {
        let files = try ScenarioFiles()
        var rows = [Self.header]
        // Medical ward full at the census (50 beds), and five medical patients boarding in ED since the evening.
        for k in 0..<50 {
            rows.append("W\(k),Medical ward,2026-03-0\(1 + k % 3)T10:00,,emergency_medical,emergency,general_medicine,,70,female,1,,,0,0,1,")
        }
        for k in 0..<5 {
            rows.append("E\(k),emergency_department,2026-03-04T1\(8 + k % 2):00,,emergency_medical,emergency,general_medicine,,75,male,2,,,1,0,3,")
        }
        rows.append("X1,ED,2026-03-04T20:00,,elective_orthopaedic,elective,,,60,male,0,,,0,0,,")
        let bad = try files.write("bad.csv", rows.joined(separator: "\n") + "\n")
        #expect(throws: CensusFileError.self) { try CensusFile.read(path: bad, for: Self.demo.configuration, asOf: nil) }
        do { _ = try CensusFile.read(path: bad, for: Self.demo.configuration, asOf: nil) } catch {
            #expect(error.problems.first?.contains("column 'pathway': expected an emergency pathway") == true, "\(error.problems)")
        }
        let path = try files.write("census.csv", rows.dropLast().joined(separator: "\n") + "\n")
        let loaded = try CensusFile.read(path: path, for: Self.demo.configuration, asOf: nil)
        #expect(loaded.census.inpatients.filter { $0.location == .emergencyDepartment }.count == 5)
        let start = ForecastStart.midnight(atOrAfter: loaded.latestMinute, in: Self.demo.configuration.timeZone)
        let scenario = Self.demo.starting(at: start)
        let run = try HospitalSimulation.run(try PreparedHospital(scenario.configuration, horizonDays: 3), horizonDays: 3,
                                             warmUpDays: 0, streams: RandomStreams(masterSeed: 5), census: loaded.census,
                                             audit: true)
        #expect(run.kpis.flows.first?.inHospital == 55 && run.kpis.flows.first?.arrived == 55)
        let audit = try #require(run.audit)
        #expect(audit.conservationFailures == 0 && audit.placementMismatches == 0 && audit.occupancyBeyondOpenBeds == 0)
        let ward = try #require(run.kpis.units.first { $0.name == "Medical ward" })
        #expect(ward.midnightCensus[0] == 50)
        // Every boarder is either still waiting in ED (counted as demand for its first-choice unit) or has left it.
        let demandBeyondBeds = run.kpis.units.reduce(0) { $0 + $1.midnightDemand[1] - $1.midnightCensus[1] }
        #expect(demandBeyondBeds + run.kpis.emergencyDepartment.admissions >= 5, "\(demandBeyondBeds)")
    }

    /// With no new arrivals, the census only drains: the survival of the stays the twins draw, given the time
    /// already spent, is what empties the wards.
    @Test("census patients who have been in hospital longer leave sooner only as their twins say: a census without arrivals drains")
    func drains() throws {
        let files = try ScenarioFiles()
        let loaded = try census(files)
        let quiet = try Scenario.load(path: try files.write("quiet.yaml", """
            extends: \(Repository.path("scenarios/demo.yaml"))
            emergency_department: {attendances_per_day: 0.000001}
            theatres: {sessions: []}
            """))
        let start = ForecastStart.midnight(atOrAfter: loaded.latestMinute, in: quiet.configuration.timeZone)
        let scenario = quiet.starting(at: start)
        let run = try HospitalSimulation.run(try PreparedHospital(scenario.configuration, horizonDays: 120), horizonDays: 120,
                                             warmUpDays: 0, streams: RandomStreams(masterSeed: 3), census: loaded.census)
        let inHospital = run.kpis.flows.map(\.inHospital)
        #expect(inHospital.first == 60)
        #expect(zip(inHospital, inHospital.dropFirst()).allSatisfy { $0 >= $1 } || run.kpis.emergencyDepartment.attendances > 0)
        #expect((inHospital.last ?? 60) < 60, "\(inHospital)")
    }
}

@Suite("local days")
struct LocalDayTests {
    @Test("a warm-up across the spring clock change ends at the local midnight it names; every measured day is counted once",
          arguments: [(LocalDateTime(year: 2026, month: 3, day: 1), "2026-03-31"), (LocalDateTime(year: 2026, month: 10, day: 1), "2026-10-31")])
    func warmUpAcrossDST(start: LocalDateTime, firstMeasured: String) throws {
        let scenario = CensusFileTests.demo.starting(at: start)
        let run = try HospitalSimulation.run(try PreparedHospital(scenario.configuration, horizonDays: 40), horizonDays: 40,
                                             warmUpDays: 30, streams: RandomStreams(masterSeed: 1))
        #expect(run.kpis.flows.first?.date == firstMeasured)
        #expect(run.kpis.flows.count == 11, "the midnights of days 30 to 40")
        #expect(run.kpis.months.reduce(0) { $0 + $1.days } == 10, "ten days measured; the last midnight ends them")
    }
}
