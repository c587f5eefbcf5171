import ReferenceModels
import Simulation
import Testing
import TestSupport

/// The kernel against queueing theory: simulated M/M/c waits against Erlang C, M/M/c/c blocking against Erlang B,
/// a Jackson network against its product form, and Little's law on the simulated sample paths. Each check runs
/// independent replications and asks that the analytic value lie inside the replications' Student-t confidence
/// interval at the suite's level (99.9%); the tolerance is the interval, computed here, nothing else.
@Suite("validation against queueing theory")
struct QueueingValidationTests {
    @Test("Erlang B and C agree with published values")
    func formulas() {
        // Erlang B(30, 25) = 0.05260 and the M/M/50 benchmark's P(wait) = 0.3639, Wq = 0.07277 h
        // (shared/bench/README.md); B(10, 5) = 0.018385 and B(1, 1) = 1/2 from the standard Erlang B table.
        #expect(abs(QueueingTheory.erlangB(servers: 30, offeredLoad: 25) - 0.05260) < 5e-6)
        #expect(abs(QueueingTheory.erlangB(servers: 10, offeredLoad: 5) - 0.018385) < 5e-7)
        #expect(QueueingTheory.erlangB(servers: 1, offeredLoad: 1) == 0.5)
        #expect(abs(QueueingTheory.erlangC(servers: 50, offeredLoad: 45) - 0.3639) < 5e-5)
        #expect(abs(QueueingTheory.mmcMeanWait(servers: 50, arrivalRate: 45, serviceRate: 1) - 0.07277) < 5e-6)
        // M/M/1: Wq = rho / (mu - lambda).
        #expect(abs(QueueingTheory.mmcMeanWait(servers: 1, arrivalRate: 0.8, serviceRate: 1) - 4) < 1e-12)
        #expect(abs(NetworkParameters.benchmark.theoreticalMeanSojournMinutes / 60 - 1.2465) < 5e-5)
    }

    struct MMcCase: CustomTestStringConvertible, Sendable {
        let servers: Int
        let utilisation: Double
        let customers: Int
        var testDescription: String { "M/M/\(servers) at rho \(utilisation)" }
        var parameters: MMcParameters {
            MMcParameters(servers: servers, meanInterarrivalMinutes: 10 / (Double(servers) * utilisation),
                          meanServiceMinutes: 10)
        }
    }

    @Test("M/M/c mean wait in queue matches Erlang C", arguments: [
        MMcCase(servers: 1, utilisation: 0.5, customers: 100_000),
        MMcCase(servers: 3, utilisation: 0.8, customers: 100_000),
        MMcCase(servers: 50, utilisation: 0.9, customers: 200_000),
        MMcCase(servers: 10, utilisation: 0.95, customers: 400_000),
    ])
    func erlangC(_ scenario: MMcCase) throws {
        let parameters = scenario.parameters
        let runs = try Replications(count: 20, masterSeed: 2026).run { replication in
            try ReferenceModels.runMMc(parameters, customers: scenario.customers,
                                       warmupCustomers: scenario.customers / 10, streams: replication.streams)
        }
        let waits = ReplicationSummary(runs.map(\.waits.mean)).confidenceInterval(level: Tolerance.confidence)
        #expect(waits.contains(parameters.theoreticalMeanWaitMinutes),
                "Wq \(waits) vs Erlang C \(parameters.theoreticalMeanWaitMinutes)")
        let delayed = ReplicationSummary(runs.map(\.delayProbability)).confidenceInterval(level: Tolerance.confidence)
        let erlangC = QueueingTheory.erlangC(servers: parameters.servers, offeredLoad: parameters.offeredLoad)
        #expect(delayed.contains(erlangC), "P(wait) \(delayed) vs Erlang C \(erlangC)")
    }

    @Test("M/M/c/c blocking matches Erlang B", arguments: [(1, 0.5), (5, 3.0), (30, 25.0), (30, 28.5), (100, 95.0)])
    func erlangB(beds: Int, load: Double) throws {
        let parameters = ErlangLossParameters(beds: beds, meanInterarrivalMinutes: 1440 / load * 5,
                                              meanStayMinutes: 5 * 1440)
        let runs = try Replications(count: 20, masterSeed: 7).run { replication in
            try ReferenceModels.runErlangLoss(parameters, customers: 100_000, warmupCustomers: 5_000,
                                              streams: replication.streams)
        }
        let blocking = ReplicationSummary(runs.map(\.blockingProbability)).confidenceInterval(level: Tolerance.confidence)
        let theory = QueueingTheory.erlangB(servers: beds, offeredLoad: load)
        #expect(blocking.contains(theory), "blocking \(blocking) vs Erlang B \(theory)")
    }

    @Test("the open Jackson network's mean sojourn matches the product-form value")
    func jacksonNetwork() throws {
        let parameters = NetworkParameters.benchmark
        let runs = try Replications(count: 20, masterSeed: 3).run { replication in
            try ReferenceModels.runNetwork(parameters, customers: 100_000, warmupCustomers: 5_000,
                                           streams: replication.streams)
        }
        let sojourn = ReplicationSummary(runs.map(\.sojourns.mean)).confidenceInterval(level: Tolerance.confidence)
        #expect(sojourn.contains(parameters.theoreticalMeanSojournMinutes))
    }

    @Test("Little's law holds on the sample path: L = λW for the queue and the whole system")
    func littlesLaw() throws {
        // From the first arrival to the last departure every customer's whole stay lies in the window, so the
        // time-integral of the number present equals the sum of the stays: L = λW up to rounding. The two sides
        // come from independent code: the kernel's time-weighted queue and use levels, and the model's tallies.
        let parameters = MMcParameters(servers: 4, meanInterarrivalMinutes: 3, meanServiceMinutes: 10)
        let run = try ReferenceModels.runMMc(parameters, customers: 50_000, warmupCustomers: 0,
                                             streams: RandomStreams(masterSeed: 5))
        let lambda = run.arrivalRatePerMinute
        #expect(abs(run.meanQueueLength - lambda * run.waits.mean) <= 1e-9 * run.meanQueueLength)
        #expect(abs(run.meanInSystem - lambda * run.sojourns.mean) <= 1e-9 * run.meanInSystem)
        #expect(run.kernelMeanWait == run.waits.mean)
    }

    @Test("the validation can fail: a 10% longer service is detected against Erlang C")
    func validationHasPower() throws {
        var parameters = MMcParameters(servers: 3, meanInterarrivalMinutes: 10 / 2.4, meanServiceMinutes: 10)
        let theory = parameters.theoreticalMeanWaitMinutes
        parameters.meanServiceMinutes = 10.5
        let slower = parameters
        let runs = try Replications(count: 20, masterSeed: 2026).run { replication in
            try ReferenceModels.runMMc(slower, customers: 100_000, warmupCustomers: 10_000,
                                       streams: replication.streams)
        }
        let waits = ReplicationSummary(runs.map(\.waits.mean)).confidenceInterval(level: Tolerance.confidence)
        #expect(!waits.contains(theory))
    }
}

@Suite("determinism")
struct DeterminismTests {
    @Test("the same seed gives bit-identical results")
    func sameSeedSameResult() throws {
        let a = try ReferenceModels.runNetwork(.benchmark, customers: 20_000, warmupCustomers: 1_000,
                                               streams: RandomStreams(masterSeed: 9))
        let b = try ReferenceModels.runNetwork(.benchmark, customers: 20_000, warmupCustomers: 1_000,
                                               streams: RandomStreams(masterSeed: 9))
        #expect(a == b)
        let c = try ReferenceModels.runNetwork(.benchmark, customers: 20_000, warmupCustomers: 1_000,
                                               streams: RandomStreams(masterSeed: 10))
        #expect(a != c)
    }

    @Test("1 thread and 2 threads give identical replications, in the same order")
    func threadCountDoesNotMatter() throws {
        func run(threads: Int) throws -> [QueueRunResult] {
            try Replications(count: 6, masterSeed: 77, threads: threads).run { replication in
                try ReferenceModels.runMMc(.benchmark, customers: 20_000, warmupCustomers: 1_000,
                                           streams: replication.streams)
            }
        }
        let one = try run(threads: 1)
        let two = try run(threads: 2)
        #expect(one == two)
        #expect(one.map(\.waits.mean.bitPattern) == two.map(\.waits.mean.bitPattern))
        #expect(Set(one.map(\.waits.mean)).count == one.count)  // replications differ from each other
    }
}
