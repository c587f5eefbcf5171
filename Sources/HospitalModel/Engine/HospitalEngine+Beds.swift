import Foundation
import PatientTwin
import Simulation

/// Who is served first when a bed frees: escalations to critical care, then step-downs from it, then patients
/// after an operation, then ED boarders, then everyone else; in arrival order within each.
enum WaitPriority {
    static let escalation = 0
    static let stepDown = 1
    static let postOperative = 2
    static let emergencyDepartment = 3
    static let other = 4
}

/// Beds and moves between units: a patient whose stay is over asks for the unit its twin drew next; it moves when
/// a bed is free there — open (escalation beds included), clean, and staffed — and waits where it is until then
/// (boarding in ED, blocked in ICU, in recovery…). A ward patient whose home wards are full may outlie.
extension HospitalEngine {
    /// What the bed board knows of a patient: the bed it waits for, the level of care it is counted at, a bed held
    /// for it.
    struct BedRequest {
        /// The state the patient waits to move to (nil when not waiting).
        var target: CareState?
        /// The level of care counted on its unit now.
        var level = LevelOfCare.level0
        /// Whether it is in a bed of a unit that is not its specialty's.
        var isOutlier = false
        /// True once the patient has deteriorated in its current stay.
        var deteriorated = false
        /// A bed booked for after an operation (unit index), or -1.
        var reservedUnit: Int32 = -1
        /// A ward (unit index) whose due discharge this post-operative patient counts on, or -1 (see `claimBed`).
        var claimedUnit: Int32 = -1
    }

    /// A patient's planned discharge.
    struct DischargePlan {
        /// When it was ready to leave (simulation minutes); NaN before.
        var readyAt = Double.nan
        /// When the planned discharge will happen (simulation minutes); .infinity when none is planned.
        var at = Double.infinity
        /// From when it waits for a discharge window only: ready, and its care-home place found (simulation minutes).
        var windowFrom = Double.nan
    }

    // MARK: Asking for a bed

    /// Asks for a move of `p` to `state`. Returns true when the patient moved (or, for a theatre, was granted or
    /// queued with the kernel); false when it waits for a bed, where it is.
    @discardableResult
    mutating func requestMove(_ p: Int32, to state: CareState, priority: Int, in simulation: inout Simulation<Self>) -> Bool {
        switch state {
        case .theatre:
            patients[Int(p)].bed.target = .theatre
            patients[Int(p)].surgery.emergencyRequest = simulation.request(emergencyRooms, tag: .emergencyTheatre(p))
            return true
        case .recovery:
            if hasFreeRecoveryBay {
                enterRecovery(p, in: &simulation)
                return true
            }
            patients[Int(p)].bed.target = .recovery
            recoveryWaiting.append(p)
            return false
        case .ed, .dischargedHome, .dischargedCareHome, .died:
            preconditionFailure("a move to \(state.rawValue) is not a bed request")
        case .assessmentUnit, .ward, .strokeUnit, .icu, .hdu:
            let reserved = patients[Int(p)].bed.reservedUnit
            if reserved >= 0, beds.units[Int(reserved)].kind.careState == state
                || (state == .strokeUnit && beds.units[Int(reserved)].kind == .ward)
            {
                admit(p, to: Int(reserved), as: state, usingReservation: true, outlier: false, in: &simulation)
                return true
            }
            releaseReservation(p, in: &simulation)
            if let (unit, outlier) = findBed(for: p, state: state, allowOutlying: true) {
                admit(p, to: unit, as: state, usingReservation: false, outlier: outlier, in: &simulation)
                return true
            }
            patients[Int(p)].bed.target = state
            beds.waiting.append(WaitingPatient(patient: p, state: state, priority: priority, since: simulation.now,
                                          candidates: candidateKey(p, state),
                                          level: arrivalLevel(p, in: state)))
            return false
        }
    }

    /// Gives back a bed booked for the patient after its operation, or its claim on a due discharge (it is going
    /// where its bed is found now, or leaving).
    mutating func releaseReservation(_ p: Int32, in simulation: inout Simulation<Self>) {
        let claimed = patients[Int(p)].bed.claimedUnit
        if claimed >= 0 {
            patients[Int(p)].bed.claimedUnit = -1
            beds.units[Int(claimed)].claims -= 1
            if let position = beds.claimants.firstIndex(of: p) { beds.claimants.remove(at: position) }
        }
        let unit = patients[Int(p)].bed.reservedUnit
        guard unit >= 0 else { return }
        patients[Int(p)].bed.reservedUnit = -1
        beds.units[Int(unit)].occupied -= 1
        unitChanged(Int(unit), in: &simulation)
    }

    /// Takes a patient off the waiting list.
    mutating func cancelWait(_ p: Int32) {
        if let position = beds.waiting.firstIndex(where: { $0.patient == p }) { beds.waiting.remove(at: position) }
        patients[Int(p)].bed.target = nil
    }

    /// A unit with a bed for `p` in `state` now: a home unit first, else — when outlying is allowed — another.
    /// Opens the unit's escalation beds if it takes the patient into them.
    mutating func findBed(for p: Int32, state: CareState, allowOutlying: Bool) -> (Int, outlier: Bool)? {
        guard let found = bedWithRoom(for: p, state: state, allowOutlying: allowOutlying) else { return nil }
        beds.openEscalationIfNeeded(found.0, now: now)
        return found
    }

    /// The unit `findBed` would choose, without opening anything: a home unit with room first, else — when outlying
    /// is allowed — another.
    @inline(__always)
    func bedWithRoom(for p: Int32, state: CareState, allowOutlying: Bool) -> (Int, outlier: Bool)? {
        let level = arrivalLevel(p, in: state)
        let key = candidateKey(p, state)
        for unit in beds.candidateTable[key].home where beds.hasRoom(level, in: unit) { return (unit, false) }
        guard allowOutlying && configuration.outlying.allowed else { return nil }
        for unit in beds.candidateTable[key].outlying where beds.hasRoom(level, in: unit) { return (unit, true) }
        return nil
    }

    /// The index of a patient's candidate units for `state` in the bed board's `candidateTable`.
    @inline(__always)
    func candidateKey(_ p: Int32, _ state: CareState) -> Int {
        BedBoard.candidateKey(elective: !patients[Int(p)].twin.pathway.isEmergency, state: state,
                              specialty: patients[Int(p)].twin.attributes.specialty)
    }

    // MARK: Moving

    /// Moves `p` into a bed of `unit` as a twin in `state`: it leaves where it was (freeing that place), steps
    /// its twin, and draws its stay there.
    mutating func admit(_ p: Int32, to unit: Int, as state: CareState, usingReservation: Bool, outlier: Bool,
                        in simulation: inout Simulation<Self>)
    {
        let now = simulation.now
        if patients[Int(p)].bed.target != nil { cancelWait(p) }
        if case .unit(let current) = patients[Int(p)].place, Int(current) == unit {
            // The same bed, a new state (an assessment stay on a ward that stands in for the assessment unit).
            beds.units[unit].byLevel[patients[Int(p)].bed.level] -= 1
        } else {
            // The bed is taken before the old place is left: leaving sets off moves (a bed freed, a waiting patient
            // admitted, a chain of them) that could otherwise fill the bed this patient was given.
            if !usingReservation { beds.units[unit].occupied += 1 }
            leavePlace(p, admitted: true, in: &simulation)
        }
        patients[Int(p)].bed.reservedUnit = -1
        var arrivalNEWS2: Int?
        if state == .ward, let poisson = wardArrivalNEWS2 { arrivalNEWS2 = wardArrivalNEWS2(p, poisson) }
        patients[Int(p)].twin.step(to: state, at: epoch(now))
        if let arrivalNEWS2 {
            do { try patients[Int(p)].twin.apply(Observation(minute: epoch(now), .news2(arrivalNEWS2))) } catch {
                preconditionFailure("a twin arriving on a ward takes an observation: \(error)")
            }
        }
        let level = patients[Int(p)].twin.levelOfCare
        patients[Int(p)].bed.level = level
        patients[Int(p)].place = .unit(Int32(unit))
        note(p, .enteredUnit(unit))
        if let arrivalNEWS2 { note(p, .observed(news2: arrivalNEWS2)) }
        patients[Int(p)].bed.isOutlier = outlier
        patients[Int(p)].bed.deteriorated = false
        beds.units[unit].byLevel[level] += 1
        if measuring(now) {
            beds.units[unit].admissions += 1
            if outlier { beds.units[unit].outliersHosted += 1 }
        }
        drawStay(p, at: now)
        scheduleStayEnd(p, in: &simulation)
        beds.updateMonitor(unit, at: now)
        updateSafety(unit)
        if audit { auditAdmission(to: unit, reserved: usingReservation) }
    }

    /// The NEWS2 of the first observations on a ward for the patient's next stay: drawn from the population's
    /// settled distribution with the stream of (patient, spell, the stay's step) — so the same in every scenario,
    /// and known before the move, when the ward checks it can staff the patient.
    @inline(__always)
    func wardArrivalNEWS2(_ p: Int32, _ poisson: Poisson) -> Int {
        let key = streamKey(p)
        var stream = deteriorationFamily.stream(key.id, key.spell, (key.step + 1) | 2 << 32)
        return min(20, poisson.sample(using: &stream))
    }

    /// The level of care the patient will need on arrival in `state` (with its ward-arrival NEWS2 on a ward).
    @inline(__always)
    func arrivalLevel(_ p: Int32, in state: CareState) -> LevelOfCare {
        if state == .ward, let poisson = wardArrivalNEWS2 {
            return LevelOfCare.required(in: .ward, news2: wardArrivalNEWS2(p, poisson))
        }
        return LevelOfCare.required(in: state, news2: patients[Int(p)].twin.latestNEWS2)
    }

    /// Draws the twin's current stay from its own streams (`TrajectoryPredictor.drawStay`).
    mutating func drawStay(_ p: Int32, at now: Double, rank: Double? = nil) {
        do {
            patients[Int(p)].stay = try predictor.drawStay(for: patients[Int(p)].twin, at: epoch(now), streams: twinStreams,
                                                           rank: rank)
        } catch {
            preconditionFailure("a patient in hospital has a stay to draw: \(error)")
        }
    }

    /// Schedules the end of the patient's stay in its unit (stretched for an outlier) and, on a ward-level unit, a
    /// deterioration if one comes first.
    mutating func scheduleStayEnd(_ p: Int32, in simulation: inout Simulation<Self>) {
        guard let stay = patients[Int(p)].stay else { return }
        let now = simulation.now
        var end = max(now, clock.minute(atEpochMinute: stay.endMinute))
        if patients[Int(p)].bed.isOutlier { end = now + (end - now) * configuration.outlying.stayMultiplier }
        patients[Int(p)].token &+= 1
        let token = patients[Int(p)].token
        simulation.schedule(.stayEnds(p, token: token), at: end)
        let rate = configuration.deterioration.ratePerDay
        guard rate > 0, !patients[Int(p)].bed.deteriorated, case .unit(let unit) = patients[Int(p)].place,
              !beds.units[Int(unit)].kind.isCriticalCare
        else { return }
        let key = streamKey(p)
        var stream = deteriorationFamily.stream(key.id, key.spell, key.step)
        let at = now - log(stream.nextUniform()) / rate * 1440
        if at < end { simulation.schedule(.deteriorate(p, token: token), at: at) }
    }

    /// Where the patient was: its ED cubicle, its bed (to be cleaned), its recovery bay or its theatre.
    mutating func leavePlace(_ p: Int32, admitted: Bool, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        switch patients[Int(p)].place {
        case .none:
            break
        case .emergencyDepartment:
            leaveEmergencyDepartment(p, as: admitted ? .admitted : .notAdmitted, now: now, in: &simulation)
        case .unit(let unit):
            vacate(p, unit: Int(unit), in: &simulation)
        case .recovery:
            recoveryInUse -= 1
            patients[Int(p)].place = .none
            recoveryFreed(in: &simulation)
        case .theatre(let room):
            patients[Int(p)].place = .none
            theatreRoomVacated(Int(room), in: &simulation)
        case .emergencyTheatre:
            if let room = patients[Int(p)].surgery.emergencyRequest { simulation.release(room) }
            patients[Int(p)].surgery.emergencyRequest = nil
        case .sameDayEmergencyCare:
            preconditionFailure("a patient in same-day emergency care goes home from it, never to another place")
        }
        patients[Int(p)].place = .none
    }

    /// The patient leaves its bed; the bed is cleaned (if the unit says so) and then free for the next.
    mutating func vacate(_ p: Int32, unit: Int, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        beds.units[unit].occupied -= 1
        beds.units[unit].byLevel[patients[Int(p)].bed.level] -= 1
        if let stayEnd = patients[Int(p)].stay?.endMinute, measuring(now) {
            let clinicalEnd = max(clock.minute(atEpochMinute: stayEnd), warmUpMinutes)
            let waited = max(0, now - clinicalEnd)
            beds.units[unit].waitingBedMinutes += waited
            // The same wait by pathway and state, and the clinical stay before it, from entering the state.
            let twin = patients[Int(p)].twin
            // Leaving on a planned discharge (`discharge` clears the plan's time first): its wait from `windowFrom` on
            // was for the window.
            let leaving = patients[Int(p)].discharge.at == .infinity && !patients[Int(p)].discharge.windowFrom.isNaN
            let window = leaving ? min(waited, max(0, now - max(patients[Int(p)].discharge.windowFrom, warmUpMinutes))) : 0
            recorder.measures.recordBedStay(pathway: twin.pathway, state: twin.state,
                                            clinical: max(0, min(now, clock.minute(atEpochMinute: stayEnd))
                                                - clock.minute(atEpochMinute: twin.stateSince)),
                                            waiting: waited, window: window)
        }
        patients[Int(p)].place = .none
        if let turnaround = beds.configurations[unit].turnaroundMinutes {
            let key = streamKey(p)
            var stream = patientFamily.stream(key.id, key.spell, 100 + key.step)
            beds.units[unit].cleaning += 1
            simulation.schedule(.cleaningDone(Int32(unit)), after: turnaround.sample(using: &stream))
        }
        unitChanged(unit, in: &simulation)
    }

    /// The position in the bed board's claimants of the first patient counting on a discharge due on `unit`.
    @inline(__always)
    func firstClaimant(on unit: Int) -> Int? {
        for (position, p) in beds.claimants.enumerated() where patients[Int(p)].bed.claimedUnit == unit { return position }
        return nil
    }

    /// A unit's beds or nurses changed: a bed counted on by a post-operative patient is booked for it first, then
    /// the waiting patients the unit can now take move in, the best first.
    mutating func unitChanged(_ unit: Int, in simulation: inout Simulation<Self>) {
        beds.updateMonitor(unit, at: now)
        updateSafety(unit)
        while beds.units[unit].claims > 0, let position = firstClaimant(on: unit) {
            // The level is asked for before the bed board is, so that neither call copies the engine.
            let claimant = beds.claimants[position]
            let level = arrivalLevel(claimant, in: .ward)
            guard beds.hasRoom(level, in: unit) else { break }
            let p = beds.claimants.remove(at: position)  // = claimant
            beds.openEscalationIfNeeded(unit, now: now)
            patients[Int(p)].bed.claimedUnit = -1
            beds.units[unit].claims -= 1
            beds.units[unit].occupied += 1
            patients[Int(p)].bed.reservedUnit = Int32(unit)
            beds.updateMonitor(unit, at: now)
        }
        while let next = beds.nextWaiting(for: unit) {
            beds.openEscalationIfNeeded(unit, now: now)
            admit(next.patient, to: unit, as: next.state, usingReservation: false, outlier: next.outlier, in: &simulation)
        }
        beds.closeEscalationIfPossible(unit, now: now, warmUpMinutes: warmUpMinutes)
        if let fcp = configuration.fullCapacityProtocol { beds.closeExtraPlacesIfPossible(unit, extra: fcp.extraPatientsPerWard) }
        beds.updateMonitor(unit, at: now)
    }

    /// The ED's boarders changed: the full-capacity protocol is declared when they reach its trigger (every
    /// general ward then takes waiting patients into its extra places) and stood down when they fall to its level.
    mutating func boardersChanged(in simulation: inout Simulation<Self>) {
        guard let fcp = configuration.fullCapacityProtocol else { return }
        if beds.fullCapacitySince == nil, department.boarders >= fcp.declareAtBoarders {
            beds.declareFullCapacity(extra: fcp.extraPatientsPerWard, now: now)
            for unit in beds.units.indices where beds.units[unit].extraPlacesOpen { unitChanged(unit, in: &simulation) }
        } else if beds.fullCapacitySince != nil, department.boarders <= fcp.standDownAtBoarders {
            // The wards' extra places close as each ward next changes (`unitChanged`), not here: a boarder leaving
            // ED is on its way into a bed that may be one of them.
            beds.standDownFullCapacity(now: now, warmUpMinutes: warmUpMinutes)
        }
    }

    // MARK: Stays ending

    /// The clinical stay in the current place is over: the patient dies, goes home (when a discharge window and a
    /// placement allow), or asks for the next unit.
    mutating func stayEnds(_ p: Int32, in simulation: inout Simulation<Self>) {
        guard let stay = patients[Int(p)].stay else { return }
        let place = patients[Int(p)].place
        if stay.next == .died {
            leavePlace(p, admitted: false, in: &simulation)
            end(p, as: .died, in: &simulation)
            return
        }
        if stay.next.isDischarge {
            if place == .recovery {  // a day case goes home from recovery
                leavePlace(p, admitted: false, in: &simulation)
                end(p, as: stay.next, in: &simulation)
            } else {
                planDischarge(p, to: stay.next, in: &simulation)
            }
            return
        }
        let priority: Int = switch place {
        case .unit(let unit) where beds.units[Int(unit)].kind.isCriticalCare: WaitPriority.stepDown
        case .unit where stay.next == .icu || stay.next == .hdu: WaitPriority.escalation
        case .recovery: WaitPriority.postOperative
        default: WaitPriority.other
        }
        requestMove(p, to: stay.next, priority: priority, in: &simulation)
    }

    /// A patient ready to go home or to a care home leaves at the first discharge window after its placement is
    /// ready; meanwhile it keeps its bed (a delayed discharge). A census patient ready since before the run
    /// (`discharge.readyAt` set) has waited already: its placement is drawn given the wait so far, and only the
    /// windows from now on are tried (those before declined it).
    mutating func planDischarge(_ p: Int32, to destination: CareState, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        let key = streamKey(p)
        let since = patients[Int(p)].discharge.readyAt.isNaN ? now : min(now, patients[Int(p)].discharge.readyAt)
        var ready = now
        var stream = patientFamily.stream(key.id, key.spell, 4)
        if destination == .dischargedCareHome, let placement = configuration.discharge.careHomePlacementDays {
            ready = max(now, since + placement.sample(exceeding: (now - since) / 1440, using: &stream) * 1440)
        }
        let leave = dischargeMinute(readyAt: ready, using: &stream)
        patients[Int(p)].discharge.readyAt = since
        patients[Int(p)].discharge.windowFrom = ready
        patients[Int(p)].discharge.at = leave
        patients[Int(p)].bed.target = destination
        simulation.schedule(.discharge(p, token: patients[Int(p)].token), at: leave)
    }

    /// The first minute at or after `ready` in a discharge window that takes the patient (a window with a share
    /// below 1 takes each ready patient with that probability, one uniform per window reached). With no windows,
    /// `ready` itself; after three weeks of windows that all declined, the next opening.
    func dischargeMinute(readyAt ready: Double, using stream: inout RandomStream) -> Double {
        let openings = dischargeOpenings
        guard !openings.isEmpty else { return ready }
        let local = clock.localMinutesSinceEpoch(atMinute: ready)
        let weekStart = Self.weekStart(ofLocalMinute: local)
        var first: Double?
        for week in 0..<3 {
            for opening in openings {
                let open = weekStart + Double(week) * 10_080 + opening.open
                let close = weekStart + Double(week) * 10_080 + opening.close
                guard close > local else { continue }
                let at = clock.minute(atLocalMinutesSinceEpoch: max(open, local))
                if first == nil { first = at }
                if opening.share >= 1 || stream.nextUniform() < opening.share { return max(at, ready) }
            }
        }
        return max(first ?? ready, ready)
    }

    /// The local minute (since the epoch) of the Monday 00:00 that begins the week of `local`.
    static func weekStart(ofLocalMinute local: Double) -> Double {
        let day = (local / 1440).rounded(.down)
        return (day - Double(Weekday(daysSinceEpoch: day).rawValue - 1)) * 1440
    }

    /// The discharge windows as openings in the local week (minutes from Monday 00:00), in time order.
    static func weeklyOpenings(_ windows: [DischargeWindow]) -> [(open: Double, close: Double, share: Double)] {
        var openings: [(open: Double, close: Double, share: Double)] = []
        for window in windows {
            for weekday in window.weekdays {
                let open = Double((weekday.rawValue - 1) * 1440 + window.from.minuteOfDay)
                var close = Double((weekday.rawValue - 1) * 1440 + window.to.minuteOfDay)
                if window.to <= window.from { close += 1440 }
                openings.append((open, close, window.share))
            }
        }
        return openings.sorted { $0.open < $1.open }
    }

    /// The discharge happens: the bed is freed, the twin leaves, and its readmission is drawn.
    mutating func discharge(_ p: Int32, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        guard let destination = patients[Int(p)].bed.target else { return }
        let ready = patients[Int(p)].discharge.readyAt
        patients[Int(p)].bed.target = nil
        patients[Int(p)].discharge.at = .infinity
        if measuring(now) {
            if now - ready >= 1440 { recorder.measures.patients.delayedDischarges += 1 }
            recorder.measures.minutesAwaitingDischarge += now - max(ready, warmUpMinutes)
        }
        leavePlace(p, admitted: false, in: &simulation)
        end(p, as: destination, in: &simulation)
    }

    /// The patient leaves hospital as `destination` (home, care home, died): its twin's spell ends, the flows and
    /// the spell's measures count it, and a readmission is drawn for one discharged alive from an inpatient spell.
    mutating func end(_ p: Int32, as destination: CareState, in simulation: inout Simulation<Self>) {
        let now = simulation.now
        let inpatient = patients[Int(p)].twin.step > 0 || patients[Int(p)].twin.state != .ed
        releaseReservation(p, in: &simulation)
        note(p, .left(HospitalMovement.Departure(destination)))
        patients[Int(p)].twin.step(to: destination, at: epoch(now))
        inHospital -= 1
        if destination == .died { recorder.flows.died += 1 } else { recorder.flows.discharged += 1 }
        guard inpatient else {
            release(p)
            return
        }
        if destination != .died { recorder.flows.inpatientDischarges? += 1 }
        if measuring(now) {
            let spellStart = clock.minute(atEpochMinute: patients[Int(p)].twin.spellStart)
            let midnights = Int(clock.localDay(atMinute: now) - clock.localDay(atMinute: spellStart))
            recorder.measures.recordSpell(pathway: patients[Int(p)].twin.pathway, minutes: now - spellStart, midnights: midnights,
                                          month: months.index(of: now))
        }
        guard destination != .died else {
            if measuring(now) { recorder.measures.patients.deaths += 1 }
            release(p)
            return
        }
        censusTaker?.noteDischarge(patients[Int(p)].twin, at: now)
        let readmission = predictor.drawReadmission(for: patients[Int(p)].twin, streams: twinStreams)
        if measuring(now), let lace = readmission.lace {
            recorder.measures.recordDischarge(of: patients[Int(p)].twin.attributes, lace: lace.total,
                                              followed: now + 30 * 1440 <= endMinute,
                                              readmitted: readmission.delayMinutes != nil)
        }
        guard let delay = readmission.delayMinutes, now + delay < endMinute else {
            release(p)
            return
        }
        simulation.schedule(.readmission(p), after: delay)  // the record waits, out of hospital, with its twin
    }

    // MARK: Deterioration

    /// An acute deterioration: the twin's NEWS2 rises; its stay and next unit are drawn again from the same
    /// numbers with the new NEWS2; at a high NEWS2 a move to critical care happens within the response time.
    mutating func deteriorate(_ p: Int32, in simulation: inout Simulation<Self>) {
        guard case .unit(let unit) = patients[Int(p)].place else { return }
        let now = simulation.now
        let key = streamKey(p)
        let policy = configuration.deterioration
        var stream = deteriorationFamily.stream(key.id, key.spell, key.step | 1 << 32)
        let span = policy.news2Range.upperBound - policy.news2Range.lowerBound + 1
        let news2 = policy.news2Range.lowerBound + stream.nextInt(below: span)
        // The stay keeps its rank among the stays that have lasted as long: drawn again from it, its length has
        // the model's law given the time elapsed and the new NEWS2 — what a forecast from a census draws.
        let rank = patients[Int(p)].stay.flatMap { predictor.survivalRank(of: $0, for: patients[Int(p)].twin, at: epoch(now)) }
        do { try patients[Int(p)].twin.apply(Observation(minute: epoch(now), .news2(news2))) } catch {
            preconditionFailure("a twin in a bed takes an observation: \(error)")
        }
        note(p, .observed(news2: news2))
        if measuring(now) { recorder.measures.deteriorations += 1 }
        patients[Int(p)].bed.deteriorated = true  // one deterioration a stay: its draws are keyed by the stay
        let oldLevel = patients[Int(p)].bed.level
        let newLevel = patients[Int(p)].twin.levelOfCare
        beds.units[Int(unit)].byLevel[oldLevel] -= 1
        beds.units[Int(unit)].byLevel[newLevel] += 1
        patients[Int(p)].bed.level = newLevel
        drawStay(p, at: now, rank: rank)
        if let stay = patients[Int(p)].stay, news2 >= policy.escalationNEWS2, stay.next == .icu || stay.next == .hdu {
            let end = min(clock.minute(atEpochMinute: stay.endMinute), now + policy.responseMinutes)
            patients[Int(p)].stay = stay.ending(at: epoch(end))
            patients[Int(p)].bed.isOutlier = false  // an escalation is not slowed by outlying
        }
        scheduleStayEnd(p, in: &simulation)
        updateSafety(Int(unit))
    }
}

extension UnitKind {
    /// The level of care of a typical patient in a unit of this kind, for counting staffed beds.
    var baseLevel: LevelOfCare {
        switch self {
        case .ward: .level0
        case .assessmentUnit, .strokeUnit: .level1
        case .hdu: .level2
        case .icu: .level3
        }
    }
}

extension Specialty {
    /// Position in `allCases`, without a search.
    var index: Int {
        switch self {
        case .generalMedicine: 0
        case .geriatrics: 1
        case .cardiology: 2
        case .respiratory: 3
        case .strokeMedicine: 4
        case .generalSurgery: 5
        case .traumaOrthopaedics: 6
        case .urology: 7
        case .gynaecology: 8
        case .other: 9
        }
    }
}
