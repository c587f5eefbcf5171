import Accounts
import Feed
import FeedStore
import Forecasting
import PatientTwin
import Foundation
import RunStore
import Scenario
import Server
import Store
import Testing
import TestSupport
import Workflows

/// The API's routes walked with every role (Docs/SECURITY.md, "Roles"): what each may read, what is refused and
/// audited, and that nothing patient-level reaches an aggregate answer.
@Suite("the API's routes and roles", .enabled(if: TestDatabase.runs("the API's routes and roles")), .serialized)
struct APIRoleTests {
    /// What the routes are walked on: a stored run (with costs), its scenario (the general hospital's, whose locations
    /// place the feed's patients), a stored backtest, feed messages placing two patients, and one user of each role with
    /// a token.
    struct Fixture {
        let run: Int64
        let scenario: Int64
        let backtest: Int64
        /// A job, cancelled when made (so its event stream ends at once).
        let job: Int64
        let tokens: [Role: String]
        let names: [Role: String]
        /// The census's time: after the fixture's admissions.
        let at = "2031-01-02T12:00"

        /// Each route's path with the fixture's ids and the query it needs.
        func url(_ route: APIRoute) -> String {
            let path = route.path.replacingOccurrences(of: ":id", with: String(route.path.hasPrefix("/api/v1/scenarios") ? scenario
                : route.path.hasPrefix("/api/v1/backtests") ? backtest : route.path.hasPrefix("/api/v1/jobs") ? job : run))
            switch route.path {
            case "/api/v1/runs/:id/comparison": return path + "?baseline=\(run)"
            case "/api/v1/census", "/api/v1/patients": return path + "?scenario_id=\(scenario)&at=\(at)"
            case "/api/v1/forecasts/latest": return path + "?scenario_id=\(scenario)"
            default: return path
            }
        }

        /// The body a route takes, for a role: a planner's forecast from the fixture's census (two replications of a
        /// day), anyone else's run of the fixture's scenario (one replication of three days).
        func body(_ route: APIRoute, _ role: Role) -> String? {
            guard route.body != nil else { return nil }
            switch route.path {
            case "/api/v1/scenarios":
                // A variant of the fixture's scenario, new content for each role (so each is stored: 201).
                return "extends: general-hospital\nname: api-upload-\(scenario)\ndescription: uploaded by a \(role.rawValue)\n"
            case "/api/v1/feed/fhir":
                return #"{"resourceType":"Encounter","id":"api-e1","status":"in-progress","class":{"code":"IMP"},"subject":{"reference":"Patient/api-p1"},"period":{"start":"2040-06-01T09:00:00Z"},"location":[{"location":{"reference":"Location/AMU"}}]}"#
            default: break
            }
            if role == .finance {
                return "{\"kind\": \"costs\", \"scenario_id\": \(scenario), \"replications\": 1, \"horizon_days\": 3, \"warmup_days\": 1}"
            }
            return role == .planner
                ? "{\"kind\": \"forecast\", \"scenario_id\": \(scenario), \"days\": 1, \"at\": \"\(at)\", \"replications\": 2}"
                : "{\"kind\": \"run\", \"scenario_id\": \(scenario), \"replications\": 1, \"horizon_days\": 3, \"warmup_days\": 1}"
        }

        /// The status a role gets from a route its access allows: the route's, but 403 for a planner cancelling the
        /// fixture's job, a run (each kind of job is cancelled by the roles that may start it).
        func status(_ route: APIRoute, _ role: Role) -> Int {
            route.path == "/api/v1/jobs/:id/cancel" && (role == .planner || role == .finance) ? 403 : Int(route.status.code)
        }
    }

    static func fixture() throws -> Fixture {
        let connection = try TestDatabase.connect()
        let store = try RunStore(connection: connection)
        let file = Repository.path("scenarios/general-hospital.yaml")
        let scenario = try Inputs.scenario(file)
        let prepared = try PreparedScenario(scenario, file: file, plan: RunSettings(horizonDays: 10, warmUpDays: 2, replications: 2, seed: 5))
        let simulated = try Simulate.run(prepared, threads: 2, store: store)
        let run = try #require(simulated.runID)
        let stored = try store.storeScenario(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self),
                                             sourcePath: file)
        let report = BacktestReport(settings: .init(scenario: scenario.name, from: "2030-01-01", to: "2030-01-02", horizonDays: 1,
                                                    everyDays: 1, at: "23:59", replications: 2, seed: 1, origins: 2,
                                                    seriesStart: "2029-12-01", events: 0),
                                    rows: [], fans: [], notes: ["a fixture"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let backtest = try store.storeBacktest(scenario: stored, origins: 2, document: try encoder.encode(report))
        // Two admissions in 2031, from a sender of this run's own.
        let feed = try FeedStore(connection: connection, pseudonymiser: try Pseudonymiser(key: Array("a test key of at least thirty-two characters".utf8)),
                                 timeZone: scenario.configuration.timeZone)
        let sender = "API\(UInt32.random(in: 0 ... .max))"
        for n in 1...2 {
            let message = "MSH|^~\\&|PAS|\(sender)|TWIN|RXX|203101010800||ADT^A01|\(sender)\(n)|P|2.5\rEVN|A01|||||203101010800\r"
                + "PID|1||\(sender)-\(n)^^^RXX^MR||Doe^Jo||19400101|F\rPV1|1|I|WD05|E\r"
            _ = try feed.receive(Array(message.utf8), source: "file:api-test")
        }
        let accounts = try AccountStore(connection: connection, bcryptCost: 4)
        var tokens: [Role: String] = [:], names: [Role: String] = [:]
        for role in Role.allCases {
            let name = try UserName("api-\(role.rawValue)-\(getpid())-\(UInt32.random(in: 0 ... .max))")
            _ = try accounts.add(name, role: role, password: nil, by: Actor(name: "cli:test", source: "cli@test"))
            tokens[role] = try accounts.issueToken(for: name, by: Actor(name: "cli:test", source: "cli@test"))
            names[role] = name.value
        }
        let job = try Jobs.submit(JobRequest(kind: .run, scenarioIDs: [stored.id], overrides: RunOverrides(replications: 1, horizonDays: 3, warmUpDays: 1)),
                                  by: "test", store: store)
        _ = try store.requestCancel(job.id)
        return Fixture(run: run, scenario: stored.id, backtest: backtest, job: job.id, tokens: tokens, names: names)
    }

    @Test("every route × every role: 200 where the route's access allows the role, else 403 (a problem document, audited as refused); no token: 401; nothing patient-level in any aggregate answer")
    func matrix() async throws {
        let fixture = try Self.fixture()
        try await withServer { base in
            let client = PlainClient(base: base)
            var patientIDs: Set<String> = []
            var aggregateBodies: [(String, String)] = []
            // Every JSON answer, to hold against the schema the OpenAPI document gives it.
            var answers: [[String: Any]] = []
            for route in API.routes {
                let url = fixture.url(route), method = route.method.rawValue
                let type = route.body?.mediaTypes.first ?? "application/json"
                let anonymous = try await client.send(method, url, form: fixture.body(route, .admin), contentType: type)
                #expect(anonymous.status == 401, "\(url) without a token: \(anonymous.status)")
                for role in Role.allCases {
                    let answer = try await client.send(method, url, form: fixture.body(route, role),
                                                       headers: ["Authorization": "Bearer \(fixture.tokens[role]!)"], contentType: type)
                    if route.produces != .events || answer.status != 200, let body = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) {
                        answers.append(["method": method.lowercased(), "path": OpenAPI.openAPIPath(route.path), "status": String(answer.status),
                                        "type": answer.headers["content-type"] ?? "", "body": body])
                    }
                    if route.access.roles.contains(role) {
                        // The latest forecast of the fixture's scenario is another suite's, if any has completed one yet.
                        let expected = route.path == "/api/v1/forecasts/latest" ? [200, 404] : [fixture.status(route, role)]
                        #expect(expected.contains(answer.status), "\(method) \(url) as \(role): \(answer.status) \(answer.body.prefix(300))")
                        if answer.status == 404 { continue }
                        if answer.status == 403 { continue }
                        if route.produces == .events {
                            #expect(answer.headers["content-type"] == "text/event-stream" && answer.body.hasPrefix("event: end\ndata: "))
                            continue
                        }
                        #expect(answer.headers["content-type"] == (route.produces == .fhir ? "application/fhir+json" : "application/json"))
                        #expect((try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) != nil, "\(url): JSON")
                        if route.access == .patients {
                            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                            for row in object["patients"] as? [[String: Any]] ?? [] {
                                if let id = row["patient_id"] as? String { patientIDs.insert(id) }
                            }
                        } else {
                            aggregateBodies.append((url, answer.body))
                        }
                    } else {
                        #expect(answer.status == 403, "\(url) as \(role): \(answer.status)")
                        #expect(answer.headers["content-type"] == (route.produces == .fhir ? "application/fhir+json" : "application/problem+json")
                            && answer.body.contains("Not allowed for this role"))
                    }
                }
            }
            #expect(patientIDs.count >= 2, "the fixture's two admissions are in the clinician's census")
            try OpenAPITests.checkAnswers(answers)
            for (url, body) in aggregateBodies {
                #expect(!body.contains("patient_id") && !body.contains("\"patients\":["), "\(url) has patient rows")
                for id in patientIDs { #expect(!body.contains(id), "\(url) names patient \(id)") }
            }
        }
        // The jobs the walk queued are cancelled, so that no other suite's job slots work them.
        let store = try RunStore(connection: TestDatabase.connect())
        for job in try store.jobs(before: nil, limit: 100)
        where [fixture.names[.manager], fixture.names[.planner], fixture.names[.finance], fixture.names[.admin]].contains(job.submittedBy) {
            _ = try store.requestCancel(job.id)
        }
        let accounts = try AccountStore(connection: TestDatabase.connect(), migrating: false)
        let viewer = try accounts.auditEntries(actor: fixture.names[.viewer]!)
        #expect(viewer.contains { $0.target == "/api/v1/users" && $0.outcome == .refused && $0.detail.contains("administration") })
        #expect(viewer.contains { $0.target == "/api/v1/runs/\(fixture.run)" && $0.outcome == .allowed && $0.detail == "run \(fixture.run)" })
        let clinician = try accounts.auditEntries(actor: fixture.names[.clinician]!)
        #expect(clinician.contains { $0.target == "/api/v1/patients" && $0.outcome == .allowed && $0.detail.hasPrefix("patients: ") })
        #expect(clinician.contains { $0.target == "/api/v1/runs/\(fixture.run)/costs" && $0.outcome == .refused })
    }

    @Test("a clinician's patients come with each admitted patient's twin forecast, by the census row's id, on the API and the page; a stored scenario whose twin model file lies beside the file it was stored from places the census with it")
    func patientTwins() async throws {
        let fixture = try Self.fixture()
        // A scenario naming a twin model file beside it, stored from its file (as `run --store` stores a calibrated one).
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("twins-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("beside.twin-model.json").path
        try TwinModelFile.write(.builtIn, to: model)
        let file = folder.appendingPathComponent("beside.yaml").path
        try Data("extends: \"\(Repository.path("scenarios/general-hospital.yaml"))\"\nname: beside-\(getpid())\ntwin_model: \"beside.twin-model.json\"\n".utf8)
            .write(to: URL(fileURLWithPath: file))
        let beside = try Inputs.scenario(file)
        let store = try RunStore(connection: TestDatabase.connect())
        let stored = try store.storeScenario(name: beside.name, canonicalJSON: String(decoding: beside.canonicalJSON, as: UTF8.self), sourcePath: file)
        let sessions = try DashboardTests.sessions()
        try await withServer { base in
            let client = PlainClient(base: base)
            let headers = ["Authorization": "Bearer \(fixture.tokens[.clinician]!)"]
            let census = try await client.send("GET", "/api/v1/census?scenario_id=\(stored.id)&at=\(fixture.at)", headers: headers)
            #expect(census.status == 200, "\(census.body.prefix(400))")
            for scenario in [fixture.scenario, stored.id] {
                let answer = try await client.send("GET", "/api/v1/patients?scenario_id=\(scenario)&at=\(fixture.at)", headers: headers)
                #expect(answer.status == 200, "\(answer.body.prefix(400))")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                let rows = try #require(object["patients"] as? [[String: String]])
                let twins = try #require(object["twins"] as? [[String: Any]])
                let admitted = Set(rows.filter { $0["unit"] != "discharged" && ($0["undecided_triage"] ?? "").isEmpty }.compactMap { $0["patient_id"] })
                #expect(admitted.count >= 2 && Set(twins.compactMap { $0["patient_id"] as? String }) == admitted, "\(twins)")
                for twin in twins {
                    let p10 = try #require(twin["remaining_days_p10"] as? Double), p50 = try #require(twin["remaining_days_p50"] as? Double)
                    let p90 = try #require(twin["remaining_days_p90"] as? Double)
                    #expect(0 <= p10 && p10 <= p50 && p50 <= p90 && twin["samples"] as? Int == LiveTwins.defaultSamples, "\(twin)")
                }
            }
            let page = try await client.send("GET", "/patients?scenario_id=\(fixture.scenario)&at=\(fixture.at)", cookies: ["htw_session": sessions[.clinician]!.cookie])
            #expect(page.status == 200 && page.body.contains("ready to leave in, days (median)") && page.body.contains("readmitted within 30 days"))
            // Each of the fixture's two patients on Ward 5 has its forecast's cells: a median, a 10th–90th range, three shares.
            let cells = page.body.components(separatedBy: "<tr>").filter { $0.contains("Ward 5") }
            #expect(cells.count >= 2 && cells.allSatisfy { $0.range(of: #"\d+\.\d–\d+\.\d"#, options: .regularExpression) != nil
                && $0.components(separatedBy: "%<").count >= 4 }, "\(cells.prefix(2))")
        }
        let clinician = try AccountStore(connection: TestDatabase.connect(), migrating: false).auditEntries(actor: fixture.names[.clinician]!)
        #expect(clinician.contains { $0.target == "/api/v1/patients" && $0.detail.hasSuffix("twin forecasts") })
    }

    @Test("queries and paths are strict and bounded: an unknown, repeated, malformed or over-long parameter is a 400 naming it; an unknown id a 404; a list's pages link to the next and end")
    func strictRequests() async throws {
        let fixture = try Self.fixture()
        let token = fixture.tokens[.admin]!
        try await withServer { base in
            let client = PlainClient(base: base)
            func get(_ path: String) async throws -> PlainClient.Answer {
                try await client.send("GET", path, headers: ["Authorization": "Bearer \(token)"])
            }
            for (path, status, says) in [
                ("/api/v1/runs?colour=red", 400, "query parameter 'colour' is not one of this route's: after, limit, scenario"),
                ("/api/v1/runs?limit=2&limit=3", 400, "'limit' is given more than once"),
                ("/api/v1/runs?limit=0", 400, "'limit': expected a whole number from 1 to 200"),
                ("/api/v1/runs?limit=201", 400, "expected a whole number from 1 to 200"),
                ("/api/v1/runs?limit=%D9%A1", 400, "expected a whole number"),
                ("/api/v1/runs?after=-1", 400, "'after': expected a whole number"),
                ("/api/v1/runs?scenario=%FF", 400, "not percent-encoded UTF-8"),
                ("/api/v1/runs?scenario=a%00b", 400, "without control characters"),
                ("/api/v1/runs?limit=5&" + String(repeating: "x", count: 3000), 400, "at most 2048"),
                ("/api/v1/me?x=1", 400, "it takes none"),
                ("/api/v1/runs/abc", 400, "path parameter 'id': expected a whole number from 1"),
                ("/api/v1/runs/0", 400, "expected a whole number from 1"),
                ("/api/v1/runs/99999999999999999999", 400, "expected a whole number from 1"),
                ("/api/v1/runs/999999999", 404, "no run has id 999999999"),
                ("/api/v1/scenarios/999999999", 404, "no scenario has id 999999999"),
                ("/api/v1/backtests/999999999", 404, "no backtest has id 999999999"),
                ("/api/v1/runs/\(fixture.run)/comparison", 400, "query parameter 'baseline'"),
                ("/api/v1/runs/\(fixture.run)/comparison?baseline=999999999", 404, "no run has id 999999999"),
                ("/api/v1/census", 400, "query parameter 'scenario_id'"),
                ("/api/v1/census?scenario_id=\(fixture.scenario)&at=tomorrow", 400, "query parameter 'at': expected a local time"),
                ("/api/v1/nothing", 404, "no such route"),
            ] {
                let answer = try await get(path)
                #expect(answer.status == status && answer.body.contains(says)
                        && answer.headers["content-type"] == "application/problem+json", "\(path.prefix(80)): \(answer.status) \(answer.body)")
            }
            // Pages: a page of 1 links to the next, which continues below it; the pages never repeat a run.
            // The fixture has stored two runs (this test's and the matrix's), so at least two pages.
            var seen: [Int] = []
            var next: String? = "/api/v1/runs?limit=1"
            for _ in 0..<3 {
                guard let path = next else { break }
                let answer = try await get(path)
                #expect(answer.status == 200, "\(answer.body)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                let items = try #require(object["items"] as? [[String: Any]])
                #expect(items.count == 1, "a page with a next link, or the last, holds one run: \(answer.body.prefix(200))")
                seen += items.compactMap { $0["id"] as? Int }
                next = object["next"] as? String
            }
            #expect(seen.count >= 2 && seen.count == Set(seen).count && seen == seen.sorted(by: >), "\(seen)")
            let all = try await get("/api/v1/runs?limit=200")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(all.body.utf8)) as? [String: Any])
            if ((object["items"] as? [Any])?.count ?? 0) < 200 { #expect(object["next"] is NSNull, "the last page has no next") }
            let last = try await get("/api/v1/runs?limit=1&after=\(seen.min() ?? 1)")
            #expect(last.status == 200)
        }
    }
}
