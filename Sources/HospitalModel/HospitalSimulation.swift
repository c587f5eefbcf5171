import Foundation
import PatientTwin
import Simulation

/// Why a hospital cannot be simulated as configured.
public struct HospitalModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let problems: [String]
    /// One per line.
    public var description: String { problems.joined(separator: "\n") }
}

/// A configuration made ready to run many replications: the twin model compiled once, the clock built once.
public struct PreparedHospital: Sendable {
    /// The configuration.
    public let configuration: HospitalConfiguration
    let predictor: TrajectoryPredictor
    let generator: EpisodeGenerator
    let clock: SimulationClock

    /// Prepares `configuration` for runs of up to `horizonDays`; throws when the twin model or the population is
    /// unusable or the start is not a time in the zone.
    public init(_ configuration: HospitalConfiguration, horizonDays: Int) throws(HospitalModelError) {
        self.configuration = configuration
        do {
            predictor = try TrajectoryPredictor(model: configuration.twinModel, timeZone: configuration.timeZone,
                                                stayScale: configuration.stayScale)
            generator = try EpisodeGenerator(model: configuration.twinModel, population: configuration.population,
                                             timeZone: configuration.timeZone, stayScale: configuration.stayScale)
            clock = try SimulationClock(start: configuration.start.description, timeZone: configuration.timeZone.identifier,
                                        horizonYears: horizonDays / 365 + 2)
        } catch {
            throw HospitalModelError(problems: [String(describing: error)])
        }
        let problems = configuration.problems
        guard problems.isEmpty else { throw HospitalModelError(problems: problems.map(\.description)) }
    }

    /// The mapping of simulation minutes to the hospital's local time.
    public var simulationClock: SimulationClock { clock }
}

/// Runs the hospital model: one replication (`run`), or many on all cores with their KPIs summarised
/// (`HospitalExperiment`).
public enum HospitalSimulation {
    /// The model's version, stored with every run: results from different versions may differ for the same
    /// scenario and seed.
    public static let engineVersion = "hospital-twin 0.8.0"

    /// Runs one replication of `horizonDays` days, measuring after `warmUpDays`, drawing from `streams`. With
    /// `audit`, the engine checks its invariants (conservation, beds within open beds) at every midnight and
    /// stops on a violation — for tests.
    /// With a `census`, its inpatients are in their beds at the start (a forecast from today's hospital). With
    /// `censusAt` (a simulation minute within the run), the run also takes its own census then (`takenCensus`).
    /// With `recordMovements`, it records every patient's movements and, at each local midnight, where each patient
    /// is (`movements`, `midnightPlaces`): a shadow hospital's feed, and the census the feed must give back. The
    /// recording changes no draw: the run's results are the same with it or without. With `probing`, it notes the
    /// ED's undecided patients and boarders every day at that local time, and every decision to admit, from that
    /// simulation minute on (`PreparedHospital.edProbe()`), again changing no draw.
    public static func run(_ hospital: PreparedHospital, horizonDays: Int, warmUpDays: Int, streams: RandomStreams,
                           census: HospitalCensus? = nil, censusAt: Double? = nil, audit: Bool = false,
                           recordMovements: Bool = false, probing: (time: LocalTimeOfDay, from: Double)? = nil) throws
        -> HospitalRunResult
    {
        let configuration = hospital.configuration
        var simulation = Simulation<HospitalEngine>(clock: hospital.clock)
        let ed = configuration.emergencyDepartment
        let staffing = StaffingPlan(configuration: configuration.staffing, unitNames: configuration.units.map(\.name),
                                    clock: hospital.clock, streams: streams)
        let cubicles = simulation.addResource(named: "ED cubicles", capacity: ed.cubicles)
        // With ED doctors on the roster, the clinicians are the doctors on shift (set as shifts change);
        // without, clinicians never limit the department.
        let edDoctorsRostered = configuration.staffing.roster.contains { $0.place == .emergencyDepartment && $0.group == .doctor }
        let clinicians = simulation.addResource(named: "ED clinicians", capacity: edDoctorsRostered ? 0 : 1 << 30)
        let emergencyRooms = simulation.addResource(named: "emergency theatres",
                                                    capacity: configuration.theatres?.emergencyRooms ?? (1 << 30))
        let factor = stayFactor(spread: configuration.stayScaleSpread, streams: streams)
        var engine = try HospitalEngine(configuration: configuration,
                                        predictor: factor == 1 ? hospital.predictor : hospital.predictor.scalingStays(by: factor),
                                        generator: hospital.generator, clock: hospital.clock, streams: streams,
                                        staffing: staffing, resources: (cubicles, clinicians, emergencyRooms),
                                        horizonDays: horizonDays, warmUpDays: warmUpDays, audit: audit)
        if let theatres = configuration.theatres {
            engine.theatres = TheatreSuite(theatres, streams: streams)
        }
        engine.resetMeasures(at: 0)
        engine.planStaffing(throughDay: 1, in: &simulation)
        engine.applyStaffingChanges(in: &simulation)
        engine.startTheatres(in: &simulation)
        if recordMovements {
            engine.movements = []
            engine.midnightPlaces = []
        }
        if let census { engine.admitCensus(census, in: &simulation) }
        if let censusAt, censusAt >= 0, censusAt <= engine.endMinute {
            engine.censusTaker = CensusTaker(minute: censusAt)
            simulation.schedule(.takeCensus, at: censusAt, priority: Self.censusPriority)
        }
        if let probing {
            engine.edProbing = EDProbing(fromMinute: probing.from)
            simulation.scheduleRecurring(.probeED, at: probing.time, priority: Self.censusPriority)
        }
        let first = engine.department.nextArrival(after: 0)
        if first < engine.endMinute { simulation.schedule(.edArrival, at: first) }
        simulation.scheduleRecurring(.midnight, at: LocalTimeOfDay(hour: 0)!)
        simulation.run(&engine, until: engine.endMinute, warmUpMinutes: engine.warmUpMinutes)
        engine.now = engine.endMinute
        var kpis = engine.finish()
        kpis.censusPatients = census?.inpatients.count
        var result = HospitalRunResult(kpis: kpis, events: simulation.eventCount + simulation.noticeCount,
                                       audit: audit ? engine.recorder.audit : nil, takenCensus: engine.censusTaker?.taken,
                                       movements: engine.movements, midnightPlaces: engine.midnightPlaces)
        result.edProbing = engine.edProbing
        return result
    }

    /// The replication's factor on every stay: exp(spread·Z), Z standard normal from the replication's own stream
    /// (the same in every scenario of a comparison, so common random numbers hold); exactly 1 with spread 0.
    public static func stayFactor(spread: Double, streams: RandomStreams) -> Double {
        guard spread > 0 else { return 1 }
        var stream = streams.stream(for: "stay-scale")
        return exp(spread * SpecialFunctions.normalQuantile(stream.nextUniform()))
    }

    /// The census is taken after everything else due at its time (the midnight's measures among them).
    static let censusPriority = 1000
}

/// One replication's KPIs and how much work it was.
public struct HospitalRunResult: Sendable {
    /// The measures.
    public let kpis: HospitalKPIs
    /// Calendar events and resource notices processed.
    public let events: Int
    /// What the engine checked of itself, when run with `audit`.
    public let audit: HospitalAudit?
    /// The census the run took, when asked for one.
    public let takenCensus: TakenCensus?
    /// Every patient's movements in the order they happened, when the run recorded them.
    public var movements: [HospitalMovement]? = nil
    /// Where each patient was at each local midnight, when the run recorded movements.
    public var midnightPlaces: [MidnightPlaces]? = nil
    /// What the run noted of its ED, when it probed it.
    var edProbing: EDProbing? = nil
}

/// The engine's checks of its own invariants over a whole run (warm-up included), for tests: each count of
/// violations must be 0.
public struct HospitalAudit: Sendable, Hashable {
    /// Admissions into a bed (not counting beds booked ahead for an operation).
    public var admissions = 0
    /// Of which into a unit whose nurses on shift did not cover its patients and the new one (a staffed bed).
    public var admissionsBeyondStaffedBeds = 0
    /// Times a unit held more patients (and beds being cleaned) than it had open beds.
    public var occupancyBeyondOpenBeds = 0
    /// Local midnights at which arrived ≠ discharged + died + in hospital + diverted + transferred out.
    public var conservationFailures = 0
    /// Local midnights checked.
    public var midnights = 0
    /// Times the count of patients in hospital disagreed with the patients placed.
    public var placementMismatches = 0
    /// Unit-midnights at which a unit's occupied beds were not its patients plus the beds booked on it for patients
    /// after their operations, each booking's patient in theatre, in recovery or on a running list.
    public var bedBookingMismatches = 0
    /// Admissions into each unit by local hour of the day (unit index, then hour 0–23).
    public var admissionsByHour: [[Int]] = []
}
