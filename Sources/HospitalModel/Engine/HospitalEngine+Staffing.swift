import Foundation
import Simulation

/// Staff on shift: the worked roster (`StaffingPlan`) applied as it happens — nurses arriving and leaving change
/// a unit's staffed beds, theatre teams change how many sessions can run (ED doctors are the clinician
/// resource's capacity schedule) — and the time each unit spends with fewer nurses than its patients need.
extension HospitalEngine {
    /// Applies every staffing change due now, then schedules the next.
    mutating func applyStaffingChanges(in simulation: inout Simulation<Self>) {
        let changes = staffing.changes
        var touched: [Int] = []
        while nextStaffingChange < changes.count && changes[nextStaffingChange].minute <= now {
            let change = changes[nextStaffingChange]
            nextStaffingChange += 1
            switch (change.place, change.group) {
            case (.unit(let unit), .registeredNurse):
                if !touched.contains(unit) {
                    updateSafety(unit)
                    touched.append(unit)
                }
                units[unit].nurses += Double(change.delta)
                if change.shiftIndex >= 0 { units[unit].shiftIndex = change.shiftIndex }
            case (.theatres, .theatreTeam):
                theatreTeamsPresent += change.delta
            default:
                break  // ED doctors: the clinician resource's schedule; HCAs: hours only
            }
        }
        for unit in touched {
            let shift = units[unit].shiftIndex
            units[unit].level0Ratio = configuration.staffing.ratios.patientsPerNurse(
                .level0, shift: shift >= 0 ? configuration.staffing.shifts[shift].name : nil)
            unitChanged(unit, in: &simulation)
        }
        if nextStaffingChange < changes.count && changes[nextStaffingChange].minute < endMinute {
            simulation.schedule(.staffingChange, at: max(now, changes[nextStaffingChange].minute))
        }
    }

    /// Closes the unit's safe-staffing interval up to now (charged to the shift on duty and to whether it was
    /// below the safe ratio) and notes whether it is below now.
    mutating func updateSafety(_ unit: Int) {
        guard units[unit].nurses.isFinite else { return }
        let shift = units[unit].shiftIndex
        let from = max(units[unit].safetySince, warmUpMinutes)
        if now > from && shift >= 0 {
            measures.shiftMinutes[unit][shift] += now - from
            if units[unit].belowSafeRatio { measures.belowSafeMinutes[unit][shift] += now - from }
        }
        units[unit].safetySince = now
        units[unit].belowSafeRatio = requiredNurses(unit) > units[unit].nurses + 1e-9
    }
}
