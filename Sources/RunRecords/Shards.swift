import Foundation

/// Which replications each shard of a sharded run holds: shard i of K holds the replications from ⌊iN/K⌋ up to
/// ⌊(i+1)N/K⌋, so the shards are contiguous, together hold every replication once, and differ in size by at most
/// one. Stated once, for the planner, the worker and the status.
public enum ShardPlan {
    /// The most shards a run may have (a Kubernetes Indexed Job allows 100,000 completions).
    public static let shardLimit = 100_000

    /// The replications of shard `index` (0-based) of `shards`, out of `replications`.
    public static func replications(ofShard index: Int, of shards: Int, total replications: Int) -> Range<Int> {
        precondition(shards >= 1 && (0..<shards).contains(index), "a shard index from 0 to shards - 1")
        return index * replications / shards ..< (index + 1) * replications / shards
    }

    /// The shard that holds `replication`.
    public static func shard(of replication: Int, shards: Int, total replications: Int) -> Int {
        // The inverse of the ranges above: the largest i with ⌊iN/K⌋ <= r.
        var index = min(shards - 1, replication * shards / max(1, replications))
        while index > 0 && Self.replications(ofShard: index, of: shards, total: replications).lowerBound > replication { index -= 1 }
        while index + 1 < shards && Self.replications(ofShard: index + 1, of: shards, total: replications).lowerBound <= replication {
            index += 1
        }
        return index
    }
}

/// How a sharded run stands: what `runs status` shows.
public struct ShardedRunStatus: Sendable, Hashable, Codable {
    /// One shard's state.
    public enum ShardState: String, Sendable, Hashable, Codable {
        /// Every replication of it is stored.
        case done
        /// A live worker holds it.
        case working
        /// Its last attempt failed, and nobody works it now.
        case failed
        /// Not every replication is stored and nobody works it: never started, or its worker was killed.
        case missing
    }

    /// One shard.
    public struct Shard: Sendable, Hashable, Codable {
        /// 0-based, below the plan's shards.
        public let index: Int
        /// Its first replication (0-based).
        public let first: Int
        /// One past its last replication (> `first`).
        public let end: Int
        /// Its replications stored, 0 to `end - first`.
        public let stored: Int
        /// Done, working, failed or missing.
        public let state: ShardState
        /// Workers that have taken it (a shard rerun, or two pods racing on one index, counts each).
        public let attempts: Int
        /// Why its last failed attempt failed.
        public let failure: String?

        /// A value from its parts.
        public init(index: Int, first: Int, end: Int, stored: Int, state: ShardState, attempts: Int, failure: String?) {
            self.index = index
            self.first = first
            self.end = end
            self.stored = stored
            self.state = state
            self.attempts = attempts
            self.failure = failure
        }
    }

    /// The run as listed.
    public let run: RunRecord
    /// Every shard, by index.
    public let shards: [Shard]
    /// Replications stored, of `run.replications`.
    public let stored: Int
    /// Workers holding a shard now.
    public let liveWorkers: Int
    /// Mean seconds a replication took to simulate, over those stored with a time.
    public let secondsPerReplication: Double?
    /// Seconds until every replication is stored at the pace of the last ten minutes (nil: no pace yet, or done).
    public let secondsLeft: Double?

    /// A value from its parts.
    public init(run: RunRecord, shards: [Shard], stored: Int, liveWorkers: Int, secondsPerReplication: Double?,
                secondsLeft: Double?)
    {
        self.run = run
        self.shards = shards
        self.stored = stored
        self.liveWorkers = liveWorkers
        self.secondsPerReplication = secondsPerReplication
        self.secondsLeft = secondsLeft
    }
}

/// How a backtest planned in shards stands: what `runs status` shows for it.
public struct ShardedBacktestStatus: Sendable, Hashable, Codable {
    /// The plan's id.
    public let plan: Int64
    /// Its scenario's name and version.
    public let scenario: String
    public let scenarioVersion: Int
    /// Planned, running, completed or failed.
    public let status: RunStatus
    /// The stored backtest it made, once completed (`report ID --as backtest`); nil before.
    public let backtest: Int64?
    /// Origins in all.
    public let origins: Int
    /// Origins whose scores are stored.
    public let stored: Int
    /// Every shard, by index (`first`/`end` are origin indices).
    public let shards: [ShardedRunStatus.Shard]
    /// Workers holding a shard now.
    public let liveWorkers: Int
    /// Mean seconds an origin took (its forecasts and scores), over those stored.
    public let secondsPerOrigin: Double?
    /// Seconds until every origin is stored at the pace of the last ten minutes (nil: no pace yet, or done).
    public let secondsLeft: Double?

    /// A status as `RunStore.backtestStatus` reads it.
    public init(plan: Int64, scenario: String, scenarioVersion: Int, status: RunStatus, backtest: Int64?, origins: Int,
                stored: Int, shards: [ShardedRunStatus.Shard], liveWorkers: Int, secondsPerOrigin: Double?, secondsLeft: Double?)
    {
        self.plan = plan
        self.scenario = scenario
        self.scenarioVersion = scenarioVersion
        self.status = status
        self.backtest = backtest
        self.origins = origins
        self.stored = stored
        self.shards = shards
        self.liveWorkers = liveWorkers
        self.secondsPerOrigin = secondsPerOrigin
        self.secondsLeft = secondsLeft
    }
}
