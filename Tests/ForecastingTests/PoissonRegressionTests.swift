import Forecasting
import Foundation
import Simulation
import Testing

@Suite("the log-linear Poisson fit of arrival counts against hand-computed values")
struct PoissonRegressionTests {
    @Test("counts that are exactly a multiplicative table are fitted exactly: deviance 0, the cells' means the counts")
    func exactTable() {
        // Cells of a 3 × 2 table with rows 1, 2, 4 and columns 5, 10: y = row × column.
        let rows = [0, 0, 1, 1, 2, 2], columns = [0, 1, 0, 1, 0, 1]
        let counts = zip(rows, columns).map { Double([1, 2, 4][$0] * [5, 10][$1]) }
        let fit = PoissonRegression(counts: counts, factors: [(3, rows), (2, columns)])
        #expect(fit.converged && fit.deviance < 1e-9)
        for (y, mu) in zip(counts, fit.fitted) { #expect(abs(y - mu) < 1e-9) }
        #expect(fit.parameters == 1 + 2 + 1)
    }

    @Test("a table that is not multiplicative: the fit keeps each row's and column's total (the likelihood equations), and its deviance is the hand-computed one")
    func margins() {
        // 2 × 2: [[10, 20], [30, 20]]: independence gives μ = row total × column total / 80 = [[15, 15], [25, 25]].
        let counts = [10.0, 20, 30, 20], rows = [0, 0, 1, 1], columns = [0, 1, 0, 1]
        let fit = PoissonRegression(counts: counts, factors: [(2, rows), (2, columns)])
        for (mu, expected) in zip(fit.fitted, [15.0, 15, 25, 25]) { #expect(abs(mu - expected) < 1e-9) }
        // D = 2 Σ y log(y/μ) (the totals agree): 2[10 ln(10/15) + 20 ln(20/15) + 30 ln(30/25) + 20 ln(20/25)].
        let deviance = 2 * (10 * log(10.0 / 15) + 20 * log(20.0 / 15) + 30 * log(30.0 / 25) + 20 * log(20.0 / 25))
        #expect(abs(fit.deviance - deviance) < 1e-9)
        // Against the model of one mean for all (μ = 20): the difference is on 2 degrees of freedom.
        let flat = PoissonRegression(counts: counts, factors: [(1, [0, 0, 0, 0])])
        let test = fit.test(against: flat, dispersion: 1)
        #expect(test.degreesOfFreedom == 2)
        #expect(abs(test.statistic - (flat.deviance - fit.deviance)) < 1e-12)
        #expect(abs(test.pValue - exp(-test.statistic / 2)) < 1e-9)   // χ²₂ survival is e^(−x/2)
        // Dividing by a dispersion of 4 divides the statistic by 4.
        #expect(abs(fit.test(against: flat, dispersion: 4).statistic - test.statistic / 4) < 1e-12)
    }

    @Test("a trend in exact counts is recovered exactly, with exposure; a level never seen has rate 0")
    func trendAndExposure() {
        let t = (0..<20).map { Double($0 - 10) / 10 }
        let exposure = (0..<20).map { $0 % 3 == 0 ? 2.0 : 1.0 }
        let counts = zip(t, exposure).map { 7 * exp(0.4 * $0) * $1 }
        let fit = PoissonRegression(counts: counts, factors: [(1, [Int](repeating: 0, count: 20))], trend: t, exposure: exposure)
        #expect(abs(fit.slope - 0.4) < 1e-8 && fit.deviance < 1e-9)
        #expect(fit.slopeStandardError > 0)
        let sparse = PoissonRegression(counts: [4, 0, 6, 0], factors: [(2, [0, 1, 0, 1])])
        #expect(zip(sparse.fitted, [5.0, 0, 5, 0]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(sparse.effects[0][1] == -.infinity)
    }
}
