import Foundation

/// A SQL statement whose interpolated values become parameters ($1, $2, …) sent beside the text, so no value can
/// change the statement: injection is impossible by construction, as in postgres-nio's `PostgresQuery`.
///
///     let query: SQLQuery = "SELECT * FROM run WHERE scenario = \(name) AND seed = \(seed)"
///     query.text    // "SELECT * FROM run WHERE scenario = $1 AND seed = $2"
///     query.binds   // [name, "42"]
///
/// Use `\(raw: identifier)` only for text the program controls (a table name), never for user input.
public struct SQLQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The statement with $n placeholders.
    public private(set) var text: String
    /// Each parameter in PostgreSQL's text format; nil is NULL.
    public private(set) var binds: [String?]

    /// A statement without parameters.
    public init(stringLiteral value: String) {
        text = value
        binds = []
    }

    /// A statement built by interpolation.
    public init(stringInterpolation: StringInterpolation) {
        text = stringInterpolation.text
        binds = stringInterpolation.binds
    }

    /// Collects text and parameters.
    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        var binds: [String?] = []

        /// Reserves room.
        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 3 * interpolationCount)
        }

        /// SQL text.
        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// A parameter.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value) {
            binds.append(value.sqlText)
            text += "$\(binds.count)"
        }

        /// A parameter that may be NULL.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            binds.append(value?.sqlText)
            text += "$\(binds.count)"
        }

        /// Program-controlled SQL text, spliced in as is.
        public mutating func appendInterpolation(raw: String) { text += raw }
    }
}

/// A value that can travel as a query parameter in PostgreSQL's text format.
public protocol SQLBindable {
    /// The value as PostgreSQL parses it.
    var sqlText: String { get }
}

extension String: SQLBindable {
    /// The string itself.
    public var sqlText: String { self }
}

extension Int: SQLBindable {
    /// Decimal digits.
    public var sqlText: String { String(self) }
}

extension Int64: SQLBindable {
    /// Decimal digits.
    public var sqlText: String { String(self) }
}

extension Int32: SQLBindable {
    /// Decimal digits.
    public var sqlText: String { String(self) }
}

extension UInt64: SQLBindable {
    /// Decimal digits.
    public var sqlText: String { String(self) }
}

extension Double: SQLBindable {
    /// The shortest text that reads back as the same double, or NaN/Infinity as PostgreSQL spells them.
    public var sqlText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}

extension Bool: SQLBindable {
    /// "true" or "false".
    public var sqlText: String { self ? "true" : "false" }
}

extension Date: SQLBindable {
    /// ISO 8601 in UTC with milliseconds, for timestamptz.
    public var sqlText: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: self)
    }
}
