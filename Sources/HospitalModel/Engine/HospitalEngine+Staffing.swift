import Foundation
import Simulation

/// Staff on shift: the worked roster (`StaffingPlan`), planned a day ahead and applied as it happens — nurses
/// arriving and leaving change a unit's staffed beds, theatre teams change how many sessions can run, ED doctors
/// set the clinician resource's capacity — and the time each unit spends with fewer nurses than its patients
/// need.
/// The rosters at work in one replication: the worked roster (`StaffingPlan`, planned a day ahead), the staffing
/// changes not yet due, and the theatre teams on shift. Nurses on shift are the bed board's (a unit's staffed
/// beds); ED doctors the department's (its clinicians). Docs/HOSPITAL-MODEL.md, "Staff".
struct Rosters {
    var plan: StaffingPlan
    /// Staffing changes planned and not yet due, in time order (at most a couple of days' worth).
    var pendingChanges: [StaffingPlan.Change] = []
    /// The next day of the run whose shifts are still to be planned (-1: the day before the start).
    var daysPlanned = -1
    /// The token of the staffing-change event scheduled last; an event with another is stale.
    var token: UInt32 = 0
    /// Theatre teams on shift (one is needed for each session that runs).
    var theatreTeamsPresent = 0
    /// Whether the roster has theatre teams at all (without, sessions are not limited by them).
    let theatreTeamsRostered: Bool

    init(plan: StaffingPlan, configuration: StaffingConfiguration) {
        self.plan = plan
        theatreTeamsRostered = configuration.roster.contains { $0.place == .theatres && $0.group == .theatreTeam }
    }
}

extension HospitalEngine {
    /// Plans the worked roster through day `day` of the run (shifts starting that day and before): each new
    /// shift's hours are counted (their part inside the measured window) and its start and end join the pending
    /// staffing changes; the next change is scheduled.
    mutating func planStaffing(throughDay day: Int, in simulation: inout Simulation<Self>) {
        guard rosters.daysPlanned <= day else { return }
        while rosters.daysPlanned <= day {
            for shift in rosters.plan.shifts(onDay: rosters.daysPlanned) where shift.endMinute > 0 && shift.startMinute < endMinute {
                countStaffHours(shift)
                let line = configuration.staffing.roster[shift.line]
                rosters.pendingChanges.append(StaffingPlan.Change(minute: shift.startMinute, place: line.place, group: line.group,
                                                               delta: shift.worked, shiftIndex: line.shift))
                rosters.pendingChanges.append(StaffingPlan.Change(minute: shift.endMinute, place: line.place, group: line.group,
                                                               delta: -shift.worked, shiftIndex: -1))
            }
            rosters.daysPlanned += 1
        }
        rosters.pendingChanges.sort(by: StaffingPlan.Change.precedes)
        scheduleNextStaffingChange(in: &simulation)
    }

    /// Schedules the first pending staffing change (a new token makes any earlier-scheduled one stale).
    mutating func scheduleNextStaffingChange(in simulation: inout Simulation<Self>) {
        guard let first = rosters.pendingChanges.first, first.minute < endMinute else { return }
        rosters.token &+= 1
        simulation.schedule(.staffingChange(token: rosters.token), at: max(now, first.minute))
    }

    /// Applies every staffing change due now, then schedules the next.
    mutating func applyStaffingChanges(in simulation: inout Simulation<Self>) {
        var touched: [Int] = []
        var due = 0
        while due < rosters.pendingChanges.count && rosters.pendingChanges[due].minute <= now {
            let change = rosters.pendingChanges[due]
            due += 1
            switch (change.place, change.group) {
            case (.unit(let unit), .registeredNurse):
                if !touched.contains(unit) {
                    updateSafety(unit)
                    touched.append(unit)
                }
                beds.units[unit].nurses += Double(change.delta)
                if change.shiftIndex >= 0 { beds.units[unit].shiftIndex = change.shiftIndex }
            case (.theatres, .theatreTeam):
                rosters.theatreTeamsPresent += change.delta
            case (.emergencyDepartment, .doctor):
                department.doctorsPresent += change.delta
                simulation.setCapacity(department.clinicians, to: max(0, department.doctorsPresent))
            default:
                break  // HCAs, and staff counted for hours only: no effect on flow
            }
        }
        rosters.pendingChanges.removeFirst(due)
        for unit in touched {
            let shift = beds.units[unit].shiftIndex
            beds.units[unit].level0Ratio = configuration.staffing.ratios.patientsPerNurse(
                .level0, shift: shift >= 0 ? configuration.staffing.shifts[shift].name : nil)
            unitChanged(unit, in: &simulation)
        }
        scheduleNextStaffingChange(in: &simulation)
    }

    /// Adds a worked shift's hours inside the measured window to the staff hours, by group, shift and kind of day.
    mutating func countStaffHours(_ shift: StaffingPlan.Shift) {
        let overlap = min(shift.endMinute, endMinute) - max(shift.startMinute, warmUpMinutes)
        guard overlap > 0 else { return }
        let hours = overlap / 60
        let row = recorder.staffHours.row(line: shift.line, weekend: shift.weekend)
        recorder.staffHours.touched[row] = true
        recorder.staffHours.rows[row].rosteredHours += Double(shift.rostered) * hours
        recorder.staffHours.rows[row].vacantHours? += Double(shift.vacant) * hours
        recorder.staffHours.rows[row].absentHours += Double(shift.absent) * hours
        recorder.staffHours.rows[row].bankHours += Double(shift.bank) * hours
        recorder.staffHours.rows[row].agencyHours += Double(shift.agency) * hours
        recorder.staffHours.rows[row].workedHours += Double(shift.worked) * hours
        for piece in PayPeriod.split(from: max(shift.startMinute, warmUpMinutes), to: min(shift.endMinute, endMinute), clock: clock,
                                     publicHolidays: configuration.publicHolidays)
        {
            let cell = ((months.index(of: piece.start) * configuration.staffing.roster.count + shift.line) * PayPeriod.allCases.count
                + piece.period.ordinal) * 5
            let hours = piece.minutes / 60
            recorder.staffMonthCells[cell] += Double(shift.rostered) * hours
            recorder.staffMonthCells[cell + 1] += Double(shift.absent) * hours
            recorder.staffMonthCells[cell + 2] += Double(shift.bank) * hours
            recorder.staffMonthCells[cell + 3] += Double(shift.agency) * hours
            recorder.staffMonthCells[cell + 4] += Double(shift.worked) * hours
        }
    }

    /// The staff hours by month, place, group and pay period (`staffMonthCells`, roster lines of the same place and
    /// group added in roster order), as the run's table: the months and the (place, group, period) lines with any
    /// rostered or worked hours. Built from the cells directly: no per-cell text keys (this runs once per replication).
    func staffMonthTable() -> StaffMonthTable {
        let roster = configuration.staffing.roster
        // The roster lines of each distinct (place name, group), in the table's line order.
        var pairs: [(place: StaffPlaceName, group: StaffGroup, lines: [Int])] = []
        var pairIndex: [PlaceGroup: Int] = [:]
        for (index, line) in roster.enumerated() {
            let place: StaffPlaceName = switch line.place {
            case .unit(let unit): .unit(beds.configurations[unit].name)
            case .emergencyDepartment: .emergencyDepartment
            case .theatres: .theatres
            }
            let key = PlaceGroup(place: place.name, group: line.group)
            if let at = pairIndex[key] { pairs[at].lines.append(index) } else {
                pairIndex[key] = pairs.count
                pairs.append((place, line.group, [index]))
            }
        }
        pairs.sort { ($0.place.name, $0.group.rawValue) < ($1.place.name, $1.group.rawValue) }
        let monthOrder = months.names.indices.sorted { months.names[$0] < months.names[$1] }
        let periods = PayPeriod.allCases.count
        var lines: [(place: StaffPlaceName, group: StaffGroup, period: PayPeriod, hours: [[Double]])] = []
        var monthHasHours = [Bool](repeating: false, count: months.names.count)
        for pair in pairs {
            for period in PayPeriod.allCases {
                var hours = [[Double]](repeating: [Double](repeating: 0, count: months.names.count), count: 5)
                var any = false
                for month in months.names.indices {
                    for index in pair.lines {
                        let cell = ((month * roster.count + index) * periods + period.ordinal) * 5
                        guard recorder.staffMonthCells[cell] > 0 || recorder.staffMonthCells[cell + 4] > 0 else { continue }
                        for figure in 0..<5 { hours[figure][month] += recorder.staffMonthCells[cell + figure] }
                        any = true
                        monthHasHours[month] = true
                    }
                }
                if any { lines.append((pair.place, pair.group, period, hours)) }
            }
        }
        let kept = monthOrder.filter { monthHasHours[$0] }
        return StaffMonthTable(months: kept.map { months.names[$0] },
                               lines: lines.map { ($0.place, $0.group, $0.period, $0.hours.map { figure in kept.map { figure[$0] } }) })
    }

    /// A place (by its encoded name) and a staff group: one line of the staff month table per pay period.
    struct PlaceGroup: Hashable {
        let place: String
        let group: StaffGroup
    }

    /// Closes the unit's safe-staffing interval up to now (charged to the shift on duty and to whether it was
    /// below the safe ratio) and notes whether it is below now.
    mutating func updateSafety(_ unit: Int) {
        guard beds.units[unit].nurses.isFinite else { return }
        let shift = beds.units[unit].shiftIndex
        let from = max(beds.units[unit].safetySince, warmUpMinutes)
        if now > from && shift >= 0 {
            recorder.measures.shiftMinutes[unit][shift] += now - from
            if beds.units[unit].belowSafeRatio { recorder.measures.belowSafeMinutes[unit][shift] += now - from }
        }
        beds.units[unit].safetySince = now
        beds.units[unit].belowSafeRatio = beds.requiredNurses(unit) > beds.units[unit].nurses + 1e-9
    }
}

/// Staff hours by group, shift and kind of day, added up as days are planned: one row per key, found by roster line
/// and kind of day through a table made at the start (no string built or looked up per shift).
struct StaffHoursTable {
    /// One per (group, shift, kind of day), in the order the keys "group|shift|kind" sort.
    var rows: [StaffHoursKPIs]
    /// Whether a row has had hours: only those are reported.
    var touched: [Bool]
    /// By roster line: its row on a weekday, then on a weekend.
    let rowOfLine: [(weekday: Int, weekend: Int)]

    init(_ staffing: StaffingConfiguration) {
        func key(_ line: RosterLine, _ kind: String) -> String {
            "\(line.group.rawValue)|\(staffing.shifts[line.shift].name)|\(kind)"
        }
        var rowsByKey: [String: StaffHoursKPIs] = [:]
        for line in staffing.roster {
            for kind in ["weekday", "weekend"] {
                rowsByKey[key(line, kind)] = StaffHoursKPIs(group: line.group, shift: staffing.shifts[line.shift].name,
                                                            dayKind: kind, vacantHours: 0)
            }
        }
        let keys = rowsByKey.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        rows = keys.map { rowsByKey[$0]! }
        touched = [Bool](repeating: false, count: keys.count)
        rowOfLine = staffing.roster.map { (index[key($0, "weekday")]!, index[key($0, "weekend")]!) }
    }

    /// The row of roster line `line` on a weekday or a weekend.
    @inline(__always)
    func row(line: Int, weekend: Bool) -> Int { weekend ? rowOfLine[line].weekend : rowOfLine[line].weekday }

    /// The rows that had hours, in key order.
    var reported: [StaffHoursKPIs] { rows.indices.filter { touched[$0] }.map { rows[$0] } }
}
