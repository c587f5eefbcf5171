import CSVFiles
import Foundation
import Simulation

/// What an import produced.
public struct SyntheaImport: Sendable {
    /// One row per stay, in the episode format.
    public let episodes: [EpisodeRow]
    /// The twins' observation history: vital-sign sets and procedures.
    public let observations: [ObservationRow]
    /// Rows skipped, each with its file, line and reason.
    public let warnings: [String]
    /// Patients with at least one spell.
    public let patients: Int
    /// Spells made.
    public let spells: Int
}

/// The failure of an import as a whole: a missing file or column.
public struct SyntheaImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// Turns a Synthea CSV export (Walonoski et al., "Synthea", JAMIA 25(3), 2018) into episodes and observations.
/// Columns are read by header name, as they differ between Synthea versions; names and addresses are never
/// read out, and every identifier is replaced by a keyed pseudonym.
///
/// - Inpatient and emergency encounters become stays. An emergency encounter followed, within six hours of its
///   end, by an inpatient encounter is one emergency spell (an ED stay, then a ward stay); an emergency
///   encounter alone is an ED attendance discharged from ED; an inpatient encounter alone is an elective
///   admission to a ward.
/// - A spell ends in death when the patient's DEATHDATE falls on or before the day it ends, else at home.
/// - Age comes from BIRTHDATE; sex from GENDER; ED visits in the 6 months and admissions in the 12 months
///   before are counted from the export itself.
/// - The Charlson index (LACE weights) comes from conditions active at admission (started by the day of
///   admission and not stopped before it), mapped from SNOMED CT codes and, failing a code, from words in the
///   description (`SNOMEDCharlson`).
/// - The diagnosis group and specialty come from words in the encounter's reason. Frailty and deprivation are
///   not in Synthea: they are written as 3 and 5, the values the episode reader assumes for an empty cell.
/// - Vital-sign observations (category vital-signs) taken at one time become one vital-sign set; procedures in
///   a spell's encounters become procedure observations.
public enum SyntheaImporter {
    /// Imports the export in `directory` (patients.csv, encounters.csv, conditions.csv, observations.csv;
    /// procedures.csv if present).
    public static func importExport(directory: String) throws(SyntheaImportError) -> SyntheaImport {
        var warnings: [String] = []
        let patients = try table(directory, "patients.csv", ["Id", "BIRTHDATE", "DEATHDATE", "GENDER"], &warnings)
        let encounters = try table(directory, "encounters.csv", ["Id", "START", "STOP", "PATIENT", "ENCOUNTERCLASS"],
                                   &warnings)
        let conditions = try table(directory, "conditions.csv", ["START", "STOP", "PATIENT", "CODE", "DESCRIPTION"],
                                   &warnings)
        let observations = try table(directory, "observations.csv", ["DATE", "PATIENT", "CATEGORY", "CODE", "VALUE"],
                                     &warnings)
        let procedures = FileManager.default.fileExists(atPath: directory + "/procedures.csv")
            ? try table(directory, "procedures.csv", ["START", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"], &warnings)
            : []

        struct Person {
            let birthMinute: Double
            let deathMinute: Double?
            let sex: Sex
        }
        var people: [String: Person] = [:]
        for row in patients {
            guard let birth = dayMinute(row["BIRTHDATE"]) else {
                warnings.append(row.problem("BIRTHDATE", "a date YYYY-MM-DD"))
                continue
            }
            let deathText = row["DEATHDATE"]
            let death = deathText.isEmpty ? nil : dayMinute(deathText)
            if !deathText.isEmpty && death == nil { warnings.append(row.problem("DEATHDATE", "a date YYYY-MM-DD or nothing")) }
            let sex: Sex = switch row["GENDER"].uppercased() {
            case "F": .female
            case "M": .male
            default: .unknown
            }
            people[row["Id"]] = Person(birthMinute: birth, deathMinute: death, sex: sex)
        }

        struct Encounter {
            let id: String
            let patient: String
            let emergency: Bool
            let start: Double
            let stop: Double
            let reason: String
        }
        var byPatient: [String: [Encounter]] = [:]
        for row in encounters {
            let kind = row["ENCOUNTERCLASS"].lowercased()
            guard kind == "inpatient" || kind == "emergency" else { continue }
            guard let start = RecordTime.epochMinute(parsing: row["START"]) else {
                warnings.append(row.problem("START", "a date-time such as 2023-01-27T16:17:47Z"))
                continue
            }
            guard let stop = RecordTime.epochMinute(parsing: row["STOP"]), stop >= start else {
                warnings.append(row.problem("STOP", "a date-time not before START"))
                continue
            }
            guard people[row["PATIENT"]] != nil else {
                warnings.append("\(row.file):\(row.line): patient \(row["PATIENT"].prefix(8))… is not in patients.csv")
                continue
            }
            let reason = [row["REASONDESCRIPTION"], row["DESCRIPTION"]].joined(separator: " ")
            byPatient[row["PATIENT"], default: []].append(Encounter(id: row["Id"], patient: row["PATIENT"],
                                                                    emergency: kind == "emergency", start: start,
                                                                    stop: stop, reason: reason))
        }

        // Conditions and vital signs by patient.
        var conditionsByPatient: [String: [(start: Double, stop: Double?, condition: CharlsonCondition)]] = [:]
        for row in conditions {
            guard let condition = SNOMEDCharlson.condition(code: row["CODE"], description: row["DESCRIPTION"]) else { continue }
            guard let start = dayMinute(row["START"]) else {
                warnings.append(row.problem("START", "a date YYYY-MM-DD"))
                continue
            }
            let stop = row["STOP"].isEmpty ? nil : dayMinute(row["STOP"])
            conditionsByPatient[row["PATIENT"], default: []].append((start, stop, condition))
        }

        var spells: [(id: String, patient: String, emergency: Bool, stays: [(CareState, Double, Double)], reason: String,
                      encounters: [String])] = []
        for (patient, list) in byPatient {
            // At equal start times the ED encounter comes first: an admission can begin the second ED does.
            let sorted = list.sorted { ($0.start, $0.emergency ? 0 : 1, $0.id) < ($1.start, $1.emergency ? 0 : 1, $1.id) }
            var index = 0
            while index < sorted.count {
                let encounter = sorted[index]
                if encounter.emergency, index + 1 < sorted.count, !sorted[index + 1].emergency,
                   sorted[index + 1].start >= encounter.start, sorted[index + 1].start <= encounter.stop + 6 * 60
                {
                    let admission = sorted[index + 1]
                    let wardStart = max(admission.start, encounter.stop)
                    var stays = [(CareState.ed, encounter.start, encounter.stop)]
                    if admission.stop > wardStart { stays.append((.ward, wardStart, admission.stop)) }
                    spells.append((encounter.id, patient, true, stays, encounter.reason + " " + admission.reason,
                                   [encounter.id, admission.id]))
                    index += 2
                } else {
                    spells.append((encounter.id, patient, encounter.emergency,
                                   [(encounter.emergency ? .ed : .ward, encounter.start, encounter.stop)], encounter.reason,
                                   [encounter.id]))
                    index += 1
                }
            }
        }
        spells.sort { ($0.stays[0].1, $0.id) < ($1.stays[0].1, $1.id) }

        var spellStarts: [String: [(start: Double, emergency: Bool, admitted: Bool)]] = [:]
        for spell in spells {
            spellStarts[spell.patient, default: []].append((spell.stays[0].1, spell.emergency,
                                                             spell.stays.contains { $0.0 == .ward }))
        }
        var rows: [EpisodeRow] = []
        var spellOfEncounter: [String: String] = [:]
        var spellWindows: [String: [(id: String, start: Double, end: Double)]] = [:]
        for spell in spells {
            let person = people[spell.patient]!
            let start = spell.stays[0].1
            let end = spell.stays[spell.stays.count - 1].2
            let history = (spellStarts[spell.patient] ?? []).filter { $0.start < start }
            let edVisits = history.filter { $0.emergency && $0.start >= start - 182.5 * 1440 }.count
            let admissions = history.filter { $0.admitted && $0.start >= start - 365 * 1440 }.count
            let day = (start / 1440).rounded(.down) * 1440
            let active = Set((conditionsByPatient[spell.patient] ?? []).filter { $0.start <= day && ($0.stop ?? .infinity) >= day }
                .map(\.condition))
            let (diagnosis, specialty) = classify(spell.reason, emergency: spell.emergency)
            let age = max(0, min(120, ageYears(birthMinute: person.birthMinute, atMinute: start)))
            let died = person.deathMinute.map { $0 <= (end / 1440).rounded(.down) * 1440 } ?? false
            let pseudonym = PatientID(pseudonymising: spell.patient).description
            let spellID = "s" + PatientID(pseudonymising: spell.id).description.dropFirst()
            let attributes = PatientAttributes(
                ageYears: age, sex: person.sex, admissionMethod: spell.emergency ? .emergency : .elective,
                specialty: specialty, diagnosisGroup: diagnosis, charlsonIndex: CharlsonIndex.score(active),
                clinicalFrailtyScale: 3, deprivationDecile: 5, edVisitsLast6Months: edVisits,
                admissionsLast12Months: admissions)
            for (position, stay) in spell.stays.enumerated() {
                let last = position == spell.stays.count - 1
                rows.append(EpisodeRow(spellID: spellID, patientID: pseudonym, pathway: nil, attributes: attributes,
                                       admissionNEWS2: nil, unit: stay.0, startMinute: stay.1, endMinute: stay.2,
                                       dischargeDestination: last ? (died ? .died : .dischargedHome) : nil))
            }
            for encounter in spell.encounters { spellOfEncounter[encounter] = spellID }
            spellWindows[spell.patient, default: []].append((spellID, start, end))
        }

        // Observations of the patients who have spells.
        var vitals: [String: [String: [String: Double]]] = [:]  // patient → time text → code → value
        for row in observations where row["CATEGORY"].lowercased() == "vital-signs" && spellWindows[row["PATIENT"]] != nil {
            guard let value = Double(row["VALUE"]) else { continue }
            vitals[row["PATIENT"], default: [:]][row["DATE"], default: [:]][row["CODE"]] = value
        }
        var observationRows: [ObservationRow] = []
        for (patient, byTime) in vitals {
            let pseudonym = PatientID(pseudonymising: patient).description
            for (time, codes) in byTime {
                guard let minute = RecordTime.epochMinute(parsing: time) else { continue }
                let spell = spellWindows[patient]?.first { minute >= $0.start && minute <= $0.end }?.id ?? ""
                var temperature = codes["8310-5"]
                if let t = temperature, t > 50 { temperature = (t - 32) * 5 / 9 }  // Fahrenheit in some exports
                let vitals = VitalSigns(respirationRate: codes["9279-1"], spo2: codes["2708-6"] ?? codes["59408-5"],
                                        systolicBP: codes["8480-6"], pulse: codes["8867-4"], temperature: temperature)
                guard !vitals.isEmpty else { continue }  // only diastolic or other codes: no NEWS2 reading
                observationRows.append(ObservationRow(patientID: pseudonym, spellID: spell, minute: minute,
                                                      content: .vitals(vitals, diastolicBP: codes["8462-4"])))
            }
        }
        for row in procedures {
            guard let spell = spellOfEncounter[row["ENCOUNTER"]], let minute = RecordTime.epochMinute(parsing: row["START"]) else {
                continue
            }
            observationRows.append(ObservationRow(
                patientID: PatientID(pseudonymising: row["PATIENT"]).description, spellID: spell, minute: minute,
                content: .procedure(code: row["CODE"], description: row["DESCRIPTION"])))
        }
        observationRows.sort {
            ($0.patientID, $0.minute, $0.content.kind, $0.fields.joined(separator: ","))
                < ($1.patientID, $1.minute, $1.content.kind, $1.fields.joined(separator: ","))
        }
        return SyntheaImport(episodes: rows, observations: observationRows, warnings: warnings,
                             patients: Set(rows.map(\.patientID)).count, spells: spells.count)
    }

    /// A table read by header name through the shared record reader; rows that are not CSV become warnings.
    static func table(_ directory: String, _ name: String, _ required: [String], _ warnings: inout [String])
        throws(SyntheaImportError) -> [CSVTypedRecord]
    {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw SyntheaImportError(message: "\(path): missing; a Synthea CSV export has patients.csv, encounters.csv, "
                + "conditions.csv and observations.csv")
        }
        let reader: CSVRecordReader
        do { reader = try CSVRecordReader(path: path, required: required) } catch {
            throw SyntheaImportError(message: error.description)
        }
        var rows: [CSVTypedRecord] = []
        while let record = reader.next() {
            if record.problems.isEmpty {
                rows.append(record)
            } else {
                warnings.append(contentsOf: record.problems.map { $0 + "; row skipped" })
            }
        }
        return rows
    }

    static func dayMinute(_ text: String) -> Double? {
        LocalDateTime(parsing: String(text.prefix(10))).map { $0.localMinutesSinceEpoch }
    }

    static func ageYears(birthMinute: Double, atMinute minute: Double) -> Int {
        let birth = LocalDateTime(localMinutesSinceEpoch: birthMinute)
        let now = LocalDateTime(localMinutesSinceEpoch: minute)
        var age = now.year - birth.year
        if (now.month, now.day) < (birth.month, birth.day) { age -= 1 }
        return age
    }

    /// The diagnosis group and specialty from words in an encounter's reason and description.
    static func classify(_ text: String, emergency: Bool) -> (DiagnosisGroup, Specialty) {
        let words = text.lowercased()
        func has(_ terms: [String]) -> Bool { terms.contains { words.contains($0) } }
        if has(["stroke", "cerebrovascular", "cerebral infarction", "transient ischemic"]) { return (.stroke, .strokeMedicine) }
        if has(["myocardial", "cardiac", "heart", "coronary", "atrial fibrillation"]) { return (.cardiac, .cardiology) }
        if has(["asthma", "bronch", "pneumonia", "pulmonary", "respiratory", "copd"]) { return (.respiratory, .respiratory) }
        if has(["sepsis", "infection", "covid", "cellulitis"]) { return (.infection, .generalMedicine) }
        if has(["fracture", "sprain", "injury", "concussion", "laceration"]) { return (.injury, .traumaOrthopaedics) }
        if has(["overdose", "poisoning"]) { return (.injury, .generalMedicine) }
        if has(["appendicitis", "cholecystitis", "bowel", "gastro", "hernia", "abdominal"]) {
            return (.gastrointestinal, .generalSurgery)
        }
        if has(["osteoarthritis", "arthroplasty", "joint replacement"]) { return (.musculoskeletal, .traumaOrthopaedics) }
        if has(["cancer", "carcinoma", "neoplasm", "lymphoma", "leukemia", "malignant"]) { return (.cancer, .other) }
        if has(["pregnan", "obstetric", "childbirth", "labor"]) { return (.other, .gynaecology) }
        return (.other, emergency ? .generalMedicine : .other)
    }
}

/// Charlson conditions from SNOMED CT: the codes Synthea uses for them, and words in a description for codes
/// not listed.
public enum SNOMEDCharlson {
    /// SNOMED CT concept → Charlson condition, for the concepts Synthea's modules emit.
    public static let codes: [String: CharlsonCondition] = [
        "22298006": .myocardialInfarction, "399211009": .myocardialInfarction, "401303003": .myocardialInfarction,
        "401314000": .myocardialInfarction, "88805009": .congestiveHeartFailure, "84114007": .congestiveHeartFailure,
        "230690007": .cerebrovascularDisease, "266257000": .cerebrovascularDisease,
        "26929004": .dementia, "230265002": .dementia, "52448006": .dementia,
        "13645005": .chronicPulmonaryDisease, "185086009": .chronicPulmonaryDisease, "87433001": .chronicPulmonaryDisease,
        "195967001": .chronicPulmonaryDisease, "233678006": .chronicPulmonaryDisease, "63480004": .chronicPulmonaryDisease,
        "69896004": .connectiveTissueDisease, "200936003": .connectiveTissueDisease,
        "13200003": .pepticUlcerDisease,
        "44054006": .diabetes, "127013003": .diabetesWithComplications, "368581000119106": .diabetesWithComplications,
        "1551000119108": .diabetesWithComplications, "1501000119109": .diabetesWithComplications,
        "90781000119102": .diabetesWithComplications, "97331000119101": .diabetesWithComplications,
        "431855005": .mildRenalDisease, "431856006": .mildRenalDisease, "433144002": .mildRenalDisease,
        "431857002": .severeRenalDisease, "46177005": .severeRenalDisease, "129721000119106": .severeRenalDisease,
        "128302006": .mildLiverDisease, "61977001": .mildLiverDisease, "19943007": .mildLiverDisease,
        "254637007": .tumour, "424132000": .tumour, "126906006": .tumour, "363406005": .tumour, "254632001": .tumour,
        "93761005": .tumour, "109838007": .tumour, "92691004": .tumour, "254837009": .tumour,
        "94260004": .metastaticSolidTumour, "94503003": .metastaticSolidTumour,
        // AIDS (62479008) counts; HIV infection without AIDS (86406008, what Synthea's HIV module records) does not:
        // Charlson et al. (1987) weight AIDS, not infection with the virus.
        "62479008": .aids,
        "50582007": .hemiplegia, "399957001": .peripheralVascularDisease,
    ]

    /// The condition a SNOMED CT concept stands for: by code, else by words in the description ("heart
    /// failure", "Alzheimer", "metastatic" …); nil for anything the Charlson index does not count.
    public static func condition(code: String, description: String) -> CharlsonCondition? {
        if let condition = codes[code] { return condition }
        let text = description.lowercased()
        if text.hasSuffix("(finding)") && !text.contains("history of") { return nil }
        func has(_ terms: [String]) -> Bool { terms.contains { text.contains($0) } }
        if has(["metastat", "secondary malignant"]) { return .metastaticSolidTumour }
        if has(["malignant", "carcinoma", "lymphoma", "leukemia", "leukaemia", "sarcoma", "melanoma"]) { return .tumour }
        if has(["myocardial infarction"]) { return .myocardialInfarction }
        if has(["heart failure"]) { return .congestiveHeartFailure }
        if has(["stroke", "cerebrovascular", "cerebral infarction"]) { return .cerebrovascularDisease }
        if has(["dementia", "alzheimer"]) { return .dementia }
        if has(["chronic obstructive", "copd", "emphysema", "asthma", "chronic bronchitis", "pulmonary fibrosis"]) {
            return .chronicPulmonaryDisease
        }
        if has(["rheumatoid arthritis", "lupus", "scleroderma", "polymyositis"]) { return .connectiveTissueDisease }
        if has(["peptic ulcer", "gastric ulcer", "duodenal ulcer"]) { return .pepticUlcerDisease }
        if has(["diabetes", "diabetic"]) {
            return has(["neuropathy", "retinopathy", "nephropathy", "renal", "kidney"]) ? .diabetesWithComplications : .diabetes
        }
        if has(["end-stage renal", "end stage renal", "chronic kidney disease stage 4", "chronic kidney disease stage 5", "dialysis"]) {
            return .severeRenalDisease
        }
        if has(["chronic kidney disease"]) { return .mildRenalDisease }
        if has(["portal hypertension", "esophageal varices", "oesophageal varices"]) { return .severeLiverDisease }
        if has(["cirrhosis", "chronic hepatitis"]) { return .mildLiverDisease }
        if has(["acquired immune deficiency", "acquired immunodeficiency"])
            || text.split(whereSeparator: { !$0.isLetter }).contains("aids")
        {
            return .aids
        }
        if has(["hemiplegia", "paraplegia"]) { return .hemiplegia }
        if has(["peripheral vascular", "peripheral arterial"]) { return .peripheralVascularDisease }
        return nil
    }
}

extension CSVTypedRecord {
    /// The trimmed field of a Synthea column (Synthea's header names, matched ignoring case).
    fileprivate subscript(name: String) -> String { text(name) }

    /// The warning for a row skipped because of `column`: the shared message form, then "; row skipped".
    fileprivate func problem(_ column: String, _ expected: String) -> String {
        var record = self
        record.fail(column, expected: expected)
        return (record.problems.last ?? "") + "; row skipped"
    }
}
