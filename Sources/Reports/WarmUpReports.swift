import Foundation
import HospitalModel
import Simulation

/// Renders `hospital-twin run --warmup-report`.
public enum WarmUpReports {
    /// The terminal report: per series the MSER-5 warm-up, the level early and late, the second-half trend, and
    /// Welch's moving average every `step` days.
    public static func table(_ report: HospitalWarmUpReport, step: Int? = nil) -> String {
        func n(_ value: Double) -> String { value.formatted(significantDigits: 4) }
        var out = ["Warm-up report: \(report.scenario), \(report.replications) replication\(report.replications == 1 ? "" : "s") "
            + "of \(report.horizonDays) days from empty, nothing discarded, seed \(report.seed). MSER-5 (White, Cobb and Spratt 2000; "
            + "batches of 5 days) suggests how many days to discard; the trend is the least-squares slope over the "
            + "second half, per 100 days, with its 95% interval across replications; steady unless that interval excludes 0 "
            + "and the trend moves the level by more than 1% a year."]
        var rows = [["series", "MSER-5 warm-up (days)", "mean, days 1–30", "mean after MSER-5", "trend, 2nd half / 100 days",
                     "steady?"]]
        for series in report.series {
            let means = series.analysis.periodMeans
            let early = Array(means.prefix(30))
            let late = Array(means.dropFirst(series.analysis.suggestedWarmUpPeriods))
            let trend = series.trend
            rows.append([series.name, String(series.analysis.suggestedWarmUpPeriods),
                         n(early.reduce(0, +) / Double(max(1, early.count))),
                         n(late.reduce(0, +) / Double(max(1, late.count))),
                         (trend.slope >= 0 ? "+" : "") + n(100 * trend.slope) + " ± " + n(100 * trend.halfWidth),
                         series.driftsMaterially ? (trend.slope > 0 ? "no: still rising" : "no: still falling")
                             : trend.isDrifting ? "yes (drift under 1% a year)" : "yes"])
        }
        out.append("")
        out.append(TextTable.render(rows))
        let suggested = report.suggestedWarmUpDays
        out.append("")
        out.append("The scenario's warm-up is \(report.scenarioWarmUpDays) days; the largest MSER-5 point is \(suggested) days"
            + (suggested > report.scenarioWarmUpDays ? ": warm up longer (run.warmup_days or --warmup)." : "."))
        for series in report.series where series.driftsMaterially {
            out.append("Warning: \(series.name) is still \(series.trend.slope > 0 ? "rising" : "falling") in the second half "
                + "of the run (\(n(100 * series.trend.slope)) per 100 days, \(n(100 * series.yearlyDrift))% of its level a "
                + "year): it does not settle, so no warm-up makes the "
                + "measured window steady (look for a queue fed faster than it is served: an elective list, long stays, "
                + "boarding).")
        }
        out.append("")
        let days = report.series.first?.analysis.movingAverages.count ?? 0
        let step = step ?? max(7, (days / 12 + 9) / 10 * 10)  // about a dozen columns, on round days
        out.append("Welch's moving average (window \(report.series.first?.analysis.window ?? 0) days), every \(step) days:")
        let marks = Array(stride(from: 0, to: days, by: step))
        out.append(TextTable.render([["series"] + marks.map { "day \($0 + 1)" }]
            + report.series.map { series in [series.name] + marks.map { n(series.analysis.movingAverages[$0]) } }))
        return out.joined(separator: "\n")
    }
}
