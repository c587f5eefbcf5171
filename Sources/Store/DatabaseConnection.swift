import CLibPQ
import Foundation

/// A connection to PostgreSQL through libpq. Not shared between threads: each thread that needs the database
/// opens its own.
///
///     let db = try DatabaseConnection(url: "postgresql:///hospital?host=/tmp/pg")
///     let rows = try db.query("SELECT name FROM ward WHERE beds >= \(minimumBeds)")   // minimumBeds travels as $1
public final class DatabaseConnection {
    let connection: OpaquePointer
    /// The connection string with any password masked, for messages.
    public let redactedURL: String
    /// Statements prepared on this connection, by their text (`queryPrepared`).
    var statements: [String: String] = [:]

    /// The environment variable the command-line tool and the tests read the connection string from.
    public static let environmentVariable = "HOSPITAL_TWIN_DATABASE_URL"

    /// Connects with a libpq connection string: a URI (`postgresql://user@host/db`) or `key=value` pairs.
    public init(url: String) throws(DatabaseError) {
        redactedURL = ConnectionString.redacting(url)
        guard let connection = PQconnectdb(url) else {
            throw DatabaseError(kind: .connection, message: "libpq could not allocate a connection",
                                url: redactedURL)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw DatabaseError(kind: .connection, message: ConnectionString.scrub(message, of: url),
                                url: redactedURL)
        }
        self.connection = connection
        _ = try? execute("SET client_min_messages TO warning")
    }

    /// Connects with the string in `HOSPITAL_TWIN_DATABASE_URL`.
    public static func fromEnvironment() throws(DatabaseError) -> DatabaseConnection {
        guard let url = ProcessInfo.processInfo.environment[environmentVariable], !url.isEmpty else {
            throw DatabaseError(kind: .connection,
                                message: "\(environmentVariable) is not set: give a libpq connection string, "
                                    + "e.g. postgresql:///hospital_twin?host=/var/run/postgresql",
                                url: nil)
        }
        return try DatabaseConnection(url: url)
    }

    deinit {
        PQfinish(connection)
    }

    /// False once the connection is lost (the server restarted, the network dropped): a new one is needed.
    public var isConnected: Bool { PQstatus(connection) == CONNECTION_OK }

    /// The server's version number, e.g. 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// The process id of the server backend serving this connection (pg_stat_activity's pid).
    public var backendPID: Int { Int(PQbackendPID(connection)) }

    /// Runs a statement that returns rows. Interpolated values travel as parameters, never as SQL text.
    @discardableResult
    public func query(_ query: SQLQuery) throws(DatabaseError) -> QueryResult {
        rows(of: try run(query))
    }

    /// As `query`, the statement prepared on this connection the first time its text is seen and executed by name
    /// after that, so the server parses and plans it once: for a statement run for every message of a feed.
    @discardableResult
    public func queryPrepared(_ query: SQLQuery) throws(DatabaseError) -> QueryResult {
        rows(of: try run(query, prepared: true))
    }

    func rows(of result: OpaquePointer) -> QueryResult {
        defer { PQclear(result) }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        return QueryResult(columns: columns, rows: rows)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: SQLQuery) throws(DatabaseError) -> Int {
        let result = try run(query)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Runs a script of program-controlled statements (a migration: several statements separated by semicolons,
    /// no parameters) as one simple query.
    public func executeScript(_ sql: String) throws(DatabaseError) {
        guard let result = PQexec(connection, sql) else {
            throw DatabaseError(kind: .query, message: String(cString: PQerrorMessage(connection)), url: redactedURL)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return
        default: throw DatabaseError(result: result, sql: sql)
        }
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws, so nothing is left
    /// half-written.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    func run(_ query: SQLQuery, prepared: Bool = false) throws(DatabaseError) -> OpaquePointer {
        var name: String?
        if prepared {
            if let known = statements[query.text] {
                name = known
            } else {
                let fresh = "hospital_twin_\(statements.count)"
                guard let made = PQprepare(connection, fresh, query.text, Int32(query.binds.count), nil) else {
                    throw DatabaseError(kind: .query, message: String(cString: PQerrorMessage(connection)), url: redactedURL)
                }
                defer { PQclear(made) }
                guard PQresultStatus(made) == PGRES_COMMAND_OK else { throw DatabaseError(result: made, sql: query.text) }
                statements[query.text] = fresh
                name = fresh
            }
        }
        let values: [UnsafeMutablePointer<CChar>?] = query.binds.map { bind in bind.flatMap { strdup($0) } }
        defer { values.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeBufferPointer { buffer in
            if let name {
                return PQexecPrepared(connection, name, Int32(buffer.count), buffer.baseAddress, nil, nil, 0)
            }
            return PQexecParams(connection, query.text, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        guard let result else {
            throw DatabaseError(kind: .query, message: String(cString: PQerrorMessage(connection)), url: redactedURL)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return result
        default:
            let error = DatabaseError(result: result, sql: query.text)
            PQclear(result)
            throw error
        }
    }
}

/// Rows returned by a query, as text (PostgreSQL's text format), NULL as nil.
public struct QueryResult: Sendable, Hashable {
    /// Column names.
    public let columns: [String]
    /// Each row's values.
    public let rows: [[String?]]

    /// A result of `rows` under `columns`.
    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// A database failure, with what the server said: SQLSTATE, message, detail and hint, as PostgreSQL reports them.
/// Never contains a password.
public struct DatabaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where it failed.
    public enum Kind: Sendable, Hashable {
        /// Connecting.
        case connection
        /// Running a statement.
        case query
    }

    /// Where it failed.
    public let kind: Kind
    /// The five-character SQLSTATE code, e.g. 42P01 (undefined table), when the server sent one.
    public let sqlState: String?
    /// The primary message.
    public let message: String
    /// The server's detail line, if any.
    public let detail: String?
    /// The server's hint, if any.
    public let hint: String?
    /// The statement that failed, for query errors.
    public let sql: String?
    /// The connection string, password masked, for connection errors.
    public let url: String?

    init(kind: Kind, message: String, url: String?) {
        self.kind = kind
        self.message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        self.url = url
        sqlState = nil
        detail = nil
        hint = nil
        sql = nil
    }

    init(result: OpaquePointer, sql: String) {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        kind = .query
        sqlState = field(Int32(UInt8(ascii: "C")))  // PG_DIAG_SQLSTATE
        message = field(Int32(UInt8(ascii: "M"))) ?? String(cString: PQresultErrorMessage(result))
        detail = field(Int32(UInt8(ascii: "D")))
        hint = field(Int32(UInt8(ascii: "H")))
        self.sql = sql
        url = nil
    }

    /// "database error 42P01: relation \"ward\" does not exist".
    public var description: String {
        var text: String
        switch kind {
        case .connection: text = "could not connect to the database" + (url.map { " (\($0))" } ?? "") + ": \(message)"
        case .query: text = "database error" + (sqlState.map { " \($0)" } ?? "") + ": \(message)"
        }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }
}

/// Connection-string helpers.
public enum ConnectionString {
    /// The string with any password replaced by "***": the `password=` key of key/value strings, the
    /// `user:password@` of URIs and a `password=` query parameter.
    public static func redacting(_ url: String) -> String {
        var text = url
        let patterns = url.contains("://")
            ? [#"(://[^:/@?]*:)[^@/?]*(@)"#, #"([?&]password=)[^&]*"#]
            : [#"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)"#]
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            let template = pattern.hasSuffix("(@)") ? "$1***$2" : "$1***"
            text = regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text),
                                                  withTemplate: template)
        }
        return text
    }

    /// Removes the password of `url`, should libpq have echoed it, from `message`.
    static func scrub(_ message: String, of url: String) -> String {
        guard let password = password(in: url), !password.isEmpty else { return message }
        return message.replacingOccurrences(of: password, with: "***")
    }

    static func password(in url: String) -> String? {
        let patterns = [#"://[^:/@?]*:([^@/?]*)@"#, #"[?&]password=([^&]*)"#, #"password\s*=\s*'?([^'\s]*)"#]
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let match = regex.firstMatch(in: url, range: NSRange(url.startIndex..., in: url)),
                  let range = Range(match.range(at: 1), in: url)
            else { continue }
            return String(url[range])
        }
        return nil
    }
}
