import Accounts
import Foundation
import RunRecords
import Simulation
import RunStore
import Workflows

/// The API's jobs (Docs/SERVER.md, "Jobs"): a run or a comparison of stored scenarios queued with a POST, answered at
/// once with the job; its progress read, or followed as server-sent events; cancelled.
extension API {
    /// The largest request body, bytes.
    public static let bodyLimit = 16_384

    static let jobRoutes: [APIRoute] = [
        APIRoute(method: .post, path: "/api/v1/jobs", access: .simulations, query: [], status: .accepted,
                 body: .json(JobBody.schema),
                 summary: "Queue a run of a stored scenario or a comparison of a base and its variants (manager, admin), or a forecast from the live census (planner, admin); answered at once with the job.") { request in
            let asked = try JobBody.read(request.body ?? Data())
            try JobBody.check(request.user, mayStart: asked.kind)
            let store = try RunStore(connection: request.connection, migrating: false)
            let job: Job
            do { job = try Jobs.submit(asked, by: request.user.name, store: store) } catch let error as WorkflowError {
                throw ProblemError(status: error.kind == .store ? .serviceUnavailable : .unprocessableContent,
                                   title: error.kind == .store ? "The database failed" : "The job cannot run",
                                   detail: error.messages.joined(separator: "; "))
            }
            return APIAnswer(json: try JobDocument.json(job, store: store),
                             read: "job \(job.id) queued: runs \(job.runs.map(String.init).joined(separator: ", "))")
        },
        APIRoute(method: .get, path: "/api/v1/jobs", access: .aggregate, query: [.limit, .after], answer: "JobPage",
                 summary: "Jobs, newest first, a page at a time, each with its progress.") { request in
            let store = try RunStore(connection: request.connection, migrating: false)
            return try listed(request, "jobs", id: \.id) { before, limit in
                try store.jobs(before: before, limit: limit).map { try JobDocument.make($0, store: store) }
            }
        },
        APIRoute(method: .get, path: "/api/v1/jobs/:id", access: .aggregate, query: [],
                 summary: "A job: what was asked, where it is, replications done and time left, and its runs once made.") { request in
            let store = try RunStore(connection: request.connection, migrating: false)
            guard let job = try store.job(request.id!) else { throw notFound("job", request.id!) }
            return APIAnswer(json: try JobDocument.json(job, store: store), read: "job \(job.id)")
        },
        APIRoute(method: .get, path: "/api/v1/jobs/:id/events", access: .aggregate, query: [], produces: .events,
                 summary: "A job's progress as server-sent events: 'progress' (the job, as GET /api/v1/jobs/{id}) each second while it waits or runs, then one 'end' when it is completed, failed or cancelled.") { request in
            let store = try RunStore(connection: request.connection, migrating: false)
            guard let job = try store.job(request.id!) else { throw notFound("job", request.id!) }
            return APIAnswer(json: try JobDocument.json(job, store: store), read: "job \(job.id) events", final: job.status.isFinal)
        },
        APIRoute(method: .post, path: "/api/v1/jobs/:id/cancel", access: .simulations, query: [],
                 summary: "Cancel a job (the roles that may start its kind): a waiting one at once, a running one before its next replication (what was stored stays). A finished job is answered as it is.") { request in
            let store = try RunStore(connection: request.connection, migrating: false)
            guard let found = try store.job(request.id!) else { throw notFound("job", request.id!) }
            try JobBody.check(request.user, mayStart: found.kind)
            guard let job = try store.requestCancel(found.id) else { throw notFound("job", found.id) }
            return APIAnswer(json: try JobDocument.json(job, store: store), read: "job \(job.id): cancel asked")
        },
    ]
}

/// A job request's JSON body: `{"kind": "run", "scenario_id": 3}` or `{"kind": "comparison", "scenario_ids": [3, 4]}`,
/// with `replications`, `seed`, `horizon_days` and `warmup_days` over the (first) scenario's run section; or
/// `{"kind": "forecast", "scenario_id": 3}` with `days`, `at` (the census time), `replications` and `seed`. Read
/// strictly: an unknown or misspelt member, a wrong type, a number out of range is a 400 that names it.
enum JobBody {
    /// Its JSON Schema, as YAML lines (indented for the OpenAPI document's request body).
    static let schema = [
        "type: object",
        "required: [kind]",
        "additionalProperties: false",
        "properties:",
        "  kind: {type: string, enum: [run, comparison, forecast, backtest, costs]}",
        "  scenario_id: {type: integer, minimum: 1, description: \"A run's, a forecast's or a backtest's stored scenario.\"}",
        "  scenario_ids: {type: array, items: {type: integer, minimum: 1}, minItems: 2, maxItems: \(JobRequest.variantLimit + 1), description: \"A comparison's base, then its variants; a cost report's baseline, then the scenarios costed against it.\"}",
        "  replications: {type: integer, minimum: 1, maximum: \(RunOverrides.replicationLimit)}",
        "  seed: {type: integer, minimum: 0, maximum: 18446744073709551615}",
        "  horizon_days: {type: integer, minimum: 1, maximum: \(RunOverrides.horizonLimit), description: \"A run's days simulated; a backtest's forecast horizon (default 14).\"}",
        "  warmup_days: {type: integer, minimum: 0}",
        "  days: {type: integer, minimum: 1, maximum: 366, description: \"A forecast's days after its start (default 14).\"}",
        "  at: {type: string, pattern: \"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$\", description: \"A forecast's census time, local to the scenario (default now); it starts at the next local midnight.\"}",
        "  from: {type: string, pattern: \"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\", description: \"A backtest's first origin day.\"}",
        "  to: {type: string, pattern: \"^[0-9]{4}-[0-9]{2}-[0-9]{2}$\", description: \"A backtest's last origin day.\"}",
        "  every_days: {type: integer, minimum: 1, maximum: 366, description: \"Days between a backtest's origins (default 1).\"}",
        "  origin_time: {type: string, pattern: \"^[0-9]{2}:[0-9]{2}$\", description: \"Each backtest origin's local time of day (default 23:59).\"}",
    ]

    /// The roles that may start (and cancel) each kind of job: a manager's runs and comparisons, a planner's
    /// forecasts; admin all.
    static func roles(_ kind: Job.Kind) -> Set<Role> {
        switch kind {
        case .run, .comparison: [.manager, .admin]
        case .forecast, .backtest: [.planner, .admin]
        case .costs: [.finance, .admin]
        }
    }

    /// A 403 problem unless `user`'s role may start a job of `kind`.
    static func check(_ user: User, mayStart kind: Job.Kind) throws {
        guard roles(kind).contains(user.role) else {
            throw ProblemError(status: .forbidden, title: "Not allowed for this role",
                               detail: "a \(kind.rawValue) job is for the roles \(roles(kind).map(\.rawValue).sorted().joined(separator: ", ")); "
                                   + "you are \(user.role.rawValue)")
        }
    }

    static let members: Set = ["kind", "scenario_id", "scenario_ids", "replications", "seed", "horizon_days", "warmup_days", "days", "at",
                               "from", "to", "every_days", "origin_time"]

    /// The body read into a request; a 400 problem naming the member that is wrong.
    static func read(_ body: Data) throws -> JobRequest {
        func bad(_ detail: String) -> ProblemError { ProblemError(status: .badRequest, title: "The request body is malformed", detail: detail) }
        guard !body.isEmpty else { throw bad("expected a JSON object with 'kind' (run or comparison)") }
        let object: [String: Member]
        do { object = try ResultJSON.decode([String: Member].self, from: body) } catch let error as DecodingError {
            throw bad(describe(error))
        }
        if let unknown = object.keys.sorted().first(where: { !members.contains($0) }) {
            throw bad("'\(unknown.prefix(40))' is not a member of a job request: \(members.sorted().joined(separator: ", "))")
        }
        guard case .text(let kindText)? = object["kind"], let kind = Job.Kind(rawValue: kindText) else {
            throw bad("'kind': expected \"run\", \"comparison\", \"forecast\", \"backtest\" or \"costs\"")
        }
        // Each kind's own members, and no other kind's.
        for (member, kinds) in [("horizon_days", [Job.Kind.run, .comparison, .costs, .backtest]), ("warmup_days", [.run, .comparison, .costs]),
                                ("days", [.forecast]), ("at", [.forecast]), ("from", [.backtest]), ("to", [.backtest]),
                                ("every_days", [.backtest]), ("origin_time", [.backtest])] where object[member] != nil && !kinds.contains(kind) {
            let names = kinds.map(\.rawValue)
            throw bad("'\(member)' is for a " + (names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!)
                + ", not a \(kind.rawValue)"
                + (kind == .forecast ? " (a forecast's length is 'days')" : ""))
        }
        func whole(_ key: String, _ range: ClosedRange<Int64>) throws -> Int64? {
            guard let value = object[key] else { return nil }
            guard case .whole(let number) = value, range.contains(number) else {
                throw bad("'\(key)': expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        var ids: [Int64]
        switch kind {
        case .costs where object["scenario_id"] != nil || object["scenario_ids"] == nil:
            guard object["scenario_ids"] == nil else { throw bad("give 'scenario_id' (one scenario's costs) or 'scenario_ids' (a baseline first), not both") }
            guard let id = try whole("scenario_id", 1...Int64.max) else {
                throw bad("'scenario_id': a cost report needs its stored scenario's id (or 'scenario_ids': a baseline, then the scenarios costed against it)")
            }
            ids = [id]
        case .run, .forecast, .backtest:
            guard object["scenario_ids"] == nil else { throw bad("'scenario_ids' is a comparison's; a \(kind.rawValue) takes 'scenario_id'") }
            guard let id = try whole("scenario_id", 1...Int64.max) else {
                throw bad("'scenario_id': a \(kind.rawValue) needs its stored scenario's id")
            }
            ids = [id]
        case .comparison, .costs:
            guard object["scenario_id"] == nil else { throw bad("'scenario_id' is a run's; a comparison takes 'scenario_ids' (the base first)") }
            guard case .list(let list)? = object["scenario_ids"], (2...(JobRequest.variantLimit + 1)).contains(list.count) else {
                throw bad("'scenario_ids': expected 2 to \(JobRequest.variantLimit + 1) stored scenarios' ids, the base first")
            }
            ids = try list.enumerated().map { index, item in
                guard case .whole(let id) = item, id >= 1 else {
                    throw bad("'scenario_ids'[\(index)]: expected a stored scenario's id, a whole number from 1")
                }
                return id
            }
        }
        var seed: UInt64?
        switch object["seed"] {
        case nil: break
        case .whole(let number) where number >= 0: seed = UInt64(number)
        case .large(let number): seed = number
        default: throw bad("'seed': expected a whole number from 0 to \(UInt64.max)")
        }
        let overrides = RunOverrides(
            replications: try whole("replications", (kind == .forecast ? 2 : 1)...Int64(RunOverrides.replicationLimit)).map(Int.init),
            seed: seed, horizonDays: try whole("horizon_days", 1...Int64(RunOverrides.horizonLimit)).map(Int.init),
            warmUpDays: try whole("warmup_days", 0...Int64(RunOverrides.horizonLimit - 1)).map(Int.init))
        var at: LocalDateTime?
        if let value = object["at"] {
            guard case .text(let text) = value, text.utf8.count == 16, Array(text.utf8)[10] == UInt8(ascii: "T"),
                  let local = LocalDateTime(parsing: text) else {
                throw bad("'at': expected a local time YYYY-MM-DDTHH:MM")
            }
            at = local
        }
        var request = JobRequest(kind: kind, scenarioIDs: ids, overrides: overrides, days: try whole("days", 1...366).map(Int.init),
                                 censusAt: at)
        if kind == .backtest {
            func day(_ key: String) throws -> LocalDateTime {
                guard case .text(let text)? = object[key], text.utf8.count == 10, let date = LocalDateTime(parsing: text) else {
                    throw bad("'\(key)': a backtest needs its \(key == "from" ? "first" : "last") origin's day, YYYY-MM-DD")
                }
                return date
            }
            let (from, to) = (try day("from"), try day("to"))
            guard from.localMinutesSinceEpoch <= to.localMinutesSinceEpoch, to.localMinutesSinceEpoch - from.localMinutesSinceEpoch <= 3_660 * 1440 else {
                throw bad("'from' and 'to': the first origin's day, then the last, at most ten years apart")
            }
            var time: LocalTimeOfDay?
            if let value = object["origin_time"] {
                guard case .text(let text) = value, text.utf8.count == 5, let parsed = LocalTimeOfDay(parsing: text) else {
                    throw bad("'origin_time': expected a local time of day HH:MM")
                }
                time = parsed
            }
            request.window = JobRequest.BacktestWindow(from: from, to: to, everyDays: try whole("every_days", 1...366).map(Int.init), at: time)
        }
        return request
    }

    /// A member's value, by what it holds: a whole number (one past Int64 as `large`), text, a list, or anything else.
    enum Member: Decodable, Equatable {
        case whole(Int64), large(UInt64), text(String), list([Member]), other

        init(from decoder: any Decoder) throws {
            // Each shape is tried in turn; a value of none is `other`, which the reader refuses by name.
            if let list = try? decoder.unkeyedContainer() {
                var items: [Member] = [], container = list
                while !container.isAtEnd { items.append(try container.decode(Member.self)) }
                self = .list(items)
                return
            }
            let value = try decoder.singleValueContainer()
            if let number = try? value.decode(Int64.self) { self = .whole(number) }
            else if let number = try? value.decode(UInt64.self) { self = .large(number) }
            else if let text = try? value.decode(String.self) { self = .text(text) }
            else { self = .other }
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "'\(path)': ") + (context.debugDescription.contains("expected") ? context.debugDescription
                : context.debugDescription + " (expected a JSON object of a job request's members)")
        @unknown default:
            return "\(error)"
        }
    }
}

/// A job as the API answers it: the job, its request, its progress and its links.
struct JobDocument: Encodable {
    struct Progress: Encodable {
        /// Replications stored of the job's runs, of `replications` (a backtest's: origins scored, of its origins).
        var replicationsDone: Int
        var replications: Int
        /// What is counted: replications, or a backtest's origins.
        var counts: String
        /// At the job's pace since it started; null until a replication is stored, or when it is not running.
        var secondsLeft: Double?
    }

    struct Links: Encodable {
        var job: String
        var events: String
        var cancel: String
        /// Each run (`/api/v1/runs/ID`), the base first.
        var runs: [String]
        /// A comparison's variants against its base.
        var comparisons: [String]
        /// A cost report's: each scenario's costs against the baseline (or the one scenario's).
        var costs: [String]
        /// A forecast's bands.
        var forecast: String?
        /// A backtest's scores, once it is completed.
        var backtest: String?
    }

    var id: Int64
    var kind: Job.Kind
    var status: Job.Status
    var plan: Int64
    var runs: [Int64]
    var request: JobSettings
    var submittedBy: String
    var submittedAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var attempts: Int
    var cancelRequested: Bool
    var failure: String?
    var progress: Progress
    var links: Links

    static func make(_ job: Job, store: RunStore) throws -> JobDocument {
        let request = try ResultJSON.decode(JobSettings.self, from: Data(job.request.utf8))
        let (done, total) = try store.progress(of: job)
        var left: Double?
        if job.status == .running, let started = job.startedAt, done > 0, done < total {
            // At the pace since this start (a resumed job counts its earlier replications too: optimistic then).
            let elapsed = Date().timeIntervalSince(started)
            left = elapsed > 0 ? Double(total - done) * elapsed / Double(done) : nil
        }
        let base = "/api/v1/jobs/\(job.id)"
        return JobDocument(
            id: job.id, kind: job.kind, status: job.status, plan: job.plan, runs: job.runs, request: request,
            submittedBy: job.submittedBy, submittedAt: job.submittedAt, startedAt: job.startedAt, finishedAt: job.finishedAt,
            attempts: job.attempts, cancelRequested: job.cancelRequested, failure: job.failure,
            progress: Progress(replicationsDone: done, replications: total, counts: job.kind == .backtest ? "origins" : "replications",
                               secondsLeft: left),
            links: Links(job: base, events: base + "/events", cancel: base + "/cancel", runs: job.runs.map { "/api/v1/runs/\($0)" },
                         comparisons: job.kind == .comparison
                             ? job.runs.dropFirst().map { "/api/v1/runs/\($0)/comparison?baseline=\(job.runs[0])" } : [],
                         costs: job.kind != .costs ? [] : job.runs.count == 1 ? ["/api/v1/runs/\(job.runs[0])/costs"]
                             : job.runs.dropFirst().map { "/api/v1/runs/\($0)/costs?baseline=\(job.runs[0])" },
                         forecast: job.kind == .forecast ? "/api/v1/runs/\(job.runs[0])/forecast" : nil,
                         backtest: try job.kind == .backtest ? store.plannedBacktest(job.plan)?.backtest.map { "/api/v1/backtests/\($0)" } : nil))
    }

    static func json(_ job: Job, store: RunStore) throws -> Data { try API.json(try make(job, store: store)) }
}
