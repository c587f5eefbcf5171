import Foundation

/// The LACE index of a hospital discharge, from Length of stay, Acuity of admission, Comorbidity (Charlson) and
/// Emergency department visits in the previous six months (van Walraven et al., "Derivation and validation of an
/// index to predict early death or unplanned readmission after discharge from hospital to the community", CMAJ
/// 182(6):551–557, 2010, Table 4). 0–19.
///
/// L is counted one of two ways, depending on what a record holds:
/// - from timestamps (`init(admittedAt:dischargedAt:timeZone:…)`): the calendar days between the admission date
///   and the discharge date in the hospital's time zone, as administrative data count a length of stay (the
///   paper's validation used Ontario's administrative discharge abstracts): admitted 22:00, discharged 08:00 the
///   next day is 1 day; a same-day discharge is 0;
/// - from a number of days (`init(lengthOfStayDays:…)`, the `los_days` column): completed days, so 0.5 scores as
///   "less than a day" and 1.9 as 1 day.
public struct LACEScore: Sendable, Hashable, Codable {
    /// L: days in hospital: < 1 → 0; 1 → 1; 2 → 2; 3 → 3; 4–6 → 4; 7–13 → 5; ≥ 14 → 7.
    public let lengthOfStay: Int
    /// A: 3 for an emergency (acute) admission, 0 otherwise.
    public let acuity: Int
    /// C: Charlson index 0–3 as is; ≥ 4 → 5.
    public let comorbidity: Int
    /// E: emergency department visits in the six months before admission: 0–3 as is; ≥ 4 → 4.
    public let emergencyVisits: Int

    /// Scores a discharge whose stay is given in (possibly fractional) days: L counts completed days.
    public init(lengthOfStayDays: Double, emergencyAdmission: Bool, charlsonIndex: Int, edVisitsLast6Months: Int) {
        self.init(lengthOfStayPoints: LACEScore.lengthOfStayPoints(days: lengthOfStayDays),
                  emergencyAdmission: emergencyAdmission, charlsonIndex: charlsonIndex,
                  edVisitsLast6Months: edVisitsLast6Months)
    }

    /// Scores a discharge from its admission and discharge times (epoch minutes): L counts calendar days in
    /// `timeZone`, the hospital's.
    public init(admittedAt: Double, dischargedAt: Double, timeZone: TimeZone, emergencyAdmission: Bool,
                charlsonIndex: Int, edVisitsLast6Months: Int)
    {
        let days = RecordTime.calendarDays(from: admittedAt, to: dischargedAt, in: timeZone)
        self.init(lengthOfStayPoints: LACEScore.lengthOfStayPoints(days: Double(days)),
                  emergencyAdmission: emergencyAdmission, charlsonIndex: charlsonIndex,
                  edVisitsLast6Months: edVisitsLast6Months)
    }

    /// The LACE of a patient with `attributes` admitted at `admittedAt` and discharged at `dischargedAt` (epoch
    /// minutes), L in calendar days in `timeZone`: the one rule by which twins, the generator and the fitter score
    /// a spell.
    public init(attributes: PatientAttributes, admittedAt: Double, dischargedAt: Double, timeZone: TimeZone) {
        self.init(admittedAt: admittedAt, dischargedAt: dischargedAt, timeZone: timeZone,
                  emergencyAdmission: attributes.admissionMethod == .emergency,
                  charlsonIndex: attributes.charlsonIndex, edVisitsLast6Months: attributes.edVisitsLast6Months)
    }

    init(lengthOfStayPoints: Int, emergencyAdmission: Bool, charlsonIndex: Int, edVisitsLast6Months: Int) {
        lengthOfStay = lengthOfStayPoints
        acuity = emergencyAdmission ? 3 : 0
        comorbidity = LACEScore.comorbidityPoints(charlsonIndex: charlsonIndex)
        emergencyVisits = min(max(edVisitsLast6Months, 0), 4)
    }

    /// L + A + C + E.
    public var total: Int { lengthOfStay + acuity + comorbidity + emergencyVisits }

    /// L points for a stay of `days` (completed days count).
    public static func lengthOfStayPoints(days: Double) -> Int {
        let completed = days.rounded(.down)
        switch completed {
        case ..<1: return 0
        case ..<2: return 1
        case ..<3: return 2
        case ..<4: return 3
        case ..<7: return 4
        case ..<14: return 5
        default: return 7
        }
    }

    /// C points for a Charlson index.
    public static func comorbidityPoints(charlsonIndex: Int) -> Int {
        charlsonIndex >= 4 ? 5 : max(charlsonIndex, 0)
    }
}

/// Conditions of the Charlson comorbidity index.
public enum CharlsonCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Previous myocardial infarction.
    case myocardialInfarction = "myocardial_infarction"
    /// Congestive heart failure.
    case congestiveHeartFailure = "congestive_heart_failure"
    /// Peripheral vascular disease.
    case peripheralVascularDisease = "peripheral_vascular_disease"
    /// Cerebrovascular disease.
    case cerebrovascularDisease = "cerebrovascular_disease"
    /// Dementia.
    case dementia
    /// Chronic pulmonary disease.
    case chronicPulmonaryDisease = "chronic_pulmonary_disease"
    /// Connective tissue (rheumatic) disease.
    case connectiveTissueDisease = "connective_tissue_disease"
    /// Peptic ulcer disease.
    case pepticUlcerDisease = "peptic_ulcer_disease"
    /// Mild liver disease.
    case mildLiverDisease = "mild_liver_disease"
    /// Moderate or severe liver disease.
    case severeLiverDisease = "severe_liver_disease"
    /// Diabetes without complications.
    case diabetes
    /// Diabetes with end-organ damage.
    case diabetesWithComplications = "diabetes_with_complications"
    /// Hemiplegia or paraplegia.
    case hemiplegia
    /// Mild renal disease.
    case mildRenalDisease = "mild_renal_disease"
    /// Moderate or severe renal disease.
    case severeRenalDisease = "severe_renal_disease"
    /// Any tumour without metastasis, leukaemia or lymphoma.
    case tumour
    /// Metastatic solid tumour.
    case metastaticSolidTumour = "metastatic_solid_tumour"
    /// AIDS.
    case aids
}

/// A weighting of the Charlson comorbidity index.
public enum CharlsonWeights: String, Sendable, Hashable, Codable {
    /// The weights of the LACE index (van Walraven et al. 2010, Table 4): myocardial infarction, cerebrovascular
    /// disease, peripheral vascular disease and uncomplicated diabetes 1; congestive heart failure, diabetes with
    /// end-organ damage, chronic pulmonary disease, mild liver or renal disease and any tumour (including
    /// leukaemia and lymphoma) 2; dementia and connective tissue disease 3; AIDS and moderate or severe liver or
    /// renal disease 4; metastatic solid tumour 6. Peptic ulcer and hemiplegia carry no weight in it.
    case lace
    /// The original weights (Charlson et al., J Chronic Dis 40(5):373–383, 1987): 1 for myocardial infarction,
    /// heart failure, peripheral vascular, cerebrovascular, dementia, chronic pulmonary, connective tissue,
    /// ulcer, mild liver disease and diabetes; 2 for hemiplegia, moderate or severe renal disease, diabetes with
    /// end-organ damage and any tumour, leukaemia or lymphoma; 3 for moderate or severe liver disease; 6 for
    /// metastatic solid tumour and AIDS. Mild renal disease carries no weight.
    case charlson1987

    /// The weight of `condition`.
    public func weight(of condition: CharlsonCondition) -> Int {
        switch self {
        case .lace:
            switch condition {
            case .myocardialInfarction, .cerebrovascularDisease, .peripheralVascularDisease, .diabetes: return 1
            case .congestiveHeartFailure, .diabetesWithComplications, .chronicPulmonaryDisease, .mildLiverDisease,
                 .mildRenalDisease, .tumour:
                return 2
            case .dementia, .connectiveTissueDisease: return 3
            case .aids, .severeLiverDisease, .severeRenalDisease: return 4
            case .metastaticSolidTumour: return 6
            case .pepticUlcerDisease, .hemiplegia: return 0
            }
        case .charlson1987:
            switch condition {
            case .myocardialInfarction, .congestiveHeartFailure, .peripheralVascularDisease, .cerebrovascularDisease,
                 .dementia, .chronicPulmonaryDisease, .connectiveTissueDisease, .pepticUlcerDisease,
                 .mildLiverDisease, .diabetes:
                return 1
            case .hemiplegia, .severeRenalDisease, .diabetesWithComplications, .tumour: return 2
            case .severeLiverDisease: return 3
            case .metastaticSolidTumour, .aids: return 6
            case .mildRenalDisease: return 0
            }
        }
    }
}

/// The Charlson comorbidity index of a set of conditions. Where a condition has a milder and a more severe form
/// (diabetes, liver and renal disease, tumour and metastatic tumour) only the more severe one counts, as the
/// index's authors specify.
public enum CharlsonIndex {
    /// The index of `conditions` under `weights` (default: the weights LACE uses).
    public static func score(_ conditions: Set<CharlsonCondition>, weights: CharlsonWeights = .lace) -> Int {
        var counted = conditions
        if counted.contains(.diabetesWithComplications) { counted.remove(.diabetes) }
        if counted.contains(.severeLiverDisease) { counted.remove(.mildLiverDisease) }
        if counted.contains(.severeRenalDisease) { counted.remove(.mildRenalDisease) }
        if counted.contains(.metastaticSolidTumour) { counted.remove(.tumour) }
        return counted.reduce(0) { $0 + weights.weight(of: $1) }
    }
}
