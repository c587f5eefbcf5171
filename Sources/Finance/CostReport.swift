import HospitalModel
import Simulation

/// An amount over replications: its mean with a 95% Student-t interval, and, against a baseline run on common
/// random numbers, the baseline's mean and the paired difference (this − baseline) with its interval.
public struct AmountSummary: Sendable, Hashable, Codable {
    /// Mean over replications, currency units.
    public var mean: Double
    /// Half-width of its 95% interval (0 with one replication or no spread).
    public var halfWidth: Double
    /// The baseline's mean, when there is a baseline.
    public var baselineMean: Double?
    /// Mean of the paired differences (this − baseline): the variance against the baseline.
    public var difference: Double?
    /// Half-width of the difference's 95% interval.
    public var differenceHalfWidth: Double?

    /// Summarises `values`, paired with `baseline` (same length, replication by replication) when given.
    init(_ values: [Double], baseline: [Double]?) {
        let summary = ReplicationSummary(values)
        mean = summary.mean
        halfWidth = summary.reportedHalfWidth()
        if let baseline {
            let paired = PairedComparison(baseline: baseline, alternative: values)
            baselineMean = paired.baseline.mean
            difference = paired.difference.mean
            differenceHalfWidth = paired.difference.reportedHalfWidth()
        }
    }

    /// True when the difference's interval excludes 0: the change is detectable at 95%.
    public var differenceIsDetectable: Bool {
        guard let difference, let differenceHalfWidth else { return false }
        return abs(difference) > differenceHalfWidth
    }
}

/// How far a row of the cost report aggregates.
public enum CostLevel: String, Sendable, Hashable, Codable, CaseIterable {
    /// A cost centre's category in a month.
    case line
    /// A cost centre's category over the window (month `CostReport.wholeWindow`), and its "costs", "income" and
    /// "deductions" over the window.
    case centre
    /// A category over all centres, by month and over the window.
    case category
    /// Costs, income, deductions and the net, by month and over the window.
    case total
}

/// A row of the cost report.
public struct CostReportRow: Sendable, Hashable, Codable {
    /// How far it sums: a centre's category in a month (line), a centre over the window, a category over the
    /// centres, or the totals.
    public var level: CostLevel
    /// The cost centre; "" above the centre level.
    public var centre: String
    /// A `CostCategory` raw value, or at the total level "costs", "income", "deductions" or "net".
    public var category: String
    /// "2026-04", or `CostReport.wholeWindow`.
    public var month: String
    /// The amount over replications: mean, 95% interval and the variance against the baseline, if any.
    public var amount: AmountSummary
}

/// The finance report: every cost centre's categories by month, summed up by centre, category and month, with the
/// totals and the net position; means and 95% intervals over replications, and the variance against a baseline.
/// Built from each replication's `CostLine`s so that every interval is that of the sum, not a sum of intervals.
public struct CostReport: Sendable, Hashable, Codable {
    /// The layout's version.
    public static let currentSchemaVersion = 1
    /// The month of rows over the whole window.
    public static let wholeWindow = "total"
    /// The names of the total rows.
    public static let totalNames = ["costs", "income", "deductions", "net"]

    /// The layout this value was written in.
    public var schemaVersion = CostReport.currentSchemaVersion
    /// The scenario priced.
    public var scenario: String
    /// The baseline's scenario, when the report compares.
    public var baseline: String?
    /// ISO 4217 code of every amount.
    public var currency: String
    /// Replications (of each scenario).
    public var replications: Int
    /// The months of the window, in order.
    public var months: [String]
    /// How much of each month the window holds (empty when not known): the first and last are usually part months.
    public var coverage: [MonthCoverage] = []
    /// Rows: lines, then centres, then categories, then totals.
    public var rows: [CostReportRow]

    /// The report of `replications` (each replication's lines), against `baseline` (the baseline's replications,
    /// paired by index: the same count) when given.
    public init(scenario: String, currency: String, replications: [[CostLine]], baseline: (name: String, replications: [[CostLine]])?,
                coverage: [MonthCoverage] = [])
    {
        precondition(!replications.isEmpty, "a cost report needs a replication")
        precondition(baseline.map { $0.replications.count == replications.count } ?? true,
                     "a baseline pairs replication by replication")
        self.scenario = scenario
        self.baseline = baseline?.name
        self.currency = currency
        self.replications = replications.count
        let ours = replications.map(Self.aggregate)
        let theirs = baseline?.replications.map(Self.aggregate)
        // Keys in first-seen order over both runs; a key missing from a replication counts 0 there.
        var keys: [RowKey] = []
        var seen = Set<RowKey>()
        for table in ours + (theirs ?? []) {
            for key in table.order where seen.insert(key).inserted { keys.append(key) }
        }
        let rank = Dictionary(uniqueKeysWithValues: keys.enumerated().map { position, key in
            (key, (key.level.ordinal, Self.sortIndex(key, position: position)))
        })
        keys.sort { rank[$0]! < rank[$1]! }
        rows = keys.map { key in
            let values = ours.map { $0.amounts[key] ?? 0 }
            let base = theirs.map { tables in tables.map { $0.amounts[key] ?? 0 } }
            return CostReportRow(level: key.level, centre: key.centre, category: key.category, month: key.month,
                                 amount: AmountSummary(values, baseline: base))
        }
        var months: [String] = []
        for row in rows where row.level == .line && !months.contains(row.month) { months.append(row.month) }
        self.months = months.sorted()
        self.coverage = coverage
    }

    /// "2026-03 (2 of 31 days)" for a part month, else the month.
    public func monthLabel(_ month: String) -> String {
        guard let covered = coverage.first(where: { $0.month == month }), covered.days < covered.daysInMonth else { return month }
        return "\(month) (\(covered.days) of \(covered.daysInMonth) days)"
    }

    /// The rows of one level.
    public func rows(_ level: CostLevel) -> [CostReportRow] { rows.filter { $0.level == level } }

    /// The row of a total ("costs", "income", "deductions", "net") in a month or over the window.
    public func total(_ name: String, month: String = CostReport.wholeWindow) -> CostReportRow? {
        rows.first { $0.level == .total && $0.category == name && $0.month == month }
    }

    struct RowKey: Hashable {
        let level: CostLevel
        let centre: String
        let category: String
        let month: String
    }

    /// One replication's amounts at every level, and the keys in the order first seen.
    static func aggregate(_ lines: [CostLine]) -> (amounts: [RowKey: Double], order: [RowKey]) {
        var amounts: [RowKey: Double] = [:]
        var order: [RowKey] = []
        func add(_ level: CostLevel, _ centre: String, _ category: String, _ month: String, _ amount: Double) {
            let key = RowKey(level: level, centre: centre, category: category, month: month)
            if amounts[key] == nil { order.append(key) }
            amounts[key, default: 0] += amount
        }
        for line in lines {
            let category = line.category.rawValue
            let kind = line.category.kind
            let centre = line.centre.name
            add(.line, centre, category, line.month, line.amount)
            add(.centre, centre, category, wholeWindow, line.amount)
            if let total = kind.totalName { add(.centre, centre, total, wholeWindow, line.amount) }
            for month in [line.month, wholeWindow] {
                add(.category, "", category, month, line.amount)
                if let total = kind.totalName { add(.total, "", total, month, line.amount) }
                add(.total, "", "net", month, kind.netSign * line.amount)
            }
        }
        return (amounts, order)
    }

    /// Categories and totals in their own order, months in time order with the window last; lines and centres as
    /// first seen (`position`).
    static func sortIndex(_ key: RowKey, position: Int) -> Int {
        switch key.level {
        case .line, .centre:
            return position
        case .category:
            return (CostCategory(rawValue: key.category)?.ordinal ?? 0) * 1_000_000 + monthOrder(key.month)
        case .total:
            return (totalNames.firstIndex(of: key.category) ?? 0) * 1_000_000 + monthOrder(key.month)
        }
    }

    static func monthOrder(_ month: String) -> Int {
        if month == wholeWindow { return 999_999 }
        let parts = month.split(separator: "-").compactMap { Int($0) }
        return parts.count == 2 ? min(parts[0] * 12 + parts[1], 999_998) : 0
    }
}

/// The days of a calendar month inside a run's window.
public struct MonthCoverage: Sendable, Hashable, Codable {
    /// "2026-03".
    public var month: String
    /// Local midnights of the month in the window.
    public var days: Int
    /// Days in the calendar month.
    public var daysInMonth: Int

    /// The coverage of every month of a replication's window.
    public static func of(_ kpis: HospitalKPIs) -> [MonthCoverage] {
        kpis.months.map { MonthCoverage(month: $0.month, days: $0.days, daysInMonth: CostLedger.daysInMonth($0.month) ?? $0.days) }
    }
}

extension CostKind {
    /// How an amount of the kind moves the net position (income − costs − deductions): +1, -1, or 0 for a memo.
    public var netSign: Double {
        switch self {
        case .income: 1
        case .cost, .deduction: -1
        case .memo: 0
        }
    }

    /// The total row the kind adds to ("costs", "income", "deductions"); nil for memos.
    public var totalName: String? {
        switch self {
        case .cost: "costs"
        case .income: "income"
        case .deduction: "deductions"
        case .memo: nil
        }
    }
}

extension CostLevel {
    var ordinal: Int { Self.allCases.firstIndex(of: self)! }
}
