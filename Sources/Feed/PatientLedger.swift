import Foundation
import HL7
import PatientTwin

/// One event as the feed received it: its place in arrival order (ties in event time keep it) and the event.
public struct ReceivedEvent: Sendable, Hashable {
    /// Arrival order, 0, 1, 2, … (the event log's sequence).
    public let sequence: Int
    /// What the message said happened.
    public let event: FeedEvent

    /// An event received `sequence`-th.
    public init(sequence: Int, event: FeedEvent) {
        self.sequence = sequence
        self.event = event
    }
}

/// A patient in hospital (or recently discharged) as the event log has it at a time.
public struct LivePatient: Sendable, Hashable {
    /// The patient's key: the local identifier (after merges), else the NHS number.
    public let key: String
    /// The NHS number (or its pseudonym), when the feed gave one.
    public let nhsID: String?
    /// When the spell began (an ED registration or an admission), epoch minutes.
    public let spellStart: Double
    /// Where the patient is (the last location of the spell), and since when.
    public let location: FeedEvent.Location?
    /// When the patient came there, epoch minutes.
    public let locationSince: Double
    /// MSH-10 of the message that put the patient where it is.
    public let locationMessage: String
    /// True once the spell has an admission (A01/A06) or a transfer; false for a patient only registered in ED.
    public let admitted: Bool
    /// When that first admission or transfer came, epoch minutes (for a patient registered in the ED, the decision
    /// to admit when the feed sends an A01 there); nil while only registered.
    public let admittedAt: Double?
    /// On leave of absence (A21 without its A22): the bed is held, so the patient still counts.
    public let onLeave: Bool
    /// When the spell ended (discharges only).
    public let dischargedAt: Double?
    /// PID-7 (year, month, day), when the feed gave one.
    public let birthDate: DateComponents?
    /// PID-8.
    public let sex: Sex
    /// PV1-2 as last given in the spell.
    public let patientClass: String
    /// PV1-4 as last given in the spell (L, R, C: elective).
    public let admissionType: String
    /// PV1-10 as last given in the spell.
    public let hospitalService: String
    /// The latest reading of each vital sign in this spell, and when the latest was taken.
    public let vitals: VitalSigns?
    /// When the latest vital sign was taken, epoch minutes.
    public let vitalsAt: Double?
    /// For a discharged patient, where its discharge (PV1-36) sent it.
    public var dischargeDestination: DischargeDestination = .other
    /// Spells this patient began in the log before this one: ED registrations in the 6 months and admissions in
    /// the 12 months before its start (LACE and the twins' history).
    public let edVisitsLast6Months: Int
    /// Admissions the log holds in the 12 months before this spell.
    public let admissionsLast12Months: Int
}

/// One spell as the event log has it, from its start to its discharge or to the time the log was read: the patient as
/// at the spell's end (its discharge time, destination, admission type, specialty) and every place it was, in order.
public struct LedgerSpell: Sendable, Hashable {
    /// A place in the spell: where the patient was (nil when the event named none), from when (epoch minutes).
    public struct Place: Sendable, Hashable {
        /// PV1-3 of the event that put the patient there.
        public let location: FeedEvent.Location?
        /// When the patient came there, epoch minutes.
        public let since: Double
    }

    /// The patient at the spell's end (`dischargedAt` nil for a spell still open).
    public let patient: LivePatient
    /// Every place of the spell in time order, the first at the spell's start; never empty.
    public let places: [Place]
    /// When the log first heard of the spell, epoch minutes: its start, except for a spell begun before its first
    /// message (a patient in hospital when the feed was switched on, or one whose admission never came), which
    /// PV1-44 dated back; a census read before then lacks it.
    public let firstMessageAt: Double

    /// Where the patient was at `minute`: the last place since then, nil before the spell or after its discharge.
    public func place(at minute: Double) -> Place? {
        guard minute >= patient.spellStart, patient.dischargedAt.map({ minute < $0 }) ?? true else { return nil }
        return places.last { $0.since <= minute }
    }
}

/// Every spell the event log holds up to a time, and what in it could not be placed.
public struct LedgerHistory: Sendable {
    /// Spells by patient key, then start.
    public let spells: [LedgerSpell]
    /// As `LedgerCensus.anomalies`: events applied as far as they could be, listed.
    public let anomalies: [String]
    /// The log's first event time, epoch minutes (nil for an empty log).
    public let firstEventMinute: Double?

    /// The spells the log heard of only after they began (`LedgerSpell.firstMessageAt` later than the start).
    public var heardOfLate: [LedgerSpell] { spells.filter { $0.firstMessageAt > $0.patient.spellStart } }

    /// What a census read at `minute` lacks that this history knows: the places then of the spells under way at
    /// `minute` whose first message came after it, among `late` (`heardOfLate`).
    public static func unheard(at minute: Double, among late: [LedgerSpell]) -> [FeedEvent.Location?] {
        late.compactMap { spell in spell.firstMessageAt > minute ? spell.place(at: minute).map(\.location) : nil }
    }
}

/// The census the event log gives at a time: every patient in hospital, the patients discharged in the 30 days
/// before, and what in the log could not be placed.
public struct LedgerCensus: Sendable {
    /// The census's time, epoch minutes.
    public let at: Double
    /// Patients in hospital then, by spell start.
    public let inHospital: [LivePatient]
    /// Patients discharged in the 30 days before and not back, by discharge.
    public let recentDischarges: [LivePatient]
    /// Events that made no sense where they fell (a discharge of a patient not in hospital, a cancel with nothing
    /// to cancel): applied as far as they could be, and listed, never dropped in silence.
    public let anomalies: [String]
    /// The log's first event time, epoch minutes (nil for an empty log): what the log can know of a patient's
    /// earlier visits starts there.
    public var firstEventMinute: Double?
}

/// Replays the event log up to a time: events in event time (arrival order among equal times), cancels undoing
/// the event they cancel, merges re-keying every event of the merged record. The same log gives the same census
/// whatever order its messages arrived in.
public enum PatientLedger {
    /// The window before a spell in which earlier ED visits count (LACE's E): 6 months, in minutes.
    public static let edVisitWindow = 182.5 * 1440
    /// The window before a spell in which earlier admissions count: 12 months, in minutes.
    public static let admissionWindow = 365.0 * 1440

    /// The census at `minute` (epoch minutes): only events at or before it count. For the censuses at many times
    /// of one log, `LedgerTimeline` replays it once.
    public static func census(of log: [ReceivedEvent], at minute: Double) -> LedgerCensus {
        var timeline = LedgerTimeline(log)
        return timeline.census(at: minute)
    }

    /// Every spell of the events at or before `minute`, by the census's rules: what a census at any time before
    /// `minute` shows of a spell is its place at that time.
    public static func history(of log: [ReceivedEvent], through minute: Double) -> LedgerHistory {
        LedgerTimeline(log).history(through: minute)
    }

    struct Spell {
        var start: Double
        var location: FeedEvent.Location?
        var since: Double
        var locationMessage: String
        var admitted: Bool
        var admittedAt: Double?
        var onLeave = false
        var patientClass = ""
        var admissionType = ""
        var hospitalService = ""
        var vitals: VitalSigns?
        var vitalsAt: Double?
        /// Every place of the spell, when its history is kept (`LedgerTimeline.history`); nil for a census.
        var places: [LedgerSpell.Place]?
        /// When the log first heard of the spell (`LedgerSpell.firstMessageAt`); nil: at its start.
        var firstMessageAt: Double?

        mutating func update(from event: FeedEvent) {
            if !event.patientClass.isEmpty { patientClass = event.patientClass }
            if !event.admissionType.isEmpty { admissionType = event.admissionType }
            if !event.hospitalService.isEmpty { hospitalService = event.hospitalService }
        }

        /// Each reading replaces that vital sign's last; the others carry forward within the spell.
        mutating func observe(_ reading: VitalSigns, at minute: Double) {
            var merged = vitals ?? VitalSigns()
            if let value = reading.respirationRate { merged.respirationRate = value }
            if let value = reading.spo2 {
                merged.spo2 = value
                merged.spo2Scale = reading.spo2Scale
            }
            if let value = reading.onOxygen { merged.onOxygen = value }
            if let value = reading.systolicBP { merged.systolicBP = value }
            if let value = reading.pulse { merged.pulse = value }
            if let value = reading.consciousness { merged.consciousness = value }
            if let value = reading.temperature { merged.temperature = value }
            vitals = merged
            vitalsAt = max(vitalsAt ?? minute, minute)
        }

        func patient(_ key: String, _ known: (birth: DateComponents?, sex: Sex, nhs: String?), dischargedAt: Double?,
                     history: ArraySlice<(start: Double, admitted: Bool)>) -> LivePatient
        {
            let edVisits = history.filter { start - $0.start <= PatientLedger.edVisitWindow }.count
            let admissions = history.filter { $0.admitted && start - $0.start <= PatientLedger.admissionWindow }.count
            return LivePatient(key: key, nhsID: known.nhs, spellStart: start, location: location, locationSince: since,
                               locationMessage: locationMessage,
                               admitted: admitted, admittedAt: admittedAt, onLeave: onLeave, dischargedAt: dischargedAt, birthDate: known.birth,
                               sex: known.sex, patientClass: patientClass, admissionType: admissionType,
                               hospitalService: hospitalService, vitals: vitals, vitalsAt: vitalsAt,
                               edVisitsLast6Months: edVisits, admissionsLast12Months: admissions)
        }
    }
}
