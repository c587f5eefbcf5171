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

        /// A stay in `unit` from `startMinute` to `endMinute` (nil: open at the export).
        public init(unit: CareState, startMinute: Double, endMinute: Double?) {
            self.unit = unit
            self.startMinute = startMinute
            self.endMinute = endMinute
        }
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

    /// A spell from its parts: `stays` in time order (not empty), `discharge` nil while it is open.
    public init(id: String, patientID: String, pathway: Pathway, attributes: PatientAttributes, admissionNEWS2: Int,
                hasNEWS2: Bool, stays: [Stay], discharge: CareState?)
    {
        precondition(!stays.isEmpty, "a spell has a stay")
        self.id = id
        self.patientID = patientID
        self.pathway = pathway
        self.attributes = attributes
        self.admissionNEWS2 = admissionNEWS2
        self.hasNEWS2 = hasNEWS2
        self.stays = stays
        self.discharge = discharge
    }

    /// When the spell began.
    public var startMinute: Double { stays[0].startMinute }
    /// When it ended, if it has.
    public var endMinute: Double? { discharge == nil ? nil : stays.last?.endMinute }
    /// The covariates of the spell's patient at admission.
    public var covariates: Covariates { Covariates(attributes: attributes, news2: admissionNEWS2) }

    /// True for an inpatient spell: one with a stay beyond the emergency department. A spell of ED stays alone
    /// is an attendance, neither an index discharge nor a readmission.
    public var isInpatient: Bool { stays.contains { $0.unit != .ed } }
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
    public static let columns = ["spell_id", "patient_id", "pathway"] + PatientAttributes.columns
        + ["admission_news2", "unit", "start", "end", "discharge_destination"]
    static let required = Set(["spell_id", "patient_id", "unit", "start"] + PatientAttributes.requiredColumns)

    /// Reads every row; throws with all the problems found (at most 200 listed).
    public static func read(path: String) throws(EpisodeFileError) -> [EpisodeRow] {
        let reader: CSVRecordReader
        do { reader = try CSVRecordReader(path: path, required: columns.filter(required.contains)) } catch {
            throw EpisodeFileError(problems: [error.description])
        }
        var rows: [EpisodeRow] = []
        var problems: [String] = []
        while var record = reader.next() {
            if let row = read(&record) {
                rows.append(row)
            } else {
                problems.append(contentsOf: record.problems)
                if problems.count > 200 { break }
            }
        }
        guard problems.isEmpty else { throw EpisodeFileError(problems: Array(problems.prefix(200))) }
        return rows
    }

    /// One row, or nil with the record's problems said.
    static func read(_ record: inout CSVTypedRecord) -> EpisodeRow? {
        guard record.isWellFormed else { return nil }
        let spellID = record.required("spell_id", expected: "a spell id")
        let patientID = record.required("patient_id", expected: "a patient id")
        let pathway = record.optionalValue("pathway", expected: "one of " + Pathway.allCases.map(\.rawValue)
            .joined(separator: ", ")) { Pathway(rawValue: $0.lowercased()) }
        let attributes = PatientAttributes.read(&record)
        let news2 = record.optionalInteger("admission_news2", in: 0...20)
        let unit = record.value("unit", expected: "a unit: " + CareState.units.map(\.rawValue).joined(separator: ", ")) {
            CareState(name: $0).flatMap { $0.isDischarge ? nil : $0 }
        }
        let start = record.value("start", expected: RecordTime.expected) { RecordTime.epochMinute(parsing: $0) }
        let end = record.optionalValue("end", expected: RecordTime.expected) { RecordTime.epochMinute(parsing: $0) }
        if let start, let end, end < start { record.fail("end", expected: "a time not before start") }
        let destination = record.optionalValue("discharge_destination", expected: "home, care_home or died") {
            CareState(name: $0).flatMap { $0.isDischarge ? $0 : nil }
        }
        if destination != nil && record.isEmpty("end") {
            record.fail("end", expected: "an end time (the stay has a discharge_destination)")
        }
        guard record.problems.isEmpty, let spellID, let patientID, let attributes, let unit, let start else { return nil }
        return EpisodeRow(spellID: spellID, patientID: patientID, pathway: pathway, attributes: attributes,
                          admissionNEWS2: news2, unit: unit, startMinute: start, endMinute: end,
                          dischargeDestination: destination)
    }

    /// Writes rows to `path` (completely or not at all).
    public static func write(_ rows: [EpisodeRow], to path: String) throws {
        let file = try AtomicFile(path: path)
        let writer = CSVWriter(handle: file.handle)
        writer.write(columns)
        for row in rows {
            writer.write([row.spellID, row.patientID, row.pathway?.rawValue ?? ""] + row.attributes.fields
                + [row.admissionNEWS2.map { String($0) } ?? "", row.unit.rawValue, RecordTime.format(row.startMinute),
                   row.endMinute.map(RecordTime.format) ?? "", row.dischargeDestination?.rawValue ?? ""])
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
}
