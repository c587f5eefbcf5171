import Finance
import Foundation
import HospitalModel

/// The three users' reports as self-contained HTML pages (`HTML`): the comparison as interval plots, the costs as
/// stacked bars, the forecast as fan charts, each chart with its table.
public enum HTMLReports {
    // MARK: Charts

    /// Vertical stacked bars: one bar per column, one segment per series. Each segment's height is
    /// `factor` × its value (the svg says so in `data-factor`).
    static func stackedBars(id: String, columns: [String], series: [(name: String, values: [Double])], unitLabel: String) -> String {
        let width = 1000.0, height = 340.0, left = 70.0, bottom = 40.0, top = 10.0
        let totals = columns.indices.map { index in series.reduce(0) { $0 + max(0, $1.values[index]) } }
        let maximum = max(totals.max() ?? 0, 1)
        let y = HTML.Scale(domain: (0, maximum * 1.05), range: (height - bottom, top))
        let factor = (height - bottom - top) / (maximum * 1.05)
        let slot = (width - left - 10) / Double(max(columns.count, 1))
        var svg = "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" data-chart=\"bars\" "
            + "data-factor=\"\(HTML.attribute(factor))\" aria-label=\"\(HTML.escape(unitLabel))\">"
        for tick in y.ticks() {
            svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(HTML.f(y(tick)))\" y2=\"\(HTML.f(y(tick)))\" stroke=\"#e3e8ed\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(HTML.f(y(tick) + 4))\" text-anchor=\"end\">\(HTML.format(tick))</text>"
        }
        for (index, column) in columns.enumerated() {
            var base = height - bottom
            let x = left + Double(index) * slot + slot * 0.15
            for (s, serie) in series.enumerated() {
                let value = max(0, serie.values[index])
                let h = value * factor
                base -= h
                svg += "<rect x=\"\(HTML.f(x))\" y=\"\(HTML.f(base))\" width=\"\(HTML.f(slot * 0.7))\" height=\"\(HTML.f(h))\" "
                    + "fill=\"\(HTML.palette[s % HTML.palette.count])\" data-key=\"\(HTML.escape(column + "|" + serie.name))\" "
                    + "data-value=\"\(HTML.attribute(value))\"><title>\(HTML.escape("\(column), \(serie.name): \(HTML.format(value))"))</title></rect>"
            }
            svg += "<text x=\"\(HTML.f(x + slot * 0.35))\" y=\"\(HTML.f(height - bottom + 16))\" text-anchor=\"middle\">\(HTML.escape(column))</text>"
        }
        svg += "<text x=\"12\" y=\"\(HTML.f(top + 10))\">\(HTML.escape(unitLabel))</text></svg>"
        let legend = "<p class=\"legend\">" + series.enumerated().map { s, serie in
            "<span>\(HTML.swatch(HTML.palette[s % HTML.palette.count]))\(HTML.escape(serie.name))</span>"
        }.joined() + "</p>"
        return svg + legend
    }

    /// Horizontal interval plot: a row per item, a dot at the estimate and a bar for its interval, a line at 0.
    /// A dot's `cx` is `data-origin` + `data-factor` × its value.
    static func intervalPlot(id: String, rows: [(key: String, label: String, value: Double, low: Double, high: Double, cssColour: String)],
                             axisLabel: String) -> String
    {
        let width = 1000.0, labelWidth = 360.0, rowHeight = 26.0, top = 10.0
        let height = top + Double(rows.count) * rowHeight + 40
        let extent = max(rows.map { max(abs($0.low), abs($0.high), abs($0.value)) }.filter(\.isFinite).max() ?? 1, 1e-9) * 1.1
        let x = HTML.Scale(domain: (-extent, extent), range: (labelWidth, width - 20))
        let factor = (width - 20 - labelWidth) / (2 * extent)
        var svg = "<svg id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" data-chart=\"intervals\" "
            + "data-origin=\"\(HTML.attribute(x(0)))\" data-factor=\"\(HTML.attribute(factor))\">"
        for tick in x.ticks(6) {
            svg += "<line x1=\"\(HTML.f(x(tick)))\" x2=\"\(HTML.f(x(tick)))\" y1=\"\(top)\" y2=\"\(HTML.f(height - 30))\" "
                + "stroke=\"\(tick == 0 ? "#6b7785" : "#e3e8ed")\"/>"
            svg += "<text x=\"\(HTML.f(x(tick)))\" y=\"\(HTML.f(height - 16))\" text-anchor=\"middle\">\(HTML.format(tick))</text>"
        }
        for (index, row) in rows.enumerated() {
            let cy = top + Double(index) * rowHeight + rowHeight / 2
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(HTML.f(cy + 4))\" text-anchor=\"end\">\(HTML.escape(row.label))</text>"
            if row.low.isFinite && row.high.isFinite {
                svg += "<line x1=\"\(HTML.f(x(row.low)))\" x2=\"\(HTML.f(x(row.high)))\" y1=\"\(HTML.f(cy))\" y2=\"\(HTML.f(cy))\" "
                    + "stroke=\"\(row.cssColour)\" stroke-width=\"3\"/>"
            }
            svg += "<circle cx=\"\(HTML.f(x(row.value)))\" cy=\"\(HTML.f(cy))\" r=\"5\" fill=\"\(row.cssColour)\" "
                + "data-key=\"\(HTML.escape(row.key))\" data-value=\"\(HTML.attribute(row.value))\"><title>"
                + "\(HTML.escape("\(row.label): \(HTML.format(row.value)) [\(HTML.format(row.low)), \(HTML.format(row.high))]"))</title></circle>"
        }
        svg += "<text x=\"\(HTML.f(x(0)))\" y=\"\(HTML.f(height - 2))\" text-anchor=\"middle\">\(HTML.escape(axisLabel))</text></svg>"
        return svg
    }

    // MARK: Costs

    /// The cost report: the net position, costs by month as stacked bars by category, cost centres and categories.
    public static func costs(_ report: CostReport) -> HTMLDocument {
        let n = report.replications
        let compare = report.baseline != nil
        func money(_ value: Double) -> String { CostReports.thousands(value) }
        func estimate(_ a: AmountSummary) -> String { CostReports.estimate(a, replications: n) }
        /// The shared text rows as cells: the first `text` columns as text, the rest as numbers.
        func cells(_ row: [String], text: Int) -> [HTML.Cell] {
            row.enumerated().map { $0.offset < text ? .text($0.element) : .number($0.element) }
        }
        let varianceHeaders = compare ? CostReports.varianceHeader : []
        var sections: [String] = []
        sections.append("<section><h2>Net position</h2>" + HTML.table(
            ["", "amount (\(report.currency) thousand)"] + varianceHeaders,
            CostReports.netRows(report).map { cells($0, text: 1) }) + "</section>")
        let costCategories = CostCategory.allCases.filter { $0.kind == .cost }
        let byMonth = report.rows(.category)
        func amount(_ category: CostCategory, _ month: String) -> Double {
            byMonth.first { $0.category == category.rawValue && $0.month == month }?.amount.mean ?? 0
        }
        let chart = stackedBars(id: "costs-by-month", columns: report.months,
                                series: costCategories.map { c in (c.label, report.months.map { amount(c, $0) }) },
                                unitLabel: "\(report.currency) per month (means)")
        let monthRows: [[HTML.Cell]] = report.months.map { month in
            [.text(report.monthLabel(month))] + costCategories.map { c in
                let value = amount(c, month)
                return .number(money(value), key: month + "|" + c.label, value: value)
            } + [.number(report.total("net", month: month).map { estimate($0.amount) } ?? "")]
        }
        sections.append("<section><h2>Costs by month and category</h2>" + chart
            + HTML.table(["month"] + costCategories.map(\.label) + ["net ± 95% CI"], monthRows,
                         caption: "\(report.currency) thousand, means over \(n) replications") + "</section>")
        let centres = CostReports.centreTable(report)
        sections.append("<section><h2>By cost centre</h2>" + HTML.table(centres.header, centres.rows.map { cells($0, text: 1) },
                                                                      caption: "\(report.currency) thousand over the window")
            + "</section>")
        sections.append("<section><h2>By category</h2>" + HTML.table(
            ["category", "kind", "amount"] + varianceHeaders, CostReports.categoryRows(report).map { cells($0, text: 2) },
            caption: "the memo line (income put off by cancellations) is counted in no total") + "</section>")
        var subtitle = ["\(n) replication\(n == 1 ? "" : "s"), \(report.months.first ?? "") to \(report.months.last ?? ""); "
            + "amounts in \(report.currency) thousand, means" + (n > 1 ? " ± 95% confidence intervals" : "")]
        if let baseline = report.baseline {
            subtitle.append("Variance = \(report.scenario) − \(baseline), paired replication by replication on common random numbers.")
        }
        return HTML.page(title: "Cost report: \(report.scenario)", subtitle: subtitle, sections: sections)
    }

    // MARK: Comparison

    /// The comparison: per alternative, an interval plot of the headline measures' relative differences and their
    /// table, then the other detectable differences.
    public static func comparison(_ report: ComparisonReport) -> HTMLDocument {
        var sections: [String] = []
        for (index, comparison) in report.comparisons.enumerated() {
            let byKey = Dictionary(comparison.metrics.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let headline = ComparisonReport.headlineKeys.compactMap { byKey[$0] }.filter { $0.baseline != 0 }
            func relative(_ value: Double, _ m: MetricComparison) -> Double { 100 * value / abs(m.baseline) }
            func colour(_ m: MetricComparison) -> String {
                switch m.verdict {
                case .better: "#1a7f37"
                case .worse: "#b42318"
                case .changed: "#2f6db5"
                case .noDetectableDifference, .identical: "#6b7785"
                }
            }
            let prefix = "c\(index)|"
            let plot = intervalPlot(
                id: "comparison-\(index)",
                rows: headline.map { m in
                    (prefix + m.key.rawValue, m.label, relative(m.difference, m), relative(m.difference - m.differenceHalfWidth, m),
                     relative(m.difference + m.differenceHalfWidth, m), colour(m))
                },
                axisLabel: "difference, % of the baseline (95% CI)")
            let rows: [[HTML.Cell]] = headline.map { m in
                let row = ComparisonReports.row(m, replications: report.replications)
                let cssClass: String? = m.verdict == .better ? "better" : m.verdict == .worse ? "worse" : nil
                return [.text(row[0]), .text(row[1]), .number(row[2]), .number(row[3]), .number(row[4]),
                        .number(relative(m.difference, m).formatted(significantDigits: 3), key: prefix + m.key.rawValue,
                                value: relative(m.difference, m)),
                        .text(row[5]).with(cssClass), .number(row[6])]
            }
            let headers = ["measure", "unit", comparison.baseline, comparison.alternative, "difference ± 95% CI",
                           "difference, % of baseline", "verdict", "replications to detect"]
            var section = "<section><h2>\(HTML.escape(comparison.alternative)) against \(HTML.escape(comparison.baseline))</h2>"
                + plot + HTML.table(headers, rows)
            let others = comparison.otherDiscoveries
            if !others.isEmpty {
                section += "<h3>" + HTML.escape(ComparisonReports.otherHeading(comparison, shown: min(others.count, 40))) + "</h3>"
                section += HTML.table(["measure", "unit", comparison.baseline, comparison.alternative, "difference ± 95% CI",
                                       "verdict", "replications to detect"],
                                      others.prefix(40).map { m in
                                          let row = ComparisonReports.row(m, replications: report.replications)
                                          return [.text(row[0]), .text(row[1])] + row[2...4].map { .number($0) }
                                              + [.text(row[5]), .number(row[6])]
                                      })
            }
            sections.append(section + "</section>")
        }
        let n = report.replications
        let share = Int(((report.comparisons.first?.detectShare ?? 0.05) * 100).rounded())
        return HTML.page(
            title: "Scenario comparison: " + (report.comparisons.first?.baseline ?? ""),
            subtitle: ["Paired on common random numbers: \(n) replication\(n == 1 ? "" : "s") of \(report.horizonDays) days "
                + "(first \(report.warmUpDays) as warm-up), seed \(report.seed). Difference = alternative − baseline with its 95% "
                + "confidence interval; a verdict is given only when the interval excludes 0.",
                "Replications to detect: paired replications that would detect a true difference of \(share)% of the "
                + "baseline with 80% power."],
            sections: sections)
    }
}

extension HTML.Cell {
    func with(_ cssClass: String?) -> HTML.Cell {
        var cell = self
        cell.cssClass = cssClass
        return cell
    }
}

extension HTMLReports {
    /// A run's KPIs: every measure with its interval, by section.
    public static func run(_ result: HospitalExperimentResult) -> HTMLDocument {
        let n = result.replications.count
        let groups: [(String, String)] = [("Hospital", "hospital."), ("Emergency department", "ed."), ("Theatres", "theatres."),
                                          ("Patients", "patients."), ("Units", "units."), ("Staff", "staff."),
                                          ("Safe staffing", "safe_staffing."), ("Equity", "equity.")]
        let sections = groups.compactMap { title, prefix -> String? in
            let rows = result.summary.filter { $0.key.hasPrefix(prefix) }
            guard !rows.isEmpty else { return nil }
            return "<section><h2>\(HTML.escape(title))</h2>" + HTML.table(["measure", "value", "unit"], rows.map { s in
                [.text(s.label), .number(HospitalReports.estimate(s)), .text(s.unit)]
            }) + "</section>"
        }
        return HTML.page(title: "Scenario run: \(result.scenario)",
                         subtitle: ["\(n) replication\(n == 1 ? "" : "s") of \(result.horizonDays) days (first \(result.warmUpDays) as "
                             + "warm-up), seed \(result.seed); means" + (n > 1 ? " ± 95% confidence intervals" : "")],
                         sections: sections)
    }
}
