import PatientTwin
import Simulation

/// What the model's own simulated year says of its ED at one local time of day (`PreparedHospital.edProbe()`), for what
/// a census cannot say: whether an undecided patient of unknown triage category will be admitted
/// (`UndecidedAdmission`), and which bed an admitted patient boarding there waits for (`BoarderTargets`). Kept with
/// the census (`HospitalCensus.edProbe`), so a forecast's shard workers read the same.
public struct EDProbe: Sendable, Hashable, Codable {
    /// The probed local time of day (the forecast's census's time).
    public let time: LocalTimeOfDay
    /// The probed calendar year (the forecast's census's).
    public let year: Int
    /// Undecided patients' admission by wait and crowding.
    public let undecided: UndecidedAdmission
    /// Boarders' beds against decisions' beds.
    public let boarders: BoarderTargets

    /// A probe's findings.
    public init(time: LocalTimeOfDay, year: Int, undecided: UndecidedAdmission, boarders: BoarderTargets) {
        self.time = time
        self.year = year
        self.undecided = undecided
        self.boarders = boarders
    }
}

/// The chance that a patient in the ED not yet decided is admitted, given how long it has waited and how many
/// patients were undecided in the ED with it, read off the model's own simulated year at one local time of day
/// (`EDProbe`): for a census that does not know a patient's triage category (ADT carries none).
///
/// Why it is not Bayes on the wait alone (`PreparedHospital.admissionProbability(ofUndecided:triage:atEpochMinute:)`):
/// that reads a long wait as an admitted patient's long ED stay. In a full ED the wait is mostly the queue for a
/// cubicle and a clinician, seen in order of triage category, so the longest waiters are the low categories a
/// clinician sees last, who are rarely admitted. The model's own run holds that law, crowding and all.
///
/// Each cell (a wait band by a crowding band) is the share of its probed patients whom the run admitted, shrunk toward
/// its wait band's share over every crowding by `shrinkage` patients: a cell of a few patients says little.
///
/// A census that knows a patient's category (a simulated hospital's, a bed manager's list) reads the same law by
/// category (`probability(waitedMinutes:undecided:triage:)`): Bayes on the wait with the category's admission
/// probability leaves the queue out too, and on the shadow hospital's 14:00 census admitted 9.1 of 44.4 undecided
/// patients a census where the run admitted 11.9 (Docs/BACKTEST.md, "A census taken in the afternoon").
public struct UndecidedAdmission: Sendable, Hashable, Codable {
    /// Upper ends of the wait bands, minutes; the last band is from the last end on.
    public static let waitBandEnds: [Double] = [60, 120, 180, 240, 360, 480, 720]
    /// Crowding bands: five, split at the probed patients' quintiles of the undecided count.
    static let crowdingBands = 5
    /// The weight, in patients, of a wait band's share in each of its cells' estimates.
    public static let shrinkage = 10.0
    /// Upper ends of the crowding bands but the last (undecided patients in the ED, inclusive), ascending.
    public let crowdingBandEnds: [Int]
    /// Probed patients by wait band, then crowding band.
    public let patients: [[Int]]
    /// Of those, admitted by the run.
    public let admitted: [[Int]]
    /// Probed patients by triage category (`TriageCategory.allCases`' order), then wait band, then crowding band; empty
    /// in a table stored before the probe kept categories (a known category then falls back to Bayes on the wait).
    public let triagePatients: [[[Int]]]
    /// Of those, admitted by the run.
    public let triageAdmitted: [[[Int]]]

    /// The table of the probed `samples`.
    public init(samples: [UndecidedSample]) {
        let ends = CrowdingBands.ends(of: samples.map(\.undecided), bands: Self.crowdingBands)
        crowdingBandEnds = ends
        var patients = [[Int]](repeating: [Int](repeating: 0, count: ends.count + 1), count: Self.waitBandEnds.count + 1)
        var admitted = patients
        var triagePatients = [[[Int]]](repeating: patients, count: TriageCategory.allCases.count)
        var triageAdmitted = triagePatients
        for sample in samples {
            let w = Self.waitBand(sample.waitedMinutes), c = CrowdingBands.band(sample.undecided, ends: ends)
            let t = sample.triage.rawValue - 1
            patients[w][c] += 1
            triagePatients[t][w][c] += 1
            if sample.admitted {
                admitted[w][c] += 1
                triageAdmitted[t][w][c] += 1
            }
        }
        self.patients = patients
        self.admitted = admitted
        self.triagePatients = triagePatients
        self.triageAdmitted = triageAdmitted
    }

    /// The chance that a patient of triage category `triage` who has waited `waitedMinutes` (≥ 0), with `undecided`
    /// patients undecided in the ED, is admitted: its cell's share shrunk by `shrinkage` patients toward its category's
    /// share in its wait band, itself shrunk toward the category's share over every wait. nil when the probe saw no
    /// patient of the category who had waited as long (or the table holds no categories).
    public func probability(waitedMinutes: Double, undecided: Int, triage: TriageCategory) -> Double? {
        let t = triage.rawValue - 1
        guard triagePatients.indices.contains(t) else { return nil }
        let (w, c) = cell(waitedMinutes: waitedMinutes, undecided: undecided)
        let categoryPatients = triagePatients[t].reduce(0) { $0 + $1.reduce(0, +) }
        let bandPatients = triagePatients[t][w].reduce(0, +)
        guard bandPatients > 0, categoryPatients > 0 else { return nil }
        let categoryShare = Double(triageAdmitted[t].reduce(0) { $0 + $1.reduce(0, +) }) / Double(categoryPatients)
        let bandShare = (Double(triageAdmitted[t][w].reduce(0, +)) + Self.shrinkage * categoryShare) / (Double(bandPatients) + Self.shrinkage)
        return (Double(triageAdmitted[t][w][c]) + Self.shrinkage * bandShare) / (Double(triagePatients[t][w][c]) + Self.shrinkage)
    }

    /// The chance that a patient who has waited `waitedMinutes` (≥ 0), with `undecided` patients undecided in the ED
    /// (itself among them), is admitted; nil when the probe saw no patient who had waited as long.
    public func probability(waitedMinutes: Double, undecided: Int) -> Double? {
        let (w, c) = cell(waitedMinutes: waitedMinutes, undecided: undecided)
        let bandPatients = patients[w].reduce(0, +)
        guard bandPatients > 0 else { return nil }
        let bandShare = Double(admitted[w].reduce(0, +)) / Double(bandPatients)
        return (Double(admitted[w][c]) + Self.shrinkage * bandShare) / (Double(patients[w][c]) + Self.shrinkage)
    }

    /// The cell of such a patient: its wait band (the row of `patients`) and crowding band (the column).
    public func cell(waitedMinutes: Double, undecided: Int) -> (wait: Int, crowding: Int) {
        (Self.waitBand(waitedMinutes), CrowdingBands.band(undecided, ends: crowdingBandEnds))
    }

    enum CodingKeys: String, CodingKey {
        case crowdingBandEnds, patients, admitted, triagePatients, triageAdmitted
    }

    /// Decodes what `encode(to:)` wrote (a stored forecast's census), refusing a table whose bands and counts do not
    /// fit together: a wait band a row, a crowding band a column, ends ascending, 0 ≤ admitted ≤ patients ≤ 2⁴⁰, and the
    /// categories' tables (absent in one stored before they were kept) one a category, adding up to the whole.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        crowdingBandEnds = try values.decode([Int].self, forKey: .crowdingBandEnds)
        patients = try values.decode([[Int]].self, forKey: .patients)
        admitted = try values.decode([[Int]].self, forKey: .admitted)
        triagePatients = try values.decodeIfPresent([[[Int]]].self, forKey: .triagePatients) ?? []
        triageAdmitted = try values.decodeIfPresent([[[Int]]].self, forKey: .triageAdmitted) ?? []
        let columns = crowdingBandEnds.count + 1
        func fitting(_ patients: [[Int]], _ admitted: [[Int]]) -> Bool {
            patients.count == Self.waitBandEnds.count + 1 && admitted.count == patients.count
                && zip(patients, admitted).allSatisfy { row, admittedRow in
                    row.count == columns && admittedRow.count == columns
                        && zip(row, admittedRow).allSatisfy { CrowdingBands.counts.contains($0) && $1 >= 0 && $1 <= $0 }
                }
        }
        // The categories' tables, when kept, are one a category, each shaped as the whole, and add up to it.
        func adding(_ tables: [[[Int]]], to whole: [[Int]]) -> Bool {
            whole.indices.allSatisfy { w in whole[w].indices.allSatisfy { c in tables.reduce(0) { $0 + $1[w][c] } == whole[w][c] } }
        }
        let categories = triagePatients.isEmpty && triageAdmitted.isEmpty
            || triagePatients.count == TriageCategory.allCases.count && triageAdmitted.count == triagePatients.count
                && zip(triagePatients, triageAdmitted).allSatisfy(fitting)
                && adding(triagePatients, to: patients) && adding(triageAdmitted, to: admitted)
        let fits = CrowdingBands.valid(crowdingBandEnds, bands: Self.crowdingBands) && fitting(patients, admitted) && categories
        guard fits else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "an undecided-admission table's bands and counts do not fit together"))
        }
    }

    static func waitBand(_ minutes: Double) -> Int {
        waitBandEnds.firstIndex { minutes < $0 } ?? waitBandEnds.count
    }
}

/// Bands of a count of patients (how crowded the ED was), split at the probed patients' quantiles: each band holds
/// about as many probed patients, whatever the hospital's size.
enum CrowdingBands {
    /// Upper ends (inclusive) of up to `bands` bands but the last, ascending, at the quantiles k/`bands` of `counts`;
    /// an end the one before repeats is dropped, so a band is never empty by construction.
    static func ends(of counts: [Int], bands: Int) -> [Int] {
        let sorted = counts.sorted()
        guard !sorted.isEmpty else { return [] }
        var ends: [Int] = []
        for k in 1..<bands {
            let end = sorted[min(sorted.count - 1, k * sorted.count / bands)]
            if ends.last.map({ end > $0 }) ?? true { ends.append(end) }
        }
        return ends
    }

    /// The band of `count`: the first whose end it does not pass, else the last.
    static func band(_ count: Int, ends: [Int]) -> Int {
        ends.firstIndex { count <= $0 } ?? ends.count
    }

    /// The counts a stored table may hold: a year's probes hold far fewer, and the sums over a row must not overflow.
    static let counts = 0...(1 << 40)

    /// Whether `ends` could be such ends: fewer than `bands`, strictly ascending.
    static func valid(_ ends: [Int], bands: Int) -> Bool {
        ends.count < bands && zip(ends, ends.dropFirst()).allSatisfy { $0 < $1 }
    }
}

/// One patient in the ED not yet decided at a probe's time.
public struct UndecidedSample: Sendable, Hashable {
    /// Minutes since it arrived, ≥ 0.
    public let waitedMinutes: Double
    /// Patients undecided in the ED at the time, itself among them (≥ 1).
    public var undecided: Int
    /// Whether the run admits it.
    public let admitted: Bool
    /// Its triage category.
    public let triage: TriageCategory

    /// A probed patient.
    public init(waitedMinutes: Double, undecided: Int, admitted: Bool, triage: TriageCategory) {
        self.waitedMinutes = waitedMinutes
        self.undecided = undecided
        self.admitted = admitted
        self.triage = triage
    }
}

/// Which bed an admitted patient boarding in the ED at the probed time waits for, against what the census shows of
/// that bed, as the model's own year has it, by pathway: the census start weighs the twin's draw of a boarder's next
/// unit by `weight(pathway:target:room:)` (`HospitalEngine.inferBoardersTargets`).
///
/// A census finds the boarders of beds slow to come free, and few of those whose beds come free fast (a ward boarder
/// may outlie on any ward, so few are found waiting for a ward, though a sixth of decisions ask for one); and a boarder
/// seldom waits for a state that shows room for it, as it would have moved (unless that bed is being cleaned). Both
/// are read off the probe together: of the boarders who saw a state with room (or without), the share waiting for it,
/// over the decisions' share asking for it. Multiplied into the twin's own chances (its covariates', where the table
/// is by pathway), that is the posterior given what the census shows of each state, with the other states' room
/// taken as independent of where the boarder waits.
public struct BoarderTargets: Sendable, Hashable, Codable {
    /// The weight, in boarders, of the decisions' share in each estimate.
    public static let shrinkage = 10.0
    /// Crowding bands: three, split at the probed boarders' terciles of the boarders' count — on a crowded day the
    /// many boarders for the assessment units and wards make a critical-care boarder's share small.
    static let crowdingBands = 3
    /// Decisions to admit over the probed year, by pathway (`Pathway.allCases`' order), then the bed asked for
    /// (`HospitalCensus.boardingTargets`' order).
    public let decisions: [[Int]]
    /// Upper ends of the crowding bands but the last (boarders in the ED, inclusive), ascending.
    public let crowdingBandEnds: [Int]
    /// Boarders at the probes by pathway, then the state each waited for, then whether that state showed room for
    /// it (0: none, 1: room; an operation never shows room), then crowding band.
    public let waiting: [[[[Int]]]]
    /// Boarders at the probes by pathway, then each state, then whether it showed room for the boarder, then
    /// crowding band: each boarder counted once a state.
    public let seen: [[[[Int]]]]

    /// The table of `decisions` (by pathway, then bed) and the probed boarders `samples`.
    public init(decisions: [[Int]], samples: [BoarderSample]) {
        self.decisions = decisions
        let ends = CrowdingBands.ends(of: samples.map(\.boarders), bands: Self.crowdingBands)
        crowdingBandEnds = ends
        var waiting = Self.empty.map { $0.map { _ in [[Int]](repeating: [Int](repeating: 0, count: ends.count + 1), count: 2) } }
        var seen = waiting
        for sample in samples {
            guard let i = Pathway.allCases.firstIndex(of: sample.pathway) else { continue }
            let c = CrowdingBands.band(sample.boarders, ends: ends)
            for (j, state) in HospitalCensus.boardingTargets.enumerated() {
                let room = sample.withRoom.contains(state) ? 1 : 0
                seen[i][j][room][c] += 1
                if state == sample.target { waiting[i][j][room][c] += 1 }
            }
        }
        self.waiting = waiting
        self.seen = seen
    }

    /// The share of `pathway`'s boarders who saw `target` with `room` (or without), with `boarders` boarding, that
    /// waited for it, shrunk toward the decisions' share by `shrinkage` boarders, over the decisions' share, ≥ 0; 1
    /// where the probe saw no decision of the pathway for that bed.
    public func weight(pathway: Pathway, target: CareState, room: Bool, boarders: Int) -> Double {
        guard let i = Pathway.allCases.firstIndex(of: pathway), let j = HospitalCensus.boardingTargets.firstIndex(of: target)
        else { return 1 }
        let decided = decisions[i].reduce(0, +)
        guard decided > 0, decisions[i][j] > 0 else { return 1 }
        let decidedShare = Double(decisions[i][j]) / Double(decided)
        let x = room ? 1 : 0, c = CrowdingBands.band(boarders, ends: crowdingBandEnds)
        let share = (Double(waiting[i][j][x][c]) + Self.shrinkage * decidedShare) / (Double(seen[i][j][x][c]) + Self.shrinkage)
        return share / decidedShare
    }

    /// Counts by pathway, then bed: all 0.
    static var empty: [[Int]] {
        [[Int]](repeating: [Int](repeating: 0, count: HospitalCensus.boardingTargets.count), count: Pathway.allCases.count)
    }

    enum CodingKeys: String, CodingKey {
        case decisions, crowdingBandEnds, waiting, seen
    }

    /// Decodes what `encode(to:)` wrote, refusing counts not a pathway a row and a bed a column (and room or not,
    /// then a crowding band, within), negative or above 2⁴⁰, and ends not ascending.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        decisions = try values.decode([[Int]].self, forKey: .decisions)
        crowdingBandEnds = try values.decode([Int].self, forKey: .crowdingBandEnds)
        waiting = try values.decode([[[[Int]]]].self, forKey: .waiting)
        seen = try values.decode([[[[Int]]]].self, forKey: .seen)
        let bands = crowdingBandEnds.count + 1
        let byPathwayAndBed = { (counts: [[[[Int]]]], rooms: Int, bands: Int) in
            counts.count == Pathway.allCases.count && counts.allSatisfy { row in
                row.count == HospitalCensus.boardingTargets.count && row.allSatisfy { byRoom in
                    byRoom.count == rooms
                        && byRoom.allSatisfy { $0.count == bands && $0.allSatisfy(CrowdingBands.counts.contains) }
                }
            }
        }
        guard CrowdingBands.valid(crowdingBandEnds, bands: Self.crowdingBands),
              byPathwayAndBed(decisions.map { $0.map { [[$0]] } }, 1, 1), byPathwayAndBed(waiting, 2, bands),
              byPathwayAndBed(seen, 2, bands)
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "a boarders' table is not a pathway a row and a bed a column of counts"))
        }
    }
}

/// One admitted patient boarding in the ED at a probe's time.
public struct BoarderSample: Sendable, Hashable {
    /// Its pathway.
    public let pathway: Pathway
    /// The state whose bed it waits for (one of `HospitalCensus.boardingTargets`).
    public let target: CareState
    /// The states with room for it at the time (an operation never has).
    public let withRoom: Set<CareState>
    /// Admitted patients boarding in the ED at the time, itself among them (≥ 1).
    public var boarders: Int

    /// A probed boarder.
    public init(pathway: Pathway, target: CareState, withRoom: Set<CareState>, boarders: Int) {
        self.pathway = pathway
        self.target = target
        self.withRoom = withRoom
        self.boarders = boarders
    }
}

/// What a run probing its ED notes (`HospitalSimulation.run(probing:)`): every undecided patient at one local time
/// each day, the boarders then, and every decision to admit, from a simulation minute on.
struct EDProbing {
    /// What happens before this simulation minute (the warm-up) is not kept.
    let fromMinute: Double
    var samples: [UndecidedSample] = []
    var decisions = BoarderTargets.empty
    var boarders: [BoarderSample] = []
}

extension HospitalEngine {
    /// Notes the patients in the ED now: the undecided, as a census taken now would have them, and the boarders' beds.
    mutating func probeED() {
        guard var probe = edProbing, now >= probe.fromMinute else { return }
        edProbing = nil
        let first = probe.samples.count, firstBoarder = probe.boarders.count
        for index in patients.indices {
            let patient = patients[index]
            guard patient.place == .emergencyDepartment else { continue }
            if patient.ed.admitted && !patient.ed.decisionAt.isNaN {
                if let target = patient.bed.target, HospitalCensus.boardingTargets.contains(target) {
                    probe.boarders.append(BoarderSample(pathway: patient.twin.pathway, target: target,
                                                        withRoom: statesWithRoom(for: Int32(index)), boarders: 0))
                }
                continue
            }
            probe.samples.append(UndecidedSample(waitedMinutes: now - patient.ed.arrival, undecided: 0,
                                                 admitted: patient.ed.admitted, triage: patient.ed.triage))
        }
        let count = probe.samples.count - first
        for index in first..<probe.samples.count { probe.samples[index].undecided = count }
        let boarding = probe.boarders.count - firstBoarder
        for index in firstBoarder..<probe.boarders.count { probe.boarders[index].boarders = boarding }
        edProbing = probe
    }

    /// The care states with a bed for `p` now, home or outlying (`bedWithRoom`): what a census shows of each bed a
    /// boarder may wait for. An operation is never among them.
    func statesWithRoom(for p: Int32) -> Set<CareState> {
        Set(HospitalCensus.boardingTargets.filter {
            $0 != .theatre && bedWithRoom(for: p, state: $0, allowOutlying: true) != nil
        })
    }

    /// Notes a decision to admit `p` to a bed of `target`, when the run probes its ED.
    mutating func probeDecision(_ p: Int32, for target: CareState) {
        guard edProbing != nil, now >= edProbing!.fromMinute,
              let i = Pathway.allCases.firstIndex(of: patients[Int(p)].twin.pathway),
              let j = HospitalCensus.boardingTargets.firstIndex(of: target)
        else { return }
        edProbing!.decisions[i][j] += 1
    }
}

extension PreparedHospital {
    /// The model's own ED at the local time of day the hospital starts (a forecast's census's time): one run of the
    /// configuration through the calendar year of its start, begun empty on 1 November before and probed every day
    /// of that year at that time. The run's draws are its own (a fixed seed), so every forecast from the same
    /// scenario in the same year reads the same probe, whatever its seed; about a third of a second for a general
    /// hospital.
    public func edProbe() throws(HospitalModelError) -> EDProbe {
        let start = configuration.start
        let time = LocalTimeOfDay(hour: start.hour, minute: start.minute) ?? LocalTimeOfDay(hour: 0)!
        var probed = configuration
        probed.start = LocalDateTime(year: start.year - 1, month: 11, day: 1)
        let warmUpDays = 61  // November and December
        let hospital = try PreparedHospital(probed, horizonDays: warmUpDays + 366)
        let yearStart = hospital.clock.minute(atLocal: LocalDateTime(year: start.year, month: 1, day: 1))
        let days = Int(((LocalDateTime(year: start.year + 1, month: 1, day: 1).localMinutesSinceEpoch
            - probed.start.localMinutesSinceEpoch) / 1440).rounded())
        let result: HospitalRunResult
        do {
            result = try HospitalSimulation.run(hospital, horizonDays: days, warmUpDays: warmUpDays,
                                                streams: RandomStreams(masterSeed: Self.edProbeSeed),
                                                probing: (time, from: yearStart))
        } catch {
            throw HospitalModelError(problems: ["probing the ED: \(error)"])
        }
        let noted = result.edProbing ?? EDProbing(fromMinute: yearStart)
        return EDProbe(time: time, year: start.year, undecided: UndecidedAdmission(samples: noted.samples),
                       boarders: BoarderTargets(decisions: noted.decisions, samples: noted.boarders))
    }

    /// The probe's master seed ("UNDECIDE").
    static let edProbeSeed: UInt64 = 0x554E_4445_4349_4445
}
