import CSVFiles
import Feed
import FeedStore
import Forecasting
import Foundation
import RunStore
import Scenario
import Simulation
import Store

/// A rolling-origin backtest split over many processes (Docs/SCALE.md): planned once in the database, its origins
/// worked shard by shard, each origin's scores stored in its own transaction, the backtest assembled by whichever
/// worker stores the last origin. Equal, bit for bit, to `backtest --store` of the same settings, because every
/// worker reads the same log (up to the message it was planned at), each origin's forecasts draw from the seed
/// alone, and the origins' scores are summed in origin order (`Backtest.OriginScores`).
public enum ShardedBacktests {
    /// The settings a plan keeps: the request without what belongs to one process (threads) or cannot be split
    /// (a recalibration, which carries each calibration over to the next origins).
    struct StoredRequest: Codable {
        let from: LocalDateTime, to: LocalDateTime
        let horizonDays: Int, everyDays: Int
        let at: LocalTimeOfDay
        let replications: Int
        let seed: UInt64
        let fans: Int

        func request(threads: Int) -> BacktestRequest {
            var request = BacktestRequest(from: from, to: to)
            request.horizonDays = horizonDays
            request.everyDays = everyDays
            request.at = at
            request.replications = replications
            request.seed = seed
            request.fans = fans
            request.threads = threads
            return request
        }
    }

    /// The epoch minute the log is read through for `request`: two days past the last origin's horizon.
    public static func logEnd(of request: BacktestRequest, in zone: TimeZone) -> Double {
        ForecastStart.epochMinute(of: LocalDateTime(localMinutesSinceEpoch: request.to.localMinutesSinceEpoch
            + Double(request.horizonDays + 2) * 1440), in: zone)
    }

    /// Plans `request` on `scenario` (read from `file`) in `shards` shards of its origins: reads the feed's log as
    /// the backtest will (so a log that cannot be backtested is refused now, not in every worker), then stores the
    /// scenario, its twin model's text, the settings and the log's last message id, in one transaction. Returns the
    /// plan's id and its origins. Throws an input error for a recalibrating request or shards outside 1…origins.
    public static func plan(_ scenario: Scenario, file: String, request: BacktestRequest, shards: Int,
                            store: RunStore) throws(WorkflowError) -> (id: Int64, origins: Int)
    {
        guard request.recalibration == nil else {
            throw WorkflowError(.input, "--recalibrate carries each calibration over to the next origins, so its origins cannot "
                + "be split into shards: run hospital-twin backtest --recalibrate on one machine")
        }
        let zone = scenario.configuration.timeZone
        let (lastID, events) = try storing { () throws -> (Int64, [ReceivedEvent]) in
            let last = try FeedStore.lastMessageID(on: store.connection)
            return (last, try FeedStore.events(on: store.connection, timeZone: zone, through: logEnd(of: request, in: zone),
                                               upTo: last, threads: request.threads))
        }
        let origins = try Backtest.plan(scenario, events: events, request: request).originDays.count
        guard (1...min(origins, ShardPlan.shardLimit)).contains(shards) else {
            throw WorkflowError(.input, "--shards \(shards): the backtest has \(origins) origin\(origins == 1 ? "" : "s"); "
                + "choose 1 to \(min(origins, ShardPlan.shardLimit)) shards (a shard holds at least one origin)")
        }
        let stored = StoredRequest(from: request.from, to: request.to, horizonDays: request.horizonDays, everyDays: request.everyDays,
                                   at: request.at, replications: request.replications, seed: request.seed ?? scenario.run.seed,
                                   fans: request.fans)
        let settings: String
        do { settings = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self) } catch {
            throw WorkflowError(.input, "the backtest's settings cannot be kept as JSON: \(error)")
        }
        let item = try ShardedRuns.scenarioToPlan(scenario, file: file)
        let id = try storing {
            try store.planBacktest(item, request: settings, origins: origins, shards: shards, eventsThrough: lastID)
        }
        return (id, origins)
    }

    /// Works shard `shard` of the backtest plan `planned` on `database`: scores its origins not yet stored, in time
    /// order, each stored in its own statement as it is made; then assembles the backtest when every origin is
    /// stored. Two workers on one shard both score its origins; each origin is stored once.
    static func work(_ planned: PlannedBacktest, shard: Int, threads: Int, database: WorkerDatabase,
                     observer: WorkflowObserver) throws(WorkflowError) -> ShardedRuns.Work
    {
        guard (0..<planned.shards).contains(shard) else {
            throw WorkflowError(.input, "backtest plan \(planned.id) has \(planned.shards) shards, numbered 0 to \(planned.shards - 1): "
                + "there is no shard \(shard)")
        }
        let prepared = try Prepared(planned, threads: threads) { zone, through, last throws(WorkflowError) in
            try database.use { try FeedStore.events(on: $0.connection, timeZone: zone, through: through, upTo: last, threads: threads) }
        }
        defer { prepared.removeFiles() }
        let worker = "\(RunStore.currentHost):\(getpid())"
        var work = ShardedRuns.Work(runs: [planned.id])
        let subject = ShardSubject.backtest(planned.id)
        let range = ShardPlan.replications(ofShard: shard, of: planned.shards, total: planned.origins)
        let attempt = try database.use { try $0.beginShard(subject, shard: shard, worker: worker) }
        database.holding(subject, shard: shard)
        do throws(WorkflowError) {
            let stored = try database.use { try $0.storedOrigins(of: planned.id, in: range) }
            work.foundStored = stored.count
            observer.progress(stored.count, range.count, prepared.scenario.name)
            var timeline = prepared.plan.timeline
            var request = prepared.request
            request.edProbes = EDProbes()
            for index in range where !stored.contains(index) {
                if observer.isCancelled() {
                    throw WorkflowError(.cancelled, "\(prepared.scenario.name): cancelled; the origins stored so far stay stored")
                }
                let started = ContinuousClock.now
                let scores = try Backtest.score(origin: index, plan: prepared.plan, scenario: prepared.scenario, file: prepared.label,
                                                timeline: &timeline, request: request, observer: observer)
                let elapsed = started.duration(to: .now)
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                let document = try encoded(scores)
                if try database.use({ try $0.storeOrigin(plan: planned.id, index: index, document: document, worker: worker,
                                                         seconds: seconds) }) {
                    work.stored += 1
                } else {
                    work.storedByOther += 1
                }
                Failpoint.pause(at: "origin-stored", detail: "backtest plan \(planned.id), origin \(index)")
                observer.progress(work.stored + work.storedByOther + work.foundStored, range.count, prepared.scenario.name)
            }
        } catch {
            _ = try? database.use { try $0.endShard(attempt: attempt, subject, shard: shard, failure: "\(error)") }
            database.letGo(subject, shard: shard)
            throw error
        }
        try database.use { try $0.endShard(attempt: attempt, subject, shard: shard, failure: nil) }
        database.letGo(subject, shard: shard)
        if let backtest = try complete(planned.id, prepared: prepared, use: { body throws(WorkflowError) in try database.use(body) }) {
            work.completed.append(backtest)
        }
        return work
    }

    /// Assembles and stores the backtest of plan `id` when every origin is stored; returns the backtest's id, or nil
    /// (an origin missing, or completed already).
    static func complete(_ id: Int64, prepared: Prepared,
                         use: ((RunStore) throws -> Int64?) throws(WorkflowError) -> Int64?) throws(WorkflowError) -> Int64?
    {
        var failure: WorkflowError?
        let done = try use { store in
            try store.completeBacktest(plan: id) { documents in
                do throws(WorkflowError) { return try Backtest.document(try prepared.report(documents)) } catch {
                    failure = error
                    throw error
                }
            }
        }
        if let failure { throw failure }
        return done
    }

    /// Completes backtest plan `id` when every origin is stored (its last worker could not): the backtest's id (nil
    /// when it was completed already), or the origins still missing. nil when `id` names no backtest plan.
    public static func finish(plan id: Int64, store: RunStore) throws(WorkflowError) -> (backtest: Int64?, missing: Int)? {
        guard let planned = try storing({ try store.plannedBacktest(id) }) else { return nil }
        if planned.status == .completed { return (nil, 0) }
        let stored = try storing { try store.storedOrigins(of: planned.id, in: 0..<planned.origins).count }
        guard stored == planned.origins else { return (nil, planned.origins - stored) }
        let prepared = try Prepared(planned, threads: ProcessInfo.processInfo.activeProcessorCount) { zone, through, last throws(WorkflowError) in
            try storing { try FeedStore.events(on: store.connection, timeZone: zone, through: through, upTo: last) }
        }
        defer { prepared.removeFiles() }
        return (try complete(planned.id, prepared: prepared, use: { body throws(WorkflowError) in try storing { try body(store) } }), 0)
    }

    /// How backtest plan `id` stands, or nil when `id` names no backtest plan.
    public static func status(plan id: Int64, store: RunStore) throws(WorkflowError) -> ShardedBacktestStatus? {
        try storing { try store.backtestStatus(id) }
    }

    static func encoded(_ scores: Backtest.OriginScores) throws(WorkflowError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(scores), as: UTF8.self) } catch {
            throw WorkflowError(.input, "origin \(scores.index)'s scores cannot be kept as JSON: \(error)")
        }
    }

    /// A planned backtest made ready to work: its scenario rebuilt (its twin model in a private temporary folder,
    /// kept until `removeFiles`), its settings, and the backtest's plan worked out from the log as planned.
    struct Prepared {
        let label: String
        let scenario: Scenario
        let folder: URL?
        let request: BacktestRequest
        let plan: Backtest.Plan

        /// `readLog(zone, through, lastID)` reads the feed's events through an epoch minute, of messages up to an id.
        init(_ planned: PlannedBacktest, threads: Int,
             readLog: (TimeZone, Double, Int64) throws(WorkflowError) -> [ReceivedEvent]) throws(WorkflowError)
        {
            label = "backtest plan \(planned.id) (scenario \(planned.scenario.name))"
            let rebuilt = try ShardedRuns.rebuild(canonicalJSON: planned.canonicalJSON, twinModel: planned.twinModel, label: label)
            scenario = rebuilt.scenario
            folder = rebuilt.folder
            let stored: StoredRequest
            do { stored = try JSONDecoder().decode(StoredRequest.self, from: Data(planned.request.utf8)) } catch {
                throw WorkflowError(.input, "\(label): its stored settings cannot be read by this program: \(error)")
            }
            let request = stored.request(threads: threads)
            self.request = request
            let zone = rebuilt.scenario.configuration.timeZone
            let events = try readLog(zone, ShardedBacktests.logEnd(of: request, in: zone), planned.eventsThrough)
            plan = try Backtest.plan(rebuilt.scenario, events: events, request: request)
            guard plan.originDays.count == planned.origins else {
                throw WorkflowError(.input, "\(label): the log now gives \(plan.originDays.count) origins, not the \(planned.origins) "
                    + "planned: its messages up to \(planned.eventsThrough) have changed since it was planned")
            }
        }

        /// The backtest from every origin's stored scores, in origin order.
        func report(_ documents: [String]) throws(WorkflowError) -> BacktestReport {
            var origins: [Backtest.OriginScores] = []
            for (index, document) in documents.enumerated() {
                do { origins.append(try JSONDecoder().decode(Backtest.OriginScores.self, from: Data(document.utf8))) } catch {
                    throw WorkflowError(.input, "\(label): origin \(index)'s stored scores cannot be read by this program: \(error)")
                }
                guard origins[index].index == index else {
                    throw WorkflowError(.input, "\(label): the scores stored as origin \(index) are origin \(origins[index].index)'s")
                }
            }
            return Backtest.assemble(origins, plan: plan, scenario: scenario, request: request)
        }

        func removeFiles() {
            if let folder { try? FileManager.default.removeItem(at: folder) }
        }
    }
}
