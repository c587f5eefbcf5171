import Foundation

// The records of stored runs as plain values: what the store returns and the reports render, apart from the store
// itself, so that rendering a list of runs needs no database module.

/// A scenario as stored: one row per distinct content, numbered by version within its name.
public struct StoredScenario: Sendable, Hashable, Codable {
    public let id: Int64
    public let name: String
    /// 1 for the first content stored under the name, then 2, 3…
    public let version: Int
    /// SHA-256 of the canonical JSON, hex.
    public let contentHash: String
    /// False when the same content was already stored (the existing row is returned).
    public let isNew: Bool

    public init(id: Int64, name: String, version: Int, contentHash: String, isNew: Bool) {
        self.id = id
        self.name = name
        self.version = version
        self.contentHash = contentHash
        self.isNew = isNew
    }
}

/// Where a run is.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Planned to be worked in shards (`runs plan`); no replication stored yet.
    case planned
    /// Simulating, or storing its results; its process holds the run's lock (a sharded run: some replications are
    /// stored, and its workers hold its shards' locks while they work).
    case running
    /// Its results are stored, whole.
    case completed
    /// It will never have results: the process ended first, or storing failed.
    case failed
}

/// A run as listed: what ran, how, when, by whom, and its headline figures.
public struct RunRecord: Sendable, Hashable, Codable {
    public let id: Int64
    public let scenario: String
    public let scenarioVersion: Int
    public let scenarioHash: String
    public let seed: UInt64
    public let replications: Int
    public let horizonDays: Int
    public let warmUpDays: Int
    public let engineVersion: String
    public let kpiSchemaVersion: Int
    public let status: RunStatus
    public let failure: String?
    public let startedAt: Date
    public let finishedAt: Date?
    public let runBy: String
    public let host: String
    public let importedFrom: String?
    /// Means of a few metrics of a completed run, by key (`MetricKey.listing`).
    public let headline: [String: Double]

    public init(id: Int64, scenario: String, scenarioVersion: Int, scenarioHash: String, seed: UInt64, replications: Int,
                horizonDays: Int, warmUpDays: Int, engineVersion: String, kpiSchemaVersion: Int, status: RunStatus,
                failure: String?, startedAt: Date, finishedAt: Date?, runBy: String, host: String, importedFrom: String?,
                headline: [String: Double])
    {
        self.id = id
        self.scenario = scenario
        self.scenarioVersion = scenarioVersion
        self.scenarioHash = scenarioHash
        self.seed = seed
        self.replications = replications
        self.horizonDays = horizonDays
        self.warmUpDays = warmUpDays
        self.engineVersion = engineVersion
        self.kpiSchemaVersion = kpiSchemaVersion
        self.status = status
        self.failure = failure
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.runBy = runBy
        self.host = host
        self.importedFrom = importedFrom
        self.headline = headline
    }
}

