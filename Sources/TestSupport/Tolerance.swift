import Simulation

/// The significance level of every statistical check in the test suite, and the interval half-widths it implies.
///
/// Each sampler, queue, process and model check is a hypothesis test at level α = 0.001 (or a 99.9% confidence
/// interval, its dual). Around a hundred such checks run, so with every implementation correct the chance that
/// any one fails by bad luck is below 1 − 0.999^100 ≈ 10% (Bonferroni) — and the seeds are fixed, so a run is
/// reproducible: a failure is investigated, never re-seeded away. Each check still has the power to catch a wrong
/// mean, variance or shape at the sample sizes used (see the "can fail" tests).
public enum Tolerance {
    /// α of each check.
    public static let alpha = 0.001
    /// 1 − α: the level of each confidence interval.
    public static let confidence = 1 - alpha
    /// The two-sided normal critical value z₁₋α/₂ ≈ 3.29.
    public static var z: Double { SpecialFunctions.normalQuantile(1 - alpha / 2) }

    /// The half-width of a z-interval for a mean of `count` draws with variance `variance`.
    public static func halfWidth(variance: Double, count: Int) -> Double {
        z * (variance / Double(count)).squareRoot()
    }

    /// A floor that a Poisson count of mean `expected` stays above unless something is wrong (one-sided at α):
    /// `expected − z·√expected`. For checks that a run did its work, in place of a round number.
    public static func poissonFloor(expected: Double) -> Double {
        expected - z * expected.squareRoot()
    }

    /// True when `observed` successes in `trials` are within z standard errors of `trials`·`probability`.
    public static func binomialAgrees(observed: Int, trials: Int, probability: Double) -> Bool {
        let expected = Double(trials) * probability
        return abs(Double(observed) - expected) <= z * (expected * (1 - probability)).squareRoot()
    }
}
