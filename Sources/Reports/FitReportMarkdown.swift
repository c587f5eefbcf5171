import Foundation
import PatientTwin
import Simulation

/// Renders a fit report (`ModelFitter`) as Markdown: per state the chosen distribution, its parameters with standard errors,
/// covariate effects, the KS statistic and every family's AIC; per state the moves; the readmission model with
/// its calibration table by decile of risk and the Hosmer–Lemeshow test.
public enum FitReportFormatter {
    /// The report as Markdown.
    public static func markdown(_ report: FitReport) -> String {
        var lines: [String] = []
        func number(_ value: Double, _ digits: Int = 3) -> String {
            value.isFinite ? value.formatted(significantDigits: digits) : "–"
        }
        func estimate(_ value: Double, _ error: Double) -> String {
            error.isFinite ? "\(number(value, 4)) ± \(number(error, 2))" : "\(number(value, 4)) (base)"
        }
        lines.append("# Patient-twin model fit")
        lines.append("")
        lines.append("- Source: `\(report.source)`")
        lines.append("- Export (stays open then are right-censored): \(RecordTime.format(report.exportMinute))")
        lines.append("- Spells: \(report.spells); patients: \(report.patients)")
        lines.append("- Covariates: age10 = (age − 65)/10, charlson, frailty = CFS − 3, news2 (admission NEWS2); "
            + "stays scale by exp(Σ γ·x); ± is one standard error; \"(base)\" marks a value kept from the base model")
        lines.append("")
        lines.append("## Lengths of stay")
        lines.append("")
        lines.append("| pathway | state | stays | open | chosen | parameters (minutes) | γ age10 | γ charlson | γ frailty | γ news2 "
            + "| KS D | KS p | AIC lognormal | AIC gamma | AIC weibull |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for state in report.states {
            let aic = SojournFamily.allCases.map { family in
                state.fits.first { $0.family == family }.map { number($0.aic, 7) } ?? "–"
            }
            guard let chosen = state.chosen, let fit = state.fits.first(where: { $0.family == chosen }) else {
                lines.append("| \(state.pathway.rawValue) | \(state.state.rawValue) | \(state.stays) | \(state.censored) "
                    + "| base model (too few ended stays) | | | | | | | | " + aic.joined(separator: " | ") + " |")
                continue
            }
            let parameters = chosen.rawValue + ": " + zip(fit.distribution.parameters, fit.standardErrors)
                .map { parameter, error in "\(parameter.name) \(estimate(parameter.value, error))" }
                .joined(separator: ", ")
            let effects = Covariate.allCases.map { estimate(fit.timeEffects[$0], fit.timeEffectStandardErrors[$0]) }
            let ks = fit.ksPValue.map { number($0, 2) } ?? "censored"
            let cells = [state.pathway.rawValue, state.state.rawValue, String(state.stays), String(state.censored),
                         chosen.rawValue, parameters] + effects + [number(fit.ksStatistic), ks] + aic
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("KS D is the largest distance between the Kaplan–Meier estimate of the covariate-adjusted stays and "
            + "the fitted distribution; its p-value is given when no stay was censored.")
        lines.append("")
        lines.append("## Moves between states")
        lines.append("")
        lines.append("| pathway | from | moves | to: observed count, fitted probability for the reference patient |")
        lines.append("|---|---|---|---|")
        for transition in report.transitions {
            guard let fit = transition.fit else {
                lines.append("| \(transition.pathway.rawValue) | \(transition.state.rawValue) | \(transition.moves) | "
                    + "base model (too few moves) |")
                continue
            }
            let probabilities = fit.model.probabilities(for: .reference)
            let cells = fit.destinations.indices.map { j in
                "\(fit.destinations[j].rawValue) \(fit.counts[j]) (\(number(probabilities[j] * 100, 3))%)"
            }
            lines.append("| \(transition.pathway.rawValue) | \(transition.state.rawValue) | \(transition.moves) | "
                + cells.joined(separator: "; ") + " |")
        }
        lines.append("")
        lines.append("## Readmission within 30 days")
        lines.append("")
        let rate = report.readmissionDischarges > 0 ? Double(report.readmissions) / Double(report.readmissionDischarges) : 0
        lines.append("Discharges alive with 30 days of follow-up before the export: \(report.readmissionDischarges); "
            + "readmitted (an emergency spell within 30 days): \(report.readmissions) (\(number(rate * 100))%).")
        lines.append("")
        lines.append("| term (per LACE point) | log-odds |")
        lines.append("|---|---|")
        for (name, index) in [("intercept", 0), ("L (length of stay)", 1), ("A (acuity)", 2), ("C (comorbidity)", 3),
                              ("E (ED visits)", 4)]
        {
            lines.append("| \(name) | \(estimate(report.readmissionCoefficients[index], report.readmissionStandardErrors[index])) |")
        }
        if let delay = report.delay {
            lines.append("")
            lines.append("Days to readmission: Weibull truncated at 30 days, shape \(estimate(delay.shape, delay.shapeError)), "
                + "scale \(estimate(delay.scaleDays, delay.scaleError)) days.")
        }
        if !report.calibration.isEmpty {
            lines.append("")
            lines.append("### Calibration by decile of predicted risk")
            lines.append("")
            lines.append("| decile | discharges | mean predicted | observed |")
            lines.append("|---|---|---|---|")
            for row in report.calibration {
                lines.append("| \(row.decile) | \(row.discharges) | \(number(row.meanPredicted * 100))% | \(number(row.observed * 100))% |")
            }
            if let hl = report.hosmerLemeshow {
                lines.append("")
                lines.append("Hosmer–Lemeshow χ² = \(number(hl.statistic)) on 8 degrees of freedom, p = \(number(hl.pValue, 2)).")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
