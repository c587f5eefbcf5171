import CSVFiles

extension PatientAttributes {
    /// The attribute columns every record format shares (episode files, census files): required `admission_method`,
    /// `age`, `charlson_index`, `ed_visits_6m` and `admissions_12m`; optional `specialty` and `diagnosis_group`
    /// (empty: other), `sex` (empty: unknown), `frailty_score` (empty: 3) and `deprivation_decile` (empty: 5).
    public static let columns = ["admission_method", "specialty", "diagnosis_group", "age", "sex", "charlson_index",
                                 "frailty_score", "deprivation_decile", "ed_visits_6m", "admissions_12m"]

    /// The columns a record must have.
    public static let requiredColumns = ["admission_method", "age", "charlson_index", "ed_visits_6m", "admissions_12m"]

    /// The words each sex is written as.
    static let sexes: [String: Sex] = ["female": .female, "f": .female, "male": .male, "m": .male,
                                       "unknown": .unknown, "u": .unknown, "other": .unknown, "x": .unknown]

    /// Reads a patient's attributes from a record, the problems left in the record; nil when any is bad.
    public static func read(_ record: inout CSVTypedRecord) -> PatientAttributes? {
        func names<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> [String: T] where T.RawValue == String {
            Dictionary(uniqueKeysWithValues: T.allCases.map { ($0.rawValue, $0) })
        }
        func list<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> String where T.RawValue == String {
            "one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
        }
        let admission = record.choice("admission_method", names(AdmissionMethod.self), expected: "elective or emergency")
        let specialty = record.choice("specialty", names(Specialty.self), expected: list(Specialty.self),
                                      ifEmpty: .other)
        let diagnosis = record.choice("diagnosis_group", names(DiagnosisGroup.self), expected: list(DiagnosisGroup.self),
                                      ifEmpty: .other)
        let sex = record.choice("sex", sexes, expected: "female, male or unknown", ifEmpty: .unknown)
        let age = record.integer("age", in: 0...120)
        let charlson = record.integer("charlson_index", in: 0...40)
        let frailty = record.integer("frailty_score", in: 1...9, ifEmpty: 3)
        let deprivation = record.integer("deprivation_decile", in: 1...10, ifEmpty: 5)
        let visits = record.integer("ed_visits_6m", in: 0...1_000)
        let admissions = record.integer("admissions_12m", in: 0...1_000)
        guard let admission, let specialty, let diagnosis, let sex, let age, let charlson, let frailty, let deprivation,
              let visits, let admissions
        else { return nil }
        return PatientAttributes(ageYears: age, sex: sex, admissionMethod: admission, specialty: specialty,
                                 diagnosisGroup: diagnosis, charlsonIndex: charlson, clinicalFrailtyScale: frailty,
                                 deprivationDecile: deprivation, edVisitsLast6Months: visits,
                                 admissionsLast12Months: admissions)
    }

    /// The attribute fields in `columns` order, as written.
    public var fields: [String] {
        [admissionMethod.rawValue, specialty.rawValue, diagnosisGroup.rawValue, String(ageYears), sex.rawValue,
         String(charlsonIndex), String(clinicalFrailtyScale), String(deprivationDecile), String(edVisitsLast6Months),
         String(admissionsLast12Months)]
    }
}
