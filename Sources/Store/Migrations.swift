import Foundation

/// One step of a database schema: applied once, in its own transaction, and recorded.
public struct Migration: Sendable, Hashable {
    /// 1, 2, 3…: applied in order, never renumbered.
    public let version: Int
    /// What it does, recorded with it.
    public let name: String
    /// The statements (several, separated by semicolons, run as one simple query).
    public let sql: String

    /// A migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// A schema newer than this program knows, or a migration that failed.
public struct MigrationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong and what to do.
    public let message: String

    public var description: String { message }
}

extension DatabaseConnection {
    /// Brings `schema` up to the last of `migrations`: each missing one is applied in a transaction that also
    /// records it in `<schema>.schema_migrations`, under a transaction-level advisory lock so that concurrent
    /// commands apply each migration once. Idempotent. A database whose schema is newer than `migrations` is
    /// refused (this program would misread it). Returns the versions applied now.
    @discardableResult
    public func migrate(schema: String, _ migrations: [Migration]) throws -> [Int] {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "migrations are numbered 1, 2, 3… in order")
        let table = "\(schema).schema_migrations"
        let lock: SQLQuery = "SELECT pg_advisory_xact_lock(hashtext(\("\(schema).migrations")))"
        let newest = try transaction { () throws -> Int in
            try execute(lock)
            try execute("CREATE SCHEMA IF NOT EXISTS \(raw: schema)")
            try execute("""
                CREATE TABLE IF NOT EXISTS \(raw: table) (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
            return Int(try query("SELECT coalesce(max(version), 0) FROM \(raw: table)").rows[0][0] ?? "0") ?? 0
        }
        if newest > migrations.count {
            throw MigrationError(message: "the database's \(schema) schema is at version \(newest), newer than this "
                + "program knows (\(migrations.count)): use a newer hospital-twin, or another database")
        }
        var applied: [Int] = []
        for migration in migrations where migration.version > newest {
            let done = try transaction { () throws -> Bool in
                try execute(lock)
                let current = Int(try query("SELECT coalesce(max(version), 0) FROM \(raw: table)").rows[0][0] ?? "0") ?? 0
                guard current < migration.version else { return false }  // a concurrent command applied it
                try executeScript(migration.sql)
                try execute("INSERT INTO \(raw: table) (version, name) VALUES (\(migration.version), \(migration.name))")
                return true
            }
            if done { applied.append(migration.version) }
        }
        return applied
    }

    /// The schema's recorded version (0 when none is recorded).
    public func schemaVersion(_ schema: String) throws -> Int {
        let exists = try query("SELECT to_regclass(\("\(schema).schema_migrations")) IS NOT NULL").rows[0][0] == "t"
        guard exists else { return 0 }
        return Int(try query("SELECT coalesce(max(version), 0) FROM \(raw: schema).schema_migrations").rows[0][0] ?? "0") ?? 0
    }
}
