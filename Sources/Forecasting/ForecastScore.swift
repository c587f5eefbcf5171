/// The scores of one forecasting method on one series at one horizon, summed over a backtest's origins: each
/// origin's forecast held against what happened (`add`), read as means.
public struct ForecastScore: Sendable, Hashable, Codable {
    /// The central intervals whose coverage is scored: 50, 80, 90 and 95%.
    public static let levels = [0.5, 0.8, 0.9, 0.95]
    /// The quantiles the pinball loss is averaged over: both ends of each scored interval and the median.
    public static let pinballLevels = [0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975]
    /// Bins of the PIT histogram, equal widths over [0, 1].
    public static let pitBins = 10

    /// Origins scored.
    public private(set) var origins = 0
    /// Σ |median − actual|.
    public private(set) var absoluteError = 0.0
    /// Σ (median − actual): positive when the method forecasts too high.
    public private(set) var error = 0.0
    /// Per level of `levels`, Σ of each outcome's coverage (`PredictiveDistribution.coverage`).
    public private(set) var covered = [Double](repeating: 0, count: ForecastScore.levels.count)
    /// Σ of the mean pinball loss over `pinballLevels`.
    public private(set) var pinball = 0.0
    /// Σ CRPS.
    public private(set) var crps = 0.0
    /// Σ (P(X > threshold) − 1{actual > threshold})², over the origins that had a threshold.
    public private(set) var brierSum = 0.0
    /// Origins with a threshold.
    public private(set) var brierOrigins = 0
    /// The PIT histogram: each outcome's PIT interval spread evenly over the bins it covers (a point counts whole
    /// in its bin), so the bins sum to `origins`.
    public private(set) var pit = [Double](repeating: 0, count: ForecastScore.pitBins)

    /// No origins yet.
    public init() {}

    /// Scores `forecast` against `actual`; with a `threshold`, also the forecast P(X > threshold) against whether
    /// the actual exceeded it.
    public mutating func add(_ forecast: PredictiveDistribution, actual: Double, threshold: Double? = nil) {
        origins += 1
        let median = forecast.median
        absoluteError += abs(median - actual)
        error += median - actual
        for (i, level) in Self.levels.enumerated() { covered[i] += forecast.coverage(actual, level: level) }
        pinball += Self.pinballLevels.reduce(0) { $0 + forecast.pinball(actual, at: $1) } / Double(Self.pinballLevels.count)
        crps += forecast.crps(actual)
        if let threshold {
            let p = forecast.exceedance(threshold), happened = actual > threshold ? 1.0 : 0.0
            brierSum += (p - happened) * (p - happened)
            brierOrigins += 1
        }
        let interval = forecast.pit(actual)
        let bins = Double(Self.pitBins)
        if interval.upperBound - interval.lowerBound <= 0 {
            pit[min(Self.pitBins - 1, Int(interval.lowerBound * bins))] += 1
        } else {
            let width = interval.upperBound - interval.lowerBound
            for bin in 0..<Self.pitBins {
                let low = Double(bin) / bins, high = Double(bin + 1) / bins
                let overlap = min(high, interval.upperBound) - max(low, interval.lowerBound)
                if overlap > 0 { pit[bin] += overlap / width }
            }
        }
    }

    /// Adds another score's sums (the same method, series and horizon, from other origins).
    public mutating func merge(_ other: ForecastScore) {
        origins += other.origins
        absoluteError += other.absoluteError
        error += other.error
        for i in covered.indices { covered[i] += other.covered[i] }
        pinball += other.pinball
        crps += other.crps
        brierSum += other.brierSum
        brierOrigins += other.brierOrigins
        for i in pit.indices { pit[i] += other.pit[i] }
    }

    /// Mean absolute error of the median.
    public var mae: Double { origins > 0 ? absoluteError / Double(origins) : .nan }
    /// Mean error of the median (forecast − actual).
    public var bias: Double { origins > 0 ? error / Double(origins) : .nan }
    /// The share of outcomes inside the central interval of each of `levels`, in that order.
    public var coverage: [Double] { covered.map { origins > 0 ? $0 / Double(origins) : .nan } }
    /// Mean pinball loss over `pinballLevels`.
    public var meanPinball: Double { origins > 0 ? pinball / Double(origins) : .nan }
    /// Mean CRPS.
    public var meanCRPS: Double { origins > 0 ? crps / Double(origins) : .nan }
    /// The Brier score of P(X > threshold); nil without thresholds.
    public var brier: Double? { brierOrigins > 0 ? brierSum / Double(brierOrigins) : nil }
    /// MASE: the MAE divided by `scale` (the in-sample MAE of the seasonal naive method, Hyndman and Koehler
    /// 2006); nil when the scale is not above 0.
    public func mase(scale: Double) -> Double? { scale > 0 ? mae / scale : nil }
}
