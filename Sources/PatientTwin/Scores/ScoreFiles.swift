import CSVFiles
import Foundation

/// Which score to compute for every row of a file.
public enum ScoreKind: String, Sendable, Hashable, CaseIterable {
    /// NEWS2 from a vital-sign set.
    case news2
    /// LACE from a discharge.
    case lace

    /// The columns the input must have. LACE needs `los_days` or, in its place, `admitted_at` and `discharged_at`.
    public var requiredColumns: [String] {
        switch self {
        case .news2: VitalSignColumns.all
        case .lace: ["emergency_admission", "charlson_index", "ed_visits_6m"]
        }
    }

    /// The columns added to each row.
    public var addedColumns: [String] {
        switch self {
        case .news2: ["news2_respiration_rate", "news2_spo2", "news2_oxygen", "news2_systolic_bp", "news2_pulse",
                      "news2_consciousness", "news2_temperature", "news2_total", "news2_band"]
        case .lace: ["lace_l", "lace_a", "lace_c", "lace_e", "lace_total"]
        }
    }
}

/// The vital-sign columns every file format shares (score files, observation files, census files), and how one
/// row's readings are read: one vocabulary, one set of ranges.
public enum VitalSignColumns {
    /// respiration_rate, spo2, spo2_scale, on_oxygen, systolic_bp, pulse, consciousness, temperature.
    public static let all = ["respiration_rate", "spo2", "spo2_scale", "on_oxygen", "systolic_bp", "pulse",
                             "consciousness", "temperature"]

    /// ACVPU, by letter or word.
    static let consciousness: [String: Consciousness] = [
        "a": .alert, "alert": .alert, "c": .confusion, "confusion": .confusion, "new confusion": .confusion,
        "v": .voice, "voice": .voice, "p": .pain, "pain": .pain, "u": .unresponsive, "unresponsive": .unresponsive,
    ]

    /// Reads the readings of a row. With `complete`, every reading is required (scoring a chart); otherwise
    /// each may be empty and is then absent from the set (an extract's partial set), and `spo2_scale` defaults
    /// to 1. Bad values are recorded as the record's problems either way.
    public static func read(_ record: inout CSVTypedRecord, complete: Bool) -> VitalSigns {
        func number(_ column: String, _ range: ClosedRange<Double>, _ unit: String) -> Double? {
            complete ? record.number(column, in: range, unit: unit)
                : record.optionalNumber(column, in: range, unit: unit)
        }
        let rate = number("respiration_rate", 0...100, "breaths per minute")
        let spo2 = number("spo2", 0...100, "%")
        let scale = record.choice("spo2_scale", ["1": SpO2Scale.scale1, "2": .scale2], expected: "1 or 2",
                                  ifEmpty: complete ? nil : .scale1)
        let oxygen = complete ? record.boolean("on_oxygen") : record.optionalBoolean("on_oxygen")
        let systolic = number("systolic_bp", 0...400, "mmHg")
        let pulse = number("pulse", 0...400, "beats per minute")
        let expected = "A, C, V, P or U"
        let consciousness = complete
            ? record.choice("consciousness", Self.consciousness, expected: expected)
            : record.optionalValue("consciousness", expected: expected) { Self.consciousness[$0.lowercased()] }
        let temperature = number("temperature", 25...45, "degrees Celsius")
        return VitalSigns(respirationRate: rate, spo2: spo2, spo2Scale: scale ?? .scale1, onOxygen: oxygen,
                          systolicBP: systolic, pulse: pulse, consciousness: consciousness, temperature: temperature)
    }
}

/// What a scoring run did.
public struct ScoreRunSummary: Sendable, Hashable {
    /// Data rows read.
    public var rows = 0
    /// Rows scored and written.
    public var scored = 0
    /// Rows with at least one error (not written).
    public var failed = 0
}

/// A file that cannot be scored at all (unreadable, or missing a required column).
public struct ScoreFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, located.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// Scores a CSV file row by row: each output row repeats the input row and adds the score's columns. Columns
/// are found by name, in any order; other columns pass through unchanged (a column named like an added one is
/// replaced, so a scored file can be scored again). A malformed row is reported — file, line, column, what was
/// expected and what was found — and left out, and scoring goes on.
public enum ScoreFiles {
    /// Scores `inputPath` into `writer`, reporting each malformed row through `report`. LACE's L comes from
    /// `admitted_at` and `discharged_at` (calendar days in `timeZone`; a timestamp without an offset is a
    /// wall-clock time there) when the file has both columns, else from `los_days` (completed days). Throws only
    /// when the file cannot be scored at all.
    public static func score(_ kind: ScoreKind, inputPath: String, timeZone: TimeZone = RecordTime.utc,
                             into writer: CSVWriter, report: (String) -> Void) throws(ScoreFileError) -> ScoreRunSummary
    {
        let reader: CSVRecordReader
        do { reader = try CSVRecordReader(path: inputPath) } catch { throw ScoreFileError(message: error.description) }
        let timestamps = reader.has("admitted_at") && reader.has("discharged_at")
        var required = kind.requiredColumns
        if kind == .lace { required.insert(contentsOf: timestamps ? ["admitted_at", "discharged_at"] : ["los_days"], at: 0) }
        let missing = required.filter { !reader.has($0) }
        guard missing.isEmpty else {
            throw ScoreFileError(message: "\(inputPath):1: missing column" + (missing.count > 1 ? "s " : " ")
                + missing.map { "'\($0)'" }.joined(separator: ", ") + "; a \(kind.rawValue) file needs "
                + required.joined(separator: ", ")
                + (kind == .lace ? " (or admitted_at and discharged_at in place of los_days)" : ""))
        }
        let added = Set(kind.addedColumns.map { $0.lowercased() })
        let kept = reader.header.indices.filter { !added.contains(reader.header[$0].lowercased()) }
        writer.write(kept.map { reader.header[$0] } + kind.addedColumns)
        var summary = ScoreRunSummary()
        while var record = reader.next() {
            summary.rows += 1
            let scores: [String]? = switch kind {
            case .news2: news2Columns(&record)
            case .lace: laceColumns(&record, timestamps: timestamps, timeZone: timeZone)
            }
            if let scores, record.problems.isEmpty {
                writer.write(kept.map { record.fields[$0] } + scores)
                summary.scored += 1
            } else {
                summary.failed += 1
                record.problems.forEach(report)
            }
        }
        writer.flush()
        return summary
    }

    static func news2Columns(_ record: inout CSVTypedRecord) -> [String]? {
        guard record.isWellFormed else { return nil }
        let vitals = VitalSignColumns.read(&record, complete: true)
        guard record.problems.isEmpty else { return nil }
        let score = NEWS2Score(vitals)
        return [score.respirationRate, score.spo2, score.oxygen, score.systolicBP, score.pulse, score.consciousness,
                score.temperature, score.total].map { String($0) } + [score.riskBand.rawValue]
    }

    static func laceColumns(_ record: inout CSVTypedRecord, timestamps: Bool, timeZone: TimeZone) -> [String]? {
        guard record.isWellFormed else { return nil }
        let parse = { (text: String) in RecordTime.epochMinute(parsing: text, naiveIn: timeZone) }
        var los: Double?
        var admitted: Double?
        var discharged: Double?
        if timestamps {
            admitted = record.value("admitted_at", expected: RecordTime.expected, parse)
            discharged = record.value("discharged_at", expected: RecordTime.expected, parse)
            if let admitted, let discharged, discharged < admitted {
                record.fail("discharged_at", expected: "a time not before admitted_at")
            }
        } else {
            los = record.number("los_days", in: 0...36_500, unit: "days")
        }
        let emergency = record.boolean("emergency_admission")
        let charlson = record.integer("charlson_index", in: 0...40)
        let visits = record.integer("ed_visits_6m", in: 0...1_000)
        guard record.problems.isEmpty, let emergency, let charlson, let visits else { return nil }
        let lace = if let admitted, let discharged {
            LACEScore(admittedAt: admitted, dischargedAt: discharged, timeZone: timeZone, emergencyAdmission: emergency,
                      charlsonIndex: charlson, edVisitsLast6Months: visits)
        } else {
            LACEScore(lengthOfStayDays: los ?? 0, emergencyAdmission: emergency, charlsonIndex: charlson,
                      edVisitsLast6Months: visits)
        }
        return [lace.lengthOfStay, lace.acuity, lace.comorbidity, lace.emergencyVisits, lace.total].map { String($0) }
    }
}
