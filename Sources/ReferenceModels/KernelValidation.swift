import Simulation

/// The kernel's validation suite as a user runs it (`hospital-twin validate`): each reference model against its
/// analytic value, with the replications' Student-t confidence interval as the only tolerance.
public enum KernelValidation {
    /// One comparison of simulation with theory.
    public struct Check: Sendable, Hashable {
        /// The model, e.g. "M/M/10, rho 0.95".
        public let model: String
        /// The measure, e.g. "mean wait in queue (min)".
        public let measure: String
        /// The analytic value.
        public let theory: Double
        /// The replications' confidence interval.
        public let simulated: ConfidenceInterval
        /// Replications needed for a half-width of ±1% of the mean at the plan's level, from these as a pilot.
        public let replicationsForOnePercent: Int?

        /// A check from the replications' values.
        public init(model: String, measure: String, theory: Double, values: [Double], level: Double) {
            self.model = model
            self.measure = measure
            self.theory = theory
            simulated = ReplicationSummary(values).confidenceInterval(level: level)
            replicationsForOnePercent = OutputAnalysis.replicationsNeeded(pilot: values, halfWidth: 0.01, level: level,
                                                                          relative: true)
        }

        /// True when the analytic value lies in the interval.
        public var agrees: Bool { simulated.contains(theory) }
    }

    /// How much to run.
    public struct Plan: Sendable, Hashable {
        /// Replications per model.
        public var replications: Int
        /// Customers per replication (the heavy-load case runs four times as many: it mixes slowly).
        public var customers: Int
        /// The master seed.
        public var seed: UInt64
        /// Threads.
        public var threads: Int
        /// Confidence level of the intervals.
        public var level: Double

        /// A plan.
        public init(replications: Int = 20, customers: Int = 100_000, seed: UInt64 = 1, threads: Int, level: Double = 0.99) {
            self.replications = replications
            self.customers = customers
            self.seed = seed
            self.threads = threads
            self.level = level
        }
    }

    /// Runs every check of the plan.
    public static func run(_ plan: Plan) throws -> [Check] {
        var checks: [Check] = []
        let replications = Replications(count: plan.replications, masterSeed: plan.seed, threads: plan.threads)
        let mmc: [(servers: Int, rho: Double, scale: Int)] = [(1, 0.5, 1), (3, 0.8, 1), (50, 0.9, 2), (10, 0.95, 4)]
        for (servers, rho, scale) in mmc {
            let parameters = MMcParameters(servers: servers, meanInterarrivalMinutes: 10 / (Double(servers) * rho),
                                           meanServiceMinutes: 10)
            let customers = plan.customers * scale
            let runs = try replications.run { replication in
                try ReferenceModels.runMMc(parameters, customers: customers, warmupCustomers: customers / 10,
                                           streams: replication.streams)
            }
            let name = "M/M/\(servers), rho \(rho)"
            checks.append(Check(model: name, measure: "mean wait in queue (min)",
                                theory: parameters.theoreticalMeanWaitMinutes, values: runs.map(\.waits.mean),
                                level: plan.level))
            checks.append(Check(model: name, measure: "P(wait) (Erlang C)",
                                theory: QueueingTheory.erlangC(servers: servers, offeredLoad: parameters.offeredLoad),
                                values: runs.map(\.delayProbability), level: plan.level))
        }
        for (beds, load) in [(5, 3.0), (30, 25.0), (30, 28.5)] {
            let parameters = ErlangLossParameters(beds: beds, meanInterarrivalMinutes: 5 * 1440 / load,
                                                  meanStayMinutes: 5 * 1440)
            let customers = plan.customers
            let runs = try replications.run { replication in
                try ReferenceModels.runErlangLoss(parameters, customers: customers, warmupCustomers: customers / 20,
                                                  streams: replication.streams)
            }
            checks.append(Check(model: "M/M/\(beds)/\(beds), load \(load)", measure: "blocking (Erlang B)",
                                theory: parameters.theoreticalBlocking, values: runs.map(\.blockingProbability),
                                level: plan.level))
        }
        let network = NetworkParameters.benchmark
        let customers = plan.customers
        let runs = try replications.run { replication in
            try ReferenceModels.runNetwork(network, customers: customers, warmupCustomers: customers / 20,
                                           streams: replication.streams)
        }
        checks.append(Check(model: "Jackson network (3 stations)", measure: "mean sojourn (min)",
                            theory: network.theoreticalMeanSojournMinutes, values: runs.map(\.sojourns.mean),
                            level: plan.level))
        return checks
    }

    /// Welch's moving averages and the MSER-5 suggestion for the slowest-mixing case (M/M/10 at rho 0.95, empty
    /// at the start), on waits averaged over batches of `batch` customers.
    public static func warmUpAnalysis(_ plan: Plan, batch: Int = 500) throws -> WarmUpAnalysis {
        let parameters = MMcParameters(servers: 10, meanInterarrivalMinutes: 10 / 9.5, meanServiceMinutes: 10)
        let customers = plan.customers
        let replications = Replications(count: plan.replications, masterSeed: plan.seed, threads: plan.threads)
        let series = try replications.run { replication in
            try ReferenceModels.runMMc(parameters, customers: customers, warmupCustomers: 0,
                                       streams: replication.streams, waitBatchSize: batch).waitBatchMeans
        }
        return WarmUpAnalysis(series: series)
    }
}
