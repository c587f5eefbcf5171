import Histogram

/// Percentiles of a stream of non-negative observations (waits, lengths of stay).
///
/// Exact while small: up to `exactLimit` observations are kept and a percentile is the type-7 interpolated
/// sample quantile (Hyndman and Fan, 1996; R's default). Past that, observations move into an HDR histogram
/// (HdrHistogram, Gil Tene) with three significant digits at the stated `resolution`, so memory stays flat
/// however long the run: a 4-hour wait recorded at 0.01-minute resolution is kept to within 0.1%.
public struct Percentiles: Sendable {
    /// Observations kept exactly before switching to the histogram.
    public let exactLimit: Int
    /// The smallest difference the histogram tells apart, in the observations' unit.
    public let resolution: Double
    @usableFromInline var exact: [Double] = []
    @usableFromInline var histogram: Histogram<UInt64>?
    /// Number of observations.
    public private(set) var count = 0

    /// Percentiles kept exactly up to `exactLimit` observations, then at `resolution` (e.g. 0.01 minute).
    public init(exactLimit: Int = 10_000, resolution: Double = 0.01) {
        precondition(exactLimit >= 0 && resolution > 0, "exactLimit must be >= 0 and resolution > 0")
        self.exactLimit = exactLimit
        self.resolution = resolution
    }

    /// Adds one observation (negative values are recorded as 0).
    public mutating func record(_ value: Double) {
        count += 1
        if histogram == nil {
            exact.append(value)
            if exact.count > exactLimit { moveToHistogram() }
        } else {
            recordInHistogram(value)
        }
    }

    /// True once observations are summarised by the histogram rather than kept.
    public var isApproximate: Bool { histogram != nil }

    /// The `percentile`-th percentile (0...100); nil when empty.
    public func value(atPercentile percentile: Double) -> Double? {
        precondition(percentile >= 0 && percentile <= 100, "percentile must be within 0...100")
        if let histogram {
            return Double(histogram.valueAtPercentile(percentile)) * resolution
        }
        guard !exact.isEmpty else { return nil }
        return SampleQuantile.type7(exact.sorted(), probability: percentile / 100)
    }

    /// Forgets every observation.
    public mutating func reset() {
        exact.removeAll()
        histogram = nil
        count = 0
    }

    mutating func moveToHistogram() {
        histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        histogram!.autoResize = true
        for value in exact { recordInHistogram(value) }
        exact = []
    }

    mutating func recordInHistogram(_ value: Double) {
        let units = (max(0, value) / resolution).rounded()
        _ = histogram!.record(units < 9.0e18 ? UInt64(units) : UInt64(9.0e18))
    }
}

/// Sample quantiles of a sorted array.
public enum SampleQuantile {
    /// How many of `sorted` (ascending) are ≤ `x`, by binary search: the empirical CDF's count at `x`.
    public static func countAtOrBelow(_ x: Double, in sorted: [Double]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// How many of `sorted` (ascending) are < `x`, by binary search.
    public static func countBelow(_ x: Double, in sorted: [Double]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < x { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The type-7 quantile (Hyndman and Fan 1996): linear interpolation between order statistics at
    /// position p·(n - 1). `sorted` must be ascending and non-empty.
    public static func type7(_ sorted: [Double], probability p: Double) -> Double {
        precondition(!sorted.isEmpty, "quantile of an empty sample")
        let position = p * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}

/// A proportion estimated from independent trials, with its Wilson score interval (Wilson 1927; Agresti and Coull
/// 1998): well behaved near 0 and 1, where the normal interval is not.
public struct ProportionEstimate: Sendable, Hashable, Codable {
    /// Successes over trials, 0–1.
    public let proportion: Double
    /// The interval's lower bound, 0–1.
    public let lower: Double
    /// The interval's upper bound, 0–1.
    public let upper: Double

    /// The estimate of `successes` in `trials` (> 0) at `level` (default 95%).
    public init(successes: Int, trials: Int, level: Double = 0.95) {
        precondition(trials > 0 && successes >= 0 && successes <= trials, "a proportion needs trials")
        let n = Double(trials), p = Double(successes) / n
        let z = SpecialFunctions.normalQuantile(1 - (1 - level) / 2)
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        proportion = p
        lower = max(0, centre - half)
        upper = min(1, centre + half)
    }
}
