import Foundation
import Simulation
import Testing

@Suite("output analysis")
struct OutputAnalysisTests {
    @Test("Student-t interval of 1...10: 5.5 ± 2.2621572 × 3.0276504 / √10")
    func confidenceInterval() {
        let summary = ReplicationSummary((1...10).map(Double.init))
        #expect(summary.mean == 5.5)
        #expect(abs(summary.standardDeviation - 3.0276503540974917) < 1e-12)
        let interval = summary.confidenceInterval(level: 0.95)
        #expect(abs(interval.halfWidth - 2.2621571627982 * 3.0276503540974917 / 10.0.squareRoot()) < 1e-9)
        #expect(interval.contains(5.5) && !interval.contains(7.7))
        #expect(ReplicationSummary([3]).confidenceInterval().halfWidth == .infinity)
    }

    @Test("paired differences remove the shared noise: a constant shift is estimated exactly")
    func pairedComparison() {
        var stream = RandomStream(seed: 1)
        let baseline = (0..<10).map { _ in 100 + 30 * stream.nextUniform() }
        let alternative = baseline.map { $0 - 2 }
        let comparison = PairedComparison(baseline: baseline, alternative: alternative)
        #expect(abs(comparison.difference.mean + 2) < 1e-12)
        #expect(comparison.confidenceInterval().halfWidth < 1e-9)
        #expect(comparison.baseline.confidenceInterval().halfWidth > 5)
    }

    @Test("replications needed for a target half-width (Law, §9.4.1)")
    func replicationsNeeded() {
        // Pilot: s = 3.0277 with 10 values; for half-width 1 at 95%, n with t(n-1) × 3.0277 / √n ≤ 1.
        let pilot = (1...10).map(Double.init)
        let n = OutputAnalysis.replicationsNeeded(pilot: pilot, halfWidth: 1, level: 0.95)!
        let s = ReplicationSummary(pilot).standardDeviation
        func halfWidth(_ n: Int) -> Double {
            SpecialFunctions.studentTQuantile(0.975, degreesOfFreedom: Double(n - 1)) * s / Double(n).squareRoot()
        }
        #expect(halfWidth(n) <= 1 && halfWidth(n - 1) > 1)
        #expect(n == 38)
        #expect(OutputAnalysis.replicationsNeeded(pilot: pilot, halfWidth: 5, level: 0.95) == 10)
    }

    @Test("Welch's moving average and MSER-5 find an initial transient of 100 periods")
    func warmUpDetection() {
        var stream = RandomStream(seed: 3)
        let series = (0..<5).map { _ in
            (0..<1000).map { i in (i < 100 ? 20 * (1 - Double(i) / 100) : 0) + 10 + stream.nextUniform() }
        }
        let analysis = WarmUpAnalysis(series: series, window: 10)
        #expect(analysis.movingAverages.count == 990)
        #expect(abs(analysis.movingAverages[0] - analysis.periodMeans[0]) < 1e-12)
        #expect(abs(analysis.movingAverages[500] - analysis.periodMeans[490...510].reduce(0, +) / 21) < 1e-12)
        #expect((90...130).contains(analysis.suggestedWarmUpPeriods))
        let flat = WarmUpAnalysis(series: [(0..<500).map { _ in stream.nextUniform() }])
        #expect(flat.suggestedWarmUpPeriods < 100)
    }

    @Test("tallies merge exactly; time-weighted levels average over time")
    func tallyAndTimeWeighted() {
        let values = (0..<1000).map { Double(($0 * 7919) % 1000) / 10 }
        var left = Tally(values[..<300])
        left.merge(Tally(values[300...]))
        let whole = Tally(values)
        #expect(left.count == whole.count && abs(left.mean - whole.mean) < 1e-12)
        #expect(abs(left.variance - whole.variance) < 1e-9 && left.minimum == 0 && left.maximum == 99.9)

        var level = TimeWeighted(level: 0, at: 0, tracksTimeAtLevel: true)
        level.record(3, at: 10)
        level.record(1, at: 15)
        #expect(level.mean(at: 20) == 1.0)  // (0 × 10 + 3 × 5 + 1 × 5) / 20
        #expect(level.timeAtLevelShares(at: 20)! == [0.5, 0.25, 0, 0.25])
    }

    @Test("percentiles: exact while small, within the histogram's resolution when large")
    func percentiles() {
        var small = Percentiles()
        for value in [5.0, 1, 3, 2, 4] { small.record(value) }
        #expect(small.value(atPercentile: 50) == 3)
        #expect(small.value(atPercentile: 90) == 4.6)
        var large = Percentiles(exactLimit: 1000, resolution: 0.01)
        var stream = RandomStream(seed: 2)
        var values: [Double] = []
        for _ in 0..<100_000 {
            let value = -60 * log(stream.nextUniform())
            values.append(value)
            large.record(value)
        }
        #expect(large.isApproximate)
        let exact = SampleQuantile.type7(values.sorted(), probability: 0.95)
        #expect(abs(large.value(atPercentile: 95)! - exact) <= 0.002 * exact)
    }
}
