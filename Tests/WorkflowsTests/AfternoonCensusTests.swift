import Foundation
import HospitalModel
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
    /// (At 19:00 the lists are done: a patient in theatre, whom no census holds, is rare.)
    @Test("the hours to the first midnight are simulated: the truths' first midnights lie within the forecasts' error")
    func hoursToMidnight() throws {
        let scenario = try Inputs.scenario(Self.general)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("afternoon-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let coverage = try ForecastCoverage.check(scenario, file: Self.general,
                                               at: LocalDateTime(year: 2027, month: 6, day: 2, hour: 19, minute: 0),
                                               truths: 30, replications: 40, days: 1, seed: 77, threads: 2,
                                               workDirectory: folder.path,
                                               hiding: [.readiness, .deteriorated, .triage, .targets])
        for name in [BedForecast.generalAndAcute, BedForecast.criticalCare, "AMU", "Ward 13 (elective surgery)"] {
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
}
