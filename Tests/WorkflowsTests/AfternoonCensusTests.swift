import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation
import Testing
import TestSupport
import Workflows

@Suite("a forecast from a census taken in the afternoon")
struct AfternoonCensusTests {
    static let general = Repository.path("scenarios/general-hospital.yaml")

    /// Thirty simulated general hospitals, each with its census taken at 19:00 on a Wednesday (in June, its steady
    /// state) with what a feed lacks hidden, each forecast from that census. Until midnight the hospital takes the
    /// evening's emergency admissions and discharges: a forecast whose simulation began at the midnight (as it once
    /// did) missed them all — from a 14:00 census of a busier hospital its first midnight was 17 patients short. Each
    /// mean error (actual − forecast mean) must lie within z·its standard error over the truths (α = 0.001).
    @Test("the hours to the first midnight are simulated: the truths' first midnights lie within the forecasts' error")
    func hoursToMidnight() throws {
        try Self.check(at: 19, [BedForecast.generalAndAcute, BedForecast.criticalCare, "AMU", "Ward 13 (elective surgery)"])
    }

    /// At 14:00 on the Wednesday the afternoon lists are under way: patients are in theatre and in recovery, on
    /// their way to the elective wards, and the census holds them in the theatres. A census that left out those in
    /// theatre (and put those in recovery on the ward they would go to) started the forecast's first midnight
    /// short of the truths' by 1.8 patients on Ward 12, 3.4 on Ward 13 and 5.4 in general and acute. Each mean
    /// error must lie within z·its standard error over 30 truths (α = 0.001).
    @Test("patients in theatre and recovery at an afternoon census reach the elective wards by the first midnight")
    func theatresInCensus() throws {
        try Self.check(at: 14, [BedForecast.generalAndAcute, BedForecast.criticalCare, "Ward 12 (elective orthopaedics)",
                                "Ward 13 (elective surgery)"])
    }

    /// A busier hospital (`BusyHospital`, the backtest's shadow) books about one case per afternoon list, its
    /// expected length filling the session. At 14:00 the census holds that case under way; the session's rest, held
    /// in the forecast, books only what fits after it as booked. (Booked as a fresh session, which takes its first
    /// case whatever its length, the forecast operated on about five more patients by midnight than the hospital
    /// did: general and acute 3.1 and Ward 13 2.9 patients over.)
    @Test("a session under way at the census books only what fits after its case under way")
    func sessionUnderWayBooksTheRest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try BusyHospital.write(in: folder, extending: Self.general)
        try Self.check(at: 14, [BedForecast.generalAndAcute, "Ward 12 (elective orthopaedics)", "Ward 13 (elective surgery)"],
                       file: file)
    }

    /// Thirty truths of the general hospital (or `file`) with their census at `hour`:00 on Wednesday 2 June 2027,
    /// what a feed lacks hidden, each forecast for a day with 40 replications: each series' mean error at the
    /// first midnight and the day after must lie within z·its standard error.
    static func check(at hour: Int, _ names: [String], file: String = Self.general) throws {
        let scenario = try Inputs.scenario(file)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("afternoon-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let coverage = try ForecastCoverage.check(scenario, file: file,
                                               at: LocalDateTime(year: 2027, month: 6, day: 2, hour: hour, minute: 0),
                                               truths: 30, replications: 40, days: 1, seed: 77, threads: 2,
                                               workDirectory: folder.path,
                                               hiding: [.readiness, .deteriorated, .triage, .targets])
        for name in names {
            let series = try #require(coverage.series.first { $0.name == name })
            #expect(series.startStandardError > 0 && series.standardError[0] > 0)
            #expect(abs(series.startError) <= Tolerance.z * series.startStandardError,
                    "\(name), the first midnight: \(series.startError) ± \(series.startStandardError)")
            #expect(abs(series.meanError[0]) <= Tolerance.z * series.standardError[0],
                    "\(name), the day after: \(series.meanError[0]) ± \(series.standardError[0])")
        }
    }

    /// The general hospital's Wednesday: lists in the morning and the afternoon. A run begun at 14:00 holds the
    /// afternoon's sessions, under way since 13:30, for the time they have left (once, none: a session was held only
    /// from its start, so a forecast from an afternoon census lost the rest of the day's lists).
    @Test("a run begun during a theatre session holds the rest of the session")
    func sessionUnderWay() throws {
        let scenario = try Inputs.scenario(Self.general)
        func sessions(from start: LocalDateTime) throws -> Int {
            let prepared = try PreparedScenario(scenario.starting(at: start), file: Self.general,
                                                plan: RunSettings(horizonDays: 1, warmUpDays: 0, replications: 1, seed: 5))
            let run = try HospitalSimulation.run(prepared.hospital, horizonDays: 1, warmUpDays: 0, streams: RandomStreams(masterSeed: 5))
            return run.kpis.theatres.sessionsPlanned
        }
        let day = try sessions(from: LocalDateTime(year: 2027, month: 6, day: 2))
        let afternoon = try sessions(from: LocalDateTime(year: 2027, month: 6, day: 2, hour: 14, minute: 0))
        let evening = try sessions(from: LocalDateTime(year: 2027, month: 6, day: 2, hour: 19, minute: 0))
        let plan = try #require(scenario.configuration.theatres)
        let wednesday = plan.sessions.filter { $0.weekday == .wednesday }
        let under = wednesday.filter { plan.window($0.period).start.minuteOfDay < 14 * 60 && plan.window($0.period).end.minuteOfDay > 14 * 60 }
        #expect(day == wednesday.count && under.count > 0)
        #expect(afternoon == under.count + wednesday.filter { plan.window($0.period).start.minuteOfDay >= 14 * 60 }.count)
        #expect(evening == 0)
    }

    /// The general hospital has one emergency theatre. At 02:00 on a Sunday (no lists) its census holds an emergency
    /// patient in the theatres, gone there a minute before, and a surgical patient on Ward 9 waiting for theatre: the
    /// one under way holds the room, so the one waiting is operated on only once that operation is over, in each of
    /// 20 replications (an operation drawn to have ended within its first minute is as good as impossible). Without
    /// the one under way it goes at once (so the check can fail: once, the census's operation held no room).
    @Test("an emergency operation under way at the census holds its emergency theatre")
    func emergencyTheatreUnderWay() throws {
        let scenario = try Inputs.scenario(Self.general)
        let start = LocalDateTime(year: 2027, month: 6, day: 6, hour: 2, minute: 0)
        let prepared = try PreparedScenario(scenario.starting(at: start), file: Self.general,
                                            plan: RunSettings(horizonDays: 1, warmUpDays: 0, replications: 1, seed: 5))
        let hospital = prepared.hospital
        let now = hospital.simulationClock.epochMinute(atMinute: 0)
        let ward = try #require(hospital.configuration.units.firstIndex { $0.name == "Ward 9 (general surgery and trauma)" })
        let attributes = PatientAttributes(ageYears: 60, sex: .male, admissionMethod: .emergency, specialty: .generalSurgery,
                                           diagnosisGroup: .other, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)
        let operated = PatientTwin(id: PatientID(1), attributes: attributes, pathway: .emergencySurgical, admittedAt: now - 300,
                                   state: .theatre).wentToTheatre(at: now - 1)
        let waiting = PatientTwin(id: PatientID(2), attributes: attributes, pathway: .emergencySurgical, admittedAt: now - 600,
                                  state: .ward)
        let waitingRow = HospitalCensus.Inpatient(twin: waiting, location: .unit(ward), readyAt: now - 30, readyFor: .theatre)
        func waits(underWay: Bool) throws -> [Double] {
            let census = HospitalCensus(inpatients: (underWay ? [HospitalCensus.Inpatient(twin: operated, location: .theatres)] : [])
                + [waitingRow])
            return try (0..<20).map { replication in
                let run = try HospitalSimulation.run(hospital, horizonDays: 1, warmUpDays: 0,
                                                     streams: RandomStreams(masterSeed: 5).replication(replication),
                                                     census: census, recordMovements: true)
                let entered = try #require(run.movements?.first { $0.patient == PatientID(2) && $0.kind == .enteredTheatres })
                return entered.epochMinute - now
            }
        }
        let held = try waits(underWay: true)
        #expect(held.allSatisfy { $0 > 1 }, "minutes the waiting patient waited: \(held)")
        let free = try waits(underWay: false)
        #expect(free.allSatisfy { $0 == 0 }, "\(free)")
    }
}
