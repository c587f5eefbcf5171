import CSVFiles
import Foundation
import Simulation

/// One row of an episode export: one stay of one spell in one unit (Docs/PATIENT-TWINS.md, "Episode files").
public struct EpisodeRow: Sendable, Hashable {
    /// The spell (admission) the stay belongs to.
    public var spellID: String
    /// The pseudonymous patient.
    public var patientID: String
    /// The pathway, when the export says; otherwise derived.
    public var pathway: Pathway?
    /// Attributes at admission.
    public var attributes: PatientAttributes
    /// The NEWS2 aggregate at admission, if recorded.
    public var admissionNEWS2: Int?
    /// The unit.
    public var unit: CareState
    /// When the stay began (minutes since 1970 UTC).
    public var startMinute: Double
    /// When it ended; nil when the patient was still there at the export.
    public var endMinute: Double?
    /// Where the spell ended, on its last stay: home, care home or died.
    public var dischargeDestination: CareState?

    /// A row.
    public init(spellID: String, patientID: String, pathway: Pathway?, attributes: PatientAttributes,
                admissionNEWS2: Int?, unit: CareState, startMinute: Double, endMinute: Double?,
                dischargeDestination: CareState?)
    {
        self.spellID = spellID
        self.patientID = patientID
        self.pathway = pathway
        self.attributes = attributes
        self.admissionNEWS2 = admissionNEWS2
        self.unit = unit
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.dischargeDestination = dischargeDestination
    }
}

/// A spell assembled from its rows: the stays in order, how it ended, or that it was still open at the export.
public struct Spell: Sendable, Hashable {
    /// One stay.
    public struct Stay: Sendable, Hashable {
        /// The unit.
        public let unit: CareState
        /// Start (minutes since 1970 UTC).
        public let startMinute: Double
        /// End; nil when open at the export.
        public let endMinute: Double?
    }

    /// The spell id.
    public let id: String
    /// The patient.
    public let patientID: String
    /// The pathway (given or derived).
    public let pathway: Pathway
    /// Attributes at admission.
    public let attributes: PatientAttributes
    /// NEWS2 at admission (0 when not recorded).
    public let admissionNEWS2: Int
    /// True when the export recorded the admission NEWS2.
    public let hasNEWS2: Bool
    /// The stays in time order.
    public let stays: [Stay]
    /// Where the spell ended, if it has.
    public let discharge: CareState?

    /// When the spell began.
    public var startMinute: Double { stays[0].startMinute }
    /// When it ended, if it has.
    public var endMinute: Double? { discharge == nil ? nil : stays.last?.endMinute }
    /// The covariate vector of the spell's patient.
    public var covariates: [Double] { Covariate.vector(attributes: attributes, news2: admissionNEWS2) }
}

/// A problem in an episode file, located.
public struct EpisodeFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem, each "file:line: column 'x': …".
    public let problems: [String]
    /// One per line.
    public var description: String { problems.joined(separator: "\n") }
}

/// Reads and writes episode files (CSV, one row per stay), and assembles rows into spells.
public enum EpisodeFile {
    /// The columns, in the order written. Required: spell_id, patient_id, admission_method, age, charlson_index,
    /// ed_visits_6m, admissions_12m, unit, start. The rest may be absent or empty.
    public static let columns = ["spell_id", "patient_id", "pathway", "admission_method", "specialty",
                                 "diagnosis_group", "age", "sex", "charlson_index", "frailty_score",
                                 "deprivation_decile", "ed_visits_6m", "admissions_12m", "admission_news2", "unit",
                                 "start", "end", "discharge_destination"]
    static let required: Set<String> = ["spell_id", "patient_id", "admission_method", "age", "charlson_index",
                                        "ed_visits_6m", "admissions_12m", "unit", "start"]

    /// Reads every row; throws with all the problems found (at most 200 listed).
    public static func read(path: String) throws(EpisodeFileError) -> [EpisodeRow] {
        let reader: CSVReader
        do { reader = try CSVReader(path: path) } catch { throw EpisodeFileError(problems: [error.description]) }
        let missing = columns.filter { required.contains($0) && reader.column($0) == nil }
        guard missing.isEmpty else {
            throw EpisodeFileError(problems: ["\(path):1: missing column(s) " + missing.map { "'\($0)'" }.joined(separator: ", ")
                + "; an episode file needs " + columns.filter(required.contains).joined(separator: ", ")])
        }
        let index = Dictionary(uniqueKeysWithValues: columns.compactMap { name in reader.column(name).map { (name, $0) } })
        var rows: [EpisodeRow] = []
        var problems: [String] = []
        while true {
            let record: CSVRecord
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                problems.append(error.description)
                reader.skipRestOfLine()
                continue
            }
            var rowProblems: [String] = []
            let field = { (name: String) -> String in
                guard let column = index[name], column < record.fields.count else { return "" }
                return record.fields[column].trimmingCharacters(in: .whitespaces)
            }
            func fail(_ name: String, _ expected: String) {
                rowProblems.append("\(path):\(record.line): column '\(name)': expected \(expected), found '\(field(name))'")
            }
            func integer(_ name: String, default value: Int? = nil, in range: ClosedRange<Int>) -> Int? {
                let text = field(name)
                if text.isEmpty, let value { return value }
                guard let number = Int(text), range.contains(number) else {
                    fail(name, "a whole number from \(range.lowerBound) to \(range.upperBound)")
                    return nil
                }
                return number
            }
            func time(_ name: String) -> Double? {
                guard let minute = EpisodeFile.parseTimestamp(field(name)) else {
                    fail(name, "a date-time such as 2024-03-01T10:20:00Z")
                    return nil
                }
                return minute
            }
            if record.fields.count > reader.header.count {
                problems.append("\(path):\(record.line): expected \(reader.header.count) fields as in the header, "
                    + "found \(record.fields.count)")
                continue
            }
            if field("spell_id").isEmpty { fail("spell_id", "a spell id") }
            if field("patient_id").isEmpty { fail("patient_id", "a patient id") }
            var pathway: Pathway?
            if !field("pathway").isEmpty {
                pathway = Pathway(rawValue: field("pathway").lowercased())
                if pathway == nil { fail("pathway", "one of " + Pathway.allCases.map(\.rawValue).joined(separator: ", ")) }
            }
            let admission = AdmissionMethod(rawValue: field("admission_method").lowercased())
            if admission == nil { fail("admission_method", "elective or emergency") }
            let specialty = field("specialty").isEmpty ? .other : Specialty(rawValue: field("specialty").lowercased())
            if specialty == nil { fail("specialty", "one of " + Specialty.allCases.map(\.rawValue).joined(separator: ", ")) }
            let diagnosis = field("diagnosis_group").isEmpty ? .other
                : DiagnosisGroup(rawValue: field("diagnosis_group").lowercased())
            if diagnosis == nil {
                fail("diagnosis_group", "one of " + DiagnosisGroup.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let sex: Sex? = switch field("sex").lowercased() {
            case "", "unknown", "u", "other", "x": .unknown
            case "female", "f": .female
            case "male", "m": .male
            default: nil
            }
            if sex == nil { fail("sex", "female, male or unknown") }
            let age = integer("age", in: 0...120)
            let charlson = integer("charlson_index", in: 0...40)
            let frailty = integer("frailty_score", default: 3, in: 1...9)
            let deprivation = integer("deprivation_decile", default: 5, in: 1...10)
            let visits = integer("ed_visits_6m", in: 0...1_000)
            let admissions = integer("admissions_12m", in: 0...1_000)
            var news2: Int?
            if !field("admission_news2").isEmpty { news2 = integer("admission_news2", in: 0...20) }
            let unit = CareState(name: field("unit"))
            if unit == nil || unit!.isDischarge {
                fail("unit", "a unit: " + CareState.units.map(\.rawValue).joined(separator: ", "))
            }
            let start = time("start")
            var end: Double?
            if !field("end").isEmpty {
                end = time("end")
                if let start, let end, end < start { fail("end", "a time not before start") }
            }
            var destination: CareState?
            if !field("discharge_destination").isEmpty {
                destination = CareState(name: field("discharge_destination"))
                if destination == nil || !destination!.isDischarge {
                    fail("discharge_destination", "home, care_home or died")
                    destination = nil
                } else if end == nil {
                    rowProblems.append("\(path):\(record.line): column 'end': a stay with a discharge_destination "
                        + "needs an end time")
                }
            }
            guard rowProblems.isEmpty, let admission, let specialty, let diagnosis, let sex, let age, let charlson,
                  let frailty, let deprivation, let visits, let admissions, let unit, let start
            else {
                problems.append(contentsOf: rowProblems)
                if problems.count > 200 { break }
                continue
            }
            rows.append(EpisodeRow(
                spellID: field("spell_id"), patientID: field("patient_id"), pathway: pathway,
                attributes: PatientAttributes(ageYears: age, sex: sex, admissionMethod: admission, specialty: specialty,
                                              diagnosisGroup: diagnosis, charlsonIndex: charlson,
                                              clinicalFrailtyScale: frailty, deprivationDecile: deprivation,
                                              edVisitsLast6Months: visits, admissionsLast12Months: admissions),
                admissionNEWS2: news2, unit: unit, startMinute: start, endMinute: end, dischargeDestination: destination))
        }
        guard problems.isEmpty else { throw EpisodeFileError(problems: Array(problems.prefix(200))) }
        return rows
    }

    /// Writes rows to `path` (completely or not at all).
    public static func write(_ rows: [EpisodeRow], to path: String) throws {
        let file = try AtomicFile(path: path)
        let writer = CSVWriter(handle: file.handle)
        writer.write(columns)
        for row in rows {
            let a = row.attributes
            writer.write([row.spellID, row.patientID, row.pathway?.rawValue ?? "", a.admissionMethod.rawValue,
                          a.specialty.rawValue, a.diagnosisGroup.rawValue, String(a.ageYears), a.sex.rawValue,
                          String(a.charlsonIndex), String(a.clinicalFrailtyScale), String(a.deprivationDecile),
                          String(a.edVisitsLast6Months), String(a.admissionsLast12Months),
                          row.admissionNEWS2.map(String.init) ?? "", row.unit.rawValue, formatTimestamp(row.startMinute),
                          row.endMinute.map(formatTimestamp) ?? "", row.dischargeDestination?.rawValue ?? ""])
        }
        writer.flush()
        try file.commit()
    }

    /// Groups rows into spells, checking that each spell is consistent: stays in order, only the last open, a
    /// destination only on the last stay and only if it has ended.
    public static func spells(from rows: [EpisodeRow], file: String = "episodes") throws(EpisodeFileError) -> [Spell] {
        var bySpell: [String: [EpisodeRow]] = [:]
        var order: [String] = []
        for row in rows {
            if bySpell[row.spellID] == nil { order.append(row.spellID) }
            bySpell[row.spellID, default: []].append(row)
        }
        var spells: [Spell] = []
        var problems: [String] = []
        for id in order {
            let stays = bySpell[id]!.sorted { $0.startMinute < $1.startMinute }
            let first = stays[0]
            if stays.contains(where: { $0.patientID != first.patientID }) {
                problems.append("\(file): spell '\(id)': rows name different patients")
                continue
            }
            if let open = stays.dropLast().first(where: { $0.endMinute == nil }) {
                problems.append("\(file): spell '\(id)': the \(open.unit.rawValue) stay has no end but is not the last")
                continue
            }
            if stays.dropLast().contains(where: { $0.dischargeDestination != nil }) {
                problems.append("\(file): spell '\(id)': a discharge_destination on a stay that is not the last")
                continue
            }
            let last = stays[stays.count - 1]
            if last.endMinute != nil && last.dischargeDestination == nil {
                problems.append("\(file): spell '\(id)': the last stay has ended but has no discharge_destination")
                continue
            }
            let a = first.attributes
            let pathway = first.pathway ?? Pathway.derived(admission: a.admissionMethod, specialty: a.specialty,
                                                           diagnosis: a.diagnosisGroup, ageYears: a.ageYears,
                                                           frailtyScale: a.clinicalFrailtyScale)
            spells.append(Spell(id: id, patientID: first.patientID, pathway: pathway, attributes: a,
                                admissionNEWS2: first.admissionNEWS2 ?? 0, hasNEWS2: first.admissionNEWS2 != nil,
                                stays: stays.map { Spell.Stay(unit: $0.unit, startMinute: $0.startMinute, endMinute: $0.endMinute) },
                                discharge: last.dischargeDestination))
        }
        guard problems.isEmpty else { throw EpisodeFileError(problems: Array(problems.prefix(200))) }
        return spells
    }

    /// Parses "2024-03-01T10:20:00Z", with an offset ("+01:00"), with fractional seconds, or without a zone
    /// ("2024-03-01 10:20", read as UTC). Returns minutes since 1970 UTC.
    public static func parseTimestamp(_ text: String) -> Double? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var offsetMinutes = 0.0
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            body = body.dropLast()
        } else if body.count > 16, let signIndex = body.lastIndex(where: { $0 == "+" || $0 == "-" }),
                  body.distance(from: body.startIndex, to: signIndex) >= 16
        {
            let zone = body[body.index(after: signIndex)...].replacingOccurrences(of: ":", with: "")
            guard zone.count == 4, let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)) else { return nil }
            offsetMinutes = Double(hours * 60 + minutes) * (body[signIndex] == "-" ? -1 : 1)
            body = body[..<signIndex]
        }
        guard let local = LocalDateTimeParser.parse(String(body)) else { return nil }
        return local - offsetMinutes
    }

    /// "2024-03-01T10:20:00Z" (to the second).
    public static func formatTimestamp(_ minute: Double) -> String {
        let seconds = Int((minute * 60).rounded())
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = LocalDateTimeParser.civil(days: days)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, secondOfDay / 3600,
                      secondOfDay / 60 % 60, secondOfDay % 60)
    }
}

/// Date arithmetic shared with the kernel's clock, without a time zone.
enum LocalDateTimeParser {
    /// Minutes since 1970 of a wall-clock date-time read as UTC.
    static func parse(_ text: String) -> Double? {
        LocalDateTime(parsing: text)?.localMinutesSinceEpoch
    }

    static func civil(days: Int) -> (Int, Int, Int) {
        let local = LocalDateTime(localMinutesSinceEpoch: Double(days) * 1440)
        return (local.year, local.month, local.day)
    }
}
