import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports
import RunRecords
import RunStore
import Scenario
import Simulation
import Store
import Workflows

/// Who may call a route, by what it serves (Docs/SECURITY.md, "Roles"): stated once here; the router checks it, the
/// audit log records it, and a test walks every route with every role.
public enum Access: String, Sendable, Hashable, CaseIterable {
    /// Any signed-in user: who they are.
    case anyone
    /// Aggregate figures — runs and their KPIs, forecasts, comparisons, backtests, scenarios, the census per unit —
    /// for every role.
    case aggregate
    /// Cost reports: finance, and admin.
    case costs
    /// Patient-level data (pseudonymous ids, each patient's census row): clinician, and admin; only on routes whose
    /// paths say so (`/api/v1/patients…`).
    case patients
    /// Users and the audit log: admin.
    case administration
    /// Uploading scenarios (new versions; nothing stored is changed): manager, who writes the variants, and admin.
    case scenarios
    /// Storing the hospital's messages through the FHIR intake: admin (a feed system's account).
    case feed
    /// Starting and cancelling the server's jobs: manager (runs and comparisons), planner (forecasts and backtests),
    /// finance (cost reports), and admin; each kind of job further allows only its own roles (`JobBody.roles`).
    case simulations

    /// The roles allowed.
    public var roles: Set<Role> {
        switch self {
        case .anyone, .aggregate: Set(Role.allCases)
        case .costs: [.finance, .admin]
        case .patients: [.clinician, .admin]
        case .administration, .feed: [.admin]
        case .scenarios: [.manager, .admin]
        case .simulations: [.manager, .planner, .finance, .admin]
        }
    }
}

/// A query parameter of the API: each name means one thing on every route that takes it, stated once here (the
/// OpenAPI document is written from it).
public enum QueryParameter: String, Sendable, Hashable, CaseIterable, Comparable {
    /// See `description` for each.
    case limit, after, scenario, scenarioID = "scenario_id", at, baseline, user

    /// What it holds.
    public var description: String {
        switch self {
        case .limit: "Items in a page, 1-\(API.pageLimit) (default \(API.defaultPage))."
        case .after: "The last id of the page before (the next page continues below it)."
        case .scenario: "A scenario's name: only its runs."
        case .scenarioID: "The id of the stored scenario whose units, locations and time zone place the feed's patients."
        case .at: "The census's local time, YYYY-MM-DDTHH:MM (default: now)."
        case .baseline: "The id of the run to compare with (the same seed and replications)."
        case .user: "A user's name: only the entries of that actor."
        }
    }

    /// Its JSON Schema, as YAML flow text.
    var schema: String {
        switch self {
        case .limit: "{type: integer, minimum: 1, maximum: \(API.pageLimit)}"
        case .after, .scenarioID, .baseline: "{type: integer, minimum: 1}"
        case .scenario: "{type: string, minLength: 1, maxLength: 200}"
        case .at: "{type: string, pattern: \"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$\"}"
        case .user: "{type: string, minLength: 1, maxLength: 63}"
        }
    }

    /// By name, as the document lists them.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One route of the API: its method, its path (Hummingbird's pattern, `:id` a path parameter), who may call it, the
/// query parameters it takes, and what it answers. `API.routes` lists them all; the router is built from the list,
/// and the OpenAPI document and the role matrix test are checked against it.
public struct APIRoute: Sendable {
    /// What a route answers with.
    public enum Produces: Sendable, Hashable {
        /// One JSON document.
        case json
        /// Server-sent events (`text/event-stream`): the handler's answer each second, as a `progress` event, until
        /// it says it is final (an `end` event).
        case events
        /// FHIR R4 JSON (`application/fhir+json`): an OperationOutcome, also for every error (FHIR's own error form).
        case fhir
    }

    /// A body a route takes: its media types (the first is the one documented first), its JSON Schema as YAML
    /// lines, and its most bytes.
    public struct Body: Sendable {
        /// The media types accepted (`Content-Type`, compared without parameters, case-insensitively).
        public let mediaTypes: [String]
        /// Its JSON Schema, as YAML lines.
        public let schema: [String]
        /// The most bytes (413 beyond).
        public let limit: Int

        /// A JSON body of at most `API.bodyLimit` bytes.
        static func json(_ schema: [String]) -> Body { Body(mediaTypes: ["application/json"], schema: schema, limit: API.bodyLimit) }
    }

    /// GET to read; POST to start or change something (it takes a JSON body when `body` says so).
    public let method: HTTPRequest.Method
    /// Under `/api/v1`, `:id` a path parameter (a whole number from 1).
    public let path: String
    /// Who may call it.
    public let access: Access
    /// The query parameters it accepts (any other is refused with a 400 naming it), and those it needs.
    public let query: Set<QueryParameter>
    /// Of `query`, those a request must give (else a 400 naming it).
    public var required: Set<QueryParameter> = []
    /// One line: what it answers.
    public let summary: String
    /// The status of a success: 200, or 202 for a job queued.
    public let status: HTTPResponse.Status
    /// The body it takes; nil: it takes none.
    public let body: Body?
    /// JSON, or a stream of events.
    public let produces: Produces
    /// The name of its JSON answer's schema in the OpenAPI document's components (`Job`, `RunPage`).
    public let answer: String
    let handle: @Sendable (APIRequest) throws -> APIAnswer

    init(method: HTTPRequest.Method, path: String, access: Access, query: Set<QueryParameter>, required: Set<QueryParameter> = [],
         status: HTTPResponse.Status = .ok, body: Body? = nil, produces: Produces = .json, answer: String = "Job",
         summary: String, handle: @escaping @Sendable (APIRequest) throws -> APIAnswer)
    {
        self.method = method
        self.path = path
        self.access = access
        self.query = query
        self.required = required
        self.status = status
        self.body = body
        self.produces = produces
        self.answer = answer
        self.summary = summary
        self.handle = handle
    }
}

/// What a handler is given: the caller, the path's id, the query's values (checked against the route's names), and a
/// database connection (on the thread pool).
struct APIRequest {
    let user: User
    let id: Int64?
    let query: [QueryParameter: String]
    let connection: DatabaseConnection
    /// The route's path with its id, for `next` links.
    let path: String
    /// The request's body (of the route's media types and limit), for a route that takes one.
    var body: Data? = nil
    /// The server's feed intake, for the routes that store messages (nil: this server has no pseudonym key).
    var feed: FeedIntake? = nil

    /// A whole-number query value from `range`, nil when absent; a 400 naming the parameter otherwise.
    func number(_ parameter: QueryParameter, in range: ClosedRange<Int64>) throws -> Int64? {
        let name = parameter.rawValue
        guard let text = query[parameter] else { return nil }
        guard text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text), range.contains(value) else {
            throw ProblemError(status: .badRequest, title: "A query parameter is malformed",
                               detail: "query parameter '\(name)': expected a whole number from \(range.lowerBound) to \(range.upperBound), "
                                   + "found '\(text.prefix(40))'")
        }
        return value
    }

    /// The page size (`limit`, 1–200, default 50) and the cursor (`after`: the last id of the page before).
    func page() throws -> (limit: Int, after: Int64?) {
        (Int(try number(.limit, in: 1...Int64(API.pageLimit)) ?? Int64(API.defaultPage)), try number(.after, in: 1...Int64.max))
    }
}

/// What a handler answers: JSON (already encoded), and what it read, for the audit log.
struct APIAnswer {
    let json: Data
    /// "run 12", "runs 12, 11, 10", "patients: 431 rows of scenario 3" — what the audit log records as read.
    let read: String
    /// For an event stream: true when this is the last event.
    var final = true
    /// The status when it is not the route's own (an upload of content already stored: 200, not 201).
    var status: HTTPResponse.Status? = nil
}

/// The API under `/api/v1` (Docs/SERVER.md): JSON, paginated where it lists, errors as problem documents (RFC 9457);
/// reads, and the jobs that start runs and comparisons.
public enum API {
    /// The most items a page holds, and how many when `limit` is not given.
    public static let pageLimit = 200
    /// Items a page holds when `limit` is not given.
    public static let defaultPage = 50
    /// The longest query string accepted, bytes.
    public static let queryLimit = 2_048

    /// Every route of the API.
    public static let routes: [APIRoute] = reads + scenarioRoutes + jobRoutes + feedRoutes

    /// The routes that read what is stored.
    static let reads: [APIRoute] = [
        APIRoute(method: .get, path: "/api/v1/me", access: .anyone, query: [], answer: "Who", summary: "The caller's name and role.") { request in
            APIAnswer(json: try json(["name": request.user.name, "role": request.user.role.rawValue]), read: "")
        },
        APIRoute(method: .get, path: "/api/v1/scenarios", access: .aggregate, query: [.limit, .after], answer: "ScenarioPage",
                 summary: "Stored scenarios, newest first, a page at a time.") { request in
            try listed(request, "scenarios", id: \.id) { before, limit in
                try RunStore(connection: request.connection, migrating: false).scenarios(before: before, limit: limit)
            }
        },
        APIRoute(method: .get, path: "/api/v1/scenarios/:id", access: .aggregate, query: [], answer: "StoredScenario",
                 summary: "A stored scenario: its listing and its document (the merged scenario, canonical JSON).") { request in
            let id = request.id!
            guard let (listing, document) = try RunStore(connection: request.connection, migrating: false).scenario(id) else {
                throw notFound("scenario", id)
            }
            let head = try ResultJSON.encoder().encode(listing)
            return APIAnswer(json: object(["scenario": head, "document": Data(document.utf8)]), read: "scenario \(id)")
        },
        APIRoute(method: .get, path: "/api/v1/runs", access: .aggregate, query: [.limit, .after, .scenario], answer: "RunPage",
                 summary: "Stored runs, newest first, a page at a time; of one scenario name with `scenario`.") { request in
            let scenario = request.query[.scenario]
            if let scenario, scenario.isEmpty || scenario.utf8.count > 200 {
                throw ProblemError(status: .badRequest, title: "A query parameter is malformed",
                                   detail: "query parameter 'scenario': expected a scenario name of 1 to 200 bytes")
            }
            return try listed(request, "runs", id: \.id, extra: scenario.map { ["scenario": $0] } ?? [:]) { before, limit in
                try RunStore(connection: request.connection, migrating: false).runs(scenario: scenario, before: before, limit: limit)
            }
        },
        APIRoute(method: .get, path: "/api/v1/runs/:id", access: .aggregate, query: [], answer: "RunSummary",
                 summary: "A run's record and, once completed, its summary: every metric's mean, standard deviation and 95% half-width over the replications.") { request in
            let id = request.id!
            let store = try RunStore(connection: request.connection, migrating: false)
            guard try store.hasRun(id) else { throw notFound("run", id) }
            let record = try store.record(id)
            let summary: Data
            if record.status == .completed, let known = completedSummaries.value(id) {
                summary = known
            } else {
                summary = try json(try store.summary(of: id))
                if record.status == .completed { completedSummaries.keep(summary, for: id) }
            }
            return APIAnswer(json: object(["run": try json(record), "summary": summary]), read: "run \(id)")
        },
        APIRoute(method: .get, path: "/api/v1/runs/:id/forecast", access: .aggregate, query: [], answer: "Forecast",
                 summary: "A completed run's bed-demand bands per unit and day, and the chance of running out of staffed beds.") { request in
            let id = request.id!
            let store = try RunStore(connection: request.connection, migrating: false)
            guard try store.hasRun(id) else { throw notFound("run", id) }
            return APIAnswer(json: try answer(.forecast, id, baseline: nil, store: store), read: "run \(id)")
        },
        APIRoute(method: .get, path: "/api/v1/runs/:id/comparison", access: .aggregate, query: [.baseline], required: [.baseline], answer: "Comparison",
                 summary: "A completed run against a baseline run of the same seed and replications: paired differences with intervals.") { request in
            let id = request.id!
            guard let baseline = try request.number(.baseline, in: 1...Int64.max) else {
                throw ProblemError(status: .badRequest, title: "A query parameter is missing",
                                   detail: "query parameter 'baseline': the id of the run to compare with")
            }
            let store = try RunStore(connection: request.connection, migrating: false)
            for run in [id, baseline] where try !store.hasRun(run) { throw notFound("run", run) }
            return APIAnswer(json: try answer(.run, id, baseline: baseline, store: store), read: "runs \(id), \(baseline)")
        },
        APIRoute(method: .get, path: "/api/v1/runs/:id/costs", access: .costs, query: [.baseline], answer: "CostReport",
                 summary: "A completed run's cost report by cost centre, category and month; against a baseline run with `baseline`.") { request in
            let id = request.id!
            let baseline = try request.number(.baseline, in: 1...Int64.max)
            let store = try RunStore(connection: request.connection, migrating: false)
            for run in [id] + (baseline.map { [$0] } ?? []) where try !store.hasRun(run) { throw notFound("run", run) }
            return APIAnswer(json: try answer(.costs, id, baseline: baseline, store: store),
                             read: baseline.map { "runs \(id), \($0)" } ?? "run \(id)")
        },
        APIRoute(method: .get, path: "/api/v1/forecasts/latest", access: .aggregate, query: [.scenarioID], required: [.scenarioID], answer: "Forecast",
                 summary: "The latest completed forecast from a census (the live census's, or a census file's) of the stored scenario's name: its bands per unit and day, and the chance of running out of staffed beds.") { request in
            guard let id = try request.number(.scenarioID, in: 1...Int64.max) else {
                throw ProblemError(status: .badRequest, title: "A query parameter is missing", detail: "query parameter 'scenario_id': the stored scenario")
            }
            let store = try RunStore(connection: request.connection, migrating: false)
            guard let (listing, _) = try store.scenario(id) else { throw notFound("scenario", id) }
            guard let run = try store.latestForecast(scenario: listing.name) else {
                throw ProblemError(status: .notFound, title: "No forecast yet",
                                   detail: "no completed forecast of \(listing.name) is stored: POST /api/v1/jobs {\"kind\": \"forecast\", \"scenario_id\": \(id)}")
            }
            return APIAnswer(json: try answer(.forecast, run, baseline: nil, store: store), read: "run \(run)")
        },
        APIRoute(method: .get, path: "/api/v1/backtests", access: .aggregate, query: [.limit, .after], answer: "BacktestPage",
                 summary: "Stored backtests, newest first, a page at a time: each one's scenario, origins and when it was stored.") { request in
            try listed(request, "backtests", id: \.id) { before, limit in
                try RunStore(connection: request.connection, migrating: false).backtests(before: before, limit: limit)
            }
        },
        APIRoute(method: .get, path: "/api/v1/backtests/:id", access: .aggregate, query: [], answer: "Backtest",
                 summary: "A stored backtest: every method's scores per group, unit and horizon day, its fans and notes.") { request in
            let id = request.id!
            let store = try RunStore(connection: request.connection, migrating: false)
            guard try store.backtestDocument(id) != nil else { throw notFound("backtest", id) }
            return APIAnswer(json: try answer(.backtest, id, baseline: nil, store: store), read: "backtest \(id)")
        },
        APIRoute(method: .get, path: "/api/v1/census", access: .aggregate, query: [.scenarioID, .at], required: [.scenarioID], answer: "Census",
                 summary: "The census from the feed's event log at `at` (default now), per unit of stored scenario `scenario`, in aggregate.") { request in
            let (scenarioID, census) = try liveCensus(request)
            return APIAnswer(json: try ResultJSON.encoder().encode(census.aggregate), read: "census of scenario \(scenarioID)")
        },
        APIRoute(method: .get, path: "/api/v1/patients", access: .patients, query: [.scenarioID, .at], required: [.scenarioID], answer: "Patients",
                 summary: "Each patient of the census (pseudonymous), as the census file has them, and each admitted patient's twin forecast.") { request in
            let (id, read) = try liveRead(request)
            let census = read.summary
            let twins = try liveTwins(read)
            return APIAnswer(json: object(["at": try json(census.at), "patients": try ResultJSON.encoder().encode(census.patients),
                                           "twins": try ResultJSON.encoder().encode(twins)]),
                             read: "patients: \(census.patients.count) rows of the census of scenario \(id), \(twins.count) twin forecasts")
        },
        APIRoute(method: .get, path: "/api/v1/users", access: .administration, query: [.limit, .after], answer: "UserPage",
                 summary: "Accounts, newest first, a page at a time: name, role, whether it has a password, active tokens, when made and disabled.") { request in
            try listed(request, "users", id: \.id) { before, limit in
                try AccountStore(connection: request.connection, migrating: false).users(before: before, limit: limit)
            }
        },
        APIRoute(method: .get, path: "/api/v1/audit", access: .administration, query: [.limit, .after, .user], answer: "AuditPage",
                 summary: "The audit log, newest first, a page at a time; of one user with `user`.") { request in
            let user = request.query[.user]
            if let user, user.isEmpty || user.utf8.count > 63 {
                throw ProblemError(status: .badRequest, title: "A query parameter is malformed",
                                   detail: "query parameter 'user': expected a user name of 1 to 63 bytes")
            }
            return try listed(request, "audit entries", id: \.id, extra: user.map { ["user": $0] } ?? [:]) { before, limit in
                try AccountStore(connection: request.connection, migrating: false).auditEntries(actor: user, before: before, limit: limit)
            }
        },
    ]

    /// The encoded summaries of completed runs: a completed run's summary never changes, and it is the largest
    /// answer the API encodes often (every metric of the run; encoding it was a fifth of a loaded server's CPU).
    static let completedSummaries = KeptAnswers<Data, Int64>(limit: 512)

    // MARK: Answers

    /// A stored answer (`StoredAnswers`, as `report` renders it) as JSON; a 422 for what the runs cannot answer (not
    /// completed, not paired, no cost lines), a 503 when the database fails.
    static func answer(_ kind: StoredReportKind, _ id: Int64, baseline: Int64?, store: RunStore) throws -> Data {
        let answer: StoredAnswer
        do { answer = try StoredAnswers.answer(kind, run: id, baseline: baseline, detect: 0.05, in: store) } catch {
            switch error.kind {
            case .store where "\(error)".contains("only a completed run has results"):
                throw ProblemError(status: .unprocessableContent, title: "The run has no results", detail: "\(error)")
            case .store: throw ProblemError(status: .serviceUnavailable, title: "The database failed", detail: "\(error)")
            default: throw ProblemError(status: .unprocessableContent, title: "The runs cannot answer this", detail: "\(error)")
            }
        }
        switch answer {
        case .run(let result): return try HospitalReports.json(result)
        case .comparison(let report): return try ComparisonReports.json(report)
        case .costs(let report): return try CostReports.json(report)
        case .forecast(let forecast): return try ForecastReports.json(forecast)
        case .backtest(let report): return try BacktestReports.json(report)
        }
    }

    /// The live census of the stored scenario the `scenario` query names, at `at` (local, YYYY-MM-DDTHH:MM; default
    /// now).
    static func liveCensus(_ request: APIRequest) throws -> (Int64, LiveCensusSummary) {
        let (id, read) = try liveRead(request)
        return (id, read.summary)
    }

    /// The live census the request's `scenario_id` and `at` ask for, as read.
    static func liveRead(_ request: APIRequest) throws -> (Int64, LiveRead) {
        guard let id = try request.number(.scenarioID, in: 1...Int64.max) else {
            throw ProblemError(status: .badRequest, title: "A query parameter is missing",
                               detail: "query parameter 'scenario_id': the id of the stored scenario whose units and locations place the patients")
        }
        return (id, try liveRead(scenario: id, at: request.query[.at], connection: request.connection))
    }

    /// The live census of stored scenario `id` at `at` (local, YYYY-MM-DDTHH:MM; nil: now): a 404, 422 or 400 problem
    /// when it cannot be read.
    static func liveCensus(scenario id: Int64, at: String?, connection: DatabaseConnection) throws -> LiveCensusSummary {
        let read = try liveRead(scenario: id, at: at, connection: connection)
        return read.summary
    }

    /// A live census as read, with the scenario that placed it (built as its jobs build it: a twin model file it names
    /// read beside the file it was stored from) and its time (epoch minutes).
    struct LiveRead {
        let scenario: Scenario
        let census: LiveCensus
        let minute: Double
        let events: Int

        /// The census as the API answers it.
        var summary: LiveCensusSummary { LiveCensusSummary(census, at: minute, events: events, scenario: scenario) }
    }

    /// The twin forecasts of a live census's admitted patients: `LiveTwins.defaultSamples` trajectories each from
    /// seed `twinSeed`, on one thread (a request shares the server's cores); a 422 problem when the twin model cannot
    /// forecast them.
    static func liveTwins(_ read: LiveRead) throws -> [LiveTwins.Patient] {
        do { return try LiveTwins.forecast(read.census, at: read.minute, scenario: read.scenario, seed: twinSeed, threads: 1) } catch {
            throw ProblemError(status: .unprocessableContent, title: "The twins cannot forecast this census", detail: "\(error)")
        }
    }

    /// The seed of the twin forecasts the server shows: the same census gives the same figures.
    static let twinSeed: UInt64 = 1

    /// The live census of stored scenario `id` at `at`, as `liveCensus(scenario:at:connection:)` reads it.
    static func liveRead(scenario id: Int64, at: String?, connection: DatabaseConnection) throws -> LiveRead {
        let store = try RunStore(connection: connection, migrating: false)
        guard let (listing, _) = try store.scenario(id) else { throw notFound("scenario", id) }
        let scenario: Scenario
        do { scenario = try Jobs.storedScenario(id, store: store).scenario } catch {
            throw ProblemError(status: error.kind == .store ? .serviceUnavailable : .unprocessableContent, title: "The scenario cannot be built here",
                               detail: "scenario \(id) (\(listing.name)): " + error.messages.prefix(3).joined(separator: "; "))
        }
        let minute: Double
        if let text = at {
            guard text.count <= 16, let local = LocalDateTime(parsing: text) else {
                throw ProblemError(status: .badRequest, title: "A query parameter is malformed",
                                   detail: "query parameter 'at': expected a local time YYYY-MM-DDTHH:MM, found '\(text.prefix(40))'")
            }
            minute = ForecastStart.epochMinute(of: local, in: scenario.configuration.timeZone)
        } else {
            minute = (Date().timeIntervalSince1970 / 60).rounded(.down)
        }
        let read: (census: LiveCensus, events: Int)
        do { read = try LiveCensus.read(at: minute, scenario: scenario, connection: connection) } catch {
            throw ProblemError(status: error.kind == .store ? .serviceUnavailable : .unprocessableContent,
                               title: "The census cannot be read", detail: "\(error)")
        }
        return LiveRead(scenario: scenario, census: read.census, minute: minute, events: read.events)
    }

    // MARK: JSON

    static func notFound(_ what: String, _ id: Int64) -> ProblemError {
        ProblemError(status: .notFound, title: "No such \(what)", detail: "no \(what) has id \(id)")
    }

    /// `value` in the results' JSON form, times in ISO 8601.
    static func json(_ value: some Encodable) throws -> Data {
        let encoder = ResultJSON.encoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }

    /// A JSON object of already-encoded members, keys sorted.
    static func object(_ members: [String: Data]) -> Data {
        var out = Data("{".utf8)
        for (index, key) in members.keys.sorted().enumerated() {
            if index > 0 { out += Data(",".utf8) }
            out += Data("\"\(key)\":".utf8) + members[key]!
        }
        return out + Data("}".utf8)
    }

    /// A page of what `fetch` lists below the request's `after` cursor (asked for one more than the page holds, so
    /// that the last page is known), `extra` the query the next page's link keeps; the audit log records `what` and
    /// the ids shown.
    static func listed<Item: Encodable>(_ request: APIRequest, _ what: String, id: (Item) -> Int64, extra: [String: String] = [:],
                                        _ fetch: (_ before: Int64?, _ limit: Int) throws -> [Item]) throws -> APIAnswer
    {
        let (limit, after) = try request.page()
        let found = try fetch(after, limit + 1)
        let shown = Array(found.prefix(limit))
        return APIAnswer(json: try page(shown, next: found.count > limit ? shown.last.map(id) : nil, limit: limit, path: request.path,
                                        extra: extra),
                         read: "\(what) " + shown.map { String(id($0)) }.joined(separator: ", "))
    }

    /// A page: `{"items": […], "next": "/api/v1/…?limit=N&after=ID" or null}`.
    static func page(_ items: some Encodable, next: Int64?, limit: Int, path: String, extra: [String: String] = [:]) throws -> Data {
        var link: String?
        if let next {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let more = extra.sorted { $0.key < $1.key }
                .map { "&\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined()
            link = "\(path)?limit=\(limit)&after=\(next)\(more)"
        }
        return object(["items": try json(items), "next": try link.map { try json($0) } ?? Data("null".utf8)])
    }

    // MARK: Requests

    /// The query string's values, each name once and among `allowed`, percent-decoded to UTF-8 without control
    /// characters; a 400 problem naming what is wrong otherwise.
    static func query(_ raw: String, allowed: Set<QueryParameter>) throws -> [QueryParameter: String] {
        let values = try queryValues(raw, allowed: Set(allowed.map(\.rawValue)))
        return Dictionary(uniqueKeysWithValues: values.map { (QueryParameter(rawValue: $0.key)!, $0.value) })
    }

    /// A query string read strictly, for the API and the dashboard's pages alike: at most `queryLimit` bytes, each
    /// name once and among `allowed`, each value percent-encoded UTF-8 without control characters; a 400 problem
    /// naming the parameter otherwise.
    static func queryValues(_ raw: String, allowed: Set<String>) throws -> [String: String] {
        guard raw.utf8.count <= queryLimit else {
            throw ProblemError(status: .badRequest, title: "The query is too long",
                               detail: "the query string has \(raw.utf8.count) bytes; at most \(queryLimit)")
        }
        var values: [String: String] = [:]
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard let value = Form.decode(parts.count == 2 ? parts[1] : ""),
                  !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw ProblemError(status: .badRequest, title: "A query parameter is malformed",
                                   detail: "query parameter '\(name.prefix(40))': not percent-encoded UTF-8 text without control characters")
            }
            guard allowed.contains(name) else {
                throw ProblemError(status: .badRequest, title: "Unknown query parameter",
                                   detail: "query parameter '\(name.prefix(40))' is not one of this route's: "
                                       + (allowed.isEmpty ? "it takes none" : allowed.sorted().joined(separator: ", ")))
            }
            guard values[name] == nil else {
                throw ProblemError(status: .badRequest, title: "A query parameter is repeated",
                                   detail: "query parameter '\(name)' is given more than once")
            }
            values[name] = value
        }
        return values
    }

    /// The path's id: a whole number from 1, at most 19 digits; a 400 problem otherwise.
    static func pathID(_ text: String?) throws -> Int64 {
        guard let text, text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(text), id >= 1 else {
            throw ProblemError(status: .badRequest, title: "The path is malformed",
                               detail: "path parameter 'id': expected a whole number from 1, found '\(String(text ?? "").prefix(40))'")
        }
        return id
    }
}

/// Answers that never change (a completed run's), by key, the `limit` most recently kept.
final class KeptAnswers<Value: Sendable, Key: Hashable & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Key: Value] = [:]
    private var order: [Key] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func value(_ id: Key) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return answers[id]
    }

    func keep(_ data: Value, for id: Key) {
        lock.lock()
        defer { lock.unlock() }
        guard answers.updateValue(data, forKey: id) == nil else { return }
        order.append(id)
        if order.count > limit { answers[order.removeFirst()] = nil }
    }
}
