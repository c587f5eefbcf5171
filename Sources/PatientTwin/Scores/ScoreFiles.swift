import CSVFiles
import Foundation

/// Which score to compute for every row of a file.
public enum ScoreKind: String, Sendable, Hashable, CaseIterable {
    /// NEWS2 from a vital-sign set.
    case news2
    /// LACE from a discharge.
    case lace

    /// The columns the input must have.
    public var requiredColumns: [String] {
        switch self {
        case .news2: ["respiration_rate", "spo2", "spo2_scale", "on_oxygen", "systolic_bp", "pulse", "consciousness",
                      "temperature"]
        case .lace: ["los_days", "emergency_admission", "charlson_index", "ed_visits_6m"]
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
    /// Scores `inputPath` into `writer`, reporting each malformed row through `report`. Throws only when the
    /// file cannot be scored at all.
    public static func score(_ kind: ScoreKind, inputPath: String, into writer: CSVWriter,
                             report: (String) -> Void) throws(ScoreFileError) -> ScoreRunSummary
    {
        let reader: CSVReader
        do { reader = try CSVReader(path: inputPath) } catch { throw ScoreFileError(message: error.description) }
        let missing = kind.requiredColumns.filter { reader.column($0) == nil }
        guard missing.isEmpty else {
            throw ScoreFileError(message: "\(inputPath):1: missing column" + (missing.count > 1 ? "s " : " ")
                + missing.map { "'\($0)'" }.joined(separator: ", ") + "; a \(kind.rawValue) file needs "
                + kind.requiredColumns.joined(separator: ", "))
        }
        let required = kind.requiredColumns.map { reader.column($0)! }
        let added = Set(kind.addedColumns.map { $0.lowercased() })
        let kept = reader.header.indices.filter { !added.contains(reader.header[$0].lowercased()) }
        writer.write(kept.map { reader.header[$0] } + kind.addedColumns)
        var summary = ScoreRunSummary()
        while true {
            var record: CSVRecord
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                summary.rows += 1
                summary.failed += 1
                report(error.description)
                reader.skipRestOfLine()
                continue
            }
            summary.rows += 1
            guard record.fields.count <= reader.header.count else {
                summary.failed += 1
                report("\(inputPath):\(record.line): expected \(reader.header.count) fields as in the header, "
                    + "found \(record.fields.count)")
                continue
            }
            if record.fields.count < reader.header.count {
                // A short row (as spreadsheets write when trailing cells are empty): the missing fields are empty.
                record = CSVRecord(fields: record.fields + Array(repeating: "", count: reader.header.count - record.fields.count),
                                   line: record.line)
            }
            var problems: [String] = []
            var field = FieldReader(record: record, header: reader.header, file: inputPath, problems: { problems.append($0) })
            let scores: [String]?
            switch kind {
            case .news2: scores = news2Columns(&field, columns: required)
            case .lace: scores = laceColumns(&field, columns: required)
            }
            if let scores, problems.isEmpty {
                writer.write(kept.map { record.fields[$0] } + scores)
                summary.scored += 1
            } else {
                summary.failed += 1
                problems.forEach(report)
            }
        }
        writer.flush()
        return summary
    }

    static func news2Columns(_ field: inout FieldReader, columns: [Int]) -> [String]? {
        let rate = field.number(columns[0], in: 0...100, unit: "breaths per minute")
        let spo2 = field.number(columns[1], in: 0...100, unit: "%")
        let scale = field.choice(columns[2], ["1": SpO2Scale.scale1, "2": .scale2], expected: "1 or 2")
        let oxygen = field.boolean(columns[3])
        let systolic = field.number(columns[4], in: 0...400, unit: "mmHg")
        let pulse = field.number(columns[5], in: 0...400, unit: "beats per minute")
        let consciousness = field.choice(columns[6], [
            "a": Consciousness.alert, "alert": .alert, "c": .confusion, "confusion": .confusion,
            "new confusion": .confusion, "v": .voice, "voice": .voice, "p": .pain, "pain": .pain,
            "u": .unresponsive, "unresponsive": .unresponsive,
        ], expected: "A, C, V, P or U")
        let temperature = field.number(columns[7], in: 25...45, unit: "degrees Celsius")
        guard let rate, let spo2, let scale, let oxygen, let systolic, let pulse, let consciousness, let temperature
        else { return nil }
        let score = NEWS2Score(VitalSigns(respirationRate: rate, spo2: spo2, spo2Scale: scale, onOxygen: oxygen,
                                          systolicBP: systolic, pulse: pulse, consciousness: consciousness,
                                          temperature: temperature))
        return [score.respirationRate, score.spo2, score.oxygen, score.systolicBP, score.pulse, score.consciousness,
                score.temperature, score.total].map(String.init) + [score.riskBand.rawValue]
    }

    static func laceColumns(_ field: inout FieldReader, columns: [Int]) -> [String]? {
        let los = field.number(columns[0], in: 0...36_500, unit: "days")
        let emergency = field.boolean(columns[1])
        let charlson = field.integer(columns[2], in: 0...40)
        let visits = field.integer(columns[3], in: 0...1_000)
        guard let los, let emergency, let charlson, let visits else { return nil }
        let lace = LACEScore(lengthOfStayDays: los, emergencyAdmission: emergency, charlsonIndex: charlson,
                             edVisitsLast6Months: visits)
        return [lace.lengthOfStay, lace.acuity, lace.comorbidity, lace.emergencyVisits, lace.total].map(String.init)
    }
}

/// Reads typed values from a record's fields, reporting each bad one as "file:line: column 'x': expected …,
/// found '…'".
struct FieldReader {
    let record: CSVRecord
    let header: [String]
    let file: String
    let problems: (String) -> Void

    func text(_ column: Int) -> String { record.fields[column].trimmingCharacters(in: .whitespaces) }

    func fail(_ column: Int, _ expected: String) {
        problems("\(file):\(record.line): column '\(header[column])': expected \(expected), found '\(record.fields[column])'")
    }

    func number(_ column: Int, in range: ClosedRange<Double>, unit: String) -> Double? {
        guard let value = Double(text(column)), value.isFinite else {
            fail(column, "a number (\(unit))")
            return nil
        }
        guard range.contains(value) else {
            fail(column, "\(unit) between \(range.lowerBound.formatted()) and \(range.upperBound.formatted())")
            return nil
        }
        return value
    }

    func integer(_ column: Int, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text(column)) else {
            fail(column, "a whole number")
            return nil
        }
        guard range.contains(value) else {
            fail(column, "a whole number between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    func boolean(_ column: Int) -> Bool? {
        switch text(column).lowercased() {
        case "true", "yes", "y", "1": return true
        case "false", "no", "n", "0": return false
        default:
            fail(column, "true or false")
            return nil
        }
    }

    func choice<T>(_ column: Int, _ options: [String: T], expected: String) -> T? {
        guard let value = options[text(column).lowercased()] else {
            fail(column, expected)
            return nil
        }
        return value
    }
}

extension Double {
    func formatted() -> String { self == rounded() ? String(Int(self)) : String(self) }
}
