import Foundation
import Simulation

/// A pseudonymous patient identifier: never a name or a hospital number, but a 64-bit token derived from one
/// with a keyed hash, so the same source record always maps to the same twin and the token reveals nothing.
public struct PatientID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The token.
    public let value: UInt64

    /// A twin id from a token.
    public init(_ value: UInt64) { self.value = value }

    /// The id of an external identifier (a Synthea UUID, a hospital number), hashed with `key` (FNV-1a then
    /// SplitMix64's finaliser): stable for a given key, and not reversible.
    public init(pseudonymising external: String, key: UInt64 = 0x6874_7769_6E5F_6964) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ key
        for byte in external.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        value = hash ^ (hash >> 31)
    }

    /// Sixteen hexadecimal digits, "p" first: "p3f9c0a1b2c3d4e5f".
    public var description: String {
        let hex = String(value, radix: 16)
        return "p" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Parses the form `description` prints, or any decimal number.
    public init?(parsing text: String) {
        if text.hasPrefix("p"), let value = UInt64(text.dropFirst(), radix: 16) {
            self.value = value
        } else if let value = UInt64(text) {
            self.value = value
        } else {
            return nil
        }
    }

    /// Orders ids by token.
    public static func < (lhs: PatientID, rhs: PatientID) -> Bool { lhs.value < rhs.value }
}

/// What is known about a patient at admission: the covariates of the trajectory and readmission models.
public struct PatientAttributes: Sendable, Hashable, Codable {
    /// Age in whole years.
    public var ageYears: Int
    /// Sex.
    public var sex: Sex
    /// How this spell began.
    public var admissionMethod: AdmissionMethod
    /// The treating specialty.
    public var specialty: Specialty
    /// The broad diagnosis group.
    public var diagnosisGroup: DiagnosisGroup
    /// Charlson comorbidity index (LACE weighting unless stated otherwise).
    public var charlsonIndex: Int
    /// Clinical Frailty Scale, 1 (very fit) to 9 (terminally ill) (Rockwood et al., CMAJ 2005; version 2.0, 2020).
    public var clinicalFrailtyScale: Int
    /// Index of Multiple Deprivation decile, 1 (most deprived) to 10 (least).
    public var deprivationDecile: Int
    /// Emergency department visits in the six months before this admission.
    public var edVisitsLast6Months: Int
    /// Hospital admissions in the twelve months before this admission.
    public var admissionsLast12Months: Int

    /// Attributes of one patient.
    public init(ageYears: Int, sex: Sex, admissionMethod: AdmissionMethod, specialty: Specialty,
                diagnosisGroup: DiagnosisGroup, charlsonIndex: Int, clinicalFrailtyScale: Int,
                deprivationDecile: Int, edVisitsLast6Months: Int, admissionsLast12Months: Int)
    {
        self.ageYears = ageYears
        self.sex = sex
        self.admissionMethod = admissionMethod
        self.specialty = specialty
        self.diagnosisGroup = diagnosisGroup
        self.charlsonIndex = charlsonIndex
        self.clinicalFrailtyScale = clinicalFrailtyScale
        self.deprivationDecile = deprivationDecile
        self.edVisitsLast6Months = edVisitsLast6Months
        self.admissionsLast12Months = admissionsLast12Months
    }

    /// Checks ranges; returns what is wrong, or nil.
    public var problem: String? {
        if !(0...120).contains(ageYears) { return "age must be 0-120 years, found \(ageYears)" }
        if !(0...40).contains(charlsonIndex) { return "charlson_index must be 0-40, found \(charlsonIndex)" }
        if !(1...9).contains(clinicalFrailtyScale) {
            return "frailty_score (Clinical Frailty Scale) must be 1-9, found \(clinicalFrailtyScale)"
        }
        if !(1...10).contains(deprivationDecile) {
            return "deprivation_decile must be 1-10, found \(deprivationDecile)"
        }
        if edVisitsLast6Months < 0 { return "ed_visits_6m must be >= 0, found \(edVisitsLast6Months)" }
        if admissionsLast12Months < 0 { return "admissions_12m must be >= 0, found \(admissionsLast12Months)" }
        return nil
    }
}

/// Something that happened to the patient, at a time in minutes since 1970-01-01 00:00 UTC.
public struct Observation: Sendable, Hashable, Codable {
    /// What happened.
    public enum Kind: Sendable, Hashable, Codable {
        /// A set of vital signs.
        case vitals(VitalSigns)
        /// A move to another unit, or a discharge.
        case transfer(to: CareState)
        /// A procedure (SNOMED CT or local code) and its minutes in theatre, if any.
        case procedure(code: String, theatreMinutes: Double)
        /// The start of a new spell on a pathway (an admission or a readmission).
        case admission(Pathway)
        /// A NEWS2 aggregate recorded without its vital signs (as many record extracts carry it).
        case news2(Int)
    }

    /// When, in minutes since 1970-01-01 00:00 UTC.
    public let minute: Double
    /// What.
    public let kind: Kind

    /// An observation.
    public init(minute: Double, _ kind: Kind) {
        self.minute = minute
        self.kind = kind
    }

}

/// Why an observation cannot be applied.
public struct TwinUpdateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The twin.
    public let patient: PatientID
    /// What is wrong.
    public let problem: String

    /// "p00…2a: transfer at … is before the current stay began at …".
    public var description: String { "\(patient): \(problem)" }
}

/// A patient twin: a pseudonymous patient's attributes, where they are and since when, and what has been
/// observed. Its trajectory model (a `TwinModel`) predicts the rest of the spell from here; applying an
/// observation changes the twin, and so its prediction.
///
///     var twin = PatientTwin(id: id, attributes: attributes, pathway: .emergencyMedical, admittedAt: now)
///     try twin.apply(Observation(minute: now + 90, .vitals(vitals)))     // NEWS2 7: escalation more likely
///     let path = model.predictTrajectory(for: twin, from: now + 120, using: &stream)
///
/// Memory: about 150 bytes plus 80 per observation kept (see `hospital-twin-bench twins`).
public struct PatientTwin: Sendable, Hashable, Codable {
    /// The pseudonymous id.
    public let id: PatientID
    /// Attributes at admission.
    public var attributes: PatientAttributes
    /// The pathway of the current spell.
    public private(set) var pathway: Pathway
    /// Where the patient is now (a discharge state once the spell has ended).
    public private(set) var state: CareState
    /// When the current state began (minutes since 1970 UTC).
    public private(set) var stateSince: Double
    /// When the current spell began.
    public private(set) var spellStart: Double
    /// The aggregate NEWS2 of the latest vital signs in this spell, if any.
    public private(set) var latestNEWS2: Int?
    /// Everything observed, in time order — when `keepsHistory`; else only what the twin was made with.
    public private(set) var history: [Observation]
    /// Whether applied observations are kept in `history`. The hospital model's twins do not keep them: nothing
    /// in a run reads them, and a history is an allocation per patient and a reference counted at every copy.
    public let keepsHistory: Bool
    /// Which spell of this twin the current one is: 0 for the first the twin was made with, one more at each
    /// readmission. With `step`, it keys the twin's random draws (`TwinStreams`).
    public private(set) var spell: Int
    /// Which stay of the current spell the twin is in: 0 for the first unit, one more at each transfer.
    public private(set) var step: Int
    /// Counts the observations applied since the twin was made.
    public private(set) var revision: UInt32 = 0

    /// A twin admitted at `admittedAt` (minutes since 1970 UTC) to its pathway's first unit, or to `state`.
    /// `spell` counts the spells before this one (for a patient whose earlier spells are in `history`).
    /// With `keepsHistory` false the admission and later observations are applied but not kept.
    public init(id: PatientID, attributes: PatientAttributes, pathway: Pathway, admittedAt: Double,
                state: CareState? = nil, spell: Int = 0, history: [Observation] = [], keepsHistory: Bool = true)
    {
        self.id = id
        self.attributes = attributes
        self.pathway = pathway
        self.state = state ?? pathway.firstUnit
        stateSince = admittedAt
        spellStart = admittedAt
        self.spell = spell
        step = 0
        self.keepsHistory = keepsHistory
        guard keepsHistory else {
            self.history = history
            return
        }
        // Room for a typical spell's observations (admission, moves, readings) up front: a history otherwise
        // reallocates as it grows.
        var history = history
        history.reserveCapacity(history.count + 8)
        history.append(Observation(minute: admittedAt, .admission(pathway)))
        self.history = history
    }

    /// The covariates the model sees now: the attributes and the latest NEWS2 of this spell.
    public var covariates: Covariates { Covariates(attributes: attributes, news2: latestNEWS2) }

    /// A twin now in theatre or recovery as a census holds it, knowing only that the patient went to theatre at
    /// `minute` (epoch minutes; the feed's one theatres code covers both): in theatre since then, in the same
    /// spell, with its attributes and latest NEWS2, its history cut at `minute`.
    public func wentToTheatre(at minute: Double) -> PatientTwin {
        precondition(state == .theatre || state == .recovery, "only a twin in theatre or recovery went to theatre")
        var twin = self
        if state == .recovery { twin.step = max(0, step - 1) }
        twin.state = .theatre
        twin.stateSince = minute
        twin.history = history.filter { $0.minute <= minute }
        return twin
    }

    /// Minutes in the current state at `minute`.
    public func minutesInState(at minute: Double) -> Double { max(0, minute - stateSince) }

    /// True once the spell has ended in a discharge.
    public var isDischarged: Bool { state.isDischarge }

    /// The level of care now (`LevelOfCare.required(in:news2:)`).
    public var levelOfCare: LevelOfCare { LevelOfCare.required(in: state, news2: latestNEWS2) }

    /// Applies one observation: vital signs update the NEWS2; a transfer moves the twin. Observations must not
    /// be earlier than the current state's start, nothing may follow a discharge but a new admission, and a
    /// transfer must change the state.
    public mutating func apply(_ observation: Observation) throws(TwinUpdateError) {
        guard observation.minute.isFinite else { throw TwinUpdateError(patient: id, problem: "observation time is not finite") }
        if observation.minute < stateSince {
            throw TwinUpdateError(patient: id, problem: "observation at minute \(observation.minute) is before the "
                + "current \(state.rawValue) stay began (minute \(stateSince))")
        }
        switch observation.kind {
        case .vitals(let vitals):
            guard !isDischarged else {
                throw TwinUpdateError(patient: id, problem: "vital signs after the spell ended (\(state.rawValue))")
            }
            latestNEWS2 = NEWS2Score(vitals).total
        case .transfer(let destination):
            guard !isDischarged else {
                throw TwinUpdateError(patient: id, problem: "transfer after the spell ended (\(state.rawValue))")
            }
            guard destination != state else {
                throw TwinUpdateError(patient: id, problem: "transfer to \(destination.rawValue), where the patient already is")
            }
            state = destination
            stateSince = observation.minute
            if !destination.isDischarge { step += 1 }
        case .news2(let score):
            guard !isDischarged else {
                throw TwinUpdateError(patient: id, problem: "NEWS2 after the spell ended (\(state.rawValue))")
            }
            guard (0...20).contains(score) else {
                throw TwinUpdateError(patient: id, problem: "NEWS2 must be 0-20, found \(score)")
            }
            latestNEWS2 = score
        case .procedure:
            guard !isDischarged else {
                throw TwinUpdateError(patient: id, problem: "procedure after the spell ended (\(state.rawValue))")
            }
        case .admission(let newPathway):
            guard isDischarged else {
                throw TwinUpdateError(patient: id, problem: "new admission while the current spell is open")
            }
            pathway = newPathway
            state = newPathway.firstUnit
            stateSince = observation.minute
            spellStart = observation.minute
            latestNEWS2 = nil
            spell += 1
            step = 0
        }
        if keepsHistory { history.append(observation) }
        revision &+= 1
    }

    /// Applies observations in time order (they are sorted first); stops at the first that cannot be applied.
    public mutating func apply<S: Sequence>(contentsOf observations: S) throws(TwinUpdateError)
        where S.Element == Observation
    {
        for observation in observations.sorted(by: { $0.minute < $1.minute }) { try apply(observation) }
    }

    /// The twin readmitted at `minute` after this spell ended alive: a new emergency spell, with its attributes
    /// and pathway as `PatientAttributes.onEmergencyReadmission()` says — the loop a readmission closes.
    public func readmitted(atMinute minute: Double) throws(TwinUpdateError) -> PatientTwin {
        guard state == .dischargedHome || state == .dischargedCareHome else {
            throw TwinUpdateError(patient: id, problem: "only a twin discharged alive can be readmitted (state \(state.rawValue))")
        }
        var next = self
        let (attributes, pathway) = attributes.onEmergencyReadmission()
        next.attributes = attributes
        try next.apply(Observation(minute: max(minute, stateSince), .admission(pathway)))
        return next
    }
}

extension PatientAttributes {
    /// A patient's attributes at an emergency readmission, and the pathway it takes: admitted as an emergency,
    /// one more ED visit in the last six months and one more admission in the last twelve; a surgical specialty
    /// becomes general medicine and a stroke diagnosis "other" (a readmission is rarely for the same operation or
    /// a second stroke), then the pathway is derived as for any admission. The one rule the twins, the episode
    /// generator and the hospital model follow.
    public func onEmergencyReadmission() -> (attributes: PatientAttributes, pathway: Pathway) {
        var next = self
        next.admissionMethod = .emergency
        next.edVisitsLast6Months += 1
        next.admissionsLast12Months += 1
        if next.specialty.isSurgical { next.specialty = .generalMedicine }
        if next.diagnosisGroup == .stroke { next.diagnosisGroup = .other }
        let pathway = Pathway.derived(admission: .emergency, specialty: next.specialty, diagnosis: next.diagnosisGroup,
                                      ageYears: next.ageYears, frailtyScale: next.clinicalFrailtyScale)
        return (next, pathway)
    }
}

extension Pathway {
    /// Where a spell on this pathway starts: ED for emergency pathways, theatre for elective surgery (admitted
    /// on the day).
    public var firstUnit: CareState {
        switch self {
        case .emergencyMedical, .emergencySurgical, .stroke, .frailElderly: .ed
        case .electiveSurgical, .electiveOrthopaedic: .theatre
        }
    }
}
