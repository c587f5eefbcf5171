import Simulation

/// Three queueing models with known analytic answers, written through the kernel's public API the way a user of
/// the kernel writes a model. They serve as the benchmark models (`hospital-twin-bench`), as the kernel's
/// validation against theory (`hospital-twin validate`, the test suite), and as examples.
///
/// Every time is in minutes, the kernel's unit; callers convert at the edge.
public enum ReferenceModels {}

/// What a run of a reference model measured, over the customers counted after the warm-up.
public struct QueueRunResult: Sendable, Hashable {
    /// Customers that arrived.
    public var customers = 0
    /// Customers counted (those after the warm-up).
    public var counted = 0
    /// Calendar events plus resource notices processed.
    public var events = 0
    /// Minutes counted customers waited for a server (0 for those served at once; the loss model has none).
    public var waits = Tally()
    /// Minutes from arrival to leaving, for counted customers.
    public var sojourns = Tally()
    /// Counted arrivals turned away (loss model).
    public var blocked = 0
    /// Counted customers who waited at all.
    public var delayed = 0
    /// Time-average number waiting, from the kernel's queue statistics, over the run after the warm-up.
    public var meanQueueLength = 0.0
    /// Time-average number in the system (waiting or in service), over the same window.
    public var meanInSystem = 0.0
    /// Arrivals per minute over the same window.
    public var arrivalRatePerMinute = 0.0
    /// Mean wait of every customer served in that window, from the kernel's resource statistics.
    public var kernelMeanWait = 0.0
    /// Mean wait of each consecutive batch of customers, in order of service (M/M/c, when asked for): the
    /// series a warm-up analysis reads.
    public var waitBatchMeans: [Double] = []

    /// The share of counted arrivals turned away.
    public var blockingProbability: Double { counted > 0 ? Double(blocked) / Double(counted) : 0 }
    /// The share of counted customers who waited.
    public var delayProbability: Double { counted > 0 ? Double(delayed) / Double(counted) : 0 }
}

/// Parameters of an M/M/c queue, in minutes.
public struct MMcParameters: Sendable, Hashable {
    /// Servers.
    public var servers: Int
    /// Mean minutes between arrivals.
    public var meanInterarrivalMinutes: Double
    /// Mean service minutes.
    public var meanServiceMinutes: Double

    /// An M/M/c queue.
    public init(servers: Int, meanInterarrivalMinutes: Double, meanServiceMinutes: Double) {
        self.servers = servers
        self.meanInterarrivalMinutes = meanInterarrivalMinutes
        self.meanServiceMinutes = meanServiceMinutes
    }

    /// The benchmark's `mmc` model: 50 servers, 45 arrivals per hour, mean service 1 hour (ρ = 0.9).
    public static let benchmark = MMcParameters(servers: 50, meanInterarrivalMinutes: 60.0 / 45.0,
                                                meanServiceMinutes: 60)

    /// Offered load A = λ/μ.
    public var offeredLoad: Double { meanServiceMinutes / meanInterarrivalMinutes }
    /// Utilisation ρ = A/c.
    public var utilisation: Double { offeredLoad / Double(servers) }
    /// Erlang C mean wait in queue, minutes.
    public var theoreticalMeanWaitMinutes: Double {
        QueueingTheory.mmcMeanWait(servers: servers, arrivalRate: 1 / meanInterarrivalMinutes,
                                   serviceRate: 1 / meanServiceMinutes)
    }
}

extension ReferenceModels {
    /// Runs an M/M/c FCFS queue for `customers` arrivals; statistics count customers from number
    /// `warmupCustomers` on (the first ones see an emptier system than the steady state).
    /// With `waitBatchSize` > 0 it also records the mean wait of each batch of that many customers.
    public static func runMMc(_ parameters: MMcParameters, customers: Int, warmupCustomers: Int,
                              streams: RandomStreams, waitBatchSize: Int = 0) throws -> QueueRunResult
    {
        var simulation = Simulation<MMcModel>()
        let servers = simulation.addResource(named: "servers", capacity: parameters.servers)
        var model = MMcModel(servers: servers, customers: customers, warmupCustomers: warmupCustomers,
                             interarrival: try Exponential(mean: parameters.meanInterarrivalMinutes),
                             service: try Exponential(mean: parameters.meanServiceMinutes),
                             arrivals: streams.stream(for: "arrivals"), services: streams.stream(for: "service"),
                             batchSize: waitBatchSize)
        simulation.schedule(.arrival, after: model.interarrival.sample(using: &model.arrivals))
        simulation.run(&model)
        model.result.events = simulation.eventCount + simulation.noticeCount
        model.result.customers = model.arrived
        let statistics = simulation.statistics(of: servers)
        let window = simulation.now - statistics.windowStart
        model.result.meanQueueLength = statistics.queueLength.mean(at: simulation.now)
        model.result.meanInSystem = model.result.meanQueueLength + statistics.inUse.mean(at: simulation.now)
        model.result.arrivalRatePerMinute = window > 0 ? Double(statistics.requests) / window : 0
        model.result.kernelMeanWait = statistics.waits.mean
        return model.result
    }

    struct MMcModel: SimulationModel {
        enum Event {
            case arrival
            case departure(RequestID, index: Int, arrivedAt: Double)
        }

        /// A customer asking for a server.
        struct Customer {
            let index: Int
            let arrivedAt: Double
        }

        let servers: ResourceID
        let customers: Int
        let warmupCustomers: Int
        let interarrival: Exponential
        let service: Exponential
        var arrivals: RandomStream
        var services: RandomStream
        let batchSize: Int
        var batch = Tally()
        var arrived = 0
        var result = QueueRunResult()

        mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
            switch event {
            case .arrival:
                let index = arrived
                arrived += 1
                if index == warmupCustomers { simulation.resetStatistics() }
                simulation.request(servers, tag: Customer(index: index, arrivedAt: simulation.now))
                if arrived < customers {
                    simulation.schedule(.arrival, after: interarrival.sample(using: &arrivals))
                }
            case .departure(let request, let index, let arrivedAt):
                simulation.release(request)
                if index >= warmupCustomers { result.sojourns.record(simulation.now - arrivedAt) }
            }
        }

        mutating func handle(_ notice: ResourceNotice, for customer: Customer, in simulation: inout Simulation<Self>) {
            let index = customer.index, arrivedAt = customer.arrivedAt
            if index >= warmupCustomers {
                let wait = simulation.now - arrivedAt
                result.counted += 1
                result.waits.record(wait)
                if wait > 0 { result.delayed += 1 }
            }
            if batchSize > 0 {
                batch.record(simulation.now - arrivedAt)
                if batch.count == batchSize {
                    result.waitBatchMeans.append(batch.mean)
                    batch = Tally()
                }
            }
            simulation.schedule(.departure(notice.request, index: index, arrivedAt: arrivedAt),
                                after: service.sample(using: &services))
        }
    }
}

/// Parameters of an M/M/c/c loss system (a ward that turns patients away when full), in minutes.
public struct ErlangLossParameters: Sendable, Hashable {
    /// Beds.
    public var beds: Int
    /// Mean minutes between arrivals.
    public var meanInterarrivalMinutes: Double
    /// Mean length of stay, minutes.
    public var meanStayMinutes: Double

    /// An M/M/c/c loss system.
    public init(beds: Int, meanInterarrivalMinutes: Double, meanStayMinutes: Double) {
        self.beds = beds
        self.meanInterarrivalMinutes = meanInterarrivalMinutes
        self.meanStayMinutes = meanStayMinutes
    }

    /// The benchmark's `erlang_loss` model: 30 beds, 5 admissions a day, mean stay 5 days.
    public static let benchmark = ErlangLossParameters(beds: 30, meanInterarrivalMinutes: 1440.0 / 5,
                                                       meanStayMinutes: 5 * 1440)

    /// Offered load A = λ/μ.
    public var offeredLoad: Double { meanStayMinutes / meanInterarrivalMinutes }
    /// Erlang B blocking probability.
    public var theoreticalBlocking: Double { QueueingTheory.erlangB(servers: beds, offeredLoad: offeredLoad) }
}

extension ReferenceModels {
    /// Runs an M/M/c/c loss system for `customers` arrivals, counting arrivals from `warmupCustomers` on.
    public static func runErlangLoss(_ parameters: ErlangLossParameters, customers: Int, warmupCustomers: Int,
                                     streams: RandomStreams) throws -> QueueRunResult
    {
        var simulation = Simulation<LossModel>()
        let beds = simulation.addResource(named: "beds", capacity: parameters.beds)
        var model = LossModel(beds: beds, customers: customers, warmupCustomers: warmupCustomers,
                              interarrival: try Exponential(mean: parameters.meanInterarrivalMinutes),
                              stay: try Exponential(mean: parameters.meanStayMinutes),
                              arrivals: streams.stream(for: "arrivals"), stays: streams.stream(for: "service"))
        simulation.schedule(.arrival, after: model.interarrival.sample(using: &model.arrivals))
        simulation.run(&model)
        model.result.events = simulation.eventCount + simulation.noticeCount
        model.result.customers = model.arrived
        let statistics = simulation.statistics(of: beds)
        let window = simulation.now - statistics.windowStart
        model.result.meanInSystem = statistics.inUse.mean(at: simulation.now)
        model.result.arrivalRatePerMinute = window > 0 ? Double(model.arrivalsInWindow) / window : 0
        return model.result
    }

    struct LossModel: SimulationModel {
        enum Event {
            case arrival
            case discharge(RequestID, index: Int, admittedAt: Double)
        }

        let beds: ResourceID
        let customers: Int
        let warmupCustomers: Int
        let interarrival: Exponential
        let stay: Exponential
        var arrivals: RandomStream
        var stays: RandomStream
        var arrived = 0
        var arrivalsInWindow = 0
        var result = QueueRunResult()

        mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
            switch event {
            case .arrival:
                let index = arrived
                arrived += 1
                if index == warmupCustomers { simulation.resetStatistics() }
                if index >= warmupCustomers {
                    result.counted += 1
                    arrivalsInWindow += 1
                }
                if simulation.freeUnits(of: beds) > 0 {
                    simulation.request(beds, tag: index)
                } else if index >= warmupCustomers {
                    result.blocked += 1
                }
                if arrived < customers {
                    simulation.schedule(.arrival, after: interarrival.sample(using: &arrivals))
                }
            case .discharge(let request, let index, let admittedAt):
                simulation.release(request)
                if index >= warmupCustomers { result.sojourns.record(simulation.now - admittedAt) }
            }
        }

        /// The tag is the patient's arrival index.
        mutating func handle(_ notice: ResourceNotice, for index: Int, in simulation: inout Simulation<Self>) {
            simulation.schedule(.discharge(notice.request, index: index, admittedAt: simulation.now),
                                after: stay.sample(using: &stays))
        }
    }
}

/// Parameters of an open Jackson network of M/M/c stations, in minutes.
public struct NetworkParameters: Sendable, Hashable {
    /// Mean minutes between external arrivals (all to station 0).
    public var meanInterarrivalMinutes: Double
    /// Servers per station.
    public var servers: [Int]
    /// Mean service minutes per station.
    public var meanServiceMinutes: [Double]
    /// routing[i][j]: probability of going from station i to j next; the rest of row i leaves the network.
    public var routing: [[Double]]

    /// A network.
    public init(meanInterarrivalMinutes: Double, servers: [Int], meanServiceMinutes: [Double], routing: [[Double]]) {
        self.meanInterarrivalMinutes = meanInterarrivalMinutes
        self.servers = servers
        self.meanServiceMinutes = meanServiceMinutes
        self.routing = routing
    }

    /// The benchmark's `network` model: 10 arrivals per hour to station 1 (3 servers, 0.2 h); station 2 (3, 0.3 h);
    /// station 3 (2, 0.2 h); 1 → 2 with p 0.6 else 3; 2 → 3 with p 0.5 else leave; 3 → 1 with p 0.2 else leave.
    public static let benchmark = NetworkParameters(
        meanInterarrivalMinutes: 6, servers: [3, 3, 2], meanServiceMinutes: [12, 18, 12],
        routing: [[0, 0.6, 0.4], [0, 0, 0.5], [0.2, 0, 0]])

    /// The mean sojourn time from Jackson's theorem, minutes.
    public var theoreticalMeanSojournMinutes: Double {
        QueueingTheory.jacksonMeanSojourn(externalArrivalRates: [1 / meanInterarrivalMinutes] + [Double](
            repeating: 0, count: servers.count - 1), servers: servers, meanServiceTimes: meanServiceMinutes,
            routing: routing)
    }
}

extension ReferenceModels {
    /// Runs the open network for `customers` external arrivals, counting sojourns from customer `warmupCustomers`.
    public static func runNetwork(_ parameters: NetworkParameters, customers: Int, warmupCustomers: Int,
                                  streams: RandomStreams) throws -> QueueRunResult
    {
        var simulation = Simulation<NetworkModel>()
        var stations: [ResourceID] = []
        var services: [Exponential] = []
        var routes: [Categorical] = []
        for (index, servers) in parameters.servers.enumerated() {
            stations.append(simulation.addResource(named: "station \(index + 1)", capacity: servers))
            services.append(try Exponential(mean: parameters.meanServiceMinutes[index]))
            let row = parameters.routing[index]
            routes.append(try Categorical(weights: row + [max(0, 1 - row.reduce(0, +))]))  // last: leave
        }
        var model = NetworkModel(stations: stations, services: services, routes: routes, customers: customers,
                                 warmupCustomers: warmupCustomers,
                                 interarrival: try Exponential(mean: parameters.meanInterarrivalMinutes),
                                 arrivals: streams.stream(for: "arrivals"), serviceStream: streams.stream(for: "service"),
                                 routing: streams.stream(for: "routing"))
        simulation.schedule(.arrival, after: model.interarrival.sample(using: &model.arrivals))
        simulation.run(&model)
        model.result.events = simulation.eventCount + simulation.noticeCount
        model.result.customers = model.arrived
        return model.result
    }

    struct NetworkModel: SimulationModel {
        enum Event {
            case arrival
            case served(RequestID, customer: Int32, station: Int32, enteredAt: Double)
        }

        /// A customer's visit to a station.
        struct Visit {
            let customer: Int32
            let station: Int32
            let enteredAt: Double
        }

        let stations: [ResourceID]
        let services: [Exponential]
        let routes: [Categorical]
        let customers: Int
        let warmupCustomers: Int
        let interarrival: Exponential
        var arrivals: RandomStream
        var serviceStream: RandomStream
        var routing: RandomStream
        var arrived = 0
        var result = QueueRunResult()

        mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
            switch event {
            case .arrival:
                let customer = Int32(arrived)
                arrived += 1
                simulation.request(stations[0], tag: Visit(customer: customer, station: 0, enteredAt: simulation.now))
                if arrived < customers {
                    simulation.schedule(.arrival, after: interarrival.sample(using: &arrivals))
                }
            case .served(let request, let customer, let station, let enteredAt):
                simulation.release(request)
                let next = routes[Int(station)].sample(using: &routing)
                if next < stations.count {
                    simulation.request(stations[next],
                                       tag: Visit(customer: customer, station: Int32(next), enteredAt: enteredAt))
                } else if Int(customer) >= warmupCustomers {
                    result.counted += 1
                    result.sojourns.record(simulation.now - enteredAt)
                }
            }
        }

        mutating func handle(_ notice: ResourceNotice, for visit: Visit, in simulation: inout Simulation<Self>) {
            let customer = visit.customer, station = visit.station, enteredAt = visit.enteredAt
            simulation.schedule(.served(notice.request, customer: customer, station: station, enteredAt: enteredAt),
                                after: services[Int(station)].sample(using: &serviceStream))
        }
    }
}
