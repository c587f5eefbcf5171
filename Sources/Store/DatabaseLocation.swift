import Foundation

/// Which database a command uses, decided as PostgreSQL users expect: an explicit connection string first, then
/// the environment, then the embedded default cluster.
///
/// 1. `--database-url URL` (the `option`);
/// 2. `HOSPITAL_TWIN_DATABASE_URL`;
/// 3. `DATABASE_URL`;
/// 4. libpq's own environment (`PGHOST`, `PGHOSTADDR`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGSERVICE`): an empty
///    connection string, which libpq completes from those variables, `PGPASSFILE`, `PGSSLMODE` and the rest;
/// 5. none of these: the embedded cluster (`EmbeddedCluster`), in `HOSPITAL_TWIN_HOME` or `./.hospital-twin`.
public struct DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// Where the choice came from.
    public enum Source: Sendable, Hashable {
        /// The command's `--database-url`.
        case option
        /// An environment variable holding a connection string (its name).
        case environment(String)
        /// libpq's environment variables (the ones set, with their values).
        case libpqEnvironment([String])
        /// The embedded cluster at this directory.
        case embedded(String)
    }

    /// The libpq connection string ("" for libpq's environment).
    public let connectionString: String
    /// Where it came from.
    public let source: Source

    /// The libpq variables that name a server; any of them set means "use libpq's environment".
    public static let libpqServerVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]

    /// The database chosen by `option` and `environment`; nil when the embedded cluster is to be used.
    public static func configured(option: String?, environment: [String: String]) -> DatabaseLocation? {
        if let option, !option.isEmpty { return DatabaseLocation(connectionString: option, source: .option) }
        for name in [DatabaseConnection.environmentVariable, "DATABASE_URL"] {
            if let value = environment[name], !value.isEmpty {
                return DatabaseLocation(connectionString: value, source: .environment(name))
            }
        }
        let set = libpqServerVariables.filter { environment[$0].map { !$0.isEmpty } ?? false }
        if !set.isEmpty {
            return DatabaseLocation(connectionString: "", source: .libpqEnvironment(set.map { "\($0)=\(environment[$0]!)" }))
        }
        return nil
    }

    /// A location.
    public init(connectionString: String, source: Source) {
        self.connectionString = connectionString
        self.source = source
    }

    /// What to tell the user, never with a password: "host=/tmp/pg dbname=twin (from HOSPITAL_TWIN_DATABASE_URL)".
    public var description: String {
        switch source {
        case .option: "\(ConnectionString.redacting(connectionString)) (from --database-url)"
        case .environment(let name): "\(ConnectionString.redacting(connectionString)) (from \(name))"
        case .libpqEnvironment(let variables): "libpq's environment (\(variables.joined(separator: ", ")))"
        case .embedded(let directory): "the embedded cluster in \(directory) (\(ConnectionString.redacting(connectionString)))"
        }
    }
}
