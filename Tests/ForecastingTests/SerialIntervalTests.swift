import Forecasting
import Foundation
import Simulation
import Testing

@Suite("the confidence interval of a backtest's scores over serially dependent origins")
struct SerialIntervalTests {
    @Test("batch means by hand: 25 origins in 5 batches of 5")
    func byHand() throws {
        let values: [Double] = [1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1]
        // Batch means 0.8, 0.6, 1.0, 0.6, 0.8; mean 19/25 = 0.76; their s² = 0.112/4 = 0.028;
        // half-width t(4, 0.975)·s/√5 = 2.7764451 × 0.0748331 = 0.207770127.
        let interval = try #require(SerialInterval.interval(values))
        #expect(abs(interval.lowerBound - (0.76 - 0.207770127)) < 1e-7)
        #expect(abs(interval.upperBound - (0.76 + 0.207770127)) < 1e-7)
        // Two more origins: still 5 batches of 5 (⌊√27⌋ = 5), the two left out of the spread but not of the mean.
        let longer = try #require(SerialInterval.interval(values + [1, 1]))
        #expect(abs((longer.lowerBound + longer.upperBound) / 2 - 21.0 / 27) < 1e-12)
        #expect(abs((longer.upperBound - longer.lowerBound) / 2 - 0.207770127) < 1e-7)
        // Clamped to [0, 1].
        let high = try #require(SerialInterval.interval([Double](repeating: 1, count: 20) + [0, 1, 1, 1, 1]))
        #expect(high.upperBound == 1 && high.lowerBound < 1)
    }

    @Test("no interval from fewer than 25 origins, or from a non-finite score; batch lengths ⌊√n⌋")
    func tooFew() {
        #expect(SerialInterval.interval([Double](repeating: 0.5, count: 24)) == nil)
        #expect(SerialInterval.interval([Double](repeating: 0.5, count: 25)) == 0.5...0.5)
        #expect(SerialInterval.interval([Double](repeating: 0.5, count: 29) + [.nan]) == nil)
        #expect([1, 3, 4, 24, 25, 26, 35, 36, 365].map(SerialInterval.batchLength) == [1, 1, 2, 4, 5, 5, 5, 6, 19])
    }

    /// A year of daily coverages that remember the day before (a two-state chain: covered → covered 0.9, missed →
    /// covered 0.4; stationary share 0.8, lag-1 correlation 0.5), as neighbouring origins' forecasts do.
    static func year(_ stream: inout RandomStream) -> [Double] {
        var covered = stream.nextUniform() < 0.8
        return (0..<365).map { _ in
            covered = stream.nextUniform() < (covered ? 0.9 : 0.4)
            return covered ? 1 : 0
        }
    }

    @Test("on serially dependent origins the batch-means interval covers the true share near its 95%; an interval that takes the origins as independent does not")
    func coversDependentOrigins() throws {
        var stream = RandomStream(seed: 2026)
        var batchCovers = 0, naiveCovers = 0
        let trials = 1_000
        for _ in 0..<trials {
            let values = Self.year(&stream)
            let interval = try #require(SerialInterval.interval(values))
            if interval.contains(0.8) { batchCovers += 1 }
            let mean = values.reduce(0, +) / 365
            let half = 1.959964 * (mean * (1 - mean) / 365).squareRoot()
            if abs(mean - 0.8) <= half { naiveCovers += 1 }
        }
        // Batch means hold a little below the nominal level when neighbouring batches still correlate (here about
        // 0.94: 2,000 trials by an independent script); the count must lie in the binomial 99.9% region of 0.94 in
        // 1,000 trials, 940 ± 3.29 × 7.5 = 915–965. The independent-origins interval is about three times too
        // narrow in variance (1 + 2ρ/(1 − ρ) = 3): it covers about P(|Z| < 1.13) = 0.74.
        #expect((915...965).contains(batchCovers), "\(batchCovers)")
        #expect(naiveCovers < 800, "\(naiveCovers)")
    }
}
