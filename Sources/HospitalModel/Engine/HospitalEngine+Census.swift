import PatientTwin
import Simulation

/// The patients in hospital when a run starts: a forecast's starting point instead of an empty hospital.
///
/// Codable so that a forecast planned in shards keeps its census in the database for its workers
/// (`RunStore.plan`): JSON round-trips every value exactly, so each worker starts from the same census.
public struct HospitalCensus: Sendable, Codable {
    /// Where a census patient is.
    public enum Location: Sendable, Hashable, Codable {
        /// In a bed of the unit with this index in the configuration; the twin is in the unit's care state.
        case unit(Int)
        /// In the emergency department, admitted and waiting for a bed (boarding); the twin is in ED since its
        /// arrival.
        case emergencyDepartment
        /// In theatre or, after it, in recovery: the twin is in theatre since it went there, and the run draws
        /// which it is in now, given the time since (`TrajectoryPredictor.drawTheatresStay`); ADT's one theatres
        /// code, and so the census, cannot say. With `readyAt` and `readyFor`, its operation and recovery are over
        /// and it waits for a bed.
        case theatres
    }

    /// One patient: its twin (in the care state of where it is, since `stateSince`, with its latest observations)
    /// and where it is.
    public struct Inpatient: Sendable, Codable {
        /// The patient's twin, in the care state of where it is.
        public let twin: PatientTwin
        /// A unit's bed, or boarding in the ED.
        public let location: Location
        /// When a patient in a unit's bed became ready to leave it (epoch minutes): clinically ready for discharge
        /// (NHS sitreps' "no criteria to reside") or to move to another unit, and still here; for a patient in the
        /// theatres, when its recovery ended and it began to wait for a bed. nil when not ready.
        public let readyAt: Double?
        /// Where such a patient is ready to go: home, a care home, or a unit's care state.
        public let readyFor: CareState?
        /// True for a patient in the ED before a decision to admit: the forecast draws whether it is admitted
        /// (`PreparedHospital.admissionProbability(ofUndecided:triage:atEpochMinute:)`). False for an admitted
        /// patient waiting for a bed, and for a patient in a unit's bed.
        public let undecided: Bool
        /// Such a patient's triage category, when the census knows it (a simulated hospital's census does; ADT
        /// carries none, so the live census does not).
        public let undecidedTriage: TriageCategory?
        /// For a patient in a unit's bed: whether it has already deteriorated in this stay (its NEWS2 raised and
        /// its stay redrawn); the model gives each stay one chance, so such a patient does not deteriorate again.
        public var deteriorated = false
        /// For a patient in a unit's bed whose census cannot say whether it is ready to leave: the chances that it
        /// is, and since when (`PreparedHospital.imputingReadiness`); each replication draws from them. nil when the
        /// census says (`readyAt`), or nothing is imputed.
        public var readiness: Readiness?
        /// When the twin's latest NEWS2 was read (epoch minutes); nil when not known. A patient still on a ward long
        /// after an escalation-level reading there was not escalated (`HospitalEngine.notEscalated`).
        public var news2At: Double?
        /// For an admitted patient boarding in the ED: the care state whose bed it waits for, when the census knows
        /// it (a simulated hospital's census does, a bed manager's list may; ADT does not say). nil: the forecast
        /// infers it (`HospitalEngine.inferBoardersTargets`). Not read for an undecided patient or one in a bed.
        public var waitingFor: CareState?

        enum CodingKeys: String, CodingKey {
            case twin, location, readyAt, readyFor, undecided, undecidedTriage, deteriorated, readiness, news2At
            case waitingFor
        }

        /// Decodes what `encode(to:)` wrote; a census kept by an earlier version (in a stored plan) has no
        /// `undecided`, which its `undecidedTriage` then says, and may lack `deteriorated` (false).
        public init(from decoder: any Decoder) throws {
            let values = try decoder.container(keyedBy: CodingKeys.self)
            twin = try values.decode(PatientTwin.self, forKey: .twin)
            location = try values.decode(Location.self, forKey: .location)
            readyAt = try values.decodeIfPresent(Double.self, forKey: .readyAt)
            readyFor = try values.decodeIfPresent(CareState.self, forKey: .readyFor)
            undecidedTriage = try values.decodeIfPresent(TriageCategory.self, forKey: .undecidedTriage)
            undecided = try values.decodeIfPresent(Bool.self, forKey: .undecided) ?? (undecidedTriage != nil)
            deteriorated = try values.decodeIfPresent(Bool.self, forKey: .deteriorated) ?? false
            readiness = try values.decodeIfPresent(Readiness.self, forKey: .readiness)
            news2At = try values.decodeIfPresent(Double.self, forKey: .news2At)
            let waitingFor = try values.decodeIfPresent(CareState.self, forKey: .waitingFor)
            self.waitingFor = location == .emergencyDepartment && !undecided ? waitingFor : nil
        }

        /// `undecided` (or an `undecidedTriage`) counts only for a patient in the ED, `waitingFor` only for one
        /// admitted there.
        public init(twin: PatientTwin, location: Location, readyAt: Double? = nil, readyFor: CareState? = nil,
                    undecided: Bool = false, undecidedTriage: TriageCategory? = nil, deteriorated: Bool = false,
                    news2At: Double? = nil, waitingFor: CareState? = nil)
        {
            self.deteriorated = deteriorated
            self.news2At = news2At
            self.twin = twin
            self.location = location
            self.readyAt = readyFor == nil ? nil : readyAt
            self.readyFor = readyAt == nil ? nil : readyFor
            self.undecided = location == .emergencyDepartment && (undecided || undecidedTriage != nil)
            self.undecidedTriage = self.undecided ? undecidedTriage : nil
            self.waitingFor = location == .emergencyDepartment && !self.undecided ? waitingFor : nil
        }

        /// A patient in a unit's bed.
        public init(twin: PatientTwin, unit: Int) {
            self.init(twin: twin, location: .unit(unit))
        }
    }

    /// In the file's order.
    public let inpatients: [Inpatient]
    /// Patients discharged alive before the census (in the 30 days a readmission is followed for), each a twin in
    /// its discharge state since its discharge: the forecast draws which of them come back, and when, given that
    /// they have not come back yet — the returns a census of inpatients cannot carry.
    public let recentDischarges: [PatientTwin]
    /// Each recent discharge's readmission chance as a run starting at simulation minute `returnChances.minute`
    /// works it out (`PreparedHospital.preparingReturns`): the same in every replication, so worked out once.
    /// nil: each replication works them out.
    var returnChances: (minute: Double, chances: [ReadmissionChance])?

    /// What the model's own year says of its ED at the census's time of day (`PreparedHospital.edProbe()`), for what
    /// the census does not say: the undecided patients' admission (by triage category where the census knows it), and the bed
    /// a boarder waits for when `waitingFor` is nil. nil: Bayes on the wait alone, and the twins' draw of the bed
    /// weighed by room alone. Kept with the census, so a forecast's shard workers read the same.
    public var edProbe: EDProbe?

    /// How many of `inpatients` are undecided in the ED.
    public var undecidedCount: Int { inpatients.lazy.filter(\.undecided).count }

    /// How many of `inpatients` are admitted and boarding in the ED.
    public var boarderCount: Int { inpatients.lazy.filter { $0.location == .emergencyDepartment && !$0.undecided }.count }

    /// Whether the ED holds an undecided patient (whose admission the probe's table gives, by category where it is
    /// known) or an admitted boarder whose bed is not known: what `edProbe` is for.
    public var needsEDProbe: Bool {
        inpatients.contains {
            $0.location == .emergencyDepartment && ($0.undecided || $0.waitingFor == nil)
        }
    }

    /// `returnChances` is worked out again from the rest, so it is not kept.
    enum CodingKeys: String, CodingKey {
        case inpatients, recentDischarges, edProbe
    }

    /// The chance that a boarder waiting for a state finds at the census that one of its units shows room for it: a bed
    /// freed in the turnaround minutes before, still being cleaned. Measured on six of the shadow hospital's censuses
    /// of 9 December 2026 (Docs/BACKTEST.md): 32 of 282 boarders waiting for an assessment unit saw a bed there free,
    /// 0.11; none of the 22 waiting for a ward, HDU or ICU did.
    public static let boarderRoomLikelihood = 0.1

    /// The care states of the units' beds: where a patient ready to leave a unit, or done in the theatres, may wait
    /// to go.
    public static let bedStates: [CareState] = [.assessmentUnit, .ward, .strokeUnit, .hdu, .icu]

    /// What an admitted patient boarding in the ED may wait for: a bed in one of these care states, or an emergency
    /// operation.
    public static let boardingTargets: [CareState] = bedStates + [.theatre]

    /// A census of `inpatients`, with the `recentDischarges` whose returns a forecast draws.
    public init(inpatients: [Inpatient], recentDischarges: [PatientTwin] = []) {
        self.inpatients = inpatients
        self.recentDischarges = recentDischarges
    }
}

extension HospitalEngine {
    /// Puts the census's inpatients in their units at the start: each takes a bed (escalation beds open if they
    /// need them; a unit may start over its beds, as a real one can), and its twin draws the rest of its current
    /// stay given the time it has already spent there (`TrajectoryPredictor.drawStay`), from its own streams —
    /// so the same census patient does the same in every scenario.
    mutating func admitCensus(_ census: HospitalCensus, in simulation: inout Simulation<Self>) {
        let freeCriticalCare = Self.criticalCareWithFreeBeds(census, configuration: configuration)
        var boardersToInfer: [(patient: Int32, inpatient: HospitalCensus.Inpatient)] = []
        var inTheatres: [(patient: Int32, inpatient: HospitalCensus.Inpatient)] = []
        let undecided = census.undecidedCount
        for inpatient in census.inpatients {
            if inpatient.undecided {
                // Not yet decided: admitted with its probability given its category (if known), its time in the ED
                // so far and (category unknown) the ED's crowding, from its own stream; one who will go home from the
                // ED makes no demand for a bed and is left out.
                var stream = patientFamily.stream(inpatient.twin.id.value, UInt64(inpatient.twin.spell), 5)
                let probability = PreparedHospital.admissionProbability(
                    ofUndecided: inpatient.twin, triage: inpatient.undecidedTriage, atEpochMinute: epoch(simulation.now),
                    among: undecided, table: census.edProbe?.undecided, configuration: configuration, predictor: predictor)
                guard stream.nextUniform() < probability else {
                    continue
                }
            }
            let p = newPatient(inpatient.twin)
            recorder.flows.arrived += 1
            inHospital += 1
            patients[Int(p)].ed.counted = measuring(simulation.now)
            switch inpatient.location {
            case .unit(let unit):
                beds.units[unit].occupied += 1
                let level = inpatient.twin.levelOfCare
                patients[Int(p)].bed.level = level
                patients[Int(p)].place = .unit(Int32(unit))
                beds.units[unit].byLevel[level] += 1
                // A patient on a unit that is not one of its own kind's home units is an outlier, as the run would
                // have placed it: its stay is stretched as any outlier's.
                let choices = beds.candidateCache(for: inpatient.twin.state, of: inpatient.twin)
                patients[Int(p)].bed.isOutlier = !choices.home.contains(unit) && choices.outlying.contains(unit)
                patients[Int(p)].bed.deteriorated = inpatient.deteriorated  // before its stay schedules a deterioration
                drawStay(p, at: simulation.now)
                if notEscalated(inpatient, on: unit, at: epoch(simulation.now)), let stay = patients[Int(p)].stay,
                   freeCriticalCare.contains(stay.next)
                {
                    // Its next unit drawn again without those, from its own stream.
                    var stream = patientFamily.stream(inpatient.twin.id.value, UInt64(inpatient.twin.spell), 8)
                    if let next = predictor.sampleNext(pathway: inpatient.twin.pathway, state: inpatient.twin.state,
                                                       covariates: inpatient.twin.covariates, excluding: freeCriticalCare,
                                                       using: &stream)
                    {
                        patients[Int(p)].stay = stay.redirected(to: next)
                    }
                }
                var said = inpatient.readyAt.flatMap { at in inpatient.readyFor.map { (readyAt: at, readyFor: $0) } }
                if said == nil, let readiness = inpatient.readiness {
                    // Not said: drawn from the imputed chances, from the patient's own stream.
                    var stream = patientFamily.stream(inpatient.twin.id.value, UInt64(inpatient.twin.spell), 7)
                    said = readiness.outcome(stream.nextUniform())
                }
                if let (readyAt, next) = said, next != inpatient.twin.state,
                   let stay = patients[Int(p)].stay
                {
                    // Ready to go already: its stay has ended, and it leaves (or asks for the next unit) from now. A
                    // move to a unit of its own kind is no change of state for the twin, and is not modelled.
                    patients[Int(p)].stay = stay.ended(at: min(readyAt, epoch(simulation.now)), next: next)
                    // Ready to go home or to a care home: the wait for its placement has run since then.
                    if next.isDischarge { patients[Int(p)].discharge.readyAt = clock.minute(atEpochMinute: readyAt) }
                }
                scheduleStayEnd(p, in: &simulation)
                beds.openEscalationIfNeeded(unit, now: now)
                beds.updateMonitor(unit, at: now)
                updateSafety(unit)
            case .emergencyDepartment:
                // Admitted in the ED: it takes a cubicle (ahead of new arrivals) and asks for the bed its twin draws,
                // boarding until one is free; one undecided that the draw above admits finishes its ED stay first.
                patients[Int(p)].place = .emergencyDepartment
                patients[Int(p)].ed.arrival = clock.minute(atEpochMinute: inpatient.twin.spellStart)
                patients[Int(p)].ed.admitted = true
                patients[Int(p)].ed.fromCensus = true
                patients[Int(p)].ed.triage = .immediate
                department.patientsInED += 1
                department.pendingCensusBoarders += 1
                drawStay(p, at: simulation.now)
                if !inpatient.undecided, let stay = patients[Int(p)].stay {
                    // Decided already: its ED stay ended at the decision (the feed's A01), so it asks for its bed as
                    // soon as it has a cubicle. One the forecast drew as admitted finishes its ED stay first.
                    patients[Int(p)].stay = stay.ending(at: min(stay.endMinute, epoch(simulation.now)))
                    if let target = inpatient.waitingFor, HospitalCensus.boardingTargets.contains(target),
                       let ending = patients[Int(p)].stay
                    {
                        patients[Int(p)].stay = ending.redirected(to: target)
                    } else {
                        boardersToInfer.append((p, inpatient))
                    }
                }
                patients[Int(p)].ed.cubicle = simulation.request(department.cubicles, priority: 0, tag: .cubicle(p))
            case .theatres:
                inTheatres.append((p, inpatient))  // once every bed's patient is in it
            }
        }
        for (p, inpatient) in inTheatres { admitToTheatres(p, inpatient, in: &simulation) }
        let prepared = census.returnChances.flatMap { $0.minute == simulation.now ? $0.chances : nil }
        for (index, twin) in census.recentDischarges.enumerated() {
            let discharged = clock.minute(atEpochMinute: twin.stateSince)
            let chance = prepared?[index]
                ?? predictor.readmissionChance(for: twin, notReturnedAfterMinutes: simulation.now - discharged)
            let draw = predictor.drawReadmission(for: twin, chance: chance, streams: twinStreams)
            guard let delay = draw.delayMinutes, discharged + delay < endMinute else { continue }
            let p = newPatient(twin)  // out of hospital, waiting with its twin, as after a discharge in the run
            simulation.schedule(.readmission(p), at: max(simulation.now, discharged + delay))
        }
        if let fcp = configuration.fullCapacityProtocol, Self.fullCapacityInForce(census, configuration: configuration) {
            beds.declareFullCapacity(extra: fcp.extraPatientsPerWard, now: simulation.now)
        }
        inferBoardersTargets(boardersToInfer, weighed: census.edProbe.map { ($0.boarders, census.boarderCount) })
    }

    /// A census patient in the theatres, admitted once the census's patients are in their beds. One the census says
    /// is waiting for a bed (`readyAt`, `readyFor`) is in recovery, its stay ended then. Any other is in theatre or
    /// recovery as its time there gives it, drawn from its own stream (`TrajectoryPredictor.drawTheatresStay`), and
    /// an elective one has the bed it goes to next booked, as the hospital booked it when its operation began (a
    /// free bed of its units, else, for a ward, a discharge due before its recovery ends claimed), so that the
    /// bed meeting of a session under way does not give that bed to another. In recovery it takes a bay (over the
    /// bays if need be, as a unit may start over its beds). In theatre it is an operation under way: an elective
    /// patient takes a free room, one whose session is under way first (that session's list then holds what fits
    /// after it, `sessionStart`), and its case ends with the drawn length; an emergency patient, or one with no
    /// free room, is operated on in an emergency theatre, which it holds until its operation ends, so that an
    /// emergency patient asking for one waits as it would have (a census does not say which theatre: one with more
    /// such patients than emergency theatres has the rest operated on beside them, holding none).
    mutating func admitToTheatres(_ p: Int32, _ inpatient: HospitalCensus.Inpatient, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        if let readyAt = inpatient.readyAt, let readyFor = inpatient.readyFor {
            var twin = inpatient.twin
            twin.step(to: .recovery, at: max(twin.stateSince, min(readyAt, epoch(now))))
            patients[Int(p)].twin = twin
            drawStay(p, at: now)
            patients[Int(p)].stay = patients[Int(p)].stay.map { $0.ended(at: twin.stateSince, next: readyFor) }
        } else {
            var stream = patientFamily.stream(inpatient.twin.id.value, UInt64(inpatient.twin.spell), 9)
            let (twin, stay) = predictor.drawTheatresStay(for: inpatient.twin, at: epoch(now), using: &stream)
            patients[Int(p)].twin = twin
            patients[Int(p)].stay = stay
        }
        guard let stay = patients[Int(p)].stay else { return }
        if inpatient.readyAt == nil, !inpatient.twin.pathway.isEmergency {
            // Its bed after the theatres: where it goes from recovery as its recovery will draw it (from the
            // twin's streams, as `enterRecovery` does), or from the stay drawn now.
            let bed = stay.state == .theatre && stay.next == .recovery
                ? afterRecovery(of: patients[Int(p)].twin, from: stay.endMinute) : stay.next
            if HospitalCensus.bedStates.contains(bed) {
                let due = stay.state == .recovery ? stay.endMinute
                    : stay.endMinute + (stay.next == .recovery ? expectedRecoveryMinutes(p) : 0)
                _ = holdBed(for: p, state: bed, dueBefore: max(now, clock.minute(atEpochMinute: due)))
            }
        }
        if stay.state == .recovery {
            recoveryInUse += 1
            patients[Int(p)].place = .recovery
            scheduleStayEnd(p, in: &simulation)
            return
        }
        let start = clock.minute(atEpochMinute: stay.startMinute)
        let end = max(now, clock.minute(atEpochMinute: stay.endMinute))
        patients[Int(p)].surgery.operationStart = start
        if !stay.next.isDischarge, !inpatient.twin.pathway.isEmergency, let rooms = theatres?.rooms,
           let room = (theatres?.underWayAtStart ?? []).first(where: { rooms[$0].patient < 0 })
               ?? rooms.indices.first(where: { rooms[$0].patient < 0 })
        {
            theatres?.rooms[room].patient = p
            theatres?.rooms[room].caseStart = start
            patients[Int(p)].place = .theatre(Int32(room))
            simulation.schedule(.caseEnds(Int32(room)), at: end)
        } else {
            patients[Int(p)].place = .emergencyTheatre
            if simulation.inUse(of: emergencyRooms) < simulation.capacity(of: emergencyRooms) {
                // Granted at once (nothing waits at a census's start), and released as any emergency case's room.
                patients[Int(p)].surgery.emergencyRequest = simulation.request(emergencyRooms, tag: .emergencyTheatreUnderWay(p))
            }
            simulation.schedule(.emergencyCaseEnds(p), at: end)
        }
    }

    /// The bed each admitted ED boarder whose census does not name it waits for: the twin's draw of its next state,
    /// conditioned on its still waiting. A boarder asks for its bed when admitted and moves as soon as one of its
    /// candidate units has room (`findBed`), so at the census a boarder rarely waits for a state that shows room for
    /// it — in a full hospital the boarders left are the ones whose units are full. Rarely, not never: a bed freed in
    /// the last turnaround minutes is being cleaned, and a census cannot tell it from a free one. So the posterior is
    /// the twin's transition probabilities times a likelihood: 1 for a state with no room for the patient,
    /// `HospitalCensus.boarderRoomLikelihood` for one with room, 0 for home or death (the patient is admitted). It is
    /// drawn by rejection from the patient's own stream, the census start's draw first, so a boarder whose draw is
    /// plausible mostly keeps it. Drawn afresh without this, a forecast's boarders took at the start the few free beds
    /// of units they could not have been waiting for, and left the full wards' queues short: errors 1.34 times the
    /// replications' spread on the first day from a December census (Docs/BACKTEST.md). With the model's own probe
    /// (`weighed`, with the census's count of boarders), the likelihood of each state is read off its own boarders
    /// instead (`BoarderTargets`): which bed they waited for given the room each state showed and how many boarded —
    /// a ward's boarders seldom wait long, so few are found waiting. Called once every census patient is in its bed
    /// and the full-capacity protocol is as the census shows it.
    mutating func inferBoardersTargets(_ boarders: [(patient: Int32, inpatient: HospitalCensus.Inpatient)],
                                       weighed: (table: BoarderTargets, boarders: Int)?)
    {
        let leaving: Set<CareState> = [.dischargedHome, .dischargedCareHome, .died]
        for (p, inpatient) in boarders {
            guard let stay = patients[Int(p)].stay else { continue }
            let twin = inpatient.twin
            let withRoom = statesWithRoom(for: p)
            func likelihood(_ state: CareState) -> Double {
                if leaving.contains(state) { return 0 }
                let room = withRoom.contains(state)
                return weighed.map { $0.table.weight(pathway: twin.pathway, target: state, room: room, boarders: $0.boarders) }
                    ?? (room ? HospitalCensus.boarderRoomLikelihood : 1)
            }
            // Accepted with the likelihood over its largest among the states the twin can draw, so the draw is the
            // posterior's.
            let largest = predictor.transitionProbabilities(pathway: twin.pathway, state: twin.state, covariates: twin.covariates)
                .filter { $0.1 > 0 }.map { likelihood($0.0) }.max() ?? 0
            guard largest > 0 else { continue }
            var stream = patientFamily.stream(inpatient.twin.id.value, UInt64(inpatient.twin.spell), 9)
            var next = stay.next
            for _ in 0..<1000 {
                if stream.nextUniform() * largest < likelihood(next) { break }
                guard let drawn = predictor.sampleNext(pathway: twin.pathway, state: twin.state, covariates: twin.covariates,
                                                       excluding: leaving, using: &stream)
                else { break }
                next = drawn
            }
            if next != stay.next, !leaving.contains(next) { patients[Int(p)].stay = stay.redirected(to: next) }
        }
    }

    /// Whether the scenario's full-capacity protocol is in force at the census, as far as the census can tell — a
    /// census says nothing of the protocol, but the model leaves two traces of it: a general ward (not elective-only)
    /// holding more patients than its beds and escalation beds together, which only the protocol's extra places
    /// allow, and admitted patients still waiting in the ED. The protocol is declared when the ED's boarders reach
    /// `declareAtBoarders` and stood down only when they fall to `standDownAtBoarders`; between the two it stays as it
    /// was, so with a ward over its beds and more boarders than the stand-down level it is taken as still in force.
    /// Left undeclared, a forecast from a winter census held its wards to their beds and their nurses' ratios until
    /// the boarders reached the trigger again, though the hospital was filling its extra places. (With the boarders at
    /// the stand-down level or below, or no ward over its beds, it is not in force as far as admissions go: stood
    /// down, a ward's extra places take nobody until they close.)
    static func fullCapacityInForce(_ census: HospitalCensus, configuration: HospitalConfiguration) -> Bool {
        guard let fcp = configuration.fullCapacityProtocol, census.boarderCount > fcp.standDownAtBoarders else { return false }
        var patients = [Int](repeating: 0, count: configuration.units.count)
        for inpatient in census.inpatients {
            if case .unit(let unit) = inpatient.location { patients[unit] += 1 }
        }
        return configuration.units.indices.contains { unit in
            let u = configuration.units[unit]
            return u.kind == .ward && !u.electiveOnly && patients[unit] > u.beds + (u.escalation?.beds ?? 0)
        }
    }
}

extension HospitalEngine {
    /// True when a census patient on a ward-level unit had an escalation-level NEWS2 there (a reading after it came,
    /// at the scenario's `escalation_news2` or more) more than `response_minutes` before `epochMinute`, and is still
    /// there: had its team sent it to critical care it would have gone within the response time, unless no bed was
    /// free — so its next unit is none whose bed is free at the census (`criticalCareWithFreeBeds`).
    func notEscalated(_ inpatient: HospitalCensus.Inpatient, on unit: Int, at epochMinute: Double) -> Bool {
        let policy = configuration.deterioration
        guard !beds.units[unit].kind.isCriticalCare, let news2 = inpatient.twin.latestNEWS2,
              news2 >= policy.escalationNEWS2, let at = inpatient.news2At
        else { return false }
        return at > inpatient.twin.stateSince && at + policy.responseMinutes <= epochMinute
    }

    /// The critical-care states with a bed free at the census (fewer census patients in a unit than its beds): ICU
    /// when an ICU bed is free, HDU when an HDU or an ICU bed is (an HDU patient takes an ICU bed when the HDU is full).
    static func criticalCareWithFreeBeds(_ census: HospitalCensus, configuration: HospitalConfiguration) -> Set<CareState> {
        var patients = [Int](repeating: 0, count: configuration.units.count)
        for inpatient in census.inpatients {
            if case .unit(let unit) = inpatient.location { patients[unit] += 1 }
        }
        func free(_ kind: UnitKind) -> Bool {
            configuration.units.indices.contains { configuration.units[$0].kind == kind && patients[$0] < configuration.units[$0].beds }
        }
        return free(.icu) ? [.icu, .hdu] : free(.hdu) ? [.hdu] : []
    }
}

extension PreparedHospital {
    /// What makes `census` one this hospital cannot start from, or nil: a patient in a unit it does not have (a
    /// census kept for another scenario's units). A census read from a file is checked as it is read; this checks
    /// one decoded from storage.
    public func censusProblem(_ census: HospitalCensus) -> String? {
        for (index, inpatient) in census.inpatients.enumerated() {
            if case .unit(let unit) = inpatient.location, !configuration.units.indices.contains(unit) {
                return "places inpatient \(index + 1) in unit \(unit), but the scenario has units 0 to \(configuration.units.count - 1)"
            }
            if let target = inpatient.waitingFor, !HospitalCensus.boardingTargets.contains(target) {
                return "has inpatient \(index + 1) waiting in the ED for \(target.rawValue), which is no bed or operation"
            }
        }
        return nil
    }

    /// `census` with each recent discharge's readmission chance worked out for a run whose census is admitted at
    /// simulation minute `minute` (0: a forecast from a census starts there), as every replication would work it out.
    public func preparingReturns(_ census: HospitalCensus, atMinute minute: Double = 0) -> HospitalCensus {
        var prepared = census
        prepared.returnChances = (minute, census.recentDischarges.map { twin in
            predictor.readmissionChance(for: twin, notReturnedAfterMinutes: minute - clock.minute(atEpochMinute: twin.stateSince))
        })
        return prepared
    }

    /// The probability that a census patient still in the ED undecided at `epochMinute`, in triage category
    /// `triage`, is admitted: Bayes on the category's admission probability p and how long it has been there, w.
    /// An admitted patient is decided when its twin's ED stay ends, one going home leaves when its discharged stay
    /// ends; so p·Sₐ(w) / (p·Sₐ(w) + (1 − p)·S_d(w)), with Sₐ the twin's ED stay's survival and S_d the discharged
    /// stay's. Queueing for a cubicle and a clinician delays both alike and is left out. With the category unknown
    /// (nil), the posterior over the categories, each with its share of attendances, gives the same formula with p
    /// the share of attendances admitted (`admittedShare`): neither Sₐ nor S_d depends on the category. But with
    /// `census` carrying the model's own table (`HospitalCensus.edProbe`), the table's chance for the wait, the
    /// census's count of undecided patients, which counts the queue, and the category when it is known; Bayes only
    /// where the probe saw no such patient wait as long.
    public func admissionProbability(ofUndecided twin: PatientTwin, triage: TriageCategory?, atEpochMinute minute: Double,
                                     in census: HospitalCensus? = nil) -> Double
    {
        Self.admissionProbability(ofUndecided: twin, triage: triage, atEpochMinute: minute,
                                  among: census?.undecidedCount ?? 0, table: census?.edProbe?.undecided,
                                  configuration: configuration, predictor: predictor)
    }

    /// How many of `census`'s undecided ED patients there are (of unknown triage category only, with
    /// `unknownTriageOnly`), and how many of them a forecast admits on average with the census at `minute`: the sum of
    /// their `admissionProbability(ofUndecided:triage:atEpochMinute:in:)`.
    public func expectedAdmissions(ofUndecidedIn census: HospitalCensus, atEpochMinute minute: Double,
                                   unknownTriageOnly: Bool = false) -> (patients: Int, expected: Double)
    {
        let counted = census.inpatients.filter { $0.undecided && (!unknownTriageOnly || $0.undecidedTriage == nil) }
        return (counted.count, counted.reduce(0.0) {
            $0 + admissionProbability(ofUndecided: $1.twin, triage: $1.undecidedTriage, atEpochMinute: minute, in: census)
        })
    }

    static func admissionProbability(ofUndecided twin: PatientTwin, triage: TriageCategory?, atEpochMinute minute: Double,
                                     among undecided: Int, table: UndecidedAdmission?, configuration: HospitalConfiguration,
                                     predictor: TrajectoryPredictor) -> Double
    {
        if twin.state == .ed, let table {
            let waited = max(0, minute - twin.spellStart)
            let probability = triage.map { table.probability(waitedMinutes: waited, undecided: undecided, triage: $0) }
                ?? table.probability(waitedMinutes: waited, undecided: undecided)
            if let probability { return probability }
        }
        let ed = configuration.emergencyDepartment
        let p = triage.map { category in ed.triage.first { $0.category == category }?.admissionProbability ?? 0 }
            ?? ed.admittedShare
        guard p > 0, p < 1, twin.state == .ed else { return p }
        let waited = max(0, minute - twin.spellStart)
        let admitted = p * predictor.sojournSurvival(pathway: twin.pathway, state: .ed, covariates: twin.covariates,
                                                     minutes: waited)
        let home = (1 - p) * ed.dischargedStayMinutes.survival(waited)
        return admitted + home > 0 ? admitted / (admitted + home) : p
    }
}

/// A simulated hospital's census at one time (`HospitalSimulation.run(censusAt:)`): what a census file holds, as the
/// run had it — a forecast from it can be held against the run's own continuation.
public struct TakenCensus: Sendable {
    /// When, in epoch minutes.
    public let epochMinute: Double
    /// Patients in units' beds (each with the unit's index) and admitted patients boarding in the ED.
    public let inpatients: [HospitalCensus.Inpatient]
    /// Patients discharged alive in the 30 days before, not in hospital now: the latest spell of each.
    public let recentDischarges: [PatientTwin]
    /// Of the patients in the ED not yet decided, how many the run was going to admit: what the hospital knew and
    /// its census does not, for checking the forecast's draw of who is admitted.
    public let undecidedToBeAdmitted: Int

    /// A census from its parts.
    public init(epochMinute: Double, inpatients: [HospitalCensus.Inpatient], recentDischarges: [PatientTwin],
                undecidedToBeAdmitted: Int = 0)
    {
        self.epochMinute = epochMinute
        self.inpatients = inpatients
        self.recentDischarges = recentDischarges
        self.undecidedToBeAdmitted = undecidedToBeAdmitted
    }
}

/// Takes a census during a run: keeps the twins discharged alive in the 30 days before its time, then, at that
/// time, who is where.
struct CensusTaker {
    /// When, in simulation minutes.
    let minute: Double
    var discharges: [PatientTwin] = []
    var taken: TakenCensus?

    /// Notes a discharge alive at `now`, when it falls within 30 days of the census.
    mutating func noteDischarge(_ twin: PatientTwin, at now: Double) {
        if now >= minute - 30 * 1440 && now <= minute { discharges.append(twin) }
    }
}

extension HospitalEngine {
    /// The census now: every patient in a bed, in the ED or in the theatres, and the recent discharges of patients
    /// not in hospital.
    mutating func takeCensus(in simulation: inout Simulation<Self>) {
        guard let taker = censusTaker else { return }
        var inpatients: [HospitalCensus.Inpatient] = []
        var inside: Set<PatientID> = []
        var toBeAdmitted = 0
        var waitingFor: [Int32: CareState] = [:]
        for waiting in beds.waiting { waitingFor[waiting.patient] = waiting.state }
        for index in patients.indices {
            let patient = patients[index]
            switch patient.place {
            case .none, .sameDayEmergencyCare:
                continue  // SDEC patients go home today
            case .unit(let unit):
                // Ready to leave (a discharge planned) or waiting to move on to another unit, still in the bed.
                var readyAt: Double?, readyFor: CareState?
                if !patient.discharge.readyAt.isNaN {
                    readyAt = epoch(patient.discharge.readyAt)
                    readyFor = patient.bed.target
                } else if let next = waitingFor[Int32(index)], let stay = patient.stay {
                    readyAt = min(stay.endMinute, epoch(simulation.now))
                    readyFor = next
                }
                inpatients.append(HospitalCensus.Inpatient(twin: patient.twin, location: .unit(Int(unit)), readyAt: readyAt,
                                                           readyFor: readyFor, deteriorated: patient.bed.deteriorated))
            case .emergencyDepartment where patient.ed.admitted && !patient.ed.decisionAt.isNaN:
                inpatients.append(HospitalCensus.Inpatient(twin: patient.twin, location: .emergencyDepartment,
                                                           waitingFor: patient.bed.target))
            case .emergencyDepartment:
                inpatients.append(HospitalCensus.Inpatient(twin: patient.twin, location: .emergencyDepartment,
                                                           undecidedTriage: patient.ed.triage))
                if patient.ed.admitted { toBeAdmitted += 1 }
            case .recovery, .theatre, .emergencyTheatre:
                // In the theatres: held as the feed holds it, in theatre since its operation began (whether it is in
                // recovery yet, the census cannot say). One whose stay there has ended and who waits for a bed is
                // ready since then, for that bed's care state.
                var readyAt: Double?, readyFor: CareState?
                if let stay = patient.stay, stay.endMinute <= epoch(simulation.now), HospitalCensus.bedStates.contains(stay.next)
                {
                    readyAt = stay.endMinute
                    readyFor = stay.next
                }
                let went = patient.surgery.operationStart.isNaN ? patient.twin.stateSince
                    : min(epoch(patient.surgery.operationStart), patient.twin.stateSince)
                inpatients.append(HospitalCensus.Inpatient(twin: patient.twin.wentToTheatre(at: went), location: .theatres,
                                                           readyAt: readyAt, readyFor: readyFor))
            }
            inside.insert(patient.twin.id)
        }
        var latest: [PatientID: PatientTwin] = [:]
        for twin in taker.discharges where !inside.contains(twin.id) {
            if let known = latest[twin.id], known.spell >= twin.spell { continue }
            latest[twin.id] = twin
        }
        let discharges = taker.discharges.filter { latest[$0.id]?.spell == $0.spell }
        let taken = TakenCensus(epochMinute: epoch(simulation.now), inpatients: inpatients,
                                recentDischarges: discharges, undecidedToBeAdmitted: toBeAdmitted)
        censusTaker?.taken = taken
    }
}
