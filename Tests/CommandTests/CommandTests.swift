import Foundation
import RunStore
import Store
import Testing
import TestSupport

/// The command-line tool, run as a user runs it: a separate process, its own environment and working directory.
enum CLI {
    /// The built `hospital-twin`, beside this test binary (.build/<triple>/<configuration>/).
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("hospital-twin").path),
              directory.path != "/" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("hospital-twin")
    }()

    /// The repository's root.
    static func repository(_ relative: String) -> String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(relative).path
    }

    /// This environment without any database setting, plus `settings`.
    static func environment(_ settings: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("PG") && key != "DATABASE_URL" && !key.hasPrefix("HOSPITAL_TWIN_")
        }
        environment.merge(settings) { $1 }
        return environment
    }

    /// A started process whose standard output and error go to files in `directory`. Spawned and reaped with
    /// posix_spawn and waitpid (Foundation's Process can miss a child's exit on Linux).
    final class Running {
        let pid: pid_t
        let output: URL
        let errors: URL
        private var exitStatus: Int32?

        /// `input`: a file read as standard input (default /dev/null).
        init(_ arguments: [String], environment: [String: String], directory: URL, input: URL? = nil) throws {
            let tag = UUID().uuidString.prefix(8)
            output = directory.appendingPathComponent("stdout-\(tag)")
            errors = directory.appendingPathComponent("stderr-\(tag)")
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, input?.path ?? "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(&actions, 2, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            // The working directory: a shell changes to it, then execs the tool.
            let command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.path, CLI.binary.path] + arguments
            let argv = command.map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                argv.forEach { free($0) }
                envp.forEach { free($0) }
            }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
            guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
            self.pid = pid
        }

        var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

        /// True while the process has not ended (reaping it when it has).
        var isRunning: Bool {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { exitStatus = Self.code(status) }
            return exitStatus == nil
        }

        /// Waits until standard error contains `text` (true), or the process ends or `seconds` pass (false).
        func waitForError(containing text: String, seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if stderr.contains(text) { return true }
                if !isRunning { return stderr.contains(text) }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }

        /// Waits for the end; the exit code, or 128 + the signal that killed it.
        func wait() -> Int32 {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = Self.code(status)
            return exitStatus!
        }

        static func code(_ status: Int32) -> Int32 {
            (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        }
    }

    /// Runs the tool to the end.
    static func run(_ arguments: [String], environment: [String: String], directory: URL, input: URL? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let running = try Running(arguments, environment: environment, directory: directory, input: input)
        let status = running.wait()
        return (status, running.stdout, running.stderr)
    }

    /// A fresh working directory.
    /// A database of the test's own in the test cluster (a command that reads the whole event log must not see other
    /// suites' feeds), and the environment that points the tool at it with the feed's test key; `drop()` removes it.
    static func ownDatabase(_ prefix: String) throws -> (environment: [String: String], drop: () -> Void) {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try TestDatabase.connect()
        try admin.execute("CREATE DATABASE \(raw: name)")
        let url = (TestDatabase.url ?? "").replacingOccurrences(of: "dbname=hospital_twin", with: "dbname=\(name)")
        #expect(url.contains(name), "the test database's URL names its database: \(TestDatabase.url ?? "")")
        let environment = environment(["HOSPITAL_TWIN_DATABASE_URL": url, "HOSPITAL_TWIN_PSEUDONYM_KEY": FeedCommandTests.key])
        return (environment, { _ = try? admin.execute("DROP DATABASE IF EXISTS \(raw: name) WITH (FORCE)") })
    }

    /// One folder per test process for every test's working directory, removed when the process exits.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hospital-twin-cli-\(getpid())-\(UUID().uuidString.prefix(8))")
        atexit { try? FileManager.default.removeItem(at: CLI.scratch) }
        return url
    }()

    static func temporaryDirectory() throws -> URL {
        let url = scratch.appendingPathComponent(String(UUID().uuidString.prefix(8)))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The first number after `prefix` in `text` ("run 12:" → 12).
    static func number(after prefix: String, in text: String) -> Int64? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int64(text[range.upperBound...].prefix { $0.isNumber })
    }
}

extension TestDatabase {
    static func store() throws -> RunStore { try RunStore(connection: try connect()) }
}

/// A quick run of the demo hospital: 2 replications of 30 days.
let quickRun = ["run", CLI.repository("scenarios/demo.yaml"), "--replications", "2", "--horizon", "30", "--warmup", "5",
                "--format", "csv", "-o", "report.csv"]

@Suite("storing runs from the command line", .enabled(if: TestDatabase.runs("storing runs from the command line")), .serialized)
struct StoringTests {
    var database: [String: String] { CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? ""]) }

    @Test("run --store prints its run id, and the run reads back with the same figures")
    func stores() throws {
        let directory = try CLI.temporaryDirectory()
        let result = try CLI.run(quickRun + ["--store"], environment: database, directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let id = try #require(CLI.number(after: "stored run ", in: result.stderr), "\(result.stderr)")
        #expect(result.stderr.contains("database: ") && result.stderr.contains("(from HOSPITAL_TWIN_DATABASE_URL)"))
        let shown = try CLI.run(["runs", "export", String(id), "--format", "csv"], environment: database, directory: directory)
        let report = try String(contentsOf: directory.appendingPathComponent("report.csv"), encoding: .utf8)
        #expect(shown.status == 0 && shown.stdout == report, "\(shown.stderr)")
    }

    /// Starts `run --store` paused (`pause` seconds) just before its results commit; returns once it is there.
    func startStoringUntilCommit(pause: Int) throws -> (running: CLI.Running, run: Int64, directory: URL) {
        let directory = try CLI.temporaryDirectory()
        var environment = database
        environment["HOSPITAL_TWIN_FAILPOINT"] = "before-commit:\(pause)"
        let running = try CLI.Running(quickRun + ["--store"], environment: environment, directory: directory)
        #expect(running.waitForError(containing: "failpoint before-commit", seconds: 60), "\(running.stderr)")
        let id = try #require(CLI.number(after: "failpoint before-commit (run ", in: running.stderr))
        return (running, id, directory)
    }

    @Test("killed while writing its results, a run leaves none of them; the next reader marks it failed, abandoned")
    func killedMidWrite() throws {
        let (running, id, _) = try startStoringUntilCommit(pause: 60)
        kill(running.pid, SIGKILL)
        #expect(running.wait() == 128 + SIGKILL)
        let store = try TestDatabase.store()
        // The server notices the dead client and rolls its transaction back; its lock goes with it.
        var record = try store.record(id)
        for _ in 0..<100 where record.status == .running {
            Thread.sleep(forTimeInterval: 0.05)
            record = try store.record(id)
        }
        #expect(record.status == .failed && record.failure?.hasPrefix("abandoned") == true, "\(record)")
        for table in ["replication_kpis", "replication_metrics", "metrics", "unit_days"] {
            #expect(try store.connection.query("SELECT count(*) FROM hospital_twin.\(raw: table) WHERE run_id = \(id)").rows
                == [["0"]], "\(table)")
        }
    }

    @Test("the connection lost while writing: the results go to a file, and runs import stores them")
    func lostConnection() throws {
        let (running, id, directory) = try startStoringUntilCommit(pause: 4)
        let backend = try #require(CLI.number(after: "backend pid ", in: running.stderr))
        let store = try TestDatabase.store()
        #expect(try store.connection.query("SELECT pg_terminate_backend(\(backend))").rows == [["t"]])
        #expect(running.wait() == 1, "\(running.stderr)")
        #expect(running.stderr.contains("could not store run \(id)"), "\(running.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("hospital-twin-run-") }
        let file = try #require(files.first, "no results file in \(files)")
        #expect(running.stderr.contains("hospital-twin runs import \(file)"), "\(running.stderr)")
        let imported = try CLI.run(["runs", "import", file], environment: database, directory: directory)
        #expect(imported.status == 0, "\(imported.stderr)")
        let newID = try #require(CLI.number(after: "stored run ", in: imported.stdout), "\(imported.stdout)")
        #expect(try store.result(of: newID).replications.count == 2)
        #expect(try store.record(id).status == .failed)
        let exported = try CLI.run(["runs", "export", String(newID), "--format", "csv"], environment: database, directory: directory)
        let report = try String(contentsOf: directory.appendingPathComponent("report.csv"), encoding: .utf8)
        #expect(exported.stdout == report)
    }

    @Test("an unreachable database stops the run before anything is simulated, and never shows a password")
    func unreachable() throws {
        let directory = try CLI.temporaryDirectory()
        let url = "host=/nonexistent-socket-dir dbname=twin user=ops password=hunter2"
        let result = try CLI.run(quickRun + ["--database-url", url], environment: CLI.environment([:]), directory: directory)
        #expect(result.status == 2)
        #expect(result.stderr.contains("could not connect to host=/nonexistent-socket-dir dbname=twin user=ops password=***"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("report.csv").path))
    }

    @Test("twins fit --store keeps the fitted model and its report; the same model again is found, not stored twice")
    func fittedModels() throws {
        let directory = try CLI.temporaryDirectory()
        let generated = try CLI.run(["twins", "generate", "--patients", "400", "--seed", "5", "-o", "episodes.csv"],
                                    environment: database, directory: directory)
        #expect(generated.status == 0, "\(generated.stderr)")
        let first = try CLI.run(["twins", "fit", "episodes.csv", "--store"], environment: database, directory: directory)
        #expect(first.status == 0, "\(first.stderr)")
        let id = try #require(CLI.number(after: "stored twin model ", in: first.stdout), "\(first.stdout)")
        let again = try CLI.run(["twins", "fit", "episodes.csv", "--store"], environment: database, directory: directory)
        #expect(again.stdout.contains("this model is already stored, as twin model \(id)"), "\(again.stdout)")
        let store = try TestDatabase.store()
        let row = try store.connection.query("""
            SELECT report LIKE '%Readmission%', model ->> 'format'
            FROM hospital_twin.twin_models WHERE id = \(id)
            """).rows
        #expect(row == [["t", "hospital-twin/patient-twin-model"]])
    }

    @Test("four processes storing at once: four completed runs, each scenario content stored once")
    func concurrent() throws {
        let directory = try CLI.temporaryDirectory()
        let name = "concurrent-\(UUID().uuidString.prefix(8).lowercased())"
        let demo = CLI.repository("scenarios/demo.yaml")
        try "extends: \(demo)\nname: \(name)\n".write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "extends: \(demo)\nname: \(name)\nemergency_department: {attendances_per_day: 70}\n"
            .write(to: directory.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let runs = try ["a.yaml", "a.yaml", "b.yaml", "b.yaml"].map { file in
            try CLI.Running(["run", file, "--store", "--replications", "2", "--horizon", "20", "--warmup", "5", "--format", "json",
                             "-o", "out-\(UUID().uuidString.prefix(6)).json"], environment: database, directory: directory)
        }
        for run in runs { #expect(run.wait() == 0, "\(run.stderr)") }
        let store = try TestDatabase.store()
        let stored = try store.runs(scenario: name)
        #expect(stored.count == 4 && stored.allSatisfy { $0.status == .completed })
        #expect(Set(stored.map(\.scenarioVersion)) == [1, 2] && Set(stored.map(\.scenarioHash)).count == 2)
        #expect(try store.connection.query("SELECT count(*) FROM hospital_twin.scenarios WHERE name = \(name)").rows == [["2"]])
    }
}

@Suite("the embedded cluster", .serialized)
struct EmbeddedClusterTests {
    @Test("with no database configured, commands create, start and use a local cluster; what is stored survives a stop")
    func embedded() throws {
        let directory = try CLI.temporaryDirectory()
        let environment = CLI.environment(["HOSPITAL_TWIN_HOME": directory.appendingPathComponent("home").path])
        defer {
            _ = try? CLI.run(["db", "stop"], environment: environment, directory: directory)
            try? FileManager.default.removeItem(at: directory)
        }
        var status = try CLI.run(["db", "status"], environment: environment, directory: directory)
        #expect(status.stdout.contains("commands use the embedded cluster") && status.stdout.contains("not created"), "\(status)")
        let stored = try CLI.run(quickRun + ["--store"], environment: environment, directory: directory)
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stderr.contains("created the embedded PostgreSQL cluster in"), "\(stored.stderr)")
        #expect(stored.stderr.contains("database: the embedded cluster in"))
        // Private by construction: however it is started, the configuration has no TCP listener and no host line.
        let created = try #require(stored.stderr.split(separator: "\n").first { $0.contains("created the embedded PostgreSQL cluster in ") })
        let clusterDirectory = String(created.split(separator: " in ", maxSplits: 1)[1].split(separator: " (")[0])
        let hba = try String(contentsOfFile: clusterDirectory + "/data/pg_hba.conf", encoding: .utf8)
        #expect(!hba.split(separator: "\n").contains { $0.hasPrefix("host") }, "\(hba)")
        let conf = try String(contentsOfFile: clusterDirectory + "/data/postgresql.conf", encoding: .utf8)
        #expect(conf.contains("listen_addresses = ''") && conf.contains("unix_socket_permissions = 0700"), "\(conf.suffix(300))")
        let id = try #require(CLI.number(after: "stored run ", in: stored.stderr))
        let stop = try CLI.run(["db", "stop"], environment: environment, directory: directory)
        #expect(stop.stdout.contains("stopped the embedded cluster"), "\(stop)")
        status = try CLI.run(["db", "status"], environment: environment, directory: directory)
        #expect(status.stdout.contains(": stopped"), "\(status)")
        let listed = try CLI.run(["runs", "list", "--format", "json"], environment: environment, directory: directory)
        #expect(listed.status == 0 && listed.stderr.contains("started the embedded PostgreSQL cluster"), "\(listed.stderr)")
        #expect(listed.stdout.contains("\"id\" : \(id)") && listed.stdout.contains("\"status\" : \"completed\""), "\(listed.stdout)")
        let check = try CLI.run(["db", "check"], environment: environment, directory: directory)
        #expect(check.stdout.contains("hospital_twin schema version \(RunStoreSchema.migrations.count)"), "\(check)")
        #expect(check.stdout.contains("as role hospital_twin_app (not a superuser)"), "the application is no superuser: \(check)")
    }
}

@Suite("the three users' reports from the command line", .enabled(if: TestDatabase.runs("the three users' reports from the command line")), .serialized)
struct ReportCommandTests {
    var database: [String: String] { CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? ""]) }
    let demo = CLI.repository("scenarios/demo.yaml")
    let short = ["--replications", "3", "--horizon", "40", "--warmup", "10"]

    @Test("costs --store and report --as costs of the stored runs print the same bytes: a report is rendered again exactly")
    func costsAgain() throws {
        let directory = try CLI.temporaryDirectory()
        let variant = directory.appendingPathComponent("more-nurses.yaml")
        try """
            extends: \(demo)
            name: demo-more-nurses
            staff:
              rosters:
                - {unit: Elderly care, group: registered_nurse, shift: night, headcount: 5}
            """.write(to: variant, atomically: true, encoding: .utf8)
        let costs = try CLI.run(["costs", variant.path, "--baseline", demo] + short + ["--store", "--format", "csv"],
                                environment: database, directory: directory)
        #expect(costs.status == 0, "\(costs.stderr)")
        #expect(!costs.stderr.contains("\r") && !costs.stderr.contains("s left"), "no progress bar in a pipe")
        let ids = costs.stderr.split(separator: "\n").compactMap { CLI.number(after: "stored run ", in: String($0)) }
        #expect(ids.count == 2, "\(costs.stderr)")
        let again = try CLI.run(["report", String(ids[1]), "--as", "costs", "--baseline", String(ids[0]), "--format", "csv"],
                                environment: database, directory: directory)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == costs.stdout && costs.stdout.contains("variance"))
        // The extra nurse shows as more substantive staff cost on Elderly care, detectably.
        let line = costs.stdout.split(separator: "\n").first { $0.contains(",centre,Elderly care,substantive_staff,") }
        let fields = try #require(line).split(separator: ",", omittingEmptySubsequences: false)
        #expect((Double(fields[13]) ?? 0) > 0 && (Double(fields[14]) ?? 0) > 0, "\(fields)")
    }

    @Test("compare pairs the scenarios and gives verdicts; report RUN --baseline RUN gives the same comparison from the store")
    func compareAgain() throws {
        let directory = try CLI.temporaryDirectory()
        let compared = try CLI.run(["compare", demo, demo] + short + ["--store", "--format", "csv"], environment: database,
                                   directory: directory)
        #expect(compared.status == 0, "\(compared.stderr)")
        let rows = compared.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count > 100 && rows.allSatisfy { $0.contains(",identical,") }, "a scenario against itself is identical")
        let ids = compared.stderr.split(separator: "\n").compactMap { CLI.number(after: "stored run ", in: String($0)) }
        let again = try CLI.run(["report", String(ids[1]), "--baseline", String(ids[0]), "--format", "csv"],
                                environment: database, directory: directory)
        #expect(again.stdout == compared.stdout, "\(again.stderr)")
        let alone = try CLI.run(["compare", demo], environment: database, directory: directory)
        #expect(alone.status != 0 && alone.stderr.contains("at least one alternative"), "\(alone.stderr)")
    }

    @Test("a forecast from a bad census stops before simulating, with every problem located")
    func badCensus() throws {
        let directory = try CLI.temporaryDirectory()
        let census = directory.appendingPathComponent("census.csv")
        try """
            patient_id,unit,admitted_at,pathway,admission_method,age,charlson_index,ed_visits_6m,admissions_12m
            P1,Ward 99,2026-03-01T10:00,emergency_medical,emergency,80,2,1,0
            P2,AMU,yesterday,emergency_medical,emergency,80,2,1,0
            """.write(to: census, atomically: true, encoding: .utf8)
        let result = try CLI.run(["forecast", demo, "--census", census.path, "--replications", "5"], environment: database,
                                 directory: directory)
        #expect(result.status == 2)
        #expect(result.stderr.contains("census.csv:2: column 'unit': expected a unit of demo"), "\(result.stderr)")
        #expect(result.stderr.contains("census.csv:3: column 'admitted_at': expected a date-time"), "\(result.stderr)")
        #expect(result.stderr.contains("2 problems; nothing was simulated") && result.stdout.isEmpty)
    }

    @Test("forecast from the sample census: bands for every unit, day 0 the census, stored and rendered again")
    func forecast() throws {
        let directory = try CLI.temporaryDirectory()
        let result = try CLI.run(["forecast", CLI.repository("scenarios/general-hospital.yaml"), "--census",
                                  CLI.repository("scenarios/general-hospital-census.csv"), "--days", "7", "--replications", "20",
                                  "--store", "--format", "csv"], environment: database, directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n")
        #expect(rows.count == 1 + 20 * 8, "a header, then 8 midnights of 2 groups and 18 units")
        #expect(rows[1].hasPrefix("general-hospital,General and acute (all units),group,445,2026-11-26,"), "\(rows[1])")
        let id = try #require(CLI.number(after: "stored run ", in: result.stderr))
        let again = try CLI.run(["report", String(id), "--as", "forecast", "--format", "csv"], environment: database,
                                directory: directory)
        #expect(again.stdout == result.stdout)
    }
}
