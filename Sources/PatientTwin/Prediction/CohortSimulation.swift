import Foundation
import Simulation

/// How a cohort of twins is followed.
public struct CohortOptions: Sendable {
    /// New first admissions per day (a Poisson process); 0 for none.
    public var admissionsPerDay: Double = 60
    /// Days to follow, from the clock's start.
    public var days: Int = 90
    /// The master seed.
    public var seed: UInt64 = 1
    /// A wait before a twin may enter a unit, in minutes, by unit: the twin stays where it is meanwhile (as a
    /// patient boards in ED while no ward bed is free). Waits are the hospital's, not the patient's: the twin's
    /// clinical draws do not change because of them.
    public var waitBeforeEntering: [CareState: Double] = [:]

    /// Default options.
    public init() {}
}

/// One day's midnight census: twins in hospital at local midnight, by the kind of bed they occupy.
public struct MidnightCensus: Sendable, Hashable {
    /// The local date, "2026-01-05".
    public let date: String
    /// Twins by bed type, in `BedType.allCases` order.
    public let beds: [Int]

    /// Twins in hospital.
    public var total: Int { beds.reduce(0, +) }
}

/// A discharge alive and what came of it.
public struct DischargeRecord: Sendable, Hashable {
    /// When (simulation minutes).
    public let minute: Double
    /// The predicted probability of an emergency readmission within 30 days.
    public let probability: Double
    /// True once the twin came back within the run.
    public var readmitted: Bool
}

/// How the simulated readmissions compare with what the model expected, over the discharges followed for the
/// whole 30 days.
public struct ReadmissionFollowUp: Sendable, Hashable {
    /// Discharges alive with 30 days left in the run.
    public let discharges: Int
    /// Of which readmitted within the run.
    public let readmitted: Int
    /// Σ p over them: the readmissions the model expected.
    public let expected: Double
    /// Σ p(1 − p): the variance of the readmitted count if the model holds.
    public let variance: Double
}

/// What a cohort simulation saw.
public struct CohortSimulationResult: Sendable {
    /// Occupancy by bed type at each local midnight.
    public let midnightCensus: [MidnightCensus]
    /// New patients admitted (first spells).
    public let admissions: Int
    /// Readmissions: twins that came back as emergency arrivals within 30 days.
    public let readmissions: Int
    /// Spells that ended, by discharge state.
    public let discharges: [CareState: Int]
    /// Every discharge alive, in time order.
    public let dischargeRecords: [DischargeRecord]
    /// The twins at the end, with their histories (readmitted twins carry every spell).
    public let twins: [PatientTwin]
    /// Every stay each twin was drawn, in order (aligned with `twins`): the clinical path, unchanged by waits.
    public let stays: [[StayDraw]]
    /// Twins whose next stay could not be drawn, each with the reason; they leave the run where they were.
    public let failures: [String]
    /// The run's length in days.
    public let days: Int

    /// Discharges alive, and readmissions.
    public var dischargesAlive: Int { dischargeRecords.count }

    /// The readmissions of the discharges that had 30 days of the run left after them, against the model's
    /// expectation: the check that the simulation readmits as the model predicts.
    public var readmissionFollowUp: ReadmissionFollowUp {
        let followed = dischargeRecords.filter { $0.minute <= Double(days - 30) * 1440 }
        return ReadmissionFollowUp(discharges: followed.count, readmitted: followed.filter(\.readmitted).count,
                                   expected: followed.reduce(0) { $0 + $1.probability },
                                   variance: followed.reduce(0) { $0 + $1.probability * (1 - $1.probability) })
    }
}

/// Twins followed through time on the simulation kernel, without capacity limits: new patients arrive as a
/// Poisson process; each twin draws its stay when it enters a unit (`TrajectoryPredictor.drawStay`, from its
/// own keyed streams) and moves on when the stay ends — after a wait, if `CohortOptions.waitBeforeEntering` puts
/// one before the next unit; a midnight census counts beds in use by type; a twin discharged alive may come back:
/// its drawn readmission becomes an event at which the twin is readmitted (`PatientTwin.readmitted(atMinute:)`)
/// carrying its history. The closed loop the hospital model runs with capacity; here it measures demand.
public enum TwinCohortSimulation {
    /// Runs from `clock.start`, starting with the twins in `census` (in hospital at the start) and new patients
    /// drawn by `generator`'s population.
    public static func run(census: [PatientTwin], clock: SimulationClock, predictor: TrajectoryPredictor,
                           generator: EpisodeGenerator, options: CohortOptions) throws(DistributionParameterError)
        -> CohortSimulationResult
    {
        var simulation = Simulation<CohortModel>(clock: clock)
        let streams = RandomStreams(masterSeed: options.seed)
        var model = CohortModel(predictor: predictor, generator: generator, streams: streams,
                                twinStreams: TwinStreams(streams), admissionNEWS2: streams.family("admission-news2"),
                                gap: try Exponential(mean: 1440 / max(options.admissionsPerDay, 1e-9)),
                                arrivals: streams.stream(for: "cohort-arrivals"), waits: options.waitBeforeEntering)
        for twin in census { model.admit(twin, in: &simulation) }
        if options.admissionsPerDay > 0 { simulation.schedule(.arrival, after: model.gap.sample(using: &model.arrivals)) }
        simulation.scheduleRecurring(.census, at: LocalTimeOfDay(hour: 0)!)
        simulation.run(&model, until: Double(options.days) * 1440)
        return CohortSimulationResult(midnightCensus: model.census, admissions: model.admissions,
                                      readmissions: model.readmissions, discharges: model.discharges,
                                      dischargeRecords: model.records, twins: model.twins, stays: model.stays,
                                      failures: model.failures, days: options.days)
    }

    struct CohortModel: SimulationModel {
        enum Event {
            case arrival
            case stayEnds(twin: Int)
            case enter(twin: Int)
            case readmission(twin: Int)
            case census
        }

        let predictor: TrajectoryPredictor
        let generator: EpisodeGenerator
        let streams: RandomStreams
        let twinStreams: TwinStreams
        let admissionNEWS2: StreamFamily
        let gap: Exponential
        var arrivals: RandomStream
        let waits: [CareState: Double]
        var twins: [PatientTwin] = []
        var current: [StayDraw?] = []
        var stays: [[StayDraw]] = []
        var beds = [Int](repeating: 0, count: BedType.allCases.count)
        var census: [MidnightCensus] = []
        var admissions = 0
        var readmissions = 0
        var discharges: [CareState: Int] = [:]
        var records: [DischargeRecord] = []
        var pendingRecord: [Int: Int] = [:]
        var failures: [String] = []
        var nextID: UInt64 = 1 << 40

        /// Adds a twin and draws its current stay; `isNew` for a patient arriving now, whose spell starts with a
        /// NEWS2 drawn from the population.
        mutating func admit(_ twin: PatientTwin, isNew: Bool = false, in simulation: inout Simulation<Self>) {
            twins.append(twin)
            current.append(nil)
            stays.append([])
            if isNew { recordAdmissionNEWS2(twins.count - 1) }
            draw(twins.count - 1, in: &simulation)
        }

        /// A new spell starts with a NEWS2 drawn from the population (keyed by patient and spell, so the same in
        /// every scenario).
        mutating func recordAdmissionNEWS2(_ index: Int) {
            var stream = admissionNEWS2.stream(twins[index].id.value, UInt64(twins[index].spell))
            let score = generator.admissionNEWS2(on: twins[index].pathway, using: &stream)
            do { try twins[index].apply(Observation(minute: twins[index].spellStart, .news2(score))) } catch {
                failures.append(error.description)
            }
        }

        /// Draws the twin's current stay from now and schedules its end; a twin that cannot be drawn is reported,
        /// counted and leaves the run.
        mutating func draw(_ index: Int, in simulation: inout Simulation<Self>) {
            let now = simulation.clock.epochMinute(atMinute: simulation.now)
            do {
                let stay = try predictor.drawStay(for: twins[index], at: now, streams: twinStreams)
                current[index] = stay
                stays[index].append(stay)
                occupy(stay.state, by: 1)
                simulation.schedule(.stayEnds(twin: index), at: simulation.clock.minute(atEpochMinute: stay.endMinute))
            } catch {
                failures.append("\(twins[index].id): \(error.description)")
            }
        }

        mutating func occupy(_ state: CareState, by change: Int) {
            guard let bed = state.bedType else { return }
            beds[BedType.allCases.firstIndex(of: bed)!] += change
        }

        mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
            switch event {
            case .arrival:
                var stream = streams.stream(for: "cohort-patient", entity: nextID)
                let (pathway, attributes) = generator.newPatient(using: &stream)
                admit(PatientTwin(id: PatientID(nextID), attributes: attributes, pathway: pathway,
                                  admittedAt: simulation.clock.epochMinute(atMinute: simulation.now)),
                      isNew: true, in: &simulation)
                nextID += 1
                admissions += 1
                simulation.schedule(.arrival, after: gap.sample(using: &arrivals))
            case .stayEnds(let index):
                guard let stay = current[index] else { return }
                if !stay.next.isDischarge, let wait = waits[stay.next], wait > 0 {
                    simulation.schedule(.enter(twin: index), after: wait)  // the twin keeps its bed meanwhile
                } else {
                    move(index, in: &simulation)
                }
            case .enter(let index):
                move(index, in: &simulation)
            case .readmission(let index):
                do {
                    twins[index] = try twins[index].readmitted(atMinute: simulation.clock.epochMinute(atMinute: simulation.now))
                } catch {
                    failures.append(error.description)
                    return
                }
                readmissions += 1
                if let record = pendingRecord.removeValue(forKey: index) { records[record].readmitted = true }
                recordAdmissionNEWS2(index)
                draw(index, in: &simulation)
            case .census:
                census.append(MidnightCensus(date: simulation.clock.localDateTime(atMinute: simulation.now).dateDescription,
                                             beds: beds))
            }
        }

        /// Moves the twin on as its stay said: into the next unit (drawing the stay there) or out of hospital.
        mutating func move(_ index: Int, in simulation: inout Simulation<Self>) {
            guard let stay = current[index] else { return }
            occupy(stay.state, by: -1)
            current[index] = nil
            twins[index].step(to: stay.next, at: simulation.clock.epochMinute(atMinute: simulation.now))
            guard stay.next.isDischarge else {
                draw(index, in: &simulation)
                return
            }
            discharges[stay.next, default: 0] += 1
            guard stay.next != .died else { return }
            let readmission = predictor.drawReadmission(for: twins[index], streams: twinStreams)
            pendingRecord[index] = records.count
            records.append(DischargeRecord(minute: simulation.now, probability: readmission.probability, readmitted: false))
            if let delay = readmission.delayMinutes { simulation.schedule(.readmission(twin: index), after: delay) }
        }
    }
}
