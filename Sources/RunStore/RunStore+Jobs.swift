import Foundation
import RunRecords
import Store

/// The server's job queue (Docs/SERVER.md, "Jobs"): rows of `jobs`, each a plan of runs. A server claims a waiting
/// job with `FOR UPDATE SKIP LOCKED` (two servers never take one job) and holds the job's advisory lock on the
/// claiming connection while it works it, so a running job whose lock nobody holds is known to be left by a server
/// that died.
extension RunStore {
    /// Queues a job of `kind` working the plan whose runs are `runs` (the plan's id first), or the backtest plan
    /// `plan` (no runs), asked for by `user`.
    public func submitJob(kind: Job.Kind, runs: [Int64], plan: Int64? = nil, request: String, by user: String) throws -> Job {
        precondition(!runs.isEmpty || plan != nil, "a job works at least one run, or a backtest plan")
        let id = try connection.query("""
            INSERT INTO hospital_twin.jobs (kind, plan_id, runs, request, submitted_by)
            VALUES (\(kind.rawValue), \(plan ?? runs[0]), \(Self.arrayText(runs))::bigint[], \(request)::jsonb, \(user))
            RETURNING id
            """).single("a job").int64("id")
        return try job(id)!
    }

    /// The job `id`, or nil.
    public func job(_ id: Int64) throws -> Job? {
        try jobs(where: "id = \(id)", limit: 1).first
    }

    /// How many jobs have each status (statuses no job has are absent).
    public func jobCounts() throws -> [Job.Status: Int] {
        var counts: [Job.Status: Int] = [:]
        for row in try connection.query("SELECT status, count(*) AS n FROM hospital_twin.jobs GROUP BY status").typedRows {
            counts[try row.raw("status", as: Job.Status.self)] = try row.int("n")
        }
        return counts
    }

    /// A page of jobs, newest first: those with an id below `before` when given.
    public func jobs(before: Int64?, limit: Int) throws -> [Job] {
        try jobs(where: before.map { "id < \($0)" } ?? "true", limit: limit)
    }

    private func jobs(where condition: String, limit: Int) throws -> [Job] {
        // The condition is built here from whole numbers only.
        try connection.query("""
            SELECT id, kind, plan_id, runs::text AS runs, request::text AS request, status, submitted_by,
                   extract(epoch FROM submitted_at) AS submitted_at, extract(epoch FROM started_at) AS started_at,
                   extract(epoch FROM finished_at) AS finished_at, attempts, cancel_requested, failure
            FROM hospital_twin.jobs WHERE \(raw: condition) ORDER BY id DESC LIMIT \(limit)
            """).typedRows.map { row in
            func date(_ column: String) throws -> Date? {
                try row.optional(column, expected: "seconds since 1970", { Double($0) }).map { Date(timeIntervalSince1970: $0) }
            }
            let runs = try row.text("runs")
            return Job(id: try row.int64("id"), kind: try row.raw("kind", as: Job.Kind.self), plan: try row.int64("plan_id"),
                       runs: runs.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { Int64($0) },
                       status: try row.raw("status", as: Job.Status.self), request: try row.text("request"),
                       submittedBy: try row.text("submitted_by"), submittedAt: try date("submitted_at")!,
                       startedAt: try date("started_at"), finishedAt: try date("finished_at"), attempts: try row.int("attempts"),
                       cancelRequested: try row.bool("cancel_requested"), failure: try row.optionalText("failure"))
        }
    }

    /// Takes the oldest waiting job (queued, or interrupted: resumed) for this connection's server, marks it running
    /// and holds its lock on this connection until `endJob`. A job already started `attemptLimit` times is marked
    /// failed instead (a job that kills its server every time must not stop the queue). Nil when none waits.
    public func claimJob(attemptLimit: Int) throws -> Job? {
        while true {
            let claimed = try connection.transaction { () throws -> (id: Int64, attempts: Int)? in
                guard let row = try connection.query("""
                    SELECT id, attempts FROM hospital_twin.jobs
                    WHERE status IN ('queued', 'interrupted') AND NOT cancel_requested
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """).typedRows.first else { return nil }
                let id = try row.int64("id"), attempts = try row.int("attempts")
                guard attempts < attemptLimit else {
                    try connection.execute("""
                        UPDATE hospital_twin.jobs SET status = 'failed', finished_at = clock_timestamp(),
                            failure = \("started \(attempts) times without finishing; the replications stored stay")
                        WHERE id = \(id)
                        """)
                    return (id, -1)
                }
                guard try connection.query("SELECT pg_try_advisory_lock(\(Self.jobLock(id))) AS held").single("a lock").bool("held") else {
                    return nil  // its lock is still held by a server letting it go: taken on a later poll
                }
                try connection.execute("""
                    UPDATE hospital_twin.jobs SET status = 'running', attempts = attempts + 1, started_at = clock_timestamp(),
                        finished_at = NULL
                    WHERE id = \(id)
                    """)
                return (id, attempts + 1)
            }
            guard let claimed else { return nil }
            if claimed.attempts < 0 {
                try failPlannedRuns(of: claimed.id, reason: "its job was started \(attemptLimit) times without finishing")
                continue
            }
            return try job(claimed.id)
        }
    }

    /// Ends the running job `id` as `status` (completed, interrupted, failed or cancelled), with why when it did not
    /// complete, and lets go of its lock. A job that failed or was cancelled has its runs that never completed marked
    /// failed (their stored replications stay); an interrupted one keeps them planned, to resume.
    public func endJob(_ id: Int64, as status: Job.Status, failure: String? = nil) throws {
        precondition(status != .queued && status != .running, "a job ends completed, interrupted, failed or cancelled")
        try connection.transaction {
            try connection.execute("""
                UPDATE hospital_twin.jobs SET status = \(status.rawValue), failure = \(failure),
                    finished_at = \(status == .interrupted ? nil : Date())
                WHERE id = \(id) AND status = 'running'
                """)
            if status == .failed || status == .cancelled {
                try failPlannedRuns(of: id, reason: status == .cancelled ? "its job was cancelled" : "its job failed: \(failure ?? "")")
            }
        }
        try connection.query("SELECT pg_advisory_unlock(\(Self.jobLock(id)))")
    }

    /// Asks for job `id` to be cancelled: a waiting job is cancelled at once (its runs marked failed); a running one
    /// stops before its next replication. Returns the job as it now is; nil when there is none. A final job is
    /// left as it is.
    public func requestCancel(_ id: Int64) throws -> Job? {
        try connection.transaction {
            let updated = try connection.execute("""
                UPDATE hospital_twin.jobs SET cancel_requested = true,
                    status = CASE WHEN status IN ('queued', 'interrupted') THEN 'cancelled' ELSE status END,
                    finished_at = CASE WHEN status IN ('queued', 'interrupted') THEN clock_timestamp() ELSE finished_at END
                WHERE id = \(id) AND status IN ('queued', 'interrupted', 'running')
                """)
            if updated == 1, try job(id)?.status == .cancelled {
                try failPlannedRuns(of: id, reason: "its job was cancelled")
            }
        }
        return try job(id)
    }

    /// True once a user asked to cancel job `id`.
    public func isCancelRequested(_ id: Int64) throws -> Bool {
        try connection.query("SELECT cancel_requested FROM hospital_twin.jobs WHERE id = \(id)").single("job \(id)").bool("cancel_requested")
    }

    /// Replications stored of the job's runs, and of how many; for a backtest, origins scored, and of how many.
    public func progress(of job: Job) throws -> (done: Int, total: Int) {
        if job.kind == .backtest {
            let row = try connection.query("""
                SELECT (SELECT count(*) FROM hospital_twin.backtest_origins WHERE plan_id = \(job.plan)) AS done,
                       (SELECT coalesce(max(origins), 0) FROM hospital_twin.backtest_plans WHERE id = \(job.plan)) AS total
                """).single("a backtest job's progress")
            return (try row.int("done"), try row.int("total"))
        }
        let list = Self.arrayText(job.runs)
        let row = try connection.query("""
            SELECT (SELECT count(*) FROM hospital_twin.replication_kpis WHERE run_id = ANY(\(list)::bigint[])) AS done,
                   (SELECT coalesce(sum(replications), 0) FROM hospital_twin.runs WHERE id = ANY(\(list)::bigint[])) AS total
            """).single("a job's progress")
        return (try row.int("done"), try row.int("total"))
    }

    /// Marks interrupted every running job whose lock nobody holds: its server died without saying so. Returns them.
    @discardableResult
    public func interruptAbandonedJobs() throws -> [Int64] {
        let running = try connection.query("SELECT id FROM hospital_twin.jobs WHERE status = 'running'").typedRows.map { try $0.int64("id") }
        var interrupted: [Int64] = []
        for id in running where try !isHeld(Self.jobLock(id)) {
            let updated = try connection.execute("""
                UPDATE hospital_twin.jobs SET status = 'interrupted',
                    failure = 'its server stopped before it finished; it resumes where it stopped'
                WHERE id = \(id) AND status = 'running'
                """)
            if updated == 1 { interrupted.append(id) }
        }
        return interrupted
    }

    /// Marks failed the runs of job `id` that were planned and never completed.
    private func failPlannedRuns(of id: Int64, reason: String) throws {
        try connection.execute("""
            UPDATE hospital_twin.runs SET status = 'failed', failure = \(reason), finished_at = clock_timestamp()
            WHERE id = ANY((SELECT runs FROM hospital_twin.jobs WHERE id = \(id))::bigint[]) AND status IN ('planned', 'running')
            """)
    }

    /// A job's lock: class 'HJ' in the top 16 bits, the job's id below.
    static func jobLock(_ id: Int64) -> Int64 { lockKey(0x484A, id, 0) }

    static func arrayText(_ ids: [Int64]) -> String { "{" + ids.map(String.init).joined(separator: ",") + "}" }
}
