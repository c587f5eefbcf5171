import Foundation
import PatientTwin
import Simulation

/// The hospital as a discrete-event model on the kernel: every patient a twin whose trajectory says where it goes
/// next and for how long, and the hospital — cubicles, clinicians, beds, nurses, theatres — saying when it can.
/// One value per replication; `HospitalSimulation.run` makes and runs it.
///
/// The engine dispatches events, owns the patient pool and coordinates the parts, each a value with its own state
/// and methods: the emergency department (`EmergencyDepartment`), the bed board (`BedBoard`), the theatre suite
/// (`TheatreSuite`, present only with theatres), the rosters (`Rosters`) and the recorder of measures
/// (`Recorder`); a patient's record keeps each part's fields in that part's type (`BedRequest`, `EDVisit`,
/// `SurgeryCase`, `DischargePlan`). What crosses parts — a patient moving from ED to a bed, a case needing a bed
/// after theatre — is the engine's, in one extension per concern: `+EmergencyDepartment`, `+Beds`, `+Theatres`,
/// `+Staffing`, `+Measures`, `+Census` (Docs/HOSPITAL-MODEL.md names each section's files).
struct HospitalEngine: SimulationModel {
    enum Event {
        case edArrival
        case assessmentDone(Int32)
        case edClinicalDone(Int32)
        case stayEnds(Int32, token: UInt32)
        case discharge(Int32, token: UInt32)
        case cleaningDone(Int32)
        case staffingChange(token: UInt32)
        case deteriorate(Int32, token: UInt32)
        case readmission(Int32)
        case midnight
        case referral(Int32)
        case sessionStart(Int32)
        case roomReady(Int32)
        case caseEnds(Int32)
        case emergencyCaseEnds(Int32)
        case takeCensus
        /// The daily probe of the ED (`EDProbing`).
        case probeED
        /// An admitted patient has waited in ED for a bed as long as the theatres' rule allows (checked again
        /// hourly while it waits).
        case longBoarding(Int32, token: UInt32)
        /// A patient's time in same-day emergency care is over.
        case sameDayCareDone(Int32)
    }

    /// What a kernel resource request is for.
    enum RequestTag {
        case cubicle(Int32)
        case clinician(Int32)
        case emergencyTheatre(Int32)
        /// An emergency theatre taken at a census by the operation under way in it (granted at once: nothing to do).
        case emergencyTheatreUnderWay(Int32)
    }

    /// Where a patient is.
    enum Place: Equatable {
        /// Not in hospital (on the waiting list, at home awaiting a readmission, or gone).
        case none
        /// In the emergency department.
        case emergencyDepartment
        /// In a bed of an inpatient unit.
        case unit(Int32)
        /// In an elective theatre room.
        case theatre(Int32)
        /// In an emergency theatre.
        case emergencyTheatre
        /// In a recovery bay.
        case recovery
        /// In same-day emergency care, going home today.
        case sameDayEmergencyCare
    }

    /// A patient in the model: the twin, and what the hospital knows of where it is and what it waits for.
    struct Patient {
        var twin: PatientTwin
        /// The stay drawn for where the patient is now.
        var stay: StayDraw?
        /// Bumped whenever the scheduled end of the stay moves and when the slot takes a new patient, so a stale
        /// event (a stay end, a deterioration, a discharge) is recognised.
        var token: UInt32 = 0
        var place: Place = .none
        /// Its bed: what it waits for, its level of care (`HospitalEngine+Beds`).
        var bed = BedRequest()
        /// Its visit to the emergency department (`HospitalEngine+EmergencyDepartment`).
        var ed = EDVisit()
        /// Its operation, elective or emergency (`HospitalEngine+Theatres`).
        var surgery = SurgeryCase()
        /// Its planned discharge (`HospitalEngine+Beds`, "Discharge").
        var discharge = DischargePlan()

        init(twin: consuming PatientTwin) { self.twin = twin }
    }

    // Configuration.
    let configuration: HospitalConfiguration
    let predictor: TrajectoryPredictor
    let generator: EpisodeGenerator
    let clock: SimulationClock
    /// The local day number (days since 1970-01-01) of the run's first day: day 0 of the run.
    let firstLocalDay: Double
    let warmUpMinutes: Double
    let endMinute: Double
    let audit: Bool

    // Streams.
    let streams: RandomStreams
    let twinStreams: TwinStreams
    let patientFamily: StreamFamily
    let deteriorationFamily: StreamFamily
    let wardArrivalNEWS2: Poisson?
    /// Discharge windows as openings in the local week, in time order.
    let dischargeOpenings: [(open: Double, close: Double, share: Double)]

    // Kernel resources.
    let emergencyRooms: ResourceID

    // State.
    /// The current simulation minute (set at every event, for the helpers that do not take the simulation).
    var now = 0.0
    /// Every patient record, by slot (`PatientPool`).
    let patients = PatientPool()
    var freePatients: [Int32] = []
    /// The emergency department: arrivals, triage, cubicles, clinicians, boarders.
    var department: EmergencyDepartment
    /// The inpatient units' beds, nurses, waiting patients and monitors.
    var beds: BedBoard
    /// Patients in hospital now (ED, units, theatres, recovery): the conservation count.
    var inHospital = 0
    /// The local calendar months of the run.
    let months: RunMonths
    /// The elective theatre suite, when the scenario has theatres.
    var theatres: TheatreSuite?
    var recoveryInUse = 0
    var recoveryWaiting: [Int32] = []

    /// The rosters at work: the worked roster and the staffing changes not yet due.
    var rosters: Rosters
    /// What the run measures: the measures, the audit, the day's flows, each midnight's census, staff hours.
    var recorder: Recorder
    /// The census to take at one time, when the run is asked for one (`HospitalSimulation.run(censusAt:)`).
    var censusTaker: CensusTaker?
    /// What the run notes of its ED, when it is asked to probe it (`HospitalSimulation.run(probing:)`).
    var edProbing: EDProbing?
    /// The patients' movements, when the run records them (`HospitalSimulation.run(recordMovements:)`), else nil.
    var movements: [HospitalMovement]?
    /// Where each patient was at each local midnight, when the run records movements, else nil.
    var midnightPlaces: [MidnightPlaces]?

    init(configuration: HospitalConfiguration, predictor: TrajectoryPredictor, generator: EpisodeGenerator,
         clock: SimulationClock, streams: RandomStreams, staffing: StaffingPlan, resources: (ResourceID, ResourceID, ResourceID),
         horizonDays: Int, warmUpDays: Int, audit: Bool) throws
    {
        emergencyRooms = resources.2
        department = try EmergencyDepartment(configuration: configuration, clock: clock, streams: streams,
                                             cubicles: resources.0, clinicians: resources.1)
        self.configuration = configuration
        self.predictor = predictor
        self.generator = generator
        self.clock = clock
        let origin = clock.localDateTime(atMinute: 0)
        firstLocalDay = LocalDateTime(year: origin.year, month: origin.month, day: origin.day).localMinutesSinceEpoch / 1440
        self.streams = streams
        // Local days: the warm-up ends and the run stops at a local midnight, also when the clocks change between.
        warmUpMinutes = clock.minute(atLocalMinutesSinceEpoch: (firstLocalDay + Double(warmUpDays)) * 1440)
        endMinute = clock.minute(atLocalMinutesSinceEpoch: (firstLocalDay + Double(horizonDays)) * 1440)
        months = RunMonths(clock: clock, through: endMinute)
        self.audit = audit
        twinStreams = TwinStreams(streams)
        patientFamily = streams.family("patient")
        deteriorationFamily = streams.family("deterioration")
        wardArrivalNEWS2 = try configuration.deterioration.wardArrivalNEWS2Mean.map { try Poisson(mean: $0) }
        dischargeOpenings = Self.weeklyOpenings(configuration.discharge.windows)
        beds = BedBoard(configuration: configuration)
        rosters = Rosters(plan: staffing, configuration: configuration.staffing)
        recorder = Recorder(configuration: configuration, months: months)
    }

    // MARK: Patients

    /// A slot for a new patient record holding `twin` (taken, not copied): a freed slot if any, else a new one.
    mutating func newPatient(_ twin: consuming PatientTwin) -> Int32 {
        if let index = freePatients.popLast() {
            // The token carries on from the slot's last patient, so none of its pending events matches the new one.
            let token = patients[Int(index)].token &+ 1
            patients[Int(index)] = Patient(twin: twin)
            patients[Int(index)].token = token
            return index
        }
        patients.append(Patient(twin: twin))
        return Int32(patients.count - 1)
    }

    mutating func release(_ index: Int32) {
        patients[Int(index)].place = .none
        freePatients.append(index)
    }

    /// What keys a patient's own random streams now: its twin's id, spell and step (read field by field: a copy
    /// of the twin would retain its history, when it keeps one).
    @inline(__always)
    func streamKey(_ p: Int32) -> (id: UInt64, spell: UInt64, step: UInt64) {
        (patients[Int(p)].twin.id.value, UInt64(patients[Int(p)].twin.spell), UInt64(patients[Int(p)].twin.step))
    }

    /// The epoch minute of simulation minute `minute`, as twins count time.
    @inline(__always)
    func epoch(_ minute: Double) -> Double { clock.epochMinute(atMinute: minute) }

    /// True once the warm-up is over.
    @inline(__always)
    func measuring(_ now: Double) -> Bool { now >= warmUpMinutes }

    // MARK: Events

    mutating func handle(_ event: Event, in simulation: inout Simulation<Self>) {
        now = simulation.now
        switch event {
        case .edArrival:
            edArrival(in: &simulation)
        case .assessmentDone(let p):
            assessmentDone(p, in: &simulation)
        case .edClinicalDone(let p):
            edClinicalDone(p, in: &simulation)
        case .stayEnds(let p, let token):
            guard patients[Int(p)].token == token else { return }
            stayEnds(p, in: &simulation)
        case .discharge(let p, let token):
            guard patients[Int(p)].token == token else { return }
            discharge(p, in: &simulation)
        case .cleaningDone(let u):
            beds.units[Int(u)].cleaning -= 1
            unitChanged(Int(u), in: &simulation)
        case .staffingChange(let token):
            guard token == rosters.token else { return }
            applyStaffingChanges(in: &simulation)
        case .deteriorate(let p, let token):
            guard patients[Int(p)].token == token else { return }
            deteriorate(p, in: &simulation)
        case .readmission(let p):
            readmit(p, in: &simulation)
        case .midnight:
            let today = Int(clock.localDay(atMinute: now) - firstLocalDay)
            planStaffing(throughDay: today + 1, in: &simulation)
            scheduleSessions(throughDay: today + 1, in: &simulation)
            removeFromLists(onDay: today)
            midnight(in: &simulation)
        case .referral(let demand):
            referral(Int(demand), in: &simulation)
        case .sessionStart(let session):
            sessionStart(Int(session), in: &simulation)
        case .roomReady(let room):
            roomReady(Int(room), in: &simulation)
        case .caseEnds(let room):
            caseEnds(Int(room), in: &simulation)
        case .emergencyCaseEnds(let p):
            emergencyCaseEnds(p, in: &simulation)
        case .takeCensus:
            takeCensus(in: &simulation)
        case .probeED:
            probeED()
        case .longBoarding(let p, let token):
            guard patients[Int(p)].token == token, patients[Int(p)].ed.boarding else { return }
            takeHeldBed(for: p, in: &simulation)
            simulation.schedule(.longBoarding(p, token: token), after: 60)
        case .sameDayCareDone(let p):
            department.sameDayCareInUse -= 1
            end(p, as: .dischargedHome, in: &simulation)
        }
    }

    mutating func handle(_ notice: ResourceNotice, for tag: RequestTag, in simulation: inout Simulation<Self>) {
        now = simulation.now
        guard notice.kind == .granted else { return }
        switch tag {
        case .cubicle(let p):
            cubicleGranted(p, in: &simulation)
        case .clinician(let p):
            clinicianGranted(p, in: &simulation)
        case .emergencyTheatre(let p):
            emergencyTheatreGranted(p, in: &simulation)
        case .emergencyTheatreUnderWay:
            break
        }
    }

    mutating func warmUpDidEnd(in simulation: inout Simulation<Self>) {
        now = simulation.now
        resetMeasures(at: simulation.now)
    }
}

/// The local calendar months a run touches: where each starts (the first at the run's start, minute 0) and its
/// name ("2026-04"). Their own small value, so that finding a minute's month never copies the engine.
struct RunMonths {
    /// Simulation minutes, ascending; the first is 0.
    let starts: [Double]
    /// "2026-04", one per start.
    let names: [String]

    /// The months of a run of `end` minutes on `clock`.
    init(clock: SimulationClock, through end: Double) {
        var starts: [Double] = [0]
        let first = clock.localDateTime(atMinute: 0)
        var year = first.year, month = first.month
        var names = [String(format: "%04d-%02d", year, month)]
        while true {
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
            let start = clock.minute(atLocal: LocalDateTime(year: year, month: month, day: 1))
            guard start < end else { break }
            starts.append(start)
            names.append(String(format: "%04d-%02d", year, month))
        }
        self.starts = starts
        self.names = names
    }

    /// The index in `names` of the month holding `minute` (binary search; the first month for a minute before it).
    func index(of minute: Double) -> Int {
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= minute { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
