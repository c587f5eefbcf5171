import Foundation
import PatientTwin
import Simulation

/// The elective theatre suite of one replication, present only when the scenario has theatres: its configuration,
/// the rooms, the session plan unrolled over the run, and the elective waiting lists, with what it can answer from
/// them alone (which sessions start when, a session's times, referral times, closing a session). Booking a list,
/// starting a case and finding its bed involve patients and beds: the engine's (`HospitalEngine+Theatres`).
/// Docs/HOSPITAL-MODEL.md, "Theatres".
struct TheatreSuite {
    /// The scenario's theatres.
    let configuration: TheatreConfiguration

    struct Room {
        /// The session running, if any.
        var session: Session?
        /// Patients booked on the running session's list, in order.
        var list: [Int32] = []
        /// The patient being operated on or waiting in the room for recovery or a bed, or -1.
        var patient: Int32 = -1
        /// True while the room is being turned around between cases.
        var turningAround = false
        var caseStart = 0.0
        var lastCaseEnd = 0.0
    }

    struct Session {
        let room: Int
        let start: Double
        let end: Double
        /// The elective demand whose list it draws from, or -1 (no demand for its specialty).
        let demand: Int
    }

    /// A specialty's waiting list: patients returned after a cancellation first (by referral), then the rest in
    /// referral order. Positions run over both in that order; a patient booked from the middle leaves a hole (-1)
    /// in the queue, skipped and compacted away.
    struct WaitingList {
        var returned: [Int32] = []
        var queue: [Int32] = []
        var head = 0
        /// Patients waiting.
        private(set) var count = 0

        mutating func append(_ p: Int32) {
            queue.append(p)
            count += 1
        }

        /// Positions of the waiting patients (and holes), in list order.
        var positions: Range<Int> { 0..<(returned.count + queue.count - head) }

        /// The patient at `position`, or -1 for a hole.
        func patient(at position: Int) -> Int32 {
            position < returned.count ? returned[position] : queue[head + position - returned.count]
        }

        /// Takes the patients at `taken` (ascending positions) off the list.
        mutating func remove(at taken: [Int]) {
            guard !taken.isEmpty else { return }
            let fromReturned = taken.prefix { $0 < returned.count }
            for position in taken.dropFirst(fromReturned.count) { queue[head + position - returned.count] = -1 }
            for position in fromReturned.reversed() { returned.remove(at: position) }
            count -= taken.count
            while head < queue.count && queue[head] < 0 { head += 1 }
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
        }

        /// Puts patients back at the top, ahead of the queue, in the order given.
        mutating func putBack(_ patients: [Int32]) {
            returned.insert(contentsOf: patients, at: 0)
            count += patients.count
        }
    }

    var rooms: [Room]
    /// Each weekly plan line's demand (an index into `lists`), or -1 when nobody waits for its specialty.
    let planDemand: [Int]
    /// The next day of the run whose sessions are still to be scheduled.
    var sessionDaysScheduled = 0
    /// The rooms (0-based) whose session was under way when the run began, in plan order.
    var underWayAtStart: [Int] = []
    var lists: [WaitingList]
    var referralStreams: [RandomStream]
    var referralCounts: [UInt64]
    /// Where removals from the lists draw: one stream per (list, day), so they change nothing else.
    let removalFamily: StreamFamily
    /// Patients removed from the lists without an operation, in the measured window.
    var removed = 0
    var running = 0

    var waitingListCount: Int { lists.reduce(0) { $0 + $1.count } }

    /// The rooms and empty waiting lists of `configuration`; referrals draw from `streams`' "referrals" family.
    init(_ configuration: TheatreConfiguration, streams: RandomStreams) {
        let family = streams.family("referrals")
        removalFamily = streams.family("list-removals")
        self.configuration = configuration
        rooms = [Room](repeating: Room(), count: configuration.rooms)
        planDemand = configuration.sessions.map { plan in configuration.demand.firstIndex { $0.specialty == plan.specialty } ?? -1 }
        lists = [WaitingList](repeating: WaitingList(), count: configuration.demand.count)
        referralStreams = configuration.demand.indices.map { family.stream(UInt64($0)) }
        referralCounts = [UInt64](repeating: 0, count: configuration.demand.count)
    }

    /// The sessions of the weekly plan on the run's days not yet unrolled, through day `day` (day 0 starts at
    /// local day `firstLocalDay`): their start minutes and plan lines, in time then room order, each before `end`,
    /// one under way at minute 0 starting then; none on a public holiday (local days since 1970-01-01) unless the
    /// configuration runs them.
    mutating func sessionStarts(throughDay day: Int, firstLocalDay: Double, clock: SimulationClock, end: Double,
                                publicHolidays: Set<Int>) -> [(minute: Double, plan: Int)]
    {
        var due: [(minute: Double, plan: Int)] = []
        while sessionDaysScheduled <= day {
            let local = firstLocalDay + Double(sessionDaysScheduled)
            if !configuration.sessionsOnPublicHolidays && publicHolidays.contains(Int(local)) {
                sessionDaysScheduled += 1
                continue
            }
            let weekday = Weekday(daysSinceEpoch: local)
            var starts: [(minute: Double, room: Int, plan: Int)] = []
            for (index, plan) in configuration.sessions.enumerated() where plan.weekday == weekday {
                let window = configuration.window(plan.period)
                let start = clock.minute(atLocal: LocalDateTime(localMinutesSinceEpoch: local * 1440 + Double(window.start.minuteOfDay)))
                let ends = clock.minute(atLocal: LocalDateTime(localMinutesSinceEpoch: local * 1440 + Double(window.end.minuteOfDay)))
                if start >= 0 && start < end {
                    starts.append((start, plan.room, index))
                } else if start < 0 && ends > 0 && 0 < end {
                    // Under way when the run begins (a forecast from an afternoon census): the rest of it is held,
                    // its list booked for the time left; the census holds the cases already begun, its patients in
                    // theatre taking these rooms first (`HospitalEngine.admitToTheatres`).
                    starts.append((0, plan.room, index))
                    underWayAtStart.append(plan.room - 1)
                }
            }
            for start in starts.sorted(by: { ($0.minute, $0.room) < ($1.minute, $1.room) }) { due.append((start.minute, start.plan)) }
            sessionDaysScheduled += 1
        }
        return due
    }

    /// The session of weekly plan line `index` starting at `now`.
    func session(ofPlan index: Int, at now: Double, clock: SimulationClock) -> Session {
        let plan = configuration.sessions[index]
        let window = configuration.window(plan.period)
        let day = clock.localDay(atMinute: now)
        var end = clock.minute(atLocal: LocalDateTime(localMinutesSinceEpoch: day * 1440 + Double(window.end.minuteOfDay)))
        if end <= now { end += 1440 }  // a session running past midnight
        return Session(room: plan.room - 1, start: now, end: end, demand: planDemand[index])
    }

    /// The patients to remove today from `demand`'s list without an operation (validated off, treated elsewhere,
    /// no longer wanting it): each of the list's patients leaves with rate `listRemovalsPerYear`, so today's count
    /// is Poisson with mean count × rate / 365, and who leaves is drawn uniformly from those listed. Positions in
    /// ascending order; empty without a removal rate (nothing is then drawn).
    func removals(from demand: Int, onDay day: Int) -> [Int] {
        let rate = configuration.listRemovalsPerYear
        guard rate > 0, lists[demand].count > 0 else { return [] }
        var stream = removalFamily.stream(UInt64(demand), UInt64(bitPattern: Int64(day)))
        let mean = Double(lists[demand].count) * rate / 365
        // Poisson by inversion: a handful a day at most.
        var count = 0, term = exp(-mean), sum = term
        let u = stream.nextUniform()
        while u > sum && count < lists[demand].count {
            count += 1
            term *= mean / Double(count)
            sum += term
        }
        guard count > 0 else { return [] }
        var listed = lists[demand].positions.filter { lists[demand].patient(at: $0) >= 0 }
        var chosen: [Int] = []
        for _ in 0..<min(count, listed.count) {
            let pick = min(Int(stream.nextUniform() * Double(listed.count)), listed.count - 1)
            chosen.append(listed.remove(at: pick))
        }
        return chosen.sorted()
    }

    /// The minutes to the next referral to `demand`'s list, drawn from its stream; nil when nobody is referred.
    mutating func nextReferralGap(_ demand: Int) -> Double? {
        let perWeek = configuration.demand[demand].referralsPerWeek
        guard perWeek > 0 else { return nil }
        return -(7 * 1440 / perWeek) * log(referralStreams[demand].nextUniform())
    }

    /// Counts a new referral to `demand`'s list and returns its patient's id (the same in every scenario for the
    /// same list and count).
    mutating func newReferral(_ demand: Int) -> PatientID {
        referralCounts[demand] += 1
        return PatientID((UInt64(demand + 1) << 40 | referralCounts[demand]) &* 0x9E37_79B9_7F4A_7C15 ^ 0x454C_4543_5449_5645)
    }

    /// Ends the session running in `room`, if any, and frees its team: returns it with the room's last case end.
    mutating func closeSession(in room: Int) -> (session: Session, lastCaseEnd: Double)? {
        guard let session = rooms[room].session else { return nil }
        rooms[room].session = nil
        running -= 1
        return (session, rooms[room].lastCaseEnd)
    }
}

extension HospitalEngine {
    /// What the theatres know of a patient: its place on an elective list, the bed it will need, its emergency
    /// operation.
    struct SurgeryCase {
        /// Its elective demand (an index into the theatres' lists), or -1 (not an elective patient).
        var demand: Int32 = -1
        /// When it was referred to the list (simulation minutes).
        var referralMinute = 0.0
        /// The bed it is expected to need after its operation, read at referral from its own draws (nil: a day
        /// case).
        var plannedBed: CareState?
        /// Its request for an emergency theatre, while it waits for or holds one.
        var emergencyRequest: RequestID?
        /// When its latest operation started (simulation minutes): an emergency operation's operating minutes, and
        /// when a census holds it went to theatre.
        var operationStart = Double.nan
    }
}

/// Operating theatres: elective lists booked from the waiting lists at each session's start (by the expected
/// procedure time the twin model gives each patient, and at a bed meeting only with patients whose bed is free or
/// due), each case started only if it fits and a bed is booked or due for after it — else cancelled on the day and
/// returned to the top of the list — and emergency operations in rooms open round the clock.
extension HospitalEngine {
    /// Today's removals from the waiting lists without an operation (`TheatreSuite.removals`).
    mutating func removeFromLists(onDay day: Int) {
        guard let rate = theatres?.configuration.listRemovalsPerYear, rate > 0, let lists = theatres?.lists.count else { return }
        for demand in 0..<lists {
            guard let leaving = theatres.map({ suite in
                suite.removals(from: demand, onDay: day).map { (position: $0, patient: suite.lists[demand].patient(at: $0)) }
            }), !leaving.isEmpty else { continue }
            theatres?.lists[demand].remove(at: leaving.map(\.position))
            if measuring(now) { theatres?.removed += leaving.count }
            for entry in leaving { release(entry.patient) }
        }
    }

    /// Schedules the sessions of the weekly plan through day `day` of the run (a day ahead, so nothing of the
    /// plan is unrolled beyond it).
    mutating func scheduleSessions(throughDay day: Int, in simulation: inout Simulation<Self>) {
        guard let starts = theatres?.sessionStarts(throughDay: day, firstLocalDay: firstLocalDay, clock: clock, end: endMinute,
                                                             publicHolidays: configuration.publicHolidays)
        else { return }
        for start in starts { simulation.schedule(.sessionStart(Int32(start.plan)), at: start.minute) }
    }

    /// The initial waiting lists (referred over the past, at the referral rate) and the first referrals and
    /// sessions.
    mutating func startTheatres(in simulation: inout Simulation<Self>) {
        guard let plan = theatres?.configuration else { return }
        for (demand, need) in plan.demand.enumerated() {
            let weeks = need.referralsPerWeek > 0 ? Double(need.initialWaitingList) / need.referralsPerWeek : 0
            for k in 0..<need.initialWaitingList {
                let referred = -weeks * 7 * 1440 * (Double(need.initialWaitingList - k) - 0.5) / Double(need.initialWaitingList)
                refer(demand, at: referred)
            }
            scheduleNextReferral(demand, in: &simulation)
        }
        scheduleSessions(throughDay: 1, in: &simulation)
    }

    mutating func scheduleNextReferral(_ demand: Int, in simulation: inout Simulation<Self>) {
        guard let gap = theatres?.nextReferralGap(demand) else { return }
        if now + gap < endMinute { simulation.schedule(.referral(Int32(demand)), at: now + gap) }
    }

    mutating func referral(_ demand: Int, in simulation: inout Simulation<Self>) {
        refer(demand, at: now)
        scheduleNextReferral(demand, in: &simulation)
    }

    /// A new patient on a specialty's waiting list, its attributes drawn from the population for its pathway.
    mutating func refer(_ demand: Int, at minute: Double) {
        guard let need = theatres?.configuration.demand[demand], let id = theatres?.newReferral(demand) else { return }
        var stream = patientFamily.stream(id.value)
        var attributes = generator.attributes(on: need.pathway, using: &stream)
        attributes.specialty = need.specialty
        let twin = PatientTwin(id: id, attributes: attributes, pathway: need.pathway, admittedAt: epoch(minute),
                               keepsHistory: false)
        let plannedBed = postOperativeBed(for: twin)
        let p = newPatient(twin)
        patients[Int(p)].surgery.demand = Int32(demand)
        patients[Int(p)].surgery.referralMinute = minute
        patients[Int(p)].surgery.plannedBed = plannedBed
        theatres?.lists[demand].append(p)
    }

    /// The minutes a planner books for a patient's operation: the twin model's expected duration for it.
    @inline(__always)
    func bookedMinutes(_ p: Int32) -> Double {
        predictor.meanSojourn(pathway: patients[Int(p)].twin.pathway, state: .theatre,
                              covariates: patients[Int(p)].twin.covariates)
    }

    /// A session starts: its list is booked from the waiting list — in list order, to the session's length by the
    /// cases' expected minutes and the turnarounds between them, and, at a bed meeting, only with patients whose
    /// bed after the operation is free or due; without a theatre team the session is cancelled.
    mutating func sessionStart(_ index: Int, in simulation: inout Simulation<Self>) {
        guard let plan = theatres?.configuration, let session = theatres?.session(ofPlan: index, at: now, clock: clock)
        else { return }
        let counted = measuring(now)
        if counted { recorder.measures.theatres.sessionsPlanned += 1 }
        var list: [Int32] = []
        if session.demand >= 0, let waiting = theatres?.lists[session.demand] {
            var booked = 0.0
            var length = session.end - session.start
            // A session under way when the run began (a census taken during it) books only the cases that fit in
            // the time it has left, after the operation a census patient has under way in its room — as its
            // booking had it: the expected length from when it began — and the turnaround. Its first case, which a
            // fresh session takes whatever its length, was booked at its start and has begun or is done. (Booked as
            // a fresh session, on the shadow hospital at 14:00 it operated on 4.7 more patients by midnight than
            // the hospital did, whose afternoon lists held about one case each; booked after the case's drawn end,
            // 2.5 more: a case that ends early leaves time the booking did not count on.)
            let underWay = now == 0 && theatres?.underWayAtStart.contains(session.room) == true
            if underWay, let room = theatres?.rooms[session.room], room.patient >= 0 {
                let caseStart = room.caseStart, busy = room.patient
                length = session.end - max(session.start, caseStart + bookedMinutes(busy)) - plan.turnaroundMinutes
            }
            var taken: [Int] = []
            var passedOver = false
            var noBed: Set<CareState> = []  // needs found without a bed: the list shares one specialty
            for position in waiting.positions {
                let p = waiting.patient(at: position)
                guard p >= 0 else { continue }
                let need = plan.bedMeeting ? patients[Int(p)].surgery.plannedBed : nil
                if let need, noBed.contains(need) {
                    passedOver = true
                    continue
                }
                let minutes = bookedMinutes(p) + (list.isEmpty ? 0 : plan.turnaroundMinutes)
                if (!list.isEmpty || underWay) && booked + minutes > length { break }
                if let need, !holdBed(for: p, state: need, dueBefore: session.end) {
                    noBed.insert(need)
                    passedOver = true
                    continue
                }
                taken.append(position)
                list.append(p)
                booked += minutes
            }
            theatres?.lists[session.demand].remove(at: taken)
            if counted && passedOver { recorder.measures.theatres.listsShortOfBeds += 1 }
        }
        if rosters.theatreTeamsRostered && rosters.theatreTeamsPresent - (theatres?.running ?? 0) < 1 {
            if counted { recorder.measures.cancel(list.count, for: \.noTheatreTeam, month: months.index(of: now)) }
            returnToList(list, in: &simulation)
            return
        }
        theatres?.running += 1
        if counted {
            recorder.measures.theatres.sessionsHeld += 1
            recorder.measures.theatres.sessionMinutes += session.end - session.start
            recorder.measures.months[months.index(of: now)].sessionMinutes += session.end - session.start
        }
        let room = session.room
        if theatres?.rooms[room].session != nil {
            // The list before this one overran into it (its case still running): it ends now, and the patients it
            // had not reached are cancelled on the day and go back to the top of their lists, their held beds given
            // back. (They were once dropped here, holding their beds for ever.)
            let rest = theatres?.rooms[room].list ?? []
            if !rest.isEmpty {
                if counted { recorder.measures.cancel(rest.count, for: \.listOverran, month: months.index(of: now)) }
                theatres?.rooms[room].list = []
                returnToList(rest, in: &simulation)
            }
            closeSession(room)
        }
        theatres?.rooms[room].session = session
        theatres?.rooms[room].list = list
        theatres?.rooms[room].lastCaseEnd = session.start
        if theatres?.rooms[room].patient ?? 0 < 0 && theatres?.rooms[room].turningAround == false {
            startNextCase(room, in: &simulation)
        }
    }

    /// Patients whose operation did not happen go back to the top of their list, in referral order; any bed held
    /// for them is given back.
    mutating func returnToList(_ list: [Int32], in simulation: inout Simulation<Self>) {
        for p in list {
            releaseReservation(p, in: &simulation)
            let demand = Int(patients[Int(p)].surgery.demand)
            theatres?.lists[demand].putBack([p])
        }
        guard var lists = theatres?.lists else { return }
        theatres?.lists = []  // sorted out of place, so the lists stay uniquely referenced
        for demand in lists.indices {
            lists[demand].returned.sort { patients[Int($0)].surgery.referralMinute < patients[Int($1)].surgery.referralMinute }
        }
        theatres?.lists = lists
    }

    /// An admitted patient has waited in ED past `releaseHeldBedsAfterMinutes`: the latest case still on today's
    /// lists whose bed is held (a free bed booked, or a discharge due claimed) on one of the patient's units is
    /// cancelled on the day for want of a bed, and the bed is given back to the bed board (which offers it to the
    /// waiting patients by priority).
    mutating func takeHeldBed(for p: Int32, in simulation: inout Simulation<Self>) {
        guard let next = patients[Int(p)].stay?.next, let rooms = theatres?.rooms else { return }
        let key = candidateKey(p, next)
        var latest: (room: Int, position: Int, unit: Int, start: Double)?
        for (room, state) in rooms.enumerated() {
            guard let session = state.session else { continue }
            for (position, elective) in state.list.enumerated() {
                let bed = patients[Int(elective)].bed
                let unit = Int(bed.reservedUnit >= 0 ? bed.reservedUnit : bed.claimedUnit)
                // Later in a list is later in the day; the list of a session that started later runs later.
                // A unit the patient may use: a home, or an outlying ward where outlying is allowed.
                if unit >= 0, beds.unitEligibility[unit][key] != .none,
                   latest.map({ ($0.start, $0.position) < (session.start, position) }) ?? true
                {
                    latest = (room, position, unit, session.start)
                }
            }
        }
        guard let latest else { return }
        let elective = rooms[latest.room].list[latest.position]
        theatres?.rooms[latest.room].list.remove(at: latest.position)
        if measuring(now) {
            recorder.measures.cancel(1, for: beds.units[latest.unit].kind.isCriticalCare ? \.noCriticalCareBed : \.noWardBed,
                                     month: months.index(of: now))
        }
        returnToList([elective], in: &simulation)
    }

    /// The bed meeting's hold on a bed for `p` after its operation in `state`: a free bed of its units is booked
    /// for it now and kept empty until it comes; with none free, a ward patient claims a discharge due before
    /// `minute` (`claimBed`). False when there is neither.
    mutating func holdBed(for p: Int32, state: CareState, dueBefore minute: Double) -> Bool {
        if let (unit, _) = findBed(for: p, state: state, allowOutlying: state == .ward) {
            beds.units[unit].occupied += 1
            patients[Int(p)].bed.reservedUnit = Int32(unit)
            beds.updateMonitor(unit, at: now)
            return true
        }
        return state == .ward && claimBed(for: p, before: minute)
    }

    /// Starts the next case on the room's list that fits and has a bed booked for afterwards; cancels those that
    /// do not; closes the session when the list is done.
    mutating func startNextCase(_ room: Int, in simulation: inout Simulation<Self>) {
        guard let plan = theatres?.configuration, let session = theatres?.rooms[room].session else { return }
        let counted = measuring(now)
        while let p = theatres?.rooms[room].list.first {
            theatres?.rooms[room].list.removeFirst()
            if now + bookedMinutes(p) > session.end + plan.allowedOverrunMinutes {
                let rest = theatres?.rooms[room].list ?? []
                if counted { recorder.measures.cancel(1 + rest.count, for: \.listOverran, month: months.index(of: now)) }
                theatres?.rooms[room].list = []
                returnToList([p] + rest, in: &simulation)
                break
            }
            // Admitted on the day: the twin's spell starts now, in theatre.
            let twin = PatientTwin(id: patients[Int(p)].twin.id, attributes: patients[Int(p)].twin.attributes,
                                   pathway: patients[Int(p)].twin.pathway, admittedAt: epoch(now), keepsHistory: false)
            patients[Int(p)].twin = twin
            let held = patients[Int(p)].bed.reservedUnit >= 0 || patients[Int(p)].bed.claimedUnit >= 0
            if !held, let need = postOperativeBed(for: twin) {
                if let (unit, _) = findBed(for: p, state: need, allowOutlying: need == .ward) {
                    beds.units[unit].occupied += 1
                    patients[Int(p)].bed.reservedUnit = Int32(unit)
                    beds.updateMonitor(unit, at: now)
                        } else if need != .ward || !claimBed(for: p, before: now + bookedMinutes(p) + expectedRecoveryMinutes(p)) {
                    if counted {
                        recorder.measures.cancel(1, for: need == .icu || need == .hdu ? \.noCriticalCareBed : \.noWardBed,
                                        month: months.index(of: now))
                    }
                    returnToList([p], in: &simulation)
                    continue
                }
            }
            recorder.flows.arrived += 1
            inHospital += 1
            patients[Int(p)].place = .theatre(Int32(room))
            patients[Int(p)].surgery.operationStart = now
            note(p, .enteredTheatres)
            drawStay(p, at: now)
            let minutes = patients[Int(p)].stay?.durationMinutes ?? 0  // drawn just now
            theatres?.rooms[room].patient = p
            theatres?.rooms[room].caseStart = now
            simulation.schedule(.caseEnds(Int32(room)), after: minutes)
            if counted {
                recorder.measures.recordElectiveOperation(of: twin.attributes,
                                                 waitDays: (now - patients[Int(p)].surgery.referralMinute) / 1440,
                                                 month: months.index(of: now))
            }
            return
        }
        closeSession(room)
    }

    /// With no ward bed free now, the bed meeting's rule: the operation goes ahead if one of the patient's wards
    /// has a discharge due before the patient leaves recovery (`minute`) that no other patient counts on. The
    /// patient claims it; when a bed on that ward falls free it is booked for the patient first. Returns false when
    /// no ward has such a discharge.
    mutating func claimBed(for p: Int32, before minute: Double) -> Bool {
        let key = candidateKey(p, .ward)
        let home = beds.candidateTable[key].home, outlying = configuration.outlying.allowed ? beds.candidateTable[key].outlying : []
        guard !home.isEmpty || !outlying.isEmpty else { return false }
        countDischargesDue(before: minute)
        func hasDischarge(_ unit: Int) -> Bool { beds.dischargesDue[unit] > beds.units[unit].claims }
        guard let unit = home.first(where: hasDischarge) ?? outlying.first(where: hasDischarge) else { return false }
        beds.units[unit].claims += 1
        patients[Int(p)].bed.claimedUnit = Int32(unit)
        beds.claimants.append(p)
        return true
    }

    /// Counts, into `beds.dischargesDue`, each unit's patients whose planned discharge is before `minute`.
    mutating func countDischargesDue(before minute: Double) {
        for index in beds.dischargesDue.indices { beds.dischargesDue[index] = 0 }
        // By index: `for patient in patients` would copy every record it reads.
        for index in patients.indices where patients[index].discharge.at <= minute {
            if case .unit(let unit) = patients[index].place { beds.dischargesDue[Int(unit)] += 1 }
        }
    }

    /// The minutes a patient is expected to spend in recovery: the twin model's mean for it.
    func expectedRecoveryMinutes(_ p: Int32) -> Double {
        predictor.meanSojourn(pathway: patients[Int(p)].twin.pathway, state: .recovery,
                              covariates: patients[Int(p)].twin.covariates)
    }

    /// Where an elective patient will need a bed after its operation, read from its own draws: the unit after
    /// theatre (ICU or HDU), or after recovery (a ward, critical care, or none for a day case).
    @inline(__always)
    func postOperativeBed(for twin: PatientTwin) -> CareState? {
        let theatre: StayDraw
        do { theatre = try predictor.drawStay(for: twin, at: twin.stateSince, streams: twinStreams) } catch {
            preconditionFailure("an elective twin admitted now has stays to draw: \(error)")
        }
        let next = theatre.next == .recovery ? afterRecovery(of: twin, from: theatre.endMinute) : theatre.next
        return next.isDischarge ? nil : next
    }

    /// Where a twin now in theatre goes from recovery, entering it at `minute` (epoch minutes): its recovery's next
    /// state as `enterRecovery` will draw it, from the twin's own streams.
    @inline(__always)
    func afterRecovery(of twin: PatientTwin, from minute: Double) -> CareState {
        var inRecovery = twin
        inRecovery.step(to: .recovery, at: minute)
        do { return try predictor.drawStay(for: inRecovery, at: inRecovery.stateSince, streams: twinStreams).next } catch {
            preconditionFailure("a twin in recovery has a stay to draw: \(error)")
        }
    }

    /// A case ends: its minutes are counted, and the patient goes to recovery (or straight to critical care) —
    /// or waits in the room for a bay or a bed, keeping the room.
    mutating func caseEnds(_ room: Int, in simulation: inout Simulation<Self>) {
        guard let p = theatres?.rooms[room].patient, p >= 0, let stay = patients[Int(p)].stay,
              let start = theatres?.rooms[room].caseStart
        else { return }
        recordOperatingMinutes(from: start, to: now, session: theatres?.rooms[room].session)
        theatres?.rooms[room].lastCaseEnd = now
        requestMove(p, to: stay.next, priority: WaitPriority.postOperative, in: &simulation)
    }

    mutating func recordOperatingMinutes(from start: Double, to end: Double, session: TheatreSuite.Session?) {
        guard measuring(now) else { return }
        recorder.measures.theatres.operatingMinutes += end - max(start, warmUpMinutes)
        recorder.measures.months[months.index(of: end)].operatingMinutes += end - max(start, warmUpMinutes)
        guard let window = session else { return }
        let inside = min(end, window.end) - max(start, window.start, warmUpMinutes)
        if inside > 0 { recorder.measures.theatres.operatingMinutesInSessions += inside }
    }

    /// The patient has left the room: it is turned around for the next case.
    mutating func theatreRoomVacated(_ room: Int, in simulation: inout Simulation<Self>) {
        guard let turnaround = theatres?.configuration.turnaroundMinutes else { return }
        theatres?.rooms[room].patient = -1
        theatres?.rooms[room].turningAround = true
        simulation.schedule(.roomReady(Int32(room)), after: turnaround)
    }

    mutating func roomReady(_ room: Int, in simulation: inout Simulation<Self>) {
        theatres?.rooms[room].turningAround = false
        startNextCase(room, in: &simulation)
    }

    /// The session is over: its overrun is measured and its team freed.
    mutating func closeSession(_ room: Int) {
        guard let (session, lastCaseEnd) = theatres?.closeSession(in: room), measuring(session.start) else { return }
        let overrun = lastCaseEnd - session.end
        if overrun > 0 {
            recorder.measures.theatres.overruns += 1
            recorder.measures.theatres.overrunMinutes += overrun
        }
    }

    // MARK: Emergency theatre and recovery

    /// An emergency theatre is free for the patient: it leaves its bed (or ED) and is operated on.
    mutating func emergencyTheatreGranted(_ p: Int32, in simulation: inout Simulation<Self>) {
        let request = patients[Int(p)].surgery.emergencyRequest
        patients[Int(p)].surgery.emergencyRequest = nil
        patients[Int(p)].bed.target = nil
        leavePlace(p, admitted: true, in: &simulation)
        patients[Int(p)].surgery.emergencyRequest = request
        patients[Int(p)].place = .emergencyTheatre
        note(p, .enteredTheatres)
        patients[Int(p)].twin.step(to: .theatre, at: epoch(now))
        drawStay(p, at: now)
        patients[Int(p)].surgery.operationStart = now
        simulation.schedule(.emergencyCaseEnds(p), after: patients[Int(p)].stay?.durationMinutes ?? 0)  // drawn just now
    }

    mutating func emergencyCaseEnds(_ p: Int32, in simulation: inout Simulation<Self>) {
        guard let stay = patients[Int(p)].stay else { return }
        if measuring(now) { recorder.measures.theatres.emergencyCases += 1 }
        recordOperatingMinutes(from: patients[Int(p)].surgery.operationStart, to: now, session: nil)
        requestMove(p, to: stay.next, priority: WaitPriority.postOperative, in: &simulation)
    }

    var hasFreeRecoveryBay: Bool {
        guard let bays = theatres?.configuration.recoveryBays else { return true }
        return recoveryInUse < bays
    }

    /// The patient moves into a recovery bay, leaving its theatre.
    mutating func enterRecovery(_ p: Int32, in simulation: inout Simulation<Self>) {
        patients[Int(p)].bed.target = nil
        leavePlace(p, admitted: true, in: &simulation)
        recoveryInUse += 1
        patients[Int(p)].place = .recovery
        patients[Int(p)].twin.step(to: .recovery, at: epoch(now))
        drawStay(p, at: now)
        scheduleStayEnd(p, in: &simulation)
    }

    /// A bay is free: the longest-waiting patient in a theatre moves in.
    mutating func recoveryFreed(in simulation: inout Simulation<Self>) {
        while hasFreeRecoveryBay, !recoveryWaiting.isEmpty {
            enterRecovery(recoveryWaiting.removeFirst(), in: &simulation)
        }
    }
}
