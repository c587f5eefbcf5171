import Foundation
import Simulation
import Testing
import TestSupport

/// A continuous distribution to check, with a readable name for the test report.
struct NamedDistribution: CustomTestStringConvertible, Sendable {
    let name: String
    let distribution: any ContinuousDistribution
    var testDescription: String { name }
}

/// Checks of a sample against what the distribution says it should be: mean and variance within their 99.9%
/// confidence bounds, and the Kolmogorov-Smirnov test at α = 0.001.
enum SampleCheck {
    static func draw(_ distribution: any ContinuousDistribution, count: Int, seed: UInt64) -> [Double] {
        var stream = RandomStream(seed: seed)
        return (0..<count).map { _ in distribution.sample(using: &stream) }
    }

    /// |mean - μ| within z·σ/√n with the distribution's own σ.
    static func meanAgrees(_ sample: [Double], mean: Double, variance: Double) -> Bool {
        let z = SpecialFunctions.normalQuantile(1 - Tolerance.alpha / 2)
        let observed = Tally(sample).mean
        return abs(observed - mean) <= z * (variance / Double(sample.count)).squareRoot()
    }

    /// |s² - σ²| within z·√((m₄ - s⁴)/n), the large-sample standard error of a sample variance.
    static func varianceAgrees(_ sample: [Double], variance: Double) -> Bool {
        let z = SpecialFunctions.normalQuantile(1 - Tolerance.alpha / 2)
        let tally = Tally(sample)
        let m4 = sample.reduce(0) { $0 + pow($1 - tally.mean, 4) } / Double(sample.count)
        let standardError = (max(0, m4 - tally.variance * tally.variance) / Double(sample.count)).squareRoot()
        return abs(tally.variance - variance) <= z * standardError
    }
}

@Suite("continuous samplers")
struct ContinuousSamplerTests {
    static let cases: [NamedDistribution] = [
        NamedDistribution(name: "uniform(2, 5)", distribution: try! Uniform(low: 2, high: 5)),
        NamedDistribution(name: "exponential(mean 3)", distribution: try! Exponential(mean: 3)),
        NamedDistribution(name: "normal(10, 2)", distribution: try! Normal(mean: 10, standardDeviation: 2)),
        NamedDistribution(name: "lognormal(mu 1, sigma 0.5)", distribution: try! LogNormal(mu: 1, sigma: 0.5)),
        NamedDistribution(name: "lognormal(mean 5, sd 3)", distribution: try! LogNormal(mean: 5, standardDeviation: 3)),
        NamedDistribution(name: "gamma(shape 0.5, scale 2)", distribution: try! Gamma(shape: 0.5, scale: 2)),
        NamedDistribution(name: "gamma(shape 2.5, scale 1.5)", distribution: try! Gamma(shape: 2.5, scale: 1.5)),
        NamedDistribution(name: "gamma(shape 30, scale 0.1)", distribution: try! Gamma(shape: 30, scale: 0.1)),
        NamedDistribution(name: "weibull(shape 1.5, scale 4)", distribution: try! Weibull(shape: 1.5, scale: 4)),
        NamedDistribution(name: "weibull(shape 0.7, scale 2)", distribution: try! Weibull(shape: 0.7, scale: 2)),
        NamedDistribution(name: "triangular(1, 2, 6)", distribution: try! Triangular(low: 1, mode: 2, high: 6)),
        NamedDistribution(name: "empirical(1, 2, 2.5, 4, 7)",
                          distribution: try! Empirical(samples: [4, 1, 7, 2.5, 2])),
    ]

    @Test("mean and variance agree with theory; the sample passes Kolmogorov-Smirnov", arguments: cases)
    func matchesTheory(_ named: NamedDistribution) {
        let d = named.distribution
        let sample = SampleCheck.draw(d, count: 100_000, seed: 2026)
        #expect(SampleCheck.meanAgrees(sample, mean: d.mean, variance: d.variance))
        #expect(SampleCheck.varianceAgrees(sample, variance: d.variance))
        let ks = GoodnessOfFit.kolmogorovSmirnov(sample, cdf: d.cdf)
        #expect(ks.pValue > Tolerance.alpha, "KS D = \(ks.statistic), p = \(ks.pValue)")
    }

    @Test("quantile inverts the CDF", arguments: cases)
    func quantileInvertsCDF(_ named: NamedDistribution) {
        for p in [0.001, 0.05, 0.3, 0.5, 0.77, 0.99, 0.9999] {
            #expect(abs(named.distribution.cdf(named.distribution.quantile(p)) - p) < 1e-9)
        }
    }

    @Test("lognormal built from mean and sd has that mean and sd")
    func lognormalFromMoments() throws {
        let d = try LogNormal(mean: 5.2, standardDeviation: 7.1)
        #expect(abs(d.mean - 5.2) < 1e-12)
        #expect(abs(d.standardDeviation - 7.1) < 1e-12)
        let g = try Gamma(mean: 5.2, standardDeviation: 7.1)
        #expect(abs(g.mean - 5.2) < 1e-12 && abs(g.standardDeviation - 7.1) < 1e-12)
    }

    @Test("a stay drawn given it already lasted t follows the conditional distribution (X | X > t)")
    func conditionalSampling() throws {
        let d = try LogNormal(mean: 5, standardDeviation: 4)
        let threshold = 6.0
        var stream = RandomStream(seed: 99)
        let sample = (0..<50_000).map { _ in d.sample(exceeding: threshold, using: &stream) }
        #expect(sample.allSatisfy { $0 > threshold })
        let tail = d.survival(threshold)
        let ks = GoodnessOfFit.kolmogorovSmirnov(sample) { x in (d.cdf(x) - d.cdf(threshold)) / tail }
        #expect(ks.pValue > Tolerance.alpha)
    }

    @Test("the empirical CDF is right-continuous at tied samples: [1, 2, 2, 3] has P(X <= 2) = 2/3")
    func empiricalTies() throws {
        let d = try Empirical(samples: [3, 2, 1, 2])
        #expect(d.cdf(2) == 2.0 / 3)
        #expect(d.cdf(1.5) == 1.0 / 6 && d.cdf(0.5) == 0 && d.cdf(1) == 0 && d.cdf(3) == 1)
        #expect(abs(d.cdf(2.5) - 5.0 / 6) < 1e-15)
        var stream = RandomStream(seed: 5)
        let draws = (0..<20_000).map { _ in d.sample(exceeding: 2, using: &stream) }
        #expect(draws.allSatisfy { $0 > 2 && $0 <= 3 })
        // Given X > 2 the draw is uniform on (2, 3]: its mean is 2.5 within a 99.9% interval.
        let tally = Tally(draws)
        let z = SpecialFunctions.normalQuantile(1 - Tolerance.alpha / 2)
        #expect(abs(tally.mean - 2.5) <= z * (1.0 / 12).squareRoot() / Double(draws.count).squareRoot())
    }

    @Test("a draw beyond the thinnest tail is still above the bound, for every family", arguments: cases)
    func tailDrawsExceedTheBound(_ named: NamedDistribution) {
        var stream = RandomStream(seed: 8)
        let far = named.distribution.quantile(0.999_999) * 50
        for threshold in [named.distribution.quantile(0.5), named.distribution.quantile(0.999_999), far] {
            for _ in 0..<200 { #expect(named.distribution.sample(exceeding: threshold, using: &stream) > threshold) }
        }
    }

    @Test("far in the lognormal tail the continuation stays proportionate, not the bound plus nothing")
    func lognormalFarTail() throws {
        // Median 4.5 (days), sigma 0.85: at t = 2000, z = log(2000/4.5)/0.85 = 7.2 and S(t) ~ 4e-13, where 1 - F(t)
        // has lost most of its digits. E[X | X > t] / t is about 1 + sigma/z = 1.12 there; a draw that collapsed
        // onto the bound would give 1.
        let d = try LogNormal(mu: log(4.5), sigma: 0.85)
        var stream = RandomStream(seed: 3)
        let draws = (0..<2_000).map { _ in d.sample(exceeding: 2000, using: &stream) }
        #expect(draws.allSatisfy { $0 > 2000 })
        #expect(Tally(draws).mean > 2000 * 1.01)
    }

    @Test("the checks can fail: gamma draws are rejected as lognormal of the same mean and sd")
    func checksHavePower() throws {
        let gamma = try Gamma(mean: 4, standardDeviation: 2)
        let lognormal = try LogNormal(mean: 4, standardDeviation: 2)
        let sample = SampleCheck.draw(gamma, count: 100_000, seed: 1)
        #expect(GoodnessOfFit.kolmogorovSmirnov(sample, cdf: lognormal.cdf).pValue < Tolerance.alpha)
        #expect(!SampleCheck.meanAgrees(sample.map { $0 * 1.01 }, mean: 4, variance: 4))
    }

    @Test("invalid parameters are refused with the parameter named")
    func rejectsInvalidParameters() {
        let error = #expect(throws: DistributionParameterError.self) { try LogNormal(mu: 0, sigma: -1) }
        #expect(error?.description == "lognormal: sigma must be > 0 and finite, found -1")
        #expect(throws: DistributionParameterError.self) { try Exponential(mean: 0) }
        #expect(throws: DistributionParameterError.self) { try Triangular(low: 1, mode: 5, high: 3) }
        #expect(throws: DistributionParameterError.self) { try Empirical(samples: [1]) }
        #expect(throws: DistributionParameterError.self) { try Gamma(shape: .nan, scale: 1) }
        #expect(throws: DistributionParameterError.self) { try Categorical(weights: [0, 0]) }
    }
}

@Suite("discrete samplers")
struct DiscreteSamplerTests {
    /// Chi-square of Poisson draws over bins k = 0, 1, …, with the tails merged so each bin expects ≥ 5.
    static func poissonPValue(mean: Double, draws: Int, seed: UInt64) throws -> (Double, Tally) {
        let poisson = try Poisson(mean: mean)
        var stream = RandomStream(seed: seed)
        var counts: [Int: Int] = [:]
        var tally = Tally()
        for _ in 0..<draws {
            let k = poisson.sample(using: &stream)
            counts[k, default: 0] += 1
            tally.record(Double(k))
        }
        var low = Int(mean)
        var high = Int(mean)
        while low > 0 && Double(draws) * poisson.probability(of: low - 1) >= 5 { low -= 1 }
        while Double(draws) * poisson.probability(of: high + 1) >= 5 { high += 1 }
        var observed: [Int] = []
        var expected: [Double] = []
        var below = 0, belowExpected = 0.0
        for k in 0..<low {
            below += counts[k, default: 0]
            belowExpected += Double(draws) * poisson.probability(of: k)
        }
        observed.append(below)
        expected.append(belowExpected)
        for k in low...high {
            observed.append(counts[k, default: 0])
            expected.append(Double(draws) * poisson.probability(of: k))
        }
        let above = draws - observed.reduce(0, +)
        observed.append(above)
        expected.append(Double(draws) - expected.reduce(0, +))
        return (GoodnessOfFit.chiSquarePValue(observed: observed, expected: expected), tally)
    }

    @Test("Poisson draws follow the Poisson law (inversion below 10, PTRS above)", arguments: [0.4, 3.5, 9.9, 10, 50, 1000])
    func poisson(mean: Double) throws {
        let (p, tally) = try Self.poissonPValue(mean: mean, draws: 200_000, seed: 5)
        #expect(p > Tolerance.alpha, "chi-square p = \(p)")
        #expect(abs(tally.mean - mean) <= SpecialFunctions.normalQuantile(1 - Tolerance.alpha / 2)
            * (mean / Double(tally.count)).squareRoot())
    }

    @Test("Bernoulli(0.3) succeeds 30% of the time")
    func bernoulli() throws {
        let b = try Bernoulli(probability: 0.3)
        var stream = RandomStream(seed: 8)
        let n = 100_000
        let successes = (0..<n).filter { _ in b.sample(using: &stream) }.count
        let z = SpecialFunctions.normalQuantile(1 - Tolerance.alpha / 2)
        #expect(abs(Double(successes) / Double(n) - 0.3) <= z * (0.3 * 0.7 / Double(n)).squareRoot())
    }

    @Test("the alias table draws each category in proportion to its weight, never a zero-weight one")
    func categorical() throws {
        let weights = [1.0, 2, 3, 4, 0, 10]
        let c = try Categorical(weights: weights)
        var stream = RandomStream(seed: 3)
        var counts = [Int](repeating: 0, count: weights.count)
        let n = 200_000
        for _ in 0..<n { counts[c.sample(using: &stream)] += 1 }
        #expect(counts[4] == 0)
        let expected = weights.map { $0 / 20 * Double(n) }
        #expect(GoodnessOfFit.chiSquarePValue(observed: counts, expected: expected) > Tolerance.alpha)
    }
}

@Suite("special functions against published tables")
struct SpecialFunctionTests {
    @Test("normal quantiles (Abramowitz and Stegun, table 26.5)", arguments: [
        (0.975, 1.959963984540054), (0.995, 2.5758293035489004), (0.5, 0.0), (0.1, -1.2815515655446004),
        (1e-10, -6.361340902404056),
    ])
    func normalQuantile(p: Double, z: Double) {
        #expect(abs(SpecialFunctions.normalQuantile(p) - z) < 1e-12)
        #expect(abs(SpecialFunctions.normalCDF(z) - p) < 1e-13 * max(1, 1 / p))
    }

    @Test("Student t quantiles (standard t table)", arguments: [
        (0.975, 1.0, 12.706204736174698), (0.975, 9.0, 2.2621571627982), (0.975, 29.0, 2.045229642132703),
        (0.995, 19.0, 2.860934606449914), (0.95, 4.0, 2.131846781065576), (0.9995, 99.0, 3.391528833363685),
    ])
    func studentT(p: Double, df: Double, t: Double) {
        #expect(abs(SpecialFunctions.studentTQuantile(p, degreesOfFreedom: df) - t) < 1e-6)
    }

    @Test("chi-square upper tail: 3.841459 with 1 df and 18.307038 with 10 df are the 5% points")
    func chiSquare() {
        #expect(abs(SpecialFunctions.chiSquareSurvival(3.841458820694124, degreesOfFreedom: 1) - 0.05) < 1e-10)
        #expect(abs(SpecialFunctions.chiSquareSurvival(18.307038053275146, degreesOfFreedom: 10) - 0.05) < 1e-10)
    }

    @Test("incomplete gamma and beta at closed-form points")
    func incompleteFunctions() {
        // P(1, x) = 1 - e^-x; P(2, 1) = 1 - 2/e; I_0.5(2, 3) = 11/16.
        #expect(abs(SpecialFunctions.regularizedGammaP(1, 2) - (1 - exp(-2))) < 1e-14)
        #expect(abs(SpecialFunctions.regularizedGammaP(2, 1) - (1 - 2 / M_E)) < 1e-14)
        #expect(abs(SpecialFunctions.regularizedBeta(2, 3, 0.5) - 11.0 / 16) < 1e-14)
        for (a, p) in [(0.3, 0.2), (2.5, 0.5), (40, 0.999)] {
            let x = SpecialFunctions.inverseRegularizedGammaP(a, p)
            #expect(abs(SpecialFunctions.regularizedGammaP(a, x) - p) < 1e-10)
        }
    }

    @Test("Kolmogorov distribution: the 5% and 1% critical values 1.3581 and 1.6276")
    func kolmogorov() {
        #expect(abs(SpecialFunctions.kolmogorovSurvival(1.3581) - 0.05) < 1e-4)
        #expect(abs(SpecialFunctions.kolmogorovSurvival(1.6276) - 0.01) < 1e-4)
    }
}
