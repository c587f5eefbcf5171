import CSVFiles
import Forecasting
import Foundation
import RunRecords

/// Renders a backtest: per group, MAE by horizon for every method and the twin's interval coverage in the terminal;
/// one row per method, group or unit, and horizon day in CSV and JSON; coverage and MAE by horizon, PIT histograms
/// and forecast fans against the observed line in HTML.
public enum BacktestReports {
    static func groupTitle(_ group: String) -> String {
        group == BacktestReport.criticalCare ? "Critical care (ICU and HDU)" : "General and acute (all units)"
    }

    /// The backtest in one line: its scenario, origins, horizon, replications and the history it read.
    public static func heading(_ r: BacktestReport) -> String {
        let s = r.settings
        return "Backtest of \(s.scenario): \(s.origins) origins from \(s.from) to \(s.to) at \(s.at), every \(s.everyDays) "
            + "day\(s.everyDays == 1 ? "" : "s"), horizons 1–\(s.horizonDays) days; twin forecasts of \(s.replications) "
            + "replications, seed \(s.seed); \(s.events) events, observed series from \(s.seriesStart)"
    }

    static let explanation = "Held against the patients in the units' beds at each local midnight, from the event log. "
        + "MAE and bias of the median; coverage = share of outcomes inside the central interval (PIT-based for count "
        + "ensembles); CRPS and pinball in patients; Brier of P(patients > staffed beds); MASE against the seasonal naive "
        + "method's in-sample error."

    static func n(_ value: Double?, digits: Int = 1) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.0f%%", 100 * value)
    }

    /// The 95% confidence interval of `row`'s coverage at level index `level` ("71–80%"), "–" without one.
    static func interval(_ row: BacktestReport.Row?, level: Int) -> String {
        guard let range = row?.coverageIntervals?[level] else { return "–" }
        return String(format: "%.0f–%.0f%%", 100 * range.lowerBound, 100 * range.upperBound)
    }

    /// The mean of a metric over horizons `range` of `rows` (by horizon).
    static func mean(_ rows: [BacktestReport.Row], _ range: ClosedRange<Int>, _ metric: (BacktestReport.Row) -> Double?) -> Double? {
        let values = rows.filter { range.contains($0.horizonDays) }.compactMap(metric).filter(\.isFinite)
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The terminal report.
    public static func table(_ r: BacktestReport) -> String {
        var out = [heading(r), explanation]
        let horizon = r.settings.horizonDays
        let early = 1...min(7, horizon), late = min(8, horizon)...horizon
        for group in [BacktestReport.generalAndAcute, BacktestReport.criticalCare] {
            let twin = r.rows(method: BacktestReport.twin, group: group)
            guard !twin.isEmpty else { continue }
            out.append("")
            out.append(groupTitle(group))
            var summary = [["method", "origins", "MAE h1–\(early.upperBound)", horizon >= 8 ? "MAE h8–\(horizon)" : "",
                            "bias", "MASE", "cover 50%", "80%", "90%", "95%", "pinball", "CRPS", "Brier"]]
            for method in BacktestReport.methods {
                let rows = r.rows(method: method, group: group)
                guard !rows.isEmpty else { continue }
                summary.append([method, String(rows.map(\.score.origins).max() ?? 0), n(mean(rows, early) { $0.score.mae }),
                                horizon >= 8 ? n(mean(rows, late) { $0.score.mae }) : "",
                                n(mean(rows, 1...horizon) { $0.score.bias }), n(mean(rows, 1...horizon) { $0.mase }, digits: 2)]
                    + (0..<4).map { level in percent(mean(rows, 1...horizon) { $0.score.coverage[level] }) }
                    + [n(mean(rows, 1...horizon) { $0.score.meanPinball }, digits: 2), n(mean(rows, 1...horizon) { $0.score.meanCRPS }, digits: 2),
                       n(mean(rows, 1...horizon) { $0.score.brier }, digits: 3)])
            }
            out.append(TextTable.render(summary))
            var byHorizon = [["horizon"] + BacktestReport.methods.map { "MAE \($0)" }
                + ["twin 50%", "80%", "90%", "95%", "80% CI", "95% CI"]]
            for h in 1...horizon {
                var row = [String(h)]
                for method in BacktestReport.methods {
                    row.append(n(r.rows(method: method, group: group).first { $0.horizonDays == h }?.score.mae))
                }
                let twinRow = twin.first { $0.horizonDays == h }
                row += (twinRow?.score.coverage ?? []).map { percent($0) }
                row += [1, 3].map { interval(twinRow, level: $0) }
                byHorizon.append(row)
            }
            out.append(TextTable.render(byHorizon))
        }
        var units: [String] = []
        for row in r.rows where !row.unit.isEmpty && !units.contains(row.unit) { units.append(row.unit) }
        if !units.isEmpty {
            out.append("")
            out.append("Units (means over horizons 1–\(horizon); the CSV, JSON and HTML have every horizon)")
            var rows = [["unit", "group", "twin MAE", "best baseline MAE", "twin cover 80%", "95%", "twin CRPS"]]
            for unit in units {
                guard let group = r.rows.first(where: { $0.unit == unit })?.group else { continue }
                let twin = r.rows(method: BacktestReport.twin, group: group, unit: unit)
                let best = BaselineMethod.allCases.compactMap { method in
                    mean(r.rows(method: method.rawValue, group: group, unit: unit), 1...horizon) { $0.score.mae }.map { (method.rawValue, $0) }
                }.min { $0.1 < $1.1 }
                rows.append([unit, group, n(mean(twin, 1...horizon) { $0.score.mae }),
                             best.map { "\(n($0.1)) (\($0.0))" } ?? "–",
                             percent(mean(twin, 1...horizon) { $0.score.coverage[1] }),
                             percent(mean(twin, 1...horizon) { $0.score.coverage[3] }),
                             n(mean(twin, 1...horizon) { $0.score.meanCRPS }, digits: 2)])
            }
            out.append(TextTable.render(rows))
        }
        if !r.notes.isEmpty {
            out.append("")
            out += r.notes.map { "Note: " + $0 }
        }
        return out.joined(separator: "\n")
    }

    /// The CSV's columns.
    public static let columns = ["method", "group", "unit", "horizon_days", "origins", "mae", "bias", "mase", "coverage_50",
                                 "coverage_80", "coverage_90", "coverage_95", "pinball", "crps", "brier"]

    /// One row per method, group or unit, and horizon day.
    public static func writeCSV(_ r: BacktestReport, to writer: CSVWriter) {
        func text(_ value: Double?) -> String { value.map { $0.isFinite ? String(format: "%.6g", $0) : "" } ?? "" }
        writer.write(columns)
        for row in r.rows {
            let s = row.score
            writer.write([row.method, row.group, row.unit, String(row.horizonDays), String(s.origins), text(s.mae), text(s.bias),
                          text(row.mase)] + s.coverage.map(text) + [text(s.meanPinball), text(s.meanCRPS), text(s.brier)])
        }
        writer.flush()
    }

    /// The JSON form: the settings, the rows with their means (as the CSV's columns) and PIT histograms, the fans and
    /// the notes.
    public static func json(_ r: BacktestReport) throws -> Data {
        struct Row: Encodable {
            let method: String, group: String, unit: String, horizon_days: Int, origins: Int
            let mae: Double?, bias: Double?, mase: Double?
            let coverage_50: Double?, coverage_80: Double?, coverage_90: Double?, coverage_95: Double?
            let pinball: Double?, crps: Double?, brier: Double?
            /// Per coverage level, [low, high] of its 95% confidence interval (`SerialInterval`), null without one.
            let coverage_intervals: [[Double]?]?
            let pit: [Double]
        }
        struct Document: Encodable {
            let schemaVersion: Int
            let settings: BacktestReport.Settings
            let rows: [Row]
            let fans: [BacktestReport.Fan]
            let notes: [String]
        }
        func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
        let rows = r.rows.map { row in
            let s = row.score, c = s.coverage.map(finite)
            return Row(method: row.method, group: row.group, unit: row.unit, horizon_days: row.horizonDays, origins: s.origins,
                       mae: finite(s.mae), bias: finite(s.bias), mase: finite(row.mase), coverage_50: c[0], coverage_80: c[1],
                       coverage_90: c[2], coverage_95: c[3], pinball: finite(s.meanPinball), crps: finite(s.meanCRPS),
                       brier: finite(s.brier), coverage_intervals: row.coverageIntervals?.map { $0.map { [$0.lowerBound, $0.upperBound] } },
                       pit: s.pit)
        }
        return try ResultJSON.encoder().encode(Document(schemaVersion: r.schemaVersion, settings: r.settings, rows: rows,
                                                        fans: r.fans, notes: r.notes))
    }
}

extension HTMLReports {
    /// Lines with a dot per horizon (or per point labelled by `labels`), one per series; dashed reference values. A
    /// dot's `cy` is `data-origin` + `data-factor` × its value.
    static func horizonChart(id: String, label: String, horizons: Int, series: [(name: String, values: [Double?], key: (Int) -> String)],
                             references: [Double], range: (Double, Double)? = nil, labels: [String]? = nil) -> String
    {
        let width = 1000.0, height = 280.0, left = 60.0, right = 20.0, top = 12.0, bottom = 40.0
        let all = series.flatMap { $0.values.compactMap { $0 } } + references
        let low = range?.0 ?? max(0, (all.min() ?? 0) * 0.9), high = range?.1 ?? max((all.max() ?? 1) * 1.05, low + 1e-9)
        let y = HTML.Scale(domain: (low, high), range: (height - bottom, top))
        let x = HTML.Scale(domain: (1, Double(max(horizons, 2))), range: (left, width - right))
        let factor = -(height - bottom - top) / (high - low)
        var svg = HTML.chartOpen(id: id, width: width, height: height, kind: "fan", origin: y(0), factor: factor, label: label)
        svg += HTML.horizontalGrid(y, left: left, right: width - right)
        for reference in references {
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(HTML.f(y(reference)))\" y2=\"\(HTML.f(y(reference)))\" "
                + "stroke=\"#6b7785\" stroke-dasharray=\"5 4\"/>"
        }
        let every = max(1, horizons / 14)
        for h in stride(from: 1, through: max(horizons, 1), by: every) {
            svg += "<text x=\"\(HTML.f(x(Double(h))))\" y=\"\(HTML.f(height - bottom + 16))\" text-anchor=\"middle\">"
                + "\(HTML.escape(labels.map { h - 1 < $0.count ? $0[h - 1] : "" } ?? String(h)))</text>"
        }
        for (index, item) in series.enumerated() {
            let colour = HTML.palette[index % HTML.palette.count]
            let points = item.values.enumerated().compactMap { h, v in v.map { "\(HTML.f(x(Double(h + 1)))),\(HTML.f(y($0)))" } }
            svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
            for (h, value) in item.values.enumerated() {
                guard let value else { continue }
                let at = labels.map { h < $0.count ? $0[h] : "" } ?? "horizon \(h + 1)"
                svg += "<circle cx=\"\(HTML.f(x(Double(h + 1))))\" cy=\"\(HTML.f(y(value)))\" r=\"\(horizons > 60 ? 1.5 : 3)\" fill=\"\(colour)\" "
                    + "data-key=\"\(HTML.escape(item.key(h + 1)))\" data-value=\"\(HTML.attribute(value))\"><title>"
                    + "\(HTML.escape("\(item.name), \(at): \(HTML.format(value))"))</title></circle>"
            }
        }
        svg += "</svg>"
        return svg + "<p class=\"legend\">" + series.enumerated().map { index, item in
            "<span>\(HTML.swatch(HTML.palette[index % HTML.palette.count]))\(HTML.escape(item.name))</span>"
        }.joined() + (references.isEmpty ? "" : "<span>\(HTML.swatch("#6b7785"))nominal</span>") + "</p>"
    }

    /// Bars of a histogram over [0, 1]; a bar's height is `data-factor` × its value.
    static func histogram(id: String, label: String, values: [Double], key: (Int) -> String) -> String {
        let width = 600.0, height = 220.0, left = 50.0, right = 10.0, top = 10.0, bottom = 30.0
        let high = max(values.max() ?? 1, 1e-9) * 1.1
        let factor = (height - bottom - top) / high
        let barWidth = (width - left - right) / Double(max(values.count, 1))
        var svg = HTML.chartOpen(id: id, width: width, height: height, kind: "bars", origin: nil, factor: factor, label: label)
        let uniform = values.reduce(0, +) / Double(max(values.count, 1))
        for (index, value) in values.enumerated() {
            let h = value * factor
            svg += "<rect x=\"\(HTML.f(left + Double(index) * barWidth + 1))\" y=\"\(HTML.attribute(height - bottom - h))\" "
                + "width=\"\(HTML.f(barWidth - 2))\" height=\"\(HTML.attribute(h))\" fill=\"#8fb4e0\" data-key=\"\(HTML.escape(key(index)))\" "
                + "data-value=\"\(HTML.attribute(value))\"><title>\(HTML.escape(String(format: "PIT %.1f–%.1f: %.1f", Double(index) / 10, Double(index + 1) / 10, value)))</title></rect>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(HTML.f(height - bottom - uniform * factor))\" "
            + "y2=\"\(HTML.f(height - bottom - uniform * factor))\" stroke=\"#b42318\" stroke-dasharray=\"5 4\"/>"
        for tick in stride(from: 0, through: values.count, by: 2) {
            let xValue = left + Double(tick) * barWidth
            svg += "<text x=\"\(HTML.f(xValue))\" y=\"\(HTML.f(height - bottom + 16))\" text-anchor=\"middle\">"
                + "\(String(format: "%.1f", Double(tick) / Double(max(values.count, 1))))</text>"
        }
        return svg + "</svg><p class=\"legend\"><span>\(HTML.swatch("#8fb4e0"))outcomes per PIT bin</span>"
            + "<span>\(HTML.swatch("#b42318"))a calibrated forecast's level</span></p>"
    }

    /// One origin's fan (P5–P95, P25–P75, median) with the observed line; median dots carry the table's values.
    static func backtestFan(id: String, fan: BacktestReport.Fan) -> String {
        let width = 1000.0, height = 280.0, left = 60.0, right = 20.0, top = 12.0, bottom = 40.0
        let days = fan.days
        let low = max(0, min(days.map(\.p5).min() ?? 0, days.map(\.actual).min() ?? 0) * 0.95)
        let high = max(days.map(\.p95).max() ?? 1, days.map(\.actual).max() ?? 1) * 1.05
        let y = HTML.Scale(domain: (low, high), range: (height - bottom, top))
        let x = HTML.Scale(domain: (0, Double(max(days.count - 1, 1))), range: (left, width - right))
        let factor = -(height - bottom - top) / (high - low)
        func points(_ values: [Double]) -> [String] { values.enumerated().map { "\(HTML.f(x(Double($0)))),\(HTML.f(y($1)))" } }
        func band(_ a: [Double], _ b: [Double]) -> String { (points(b) + points(a).reversed()).joined(separator: " ") }
        var svg = HTML.chartOpen(id: id, width: width, height: height, kind: "fan", origin: y(0), factor: factor, label: fan.origin)
        svg += HTML.horizontalGrid(y, left: left, right: width - right)
        svg += "<polygon points=\"\(band(days.map(\.p5), days.map(\.p95)))\" fill=\"#c9dbf0\"/>"
        svg += "<polygon points=\"\(band(days.map(\.p25), days.map(\.p75)))\" fill=\"#8fb4e0\"/>"
        svg += "<polyline points=\"\(points(days.map(\.p50)).joined(separator: " "))\" fill=\"none\" stroke=\"#1d3f73\" stroke-width=\"2\"/>"
        svg += "<polyline points=\"\(points(days.map(\.actual)).joined(separator: " "))\" fill=\"none\" stroke=\"#b42318\" stroke-width=\"2\"/>"
        for (index, day) in days.enumerated() {
            svg += "<circle cx=\"\(HTML.f(x(Double(index))))\" cy=\"\(HTML.f(y(day.p50)))\" r=\"3\" fill=\"#1d3f73\" "
                + "data-key=\"\(HTML.escape("fan|\(fan.group)|\(fan.origin)|\(day.date)"))\" data-value=\"\(HTML.attribute(day.p50))\"><title>"
                + "\(HTML.escape("\(day.date): median \(HTML.format(day.p50)), P5–P95 \(HTML.format(day.p5))–\(HTML.format(day.p95)), observed \(HTML.format(day.actual))"))</title></circle>"
            if index % max(1, days.count / 8) == 0 || index == days.count - 1 {
                svg += "<text x=\"\(HTML.f(x(Double(index))))\" y=\"\(HTML.f(height - bottom + 16))\" text-anchor=\"middle\">"
                    + "\(HTML.escape(String(day.date.dropFirst(5))))</text>"
            }
        }
        svg += "</svg>"
        return svg + "<p class=\"legend\"><span>\(HTML.swatch("#8fb4e0"))P25–P75</span><span>\(HTML.swatch("#c9dbf0"))"
            + "P5–P95</span><span>\(HTML.swatch("#1d3f73"))twin median</span><span>\(HTML.swatch("#b42318"))"
            + "observed</span></p>"
    }

    /// The backtest: for each group, coverage by horizon, MAE by horizon per method, the twin's PIT histogram and the
    /// fans; every chart with its table.
    /// The twin's interval coverage by horizon for every group the backtest scored: the sections the planner's
    /// page shows of the latest backtest.
    public static func backtestCoverage(_ r: BacktestReport) -> [String] {
        [BacktestReport.generalAndAcute, BacktestReport.criticalCare].enumerated().compactMap { g, group in
            let twin = r.rows(method: BacktestReport.twin, group: group)
            return twin.isEmpty ? nil : coverageSection(r, group: group, index: g, twin: twin)
        }
    }

    /// One group's coverage section: a chart by horizon and its table.
    static func coverageSection(_ r: BacktestReport, group: String, index g: Int, twin: [BacktestReport.Row]) -> String {
        let horizon = r.settings.horizonDays
        let title = BacktestReports.groupTitle(group)
        let levels = ForecastScore.levels
        let coverage = levels.enumerated().map { i, level in
            (name: "\(Int(level * 100))% interval", values: (1...horizon).map { h in twin.first { $0.horizonDays == h }?.score.coverage[i] },
             key: { (h: Int) in "\(group)|coverage|\(Int(level * 100))|\(h)" })
        }
        var coverageRows: [[HTML.Cell]] = []
        for h in 1...horizon {
            var row: [HTML.Cell] = [.text(String(h))]
            for (i, level) in levels.enumerated() {
                let value = twin.first { $0.horizonDays == h }?.score.coverage[i]
                row.append(.number(BacktestReports.percent(value), key: value == nil ? nil : "\(group)|coverage|\(Int(level * 100))|\(h)", value: value))
            }
            let twinRow = twin.first { $0.horizonDays == h }
            row += [1, 3].map { .text(BacktestReports.interval(twinRow, level: $0)) }
            coverageRows.append(row)
        }
        return "<section><h2>\(HTML.escape(title)): twin interval coverage by horizon</h2>"
            + horizonChart(id: "coverage-\(g)", label: "coverage", horizons: horizon, series: coverage, references: levels,
                           range: (0, 1))
            + HTML.table(["horizon (days)"] + levels.map { "\(Int($0 * 100))% interval" }
                         + ["80%: 95% CI of the coverage", "95%: 95% CI of the coverage"], coverageRows)
            + "<p>A coverage's confidence interval is from the origins' own coverages, in batches of consecutive origins "
            + "(neighbouring origins share most of their future; Docs/BACKTEST.md); – with fewer than 25 origins.</p>"
            + "</section>"
    }

    /// The backtest as a self-contained HTML page: per group, coverage by horizon (with its intervals), MAE by
    /// horizon per method, the PIT histogram and the fans, each chart beside its table; then the notes.
    public static func backtest(_ r: BacktestReport) -> HTMLDocument {
        let horizon = r.settings.horizonDays
        var sections: [String] = []
        for (g, group) in [BacktestReport.generalAndAcute, BacktestReport.criticalCare].enumerated() {
            let twin = r.rows(method: BacktestReport.twin, group: group)
            guard !twin.isEmpty else { continue }
            let title = BacktestReports.groupTitle(group)
            sections.append(coverageSection(r, group: group, index: g, twin: twin))
            let methods = BacktestReport.methods.filter { !r.rows(method: $0, group: group).isEmpty }
            let mae = methods.map { method in
                (name: method, values: (1...horizon).map { h in r.rows(method: method, group: group).first { $0.horizonDays == h }?.score.mae },
                 key: { (h: Int) in "\(group)|mae|\(method)|\(h)" })
            }
            let maeRows: [[HTML.Cell]] = (1...horizon).map { h in
                [.text(String(h))] + methods.map { method in
                    let value = r.rows(method: method, group: group).first { $0.horizonDays == h }?.score.mae
                    return .number(BacktestReports.n(value), key: value == nil ? nil : "\(group)|mae|\(method)|\(h)", value: value)
                }
            }
            sections.append("<section><h2>\(HTML.escape(title)): MAE of the median by horizon</h2>"
                + horizonChart(id: "mae-\(g)", label: "MAE", horizons: horizon, series: mae, references: [])
                + HTML.table(["horizon (days)"] + methods, maeRows) + "</section>")
            var pit = [Double](repeating: 0, count: ForecastScore.pitBins)
            for row in twin { for i in pit.indices { pit[i] += row.score.pit[i] } }
            let pitRows: [[HTML.Cell]] = pit.enumerated().map { i, value in
                [.text(String(format: "%.1f–%.1f", Double(i) / 10, Double(i + 1) / 10)),
                 .number(BacktestReports.n(value), key: "\(group)|pit|\(i)", value: value)]
            }
            sections.append("<section><h2>\(HTML.escape(title)): PIT histogram of the twin forecast (all horizons)</h2>"
                + histogram(id: "pit-\(g)", label: "PIT", values: pit, key: { "\(group)|pit|\($0)" })
                + HTML.table(["PIT bin", "outcomes"], pitRows) + "</section>")
            for (f, fan) in r.fans.enumerated() where fan.group == group {
                let rows: [[HTML.Cell]] = fan.days.map { day in
                    [.text(day.date), .number(BacktestReports.n(day.p5)), .number(BacktestReports.n(day.p25)),
                     .number(BacktestReports.n(day.p50), key: "fan|\(fan.group)|\(fan.origin)|\(day.date)", value: day.p50),
                     .number(BacktestReports.n(day.p75)), .number(BacktestReports.n(day.p95)), .number(BacktestReports.n(day.actual, digits: 0))]
                }
                sections.append("<section><h2>\(HTML.escape(title)): the forecast from \(HTML.escape(fan.origin)) against what happened</h2>"
                    + backtestFan(id: "fan-\(g)-\(f)", fan: fan)
                    + HTML.table(["date", "P5", "P25", "median", "P75", "P95", "observed"], rows) + "</section>")
            }
        }
        return HTML.page(title: "Backtest: \(r.settings.scenario)", subtitle: [BacktestReports.heading(r), BacktestReports.explanation] + r.notes,
                         sections: sections)
    }
}

extension ReportDocument {
    /// A backtest.
    public static func backtest(_ report: BacktestReport) -> ReportDocument {
        ReportDocument(table: { BacktestReports.table(report) }, json: { try BacktestReports.json(report) },
                       csv: { BacktestReports.writeCSV(report, to: $0) }, html: { HTMLReports.backtest(report) })
    }
}
