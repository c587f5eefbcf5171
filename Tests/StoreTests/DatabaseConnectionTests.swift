import Foundation
import Store
import Testing
import TestSupport

@Suite("PostgreSQL through libpq", .enabled(if: TestDatabase.runs("PostgreSQL through libpq")))
struct DatabaseConnectionTests {
    @Test("connects to the test database and reads the server version")
    func connects() throws {
        let db = try TestDatabase.connect()
        #expect(db.serverVersion >= 120_000)
        let rows = try db.query("SELECT current_database(), 1 + 1").rows
        #expect(rows == [["hospital_twin", "2"]])
    }

    @Test("interpolated values travel as parameters: quotes, unicode and NULL round-trip unchanged")
    func bindsParameters() throws {
        let db = try TestDatabase.connect()
        let hostile = "x'); DROP TABLE pg_class; --"
        let name = "Ward Ó'Brien — 3"
        let missing: Int? = nil
        let query: SQLQuery = "SELECT \(hostile)::text, \(name)::text, \(42)::int, \(2.5)::float8, \(missing)::int"
        #expect(query.text == "SELECT $1::text, $2::text, $3::int, $4::float8, $5::int")
        let rows = try db.query(query).rows
        #expect(rows == [[hostile, name, "42", "2.5", nil]])
    }

    @Test("a server error keeps its SQLSTATE and message")
    func reportsSQLState() throws {
        let db = try TestDatabase.connect()
        let error = #expect(throws: DatabaseError.self) { try db.query("SELECT * FROM no_such_table") }
        #expect(error?.sqlState == "42P01")
        #expect(error?.message.contains("no_such_table") == true)
        #expect(error?.description.hasPrefix("database error 42P01:") == true)
    }

    @Test("a failed transaction leaves nothing behind")
    func rollsBack() throws {
        let db = try TestDatabase.connect()
        try db.execute("CREATE TEMP TABLE smoke (id int PRIMARY KEY)")
        #expect(throws: DatabaseError.self) {
            try db.transaction {
                try db.execute("INSERT INTO smoke VALUES (\(1))")
                try db.execute("INSERT INTO smoke VALUES (\(1))")  // duplicate key: 23505
            }
        }
        #expect(try db.query("SELECT count(*) FROM smoke").rows == [["0"]])
        try db.transaction { try db.execute("INSERT INTO smoke VALUES (\(2))") }
        #expect(try db.query("SELECT count(*) FROM smoke").rows == [["1"]])
    }
}

@Suite("connection strings")
struct ConnectionStringTests {
    @Test("passwords are masked in every form libpq accepts", arguments: [
        ("postgresql://ops:s3cret@db.example/twin", "postgresql://ops:***@db.example/twin"),
        ("host=db user=ops password=s3cret dbname=twin", "host=db user=ops password=*** dbname=twin"),
        ("host=db password='s3 cret' dbname=twin", "host=db password=*** dbname=twin"),
        ("postgresql:///twin?host=/tmp&password=s3cret&user=ops", "postgresql:///twin?host=/tmp&password=***&user=ops"),
        ("host=/tmp/pg user=ops dbname=twin", "host=/tmp/pg user=ops dbname=twin"),
    ])
    func masksPasswords(url: String, expected: String) {
        #expect(ConnectionString.redacting(url) == expected)
    }

    @Test("a failed connection names the target without its password")
    func failedConnectionHidesPassword() {
        let url = "postgresql://ops:s3cret@127.0.0.1:1/twin?connect_timeout=2"
        let error = #expect(throws: DatabaseError.self) { try DatabaseConnection(url: url) }
        #expect(error?.kind == .connection)
        #expect(error?.description.contains("s3cret") == false)
        #expect(error?.description.contains("ops:***@127.0.0.1") == true)
    }
}

@Suite("typed rows")
struct ResultRowTests {
    static let row = ResultRow(columns: ["id", "name", "seed", "mean", "ok", "gone"], values: ["42", "Ward 7", "18446744073709551615", "2.5", "t", nil])

    @Test("values read by column name into their types")
    func reads() throws {
        #expect(try Self.row.int64("id") == 42 && Self.row.int("id") == 42)
        #expect(try Self.row.text("name") == "Ward 7")
        #expect(try Self.row.uint64("seed") == UInt64.max)
        #expect(try Self.row.double("mean") == 2.5 && Self.row.bool("ok"))
        #expect(try Self.row.optionalText("gone") == nil)
        #expect(try Self.row.optional("gone", expected: "a number") { Double($0) } == nil)
    }

    @Test("a missing column, a NULL where a value is needed, or text of another type is an error naming the column",
          arguments: [
              ("nme", "column 'nme' is not in the result (columns: id, name, seed, mean, ok, gone)"),
              ("gone", "column 'gone' is NULL"),
              ("name", "column 'name' expected a whole number, found 'Ward 7'"),
          ])
    func refuses(column: String, message: String) {
        let error = #expect(throws: ResultRowError.self) { try Self.row.int(column) }
        #expect(error?.description == message)
    }

    @Test("a seed above Int64 is not read as an Int; a boolean is t or f only")
    func ranges() {
        #expect(throws: ResultRowError.self) { try Self.row.int64("seed") }
        #expect(throws: ResultRowError.self) { try Self.row.bool("name") }
    }

    @Test("single() wants exactly one row")
    func single() throws {
        #expect(try QueryResult(columns: ["a"], rows: [["1"]]).single().int("a") == 1)
        #expect(throws: ResultRowError.self) { try QueryResult(columns: ["a"], rows: []).single() }
        #expect(throws: ResultRowError.self) { try QueryResult(columns: ["a"], rows: [["1"], ["2"]]).single() }
    }
}
