import Foundation
import PatientTwin
import Simulation

/// What one replication of the hospital model measured over its window (after the warm-up): the result the store
/// keeps, the reports read, and every comparison is made of. Versioned: `schemaVersion` changes whenever a field
/// changes meaning or goes; new fields are added with defaults. Minutes, hours and days are named in each field.
/// Docs/HOSPITAL-MODEL.md lists every field with its definition.
public struct HospitalKPIs: Sendable, Hashable, Codable {
    /// The version of this layout.
    public static let currentSchemaVersion = 3

    /// The layout's version (`currentSchemaVersion` when made).
    public var schemaVersion = HospitalKPIs.currentSchemaVersion
    /// Days measured (the horizon less the warm-up).
    public var days: Double = 0
    /// The local date of the first measured day, "2026-02-02".
    public var firstDay = ""
    /// Inpatient units, in the scenario's order.
    public var units: [UnitKPIs] = []
    /// The emergency department.
    public var emergencyDepartment = EmergencyDepartmentKPIs()
    /// The theatres.
    public var theatres = TheatreKPIs()
    /// Hours the full-capacity protocol was in force in the window (nil when the hospital has none).
    public var fullCapacityProtocolHours: Double?
    /// Staff hours by group, shift and kind of day.
    public var staff: [StaffHoursKPIs] = []
    /// Hours below the safe nurse ratio, by unit and shift.
    public var safeStaffing: [SafeStaffingKPIs] = []
    /// Spells, lengths of stay, delayed discharges, deaths and readmissions.
    public var patients = PatientKPIs()
    /// Waits and readmissions by deprivation quintile and by age band.
    public var equity = EquityKPIs()
    /// Counts of patients at each local midnight: the conservation check (arrived = discharged + died + in
    /// hospital + diverted + transferred out), day by day.
    public var flows: DailyFlowTable = []
    /// Priced activity by calendar month of the window (local time): what the cost report needs.
    public var months: [MonthKPIs] = []
    /// Staff hours by month, place, group and pay period: what staff costs are made of.
    public var staffMonths: StaffMonthTable = []
    /// Inpatients of the census the run started from (absent: it started empty).
    public var censusPatients: Int?

    /// A blank set, filled by the model.
    public init() {}
}

extension HospitalKPIs {
    /// Bed occupancy of the general and acute beds — every unit but ICU and HDU, as NHS England's KH03 return
    /// splits them: the units' mean occupied beds over their mean open beds, %. 0 with no such unit.
    public var generalAndAcuteOccupancyPercent: Double {
        occupancyPercent(of: units.filter { !$0.kind.isCriticalCare })
    }

    /// Bed occupancy of ICU and HDU together, %. 0 with no critical-care unit.
    public var criticalCareOccupancyPercent: Double {
        occupancyPercent(of: units.filter { $0.kind.isCriticalCare })
    }

    private func occupancyPercent(of units: [UnitKPIs]) -> Double {
        let open = units.reduce(0) { $0 + $1.meanOpenBeds }
        return open > 0 ? 100 * units.reduce(0) { $0 + $1.meanOccupied } / open : 0
    }
}

/// One inpatient unit's measures.
public struct UnitKPIs: Sendable, Hashable, Codable {
    /// The unit's name.
    public var name = ""
    /// Its kind (`UnitKind` raw value).
    public var kind = UnitKind.ward
    /// Physical beds.
    public var beds = 0
    /// Time-average of patients in beds (beds occupied, including beds booked for a patient on the way).
    public var meanOccupied = 0.0
    /// 95th percentile over time of the patients in beds.
    public var p95Occupied = 0.0
    /// Time-average of open beds (physical plus escalation beds when open).
    public var meanOpenBeds = 0.0
    /// Time-average of staffed beds: open beds that the nurses on shift can look after at the ward ratio.
    public var meanStaffedBeds = 0.0
    /// Mean occupied over mean open beds, %.
    public var occupancyPercent = 0.0
    /// Share of time with occupied (and cleaning) beds at or above 85% of open beds, %.
    public var timeAtOrAbove85Percent = 0.0
    /// The same at 92%, %.
    public var timeAtOrAbove92Percent = 0.0
    /// The same at 100% (full), %.
    public var timeFullPercent = 0.0
    /// Mean occupied over mean staffed beds, %.
    public var staffedBedUtilisationPercent = 0.0
    /// Admissions into the unit in the window.
    public var admissions = 0
    /// Of which outliers from another specialty.
    public var outliersHosted = 0
    /// Bed-days used (occupied bed-days).
    public var bedDays = 0.0
    /// Bed-days of patients whose stay was over but who waited in the bed: for a bed elsewhere (blocked) or to go
    /// home (delayed discharge).
    public var waitingBedDays = 0.0
    /// Hours the escalation beds were open.
    public var escalationHours = 0.0
    /// Patients in the unit at each local midnight of the window.
    public var midnightCensus: [Int] = []
    /// Demand for the unit's beds at each local midnight: its patients plus those waiting for a bed (in ED, in
    /// another unit, in recovery) whose first choice it is.
    public var midnightDemand: [Int] = []
    /// Of each midnight's demand, the waiting patients already in a bed of another unit in the same group (general
    /// and acute, or critical care): a group's demand counts them once (`BedForecast`).
    public var midnightDemandInGroup: [Int] = []
    /// Staffed beds at each local midnight: open beds the nurses on the night shift can look after at the unit's
    /// usual ratio.
    public var midnightStaffedBeds: [Double] = []

    public init() {}
}

/// The emergency department's measures.
public struct EmergencyDepartmentKPIs: Sendable, Hashable, Codable {
    /// Attendances in the window: arrivals the department took in (readmissions among them; not those diverted,
    /// who attend elsewhere).
    public var attendances = 0
    /// Readmissions arriving in the window, taken in or diverted: patients coming back within 30 days of a discharge.
    public var readmissionArrivals = 0
    /// Diverted on arrival because the department was full.
    public var diversions = 0
    /// Admitted patients transferred to another hospital because the boarding limit was reached.
    public var transfersOut = 0
    /// Patients streamed to same-day emergency care in the window (nil when the hospital has none): emergency
    /// admissions of zero days in England's counting, departures of ED in the 4-hour standard but neither
    /// admitted to a bed nor non-admitted.
    public var sameDayEmergencyCare: Int?
    /// Patients who left ED in the window.
    public var departures = 0
    /// Of which admitted (moved to a bed).
    public var admissions = 0
    /// Departures within the 4-hour standard, % of departures.
    public var withinFourHoursPercent = 0.0
    /// Admitted departures within the 4-hour standard, % of admitted departures.
    public var admittedWithinFourHoursPercent = 0.0
    /// Departures not admitted (home, or transferred out) within the 4-hour standard, % of those departures.
    public var nonAdmittedWithinFourHoursPercent = 0.0
    /// Departures after more than 4 hours.
    public var fourHourBreaches = 0
    /// Departures after more than 12 hours from arrival.
    public var twelveHourStays = 0
    /// Admitted patients who waited more than 12 hours from the decision to admit to leaving for a bed
    /// (NHS England's "12-hour trolley waits").
    public var twelveHourTrolleyWaits = 0
    /// Mean minutes from arrival to leaving ED, all departures.
    public var meanMinutesInDepartment = 0.0
    /// Mean minutes from the decision to admit to leaving ED for a bed ("time to bed").
    public var meanTimeToBedMinutes = 0.0
    /// 95th percentile of the time to bed, minutes.
    public var p95TimeToBedMinutes = 0.0
    /// Hours admitted patients spent waiting in ED for a bed (boarding).
    public var boardingHours = 0.0
    /// Mean minutes from arrival to the start of the clinician's assessment.
    public var meanMinutesToAssessment = 0.0
}

/// The theatres' measures.
public struct TheatreKPIs: Sendable, Hashable, Codable {
    /// Elective sessions in the plan in the window.
    public var sessionsPlanned = 0
    /// Patients removed from the waiting lists without an operation in the window (nil when the scenario removes
    /// nobody, or in runs made before).
    public var removedFromLists: Int?
    /// Sessions that ran (a team was there).
    public var sessionsHeld = 0
    /// Minutes of the sessions that ran.
    public var sessionMinutes = 0.0
    /// Operating minutes inside those sessions' times.
    public var operatingMinutesInSessions = 0.0
    /// Operating minutes over session minutes, %.
    public var utilisationPercent = 0.0
    /// Sessions whose last case ended after the session's end.
    public var overruns = 0
    /// Minutes past the sessions' ends.
    public var overrunMinutes = 0.0
    /// Elective operations done.
    public var electiveCases = 0
    /// Emergency operations done.
    public var emergencyCases = 0
    /// All operating minutes, elective and emergency.
    public var operatingMinutes = 0.0
    /// Elective operations cancelled on the day, by reason.
    public var cancellations = CancellationCounts()
    /// Sessions whose bed meeting passed over a patient for want of a bed after the operation (the patient stays
    /// on the list, deferred: not a cancellation on the day).
    public var listsShortOfBeds = 0
    /// Patients on the elective waiting lists at the end.
    public var waitingListAtEnd = 0
    /// Mean days from referral to operation, for the operations done.
    public var meanWaitDays = 0.0
}

/// On-the-day cancellations of elective operations, by reason.
public struct CancellationCounts: Sendable, Hashable, Codable {
    /// No ward bed for after the operation.
    public var noWardBed = 0
    /// No critical-care bed for a patient who needed one after the operation.
    public var noCriticalCareBed = 0
    /// No theatre team for the session.
    public var noTheatreTeam = 0
    /// The list ran out of time.
    public var listOverran = 0

    /// All cancellations.
    public var total: Int { noWardBed + noCriticalCareBed + noTheatreTeam + listOverran }
}

extension TheatreKPIs {
    /// On-the-day cancellations per 100 elective operations done, %: NHS England's measure of last-minute
    /// cancellations for non-clinical reasons, which divides them by elective admissions. 0 with no operation.
    public var cancellationPercent: Double {
        electiveCases > 0 ? 100 * Double(cancellations.total) / Double(electiveCases) : 0
    }
}

/// Staff hours of one group on one shift on one kind of day.
public struct StaffHoursKPIs: Sendable, Hashable, Codable {
    /// The group.
    public var group = StaffGroup.registeredNurse
    /// The shift's name.
    public var shift = ""
    /// "weekday" or "weekend".
    public var dayKind = ""
    /// Hours rostered to substantive staff (the roster's posts less the vacant ones).
    public var rosteredHours = 0.0
    /// Hours of the roster's posts with no substantive holder (nil in runs made before vacancies were modelled).
    public var vacantHours: Double?
    /// Hours lost to unplanned absence.
    public var absentHours = 0.0
    /// Hours worked by bank staff covering vacancies and absence.
    public var bankHours = 0.0
    /// Hours worked by agency staff covering vacancies and absence.
    public var agencyHours = 0.0
    /// Hours worked in all (rostered less absent, plus bank and agency).
    public var workedHours = 0.0
}

/// Time a unit spent with fewer registered nurses than its patients needed, by shift.
public struct SafeStaffingKPIs: Sendable, Hashable, Codable {
    /// The unit.
    public var unit = ""
    /// The shift.
    public var shift = ""
    /// Hours below the safe ratio.
    public var hoursBelowSafeRatio = 0.0
    /// Hours of that shift in the window.
    public var shiftHours = 0.0
}

/// Patient outcomes and flows.
public struct PatientKPIs: Sendable, Hashable, Codable {
    /// Spells ended (inpatients discharged or died) in the window, and their mean length of stay, by pathway.
    public var spells: [PathwayStayKPIs] = []
    /// Inpatients discharged alive in the window.
    public var dischargesAlive = 0
    /// In-hospital deaths in the window.
    public var deaths = 0
    /// Discharges that left more than a day (1,440 minutes) after the clinical stay ended — waiting for a care-home
    /// placement or for windows a weekend closes: delayed discharges, as NHS England's discharge-delay statistics
    /// count them (patients discharged one or more days after their discharge-ready date).
    public var delayedDischarges = 0
    /// Bed-days all discharged patients spent in bed after their clinical stay ended (every wait for a discharge
    /// window or a placement, of delayed discharges and the rest), in the window.
    public var bedDaysAwaitingDischarge = 0.0
    /// Stays in a unit's bed that ended in the window, by pathway and the twin's care state: the clinical stay and
    /// the wait in the bed after it (for a discharge window, a placement, a bed in the next unit). Nil in runs made
    /// before they were measured.
    public var bedStays: [BedStayKPIs]?
    /// Inpatients (in a bed, theatre or recovery, not ED) whose spell began 7 or more days before, at the mean
    /// measured midnight: NHS England's "stranded" patients; and 21 or more days: "super-stranded". Nil in runs
    /// made before they were measured; each midnight's counts are in `flows`.
    public var meanStrandedAtMidnight: Double?
    /// Patients whose spell began 21 or more days before, at the mean measured midnight (a subset of the
    /// stranded); nil in runs made before it was measured.
    public var meanSuperStrandedAtMidnight: Double?
    /// Discharges alive with 30 days of follow-up inside the run.
    public var followedDischarges = 0
    /// Of which readmitted as emergencies within 30 days.
    public var readmissions30Days = 0
    /// Readmitted within 30 days, % of followed discharges.
    public var readmissionPercent = 0.0
    /// The same by LACE band at discharge: low (0–4), moderate (5–9), high (10+).
    public var readmissionsByLaceBand: [GroupRate] = []

    /// In-hospital deaths per 1,000 inpatient spells ended in the window (crude mortality, a rate that does not
    /// move with throughput as the count does); 0 when no spell ended.
    public var deathsPerThousandSpells: Double {
        let ended = spells.reduce(0) { $0 + $1.spells }
        return ended > 0 ? 1000 * Double(deaths) / Double(ended) : 0
    }

    /// Delayed discharges per 100 inpatients discharged alive in the window; 0 when none was discharged.
    public var delayedDischargesPerHundred: Double {
        dischargesAlive > 0 ? 100 * Double(delayedDischarges) / Double(dischargesAlive) : 0
    }
}

/// Spells and length of stay of one pathway.
public struct PathwayStayKPIs: Sendable, Hashable, Codable {
    /// The pathway.
    public var pathway = Pathway.emergencyMedical
    /// Spells ended.
    public var spells = 0
    /// Mean length of stay, days.
    public var meanLengthOfStayDays = 0.0
    /// Bed-days of those spells.
    public var bedDays = 0.0
    /// Median and 90th percentile length of stay, days (nil in runs made before they were measured).
    public var medianLengthOfStayDays: Double?
    /// The 90th percentile of those spells' length of stay, days; nil in runs made before it was measured.
    public var p90LengthOfStayDays: Double?
    /// Spells that ended on the day they began or the next (0 or 1 local midnights), % — how Hospital Episode
    /// Statistics count "0–1 day" stays (nil in runs made before it was measured).
    public var zeroOrOneDayPercent: Double?
}

/// Stays in a unit's bed of one pathway in one care state: what a feed records as the time in the bed is the sum
/// of the two means.
public struct BedStayKPIs: Sendable, Hashable, Codable {
    /// The patients' pathway.
    public var pathway: Pathway
    /// The twin's care state during the stay (ward, critical care, …).
    public var state: CareState
    /// Stays ended in the window.
    public var stays: Int
    /// Mean clinical stay in the state (from entering it to the end the twin drew), days.
    public var meanClinicalDays: Double
    /// Mean time in the bed after the clinical stay ended, days (≥ 0).
    public var meanWaitingDays: Double
    /// Of `meanWaitingDays`, the mean wait for a discharge window (from being ready to leave, a care-home place
    /// found, to the window's discharge), days (0…`meanWaitingDays`).
    public var meanWindowWaitingDays: Double

    /// A value from its parts.
    public init(pathway: Pathway, state: CareState, stays: Int, meanClinicalDays: Double, meanWaitingDays: Double,
                meanWindowWaitingDays: Double = 0)
    {
        self.pathway = pathway
        self.state = state
        self.stays = stays
        self.meanClinicalDays = meanClinicalDays
        self.meanWaitingDays = meanWaitingDays
        self.meanWindowWaitingDays = meanWindowWaitingDays
    }

    enum CodingKeys: String, CodingKey {
        case pathway, state, stays, meanClinicalDays, meanWaitingDays, meanWindowWaitingDays
    }

    /// Decodes a stored value; one stored before the window's wait was measured has none (0).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(pathway: try container.decode(Pathway.self, forKey: .pathway),
                  state: try container.decode(CareState.self, forKey: .state),
                  stays: try container.decode(Int.self, forKey: .stays),
                  meanClinicalDays: try container.decode(Double.self, forKey: .meanClinicalDays),
                  meanWaitingDays: try container.decode(Double.self, forKey: .meanWaitingDays),
                  meanWindowWaitingDays: try container.decodeIfPresent(Double.self, forKey: .meanWindowWaitingDays) ?? 0)
    }

    /// The clinical share of the time in the bed a fit still holds, in (0, 1]: clinical / (clinical + waiting −
    /// window waiting); 1 with no time. A fit that reads each discharge at a window's opening as ready some time
    /// before (`Calibrating`'s, interval-censored) holds no wait for a window, only the others.
    public var clinicalShare: Double {
        let held = meanClinicalDays + max(0, meanWaitingDays - meanWindowWaitingDays)
        return held > 0 ? meanClinicalDays / held : 1
    }

    /// Stays in a bed with fewer run than this keep their fitted length in `corrections`.
    public static let minimumStaysForCorrection = 20

    /// The factor for each pathway's bed stays (unit types: not the ED, theatre or recovery) in `stays` with
    /// `minimumStaysForCorrection` stays or more: its clinical share, clinical / (clinical + waiting), in (0, 1]. A
    /// run of a fitted model puts each patient in a bed for the fitted time plus the waits the model adds (for a
    /// discharge window, a care-home place, a bed in the next unit); a feed's time in a bed held the hospital's own
    /// waits already, so the fitted time scaled by the share is the clinical stay that, with the model's waits on
    /// top, gives about the time in a bed that was observed.
    public static func corrections(_ stays: [BedStayKPIs]) -> [Pathway: [CareState: Double]] {
        var shares: [Pathway: [CareState: Double]] = [:]
        for stay in stays where stay.stays >= minimumStaysForCorrection && ![.ed, .theatre, .recovery].contains(stay.state) {
            shares[stay.pathway, default: [:]][stay.state] = stay.clinicalShare
        }
        return shares
    }

    /// `stays` pooled by pathway and state (means weighted by their stays), in pathway then state order.
    public static func pooled(_ stays: [BedStayKPIs]) -> [BedStayKPIs] {
        var totals: [Pathway: [CareState: (n: Int, clinical: Double, waiting: Double, window: Double)]] = [:]
        for stay in stays {
            let t = totals[stay.pathway]?[stay.state] ?? (0, 0, 0, 0)
            let n = Double(stay.stays)
            totals[stay.pathway, default: [:]][stay.state] = (t.n + stay.stays, t.clinical + n * stay.meanClinicalDays,
                                                              t.waiting + n * stay.meanWaitingDays,
                                                              t.window + n * stay.meanWindowWaitingDays)
        }
        return Pathway.allCases.flatMap { pathway in
            CareState.allCases.compactMap { state -> BedStayKPIs? in
                guard let t = totals[pathway]?[state], t.n > 0 else { return nil }
                return BedStayKPIs(pathway: pathway, state: state, stays: t.n, meanClinicalDays: t.clinical / Double(t.n),
                                   meanWaitingDays: t.waiting / Double(t.n), meanWindowWaitingDays: t.window / Double(t.n))
            }
        }
    }
}

/// A count and a rate in a group of patients.
public struct GroupRate: Sendable, Hashable, Codable {
    /// The group's name.
    public var group = ""
    /// Patients counted.
    public var count = 0
    /// Events among them.
    public var events = 0
    /// Events per 100 patients.
    public var percent = 0.0
}

/// Waits and readmissions by deprivation and age.
public struct EquityKPIs: Sendable, Hashable, Codable {
    /// By Index of Multiple Deprivation quintile (1 most deprived): time in ED and readmission.
    public var byDeprivationQuintile: [EquityGroup] = []
    /// By age band (0–17, 18–64, 65–79, 80+).
    public var byAgeBand: [EquityGroup] = []
}

/// The measures of one equity group.
public struct EquityGroup: Sendable, Hashable, Codable {
    /// The group.
    public var group = ""
    /// ED departures.
    public var departures = 0
    /// Mean minutes in ED; nil when the group had no departures (none, not 0).
    public var meanMinutesInDepartment: Double?
    /// Departures within 4 hours, %; nil when the group had no departures.
    public var withinFourHoursPercent: Double?
    /// Mean minutes from decision to admit to a bed, admitted patients; nil when none of the group was admitted.
    public var meanTimeToBedMinutes: Double?
    /// Elective operations.
    public var electiveOperations = 0
    /// Mean days waited for them; nil when the group had none.
    public var meanElectiveWaitDays: Double?
    /// Followed discharges and 30-day readmissions (its percent is 0 when none was followed: see `count`).
    public var readmission = GroupRate()
}

/// The patients counted at one local midnight: the conservation identity holds each day.
public struct DailyFlow: Sendable, Hashable, Codable {
    /// The date.
    public var date = ""
    /// Patients who arrived since the start of the run: ED attendances and elective admissions (a readmission
    /// arrives as a new attendance).
    public var arrived = 0
    /// Left alive: from ED, or discharged from a ward.
    public var discharged = 0
    /// Died in hospital.
    public var died = 0
    /// In hospital at midnight (ED, units, theatres, waiting anywhere).
    public var inHospital = 0
    /// Diverted on arrival.
    public var diverted = 0
    /// Transferred to another hospital from ED.
    public var transferredOut = 0
    /// Inpatients at midnight whose spell began 7 or more days before (stranded), and 21 or more
    /// (super-stranded); nil in runs made before they were counted.
    public var stranded: Int?
    /// Of `stranded`, those whose spell began 21 or more days before; nil in runs made before they were counted.
    public var superStranded: Int?
    /// Of `discharged`, inpatient spells ended alive since the start of the run (a day's discharges from beds are
    /// the difference between two midnights); nil in runs made before they were counted.
    public var inpatientDischarges: Int?
    /// ED departures since the start of the run, and their minutes in the department summed (a day's mean time in
    /// ED is the difference of the minutes over the difference of the departures); nil in runs made before.
    public var edDepartures: Int?
    /// Minutes in the ED of those departures, summed since the start of the run; nil in runs made before.
    public var edMinutesInDepartment: Double?
    /// Patients on the elective waiting lists at midnight (nil without theatres, or in runs made before).
    public var electiveWaitingList: Int?

    public init() {}
}

/// When an hour is worked, as NHS Agenda for Change pays it (Annex 2, unsocial hours): the rule stated once.
public enum PayPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Monday to Friday, 06:00–20:00, not a public holiday.
    case standard
    /// Monday to Friday 20:00–06:00, and all of Saturday (not public holidays).
    case unsocial
    /// All of Sunday, and all of a public holiday (Agenda for Change pays them alike).
    case sunday

    /// Position in `allCases`.
    public var ordinal: Int {
        switch self {
        case .standard: 0
        case .unsocial: 1
        case .sunday: 2
        }
    }

    /// The minutes of [start, end) (simulation minutes) in each pay period, in time order, each piece with the
    /// simulation minute it starts at: a shift cut at 06:00, 20:00 and midnight (so a piece never crosses a month).
    /// `publicHolidays` are local days since 1970-01-01, paid as Sundays.
    public static func split(from start: Double, to end: Double, clock: SimulationClock, publicHolidays: Set<Int> = [])
        -> [(start: Double, period: PayPeriod, minutes: Double)]
    {
        var pieces: [(start: Double, period: PayPeriod, minutes: Double)] = []
        var now = start
        while now < end {
            let local = clock.localMinutesSinceEpoch(atMinute: now)
            let midnight = (local / 1440).rounded(.down) * 1440
            let minuteOfDay = local - midnight
            let boundary: Double = minuteOfDay < 360 - 1e-9 ? 360 : minuteOfDay < 1200 - 1e-9 ? 1200 : 1440
            let next = clock.minute(atLocalMinutesSinceEpoch: midnight + boundary)
            let stop = min(end, max(next, now + 1e-6))
            let period: PayPeriod = if publicHolidays.contains(Int(midnight / 1440)) {
                .sunday
            } else {
                switch Weekday(daysSinceEpoch: midnight / 1440) {
                case .sunday: .sunday
                case .saturday: .unsocial
                default: minuteOfDay < 360 || minuteOfDay >= 1200 ? .unsocial : .standard
                }
            }
            pieces.append((now, period, stop - now))
            now = stop
        }
        return pieces
    }
}

/// One calendar month of the window: the activity that has a price.
public struct MonthKPIs: Sendable, Hashable, Codable {
    /// "2026-04".
    public var month = ""
    /// Days of the month inside the window: its local midnights from the window's start, not counting the one that
    /// ends the window.
    public var days = 0
    /// Minutes of the elective sessions held that started in the month.
    public var sessionMinutes = 0.0
    /// Operating minutes, elective and emergency, of operations ending in the month.
    public var operatingMinutes = 0.0
    /// Elective operations started in the month.
    public var electiveOperations = 0
    /// Elective operations cancelled on the day in the month, every reason.
    public var cancellations = 0
    /// Emergency readmissions (within 30 days of a discharge) arriving in the month.
    public var readmissions = 0
    /// ED attendances arriving in the month and seen (not diverted).
    public var edAttendances = 0
    /// Spells ended in the month, by pathway (every pathway, in `Pathway.allCases` order).
    public var spells: [PathwayCount] = []

    /// A month with no counts yet; `month` is "YYYY-MM".
    public init(month: String = "") { self.month = month }
}

/// A count for one pathway.
public struct PathwayCount: Sendable, Hashable, Codable {
    /// The pathway.
    public var pathway: Pathway
    /// How many (≥ 0).
    public var count = 0

    /// `count` of `pathway`.
    public init(pathway: Pathway, count: Int) {
        self.pathway = pathway
        self.count = count
    }
}

/// Where staff work, as the KPIs name it: a unit by its name, the emergency department or the theatres. Encoded as
/// one string (`name`: the unit's name, "emergency_department" or "theatres"); scenarios refuse a unit named like
/// the other two (`ReservedNames`), so the string reads back as the place it was.
public enum StaffPlaceName: Sendable, Hashable, Codable {
    case emergencyDepartment
    case theatres
    /// An inpatient unit, by its name.
    case unit(String)

    /// The encoded name.
    public var name: String {
        switch self {
        case .emergencyDepartment: "emergency_department"
        case .theatres: "theatres"
        case .unit(let name): name
        }
    }

    /// The place a name encodes.
    public init(name: String) {
        switch name {
        case "emergency_department": self = .emergencyDepartment
        case "theatres": self = .theatres
        default: self = .unit(name)
        }
    }

    public init(from decoder: any Decoder) throws { self.init(name: try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Staff hours of one group at one place in one pay period of one month.
public struct StaffMonthKPIs: Sendable, Hashable, Codable {
    /// "2026-04".
    public var month = ""
    /// Where.
    public var place: StaffPlaceName
    /// The staff group.
    public var group: StaffGroup
    /// The pay period.
    public var period: PayPeriod
    /// Hours on the roster, before absence (≥ 0).
    public var rosteredHours = 0.0
    /// Of the rostered hours, hours the rostered staff were absent (filled by bank or agency, or not at all).
    public var absentHours = 0.0
    /// Hours worked by bank staff covering vacancies and absence.
    public var bankHours = 0.0
    /// Hours worked by agency staff covering vacancies and absence.
    public var agencyHours = 0.0
    /// Rostered less absent, plus bank and agency.
    public var workedHours = 0.0

    /// A row with no hours yet.
    public init(month: String, place: StaffPlaceName, group: StaffGroup, period: PayPeriod) {
        self.month = month
        self.place = place
        self.group = group
        self.period = period
    }
}

/// Occupied bed-days of one unit in one month (its midnight census summed over the month's measured midnights, as
/// KH03 counts occupied overnight beds).
public struct UnitMonthBedDays: Sendable, Hashable, Codable {
    /// The unit's name, as the scenario gives it.
    public var unit = ""
    /// The unit's kind (its cost centre's kind).
    public var kind: UnitKind
    /// "YYYY-MM".
    public var month = ""
    /// Occupied bed-days: patients in the unit's beds summed over the month's measured midnights.
    public var bedDays = 0.0
    /// Its physical beds, for fixed costs.
    public var beds = 0
}

extension HospitalKPIs {
    /// Occupied bed-days by unit and month, from the midnight census (units in scenario order, months in order): a
    /// day's census is taken at the midnight that starts it, so the last midnight, which ends the window, counts
    /// for no day.
    public var bedDaysByUnitMonth: [UnitMonthBedDays] {
        var rows: [UnitMonthBedDays] = []
        for unit in units {
            var byMonth: [String: Double] = [:]
            var order: [String] = []
            for (day, census) in unit.midnightCensus.enumerated() where day < flows.count - 1 {
                let month = String(flows[day].date.prefix(7))
                if byMonth[month] == nil { order.append(month) }
                byMonth[month, default: 0] += Double(census)
            }
            rows += order.map { UnitMonthBedDays(unit: unit.name, kind: unit.kind, month: $0, bedDays: byMonth[$0]!, beds: unit.beds) }
        }
        return rows
    }
}

/// Staff hours by month, place, group and pay period, as a table by columns: one line per place, group and pay
/// period with its hours in each month — a year of a large hospital has thousands of rows, and this is a third of
/// their size, in memory and as JSON. Read as a collection of `StaffMonthKPIs` rows: month by month, lines in
/// place, group and pay-period order (names alphabetically, periods as `PayPeriod` lists them), cells with no
/// hours left out; one order whatever order the rows were given in, so a table reads back equal to itself.
public struct StaffMonthTable: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral, Codable {
    /// One place, group and pay period: its hours in each month of the table's `months` (0 where it had none).
    public struct Line: Sendable, Hashable, Codable {
        /// Where the staff worked.
        public let place: StaffPlaceName
        /// The staff group.
        public let group: StaffGroup
        /// The pay period.
        public let period: PayPeriod
        public fileprivate(set) var rosteredHours: [Double]
        public fileprivate(set) var absentHours: [Double]
        public fileprivate(set) var bankHours: [Double]
        public fileprivate(set) var agencyHours: [Double]
        public fileprivate(set) var workedHours: [Double]

        var figures: [[Double]] { [rosteredHours, absentHours, bankHours, agencyHours, workedHours] }

        func hasHours(inMonth m: Int) -> Bool { figures.contains { $0[m] != 0 } }
    }

    /// The months, "YYYY-MM", in order.
    public private(set) var months: [String]
    /// The lines, in place, group and pay-period order; each has one figure per month.
    public private(set) var lines: [Line]
    /// The (month, line) of each row: the cells with any hours, month by month (derived, not stored).
    private var cells: [(month: Int32, line: Int32)]

    enum CodingKeys: String, CodingKey { case months, lines }

    /// The table of `rows`, in any order; rows of the same month, place, group and period add up.
    public init(_ rows: [StaffMonthKPIs]) {
        months = Array(Set(rows.map(\.month))).sorted()
        let monthIndex = Dictionary(uniqueKeysWithValues: months.enumerated().map { ($1, $0) })
        var lines: [Line] = []
        var lineIndex: [String: Int] = [:]
        let zeros = [Double](repeating: 0, count: months.count)
        for row in rows {
            let key = "\(row.place.name)\u{1F}\(row.group.rawValue)\u{1F}\(row.period.rawValue)"
            let index = lineIndex[key] ?? {
                lines.append(Line(place: row.place, group: row.group, period: row.period, rosteredHours: zeros,
                                  absentHours: zeros, bankHours: zeros, agencyHours: zeros, workedHours: zeros))
                lineIndex[key] = lines.count - 1
                return lines.count - 1
            }()
            let m = monthIndex[row.month]!
            lines[index].rosteredHours[m] += row.rosteredHours
            lines[index].absentHours[m] += row.absentHours
            lines[index].bankHours[m] += row.bankHours
            lines[index].agencyHours[m] += row.agencyHours
            lines[index].workedHours[m] += row.workedHours
        }
        lines.sort { ($0.place.name, $0.group.rawValue, $0.period.ordinal) < ($1.place.name, $1.group.rawValue, $1.period.ordinal) }
        self.lines = lines
        cells = Self.cells(months: months, lines: lines)
    }

    public init(arrayLiteral rows: StaffMonthKPIs...) { self.init(rows) }

    /// The table of `months` ("YYYY-MM", sorted) and `lines` (sorted by place name, group and pay period; `hours`
    /// the rostered, absent, bank, agency and worked hours, each one value per month), as `init(_:)` makes it from
    /// the rows these hold.
    init(months: [String], lines: [(place: StaffPlaceName, group: StaffGroup, period: PayPeriod, hours: [[Double]])]) {
        self.months = months
        self.lines = lines.map {
            Line(place: $0.place, group: $0.group, period: $0.period, rosteredHours: $0.hours[0], absentHours: $0.hours[1],
                 bankHours: $0.hours[2], agencyHours: $0.hours[3], workedHours: $0.hours[4])
        }
        cells = Self.cells(months: months, lines: self.lines)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let months = try container.decode([String].self, forKey: .months)
        let lines = try container.decode([Line].self, forKey: .lines)
        for line in lines where !line.figures.allSatisfy({ $0.count == months.count }) {
            throw DecodingError.dataCorruptedError(
                forKey: .lines, in: container,
                debugDescription: "staff hours of \(line.place.name), \(line.group.rawValue), \(line.period.rawValue): "
                    + "expected \(months.count) months of each figure")
        }
        (self.months, self.lines) = (months, lines)
        cells = Self.cells(months: months, lines: lines)
    }

    static func cells(months: [String], lines: [Line]) -> [(month: Int32, line: Int32)] {
        var cells: [(month: Int32, line: Int32)] = []
        for m in months.indices {
            for (l, line) in lines.enumerated() where line.hasHours(inMonth: m) { cells.append((Int32(m), Int32(l))) }
        }
        return cells
    }

    public static func == (a: StaffMonthTable, b: StaffMonthTable) -> Bool { a.months == b.months && a.lines == b.lines }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(months)
        hasher.combine(lines)
    }

    public var startIndex: Int { cells.startIndex }
    public var endIndex: Int { cells.endIndex }

    public subscript(position: Int) -> StaffMonthKPIs {
        let (m, l) = (Int(cells[position].month), Int(cells[position].line))
        let line = lines[l]
        var row = StaffMonthKPIs(month: months[m], place: line.place, group: line.group, period: line.period)
        row.rosteredHours = line.rosteredHours[m]
        row.absentHours = line.absentHours[m]
        row.bankHours = line.bankHours[m]
        row.agencyHours = line.agencyHours[m]
        row.workedHours = line.workedHours[m]
        return row
    }
}

/// The daily flows of a run, as a table by columns (a date list and one list per count): a third of the size of
/// one object per day. Read as a collection of `DailyFlow`, one a day in order.
public struct DailyFlowTable: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral, Codable {
    /// The dates, "YYYY-MM-DD"; every other column has one value per date.
    public private(set) var dates: [String] = []
    public private(set) var arrived: [Int] = []
    public private(set) var discharged: [Int] = []
    public private(set) var died: [Int] = []
    public private(set) var inHospital: [Int] = []
    public private(set) var diverted: [Int] = []
    public private(set) var transferredOut: [Int] = []
    /// Nil in runs made before they were counted.
    public private(set) var stranded: [Int]?
    public private(set) var superStranded: [Int]?
    public private(set) var inpatientDischarges: [Int]?
    public private(set) var edDepartures: [Int]?
    public private(set) var edMinutesInDepartment: [Double]?
    public private(set) var electiveWaitingList: [Int]?

    /// The table of `days`, in their order (one per measured midnight).
    public init(_ days: [DailyFlow]) {
        dates = days.map(\.date)
        arrived = days.map(\.arrived)
        discharged = days.map(\.discharged)
        died = days.map(\.died)
        inHospital = days.map(\.inHospital)
        diverted = days.map(\.diverted)
        transferredOut = days.map(\.transferredOut)
        if days.allSatisfy({ $0.stranded != nil && $0.superStranded != nil }) {
            stranded = days.map { $0.stranded ?? 0 }
            superStranded = days.map { $0.superStranded ?? 0 }
        }
        if days.allSatisfy({ $0.inpatientDischarges != nil }) { inpatientDischarges = days.map { $0.inpatientDischarges ?? 0 } }
        if days.allSatisfy({ $0.edDepartures != nil && $0.edMinutesInDepartment != nil }) {
            edDepartures = days.map { $0.edDepartures ?? 0 }
            edMinutesInDepartment = days.map { $0.edMinutesInDepartment ?? 0 }
        }
        if !days.isEmpty, days.allSatisfy({ $0.electiveWaitingList != nil }) { electiveWaitingList = days.map { $0.electiveWaitingList ?? 0 } }
    }

    public init(arrayLiteral days: DailyFlow...) { self.init(days) }

    enum CodingKeys: String, CodingKey {
        case dates, arrived, discharged, died, inHospital, diverted, transferredOut, stranded, superStranded, inpatientDischarges
        case edDepartures, edMinutesInDepartment, electiveWaitingList
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dates = try c.decode([String].self, forKey: .dates)
        for (key, column) in [(CodingKeys.arrived, \DailyFlowTable.arrived), (.discharged, \.discharged), (.died, \.died),
                              (.inHospital, \.inHospital), (.diverted, \.diverted), (.transferredOut, \.transferredOut)] {
            self[keyPath: column] = try c.decode([Int].self, forKey: key)
            guard self[keyPath: column].count == dates.count else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                    "flows: expected \(dates.count) values of \(key.stringValue), one per date, found \(self[keyPath: column].count)")
            }
        }
        edMinutesInDepartment = try c.decodeIfPresent([Double].self, forKey: .edMinutesInDepartment)
        if let values = edMinutesInDepartment, values.count != dates.count {
            throw DecodingError.dataCorruptedError(forKey: .edMinutesInDepartment, in: c, debugDescription:
                "flows: expected \(dates.count) values of edMinutesInDepartment, one per date, found \(values.count)")
        }
        for (key, column) in [(CodingKeys.stranded, \DailyFlowTable.stranded), (.superStranded, \.superStranded),
                              (.inpatientDischarges, \.inpatientDischarges), (.edDepartures, \.edDepartures),
                              (.electiveWaitingList, \.electiveWaitingList)] {
            self[keyPath: column] = try c.decodeIfPresent([Int].self, forKey: key)
            if let values = self[keyPath: column], values.count != dates.count {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                    "flows: expected \(dates.count) values of \(key.stringValue), one per date, found \(values.count)")
            }
        }
    }

    public var startIndex: Int { dates.startIndex }
    public var endIndex: Int { dates.endIndex }

    public subscript(position: Int) -> DailyFlow {
        var flow = DailyFlow()
        (flow.date, flow.arrived, flow.discharged, flow.died) = (dates[position], arrived[position], discharged[position], died[position])
        (flow.inHospital, flow.diverted, flow.transferredOut) = (inHospital[position], diverted[position], transferredOut[position])
        (flow.stranded, flow.superStranded) = (stranded?[position], superStranded?[position])
        flow.inpatientDischarges = inpatientDischarges?[position]
        (flow.edDepartures, flow.edMinutesInDepartment) = (edDepartures?[position], edMinutesInDepartment?[position])
        flow.electiveWaitingList = electiveWaitingList?[position]
        return flow
    }
}
