import Foundation

/// A job of the server's queue (Docs/SERVER.md, "Jobs"): a plan of runs that `hospital-twin serve` works itself, as
/// one shard, storing each replication as it finishes — so its results are the stored runs the command line makes,
/// and a job interrupted by a restart resumes where it stopped.
public struct Job: Sendable, Hashable, Codable {
    /// What a job makes.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// One scenario's run.
        case run
        /// A base scenario and its variants, on the same seed and replications (common random numbers): one run
        /// each, the base first.
        case comparison
        /// A bed forecast from the live census (the feed's event log at a time): one run from that census.
        case forecast
        /// A cost report: a scenario's run, or a baseline's and each scenario's costed against it (the same seed and
        /// replications), the baseline first; finance's.
        case costs
        /// A rolling-origin backtest of the scenario's forecasts on the feed's event log: a backtest plan (no runs),
        /// its origins scored and the backtest stored when the last is.
        case backtest
    }

    /// Where a job is. Queued and interrupted jobs wait to be worked; the last three are final.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for a free slot.
        case queued
        /// A server is working it (and holds its lock).
        case running
        /// Its server stopped (SIGTERM, or it died) before it finished: it resumes, keeping what was stored.
        case interrupted
        /// Every run is completed.
        case completed
        /// It cannot finish; `failure` says why. Its runs are marked failed; the replications stored stay.
        case failed
        /// Cancelled by a user before it finished.
        case cancelled

        /// True for completed, failed and cancelled.
        public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    /// The job's number (its own sequence, not the runs').
    public let id: Int64
    /// Run, comparison or forecast.
    public let kind: Kind
    /// The plan's id (its first run's, or a backtest plan's): what `runs status` and `work` take.
    public let plan: Int64
    /// The plan's runs, a comparison's base first (none for a backtest).
    public let runs: [Int64]
    /// Where it is now.
    public let status: Status
    /// The request as the server read it (JSON text).
    public let request: String
    /// The user who posted it.
    public let submittedBy: String
    /// When it was posted.
    public let submittedAt: Date
    /// When a server last started it (nil while it has never run).
    public let startedAt: Date?
    /// When it ended (nil until completed, failed or cancelled; an interrupted job has none).
    public let finishedAt: Date?
    /// Times a server has started it (a resumed job counts each start).
    public let attempts: Int
    /// A user asked to cancel it; a running job stops before its next replication.
    public let cancelRequested: Bool
    /// Why it failed, was cancelled or interrupted.
    public let failure: String?

    /// A job as the store reads it.
    public init(id: Int64, kind: Kind, plan: Int64, runs: [Int64], status: Status, request: String, submittedBy: String,
                submittedAt: Date, startedAt: Date?, finishedAt: Date?, attempts: Int, cancelRequested: Bool, failure: String?)
    {
        self.id = id
        self.kind = kind
        self.plan = plan
        self.runs = runs
        self.status = status
        self.request = request
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.attempts = attempts
        self.cancelRequested = cancelRequested
        self.failure = failure
    }
}
