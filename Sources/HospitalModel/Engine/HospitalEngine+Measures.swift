import Foundation
import PatientTwin
import Simulation

/// What the engine counts while it runs (after the warm-up), and how the counts become `HospitalKPIs`.
struct Measures {
    struct EmergencyDepartment {
        var attendances = 0
        var readmissionArrivals = 0
        var diversions = 0
        var transfersOut = 0
        var departures = 0
        var admissions = 0
        var withinTarget = 0
        var admittedWithinTarget = 0
        /// Departures of patients transferred out or streamed to same-day emergency care, and those within the
        /// target: in the 4-hour standard, but neither admitted to a bed nor non-admitted.
        var departuresElsewhere = 0
        var elsewhereWithinTarget = 0
        /// Patients streamed to same-day emergency care.
        var sameDayEmergencyCare = 0
        var twelveHourStays = 0
        var twelveHourTrolleyWaits = 0
        var minutesInDepartment = 0.0
        var timeToBed = WaitRecorder()
        var boardingMinutes = 0.0
        var minutesToAssessment = Tally()
    }

    struct Theatres {
        var sessionsPlanned = 0
        var sessionsHeld = 0
        var sessionMinutes = 0.0
        var operatingMinutesInSessions = 0.0
        var overruns = 0
        var overrunMinutes = 0.0
        var electiveCases = 0
        var emergencyCases = 0
        var operatingMinutes = 0.0
        var cancellations = CancellationCounts()
        var listsShortOfBeds = 0
        var waitDays = 0.0
    }

    /// The accumulators of one equity group.
    struct Group {
        var departures = 0
        var minutesInDepartment = 0.0
        var withinTarget = 0
        var timeToBedMinutes = 0.0
        var admissions = 0
        var electiveOperations = 0
        var electiveWaitDays = 0.0
        var followed = 0
        var readmitted = 0
    }

    var ed = EmergencyDepartment()
    var theatres = Theatres()
    /// By month of the run (`RunMonths.names`).
    var months: [MonthKPIs] = []
    var patients = PatientKPIs()
    var spellMinutes = [Double](repeating: 0, count: Pathway.allCases.count)
    var spellCounts = [Int](repeating: 0, count: Pathway.allCases.count)
    /// Lengths of stay by pathway, days; and the spells among them that ended within one local midnight.
    var spellDays = [WaitRecorder](repeating: WaitRecorder(), count: Pathway.allCases.count)
    var spellsWithinOneMidnight = [Int](repeating: 0, count: Pathway.allCases.count)
    /// Stays in a unit's bed that ended in the window, by pathway and care state (`Pathway.ordinal` ×
    /// `CareState.allCases.count` + `CareState.ordinal`): how many, their clinical minutes, and their minutes in the
    /// bed after the clinical stay ended (waiting for a discharge window, a placement, a bed elsewhere).
    var bedStayCounts = [Int](repeating: 0, count: Pathway.allCases.count * CareState.allCases.count)
    var bedStayClinicalMinutes = [Double](repeating: 0, count: Pathway.allCases.count * CareState.allCases.count)
    var bedStayWaitingMinutes = [Double](repeating: 0, count: Pathway.allCases.count * CareState.allCases.count)
    var bedStayWindowMinutes = [Double](repeating: 0, count: Pathway.allCases.count * CareState.allCases.count)
    /// Stranded and super-stranded inpatients summed over the measured midnights.
    var strandedSum = 0
    var superStrandedSum = 0
    var laceFollowed = [0, 0, 0]
    var laceReadmitted = [0, 0, 0]
    var deteriorations = 0
    var minutesAwaitingDischarge = 0.0
    var deprivation = [Group](repeating: Group(), count: 5)
    var ageBands = [Group](repeating: Group(), count: 4)
    /// Minutes each unit spent on each shift, and below the safe ratio, [unit][shift].
    var shiftMinutes: [[Double]] = []
    var belowSafeMinutes: [[Double]] = []
    var flows: [DailyFlow] = []

    static let ageBandNames = ["0-17", "18-64", "65-79", "80+"]

    static func ageBand(_ attributes: PatientAttributes) -> Int {
        switch attributes.ageYears {
        case ..<18: 0
        case ..<65: 1
        case ..<80: 2
        default: 3
        }
    }

    static func quintile(_ attributes: PatientAttributes) -> Int { (attributes.deprivationDecile - 1) / 2 }

    mutating func forGroups(of attributes: PatientAttributes, _ body: (inout Group) -> Void) {
        body(&deprivation[Self.quintile(attributes)])
        body(&ageBands[Self.ageBand(attributes)])
    }

    mutating func recordDeparture(of attributes: PatientAttributes, minutesInDepartment: Double, withinTarget: Bool,
                                  timeToBed: Double?)
    {
        forGroups(of: attributes) { group in
            group.departures += 1
            group.minutesInDepartment += minutesInDepartment
            if withinTarget { group.withinTarget += 1 }
            if let timeToBed {
                group.admissions += 1
                group.timeToBedMinutes += timeToBed
            }
        }
    }

    /// A spell ended after `minutes`, crossing `midnights` local midnights.
    mutating func recordSpell(pathway: Pathway, minutes: Double, midnights: Int, month: Int) {
        let index = pathway.ordinal
        spellCounts[index] += 1
        spellMinutes[index] += minutes
        spellDays[index].record(minutes / 1440)
        if midnights <= 1 { spellsWithinOneMidnight[index] += 1 }
        months[month].spells[index].count += 1
    }

    /// The position of a pathway and state in the bed-stay arrays.
    static func bedStayIndex(_ pathway: Pathway, _ state: CareState) -> Int {
        pathway.ordinal * CareState.allCases.count + state.ordinal
    }

    /// A stay in a unit's bed ended: `clinical` minutes of its clinical stay, then `waiting` minutes in the bed, of
    /// which `window` waiting for a discharge window.
    mutating func recordBedStay(pathway: Pathway, state: CareState, clinical: Double, waiting: Double, window: Double) {
        let index = Self.bedStayIndex(pathway, state)
        bedStayCounts[index] += 1
        bedStayClinicalMinutes[index] += clinical
        bedStayWaitingMinutes[index] += waiting
        bedStayWindowMinutes[index] += window
    }

    /// Elective operations cancelled on the day: `count` of them, for `reason`, in `month`.
    mutating func cancel(_ count: Int, for reason: WritableKeyPath<CancellationCounts, Int>, month: Int) {
        theatres.cancellations[keyPath: reason] += count
        months[month].cancellations += count
    }

    mutating func recordDischarge(of attributes: PatientAttributes, lace: Int, followed: Bool, readmitted: Bool) {
        patients.dischargesAlive += 1
        guard followed else { return }
        patients.followedDischarges += 1
        if readmitted { patients.readmissions30Days += 1 }
        let band = lace >= 10 ? 2 : lace >= 5 ? 1 : 0
        laceFollowed[band] += 1
        if readmitted { laceReadmitted[band] += 1 }
        forGroups(of: attributes) { group in
            group.followed += 1
            if readmitted { group.readmitted += 1 }
        }
    }

    mutating func recordElectiveOperation(of attributes: PatientAttributes, waitDays: Double, month: Int) {
        theatres.electiveCases += 1
        months[month].electiveOperations += 1
        theatres.waitDays += waitDays
        forGroups(of: attributes) { group in
            group.electiveOperations += 1
            group.electiveWaitDays += waitDays
        }
    }
}

/// What one replication records as it runs: the measures of the window, the audit of the engine's invariants, the
/// day's flows, each measured midnight's census, demand and staffed beds by unit, and the staff hours (by group,
/// shift and kind of day; by month, roster line and pay period). Docs/HOSPITAL-MODEL.md, "KPIs".
struct Recorder {
    var measures = Measures()
    var audit = HospitalAudit()
    /// The counts since the start of the run (inpatient discharges counted from zero, so every midnight has them).
    var flows: DailyFlow = {
        var flows = DailyFlow()
        (flows.inpatientDischarges, flows.edDepartures, flows.edMinutesInDepartment) = (0, 0, 0)
        return flows
    }()
    /// Each unit's midnight census, by unit index.
    var census: [[Int]]
    /// By unit, at each measured local midnight: the patients in its beds plus those waiting for a bed whose first
    /// choice it is (the demand for its beds), and its staffed beds then.
    var demandCensus: [[Int]]
    /// Of that demand, the waiting patients already in a bed of a unit in the same group (general and acute, or
    /// critical care): counted once in their own unit and once in the unit they wait for, so a group's demand
    /// subtracts them.
    var demandInGroup: [[Int]]
    var staffedCensus: [[Double]]
    /// Staff hours in the window by group, shift and kind of day, counted as days are planned.
    var staffHours: StaffHoursTable
    /// Staff hours in the window by month, roster line and pay period: five figures a cell (rostered, absent,
    /// bank, agency, worked), counted as days are planned.
    var staffMonthCells: [Double]

    init(configuration: HospitalConfiguration, months: RunMonths) {
        census = configuration.units.map { _ in [] }
        demandCensus = census
        demandInGroup = census
        staffedCensus = configuration.units.map { _ in [] }
        staffHours = StaffHoursTable(configuration.staffing)
        staffMonthCells = [Double](repeating: 0, count: months.names.count * configuration.staffing.roster.count
            * PayPeriod.allCases.count * 5)
        audit.admissionsByHour = configuration.units.map { _ in [Int](repeating: 0, count: 24) }
    }
}

extension HospitalEngine {
    /// Starts the measurement window: every count and time-average begins again now.
    mutating func resetMeasures(at minute: Double) {
        let shiftCount = configuration.staffing.shifts.count
        for unit in beds.units.indices {
            updateSafety(unit)
            beds.monitors[unit].reset(at: minute)
            beds.units[unit].admissions = 0
            beds.units[unit].outliersHosted = 0
            beds.units[unit].waitingBedMinutes = 0
            beds.units[unit].escalationMinutes = 0
            if beds.units[unit].escalationOpen { beds.units[unit].escalationOpenedAt = minute }
            recorder.census[unit] = []
        }
        var fresh = Measures()
        fresh.months = months.names.map { name in
            var month = MonthKPIs(month: name)
            month.spells = Pathway.allCases.map { PathwayCount(pathway: $0, count: 0) }
            return month
        }
        fresh.shiftMinutes = beds.units.map { _ in [Double](repeating: 0, count: shiftCount) }
        fresh.belowSafeMinutes = fresh.shiftMinutes
        recorder.measures = fresh
    }

    /// Local midnight: each unit's census, and the day's conservation counts.
    mutating func midnight(in simulation: inout Simulation<Self>) {
        if audit { auditInvariants() }
        notePlaces()
        guard measuring(now) else { return }
        // The window's days are those starting at its midnights before the end; the end's midnight closes it.
        if now < endMinute - 1e-6 { recorder.measures.months[months.index(of: now)].days += 1 }
        var demand = beds.units.map(\.occupied)
        var inGroup = [Int](repeating: 0, count: beds.units.count)
        for patient in beds.waiting {
            let choices = beds.candidateTable[patient.candidates]
            guard let first = choices.home.first ?? choices.outlying.first else { continue }
            demand[first] += 1
            if case .unit(let current) = patients[Int(patient.patient)].place,
               beds.units[Int(current)].kind.isCriticalCare == beds.units[first].kind.isCriticalCare
            {
                inGroup[first] += 1
            }
        }
        if department.pendingCensusBoarders > 0 {
            // A census boarder decided already (its ED stay ended at the decision) and waiting for a cubicle before
            // it asks for its bed; not one the start drew as admitted whose ED stay, and decision, are still to come.
            for index in patients.indices
                where patients[index].ed.fromCensus && patients[index].place == .emergencyDepartment
                && patients[index].ed.decisionAt.isNaN
            {
                guard let stay = patients[index].stay, stay.endMinute <= epoch(now) else { continue }
                let next = stay.next
                let choices = beds.candidateCache(for: next, of: patients[index].twin)
                if let first = choices.home.first ?? choices.outlying.first { demand[first] += 1 }
            }
        }
        for unit in beds.units.indices {
            recorder.census[unit].append(beds.units[unit].occupied)
            recorder.demandCensus[unit].append(demand[unit])
            recorder.demandInGroup[unit].append(inGroup[unit])
            recorder.staffedCensus[unit].append(beds.staffedBeds(unit))
        }
        var flow = recorder.flows
        flow.date = clock.localDateTime(atMinute: now).dateDescription
        flow.inHospital = inHospital
        // Stranded and super-stranded: inpatients (not in ED) whose spell began 7 and 21 days or more ago.
        let today = epoch(now)
        var stranded = 0, superStranded = 0
        for index in patients.indices {
            switch patients[index].place {  // a released slot's place is .none
            case .none, .emergencyDepartment, .sameDayEmergencyCare: continue
            default: break
            }
            let days = (today - patients[index].twin.spellStart) / 1440
            if days >= 7 { stranded += 1 }
            if days >= 21 { superStranded += 1 }
        }
        (flow.stranded, flow.superStranded) = (stranded, superStranded)
        flow.electiveWaitingList = theatres?.waitingListCount
        recorder.measures.strandedSum += stranded
        recorder.measures.superStrandedSum += superStranded
        recorder.measures.flows.append(flow)
    }

    /// Checks what must always hold and counts what does not (`HospitalAudit`).
    mutating func auditInvariants() {
        recorder.audit.midnights += 1
        let placed = patients.indices.filter { index in
            patients[index].place != .none && !freePatients.contains(Int32(index))
        }.count
        if placed != inHospital { recorder.audit.placementMismatches += 1 }
        if recorder.flows.arrived != recorder.flows.discharged + recorder.flows.died + inHospital + recorder.flows.diverted + recorder.flows.transferredOut {
            recorder.audit.conservationFailures += 1
        }
        for unit in beds.units where unit.busy > unit.openBeds || unit.occupied < 0 { recorder.audit.occupancyBeyondOpenBeds += 1 }
        // Every occupied bed is a patient in it or a booking for a patient whose operation is under way or listed.
        var onLists = Set<Int32>()
        for room in theatres?.rooms ?? [] { onLists.formUnion(room.list) }
        var held = [Int](repeating: 0, count: beds.units.count)
        for index in patients.indices {
            switch patients[index].place {
            case .unit(let unit): held[Int(unit)] += 1
            default: break
            }
            let booked = Int(patients[index].bed.reservedUnit)
            guard booked >= 0 else { continue }
            switch patients[index].place {
            case .theatre, .recovery, .emergencyTheatre: held[booked] += 1
            case .none where onLists.contains(Int32(index)): held[booked] += 1
            default: held[booked] += 1_000_000  // a booking nobody will use
            }
        }
        for unit in beds.units.indices where held[unit] != beds.units[unit].occupied { recorder.audit.bedBookingMismatches += 1 }
    }

    /// Records an admission into `unit` for the audit: within its open beds, and within its staffed beds unless
    /// it fills a bed booked ahead.
    mutating func auditAdmission(to unit: Int, reserved: Bool) {
        recorder.audit.admissions += 1
        if beds.units[unit].busy > beds.units[unit].openBeds { recorder.audit.occupancyBeyondOpenBeds += 1 }
        // Under the full-capacity protocol a ward takes patients beyond its nurses by design.
        if !reserved && !beds.units[unit].extraPlacesOpen && beds.units[unit].nurses.isFinite
            && beds.requiredNurses(unit) > beds.units[unit].nurses + 1e-9
        {
            recorder.audit.admissionsBeyondStaffedBeds += 1
        }
        let hour = clock.localDateTime(atMinute: now).hour
        recorder.audit.admissionsByHour[unit][hour] += 1
    }

    /// The measures of the window, closed at the end of the run.
    mutating func finish() -> HospitalKPIs {
        var kpis = HospitalKPIs()
        let window = endMinute - warmUpMinutes
        kpis.days = window / 1440
        kpis.firstDay = clock.localDateTime(atMinute: warmUpMinutes).dateDescription
        for unit in beds.units.indices {
            updateSafety(unit)
            if beds.units[unit].escalationOpen {
                beds.units[unit].escalationMinutes += endMinute - max(beds.units[unit].escalationOpenedAt, warmUpMinutes)
            }
            beds.monitors[unit].advance(to: endMinute)
            let state = beds.units[unit]
            let monitor = beds.monitors[unit]
            var k = UnitKPIs()
            k.name = beds.configurations[unit].name
            k.kind = state.kind
            k.beds = state.baseBeds
            k.meanOccupied = monitor.occupiedIntegral / window
            k.p95Occupied = monitor.percentile(0.95)
            k.meanOpenBeds = monitor.openIntegral / window
            k.meanStaffedBeds = monitor.staffedIntegral / window
            k.occupancyPercent = k.meanOpenBeds > 0 ? 100 * k.meanOccupied / k.meanOpenBeds : 0
            k.timeAtOrAbove85Percent = 100 * monitor.timeAt85 / window
            k.timeAtOrAbove92Percent = 100 * monitor.timeAt92 / window
            k.timeFullPercent = 100 * monitor.timeFull / window
            k.staffedBedUtilisationPercent = k.meanStaffedBeds > 0 ? 100 * k.meanOccupied / k.meanStaffedBeds : 0
            k.admissions = state.admissions
            k.outliersHosted = state.outliersHosted
            k.bedDays = monitor.occupiedIntegral / 1440
            k.waitingBedDays = state.waitingBedMinutes / 1440
            k.escalationHours = state.escalationMinutes / 60
            k.midnightCensus = recorder.census[unit]
            k.midnightDemand = recorder.demandCensus[unit]
            k.midnightDemandInGroup = recorder.demandInGroup[unit]
            k.midnightStaffedBeds = recorder.staffedCensus[unit]
            kpis.units.append(k)
            for (shift, pattern) in configuration.staffing.shifts.enumerated() where recorder.measures.shiftMinutes[unit][shift] > 0 {
                kpis.safeStaffing.append(SafeStaffingKPIs(unit: beds.configurations[unit].name, shift: pattern.name,
                                                          hoursBelowSafeRatio: recorder.measures.belowSafeMinutes[unit][shift] / 60,
                                                          shiftHours: recorder.measures.shiftMinutes[unit][shift] / 60))
            }
        }
        let ed = recorder.measures.ed
        var e = EmergencyDepartmentKPIs()
        e.attendances = ed.attendances
        e.readmissionArrivals = ed.readmissionArrivals
        e.diversions = ed.diversions
        e.transfersOut = ed.transfersOut
        e.departures = ed.departures
        e.admissions = ed.admissions
        e.withinFourHoursPercent = ed.departures > 0 ? 100 * Double(ed.withinTarget) / Double(ed.departures) : 0
        e.fourHourBreaches = ed.departures - ed.withinTarget
        e.admittedWithinFourHoursPercent = ed.admissions > 0 ? 100 * Double(ed.admittedWithinTarget) / Double(ed.admissions) : 0
        let notAdmitted = ed.departures - ed.admissions - ed.departuresElsewhere
        e.nonAdmittedWithinFourHoursPercent = notAdmitted > 0
            ? 100 * Double(ed.withinTarget - ed.admittedWithinTarget - ed.elsewhereWithinTarget) / Double(notAdmitted) : 0
        e.sameDayEmergencyCare = configuration.emergencyDepartment.sameDayEmergencyCare == nil ? nil : ed.sameDayEmergencyCare
        e.twelveHourTrolleyWaits = ed.twelveHourTrolleyWaits
        e.twelveHourStays = ed.twelveHourStays
        e.meanMinutesInDepartment = ed.departures > 0 ? ed.minutesInDepartment / Double(ed.departures) : 0
        e.meanTimeToBedMinutes = ed.timeToBed.mean
        e.p95TimeToBedMinutes = ed.timeToBed.percentile(0.95)
        e.boardingHours = ed.boardingMinutes / 60
        e.meanMinutesToAssessment = ed.minutesToAssessment.mean
        kpis.emergencyDepartment = e
        if configuration.fullCapacityProtocol != nil {
            let open = beds.fullCapacitySince.map { max(0, endMinute - max($0, warmUpMinutes)) } ?? 0
            kpis.fullCapacityProtocolHours = (beds.fullCapacityMinutes + open) / 60
        }

        let t = recorder.measures.theatres
        var th = TheatreKPIs()
        th.sessionsPlanned = t.sessionsPlanned
        th.sessionsHeld = t.sessionsHeld
        th.sessionMinutes = t.sessionMinutes
        th.operatingMinutesInSessions = t.operatingMinutesInSessions
        th.utilisationPercent = t.sessionMinutes > 0 ? 100 * t.operatingMinutesInSessions / t.sessionMinutes : 0
        th.overruns = t.overruns
        th.overrunMinutes = t.overrunMinutes
        th.electiveCases = t.electiveCases
        th.emergencyCases = t.emergencyCases
        th.operatingMinutes = t.operatingMinutes
        th.cancellations = t.cancellations
        th.listsShortOfBeds = t.listsShortOfBeds
        th.waitingListAtEnd = theatres?.waitingListCount ?? 0
        if let suite = theatres, suite.configuration.listRemovalsPerYear > 0 { th.removedFromLists = suite.removed }
        th.meanWaitDays = t.electiveCases > 0 ? t.waitDays / Double(t.electiveCases) : 0
        kpis.theatres = th

        kpis.staff = staffHoursKPIs()
        kpis.months = recorder.measures.months.filter { $0.days > 0 }
        kpis.staffMonths = staffMonthTable()

        var patientsKPIs = recorder.measures.patients
        patientsKPIs.spells = Pathway.allCases.enumerated().compactMap { index, pathway in
            guard recorder.measures.spellCounts[index] > 0 else { return nil }
            let spells = recorder.measures.spellCounts[index]
            return PathwayStayKPIs(pathway: pathway, spells: spells,
                                   meanLengthOfStayDays: recorder.measures.spellMinutes[index] / Double(spells) / 1440,
                                   bedDays: recorder.measures.spellMinutes[index] / 1440,
                                   medianLengthOfStayDays: recorder.measures.spellDays[index].percentile(0.5),
                                   p90LengthOfStayDays: recorder.measures.spellDays[index].percentile(0.9),
                                   zeroOrOneDayPercent: 100 * Double(recorder.measures.spellsWithinOneMidnight[index]) / Double(spells))
        }
        patientsKPIs.bedDaysAwaitingDischarge = recorder.measures.minutesAwaitingDischarge / 1440
        patientsKPIs.bedStays = Pathway.allCases.flatMap { pathway in
            CareState.allCases.compactMap { state -> BedStayKPIs? in
                let index = Measures.bedStayIndex(pathway, state)
                let count = recorder.measures.bedStayCounts[index]
                guard count > 0 else { return nil }
                return BedStayKPIs(pathway: pathway, state: state, stays: count,
                                   meanClinicalDays: recorder.measures.bedStayClinicalMinutes[index] / Double(count) / 1440,
                                   meanWaitingDays: recorder.measures.bedStayWaitingMinutes[index] / Double(count) / 1440,
                                   meanWindowWaitingDays: recorder.measures.bedStayWindowMinutes[index] / Double(count) / 1440)
            }
        }
        let midnights = recorder.measures.flows.count
        patientsKPIs.meanStrandedAtMidnight = midnights > 0 ? Double(recorder.measures.strandedSum) / Double(midnights) : nil
        patientsKPIs.meanSuperStrandedAtMidnight = midnights > 0 ? Double(recorder.measures.superStrandedSum) / Double(midnights) : nil
        patientsKPIs.readmissionPercent = patientsKPIs.followedDischarges > 0
            ? 100 * Double(patientsKPIs.readmissions30Days) / Double(patientsKPIs.followedDischarges) : 0
        patientsKPIs.readmissionsByLaceBand = ["low (0-4)", "moderate (5-9)", "high (10+)"].enumerated().map { band, name in
            GroupRate(group: name, count: recorder.measures.laceFollowed[band], events: recorder.measures.laceReadmitted[band],
                      percent: recorder.measures.laceFollowed[band] > 0
                          ? 100 * Double(recorder.measures.laceReadmitted[band]) / Double(recorder.measures.laceFollowed[band]) : 0)
        }
        kpis.patients = patientsKPIs

        func group(_ name: String, _ g: Measures.Group) -> EquityGroup {
            EquityGroup(group: name, departures: g.departures,
                        meanMinutesInDepartment: g.departures > 0 ? g.minutesInDepartment / Double(g.departures) : nil,
                        withinFourHoursPercent: g.departures > 0 ? 100 * Double(g.withinTarget) / Double(g.departures) : nil,
                        meanTimeToBedMinutes: g.admissions > 0 ? g.timeToBedMinutes / Double(g.admissions) : nil,
                        electiveOperations: g.electiveOperations,
                        meanElectiveWaitDays: g.electiveOperations > 0 ? g.electiveWaitDays / Double(g.electiveOperations) : nil,
                        readmission: GroupRate(group: name, count: g.followed, events: g.readmitted,
                                               percent: g.followed > 0 ? 100 * Double(g.readmitted) / Double(g.followed) : 0))
        }
        kpis.equity.byDeprivationQuintile = recorder.measures.deprivation.enumerated().map { group("quintile \($0 + 1)", $1) }
        kpis.equity.byAgeBand = recorder.measures.ageBands.enumerated().map { group(Measures.ageBandNames[$0], $1) }
        kpis.flows = DailyFlowTable(recorder.measures.flows)
        return kpis
    }

    /// Hours rostered, absent, bank, agency and worked, by group, shift and kind of day, for the shifts' parts in
    /// the window (counted as each day is planned: `countStaffHours`).
    func staffHoursKPIs() -> [StaffHoursKPIs] {
        recorder.staffHours.reported
    }
}
