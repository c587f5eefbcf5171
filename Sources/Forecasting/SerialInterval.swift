import Simulation

/// A confidence interval for the mean of a backtest's per-origin scores. Daily origins of one hospital are not
/// independent: forecasts from neighbouring origins share most of their future, so a binomial interval on 365
/// origins is far too narrow. Batch means (Law and Kelton, *Simulation Modeling and Analysis*, §9.5.3): the origins,
/// in order, cut into k = ⌊n/b⌋ batches of b = ⌊√n⌋ consecutive origins (the last n − k·b, fewer than b, left out
/// of the spread, not of the mean), the batch means taken as independent, and the interval the mean of all n ± the
/// Student-t half-width of the batch means, t(k − 1)·s/√k. Needs at least 25 origins (batches of 5 or more, and
/// `minimumBatches` or more of them): with fewer, nil — too few origins to say how sure the score is. Neighbouring
/// batches still correlate a little, so the interval holds slightly below its level (about 94% of 95% for a year
/// of origins whose coverages correlate 0.5 from one day to the next; `SerialIntervalTests`).
public enum SerialInterval {
    /// The fewest batches an interval is given from: a t interval on fewer has too few degrees of freedom.
    public static let minimumBatches = 5

    /// The batch length for `count` origins: ⌊√count⌋, at least 1 (so there are at least as many batches as origins
    /// in a batch, and 25 origins or more give an interval).
    public static func batchLength(_ count: Int) -> Int {
        var b = max(1, Int(Double(count).squareRoot()))
        while b * b > count { b -= 1 }
        while (b + 1) * (b + 1) <= count { b += 1 }
        return max(1, b)
    }

    /// The `level` interval for the mean of `values` (in origin order), clamped to `bounds`; nil with fewer than 25
    /// values or a non-finite one.
    public static func interval(_ values: [Double], level: Double = 0.95, bounds: ClosedRange<Double> = 0...1)
        -> ClosedRange<Double>?
    {
        guard values.count >= minimumBatches * minimumBatches, values.allSatisfy(\.isFinite) else { return nil }
        let b = batchLength(values.count), k = values.count / b
        let batches = (0..<k).map { i in values[(i * b)..<((i + 1) * b)].reduce(0, +) / Double(b) }
        let mean = values.reduce(0, +) / Double(values.count)
        let half = ReplicationSummary(batches).confidenceInterval(level: level).halfWidth
        return min(max(mean - half, bounds.lowerBound), bounds.upperBound)...max(min(mean + half, bounds.upperBound), bounds.lowerBound)
    }
}
