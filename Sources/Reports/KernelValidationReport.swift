import ReferenceModels
import Simulation

/// The `validate --kernel` output: the checks against queueing theory, and the warm-up analysis.
public enum KernelValidationReport {
    /// A plain-text table of the checks: model, measure, theory, the simulated mean with its interval at
    /// `level`, the verdict, and the replications each measure needs for a ±1% interval.
    public static func table(_ checks: [KernelValidation.Check], level: Double) -> String {
        let percent = Int((level * 100).rounded())
        var rows = [["model", "measure", "theory", "simulated (\(percent)% CI)", "verdict", "replications for ±1%"]]
        for check in checks {
            rows.append([check.model, check.measure, check.theory.formatted(significantDigits: 5),
                         "\(check.simulated.mean.formatted(significantDigits: 5)) ± "
                             + check.simulated.halfWidth.formatted(significantDigits: 2),
                         check.agrees ? "agrees" : "DISAGREES", check.replicationsForOnePercent.map(String.init) ?? "–"])
        }
        return TextTable.render(rows)
    }

    /// Welch's table: period, mean over replications, moving average, and a marker at the MSER-5 cut; every
    /// `step`-th period.
    public static func warmUpTable(_ analysis: WarmUpAnalysis, periodLabel: String = "period", every step: Int = 1)
        -> String
    {
        var lines = ["\(periodLabel)\tmean\tmoving average (w=\(analysis.window))"]
        for index in stride(from: 0, to: analysis.movingAverages.count, by: max(1, step)) {
            let marker = index == analysis.suggestedWarmUpPeriods
                ? "\t<- MSER-5 suggests discarding the periods before this" : ""
            lines.append("\(index)\t\(analysis.periodMeans[index].formatted(significantDigits: 4))\t"
                + "\(analysis.movingAverages[index].formatted(significantDigits: 4))\(marker)")
        }
        return lines.joined(separator: "\n")
    }
}
