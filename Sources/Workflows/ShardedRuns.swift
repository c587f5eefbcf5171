import CSVFiles
import Finance
import Foundation
import HospitalModel
import RunStore
import Scenario
import Simulation
import Store

/// A run split over many processes (Docs/SCALE.md): planned once in the database, worked shard by shard by
/// workers that each store every replication in its own transaction, completed by whichever stores the last one.
/// The result is the one-process run's, bit for bit, because replication r draws from the seed and r alone.
public enum ShardedRuns {
    /// Plans `prepared` (one scenario; or a comparison's base then its variants, all on the first's plan) in `shards`
    /// shards: stores each scenario and the text of its twin model file, records one planned run of each, in one
    /// transaction. With `census` (a forecast's, named `censusSource` in messages) every run starts from it: it is
    /// kept with the runs, as prepared, for the workers. Returns the runs' ids; the first is the plan's (what `work`
    /// and `runs status` take).
    public static func plan(_ prepared: [PreparedScenario], shards: Int, census: HospitalCensus? = nil,
                            censusSource: String = "the census", store: RunStore) throws(WorkflowError) -> [Int64]
    {
        precondition(!prepared.isEmpty, "at least one scenario")
        let settings = prepared[0].plan
        guard (1...ShardPlan.shardLimit).contains(shards) else {
            throw WorkflowError(.input, "--shards must be from 1 to \(ShardPlan.shardLimit), found \(shards)")
        }
        guard shards <= settings.replications else {
            throw WorkflowError(.input, "--shards \(shards) is more than the \(settings.replications) replications: "
                + "a shard holds at least one replication")
        }
        var planned: CensusToPlan?
        if let census {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            do {
                planned = CensusToPlan(source: censusSource, inpatients: census.inpatients.count,
                                       recentDischarges: census.recentDischarges.count,
                                       document: String(decoding: try encoder.encode(census), as: UTF8.self))
            } catch {
                throw WorkflowError(.input, "\(censusSource): the census cannot be kept as JSON: \(error)")
            }
        }
        let items = try prepared.map { scenario throws(WorkflowError) in
            try scenarioToPlan(scenario.scenario, file: scenario.file, census: planned)
        }
        return try storing {
            try store.plan(items, seed: settings.seed, replications: settings.replications, horizonDays: settings.horizonDays,
                           warmUpDays: settings.warmUpDays, shards: shards).map(\.run)
        }
    }

    /// `scenario` (read from `file`) as a plan stores it: its canonical JSON and the text of the twin model file it
    /// names, so that no worker needs a disk.
    static func scenarioToPlan(_ scenario: Scenario, file: String, census: CensusToPlan? = nil) throws(WorkflowError)
        -> RunStore.ScenarioToPlan
    {
        var model: String?
        if let path = scenario.twinModelFile {
            do { model = String(decoding: try InputFile.read(path, .twinModel), as: UTF8.self) } catch {
                throw WorkflowError(.input, "\(file): twin_model: \(error.message)")
            }
        }
        return .init(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self),
                     sourcePath: URL(fileURLWithPath: file).standardizedFileURL.path, twinModel: model, census: census)
    }

    /// What a worker did.
    public struct Work: Sendable, Hashable {
        /// The plan's runs.
        public var runs: [Int64] = []
        /// Replications this worker simulated and stored.
        public var stored = 0
        /// Replications found stored already (by an earlier attempt or another worker), not simulated again.
        public var foundStored = 0
        /// Replications this worker simulated that another worker stored first (a race on one shard).
        public var storedByOther = 0
        /// Runs this worker completed (it stored their last replication, or found them all stored); for a backtest
        /// plan, the backtest it stored.
        public var completed: [Int64] = []
        /// True when the plan was a backtest's: the items are origins, not replications.
        public var isBacktest = false
    }

    /// Works shard `shard` of the plan `plan`: for each of its runs, simulates the shard's replications not yet
    /// stored, on `threads` threads, and stores each in its own transaction as it finishes; then completes every run
    /// whose replications are all stored. A replication another live worker is simulating is waited for, not
    /// simulated twice (it is polled until its claim goes: stored, or its worker died); one stored by a racing worker
    /// first is kept as stored. `connect` opens the database; a
    /// lost connection is opened again with backoff (0.25 s doubling to 15 s) for up to `retryFor` seconds.
    ///
    /// Throws `.input` when the plan or shard does not exist or its scenario cannot be built, `.store` when the
    /// database stays away longer than `retryFor`, `.cancelled` when `observer` cancels (what was stored stays).
    public static func work(plan: Int64, shard: Int, threads: Int, retryFor: Double = 300,
                            connect: @escaping @Sendable () throws -> RunStore,
                            observer: WorkflowObserver = .silent) throws(WorkflowError) -> Work
    {
        let database = try WorkerDatabase(connect: connect, retryFor: retryFor, observer: observer)
        if let backtest = try database.use({ try $0.plannedBacktest(plan) }) {
            var work = try ShardedBacktests.work(backtest, shard: shard, threads: threads, database: database, observer: observer)
            work.isBacktest = true
            return work
        }
        let runs = try plannedRuns(plan) { body throws(WorkflowError) in try database.use(body) }
        guard let first = runs.first else { throw WorkflowError(.input, "run \(plan) has no planned runs") }
        guard (0..<first.shards).contains(shard) else {
            throw WorkflowError(.input, "run \(plan) has \(first.shards) shards, numbered 0 to \(first.shards - 1): "
                + "there is no shard \(shard)")
        }
        let worker = "\(RunStore.currentHost):\(getpid())"
        var work = Work(runs: runs.map(\.id))
        var costs: [Int64: CostModel] = [:]
        for run in runs {
            let (prepared, census) = try prepare(run)
            costs[run.id] = prepared.scenario.costs
            let range = ShardPlan.replications(ofShard: shard, of: run.shards, total: run.replications)
            let attempt = try database.use { try $0.beginShard(.run(run.id), shard: shard, worker: worker) }
            database.holding(.run(run.id), shard: shard)
            do {
                try workShard(run, prepared: prepared, census: census, range: range, worker: worker, threads: threads,
                              database: database, observer: observer, work: &work)
            } catch {
                _ = try? database.use { try $0.endShard(attempt: attempt, .run(run.id), shard: shard, failure: "\(error)") }
                database.letGo(.run(run.id), shard: shard)
                throw error
            }
            try database.use { try $0.endShard(attempt: attempt, .run(run.id), shard: shard, failure: nil) }
            database.letGo(.run(run.id), shard: shard)
        }
        for run in runs {
            if try database.use({ try $0.completeSharded(run: run.id, costs: costs[run.id]!) }) { work.completed.append(run.id) }
        }
        return work
    }

    /// Completes every run of the plan whose replications are all stored (when the last worker could not: it died
    /// after storing, or the database went away); returns those it completed and, for the others, how many
    /// replications are missing.
    public static func finish(plan: Int64, store: RunStore) throws(WorkflowError) -> (completed: [Int64], missing: [Int64: Int]) {
        let runs = try plannedRuns(plan) { body throws(WorkflowError) in try storing { try body(store) } }
        var completed: [Int64] = [], missing: [Int64: Int] = [:]
        for run in runs {
            // Only the prices are needed: the scenario is built again, its model not prepared.
            let rebuilt = try rebuild(canonicalJSON: run.canonicalJSON, twinModel: run.twinModel, label: "run \(run.id) (scenario \(run.scenario))")
            if let folder = rebuilt.folder { try? FileManager.default.removeItem(at: folder) }
            let costs = rebuilt.scenario.costs
            if try storing({ try store.completeSharded(run: run.id, costs: costs) }) {
                completed.append(run.id)
            } else {
                let stored = try storing { try store.storedReplications(of: run.id, in: 0..<run.replications).count }
                if stored < run.replications { missing[run.id] = run.replications - stored }
            }
        }
        return (completed, missing)
    }

    /// Each run of the plan as `runs status` shows it.
    public static func status(plan: Int64, store: RunStore) throws(WorkflowError) -> [ShardedRunStatus] {
        let runs = try plannedRuns(plan) { body throws(WorkflowError) in try storing { try body(store) } }
        return try runs.map { run throws(WorkflowError) in try storing { try store.shardedStatus(run.id) } }
    }

    /// The runs of `plan`, read through `use`; an id that names no plan is the caller's input error.
    static func plannedRuns(_ plan: Int64, _ use: ((RunStore) throws -> [PlannedRun]) throws(WorkflowError) -> [PlannedRun])
        throws(WorkflowError) -> [PlannedRun]
    {
        var notAPlan: NotAPlan?
        let runs = try use { store in
            do { return try store.plannedRuns(plan) } catch let error as NotAPlan {
                notAPlan = error
                return []
            }
        }
        if let notAPlan { throw WorkflowError(.input, notAPlan.description) }
        return runs
    }

    /// The stored run's scenario rebuilt from the database (its twin model written to a private temporary file
    /// while it is read) and prepared as planned, with its census (a forecast's) prepared for it as a one-process
    /// run prepares it (`PreparedHospital.preparingReturns`).
    static func prepare(_ run: PlannedRun) throws(WorkflowError) -> (scenario: PreparedScenario, census: HospitalCensus?) {
        let label = "run \(run.id) (scenario \(run.scenario))"
        let rebuilt = try rebuild(canonicalJSON: run.canonicalJSON, twinModel: run.twinModel, label: label)
        defer { if let folder = rebuilt.folder { try? FileManager.default.removeItem(at: folder) } }
        let scenario = rebuilt.scenario
        let prepared = try PreparedScenario(scenario, file: label, plan: RunSettings(
            horizonDays: run.horizonDays, warmUpDays: run.warmUpDays, replications: run.replications, seed: run.seed))
        guard let document = run.census else { return (prepared, nil) }
        let census: HospitalCensus
        do { census = try JSONDecoder().decode(HospitalCensus.self, from: Data(document.utf8)) } catch {
            throw WorkflowError(.input, "\(label): its stored census cannot be read by this program: \(error)")
        }
        if let problem = prepared.hospital.censusProblem(census) { throw WorkflowError(.input, "\(label): its stored census \(problem)") }
        return (prepared, prepared.hospital.preparingReturns(census))
    }

    /// A stored scenario built again (`label` names it in messages), its twin model (when it has one) written to a
    /// file in a private temporary folder that the caller removes once the model is read.
    static func rebuild(canonicalJSON: String, twinModel: String?, label: String) throws(WorkflowError) -> (scenario: Scenario, folder: URL?) {
        var modelFile: String?
        var folder: URL?
        if let twinModel {
            let made = FileManager.default.temporaryDirectory
                .appendingPathComponent("hospital-twin-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            do {
                try FileManager.default.createDirectory(at: made, withIntermediateDirectories: false,
                                                        attributes: [.posixPermissions: 0o700])
                folder = made
                let file = made.appendingPathComponent("twin-model.json")
                try Data(twinModel.utf8).write(to: file, options: .withoutOverwriting)
                modelFile = file.path
            } catch {
                if let folder { try? FileManager.default.removeItem(at: folder) }
                throw WorkflowError(.input, "\(label): its twin model cannot be written to a temporary file: \(error.localizedDescription)")
            }
        }
        do {
            return (try Scenario.rebuild(canonicalJSON: Data(canonicalJSON.utf8), label: label, twinModelFile: modelFile), folder)
        } catch {
            if let folder { try? FileManager.default.removeItem(at: folder) }
            throw WorkflowError(.input, error.problems.map(\.description) + ["\(label): its stored scenario cannot be built by this program"])
        }
    }

    /// Simulates and stores the replications of `range` of `run` not yet stored.
    static func workShard(_ run: PlannedRun, prepared: PreparedScenario, census: HospitalCensus?, range: Range<Int>,
                          worker: String, threads: Int,
                          database: WorkerDatabase, observer: WorkflowObserver, work: inout Work) throws(WorkflowError)
    {
        let stored = try database.use { try $0.storedReplications(of: run.id, in: range) }
        work.foundStored += stored.count
        var pending = range.filter { !stored.contains($0) }
        let total = range.count, name = prepared.scenario.name
        let done = DoneCounter(start: stored.count)
        observer.progress(stored.count, total, name)
        // A first pass over what nobody claims; then what another worker had claimed, once it lets go.
        for pass in 0..<2 where !pending.isEmpty {
            let outcomes = Parallel.map(count: pending.count, threads: threads) { [pending] position -> Result<Outcome, WorkflowError> in
                let index = pending[position]
                return Result { () throws(WorkflowError) -> Outcome in
                    if observer.isCancelled() { return .cancelled }
                    if pass == 0 {
                        guard try database.claim(run: run.id, replication: index) else { return .contested(index) }
                    } else {
                        // Polled, never waited for on the connection: a worker waiting holds no claim, so two
                        // workers can never wait for each other.
                        while !(try database.claim(run: run.id, replication: index)) {
                            if observer.isCancelled() { return .cancelled }
                            Thread.sleep(forTimeInterval: 0.2)
                        }
                        if try database.use({ try $0.storedReplications(of: run.id, in: index..<(index + 1)) }).count == 1 {
                            try database.release(run: run.id, replication: index)
                            return .foundStored
                        }
                    }
                    let started = ContinuousClock.now
                    let kpis: HospitalKPIs
                    do {
                        kpis = try HospitalExperiment.replication(index, of: prepared.hospital, seed: run.seed,
                                                                  horizonDays: run.horizonDays, warmUpDays: run.warmUpDays,
                                                                  preparedCensus: census)
                    } catch {
                        throw WorkflowError(.input, "\(prepared.file), replication \(index): \(error)")
                    }
                    let elapsed = started.duration(to: .now)
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    let inserted = try database.use {
                        try $0.storeReplication(run: run.id, index: index, kpis: kpis, worker: worker, seconds: seconds)
                    }
                    try database.release(run: run.id, replication: index)
                    Failpoint.pause(at: "replication-stored", detail: "run \(run.id), replication \(index)")
                    observer.progress(done.increment(), total, name)
                    return inserted ? .stored : .storedByOther
                }
            }
            var contested: [Int] = []
            for outcome in outcomes {
                switch try outcome.get() {
                case .stored: work.stored += 1
                case .storedByOther: work.storedByOther += 1
                case .foundStored: work.foundStored += 1
                case .contested(let index): contested.append(index)
                case .cancelled: throw WorkflowError(.cancelled, "\(name): cancelled; the replications stored so far stay stored")
                }
            }
            pending = contested
        }
    }

    enum Outcome {
        case stored, storedByOther, foundStored, contested(Int), cancelled
    }
}

/// Counts replications done across threads.
final class DoneCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int

    init(start: Int) { count = start }

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}

/// A worker's one database connection, shared by its threads one call at a time, opened again when lost: the
/// shards it holds are taken again on the new connection, and the replications it had claimed are let go (another
/// worker may then simulate one too; whichever stores it first is kept).
final class WorkerDatabase: @unchecked Sendable {
    private let lock = NSLock()
    private var store: RunStore?
    private let connect: @Sendable () throws -> RunStore
    private let retryFor: Double
    private let observer: WorkflowObserver
    private var shards: [(subject: ShardSubject, shard: Int)] = []
    private var claims: Set<[Int64]> = []

    init(connect: @escaping @Sendable () throws -> RunStore, retryFor: Double, observer: WorkflowObserver) throws(WorkflowError) {
        self.connect = connect
        self.retryFor = retryFor
        self.observer = observer
        try use { _ in () }
    }

    /// Runs `body` on the connection under the lock; when the connection is lost (or cannot be opened), waits and
    /// tries again on a new one, until `retryFor` seconds have passed since the first failure. Any other error is
    /// thrown at once as a `.store` error.
    func use<T>(_ body: (RunStore) throws -> T) throws(WorkflowError) -> T {
        lock.lock()
        defer { lock.unlock() }
        var delay = 0.25
        var firstFailure: ContinuousClock.Instant?
        while true {
            do {
                let store = try current()
                return try body(store)
            } catch {
                let lost = store.map { !$0.connection.isConnected } ?? true
                    || (error as? DatabaseError).map { Self.isTransient($0) } ?? false
                guard lost else { throw WorkflowError(.store, "\(error)") }
                store = nil
                claims = []
                let now = ContinuousClock.now
                let start = firstFailure ?? now
                firstFailure = start
                let waited = start.duration(to: now)
                guard Double(waited.components.seconds) < retryFor else {
                    throw WorkflowError(.store, "the database stayed away for \(Int(retryFor)) s (--retry-for): \(error)")
                }
                observer.notice(.databaseRetry(seconds: delay, reason: "\(error)".split(separator: "\n").first.map(String.init) ?? ""))
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 15)
            }
        }
    }

    /// The connection, opened (and the shards held again) when there is none.
    private func current() throws -> RunStore {
        if let store { return store }
        let fresh = try connect()
        for held in shards { try fresh.holdShard(held.subject, shard: held.shard) }
        store = fresh
        return fresh
    }

    /// Notes a shard this worker holds, to take it again after a reconnection.
    func holding(_ subject: ShardSubject, shard: Int) {
        lock.lock()
        shards.append((subject, shard))
        lock.unlock()
    }

    /// Forgets a shard let go.
    func letGo(_ subject: ShardSubject, shard: Int) {
        lock.lock()
        shards.removeAll { $0.subject == subject && $0.shard == shard }
        lock.unlock()
    }

    /// Claims a replication on the connection (`RunStore.claim`).
    func claim(run: Int64, replication: Int) throws(WorkflowError) -> Bool {
        try use { store in
            let claimed = try store.claim(run: run, replication: replication)
            if claimed { claims.insert([run, Int64(replication)]) }
            return claimed
        }
    }

    /// Lets a replication's claim go, when it is still held: a claim taken on a connection since lost went with it.
    func release(run: Int64, replication: Int) throws(WorkflowError) {
        try use { store in
            guard claims.remove([run, Int64(replication)]) != nil else { return }
            try store.release(run: run, replication: replication)
        }
    }

    /// Errors that mean the server went away or is restarting: SQLSTATE class 08 (connection exception) and
    /// 57P01–57P03 (admin or crash shutdown, cannot connect now).
    static func isTransient(_ error: DatabaseError) -> Bool {
        if error.kind == .connection { return true }
        guard let state = error.sqlState else { return false }
        return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
    }
}
