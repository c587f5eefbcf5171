import Feed
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation

/// A live-census patient's twin attributes: what the feed says (age from PID-7, sex from PID-8, emergency or elective
/// from PV1-4, the treating specialty from PV1-10, earlier visits from the log) and, for what ADT does not carry
/// (Charlson index, frailty, deprivation, diagnosis group), a draw from the scenario's synthetic population for the
/// patient's pathway. A patient still in a bed is a length-biased sample of those admitted (the long stays are the
/// ones still there), so its draw is one of `candidates` population draws chosen with weight S(time on its unit |
/// the draw's covariates): the attributes of the patients who would still be there now. Draws come from a stream
/// keyed by the patient's pseudonym: the same log gives the same census. Docs/FEED.md, "The live census".
struct AttributeImputer {
    /// Population draws weighed for each patient in a bed.
    static let candidates = 16

    let predictor: TrajectoryPredictor
    let generator: EpisodeGenerator
    let population: SyntheticPopulation
    let logStart: Double?
    /// Earlier ED visits (6 months) and admissions (12 months) the log holds per patient whose window it covers
    /// whole: Σ count / Σ covered share of the window over `patients` (nil with no window covered at all).
    let seenEDVisits: Double?
    let seenAdmissions: Double?

    /// Throws when the scenario's twin model or population cannot be used (as preparing its run would). `patients`:
    /// those whose history the log's share of the population's visits is read from (the census's, the
    /// calibration window's).
    init(_ configuration: HospitalConfiguration, logStart: Double?, patients: [LivePatient]) throws(PredictionError) {
        predictor = try TrajectoryPredictor(model: configuration.twinModel, timeZone: configuration.timeZone,
                                            stayScale: configuration.stayScale)
        generator = try EpisodeGenerator(model: configuration.twinModel, population: configuration.population,
                                         timeZone: configuration.timeZone, stayScale: configuration.stayScale)
        population = configuration.population
        self.logStart = logStart
        func rate(_ window: Double, _ count: (LivePatient) -> Int) -> Double? {
            var seen = 0.0, covered = 0.0
            for patient in patients {
                seen += Double(count(patient))
                covered += Self.covered(window, before: patient.spellStart, logStart: logStart)
            }
            return covered > 0 ? seen / covered : nil
        }
        seenEDVisits = rate(PatientLedger.edVisitWindow) { $0.edVisitsLast6Months }
        seenAdmissions = rate(PatientLedger.admissionWindow) { $0.admissionsLast12Months }
    }

    /// True when PV1-4 says the admission was planned: L elective, R routine, C, or the word.
    static func isElective(_ admissionType: String) -> Bool {
        ["L", "R", "C", "ELECTIVE"].contains(admissionType.uppercased())
    }

    /// The pathway of a patient whose PV1-10 names its treating specialty: stroke medicine (or a stroke unit) the
    /// stroke pathway, geriatric medicine as an emergency the frail-elderly pathway (the population's patients
    /// under geriatrics are its frail elderly, whatever their age), otherwise surgical or medical, emergency or
    /// elective (trauma and orthopaedics electively: the elective orthopaedic pathway).
    static func pathway(emergency: Bool, specialty: Specialty, stroke: Bool) -> Pathway {
        if stroke || specialty == .strokeMedicine { return .stroke }
        guard emergency else { return specialty == .traumaOrthopaedics ? .electiveOrthopaedic : .electiveSurgical }
        if specialty == .geriatrics { return .frailElderly }
        return specialty.isSurgical ? .emergencySurgical : .emergencyMedical
    }

    /// The pathway and attributes of `patient` on `unit` (nil: in the ED, in the theatres when `inTheatres`, or
    /// discharged) at `minute`; one without a birth date is counted in `missingBirthDates`.
    func attributes(of patient: LivePatient, on unit: UnitConfiguration?, inTheatres: Bool = false, at minute: Double,
                    news2: Int?, zone: TimeZone, missingBirthDates: inout Int) -> (Pathway, PatientAttributes)
    {
        var age: Int?
        if let birth = patient.birthDate, let year = birth.year, let month = birth.month, let day = birth.day {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let now = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: minute * 60))
            age = min(120, max(0, (now.year ?? year) - year - ((now.month ?? 1, now.day ?? 1) < (month, day) ? 1 : 0)))
        } else {
            missingBirthDates += 1
        }
        let elective = Self.isElective(patient.admissionType)
        let stated = Specialty(hospitalService: patient.hospitalService)
        // Without PV1-10: the unit's specialty, general surgery in the theatres, else general medicine.
        let specialty: Specialty = stated ?? (unit?.kind == .strokeUnit ? .strokeMedicine
            : unit.flatMap { $0.specialties.sorted { $0.rawValue < $1.rawValue }.first }
                ?? (inTheatres ? .generalSurgery : .generalMedicine))
        let stroke = unit?.kind == .strokeUnit || specialty == .strokeMedicine
        let pathway: Pathway
        if stated != nil {
            pathway = Self.pathway(emergency: !elective, specialty: specialty, stroke: stroke)
        } else {
            pathway = Pathway.derived(admission: elective ? .elective : .emergency, specialty: specialty,
                                      diagnosis: stroke ? .stroke : .other, ageYears: age ?? 65,
                                      frailtyScale: specialty == .geriatrics && (age ?? 0) >= 75 ? 6 : 3)
        }
        var stream = RandomStream(seed: Self.seed(patient.key))
        var drawn: [PatientAttributes] = []
        for _ in 0..<Self.candidates {
            var candidate = generator.attributes(on: pathway, using: &stream)
            candidate.ageYears = age ?? candidate.ageYears
            if patient.sex != .unknown { candidate.sex = patient.sex }
            candidate.admissionMethod = elective ? .elective : .emergency
            candidate.specialty = specialty
            if stroke { candidate.diagnosisGroup = .stroke }
            // Keep the pathway the facts gave: a non-frail emergency patient of 75 or more has a frailty below 6.
            if pathway != .frailElderly, candidate.ageYears >= 75, candidate.admissionMethod == .emergency {
                candidate.clinicalFrailtyScale = min(candidate.clinicalFrailtyScale, 5)
            }
            if pathway == .frailElderly { candidate.clinicalFrailtyScale = max(candidate.clinicalFrailtyScale, 6) }
            drawn.append(candidate)
        }
        var chosen = drawn[0]
        if let unit, patient.dischargedAt == nil {
            let elapsed = max(0, minute - patient.locationSince)
            let weights = drawn.map {
                predictor.sojournSurvival(pathway: pathway, state: unit.kind.careState,
                                          covariates: Covariates(attributes: $0, news2: news2), minutes: elapsed)
            }
            let total = weights.reduce(0, +)
            if total > 0 {
                var target = stream.nextUniform() * total
                for (candidate, weight) in zip(drawn, weights) where weight > 0 {
                    target -= weight
                    chosen = candidate
                    if target <= 0 { break }
                }
            }
        }
        chosen.edVisitsLast6Months = patient.edVisitsLast6Months
            + unseen(PatientLedger.edVisitWindow, before: patient.spellStart, mean: population.edVisitsMean,
                     seen: seenEDVisits, &stream)
        chosen.admissionsLast12Months = patient.admissionsLast12Months
            + unseen(PatientLedger.admissionWindow, before: patient.spellStart, mean: population.admissionsMean,
                     seen: seenAdmissions, &stream)
        return (pathway, chosen)
    }

    /// The share (0–1) of a `window` before `start` that a log beginning at `logStart` covers (0 without a log).
    static func covered(_ window: Double, before start: Double, logStart: Double?) -> Double {
        max(0, min(1, (logStart.map { start - $0 } ?? 0) / window))
    }

    /// Earlier visits the log cannot hold: a Poisson draw whose mean is the population's `mean` over the part of
    /// the `window` before the log began, and over the part it covers what the population has beyond the visits
    /// the log holds per covered window (`seen`). A real hospital's log holds most of its patients' visits (seen ≈
    /// mean: nothing added where it covers); a shadow hospital's holds only its own readmissions, the population's
    /// visits standing for those elsewhere — counting the log's alone gave its patients a tenth of the population's
    /// visits, their LACE scores fell, and forecasts from the live census lost returns (3.9 patients by day 14).
    func unseen(_ window: Double, before start: Double, mean: Double, seen: Double?, _ stream: inout RandomStream) -> Int {
        let covered = Self.covered(window, before: start, logStart: logStart)
        let beyond = max(0, mean - (seen ?? mean))
        let expected = mean * (1 - covered) + beyond * covered
        guard expected > 0 else { return 0 }
        do {
            return try Poisson(mean: expected).sample(using: &stream)
        } catch {
            preconditionFailure("a positive finite Poisson mean: \(expected)")
        }
    }

    /// FNV-1a of the key: the patient's own stream.
    static func seed(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("live-census:" + key).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
