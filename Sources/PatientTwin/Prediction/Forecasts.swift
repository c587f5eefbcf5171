import CSVFiles
import Foundation
import Simulation

/// A twin's forecast from many drawn trajectories: where the spell is likely to go and how long it will last.
public struct TwinForecast: Sendable, Hashable {
    /// The twin.
    public let patient: PatientID
    /// The spell.
    public let spellID: String
    /// Pathway.
    public let pathway: Pathway
    /// Where the twin is at the forecast's time.
    public let state: CareState
    /// The NEWS2 the forecast used.
    public let news2: Int?
    /// Trajectories drawn.
    public let samples: Int
    /// Mean remaining days in hospital.
    public let meanRemainingDays: Double
    /// 10th percentile of the remaining days.
    public let remainingDaysP10: Double
    /// Median remaining days.
    public let remainingDaysP50: Double
    /// 90th percentile of the remaining days.
    public let remainingDaysP90: Double
    /// Probability of a stay in ICU or HDU before discharge.
    public let criticalCareProbability: Double
    /// Probability of dying in hospital.
    public let deathProbability: Double
    /// Probability of discharge to a care home.
    public let careHomeProbability: Double
    /// Probability of an emergency readmission within 30 days of discharge.
    public let readmissionProbability: Double

    /// Forecasts `twin` from `minute` (epoch minutes) by drawing `samples` trajectories: trajectory k draws from
    /// replication k's twin streams (keyed by the twin's id, spell and step), so a twin's forecast does not
    /// depend on which other twins are forecast, and sample k is what the twin does in replication k of a
    /// simulation run on the same seed. `stayFactors`, when given (one per sample, each > 0), multiplies every stay
    /// of sample k by its k-th factor, as a hospital run's replication k draws its year's stay level
    /// (`stay_scale_spread`).
    public init(twin: PatientTwin, spellID: String, predictor: TrajectoryPredictor, at minute: Double, samples: Int,
                streams: RandomStreams, stayFactors: [Double] = []) throws(PredictionError)
    {
        precondition(stayFactors.isEmpty || stayFactors.count == samples, "one stay factor per sample, or none")
        var remaining: [Double] = []
        remaining.reserveCapacity(samples)
        var critical = 0, deaths = 0, careHomes = 0
        var readmission = 0.0
        for sample in 0..<samples {
            let drawn = stayFactors.isEmpty || stayFactors[sample] == 1 ? predictor : predictor.scalingStays(by: stayFactors[sample])
            let path = try drawn.predictTrajectory(for: twin, from: minute, streams: TwinStreams(streams.replication(sample)))
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
        remainingDaysP10 = SampleQuantile.type7(remaining, probability: 0.1)
        remainingDaysP50 = SampleQuantile.type7(remaining, probability: 0.5)
        remainingDaysP90 = SampleQuantile.type7(remaining, probability: 0.9)
        criticalCareProbability = Double(critical) / n
        deathProbability = Double(deaths) / n
        careHomeProbability = Double(careHomes) / n
        readmissionProbability = readmission / n
    }
}

extension TwinForecast {
    /// A forecast's fields as every report of it names them (the forecast file's columns, the API's keys), in order.
    public enum Field: String, CaseIterable, Sendable {
        case pathway, state, news2
        case meanRemainingDays = "mean_remaining_days", remainingDaysP10 = "remaining_days_p10"
        case remainingDaysP50 = "remaining_days_p50", remainingDaysP90 = "remaining_days_p90"
        case criticalCare = "p_icu_or_hdu", death = "p_death", careHome = "p_care_home", readmission = "p_readmission_30d"
    }

    /// A field's value: a name, a score that may be missing, or a number (days, or a probability 0…1).
    public enum FieldValue: Sendable, Hashable {
        case name(String)
        case score(Int?)
        case number(Double)
    }

    /// The value of `field`.
    public func value(_ field: Field) -> FieldValue {
        switch field {
        case .pathway: .name(pathway.rawValue)
        case .state: .name(state.rawValue)
        case .news2: .score(news2)
        case .meanRemainingDays: .number(meanRemainingDays)
        case .remainingDaysP10: .number(remainingDaysP10)
        case .remainingDaysP50: .number(remainingDaysP50)
        case .remainingDaysP90: .number(remainingDaysP90)
        case .criticalCare: .number(criticalCareProbability)
        case .death: .number(deathProbability)
        case .careHome: .number(careHomeProbability)
        case .readmission: .number(readmissionProbability)
        }
    }
}

/// The patients in hospital at one time, as twins, from an episode export and an observation file.
public struct TwinCensus: Sendable {
    /// One patient in hospital: the spell as recorded up to the census time, and its twin.
    public struct Patient: Sendable {
        /// The spell, cut at the census time.
        public let spell: Spell
        /// The twin, in its unit at the census time, with the observations made by then.
        public let twin: PatientTwin
    }

    /// The time of the census (epoch minutes).
    public let minute: Double
    /// The latest time anywhere in the files (epoch minutes): the default census time.
    public let latestMinuteInFiles: Double
    /// The patients in hospital then, in the file's order of spells.
    public let patients: [Patient]
    /// What reading the observation file found, when one was given.
    public let observations: ObservationFileSummary?
}

/// Forecasts for every patient in hospital at a time, from an episode file (a census: spells not yet ended
/// then) updated with the observations in an observation file.
public enum TwinForecasts {
    /// The twins of the patients in hospital at `minute` — by default the latest time anywhere in the files (a
    /// stay's start or end, an observation), which is when the export was taken. Everything after that time is
    /// unseen, as it would have been then: spells that start later are left out; stays that start later are cut;
    /// a stay or spell that ends later is still under way (a patient discharged after `minute` is in hospital at
    /// `minute`); later observations are not applied. Each twin counts the patient's earlier spells in the file
    /// (its random streams are keyed by them). Problems with single observations are reported and skipped; partial
    /// vital-sign sets are kept (`observations.partialSetsNote`).
    public static func census(episodesPath: String, observationsPath: String?, at minute: Double?,
                              report: (String) -> Void) throws -> TwinCensus
    {
        let spells = try EpisodeFile.spells(from: EpisodeFile.read(path: episodesPath), file: episodesPath)
        var observations: [String: [Observation]] = [:]
        var summary: ObservationFileSummary?
        var latestObservation = -Double.infinity
        if let observationsPath {
            let read = try ObservationFile.read(path: observationsPath, report: report)
            summary = read.summary
            for row in read.rows {
                observations[row.patientID, default: []].append(row.observation)
                latestObservation = max(latestObservation, row.minute)
            }
        }
        let latestStay = spells.flatMap { $0.stays.flatMap { [$0.startMinute, $0.endMinute ?? $0.startMinute] } }.max()
        let latest = max(latestStay ?? -Double.infinity, latestObservation)
        let now = minute ?? (latest.isFinite ? latest : 0)
        var earlierSpells: [String: Int] = [:]
        var patients: [TwinCensus.Patient] = []
        for spell in spells.sorted(by: { ($0.startMinute, $0.id) < ($1.startMinute, $1.id) }) where spell.startMinute <= now {
            let index = earlierSpells[spell.patientID, default: 0]
            earlierSpells[spell.patientID] = index + 1
            guard let open = spell.inHospital(at: now) else { continue }
            var twin = PatientTwin(id: PatientID(parsing: spell.patientID) ?? PatientID(pseudonymising: spell.patientID),
                                   attributes: open.attributes, pathway: open.pathway, admittedAt: open.startMinute,
                                   state: open.stays[0].unit, spell: index)
            var updates = open.stays.dropFirst().map { Observation(minute: $0.startMinute, .transfer(to: $0.unit)) }
            if open.hasNEWS2 { updates.append(Observation(minute: open.startMinute, .news2(open.admissionNEWS2))) }
            updates += (observations[spell.patientID] ?? []).filter { $0.minute >= open.startMinute && $0.minute <= now }
            for update in updates.sorted(by: { ($0.minute, $0.isTransfer ? 0 : 1) < ($1.minute, $1.isTransfer ? 0 : 1) }) {
                do { try twin.apply(update) } catch {
                    report("\(observationsPath ?? episodesPath): \(error.description); skipped")
                }
            }
            patients.append(TwinCensus.Patient(spell: open, twin: twin))
        }
        let order = Dictionary(uniqueKeysWithValues: spells.enumerated().map { ($1.id, $0) })
        patients.sort { order[$0.spell.id, default: 0] < order[$1.spell.id, default: 0] }
        return TwinCensus(minute: now, latestMinuteInFiles: latest, patients: patients, observations: summary)
    }

    /// Forecasts every patient of `census` with `samples` trajectories each, on up to `threads` threads;
    /// results in the census's order, the same whatever the thread count.
    public static func forecast(_ census: TwinCensus, predictor: TrajectoryPredictor, samples: Int, seed: UInt64,
                                threads: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws(PredictionError) -> [TwinForecast]
    {
        try forecast(census.patients.map { ($0.twin, $0.spell.id) }, at: census.minute, predictor: predictor,
                     samples: samples, seed: seed, threads: threads)
    }

    /// Forecasts each twin (with the id of its spell) as of `minute`, as `forecast(_:predictor:samples:seed:threads:)`
    /// does a census's: for twins from elsewhere (the feed's live census). `stayFactors`: as `TwinForecast`'s, the
    /// same for every twin (sample k of every twin is of one replication).
    public static func forecast(_ twins: [(twin: PatientTwin, spellID: String)], at minute: Double,
                                predictor: TrajectoryPredictor, samples: Int, seed: UInt64,
                                threads: Int = ProcessInfo.processInfo.activeProcessorCount, stayFactors: [Double] = [])
        throws(PredictionError) -> [TwinForecast]
    {
        let streams = RandomStreams(masterSeed: seed)
        let results = Parallel.map(count: twins.count, threads: threads) { index in
            Result { () throws(PredictionError) -> TwinForecast in
                try TwinForecast(twin: twins[index].twin, spellID: twins[index].spellID, predictor: predictor,
                                 at: minute, samples: samples, streams: streams, stayFactors: stayFactors)
            }
        }
        return try results.map { result throws(PredictionError) in try result.get() }
    }
}

extension Spell {
    /// The spell as it stood at `minute` if the patient was in hospital then: admitted by then and not yet
    /// discharged (a discharge exactly at `minute` has happened). Stays that start later are cut; the stay under
    /// way at `minute` has no end. Nil when the spell had not started or had ended by then.
    public func inHospital(at minute: Double) -> Spell? {
        guard startMinute <= minute else { return nil }
        if let end = endMinute, end <= minute { return nil }
        var cut = stays.filter { $0.startMinute <= minute }
        let last = cut[cut.count - 1]
        cut[cut.count - 1] = Stay(unit: last.unit, startMinute: last.startMinute, endMinute: nil)
        return Spell(id: id, patientID: patientID, pathway: pathway, attributes: attributes,
                     admissionNEWS2: admissionNEWS2, hasNEWS2: hasNEWS2, stays: cut, discharge: nil)
    }
}

extension Observation {
    /// True for a transfer.
    var isTransfer: Bool {
        if case .transfer = kind { return true }
        return false
    }
}
