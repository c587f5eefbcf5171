import Foundation
import Simulation

/// What a cohort simulation saw.
public struct CohortSimulationResult: Sendable {
    /// Occupancy by bed type at each local midnight: (date, counts in `BedType.allCases` order).
    public let midnightCensus: [(date: String, beds: [Int])]
    /// New patients admitted (first spells).
    public let admissions: Int
    /// Readmissions: twins that came back as emergency arrivals within 30 days.
    public let readmissions: Int
    /// Spells that ended, by discharge state.
    public let discharges: [CareState: Int]
    /// Discharges alive, and the sum of their predicted readmission probabilities (the expected readmissions).
    public let dischargesAlive: Int
    /// Sum over discharges alive of the predicted probability of readmission.
    public let expectedReadmissions: Double
    /// Every discharge alive: when (simulation minutes), its predicted readmission probability, and whether the
    /// twin came back within the run.
    public let dischargeRecords: [(minute: Double, probability: Double, readmitted: Bool)]
    /// The twins at the end, with their histories (readmitted twins carry every spell).
    public let twins: [PatientTwin]
}

/// Twins followed through time on the simulation kernel, without capacity limits: new patients arrive as a
/// Poisson process, each twin moves through its predicted steps as events, a midnight census counts beds in use
/// by type, and a twin discharged alive may come back — its predicted readmission becomes an event at which the
/// twin is readmitted (`PatientTwin.readmitted(atMinute:)`) as a new emergency arrival carrying its history.
/// This is the closed loop the hospital model will run with capacity; here it measures unconstrained demand.
public enum TwinCohortSimulation {
    /// Runs for `days` from `clock.start`, starting with the twins in `census` (already in hospital) and new
    /// patients at `admissionsPerDay` drawn by `generator`'s population.
    public static func run(census: [PatientTwin], admissionsPerDay: Double, days: Int, clock: SimulationClock,
                           predictor: TrajectoryPredictor, generator: EpisodeGenerator, seed: UInt64)
        throws -> CohortSimulationResult
    {
        var simulation = Simulation<CohortModel>(clock: clock)
        let streams = RandomStreams(masterSeed: seed)
        var model = CohortModel(predictor: predictor, generator: generator, streams: streams, clock: clock,
                                gap: try Exponential(mean: 1440 / max(admissionsPerDay, 1e-9)),
                                arrivals: streams.stream(for: "cohort-arrivals"))
        for twin in census { model.admit(twin, at: 0, in: &simulation) }
        if admissionsPerDay > 0 { simulation.schedule(.arrival, after: model.gap.sample(using: &model.arrivals)) }
        simulation.scheduleRecurring(.census, at: LocalTimeOfDay(hour: 0)!)
        simulation.run(&model, until: Double(days) * 1440)
        return CohortSimulationResult(midnightCensus: model.census, admissions: model.admissions,
                                      readmissions: model.readmissions, discharges: model.discharges,
                                      dischargesAlive: model.dischargesAlive,
                                      expectedReadmissions: model.expectedReadmissions,
                                      dischargeRecords: model.records, twins: model.twins)
    }

    struct CohortModel: SimulationModel {
        enum Event {
            case arrival
            case stepEnds(twin: Int, step: Int)
            case readmission(twin: Int)
            case census
        }

        let predictor: TrajectoryPredictor
        let generator: EpisodeGenerator
        let streams: RandomStreams
        let clock: SimulationClock
        let gap: Exponential
        var arrivals: RandomStream
        var twins: [PatientTwin] = []
        var plans: [PredictedTrajectory?] = []
        var beds = [Int](repeating: 0, count: BedType.allCases.count)
        var census: [(date: String, beds: [Int])] = []
        var admissions = 0
        var readmissions = 0
        var discharges: [CareState: Int] = [:]
        var dischargesAlive = 0
        var expectedReadmissions = 0.0
        var records: [(minute: Double, probability: Double, readmitted: Bool)] = []
        var pendingRecord: [Int: Int] = [:]
        var nextID: UInt64 = 1 << 40

        /// Absolute minutes of simulation minute `minute`.
        func absolute(_ minute: Double) -> Double { clock.start.timeIntervalSince1970 / 60 + minute }

        mutating func admit(_ twin: PatientTwin, at minute: Double, in simulation: inout Simulation<Self>) {
            let index = twins.count
            twins.append(twin)
            plans.append(nil)
            plan(index, in: &simulation)
        }

        /// Draws the twin's trajectory from now and schedules the end of its first step.
        mutating func plan(_ index: Int, in simulation: inout Simulation<Self>) {
            var stream = TrajectoryPredictor.stream(for: twins[index], streams: streams)
            guard let path = try? predictor.predictTrajectory(for: twins[index], from: absolute(simulation.now),
                                                             using: &stream)
            else { return }
            plans[index] = path
            occupy(path.steps[0].bedType, by: 1)
            simulation.schedule(.stepEnds(twin: index, step: 0), at: simulation.now + path.steps[0].durationMinutes)
        }

        mutating func occupy(_ bed: BedType, by change: Int) {
            beds[BedType.allCases.firstIndex(of: bed)!] += change
        }

        mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
            switch event {
            case .arrival:
                var stream = streams.stream(for: "cohort-patient", entity: nextID)
                let (pathway, attributes) = generator.newPatient(using: &stream)
                admit(PatientTwin(id: PatientID(nextID), attributes: attributes, pathway: pathway,
                                  admittedAt: absolute(simulation.now)), at: simulation.now, in: &simulation)
                nextID += 1
                admissions += 1
                simulation.schedule(.arrival, after: gap.sample(using: &arrivals))
            case .stepEnds(let index, let step):
                guard let path = plans[index] else { return }
                occupy(path.steps[step].bedType, by: -1)
                let minute = absolute(simulation.now)
                if step + 1 < path.steps.count {
                    let next = path.steps[step + 1]
                    try? twins[index].apply(Observation(minute: minute, .transfer(to: next.state)))
                    occupy(next.bedType, by: 1)
                    simulation.schedule(.stepEnds(twin: index, step: step + 1), after: next.durationMinutes)
                } else {
                    try? twins[index].apply(Observation(minute: minute, .transfer(to: path.discharge)))
                    discharges[path.discharge, default: 0] += 1
                    if path.discharge != .died {
                        dischargesAlive += 1
                        expectedReadmissions += path.readmissionProbability
                        pendingRecord[index] = records.count
                        records.append((simulation.now, path.readmissionProbability, false))
                        if let back = path.readmissionMinute {
                            simulation.schedule(.readmission(twin: index), after: max(0, back - minute))
                        }
                    }
                }
            case .readmission(let index):
                guard let twin = try? twins[index].readmitted(atMinute: absolute(simulation.now)) else { return }
                twins[index] = twin
                readmissions += 1
                if let record = pendingRecord.removeValue(forKey: index) { records[record].readmitted = true }
                plan(index, in: &simulation)
            case .census:
                census.append((simulation.clock.localDateTime(atMinute: simulation.now).dateDescription, beds))
            }
        }
    }
}
