import CSVFiles
import Foundation
import Simulation

/// A twin's forecast from many drawn trajectories: where the spell is likely to go and how long it will last.
public struct TwinForecast: Sendable, Hashable {
    /// The twin.
    public let patient: PatientID
    /// The spell.
    public let spellID: String
    /// Pathway and current state.
    public let pathway: Pathway
    /// Where the twin is now.
    public let state: CareState
    /// The NEWS2 the forecast used.
    public let news2: Int?
    /// Trajectories drawn.
    public let samples: Int
    /// Mean remaining days in hospital.
    public let meanRemainingDays: Double
    /// 10th, 50th and 90th percentiles of the remaining days.
    public let remainingDaysPercentiles: (p10: Double, p50: Double, p90: Double)
    /// Probability of a stay in ICU or HDU before discharge.
    public let criticalCareProbability: Double
    /// Probability of dying in hospital.
    public let deathProbability: Double
    /// Probability of discharge to a care home.
    public let careHomeProbability: Double
    /// Probability of readmission within 30 days of discharge.
    public let readmissionProbability: Double

    /// Compares every figure.
    public static func == (lhs: TwinForecast, rhs: TwinForecast) -> Bool {
        lhs.patient == rhs.patient && lhs.spellID == rhs.spellID && lhs.meanRemainingDays == rhs.meanRemainingDays
            && lhs.remainingDaysPercentiles == rhs.remainingDaysPercentiles
            && lhs.criticalCareProbability == rhs.criticalCareProbability
            && lhs.deathProbability == rhs.deathProbability && lhs.readmissionProbability == rhs.readmissionProbability
    }

    /// Hashes the identity and the mean.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(patient)
        hasher.combine(spellID)
        hasher.combine(meanRemainingDays)
    }

    /// Forecasts `twin` from `minute` by drawing `samples` trajectories from its own stream.
    public init(twin: PatientTwin, spellID: String, predictor: TrajectoryPredictor, at minute: Double, samples: Int,
                streams: RandomStreams) throws(PredictionError)
    {
        var stream = TrajectoryPredictor.stream(for: twin, streams: streams)
        var remaining: [Double] = []
        remaining.reserveCapacity(samples)
        var critical = 0, deaths = 0, careHomes = 0
        var readmission = 0.0
        for _ in 0..<samples {
            let path = try predictor.predictTrajectory(for: twin, from: minute, using: &stream)
            remaining.append((path.dischargeMinute - max(minute, twin.stateSince)) / 1440)
            if path.steps.contains(where: { $0.state == .icu || $0.state == .hdu }) { critical += 1 }
            if path.discharge == .died { deaths += 1 }
            if path.discharge == .dischargedCareHome { careHomes += 1 }
            readmission += path.readmissionProbability
        }
        remaining.sort()
        let n = Double(samples)
        patient = twin.id
        self.spellID = spellID
        pathway = twin.pathway
        state = twin.state
        news2 = twin.latestNEWS2
        self.samples = samples
        meanRemainingDays = remaining.reduce(0, +) / n
        remainingDaysPercentiles = (SampleQuantile.type7(remaining, probability: 0.1),
                                    SampleQuantile.type7(remaining, probability: 0.5),
                                    SampleQuantile.type7(remaining, probability: 0.9))
        criticalCareProbability = Double(critical) / n
        deathProbability = Double(deaths) / n
        careHomeProbability = Double(careHomes) / n
        readmissionProbability = readmission / n
    }
}

/// Forecasts for every patient still in hospital in an episode file (a census: spells whose last stay has no
/// end), updated with the observations in an observation file.
public enum TwinForecasts {
    /// The columns written.
    public static let columns = ["patient_id", "spell_id", "pathway", "state", "news2", "mean_remaining_days",
                                 "remaining_days_p10", "remaining_days_p50", "remaining_days_p90",
                                 "p_icu_or_hdu", "p_death", "p_care_home", "p_readmission_30d"]

    /// Builds the twins of the open spells in `episodesPath`, applies the observations in `observationsPath`
    /// (vital signs with every NEWS2 input, or a `news2` aggregate) that fall in their spells, forecasts each at
    /// `minute` (default: the latest time in the files) and writes one row per twin. Problems with individual
    /// observations are reported and skipped.
    public static func forecast(episodesPath: String, observationsPath: String?, model: TwinModel, at minute: Double?,
                                samples: Int, seed: UInt64, into writer: CSVWriter, report: (String) -> Void)
        throws -> Int
    {
        let predictor = try TrajectoryPredictor(model: model)
        let (census, latest) = try twins(episodesPath: episodesPath, observationsPath: observationsPath, until: minute,
                                         report: report)
        let now = minute ?? latest
        writer.write(columns)
        let streams = RandomStreams(masterSeed: seed)
        var written = 0
        for (spell, twin) in census {
            let forecast = try TwinForecast(twin: twin, spellID: spell.id, predictor: predictor, at: now, samples: samples,
                                            streams: streams)
            func text(_ value: Double) -> String { String(format: "%.4g", value) }
            writer.write([spell.patientID, spell.id, spell.pathway.rawValue, twin.state.rawValue,
                          twin.latestNEWS2.map(String.init) ?? "", text(forecast.meanRemainingDays),
                          text(forecast.remainingDaysPercentiles.p10), text(forecast.remainingDaysPercentiles.p50),
                          text(forecast.remainingDaysPercentiles.p90), text(forecast.criticalCareProbability),
                          text(forecast.deathProbability), text(forecast.careHomeProbability),
                          text(forecast.readmissionProbability)])
            written += 1
        }
        writer.flush()
        return written
    }

    /// The twins of the open spells in an episode file (patients in hospital), moved through their recorded
    /// stays and updated with the observations that fall in their spells up to `minute` (default: the latest
    /// time in the files, which is returned too). Problems with single observations are reported and skipped.
    public static func twins(episodesPath: String, observationsPath: String?, until minute: Double?,
                             report: (String) -> Void) throws -> (twins: [(Spell, PatientTwin)], latest: Double)
    {
        let spells = try EpisodeFile.spells(from: EpisodeFile.read(path: episodesPath), file: episodesPath)
            .filter { $0.discharge == nil }
        var observations: [String: [Observation]] = [:]
        if let observationsPath {
            observations = try readObservations(observationsPath, report: report)
        }
        let latest = max(spells.flatMap { $0.stays.map(\.startMinute) }.max() ?? 0,
                         observations.values.flatMap { $0.map(\.minute) }.max() ?? 0)
        let now = minute ?? latest
        var result: [(Spell, PatientTwin)] = []
        for spell in spells {
            var twin = PatientTwin(id: PatientID(parsing: spell.patientID) ?? PatientID(pseudonymising: spell.patientID),
                                   attributes: spell.attributes, pathway: spell.pathway, admittedAt: spell.startMinute,
                                   state: spell.stays[0].unit)
            var updates = spell.stays.dropFirst().map { Observation(minute: $0.startMinute, .transfer(to: $0.unit)) }
            if spell.hasNEWS2 { updates.append(Observation(minute: spell.startMinute, .news2(spell.admissionNEWS2))) }
            updates += (observations[spell.patientID] ?? []).filter { $0.minute >= spell.startMinute && $0.minute <= now }
            for update in updates.sorted(by: { ($0.minute, $0.isTransfer ? 0 : 1) < ($1.minute, $1.isTransfer ? 0 : 1) }) {
                do { try twin.apply(update) } catch { report("\(observationsPath ?? episodesPath): \(error.description); skipped") }
            }
            result.append((spell, twin))
        }
        return (result, latest)
    }

    /// Reads an observation file: the columns `ObservationRow.columns` writes, plus, for NEWS2, `spo2_scale`,
    /// `on_oxygen` and `consciousness` (a vital-sign row with all eight inputs is scored), or a `news2` column.
    static func readObservations(_ path: String, report: (String) -> Void) throws -> [String: [Observation]] {
        let reader = try CSVReader(path: path)
        for required in ["patient_id", "time"] where reader.column(required) == nil {
            throw ScoreFileError(message: "\(path):1: missing column '\(required)'")
        }
        var byPatient: [String: [Observation]] = [:]
        while let record = try reader.next() {
            func field(_ name: String) -> String {
                guard let index = reader.column(name), index < record.fields.count else { return "" }
                return record.fields[index].trimmingCharacters(in: .whitespaces)
            }
            guard let minute = EpisodeFile.parseTimestamp(field("time")) else {
                report("\(path):\(record.line): column 'time': expected a date-time such as 2024-03-01T10:20:00Z, "
                    + "found '\(field("time"))'; skipped")
                continue
            }
            let patient = field("patient_id")
            if let rate = Double(field("respiration_rate")), let spo2 = Double(field("spo2")),
               let systolic = Double(field("systolic_bp")), let pulse = Double(field("pulse")),
               let temperature = Double(field("temperature")),
               let consciousness = Consciousness(rawValue: field("consciousness").uppercased()),
               let oxygen = ["true": true, "false": false, "yes": true, "no": false][field("on_oxygen").lowercased()]
            {
                let scale: SpO2Scale = field("spo2_scale") == "2" ? .scale2 : .scale1
                byPatient[patient, default: []].append(Observation(minute: minute, .vitals(VitalSigns(
                    respirationRate: rate, spo2: spo2, spo2Scale: scale, onOxygen: oxygen, systolicBP: systolic,
                    pulse: pulse, consciousness: consciousness, temperature: temperature))))
            } else if let score = Int(field("news2")) {
                byPatient[patient, default: []].append(Observation(minute: minute, .news2(score)))
            }
        }
        return byPatient
    }
}

extension Observation {
    /// True for a transfer.
    var isTransfer: Bool {
        if case .transfer = kind { return true }
        return false
    }
}
