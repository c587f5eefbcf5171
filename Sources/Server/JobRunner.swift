import Foundation
import Logging
import NIOConcurrencyHelpers
import RunRecords
import RunStore
import ServiceLifecycle
import Store
import Workflows

/// The server's job slots (Docs/SERVER.md, "Jobs"): `slots` threads of their own — never the event loops, never
/// the thread pool the requests' database calls use — each taking the oldest waiting job from the database's queue
/// and working it on `threadsPerJob` threads (`Jobs.work`). On graceful shutdown (SIGTERM) the running jobs stop
/// before their next replication and are marked interrupted, to resume on the next start; a job left running by a
/// server that died is found (its lock is free) and resumed too.
public final class JobRunner: Service, Sendable {
    let url: String
    let slots: Int
    let threadsPerJob: Int
    let pollSeconds: Double
    let logger: Logger
    private let stopping = CancellationFlag()
    /// The niceness of a slot's thread (0 is a request's; 19 the lowest priority).
    static let niceness: Int32 = 10

    /// A runner of `slots` jobs at a time, each on `threadsPerJob` threads, on the database at `url`, looking for
    /// waiting jobs every `pollSeconds`.
    public init(url: String, slots: Int, threadsPerJob: Int, pollSeconds: Double = 0.5,
                logger: Logger = Logger(label: "hospital-twin.jobs")) {
        precondition(slots >= 1 && threadsPerJob >= 1, "at least one slot of one thread")
        self.url = url
        self.slots = slots
        self.threadsPerJob = threadsPerJob
        self.pollSeconds = pollSeconds
        self.logger = logger
    }

    /// Starts the slots, waits for the server's graceful shutdown (or cancellation), then stops them: each running job
    /// stops before its next replication and is marked interrupted.
    public func run() async {
        let group = DispatchGroup()
        for slot in 0..<slots {
            group.enter()
            let thread = Thread { [self] in
                // Below the requests: a slot's thread runs at nice 10, so that with every core simulating the
                // event loops and the database calls of requests still come first (Docs/SERVER.md, "Jobs"). On
                // Linux the nice value is a thread's, and who 0 is the calling thread.
                if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness) != 0 {
                    logger.warning("a job slot runs at the requests' priority: setpriority failed", metadata: ["errno": "\(errno)"])
                }
                work(slot: slot)
                group.leave()
            }
            thread.name = "job slot \(slot)"
            thread.start()
        }
        do { try await gracefulShutdown() } catch {
            // Cancelled rather than shut down gracefully: the slots stop the same way.
        }
        stopping.cancel()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                group.wait()
                done.resume()
            }
        }
        logger.info("job slots stopped")
    }

    /// One slot: claim, work, end, until stopping. A lost database is tried again with backoff (0.25 s doubling to
    /// 15 s); slot 0 also looks for jobs left running by a server that died.
    func work(slot: Int) {
        var store: RunStore?
        var backoff = 0.25
        var lastSweep = Date.distantPast
        while !stopping.isCancelled {
            do {
                let current = try store ?? RunStore(connection: DatabaseConnection(url: url))
                store = current
                if slot == 0, Date().timeIntervalSince(lastSweep) >= 10 {
                    for id in try current.interruptAbandonedJobs() {
                        logger.warning("job left running by a server that stopped; it resumes", metadata: ["job": "\(id)"])
                    }
                    lastSweep = Date()
                }
                backoff = 0.25
                guard let job = try current.claimJob(attemptLimit: Jobs.attemptLimit) else {
                    pause(pollSeconds)
                    continue
                }
                try run(job, on: current)
            } catch {
                logger.error("job slot lost the database; trying again", metadata: ["slot": "\(slot)", "error": "\(error)",
                                                                                    "retry_seconds": "\(backoff)"])
                store = nil
                pause(backoff)
                backoff = min(backoff * 2, 15)
            }
        }
    }

    /// Works `job`, claimed on `store`'s connection, and ends it: completed; interrupted when the server is stopping;
    /// cancelled when a user asked; failed otherwise.
    func run(_ job: Job, on store: RunStore) throws {
        let metadata: Logger.Metadata = ["job": "\(job.id)", "kind": "\(job.kind.rawValue)", "runs": "\(job.runs)",
                                         "attempt": "\(job.attempts)"]
        logger.info("job started", metadata: metadata)
        let started = ContinuousClock.now
        let asked = CancelPoller(store: store, job: job.id)
        let url = url
        let outcome = Jobs.work(job, threads: threadsPerJob, connect: { try RunStore(connection: DatabaseConnection(url: url)) },
                                isCancelled: { [stopping] in stopping.isCancelled || asked.isCancelRequested() })
        let seconds = "\(Double((ContinuousClock.now - started).components.seconds))"
        switch outcome {
        case .completed:
            try store.endJob(job.id, as: .completed)
            logger.info("job completed", metadata: metadata.merging(["seconds": "\(seconds)"]) { $1 })
        case .stopped where stopping.isCancelled:
            try store.endJob(job.id, as: .interrupted, failure: "the server stopped before it finished; it resumes where it stopped")
            logger.info("job interrupted by the server stopping", metadata: metadata)
        case .stopped:
            try store.endJob(job.id, as: .cancelled, failure: "cancelled; the replications stored stay")
            logger.info("job cancelled", metadata: metadata)
        case .failed(let why):
            try store.endJob(job.id, as: stopping.isCancelled ? .interrupted : .failed, failure: why)
            logger.error("job failed", metadata: metadata.merging(["error": "\(why)"]) { $1 })
        }
    }

    /// Sleeps up to `seconds`, waking early when stopping.
    func pause(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !stopping.isCancelled, Date() < end { Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow))) }
    }
}

/// Whether a user asked to cancel a running job: read from the database at most once a second, on the connection
/// that claimed the job (idle while the job works on its own), from any of the job's threads.
final class CancelPoller: @unchecked Sendable {
    private let lock = NSLock()
    private let store: RunStore
    private let job: Int64
    private var asked = false
    private var checked = Date.distantPast

    init(store: RunStore, job: Int64) {
        self.store = store
        self.job = job
    }

    func isCancelRequested() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if !asked, Date().timeIntervalSince(checked) >= 1 {
            checked = Date()
            // A failed read is not a cancellation: the job's own connections meet the same database and retry.
            asked = (try? store.isCancelRequested(job)) ?? false
        }
        return asked
    }
}
