import CSVFiles
import Foundation

/// One row of an observation file: what was observed of a pseudonymous patient at a time — a vital-sign set
/// (complete or partial), a NEWS2 aggregate recorded without its readings, or a procedure — within a spell when it
/// fell in one (Docs/PATIENT-TWINS.md, "Observation files").
public struct ObservationRow: Sendable, Hashable {
    /// What the row records.
    public enum Content: Sendable, Hashable {
        /// Vital signs, any of which may be missing, and the diastolic pressure (not a NEWS2 parameter).
        case vitals(VitalSigns, diastolicBP: Double?)
        /// A NEWS2 aggregate, 0–20.
        case news2(Int)
        /// A procedure: its code (SNOMED CT or local) and description.
        case procedure(code: String, description: String)

        /// The `kind` column's word.
        public var kind: String {
            switch self {
            case .vitals: "vitals"
            case .news2: "news2"
            case .procedure: "procedure"
            }
        }
    }

    /// Pseudonymous patient.
    public var patientID: String
    /// The spell it fell in; empty when none.
    public var spellID: String
    /// When (epoch minutes).
    public var minute: Double
    /// What.
    public var content: Content

    /// A row.
    public init(patientID: String, spellID: String, minute: Double, content: Content) {
        self.patientID = patientID
        self.spellID = spellID
        self.minute = minute
        self.content = content
    }

    /// The columns of an observation file, in the order written: the vital-sign columns are those of NEWS2
    /// scoring files.
    public static let columns = ["patient_id", "spell_id", "time", "kind"] + VitalSignColumns.all
        + ["diastolic_bp", "news2", "code", "description"]

    /// The row's fields in `columns` order.
    public var fields: [String] {
        func text(_ value: Double?) -> String { value.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "" }
        var vitals = [String](repeating: "", count: VitalSignColumns.all.count + 4)
        switch content {
        case .vitals(let v, let diastolic):
            vitals = [text(v.respirationRate), text(v.spo2), v.spo2 == nil ? "" : String(v.spo2Scale.rawValue),
                      v.onOxygen.map { String($0) } ?? "", text(v.systolicBP), text(v.pulse),
                      v.consciousness?.rawValue ?? "", text(v.temperature), text(diastolic), "", "", ""]
        case .news2(let score):
            vitals[VitalSignColumns.all.count + 1] = String(score)
        case .procedure(let code, let description):
            vitals[VitalSignColumns.all.count + 2] = code
            vitals[VitalSignColumns.all.count + 3] = description
        }
        return [patientID, spellID, RecordTime.format(minute), content.kind] + vitals
    }

    /// The observation a twin applies, or nil for a vital-sign set with no reading at all.
    public var observation: Observation {
        switch content {
        case .vitals(let vitals, _): Observation(minute: minute, .vitals(vitals))
        case .news2(let score): Observation(minute: minute, .news2(score))
        case .procedure(let code, _): Observation(minute: minute, .procedure(code: code, theatreMinutes: 0))
        }
    }
}

/// What reading an observation file found, beyond its rows.
public struct ObservationFileSummary: Sendable, Hashable {
    /// Data rows read.
    public var rows = 0
    /// Rows refused (each reported with its line and column).
    public var rejected = 0
    /// Vital-sign sets read.
    public var vitalSets = 0
    /// Of which partial: at least one NEWS2 parameter had no reading.
    public var partialVitalSets = 0
    /// How many partial sets lacked each parameter.
    public var missing: [NEWS2Parameter: Int] = [:]

    /// One line for the user about the partial sets, or nil when every set was complete: which parameters were
    /// missing and how they were scored.
    public func partialSetsNote(file: String) -> String? {
        guard partialVitalSets > 0 else { return nil }
        let lacking = NEWS2Parameter.allCases.compactMap { parameter in
            missing[parameter].map { "\(parameter.rawValue) (\($0))" }
        }
        return "\(file): \(partialVitalSets) of \(vitalSets) vital-sign sets are partial, lacking "
            + lacking.joined(separator: ", ") + "; they are kept and scored on the readings they have (a missing "
            + "parameter scores 0, so their NEWS2 is a lower bound)"
    }
}

/// Reads and writes observation files (CSV, one row per observation) through the shared typed record reader.
public enum ObservationFile {
    /// Reads `path`. Required columns: `patient_id` and `time`. A row's `kind` (vitals, news2 or procedure) may be
    /// left empty: a row with a `news2` value is an aggregate, one with any vital-sign reading a vital-sign set. A
    /// vital-sign set may be partial — its missing readings are absent, not guessed (`spo2_scale` defaults to 1) —
    /// and is kept; a row with bad fields or nothing to observe is refused and each problem passed to `report`.
    /// Throws only when the file cannot be read or lacks a required column.
    public static func read(path: String, report: (String) -> Void) throws(CSVError)
        -> (rows: [ObservationRow], summary: ObservationFileSummary)
    {
        let reader = try CSVRecordReader(path: path, required: ["patient_id", "time"])
        var rows: [ObservationRow] = []
        var summary = ObservationFileSummary()
        while var record = reader.next() {
            summary.rows += 1
            if let row = read(&record) {
                rows.append(row)
                if case .vitals(let vitals, _) = row.content {
                    summary.vitalSets += 1
                    let missing = vitals.missingParameters
                    if !missing.isEmpty {
                        summary.partialVitalSets += 1
                        for parameter in missing { summary.missing[parameter, default: 0] += 1 }
                    }
                }
            } else {
                summary.rejected += 1
                record.problems.forEach(report)
            }
        }
        return (rows, summary)
    }

    static func read(_ record: inout CSVTypedRecord) -> ObservationRow? {
        guard record.isWellFormed else { return nil }
        let patient = record.required("patient_id", expected: "a patient id")
        let minute = record.value("time", expected: RecordTime.expected) { RecordTime.epochMinute(parsing: $0) }
        let readings = VitalSignColumns.all.filter { $0 != "spo2_scale" } + ["diastolic_bp"]
        let kind = record.isEmpty("kind")
            ? (!record.isEmpty("news2") ? "news2" : readings.contains { !record.isEmpty($0) } ? "vitals"
                : !record.isEmpty("code") ? "procedure" : "")
            : record.text("kind").lowercased()
        let content: ObservationRow.Content?
        switch kind {
        case "vitals":
            let vitals = VitalSignColumns.read(&record, complete: false)
            let diastolic = record.optionalNumber("diastolic_bp", in: 0...300, unit: "mmHg")
            if vitals.isEmpty && record.problems.isEmpty {
                record.fail("a vital-sign row with no reading: expected at least one of "
                    + VitalSignColumns.all.filter { $0 != "spo2_scale" }.joined(separator: ", "))
            }
            content = .vitals(vitals, diastolicBP: diastolic)
        case "news2":
            content = record.integer("news2", in: 0...20).map { .news2($0) }
        case "procedure":
            let description = record.text("description")
            content = record.required("code", expected: "a procedure code")
                .map { .procedure(code: $0, description: description) }
        case "":
            record.fail("nothing observed: expected vital-sign readings, a news2 value or a procedure code")
            content = nil
        default:
            record.fail("kind", expected: "vitals, news2 or procedure")
            content = nil
        }
        guard record.problems.isEmpty, let patient, let minute, let content else { return nil }
        return ObservationRow(patientID: patient, spellID: record.text("spell_id"), minute: minute, content: content)
    }

    /// Writes the rows to `path`, completely or not at all.
    public static func write(_ rows: [ObservationRow], to path: String) throws {
        let file = try AtomicFile(path: path)
        let writer = CSVWriter(handle: file.handle)
        writer.write(ObservationRow.columns)
        for row in rows { writer.write(row.fields) }
        writer.flush()
        try file.commit()
    }
}
