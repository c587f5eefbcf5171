import Foundation
import PatientTwin
import Simulation

/// A configuration the model cannot run soundly: the setting at fault, by its path in the scenario format
/// ("units[3].beds"), and what is wrong. The scenario reader locates the path in its file.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The setting's path: keys joined by ".", list positions in brackets.
    public let path: String
    /// What is wrong and what was expected.
    public let message: String

    /// "units[3].beds: must be >= 0, found -2".
    public var description: String { "\(path): \(message)" }
}

extension HospitalConfiguration {
    /// The largest `stayScaleSpread`: a standard deviation of 0.5 on the log scale already spreads the stays over a
    /// factor of 2.7 between the 16th and 84th percentiles of the replications.
    public static let stayScaleSpreadLimit = 0.5

    /// Every problem that keeps the model from running this configuration soundly, each with the path of the
    /// setting at fault. The one place these meaning checks live: the scenario reader reports them at the file, line
    /// and column of the path; a configuration built in code meets the same guard, so none can trap later.
    public var problems: [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func check(_ ok: Bool, _ path: String, _ message: String) {
            if !ok { problems.append(ConfigurationProblem(path: path, message: message)) }
        }
        check(stayScaleSpread >= 0 && stayScaleSpread <= Self.stayScaleSpreadLimit, "stay_scale_spread",
              "must be from 0 to \(Self.stayScaleSpreadLimit), found \(stayScaleSpread)")
        let ed = emergencyDepartment
        check(ed.cubicles >= 1, "emergency_department.cubicles", "must be >= 1, found \(ed.cubicles)")
        if let capacity = ed.capacity {
            check(capacity >= ed.cubicles, "emergency_department.capacity",
                  "must be at least the cubicles (\(ed.cubicles)), found \(capacity)")
        }
        if let limit = ed.boardingLimit { check(limit >= 0, "emergency_department.boarding_limit", "must be >= 0, found \(limit)") }
        check(ed.triage.contains { $0.share > 0 }, "emergency_department.triage", "needs a category with a share > 0")
        for (index, triage) in ed.triage.enumerated() {
            check(triage.share >= 0 && triage.share.isFinite, "emergency_department.triage[\(index)].share",
                  "must be >= 0, found \(triage.share)")
            check((0...1).contains(triage.admissionProbability), "emergency_department.triage[\(index)].admit",
                  "must be between 0 and 1, found \(triage.admissionProbability)")
        }
        check(Set(ed.triage.map(\.category)).count == ed.triage.count, "emergency_department.triage",
              "a category appears twice")
        if let fcp = fullCapacityProtocol {
            check(fcp.declareAtBoarders >= 1, "full_capacity_protocol.declare_at_boarders", "must be >= 1, found \(fcp.declareAtBoarders)")
            check(fcp.standDownAtBoarders >= 0 && fcp.standDownAtBoarders < fcp.declareAtBoarders,
                  "full_capacity_protocol.stand_down_at_boarders",
                  "must be from 0 to below declare_at_boarders (\(fcp.declareAtBoarders)), found \(fcp.standDownAtBoarders)")
            check(fcp.extraPatientsPerWard >= 1, "full_capacity_protocol.extra_patients_per_ward",
                  "must be >= 1, found \(fcp.extraPatientsPerWard)")
        }
        if let theatres {
            check(theatres.listRemovalsPerYear >= 0 && theatres.listRemovalsPerYear.isFinite, "theatres.list_removals_per_year",
                  "must be >= 0, found \(theatres.listRemovalsPerYear)")
        }
        if let sdec = ed.sameDayEmergencyCare {
            let path = "emergency_department.same_day_emergency_care"
            check(sdec.places >= 1, path + ".places", "must be >= 1, found \(sdec.places)")
            check((0...1).contains(sdec.share), path + ".share", "must be between 0 and 1, found \(sdec.share)")
            check(sdec.opens < sdec.closes, path + ".closes", "must be after opens (\(sdec.opens)), found \(sdec.closes)")
            check(!sdec.triage.isEmpty, path + ".triage", "needs at least one triage category")
        }
        check(ed.admittedPathways.values.contains { $0 > 0 }, "emergency_department.admitted_pathways",
              "needs a pathway with a share > 0")
        for (pathway, share) in ed.admittedPathways {
            check(pathway.isEmergency, "emergency_department.admitted_pathways.\(pathway.rawValue)",
                  "must be an emergency pathway")
            check(share >= 0 && share.isFinite, "emergency_department.admitted_pathways.\(pathway.rawValue)",
                  "must be >= 0, found \(share)")
        }
        check(Set(units.map(\.name)).count == units.count, "units", "two units have the same name")
        for (index, unit) in units.enumerated() {
            check(unit.beds >= 0, "units[\(index)].beds", "must be >= 0, found \(unit.beds)")
            if let rule = unit.escalation {
                check(rule.beds >= 0, "units[\(index)].escalation.beds", "must be >= 0, found \(rule.beds)")
                check(rule.closeBelowOccupancy <= rule.openAtOccupancy, "units[\(index)].escalation",
                      "close_below must not exceed open_at")
            }
        }
        let reached = twinModel.reachableStates
        for state in [CareState.ward, .icu] where reached.contains(state) && !units.contains(where: { $0.kind.careState == state }) {
            check(false, "units", "needs at least one unit of type \(state == .ward ? "ward" : "icu") (the twin model sends "
                + "patients there)")
        }
        check(outlying.stayMultiplier >= 1, "outlying.stay_multiplier", "must be >= 1, found \(outlying.stayMultiplier)")
        for (index, window) in discharge.windows.enumerated() {
            check(!window.weekdays.isEmpty, "discharge.windows[\(index)].weekdays", "must name at least one day")
            check((0...1).contains(window.share), "discharge.windows[\(index)].share", "must be between 0 and 1")
        }
        check(deterioration.ratePerDay >= 0, "deterioration.per_day", "must be >= 0")
        if let mean = deterioration.wardArrivalNEWS2Mean {
            check(mean >= 0 && mean <= 20, "deterioration.ward_arrival_news2_mean", "must be between 0 and 20")
        }
        check(deterioration.news2Range.lowerBound >= 0 && deterioration.news2Range.upperBound <= 20, "deterioration.news2",
              "must lie within 0-20")
        if let theatres {
            check(theatres.rooms >= 0, "theatres.rooms", "must be >= 0")
            check(theatres.emergencyRooms >= 1, "theatres.emergency_rooms", "must be >= 1 (emergency surgery needs a room)")
            for (index, session) in theatres.sessions.enumerated() {
                check((1...max(1, theatres.rooms)).contains(session.room) && theatres.rooms >= 1,
                      "theatres.sessions[\(index)].room", "must be a room from 1 to \(theatres.rooms), found \(session.room)")
                check(theatres.demand.contains { $0.specialty == session.specialty },
                      "theatres.sessions[\(index)].specialty",
                      "\(session.specialty.rawValue) has no elective_demand to fill its lists")
            }
            for (index, demand) in theatres.demand.enumerated() {
                check(!demand.pathway.isEmergency, "theatres.elective_demand[\(index)].pathway", "must be an elective pathway")
                check(demand.referralsPerWeek >= 0, "theatres.elective_demand[\(index)].referrals_per_week", "must be >= 0")
                check(demand.initialWaitingList >= 0, "theatres.elective_demand[\(index)].waiting_list", "must be >= 0")
            }
            for window in [theatres.morning, theatres.afternoon] {
                check(window.end > window.start, "theatres.sessions", "a session must end after it starts")
            }
        }
        let staff = staffing
        for (index, line) in staff.roster.enumerated() {
            check(staff.shifts.indices.contains(line.shift), "staff.rosters[\(index)].shift", "is not a shift")
            check(line.headcount >= 0, "staff.rosters[\(index)].headcount", "must be >= 0")
            if case .unit(let unit) = line.place {
                check(units.indices.contains(unit), "staff.rosters[\(index)].unit", "is not a unit")
            }
        }
        for (group, rate) in staff.absence {
            check((0...1).contains(rate), "staff.absence.\(group.rawValue)", "must be between 0 and 1")
        }
        check((0...1).contains(staff.bankFill), "staff.bank_fill", "must be between 0 and 1")
        check((0...1).contains(staff.agencyFill), "staff.agency_fill", "must be between 0 and 1")
        for (group, rate) in staff.vacancy {
            check((0...1).contains(rate), "staff.vacancy.\(group.rawValue)", "must be between 0 and 1")
        }
        check((0...1).contains(staff.vacancyBankFill), "staff.vacancy_bank_fill", "must be between 0 and 1")
        check((0...1).contains(staff.vacancyAgencyFill), "staff.vacancy_agency_fill", "must be between 0 and 1")
        let ratios = [staff.ratios.defaultLevel0, staff.ratios.level1, staff.ratios.level2, staff.ratios.level3]
            + Array(staff.ratios.level0.values)
        check(ratios.allSatisfy { $0 > 0 && $0.isFinite }, "staff.ratios", "every ratio must be > 0")
        return problems
    }
}
