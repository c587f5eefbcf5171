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

    @Test("Benjamini–Hochberg on the 15 p-values of Benjamini and Hochberg (1995, §4.1): four discoveries at 5%")
    func benjaminiHochberg() {
        let p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
                 0.6528, 0.7590, 1.000]
        // R: p.adjust(p, method = "BH"), as given there to 7 significant digits.
        let expected = [0.0015, 0.0030, 0.0095, 0.035625, 0.0603, 0.06385714, 0.06385714, 0.0645, 0.0765, 0.4860,
                        0.5811818, 0.714875, 0.7532308, 0.8132143, 1.0]
        let q = OutputAnalysis.benjaminiHochberg(p)
        for (ours, theirs) in zip(q, expected) { #expect(abs(ours - theirs) < 5e-8, "\(ours) vs \(theirs)") }
        #expect(q.filter { $0 <= 0.05 }.count == 4)
        // The order given is kept: the same values shuffled give the same q for each.
        let shuffled = [14, 3, 0, 9, 7, 1, 12, 5, 2, 11, 6, 10, 4, 13, 8]
        #expect(OutputAnalysis.benjaminiHochberg(shuffled.map { p[$0] }) == shuffled.map { q[$0] })
        #expect(OutputAnalysis.benjaminiHochberg([]).isEmpty)
    }

    @Test("the paired t-test's p-value is below 0.05 exactly when the 95% interval excludes 0")
    func pairedPValue() {
        var stream = RandomStream(seed: 9)
        for trial in 0..<200 {
            let n = 2 + trial % 20
            let baseline = (0..<n).map { _ in 50 + 10 * stream.nextUniform() }
            let shift = Double(trial % 7) * 0.4
            let alternative = baseline.map { $0 + shift + 3 * (stream.nextUniform() - 0.5) }
            let comparison = PairedComparison(baseline: baseline, alternative: alternative)
            let excludes = !comparison.confidenceInterval().contains(0)
            #expect((comparison.pValue < 0.05) == excludes, "n \(n), p \(comparison.pValue)")
        }
        // t = 2.262157 with 9 degrees of freedom is the two-sided 5% point.
        let d = (0..<10).map { Double($0) }
        let centre = d.reduce(0, +) / 10
        let summary = ReplicationSummary(d)
        let shifted = d.map { $0 - centre + 2.2621572 * summary.standardError }
        let atPoint = PairedComparison(baseline: [Double](repeating: 0, count: 10), alternative: shifted)
        #expect(abs(atPoint.pValue - 0.05) < 1e-6)
        #expect(PairedComparison(baseline: [1, 2], alternative: [1, 2]).pValue == 1)
        #expect(PairedComparison(baseline: [1, 2], alternative: [2, 3]).pValue == 0)
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

@Suite("trends across replications")
struct TrendCheckTests {
    @Test("a known slope is recovered within its interval; flat noise is not called a drift, a slow rise is")
    func slopes() {
        var stream = RandomStream(seed: 23)
        func series(slope: Double, noise: Double) -> [[Double]] {
            (0..<10).map { _ in (0..<400).map { day in 100 + slope * Double(day) + noise * (stream.nextUniform() - 0.5) } }
        }
        let rising = TrendCheck(series: series(slope: 0.05, noise: 20), fromPeriod: 200)
        #expect(rising.isDrifting && abs(rising.slope - 0.05) <= rising.halfWidth, "\(rising)")
        let flat = TrendCheck(series: series(slope: 0, noise: 20), fromPeriod: 200)
        #expect(!flat.isDrifting, "\(flat)")
        #expect(flat.fromPeriod == 200 && flat.halfWidth > 0)
    }
}
