import Foundation

/// A CSV file read as typed records: columns by name, one vocabulary for every file format, and every bad field
/// reported the same way — `FILE:LINE: column 'x': expected …, found '…'`. Every reader of a CSV format (scores,
/// episodes, observations, Synthea) uses it, so no two formats read `true` or a number differently.
///
///     let reader = try CSVRecordReader(path: "vitals.csv", required: ["pulse", "spo2"])
///     while var record = reader.next() {
///         let pulse = record.number("pulse", in: 0...400, unit: "beats per minute")
///         let oxygen = record.boolean("on_oxygen", ifEmpty: false)
///         guard record.problems.isEmpty, let pulse, let oxygen else { report(record.problems); continue }
///         …
///     }
///
/// A record's problems are collected, not thrown: a bad field never stops the reading of the others, and the
/// caller decides what a problem costs (the row, or the file). A row that is not CSV at all (a stray quote) or has
/// more fields than the header comes back as a record whose only problem says so; a short row (as spreadsheets
/// write when trailing cells are empty) has its missing fields read as empty.
public final class CSVRecordReader {
    /// The file's name for messages.
    public var file: String { reader.name }
    /// The header's column names, trimmed.
    public var header: [String] { reader.header }
    private let reader: CSVReader
    private let columns: [String: Int]
    private var finished = false

    /// Opens `path` and checks that every column in `required` is present (ignoring case); throws with every
    /// missing column named at once.
    public convenience init(path: String, required: [String] = [], limit: InputLimit = .records) throws(CSVError) {
        try self.init(reader: try CSVReader(path: path, limit: limit), required: required)
    }

    /// Reads CSV text held in memory, named `name` in messages.
    public convenience init(text: String, name: String = "<input>", required: [String] = []) throws(CSVError) {
        try self.init(reader: try CSVReader(text: text, name: name), required: required)
    }

    private init(reader: CSVReader, required: [String]) throws(CSVError) {
        self.reader = reader
        var columns: [String: Int] = [:]
        for (index, name) in reader.header.enumerated() where columns[name.lowercased()] == nil {
            columns[name.lowercased()] = index
        }
        self.columns = columns
        let missing = required.filter { columns[$0.lowercased()] == nil }
        if !missing.isEmpty {
            throw CSVError(file: reader.name, line: 1, message: "missing column" + (missing.count > 1 ? "s " : " ")
                + missing.map { "'\($0)'" }.joined(separator: ", ") + "; expected the columns "
                + required.joined(separator: ", "))
        }
    }

    /// True when the file has a column of that name (ignoring case).
    public func has(_ column: String) -> Bool { columns[column.lowercased()] != nil }

    /// The position of a column, ignoring case; nil when absent.
    public func position(of column: String) -> Int? { columns[column.lowercased()] }

    /// The next record, or nil at the end of the file. Never throws: a line that is not valid CSV is a record with
    /// that problem (reading goes on with the next line).
    public func next() -> CSVTypedRecord? {
        guard !finished else { return nil }
        do {
            guard let raw = try reader.next() else {
                finished = true
                return nil
            }
            var fields = raw.fields
            var problems: [String] = []
            if fields.count > header.count {
                problems.append("\(file):\(raw.line): expected \(header.count) fields as in the header, found \(fields.count)")
            } else if fields.count < header.count {
                fields += Array(repeating: "", count: header.count - fields.count)
            }
            return CSVTypedRecord(file: file, line: raw.line, fields: fields, header: header, columns: columns,
                                  problems: problems)
        } catch {
            reader.skipRestOfLine()
            return CSVTypedRecord(file: file, line: error.line, fields: [], header: header, columns: columns,
                                  problems: [error.description])
        }
    }
}

/// One record of a `CSVRecordReader`, read field by field with the types and vocabulary every format shares.
/// Each read that fails adds a problem, `FILE:LINE: column 'x': expected …, found '…'`, and returns nil.
public struct CSVTypedRecord: Sendable {
    /// The file, for messages.
    public let file: String
    /// The line the record starts on (the header is line 1).
    public let line: Int
    /// The fields as read (padded with empty fields to the header's width); empty when the line was not CSV.
    public let fields: [String]
    /// The header's column names.
    public let header: [String]
    private let columns: [String: Int]
    /// Every problem found so far in this record, located.
    public private(set) var problems: [String]

    init(file: String, line: Int, fields: [String], header: [String], columns: [String: Int], problems: [String]) {
        self.file = file
        self.line = line
        self.fields = fields
        self.header = header
        self.columns = columns
        self.problems = problems
    }

    /// True when the line could be read as CSV at all; false records carry the reason in `problems` and have no
    /// fields to read. (A row with more fields than the header is well formed but has that problem.)
    public var isWellFormed: Bool { !fields.isEmpty }

    /// The field of `column`, trimmed of surrounding spaces; "" when the column is absent or the record is not CSV.
    public func text(_ column: String) -> String {
        guard let index = columns[column.lowercased()], index < fields.count else { return "" }
        let field = fields[index]
        // Most fields have no space at either end: those are returned without Foundation's copy.
        guard let first = field.unicodeScalars.first, let last = field.unicodeScalars.last,
              CharacterSet.whitespaces.contains(first) || CharacterSet.whitespaces.contains(last) else { return field }
        return field.trimmingCharacters(in: .whitespaces)
    }

    /// True when the field is empty (or its column absent).
    public func isEmpty(_ column: String) -> Bool { text(column).isEmpty }

    /// Records a problem with `column`: "FILE:LINE: column 'x': expected `expected`, found '…'".
    public mutating func fail(_ column: String, expected: String) {
        let name = columns[column.lowercased()].map { header[$0] } ?? column
        problems.append("\(file):\(line): column '\(name)': expected \(expected), found '\(text(column))'")
    }

    /// Records a problem with the record as a whole: "FILE:LINE: `message`".
    public mutating func fail(_ message: String) {
        problems.append("\(file):\(line): \(message)")
    }

    /// The field, which must not be empty; `expected` says what it is ("a spell id").
    public mutating func required(_ column: String, expected: String) -> String? {
        let value = text(column)
        if value.isEmpty { fail(column, expected: expected) }
        return value.isEmpty ? nil : value
    }

    /// A value parsed by `parse`; an empty field gives `fallback` when there is one, else a problem. `expected`
    /// says what `parse` accepts ("a date-time such as 2024-03-01T10:20:00Z").
    public mutating func value<T>(_ column: String, expected: String, ifEmpty fallback: T? = nil,
                                  _ parse: (String) -> T?) -> T?
    {
        let field = text(column)
        if field.isEmpty, let fallback { return fallback }
        guard let value = parse(field) else {
            fail(column, expected: expected)
            return nil
        }
        return value
    }

    /// Like `value`, but an empty field is simply absent: nil, and no problem.
    public mutating func optionalValue<T>(_ column: String, expected: String, _ parse: (String) -> T?) -> T? {
        isEmpty(column) ? nil : value(column, expected: expected, parse)
    }

    /// A whole number in `range`.
    public mutating func integer(_ column: String, in range: ClosedRange<Int>, ifEmpty fallback: Int? = nil) -> Int? {
        guard let number = value(column, expected: "a whole number", ifEmpty: fallback, { Int($0) }) else { return nil }
        guard range.contains(number) else {
            fail(column, expected: "a whole number between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    /// A whole number in `range`, or nil (no problem) when the field is empty.
    public mutating func optionalInteger(_ column: String, in range: ClosedRange<Int>) -> Int? {
        isEmpty(column) ? nil : integer(column, in: range)
    }

    /// A finite number in `range`, in `unit` (named in the message).
    public mutating func number(_ column: String, in range: ClosedRange<Double>, unit: String,
                                ifEmpty fallback: Double? = nil) -> Double?
    {
        guard let number = value(column, expected: "a number (\(unit))", ifEmpty: fallback, { text in
            Double(text).flatMap { $0.isFinite ? $0 : nil }
        }) else { return nil }
        guard range.contains(number) else {
            fail(column, expected: "\(unit) between \(Self.plain(range.lowerBound)) and \(Self.plain(range.upperBound))")
            return nil
        }
        return number
    }

    /// A finite number in `range`, or nil (no problem) when the field is empty.
    public mutating func optionalNumber(_ column: String, in range: ClosedRange<Double>, unit: String) -> Double? {
        isEmpty(column) ? nil : number(column, in: range, unit: unit)
    }

    /// A boolean in the one vocabulary every file shares: true, yes, y, 1 / false, no, n, 0 (any case).
    public mutating func boolean(_ column: String, ifEmpty fallback: Bool? = nil) -> Bool? {
        value(column, expected: "true or false (also yes/no, y/n, 1/0)", ifEmpty: fallback, Self.parseBoolean)
    }

    /// A boolean, or nil (no problem) when the field is empty.
    public mutating func optionalBoolean(_ column: String) -> Bool? {
        isEmpty(column) ? nil : boolean(column)
    }

    /// One of a closed set of words (compared ignoring case), each mapped to a value; `expected` lists them.
    public mutating func choice<T>(_ column: String, _ options: [String: T], expected: String,
                                   ifEmpty fallback: T? = nil) -> T?
    {
        value(column, expected: expected, ifEmpty: fallback) { options[$0.lowercased()] }
    }

    /// The boolean vocabulary of every file format: true, yes, y, 1 / false, no, n, 0, in any case.
    public static func parseBoolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "y", "1": true
        case "false", "no", "n", "0": false
        default: nil
        }
    }

    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
