import Finance
import HospitalModel
import PatientTwin

/// Every key a scenario file may hold: its type, unit, default and meaning. The one statement of the format —
/// the decoder reads and checks files by it, `hospital-twin scenario schema` publishes it as JSON Schema for
/// editors, and Docs/SCENARIO-REFERENCE.md is generated from it.
public enum ScenarioSchema {
    static let specialties = Specialty.allCases.map(\.rawValue)
    static let emergencyPathways = Pathway.allCases.filter(\.isEmergency).map(\.rawValue)
    static let electivePathways = Pathway.allCases.filter { !$0.isEmergency }.map(\.rawValue)
    static let groups = StaffGroup.allCases.map(\.rawValue)
    static let share = SchemaType.number(min: 0, max: 1, exclusiveMinimum: false)
    static let count = SchemaType.integer(min: 0, max: nil)
    static let positive = SchemaType.number(min: 0, max: nil, exclusiveMinimum: true)
    static let nonNegative = SchemaType.number(min: 0, max: nil, exclusiveMinimum: false)

    /// The attendance rate by local hour of the day that the ED uses unless a scenario gives its own: relative
    /// weights (they are normalised), a morning rise, a peak from 10:00 to 13:00, a slow evening fall — the shape
    /// NHS England's hourly A&E arrival statistics show (Docs/SCENARIOS.md).
    public static let defaultHourlyProfile = "[2.3, 1.9, 1.6, 1.4, 1.3, 1.3, 1.8, 2.9, 4.6, 5.9, 6.4, 6.4, 6.2, 6.0, 5.9, "
        + "5.8, 5.7, 5.6, 5.4, 5.1, 4.7, 4.2, 3.5, 2.9]"
    /// Relative attendances Monday to Sunday: Monday busiest.
    public static let defaultWeekdayProfile = "[1.10, 1.02, 0.99, 0.98, 0.99, 0.95, 0.97]"

    static let triageClass = SchemaType.object([
        SchemaField("category", .integer(min: 1, max: 5), required: true,
                    "Manchester triage category: 1 immediate, 2 very urgent, 3 urgent, 4 standard, 5 non-urgent"),
        SchemaField("share", share, required: true, "share of attendances in this category (shares are normalised)"),
        SchemaField("admit", share, required: true, "probability that a patient of this category is admitted"),
    ])

    static let sameDayEmergencyCare = SchemaType.object([
        SchemaField("places", .integer(min: 1, max: nil), required: true, unit: "places", "chairs and trolleys: patients at once"),
        SchemaField("opens", .timeOfDay, default: "\"08:00\"", "patients are streamed there from (local time)"),
        SchemaField("closes", .timeOfDay, default: "\"20:00\"", "until (local time; those there at closing finish)"),
        SchemaField("triage", .list(.integer(min: 1, max: 5), identity: nil), default: "[2, 3]",
                    "the triage categories it takes"),
        SchemaField("share", share, required: true,
                    "probability that a patient of those categories whom ED would send home is streamed to SDEC, when "
                    + "it is open with a place free"),
        SchemaField("stay_minutes", .distribution, required: true, unit: "minutes", "time in SDEC before going home"),
    ])

    static let emergencyDepartment = SchemaType.object([
        SchemaField("attendances_per_day", positive, required: true, unit: "per day",
                    "mean attendances a day over the week (a non-homogeneous Poisson process shaped by the profiles)"),
        SchemaField("hourly_profile", .list(nonNegative, identity: nil, count: 24), default: defaultHourlyProfile,
                    "relative attendance rate for each local hour 00–23"),
        SchemaField("weekday_profile", .list(nonNegative, identity: nil, count: 7), default: defaultWeekdayProfile,
                    "relative attendance rate Monday to Sunday"),
        SchemaField("hour_of_week_profile", .list(nonNegative, identity: nil, count: 168),
                    "relative attendance rate for each local hour of the week, Monday 00:00–00:59 first (168 values); "
                    + "when given it replaces hourly_profile and weekday_profile (hospital-twin calibrate writes it)"),
        SchemaField("monthly_profile", .list(nonNegative, identity: nil, count: 12),
                    default: "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                    "relative attendance rate for each local month, January first (normalised to mean 1, so "
                    + "attendances_per_day stays the mean of the twelve months)"),
        SchemaField("cubicles", .integer(min: 1, max: nil), required: true, unit: "cubicles",
                    "cubicles and trolleys where patients are treated and admitted patients wait for a bed"),
        SchemaField("capacity", .integer(min: 1, max: nil), unit: "patients",
                    "patients the department holds at once before it diverts arrivals (absent: never)"),
        SchemaField("boarding_limit", count, unit: "patients",
                    "admitted patients who may wait in ED for a bed; beyond it they are transferred out (absent: no limit)"),
        SchemaField("target_minutes", positive, default: "240", unit: "minutes",
                    "the standard for time in the department (the NHS four-hour standard)"),
        SchemaField("assessment_minutes", .distribution, required: true, unit: "minutes",
                    "a clinician's time for a patient's first assessment"),
        SchemaField("discharged_stay_minutes", .distribution, required: true, unit: "minutes",
                    "time in the department, from arrival, of a patient who goes home from ED"),
        SchemaField("triage", .list(triageClass, identity: ["category"]), required: true,
                    "triage categories: share of attendances and admission probability"),
        SchemaField("admitted_pathways", .map(keys: emergencyPathways, value: nonNegative), required: true,
                    "shares of the admitted patients by emergency pathway (normalised)"),
        SchemaField("same_day_emergency_care", sameDayEmergencyCare,
                    "same-day emergency care (SDEC): patients ED would send home, streamed there and home the same day; "
                    + "England counts them as zero-day emergency admissions (absent: none)"),
    ])

    static let escalation = SchemaType.object([
        SchemaField("beds", count, required: true, unit: "beds", "escalation beds"),
        SchemaField("open_at", share, default: "0.95", "open them when occupied and cleaning beds reach this share of the open beds"),
        SchemaField("close_below", share, default: "0.85",
                    "close them when occupancy falls below this share of the base beds and they are empty"),
    ])

    static let unit = SchemaType.object([
        SchemaField("name", .string(nonEmpty: true), required: true,
                    "the unit's name, unique ignoring case, spaces, '_', '-' and width; rosters and census files refer to it. "
                    + "Reserved, as they already name other places or cost centres: emergency_department, ed, theatres, "
                    + "Hospital and names starting 'Spells:'. No spaces around it, no tabs or line breaks"),
        SchemaField("type", .choice(UnitKind.allCases.map(\.rawValue)), required: true,
                    "what the unit is: which patient-twin state it takes"),
        SchemaField("specialties", .list(.choice(specialties), identity: nil),
                    "the specialties whose patients it is home to (absent: every specialty)"),
        SchemaField("beds", count, required: true, unit: "beds", "physical beds open in normal running"),
        SchemaField("escalation", escalation, "escalation beds opened by occupancy (absent: none)"),
        SchemaField("turnaround_minutes", .distribution, unit: "minutes",
                    "minutes a bed is out of use for cleaning after a patient leaves (absent: none)"),
        SchemaField("elective_only", .boolean, default: "false",
                    "a ring-fenced elective unit: only elective patients, no emergency admissions or outliers"),
    ])

    static let window = SchemaType.object([
        SchemaField("days", .weekdays, required: true, "the days of the window"),
        SchemaField("from", .timeOfDay, required: true, "opens (local time)"),
        SchemaField("to", .timeOfDay, required: true, "closes (local time)"),
        SchemaField("share", share, default: "1", "share of the patients ready for it who leave in it; the rest wait for the next"),
    ])

    static let period = SchemaType.object([
        SchemaField("from", .timeOfDay, required: true, "session start"),
        SchemaField("to", .timeOfDay, required: true, "session end"),
    ])

    static let session = SchemaType.object([
        SchemaField("room", .integer(min: 1, max: nil), required: true, "the elective room, 1 to rooms"),
        SchemaField("days", .weekdays, required: true, "the weekdays the session runs"),
        SchemaField("period", .choice(SessionPeriod.allCases.map(\.rawValue)), required: true, "am or pm"),
        SchemaField("specialty", .choice(specialties), required: true, "the specialty whose waiting list fills the session"),
    ])

    static let demand = SchemaType.object([
        SchemaField("specialty", .choice(specialties), required: true, "the specialty"),
        SchemaField("pathway", .choice(electivePathways), required: true, "the elective pathway its patients follow"),
        SchemaField("referrals_per_week", nonNegative, required: true, unit: "per week",
                    "new patients added to the waiting list (a Poisson process)"),
        SchemaField("waiting_list", count, default: "0", unit: "patients", "patients on the list at the start"),
    ])

    static let theatres = SchemaType.object([
        SchemaField("rooms", count, required: true, unit: "rooms", "elective theatre rooms, numbered from 1 in the sessions"),
        SchemaField("emergency_rooms", .integer(min: 1, max: nil), default: "1", unit: "rooms",
                    "rooms kept for emergency surgery, round the clock"),
        SchemaField("morning", period, default: "{from: \"08:30\", to: \"12:30\"}", "the AM session's times"),
        SchemaField("afternoon", period, default: "{from: \"13:30\", to: \"17:30\"}", "the PM session's times"),
        SchemaField("turnaround_minutes", nonNegative, default: "20", unit: "minutes", "between cases in a room"),
        SchemaField("allowed_overrun_minutes", nonNegative, default: "30", unit: "minutes",
                    "a case starts only if its booked minutes end within this after the session's end"),
        SchemaField("recovery_bays", count, unit: "bays", "post-anaesthesia recovery bays (absent: never short)"),
        SchemaField("bed_meeting", .boolean, default: "true",
                    "book lists at a bed meeting: call in a patient who needs a bed after the operation only when one "
                    + "is free or due by the session's end; the rest are deferred, not cancelled on the day"),
        SchemaField("sessions", .list(session, identity: ["room", "days", "period"]), default: "[]",
                    "the weekly session plan"),
        SchemaField("release_held_beds_after_minutes", positive, unit: "minutes",
                    "an admitted patient who has waited this long in ED for a bed takes a bed the bed meeting held for an "
                    + "elective patient not yet in theatre (the latest case on today's lists), whose operation is cancelled "
                    + "on the day for want of a bed; checked hourly while it waits (absent: held beds are never given up)"),
        SchemaField("list_removals_per_year", nonNegative, default: "0", unit: "per patient-year",
                    "rate at which a patient on a waiting list leaves it without an operation (validated off, treated "
                    + "elsewhere, no longer wanting it): 0.15 removes about 14% of those listed over a year"),
        SchemaField("public_holiday_sessions", .boolean, default: "false",
                    "run the elective sessions on the scenario's public_holidays too (English hospitals mostly do not)"),
        SchemaField("elective_demand", .list(demand, identity: ["specialty"]), default: "[]",
                    "elective referrals and waiting lists by specialty"),
    ])

    static let shift = SchemaType.object([
        SchemaField("name", .string(nonEmpty: true), required: true, "the shift's name; rosters and ratios refer to it"),
        SchemaField("from", .timeOfDay, required: true, "starts (local time)"),
        SchemaField("to", .timeOfDay, required: true, "ends (local time; the next day when not after the start)"),
    ])

    static let roster = SchemaType.object([
        SchemaField("unit", .string(nonEmpty: true), required: true,
                    "where: a unit's name, or emergency_department, or theatres"),
        SchemaField("group", .choice(groups), required: true, "the staff group"),
        SchemaField("shift", .string(nonEmpty: true), required: true, "a shift's name"),
        SchemaField("days", .weekdays, default: "all", "the days the line is worked"),
        SchemaField("headcount", count, required: true, unit: "staff", "staff rostered on each of those shifts"),
    ])

    static let ratios = SchemaType.object([
        SchemaField("ward", .map(keys: nil, value: positive), default: "{}",
                    "level-0 (ward) patients per registered nurse, by shift name"),
        SchemaField("ward_default", positive, default: "8", unit: "patients per nurse",
                    "level-0 patients per nurse on shifts the ward map does not name"),
        SchemaField("level_1", positive, default: "4", unit: "patients per nurse",
                    "level 1: ward patients at risk (NEWS2 5+), assessment and stroke units"),
        SchemaField("level_2", positive, default: "2", unit: "patients per nurse", "level 2: HDU (Intensive Care Society 2021)"),
        SchemaField("level_3", positive, default: "1", unit: "patients per nurse", "level 3: ICU (Intensive Care Society 2021)"),
    ])

    static let staff = SchemaType.object([
        SchemaField("shifts", .list(shift, identity: ["name"]), default: "[]", "the shifts rosters use"),
        SchemaField("rosters", .list(roster, identity: ["unit", "group", "shift", "days"]), default: "[]",
                    "who works where: a line per unit, group, shift and days (a variant changes a line by naming it)"),
        SchemaField("absence", .map(keys: groups, value: share), default: "{}",
                    "chance that a rostered member of a group is absent from a shift, unplanned"),
        SchemaField("bank_fill", share, default: "0", "share of absence gaps filled by bank staff"),
        SchemaField("agency_fill", share, default: "0", "share of the gaps left after bank filled by agency staff"),
        SchemaField("vacancy", .map(keys: groups, value: share), default: "{}",
                    "share of a group's rostered posts with no substantive holder (NHS registered-nurse vacancy rates are "
                    + "8-10%): unpaid, their shifts are gaps known ahead"),
        SchemaField("vacancy_bank_fill", share, default: "0", "share of vacancy gaps filled by bank staff"),
        SchemaField("vacancy_agency_fill", share, default: "0", "share of the vacancy gaps left after bank filled by agency staff"),
        SchemaField("ratios", ratios, default: "{}", "patients per registered nurse by level of care"),
    ])

    static let run = SchemaType.object([
        SchemaField("horizon_days", .integer(min: 1, max: 3650), default: "365", unit: "days", "days simulated"),
        SchemaField("warmup_days", .integer(min: 0, max: 3650), default: "28", unit: "days",
                    "days simulated before measuring (the hospital starts empty)"),
        SchemaField("replications", .integer(min: 1, max: 10_000), default: "10", "independent replications"),
        SchemaField("seed", count, default: "1", "the master seed"),
    ])


    // MARK: Costs (defaults: `CostModel.reference`, stated once in the Finance module)

    static let unitKinds = UnitKind.allCases.map(\.rawValue)
    static let criticalCareKinds = UnitKind.allCases.filter(\.isCriticalCare).map(\.rawValue)
    static let reference = CostModel.reference

    /// A YAML flow mapping of `values` in `keys` order, for a default.
    static func flowMap<Key: RawRepresentable>(_ keys: [Key], _ value: (Key) -> String?) -> String where Key.RawValue == String {
        "{" + keys.compactMap { key in value(key).map { "\(key.rawValue): \($0)" } }.joined(separator: ", ") + "}"
    }

    static let staffRate = SchemaType.object([
        SchemaField("hourly", nonNegative, required: true, unit: "per hour",
                    "cost of a rostered hour at plain time: pay, employer's on-costs and the headroom that covers leave"),
        SchemaField("unsocial", nonNegative, default: "0.3",
                    "added share of the hourly cost for weekday hours 20:00–06:00 and all of Saturday (0.3: time plus 30%)"),
        SchemaField("sunday", nonNegative, default: "0.6", "added share of the hourly cost for hours on a Sunday"),
    ])

    static let income = SchemaType.object([
        SchemaField("spells", .map(keys: Pathway.allCases.map(\.rawValue), value: nonNegative),
                    default: flowMap(Pathway.allCases) { reference.spellIncome[$0].map(ScenarioValues.plain) }, unit: "per spell",
                    "income of a spell ended, by pathway; a pathway not named keeps its default"),
        SchemaField("ed_attendance", nonNegative, default: ScenarioValues.plain(reference.edAttendanceIncome),
                    unit: "per attendance", "income of an ED attendance seen (not diverted)"),
        SchemaField("critical_care_bed_day", .map(keys: criticalCareKinds, value: nonNegative),
                    default: flowMap(UnitKind.allCases) { reference.criticalCareBedDayIncome[$0].map(ScenarioValues.plain) },
                    unit: "per occupied bed-day", "income of a critical-care bed-day, paid beside the spell; a kind not named keeps its default"),
        SchemaField("cancelled_operation", nonNegative, default: ScenarioValues.plain(reference.cancelledOperationIncome),
                    unit: "per cancellation",
                    "income an on-the-day cancellation puts off (reported as a memo: spell income counts only operations done)"),
        SchemaField("readmission_penalty", nonNegative, default: ScenarioValues.plain(reference.readmissionPenalty),
                    unit: "per readmission", "income withheld for an emergency readmission within 30 days of a discharge"),
    ])

    static let costs = SchemaType.object([
        SchemaField("currency", .string(nonEmpty: true), default: reference.currency, "ISO 4217 code of every amount"),
        SchemaField("staff", .map(keys: groups, value: staffRate),
                    default: flowMap(StaffGroup.allCases) { group in
                        reference.staff[group].map {
                            "{hourly: \(ScenarioValues.plain($0.hourly)), unsocial: \(ScenarioValues.plain($0.unsocialEnhancement)), "
                                + "sunday: \(ScenarioValues.plain($0.sundayEnhancement))}"
                        }
                    },
                    "hourly cost and unsocial-hours enhancements by staff group; a group not named keeps its default"),
        SchemaField("bank_premium", .number(min: -1, max: nil, exclusiveMinimum: false),
                    default: ScenarioValues.plain(reference.bankPremium), "added share of the hourly cost for an hour of bank staff"),
        SchemaField("agency_premium", .number(min: -1, max: nil, exclusiveMinimum: false),
                    default: ScenarioValues.plain(reference.agencyPremium),
                    "added share of the hourly cost for an hour of agency staff, commission included"),
        SchemaField("bed_day", .map(keys: unitKinds, value: nonNegative),
                    default: flowMap(UnitKind.allCases) { reference.bedDay[$0].map(ScenarioValues.plain) }, unit: "per occupied bed-day",
                    "non-staff cost of an occupied bed-day (drugs, supplies, catering, cleaning) by unit type; a type not named keeps its default"),
        SchemaField("theatre_minute", nonNegative, default: ScenarioValues.plain(reference.theatreMinute), unit: "per operating minute",
                    "non-staff cost of an operating minute (consumables, sterile services, implants)"),
        SchemaField("bed_month", .map(keys: unitKinds, value: nonNegative),
                    default: flowMap(UnitKind.allCases) { reference.bedMonth[$0].map(ScenarioValues.plain) }, unit: "per bed per month",
                    "fixed cost of a physical bed (estates, equipment, capital charges) by unit type; a type not named keeps its default"),
        SchemaField("overhead_month", nonNegative, default: ScenarioValues.plain(reference.overheadMonth), unit: "per month",
                    "hospital overheads no unit carries"),
        SchemaField("income", income, default: "{}", "income and what is withheld"),
    ])

    /// The whole document.
    public static let document = SchemaType.object([
        SchemaField("name", .string(nonEmpty: true), required: true, "the scenario's name"),
        SchemaField("description", .string(nonEmpty: false), "what it is, in a sentence or two"),
        SchemaField("extends", .string(nonEmpty: true),
                    "a scenario file (relative to this one) this one varies: its keys override, lists with an identity merge item by item"),
        SchemaField("time_zone", .string(nonEmpty: true), default: "Europe/London",
                    "the hospital's time zone (IANA name): shifts, sessions, windows, profiles and the midnight census follow it"),
        SchemaField("start", .dateTime, default: "2026-01-05",
                    "the run's first moment: a date (its local midnight), or a local time to the minute"),
        SchemaField("public_holidays", .list(.date, identity: nil), default: "[]",
                    "public holidays (local dates): hours worked on them are paid as Sunday's (Agenda for Change)"),
        SchemaField("twin_model", .string(nonEmpty: true), default: "built-in",
                    "the patient-twin model: built-in, or a model file (relative to this file) written by twins fit"),
        SchemaField("stay_scale", .map(keys: Pathway.allCases.map(\.rawValue), value: positive), default: "{}",
                    "per pathway, a multiplier of every stay the twins draw on it (so also of a census patient's "
                    + "remaining stay); a pathway absent is 1"),
        SchemaField("stay_scale_spread", .number(min: 0, max: HospitalConfiguration.stayScaleSpreadLimit, exclusiveMinimum: false),
                    default: "0",
                    "the standard deviation, on the log scale, of a factor drawn once per replication that multiplies "
                    + "every stay on top of stay_scale: the uncertainty of stays calibrated from one window of history "
                    + "(hospital-twin calibrate writes it); 0 is none"),
        SchemaField("run", run, default: "{}", "defaults for hospital-twin run (its options override them)"),
        SchemaField("emergency_department", emergencyDepartment, required: true, "the emergency department"),
        SchemaField("units", .list(unit, identity: ["name"]), required: true, "inpatient units"),
        SchemaField("outlying", .object([
            SchemaField("allowed", .boolean, default: "true", "patients may be placed on another specialty's ward when theirs is full"),
            SchemaField("stay_multiplier", .number(min: 1, max: nil, exclusiveMinimum: false), default: "1.1",
                        "an outlier's remaining stay is multiplied by this"),
        ]), default: "{}", "outlying when home wards are full"),
        SchemaField("full_capacity_protocol", .object([
            SchemaField("declare_at_boarders", .integer(min: 1, max: nil), required: true, unit: "patients",
                        "declared when this many admitted patients wait in ED for a bed"),
            SchemaField("stand_down_at_boarders", count, required: true, unit: "patients",
                        "stood down when they fall to this many"),
            SchemaField("extra_patients_per_ward", .integer(min: 1, max: nil), default: "1", unit: "patients",
                        "patients each general ward (type ward, not elective-only) takes above its beds, in corridors and "
                        + "bays, while it is in force; wards then fill without waiting for nurses to match their ratio"),
        ]), "the full-capacity protocol English hospitals declare when ED is full of patients waiting for beds (absent: none)"),
        SchemaField("discharge", .object([
            SchemaField("windows", .list(window, identity: nil), default: "[]",
                        "when patients may leave (absent or empty: at any hour)"),
            SchemaField("care_home_placement_days", .distribution, unit: "days",
                        "wait for a care-home place after the stay is over (absent: none)"),
        ]), default: "{}", "discharge windows and placements"),
        SchemaField("deterioration", .object([
            SchemaField("per_day", nonNegative, default: "0", unit: "per patient-day",
                        "acute deteriorations on wards, assessment and stroke units"),
            SchemaField("news2", .list(.integer(min: 0, max: 20), identity: nil, count: 2), default: "[5, 9]",
                        "lowest and highest NEWS2 after a deterioration"),
            SchemaField("escalation_news2", .integer(min: 0, max: 20), default: "7",
                        "from this NEWS2 a patient whose redrawn next unit is ICU or HDU moves there within the response time"),
            SchemaField("response_minutes", nonNegative, default: "240", unit: "minutes",
                        "from a high-NEWS2 deterioration to the move to critical care"),
            SchemaField("ward_arrival_news2_mean", .number(min: 0, max: 20, exclusiveMinimum: false),
                        "mean NEWS2 of the first observations on a ward (absent: the twin keeps its latest)"),
        ]), default: "{}", "acute deterioration"),
        SchemaField("theatres", theatres, "operating theatres and elective demand (absent: none; emergency surgery is then not constrained)"),
        SchemaField("staff", staff, default: "{}", "staff groups, shifts, rosters, absence, cover and nurse ratios"),
        SchemaField("locations", .map(keys: nil, value: .string(nonEmpty: true)), default: "{}",
                    "the hospital feed's point-of-care codes (HL7 PV1-3.1, FHIR Location ids), each mapped to the unit it "
                    + "means (by name), emergency_department, or theatres (theatre and recovery); a code the feed uses that is not here is reported with the "
                    + "messages that used it (Docs/FEED.md)"),
        SchemaField("costs", costs, default: "{}",
                    "prices for the cost report: staff hours, bed-days, theatre minutes, fixed costs, income (Docs/COSTS.md)"),
    ])
}
