import ArgumentParser
import Foundation
import HospitalModel
import Reports
import RunStore
import Store
import Workflows

/// What a plan runs.
enum PlanKind: String, ExpressibleByArgument, CaseIterable, Hashable {
    case run, compare, forecast, backtest
}

extension Runs {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan a run, comparison, forecast or backtest to be worked in shards by separate processes; prints its id alone.",
            discussion: """
                Stores the scenarios (and the twin model file a scenario names) and records the plan, so that workers \
                need only the database. Standard output has the plan's id and nothing else; the shards and the \
                commands that start the workers go to standard error. Workers: hospital-twin work ID --shard I (or \
                --shard-from-env in a Kubernetes Indexed Job or a Slurm job array). A comparison plans one run per \
                scenario on the first one's seed and replications; each worker does its shard of every one. A \
                forecast (--kind forecast) is prepared here as forecast prepares it, its census kept in the database, \
                so every worker starts from the same patients; report ID --as forecast shows it once done. A backtest \
                (--kind backtest) splits its origins into the shards; every worker reads the feed's log as it was \
                when planned; report BACKTEST_ID --as backtest shows it once done. Docs/SCALE.md shows it step by step.
                """)

        @Argument(help: "The scenario file (with --kind compare: the baseline, then one or more alternatives).")
        var files: [String]

        @Option(help: "run (one scenario), compare (a baseline and alternatives on common random numbers), forecast (bed demand from a census) or backtest (rolling origins over the feed's log).")
        var kind: PlanKind = .run

        @Option(help: "How many shards the work is split into (a Kubernetes Job's completions, a Slurm array's size).")
        var shards: Int = 1

        @Option(help: "Replications (default: the scenario's run.replications; a forecast's and a backtest's forecasts: 200).")
        var replications: Int?

        @Option(help: "The master seed (default: the scenario's run.seed).")
        var seed: UInt64?

        @Option(help: "Days simulated (default: the scenario's run.horizon_days); with --kind backtest, days forecast from each origin, 1-60 (default 14).")
        var horizon: Int?

        @Option(help: "Days before measuring (default: the scenario's run.warmup_days); with --kind forecast and no census, days of warm-up before the start.")
        var warmup: Int?

        @Option(help: "--kind forecast: days to forecast after the start, 1-366 (default 14).")
        var days: Int?

        @Option(help: "--kind forecast: the census file (CSV), the patients in hospital now.")
        var census: String?

        @Flag(help: "--kind forecast: start from the live census, the feed's event log replayed to --at.")
        var live = false

        @Option(help: "--kind forecast --live: the census's local time, YYYY-MM-DDTHH:MM (default: now). --kind backtest: the origins' local time of day, HH:MM (default 23:59).")
        var at: String?

        @Option(help: "--kind forecast: the first day, YYYY-MM-DD. --kind backtest: the first origin's date.")
        var from: String?

        @Option(help: "--kind backtest: the last origin's date, YYYY-MM-DD.")
        var to: String?

        @Option(help: "--kind backtest: days between origins, e.g. 1d or 7 (default 1d).")
        var every: String?

        @Option(help: "--kind backtest: origins drawn as forecast fans in the HTML report, 0-20 (default 4).")
        var fans: Int?

        @OptionGroup var database: DatabaseOptions

        var forecast: ForecastStartValues { ForecastStartValues(days: days, census: census, live: live, at: at, from: from) }

        var backtest: BacktestSettings {
            var settings = BacktestSettings(from: from ?? "", to: to ?? "")
            if let horizon { settings.horizon = horizon }
            if let every { settings.every = every }
            if let at { settings.at = at }
            if let fans { settings.fans = fans }
            return settings
        }

        func validate() throws {
            switch kind {
            case .run where files.count != 1:
                throw ValidationError("--kind run plans one scenario, found \(files.count); --kind compare plans a baseline and alternatives")
            case .compare where files.count < 2:
                throw ValidationError("--kind compare needs a baseline and at least one alternative, found \(files.count) scenario")
            case .forecast where files.count != 1, .backtest where files.count != 1:
                throw ValidationError("--kind \(kind.rawValue) plans one scenario, found \(files.count)")
            default: break
            }
            // Each kind's own options, and no other kind's.
            let given: [(name: String, isGiven: Bool, kinds: Set<PlanKind>)] = [
                ("--days", days != nil, [.forecast]), ("--census", census != nil, [.forecast]), ("--live", live, [.forecast]),
                ("--at", at != nil, [.forecast, .backtest]), ("--from", from != nil, [.forecast, .backtest]),
                ("--to", to != nil, [.backtest]), ("--every", every != nil, [.backtest]), ("--fans", fans != nil, [.backtest]),
                ("--horizon", horizon != nil, [.run, .compare, .backtest]), ("--warmup", warmup != nil, [.run, .compare, .forecast]),
            ]
            for option in given where option.isGiven && !option.kinds.contains(kind) {
                let kinds = PlanKind.allCases.filter { option.kinds.contains($0) }.map(\.rawValue)
                let list = kinds.count == 1 ? kinds[0] : kinds.dropLast().joined(separator: ", ") + " or " + kinds.last!
                throw ValidationError("\(option.name) is for --kind \(list), not --kind \(kind.rawValue)")
            }
            switch kind {
            case .forecast, .backtest:
                if let replications, replications < 2 {
                    throw ValidationError("--replications must be >= 2 for percentile bands, found \(replications)")
                }
            case .run, .compare: break
            }
            if kind == .forecast { try forecast.validate(warmup: warmup) }
            if kind == .backtest {
                guard from != nil, to != nil else { throw ValidationError("--kind backtest needs --from and --to: the first and last origins' dates") }
                try backtest.validate()
            }
            if let replications, !(1...ReplicationOptions.replicationLimit).contains(replications) {
                throw ValidationError("--replications must be from 1 to \(ReplicationOptions.replicationLimit), found \(replications)")
            }
            guard (1...ShardPlan.shardLimit).contains(shards) else {
                throw ValidationError("--shards must be from 1 to \(ShardPlan.shardLimit), found \(shards)")
            }
            if kind != .backtest, let horizon, !(1...SimulationOptions.horizonLimit).contains(horizon) {
                throw ValidationError("--horizon must be from 1 to \(SimulationOptions.horizonLimit) days, found \(horizon)")
            }
            if let warmup, warmup < 0 { throw ValidationError("--warmup must be >= 0 days, found \(warmup)") }
        }

        func run() throws {
            if kind == .backtest { return try planBacktest() }
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
            printWorkers(ids[0])
            if kind == .forecast { printError("then: hospital-twin report \(ids[0]) --as forecast") }
            if ids.count > 1 {
                printError("then compare: " + ids.dropFirst().map { "hospital-twin report \($0) --baseline \(ids[0])" }
                    .joined(separator: "; "))
            }
            FileHandle.standardOutput.write(Data("\(ids[0])\n".utf8))
        }

        func planBacktest() throws {
            let scenario = try CommandWorkflow.perform { _ in try Inputs.scenario(files[0]) }
            let request = backtest.request(replications: replications, seed: seed,
                                           threads: ProcessInfo.processInfo.activeProcessorCount)
            let store = try database.openStore()
            let (id, origins) = try CommandWorkflow.perform { _ in
                try ShardedBacktests.plan(scenario, file: files[0], request: request, shards: shards, store: store)
            }
            printError("planned backtest \(id): \(scenario.name), \(origins) origin\(origins == 1 ? "" : "s") from "
                + "\(request.from.dateDescription) to \(request.to.dateDescription), \(request.horizonDays)-day horizon, "
                + "\(request.replications) replications each, in \(shards) shard\(shards == 1 ? "" : "s")")
            printWorkers(id)
            printError("then: the last worker stores the backtest and says its id (hospital-twin report BACKTEST_ID --as backtest)")
            FileHandle.standardOutput.write(Data("\(id)\n".utf8))
        }

        func printWorkers(_ id: Int64) {
            printError("start the workers: hospital-twin work \(id) --shard I, for I from 0 to \(shards - 1) "
                + "(or --shard-from-env in a Kubernetes Indexed Job with completions \(shards), or a Slurm array --array=0-\(shards - 1))")
            printError("follow it: hospital-twin runs status \(id)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How a plan stands: replications (or a backtest's origins) stored, shards done, worked, failed or missing, time left.")

        @Argument(help: "The plan's id (what runs plan printed).")
        var id: RunID

        @Option(help: "table or json.")
        var format: ListFormat = .table

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            if let backtest = try CommandWorkflow.perform({ _ in try ShardedBacktests.status(plan: id.value, store: store) }) {
                switch format {
                case .table: printOut(RunReports.backtestShardStatus(backtest))
                case .json: FileHandle.standardOutput.write(try RunReports.shardStatusJSON(backtest) + Data("\n".utf8))
                }
                return
            }
            let statuses = try CommandWorkflow.perform { _ in try ShardedRuns.status(plan: id.value, store: store) }
            switch format {
            case .table: printOut(RunReports.shardStatus(statuses))
            case .json: FileHandle.standardOutput.write(try RunReports.shardStatusJSON(statuses) + Data("\n".utf8))
            }
        }
    }

    struct Finish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Complete a plan whose replications (or a backtest's origins) are all stored (the last worker normally does).",
            discussion: "Exits 1 when some are still missing, saying how many.")

        @Argument(help: "The plan's id.")
        var id: RunID

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try database.openStore()
            if let (backtest, missing) = try CommandWorkflow.perform({ _ in try ShardedBacktests.finish(plan: id.value, store: store) }) {
                if let backtest { printError("completed backtest plan \(id.value): stored backtest \(backtest) "
                    + "(hospital-twin report \(backtest) --as backtest)") }
                if missing > 0 {
                    printError("backtest plan \(id.value): \(missing) origin\(missing == 1 ? "" : "s") not stored yet "
                        + "(hospital-twin runs status \(id.value) says which shards)")
                    throw ExitCode(1)
                }
                if backtest == nil { printError("backtest plan \(id.value): nothing to complete (already completed)") }
                return
            }
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
        abstract: "Work one shard of a plan: simulate its replications (a backtest's origins) not yet stored and store each as it finishes.",
        discussion: """
            Each replication is stored in its own transaction, keyed by run and replication: a shard run twice, or two \
            workers on one shard, stores each replication once, and a worker killed part-way loses only the \
            replications it had not stored. The worker that stores a run's last replication completes the run. A \
            backtest plan's shard is its origins, scored in time order, each stored once; the last one's worker \
            stores the backtest. \
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
        let (plan, item) = work.isBacktest ? ("backtest plan", "origin") : ("run", "replication")
        printError("shard \(shard) of \(plan) \(id.value): stored \(work.stored) \(item)\(work.stored == 1 ? "" : "s")"
            + (work.foundStored > 0 ? ", \(work.foundStored) found stored already" : "")
            + (work.storedByOther > 0 ? ", \(work.storedByOther) stored first by another worker" : ""))
        for done in work.completed {
            printError(work.isBacktest ? "completed backtest plan \(id.value): stored backtest \(done) "
                + "(hospital-twin report \(done) --as backtest)" : "completed run \(done)")
        }
    }
}
