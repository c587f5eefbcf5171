import Foundation

/// A two-sided confidence interval for a mean.
public struct ConfidenceInterval: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The point estimate.
    public let mean: Double
    /// Half the interval's width.
    public let halfWidth: Double
    /// The confidence level, e.g. 0.95.
    public let level: Double

    /// The interval [mean - halfWidth, mean + halfWidth] at `level`.
    public init(mean: Double, halfWidth: Double, level: Double) {
        self.mean = mean
        self.halfWidth = halfWidth
        self.level = level
    }

    /// The lower bound.
    public var lower: Double { mean - halfWidth }
    /// The upper bound.
    public var upper: Double { mean + halfWidth }

    /// True when `value` lies within the interval.
    public func contains(_ value: Double) -> Bool { value >= lower && value <= upper }

    /// "0.07277 ± 0.003104 (95% CI)", for debugging; reports format numbers themselves.
    public var description: String {
        String(format: "%.4g ± %.4g (%d%% CI)", mean, halfWidth, Int((level * 100).rounded()))
    }
}

/// Mean, spread and a Student-t confidence interval for independent observations — one per replication.
public struct ReplicationSummary: Sendable, Hashable, Codable {
    /// Number of observations.
    public let count: Int
    /// Their mean.
    public let mean: Double
    /// Their sample standard deviation (n - 1).
    public let standardDeviation: Double
    /// Smallest observation.
    public let minimum: Double
    /// Largest observation.
    public let maximum: Double

    /// Summarises `values` (at least one).
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a summary needs at least one value")
        let tally = Tally(values)
        count = tally.count
        mean = tally.mean
        standardDeviation = tally.standardDeviation
        minimum = tally.minimum
        maximum = tally.maximum
    }

    /// The standard error of the mean, s/√n.
    public var standardError: Double { standardDeviation / Double(count).squareRoot() }

    /// The interval's half-width for a report: that of `confidenceInterval(level:)`, but 0 with one observation or
    /// no spread (a report prints "± 0" rather than an infinite or undefined interval).
    public func reportedHalfWidth(level: Double = 0.95) -> Double {
        count > 1 && standardDeviation > 0 ? confidenceInterval(level: level).halfWidth : 0
    }

    /// The Student-t confidence interval for the mean at `level` (default 95%): mean ± t(n-1, 1-α/2)·s/√n.
    /// With a single observation the half-width is infinite: one replication says nothing about its error.
    public func confidenceInterval(level: Double = 0.95) -> ConfidenceInterval {
        precondition(level > 0 && level < 1, "confidence level must be between 0 and 1")
        guard count > 1 else { return ConfidenceInterval(mean: mean, halfWidth: .infinity, level: level) }
        let t = SpecialFunctions.studentTQuantile(1 - (1 - level) / 2, degreesOfFreedom: Double(count - 1))
        return ConfidenceInterval(mean: mean, halfWidth: t * standardError, level: level)
    }
}

/// The comparison of two configurations run on the same replications with common random numbers: the paired
/// differences (alternative - baseline), whose spread is usually far smaller than either configuration's.
public struct PairedComparison: Sendable, Hashable, Codable {
    /// The baseline's summary.
    public let baseline: ReplicationSummary
    /// The alternative's summary.
    public let alternative: ReplicationSummary
    /// Summary of alternative[i] - baseline[i].
    public let difference: ReplicationSummary

    /// Pairs `baseline[i]` with `alternative[i]`; both must have the same, non-zero length.
    public init(baseline: [Double], alternative: [Double]) {
        precondition(baseline.count == alternative.count && !baseline.isEmpty,
                     "paired comparison needs equally many replications of each configuration")
        self.baseline = ReplicationSummary(baseline)
        self.alternative = ReplicationSummary(alternative)
        difference = ReplicationSummary(zip(alternative, baseline).map { $0 - $1 })
    }

    /// The confidence interval of the mean difference; when it excludes 0 the configurations differ at that level.
    public func confidenceInterval(level: Double = 0.95) -> ConfidenceInterval {
        difference.confidenceInterval(level: level)
    }

    /// The two-sided p-value of the paired t-test that the mean difference is 0: 2·P(T > |mean|/(s/√n)) with
    /// n − 1 degrees of freedom, so it is below 1 − level exactly when `confidenceInterval(level:)` excludes 0.
    /// 1 when every difference is 0; 0 when they are all one non-zero value; 1 with a single replication.
    public var pValue: Double {
        let d = difference
        guard d.count > 1 else { return 1 }
        guard d.standardDeviation > 0 else { return d.mean == 0 ? 1 : 0 }
        let t = abs(d.mean) / d.standardError
        return min(1, 2 * (1 - SpecialFunctions.studentTCDF(t, degreesOfFreedom: Double(d.count - 1))))
    }
}

/// Output analysis for replicated simulation experiments, after Law, "Simulation Modeling and Analysis", 5th ed.
/// (2015), chapter 9.
public enum OutputAnalysis {
    /// The smallest number of replications whose Student-t interval half-width at `level` is expected to be at
    /// most `halfWidth`, given a pilot run: min{ n ≥ n₀ : t(n-1, 1-α/2)·s₀/√n ≤ halfWidth } (Law §9.4.1).
    /// `halfWidth` is absolute, or relative to the pilot mean when `relative` is true (0.05 = ±5%).
    public static func replicationsNeeded(pilot: [Double], halfWidth: Double, level: Double = 0.95,
                                          relative: Bool = false, limit: Int = 1_000_000) -> Int?
    {
        precondition(pilot.count >= 2, "a pilot needs at least two replications")
        precondition(halfWidth > 0, "the target half-width must be positive")
        let summary = ReplicationSummary(pilot)
        let target = relative ? halfWidth * abs(summary.mean) : halfWidth
        guard summary.standardDeviation > 0 else { return pilot.count }
        guard target > 0 else { return nil }
        var n = pilot.count
        while n <= limit {
            let t = SpecialFunctions.studentTQuantile(1 - (1 - level) / 2, degreesOfFreedom: Double(n - 1))
            if t * summary.standardDeviation / Double(n).squareRoot() <= target { return n }
            // Jump close to the normal-theory answer, then step; t shrinks as n grows, so this never overshoots far.
            let z = SpecialFunctions.normalQuantile(1 - (1 - level) / 2)
            let normalGuess = Int((z * summary.standardDeviation / target).squared().rounded(.down))
            n = max(n + 1, normalGuess)
        }
        return nil
    }
}

extension OutputAnalysis {
    /// The smallest number of paired replications that detects a true mean difference of `difference` with
    /// probability `power` in a two-sided paired t-test at `level`, given the standard deviation of the paired
    /// differences: min{ n ≥ 2 : (t(n-1, 1-α/2) + t(n-1, power))·sd/√n ≤ |difference| } (the normal-theory sample
    /// size, e.g. Law §10.2, with t quantiles for small n). nil when `difference` is 0 or the answer passes `limit`;
    /// 2 when the differences do not vary.
    public static func replicationsToDetect(difference: Double, differenceStandardDeviation sd: Double,
                                            level: Double = 0.95, power: Double = 0.8, limit: Int = 100_000) -> Int?
    {
        precondition(level > 0 && level < 1 && power > 0 && power < 1, "level and power lie between 0 and 1")
        guard difference != 0, difference.isFinite, sd.isFinite else { return nil }
        guard sd > 0 else { return 2 }
        func enough(_ n: Int) -> Bool {
            let df = Double(n - 1)
            let t = SpecialFunctions.studentTQuantile(1 - (1 - level) / 2, degreesOfFreedom: df)
                + SpecialFunctions.studentTQuantile(power, degreesOfFreedom: df)
            return t * sd / Double(n).squareRoot() <= abs(difference)
        }
        // The condition is monotone in n: bisect between 2 and the limit.
        guard enough(limit) else { return nil }
        var low = 2, high = limit
        while low < high {
            let middle = (low + high) / 2
            if enough(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// A warm-up check a person can read: Welch's moving averages of a per-period output averaged over replications
/// (Welch, "The statistical analysis of simulation results", 1983; Law §9.5.1), and the MSER-5 truncation point
/// (White, Cobb and Spratt, 2000; Franklin and White, 2008) as a suggestion.
public struct WarmUpAnalysis: Sendable, Hashable, Codable {
    /// Per period, the average over replications.
    public let periodMeans: [Double]
    /// Welch's moving average of `periodMeans` with the given window.
    public let movingAverages: [Double]
    /// The window w (each average spans up to 2w + 1 periods).
    public let window: Int
    /// The number of leading periods MSER-5 suggests discarding.
    public let suggestedWarmUpPeriods: Int

    /// Analyses `series[r][i]`, the output of replication r in period i (every replication equally long, at
    /// least 10 periods), with a moving-average window of `window` periods (default: a twentieth of the run).
    public init(series: [[Double]], window: Int? = nil) {
        precondition(!series.isEmpty, "at least one replication")
        let periods = series.map(\.count).min() ?? 0
        precondition(periods >= 10, "at least 10 periods per replication")
        var means = [Double](repeating: 0, count: periods)
        for run in series {
            for index in 0..<periods { means[index] += run[index] }
        }
        means = means.map { $0 / Double(series.count) }
        let w = max(1, min(window ?? periods / 20, (periods - 1) / 2))
        periodMeans = means
        self.window = w
        movingAverages = WarmUpAnalysis.welch(means, window: w)
        suggestedWarmUpPeriods = WarmUpAnalysis.mser5(means)
    }

    /// Welch's moving average: for i ≤ w the centred average of periods 0...2i, afterwards of i-w...i+w; defined
    /// up to period m - w - 1.
    public static func welch(_ values: [Double], window w: Int) -> [Double] {
        var averages: [Double] = []
        for index in 0..<(values.count - w) {
            let half = min(index, w)
            let slice = values[(index - half)...(index + half)]
            averages.append(slice.reduce(0, +) / Double(slice.count))
        }
        return averages
    }

    /// MSER-5: batch means of 5, then the truncation d (in batches, at most half of them) minimising the squared
    /// standard error of the remaining mean; returned in periods.
    public static func mser5(_ values: [Double]) -> Int {
        let batchCount = values.count / 5
        guard batchCount >= 4 else { return 0 }
        let batches = (0..<batchCount).map { b in values[(5 * b)..<(5 * b + 5)].reduce(0, +) / 5 }
        var best = 0
        var bestStatistic = Double.infinity
        for d in 0...(batchCount / 2) {
            let rest = batches[d...]
            let mean = rest.reduce(0, +) / Double(rest.count)
            let sumOfSquares = rest.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let statistic = sumOfSquares / Double(rest.count * rest.count)
            if statistic < bestStatistic {
                bestStatistic = statistic
                best = d
            }
        }
        return best * 5
    }
}

extension Double {
    @usableFromInline
    func squared() -> Double { self * self }
}

extension OutputAnalysis {
    /// Benjamini–Hochberg adjusted p-values ("q-values"), in the order given: q(i) = min over j ≥ rank(i) of
    /// p(j)·m/j, capped at 1 (Benjamini and Hochberg, JRSS B 57(1), 1995; R's `p.adjust(method = "BH")`).
    /// Declaring every measure with q ≤ α a discovery keeps the expected share of false discoveries among them at
    /// most α when the tests are independent or positively dependent.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}

/// Whether a replicated per-period output is still drifting: the least-squares slope of each replication's series
/// over its last `share` of periods, and the 95% Student-t interval of the mean slope across replications. A run
/// whose measured window is in steady state has a slope interval containing 0; an output that grows without bound
/// (a queue fed faster than it is served) has one that excludes it.
public struct TrendCheck: Sendable, Hashable, Codable {
    /// Mean slope, output units per period.
    public let slope: Double
    /// Half-width of its 95% interval (infinite with one replication).
    public let halfWidth: Double
    /// The first period of the stretch fitted.
    public let fromPeriod: Int

    /// Fits the periods from `fromPeriod` to the end of each replication (every one at least 3 periods there).
    public init(series: [[Double]], fromPeriod: Int) {
        precondition(!series.isEmpty, "at least one replication")
        let slopes = series.map { run -> Double in
            let values = Array(run[min(fromPeriod, run.count)...])
            precondition(values.count >= 3, "at least 3 periods to fit a trend")
            let n = Double(values.count)
            let meanX = (n - 1) / 2
            let meanY = values.reduce(0, +) / n
            var sxy = 0.0, sxx = 0.0
            for (index, value) in values.enumerated() {
                let dx = Double(index) - meanX
                sxy += dx * (value - meanY)
                sxx += dx * dx
            }
            return sxy / sxx
        }
        let summary = ReplicationSummary(slopes)
        slope = summary.mean
        halfWidth = summary.confidenceInterval().halfWidth
        self.fromPeriod = fromPeriod
    }

    /// True when the interval excludes 0: the output is still rising or falling.
    public var isDrifting: Bool { abs(slope) > halfWidth }
}
