import Foundation
import Simulation

/// Staff on shift: the worked roster (`StaffingPlan`), planned a day ahead and applied as it happens — nurses
/// arriving and leaving change a unit's staffed beds, theatre teams change how many sessions can run, ED doctors
/// set the clinician resource's capacity — and the time each unit spends with fewer nurses than its patients
/// need.
extension HospitalEngine {
    /// Plans the worked roster through day `day` of the run (shifts starting that day and before): each new
    /// shift's hours are counted (their part inside the measured window) and its start and end join the pending
    /// staffing changes; the next change is scheduled.
    mutating func planStaffing(throughDay day: Int, in simulation: inout Simulation<Self>) {
        guard staffDaysPlanned <= day else { return }
        while staffDaysPlanned <= day {
            for shift in staffing.shifts(onDay: staffDaysPlanned) where shift.endMinute > 0 && shift.startMinute < endMinute {
                countStaffHours(shift)
                let line = configuration.staffing.roster[shift.line]
                pendingStaffChanges.append(StaffingPlan.Change(minute: shift.startMinute, place: line.place, group: line.group,
                                                               delta: shift.worked, shiftIndex: line.shift))
                pendingStaffChanges.append(StaffingPlan.Change(minute: shift.endMinute, place: line.place, group: line.group,
                                                               delta: -shift.worked, shiftIndex: -1))
            }
            staffDaysPlanned += 1
        }
        pendingStaffChanges.sort(by: StaffingPlan.Change.precedes)
        scheduleNextStaffingChange(in: &simulation)
    }

    /// Schedules the first pending staffing change (a new token makes any earlier-scheduled one stale).
    mutating func scheduleNextStaffingChange(in simulation: inout Simulation<Self>) {
        guard let first = pendingStaffChanges.first, first.minute < endMinute else { return }
        staffingToken &+= 1
        simulation.schedule(.staffingChange(token: staffingToken), at: max(now, first.minute))
    }

    /// Applies every staffing change due now, then schedules the next.
    mutating func applyStaffingChanges(in simulation: inout Simulation<Self>) {
        var touched: [Int] = []
        var due = 0
        while due < pendingStaffChanges.count && pendingStaffChanges[due].minute <= now {
            let change = pendingStaffChanges[due]
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
                theatreTeamsPresent += change.delta
            case (.emergencyDepartment, .doctor):
                department.doctorsPresent += change.delta
                simulation.setCapacity(department.clinicians, to: max(0, department.doctorsPresent))
            default:
                break  // HCAs, and staff counted for hours only: no effect on flow
            }
        }
        pendingStaffChanges.removeFirst(due)
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
        let row = staffHours.row(line: shift.line, weekend: shift.weekend)
        staffHours.touched[row] = true
        staffHours.rows[row].rosteredHours += Double(shift.rostered) * hours
        staffHours.rows[row].absentHours += Double(shift.absent) * hours
        staffHours.rows[row].bankHours += Double(shift.bank) * hours
        staffHours.rows[row].agencyHours += Double(shift.agency) * hours
        staffHours.rows[row].workedHours += Double(shift.worked) * hours
        for piece in PayPeriod.split(from: max(shift.startMinute, warmUpMinutes), to: min(shift.endMinute, endMinute), clock: clock,
                                     publicHolidays: configuration.publicHolidays)
        {
            let cell = ((months.index(of: piece.start) * configuration.staffing.roster.count + shift.line) * PayPeriod.allCases.count
                + piece.period.ordinal) * 5
            let hours = piece.minutes / 60
            staffMonthCells[cell] += Double(shift.rostered) * hours
            staffMonthCells[cell + 1] += Double(shift.absent) * hours
            staffMonthCells[cell + 2] += Double(shift.bank) * hours
            staffMonthCells[cell + 3] += Double(shift.agency) * hours
            staffMonthCells[cell + 4] += Double(shift.worked) * hours
        }
    }

    /// The staff hours by month, place, group and pay period, from `staffMonthCells` (roster lines of the same
    /// place and group added together), in month, place, group, period order.
    func staffMonthKPIs() -> [StaffMonthKPIs] {
        var rows: [String: StaffMonthKPIs] = [:]
        let roster = configuration.staffing.roster
        for (month, name) in months.names.enumerated() {
            for (index, line) in roster.enumerated() {
                let place: StaffPlaceName = switch line.place {
                case .unit(let unit): .unit(beds.configurations[unit].name)
                case .emergencyDepartment: .emergencyDepartment
                case .theatres: .theatres
                }
                for period in PayPeriod.allCases {
                    let cell = ((month * roster.count + index) * PayPeriod.allCases.count + period.ordinal) * 5
                    guard staffMonthCells[cell] > 0 || staffMonthCells[cell + 4] > 0 else { continue }
                    let key = "\(name)|\(place.name)|\(line.group.rawValue)|\(period.rawValue)"
                    var row = rows[key] ?? StaffMonthKPIs(month: name, place: place, group: line.group, period: period)
                    row.rosteredHours += staffMonthCells[cell]
                    row.absentHours += staffMonthCells[cell + 1]
                    row.bankHours += staffMonthCells[cell + 2]
                    row.agencyHours += staffMonthCells[cell + 3]
                    row.workedHours += staffMonthCells[cell + 4]
                    rows[key] = row
                }
            }
        }
        return rows.keys.sorted().map { rows[$0]! }
    }

    /// Closes the unit's safe-staffing interval up to now (charged to the shift on duty and to whether it was
    /// below the safe ratio) and notes whether it is below now.
    mutating func updateSafety(_ unit: Int) {
        guard beds.units[unit].nurses.isFinite else { return }
        let shift = beds.units[unit].shiftIndex
        let from = max(beds.units[unit].safetySince, warmUpMinutes)
        if now > from && shift >= 0 {
            measures.shiftMinutes[unit][shift] += now - from
            if beds.units[unit].belowSafeRatio { measures.belowSafeMinutes[unit][shift] += now - from }
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
                                                            dayKind: kind)
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
