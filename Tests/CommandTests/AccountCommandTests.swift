import Foundation
import RunRecords
import RunStore
import Scenario
import Store
import Testing
import TestSupport
import Workflows

/// `hospital-twin users` and `audit` as an administrator runs them, on a database of their own.
@Suite("users and audit from the command line", .enabled(if: TestDatabase.runs("users and audit from the command line")), .serialized)
struct AccountCommandTests {
    @Test("users add (password on standard input or none), list, token printed alone once, disable; audit as table, JSON and CSV; bad names, roles, passwords and options exit 64, a taken name or unknown user 1")
    func usersAndAudit() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try CLI.ownDatabase("accounts")
        defer { database.drop() }
        func tool(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
            var file: URL?
            if let input {
                file = directory.appendingPathComponent("input-\(UUID().uuidString.prefix(8))")
                try Data(input.utf8).write(to: file!)
            }
            return try CLI.run(arguments, environment: database.environment, directory: directory, input: file)
        }
        let added = try tool(["users", "add", "alice", "--role", "planner", "--password-stdin"], input: "correct horse battery\n")
        #expect(added.status == 0 && added.stdout.contains("added alice as planner"), "\(added.stderr)")
        let system = try tool(["users", "add", "feed.system", "--role", "admin", "--no-password"])
        #expect(system.status == 0 && system.stdout.contains("without a password"), "\(system.stderr)")
        let token = try tool(["users", "token", "feed.system"])
        #expect(token.status == 0 && token.stdout.range(of: #"^htw_[A-Za-z0-9_-]{43}\n$"#, options: .regularExpression) != nil,
                "\(token.stdout)")
        #expect(token.stderr.contains("shown this once"))
        let list = try tool(["users", "list"])
        #expect(list.status == 0 && list.stdout.contains("alice") && list.stdout.contains("planner") && list.stdout.contains("feed.system"))
        #expect(!list.stdout.contains(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let disabled = try tool(["users", "disable", "feed.system"])
        #expect(disabled.status == 0 && disabled.stdout.contains("1 API token revoked"), "\(disabled.stderr)")

        for (arguments, input, says) in [
            (["users", "add", "Alice", "--role", "viewer", "--no-password"], nil as String?, "lower case: alice"),
            (["users", "add", "\u{0430}lice", "--role", "viewer", "--no-password"], nil, "U+0430"),
            (["users", "add", "system", "--role", "viewer", "--no-password"], nil, "reserved"),
            (["users", "add", "carol", "--role", "chief", "--no-password"], nil, "chief"),
            (["users", "add", "carol", "--role", "viewer", "--password-stdin"], "short\n", "at least 8"),
            (["users", "add", "carol", "--role", "viewer", "--password-stdin"], String(repeating: "a", count: 100), "at most 72"),
            (["users", "add", "carol", "--role", "viewer"], nil, "--password-stdin"),
            (["users", "add", "carol", "--role", "viewer", "--password-stdin", "--no-password"], nil, "one or the other"),
            (["audit", "--since", "2026-02-30"], nil, "--since"),
            (["audit", "--limit", "0"], nil, "--limit"),
        ] {
            let refused = try tool(arguments, input: input)
            #expect(refused.status == 64 && refused.stderr.contains(says), "\(arguments): \(refused.status) \(refused.stderr)")
        }
        let taken = try tool(["users", "add", "alice", "--role", "admin", "--no-password"])
        #expect(taken.status == 1 && taken.stderr.contains("exists already"), "\(taken.stderr)")
        let unknown = try tool(["users", "token", "nobody"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no user is named nobody"), "\(unknown.stderr)")
        #expect(try tool(["users", "token", "feed.system"]).status == 1)

        let table = try tool(["audit"])
        #expect(table.status == 0 && table.stdout.contains("users.add") && table.stdout.contains("refused"), "\(table.stderr)")
        let json = try tool(["audit", "--format", "json", "--limit", "3"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let entries = try #require(document?["entries"] as? [[String: Any]])
        #expect(entries.count == 3 && entries.allSatisfy { $0["actor"] is String && $0["outcome"] is String && $0["at"] is String })
        // Newest first: the refused token for the disabled user, then the unknown user's, then the taken name.
        #expect(entries.map { $0["action"] as? String } == ["users.token", "users.token", "users.add"])
        #expect(entries.allSatisfy { $0["outcome"] as? String == "refused" })
        let csv = try tool(["audit", "--format", "csv", "--user", "nobody-at-all"])
        #expect(csv.status == 0 && csv.stdout == "id,at,actor,source,action,target,outcome,detail\n", "\(csv.stdout)")
        let since = try tool(["audit", "--since", "2999-01-01"])
        #expect(since.status == 0 && since.stdout.contains("No audit entries match"))
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `hospital-twin serve` as an operator runs it: started, asked, stopped with SIGTERM.
@Suite("serve from the command line", .enabled(if: TestDatabase.runs("serve from the command line")), .serialized)
struct ServeCommandTests {
    @Test("serve --port 0 says where it listens, answers /health, and stops gracefully on SIGTERM (exit 0, 'stopped'); a bad port or host exits 64")
    func serveAndStop() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try CLI.ownDatabase("serve")
        defer { database.drop() }
        let server = try CLI.Running(["serve", "--port", "0"], environment: database.environment, directory: directory)
        #expect(server.waitForError(containing: "listening on http://127.0.0.1:", seconds: 60), "\(server.stderr)")
        let port = try #require(server.stderr.components(separatedBy: "listening on http://127.0.0.1:").last?
            .prefix { $0.isNumber }).description
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("\"status\":\"ok\""))
        kill(server.pid, SIGTERM)
        #expect(server.wait() == 0)
        #expect(server.stderr.contains("stopped"), "\(server.stderr)")
        for (arguments, says) in [(["serve", "--port", "70000"], "--port"), (["serve", "--host", "a b"], "--host")] {
            let refused = try CLI.run(arguments, environment: database.environment, directory: directory)
            #expect(refused.status == 64 && refused.stderr.contains(says), "\(refused.stderr)")
        }
    }

    @Test("a job running when serve gets SIGTERM is marked interrupted, and the next serve resumes it where it stopped: completed, equal to the same run made in one process")
    func jobSurvivesARestart() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try CLI.ownDatabase("servejobs")
        defer { database.drop() }
        let environment = database.environment
        let store = try RunStore(connection: DatabaseConnection(url: try #require(environment["HOSPITAL_TWIN_DATABASE_URL"])))
        let file = Repository.path("scenarios/general-hospital.yaml")
        let scenario = try Inputs.scenario(file)
        let stored = try store.storeScenario(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self),
                                             sourcePath: file)
        #expect(try CLI.run(["users", "add", "boss", "--role", "manager", "--no-password"], environment: environment, directory: directory).status == 0)
        let token = try CLI.run(["users", "token", "boss"], environment: environment, directory: directory).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)

        func serve(_ extra: [String] = []) throws -> (CLI.Running, String) {
            let server = try CLI.Running(["serve", "--port", "0", "--jobs", "1", "--job-threads", "1"] + extra, environment: environment,
                                         directory: directory)
            #expect(server.waitForError(containing: "listening on http://127.0.0.1:", seconds: 60), "\(server.stderr)")
            let port = try #require(server.stderr.components(separatedBy: "listening on http://127.0.0.1:").last?.prefix { $0.isNumber })
            return (server, "http://127.0.0.1:\(port)")
        }
        func progress(_ id: Int64) throws -> (status: Job.Status, done: Int) {
            let job = try #require(try store.job(id))
            return (job.status, try store.progress(of: job).done)
        }

        var (server, base) = try serve()
        var request = URLRequest(url: URL(string: base + "/api/v1/jobs")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("""
            {"kind": "run", "scenario_id": \(stored.id), "replications": 60, "seed": 9, "horizon_days": 360, "warmup_days": 10}
            """.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 202, "\(String(decoding: data, as: UTF8.self))")
        let id = Int64(try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? Int))
        var deadline = Date().addingTimeInterval(120)
        while try progress(id).done < 2, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        kill(server.pid, SIGTERM)
        #expect(server.wait() == 0)
        #expect(server.stderr.contains("stopped"), "\(server.stderr)")
        let stopped = try progress(id)
        #expect(stopped.status == .interrupted && stopped.done >= 2 && stopped.done < 60, "\(stopped)")

        // The second server logs as JSON: each log line an object a collector can read, the job's among them.
        (server, base) = try serve(["--log-format", "json"])
        deadline = Date().addingTimeInterval(300)
        while !(try progress(id).status.isFinal), Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        kill(server.pid, SIGTERM)
        #expect(server.wait() == 0)
        let entries = server.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(entries.contains { $0["label"] as? String == "hospital-twin.jobs" && $0["message"] as? String == "job completed"
            && ($0["metadata"] as? [String: Any])?["job"] as? String == "\(id)" && $0["level"] as? String == "info"
            && ($0["time"] as? String)?.hasSuffix("Z") == true }, "\(server.stderr)")
        #expect(server.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }.count == entries.count, "every JSON line parses")
        let job = try #require(try store.job(id))
        #expect(job.status == .completed && job.attempts == 2, "\(job)")
        let one = try Simulate.run(try PreparedScenario(scenario, file: file, plan: RunSettings(horizonDays: 360, warmUpDays: 10,
                                                                                                 replications: 60, seed: 9)), threads: 2)
        #expect(try ResultJSON.encoder().encode(try store.result(of: job.runs[0]).replications)
            == (try ResultJSON.encoder().encode(one.result.replications)))
        #expect(try store.costs(of: job.runs[0]) == one.costs)
    }
}
