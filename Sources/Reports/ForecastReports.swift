import CSVFiles
import Foundation
import HospitalModel
import RunRecords

/// Renders the bed-demand forecast: the groups day by day and a line per unit in the terminal, every day of
/// every unit in CSV, fan charts with their tables in HTML.
public enum ForecastReports {
    /// Beds: whole numbers as such, others to a tenth.
    static func n(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() || abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", tenths)
    }
    static func percent(_ p: Double) -> String { String(format: "%.0f%%", 100 * p) }

    static func heading(_ f: BedForecast) -> String {
        let start = f.series.first?.days.first?.date ?? ""
        let end = f.series.first?.days.last?.date ?? ""
        return "Bed demand forecast for \(f.scenario): midnights \(start) to \(end), \(f.replications) replications, seed \(f.seed); "
            + (f.censusPatients > 0 ? "starting from a census of \(f.censusPatients) inpatients" : "starting from the model's warm-up (no census)")
    }

    /// The terminal report.
    public static func table(_ f: BedForecast) -> String {
        var out = [heading(f),
                   "Demand = patients in a unit's beds plus those waiting for a bed there; P(exceed) = share of replications "
                       + "with demand above the staffed beds at that midnight (95% Wilson interval in the CSV and JSON)."]
        for series in f.series where series.kind == .group {
            out.append("")
            out.append("\(series.name): \(series.beds) beds")
            out.append(TextTable.render([["date", "P10", "P50", "P90", "P95", "mean", "staffed beds P10–P90", "P(exceed)"]]
                + series.days.map { [$0.date, n($0.p10), n($0.p50), n($0.p90), n($0.p95), n($0.mean), staffedRange($0),
                                     percent($0.exceedProbability)] }))
        }
        out.append("")
        out.append("Units (day 0 is the census; the CSV, JSON and HTML have every day)")
        var rows = [["unit", "beds", "day 0 P50", "last day P10–P90", "last day P95", "highest P95", "staffed (mean)",
                     "highest P(exceed)", "first day P(exceed) ≥ 10%"]]
        for series in f.series where series.kind != .group {
            guard let first = series.days.first, let last = series.days.last else { continue }
            let highest = series.days.max { $0.exceedProbability < $1.exceedProbability }!
            let firstRisk = series.days.first { $0.exceedProbability >= 0.1 }
            rows.append([series.name, String(series.beds), n(first.p50), "\(n(last.p10))–\(n(last.p90))", n(last.p95),
                         n(series.days.map(\.p95).max() ?? 0),
                         n(series.days.map(\.staffedBeds).reduce(0, +) / Double(series.days.count)),
                         "\(percent(highest.exceedProbability)) (\(highest.date))", firstRisk?.date ?? "–"])
        }
        out.append(TextTable.render(rows))
        return out.joined(separator: "\n")
    }

    /// Staffed beds as the replications had them, P10–P90 ("34–38"; one number when they agree): demand is compared
    /// with each replication's own, escalation beds included, so a mean beside a demand percentile would mislead.
    static func staffedRange(_ day: BedForecast.Day) -> String {
        let low = n(day.staffedBedsP10), high = n(day.staffedBedsP90)
        return low == high ? low : "\(low)–\(high)"
    }

    /// One row per unit (and group) per day.
    public static func writeCSV(_ f: BedForecast, to writer: CSVWriter) {
        func text(_ value: Double) -> String { String(format: "%.6g", value) }
        writer.write(["scenario", "unit", "kind", "beds", "date", "mean", "p5", "p10", "p50", "p90", "p95", "staffed_beds",
                      "staffed_beds_p10", "staffed_beds_p90", "exceed_probability", "exceed_ci95_low", "exceed_ci95_high", "replications"])
        for series in f.series {
            for day in series.days {
                writer.write([f.scenario, series.name, series.kind.name, String(series.beds), day.date, text(day.mean), text(day.p5),
                              text(day.p10), text(day.p50), text(day.p90), text(day.p95), text(day.staffedBeds),
                              text(day.staffedBedsP10), text(day.staffedBedsP90), text(day.exceedProbability),
                              text(day.exceedLower), text(day.exceedUpper), String(f.replications)])
            }
        }
        writer.flush()
    }

    /// The forecast as JSON: the `BedForecast` as it is, in the KPIs' documented encoding.
    public static func json(_ f: BedForecast) throws -> Data {
        try ResultJSON.encoder().encode(f)
    }
}

extension HTMLReports {
    /// A fan chart: the P10–P90 band and up to P95, the median's line with a dot per day, and the staffed beds.
    /// A median dot's `cy` is `data-origin` + `data-factor` × its value.
    static func fanChart(id: String, series: BedForecast.Series) -> String {
        let width = 1000.0, height = 300.0, left = 60.0, right = 20.0, top = 12.0, bottom = 40.0
        let days = series.days
        let highest = max(days.map { max($0.p95, $0.staffedBeds) }.max() ?? 1, Double(series.beds), 1)
        let lowest = max(0, min(days.map(\.p10).min() ?? 0, days.map(\.staffedBeds).min() ?? 0) * 0.9)
        let y = HTML.Scale(domain: (lowest, highest * 1.05), range: (height - bottom, top))
        let x = HTML.Scale(domain: (0, Double(max(days.count - 1, 1))), range: (left, width - right))
        let factor = -(height - bottom - top) / (highest * 1.05 - lowest)
        func points(_ values: [Double]) -> [String] { values.enumerated().map { "\(HTML.f(x(Double($0))))," + HTML.f(y($1)) } }
        func band(_ low: [Double], _ high: [Double]) -> String {
            (points(high) + points(low).reversed()).joined(separator: " ")
        }
        var svg = HTML.chartOpen(id: id, width: width, height: height, kind: "fan", origin: y(0), factor: factor, label: series.name)
        svg += HTML.horizontalGrid(y, left: left, right: width - right)
        svg += "<polygon points=\"\(band(days.map(\.p90), days.map(\.p95)))\" fill=\"#c9dbf0\"/>"
        svg += "<polygon points=\"\(band(days.map(\.p10), days.map(\.p90)))\" fill=\"#8fb4e0\"/>"
        svg += "<polyline points=\"\(points(days.map(\.staffedBeds)).joined(separator: " "))\" fill=\"none\" stroke=\"#b42318\" "
            + "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
        svg += "<polyline points=\"\(points(days.map(\.p50)).joined(separator: " "))\" fill=\"none\" stroke=\"#1d3f73\" stroke-width=\"2\"/>"
        for (index, day) in days.enumerated() {
            svg += "<circle cx=\"\(HTML.f(x(Double(index))))\" cy=\"\(HTML.f(y(day.p50)))\" r=\"3\" fill=\"#1d3f73\" "
                + "data-key=\"\(HTML.escape(series.name + "|" + day.date))\" data-value=\"\(HTML.attribute(day.p50))\"><title>"
                + "\(HTML.escape("\(day.date): median \(HTML.format(day.p50)), P10–P90 \(HTML.format(day.p10))–\(HTML.format(day.p90)), P95 \(HTML.format(day.p95)), staffed \(HTML.format(day.staffedBeds))"))</title></circle>"
            if index % max(1, days.count / 8) == 0 || index == days.count - 1 {
                svg += "<text x=\"\(HTML.f(x(Double(index))))\" y=\"\(HTML.f(height - bottom + 16))\" text-anchor=\"middle\">"
                    + "\(HTML.escape(String(day.date.dropFirst(5))))</text>"
            }
        }
        svg += "</svg>"
        return svg + "<p class=\"legend\"><span>\(HTML.swatch("#8fb4e0"))P10–P90</span><span>\(HTML.swatch("#c9dbf0"))"
            + "P90–P95</span><span>\(HTML.swatch("#1d3f73"))median</span><span>\(HTML.swatch("#b42318"))"
            + "staffed beds (mean)</span></p>"
    }

    /// The forecast: a fan chart and its table for each group and each unit.
    public static func forecast(_ f: BedForecast) -> HTMLDocument {
        let sections = f.series.enumerated().map { index, series in
            let rows: [[HTML.Cell]] = series.days.map { day in
                [.text(day.date), .number(ForecastReports.n(day.p10)),
                 .number(ForecastReports.n(day.p50), key: series.name + "|" + day.date, value: day.p50),
                 .number(ForecastReports.n(day.p90)), .number(ForecastReports.n(day.p95)),
                 .number(ForecastReports.staffedRange(day)),
                 .number("\(ForecastReports.percent(day.exceedProbability)) (\(ForecastReports.percent(day.exceedLower))–"
                     + "\(ForecastReports.percent(day.exceedUpper)))")]
            }
            return "<section><h2>\(HTML.escape(series.name)) (\(series.beds) beds)</h2>" + fanChart(id: "forecast-\(index)", series: series)
                + HTML.table(["date", "P10", "median", "P90", "P95", "staffed beds P10–P90", "P(demand > staffed beds), 95% CI"], rows)
                + "</section>"
        }
        return HTML.page(title: "Bed demand forecast: \(f.scenario)",
                         subtitle: [ForecastReports.heading(f),
                                    "Demand = patients in a unit's beds plus those waiting for a bed there, at each local midnight."],
                         sections: sections)
    }
}
