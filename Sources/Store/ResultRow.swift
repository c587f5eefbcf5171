import Foundation

/// One row of a `QueryResult`, read by column name into typed values. A column the query did not return, a NULL
/// where a value is required, or text that is not of the type asked for is a `ResultRowError` naming the column,
/// never a silent 0, "" or default.
///
///     let row = try connection.query("SELECT id, version FROM t WHERE …").single()
///     let id: Int64 = try row.int64("id")
public struct ResultRow: Sendable, Hashable {
    /// The result's column names, in order.
    public let columns: [String]
    /// The row's values as text, NULL as nil, in column order.
    public let values: [String?]

    /// The row `values` of a result with `columns`.
    public init(columns: [String], values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The text of `column`, or nil when it is NULL; throws when the result has no such column.
    public func optionalText(_ column: String) throws(ResultRowError) -> String? {
        guard let index = columns.firstIndex(of: column) else {
            throw ResultRowError(column: column, problem: "is not in the result (columns: \(columns.joined(separator: ", ")))")
        }
        return values[index]
    }

    /// The text of `column`; throws when it is NULL or missing.
    public func text(_ column: String) throws(ResultRowError) -> String {
        guard let text = try optionalText(column) else { throw ResultRowError(column: column, problem: "is NULL") }
        return text
    }

    /// `column` read by `parse` (nil: not of the type), or nil when NULL; `expected` says what it should be.
    public func optional<T>(_ column: String, expected: String, _ parse: (String) -> T?) throws(ResultRowError) -> T? {
        guard let text = try optionalText(column) else { return nil }
        guard let value = parse(text) else {
            throw ResultRowError(column: column, problem: "expected \(expected), found '\(text.prefix(80))'")
        }
        return value
    }

    /// `column` read by `parse`; throws when it is NULL, missing, or not of the type.
    public func value<T>(_ column: String, expected: String, _ parse: (String) -> T?) throws(ResultRowError) -> T {
        guard let value = try optional(column, expected: expected, parse) else {
            throw ResultRowError(column: column, problem: "is NULL")
        }
        return value
    }

    /// A whole number.
    public func int(_ column: String) throws(ResultRowError) -> Int { try value(column, expected: "a whole number") { Int($0) } }

    /// A 64-bit whole number (an id).
    public func int64(_ column: String) throws(ResultRowError) -> Int64 {
        try value(column, expected: "a whole number") { Int64($0) }
    }

    /// An unsigned 64-bit whole number (a seed).
    public func uint64(_ column: String) throws(ResultRowError) -> UInt64 {
        try value(column, expected: "a whole number >= 0") { UInt64($0) }
    }

    /// A number.
    public func double(_ column: String) throws(ResultRowError) -> Double {
        try value(column, expected: "a number") { Double($0) }
    }

    /// A boolean (PostgreSQL's text form: t or f).
    public func bool(_ column: String) throws(ResultRowError) -> Bool {
        try value(column, expected: "t or f") { $0 == "t" ? true : $0 == "f" ? false : nil }
    }

    /// A value of a string-backed enum.
    public func raw<T: RawRepresentable & CaseIterable>(_ column: String, as type: T.Type) throws(ResultRowError) -> T
        where T.RawValue == String
    {
        try value(column, expected: "one of " + T.allCases.map(\.rawValue).joined(separator: ", ")) { T(rawValue: $0) }
    }
}

/// A column that could not be read as asked.
public struct ResultRowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The column's name.
    public let column: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "column '\(column)' \(problem)" }
}

extension QueryResult {
    /// Every row, typed by column.
    public var typedRows: [ResultRow] { rows.map { ResultRow(columns: columns, values: $0) } }

    /// The only row; throws when there is none or more than one (`what` names it for the message).
    public func single(_ what: String = "the query") throws(ResultRowError) -> ResultRow {
        guard rows.count == 1 else {
            throw ResultRowError(column: columns.first ?? "?", problem: "of \(what): expected one row, found \(rows.count)")
        }
        return ResultRow(columns: columns, values: rows[0])
    }
}
