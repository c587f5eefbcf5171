import CSVFiles
import Finance
import Forecasting
import Foundation
import HospitalModel
import PatientTwin
import Reports
import RunStore
import Scenario
import Simulation
import Store
import Testing
import TestSupport
import Workflows

/// Collects what a workflow reports, from any thread.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var notices: [WorkflowNotice] = []
    private var progress: [(done: Int, total: Int)] = []
    /// Cancels once this many replications have finished (nil: never).
    var cancelAfter: Int?
    /// Runs once, when every replication has finished (before storing).
    var whenSimulated: (@Sendable () -> Void)?

    var observer: WorkflowObserver {
        WorkflowObserver(
            progress: { done, total, _ in
                self.lock.lock()
                self.progress.append((done, total))
                let hook = done == total ? self.whenSimulated : nil
                self.lock.unlock()
                hook?()
            },
            notice: { notice in
                self.lock.lock()
                self.notices.append(notice)
                self.lock.unlock()
            },
            isCancelled: {
                self.lock.lock()
                defer { self.lock.unlock() }
                return self.cancelAfter.map { self.progress.count >= $0 } ?? false
            })
    }

    var seenNotices: [WorkflowNotice] {
        lock.lock()
        defer { lock.unlock() }
        return notices
    }

    var seenProgress: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return progress.map(\.done)
    }
}

/// The demo hospital, read once.
enum Demo {
    static let file = Repository.path("scenarios/demo.yaml")
    static let scenario: Scenario = {
        do { return try Inputs.scenario(file) } catch { fatalError("the demo scenario must load: \(error)") }
    }()
    /// 3 replications of 40 days, 10 of warm-up, seed 5.
    static let plan = RunSettings(horizonDays: 40, warmUpDays: 10, replications: 3, seed: 5)
    static func prepared() throws -> PreparedScenario { try PreparedScenario(scenario, file: file, plan: plan) }
}

@Suite("planning a run")
struct PlanningTests {
    @Test("options over the run section: a horizon shortens the warm-up to fit; a warm-up not shorter is refused")
    func overrides() throws {
        let run = Demo.scenario.run
        #expect(try RunOverrides().plan(for: Demo.scenario) == run)
        let short = try RunOverrides(seed: 7, horizonDays: 30).plan(for: Demo.scenario)
        #expect(short == RunSettings(horizonDays: 30, warmUpDays: 29, replications: run.replications, seed: 7))
        #expect(try RunOverrides(horizonDays: 200).plan(for: Demo.scenario).warmUpDays == run.warmUpDays)
        let error = #expect(throws: WorkflowError.self) { try RunOverrides(horizonDays: 10, warmUpDays: 10).plan(for: Demo.scenario) }
        #expect(error?.kind == .input)
        #expect(error?.description == "--warmup (10 days) must be shorter than the horizon (10 days)")
    }

    @Test("a broken scenario: every problem located, a closing count, nothing simulated")
    func brokenScenario() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("workflows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("broken.yaml").path
        try "extends: \(Demo.file)\nname: broken\nrun: {replications: -2, seed: x}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: WorkflowError.self) { try Inputs.scenario(file) }
        #expect(error?.kind == .input)
        let messages = error?.messages ?? []
        #expect(messages.count == 3, "\(messages)")
        #expect(messages.dropLast().allSatisfy { $0.hasPrefix("\(file):3:") }, "\(messages)")
        #expect(messages.last == "\(file): 2 problems; nothing was simulated")
        let paired = #expect(throws: WorkflowError.self) { try Inputs.pairedScenarios([Demo.file, file], overrides: RunOverrides()) }
        #expect(paired?.messages.last == "nothing was simulated" && paired?.messages.count == 3)
    }

    @Test("paired scenarios run as the first says, and a scenario whose own section differs is told so")
    func paired() throws {
        let recorder = Recorder()
        let overrides = RunOverrides(replications: 2, horizonDays: 30)
        let prepared = try Inputs.pairedScenarios([Demo.file, Demo.file], overrides: overrides, observer: recorder.observer)
        #expect(prepared.map(\.plan) == [try overrides.plan(for: Demo.scenario), try overrides.plan(for: Demo.scenario)])
        #expect(recorder.seenNotices.isEmpty)
    }
}

@Suite("simulating through the workflow")
struct SimulateTests {
    @Test("the same result as the experiment run directly, on 1 and 2 threads; progress up to every replication")
    func sameAsExperiment() throws {
        let prepared = try Demo.prepared()
        let direct = try HospitalExperiment.run(prepared.hospital, replications: 3, seed: 5, horizonDays: 40, warmUpDays: 10,
                                                threads: 1)
        for threads in [1, 2] {
            let recorder = Recorder()
            let run = try Simulate.run(prepared, threads: threads, observer: recorder.observer)
            #expect(run.result == direct)
            #expect(run.costs == RunCosts(pricing: direct.replications, with: Demo.scenario.costs))
            #expect(run.runID == nil && run.keptIn == nil && !run.storeFailed)
            #expect(recorder.seenProgress.sorted() == [1, 2, 3])
            #expect(recorder.seenNotices.isEmpty)
        }
    }

    @Test("cancelled after the first replication: no result, a cancellation error")
    func cancelled() throws {
        let recorder = Recorder()
        recorder.cancelAfter = 1
        let prepared = try PreparedScenario(Demo.scenario, file: Demo.file,
                                            plan: RunSettings(horizonDays: 40, warmUpDays: 10, replications: 6, seed: 5))
        let error = #expect(throws: WorkflowError.self) { try Simulate.run(prepared, threads: 1, observer: recorder.observer) }
        #expect(error?.kind == .cancelled)
        #expect(recorder.seenProgress == [1], "no replication starts after the cancel")
    }

    @Test("a scenario against itself: every measure identical, KPIs and costs alike")
    func comparisonWithItself() throws {
        let prepared = try Demo.prepared()
        let runs = try Simulate.paired([prepared, prepared], threads: 2)
        let report = Answers.comparison(runs, detect: 0.05)
        let metrics = try #require(report.comparisons.first?.metrics)
        // Every measure but the rates no replication defines (an age band with no patients) is compared.
        let defined = MetricColumns(runs[0].metrics).order.filter { metric in
            runs[0].metrics.contains { run in run.contains { $0.key == metric.key && !$0.value.isNaN } }
        }
        #expect(metrics.count == defined.count && defined.count < runs[0].metrics[0].count)
        #expect(metrics.allSatisfy { $0.verdict == .identical && $0.difference == 0 })
        #expect(metrics.contains { $0.key.hasPrefix("cost") } && metrics.contains { $0.key.hasPrefix("ed.") },
                "\(metrics.prefix(3).map(\.key))")
    }
}

@Suite("choosing a forecast's start")
struct ForecastPlanningTests {
    static let general = Repository.path("scenarios/general-hospital.yaml")
    static let census = Repository.path("scenarios/general-hospital-census.csv")

    @Test("from a census: simulated from its latest time, forecast from the midnight after, every inpatient in the census")
    func fromCensus() throws {
        let scenario = try Inputs.scenario(Self.general)
        let recorder = Recorder()
        let forecast = try ForecastPlanning.prepare(scenario, file: Self.general,
                                                    request: ForecastRequest(days: 7, censusPath: Self.census, replications: 2),
                                                    observer: recorder.observer)
        #expect(forecast.start == LocalDateTime(year: 2026, month: 11, day: 26))
        // The sample's latest time is 22:59: the hour to midnight is simulated, the census's day its warm-up.
        #expect(forecast.prepared.scenario.configuration.start == LocalDateTime(year: 2026, month: 11, day: 25, hour: 22, minute: 59))
        #expect(forecast.prepared.scenario.document["start"]?.text == "2026-11-25T22:59", "a stored forecast begins where this one did")
        #expect(forecast.prepared.plan == RunSettings(horizonDays: 8, warmUpDays: 1, replications: 2, seed: scenario.run.seed))
        // The census's time, when the request gives it, is where the simulation starts; never after the first day.
        var at = ForecastRequest(days: 7, censusPath: Self.census, replications: 2)
        at.censusTime = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 11, day: 25, hour: 23, minute: 30),
                                                  in: scenario.configuration.timeZone)
        #expect(try ForecastPlanning.prepare(scenario, file: Self.general, request: at).prepared.scenario.configuration.start
            == LocalDateTime(year: 2026, month: 11, day: 25, hour: 23, minute: 30))
        at.censusTime = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 11, day: 26, hour: 0, minute: 1),
                                                  in: scenario.configuration.timeZone)
        at.from = LocalDateTime(year: 2026, month: 11, day: 26)
        #expect(throws: WorkflowError.self) { try ForecastPlanning.prepare(scenario, file: Self.general, request: at) }
        // A forecast far beyond its census would simulate every day between: refused, with the bound.
        var far = ForecastRequest(days: 7, censusPath: Self.census, from: LocalDateTime(year: 2099, month: 1, day: 1), replications: 2)
        far.now = Date(timeIntervalSince1970: 0)
        #expect { try ForecastPlanning.prepare(scenario, file: Self.general, request: far) } throws: { error in
            "\(error)".contains("days before the forecast's start 2099-01-01") && "\(error)".contains("within 366 days of its census")
        }
        // A census at a midnight starts there: no warm-up.
        at.censusTime = ForecastStart.epochMinute(of: LocalDateTime(year: 2026, month: 11, day: 26), in: scenario.configuration.timeZone)
        #expect(try ForecastPlanning.prepare(scenario, file: Self.general, request: at).prepared.plan
            == RunSettings(horizonDays: 7, warmUpDays: 0, replications: 2, seed: scenario.run.seed))
        let rows = try String(contentsOfFile: Self.census, encoding: .utf8).split(separator: "\n").count - 1
        #expect(forecast.census?.inpatients.count == rows)
        // The sample lists no recent discharges: their returns come from the scenario's own simulated month, said so.
        let returning = forecast.census?.recentDischarges.count ?? 0
        #expect(returning > 1_000, "a month of a 445-bed hospital's discharges")
        #expect(recorder.seenNotices.contains(.returnsFromScenario(file: Self.census, discharges: returning)))
        // Its 14 boarders name no bed: inferred, said so.
        #expect(recorder.seenNotices.contains(.boardersInferred(file: Self.census, boarders: 14)))
    }

    @Test("a forecast says which census it starts from and how old it is; older than a day is a warning")
    func censusAge() throws {
        let scenario = try Inputs.scenario(Self.general)
        let latest = try #require(ISO8601DateFormatter().date(from: "2026-11-25T22:59:00Z"))   // the sample's latest record
        func notices(hoursLater: Double) throws -> [WorkflowNotice] {
            let recorder = Recorder()
            var request = ForecastRequest(days: 2, censusPath: Self.census, replications: 2)
            request.now = latest.addingTimeInterval(hoursLater * 3600)
            _ = try ForecastPlanning.prepare(scenario, file: Self.general, request: request, observer: recorder.observer)
            return recorder.seenNotices
        }
        let fresh = try notices(hoursLater: 2)
        #expect(fresh.contains(.censusStart(file: Self.census, latest: "2026-11-25T22:59:00Z", ageHours: 2)))
        #expect(!fresh.contains { if case .staleCensus = $0 { true } else { false } })
        let old = try notices(hoursLater: 30)
        #expect(old.contains(.staleCensus(file: Self.census, latest: "2026-11-25T22:59:00Z", ageHours: 30)))
        #expect(old.first { if case .staleCensus = $0 { true } else { false } }?.description.contains("30.0 hours old") == true)
    }

    @Test("without a census: the warm-up ends at --from, else after the scenario's start")
    func withoutCensus() throws {
        let scenario = try Inputs.scenario(Self.general)
        let from = LocalDateTime(year: 2026, month: 3, day: 30)
        let given = try ForecastPlanning.prepare(scenario, file: Self.general,
                                                 request: ForecastRequest(days: 5, from: from, warmUpDays: 14, replications: 2))
        #expect(given.start == from && given.census == nil)
        #expect(given.prepared.scenario.configuration.start == LocalDateTime(year: 2026, month: 3, day: 16))
        #expect(given.prepared.plan.horizonDays == 19 && given.prepared.plan.warmUpDays == 14)
        let own = try ForecastPlanning.prepare(scenario, file: Self.general, request: ForecastRequest(days: 5, replications: 2))
        let startDay = scenario.configuration.start.localMinutesSinceEpoch / 1440
        #expect(own.start.localMinutesSinceEpoch / 1440 == startDay + Double(scenario.run.warmUpDays))
    }

    @Test("a census with problems: every one, then the count; nothing simulated")
    func badCensus() throws {
        let scenario = try Inputs.scenario(Self.general)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("census-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try String(contentsOfFile: Self.census, encoding: .utf8).split(separator: "\n")
        let bad = [String(lines[0]), lines[1].replacingOccurrences(of: ",AMU,", with: ",Ward 99,"),
                   lines[2].replacingOccurrences(of: ",emergency_medical,", with: ",teleportation,")]
        let file = directory.appendingPathComponent("census.csv").path
        try (bad.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: WorkflowError.self) {
            try ForecastPlanning.prepare(scenario, file: Self.general, request: ForecastRequest(days: 3, censusPath: file, replications: 2))
        }
        #expect(error?.kind == .input)
        #expect(error?.messages.last == "\(file): 2 problems; nothing was simulated", "\(error?.messages ?? [])")
        #expect(error?.messages.first?.hasPrefix("\(file):2") == true, "\(error?.messages ?? [])")
    }
}

extension TestDatabase {
    static func store() throws -> RunStore { try RunStore(connection: try connect()) }
}

@Suite("storing through the workflow", .enabled(if: TestDatabase.runs("storing through the workflow")), .serialized)
struct StoringWorkflowTests {
    @Test("stored whole; every report rendered again from the store equals the one from the simulation")
    func storedAnswersMatch() throws {
        let store = try TestDatabase.store()
        let recorder = Recorder()
        let prepared = try Demo.prepared()
        let runs = try Simulate.paired([prepared, prepared], threads: 2, store: store, observer: recorder.observer)
        let ids = try runs.map { try #require($0.runID) }
        #expect(recorder.seenNotices.filter { if case .runStored = $0 { true } else { false } }.count == 2)
        guard case .run(let result) = try StoredAnswers.answer(.run, run: ids[1], baseline: nil, detect: 0.05, in: store) else {
            Issue.record("a run's answer")
            return
        }
        #expect(result == runs[1].result)
        guard case .comparison(let comparison) = try StoredAnswers.answer(.run, run: ids[1], baseline: ids[0], detect: 0.05,
                                                                          in: store) else {
            Issue.record("a comparison")
            return
        }
        #expect(comparison == Answers.comparison(runs, detect: 0.05))
        guard case .costs(let costs) = try StoredAnswers.answer(.costs, run: ids[1], baseline: ids[0], detect: 0.05,
                                                                in: store) else {
            Issue.record("a cost report")
            return
        }
        #expect(costs == Answers.costs(runs[1], baseline: runs[0]))
        let forecast = #expect(throws: WorkflowError.self) {
            try StoredAnswers.answer(.forecast, run: ids[1], baseline: ids[0], detect: 0.05, in: store)
        }
        #expect(forecast?.kind == .input)
    }

    @Test("runs of different seeds do not pair")
    func unpaired() throws {
        let store = try TestDatabase.store()
        let a = try Simulate.run(try Demo.prepared(), threads: 2, store: store)
        var plan = Demo.plan
        plan.seed = 6
        let b = try Simulate.run(try PreparedScenario(Demo.scenario, file: Demo.file, plan: plan), threads: 2, store: store)
        let ids = (try #require(a.runID), try #require(b.runID))
        let error = #expect(throws: WorkflowError.self) {
            try StoredAnswers.answer(.run, run: ids.1, baseline: ids.0, detect: 0.05, in: store)
        }
        #expect(error?.kind == .input && error?.description.contains("does not pair") == true)
    }

    @Test("cancelled while storing was asked for: the recorded run is marked failed, nothing else is written")
    func cancelledStored() throws {
        let store = try TestDatabase.store()
        let recorder = Recorder()
        recorder.cancelAfter = 1
        #expect(throws: WorkflowError.self) {
            try Simulate.run(try Demo.prepared(), threads: 1, store: store, observer: recorder.observer)
        }
        guard case .runRecorded(let id, _, _, _) = try #require(recorder.seenNotices.first) else {
            Issue.record("the run was recorded first: \(recorder.seenNotices)")
            return
        }
        let record = try store.record(id)
        #expect(record.status == .failed && record.failure == "cancelled before it finished", "\(record)")
        #expect(try store.connection.query("SELECT count(*) FROM hospital_twin.replication_kpis WHERE run_id = \(id)").rows
            == [["0"]])
    }

    @Test("the database lost after simulating: the results kept in an archive that imports whole, the run marked failed")
    func databaseLost() throws {
        let store = try TestDatabase.store()
        nonisolated(unsafe) let killer = try TestDatabase.connect()
        let backend = store.connection.backendPID
        let recorder = Recorder()
        recorder.whenSimulated = { _ = try? killer.query("SELECT pg_terminate_backend(\(backend))") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("archives-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try Simulate.run(try Demo.prepared(), threads: 1, store: store, archiveDirectory: directory.path,
                                   observer: recorder.observer)
        let kept = try #require(run.keptIn)
        #expect(run.storeFailed && run.runID == nil && kept.hasPrefix(directory.path))
        #expect(recorder.seenNotices.contains(.resultsKept(path: kept)))
        let archive = try RunArchive.decode(try Data(contentsOf: URL(fileURLWithPath: kept)), file: kept)
        #expect(archive.result == run.result && archive.costs == run.costs)
        let again = try TestDatabase.store()
        let imported = try again.importArchive(archive, from: kept)
        #expect(try again.result(of: imported.id) == run.result)
        guard case .runRecorded(let id, _, _, _) = try #require(recorder.seenNotices.first) else {
            Issue.record("recorded first: \(recorder.seenNotices)")
            return
        }
        // The lost connection's lock is released with it, so the run reads as abandoned or failed, never running.
        let record = try again.record(id)
        #expect(record.status == .failed, "\(record)")
    }
}

@Suite("keeping results when the database is gone")
struct ArchiveFallbackTests {
    static func archive() throws -> RunArchive {
        let run = try Simulate.run(try PreparedScenario(Demo.scenario, file: Demo.file,
                                                        plan: RunSettings(horizonDays: 20, warmUpDays: 5, replications: 1, seed: 2)),
                                   threads: 1)
        return RunArchive(scenario: .init(name: "demo", sourcePath: nil,
                                          canonicalDocument: String(decoding: Demo.scenario.canonicalJSON, as: UTF8.self)),
                          run: .init(seed: 2, replications: 1, horizonDays: 20, warmUpDays: 5, engineVersion: "test",
                                     startedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                     finishedAt: Date(timeIntervalSince1970: 1_800_000_000), runBy: "test", host: "test"),
                          result: run.result, costs: run.costs)
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fallback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("two runs finished in the same second keep two archives, neither overwriting the other")
    func sameSecond() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.archive()
        let first = try ArchiveFallback.keep(archive, in: [folder.path])
        let second = try ArchiveFallback.keep(archive, in: [folder.path])
        #expect(first != second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            == [URL(fileURLWithPath: first).lastPathComponent, URL(fileURLWithPath: second).lastPathComponent].sorted())
        for path in [first, second] {
            #expect(try RunArchive.decode(Data(contentsOf: URL(fileURLWithPath: path)), file: path) == archive)
        }
    }

    @Test("a folder that cannot take the file falls back to the next; with none, to the last resort; else an error")
    func fallsBack() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocked = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocked)
        let impossible = blocked.appendingPathComponent("sub").path  // a folder inside a file cannot be made
        let archive = try Self.archive()
        let kept = try ArchiveFallback.keep(archive, in: [impossible, folder.path])
        #expect(kept.hasPrefix(folder.path))
        let printed = try ArchiveFallback.keep(archive, in: [impossible], lastResort: { data in
            data.isEmpty ? nil : "standard output"
        })
        #expect(printed == "standard output")
        let error = #expect(throws: WorkflowError.self) { try ArchiveFallback.keep(archive, in: [impossible]) }
        #expect(error?.kind == .resultsLost && error?.messages.contains { $0.hasPrefix(impossible) } == true,
                "\(String(describing: error))")
    }
}

@Suite("the census of a simulated hospital")
struct TakenCensusTests {
    static let general = Repository.path("scenarios/general-hospital.yaml")

    static func write(_ census: TakenCensus, _ scenario: Scenario) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("census-\(UUID().uuidString).csv").path
        let file = try AtomicFile(path: path)
        CensusFile.write(census, for: scenario.configuration, to: CSVWriter(handle: file.handle))
        try file.commit()
        return path
    }

    @Test("written and read back: the same patients where they were, ready or not, and the recent discharges")
    func roundTrip() throws {
        let scenario = try Inputs.scenario(Self.general)
        let prepared = try PreparedScenario(scenario, file: Self.general,
                                            plan: RunSettings(horizonDays: 120, warmUpDays: 0, replications: 1, seed: 3))
        let at = LocalDateTime(year: 2026, month: 4, day: 1)
        let taken = try Simulate.census(prepared, at: at)
        #expect(taken.inpatients.count > 300 && taken.recentDischarges.count > 1_000)
        #expect(taken.inpatients.contains { $0.readyFor == .dischargedHome || $0.readyFor == .dischargedCareHome })
        #expect(taken.inpatients.contains(where: \.deteriorated) && !taken.inpatients.allSatisfy(\.deteriorated))
        #expect(try Simulate.census(prepared, at: at).inpatients.map(\.twin.id) == taken.inpatients.map(\.twin.id))
        let path = try Self.write(taken, scenario)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let read = try CensusFile.read(path: path, for: scenario.configuration, asOf: nil)
        #expect(read.census.inpatients.count == taken.inpatients.count)
        #expect(read.census.recentDischarges.count == taken.recentDischarges.count)
        for (ours, back) in zip(taken.inpatients, read.census.inpatients) {
            #expect(back.location == ours.location && back.readyFor == ours.readyFor)
            #expect(back.twin.attributes == ours.twin.attributes && back.twin.pathway == ours.twin.pathway)
            #expect(back.twin.latestNEWS2 == ours.twin.latestNEWS2, "its latest NEWS2 survives the file")
            #expect(back.deteriorated == ours.deteriorated, "so does whether it has deteriorated in this stay")
            if let a = ours.readyAt, let b = back.readyAt { #expect(abs(a - b) <= 1.0 / 60) }  // to the second
        }
        // Every recent discharge within 30 days of the census, discharged alive, and none of them in hospital.
        let censusMinute = taken.epochMinute
        let inside = Set(taken.inpatients.map(\.twin.id))
        for twin in read.census.recentDischarges {
            #expect(twin.state == .dischargedHome && twin.stateSince <= censusMinute + 1.0 / 60)
            #expect(twin.stateSince >= censusMinute - 30 * 1440 - 1)
        }
        #expect(taken.recentDischarges.allSatisfy { !inside.contains($0.id) })
        // The forecast starts at the census's midnight, and its day 0 holds the census's patients in beds.
        let forecast = try ForecastPlanning.prepare(scenario, file: Self.general,
                                                    request: ForecastRequest(days: 3, censusPath: path, replications: 2))
        #expect(forecast.start == at)
    }

    @Test("recent discharges bring their returns into the forecast: more ED arrivals in the first weeks than without them")
    func recentDischargesReturn() throws {
        let scenario = try Inputs.scenario(Self.general)
        let prepared = try PreparedScenario(scenario, file: Self.general,
                                            plan: RunSettings(horizonDays: 120, warmUpDays: 0, replications: 1, seed: 4))
        let taken = try Simulate.census(prepared, at: LocalDateTime(year: 2026, month: 4, day: 1))
        let with = try Self.write(taken, scenario)
        defer { try? FileManager.default.removeItem(atPath: with) }
        let plan = try ForecastPlanning.prepare(scenario, file: Self.general,
                                                request: ForecastRequest(days: 21, censusPath: with, replications: 8, seed: 9))
        let census = try #require(plan.census)
        #expect(census.recentDischarges.count == taken.recentDischarges.count, "the census's own discharges, none simulated")
        func readmissions(_ census: HospitalCensus) throws -> [Double] {
            let run = try Simulate.run(plan.prepared, threads: 2, census: census)
            return run.result.replications.map { Double($0.emergencyDepartment.readmissionArrivals) }
        }
        let returns = try readmissions(census)
        let none = try readmissions(HospitalCensus(inpatients: census.inpatients))
        // Paired on the same seeds: every replication sees the returns of the 1,000+ recent discharges on top.
        let paired = PairedComparison(baseline: none, alternative: returns)
        #expect(paired.confidenceInterval(level: 0.999).lower > 0, "\(returns) vs \(none)")
        // The returns' chances worked out once for every replication (as the experiment does) draw what each
        // replication working them out itself draws, bit for bit; worked out for another start, they are not used.
        let hospital = plan.prepared.hospital
        for prepared in [hospital.preparingReturns(census), hospital.preparingReturns(census, atMinute: 60)] {
            let streams = RandomStreams(masterSeed: 9).replication(0)
            let once = try HospitalSimulation.run(hospital, horizonDays: 21, warmUpDays: 0, streams: streams, census: prepared)
            let each = try HospitalSimulation.run(hospital, horizonDays: 21, warmUpDays: 0, streams: streams, census: census)
            #expect(once.kpis == each.kpis)
            #expect(once.kpis.emergencyDepartment.readmissionArrivals > 0)
        }
    }
}

@Suite("the forecast against simulated hospitals' own futures")
struct ForecastSelfConsistencyTests {
    @Test("from a census of the demo hospital, 30 hospitals' next 14 midnights fall in P10–P90 about 80% and P5–P95 about 90% of the time")
    func coverage() throws {
        let file = Demo.file, scenario = Demo.scenario
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let truths = 30, days = 14
        let coverage = try ForecastCoverage.check(scenario, file: file, at: LocalDateTime(year: 2026, month: 3, day: 2),
                                                  truths: truths, replications: 40, days: days, seed: 1, threads: 2,
                                                  workDirectory: work)
        #expect(coverage.series.count == 2 + scenario.configuration.units.count)
        // Each count is binomial(30, 0.8) or (30, 0.9) when the forecast holds everything still to come; checked at
        // the suite's α for both groups at every horizon, and for most units (a few cells may fall out by chance:
        // 6 units × 14 days × 2 bands are 168 checks).
        for group in coverage.series.prefix(2) {
            for day in 0..<days {
                #expect(Tolerance.binomialAgrees(observed: group.within80[day], trials: truths, probability: 0.8),
                        "\(group.name) day \(day + 1): \(group.within80[day]) of \(truths) in P10–P90")
                #expect(Tolerance.binomialAgrees(observed: group.within90[day], trials: truths, probability: 0.9),
                        "\(group.name) day \(day + 1): \(group.within90[day]) of \(truths) in P5–P95")
            }
        }
        var cells = 0, agreeing = 0
        for unit in coverage.series.dropFirst(2) {
            for day in 0..<days {
                cells += 2
                if Tolerance.binomialAgrees(observed: unit.within80[day], trials: truths, probability: 0.8) { agreeing += 1 }
                if Tolerance.binomialAgrees(observed: unit.within90[day], trials: truths, probability: 0.9) { agreeing += 1 }
            }
        }
        #expect(Double(agreeing) >= 0.9 * Double(cells), "\(agreeing) of \(cells) unit checks agree")
        // In beds, as a backtest scores: each truth's fractional coverage is at most as variable as a hit or miss,
        // so the sums are held to the binomial's region too.
        #expect(coverage.inBeds.map(\.name) == [BedForecast.generalAndAcute, BedForecast.criticalCare]
            + scenario.configuration.units.map(\.name))
        for group in coverage.inBeds.prefix(2) {
            for day in 0..<days {
                #expect(Tolerance.binomialAgrees(observed: Int(group.covered80[day].rounded()), trials: truths, probability: 0.8),
                        "\(group.name) in beds, day \(day + 1): \(group.covered80[day]) of \(truths) in the 80% interval")
                #expect(Tolerance.binomialAgrees(observed: Int(group.covered95[day].rounded()), trials: truths, probability: 0.95),
                        "\(group.name) in beds, day \(day + 1): \(group.covered95[day]) of \(truths) in the 95% interval")
                #expect(group.variance[day] > 0 && group.squaredError[day] > 0)
            }
        }
    }

    @Test("through the feed: each hospital's feed, read back as a live census, forecasts its own next midnights at the nominal coverage, faults or not")
    func throughTheFeed() throws {
        // The general hospital: the demo has no point-of-care codes to send.
        let file = Repository.path("scenarios/general-hospital.yaml")
        let scenario = try Inputs.scenario(file)
        // Ten hospitals, each sending 32 days of feed before the census (a minute's work): a guard on the path, whose
        // regions at this size catch a census gone wrong, not a band a little narrow (the bench measures that).
        let truths = 10, days = 3
        let at = LocalDateTime(year: 2026, month: 2, day: 10, hour: 23, minute: 59)
        let clean = try ForecastCoverage.checkThroughFeed(scenario, file: file, at: at, truths: truths, replications: 40,
                                                          days: days, seed: 3, threads: 2, historyDays: 32)
        #expect(clean.map(\.group) == [BedForecast.generalAndAcute, BedForecast.criticalCare])
        for (group, scores) in clean {
            #expect(scores.count == days)
            for (day, score) in scores.enumerated() {
                #expect(score.origins == truths)
                #expect(Tolerance.binomialAgrees(observed: Int((score.coverage[1] * Double(truths)).rounded()), trials: truths, probability: 0.8),
                        "\(group) day \(day + 1): 80% interval coverage \(score.coverage[1])")
                #expect(Tolerance.binomialAgrees(observed: Int((score.coverage[3] * Double(truths)).rounded()), trials: truths, probability: 0.95),
                        "\(group) day \(day + 1): 95% interval coverage \(score.coverage[3])")
            }
        }
        // A real feed's faults are undone by the ledger: the same hospitals, forecast from their faulty feeds,
        // score within the same regions.
        let faulty = try ForecastCoverage.checkThroughFeed(scenario, file: file, at: at, truths: truths, replications: 40,
                                                           days: days, seed: 3, threads: 2, historyDays: 32,
                                                           faults: .goalFeed)
        for ((group, scores), (_, clean)) in zip(faulty, clean) {
            for day in 0..<days {
                #expect(abs(scores[day].mae - clean[day].mae) <= 0.05 * clean[day].mae + 0.1,
                        "\(group) day \(day + 1): MAE \(scores[day].mae) from the faulty feeds, \(clean[day].mae) from the clean")
            }
        }
        #expect(throws: WorkflowError.self) {
            try ForecastCoverage.checkThroughFeed(scenario, file: file, at: LocalDateTime(year: 2026, month: 1, day: 20),  // 15 days in
                                                  truths: 1, replications: 2, days: 1, seed: 3, threads: 1)
        }
    }

    @Test("a census's hidden facts: readiness, deterioration and a boarder's bed emptied, a known triage made unknown, the rest kept")
    func hiding() throws {
        let attributes = PatientAttributes(ageYears: 70, sex: .female, admissionMethod: .emergency, specialty: .generalMedicine,
                                           diagnosisGroup: .other, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)
        func twin(_ id: UInt64, _ pathway: Pathway, _ state: CareState) -> PatientTwin {
            PatientTwin(id: PatientID(id), attributes: attributes, pathway: pathway, admittedAt: 0, state: state)
        }
        let bed = HospitalCensus.Inpatient(twin: twin(1, .emergencyMedical, .ward), location: .unit(0), readyAt: 60,
                                           readyFor: .dischargedHome, deteriorated: true, news2At: 30)
        let undecided = HospitalCensus.Inpatient(twin: twin(2, .emergencyMedical, .ed), location: .emergencyDepartment,
                                                 undecidedTriage: .urgent)
        let boarder = HospitalCensus.Inpatient(twin: twin(3, .stroke, .ed), location: .emergencyDepartment, waitingFor: .strokeUnit)
        let operated = HospitalCensus.Inpatient(twin: twin(4, .electiveSurgical, .theatre), location: .theatres, readyAt: 100,
                                                readyFor: .ward)
        let census = TakenCensus(epochMinute: 120, inpatients: [bed, undecided, boarder, operated], recentDischarges: [],
                                 undecidedToBeAdmitted: 1)
        let hidden = ForecastCoverage.hiding(Set(ForecastCoverage.CensusFact.allCases), in: census)
        #expect(hidden.inpatients[0].readyAt == nil && hidden.inpatients[0].readyFor == nil && !hidden.inpatients[0].deteriorated)
        #expect(hidden.inpatients[0].news2At == 30 && hidden.inpatients[0].location == .unit(0)
            && hidden.inpatients[0].twin.attributes == bed.twin.attributes)
        #expect(hidden.inpatients[1].undecided && hidden.inpatients[1].undecidedTriage == nil, "triage made unknown")
        #expect(!hidden.inpatients[2].undecided && hidden.inpatients[2].waitingFor == nil, "a boarder stays decided, its bed inferred")
        #expect(hidden.inpatients[3].location == .theatres && hidden.inpatients[3].readyAt == nil, "the feed cannot say recovery is over")
        #expect(hidden.undecidedToBeAdmitted == 1 && hidden.epochMinute == 120)
        let kept = ForecastCoverage.hiding([.triage], in: census)
        #expect(kept.inpatients[2].waitingFor == .strokeUnit && kept.inpatients[0].readyAt == 60 && kept.inpatients[0].deteriorated)
        #expect(kept.inpatients[3].readyAt == 100 && kept.inpatients[3].readyFor == .ward)
    }
}

@Suite("the warm-up report")
struct WarmUpWorkflowTests {
    @Test("the demo hospital from empty: its transient found, the report rendered with its verdicts")
    func demo() throws {
        let file = Demo.file, scenario = Demo.scenario
        let prepared = try PreparedScenario(scenario, file: file,
                                            plan: RunSettings(horizonDays: 180, warmUpDays: 70, replications: 4, seed: 2))
        let report = try Simulate.warmUpReport(prepared, threads: 2)
        #expect(report.series.map(\.name) == ["General and acute demand at midnight", "Critical-care demand at midnight",
                                              "Patients in hospital at midnight",
                                              "ED: mean hours in the department of the day's departures",
                                              "Elective waiting list at midnight"])
        for series in report.series.prefix(3) {
            #expect(series.analysis.periodMeans.count == 181, "every midnight from the start to the end")
            #expect(series.analysis.periodMeans[0] < series.level, "\(series.name) starts empty")
            #expect(series.analysis.suggestedWarmUpPeriods <= 90)
        }
        // The ED's days lie between midnights; the elective lists start full, at the scenario's waiting lists.
        #expect(report.series[3].analysis.periodMeans.count == 180)
        #expect(report.series[4].analysis.periodMeans[0]
            == Double(Demo.scenario.configuration.theatres!.demand.reduce(0) { $0 + $1.initialWaitingList }))
        let text = WarmUpReports.table(report)
        #expect(text.contains("The scenario's warm-up is \(scenario.run.warmUpDays) days; the largest MSER-5 point is \(report.suggestedWarmUpDays) days"), "\(text)")
        #expect(text.contains("Welch's moving average"))
        let short = try PreparedScenario(scenario, file: file,
                                         plan: RunSettings(horizonDays: 10, warmUpDays: 2, replications: 2, seed: 2))
        #expect(throws: WorkflowError.self) { try Simulate.warmUpReport(short, threads: 1) }
    }

    @Test("a run whose elective list is fed twice as fast as theatres clear it warns that it drifts; the demo does not")
    func driftWarned() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let variant = directory.appendingPathComponent("busy.yaml").path
        try Data("""
            extends: \(Demo.file)
            name: demo, twice the referrals
            theatres:
              elective_demand:
                - {specialty: general_surgery, pathway: elective_surgical, referrals_per_week: 36, waiting_list: 150}
            """.utf8).write(to: URL(fileURLWithPath: variant))
        let plan = RunSettings(horizonDays: 240, warmUpDays: 120, replications: 3, seed: 4)
        let busy = Recorder(), steady = Recorder()
        _ = try Simulate.run(try PreparedScenario(try Inputs.scenario(variant), file: variant, plan: plan), threads: 2,
                             observer: busy.observer)
        _ = try Simulate.run(try PreparedScenario(Demo.scenario, file: Demo.file, plan: plan), threads: 2, observer: steady.observer)
        #expect(busy.seenNotices.contains { notice in
            if case .drifts(_, let series, let percent) = notice { return series == "Elective waiting list at midnight" && percent > 10 }
            return false
        }, "\(busy.seenNotices)")
        #expect(!steady.seenNotices.contains { if case .drifts = $0 { return true } else { return false } }, "\(steady.seenNotices)")
    }
}
