import ArgumentParser
import Feed
import FeedStore
import Finance
import Foundation
import HL7
import HeapModule
import HospitalModel
import PatientTwin
import ReferenceModels
import RunRecords
import RunStore
import Scenario
import Simulation
import Store
import Workflows

/// The benchmark executable: the three models of the shared benchmark suite, with the same flags and the same
/// one-line JSON as the peer engines' scripts, so that ours and theirs run side by side; and the calendar
/// benchmark that chose the kernel's priority queue. Build with `-c release`.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hospital-twin-bench",
        abstract: "Benchmarks of the hospital-twin simulation kernel.",
        subcommands: [ModelBenchmark.self, CalendarBenchmark.self, TwinBenchmark.self, HospitalBenchmark.self,
                      StoreBenchmark.self, ForecastCheckBenchmark.self, FeedBenchmark.self, KPIJSONBenchmark.self,
                      HTTPLoadBenchmark.self],
        defaultSubcommand: ModelBenchmark.self)
}

enum BenchModel: String, ExpressibleByArgument, CaseIterable {
    case mmc
    case erlangLoss = "erlang_loss"
    case network

    var defaultCustomers: Int { self == .network ? 500_000 : 1_000_000 }
}

struct ModelBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Run a benchmark model (mmc, erlang_loss, network) and print one JSON line.",
        discussion: """
            Times are in each model's own unit: hours for mmc and network, days for erlang_loss \
            (--arrival-rate per hour or per day, --mean-service in hours or days). wall_s is the event loop \
            alone, set-up excluded; with --replications it is the whole parallel run.
            """)

    @Argument(help: "The model: mmc, erlang_loss or network.")
    var model: BenchModel

    @Option(help: "Customers (arrivals) to simulate (default 1,000,000; network 500,000).")
    var customers: Int?

    @Option(help: "Customers at the start whose statistics are discarded.")
    var warmup: Int = 10_000

    @Option(help: "The master seed.")
    var seed: UInt64 = 1

    @Option(help: "Servers (beds for erlang_loss) instead of the model's default.")
    var servers: Int?

    @Option(name: .customLong("arrival-rate"), help: "Arrivals per hour (per day for erlang_loss).")
    var arrivalRate: Double?

    @Option(name: .customLong("mean-service"), help: "Mean service time in hours (stay in days for erlang_loss).")
    var meanService: Double?

    @Option(help: "Independent replications (seeds derived from --seed); the result is their mean.")
    var replications: Int = 1

    @Option(help: "Threads for the replications (default: every core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if let customers, customers < 1 { throw ValidationError("--customers must be >= 1, found \(customers)") }
        if warmup < 0 { throw ValidationError("--warmup must be >= 0, found \(warmup)") }
        if let servers, servers < 1 { throw ValidationError("--servers must be >= 1, found \(servers)") }
        if let arrivalRate, !(arrivalRate > 0) {
            throw ValidationError("--arrival-rate must be > 0, found \(arrivalRate)")
        }
        if let meanService, !(meanService > 0) {
            throw ValidationError("--mean-service must be > 0, found \(meanService)")
        }
        if replications < 1 { throw ValidationError("--replications must be >= 1, found \(replications)") }
        if threads < 1 { throw ValidationError("--threads must be >= 1, found \(threads)") }
        if model == .network && (servers != nil || meanService != nil) {
            throw ValidationError("--servers and --mean-service do not apply to the network model")
        }
    }

    func run() throws {
        let n = customers ?? model.defaultCustomers
        let warm = min(warmup, n)
        let plan = Replications(count: replications, masterSeed: seed, threads: threads)
        let results: [QueueRunResult]
        let wallSeconds: Double
        var resultJSON: String
        switch model {
        case .mmc:
            var parameters = MMcParameters.benchmark
            if let servers { parameters.servers = servers }
            if let arrivalRate { parameters.meanInterarrivalMinutes = 60 / arrivalRate }
            if let meanService { parameters.meanServiceMinutes = meanService * 60 }
            (results, wallSeconds) = try runTimed(plan) { [parameters] streams in
                try ReferenceModels.runMMc(parameters, customers: n, warmupCustomers: warm, streams: streams)
            }
            let wq = results.map { $0.waits.mean / 60 }.reduce(0, +) / Double(results.count)
            resultJSON = "{\"Wq\": \(format(wq))}"
        case .erlangLoss:
            var parameters = ErlangLossParameters.benchmark
            if let servers { parameters.beds = servers }
            if let arrivalRate { parameters.meanInterarrivalMinutes = 1440 / arrivalRate }
            if let meanService { parameters.meanStayMinutes = meanService * 1440 }
            (results, wallSeconds) = try runTimed(plan) { [parameters] streams in
                try ReferenceModels.runErlangLoss(parameters, customers: n, warmupCustomers: warm, streams: streams)
            }
            let blocking = results.map(\.blockingProbability).reduce(0, +) / Double(results.count)
            resultJSON = "{\"blocking\": \(format(blocking))}"
        case .network:
            var parameters = NetworkParameters.benchmark
            if let arrivalRate { parameters.meanInterarrivalMinutes = 60 / arrivalRate }
            (results, wallSeconds) = try runTimed(plan) { [parameters] streams in
                try ReferenceModels.runNetwork(parameters, customers: n, warmupCustomers: warm, streams: streams)
            }
            let sojourn = results.map { $0.sojourns.mean / 60 }.reduce(0, +) / Double(results.count)
            resultJSON = "{\"mean_sojourn\": \(format(sojourn))}"
        }
        let events = results.map(\.events).reduce(0, +)
        let replicationsField = replications > 1 ? ", \"replications\": \(replications), \"threads\": \(threads)" : ""
        print("{\"engine\": \"hospital-twin\", \"model\": \"\(model.rawValue)\", \"customers\": \(n), "
            + "\"events\": \(events), \"wall_s\": \(format(wallSeconds, decimals: 4))\(replicationsField), "
            + "\"result\": \(resultJSON)}")
    }

    /// Runs the replications, timing only the simulation (set-up outside `body` excluded).
    func runTimed(_ plan: Replications, _ body: @escaping @Sendable (RandomStreams) throws -> QueueRunResult) throws
        -> ([QueueRunResult], Double)
    {
        let start = ContinuousClock.now
        let results = try plan.run { replication in
            // A single run uses the master seed's own streams, as the peers use their seed directly.
            try body(plan.count == 1 ? RandomStreams(masterSeed: plan.masterSeed) : replication.streams)
        }
        let elapsed = ContinuousClock.now - start
        return (results, seconds(elapsed))
    }

    func format(_ value: Double, decimals: Int = 6) -> String { String(format: "%.\(decimals)f", value) }
}

/// The hold model (Jones, "An empirical comparison of priority-queue and event-set implementations", CACM 29(4),
/// 1986): a queue of n pending events; each operation removes the earliest and schedules a new one an
/// exponential time later. It decided the kernel's calendar: a 4-ary heap over swift-collections' `Heap`.
struct CalendarBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Time hold operations on the kernel's EventCalendar and on swift-collections' Heap.")

    @Option(help: "Pending events held in the queue.")
    var pending: Int = 50

    @Option(help: "Hold operations (remove the earliest, schedule one more).")
    var operations: Int = 10_000_000

    @Option(help: "Which queue: calendar (the kernel's 4-ary heap) or collections (swift-collections Heap).")
    var queue: QueueKind = .calendar

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    enum QueueKind: String, ExpressibleByArgument { case calendar, collections }

    func validate() throws {
        if pending < 1 { throw ValidationError("--pending must be >= 1, found \(pending)") }
        if operations < 1 { throw ValidationError("--operations must be >= 1, found \(operations)") }
    }

    func run() throws {
        var stream = RandomStream(seed: seed)
        let gap = try Exponential(mean: 1)
        var checksum = 0.0
        let start = ContinuousClock.now
        switch queue {
        case .calendar:
            var calendar = EventCalendar<Int>(reservingCapacity: pending)
            for index in 0..<pending { calendar.schedule(index, at: gap.sample(using: &stream)) }
            for _ in 0..<operations {
                let (time, payload) = calendar.removeNext()!
                checksum += time
                calendar.schedule(payload, at: time + gap.sample(using: &stream))
            }
        case .collections:
            var heap = Heap<HoldEntry>()
            var sequence: UInt64 = 0
            for index in 0..<pending {
                heap.insert(HoldEntry(time: gap.sample(using: &stream), sequence: sequence, payload: index))
                sequence += 1
            }
            for _ in 0..<operations {
                let entry = heap.removeMin()
                checksum += entry.time
                heap.insert(HoldEntry(time: entry.time + gap.sample(using: &stream), sequence: sequence,
                                      payload: entry.payload))
                sequence += 1
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = seconds(elapsed)
        print("{\"queue\": \"\(queue.rawValue)\", \"pending\": \(pending), \"operations\": \(operations), "
            + "\"wall_s\": \(String(format: "%.4f", seconds)), "
            + "\"ns_per_hold\": \(String(format: "%.1f", seconds * 1e9 / Double(operations))), "
            + "\"checksum\": \(String(format: "%.6e", checksum))}")
    }
}

/// An entry for swift-collections' Heap, ordered as the kernel orders events: by time, then insertion.
struct HoldEntry: Comparable {
    let time: Double
    let sequence: UInt64
    let payload: Int

    static func < (lhs: HoldEntry, rhs: HoldEntry) -> Bool {
        lhs.time < rhs.time || (lhs.time == rhs.time && lhs.sequence < rhs.sequence)
    }

    static func == (lhs: HoldEntry, rhs: HoldEntry) -> Bool {
        lhs.time == rhs.time && lhs.sequence == rhs.sequence
    }
}

/// Patient twins: the memory of 100,000 twins with a typical history, and the time to draw their trajectories.
struct TwinBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twins",
        abstract: "Measure the memory per patient twin and the time per sampled trajectory step.")

    @Option(help: "Twins to hold in memory.")
    var patients: Int = 100_000

    @Option(help: "Trajectories drawn per twin.")
    var trajectories: Int = 10

    @Option(help: "The seed.")
    var seed: UInt64 = 1

    func validate() throws {
        if patients < 1 { throw ValidationError("--patients must be >= 1, found \(patients)") }
        if trajectories < 1 { throw ValidationError("--trajectories must be >= 1, found \(trajectories)") }
    }

    func run() throws {
        let predictor = try TrajectoryPredictor(model: .builtIn)
        let generator = try EpisodeGenerator()
        var stream = RandomStream(seed: seed)
        let vitals = VitalSigns(respirationRate: 18, spo2: 95, onOxygen: false, systolicBP: 128, pulse: 88,
                                consciousness: .alert, temperature: 37.4)
        // A typical history: admission, two vital-sign sets and a transfer to the ward.
        let rows = generator.generate(patients: patients, startMinute: 0, days: 365, followUpDays: 0, seed: seed)
        var seen = Set<String>()
        seen.reserveCapacity(rows.count)
        let before = residentBytes()
        var twins: [PatientTwin] = []
        twins.reserveCapacity(patients)
        for row in rows where seen.insert(row.spellID).inserted && twins.count < patients {
            let pathway = row.pathway ?? .emergencyMedical
            var twin = PatientTwin(id: PatientID(parsing: row.patientID) ?? PatientID(0), attributes: row.attributes,
                                   pathway: pathway, admittedAt: row.startMinute)
            try twin.apply(Observation(minute: row.startMinute + 20, .vitals(vitals)))
            try twin.apply(Observation(minute: row.startMinute + 200, .vitals(vitals)))
            if pathway.isEmergency { try twin.apply(Observation(minute: row.startMinute + 300, .transfer(to: .ward))) }
            twins.append(twin)
        }
        let after = residentBytes()
        // What each twin holds: its struct in the array, plus its history's heap buffer (a 32-byte array header
        // and the elements, in a glibc chunk: 8 bytes of header, rounded up to 16).
        let footprint = twins.reduce(0) { total, twin in
            let buffer = 32 + twin.history.capacity * MemoryLayout<Observation>.stride + 8
            return total + MemoryLayout<PatientTwin>.stride + (buffer + 15) / 16 * 16
        }
        var steps = 0
        var checksum = 0.0
        let runs = RandomStreams(masterSeed: stream.next())
        let streams = (0..<trajectories).map { TwinStreams(runs.replication($0)) }
        let start = ContinuousClock.now
        for twin in twins {
            for k in 0..<trajectories {
                let path = try twin.predictTrajectory(with: predictor, from: twin.stateSince + 60, streams: streams[k])
                steps += path.steps.count
                checksum += path.dischargeMinute
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = seconds(elapsed)
        print("{\"twins\": \(twins.count), \"bytes_per_twin\": \(footprint / twins.count), "
            + "\"resident_bytes_per_twin\": \(String(format: "%.0f", Double(after - before) / Double(twins.count))), "
            + "\"twin_struct_bytes\": \(MemoryLayout<PatientTwin>.stride), \"observation_bytes\": \(MemoryLayout<Observation>.stride), "
            + "\"trajectories\": \(twins.count * trajectories), \"steps\": \(steps), "
            + "\"wall_s\": \(String(format: "%.4f", seconds)), \"ns_per_step\": \(String(format: "%.1f", seconds * 1e9 / Double(steps))), "
            + "\"ns_per_trajectory\": \(String(format: "%.1f", seconds * 1e9 / Double(twins.count * trajectories))), "
            + "\"checksum\": \(String(format: "%.6e", checksum))}")
    }

    /// Resident memory of this process, from /proc/self/statm: a cross-check only, since the allocator reuses
    /// pages freed earlier in the run.
    func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}

/// Reading a replication's stored KPIs back: one replication of a scenario simulated, encoded as the store keeps it,
/// then decoded by Foundation's JSONDecoder and by the store's own (`ResultJSON.decode`), alternately, `--rounds`
/// times; the median of each and their ratio. The two decodings are checked equal to the encoded replication.
struct KPIJSONBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi-json",
        abstract: "Time decoding a replication's stored KPIs: Foundation's JSONDecoder against the store's own.")

    @Option(help: "The scenario file.")
    var scenario = "scenarios/general-hospital.yaml"
    @Option(help: "Decodings of each kind.")
    var rounds = 41

    func validate() throws {
        if !(1...10_000).contains(rounds) { throw ValidationError("--rounds must be from 1 to 10000, found \(rounds)") }
    }

    func run() throws {
        let loaded = try Scenario.load(path: scenario)
        let hospital = try PreparedHospital(loaded.configuration, horizonDays: loaded.run.horizonDays)
        let kpis = try HospitalExperiment.replication(0, of: hospital, seed: loaded.run.seed, horizonDays: loaded.run.horizonDays,
                                                      warmUpDays: loaded.run.warmUpDays)
        let encoder = ResultJSON.encoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = try encoder.encode(kpis)
        var foundation: [Double] = [], ours: [Double] = [], encoding: [Double] = []
        for _ in 0..<rounds {
            var start = ContinuousClock.now
            let a = try ResultJSON.decoder().decode(HospitalKPIs.self, from: text)
            foundation.append(seconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            let b = try ResultJSON.decode(HospitalKPIs.self, from: text)
            ours.append(seconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            let again = try encoder.encode(b)
            encoding.append(seconds(ContinuousClock.now - start))
            guard again == text, try encoder.encode(a) == text else { throw ValidationError("a decoding differs from the replication") }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("{\"scenario\": \"\(loaded.name)\", \"days\": \(loaded.run.horizonDays), \"json_bytes\": \(text.count), \"rounds\": \(rounds), "
            + "\"foundation_decode_ms\": \(String(format: "%.2f", 1000 * median(foundation))), "
            + "\"store_decode_ms\": \(String(format: "%.2f", 1000 * median(ours))), "
            + "\"foundation_over_store\": \(String(format: "%.2f", median(foundation) / median(ours))), "
            + "\"encode_ms\": \(String(format: "%.2f", 1000 * median(encoding)))}")
    }
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

struct HospitalBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hospital",
        abstract: "Time the hospital model on a scenario and print one JSON line.",
        discussion: """
            wall_s is the simulation alone (the scenario read and the twin model compiled before the clock \
            starts); with --replications it is the whole parallel run. mmc_events_per_s is the kernel's M/M/50 \
            benchmark measured in the same process, for comparison. max_rss_kib is the process's peak resident \
            memory (VmHWM).
            """)

    @Option(help: "The scenario file.")
    var scenario: String = "scenarios/general-hospital.yaml"

    @Option(help: "Days simulated per replication.")
    var days: Int = 365

    @Option(help: "Replications (seeds derived from --seed).")
    var replications: Int = 1

    @Option(help: "Worker threads.")
    var threads: Int = 1

    @Option(help: "The master seed.")
    var seed: UInt64 = 1

    @Flag(name: .customLong("no-mmc"), help: "Skip the M/M/50 comparison run.")
    var noMMc = false

    func validate() throws {
        guard days >= 1 else { throw ValidationError("--days must be >= 1, found \(days)") }
        guard replications >= 1 else { throw ValidationError("--replications must be >= 1, found \(replications)") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1, found \(threads)") }
    }

    func run() throws {
        let loaded: Scenario
        do { loaded = try Scenario.load(path: scenario) } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        let hospital = try PreparedHospital(loaded.configuration, horizonDays: days)
        let warmUp = min(loaded.run.warmUpDays, days - 1)
        let start = ContinuousClock.now
        let runs = try Replications(count: replications, masterSeed: seed, threads: threads).run { replication in
            try HospitalSimulation.run(hospital, horizonDays: days, warmUpDays: warmUp, streams: replication.streams)
        }
        let wall = seconds(ContinuousClock.now - start)
        let events = runs.reduce(0) { $0 + $1.events }
        var mmcRate = 0.0
        if !noMMc {
            let mmcStart = ContinuousClock.now
            let result = try ReferenceModels.runMMc(.benchmark, customers: 1_000_000, warmupCustomers: 10_000,
                                                    streams: RandomStreams(masterSeed: seed))
            mmcRate = Double(result.events) / seconds(ContinuousClock.now - mmcStart)
        }
        let kpis = runs[0].kpis
        print("{\"engine\": \"hospital-twin\", \"model\": \"hospital\", \"scenario\": \"\(loaded.name)\", "
            + "\"days\": \(days), \"replications\": \(replications), \"threads\": \(threads), "
            + "\"events\": \(events), \"wall_s\": \(String(format: "%.4f", wall)), "
            + "\"events_per_s\": \(String(format: "%.0f", Double(events) / wall)), "
            + "\"mmc_events_per_s\": \(String(format: "%.0f", mmcRate)), "
            + "\"max_rss_kib\": \(peakResidentKiB()), "
            + "\"result\": {\"ed_within_4h_percent\": \(String(format: "%.2f", kpis.emergencyDepartment.withinFourHoursPercent)), "
            + "\"ga_occupancy_percent\": \(String(format: "%.2f", kpis.generalAndAcuteOccupancyPercent))}}")
    }

    /// The peak resident set of this process, KiB (VmHWM in /proc/self/status), or 0 where unavailable.
    func peakResidentKiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// Storing a run against simulating it: the general hospital's replications simulated on every core, then the
/// scenario, the run and all its rows stored (one transaction, COPY), each timed; the rows written per second
/// and the ratio of the two times.
struct StoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Time storing a run in PostgreSQL against simulating it.",
        discussion: "The database: --database-url, else HOSPITAL_TWIN_DATABASE_URL, DATABASE_URL, libpq's PG* variables, else the embedded cluster.")

    @Option(help: "The scenario file.")
    var scenario: String = "scenarios/general-hospital.yaml"

    @Option(help: "Days simulated per replication.")
    var days: Int = 365

    @Option(help: "Replications.")
    var replications: Int = 100

    @Option(help: "Worker threads for simulating.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("database-url"), help: "A libpq connection string.")
    var databaseURL: String?

    func run() throws {
        let loaded: Scenario
        do { loaded = try Scenario.load(path: scenario) } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        let location = try DatabaseLocation.configured(option: databaseURL, environment: ProcessInfo.processInfo.environment)
            ?? { () throws -> DatabaseLocation in
                let cluster = try EmbeddedCluster()
                try cluster.start()
                return cluster.location
            }()
        let store = try RunStore(connection: try DatabaseConnection(url: location.connectionString))
        let hospital = try PreparedHospital(loaded.configuration, horizonDays: days)
        let warmUp = min(loaded.run.warmUpDays, days - 1)
        let simulateStart = ContinuousClock.now
        let result = try HospitalExperiment.run(hospital, replications: replications, seed: 1, horizonDays: days,
                                                warmUpDays: warmUp, threads: threads)
        let simulate = seconds(ContinuousClock.now - simulateStart)
        let storeStart = ContinuousClock.now
        let stored = try store.storeScenario(name: loaded.name, canonicalJSON: String(decoding: loaded.canonicalJSON, as: UTF8.self),
                                             sourcePath: nil)
        let id = try store.beginRun(scenario: stored, seed: 1, replications: replications, horizonDays: days, warmUpDays: warmUp)
        // Priced as the commands price a run before storing it; the pricing is part of the storing time.
        let pricingStart = ContinuousClock.now
        let costs = RunCosts(pricing: result.replications, with: loaded.costs)
        let pricing = seconds(ContinuousClock.now - pricingStart)
        try store.complete(run: id, result: result, costs: costs)
        let storing = seconds(ContinuousClock.now - storeStart)
        var rows = 0
        for table in ["replication_kpis", "replication_metrics", "metrics", "unit_days", "cost_lines"] {
            rows += Int(try store.connection.query("SELECT count(*) FROM hospital_twin.\(raw: table) WHERE run_id = \(id)").rows[0][0] ?? "0") ?? 0
        }
        let bytes = Int(try store.connection.query("SELECT sum(pg_column_size(kpis)) FROM hospital_twin.replication_kpis WHERE run_id = \(id)").rows[0][0] ?? "0") ?? 0
        print("{\"engine\": \"hospital-twin\", \"model\": \"store\", \"scenario\": \"\(loaded.name)\", \"days\": \(days), "
            + "\"replications\": \(replications), \"threads\": \(threads), \"run\": \(id), "
            + "\"simulate_s\": \(String(format: "%.3f", simulate)), \"store_s\": \(String(format: "%.3f", storing)), "
            + "\"pricing_s\": \(String(format: "%.3f", pricing)), "
            + "\"rows\": \(rows), \"rows_per_s\": \(String(format: "%.0f", Double(rows) / storing)), "
            + "\"kpi_json_bytes\": \(bytes), \"store_over_simulate\": \(String(format: "%.4f", storing / simulate))}")
    }
}

/// The forecast's self-consistency on a scenario: censuses of simulated hospitals, forecasts from them, and how
/// often each forecast's bands held what that hospital then did (Docs/REPORTS.md, "Is the forecast right?").
struct ForecastCheckBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast-check",
        abstract: "Coverage of the bed forecast's P10–P90 and P5–P95 bands against simulated hospitals' own futures.")

    @Option(help: "The scenario file.")
    var scenario = "scenarios/general-hospital.yaml"
    @Option(help: "The census time, local (YYYY-MM-DDTHH:MM).")
    var at = "2026-06-01T00:00"
    @Option(help: "Simulated hospitals (truths).")
    var truths = 40
    @Option(help: "Replications of each forecast.")
    var replications = 100
    @Option(help: "Days forecast.")
    var days = 14
    @Option(help: "The first truth's seed.")
    var seed: UInt64 = 1
    @Option(help: "Threads.")
    var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Forecast from the census the truth's feed gives (its last 60 days), as a backtest does, not from its exact census.")
    var throughFeed = false
    @Flag(help: "With --through-feed: a real feed's faults (2% duplicates, 5% out of order, 2% cancel-and-resend, 2% merges).")
    var realFaults = false
    @Option(help: "Facts hidden from the census, as the feed does not carry them (comma-separated: readiness, deteriorated, triage, targets).")
    var hide = ""

    func run() throws {
        guard let local = LocalDateTime(parsing: at) else { throw ValidationError("--at: expected YYYY-MM-DDTHH:MM") }
        var hidden: Set<ForecastCoverage.CensusFact> = []
        for word in hide.split(separator: ",") {
            guard let fact = ForecastCoverage.CensusFact(rawValue: String(word)) else {
                throw ValidationError("--hide: expected one of "
                    + ForecastCoverage.CensusFact.allCases.map(\.rawValue).joined(separator: ", ") + ", not "
                    + (word.count > 40 ? word.prefix(40) + "…" : word))
            }
            hidden.insert(fact)
        }
        if throughFeed && !hidden.isEmpty {
            throw ValidationError("--hide: a census from the feed holds only what the feed carries; give it without --through-feed")
        }
        let scenario = try Inputs.scenario(self.scenario)
        if throughFeed {
            let started = Date()
            let groups = try ForecastCoverage.checkThroughFeed(scenario, file: self.scenario, at: local, truths: truths,
                                                               replications: replications, days: days, seed: seed, threads: threads,
                                                               faults: realFaults ? .goalFeed : FeedFaults())
            print("forecast-check \(self.scenario) at \(at) through the feed: \(truths) truths, \(replications) replications each, "
                + "\(days) days; \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            print("in beds, from the feed's census: coverage of the 80% | 95% intervals; bias (median − actual); MAE")
            for (group, scores) in groups {
                print(String(group.prefix(33)).padding(toLength: 34, withPad: " ", startingAt: 0)
                    + scores.map { String(format: "  %3.0f|%3.0f", 100 * $0.coverage[1], 100 * $0.coverage[3]) }.joined())
                print("  bias".padding(toLength: 34, withPad: " ", startingAt: 0) + scores.map { String(format: "%9.2f", $0.bias) }.joined())
                print("  MAE".padding(toLength: 34, withPad: " ", startingAt: 0) + scores.map { String(format: "%9.2f", $0.mae) }.joined())
            }
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-check-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { _ = try? FileManager.default.removeItem(atPath: work) }
        let started = Date()
        let coverage = try ForecastCoverage.check(scenario, file: self.scenario, at: local, truths: truths,
                                                  replications: replications, days: days, seed: seed, threads: threads,
                                                  workDirectory: work, hiding: hidden)
        let n = Double(coverage.truths)
        print("forecast-check \(self.scenario) at \(at): \(coverage.truths) truths, \(coverage.replications) replications "
            + "each, \(coverage.days) days; census \(String(format: "%.0f", coverage.meanCensusPatients)) patients and "
            + "\(String(format: "%.0f", coverage.meanRecentDischarges)) recent discharges on average; "
            + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        print("share of truths inside the band, by horizon day (P10–P90 | P5–P95)")
        print("series".padding(toLength: 34, withPad: " ", startingAt: 0)
            + (1...coverage.days).map { String(format: "%9d", $0) }.joined())
        for series in coverage.series {
            print(String(series.name.prefix(33)).padding(toLength: 34, withPad: " ", startingAt: 0)
                + zip(series.within80, series.within90).map {
                    String(format: "  %3.0f|%3.0f", 100 * Double($0) / n, 100 * Double($1) / n)
                }.joined())
        }
        print("")
        print("over the \(coverage.days) days, per truth, actual and forecast: " + coverage.flows.map {
            String(format: "%@ %.1f, %.1f", $0.name, $0.truth, $0.forecast)
        }.joined(separator: "; "))
        print(String(format: "in the ED undecided at the census, per truth: %.1f patients; the forecast admits %.1f of them, the truth %.1f",
                     coverage.undecided.patients, coverage.undecided.expected, coverage.undecided.admitted))
        print("mean of actual − forecast mean, patients, by horizon day (day 0: the first midnight at or after the census)")
        for series in coverage.series {
            print(String(series.name.prefix(33)).padding(toLength: 34, withPad: " ", startingAt: 0)
                + ([series.startError] + series.meanError).map { String(format: "%9.1f", $0) }.joined())
        }
        print("in beds (as a backtest scores): coverage of the 80% | 95% intervals (fractional at ties), and the RMS error "
            + "about the median over the replications' standard deviation")
        func ratios(_ series: ForecastCoverage.BedSeries) -> String {
            (0..<coverage.days).map { String(format: "%9.2f", (series.squaredError[$0] / series.variance[$0]).squareRoot()) }.joined()
        }
        for series in coverage.inBeds.prefix(2) {
            print(String(series.name.prefix(33)).padding(toLength: 34, withPad: " ", startingAt: 0)
                + (0..<coverage.days).map { String(format: "  %3.0f|%3.0f", 100 * series.covered80[$0] / n, 100 * series.covered95[$0] / n) }.joined())
            print("  RMS error / spread".padding(toLength: 34, withPad: " ", startingAt: 0) + ratios(series))
        }
        print("each unit in beds, RMS error / spread (where the groups' excess lies)")
        for series in coverage.inBeds.dropFirst(2) {
            print(String(series.name.prefix(33)).padding(toLength: 34, withPad: " ", startingAt: 0) + ratios(series))
        }
        print("its standard error over the truths, by horizon day 0…\(coverage.days), for the groups")
        for series in coverage.series.prefix(2) {
            print(String(series.name.prefix(33)).padding(toLength: 34, withPad: " ", startingAt: 0)
                + ([series.startStandardError] + series.standardError).map { String(format: "%9.1f", $0) }.joined())
        }
        // Each count is binomial(truths, 0.8) or (truths, 0.9) if the bands are right; the binomial's two-sided 95%
        // acceptance region, by the normal approximation, says which counts are consistent with that.
        for (label, p, counts) in [("P10–P90", 0.8, \ForecastCoverage.Series.within80), ("P5–P95", 0.9, \.within90)] {
            let sd = (n * p * (1 - p)).squareRoot()
            let low = n * p - 1.96 * sd, high = n * p + 1.96 * sd
            var outside: [String] = []
            for series in coverage.series.prefix(2) {
                for (day, count) in series[keyPath: counts].enumerated() where Double(count) < low || Double(count) > high {
                    outside.append("\(series.name) day \(day + 1) (\(count))")
                }
            }
            print(String(format: "%@: counts %.1f–%.1f of %d are consistent with %.0f%% (95%%); groups outside: ", label, low, high,
                         coverage.truths, 100 * p) + (outside.isEmpty ? "none" : outside.joined(separator: ", ")))
        }
    }
}

/// The feed through its listener: `clients` senders on loopback, each sending its share of `messages` ADT messages
/// one at a time and waiting for each acknowledgement (as an integration engine does), into a listener in this
/// process storing to the database (embedded by default: fsync on). Messages per second over the whole run, and
/// the send-to-ACK latency's median and 99th percentile.
struct FeedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Messages per second through hospital-twin listen's path, and the latency from send to ACK.",
        discussion: "The database: --database-url, else HOSPITAL_TWIN_DATABASE_URL, DATABASE_URL, libpq's PG* variables, else the embedded cluster.")

    @Option(help: "Messages in all.")
    var messages: Int = 5_000

    @Option(help: "Concurrent senders (connections).")
    var clients: Int = 4

    @Option(name: .customLong("database-url"), help: "A libpq connection string.")
    var databaseURL: String?

    func run() throws {
        let location = try DatabaseLocation.configured(option: databaseURL, environment: ProcessInfo.processInfo.environment)
            ?? { () throws -> DatabaseLocation in
                let cluster = try EmbeddedCluster()
                try cluster.start()
                return cluster.location
            }()
        let url = location.connectionString
        let pseudonymiser = try Pseudonymiser(key: Array("hospital-twin-bench feed: a key for the benchmark".utf8))
        let zone = TimeZone(identifier: "Europe/London")!
        _ = try FeedStore(connection: DatabaseConnection(url: url), pseudonymiser: pseudonymiser, timeZone: zone)
        let listener = MLLPListener(settings: MLLPListener.Settings(host: "127.0.0.1", port: 0), openStore: {
            try FeedStore(connection: DatabaseConnection(url: url), pseudonymiser: pseudonymiser, timeZone: zone)
        }, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let port = try listener.bind()
        Thread { listener.serve() }.start()
        let run = UUID().uuidString.prefix(8)
        let latencies = LatencyLog()
        let started = ContinuousClock.now
        let group = DispatchGroup()
        for client in 0..<clients {
            group.enter()
            Thread {
                defer { group.leave() }
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                var buffer = [UInt8](repeating: 0, count: 4096)
                for n in stride(from: client, to: messages, by: clients) {
                    let text = "MSH|^~\\&|PAS|B\(run)|TWIN|RXX|202606011000||ADT^A01|M\(n)|P|2.5\r"
                        + "EVN|A01|||||202606011000\rPID|1||D\(n)^^^RXX^MR~9434765919^^^NHS^NH||Doe^Jo||19400101|F\r"
                        + "PV1|1|I|AMU^^^RXX|E\r"
                    let frame = MLLPDecoder.frame(Array(text.utf8))
                    let sent = ContinuousClock.now
                    _ = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                    var received: [UInt8] = []
                    while !received.contains(MLLPDecoder.endBlock) {
                        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                        if count <= 0 { return }
                        received += buffer[0..<count]
                    }
                    latencies.add(seconds(ContinuousClock.now - sent) * 1000)
                }
            }.start()
        }
        group.wait()
        let elapsed = seconds(ContinuousClock.now - started)
        listener.stop()
        let sorted = latencies.values.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] }
        print("{\"engine\": \"hospital-twin\", \"model\": \"feed\", \"messages\": \(sorted.count), \"clients\": \(clients), "
            + "\"seconds\": \(String(format: "%.3f", elapsed)), \"messages_per_s\": \(String(format: "%.0f", Double(sorted.count) / elapsed)), "
            + "\"ack_ms_median\": \(String(format: "%.2f", percentile(0.5))), \"ack_ms_p99\": \(String(format: "%.2f", percentile(0.99)))}")
    }
}

/// Latencies from several threads.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Double] = []
    func add(_ value: Double) { lock.withLock { samples.append(value) } }
    var values: [Double] { lock.withLock { samples } }
}
