import Accounts
import Feed
import FeedStore
import Foundation
import HospitalModel
import RunRecords
import Reports
import RunStore
import Scenario
import Server
import Store
import Testing
import TestSupport
import Workflows

/// The server's jobs (Docs/SERVER.md, "Jobs") through the API, with job slots of the server's own: a run and a
/// comparison queued, followed as events, and their stored runs equal to a one-process run's; a job cancelled; a job
/// interrupted by a server stopping, and one left running by a server that died, resumed to the same result; requests
/// that are not a job's refused, each naming what is wrong.
@Suite("the server's jobs", .enabled(if: TestDatabase.runs("the server's jobs")), .serialized)
struct JobTests {
    /// A manager's token and the ids of the general hospital and its night-nurse variant, stored.
    struct Fixture {
        let token: String
        let plannerToken: String
        let base: Int64
        let variant: Int64
    }

    static func fixture() throws -> Fixture {
        let connection = try TestDatabase.connect()
        let store = try RunStore(connection: connection)
        var ids: [Int64] = []
        for name in ["general-hospital.yaml", "general-hospital-night-nurses.yaml"] {
            let file = Repository.path("scenarios/\(name)")
            let scenario = try Inputs.scenario(file)
            ids.append(try store.storeScenario(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self),
                                               sourcePath: file).id)
        }
        let accounts = try AccountStore(connection: connection, bcryptCost: 4)
        var tokens: [String] = []
        for role in [Role.manager, .planner] {
            let name = try UserName("jobs-\(role.rawValue)-\(getpid())-\(UInt32.random(in: 0 ... .max))")
            _ = try accounts.add(name, role: role, password: nil, by: Actor(name: "cli:test", source: "cli@test"))
            tokens.append(try accounts.issueToken(for: name, by: Actor(name: "cli:test", source: "cli@test")))
        }
        return Fixture(token: tokens[0], plannerToken: tokens[1], base: ids[0], variant: ids[1])
    }

    static func runner(slots: Int = 1) throws -> JobRunner {
        JobRunner(url: try #require(TestDatabase.url), slots: slots, threadsPerJob: 2, pollSeconds: 0.1)
    }

    /// The one-process run of the general hospital with these settings, as `run --store` makes it.
    static func oneProcess(_ file: String, _ settings: RunSettings) throws -> SimulatedScenario {
        let path = Repository.path("scenarios/\(file)")
        return try Simulate.run(try PreparedScenario(try Inputs.scenario(path), file: path, plan: settings), threads: 2)
    }

    /// Stored run `id`'s replications and costs, as JSON bytes.
    static func stored(_ id: Int64) throws -> (kpis: Data, costs: Data) {
        let store = try RunStore(connection: TestDatabase.connect())
        let encoder = ResultJSON.encoder()
        return (try encoder.encode(try store.result(of: id).replications), try encoder.encode(try #require(try store.costs(of: id))))
    }

    static func post(_ client: PlainClient, _ path: String, _ body: String, token: String) async throws -> PlainClient.Answer {
        try await client.send("POST", path, form: body, headers: ["Authorization": "Bearer \(token)"], contentType: "application/json")
    }

    static func object(_ answer: PlainClient.Answer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "\(answer.body.prefix(300))")
    }

    /// Job `id` as the API has it, polled until `done` says so (at most `seconds`).
    static func waitFor(_ client: PlainClient, job id: Int64, token: String, seconds: Double = 120,
                        _ done: ([String: Any]) -> Bool) async throws -> [String: Any]
    {
        let end = Date().addingTimeInterval(seconds)
        while true {
            let job = try object(try await client.send("GET", "/api/v1/jobs/\(id)", headers: ["Authorization": "Bearer \(token)"]))
            if done(job) || Date() > end { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("a run and a comparison queued through the API: 202 at once, progress as server-sent events to 'end', and their stored runs equal, byte for byte, to the same runs made in one process")
    func runAndComparison() async throws {
        let fixture = try Self.fixture()
        let settings = RunSettings(horizonDays: 40, warmUpDays: 10, replications: 6, seed: 21)
        try await withServer(runners: [try Self.runner()]) { base in
            let client = PlainClient(base: base)
            let queued = try await Self.post(client, "/api/v1/jobs", """
                {"kind": "run", "scenario_id": \(fixture.base), "replications": 6, "seed": 21, "horizon_days": 40, "warmup_days": 10}
                """, token: fixture.token)
            #expect(queued.status == 202, "\(queued.body)")
            let job = try Self.object(queued)
            let id = Int64(try #require(job["id"] as? Int))
            #expect(["queued", "running"].contains(job["status"] as? String))
            let request = try #require(job["request"] as? [String: Any])
            #expect(request["replications"] as? Int == 6 && request["horizon_days"] as? Int == 40)

            // The events: progress while it waits or runs, then one end, the job completed.
            let events = try await client.send("GET", "/api/v1/jobs/\(id)/events", headers: ["Authorization": "Bearer \(fixture.token)"])
            #expect(events.status == 200 && events.headers["content-type"] == "text/event-stream")
            let names = events.body.split(separator: "\n").filter { $0.hasPrefix("event: ") }
            #expect(names.last == "event: end" && names.dropLast().allSatisfy { $0 == "event: progress" }, "\(names)")
            let done = try await Self.waitFor(client, job: id, token: fixture.token) { $0["status"] as? String != "running" }
            #expect(done["status"] as? String == "completed", "\(done)")
            let progress = try #require(done["progress"] as? [String: Any])
            #expect(progress["replications_done"] as? Int == 6 && progress["replications"] as? Int == 6)
            let run = try #require((done["runs"] as? [Any])?.first as? Int)
            let one = try Self.oneProcess("general-hospital.yaml", settings)
            let stored = try Self.stored(Int64(run))
            #expect(stored.kpis == (try ResultJSON.encoder().encode(one.result.replications)))
            #expect(stored.costs == (try ResultJSON.encoder().encode(one.costs)))
            let runAnswer = try await client.send("GET", "/api/v1/runs/\(run)", headers: ["Authorization": "Bearer \(fixture.token)"])
            #expect(runAnswer.status == 200 && runAnswer.body.contains("\"status\" : \"completed\""), "\(runAnswer.body.prefix(400))")

            // A comparison: the base and its variant on the same seed, and its verdicts from the stored runs.
            let compared = try await Self.post(client, "/api/v1/jobs", """
                {"kind": "comparison", "scenario_ids": [\(fixture.base), \(fixture.variant)], "replications": 4, "seed": 3, "horizon_days": 30, "warmup_days": 5}
                """, token: fixture.token)
            #expect(compared.status == 202, "\(compared.body)")
            let comparison = try #require((try Self.object(compared))["id"] as? Int)
            let finished = try await Self.waitFor(client, job: Int64(comparison), token: fixture.token) {
                ["completed", "failed", "cancelled"].contains($0["status"] as? String)
            }
            #expect(finished["status"] as? String == "completed", "\(finished)")
            let links = try #require(finished["links"] as? [String: Any])
            let verdicts = try #require((links["comparisons"] as? [String])?.first)
            let answer = try await client.send("GET", verdicts, headers: ["Authorization": "Bearer \(fixture.token)"])
            #expect(answer.status == 200, "\(verdicts): \(answer.body.prefix(300))")
            let list = try await client.send("GET", "/api/v1/jobs?limit=1", headers: ["Authorization": "Bearer \(fixture.token)"])
            #expect(list.status == 200 && list.body.contains("\"next\""))
        }
    }

    @Test("a cost report queued by finance: the baseline and the variant run on one seed, its link the variant's costs against the baseline, equal to the report made from one-process runs; a manager may not queue one, finance may not queue a run")
    func costReport() async throws {
        let fixture = try Self.fixture()
        let accounts = try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4)
        let name = try UserName("jobs-finance-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        _ = try accounts.add(name, role: .finance, password: nil, by: Actor(name: "cli:test", source: "cli@test"))
        let finance = try accounts.issueToken(for: name, by: Actor(name: "cli:test", source: "cli@test"))
        let body = #"{"kind": "costs", "scenario_ids": [\#(fixture.base), \#(fixture.variant)], "replications": 3, "seed": 5, "horizon_days": 35, "warmup_days": 5}"#
        try await withServer(runners: [try Self.runner()]) { base in
            let client = PlainClient(base: base)
            #expect(try await Self.post(client, "/api/v1/jobs", body, token: fixture.token).status == 403, "a manager's jobs are runs and comparisons")
            let run = #"{"kind": "run", "scenario_id": \#(fixture.base)}"#
            #expect(try await Self.post(client, "/api/v1/jobs", run, token: finance).status == 403, "finance's jobs are cost reports")
            let queued = try await Self.post(client, "/api/v1/jobs", body, token: finance)
            #expect(queued.status == 202, "\(queued.body)")
            let id = Int64(try #require((try Self.object(queued))["id"] as? Int))
            let done = try await Self.waitFor(client, job: id, token: finance) { ["completed", "failed", "cancelled"].contains($0["status"] as? String) }
            #expect(done["status"] as? String == "completed" && done["kind"] as? String == "costs", "\(done)")
            let runs = try #require(done["runs"] as? [Int])
            let link = try #require(((done["links"] as? [String: Any])?["costs"] as? [String])?.first)
            #expect(link == "/api/v1/runs/\(runs[1])/costs?baseline=\(runs[0])")
            let answer = try await client.send("GET", link, headers: ["Authorization": "Bearer \(finance)"])
            #expect(answer.status == 200, "\(answer.body.prefix(300))")
            // The same report from the same runs made in one process.
            let settings = RunSettings(horizonDays: 35, warmUpDays: 5, replications: 3, seed: 5)
            let baseline = try Self.oneProcess("general-hospital.yaml", settings), variant = try Self.oneProcess("general-hospital-night-nurses.yaml", settings)
            let expected = try CostReports.json(Answers.costs(variant, baseline: baseline))
            #expect(answer.body == String(decoding: expected, as: UTF8.self), "the job's cost report is the one-process runs'")
        }
    }

    @Test("a job cancelled while it runs stops before its next replication: cancelled, its run failed, the replications stored kept")
    func cancel() async throws {
        let fixture = try Self.fixture()
        try await withServer(runners: [try Self.runner()]) { base in
            let client = PlainClient(base: base)
            let queued = try await Self.post(client, "/api/v1/jobs", """
                {"kind": "run", "scenario_id": \(fixture.base), "replications": 400, "seed": 5, "horizon_days": 120, "warmup_days": 10}
                """, token: fixture.token)
            let id = Int64(try #require((try Self.object(queued))["id"] as? Int))
            let running = try await Self.waitFor(client, job: id, token: fixture.token) {
                (($0["progress"] as? [String: Any])?["replications_done"] as? Int ?? 0) >= 2
            }
            #expect(running["status"] as? String == "running", "\(running)")
            let planner = try await Self.post(client, "/api/v1/jobs/\(id)/cancel", "", token: fixture.plannerToken)
            #expect(planner.status == 403)
            let asked = try await Self.post(client, "/api/v1/jobs/\(id)/cancel", "", token: fixture.token)
            let cancelAsked = try Self.object(asked)["cancel_requested"] as? Bool
            #expect(asked.status == 200 && cancelAsked == true, "\(asked.body)")
            let ended = try await Self.waitFor(client, job: id, token: fixture.token) { $0["status"] as? String != "running" }
            #expect(ended["status"] as? String == "cancelled", "\(ended)")
            let done = try #require((ended["progress"] as? [String: Any])?["replications_done"] as? Int)
            #expect(done >= 2 && done < 400)
            let run = Int64(try #require((ended["runs"] as? [Any])?.first as? Int))
            let record = try RunStore(connection: TestDatabase.connect()).record(run)
            #expect(record.status == .failed && record.failure == "its job was cancelled")
        }
    }

    @Test("a job interrupted by its server stopping, and one left running by a server that died, resume on the next start where they stopped, to the one-process result")
    func resume() async throws {
        let fixture = try Self.fixture()
        // Replications enough that the job cannot finish between two looks at its progress, even on a loaded machine
        // where this task waits its turn for seconds (with 40 it once did, in CI, and was never interrupted).
        let settings = RunSettings(horizonDays: 60, warmUpDays: 10, replications: 200, seed: 77)
        let store = try RunStore(connection: TestDatabase.connect())
        let job = try Jobs.submit(JobRequest(kind: .run, scenarioIDs: [fixture.base], overrides: RunOverrides(
            replications: 200, seed: 77, horizonDays: 60, warmUpDays: 10)), by: "test", store: store)
        // A server that works it a while, then stops (its task cancelled, as at shutdown).
        let first = try Self.runner()
        let serving = Task { await first.run() }
        var stored = 0
        let end = Date().addingTimeInterval(120)
        while stored < 3, Date() < end {
            try await Task.sleep(for: .milliseconds(100))
            stored = try store.progress(of: try #require(try store.job(job.id))).done
        }
        serving.cancel()
        await serving.value
        let interrupted = try #require(try store.job(job.id))
        #expect(interrupted.status == .interrupted, "\(interrupted)")
        let kept = try store.progress(of: interrupted).done
        #expect(kept >= 3 && kept < 200, "stored before the stop: \(kept)")

        // A server that dies holding it: claimed on a connection that then closes (the store goes out of scope), the
        // job still saying running. Another suite's waiting jobs claimed on the way are put back.
        try {
            let dying = try RunStore(connection: TestDatabase.connect())
            while let claimed = try dying.claimJob(attemptLimit: Jobs.attemptLimit) {
                if claimed.id == job.id { break }
                try dying.endJob(claimed.id, as: .interrupted)
            }
            #expect(try store.job(job.id)?.status == .running)
        }()

        // The next server finds it, resumes it, and completes it with what was stored kept.
        let second = try Self.runner()
        let resumed = Task { await second.run() }
        var now = try #require(try store.job(job.id))
        let deadline = Date().addingTimeInterval(180)
        while !now.status.isFinal, Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            now = try #require(try store.job(job.id))
        }
        resumed.cancel()
        await resumed.value
        #expect(now.status == .completed, "\(now)")
        #expect(now.attempts == 3, "started by the first server, claimed by the dying one, resumed by the second")
        let one = try Self.oneProcess("general-hospital.yaml", settings)
        let result = try Self.stored(job.runs[0])
        #expect(result.kpis == (try ResultJSON.encoder().encode(one.result.replications)))
        #expect(result.costs == (try ResultJSON.encoder().encode(one.costs)))
    }

    @Test("a forecast from the live census queued as a job: the feed's patients at the census time, the bands read from its stored run")
    func liveForecast() async throws {
        let fixture = try Self.fixture()
        let connection = try TestDatabase.connect()
        let scenario = try Inputs.scenario(Repository.path("scenarios/general-hospital.yaml"))
        let feed = try FeedStore(connection: connection, pseudonymiser: try Pseudonymiser(key: Array("a test key of at least thirty-two characters".utf8)),
                                 timeZone: scenario.configuration.timeZone)
        let sender = "JOB\(UInt32.random(in: 0 ... .max))"
        for n in 1...2 {
            let message = "MSH|^~\\&|PAS|\(sender)|TWIN|RXX|203101010800||ADT^A01|\(sender)\(n)|P|2.5\rEVN|A01|||||203101010800\r"
                + "PID|1||\(sender)-\(n)^^^RXX^MR||Doe^Jo||19400101|F\rPV1|1|I|WD05|E\r"
            _ = try feed.receive(Array(message.utf8), source: "file:job-test")
        }
        try await withServer(runners: [try Self.runner()]) { base in
            let client = PlainClient(base: base)
            let manager = try await Self.post(client, "/api/v1/jobs", """
                {"kind": "forecast", "scenario_id": \(fixture.base), "days": 7, "at": "2031-01-02T12:00", "replications": 4, "seed": 3}
                """, token: fixture.token)
            #expect(manager.status == 403 && manager.body.contains("a forecast job is for the roles admin, planner; you are manager"))
            let queued = try await Self.post(client, "/api/v1/jobs", """
                {"kind": "forecast", "scenario_id": \(fixture.base), "days": 7, "at": "2031-01-02T12:00", "replications": 4, "seed": 3}
                """, token: fixture.plannerToken)
            #expect(queued.status == 202, "\(queued.body)")
            let id = Int64(try #require((try Self.object(queued))["id"] as? Int))
            let done = try await Self.waitFor(client, job: id, token: fixture.token) {
                ["completed", "failed", "cancelled"].contains($0["status"] as? String)
            }
            #expect(done["status"] as? String == "completed", "\(done)")
            let request = try #require(done["request"] as? [String: Any])
            #expect(request["days"] as? Int == 7 && request["replications"] as? Int == 4 && request["kind"] as? String == "forecast")
            #expect((request["census"] as? String ?? "").hasPrefix("the live census at 2031-01-02T12:00"), "\(request)")
            #expect(request["inpatients"] as? Int ?? 0 >= 2, "\(request)")
            let link = try #require((done["links"] as? [String: Any])?["forecast"] as? String)
            let bands = try await client.send("GET", link, headers: ["Authorization": "Bearer \(fixture.token)"])
            #expect(bands.status == 200, "\(link): \(bands.body.prefix(300))")
            let run = try RunStore(connection: TestDatabase.connect()).record(Int64(try #require((done["runs"] as? [Any])?.first as? Int)))
            // Simulated from the census's noon, forecast from the midnight after: the census's day is the warm-up.
            #expect(run.horizonDays == 8 && run.warmUpDays == 1 && run.replications == 4, "\(run)")
            #expect(bands.body.contains("2031-01-03") && !bands.body.contains("2031-01-02"), "the bands begin at the first midnight")
            for (body, says) in [
                ("{\"kind\": \"forecast\", \"scenario_id\": \(fixture.base), \"horizon_days\": 7}", "'horizon_days' is for a run, comparison, costs or backtest, not a forecast"),
                ("{\"kind\": \"forecast\", \"scenario_id\": \(fixture.base), \"replications\": 1}", "'replications': expected a whole number from 2"),
                ("{\"kind\": \"forecast\", \"scenario_id\": \(fixture.base), \"days\": 367}", "'days': expected a whole number from 1 to 366"),
                ("{\"kind\": \"forecast\", \"scenario_id\": \(fixture.base), \"at\": \"2031-01-02 12:00\"}", "'at': expected a local time"),
                ("{\"kind\": \"run\", \"scenario_id\": \(fixture.base), \"days\": 7}", "'days' is for a forecast, not a run"),
            ] {
                let answer = try await Self.post(client, "/api/v1/jobs", body, token: fixture.plannerToken)
                #expect(answer.status == 400 && answer.body.contains(says), "\(body): \(answer.status) \(answer.body)")
            }
        }
    }

    @Test("requests that are not a job are refused, each naming what is wrong: 400, 413, 415, 422, 403")
    func refusals() async throws {
        let fixture = try Self.fixture()
        try await withServer { base in
            let client = PlainClient(base: base)
            let run = "\"kind\": \"run\", \"scenario_id\": \(fixture.base)"
            for (body, status, says) in [
                ("", 400, "expected a JSON object"),
                ("[1]", 400, "expected Dictionary"),
                ("{\(run), \"replication\": 5}", 400, "'replication' is not a member of a job request"),
                ("{\(run), \"Replications\": 5}", 400, "'Replications' is not a member"),
                ("{\"kind\": \"report\", \"scenario_id\": 1}", 400, "'kind': expected"),
                ("{\"kind\": \"backtest\", \"scenario_id\": 1}", 400, "'from': a backtest needs its first origin's day"),
                ("{\"kind\": \"backtest\", \"scenario_id\": 1, \"from\": \"2031-01-05\", \"to\": \"2031-01-01\"}", 400, "the first origin's day, then the last"),
                ("{\"kind\": \"backtest\", \"scenario_id\": 1, \"from\": \"2031-01-01\", \"to\": \"2031-01-05\", \"origin_time\": \"25:00\"}", 400, "'origin_time'"),
                ("{\"kind\": \"run\", \"scenario_id\": 1, \"from\": \"2031-01-01\"}", 400, "'from' is for a backtest, not a run"),
                ("{\(run), \"replications\": 0}", 400, "'replications': expected a whole number from 1 to 100000"),
                ("{\(run), \"replications\": 1.5}", 400, "'replications': expected a whole number"),
                ("{\(run), \"replications\": true}", 400, "'replications': expected a whole number"),
                ("{\(run), \"replications\": \"5\"}", 400, "'replications': expected a whole number"),
                ("{\(run), \"seed\": -1}", 400, "'seed': expected a whole number from 0 to 18446744073709551615"),
                ("{\(run), \"scenario_ids\": [1, 2]}", 400, "'scenario_ids' is a comparison's"),
                ("{\"kind\": \"comparison\", \"scenario_ids\": [\(fixture.base)]}", 400, "expected 2 to 21"),
                ("{\(run), \"kind\": \"run\"}", 400, "appears twice"),
                ("{\(run)", 400, "not valid JSON at line 1"),
                ("{\"kind\": \"run\", \"scenario_id\": 999999999999}", 422, "no stored scenario has id 999999999999"),
                ("{\(run), \"horizon_days\": 10, \"warmup_days\": 10}", 422, "must be shorter than the horizon"),
            ] {
                let answer = try await Self.post(client, "/api/v1/jobs", body, token: fixture.token)
                #expect(answer.status == status && answer.body.contains(says), "\(body): \(answer.status) \(answer.body)")
                #expect(answer.headers["content-type"] == "application/problem+json")
            }
            let text = try await client.send("POST", "/api/v1/jobs", form: "{\(run)}", headers: ["Authorization": "Bearer \(fixture.token)"],
                                             contentType: "text/plain")
            #expect(text.status == 415 && text.body.contains("Content-Type: application/json"))
            let huge = try await Self.post(client, "/api/v1/jobs", "{\(run), \"x\": \"" + String(repeating: "a", count: 20_000) + "\"}",
                                           token: fixture.token)
            #expect(huge.status == 413, "\(huge.status)")
            let planner = try await Self.post(client, "/api/v1/jobs", "{\(run)}", token: fixture.plannerToken)
            #expect(planner.status == 403 && planner.body.contains("a run job is for the roles admin, manager; you are planner"))
            let viewer = try AccountStore(connection: TestDatabase.connect(), migrating: false)
            #expect(try viewer.auditEntries(limit: 200).contains { $0.action == "api.write" && $0.outcome == .refused
                && $0.detail.contains("a run job is for the roles admin, manager; you are planner") })
            let none = try await client.send("GET", "/api/v1/jobs/999999999999", headers: ["Authorization": "Bearer \(fixture.token)"])
            #expect(none.status == 404 && none.body.contains("no job has id 999999999999"))
        }
    }
}
