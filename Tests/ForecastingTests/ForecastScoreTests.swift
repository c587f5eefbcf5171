import Forecasting
import Foundation
import Simulation
import Testing
import TestSupport

@Suite("forecast scores against hand-computed values")
struct ForecastScoreTests {
    /// ∫ (F(x) − 1{x ≥ y})² dx by the midpoint rule: the CRPS's definition, independent of the closed forms.
    static func crpsByIntegral(_ forecast: PredictiveDistribution, _ y: Double, from low: Double, to high: Double) -> Double {
        let steps = 400_000
        let width = (high - low) / Double(steps)
        var sum = 0.0
        for i in 0..<steps {
            let x = low + (Double(i) + 0.5) * width
            let d = forecast.cdf(x) - (x >= y ? 1 : 0)
            sum += d * d * width
        }
        return sum
    }

    @Test("CRPS of N(0,1) at 0 is 2φ(0) − 1/√π = 0.233695; of a normal elsewhere, and of an ensemble, equal to the integral of the squared distance")
    func crps() {
        #expect(abs(PredictiveDistribution.normal(mean: 0, sd: 1).crps(0) - 0.2336949772) < 1e-9)
        let normal = PredictiveDistribution.normal(mean: 0.5, sd: 2)
        #expect(abs(normal.crps(1.3) - Self.crpsByIntegral(normal, 1.3, from: -20, to: 20)) < 1e-6)
        // {1, 2, 3} at 2: mean |x − 2| = 2/3, minus half the mean pairwise distance (8/9)/2 = 4/9: 2/9.
        let ensemble = PredictiveDistribution.ensemble([3, 1, 2])
        #expect(abs(ensemble.crps(2) - 2.0 / 9) < 1e-12)
        let counts = PredictiveDistribution.ensemble([14, 15, 15, 16, 18, 18, 18, 21])
        for y in [10.0, 15, 17.5, 25] {
            #expect(abs(counts.crps(y) - Self.crpsByIntegral(counts, y, from: 0, to: 40)) < 1e-6, "y = \(y)")
        }
        // A point forecast's CRPS is its absolute error.
        #expect(PredictiveDistribution.normal(mean: 4, sd: 0).crps(1) == 3)
    }

    @Test("pinball loss: τ(y − q) above the quantile, (1 − τ)(q − y) below")
    func pinball() {
        let point = PredictiveDistribution.normal(mean: 10, sd: 0)
        #expect(abs(point.pinball(12, at: 0.9) - 1.8) < 1e-12)
        #expect(abs(point.pinball(8, at: 0.9) - 0.2) < 1e-12)
        // N(0,1)'s 0.975-quantile is 1.959964; at y = 3: 0.975 × 1.040036.
        #expect(abs(PredictiveDistribution.normal(mean: 0, sd: 1).pinball(3, at: 0.975) - 0.975 * (3 - 1.959963985)) < 1e-8)
        // An ensemble's quantile is type 7: {1, 2, 3, 4} at 0.25 is 1.75.
        #expect(abs(PredictiveDistribution.ensemble([4, 3, 2, 1]).pinball(1, at: 0.25) - 0.75 * 0.75) < 1e-12)
    }

    @Test("coverage: inside or outside for a continuous law; the PIT interval's share for counts, nominal on average for a calibrated count forecast")
    func coverage() {
        let normal = PredictiveDistribution.normal(mean: 0, sd: 1)
        #expect(normal.coverage(0.5, level: 0.5) == 1 && normal.coverage(0.7, level: 0.5) == 0)
        #expect(normal.coverage(1.9, level: 0.95) == 1 && normal.coverage(-1.97, level: 0.95) == 0)
        let counts = PredictiveDistribution.ensemble([1, 2, 2, 3])
        #expect(counts.pit(2) == 0.25...0.75)
        #expect(counts.coverage(2, level: 0.5) == 1)
        #expect(abs(counts.coverage(2, level: 0.2) - 0.4) < 1e-12)   // [0.4, 0.6] of [0.25, 0.75]
        #expect(counts.coverage(1, level: 0.5) == 0)                 // [0, 0.25] touches the interval at one point
        // Outcomes drawn from the forecast itself: the mean coverage is the level, exactly, at every level.
        let uniform = PredictiveDistribution.ensemble([0, 1, 2, 3])
        for level in ForecastScore.levels {
            let mean = [0.0, 1, 2, 3].reduce(0) { $0 + uniform.coverage($1, level: level) } / 4
            #expect(abs(mean - level) < 1e-12, "level \(level): \(mean)")
        }
    }

    @Test("the score's means: MAE and bias of the median, coverage, Brier, MASE, and a PIT histogram that sums to the origins")
    func scoreMeans() {
        var score = ForecastScore()
        score.add(.ensemble([8, 10, 12]), actual: 11, threshold: 11)      // median 10; P(X > 11) = 1/3, did not exceed
        score.add(.normal(mean: 20, sd: 2), actual: 17, threshold: 18)    // median 20; P(X > 18) = Φ(1), exceeded
        #expect(abs(score.mae - 2) < 1e-12 && abs(score.bias - 1) < 1e-12)
        let p = SpecialFunctions.normalCDF(1)
        #expect(abs(score.brier! - ((1.0 / 3) * (1.0 / 3) + (p - 0) * (p - 0)) / 2) < 1e-12)
        #expect(score.mase(scale: 4) == 0.5 && score.mase(scale: 0) == nil)
        #expect(abs(score.pit.reduce(0, +) - 2) < 1e-12)
        // 11 in {8, 10, 12}: PIT [2/3, 2/3] → bin 6; 17 under N(20, 2): Φ(−1.5) = 0.0668 → bin 0.
        #expect(score.pit[6] == 1 && score.pit[0] == 1)
        var merged = ForecastScore()
        merged.merge(score)
        merged.merge(score)
        #expect(merged.origins == 4 && merged.mae == score.mae && merged.coverage == score.coverage)
    }
}

@Suite("the statistical benchmarks")
struct BaselineTests {
    @Test("last value, seasonal naive and the six-week same-weekday mean on series worked by hand")
    func simpleMethods() throws {
        // A weekly pattern plus a step of 7 per week: y_t = pattern[t mod 7] + 7⌊t/7⌋.
        let pattern = [10.0, 12, 15, 14, 13, 8, 6]
        let y = (0..<70).map { pattern[$0 % 7] + 7 * Double($0 / 7) }
        let last = try #require(BaselineMethod.lastValue.forecast(y, horizons: 3))
        #expect(last.map(\.median) == [y[69], y[69], y[69]])
        let naive = try #require(BaselineMethod.seasonalNaive.forecast(y, horizons: 8))
        #expect(naive[0].median == y[63] && naive[6].median == y[69] && naive[7].median == y[63])
        // Seasonal naive errors are all 7 (one week's step): σ = 7, and k = 2 for h = 8: sd 7√2.
        #expect(naive[7] == .normal(mean: y[63], sd: 7 * 2.0.squareRoot()))   // day 77 = day 63 + 2 weeks
        let six = try #require(BaselineMethod.sixWeekWeekdayMean.forecast(y, horizons: 8))
        // Day 70 is day 0 of the pattern: the mean of days 63, 56, …, 28 = pattern[0] + 7·(9+8+7+6+5+4)/6.
        #expect(abs(six[0].median - (10 + 7 * 39.0 / 6)) < 1e-12)
        // Day 77 (h = 8): the same six weeks (the latest at or before day 69).
        #expect(abs(six[7].median - (10 + 7 * 39.0 / 6)) < 1e-12)
        #expect(BaselineMethod.sixWeekWeekdayMean.forecast(Array(y.prefix(50)), horizons: 14) == nil)
    }

    @Test("Holt–Winters: a noiseless trend and weekly season forecast exactly; the variance is σ²(1 + Σ(α + βj + γ·1{7|j})²)")
    func holtWinters() throws {
        let pattern = [3.0, 1, -2, 0, 4, -1, -5]
        let y = (0..<140).map { 100 + 0.5 * Double($0) + pattern[$0 % 7] }
        let forecast = try #require(BaselineMethod.holtWinters.forecast(y, horizons: 14))
        for h in 1...14 {
            let truth = 100 + 0.5 * Double(139 + h) + pattern[(139 + h) % 7]
            #expect(abs(forecast[h - 1].median - truth) < 1e-3, "h = \(h): \(forecast[h - 1].median) against \(truth)")
        }
        let model = HoltWinters(alpha: 0.4, beta: 0.1, gamma: 0.2, period: 7, level: 0, trend: 0,
                                season: [Double](repeating: 0, count: 7), sigma: 2)
        let spread = model.forecast(horizons: 8).map { d -> Double in
            guard case .normal(_, let sd) = d else { return .nan }
            return sd
        }
        var sum = 0.0
        for h in 1...8 {
            if h > 1 { let j = Double(h - 1); let c = 0.4 + 0.1 * j + (h - 1 == 7 ? 0.2 : 0); sum += c * c }
            #expect(abs(spread[h - 1] - 2 * (1 + sum).squareRoot()) < 1e-12)
        }
    }

    @Test("on Gaussian random walks, the last-value intervals cover at their nominal rates (binomial, α = 0.001)")
    func lastValueCalibrated() throws {
        var stream = RandomStream(seed: 31)
        var score = ForecastScore()
        let walks = 3000
        for _ in 0..<walks {
            var y = [0.0]
            for _ in 0..<120 { y.append(y.last! + 3 * SpecialFunctions.normalQuantile(stream.nextUniform())) }
            let future = y.last! + 3 * (0..<4).reduce(0) { s, _ in s + SpecialFunctions.normalQuantile(stream.nextUniform()) }
            let forecast = try #require(BaselineMethod.lastValue.forecast(y, horizons: 4))
            score.add(forecast[3], actual: future)
        }
        for (level, covered) in zip(ForecastScore.levels, score.coverage) {
            #expect(Tolerance.binomialAgrees(observed: Int((covered * Double(walks)).rounded()), trials: walks, probability: level),
                    "\(level): \(covered)")
        }
    }
}
