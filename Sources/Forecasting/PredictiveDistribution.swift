import Foundation
import Simulation

/// A forecast of one number as a whole distribution: a simulation's replications (an ensemble, read as its
/// empirical distribution) or a normal law (the statistical baselines). Scores (`ForecastScore`) read it through
/// its distribution function, so ensembles of counts and continuous laws are scored by one rule.
public enum PredictiveDistribution: Sendable, Hashable {
    /// An ensemble: the values, ascending, at least one.
    case sample(sortedValues: [Double])
    /// A normal law; `sd` ≥ 0 (0: all mass at `mean`).
    case normal(mean: Double, sd: Double)

    /// An ensemble of `values` (any order, at least one).
    public static func ensemble(_ values: [Double]) -> PredictiveDistribution {
        precondition(!values.isEmpty, "an ensemble needs a value")
        return .sample(sortedValues: values.sorted())
    }

    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double {
        switch self {
        case .sample(let values): Double(SampleQuantile.countAtOrBelow(x, in: values)) / Double(values.count)
        case .normal(let mean, let sd): sd > 0 ? SpecialFunctions.normalCDF((x - mean) / sd) : (x >= mean ? 1 : 0)
        }
    }

    /// P(X < x): equal to `cdf` for a continuous law, below it at an ensemble's values.
    public func cdfBelow(_ x: Double) -> Double {
        switch self {
        case .sample(let values): Double(SampleQuantile.countBelow(x, in: values)) / Double(values.count)
        case .normal(let mean, let sd): sd > 0 ? SpecialFunctions.normalCDF((x - mean) / sd) : (x > mean ? 1 : 0)
        }
    }

    /// The `p`-quantile, 0 < p < 1: an ensemble's type-7 sample quantile (as the forecast reports print), a normal's
    /// mean + z_p·sd.
    public func quantile(_ p: Double) -> Double {
        switch self {
        case .sample(let values): SampleQuantile.type7(values, probability: p)
        case .normal(let mean, let sd): mean + sd * SpecialFunctions.normalQuantile(p)
        }
    }

    /// The median: the point forecast whose error MAE and bias measure.
    public var median: Double { quantile(0.5) }

    /// The continuous ranked probability score at the outcome `y` (Gneiting and Raftery 2007, JASA 102:359), in the
    /// forecast's unit; lower is better. An ensemble's is that of its empirical distribution,
    /// E|X − y| − ½E|X − X′|; a normal's is closed-form, σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π] with z = (y − μ)/σ.
    public func crps(_ y: Double) -> Double {
        switch self {
        case .sample(let values):
            let n = Double(values.count)
            var absolute = 0.0, spread = 0.0
            for (i, x) in values.enumerated() {
                absolute += abs(x - y)
                spread += (2 * Double(i + 1) - n - 1) * x   // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n − 1) x_(i)
            }
            return absolute / n - spread / (n * n)
        case .normal(let mean, let sd):
            guard sd > 0 else { return abs(y - mean) }
            let z = (y - mean) / sd
            let density = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            return sd * (z * (2 * SpecialFunctions.normalCDF(z) - 1) + 2 * density - 1 / Double.pi.squareRoot())
        }
    }

    /// The pinball (quantile) loss of the `p`-quantile at the outcome `y`: p·(y − q) when y ≥ q, else (1 − p)·(q − y).
    public func pinball(_ y: Double, at p: Double) -> Double {
        let q = quantile(p)
        return y >= q ? p * (y - q) : (1 - p) * (q - y)
    }

    /// The probability integral transform of `y` as an interval, [P(X < y), P(X ≤ y)]: a point for a continuous
    /// law; for an ensemble of counts the nonrandomised PIT of Czado, Gneiting and Held (2009, Biometrics 65:1254),
    /// whose uniform spread over the interval makes a calibrated count forecast's PIT uniform.
    public func pit(_ y: Double) -> ClosedRange<Double> { cdfBelow(y)...cdf(y) }

    /// The share of the PIT interval of `y` inside the central `level` interval [(1 − level)/2, (1 + level)/2]:
    /// the outcome's contribution to the interval's coverage, 0 or 1 for a continuous law and fractional where an
    /// ensemble's mass sits on the outcome (so a calibrated count forecast covers at the nominal rate, neither
    /// more, as closed quantile intervals of counts do, nor less).
    public func coverage(_ y: Double, level: Double) -> Double {
        let lower = (1 - level) / 2, upper = (1 + level) / 2
        let pit = pit(y)
        let width = pit.upperBound - pit.lowerBound
        guard width > 0 else { return pit.lowerBound >= lower && pit.lowerBound <= upper ? 1 : 0 }
        return max(0, min(upper, pit.upperBound) - max(lower, pit.lowerBound)) / width
    }

    /// P(X > threshold).
    public func exceedance(_ threshold: Double) -> Double { 1 - cdf(threshold) }
}
