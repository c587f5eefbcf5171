import CSVFiles
import Foundation
import HospitalModel
import RunRecords

/// Renders `hospital-twin compare`: per alternative, the headline measures and every other detectable difference
/// with baseline, alternative, the paired difference and its interval, the verdict and the replications needed.
public enum ComparisonReports {
    static func number(_ value: Double, unit: String) -> String {
        if unit.count == 3 && unit == unit.uppercased() { return CostReports.thousands(value) + "k" }
        return value.formatted(significantDigits: unit == "%" ? 3 : 4)
    }

    static func verdict(_ v: ComparisonVerdict) -> String {
        switch v {
        case .better: "better"
        case .worse: "worse"
        case .changed: "changed"
        case .noDetectableDifference: "no detectable difference"
        case .identical: "identical"
        }
    }

    static func row(_ m: MetricComparison, replications: Int) -> [String] {
        let difference = (m.difference > 0 ? "+" : "") + number(m.difference, unit: m.unit)
            + (replications > 1 ? " ± " + number(m.differenceHalfWidth, unit: m.unit) : "")
        let needed = m.replicationsToDetect.map(String.init) ?? (m.detectableDifference == 0 ? "–" : ">100000")
        return [m.label, m.unit, number(m.baseline, unit: m.unit), number(m.alternative, unit: m.unit), difference,
                verdict(m.verdict), needed]
    }

    /// What the list of other differences is: discoveries at the false discovery rate, over how many measures.
    static func otherHeading(_ comparison: ScenarioComparison, shown: Int) -> String {
        let discoveries = comparison.otherDiscoveries.count
        return "Other detectable differences, largest relative to the baseline first: the false discovery rate held at "
            + "\(Int((ScenarioComparison.falseDiscoveryRate * 100).rounded()))% over the \(comparison.otherMeasures.count) "
            + "measures outside the headline (Benjamini–Hochberg)"
            + (discoveries > shown ? " (\(shown) of \(discoveries); the CSV holds every measure)" : "")
    }

    /// The terminal report: headline measures, then the other measures whose difference is detectable (the
    /// `otherLimit` largest relative to the baseline, or all of them with `all`).
    public static func table(_ report: ComparisonReport, all: Bool = false, otherLimit: Int = 25) -> String {
        var out: [String] = []
        let n = report.replications
        out.append("Paired comparison on common random numbers: \(n) replication\(n == 1 ? "" : "s") of \(report.horizonDays) "
            + "days each (first \(report.warmUpDays) as warm-up), seed \(report.seed). Difference = alternative − baseline "
            + "with its 95% CI;")
        out.append("'replications to detect': paired replications that would detect a true difference of "
            + "\(Int(((report.comparisons.first?.detectShare ?? 0.05) * 100).rounded()))% of the baseline with 80% power.")
        for comparison in report.comparisons {
            let header = ["measure", "unit", comparison.baseline, comparison.alternative, "difference", "verdict",
                          "replications to detect"]
            let byKey = Dictionary(comparison.metrics.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            out.append("")
            out.append("\(comparison.alternative) against \(comparison.baseline)")
            let headline = ComparisonReport.headlineKeys.compactMap { byKey[$0] }
            out.append(TextTable.render([header] + headline.map { row($0, replications: n) }))
            let others = all ? comparison.otherMeasures : comparison.otherDiscoveries
            let shown = all ? others : Array(others.prefix(otherLimit))
            if !shown.isEmpty {
                out.append("")
                out.append(all ? "Every other measure" : otherHeading(comparison, shown: shown.count))
                out.append(TextTable.render([header] + shown.map { row($0, replications: n) }))
            }
        }
        return out.joined(separator: "\n")
    }

    /// Every measure of every comparison, one row each.
    public static func writeCSV(_ report: ComparisonReport, to writer: CSVWriter) {
        func text(_ value: Double) -> String { String(format: "%.6g", value) }
        writer.write(["baseline", "alternative", "metric", "label", "unit", "better", "replications", "baseline_mean",
                      "baseline_ci95_half_width", "alternative_mean", "alternative_ci95_half_width", "difference",
                      "difference_ci95_low", "difference_ci95_high", "verdict", "detectable_difference",
                      "replications_to_detect", "p_value", "q_value_bh"])
        for comparison in report.comparisons {
            for m in comparison.metrics {
                writer.write([comparison.baseline, comparison.alternative, m.key.rawValue, m.label, m.unit, m.direction.rawValue,
                              String(report.replications), text(m.baseline), text(m.baselineHalfWidth), text(m.alternative),
                              text(m.alternativeHalfWidth), text(m.difference), text(m.difference - m.differenceHalfWidth),
                              text(m.difference + m.differenceHalfWidth), m.verdict.rawValue, text(m.detectableDifference),
                              m.replicationsToDetect.map(String.init) ?? "", text(m.pValue), m.qValue.map(text) ?? ""])
            }
        }
        writer.flush()
    }

    /// The comparison as JSON: the `ComparisonReport` as it is, in the KPIs' documented encoding.
    public static func json(_ report: ComparisonReport) throws -> Data {
        try ResultJSON.encoder().encode(report)
    }
}
