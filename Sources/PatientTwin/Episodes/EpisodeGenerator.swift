import Foundation
import Simulation

/// A synthetic population: how patients' pathways and attributes are drawn. Its defaults are assumptions for
/// demonstration and tests (Docs/PATIENT-TWINS.md), not estimates.
public struct SyntheticPopulation: Sendable, Hashable {
    /// Share of first admissions on each pathway.
    public var pathwayShares: [Pathway: Double]
    /// Mean and standard deviation of age by pathway (drawn normal, rounded, kept within 18–100).
    public var age: [Pathway: AgeDistribution]
    /// Mean Charlson index (Poisson, at most 12) by pathway.
    public var charlsonMean: [Pathway: Double]
    /// Mean NEWS2 at admission (Poisson, at most 20) by pathway.
    public var news2Mean: [Pathway: Double]
    /// Mean ED visits in the previous six months (Poisson).
    public var edVisitsMean: Double
    /// Mean admissions in the previous twelve months (Poisson).
    public var admissionsMean: Double

    /// The default population.
    public static let standard = SyntheticPopulation(
        pathwayShares: [.emergencyMedical: 0.40, .emergencySurgical: 0.15, .electiveSurgical: 0.18,
                        .electiveOrthopaedic: 0.10, .stroke: 0.05, .frailElderly: 0.12],
        age: [.emergencyMedical: .init(mean: 62, sd: 18), .emergencySurgical: .init(mean: 52, sd: 19),
              .electiveSurgical: .init(mean: 56, sd: 15), .electiveOrthopaedic: .init(mean: 68, sd: 10),
              .stroke: .init(mean: 73, sd: 12), .frailElderly: .init(mean: 84, sd: 5)],
        charlsonMean: [.emergencyMedical: 1.6, .emergencySurgical: 0.9, .electiveSurgical: 0.8,
                       .electiveOrthopaedic: 0.8, .stroke: 1.8, .frailElderly: 2.6],
        news2Mean: [.emergencyMedical: 2.5, .emergencySurgical: 1.8, .electiveSurgical: 0.4,
                    .electiveOrthopaedic: 0.3, .stroke: 2.2, .frailElderly: 3.0],
        edVisitsMean: 0.7, admissionsMean: 0.5)

    /// A normal age distribution.
    public struct AgeDistribution: Sendable, Hashable {
        /// Mean age, years.
        public var mean: Double
        /// Standard deviation, years.
        public var sd: Double
    }
}

/// Generates episode exports from a known twin model: the ground truth that fitting is tested against, and data
/// for demonstrations. Each patient arrives at a uniformly drawn time, follows the model's trajectory, may be
/// readmitted (as the model says), and everything after the export date is cut off — stays still open then have
/// no end (right-censored), as in a real export.
public struct EpisodeGenerator: Sendable {
    /// The model generated from.
    public let model: TwinModel
    /// Who the patients are.
    public let population: SyntheticPopulation
    let predictor: TrajectoryPredictor
    let shares: Categorical
    /// By `Pathway.ordinal`: looked up for every new patient, so arrays rather than dictionaries.
    let news2: [Poisson]
    let charlson: [Poisson]
    let ages: [SyntheticPopulation.AgeDistribution]
    let edVisits: Poisson
    let admissions: Poisson
    let extraFrailty: Poisson

    /// A generator for `model` and `population`, LACE counted in `timeZone`, stays scaled per pathway by
    /// `stayScale` (as `TrajectoryPredictor`); throws when either is unusable.
    public init(model: TwinModel = .builtIn, population: SyntheticPopulation = .standard,
                timeZone: TimeZone = RecordTime.utc, stayScale: [Pathway: Double] = [:]) throws(PredictionError)
    {
        self.model = model
        self.population = population
        predictor = try TrajectoryPredictor(model: model, timeZone: timeZone, stayScale: stayScale)
        do {
            shares = try Categorical(weights: Pathway.allCases.map { population.pathwayShares[$0] ?? 0 })
            news2 = try Pathway.allCases.map { try Poisson(mean: population.news2Mean[$0] ?? 1) }
            charlson = try Pathway.allCases.map { try Poisson(mean: population.charlsonMean[$0] ?? 1) }
            ages = Pathway.allCases.map { population.age[$0] ?? .init(mean: 60, sd: 15) }
            edVisits = try Poisson(mean: population.edVisitsMean)
            admissions = try Poisson(mean: population.admissionsMean)
            extraFrailty = try Poisson(mean: 0.6)
        } catch {
            throw PredictionError(problem: "synthetic population: \(error)")
        }
    }

    /// Episodes of `patients` patients whose first admissions fall uniformly in `days` days from `startMinute`;
    /// the export is taken at the end of those days plus `followUpDays`. Each patient is a twin followed stay by
    /// stay (`TrajectoryPredictor.drawStay`) and readmitted as the model says; stays still under way at the export
    /// have no end (right-censored). Deterministic for a seed. LACE counts calendar days in the predictor's time
    /// zone (UTC unless the generator was made with another).
    public func generate(patients: Int, startMinute: Double, days: Double, followUpDays: Double = 30,
                         seed: UInt64) -> [EpisodeRow]
    {
        let exportMinute = startMinute + (days + followUpDays) * 1440
        let streams = RandomStreams(masterSeed: seed)
        let twinStreams = TwinStreams(streams)
        var rows: [EpisodeRow] = []
        rows.reserveCapacity(patients * 4)
        for index in 0..<patients {
            var stream = streams.stream(for: "episode-generator", entity: UInt64(index))
            let id = PatientID(UInt64(index) &* 0x9E37_79B9_7F4A_7C15 ^ seed)
            let (pathway, attributes) = newPatient(using: &stream)
            let arrival = startMinute + stream.nextUniform() * days * 1440
            var twin = PatientTwin(id: id, attributes: attributes, pathway: pathway, admittedAt: arrival)
            while twin.spellStart < exportMinute {
                let news2 = admissionNEWS2(on: twin.pathway, using: &stream)
                do {
                    try twin.apply(Observation(minute: twin.spellStart, .news2(news2)))
                    rows += try spellRows(of: &twin, id: id, news2: news2, exportMinute: exportMinute,
                                          streams: twinStreams)
                    guard twin.isDischarged,
                          let delay = predictor.drawReadmission(for: twin, streams: twinStreams).delayMinutes
                    else { break }
                    twin = try twin.readmitted(atMinute: twin.stateSince + delay)
                } catch {
                    preconditionFailure("a generated twin follows its own draws: \(error)")
                }
            }
        }
        return rows
    }

    /// The rows of the twin's current spell, stepping it to its discharge or to the export, whichever is first.
    func spellRows(of twin: inout PatientTwin, id: PatientID, news2: Int, exportMinute: Double, streams: TwinStreams)
        throws(PredictionError) -> [EpisodeRow]
    {
        let spellID = "\(id)-\(twin.spell)"
        var rows: [EpisodeRow] = []
        func row(_ unit: CareState, _ start: Double, _ end: Double?, _ destination: CareState?) -> EpisodeRow {
            EpisodeRow(spellID: spellID, patientID: id.description, pathway: twin.pathway, attributes: twin.attributes,
                       admissionNEWS2: news2, unit: unit, startMinute: start, endMinute: end,
                       dischargeDestination: destination)
        }
        for _ in 0..<200 {
            let draw = try predictor.drawStay(for: twin, at: twin.stateSince, streams: streams)
            if draw.endMinute > exportMinute {
                rows.append(row(draw.state, draw.startMinute, nil, nil))
                return rows
            }
            rows.append(row(draw.state, draw.startMinute, draw.endMinute, draw.next.isDischarge ? draw.next : nil))
            twin.step(to: draw.next, at: draw.endMinute)
            if draw.next.isDischarge { return rows }
        }
        rows.append(row(twin.state, twin.stateSince, nil, nil))  // a spell cut off at 200 stays stays open
        return rows
    }

    /// The aggregate NEWS2 a spell on `pathway` starts with (Poisson with the population's mean, at most 20).
    public func admissionNEWS2(on pathway: Pathway, using stream: inout RandomStream) -> Int {
        min(20, news2[pathway.ordinal].sample(using: &stream))
    }

    /// A new patient from the synthetic population: a pathway and attributes.
    public func newPatient(using stream: inout RandomStream) -> (Pathway, PatientAttributes) {
        let pathway = Pathway.allCases[shares.sample(using: &stream)]
        return (pathway, drawAttributes(pathway, using: &stream))
    }

    /// A new patient on `pathway` from the synthetic population: its attributes.
    public func attributes(on pathway: Pathway, using stream: inout RandomStream) -> PatientAttributes {
        drawAttributes(pathway, using: &stream)
    }

    func drawAttributes(_ pathway: Pathway, using stream: inout RandomStream) -> PatientAttributes {
        let ages = self.ages[pathway.ordinal]
        let age = Int(min(100, max(18, (ages.mean + ages.sd * SpecialFunctions.normalQuantile(stream.nextUniform())).rounded())))
        let charlson = min(12, self.charlson[pathway.ordinal].sample(using: &stream))
        let frailty: Int
        if pathway == .frailElderly {
            frailty = 6 + stream.nextInt(below: 3)
        } else {
            let base = age >= 80 ? 4 : age >= 65 ? 3 : 2
            frailty = min(pathway.isEmergency && age >= 75 ? 5 : 9, base + extraFrailty.sample(using: &stream))
        }
        let specialty: Specialty
        let diagnosis: DiagnosisGroup
        switch pathway {
        case .emergencyMedical:
            specialty = [.generalMedicine, .cardiology, .respiratory][stream.nextInt(below: 3)]
            diagnosis = [.cardiac, .respiratory, .infection, .other][stream.nextInt(below: 4)]
        case .emergencySurgical:
            specialty = [.generalSurgery, .urology, .gynaecology][stream.nextInt(below: 3)]
            diagnosis = [.gastrointestinal, .injury, .other][stream.nextInt(below: 3)]
        case .electiveSurgical:
            specialty = [.generalSurgery, .urology, .gynaecology][stream.nextInt(below: 3)]
            diagnosis = [.gastrointestinal, .cancer, .other][stream.nextInt(below: 3)]
        case .electiveOrthopaedic:
            specialty = .traumaOrthopaedics
            diagnosis = .musculoskeletal
        case .stroke:
            specialty = .strokeMedicine
            diagnosis = .stroke
        case .frailElderly:
            specialty = .geriatrics
            diagnosis = [.respiratory, .infection, .injury, .other][stream.nextInt(below: 4)]
        }
        return PatientAttributes(
            ageYears: age, sex: stream.nextUniform() < 0.5 ? .female : .male,
            admissionMethod: pathway.isEmergency ? .emergency : .elective, specialty: specialty,
            diagnosisGroup: diagnosis, charlsonIndex: charlson, clinicalFrailtyScale: frailty,
            deprivationDecile: 1 + stream.nextInt(below: 10),
            edVisitsLast6Months: edVisits.sample(using: &stream),
            admissionsLast12Months: admissions.sample(using: &stream))
    }
}

extension Pathway {
    /// True for the unplanned pathways.
    public var isEmergency: Bool { firstUnit == .ed }
}
