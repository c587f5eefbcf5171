import Foundation
import PatientTwin
import Simulation

/// Everything the hospital model needs to run: the hospital's units, its emergency department, theatres and
/// staff, its policies, and the patient-twin model its patients follow. A scenario file is read into one of
/// these (`Scenario` module); the model itself knows nothing of files. Every time is in minutes unless a name
/// says otherwise; every rate per the unit its name gives.
public struct HospitalConfiguration: Sendable {
    /// The scenario's name, for reports.
    public var name: String
    /// The hospital's time zone: shifts, sessions, discharge windows, arrival profiles and the midnight census
    /// follow its local time; LACE counts calendar days in it.
    public var timeZone: TimeZone
    /// The local date and time of the run's minute 0 (a midnight, usually a Monday).
    public var start: LocalDateTime
    /// Public holidays, as local days since 1970-01-01 (`LocalDateTime.localMinutesSinceEpoch / 1440`): their hours
    /// are paid as Sunday's (`PayPeriod`).
    public var publicHolidays: Set<Int> = []
    /// The full-capacity protocol, if the hospital declares one.
    public var fullCapacityProtocol: FullCapacityProtocol?
    /// The patients' trajectory model.
    public var twinModel: TwinModel
    /// Per pathway, a multiplier (> 0) of every stay the twins draw on it (an accelerated-failure-time scale on the
    /// model's stays, so also of a census patient's remaining stay); a pathway absent is 1.
    public var stayScale: [Pathway: Double] = [:]
    /// The standard deviation, on the log scale (0–0.5), of a factor drawn once per replication from its own stream
    /// that multiplies every stay on top of `stayScale`, so the replications spread over what the stays may be: a
    /// calibration's uncertainty about them from one window of history (`hospital-twin calibrate` writes it). 0: none.
    public var stayScaleSpread = 0.0
    /// Who the patients are: the synthetic population new patients' attributes are drawn from.
    public var population: SyntheticPopulation
    /// The emergency department.
    public var emergencyDepartment: EmergencyDepartmentConfiguration
    /// Inpatient units: assessment units, wards, stroke unit, ICU, HDU.
    public var units: [UnitConfiguration]
    /// What happens when a patient's own ward is full.
    public var outlying: OutlyingPolicy
    /// When and how patients leave.
    public var discharge: DischargePolicy
    /// Acute deterioration on the wards.
    public var deterioration: DeteriorationPolicy
    /// Operating theatres and elective demand; nil for a hospital without them.
    public var theatres: TheatreConfiguration?
    /// Staff groups, shifts, rosters, absence, cover and nurse ratios.
    public var staffing: StaffingConfiguration

    /// A configuration.
    public init(name: String, timeZone: TimeZone, start: LocalDateTime, twinModel: TwinModel,
                population: SyntheticPopulation = .standard, emergencyDepartment: EmergencyDepartmentConfiguration,
                units: [UnitConfiguration], outlying: OutlyingPolicy = OutlyingPolicy(),
                discharge: DischargePolicy = DischargePolicy(), deterioration: DeteriorationPolicy = DeteriorationPolicy(),
                theatres: TheatreConfiguration? = nil, staffing: StaffingConfiguration = StaffingConfiguration())
    {
        self.name = name
        self.timeZone = timeZone
        self.start = start
        self.twinModel = twinModel
        self.population = population
        self.emergencyDepartment = emergencyDepartment
        self.units = units
        self.outlying = outlying
        self.discharge = discharge
        self.deterioration = deterioration
        self.theatres = theatres
        self.staffing = staffing
    }
}

/// The Manchester Triage System's five categories, as UK emergency departments record them.
public enum TriageCategory: Int, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// 1, red: immediate.
    case immediate = 1
    /// 2, orange: very urgent (10 minutes).
    case veryUrgent = 2
    /// 3, yellow: urgent (60 minutes).
    case urgent = 3
    /// 4, green: standard (120 minutes).
    case standard = 4
    /// 5, blue: non-urgent (240 minutes).
    case nonUrgent = 5

    /// Orders by urgency (1 first).
    public static func < (lhs: TriageCategory, rhs: TriageCategory) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One triage category's share of attendances and how often its patients are admitted.
public struct TriageClass: Sendable, Hashable {
    /// The category.
    public var category: TriageCategory
    /// Share of attendances (the shares are normalised).
    public var share: Double
    /// Probability that a patient of this category is admitted (0–1).
    public var admissionProbability: Double

    /// A triage class.
    public init(category: TriageCategory, share: Double, admissionProbability: Double) {
        self.category = category
        self.share = share
        self.admissionProbability = admissionProbability
    }
}

/// The emergency department: attendances, cubicles, clinicians, triage, and what happens when it is full.
public struct EmergencyDepartmentConfiguration: Sendable {
    /// Attendances by local hour of the week (arrivals per hour, Monday 00:00 first), in an average month.
    public var attendances: HourOfWeekProfile
    /// The yearly swing: each local month's factor on `attendances` (mean 1; flat by default).
    public var monthlyProfile: MonthOfYearProfile = .flat
    /// Cubicles and trolleys in which patients are assessed and treated, and in which admitted patients wait for
    /// a bed (boarding).
    public var cubicles: Int
    /// Patients the department can hold at once (cubicles, chairs, corridor); an arrival that finds it full is
    /// diverted to another hospital. Nil: never full.
    public var capacity: Int?
    /// Admitted patients allowed to wait in ED for a bed; an admitted patient who would exceed it is transferred to
    /// another hospital. Nil: no limit.
    public var boardingLimit: Int?
    /// Triage classes.
    public var triage: [TriageClass]
    /// Clinician time for the first assessment, minutes.
    public var assessmentMinutes: DurationDistribution
    /// Time in ED of a patient who is not admitted, from arrival, minutes (at least the assessment).
    public var dischargedStayMinutes: DurationDistribution
    /// The pathways of admitted patients and their shares (emergency pathways only).
    public var admittedPathways: [Pathway: Double]
    /// The minutes after arrival by which a patient should have left ED: 240, the NHS four-hour standard.
    public var targetMinutes: Double
    /// Same-day emergency care beside the department, if the hospital has it.
    public var sameDayEmergencyCare: SameDayEmergencyCare?

    /// An emergency department.
    public init(attendances: HourOfWeekProfile, cubicles: Int, capacity: Int? = nil, boardingLimit: Int? = nil,
                triage: [TriageClass], assessmentMinutes: DurationDistribution, dischargedStayMinutes: DurationDistribution,
                admittedPathways: [Pathway: Double], targetMinutes: Double = 240)
    {
        self.attendances = attendances
        self.cubicles = cubicles
        self.capacity = capacity
        self.boardingLimit = boardingLimit
        self.triage = triage
        self.assessmentMinutes = assessmentMinutes
        self.dischargedStayMinutes = dischargedStayMinutes
        self.admittedPathways = admittedPathways
        self.targetMinutes = targetMinutes
    }

    /// Attendances a day on average over the week (the profile's rates summed over 168 hours, divided by 7).
    public var meanAttendancesPerDay: Double { attendances.ratesPerHour.reduce(0, +) / 7 }

    /// The share of attendances that triage admits, 0–1: Σ share × admission probability over the classes, the
    /// shares normalised as arrivals draw them (before any diversion when the department is full).
    public var admittedShare: Double {
        let shares = triage.reduce(0) { $0 + $1.share }
        return shares > 0 ? triage.reduce(0) { $0 + $1.share * $1.admissionProbability } / shares : 0
    }
}

/// A full-capacity protocol, as English hospitals declare one: when `declareAtBoarders` admitted patients wait in
/// ED for a bed, every general ward (type ward, not elective-only) takes `extraPatientsPerWard` patients above its
/// beds — in corridors and bays — and fills its beds without waiting for nurses to match its ratio; when the
/// boarders fall to `standDownAtBoarders` it is stood down, each ward's extra places closing as they empty.
public struct FullCapacityProtocol: Sendable {
    /// Admitted patients waiting in the ED at which it is declared (≥ 1).
    public var declareAtBoarders: Int
    /// Boarders at or below which it is stood down (below `declareAtBoarders`).
    public var standDownAtBoarders: Int
    /// Places each general ward opens above its beds while it is in force (≥ 1).
    public var extraPatientsPerWard: Int

    /// A protocol.
    public init(declareAtBoarders: Int, standDownAtBoarders: Int, extraPatientsPerWard: Int) {
        self.declareAtBoarders = declareAtBoarders
        self.standDownAtBoarders = standDownAtBoarders
        self.extraPatientsPerWard = extraPatientsPerWard
    }
}

/// Same-day emergency care (SDEC): patients the department would send home after assessment, of the triage
/// categories it takes, are streamed there when it is open and has a place, and go home the same day. England
/// counts them as emergency admissions with a length of stay of zero days; they leave ED at once.
public struct SameDayEmergencyCare: Sendable {
    /// Chairs and trolleys: patients at once.
    public var places: Int
    /// Local opening hours: patients are streamed from `opens` until `closes` (those there at closing finish).
    public var opens: LocalTimeOfDay
    /// Local closing time.
    public var closes: LocalTimeOfDay
    /// The triage categories it takes.
    public var triage: Set<TriageCategory>
    /// The probability that such a patient, when SDEC is open with a place free, is streamed there (0–1).
    public var share: Double
    /// Time in SDEC, minutes.
    public var stayMinutes: DurationDistribution

    /// Same-day emergency care.
    public init(places: Int, opens: LocalTimeOfDay, closes: LocalTimeOfDay, triage: Set<TriageCategory>, share: Double,
                stayMinutes: DurationDistribution)
    {
        self.places = places
        self.opens = opens
        self.closes = closes
        self.triage = triage
        self.share = share
        self.stayMinutes = stayMinutes
    }
}

/// The kind of an inpatient unit: which patient-twin states it takes.
public enum UnitKind: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    /// Acute medical or surgical assessment unit: twins in `assessment_unit`.
    case assessmentUnit = "assessment_unit"
    /// A specialty ward: twins in `ward` of its specialties.
    case ward
    /// Acute and hyperacute stroke unit: twins in `stroke_unit`.
    case strokeUnit = "stroke_unit"
    /// Intensive care (level 3): twins in `icu`.
    case icu
    /// High-dependency unit (level 2): twins in `hdu`.
    case hdu

    /// The twin state a unit of this kind is for.
    public var careState: CareState {
        switch self {
        case .assessmentUnit: .assessmentUnit
        case .ward: .ward
        case .strokeUnit: .strokeUnit
        case .icu: .icu
        case .hdu: .hdu
        }
    }

    /// True for critical care (ICU, HDU).
    public var isCriticalCare: Bool { self == .icu || self == .hdu }
}

/// Escalation beds: extra beds opened when a unit is nearly full and closed when it has room again.
public struct EscalationRule: Sendable, Hashable {
    /// Extra beds.
    public var beds: Int
    /// Open them when occupied (and cleaning) beds reach this share of the open beds (0–1).
    public var openAtOccupancy: Double
    /// Close them when occupancy falls below this share of the base beds and they are empty (0–1).
    public var closeBelowOccupancy: Double

    /// A rule.
    public init(beds: Int, openAtOccupancy: Double, closeBelowOccupancy: Double) {
        self.beds = beds
        self.openAtOccupancy = openAtOccupancy
        self.closeBelowOccupancy = closeBelowOccupancy
    }
}

/// One inpatient unit.
public struct UnitConfiguration: Sendable {
    /// Its name, unique in the hospital ("Ward 7 (respiratory)").
    public var name: String
    /// What it is.
    public var kind: UnitKind
    /// The specialties whose patients it is home to (wards and assessment units; empty: every specialty).
    public var specialties: Set<Specialty>
    /// Physical beds open in normal running.
    public var beds: Int
    /// Escalation beds, if any.
    public var escalation: EscalationRule?
    /// Minutes a bed is out of use for cleaning after a patient leaves; nil: none.
    public var turnaroundMinutes: DurationDistribution?
    /// True for a ring-fenced elective unit: only patients on elective pathways are admitted to it (no emergency
    /// admissions, no outliers), as elective surgical hubs protect their beds.
    public var electiveOnly: Bool

    /// A unit.
    public init(name: String, kind: UnitKind, specialties: Set<Specialty> = [], beds: Int,
                escalation: EscalationRule? = nil, turnaroundMinutes: DurationDistribution? = nil,
                electiveOnly: Bool = false)
    {
        self.name = name
        self.kind = kind
        self.specialties = specialties
        self.beds = beds
        self.escalation = escalation
        self.turnaroundMinutes = turnaroundMinutes
        self.electiveOnly = electiveOnly
    }

    /// True when this unit is home to patients of `specialty`.
    public func serves(_ specialty: Specialty) -> Bool { specialties.isEmpty || specialties.contains(specialty) }
}

/// Outlying: a patient whose home wards are full may be placed on another ward, at a cost in length of stay.
public struct OutlyingPolicy: Sendable, Hashable {
    /// True when patients may outlie.
    public var allowed: Bool
    /// The outlier's remaining clinical stay is multiplied by this (≥ 1): care away from the specialty's ward is
    /// slower.
    public var stayMultiplier: Double

    /// A policy (default: outlying allowed, stays 10% longer).
    public init(allowed: Bool = true, stayMultiplier: Double = 1.1) {
        self.allowed = allowed
        self.stayMultiplier = stayMultiplier
    }
}

/// A period of the week in which patients are discharged: on `weekdays`, from `from` to `to` local time; of the
/// patients ready for it, the share `share` leaves in it, the rest wait for the next window.
public struct DischargeWindow: Sendable, Hashable {
    /// The days.
    public var weekdays: Set<Weekday>
    /// Opens.
    public var from: LocalTimeOfDay
    /// Closes.
    public var to: LocalTimeOfDay
    /// Share of the ready patients discharged in this window (0–1).
    public var share: Double

    /// A window.
    public init(weekdays: Set<Weekday>, from: LocalTimeOfDay, to: LocalTimeOfDay, share: Double = 1) {
        self.weekdays = weekdays
        self.from = from
        self.to = to
        self.share = share
    }
}

/// When patients leave once their clinical stay is over.
public struct DischargePolicy: Sendable {
    /// Discharge windows; empty: a patient leaves as soon as ready, at any hour.
    public var windows: [DischargeWindow]
    /// Days a patient going to a care home waits for a placement; nil: none.
    public var careHomePlacementDays: DurationDistribution?

    /// A policy.
    public init(windows: [DischargeWindow] = [], careHomePlacementDays: DurationDistribution? = nil) {
        self.windows = windows
        self.careHomePlacementDays = careHomePlacementDays
    }
}

/// Acute deterioration on wards, assessment and stroke units: at a rate per day in bed, a patient's NEWS2 rises;
/// the twin's stay and next unit are drawn again with the new NEWS2 (its own random numbers, the model's
/// covariate), and at a high NEWS2 a move to critical care happens within the response time.
public struct DeteriorationPolicy: Sendable, Hashable {
    /// Deteriorations per patient-day on a ward (0: none).
    public var ratePerDay: Double
    /// The lowest and highest NEWS2 after a deterioration (drawn uniformly).
    public var news2Range: ClosedRange<Int>
    /// From this NEWS2 on, a patient whose redrawn next unit is ICU or HDU moves there within `responseMinutes`.
    public var escalationNEWS2: Int
    /// Minutes from the deterioration to the move to critical care.
    public var responseMinutes: Double
    /// The mean NEWS2 of the first observations on a ward (Poisson, at most 20): a patient's admission NEWS2
    /// reflects the acute presentation, and after treatment in ED or the assessment unit most ward patients score
    /// low. Nil: the twin keeps its latest NEWS2 on arrival.
    public var wardArrivalNEWS2Mean: Double?

    /// A policy (default: no deteriorations, and twins keep their NEWS2 on arrival on a ward).
    public init(ratePerDay: Double = 0, news2Range: ClosedRange<Int> = 5...9, escalationNEWS2: Int = 7,
                responseMinutes: Double = 240, wardArrivalNEWS2Mean: Double? = nil)
    {
        self.ratePerDay = ratePerDay
        self.news2Range = news2Range
        self.escalationNEWS2 = escalationNEWS2
        self.responseMinutes = responseMinutes
        self.wardArrivalNEWS2Mean = wardArrivalNEWS2Mean
    }
}

/// AM or PM.
public enum SessionPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Morning.
    case am
    /// Afternoon.
    case pm
}

/// One weekly theatre session in the plan: a room, a weekday, a period, and the specialty whose list it runs.
public struct TheatreSession: Sendable, Hashable {
    /// The room, 1-based.
    public var room: Int
    /// The weekday.
    public var weekday: Weekday
    /// AM or PM.
    public var period: SessionPeriod
    /// The specialty.
    public var specialty: Specialty

    /// A session.
    public init(room: Int, weekday: Weekday, period: SessionPeriod, specialty: Specialty) {
        self.room = room
        self.weekday = weekday
        self.period = period
        self.specialty = specialty
    }
}

/// A specialty's elective demand: referrals onto its waiting list and the list at the start.
public struct ElectiveDemand: Sendable, Hashable {
    /// The specialty.
    public var specialty: Specialty
    /// The elective pathway its patients follow (elective surgical or elective orthopaedic).
    public var pathway: Pathway
    /// New patients added to the list per week (a Poisson process).
    public var referralsPerWeek: Double
    /// Patients on the list at the start.
    public var initialWaitingList: Int

    /// Demand.
    public init(specialty: Specialty, pathway: Pathway, referralsPerWeek: Double, initialWaitingList: Int) {
        self.specialty = specialty
        self.pathway = pathway
        self.referralsPerWeek = referralsPerWeek
        self.initialWaitingList = initialWaitingList
    }
}

/// Operating theatres: rooms, the weekly session plan, elective demand, and emergency theatre capacity.
public struct TheatreConfiguration: Sendable {
    /// Elective rooms, numbered 1…rooms in the session plan.
    public var rooms: Int
    /// Rooms kept for emergency surgery, open round the clock.
    public var emergencyRooms: Int
    /// When the morning session runs.
    public var morning: (start: LocalTimeOfDay, end: LocalTimeOfDay)
    /// When the afternoon session runs.
    public var afternoon: (start: LocalTimeOfDay, end: LocalTimeOfDay)
    /// The weekly plan.
    public var sessions: [TheatreSession]
    /// Minutes between cases in a room.
    public var turnaroundMinutes: Double
    /// A case is started only if its expected minutes end within this many minutes after the session's end.
    public var allowedOverrunMinutes: Double
    /// Post-anaesthesia recovery bays; nil: never short.
    public var recoveryBays: Int?
    /// True: lists are booked at a bed meeting — a patient who will need a bed after the operation is called in
    /// only when one is free or due by the session's end (and not already promised); the others wait on the
    /// list, deferred rather than cancelled on the day. False: every patient is called in, and a missing bed
    /// cancels the operation on the day.
    public var bedMeeting: Bool
    /// Elective demand by specialty.
    public var demand: [ElectiveDemand]
    /// True: elective sessions run on the hospital's public holidays as on any other day; false (the default,
    /// as English hospitals work): no elective session on a public holiday.
    public var sessionsOnPublicHolidays = false
    /// Minutes an admitted patient may wait in ED for a bed before a bed the bed meeting held for an elective
    /// patient not yet in theatre is given up for it, that operation cancelled on the day for want of a bed (what
    /// English hospitals do under full-capacity pressure); nil: held beds are never given up.
    public var releaseHeldBedsAfterMinutes: Double?
    /// The rate at which each patient on a waiting list leaves it without an operation, per year (validated off,
    /// treated elsewhere, no longer wanting it); 0: nobody leaves a list but by operation.
    public var listRemovalsPerYear = 0.0

    /// Theatres.
    public init(rooms: Int, emergencyRooms: Int, morning: (start: LocalTimeOfDay, end: LocalTimeOfDay),
                afternoon: (start: LocalTimeOfDay, end: LocalTimeOfDay), sessions: [TheatreSession],
                turnaroundMinutes: Double = 20, allowedOverrunMinutes: Double = 30, recoveryBays: Int? = nil,
                bedMeeting: Bool = true, demand: [ElectiveDemand])
    {
        self.bedMeeting = bedMeeting
        self.rooms = rooms
        self.emergencyRooms = emergencyRooms
        self.morning = morning
        self.afternoon = afternoon
        self.sessions = sessions
        self.turnaroundMinutes = turnaroundMinutes
        self.allowedOverrunMinutes = allowedOverrunMinutes
        self.recoveryBays = recoveryBays
        self.demand = demand
    }

    /// Start and end of a period.
    public func window(_ period: SessionPeriod) -> (start: LocalTimeOfDay, end: LocalTimeOfDay) {
        period == .am ? morning : afternoon
    }
}

/// A staff group.
public enum StaffGroup: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable {
    /// Registered nurses: their number on shift limits a unit's staffed beds.
    case registeredNurse = "registered_nurse"
    /// Health-care assistants (hours and costs; they do not limit beds).
    case healthcareAssistant = "healthcare_assistant"
    /// Doctors: in ED their number on shift is the number of clinicians assessing patients.
    case doctor
    /// Theatre teams: one is needed for each theatre session that runs.
    case theatreTeam = "theatre_team"
}

/// A named shift: its local start and end (ending the next day when the end is not after the start).
public struct ShiftPattern: Sendable, Hashable {
    /// "day", "night", "long day"…
    public var name: String
    /// Start, local time.
    public var start: LocalTimeOfDay
    /// End, local time.
    public var end: LocalTimeOfDay

    /// A shift.
    public init(name: String, start: LocalTimeOfDay, end: LocalTimeOfDay) {
        self.name = name
        self.start = start
        self.end = end
    }

    /// Its length in minutes (24 h for a shift whose end equals its start).
    public var minutes: Double {
        let length = end.minuteOfDay - start.minuteOfDay
        return Double(length > 0 ? length : length + 1440)
    }
}

/// Where a roster line's staff work: an inpatient unit, the emergency department or the theatres.
public enum StaffPlace: Sendable, Hashable {
    /// The emergency department.
    case emergencyDepartment
    /// The theatres.
    case theatres
    /// An inpatient unit, by its index in `HospitalConfiguration.units`.
    case unit(Int)
}

/// One line of the roster: so many staff of a group on a unit for a shift on some weekdays.
public struct RosterLine: Sendable, Hashable {
    /// Where.
    public var place: StaffPlace
    /// Which group.
    public var group: StaffGroup
    /// Which shift (an index into `StaffingConfiguration.shifts`).
    public var shift: Int
    /// The days it is worked.
    public var weekdays: Set<Weekday>
    /// Staff rostered.
    public var headcount: Int

    /// A roster line.
    public init(place: StaffPlace, group: StaffGroup, shift: Int, weekdays: Set<Weekday>, headcount: Int) {
        self.place = place
        self.group = group
        self.shift = shift
        self.weekdays = weekdays
        self.headcount = headcount
    }
}

/// Patients per registered nurse by level of care (Intensive Care Society 2021 for levels 2 and 3; a ward
/// ratio that may differ by shift for levels 0 and 1).
public struct NurseRatios: Sendable, Hashable {
    /// Level 0 (ward care) patients per nurse, by shift name; `defaultLevel0` for shifts not named.
    public var level0: [String: Double]
    /// Level 0 patients per nurse where no shift-specific ratio is given.
    public var defaultLevel0: Double
    /// Level 1 (ward, at risk: NEWS2 ≥ 5; assessment, stroke) patients per nurse.
    public var level1: Double
    /// Level 2 (HDU) patients per nurse.
    public var level2: Double
    /// Level 3 (ICU) patients per nurse.
    public var level3: Double

    /// Ratios (default 8 ward patients, 4 level-1, 2 level-2, 1 level-3 per nurse).
    public init(level0: [String: Double] = [:], defaultLevel0: Double = 8, level1: Double = 4, level2: Double = 2,
                level3: Double = 1)
    {
        self.level0 = level0
        self.defaultLevel0 = defaultLevel0
        self.level1 = level1
        self.level2 = level2
        self.level3 = level3
    }

    /// Patients per nurse at `level` during shift `shift`.
    public func patientsPerNurse(_ level: LevelOfCare, shift: String?) -> Double {
        switch level {
        case .level0: shift.flatMap { level0[$0] } ?? defaultLevel0
        case .level1: level1
        case .level2: level2
        case .level3: level3
        }
    }
}

/// Staff: shifts, rosters, unplanned absence, bank and agency cover, and nurse ratios.
public struct StaffingConfiguration: Sendable {
    /// The shifts rosters refer to.
    public var shifts: [ShiftPattern]
    /// The roster.
    public var roster: [RosterLine]
    /// Chance that a rostered member of each group is absent from a shift, unplanned (0–1).
    public var absence: [StaffGroup: Double]
    /// Share of absence gaps filled by bank staff (0–1).
    public var bankFill: Double
    /// Share of the gaps left after bank that agency staff fill (0–1).
    public var agencyFill: Double
    /// Share of each group's rostered posts with no substantive holder (0–1): a vacant post is unpaid, and its
    /// shifts are gaps known ahead, filled by bank and agency at their own rates.
    public var vacancy: [StaffGroup: Double] = [:]
    /// Share of vacancy gaps filled by bank staff, and of those left that agency staff fill (0–1).
    public var vacancyBankFill: Double = 0
    /// Of the vacancy gaps the bank left, the share agency staff fill (0–1).
    public var vacancyAgencyFill: Double = 0
    /// Nurse ratios.
    public var ratios: NurseRatios

    /// Staffing (default: no roster, so nothing is limited by staff).
    public init(shifts: [ShiftPattern] = [], roster: [RosterLine] = [], absence: [StaffGroup: Double] = [:],
                bankFill: Double = 0, agencyFill: Double = 0, ratios: NurseRatios = NurseRatios())
    {
        self.shifts = shifts
        self.roster = roster
        self.absence = absence
        self.bankFill = bankFill
        self.agencyFill = agencyFill
        self.ratios = ratios
    }
}
