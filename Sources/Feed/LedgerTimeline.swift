import Foundation
import PatientTwin

/// The event log replayed once, in event time, and read as a census at any time: the census at a time holds the
/// events at or before it (arrival order among equal times), each cancel undoing the patient's latest earlier event
/// it cancels, each merge moving the merged record's events to the record it was merged into. The rule is the
/// ledger's (`PatientLedger.census` is a timeline read once); a timeline read at times that only grow does each
/// event's work once, so a year of daily censuses costs about one replay (a backtest's origins, a calibration's
/// midnights). Reading at an earlier time than the last replays from the start.
///
/// Each patient's state is replayed from its own events alone, when one arrives (a cancel or a merge can change
/// what came before, so the patient is replayed whole, never patched).
public struct LedgerTimeline: Sendable {
    /// Events in event time, arrival order among equal times; merges included.
    let events: [ReceivedEvent]
    /// `events[..<applied]` are filed under their patients.
    var applied = 0
    /// The time of the last census read (−∞ before the first).
    var at = -Double.infinity
    /// A merged-away local identifier → the identifier its events went to; never a cycle (a merge of two records
    /// already one is a no-op).
    var mergedInto: [String: String] = [:]
    /// Each patient's events (indices into `events`, ascending) and what they replay to.
    var patients: [String: PatientEvents] = [:]
    /// Patients with events filed since their last replay.
    var stale: Set<String> = []
    /// Patients who may be in a census now: in hospital, or discharged within the 30 days before the last time read.
    var active: Set<String> = []
    /// Patients whose replay found events that made no sense.
    var troubled: Set<String> = []
    /// Events with no patient identifier, in event order.
    var unkeyed: [(order: Int, text: String)] = []

    struct PatientEvents: Sendable {
        var indices: [Int] = []
        var replay = Replay()
    }

    /// What one patient's events say at the last time read.
    struct Replay: Sendable {
        /// The open spell, as a census patient.
        var inHospital: LivePatient?
        /// The latest spell that ended.
        var lastDischarge: LivePatient?
        /// What made no sense, with the event's place in `events`.
        var anomalies: [(order: Int, text: String)] = []
        /// Every spell, ended or open, when the replay keeps history.
        var spells: [LedgerSpell] = []
    }

    /// A timeline of `log`, sorted once.
    public init(_ log: [ReceivedEvent]) {
        events = log.sorted { ($0.event.minute, $0.sequence) < ($1.event.minute, $1.sequence) }
    }

    /// Events in the log.
    public var count: Int { events.count }
    /// The earliest and latest event times, epoch minutes (nil for an empty log).
    public var firstMinute: Double? { events.first?.event.minute }
    /// The latest event time, epoch minutes (nil for an empty log).
    public var lastMinute: Double? { events.last?.event.minute }

    /// The census at `minute` (epoch minutes).
    public mutating func census(at minute: Double) -> LedgerCensus {
        if minute < at { self = LedgerTimeline(sorted: events) }
        while applied < events.count, events[applied].event.minute <= minute {
            file(applied)
            applied += 1
        }
        at = minute
        for key in stale {
            patients[key]!.replay = Self.replay(key, patients[key]!.indices, events)
            if patients[key]!.replay.anomalies.isEmpty { troubled.remove(key) } else { troubled.insert(key) }
        }
        stale.removeAll(keepingCapacity: true)
        var inHospital: [LivePatient] = [], recent: [LivePatient] = [], gone: [String] = []
        for key in active {
            let replay = patients[key]!.replay
            if let patient = replay.inHospital {
                inHospital.append(patient)
            } else if let left = replay.lastDischarge, let when = left.dischargedAt, minute - when <= 30 * 1440 {
                recent.append(left)
            } else {
                gone.append(key)
            }
        }
        for key in gone { active.remove(key) }
        let anomalies = (troubled.flatMap { patients[$0]!.replay.anomalies } + unkeyed)
            .sorted { ($0.order, $0.text) < ($1.order, $1.text) }.map(\.text)
        return LedgerCensus(at: minute, inHospital: Self.ordered(inHospital) { ($0.spellStart, $0.key) },
                            recentDischarges: Self.ordered(recent) { ($0.dischargedAt ?? 0, $0.key) },
                            anomalies: anomalies, firstEventMinute: events.first?.event.minute)
    }

    /// `patients` in the order of `key` (unique: each patient's key is its own). Sorts positions, not the patients:
    /// a patient is a large value, and moving thousands of them at every census read was most of its cost.
    static func ordered(_ patients: [LivePatient], by key: (LivePatient) -> (Double, String)) -> [LivePatient] {
        let keys = patients.map(key)
        return patients.indices.sorted { keys[$0] < keys[$1] }.map { patients[$0] }
    }

    private init(sorted: [ReceivedEvent]) { events = sorted }

    /// Every spell of the events at or before `minute`, each patient replayed once with its places kept.
    func history(through minute: Double) -> LedgerHistory {
        var timeline = LedgerTimeline(sorted: events)
        while timeline.applied < events.count, events[timeline.applied].event.minute <= minute {
            timeline.file(timeline.applied)
            timeline.applied += 1
        }
        var spells: [LedgerSpell] = []
        var anomalies = timeline.unkeyed
        for key in timeline.patients.keys.sorted() {
            let replay = Self.replay(key, timeline.patients[key]!.indices, events, keepingHistory: true)
            spells += replay.spells
            anomalies += replay.anomalies
        }
        return LedgerHistory(spells: spells,
                             anomalies: anomalies.sorted { ($0.order, $0.text) < ($1.order, $1.text) }.map(\.text),
                             firstEventMinute: events.first?.event.minute)
    }

    /// The identifier `raw` stands for now, after the merges applied so far.
    func resolve(_ raw: String) -> String {
        var key = raw
        while let next = mergedInto[key] { key = next }
        return key
    }

    /// Files `events[index]` under its patient, or applies it as a merge.
    mutating func file(_ index: Int) {
        let event = events[index].event
        if event.kind == .merge {
            guard let from = event.mergedLocalID, let into = event.localID, from != into else { return }
            let merged = resolve(from), survivor = resolve(into)
            guard merged != survivor else { return }
            mergedInto[merged] = survivor
            if let moved = patients.removeValue(forKey: merged) {
                var target = patients[survivor] ?? PatientEvents()
                target.indices = (target.indices + moved.indices).sorted()
                patients[survivor] = target
                stale.insert(survivor)
                active.insert(survivor)
            }
            stale.remove(merged)
            active.remove(merged)
            troubled.remove(merged)
            return
        }
        guard let raw = event.localID ?? event.nhsID.map({ "NHS:" + $0 }) else {
            unkeyed.append((index, "\(event.kind.rawValue) at minute \(Int(event.minute)) (\(event.controlID)): "
                + "no patient identifier; not applied"))
            return
        }
        let key = resolve(raw)
        patients[key, default: PatientEvents()].indices.append(index)
        stale.insert(key)
        active.insert(key)
    }

    /// Most time by which PV1-44 dates a spell back before the message that first tells of it: ten years, in
    /// minutes. An earlier date is a mistake, not a stay.
    static let longestDatedBack = 3650.0 * 1440

    /// One patient's events (indices into `events`, ascending) replayed: cancels first take out what they cancel,
    /// then the rest is applied in order.
    ///
    /// A move, a discharge, a leave, an update or an observation of a patient not in hospital (in hospital when the
    /// feed was switched on, or admitted by a message that never came) opens its spell at its PV1-44 when that is
    /// no later than the message, after the patient's last discharge and at most `longestDatedBack` before: in the
    /// place PV1-6 names for a move (else the place it moves to), in its own place otherwise — where it was since
    /// the feed began, as no message moved it. A spell so dated back to before the log's first event is a feed
    /// switched on, and no anomaly; one dated back to after it lost its admission, and is listed. An update or an
    /// observation opens one only for an inpatient or emergency class (PV1-2 I or E) with a place.
    static func replay(_ patient: String, _ indices: [Int], _ events: [ReceivedEvent], keepingHistory: Bool = false)
        -> Replay
    {
        var replay = Replay()
        /// Lists what `event` (at `index`) did that made no sense.
        func note(_ index: Int, _ event: FeedEvent, _ what: String) {
            replay.anomalies.append((index, "\(event.kind.rawValue) for \(patient) at minute \(Int(event.minute)): " + what))
        }
        var cancelled: Set<Int> = []
        for (position, index) in indices.enumerated() {
            let event = events[index].event
            let targets: Set<FeedEvent.Kind>
            switch event.kind {
            case .cancelAdmit: targets = [.admit, .register, .outpatientToInpatient]
            case .cancelTransfer: targets = [.transfer]
            case .cancelDischarge: targets = [.discharge, .inpatientToOutpatient]
            default: continue
            }
            cancelled.insert(position)
            let target = indices[..<position].indices.last {
                !cancelled.contains($0) && targets.contains(events[indices[$0]].event.kind)
            }
            if let target { cancelled.insert(target) } else {
                note(index, event, "nothing to cancel")
            }
        }
        var open: PatientLedger.Spell?
        var history: [(start: Double, admitted: Bool)] = []
        let logStart = events.first?.event.minute ?? -.infinity
        var lastEnd = -Double.infinity
        /// `event`'s PV1-44 as the start of a spell it tells of late, or nil (a PV1-44 that cannot be, listed).
        func dated(_ event: FeedEvent, _ index: Int) -> Double? {
            guard let start = event.admittedAt, start > lastEnd else { return nil }
            guard start <= event.minute, event.minute - start <= longestDatedBack else {
                note(index, event, "PV1-44 (minute \(Int(start))) is \(start > event.minute ? "after the message" : "over ten years before it"); not used")
                return nil
            }
            if start >= logStart {
                note(index, event, "not in hospital; its spell taken from its PV1-44, minute \(Int(start))")
            }
            return start
        }
        /// A spell opened at `start` (PV1-44) in `place`, first heard of by `event`.
        func datedSpell(_ event: FeedEvent, start: Double, in place: FeedEvent.Location?, admitted: Bool) -> PatientLedger.Spell {
            var spell = PatientLedger.Spell(start: start, location: place, since: start, locationMessage: event.controlID,
                                            admitted: admitted, admittedAt: admitted ? start : nil)
            spell.firstMessageAt = event.minute
            if keepingHistory { spell.places = [LedgerSpell.Place(location: place, since: start)] }
            spell.update(from: event)
            return spell
        }
        /// An update, leave or observation that tells of a patient in hospital: an inpatient or emergency class, with a place.
        func tellsOfStay(_ event: FeedEvent) -> Bool {
            event.location != nil && (event.patientClass == "I" || event.patientClass == "E")
        }
        var known: (birth: DateComponents?, sex: Sex, nhs: String?) = (nil, .unknown, nil)
        for (position, index) in indices.enumerated() where !cancelled.contains(position) {
            let event = events[index].event
            if let birth = event.birthDate { known.birth = birth }
            if event.sex != .unknown { known.sex = event.sex }
            if let nhs = event.nhsID { known.nhs = nhs }
            switch event.kind {
            case .register, .admit, .outpatientToInpatient, .transfer, .returnFromLeave:
                if open == nil, event.kind == .transfer || event.kind == .returnFromLeave, let start = dated(event, index) {
                    open = datedSpell(event, start: start, in: event.kind == .transfer ? event.priorLocation ?? event.location : event.location,
                                      admitted: true)
                }
                if var spell = open {
                    if let location = event.location, location != spell.location {
                        spell.location = location
                        spell.since = event.minute
                        spell.locationMessage = event.controlID
                        spell.places?.append(LedgerSpell.Place(location: location, since: event.minute))
                    }
                    if event.kind != .register && !spell.admitted {
                        spell.admitted = true
                        spell.admittedAt = event.minute
                    }
                    if event.kind == .returnFromLeave { spell.onLeave = false }
                    spell.update(from: event)
                    open = spell
                } else {
                    if event.kind == .transfer || event.kind == .returnFromLeave {
                        note(index, event, "not in hospital; taken as arriving then")
                    }
                    var spell = PatientLedger.Spell(start: event.minute, location: event.location, since: event.minute,
                                                    locationMessage: event.controlID, admitted: event.kind != .register,
                                                    admittedAt: event.kind != .register ? event.minute : nil)
                    if keepingHistory { spell.places = [LedgerSpell.Place(location: event.location, since: event.minute)] }
                    spell.update(from: event)
                    open = spell
                }
            case .discharge, .inpatientToOutpatient:
                if open == nil, let start = dated(event, index) {
                    open = datedSpell(event, start: start, in: event.location, admitted: event.patientClass == "I")
                }
                guard let spell = open else {
                    note(index, event, "not in hospital")
                    continue
                }
                open = nil
                var left = spell.patient(patient, known, dischargedAt: event.minute, history: history[...])
                left.dischargeDestination = event.dischargeDestination
                replay.lastDischarge = left
                if let places = spell.places {
                    replay.spells.append(LedgerSpell(patient: left, places: places, firstMessageAt: spell.firstMessageAt ?? spell.start))
                }
                history.append((spell.start, spell.admitted))
                lastEnd = event.minute
            case .leaveOfAbsence, .update, .observation:
                if open == nil, tellsOfStay(event), let start = dated(event, index) {
                    open = datedSpell(event, start: start, in: event.location, admitted: event.patientClass == "I")
                }
                switch event.kind {
                case .leaveOfAbsence: open?.onLeave = true
                case .observation: if let reading = event.vitals { open?.observe(reading, at: event.minute) }
                default: open?.update(from: event)
                }
            case .preadmit:
                open?.update(from: event)
            case .cancelAdmit, .cancelTransfer, .cancelDischarge, .merge:
                continue
            }
        }
        replay.inHospital = open.map { $0.patient(patient, known, dischargedAt: nil, history: history[...]) }
        if let spell = open, let places = spell.places, let patient = replay.inHospital {
            replay.spells.append(LedgerSpell(patient: patient, places: places, firstMessageAt: spell.firstMessageAt ?? spell.start))
        }
        return replay
    }
}
