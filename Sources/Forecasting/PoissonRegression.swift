import Foundation
import Simulation

/// A log-linear Poisson model of counts in cells: log μᵢ = Σₖ effectₖ[levelₖ(i)] + slope · tᵢ + log exposureᵢ, every
/// factor a categorical term (hour of the week, month) and an optional linear trend. Fitted by maximum likelihood
/// with cyclic closed-form updates of each factor (iterative proportional fitting: a level's effect makes its
/// fitted total equal its observed total) and a Newton step for the slope, to a relative change below 1e-10.
/// Nothing of hospitals: the calibration of arrivals states its cells.
public struct PoissonRegression: Sendable {
    /// The fitted effects per factor and level, log scale; a level with no count in any cell is −∞ (rate 0).
    public let effects: [[Double]]
    /// The trend's slope per unit of t (0 when no trend was fitted).
    public let slope: Double
    /// Its standard error from the observed information (NaN when no trend was fitted).
    public let slopeStandardError: Double
    /// μ for each cell.
    public let fitted: [Double]
    /// The deviance, 2 Σ [y log(y/μ) − (y − μ)].
    public let deviance: Double
    /// Free parameters: Σ (levels − 1) + 1, plus 1 for the trend.
    public let parameters: Int
    /// True when the updates converged within the iteration limit.
    public let converged: Bool

    /// Fits `counts` (≥ 0) with `factors` (each a level index per cell, 0..<levels) and, when given, a linear trend
    /// in `trend` (one value per cell, best centred); `exposure` (> 0) per cell, 1 when absent.
    public init(counts: [Double], factors: [(levels: Int, index: [Int])], trend: [Double]? = nil, exposure: [Double]? = nil) {
        let n = counts.count
        precondition(factors.allSatisfy { $0.index.count == n } && (trend?.count ?? n) == n && (exposure?.count ?? n) == n,
                     "one level, trend value and exposure per cell")
        var effects = factors.map { [Double](repeating: 0, count: $0.levels) }
        var slope = 0.0
        let logExposure = exposure.map { $0.map { log($0) } } ?? [Double](repeating: 0, count: n)
        // An overall level in the first factor's effects: start at log(mean count).
        let mean = max(counts.reduce(0, +) / Double(max(n, 1)), 1e-12)
        if !effects.isEmpty { effects[0] = effects[0].map { _ in log(mean) } }
        func linear(_ i: Int) -> Double {
            var value = logExposure[i] + slope * (trend?[i] ?? 0)
            for (k, factor) in factors.enumerated() { value += effects[k][factor.index[i]] }
            return value
        }
        var converged = false
        for _ in 0..<500 {
            var change = 0.0
            for (k, factor) in factors.enumerated() {
                var observed = [Double](repeating: 0, count: factor.levels), expected = observed
                for i in 0..<n {
                    let level = factor.index[i]
                    observed[level] += counts[i]
                    let eta = linear(i)
                    if eta.isFinite { expected[level] += exp(eta) }
                }
                for level in 0..<factor.levels where effects[k][level].isFinite {
                    if observed[level] == 0 {
                        effects[k][level] = -.infinity   // never seen: rate 0
                        change = max(change, 1)
                    } else if expected[level] > 0 {
                        let step = log(observed[level] / expected[level])
                        effects[k][level] += step
                        change = max(change, abs(step))
                    }
                }
            }
            if let trend {
                var score = 0.0, information = 0.0
                for i in 0..<n {
                    let mu = exp(linear(i))
                    guard mu.isFinite else { continue }
                    score += trend[i] * (counts[i] - mu)
                    information += trend[i] * trend[i] * mu
                }
                if information > 0 {
                    let step = score / information
                    slope += step
                    change = max(change, abs(step))
                }
            }
            if change < 1e-10 {
                converged = true
                break
            }
        }
        let fitted = (0..<n).map { i -> Double in
            let eta = linear(i)
            return eta.isFinite ? exp(eta) : 0
        }
        var deviance = 0.0, information = 0.0
        for i in 0..<n {
            let y = counts[i], mu = fitted[i]
            if y > 0 { deviance += 2 * (y * log(y / mu) - (y - mu)) } else { deviance += 2 * mu }
            if let trend { information += trend[i] * trend[i] * mu }
        }
        self.effects = effects
        self.slope = slope
        // The slope's information net of the factors' (the Schur complement is approximated by the trend being
        // centred within levels; with a centred trend over whole weeks the two nearly coincide).
        slopeStandardError = trend == nil || information <= 0 ? .nan : 1 / information.squareRoot()
        self.fitted = fitted
        self.deviance = deviance
        parameters = factors.reduce(1) { $0 + $1.levels - 1 } + (trend == nil ? 0 : 1)
        self.converged = converged
    }

    /// The quasi-likelihood test of a nested smaller model against this one: the deviance difference divided by
    /// the dispersion `dispersion` (≥ 1: Pearson χ² over residual degrees of freedom of the larger model, at the
    /// level where counts are independent), referred to χ² on the parameter difference. Returns the statistic,
    /// the degrees of freedom and the p-value.
    public func test(against smaller: PoissonRegression, dispersion: Double) -> (statistic: Double, degreesOfFreedom: Int, pValue: Double) {
        let df = max(1, parameters - smaller.parameters)
        let statistic = max(0, smaller.deviance - deviance) / max(1, dispersion)
        return (statistic, df, SpecialFunctions.chiSquareSurvival(statistic, degreesOfFreedom: Double(df)))
    }
}
