import CSVFiles
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation
import Testing
import TestSupport
import Workflows

@Suite("undecided ED patients' admission, read off the model's own year")
struct UndecidedAdmissionTests {
    static let general = Repository.path("scenarios/general-hospital.yaml")
    static let midnight = LocalTimeOfDay(hour: 0)!

    @Test("crowding bands split at the quintiles; each cell its share shrunk toward its wait band's, by hand")
    func byHand() throws {
        // Ten patients who had waited half an hour, with 2, 2, 4, 4, …, 10, 10 undecided: the quintiles' ends 4, 6, 8,
        // 10. Those with 2 or 4 undecided were admitted: the band's share is 4/10.
        let samples = [2, 2, 4, 4, 6, 6, 8, 8, 10, 10].map { UndecidedSample(waitedMinutes: 30, undecided: $0, admitted: $0 <= 4) }
        let table = UndecidedAdmission(samples: samples)
        #expect(table.crowdingBandEnds == [4, 6, 8, 10])
        #expect(table.patients[0] == [4, 2, 2, 2, 0])
        #expect(table.admitted[0] == [4, 0, 0, 0, 0])
        let k = UndecidedAdmission.shrinkage
        #expect(table.probability(waitedMinutes: 0, undecided: 3) == (4 + k * 0.4) / (4 + k))
        #expect(table.probability(waitedMinutes: 59.9, undecided: 5) == (0 + k * 0.4) / (2 + k))
        // More crowded than any probe: the last band, which holds no patient — the wait band's share.
        #expect(table.probability(waitedMinutes: 30, undecided: 500) == 0.4)
        #expect(table.cell(waitedMinutes: 60, undecided: 1) == (wait: 1, crowding: 0))
        #expect(table.cell(waitedMinutes: 10_000, undecided: 11) == (wait: UndecidedAdmission.waitBandEnds.count, crowding: 4))
        // No patient had waited an hour: the table does not say.
        #expect(table.probability(waitedMinutes: 60, undecided: 3) == nil)
        // Every probe as crowded: one band, its ends not repeated.
        let even = UndecidedAdmission(samples: (0..<7).map { UndecidedSample(waitedMinutes: 90, undecided: 5, admitted: $0 < 2) })
        #expect(even.crowdingBandEnds == [5])
        #expect(even.probability(waitedMinutes: 100, undecided: 40) == 2.0 / 7)
        // None probed at all: no band says anything.
        #expect(UndecidedAdmission(samples: []).probability(waitedMinutes: 0, undecided: 1) == nil)
    }

    @Test("kept with a stored census exactly; a table whose bands and counts do not fit is refused")
    func stored() throws {
        let samples = (0..<200).map { UndecidedSample(waitedMinutes: Double($0 * 7 % 900), undecided: 1 + $0 % 37, admitted: $0 % 3 == 0) }
        let table = UndecidedAdmission(samples: samples)
        var decisions = [[Int]](repeating: [1, 2, 3, 4, 5, 6], count: Pathway.allCases.count)
        decisions[0][1] = 100
        let boarders = BoarderTargets(decisions: decisions, samples: (0..<90).map {
            BoarderSample(pathway: Pathway.allCases[$0 % 6], target: HospitalCensus.boardingTargets[$0 % 5],
                          withRoom: $0 % 4 == 0 ? [.ward] : [], boarders: 1 + $0 % 17)
        })
        #expect(boarders.crowdingBandEnds.count == 2)
        var census = HospitalCensus(inpatients: [])
        census.edProbe = EDProbe(time: LocalTimeOfDay(hour: 23, minute: 59)!, year: 2027, undecided: table, boarders: boarders)
        let decoded = try JSONDecoder().decode(HospitalCensus.self, from: JSONEncoder().encode(census))
        #expect(decoded.edProbe == census.edProbe)
        let boardersJSON = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(boarders)) as? [String: Any])
        func boardersRefused(_ change: (inout [String: Any]) -> Void) -> Bool {
            var document = boardersJSON
            change(&document)
            guard let data = try? JSONSerialization.data(withJSONObject: document) else { return false }
            return (try? JSONDecoder().decode(BoarderTargets.self, from: data)) == nil
        }
        #expect(!boardersRefused { _ in })
        #expect(boardersRefused { $0["waiting"] = Array((($0["waiting"] as? [[[[Int]]]]) ?? []).dropLast()) })   // a pathway short
        #expect(boardersRefused { $0["decisions"] = (($0["decisions"] as? [[Int]]) ?? []).map { [-1] + $0.dropFirst() } })
        #expect(boardersRefused { $0["decisions"] = (($0["decisions"] as? [[Int]]) ?? []).map { $0 + [1] } })   // a bed too many
        #expect(boardersRefused { $0["seen"] = (($0["seen"] as? [[[[Int]]]]) ?? []).map { $0.map { $0 + [[0, 0, 0]] } } })  // room three ways
        #expect(boardersRefused { $0["crowdingBandEnds"] = [9, 3] })                                          // ends descending
        #expect(boardersRefused { $0["crowdingBandEnds"] = [3] })                                             // bands and counts differ
        #expect(boardersRefused { $0.removeValue(forKey: "seen") })
        #expect(boardersRefused { $0["decisions"] = (($0["decisions"] as? [[Int]]) ?? []).map { $0.map { _ in Int.max } } })
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(table)) as? [String: Any])
        func refused(_ change: (inout [String: Any]) -> Void) -> Bool {
            var document = json
            change(&document)
            guard let data = try? JSONSerialization.data(withJSONObject: document) else { return false }
            return (try? JSONDecoder().decode(UndecidedAdmission.self, from: data)) == nil
        }
        #expect(!refused { _ in })
        #expect(refused { $0["patients"] = Array((($0["patients"] as? [[Int]]) ?? []).dropLast()) })                  // a wait band short
        #expect(refused { $0["crowdingBandEnds"] = Array((($0["crowdingBandEnds"] as? [Int]) ?? []).reversed()) })   // ends descending
        #expect(refused {                                                                                      // more admitted than seen
            var admitted = ($0["admitted"] as? [[Int]]) ?? []
            admitted[0][0] = ((($0["patients"] as? [[Int]]) ?? [[0]])[0][0]) + 1
            $0["admitted"] = admitted
        })
        #expect(refused { $0["crowdingBandEnds"] = [1, 2, 3, 4, 5, 6] })                                       // too many bands
        #expect(refused {                                                                                      // sums overflow
            $0["patients"] = (($0["patients"] as? [[Int]]) ?? []).map { $0.map { _ in Int.max } }
        })
    }

    /// A busier general hospital (the backtest's shadow: 245 attendances a day with a winter swing, stays 15% longer),
    /// whose ED is full in December, on 9 December 2026 at midnight, with the scenario's table for then.
    static func december() throws -> (scenario: Scenario, hospital: PreparedHospital, probe: EDProbe, at: LocalDateTime) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("undecided-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try BusyHospital.write(in: folder, extending: Self.general)
        let scenario = try Inputs.scenario(file)
        let at = LocalDateTime(year: 2026, month: 12, day: 9)
        let moved = try PreparedScenario(scenario.starting(at: at), file: Self.general,
                                         plan: RunSettings(horizonDays: 2, warmUpDays: 0, replications: 1, seed: 1))
        return (scenario, moved.hospital, try moved.hospital.edProbe(), at)
    }

    @Test("the model's table foresees who of a simulated winter census's undecided patients the run admits, and Bayes on the wait alone does not")
    func foresees() throws {
        let (scenario, hospital, probe, at) = try Self.december()
        let table = probe.undecided
        #expect(probe.time == Self.midnight && probe.year == 2026)
        #expect(try hospital.edProbe() == probe, "the probe's draws are its own")
        let days = Int((at.localMinutesSinceEpoch - scenario.configuration.start.localMinutesSinceEpoch) / 1440) + 1
        var admitted = 0, byTable = 0.0, byWait = 0.0, variance = 0.0, undecided = 0
        var inCell: [[Double]] = table.patients.map { $0.map { _ in 0 } }
        for truth in 0..<20 {
            let prepared = try PreparedScenario(scenario, file: Self.general,
                                                plan: RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: 500 + UInt64(truth)))
            let taken = try Simulate.census(prepared, at: at)
            var census = HospitalCensus(inpatients: taken.inpatients, recentDischarges: [])
            census.edProbe = probe
            admitted += taken.undecidedToBeAdmitted
            for inpatient in taken.inpatients where inpatient.undecided {
                undecided += 1
                let p = hospital.admissionProbability(ofUndecided: inpatient.twin, triage: nil, atEpochMinute: taken.epochMinute, in: census)
                byTable += p
                variance += p * (1 - p)
                byWait += hospital.admissionProbability(ofUndecided: inpatient.twin, triage: nil, atEpochMinute: taken.epochMinute)
                let cell = table.cell(waitedMinutes: taken.epochMinute - inpatient.twin.spellStart, undecided: census.undecidedCount)
                inCell[cell.wait][cell.crowding] += 1
            }
        }
        // The table's own error: each cell's share estimated from its probed patients, counted once per census patient
        // in it (shrinkage aside).
        for (w, row) in table.patients.enumerated() {
            for (c, n) in row.enumerated() where n > 0 {
                let share = Double(table.admitted[w][c]) / Double(n)
                variance += inCell[w][c] * inCell[w][c] * share * (1 - share) / Double(n)
            }
        }
        let tolerance = Tolerance.z * variance.squareRoot()
        #expect(undecided > 400, "twenty winter censuses of a 445-bed hospital's ED")
        #expect(abs(Double(admitted) - byTable) <= tolerance,
                "\(admitted) of \(undecided) admitted; the table expects \(byTable) ± \(tolerance)")
        // Bayes on the wait alone reads the full ED's queue as admitted patients' long stays.
        #expect(byWait - Double(admitted) > tolerance,
                "\(admitted) of \(undecided) admitted; Bayes on the wait alone expects \(byWait)")
    }

    @Test("probing a run for its undecided patients changes none of its draws")
    func probingChangesNothing() throws {
        let scenario = try Inputs.scenario(Self.general)
        let prepared = try PreparedScenario(scenario, file: Self.general,
                                            plan: RunSettings(horizonDays: 60, warmUpDays: 10, replications: 1, seed: 3))
        func run(probing: Bool) throws -> HospitalRunResult {
            try HospitalSimulation.run(prepared.hospital, horizonDays: 60, warmUpDays: 10, streams: RandomStreams(masterSeed: 3),
                                       probing: probing ? (time: Self.midnight, from: 0.0) : nil)
        }
        let plain = try run(probing: false), probed = try run(probing: true)
        #expect(probed.kpis == plain.kpis)
        #expect(probed.events == plain.events + 61, "one probe a midnight, the first and the last both")
    }

    @Test("a forecast from a census of unknown categories starts with the table and says so; a census that knows them does not probe")
    func forecast() throws {
        let (scenario, _, _, at) = try Self.december()
        let days = Int((at.localMinutesSinceEpoch - scenario.configuration.start.localMinutesSinceEpoch) / 1440) + 1
        let prepared = try PreparedScenario(scenario, file: Self.general,
                                            plan: RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: 77))
        let taken = try Simulate.census(prepared, at: LocalDateTime(year: 2026, month: 12, day: 8, hour: 23, minute: 59))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("undecided-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func start(hiding facts: Set<ForecastCoverage.CensusFact>) throws -> (census: HospitalCensus?, notices: [WorkflowNotice]) {
            let path = folder.appendingPathComponent("census-\(facts.count).csv").path
            let output = try AtomicFile(path: path)
            CensusFile.write(ForecastCoverage.hiding(facts, in: taken), for: scenario.configuration, to: CSVWriter(handle: output.handle))
            try output.commit()
            let recorder = Recorder()
            let forecast = try ForecastPlanning.prepare(scenario, file: Self.general,
                                                        request: ForecastRequest(days: 2, censusPath: path, replications: 2),
                                                        observer: recorder.observer)
            return (forecast.census, recorder.seenNotices)
        }
        let undecided = taken.inpatients.count(where: \.undecided)
        let unknown = try start(hiding: [.triage])
        #expect(unknown.census?.edProbe?.year == 2026)
        let said = unknown.notices.compactMap { notice -> (Int, Double)? in
            if case .undecidedOfUnknownTriage(_, let patients, let expected) = notice { (patients, expected) } else { nil }
        }
        #expect(said.count == 1 && said.first?.0 == undecided && (said.first?.1 ?? 0) > 0 && (said.first?.1 ?? 0) < Double(undecided))
        let known = try start(hiding: [])
        #expect(known.census?.edProbe == nil)
        #expect(!known.notices.contains { if case .undecidedOfUnknownTriage = $0 { true } else { false } })
    }
}
