import Foundation

/// Why a workflow stopped: what a person reads, and which kind of failure it was (the command line maps the kind
/// to its exit code, a server to its status).
public struct WorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure, by whose move it is.
    public enum Kind: Sendable, Hashable {
        /// The user's files or options: nothing was simulated or stored; fix the input and run again.
        case input
        /// The database refused or went away part-way.
        case store
        /// Results could not be kept anywhere (no database, no file).
        case resultsLost
        /// The caller cancelled the work; nothing was stored.
        case cancelled
    }

    /// Which kind.
    public let kind: Kind
    /// One sentence each, located where the input has a location (`FILE:LINE:COLUMN: key: …`).
    public let messages: [String]

    /// A failure of `kind` with `messages`.
    public init(_ kind: Kind, _ messages: [String]) {
        self.kind = kind
        self.messages = messages
    }

    /// A failure of `kind` with one message.
    public init(_ kind: Kind, _ message: String) { self.init(kind, [message]) }

    /// Every message, one per line.
    public var description: String { messages.joined(separator: "\n") }
}

/// What a workflow tells its caller on the way, beside its result: the command line prints each on standard
/// error, a server puts it in a job's log.
public enum WorkflowNotice: Sendable, Hashable, CustomStringConvertible {
    /// A worker lost the database (or could not reach it) and tries again in `seconds`.
    case databaseRetry(seconds: Double, reason: String)
    /// A run was recorded (status running) before simulating.
    case runRecorded(id: Int64, scenario: String, version: Int, newContent: Bool)
    /// A run's results were stored whole.
    case runStored(id: Int64)
    /// Storing a simulated run failed; its results are being kept in a file.
    case storeFailed(id: Int64, reason: String)
    /// Results were kept in a file, to be imported later.
    case resultsKept(path: String)
    /// The run could not be marked failed: it stays running until the database sees this process has ended.
    case runLeftRunning(id: Int64)
    /// A scenario of a paired run runs as the first one does, not as its own run section says.
    case runsAsFirst(file: String, firstFile: String, plan: String)
    /// A census unit holds more patients than its beds at the start.
    case overfullAtCensus(file: String, unit: String)
    /// The census lists no recent discharges: their returns come from the scenario's own simulated last 30 days.
    case returnsFromScenario(file: String, discharges: Int)
    /// Admitted patients boarding in the ED whose census row names no bed (`waiting_for`): the forecast infers each.
    case boardersInferred(file: String, boarders: Int)
    /// Patients in the ED not yet decided whose triage category the census does not give: each is admitted with the
    /// model's chance for its wait and the ED's crowding (`UndecidedAdmission`); `expected` of them are, on average.
    case undecidedOfUnknownTriage(file: String, patients: Int, expected: Double)
    /// A daily series drifts materially over the measured window: the run did not measure a steady state.
    case drifts(file: String, series: String, percentPerYear: Double)
    /// The census a forecast starts from: its latest recorded time (ISO 8601 UTC) and its age then, hours.
    case censusStart(file: String, latest: String, ageHours: Double)
    /// The census is more than a day old: the hospital has moved on since.
    case staleCensus(file: String, latest: String, ageHours: Double)

    public var description: String {
        switch self {
        case .runRecorded(let id, let scenario, let version, let newContent):
            "run \(id): \(scenario) v\(version)" + (newContent ? " (new scenario content)" : "")
        case .runStored(let id): "stored run \(id)"
        case .databaseRetry(let seconds, let reason):
            "the database cannot be used (\(reason)); trying again in \(String(format: "%.2g", seconds)) s"
        case .storeFailed(let id, let reason): "could not store run \(id): \(reason)"
        case .resultsKept(let path): "the results are kept in \(path); store them later with: hospital-twin runs import \(path)"
        case .runLeftRunning(let id):
            "run \(id) stays 'running' until the database sees this process has ended; it is then marked failed"
        case .runsAsFirst(let file, let firstFile, let plan):
            "\(file): runs as \(firstFile) does (\(plan)) so that the replications pair up"
        case .overfullAtCensus(let file, let unit): "\(file): \(unit) at the census (the unit starts over its beds)"
        case .returnsFromScenario(let file, let discharges):
            "\(file) lists no recent discharges: the readmissions still to come are drawn from the scenario's own "
                + "simulation instead (\(discharges) patients it discharged alive in the 30 days before the start, after "
                + "its warm-up); list the hospital's discharges of the last 30 days as 'discharged' rows to use its own"
        case .boardersInferred(let file, let boarders):
            "\(file): \(boarders) admitted patient\(boarders == 1 ? "" : "s") boarding in the ED with no waiting_for: the bed "
                + "each waits for is drawn given that it is still waiting (a unit with room for it at the census is "
                + "unlikely, and a bed the model's own boarders seldom wait long for is seldom the one); name it in "
                + "waiting_for where the bed manager knows it"
        case .undecidedOfUnknownTriage(let file, let patients, let expected):
            "\(file): \(patients) patient\(patients == 1 ? "" : "s") in the ED not yet decided, of no known triage category: "
                + "each admitted with the model's own chance for its wait with \(patients) undecided, "
                + "\(String(format: "%.1f", expected)) of them on average; give undecided_triage where the ED knows it"
        case .censusStart(let file, let latest, let age):
            "starting from \(file): its latest record is \(latest), \(Self.age(age)) old"
        case .staleCensus(let file, let latest, let age):
            "warning: \(file) is \(Self.age(age)) old (its latest record is \(latest)): the forecast starts from the hospital "
                + "as it was then, not as it is now; take a fresh census (hospital-twin census, or forecast --live)"
        case .drifts(let file, let series, let percent):
            "\(file): '\(series)' drifts by \(String(format: "%+.1f", percent))% a year over the measured window, so "
                + "the window is not in steady state: the warm-up is too short, or a queue is fed faster than it is "
                + "served (hospital-twin run --warmup-report tells which)"
        }
    }
}

extension WorkflowNotice {
    /// "40 minutes", "5.2 hours", "3.1 days".
    static func age(_ hours: Double) -> String {
        if hours < 1 { return "\(Int((hours * 60).rounded())) minutes" }
        if hours < 48 { return String(format: "%.1f hours", hours) }
        return String(format: "%.1f days", hours / 24)
    }
}

/// How a workflow reports progress and learns that it should stop. Every closure may be called from any thread.
public struct WorkflowObserver: Sendable {
    /// Replications finished so far of `total`, for the scenario named.
    public var progress: @Sendable (_ done: Int, _ total: Int, _ scenario: String) -> Void
    /// A notice on the way.
    public var notice: @Sendable (WorkflowNotice) -> Void
    /// True once the caller wants the work stopped: checked before each replication starts.
    public var isCancelled: @Sendable () -> Bool

    /// An observer; by default it ignores progress and notices and never cancels.
    public init(progress: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in },
                notice: @escaping @Sendable (WorkflowNotice) -> Void = { _ in },
                isCancelled: @escaping @Sendable () -> Bool = { false })
    {
        self.progress = progress
        self.notice = notice
        self.isCancelled = isCancelled
    }

    /// Ignores everything, never cancels.
    public static let silent = WorkflowObserver()
}

/// A flag a caller sets to cancel work in progress; safe from any thread.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    /// Not cancelled.
    public init() {}

    /// Asks the work to stop.
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
