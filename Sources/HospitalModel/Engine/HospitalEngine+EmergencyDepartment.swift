import Foundation
import PatientTwin
import Simulation

/// The emergency department's own state and draws: the arrival process and its stream, the triage and pathway
/// shares, its kernel resources, and the patients in it now. Docs/HOSPITAL-MODEL.md, "Emergency department".
struct EmergencyDepartment {
    /// Arrivals by local hour of the week (thinning).
    let arrivalProcess: NonHomogeneousPoissonProcess
    var arrivalStream: RandomStream
    /// Triage categories' shares, in `TriageCategory.allCases` order.
    let triageShares: Categorical
    /// Each category's admission probability, in `TriageCategory.allCases` order (0 for a category not listed).
    let admissionProbabilities: [Double]
    /// The pathways of admitted patients with a share, and their shares.
    let admittedPathways: [Pathway]
    let admittedPathwayShares: Categorical
    /// The emergency pathways' shares among patients going home, in `Pathway.emergencyPathways` order.
    let attendancePathwayShares: Categorical
    let cubicles: ResourceID
    let clinicians: ResourceID
    /// Attendances so far (each one's patient id derives from it).
    var arrivals: UInt64 = 0
    var patientsInED = 0
    /// Admitted patients waiting in ED for a bed.
    var boarders = 0
    /// Patients in same-day emergency care.
    var sameDayCareInUse = 0
    /// Census patients in ED, admitted, who have not yet asked for their bed (they finish their ED stay first):
    /// demand for the bed their twin drew all the same.
    var pendingCensusBoarders = 0
    /// ED doctors on shift (the clinician resource's capacity when the roster has ED doctors).
    var doctorsPresent = 0

    init(configuration: HospitalConfiguration, clock: SimulationClock, streams: RandomStreams, cubicles: ResourceID,
         clinicians: ResourceID) throws
    {
        let ed = configuration.emergencyDepartment
        arrivalProcess = NonHomogeneousPoissonProcess(profile: ed.attendances, monthly: ed.monthlyProfile, clock: clock)
        arrivalStream = streams.stream(for: "ed-arrivals")
        triageShares = try Categorical(weights: TriageCategory.allCases.map { category in
            ed.triage.first { $0.category == category }?.share ?? 0
        })
        admissionProbabilities = TriageCategory.allCases.map { category in
            ed.triage.first { $0.category == category }?.admissionProbability ?? 0
        }
        admittedPathways = Pathway.allCases.filter { (ed.admittedPathways[$0] ?? 0) > 0 }
        admittedPathwayShares = try Categorical(weights: admittedPathways.map { ed.admittedPathways[$0] ?? 0 })
        attendancePathwayShares = try Categorical(weights: Pathway.emergencyPathways.map {
            configuration.population.pathwayShares[$0] ?? 0
        })
        self.cubicles = cubicles
        self.clinicians = clinicians
    }

    /// The next attendance after `minute`, drawn from the arrival stream.
    mutating func nextArrival(after minute: Double) -> Double {
        arrivalProcess.nextArrival(after: minute, using: &arrivalStream)
    }

    /// The admission probability of a triage category.
    func admissionProbability(_ triage: TriageCategory) -> Double {
        admissionProbabilities[triage.rawValue - 1]  // categories are 1–5, in `allCases` order
    }
}

/// The emergency department: arrivals by hour of the week, triage, a cubicle, a clinician's assessment, then
/// discharge from ED or — for an admitted patient, once the twin's ED stay says it is ready — a bed, waited for in
/// the cubicle (boarding). A department at capacity diverts arrivals; a full boarding area transfers admitted
/// patients out.
extension HospitalEngine {
    /// What the emergency department knows of a patient's visit.
    struct EDVisit {
        /// When it arrived (simulation minutes).
        var arrival = 0.0
        /// When a clinician began its assessment; NaN before.
        var assessmentStart = Double.nan
        /// When it was ready to leave ED for a bed (the decision to admit acted on); NaN before.
        var decisionAt = Double.nan
        /// Whether triage admits it.
        var admitted = false
        /// Whether it waits in ED for a bed now (counted among the boarders).
        var boarding = false
        var triage = TriageCategory.standard
        /// Its cubicle request, while it waits for or holds one.
        var cubicle: RequestID?
        /// Its clinician request, while it waits for or is with one.
        var clinician: RequestID?
        /// Whether it arrived in the measured window.
        var counted = false
        /// In ED at a census start: assessed, admitted, waiting to finish its ED stay.
        var fromCensus = false
    }

    /// A new attendance: a twin drawn from the population, its triage and whether it will be admitted decided from
    /// its own stream (the same patient, triage and decision in every scenario), then its arrival.
    mutating func edArrival(in simulation: inout Simulation<Self>) {
        let next = department.nextArrival(after: simulation.now)
        if next < endMinute { simulation.schedule(.edArrival, at: next) }
        department.arrivals += 1
        let id = PatientID(department.arrivals &* 0x9E37_79B9_7F4A_7C15 ^ 0x4544_4152_5249_5645)
        var stream = patientFamily.stream(id.value)
        let triage = TriageCategory(rawValue: department.triageShares.sample(using: &stream) + 1) ?? .standard
        let admit = stream.nextUniform() < department.admissionProbability(triage)
        let pathway = admit ? department.admittedPathways[department.admittedPathwayShares.sample(using: &stream)]
            : Pathway.emergencyPathways[department.attendancePathwayShares.sample(using: &stream)]
        let attributes = generator.attributes(on: pathway, using: &stream)
        let news2 = generator.admissionNEWS2(on: pathway, using: &stream)
        var twin = PatientTwin(id: id, attributes: attributes, pathway: pathway, admittedAt: epoch(simulation.now),
                               keepsHistory: false)
        record(news2: news2, on: &twin)
        arriveAtED(twin, triage: triage, admitted: admit, in: &simulation)
    }

    /// Records a NEWS2 the twin starts its spell with.
    func record(news2: Int, on twin: inout PatientTwin) {
        do { try twin.apply(Observation(minute: twin.stateSince, .news2(news2))) } catch {
            preconditionFailure("a new spell takes its admission NEWS2: \(error)")
        }
    }

    /// A patient arrives at ED: diverted if the department is full, else into the queue for a cubicle.
    mutating func arriveAtED(_ twin: consuming PatientTwin, triage: TriageCategory, admitted: Bool,
                             in simulation: inout Simulation<Self>)
    {
        let now = simulation.now
        recorder.flows.arrived += 1
        let counted = measuring(now)
        if counted {
            if twin.spell > 0 {
                recorder.measures.ed.readmissionArrivals += 1
                recorder.measures.months[months.index(of: now)].readmissions += 1
            }
        }
        if let capacity = configuration.emergencyDepartment.capacity, department.patientsInED >= capacity {
            recorder.flows.diverted += 1
            if counted { recorder.measures.ed.diversions += 1 }
            return
        }
        // An attendance is a patient the department takes in: one diverted on arrival attends elsewhere. The same
        // count by month and over the window, and the 4-hour standard's denominator (departures) follows from it.
        if counted {
            recorder.measures.ed.attendances += 1
            recorder.measures.months[months.index(of: now)].edAttendances += 1
        }
        let p = newPatient(twin)  // taken: the record holds the twin from here
        patients[Int(p)].place = .emergencyDepartment
        note(p, .arrivedAtED)
        if let news2 = patients[Int(p)].twin.latestNEWS2 { note(p, .observed(news2: news2)) }
        patients[Int(p)].ed.arrival = now
        patients[Int(p)].ed.triage = triage
        patients[Int(p)].ed.admitted = admitted
        patients[Int(p)].ed.counted = counted
        department.patientsInED += 1
        inHospital += 1
        if admitted { drawStay(p, at: now) }
        patients[Int(p)].ed.cubicle = simulation.request(department.cubicles, priority: triage.rawValue, tag: .cubicle(p))
    }

    mutating func cubicleGranted(_ p: Int32, in simulation: inout Simulation<Self>) {
        if patients[Int(p)].ed.fromCensus, let stayEnd = patients[Int(p)].stay?.endMinute {
            simulation.schedule(.edClinicalDone(p), at: max(simulation.now, clock.minute(atEpochMinute: stayEnd)))
            return
        }
        patients[Int(p)].ed.clinician = simulation.request(department.clinicians, priority: patients[Int(p)].ed.triage.rawValue,
                                                        tag: .clinician(p))
    }

    mutating func clinicianGranted(_ p: Int32, in simulation: inout Simulation<Self>) {
        patients[Int(p)].ed.assessmentStart = simulation.now
        var stream = patientFamily.stream(patients[Int(p)].twin.id.value, UInt64(patients[Int(p)].twin.spell), 1)
        let minutes = configuration.emergencyDepartment.assessmentMinutes.sample(using: &stream)
        simulation.schedule(.assessmentDone(p), after: minutes)
    }

    /// The assessment ends: the clinician is free; a patient going home leaves when its ED time is up, an admitted
    /// one is ready for a bed when the twin's ED stay says so.
    mutating func assessmentDone(_ p: Int32, in simulation: inout Simulation<Self>) {
        if let clinician = patients[Int(p)].ed.clinician { simulation.release(clinician) }
        patients[Int(p)].ed.clinician = nil
        var end: Double
        if patients[Int(p)].ed.admitted, let stayEnd = patients[Int(p)].stay?.endMinute {
            end = clock.minute(atEpochMinute: stayEnd)
        } else {
            if streamToSameDayCare(p, in: &simulation) { return }
            var stream = patientFamily.stream(patients[Int(p)].twin.id.value, UInt64(patients[Int(p)].twin.spell), 2)
            end = patients[Int(p)].ed.arrival + configuration.emergencyDepartment.dischargedStayMinutes.sample(using: &stream)
        }
        simulation.schedule(.edClinicalDone(p), at: max(simulation.now, end))
    }

    /// A patient ED would send home, streamed to same-day emergency care when its triage category is one SDEC
    /// takes, its own draw says so, SDEC is open and a place is free: it leaves ED now and goes home when its SDEC
    /// time is over. The draw comes from the patient's own stream (key 6), made whether or not SDEC has room, so
    /// the same patients are candidates in every scenario. False: it stays in ED.
    mutating func streamToSameDayCare(_ p: Int32, in simulation: inout Simulation<Self>) -> Bool {
        guard let sdec = configuration.emergencyDepartment.sameDayEmergencyCare,
              sdec.triage.contains(patients[Int(p)].ed.triage) else { return false }
        var stream = patientFamily.stream(patients[Int(p)].twin.id.value, UInt64(patients[Int(p)].twin.spell), 6)
        let chosen = stream.nextUniform() < sdec.share
        let minutes = sdec.stayMinutes.sample(using: &stream)
        let minuteOfDay = clock.localMinuteOfDay(atMinute: simulation.now)
        guard chosen, department.sameDayCareInUse < sdec.places,
              minuteOfDay >= sdec.opens.minuteOfDay, minuteOfDay < sdec.closes.minuteOfDay else { return false }
        department.sameDayCareInUse += 1
        leaveEmergencyDepartment(p, as: .sameDayEmergencyCare, now: simulation.now, in: &simulation)
        patients[Int(p)].place = .sameDayEmergencyCare
        note(p, .enteredSameDayEmergencyCare)
        simulation.schedule(.sameDayCareDone(p), after: minutes)
        return true
    }

    /// The patient is ready to leave ED: home, or — admitted — to the unit its twin drew, when a bed is free.
    mutating func edClinicalDone(_ p: Int32, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        guard patients[Int(p)].ed.admitted, let stay = patients[Int(p)].stay else {
            leaveEmergencyDepartment(p, as: .notAdmitted, now: now, in: &simulation)
            end(p, as: .dischargedHome, in: &simulation)
            return
        }
        patients[Int(p)].ed.decisionAt = now
        if patients[Int(p)].ed.fromCensus { department.pendingCensusBoarders -= 1 }
        if stay.next.isDischarge {
            leaveEmergencyDepartment(p, as: .notAdmitted, now: now, in: &simulation)
            end(p, as: stay.next, in: &simulation)
            return
        }
        note(p, .admittedInED)
        if edProbing != nil { probeDecision(p, for: stay.next) }
        if !requestMove(p, to: stay.next, priority: WaitPriority.emergencyDepartment, in: &simulation) {
            if let limit = configuration.emergencyDepartment.boardingLimit, department.boarders >= limit {
                cancelWait(p)
                leaveEmergencyDepartment(p, as: .transferredOut, now: now, in: &simulation)
                note(p, .left(.otherHospital))
                recorder.flows.transferredOut += 1
                if measuring(now) { recorder.measures.ed.transfersOut += 1 }
                inHospital -= 1
                release(p)
                return
            }
            department.boarders += 1
            patients[Int(p)].ed.boarding = true
            boardersChanged(in: &simulation)
            if let minutes = configuration.theatres?.releaseHeldBedsAfterMinutes {
                simulation.schedule(.longBoarding(p, token: patients[Int(p)].token), after: minutes)
            }
        }
    }

    /// The patient leaves ED (for a bed, home, or another hospital): its cubicle is free, and its time in the
    /// department is measured. A patient transferred out counts in the 4-hour standard but neither as admitted nor
    /// as a non-admitted departure.
    mutating func leaveEmergencyDepartment(_ p: Int32, as departure: EmergencyDepartureKind, now: Double,
                                           in simulation: inout Simulation<Self>)
    {
        if let cubicle = patients[Int(p)].ed.cubicle { simulation.release(cubicle) }
        patients[Int(p)].ed.cubicle = nil
        department.patientsInED -= 1
        recorder.flows.edDepartures? += 1
        recorder.flows.edMinutesInDepartment? += now - patients[Int(p)].ed.arrival
        if patients[Int(p)].ed.boarding {
            department.boarders -= 1
            patients[Int(p)].ed.boarding = false
            boardersChanged(in: &simulation)
        }
        guard patients[Int(p)].ed.counted || measuring(now) else { return }
        let arrival = patients[Int(p)].ed.arrival
        let minutes = now - arrival
        recorder.measures.ed.departures += 1
        recorder.measures.ed.minutesInDepartment += minutes
        let target = configuration.emergencyDepartment.targetMinutes
        if minutes <= target { recorder.measures.ed.withinTarget += 1 }
        if minutes > 12 * 60 { recorder.measures.ed.twelveHourStays += 1 }
        let assessed = patients[Int(p)].ed.assessmentStart
        if !assessed.isNaN { recorder.measures.ed.minutesToAssessment.record(assessed - arrival) }
        var timeToBed: Double?
        if departure == .transferredOut || departure == .sameDayEmergencyCare {
            recorder.measures.ed.departuresElsewhere += 1
            if minutes <= target { recorder.measures.ed.elsewhereWithinTarget += 1 }
        }
        if departure == .sameDayEmergencyCare { recorder.measures.ed.sameDayEmergencyCare += 1 }
        if departure == .admitted {
            recorder.measures.ed.admissions += 1
            if minutes <= target { recorder.measures.ed.admittedWithinTarget += 1 }
            let wait = now - patients[Int(p)].ed.decisionAt
            if wait > 12 * 60 { recorder.measures.ed.twelveHourTrolleyWaits += 1 }
            recorder.measures.ed.timeToBed.record(wait)
            recorder.measures.ed.boardingMinutes += wait
            timeToBed = wait
        }
        recorder.measures.recordDeparture(of: patients[Int(p)].twin.attributes, minutesInDepartment: minutes,
                                 withinTarget: minutes <= target, timeToBed: timeToBed)
    }

    /// A readmission arrives: the twin's next spell, an emergency admission through ED.
    mutating func readmit(_ p: Int32, in simulation: inout Simulation<Self>) {
        var twin: PatientTwin
        do { twin = try patients[Int(p)].twin.readmitted(atMinute: epoch(simulation.now)) } catch {
            preconditionFailure("only a twin discharged alive is scheduled for readmission: \(error)")
        }
        release(p)
        var stream = patientFamily.stream(twin.id.value, UInt64(twin.spell), 3)
        let triage = TriageCategory(rawValue: department.triageShares.sample(using: &stream) + 1) ?? .standard
        record(news2: generator.admissionNEWS2(on: twin.pathway, using: &stream), on: &twin)
        arriveAtED(twin, triage: triage, admitted: true, in: &simulation)
    }
}

/// How a patient leaves the emergency department, as the 4-hour standard splits departures.
enum EmergencyDepartureKind {
    /// Home, or dead in the department, or admitted and then not needing a bed after all.
    case notAdmitted
    /// To a bed in this hospital.
    case admitted
    /// Admitted, but sent to another hospital because the boarding limit was reached.
    case transferredOut
    /// Streamed to same-day emergency care (an emergency admission of zero days, in England's counting).
    case sameDayEmergencyCare
}

extension Pathway {
    /// The emergency pathways, in `allCases` order.
    static let emergencyPathways = Pathway.allCases.filter(\.isEmergency)
}
