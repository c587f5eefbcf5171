import ArgumentParser
import Foundation
import HospitalModel
import Reports
import RunStore
import Store
import Workflows

/// What a plan runs.
enum PlanKind: String, ExpressibleByArgument, CaseIterable {
    case run, compare, forecast, backtest
}

extension Runs {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan a run, a comparison or a forecast to be worked in shards by separate processes; prints its id alone.",
            discussion: """
                Stores the scenarios (and the twin model file a scenario names) and records planned runs, so that \
                workers need only the database. Standard output has the plan's id and nothing else; the shards and the \
                commands that start the workers go to standard error. Workers: hospital-twin work ID --shard I (or \
                --shard-from-env in a Kubernetes Indexed Job or a Slurm job array). A comparison plans one run per \
                scenario on the first one's seed and replications; each worker does its shard of every one. A \
                forecast (--kind forecast, with forecast's --days, --census or --live, --at, --from) is prepared here, \
                its census kept in the database, so every worker starts from the same patients; report ID --as \
                forecast shows it once done. Docs/SCALE.md shows it step by step.
                """)

        @Argument(help: "The scenario file (with --kind compare: the baseline, then one or more alternatives).")
        var files: [String]

        @Option(help: "run (one scenario), compare (a baseline and alternatives on common random numbers) or forecast (bed demand from a census).")
        var kind: PlanKind = .run

        @Option(help: "How many shards the replications are split into (a Kubernetes Job's completions, a Slurm array's size).")
        var shards: Int = 1

        @Option(help: "Replications (default: the scenario's run.replications).")
        var replications: Int?

        @Option(help: "The master seed (default: the scenario's run.seed).")
        var seed: UInt64?

        @Option(help: "Days simulated (default: the scenario's run.horizon_days).")
        var horizon: Int?

        @Option(help: "Days before measuring (default: the scenario's run.warmup_days; a forecast without a census warms up so long before its start).")
        var warmup: Int?

        @OptionGroup(title: "Forecast (--kind forecast)") var forecast: ForecastStartOptions

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            switch kind {
            case .run where files.count != 1:
                throw ValidationError("--kind run plans one scenario, found \(files.count); --kind compare plans a baseline and alternatives")
            case .compare where files.count < 2:
                throw ValidationError("--kind compare needs a baseline and at least one alternative, found \(files.count) scenario")
            case .forecast where files.count != 1:
                throw ValidationError("--kind forecast plans one scenario, found \(files.count)")
            case .backtest:
                throw ValidationError("--kind backtest cannot be planned in shards yet: run hospital-twin backtest "
                    + "on one machine (it uses every core); runs plan takes run, compare or forecast")
            default: break
            }
            if kind == .forecast {
                if horizon != nil { throw ValidationError("--horizon is a run's length; a forecast's is --days") }
                if let replications, replications < 2 {
                    throw ValidationError("--replications must be >= 2 for percentile bands, found \(replications)")
                }
                try forecast.validate(warmup: warmup)
            } else if forecast.anyGiven {
                throw ValidationError("--days, --census, --live, --at and --from are a forecast's: give --kind forecast")
            }
            if let replications, !(1...ReplicationOptions.replicationLimit).contains(replications) {
                throw ValidationError("--replications must be from 1 to \(ReplicationOptions.replicationLimit), found \(replications)")
            }
            guard (1...ShardPlan.shardLimit).contains(shards) else {
                throw ValidationError("--shards must be from 1 to \(ShardPlan.shardLimit), found \(shards)")
            }
            if let horizon, !(1...SimulationOptions.horizonLimit).contains(horizon) {
                throw ValidationError("--horizon must be from 1 to \(SimulationOptions.horizonLimit) days, found \(horizon)")
            }
            if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
        }

        func run() throws {
            let prepared: [PreparedScenario]
            var census: HospitalCensus?
            if kind == .forecast {
                let planned = try forecast.prepare(files[0], replications: replications, seed: seed, warmup: warmup,
                                                   database: database)
                prepared = [planned.prepared]
                census = planned.census
                printError("the forecast starts at \(planned.start.description)" + (census.map {
                    " from \(forecast.censusSource): \($0.inpatients.count) inpatients, \($0.recentDischarges.count) recent discharges"
                } ?? " after a warm-up"))
            } else {
                let overrides = RunOverrides(replications: replications, seed: seed, horizonDays: horizon, warmUpDays: warmup)
                prepared = try CommandWorkflow.perform { observer in
                    try Inputs.pairedScenarios(files, overrides: overrides, observer: observer)
                }
            }
            let store = try database.openStore()
            let ids = try CommandWorkflow.perform { _ in
                try ShardedRuns.plan(prepared, shards: shards, census: census, censusSource: forecast.censusSource, store: store)
            }
            let settings = prepared[0].plan
            for (id, scenario) in zip(ids, prepared) {
                printError("planned run \(id): \(scenario.scenario.name), \(settings.summary), in \(shards) shard"
                    + (shards == 1 ? "" : "s"))
            }
            printError("start the workers: hospital-twin work \(ids[0]) --shard I, for I from 0 to \(shards - 1) "
                + "(or --shard-from-env in a Kubernetes Indexed Job with completions \(shards), or a Slurm array --array=0-\(shards - 1))")
            printError("follow it: hospital-twin runs status \(ids[0])")
            if kind == .forecast { printError("then: hospital-twin report \(ids[0]) --as forecast") }
            if ids.count > 1 {
                printError("then compare: " + ids.dropFirst().map { "hospital-twin report \($0) --baseline \(ids[0])" }
                    .joined(separator: "; "))
            }
            FileHandle.standardOutput.write(Data("\(ids[0])\n".utf8))
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How a planned run stands: replications stored, shards done, worked, failed or missing, time left.")

        @Argument(help: "The plan's id (what runs plan printed).")
        var id: RunID

        @Option(help: "table or json.")
        var format: ListFormat = .table

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            let statuses = try CommandWorkflow.perform { _ in try ShardedRuns.status(plan: id.value, store: store) }
            switch format {
            case .table: printOut(RunReports.shardStatus(statuses))
            case .json: FileHandle.standardOutput.write(try RunReports.shardStatusJSON(statuses) + Data("\n".utf8))
            }
        }
    }

    struct Finish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Complete a planned run whose replications are all stored (the last worker normally does).",
            discussion: "Exits 1 when replications are still missing, saying how many.")

        @Argument(help: "The plan's id.")
        var id: RunID

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            let (completed, missing) = try CommandWorkflow.perform { _ in try ShardedRuns.finish(plan: id.value, store: store) }
            for run in completed { printError("completed run \(run)") }
            for (run, count) in missing.sorted(by: { $0.key < $1.key }) {
                printError("run \(run): \(count) replication\(count == 1 ? "" : "s") not stored yet "
                    + "(hospital-twin runs status \(id.value) says which shards)")
            }
            if completed.isEmpty && missing.isEmpty { printError("run \(id.value): nothing to complete (already completed)") }
            if !missing.isEmpty { throw ExitCode(1) }
        }
    }
}

struct Work: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work one shard of a planned run: simulate its replications not yet stored and store each as it finishes.",
        discussion: """
            Each replication is stored in its own transaction, keyed by run and replication: a shard run twice, or two \
            workers on one shard, stores each replication once, and a worker killed part-way loses only the \
            replications it had not stored. The worker that stores a run's last replication completes the run. \
            --shard-from-env reads the shard from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or \
            SLURM_ARRAY_TASK_ID (a Slurm job array). A lost database is tried again with backoff for --retry-for \
            seconds. Exit status 0 when the shard is done, 1 when the database stayed away, 2 for a wrong id or shard.
            """)

    @Argument(help: "The plan's id (what runs plan printed).")
    var id: RunID

    @Option(help: "The shard, from 0 to the plan's shards − 1.")
    var shard: Int?

    @Flag(help: "Read the shard from JOB_COMPLETION_INDEX, else SLURM_ARRAY_TASK_ID.")
    var shardFromEnv = false

    @Option(help: "Worker threads (default: every core). Results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seconds to keep trying when the database cannot be reached, from 1 to 86400.")
    var retryFor: Double = 300

    @OptionGroup var database: DatabaseOptions

    /// The variables a scheduler gives each task its index in, in the order read.
    static let indexVariables = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"]

    func validate() throws {
        guard (shard != nil) != shardFromEnv else {
            throw ValidationError("give the shard: --shard I, or --shard-from-env in a Kubernetes Indexed Job or a Slurm job array")
        }
        if let shard, !(0..<ShardPlan.shardLimit).contains(shard) {
            throw ValidationError("--shard must be from 0 to \(ShardPlan.shardLimit - 1), found \(shard)")
        }
        guard (1...ReplicationOptions.threadLimit).contains(threads) else {
            throw ValidationError("--threads must be from 1 to \(ReplicationOptions.threadLimit), found \(threads)")
        }
        guard retryFor >= 1 && retryFor <= 86_400 else {
            throw ValidationError("--retry-for must be from 1 to 86400 seconds, found \(retryFor)")
        }
    }

    /// The shard from `--shard`, or from the scheduler's variable; a variable that is not a small whole number is
    /// refused, naming it.
    static func shard(from environment: [String: String]) throws -> Int {
        let given = indexVariables.compactMap { name in environment[name].map { (name, $0) } }
        guard let (name, text) = given.first else {
            throw ValidationError("--shard-from-env: neither \(indexVariables.joined(separator: " nor ")) is set "
                + "(they are set by a Kubernetes Indexed Job and a Slurm job array); give --shard I")
        }
        guard text.count <= 6, text.allSatisfy(\.isASCII), let value = Int(text), value >= 0 else {
            throw ValidationError("--shard-from-env: \(name) is '\(text.prefix(20))', expected a whole number from 0")
        }
        return value
    }

    func run() throws {
        let shard = try self.shard ?? Self.shard(from: ProcessInfo.processInfo.environment)
        let location = try database.location()
        printError("database: \(location)")
        let url = location.connectionString
        let work = try CommandWorkflow.perform { observer in
            try ShardedRuns.work(plan: id.value, shard: shard, threads: threads, retryFor: retryFor,
                                 connect: { try RunStore(connection: DatabaseConnection(url: url)) }, observer: observer)
        }
        printError("shard \(shard) of run \(id.value): stored \(work.stored) replication\(work.stored == 1 ? "" : "s")"
            + (work.foundStored > 0 ? ", \(work.foundStored) found stored already" : "")
            + (work.storedByOther > 0 ? ", \(work.storedByOther) stored first by another worker" : ""))
        for run in work.completed { printError("completed run \(run)") }
    }
}
