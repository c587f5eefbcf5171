import CSVFiles
import Foundation
import HospitalModel
import PatientTwin
import RunRecords

/// Renders a scenario run: the terminal table, CSV (one row per metric) and JSON (the documented
/// `HospitalExperimentResult`).
public enum HospitalReports {
    /// "mean ± half-width" with sensible digits.
    static func estimate(_ summary: MetricSummary) -> String {
        guard summary.replications > 0 else { return "none" }
        let digits = summary.unit == "%" ? 3 : 4
        let mean = summary.mean.formatted(significantDigits: digits)
        guard summary.replications > 1 else { return mean }
        return mean + " ± " + summary.halfWidth.formatted(significantDigits: 2)
    }

    /// The terminal report: a heading, then the hospital's occupancy, the ED, theatres and patient measures with
    /// their 95% intervals, and tables of the units, the staff hours and the hours below the safe nurse ratio (their
    /// intervals are in the CSV and JSON).
    public static func table(_ result: HospitalExperimentResult) -> String {
        var out: [String] = []
        let n = result.replications.count
        out.append("Scenario \(result.scenario): \(n) replication\(n == 1 ? "" : "s") of \(result.horizonDays) days "
            + "(first \(result.warmUpDays) as warm-up), seed \(result.seed); means" + (n > 1 ? " ± 95% CI" : ""))
        let byKey = Dictionary(result.summary.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        func section(_ title: String, _ keys: [MetricKey]) {
            let rows = keys.compactMap { byKey[$0] }
            guard !rows.isEmpty else { return }
            out.append("")
            out.append(title)
            out.append(TextTable.render([["measure", "value", "unit"]] + rows.map { [$0.label, estimate($0), $0.unit] }))
        }
        section("Hospital", result.summary.map(\.key).filter { $0.hasPrefix("hospital.") })
        section("Emergency department", result.summary.map(\.key).filter { $0.hasPrefix("ed.") })
        section("Theatres", result.summary.map(\.key).filter { $0.hasPrefix("theatres.") })
        let stayPrefixes = ["patients.spells.", "patients.los_days.", "patients.los_median_days.", "patients.los_p90_days.",
                            "patients.los_0_1_day_percent."]
        section("Patients", result.summary.map(\.key).filter { key in
            key.hasPrefix("patients.") && !stayPrefixes.contains { key.hasPrefix($0) }
        })
        let pathways = Pathway.allCases.map(\.rawValue).filter { byKey["patients.spells.\($0)"] != nil }
        if !pathways.isEmpty {
            out.append("")
            out.append("Lengths of stay by pathway (means over replications; 0-1 days: spells ending by the next midnight)")
            var rows = [["pathway", "spells", "mean days", "median", "P90", "0-1 days %"]]
            for pathway in pathways {
                rows.append([pathway.replacingOccurrences(of: "_", with: " ")] + stayPrefixes.map { prefix in
                    byKey[MetricKey(rawValue: prefix + pathway)].map { $0.replications > 0 ? $0.mean.formatted(significantDigits: 3) : "none" } ?? "–"
                })
            }
            out.append(TextTable.render(rows))
        }
        if let first = result.replications.first, !first.units.isEmpty {
            out.append("")
            out.append("Units (means over replications)")
            let columns = ["occupancy_percent", "mean_occupied", "p95_occupied", "time_at_or_above_85_percent",
                           "time_at_or_above_92_percent", "time_full_percent", "staffed_bed_utilisation_percent",
                           "admissions", "outliers_hosted", "waiting_bed_days"]
            var rows = [["unit", "beds", "occupancy %", "mean occupied", "P95", ">=85% (time %)", ">=92%", "full",
                         "staffed util %", "admissions", "outliers", "waiting bed-days"]]
            for unit in first.units {
                rows.append([unit.name, String(unit.beds)] + columns.map { column in
                    byKey["units.\(unit.name).\(column)"].map { $0.mean.formatted(significantDigits: 3) } ?? "–"
                })
            }
            out.append(TextTable.render(rows))
        }
        if let first = result.replications.first, !first.staff.isEmpty {
            out.append("")
            out.append("Staff hours (means over replications)")
            var rows = [["group", "shift", "days", "worked", "bank", "agency", "vacant"]]
            for row in first.staff {
                let prefix = "staff.\(row.group.rawValue).\(row.shift).\(row.dayKind)"
                rows.append([row.group.rawValue.replacingOccurrences(of: "_", with: " "), row.shift, row.dayKind] +
                    ["worked_hours", "bank_hours", "agency_hours", "vacant_hours"].map { column in
                        byKey["\(prefix).\(column)"].map { $0.mean.formatted(significantDigits: 4) } ?? "–"
                    })
            }
            out.append(TextTable.render(rows))
        }
        if let first = result.replications.first, !first.safeStaffing.isEmpty {
            let shifts = first.safeStaffing.reduce(into: [String]()) { if !$0.contains($1.shift) { $0.append($1.shift) } }
            let units = first.safeStaffing.reduce(into: [String]()) { if !$0.contains($1.unit) { $0.append($1.unit) } }
            out.append("")
            out.append("Hours below the safe nurse ratio (means over replications)")
            var rows = [["unit"] + shifts]
            for unit in units {
                rows.append([unit] + shifts.map { shift in
                    byKey["safe_staffing.\(unit).\(shift).hours_below"].map { $0.mean.formatted(significantDigits: 3) } ?? "–"
                })
            }
            out.append(TextTable.render(rows))
        }
        return out.joined(separator: "\n")
    }

    /// One CSV row per metric: key, label, unit, direction, replications, mean, sd, 95% CI low and high.
    public static func writeCSV(_ result: HospitalExperimentResult, to writer: CSVWriter) {
        writer.write(["scenario", "metric", "label", "unit", "better", "replications", "mean", "sd", "ci95_low", "ci95_high"])
        for s in result.summary {
            // A metric defined in no replication (a rate of a group with no patients) has no value: empty cells.
            func text(_ value: Double) -> String { s.replications > 0 ? String(format: "%.6g", value) : "" }
            writer.write([result.scenario, s.key.rawValue, s.label, s.unit, s.direction.rawValue, String(s.replications),
                          text(s.mean), text(s.standardDeviation), text(s.mean - s.halfWidth), text(s.mean + s.halfWidth)])
        }
        writer.flush()
    }

    /// The result as JSON: sorted keys and a fixed number format, so the same run prints the same bytes.
    public static func json(_ result: HospitalExperimentResult) throws -> Data {
        try ResultJSON.encoder().encode(result)
    }
}
