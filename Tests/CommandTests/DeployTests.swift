import Foundation
import RunStore
import Testing
import TestSupport
import Yams

/// The files that start workers on a cluster (deploy/): no cluster is available here, so each is parsed, the fields
/// that carry the contract are asserted, and the command each would start is run against a real plan with the
/// variable its scheduler sets (Docs/SCALE.md).
@Suite("deployment manifests")
struct DeployTests {
    static let placeholders = ["RUN_ID": "42", "SHARDS": "8", "PARALLELISM": "4", "IMAGE": "registry.example.org/hospital-twin:1"]

    /// The Job manifest with its placeholders filled in as envsubst would, parsed.
    static func job(runID: String = "42") throws -> [String: Any] {
        var text = try String(contentsOfFile: CLI.repository("deploy/kubernetes/job.yaml"), encoding: .utf8)
        for (name, value) in placeholders.merging(["RUN_ID": runID], uniquingKeysWith: { $1 }) {
            text = text.replacingOccurrences(of: "${\(name)}", with: value)
        }
        #expect(!text.contains("${"), "every placeholder is one of \(placeholders.keys.sorted())")
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// The worker container of `job`.
    static func container(_ job: [String: Any]) throws -> [String: Any] {
        let spec = try #require(job["spec"] as? [String: Any])
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let containers = try #require(pod["containers"] as? [[String: Any]])
        #expect(containers.count == 1)
        return containers[0]
    }

    @Test("the Kubernetes Job is Indexed, one completion per shard, retried per index, and runs work --shard-from-env")
    func kubernetesJob() throws {
        let job = try Self.job()
        #expect(job["apiVersion"] as? String == "batch/v1" && job["kind"] as? String == "Job")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        #expect(spec["completions"] as? Int == 8 && spec["parallelism"] as? Int == 4 && spec["maxFailedIndexes"] as? Int == 8)
        #expect((spec["backoffLimitPerIndex"] as? Int).map { $0 >= 1 } == true)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never", "backoffLimitPerIndex needs restartPolicy Never")
        let rules = try #require((spec["podFailurePolicy"] as? [String: Any])?["rules"] as? [[String: Any]])
        let failIndex = try #require(rules.first { $0["action"] as? String == "FailIndex" })
        let codes = try #require((failIndex["onExitCodes"] as? [String: Any])?["values"] as? [Int])
        #expect(Set(codes) == [2, 64], "the worker's exit statuses for a wrong plan or shard")
        let container = try Self.container(job)
        #expect(container["command"] as? [String] == ["hospital-twin", "work", "42", "--shard-from-env", "--threads", "$(WORKER_THREADS)"])
        let environment = try #require(container["env"] as? [[String: Any]])
        let url = try #require(environment.first { $0["name"] as? String == "HOSPITAL_TWIN_DATABASE_URL" })
        #expect(url["value"] == nil, "the database URL is never written in the manifest")
        let secret = try #require((url["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])
        #expect(secret["name"] as? String == "hospital-twin-database" && secret["key"] as? String == "url")
        #expect(environment.contains { $0["name"] as? String == "WORKER_THREADS" })
        #expect(!environment.contains { $0["name"] as? String == "JOB_COMPLETION_INDEX" }, "Kubernetes sets it")
        let security = try #require(container["securityContext"] as? [String: Any])
        #expect(security["readOnlyRootFilesystem"] as? Bool == true && security["allowPrivilegeEscalation"] as? Bool == false)
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        #expect(mounts.contains { $0["mountPath"] as? String == "/tmp" }, "the worker's temporary files need a writable /tmp")
    }

    @Test("the Containerfile builds in the official Swift image and runs the binary in its slim image, not as root")
    func containerfile() throws {
        let text = try String(contentsOfFile: CLI.repository("deploy/kubernetes/Containerfile"), encoding: .utf8)
        let instructions = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let stages = instructions.filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2, "\(stages)")
        #expect(stages.first?.range(of: #"^FROM swift:[0-9.]+-[a-z]+ AS build$"#, options: .regularExpression) != nil, "\(stages)")
        #expect(stages.last?.range(of: #"^FROM swift:[0-9.]+-[a-z]+-slim$"#, options: .regularExpression) != nil, "\(stages)")
        #expect(text.contains("swift build -c release --product hospital-twin"))
        #expect(text.contains("libpq-dev") && text.contains("libpq5"), "built against libpq, run with its library")
        let user = try #require(instructions.last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && user != "USER 0", "\(user)")
        // Every folder the build copies exists, so the build cannot fail on a missing path.
        for line in instructions where line.hasPrefix("COPY ") && !line.contains("--from") {
            let source = String(line.split(separator: " ")[1])
            #expect(FileManager.default.fileExists(atPath: CLI.repository(source)), "\(line)")
        }
    }

    @Test("the Slurm array script is valid bash, 0-based, requeued, and runs work --shard-from-env")
    func slurmScript() throws {
        let path = CLI.repository("deploy/slurm/hospital-twin-array.sbatch")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let directives = text.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }.map { String($0.dropFirst(8)) }
        #expect(directives.contains { $0.hasPrefix("--array=0-") }, "\(directives)")
        #expect(directives.contains("--requeue"))
        #expect(directives.contains { $0.hasPrefix("--cpus-per-task=") })
        #expect(text.contains("work \"$RUN_ID\" --shard-from-env --threads \"${SLURM_CPUS_PER_TASK:-1}\""))
        let syntax = try Self.shell(["bash", "-n", path], environment: [:])
        #expect(syntax.status == 0, "\(syntax.output)")
        let unset = try Self.shell(["bash", path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(unset.status != 0 && unset.output.contains("set RUN_ID"), "\(unset.output)")
        let oneBased = try Self.shell(["bash", path], environment: ["PATH": "/usr/bin:/bin", "RUN_ID": "1", "SLURM_ARRAY_TASK_MIN": "1"])
        #expect(oneBased.status == 2 && oneBased.output.contains("shards are numbered from 0"), "\(oneBased.output)")
    }

    /// Runs a command to its end; its status and its standard error and output together.
    static func shell(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite("deployment manifests against a database", .enabled(if: TestDatabase.runs("deployment manifests against a database")))
struct DeployCommandTests {
    var database: [String: String] { CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? ""]) }

    @Test("the Job's command, as each pod runs it with its JOB_COMPLETION_INDEX, and the Slurm script, as each task runs it, complete a plan")
    func commandsComplete() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for scheduler in ["kubernetes", "slurm"] {
            let planned = try CLI.run(["runs", "plan", CLI.repository("scenarios/demo.yaml"), "--shards", "3",
                                       "--replications", "3", "--horizon", "20", "--warmup", "2"],
                                      environment: database, directory: directory)
            let plan = planned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(planned.status == 0 && Int(plan) != nil, "\(planned.stderr)")
            for index in 0..<3 {
                var environment = database
                let arguments: [String]
                if scheduler == "kubernetes" {
                    let command = try #require(try DeployTests.container(try DeployTests.job(runID: plan))["command"] as? [String])
                    #expect(command.first == "hospital-twin")
                    // Kubernetes expands $(WORKER_THREADS) from the pod's CPU limit and sets the index.
                    arguments = command.dropFirst().map { $0 == "$(WORKER_THREADS)" ? "1" : $0 }
                    environment["JOB_COMPLETION_INDEX"] = String(index)
                    let result = try CLI.run(arguments, environment: environment, directory: directory)
                    #expect(result.status == 0, "\(scheduler) \(index): \(result.stderr)")
                } else {
                    environment.merge(["RUN_ID": plan, "SLURM_ARRAY_TASK_ID": String(index), "SLURM_ARRAY_TASK_MIN": "0",
                                       "SLURM_CPUS_PER_TASK": "1", "HOSPITAL_TWIN": CLI.binary.path]) { $1 }
                    let result = try DeployTests.shell(["bash", CLI.repository("deploy/slurm/hospital-twin-array.sbatch")],
                                                       environment: environment)
                    #expect(result.status == 0, "\(scheduler) \(index): \(result.output)")
                }
            }
            let id = try #require(Int64(plan))
            #expect(try TestDatabase.store().record(id).status == .completed, "\(scheduler)")
        }
    }
}
