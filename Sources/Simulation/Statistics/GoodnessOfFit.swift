/// Goodness-of-fit tests: how well observations agree with a distribution.
public enum GoodnessOfFit {
    /// The one-sample Kolmogorov-Smirnov statistic D = sup |F_n(x) - F(x)| of `sample` against `cdf`.
    public static func kolmogorovSmirnovStatistic(_ sample: [Double], cdf: (Double) -> Double) -> Double {
        precondition(!sample.isEmpty, "KS statistic of an empty sample")
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (index, value) in sorted.enumerated() {
            let f = cdf(value)
            d = max(d, f - Double(index) / n, Double(index + 1) / n - f)
        }
        return d
    }

    /// The KS test of `sample` against `cdf`: the statistic and its p-value (Stephens' approximation).
    public static func kolmogorovSmirnov(_ sample: [Double], cdf: (Double) -> Double) -> (statistic: Double,
                                                                                          pValue: Double)
    {
        let d = kolmogorovSmirnovStatistic(sample, cdf: cdf)
        return (d, SpecialFunctions.kolmogorovSmirnovPValue(statistic: d, sampleSize: sample.count))
    }

    /// Pearson's chi-square statistic Σ (O - E)² / E over bins with positive expectation.
    public static func chiSquareStatistic(observed: [Int], expected: [Double]) -> Double {
        precondition(observed.count == expected.count, "observed and expected need the same bins")
        var statistic = 0.0
        for (o, e) in zip(observed, expected) where e > 0 {
            statistic += (Double(o) - e) * (Double(o) - e) / e
        }
        return statistic
    }

    /// The p-value of Pearson's chi-square test with `bins - 1 - estimatedParameters` degrees of freedom. Bins
    /// should expect at least 5 observations each.
    public static func chiSquarePValue(observed: [Int], expected: [Double], estimatedParameters: Int = 0) -> Double {
        let statistic = chiSquareStatistic(observed: observed, expected: expected)
        let degrees = expected.filter { $0 > 0 }.count - 1 - estimatedParameters
        precondition(degrees >= 1, "chi-square test needs at least two bins beyond the estimated parameters")
        return SpecialFunctions.chiSquareSurvival(statistic, degreesOfFreedom: Double(degrees))
    }
}
