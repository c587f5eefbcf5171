import Finance
import Foundation
import HospitalModel
import RunRecords

/// A run as a file: the scenario it ran (its canonical document), how it ran, and its result. What
/// `runs export --format json` writes, what `runs import` reads, and what `run --store` leaves behind when the
/// database goes away after simulating — so nothing simulated is lost.
public struct RunArchive: Sendable, Hashable, Codable {
    /// What the file is: "hospital-twin run".
    public var format = RunArchive.formatName
    /// The layout's version.
    public var formatVersion = RunArchive.currentFormatVersion

    /// The scenario: its name, where it was read from, and its canonical document, JSON (the text its identity is hashed
    /// from; see `Scenario.canonicalJSON`).
    public struct ArchivedScenario: Sendable, Hashable, Codable {
        /// Its `name:`.
        public var name: String
        /// The file it was read from, as given, if known.
        public var sourcePath: String?
        /// Its canonical JSON, whose SHA-256 is its identity in a store.
        public var canonicalDocument: String

        /// A value from its parts.
        public init(name: String, sourcePath: String?, canonicalDocument: String) {
            self.name = name
            self.sourcePath = sourcePath
            self.canonicalDocument = canonicalDocument
        }
    }

    /// How the run ran.
    public struct ArchivedRun: Sendable, Hashable, Codable {
        /// The master seed.
        public var seed: UInt64
        /// Replications (≥ 1), every one in `result`.
        public var replications: Int
        /// Days measured after the warm-up.
        public var horizonDays: Int
        /// Days run before measuring began.
        public var warmUpDays: Int
        /// The simulation engine's version that ran it.
        public var engineVersion: String
        /// When the simulation began and ended.
        public var startedAt: Date
        public var finishedAt: Date
        /// The operating-system user of the process that ran it, and the machine it ran on.
        public var runBy: String
        public var host: String

        /// A value from its parts.
        public init(seed: UInt64, replications: Int, horizonDays: Int, warmUpDays: Int, engineVersion: String,
                    startedAt: Date, finishedAt: Date, runBy: String, host: String)
        {
            self.seed = seed
            self.replications = replications
            self.horizonDays = horizonDays
            self.warmUpDays = warmUpDays
            self.engineVersion = engineVersion
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.runBy = runBy
            self.host = host
        }
    }

    /// The scenario it ran.
    public var scenario: ArchivedScenario
    /// How it ran.
    public var run: ArchivedRun
    /// Every replication's KPIs and the run's summary.
    public var result: HospitalExperimentResult
    /// The run priced with its scenario's cost model (absent in archives written before costs were kept).
    public var costs: RunCosts?

    /// An archive.
    public init(scenario: ArchivedScenario, run: ArchivedRun, result: HospitalExperimentResult, costs: RunCosts? = nil) {
        self.scenario = scenario
        self.run = run
        self.result = result
        self.costs = costs
    }

    /// The `format` every archive carries; a file with another is not an archive.
    public static let formatName = "hospital-twin run"
    /// The layout this code writes; it reads this and earlier ones.
    public static let currentFormatVersion = 1

    /// The archive as JSON (the KPIs' documented form; times in ISO 8601 with milliseconds).
    public func encoded() throws -> Data {
        let encoder = ResultJSON.encoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.timestamp.string(from: date))
        }
        return try encoder.encode(self)
    }

    /// ISO 8601 with fractional seconds, UTC (a formatter each time: a run has two times).
    static var timestamp: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    /// Reads an archive, checking it is one this program can read.
    public static func decode(_ data: Data, file: String) throws(RunStoreError) -> RunArchive {
        let decoder = ResultJSON.decoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Self.timestamp.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container,
                                                       debugDescription: "expected an ISO 8601 time, found '\(text)'")
            }
            return date
        }
        let archive: RunArchive
        do { archive = try decoder.decode(RunArchive.self, from: data) } catch {
            throw RunStoreError("\(file): not a hospital-twin run archive (\(Self.describe(error)))")
        }
        guard archive.format == formatName else {
            throw RunStoreError("\(file): format is '\(archive.format)', expected '\(formatName)'")
        }
        guard archive.formatVersion <= currentFormatVersion else {
            throw RunStoreError("\(file): archive format version \(archive.formatVersion) is newer than this program "
                + "reads (\(currentFormatVersion))")
        }
        guard archive.result.schemaVersion == HospitalKPIs.currentSchemaVersion else {
            throw RunStoreError("\(file): KPI schema version \(archive.result.schemaVersion), this program stores "
                + "version \(HospitalKPIs.currentSchemaVersion)")
        }
        guard archive.result.replications.count == archive.run.replications, archive.run.replications >= 1 else {
            throw RunStoreError("\(file): says \(archive.run.replications) replications but holds "
                + "\(archive.result.replications.count)")
        }
        try verify(archive, file: file)
        return archive
    }

    /// Checks an archive against itself, so that what is stored is what was simulated: its summary is the one its
    /// replications give (an edited KPI value makes them disagree), its run's days and times make sense, its cost
    /// lines are one set per replication, alike in every replication, and its scenario document is a scenario's.
    static func verify(_ archive: RunArchive, file: String) throws(RunStoreError) {
        func refuse(_ message: String) -> RunStoreError { RunStoreError("\(file): \(message); nothing was stored") }
        let run = archive.run, result = archive.result
        guard run.horizonDays >= 1, run.warmUpDays >= 0, run.warmUpDays < run.horizonDays,
              result.horizonDays == run.horizonDays, result.warmUpDays == run.warmUpDays, result.seed == run.seed
        else {
            throw refuse("its run (\(run.horizonDays) days, warm-up \(run.warmUpDays), seed \(run.seed)) and its result "
                + "(\(result.horizonDays) days, warm-up \(result.warmUpDays), seed \(result.seed)) do not agree or make no sense")
        }
        guard run.finishedAt >= run.startedAt else {
            throw refuse("it finished (\(run.finishedAt)) before it started (\(run.startedAt))")
        }
        let recomputed = HospitalExperimentResult(scenario: result.scenario, seed: result.seed, horizonDays: result.horizonDays,
                                                  warmUpDays: result.warmUpDays, replications: result.replications)
        // Compared as the documented JSON, where NaN reads "nan" on both sides.
        let encoder = ResultJSON.encoder()
        guard let given = try? encoder.encode(result.summary), let expected = try? encoder.encode(recomputed.summary),
              given == expected
        else {
            let differing = zip(result.summary, recomputed.summary).first { !($0.mean == $1.mean || ($0.mean.isNaN && $1.mean.isNaN))
                || $0.key != $1.key }
            throw refuse("its summary is not the one its replications give"
                + (differing.map { " (\($0.0.key): \($0.0.mean) stated, \($0.1.mean) from the replications)" } ?? "")
                + ": the archive was edited or damaged")
        }
        if let costs = archive.costs {
            let lines = costs.replications.map(\.count)
            guard costs.replications.count == run.replications, Set(lines).count <= 1,
                  zip(costs.replications.dropFirst(), costs.replications).allSatisfy({ a, b in
                      zip(a, b).allSatisfy { $0.centre == $1.centre && $0.category == $1.category && $0.month == $1.month }
                  })
            else {
                throw refuse("its cost lines are \(costs.replications.count) sets for \(run.replications) replications, "
                    + "or differ between replications")
            }
        }
        guard let document = try? JSONSerialization.jsonObject(with: Data(archive.scenario.canonicalDocument.utf8)) as? [String: Any],
              document["name"] as? String == archive.scenario.name, document["emergency_department"] is [String: Any],
              document["units"] is [Any]
        else {
            throw refuse("its scenario document is not a scenario named '\(archive.scenario.name)' (a mapping with its name, "
                + "emergency_department and units)")
        }
    }

    /// A decoding error as a reader can act on it: the key path and what was wrong.
    static func describe(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at '\(path(context))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.debugDescription) at '\(path(context))'"
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription + (context.codingPath.isEmpty ? "" : " at '\(path(context))'")
        default:
            return String(describing: error)
        }
    }
}

/// A record that is not there, a run not in the state asked for, a file that is not an archive.
public struct RunStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, for the user, naming the run or file.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
