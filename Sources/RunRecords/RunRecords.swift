import Foundation

// The records of stored runs as plain values: what the store returns and the reports render, apart from the store
// itself, so that rendering a list of runs needs no database module.

/// A scenario as stored: one row per distinct content, numbered by version within its name.
public struct StoredScenario: Sendable, Hashable, Codable {
    /// The stored scenario's row.
    public let id: Int64
    /// Its `name:`.
    public let name: String
    /// 1 for the first content stored under the name, then 2, 3…
    public let version: Int
    /// SHA-256 of the canonical JSON, hex.
    public let contentHash: String
    /// False when the same content was already stored (the existing row is returned).
    public let isNew: Bool

    /// A value from its parts.
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
    /// The run's id (`report ID`).
    public let id: Int64
    /// Its scenario's name, version and content hash (SHA-256 of the canonical JSON, hex).
    public let scenario: String
    public let scenarioVersion: Int
    public let scenarioHash: String
    /// The master seed.
    public let seed: UInt64
    /// Replications asked for (≥ 1).
    public let replications: Int
    /// Days measured after the warm-up.
    public let horizonDays: Int
    /// Days run before measuring began.
    public let warmUpDays: Int
    /// The simulation engine's version that ran it (`HospitalSimulation.engineVersion`).
    public let engineVersion: String
    /// The KPI layout its results were stored in (`HospitalKPIs.currentSchemaVersion` then).
    public let kpiSchemaVersion: Int
    /// Where it is.
    public let status: RunStatus
    /// Why it failed, for a failed run; nil otherwise.
    public let failure: String?
    /// When it began, and when it ended (nil while planned or running).
    public let startedAt: Date
    public let finishedAt: Date?
    /// The operating-system user of the process that ran it, and the machine it ran on.
    public let runBy: String
    public let host: String
    /// The archive file it was imported from (`runs import`); nil for a run made here.
    public let importedFrom: String?
    /// Means of a few metrics of a completed run, by key (`MetricKey.listing`).
    public let headline: [String: Double]

    /// A value from its parts.
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

/// A stored scenario as listed: its row, name, version, content hash, and when and by whom it was first stored.
public struct ScenarioListing: Sendable, Hashable, Codable {
    /// The stored scenario's row.
    public let id: Int64
    /// Its `name:`.
    public let name: String
    /// 1 for the first content stored under the name, then 2, 3…
    public let version: Int
    /// SHA-256 of the canonical JSON, hex.
    public let contentHash: String
    /// UTC, ISO 8601 to the second.
    public let storedAt: String
    /// The operating-system user who stored it first.
    public let storedBy: String

    /// A listing of the stored scenario `id`.
    public init(id: Int64, name: String, version: Int, contentHash: String, storedAt: String, storedBy: String) {
        self.id = id
        self.name = name
        self.version = version
        self.contentHash = contentHash
        self.storedAt = storedAt
        self.storedBy = storedBy
    }
}

/// One metric of a run's stored summary: its key, label, unit and which way is better (`higher`, `lower`,
/// `neither`), over how many replications, the mean, the standard deviation and the 95% half-width.
public struct StoredMetric: Sendable, Hashable, Codable {
    /// The metric's key (`MetricKey`).
    public let key: String
    /// Its label, as reports print it.
    public let label: String
    /// Its unit ("%", "minutes", "hours", "days", "patients", "count", …).
    public let unit: String
    /// Which way is better: `higher`, `lower` or `neither`.
    public let direction: String
    /// Replications that defined it, ≥ 0.
    public let replications: Int
    /// Mean over those replications, in `unit`; standard deviation; half-width of the 95% interval of the mean.
    public let mean: Double
    /// Standard deviation over the replications, in `unit`.
    public let standardDeviation: Double
    /// Half-width of the 95% Student-t interval of the mean, in `unit`.
    public let halfWidth: Double

    /// A stored summary row.
    public init(key: String, label: String, unit: String, direction: String, replications: Int, mean: Double,
                standardDeviation: Double, halfWidth: Double)
    {
        self.key = key
        self.label = label
        self.unit = unit
        self.direction = direction
        self.replications = replications
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.halfWidth = halfWidth
    }
}

/// A stored backtest as listed: its row, its scenario, origins, and when and by whom it was stored.
public struct BacktestListing: Sendable, Hashable, Codable {
    /// The backtest's row (`report ID --as backtest`).
    public let id: Int64
    /// The stored scenario it backtested, by row, name and version.
    public let scenarioId: Int64, scenario: String, scenarioVersion: Int
    /// Forecast origins scored, ≥ 1.
    public let origins: Int
    /// UTC, ISO 8601 to the second.
    public let storedAt: String
    /// The operating-system user (or the server's job) that stored it.
    public let storedBy: String

    /// A listing of stored backtest `id`.
    public init(id: Int64, scenarioId: Int64, scenario: String, scenarioVersion: Int, origins: Int, storedAt: String, storedBy: String) {
        self.id = id
        self.scenarioId = scenarioId
        self.scenario = scenario
        self.scenarioVersion = scenarioVersion
        self.origins = origins
        self.storedAt = storedAt
        self.storedBy = storedBy
    }
}
