import HospitalModel
import PatientTwin
import Simulation

/// One amount of one replication: a cost centre's category in a month, in the model's currency, ≥ 0 (its
/// category's `kind` says how it counts).
public struct CostLine: Sendable, Hashable, Codable {
    /// Where the amount falls.
    public var centre: CostCentre
    /// What it is spent on or earned from.
    public var category: CostCategory
    /// "2026-04".
    public var month: String
    /// The amount, in the model's currency, ≥ 0.
    public var amount: Double

    /// A line from its parts.
    public init(centre: CostCentre, category: CostCategory, month: String, amount: Double) {
        self.centre = centre
        self.category = category
        self.month = month
        self.amount = amount
    }
}

/// A cost centre: an inpatient unit, the emergency department, the theatres, the hospital (overheads and the
/// penalties no unit carries), or a pathway's spell income. The kinds are told apart by type; the reports and the
/// store name each by `name` ("Ward 7", "Emergency department", "Theatres", "Hospital", "Spells: emergency
/// medical"), and scenarios refuse a unit named like any of the others (`ReservedNames` in Scenario), so a name
/// reads back as the centre it was.
public enum CostCentre: Sendable, Hashable, Codable, CustomStringConvertible {
    /// An inpatient unit, by its name.
    case unit(String)
    case emergencyDepartment
    case theatres
    case hospital
    /// The income of a pathway's spells.
    case spells(Pathway)

    /// The names of the centres that are not units.
    public static let emergencyDepartmentName = "Emergency department"
    /// The theatres' centre.
    public static let theatresName = "Theatres"
    /// The hospital's centre: overheads and the penalties no unit carries.
    public static let hospitalName = "Hospital"
    /// What a spell-income centre's name starts with.
    public static let spellsPrefix = "Spells: "

    /// How reports and the store name it.
    public var name: String {
        switch self {
        case .unit(let name): name
        case .emergencyDepartment: Self.emergencyDepartmentName
        case .theatres: Self.theatresName
        case .hospital: Self.hospitalName
        case .spells(let pathway): Self.spellsPrefix + pathway.rawValue.replacingOccurrences(of: "_", with: " ")
        }
    }

    public var description: String { name }

    /// The centre `name` names (a unit when it names no other).
    public init(name: String) {
        switch name {
        case Self.emergencyDepartmentName: self = .emergencyDepartment
        case Self.theatresName: self = .theatres
        case Self.hospitalName: self = .hospital
        default:
            if name.hasPrefix(Self.spellsPrefix),
               let pathway = Pathway.allCases.first(where: { CostCentre.spells($0).name == name }) {
                self = .spells(pathway)
            } else {
                self = .unit(name)
            }
        }
    }

    /// The centre of the staff working at `place`.
    public init(staffPlace place: StaffPlaceName) {
        switch place {
        case .emergencyDepartment: self = .emergencyDepartment
        case .theatres: self = .theatres
        case .unit(let name): self = .unit(name)
        }
    }

    public init(from decoder: any Decoder) throws { self.init(name: try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Prices one replication's KPIs with a cost model: the cost report's lines. The centre names are stated here once.
public enum CostLedger {
    /// Days in a calendar month "YYYY-MM" (Gregorian), or nil when `month` is not of that form.
    public static func daysInMonth(_ month: String) -> Int? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let number = Int(parts[1]), (1...12).contains(number) else { return nil }
        switch number {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Every line of one replication, in month, centre, category order; lines of amount 0 are kept so that every
    /// replication has the same lines (paired comparisons need them).
    public static func lines(of kpis: HospitalKPIs, priced model: CostModel) -> [CostLine] {
        var amounts: [LineKey: Double] = [:]
        var order: [LineKey] = []
        func add(_ centre: CostCentre, _ category: CostCategory, _ month: String, _ amount: Double) {
            let key = LineKey(centre: centre, category: category, month: month)
            if amounts[key] == nil { order.append(key) }
            amounts[key, default: 0] += amount
        }
        let months = kpis.months.map(\.month)
        let centres = kpis.units.map { CostCentre.unit($0.name) } + [.emergencyDepartment, .theatres, .hospital]
            + Pathway.allCases.map(CostCentre.spells)
        // Every centre's every applicable category in every month, so the lines are the same in every replication.
        for month in months {
            for centre in centres {
                for category in CostCategory.allCases where applies(category, to: centre, units: kpis.units) {
                    add(centre, category, month, 0)
                }
            }
        }
        for row in kpis.staffMonths {
            // A cost model prices every group (`CostModel.problems`); a group without a rate costs nothing.
            guard let rate = model.staff[row.group] else { continue }
            let hour = rate.cost(in: row.period)
            let centre = CostCentre(staffPlace: row.place)
            add(centre, .substantiveStaff, row.month, row.rosteredHours * hour)
            add(centre, .bankStaff, row.month, row.bankHours * hour * (1 + model.bankPremium))
            add(centre, .agencyStaff, row.month, row.agencyHours * hour * (1 + model.agencyPremium))
        }
        for row in kpis.bedDaysByUnitMonth {
            let kind = row.kind
            add(.unit(row.unit), .bedDays, row.month, row.bedDays * (model.bedDay[kind] ?? 0))
            if kind.isCriticalCare {
                add(.unit(row.unit), .criticalCareIncome, row.month, row.bedDays * (model.criticalCareBedDayIncome[kind] ?? 0))
            }
        }
        for month in kpis.months {
            let share = Double(month.days) / Double(daysInMonth(month.month) ?? 30)
            for unit in kpis.units {
                add(.unit(unit.name), .fixed, month.month, Double(unit.beds) * (model.bedMonth[unit.kind] ?? 0) * share)
            }
            add(.hospital, .fixed, month.month, model.overheadMonth * share)
            add(.theatres, .theatreNonStaff, month.month, month.operatingMinutes * model.theatreMinute)
            add(.theatres, .cancellationsLostIncome, month.month, Double(month.cancellations) * model.cancelledOperationIncome)
            add(.emergencyDepartment, .edIncome, month.month, Double(month.edAttendances) * model.edAttendanceIncome)
            add(.hospital, .readmissionPenalties, month.month, Double(month.readmissions) * model.readmissionPenalty)
            for spell in month.spells {
                add(.spells(spell.pathway), .spellIncome, month.month,
                    Double(spell.count) * (model.spellIncome[spell.pathway] ?? 0))
            }
        }
        return order.map { CostLine(centre: $0.centre, category: $0.category, month: $0.month, amount: amounts[$0]!) }
    }

    /// Whether a centre can have a category at all (so that empty lines are kept only where they mean something).
    static func applies(_ category: CostCategory, to centre: CostCentre, units: [UnitKPIs]) -> Bool {
        switch (category, centre) {
        case (.substantiveStaff, .unit), (.bankStaff, .unit), (.agencyStaff, .unit),
             (.substantiveStaff, .emergencyDepartment), (.bankStaff, .emergencyDepartment), (.agencyStaff, .emergencyDepartment),
             (.substantiveStaff, .theatres), (.bankStaff, .theatres), (.agencyStaff, .theatres):
            return true
        case (.bedDays, .unit), (.fixed, .unit), (.fixed, .hospital):
            return true
        case (.criticalCareIncome, .unit(let name)):
            return units.first { $0.name == name }?.kind.isCriticalCare == true
        case (.theatreNonStaff, .theatres), (.cancellationsLostIncome, .theatres), (.edIncome, .emergencyDepartment),
             (.readmissionPenalties, .hospital), (.spellIncome, .spells):
            return true
        default:
            return false
        }
    }

    struct LineKey: Hashable {
        let centre: CostCentre
        let category: CostCategory
        let month: String
    }
}

/// A run priced: the cost model used and every replication's lines (in replication order, the same lines in each).
/// What the store keeps and an archive carries, so a cost report can be rendered again without simulating.
public struct RunCosts: Sendable, Hashable, Codable {
    /// The cost model the run was priced with (the scenario's `costs`).
    public var model: CostModel
    /// Each replication's lines.
    public var replications: [[CostLine]]

    /// A priced run from its parts.
    public init(model: CostModel, replications: [[CostLine]]) {
        self.model = model
        self.replications = replications
    }

    /// Prices every replication of `runs` with `model`, on every core (the lines do not depend on the thread).
    public init(pricing runs: [HospitalKPIs], with model: CostModel) {
        self.init(model: model, replications: Parallel.map(count: runs.count) { CostLedger.lines(of: runs[$0], priced: model) })
    }

    /// The report of these costs, against `baseline`'s (paired replication by replication) when given.
    public func report(scenario: String, baseline: (name: String, costs: RunCosts)? = nil, coverage: [MonthCoverage] = [])
        -> CostReport
    {
        CostReport(scenario: scenario, currency: model.currency, replications: replications,
                   baseline: baseline.map { ($0.name, $0.costs.replications) }, coverage: coverage)
    }

    /// Each replication's headline amounts as metrics (key "costs.<category>" and "costs.total_costs",
    /// "costs.income", "costs.net"), for paired comparisons beside the KPIs.
    public func metrics() -> [[Metric]] {
        replications.map { lines in
            var byCategory = [Double](repeating: 0, count: CostCategory.allCases.count)
            for line in lines { byCategory[line.category.ordinal] += line.amount }
            var metrics: [Metric] = []
            var totals: [CostKind: Double] = [:]
            for category in CostCategory.allCases {
                let amount = byCategory[category.ordinal]
                totals[category.kind, default: 0] += amount
                let direction: MetricDirection = category.kind == .income ? .higherIsBetter : .lowerIsBetter
                metrics.append(Metric(key: "costs.\(category.rawValue)", label: "Costs: \(category.label)",
                                      unit: model.currency, direction: direction, value: amount))
            }
            let costs = totals[.cost] ?? 0, income = totals[.income] ?? 0
            let net = CostCategory.allCases.reduce(0) { $0 + $1.kind.netSign * byCategory[$1.ordinal] }
            metrics.append(Metric(key: "costs.total_costs", label: "Costs: all costs", unit: model.currency,
                                  direction: .lowerIsBetter, value: costs))
            metrics.append(Metric(key: "costs.income", label: "Costs: all income", unit: model.currency,
                                  direction: .higherIsBetter, value: income))
            metrics.append(Metric(key: "costs.net", label: "Costs: net position (income − costs − deductions)",
                                  unit: model.currency, direction: .higherIsBetter, value: net))
            return metrics
        }
    }
}
