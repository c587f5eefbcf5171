import Foundation

/// How the patient was admitted.
public enum AdmissionMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Planned (waiting list, booked).
    case elective
    /// Unplanned, usually through the emergency department.
    case emergency
}

/// Sex as recorded.
public enum Sex: String, Sendable, Hashable, Codable, CaseIterable {
    /// Female.
    case female
    /// Male.
    case male
    /// Other or not known.
    case unknown
}

/// The care pathway a spell follows: each has its own multi-state trajectory model.
public enum Pathway: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    /// Unplanned medical admission through ED and the acute medical unit.
    case emergencyMedical = "emergency_medical"
    /// Unplanned surgical admission through ED and the surgical assessment unit.
    case emergencySurgical = "emergency_surgical"
    /// Planned surgery.
    case electiveSurgical = "elective_surgical"
    /// Planned orthopaedic surgery (joint replacement).
    case electiveOrthopaedic = "elective_orthopaedic"
    /// Acute stroke through the stroke unit.
    case stroke
    /// Unplanned admission of a frail older person.
    case frailElderly = "frail_elderly"

    /// The pathway of a spell from its admission method, specialty, diagnosis group, age and frailty: stroke
    /// diagnoses → stroke; emergency admissions aged 75+ with a Clinical Frailty Scale of 6+ → frail elderly;
    /// otherwise by admission method and whether the specialty is surgical (orthopaedics apart).
    public static func derived(admission: AdmissionMethod, specialty: Specialty, diagnosis: DiagnosisGroup,
                               ageYears: Int, frailtyScale: Int) -> Pathway
    {
        if diagnosis == .stroke { return .stroke }
        switch admission {
        case .emergency:
            if ageYears >= 75 && frailtyScale >= 6 { return .frailElderly }
            return specialty.isSurgical ? .emergencySurgical : .emergencyMedical
        case .elective:
            return specialty == .traumaOrthopaedics ? .electiveOrthopaedic : .electiveSurgical
        }
    }
}

/// The treating specialty.
public enum Specialty: String, Sendable, Hashable, Codable, CaseIterable {
    /// General (internal) medicine.
    case generalMedicine = "general_medicine"
    /// Care of the elderly.
    case geriatrics
    /// Cardiology.
    case cardiology
    /// Respiratory medicine.
    case respiratory
    /// Stroke medicine.
    case strokeMedicine = "stroke_medicine"
    /// General surgery.
    case generalSurgery = "general_surgery"
    /// Trauma and orthopaedics.
    case traumaOrthopaedics = "trauma_orthopaedics"
    /// Urology.
    case urology
    /// Gynaecology.
    case gynaecology
    /// Any other specialty.
    case other

    /// True for the surgical specialties.
    public var isSurgical: Bool {
        switch self {
        case .generalSurgery, .traumaOrthopaedics, .urology, .gynaecology: true
        default: false
        }
    }

    /// The NHS Data Model and Dictionary's treatment function code (main specialty) a PAS sends in PV1-10: 300
    /// general internal medicine, 430 geriatric medicine, 320 cardiology, 340 respiratory medicine, 328 stroke
    /// medicine, 100 general surgery, 110 trauma and orthopaedics, 101 urology, 502 gynaecology; nil for `other`.
    public var treatmentFunctionCode: String? {
        switch self {
        case .generalMedicine: "300"
        case .geriatrics: "430"
        case .cardiology: "320"
        case .respiratory: "340"
        case .strokeMedicine: "328"
        case .generalSurgery: "100"
        case .traumaOrthopaedics: "110"
        case .urology: "101"
        case .gynaecology: "502"
        case .other: nil
        }
    }

    /// The specialty a PV1-10 names: a treatment function code of `treatmentFunctionCode` or the specialty's own
    /// name (its first component, either case); nil for anything else.
    public init?(hospitalService text: String) {
        let code = text.split(separator: "^", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = code.trimmingCharacters(in: .whitespaces)
        guard let found = Specialty.allCases.first(where: { $0.treatmentFunctionCode == trimmed || $0.rawValue == trimmed.lowercased() })
        else { return nil }
        self = found
    }
}

/// A broad diagnosis group.
public enum DiagnosisGroup: String, Sendable, Hashable, Codable, CaseIterable {
    /// Heart disease.
    case cardiac
    /// Lung disease and respiratory infection.
    case respiratory
    /// Stroke and transient ischaemic attack.
    case stroke
    /// Sepsis and other infection.
    case infection
    /// Falls, fractures and injuries.
    case injury
    /// Gastrointestinal and abdominal conditions.
    case gastrointestinal
    /// Joint disease (e.g. for arthroplasty).
    case musculoskeletal
    /// Cancer.
    case cancer
    /// Anything else.
    case other
}

/// Where a patient is, or goes: the states of the multi-state model. The last three end a spell.
public enum CareState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Emergency department.
    case ed
    /// Acute medical or surgical assessment unit.
    case assessmentUnit = "assessment_unit"
    /// Operating theatre (the sojourn is the procedure).
    case theatre
    /// Post-anaesthesia recovery.
    case recovery
    /// Intensive care unit (level 3).
    case icu
    /// High-dependency unit (level 2).
    case hdu
    /// A specialty ward.
    case ward
    /// Acute or hyperacute stroke unit.
    case strokeUnit = "stroke_unit"
    /// Discharged to usual residence.
    case dischargedHome = "home"
    /// Discharged to a care home.
    case dischargedCareHome = "care_home"
    /// Died in hospital.
    case died

    /// True for discharge states, which end the spell.
    public var isDischarge: Bool { self == .dischargedHome || self == .dischargedCareHome || self == .died }

    /// The units a patient can be in (everything but the discharges).
    public static let units: [CareState] = [.ed, .assessmentUnit, .theatre, .recovery, .icu, .hdu, .ward, .strokeUnit]

    /// The discharge states.
    public static let discharges: [CareState] = [.dischargedHome, .dischargedCareHome, .died]

    /// The kind of bed (or place) the state occupies; nil for discharges.
    public var bedType: BedType? {
        switch self {
        case .ed: .edCubicle
        case .assessmentUnit: .assessment
        case .theatre: .theatre
        case .recovery: .recoveryBay
        case .icu: .criticalCare
        case .hdu: .highDependency
        case .ward: .generalWard
        case .strokeUnit: .stroke
        case .dischargedHome, .dischargedCareHome, .died: nil
        }
    }

    /// The level of care the state implies (Intensive Care Society, "Levels of adult critical care", 2nd ed.,
    /// 2021): 3 for ICU and theatre (anaesthetised), 2 for HDU, 1 for ED, assessment, recovery and stroke unit
    /// (closer monitoring), 0 for a ward. A twin with a high NEWS2 on a ward is raised to level 1.
    public var levelOfCare: LevelOfCare {
        switch self {
        case .icu, .theatre: .level3
        case .hdu: .level2
        case .ed, .assessmentUnit, .recovery, .strokeUnit: .level1
        case .ward: .level0
        case .dischargedHome, .dischargedCareHome, .died: .level0
        }
    }

    /// Reads a state from its name in files; accepts the common aliases (amu, sau, itu, hasu, care-home, death).
    public init?(name: String) {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "_")
            .replacingOccurrences(of: " ", with: "_")
        switch key {
        case "ed", "ae", "a&e", "emergency_department": self = .ed
        case "assessment_unit", "amu", "sau", "mau", "cdu", "assessment": self = .assessmentUnit
        case "theatre", "theater", "or", "operating_theatre": self = .theatre
        case "recovery", "pacu": self = .recovery
        case "icu", "itu", "critical_care": self = .icu
        case "hdu", "high_dependency": self = .hdu
        case "ward", "specialty_ward": self = .ward
        case "stroke_unit", "hasu", "asu": self = .strokeUnit
        case "home", "discharged_home", "usual_residence": self = .dischargedHome
        case "care_home", "nursing_home", "residential_home": self = .dischargedCareHome
        case "died", "death", "dead": self = .died
        default: return nil
        }
    }
}

extension Pathway {
    /// Position in `allCases`, without a search.
    @inlinable
    public var ordinal: Int {
        switch self {
        case .emergencyMedical: 0
        case .emergencySurgical: 1
        case .electiveSurgical: 2
        case .electiveOrthopaedic: 3
        case .stroke: 4
        case .frailElderly: 5
        }
    }
}

extension CareState {
    /// Position in `allCases` (the units, then the three discharges), without a search: an index into arrays
    /// kept by state.
    @inlinable
    public var ordinal: Int {
        switch self {
        case .ed: 0
        case .assessmentUnit: 1
        case .theatre: 2
        case .recovery: 3
        case .icu: 4
        case .hdu: 5
        case .ward: 6
        case .strokeUnit: 7
        case .dischargedHome: 8
        case .dischargedCareHome: 9
        case .died: 10
        }
    }
}

/// A kind of bed or place a patient occupies.
public enum BedType: String, Sendable, Hashable, Codable, CaseIterable {
    /// An ED cubicle or trolley.
    case edCubicle = "ed_cubicle"
    /// An assessment-unit bed.
    case assessment
    /// An operating theatre.
    case theatre
    /// A recovery bay.
    case recoveryBay = "recovery_bay"
    /// An intensive care bed.
    case criticalCare = "critical_care"
    /// A high-dependency bed.
    case highDependency = "high_dependency"
    /// A general ward bed.
    case generalWard = "general_ward"
    /// A stroke-unit bed.
    case stroke
}

/// Levels of care (Intensive Care Society 2021), which set nursing ratios: level 3 one nurse to one patient,
/// level 2 one to two, level 1 and 0 ward ratios.
public enum LevelOfCare: Int, Sendable, Hashable, Codable, Comparable, CaseIterable {
    /// Ward care.
    case level0 = 0
    /// Ward care with closer monitoring or at risk of deterioration.
    case level1 = 1
    /// Single-organ support (HDU).
    case level2 = 2
    /// Advanced respiratory or multi-organ support (ICU).
    case level3 = 3

    /// Orders by level.
    public static func < (lhs: LevelOfCare, rhs: LevelOfCare) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The aggregate NEWS2 from which a patient on a ward needs level 1 care: 5, the threshold of the medium
    /// clinical-risk band, at which RCP 2017 (Chart 2) asks for urgent review and at least hourly observations.
    public static let wardEscalationNEWS2 = 5

    /// The level of care a patient needs in `state` with an aggregate NEWS2 of `news2`: the state's own level
    /// (`CareState.levelOfCare`), raised to level 1 on a ward at NEWS2 5 or more. The one rule from NEWS2 to
    /// level of care.
    public static func required(in state: CareState, news2: Int?) -> LevelOfCare {
        if state == .ward, let news2, news2 >= wardEscalationNEWS2 { return .level1 }
        return state.levelOfCare
    }
}
