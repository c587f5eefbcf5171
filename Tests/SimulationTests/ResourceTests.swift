import Foundation
import Simulation
import Testing

/// A model driven by a script of timed actions on one resource; it logs every notice as "minute name kind".
struct ScriptedModel: SimulationModel {
    enum Event {
        case request(String, units: Int = 1, priority: Int = 0, patience: Double? = nil, preemptive: Bool = false)
        case release(String)
        case probe
        case setCapacity(Int)
    }

    let resource: ResourceID
    var requests: [String: RequestID] = [:]
    var log: [String] = []
    var probes: [String] = []
    var warmUps = 0

    mutating func handle(_ event: Event, in simulation: inout Simulation<ScriptedModel>) {
        switch event {
        case .request(let name, let units, let priority, let patience, let preemptive):
            requests[name] = simulation.request(resource, units: units, priority: priority, patience: patience,
                                                preemptive: preemptive, tag: name)
        case .release(let name):
            simulation.release(requests[name]!)
        case .setCapacity(let capacity):
            simulation.setCapacity(resource, to: capacity)
        case .probe:
            probes.append("\(Int(simulation.now)) cap \(simulation.capacity(of: resource)) "
                + "use \(simulation.inUse(of: resource)) wait \(simulation.waitingCount(of: resource))")
        }
    }

    /// The tag is the request's name.
    mutating func handle(_ notice: ResourceNotice, for name: String, in simulation: inout Simulation<Self>) {
        log.append("\(Int(simulation.now)) \(name) \(notice.kind)")
    }

    mutating func warmUpDidEnd(in simulation: inout Simulation<ScriptedModel>) { warmUps += 1 }

    /// Runs `script` (minute, event) against a resource with `schedule` and returns the model afterwards.
    static func run(capacity schedule: CapacitySchedule, policy: CapacityDropPolicy = .finishThenLeave,
                    until end: Double = 1000, _ script: [(Double, Event)]) throws -> (ScriptedModel, Simulation<ScriptedModel>)
    {
        var simulation = Simulation<ScriptedModel>()
        let resource = try simulation.addResource(named: "r", capacity: schedule, whenCapacityDrops: policy)
        var model = ScriptedModel(resource: resource)
        for (time, event) in script { simulation.schedule(event, at: time) }
        simulation.run(&model, until: end)
        return (model, simulation)
    }
}

@Suite("counted resources")
struct ResourceTests {
    @Test("waiting requests are served by priority, then in order of arrival")
    func priorityThenFIFO() throws {
        let (model, _) = try ScriptedModel.run(capacity: .constant(1), [
            (0, .request("A")), (1, .request("B")), (2, .request("C", priority: -1)), (3, .request("D")),
            (10, .release("A")), (20, .release("C")), (30, .release("B")),
        ])
        #expect(model.log == ["0 A granted", "10 C granted", "20 B granted", "30 D granted"])
    }

    @Test("a multi-unit request at the head blocks smaller ones behind it (no overtaking)")
    func headOfLineBlocking() throws {
        let (model, _) = try ScriptedModel.run(capacity: .constant(3), [
            (0, .request("A", units: 2)), (1, .request("B", units: 2)), (2, .request("C", units: 1)),
            (5, .release("A")),
        ])
        #expect(model.log == ["0 A granted", "5 B granted", "5 C granted"])
    }

    @Test("a request reneges when its patience runs out; one granted in time does not")
    func reneging() throws {
        let (model, simulation) = try ScriptedModel.run(capacity: .constant(1), [
            (0, .request("A")), (1, .request("B", patience: 5)), (2, .request("C", patience: 100)),
            (10, .release("A")),
        ])
        #expect(model.log == ["0 A granted", "6 B reneged", "10 C granted"])
        #expect(simulation.statistics(of: model.resource).reneges == 1)
    }

    @Test("a preemptive request takes units from the lowest-priority, most recent holder")
    func preemptionByPriority() throws {
        let (model, simulation) = try ScriptedModel.run(capacity: .constant(2), [
            (0, .request("L1", priority: 5)), (1, .request("L2", priority: 5)),
            (3, .request("H", priority: 0, preemptive: true)),
            (4, .request("P", priority: 4, preemptive: true)),
            (5, .request("Q", priority: 9, preemptive: true)),
        ])
        #expect(model.log == ["0 L1 granted", "1 L2 granted", "3 L2 preempted", "3 H granted", "4 L1 preempted",
                              "4 P granted"])
        #expect(simulation.waitingCount(of: model.resource) == 1)  // Q outranks nobody: it waits
        #expect(simulation.statistics(of: model.resource).preemptions == 2)
    }

    @Test("units a preempted holder leaves over go at once to the requests waiting next")
    func preemptionPassesSpareUnitsOn() throws {
        // L holds both units; W (low priority, 1 unit) waits; H (1 unit, preemptive) takes L's two units and
        // needs one: the other must go to W at minute 3, not sit idle until some later event touches the resource.
        let (model, simulation) = try ScriptedModel.run(capacity: .constant(2), [
            (0, .request("L", units: 2, priority: 5)), (1, .request("W", priority: 7)),
            (3, .request("H", priority: 0, preemptive: true)), (4, .probe), (50, .probe),
        ])
        #expect(model.log == ["0 L granted", "3 L preempted", "3 H granted", "3 W granted"])
        #expect(model.probes == ["4 cap 2 use 2 wait 0", "50 cap 2 use 2 wait 0"])
        #expect(simulation.statistics(of: model.resource).waits.maximum == 2)
    }

    @Test("a preemptive request does not jump a higher-priority request already waiting")
    func preemptionRespectsQueue() throws {
        let (model, _) = try ScriptedModel.run(capacity: .constant(1), [
            (0, .request("L", priority: 5)), (1, .request("W", priority: 0)),
            (2, .request("P", priority: 1, preemptive: true)), (10, .release("L")),
        ])
        #expect(model.log == ["0 L granted", "10 W granted"])
    }

    /// The scenario the issue names: capacity drops from 2 to 1 at minute 10 while two low-priority holders
    /// work and a high-priority request waits (from minute 5); A would finish at 15, B at 20.
    static let dropScript: [(Double, ScriptedModel.Event)] = [
        (0, .request("A", priority: 5)), (1, .request("B", priority: 5)), (5, .request("H", priority: 0)),
        (11, .probe), (15, .release("A")), (16, .probe), (20, .release("B")), (21, .probe),
    ]
    static let drop = CapacitySchedule.explicit(initial: 2, changes: [.init(atMinute: 10, capacity: 1)])

    @Test("finish-then-leave: holders finish, freed units leave, and the waiting request gets the first unit back within capacity")
    func capacityDropFinishThenLeave() throws {
        let (model, _) = try ScriptedModel.run(capacity: Self.drop, policy: .finishThenLeave, Self.dropScript)
        #expect(model.log == ["0 A granted", "1 B granted", "20 H granted"])
        #expect(model.probes == ["11 cap 1 use 2 wait 1", "16 cap 1 use 1 wait 1", "21 cap 1 use 1 wait 0"])
    }

    @Test("preempt: the drop removes the lowest-priority, most recent holder at once; the waiting request keeps waiting for a unit within capacity")
    func capacityDropPreempt() throws {
        let (model, simulation) = try ScriptedModel.run(capacity: Self.drop, policy: .preempt, Self.dropScript)
        #expect(model.log == ["0 A granted", "1 B granted", "10 B preempted", "15 H granted"])
        #expect(model.probes == ["11 cap 1 use 1 wait 1", "16 cap 1 use 1 wait 0", "21 cap 1 use 1 wait 0"])
        #expect(simulation.statistics(of: model.resource).preemptions == 1)
    }

    @Test("a rise in capacity grants waiting requests in priority order")
    func capacityRise() throws {
        let schedule = CapacitySchedule.explicit(initial: 0, changes: [.init(atMinute: 10, capacity: 2)])
        let (model, _) = try ScriptedModel.run(capacity: schedule, [
            (0, .request("A")), (1, .request("B", priority: -2)), (2, .request("C", priority: -1)),
        ])
        #expect(model.log == ["10 B granted", "10 C granted"])
    }

    @Test("capacity the model sets as it runs behaves as a scheduled change: a rise grants, a drop follows the policy")
    func capacitySetByModel() throws {
        let rise = try ScriptedModel.run(capacity: .constant(0), [
            (0, .request("A")), (1, .request("B", priority: -2)), (2, .request("C", priority: -1)), (10, .setCapacity(2)),
        ]).0
        #expect(rise.log == ["10 B granted", "10 C granted"])
        let script: [(Double, ScriptedModel.Event)] = Self.dropScript + [(10, .setCapacity(1))]
        let leave = try ScriptedModel.run(capacity: .constant(2), policy: .finishThenLeave, script).0
        #expect(leave.log == ["0 A granted", "1 B granted", "20 H granted"])
        let preempt = try ScriptedModel.run(capacity: .constant(2), policy: .preempt, script).0
        #expect(preempt.log == ["0 A granted", "1 B granted", "10 B preempted", "15 H granted"])
        #expect(preempt.probes == ["11 cap 1 use 1 wait 1", "16 cap 1 use 1 wait 0", "21 cap 1 use 1 wait 0"])
    }

    @Test("a recurring shift pattern sets capacity by local time: 8 from 07:30, 5 from 19:30")
    func recurringSchedule() throws {
        let schedule = CapacitySchedule.recurring([
            CapacityStep(at: LocalTimeOfDay(hour: 7, minute: 30)!, capacity: 8),
            CapacityStep(at: LocalTimeOfDay(hour: 19, minute: 30)!, capacity: 5),
        ])
        let probes: [(Double, ScriptedModel.Event)] = [0, 449, 450, 1169, 1170, 1440 + 450].map { ($0, .probe) }
        let (model, _) = try ScriptedModel.run(capacity: schedule, until: 3000, probes)
        #expect(model.probes.map { $0.components(separatedBy: " use")[0] }
            == ["0 cap 5", "449 cap 5", "450 cap 8", "1169 cap 8", "1170 cap 5", "1890 cap 8"])
    }

    @Test("a withdrawn request leaves the queue; releasing twice is harmless")
    func withdrawal() throws {
        let (model, simulation) = try ScriptedModel.run(capacity: .constant(1), [
            (0, .request("A")), (1, .request("B")), (2, .release("B")), (3, .release("A")), (4, .release("A")),
        ])
        #expect(model.log == ["0 A granted"])
        let statistics = simulation.statistics(of: model.resource)
        #expect(statistics.withdrawals == 1 && statistics.grants == 1 && statistics.requests == 2)
    }

    @Test("time-weighted use, queue and waits, worked by hand")
    func statisticsByHand() throws {
        // Capacity 2. A holds 0-10, B 5-15, C waits 6-10 then holds 10-18. Run to 20.
        let (model, simulation) = try ScriptedModel.run(capacity: .constant(2), until: 20, [
            (0, .request("A")), (5, .request("B")), (6, .request("C")), (10, .release("A")), (15, .release("B")),
            (18, .release("C")),
        ])
        let statistics = simulation.statistics(of: model.resource)
        #expect(simulation.now == 20)
        // In use: 1 on 0-5, 2 on 5-15, 1 on 15-18, 0 on 18-20 -> (5 + 20 + 3) / 20.
        #expect(statistics.inUse.mean(at: 20) == 28.0 / 20)
        #expect(statistics.queueLength.mean(at: 20) == 4.0 / 20)
        #expect(statistics.waits.mean == 4.0 / 3 && statistics.waits.maximum == 4)
        #expect(statistics.utilisation(at: 20) == 28.0 / 40)
    }

    @Test("the warm-up resets resource statistics and tells the model once")
    func warmUp() throws {
        var simulation = Simulation<ScriptedModel>()
        let resource = simulation.addResource(named: "r", capacity: 1)
        var model = ScriptedModel(resource: resource)
        simulation.schedule(.request("A"), at: 0)
        simulation.schedule(.request("B"), at: 50)
        simulation.schedule(.release("A"), at: 150)
        simulation.run(&model, until: 200, warmUpMinutes: 100)
        let statistics = simulation.statistics(of: resource)
        #expect(model.warmUps == 1)
        #expect(statistics.windowStart == 100)
        #expect(statistics.requests == 0 && statistics.grants == 1)  // B's grant at 150 falls in the window
        #expect(statistics.inUse.mean(at: 200) == 1)
        #expect(statistics.queueLength.mean(at: 200) == 0.5)
    }
}

@Suite("forking a simulation")
struct ForkTests {
    @Test("a copied simulation is a fork: continued from the copy point, both give the same future")
    func forkContinuesIdentically() throws {
        var simulation = Simulation<MMcLikeModel>()
        let servers = simulation.addResource(named: "servers", capacity: 3)
        var model = MMcLikeModel(servers: servers, stream: RandomStream(seed: 4))
        simulation.schedule(.arrival, at: 0)
        simulation.run(&model, until: 500)
        var fork = simulation
        var forkModel = model
        simulation.run(&model, until: 2000)
        fork.run(&forkModel, until: 2000)
        #expect(model.served == forkModel.served && model.served > 100)
        #expect(simulation.statistics(of: servers).waits == fork.statistics(of: servers).waits)
    }
}

/// A small M/M/3 with one stream, for the fork test.
struct MMcLikeModel: SimulationModel {
    enum Event { case arrival, leave(RequestID) }
    let servers: ResourceID
    var stream: RandomStream
    var served = 0

    mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
        switch event {
        case .arrival:
            simulation.request(servers, tag: ())
            simulation.schedule(.arrival, after: -4 * log(stream.nextUniform()))
        case .leave(let request):
            simulation.release(request)
            served += 1
        }
    }

    mutating func handle(_ notice: ResourceNotice, for tag: Void, in simulation: inout Simulation<Self>) {
        simulation.schedule(.leave(notice.request), after: -10 * log(stream.nextUniform()))
    }
}

@Suite("recurring events")
struct RecurringEventTests {
    struct Census: SimulationModel {
        enum Event { case census }
        var times: [Double] = []
        var census = Snapshots()
        mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
            times.append(simulation.now)
            census.record(Double(times.count), atMinute: simulation.now, clock: simulation.clock)
        }
    }

    @Test("a midnight census fires at every local midnight, 23 hours apart across the change to summer time")
    func midnightCensus() throws {
        let clock = try SimulationClock(start: "2026-03-27T12:00", timeZone: "Europe/London")
        var simulation = Simulation<Census>(clock: clock)
        simulation.scheduleRecurring(.census, at: LocalTimeOfDay(hour: 0)!)
        var model = Census()
        simulation.run(&model, until: 4 * 1440)
        #expect(model.times.map { clock.localDateTime(atMinute: $0).description }
            == ["2026-03-28T00:00", "2026-03-29T00:00", "2026-03-30T00:00", "2026-03-31T00:00"])
        #expect(zip(model.times.dropFirst(), model.times).map { $0 - $1 } == [1440, 1380, 1440])
        #expect(model.census.snapshots.map(\.local.dateDescription) == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"])
        #expect(model.census.since(minute: 2 * 1440).map(\.value) == [3, 4])
    }
}
