import Foundation
import Store

/// The database the test script started (scripts/test.sh starts a throwaway cluster and sets
/// `HOSPITAL_TWIN_DATABASE_URL`). Database suites run whenever it is set; in CI (`CI` set) they run and fail
/// without it rather than skip; under a plain `swift test` they skip, and each skipped suite says so on standard
/// error, with why and how to run it.
public enum TestDatabase {
    /// The connection string, when set.
    public static var url: String? { ProcessInfo.processInfo.environment[DatabaseConnection.environmentVariable] }

    /// Whether the suite named `suite` runs; prints a line when it is skipped.
    public static func runs(_ suite: String) -> Bool {
        if url != nil || ProcessInfo.processInfo.environment["CI"] != nil { return true }
        FileHandle.standardError.write(Data(("SKIPPED database suite '\(suite)': \(DatabaseConnection.environmentVariable) "
            + "is not set. scripts/test.sh starts a throwaway PostgreSQL and runs every suite; CI always does.\n").utf8))
        return false
    }

    /// A connection to the test database; throws when none is configured.
    public static func connect() throws -> DatabaseConnection {
        guard let url else { throw MissingTestDatabase() }
        return try DatabaseConnection(url: url)
    }
}

/// The test database is not configured.
public struct MissingTestDatabase: Error, CustomStringConvertible {
    public var description: String {
        "\(DatabaseConnection.environmentVariable) is not set: run the tests with scripts/test.sh"
    }
}

/// Where the repository's files are, from this file's path.
public enum Repository {
    /// The repository's root directory.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `relative` (to the root) as an absolute path.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
