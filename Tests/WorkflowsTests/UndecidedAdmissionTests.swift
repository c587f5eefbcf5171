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
        // Categories: the first four (2, 2, 4, 4) very urgent, the rest standard.
        let samples = [2, 2, 4, 4, 6, 6, 8, 8, 10, 10].enumerated().map {
            UndecidedSample(waitedMinutes: 30, undecided: $1, admitted: $1 <= 4, triage: $0 < 4 ? .veryUrgent : .standard)
        }
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
        // By category: very urgent 4 of 4 admitted (all in the first crowding band), standard 0 of 6. A cell is shrunk
        // toward its category's wait band, that toward the category's share over every wait (here the same band).
        #expect(table.triagePatients[TriageCategory.veryUrgent.rawValue - 1][0] == [4, 0, 0, 0, 0])
        #expect(table.triageAdmitted[TriageCategory.standard.rawValue - 1][0] == [0, 0, 0, 0, 0])
        let urgentBand = (4 + k * 1) / (4 + k)
        #expect(table.probability(waitedMinutes: 0, undecided: 3, triage: .veryUrgent) == (4 + k * urgentBand) / (4 + k))
        #expect(table.probability(waitedMinutes: 0, undecided: 7, triage: .veryUrgent) == (0 + k * urgentBand) / (0 + k))
        let standardBand = (0 + k * 0) / (6 + k)
        #expect(table.probability(waitedMinutes: 0, undecided: 5, triage: .standard) == (0 + k * standardBand) / (2 + k))
        // A category the probe never saw, or a wait no patient of the category reached: the table does not say.
        #expect(table.probability(waitedMinutes: 0, undecided: 3, triage: .immediate) == nil)
        #expect(table.probability(waitedMinutes: 60, undecided: 3, triage: .standard) == nil)
        // Every probe as crowded: one band, its ends not repeated.
        let even = UndecidedAdmission(samples: (0..<7).map { UndecidedSample(waitedMinutes: 90, undecided: 5, admitted: $0 < 2, triage: .urgent) })
        #expect(even.crowdingBandEnds == [5])
        #expect(even.probability(waitedMinutes: 100, undecided: 40) == 2.0 / 7)
        // None probed at all: no band says anything.
        #expect(UndecidedAdmission(samples: []).probability(waitedMinutes: 0, undecided: 1) == nil)
    }

    @Test("kept with a stored census exactly; a table whose bands and counts do not fit is refused")
    func stored() throws {
        let samples = (0..<200).map {
            UndecidedSample(waitedMinutes: Double($0 * 7 % 900), undecided: 1 + $0 % 37, admitted: $0 % 3 == 0,
                            triage: TriageCategory.allCases[$0 % 5])
        }
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
        // The categories' tables: absent (a census stored before they were kept) is read, the whole table still says;
        // one that does not add up to the whole, or is a category short, is refused.
        #expect(!refused { $0.removeValue(forKey: "triagePatients"); $0.removeValue(forKey: "triageAdmitted") })
        #expect(refused { $0.removeValue(forKey: "triageAdmitted") })
        #expect(refused { $0["triagePatients"] = Array((($0["triagePatients"] as? [[[Int]]]) ?? []).dropLast()) })
        #expect(refused {
            var byCategory = ($0["triagePatients"] as? [[[Int]]]) ?? []
            byCategory[0][0][0] += 1
            $0["triagePatients"] = byCategory
        })
        var old = json
        old.removeValue(forKey: "triagePatients")
        old.removeValue(forKey: "triageAdmitted")
        let read = try JSONDecoder().decode(UndecidedAdmission.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(read.probability(waitedMinutes: 0, undecided: 1, triage: .urgent) == nil
            && read.probability(waitedMinutes: 0, undecided: 1) == table.probability(waitedMinutes: 0, undecided: 1))
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

    /// The undecided patients of `truths` simulated censuses of the busy hospital at `at` (seeds 500…), and what each
    /// way of reading them expects the run to admit: the table with the category unknown, and by category; Bayes on
    /// the wait alone, and with the category. Each table's tolerance is z times the standard deviation of its sum:
    /// the patients' own Bernoulli draws and each cell's share estimated from its probed patients (shrinkage aside).
    struct Tally {
        var admitted = 0, undecided = 0
        var byTable = 0.0, byWait = 0.0, byCategory = 0.0, byCategoryWait = 0.0
        var tolerance = 0.0, categoryTolerance = 0.0
    }

    static func tally(at: LocalDateTime, truths: Int) throws -> Tally {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("undecided-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = try Inputs.scenario(try BusyHospital.write(in: folder, extending: Self.general))
        let hospital = try PreparedScenario(scenario.starting(at: at), file: Self.general,
                                            plan: RunSettings(horizonDays: 2, warmUpDays: 0, replications: 1, seed: 1)).hospital
        let probe = try hospital.edProbe()
        let table = probe.undecided
        let days = Int((at.localMinutesSinceEpoch - scenario.configuration.start.localMinutesSinceEpoch) / 1440) + 1
        var tally = Tally()
        var variance = 0.0, categoryVariance = 0.0
        var inCell: [[Double]] = table.patients.map { $0.map { _ in 0 } }
        var inCategoryCell: [[[Double]]] = table.triagePatients.map { $0.map { $0.map { _ in 0 } } }
        for truth in 0..<truths {
            let prepared = try PreparedScenario(scenario, file: Self.general,
                                                plan: RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: 500 + UInt64(truth)))
            let taken = try Simulate.census(prepared, at: at)
            var census = HospitalCensus(inpatients: taken.inpatients, recentDischarges: [])
            census.edProbe = probe
            tally.admitted += taken.undecidedToBeAdmitted
            for inpatient in taken.inpatients where inpatient.undecided {
                tally.undecided += 1
                let p = hospital.admissionProbability(ofUndecided: inpatient.twin, triage: nil, atEpochMinute: taken.epochMinute, in: census)
                tally.byTable += p
                variance += p * (1 - p)
                tally.byWait += hospital.admissionProbability(ofUndecided: inpatient.twin, triage: nil, atEpochMinute: taken.epochMinute)
                let cell = table.cell(waitedMinutes: taken.epochMinute - inpatient.twin.spellStart, undecided: census.undecidedCount)
                inCell[cell.wait][cell.crowding] += 1
                // The simulated census knows each patient's category.
                let triage = try #require(inpatient.undecidedTriage)
                let known = hospital.admissionProbability(ofUndecided: inpatient.twin, triage: triage, atEpochMinute: taken.epochMinute, in: census)
                tally.byCategory += known
                categoryVariance += known * (1 - known)
                tally.byCategoryWait += hospital.admissionProbability(ofUndecided: inpatient.twin, triage: triage, atEpochMinute: taken.epochMinute)
                inCategoryCell[triage.rawValue - 1][cell.wait][cell.crowding] += 1
            }
        }
        for (w, row) in table.patients.enumerated() {
            for (c, n) in row.enumerated() where n > 0 {
                let share = Double(table.admitted[w][c]) / Double(n)
                variance += inCell[w][c] * inCell[w][c] * share * (1 - share) / Double(n)
            }
        }
        for (t, category) in table.triagePatients.enumerated() {
            for (w, row) in category.enumerated() {
                for (c, n) in row.enumerated() where n > 0 {
                    let share = Double(table.triageAdmitted[t][w][c]) / Double(n)
                    categoryVariance += inCategoryCell[t][w][c] * inCategoryCell[t][w][c] * share * (1 - share) / Double(n)
                }
            }
        }
        tally.tolerance = Tolerance.z * variance.squareRoot()
        tally.categoryTolerance = Tolerance.z * categoryVariance.squareRoot()
        return tally
    }

    @Test("the model's table foresees who of a simulated winter census's undecided patients the run admits, by category too, and Bayes on the wait alone does not")
    func foresees() throws {
        let (_, hospital, probe, at) = try Self.december()
        #expect(probe.time == Self.midnight && probe.year == 2026)
        #expect(try hospital.edProbe() == probe, "the probe's draws are its own")
        let t = try Self.tally(at: at, truths: 20)
        #expect(t.undecided > 400, "twenty winter censuses of a 445-bed hospital's ED")
        #expect(abs(Double(t.admitted) - t.byTable) <= t.tolerance,
                "\(t.admitted) of \(t.undecided) admitted; the table expects \(t.byTable) ± \(t.tolerance)")
        #expect(abs(Double(t.admitted) - t.byCategory) <= t.categoryTolerance,
                "\(t.admitted) admitted; the table by category expects \(t.byCategory) ± \(t.categoryTolerance)")
        // Bayes on the wait alone reads the full ED's queue as admitted patients' long stays.
        #expect(t.byWait - Double(t.admitted) > t.tolerance,
                "\(t.admitted) of \(t.undecided) admitted; Bayes on the wait alone expects \(t.byWait)")
    }

    @Test("at 14:00 on a summer afternoon, Bayes on the wait and a known category admits too few of the undecided; the table by category does not")
    func afternoonByCategory() throws {
        let t = try Self.tally(at: LocalDateTime(year: 2026, month: 6, day: 3, hour: 14), truths: 12)
        #expect(t.undecided > 200, "twelve afternoon censuses of a busy ED: \(t.undecided)")
        #expect(abs(Double(t.admitted) - t.byCategory) <= t.categoryTolerance,
                "\(t.admitted) of \(t.undecided) admitted; the table by category expects \(t.byCategory) ± \(t.categoryTolerance)")
        #expect(Double(t.admitted) - t.byCategoryWait > t.categoryTolerance,
                "\(t.admitted) of \(t.undecided) admitted; Bayes on the wait and the category expects \(t.byCategoryWait)")
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

    @Test("a forecast from a census of unknown categories starts with the table and says so; a census that knows them starts with it too, read by category, and says nothing of unknown ones")
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
        #expect(known.census?.edProbe == unknown.census?.edProbe && known.census?.edProbe != nil)
        #expect(!known.notices.contains { if case .undecidedOfUnknownTriage = $0 { true } else { false } })
    }
}
