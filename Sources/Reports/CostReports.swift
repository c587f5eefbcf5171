import CSVFiles
import Finance
import Foundation
import HospitalModel
import RunRecords

/// Renders the cost report: a terminal summary (totals, categories, cost centres, months), CSV with every row of
/// every level (for a spreadsheet's pivot table), and the documented JSON.
public enum CostReports {
    /// An amount in thousands of the currency with thousands separators: "12,345".
    static func thousands(_ value: Double) -> String {
        let rounded = Int((value / 1000).rounded())
        let digits = String(abs(rounded))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return (rounded < 0 ? "-" : "") + grouped
    }

    static func signed(_ value: Double) -> String {
        let text = thousands(value)
        return text.hasPrefix("-") || text == "0" ? text : "+" + text
    }

    /// "12,345 ± 67" (thousands).
    static func estimate(_ amount: AmountSummary, replications: Int) -> String {
        replications > 1 ? "\(thousands(amount.mean)) ± \(thousands(amount.halfWidth))" : thousands(amount.mean)
    }

    /// The variance cells: baseline mean, "+12 ± 5" and whether it is detectable.
    static func variance(_ amount: AmountSummary) -> [String] {
        guard let base = amount.baselineMean, let difference = amount.difference, let half = amount.differenceHalfWidth else {
            return []
        }
        return [thousands(base), "\(signed(difference)) ± \(thousands(half))", amount.differenceIsDetectable ? "yes" : "no"]
    }

    static func label(_ category: String) -> String {
        if let category = CostCategory(rawValue: category) { return category.label }
        return category.prefix(1).uppercased() + category.dropFirst()
    }

    /// The headers of the variance columns, with a baseline.
    static let varianceHeader = ["baseline", "variance ± 95% CI", "detectable"]

    /// Variance cells for a row: three with a baseline (blank where the row has none), none without.
    static func varianceCells(_ amount: AmountSummary, in report: CostReport) -> [String] {
        guard report.baseline != nil else { return [] }
        let cells = variance(amount)
        return cells.isEmpty ? ["", "", ""] : cells
    }

    /// The net position's rows: name, amount, and the variance cells.
    static func netRows(_ report: CostReport) -> [[String]] {
        CostReport.totalNames.compactMap { name in
            report.total(name).map { [label(name), estimate($0.amount, replications: report.replications)]
                + varianceCells($0.amount, in: report) }
        }
    }

    /// Every category over the window: label, kind, amount, and the variance cells.
    static func categoryRows(_ report: CostReport) -> [[String]] {
        report.rows(.category).filter { $0.month == CostReport.wholeWindow }.map {
            [label($0.category), CostCategory(rawValue: $0.category)?.kind.rawValue ?? "",
             estimate($0.amount, replications: report.replications)] + varianceCells($0.amount, in: report)
        }
    }

    /// The cost centres: costs by category in columns, then the centre's costs and income with intervals, and with a
    /// baseline the variance of its costs. Centres as first seen.
    static func centreTable(_ report: CostReport) -> (header: [String], rows: [[String]]) {
        let n = report.replications, compare = report.baseline != nil
        let costCategories = CostCategory.allCases.filter { $0.kind == .cost }
        let centres = report.rows(.centre)
        var names: [String] = []
        for row in centres where !names.contains(row.centre) { names.append(row.centre) }
        let header = ["cost centre"] + costCategories.map(\.label) + ["costs ± 95% CI", "income ± 95% CI"]
            + (compare ? ["costs variance ± 95% CI"] : [])
        let rows = names.map { centre -> [String] in
            let mine = centres.filter { $0.centre == centre }
            func amount(_ category: String) -> AmountSummary? { mine.first { $0.category == category }?.amount }
            let costs = amount("costs")
            return [centre] + costCategories.map { amount($0.rawValue).map { thousands($0.mean) } ?? "" }
                + [costs.map { estimate($0, replications: n) } ?? "", amount("income").map { estimate($0, replications: n) } ?? ""]
                + (compare ? [costs.flatMap { variance($0).dropFirst().first } ?? ""] : [])
        }
        return (header, rows)
    }

    /// The terminal report.
    public static func table(_ report: CostReport) -> String {
        let n = report.replications
        var out: [String] = []
        out.append("Costs of \(report.scenario): \(n) replication\(n == 1 ? "" : "s"), \(report.months.first ?? "") to "
            + "\(report.months.last ?? ""), \(report.currency) thousand, means" + (n > 1 ? " ± 95% CI" : ""))
        if let baseline = report.baseline {
            out.append("Variance = \(report.scenario) − \(baseline), paired replication by replication on common random "
                + "numbers; 'detectable': its 95% interval excludes 0.")
        }
        let compare = report.baseline != nil
        let varianceHeader = compare ? Self.varianceHeader : []
        out.append("")
        out.append("Net position")
        out.append(TextTable.render([["", "amount"] + varianceHeader] + netRows(report)))
        out.append("")
        out.append("By category (the memo line is counted in no total)")
        out.append(TextTable.render([["category", "kind", "amount"] + varianceHeader] + categoryRows(report)))
        let centres = centreTable(report)
        out.append("")
        out.append("By cost centre")
        out.append(TextTable.render([centres.header] + centres.rows))
        out.append("")
        out.append("By month")
        var months = [["month", "costs", "income", "deductions", "net"] + (compare ? ["net variance ± 95% CI"] : [])]
        for month in report.months {
            let totals = CostReport.totalNames.map { report.total($0, month: month) }
            months.append([report.monthLabel(month)] + totals.enumerated().map { index, row in
                guard let row else { return "" }
                return index == 3 ? estimate(row.amount, replications: n) : thousands(row.amount.mean)
            } + (compare ? [totals[3].flatMap { variance($0.amount).dropFirst().first } ?? ""] : []))
        }
        out.append(TextTable.render(months))
        return out.joined(separator: "\n")
    }

    /// Every row of every level: level, centre, category, label, kind, month, mean, 95% CI, and against a baseline
    /// its mean and the variance with its interval. Amounts in currency units with two decimals.
    public static func writeCSV(_ report: CostReport, to writer: CSVWriter) {
        func money(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "" }
        writer.write(["scenario", "baseline", "currency", "level", "cost_centre", "category", "label", "kind", "month",
                      "mean", "ci95_low", "ci95_high", "baseline_mean", "variance", "variance_ci95_low", "variance_ci95_high"])
        for row in report.rows {
            let a = row.amount
            let kind = CostCategory(rawValue: row.category)?.kind.rawValue ?? "total"
            writer.write([report.scenario, report.baseline ?? "", report.currency, row.level.rawValue, row.centre,
                          row.category, label(row.category), kind, row.month, money(a.mean), money(a.mean - a.halfWidth),
                          money(a.mean + a.halfWidth), money(a.baselineMean), money(a.difference),
                          money(a.difference.flatMap { d in a.differenceHalfWidth.map { d - $0 } }),
                          money(a.difference.flatMap { d in a.differenceHalfWidth.map { d + $0 } })])
        }
        writer.flush()
    }

    /// The report as JSON (snake_case keys, sorted).
    public static func json(_ report: CostReport) throws -> Data {
        try ResultJSON.encoder().encode(report)
    }
}
