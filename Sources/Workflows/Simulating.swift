import CSVFiles
import Finance
import Foundation
import HospitalModel
import RunStore
import Scenario
import Simulation

/// A scenario simulated, priced, and stored when a store was given.
public struct SimulatedScenario: Sendable {
    /// The scenario.
    public let scenario: Scenario
    /// How it ran.
    public let plan: RunSettings
    /// Every replication's KPIs and their summary.
    public let result: HospitalExperimentResult
    /// Every replication priced with the scenario's cost model.
    public let costs: RunCosts
    /// The stored run's id, when stored.
    public let runID: Int64?
    /// Where the results were kept when storing was asked for and failed (import it with `runs import`).
    public let keptIn: String?

    /// True when storing was asked for and failed (the results were kept in a file instead).
    public var storeFailed: Bool { keptIn != nil }

    /// Each replication's metrics: the KPIs' then the costs' (`ReplicationMetrics`).
    public var metrics: [[Metric]] { ReplicationMetrics.of(result, costs: costs) }
}

/// The metrics a comparison pairs, stated once for simulated and stored runs: each replication's KPI metrics
/// followed by its cost metrics (none for a run stored before costs were kept).
public enum ReplicationMetrics {
    /// Replication k's KPI metrics then its cost metrics.
    public static func of(_ result: HospitalExperimentResult, costs: RunCosts?) -> [[Metric]] {
        guard let costs else { return result.replications.map(\.metrics) }
        return zip(result.replications, costs.metrics()).map { $0.metrics + $1 }
    }
}

/// Recording, simulating, pricing and storing a run: the one code path of the command line, a server and a
/// worker.
public enum Simulate {
    /// Simulates `prepared` on `threads` threads, from `census` when given. With `store`, the scenario and the run
    /// are recorded before simulating (status running, so a killed process leaves an abandoned run, never half a
    /// run) and the results stored in one transaction after. When storing fails after simulating, the results
    /// are kept in an archive file in `archiveDirectory` and the result says where (`keptIn`).
    ///
    /// Throws `.store` when the database refuses before simulating, `.cancelled` when `observer` cancels (the
    /// recorded run is marked failed), `.resultsLost` when neither the database nor a file could keep them.
    public static func run(_ prepared: PreparedScenario, threads: Int, census: HospitalCensus? = nil,
                           store: RunStore? = nil, archiveDirectory: String = ".",
                           keepOnStandardOutput: ((Data) -> String?)? = nil,
                           observer: WorkflowObserver = .silent) throws(WorkflowError) -> SimulatedScenario
    {
        let scenario = prepared.scenario, plan = prepared.plan
        let canonical = String(decoding: scenario.canonicalJSON, as: UTF8.self)
        let source = URL(fileURLWithPath: prepared.file).standardizedFileURL.path
        let started = Date()
        var runID: Int64?
        if let store {
            let stored = try storing {
                try store.storeScenario(name: scenario.name, canonicalJSON: canonical, sourcePath: source)
            }
            let id = try storing {
                try store.beginRun(scenario: stored, seed: plan.seed, replications: plan.replications,
                                   horizonDays: plan.horizonDays, warmUpDays: plan.warmUpDays, startedAt: started)
            }
            observer.notice(.runRecorded(id: id, scenario: stored.name, version: stored.version, newContent: stored.isNew))
            runID = id
        }
        let result: HospitalExperimentResult
        do {
            let total = plan.replications, name = scenario.name
            result = try HospitalExperiment.run(
                prepared.hospital, replications: plan.replications, seed: plan.seed, horizonDays: plan.horizonDays,
                warmUpDays: plan.warmUpDays, threads: threads, census: census,
                progress: { observer.progress($0, total, name) }, isCancelled: observer.isCancelled)
        } catch {
            let cancelled = error is HospitalExperimentCancelled
            let reason = cancelled ? "cancelled before it finished" : "the simulation failed: \(error)"
            if let store, let runID { markFailed(runID, reason: reason, in: store, observer: observer) }
            throw cancelled ? WorkflowError(.cancelled, "\(scenario.name): cancelled; nothing was stored")
                : WorkflowError(.input, "\(prepared.file): \(error)")
        }
        if census == nil {
            for series in HospitalWarmUpReport.drifting(result.replications) {
                observer.notice(.drifts(file: prepared.file, series: series.name, percentPerYear: 100 * series.yearlyDrift))
            }
        }
        let costs = RunCosts(pricing: result.replications, with: scenario.costs)
        guard let store, let runID else {
            return SimulatedScenario(scenario: scenario, plan: plan, result: result, costs: costs, runID: nil, keptIn: nil)
        }
        let finished = Date()
        do {
            try store.complete(run: runID, result: result, costs: costs, finishedAt: finished)
            observer.notice(.runStored(id: runID))
            return SimulatedScenario(scenario: scenario, plan: plan, result: result, costs: costs, runID: runID, keptIn: nil)
        } catch {
            observer.notice(.storeFailed(id: runID, reason: "\(error)"))
            let archive = RunArchive(
                scenario: .init(name: scenario.name, sourcePath: source, canonicalDocument: canonical),
                run: .init(seed: plan.seed, replications: plan.replications, horizonDays: plan.horizonDays,
                           warmUpDays: plan.warmUpDays, engineVersion: HospitalSimulation.engineVersion,
                           startedAt: started, finishedAt: finished, runBy: RunStore.currentUser, host: RunStore.currentHost),
                result: result, costs: costs)
            let path = try ArchiveFallback.keep(archive, in: ArchiveFallback.folders(preferred: archiveDirectory),
                                                lastResort: keepOnStandardOutput)
            observer.notice(.resultsKept(path: path))
            markFailed(runID, reason: "its results could not be written: \(error)", in: store, observer: observer)
            return SimulatedScenario(scenario: scenario, plan: plan, result: result, costs: costs, runID: nil, keptIn: path)
        }
    }

    /// Simulates paired scenarios one after another (each on every thread), storing each when `store` is given.
    public static func paired(_ prepared: [PreparedScenario], threads: Int, store: RunStore? = nil,
                              archiveDirectory: String = ".", keepOnStandardOutput: ((Data) -> String?)? = nil,
                              observer: WorkflowObserver = .silent)
        throws(WorkflowError) -> [SimulatedScenario]
    {
        var runs: [SimulatedScenario] = []
        for scenario in prepared {
            runs.append(try run(scenario, threads: threads, store: store, archiveDirectory: archiveDirectory,
                                keepOnStandardOutput: keepOnStandardOutput, observer: observer))
        }
        return runs
    }

    /// Marks a run failed; when even that fails, says the run stays running until its lock is seen released.
    static func markFailed(_ id: Int64, reason: String, in store: RunStore, observer: WorkflowObserver) {
        do { try store.fail(run: id, reason: reason) } catch { observer.notice(.runLeftRunning(id: id)) }
    }
}

/// Runs a store call; any error becomes a `.store` workflow error with the database's own message.
func storing<T>(_ body: () throws -> T) throws(WorkflowError) -> T {
    do { return try body() } catch { throw WorkflowError(.store, "\(error)") }
}

/// Where a run's results go when the database went away after simulating: an archive file `runs import` reads.
/// Its name has the scenario, the time to the second and a unique part, and it is created exclusively, so two runs
/// never overwrite each other's; it is written whole (a temporary file linked into place) or not at all.
public enum ArchiveFallback {
    /// The folders tried, in order: `preferred` (the working directory for the command line), then the user's data
    /// directory (`$XDG_DATA_HOME/hospital-twin`, else `~/.local/share/hospital-twin`, made if absent).
    public static func folders(preferred: String) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let data = environment["XDG_DATA_HOME"].map { $0 + "/hospital-twin" }
            ?? environment["HOME"].map { $0 + "/.local/share/hospital-twin" }
        return [preferred] + (data.map { [$0] } ?? [])
    }

    /// Writes `archive` to the first folder of `folders` that takes it and returns the file's path; when none does,
    /// hands the archive's bytes to `lastResort` (the command line prints them on standard output) and returns what
    /// it says. Throws `.resultsLost` when nothing kept them, with why each place failed.
    public static func keep(_ archive: RunArchive, in folders: [String],
                            lastResort: ((Data) -> String?)? = nil) throws(WorkflowError) -> String
    {
        let data: Data
        do { data = try archive.encoded() } catch {
            throw WorkflowError(.resultsLost, "the results could not be encoded to be kept: \(error)")
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime]
        let stamp = formatter.string(from: archive.run.finishedAt)
        let safeName = String(archive.scenario.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(60))
        var failures: [String] = []
        for folder in folders {
            if folder != "." {
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    failures.append("\(folder): cannot be made (\(error.localizedDescription))")
                    continue
                }
            }
            let unique = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let name = "hospital-twin-run-\(safeName)-\(stamp)-\(getpid())-\(unique).json"
            let path = folder == "." ? name : URL(fileURLWithPath: folder).appendingPathComponent(name).path
            switch writeExclusively(data, to: path) {
            case nil: return path
            case let reason?: failures.append("\(path): \(reason)")
            }
        }
        if let lastResort, let place = lastResort(data) { return place }
        throw WorkflowError(.resultsLost, ["the results could not be kept anywhere:"] + failures)
    }

    /// Writes `data` to a temporary file beside `path`, then links it to `path`, which fails rather than replace a
    /// file already there. Nil when written, else why not.
    static func writeExclusively(_ data: Data, to path: String) -> String? {
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            return "cannot be written (\(String(cString: strerror(errno))))"
        }
        defer { unlink(temporary) }
        guard link(temporary, path) == 0 else {
            return errno == EEXIST ? "already exists" : "cannot be written (\(String(cString: strerror(errno))))"
        }
        return nil
    }
}

extension Simulate {
    /// The census of the scenario's simulated hospital at `local` (its time zone's wall clock): replication 0 of the
    /// plan's seed, run until then (the plan's horizon at least), its census taken — every patient in a bed or
    /// boarding in the ED, and those discharged alive in the 30 days before — in the form a census file holds
    /// (`CensusFile.write`). The same scenario, seed and time give the same census. Throws an input error when the
    /// time is not inside the run.
    public static func census(_ prepared: PreparedScenario, at local: LocalDateTime) throws(WorkflowError) -> TakenCensus {
        try censusAndRun(prepared, at: local).census
    }

    /// The census of `census(_:at:)` and the whole run it was taken in (whose days after it are what a forecast
    /// from the census should foresee).
    public static func censusAndRun(_ prepared: PreparedScenario, at local: LocalDateTime) throws(WorkflowError)
        -> (census: TakenCensus, kpis: HospitalKPIs)
    {
        let clock = prepared.hospital.simulationClock
        let minute = clock.minute(atLocal: local)
        let plan = prepared.plan
        let end = clock.minute(atLocalMinutesSinceEpoch: clock.localDateTime(atMinute: 0).localMinutesSinceEpoch
            + Double(plan.horizonDays) * 1440)
        guard minute > 0, minute <= end else {
            throw WorkflowError(.input, "--census-at \(local): must be after the scenario's start "
                + "(\(clock.localDateTime(atMinute: 0))) and within its \(plan.horizonDays) days "
                + "(until \(clock.localDateTime(atMinute: end))); --horizon makes the run longer")
        }
        let result: HospitalRunResult
        do {
            result = try HospitalSimulation.run(prepared.hospital, horizonDays: plan.horizonDays, warmUpDays: plan.warmUpDays,
                                                streams: RandomStreams(masterSeed: plan.seed).replication(0), censusAt: minute)
        } catch {
            throw WorkflowError(.input, "\(prepared.file): \(error)")
        }
        guard let census = result.takenCensus else {
            preconditionFailure("a run asked for a census within it takes one")
        }
        return (census, result.kpis)
    }
}

extension Simulate {
    /// The warm-up report of `prepared`: its replications run over its horizon with nothing discarded, and each daily
    /// series checked for its initial transient and for drift (`HospitalWarmUpReport`).
    public static func warmUpReport(_ prepared: PreparedScenario, threads: Int, observer: WorkflowObserver = .silent)
        throws(WorkflowError) -> HospitalWarmUpReport
    {
        let plan = prepared.plan, name = prepared.scenario.name
        guard plan.horizonDays >= 20 else {
            throw WorkflowError(.input, "--warmup-report needs a horizon of 20 days or more, found \(plan.horizonDays)")
        }
        let result: HospitalExperimentResult
        do {
            result = try HospitalExperiment.run(
                prepared.hospital, replications: plan.replications, seed: plan.seed, horizonDays: plan.horizonDays,
                warmUpDays: 0, threads: threads, progress: { observer.progress($0, plan.replications, name) },
                isCancelled: observer.isCancelled)
        } catch {
            throw error is HospitalExperimentCancelled ? WorkflowError(.cancelled, "\(name): cancelled")
                : WorkflowError(.input, "\(prepared.file): \(error)")
        }
        return HospitalWarmUpReport(scenario: name, seed: plan.seed, horizonDays: plan.horizonDays,
                                    scenarioWarmUpDays: prepared.scenario.run.warmUpDays, runs: result.replications)
    }
}
