import PatientTwin
import Simulation

/// The chance that a patient in the ED not yet decided is admitted, given how long it has waited and how many
/// patients were undecided in the ED with it, read off the model's own simulated year at one local time of day
/// (`PreparedHospital.undecidedAdmission()`): for a census that does not know a patient's triage category (ADT carries
/// none).
///
/// Why it is not Bayes on the wait alone (`PreparedHospital.admissionProbability(ofUndecided:triage:atEpochMinute:)`):
/// that reads a long wait as an admitted patient's long ED stay. In a full ED the wait is mostly the queue for a
/// cubicle and a clinician, seen in order of triage category, so the longest waiters are the low categories a
/// clinician sees last, who are rarely admitted. The model's own run holds that law, crowding and all.
///
/// Each cell (a wait band by a crowding band) is the share of its probed patients whom the run admitted, shrunk toward
/// its wait band's share over every crowding by `shrinkage` patients: a cell of a few patients says little.
public struct UndecidedAdmission: Sendable, Hashable, Codable {
    /// Upper ends of the wait bands, minutes; the last band is from the last end on.
    public static let waitBandEnds: [Double] = [60, 120, 180, 240, 360, 480, 720]
    /// Crowding bands: five, split at the probed patients' quintiles of the undecided count.
    static let crowdingBands = 5
    /// The weight, in patients, of a wait band's share in each of its cells' estimates.
    public static let shrinkage = 10.0
    /// The probed local time of day (the forecast's start).
    public let time: LocalTimeOfDay
    /// The probed calendar year (the forecast's start's).
    public let year: Int
    /// Upper ends of the crowding bands but the last (undecided patients in the ED, inclusive), ascending.
    public let crowdingBandEnds: [Int]
    /// Probed patients by wait band, then crowding band.
    public let patients: [[Int]]
    /// Of those, admitted by the run.
    public let admitted: [[Int]]

    /// The table of `samples` probed at `time` of `year`.
    public init(samples: [UndecidedSample], time: LocalTimeOfDay, year: Int) {
        self.time = time
        self.year = year
        let counts = samples.map(\.undecided).sorted()
        var ends: [Int] = []
        if !counts.isEmpty {
            for k in 1..<Self.crowdingBands {
                let end = counts[min(counts.count - 1, k * counts.count / Self.crowdingBands)]
                if ends.last.map({ end > $0 }) ?? true { ends.append(end) }
            }
        }
        crowdingBandEnds = ends
        var patients = [[Int]](repeating: [Int](repeating: 0, count: ends.count + 1), count: Self.waitBandEnds.count + 1)
        var admitted = patients
        for sample in samples {
            let w = Self.waitBand(sample.waitedMinutes), c = Self.crowdingBand(sample.undecided, ends: ends)
            patients[w][c] += 1
            if sample.admitted { admitted[w][c] += 1 }
        }
        self.patients = patients
        self.admitted = admitted
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
        (Self.waitBand(waitedMinutes), Self.crowdingBand(undecided, ends: crowdingBandEnds))
    }

    enum CodingKeys: String, CodingKey {
        case time, year, crowdingBandEnds, patients, admitted
    }

    /// Decodes what `encode(to:)` wrote (a stored forecast's census), refusing a table whose bands and counts do not
    /// fit together: a wait band a row, a crowding band a column, ends ascending, 0 ≤ admitted ≤ patients.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        time = try values.decode(LocalTimeOfDay.self, forKey: .time)
        year = try values.decode(Int.self, forKey: .year)
        crowdingBandEnds = try values.decode([Int].self, forKey: .crowdingBandEnds)
        patients = try values.decode([[Int]].self, forKey: .patients)
        admitted = try values.decode([[Int]].self, forKey: .admitted)
        let columns = crowdingBandEnds.count + 1
        let fits = crowdingBandEnds.count < Self.crowdingBands && zip(crowdingBandEnds, crowdingBandEnds.dropFirst()).allSatisfy { $0 < $1 }
            && patients.count == Self.waitBandEnds.count + 1 && admitted.count == patients.count
            && zip(patients, admitted).allSatisfy { row, admittedRow in
                row.count == columns && admittedRow.count == columns
                    && zip(row, admittedRow).allSatisfy { $0 >= 0 && $1 >= 0 && $1 <= $0 }
            }
        guard fits else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "an undecided-admission table's bands and counts do not fit together"))
        }
    }

    static func waitBand(_ minutes: Double) -> Int {
        waitBandEnds.firstIndex { minutes < $0 } ?? waitBandEnds.count
    }

    static func crowdingBand(_ undecided: Int, ends: [Int]) -> Int {
        ends.firstIndex { undecided <= $0 } ?? ends.count
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

    /// A probed patient.
    public init(waitedMinutes: Double, undecided: Int, admitted: Bool) {
        self.waitedMinutes = waitedMinutes
        self.undecided = undecided
        self.admitted = admitted
    }
}

/// Notes every undecided ED patient at one local time each day of a run, from a simulation minute on
/// (`HospitalSimulation.run(probingUndecidedAt:)`).
struct UndecidedProbe {
    /// Probes before this simulation minute (the warm-up's) are not kept.
    let fromMinute: Double
    var samples: [UndecidedSample] = []
}

extension HospitalEngine {
    /// Notes the patients in the ED not yet decided now: as a census taken now would have them undecided.
    mutating func probeUndecided() {
        guard var probe = undecidedProbe, now >= probe.fromMinute else { return }
        undecidedProbe = nil
        let first = probe.samples.count
        for index in patients.indices {
            let patient = patients[index]
            guard patient.place == .emergencyDepartment, !(patient.ed.admitted && !patient.ed.decisionAt.isNaN) else { continue }
            probe.samples.append(UndecidedSample(waitedMinutes: now - patient.ed.arrival, undecided: 0,
                                                 admitted: patient.ed.admitted))
        }
        let count = probe.samples.count - first
        for index in first..<probe.samples.count { probe.samples[index].undecided = count }
        undecidedProbe = probe
    }
}

extension PreparedHospital {
    /// The model's own chance that an undecided ED patient is admitted given its wait and the ED's crowding, at the
    /// local time of day the hospital starts (a forecast's start): one run of the configuration through the calendar
    /// year of its start, begun empty on 1 November before and probed every day of that year at that time. The run's
    /// draws are its own (a fixed seed), so every forecast from the same scenario in the same year reads the same
    /// table, whatever its seed; about a third of a second for a general hospital.
    public func undecidedAdmission() throws(HospitalModelError) -> UndecidedAdmission {
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
                                                streams: RandomStreams(masterSeed: Self.undecidedProbeSeed),
                                                probingUndecided: (time, from: yearStart))
        } catch {
            throw HospitalModelError(problems: ["probing the ED's undecided patients: \(error)"])
        }
        return UndecidedAdmission(samples: result.undecidedSamples ?? [], time: time, year: start.year)
    }

    /// The probe's master seed ("UNDECIDE").
    static let undecidedProbeSeed: UInt64 = 0x554E_4445_4349_4445
}
