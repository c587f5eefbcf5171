import Foundation
import Simulation

/// One observed stay: its length, whether it was still going on at the export (right-censored), covariates, and
/// — where the stay's end is known only to lie in one of some intervals — those intervals (interval-censored).
public struct SojournObservation: Sendable, Hashable {
    /// Minutes in the unit (to the export, when censored).
    public let minutes: Double
    /// True when the stay had not ended by the export.
    public let censored: Bool
    /// The patient's covariates.
    public let covariates: Covariates
    /// Where the stay's end is known only within intervals: each (from, to] in minutes from the stay's start
    /// (0 ≤ from < to), with the probability that such an end gives what was observed (> 0). Empty: the end is
    /// `minutes` itself (or right-censored there).
    public let endIntervals: [EndInterval]

    /// An interval a stay's end may lie in, weighted.
    public struct EndInterval: Sendable, Hashable {
        /// Minutes from the stay's start: the end lies in (from, to].
        public let from: Double, to: Double
        /// The probability that an end in the interval gives what was observed (0–1].
        public let weight: Double

        /// An interval (from, to] with `weight`.
        public init(from: Double, to: Double, weight: Double) {
            self.from = from
            self.to = to
            self.weight = weight
        }
    }

    /// An observation; `endIntervals` non-empty makes it interval-censored (and `censored` must be false).
    public init(minutes: Double, censored: Bool, covariates: Covariates, endIntervals: [EndInterval] = []) {
        precondition(endIntervals.isEmpty || !censored, "a stay open at the export has no end to place")
        self.minutes = minutes
        self.censored = censored
        self.covariates = covariates
        self.endIntervals = endIntervals
    }
}

/// A fitted sojourn distribution with its uncertainty and fit statistics.
public struct SojournFit: Sendable, Hashable {
    /// The fitted baseline: the reference patient's distribution of minutes.
    public let distribution: SojournDistribution
    /// Standard errors of the distribution's parameters, in `distribution.parameters` order (delta method for
    /// the log-parametrised ones).
    public let standardErrors: [Double]
    /// γ per covariate.
    public let timeEffects: CovariateEffects
    /// Standard errors of γ (NaN where a covariate did not vary and its effect was kept from the base model).
    public let timeEffectStandardErrors: CovariateEffects
    /// Maximised log-likelihood.
    public let logLikelihood: Double
    /// Akaike's information criterion, 2k − 2 log L.
    public let aic: Double
    /// The Kolmogorov–Smirnov distance between the Kaplan–Meier estimate of the covariate-adjusted stays
    /// T·exp(−x·γ) and the fitted baseline CDF.
    public let ksStatistic: Double
    /// Its p-value, when no stay was censored (with censoring no simple p-value exists). An interval-censored stay
    /// enters the distance at the middle of its likeliest interval.
    public let ksPValue: Double?
    /// True when the optimiser converged.
    public let converged: Bool

    /// The family.
    public var family: SojournFamily { distribution.family }

    /// The fit as a model.
    public var model: SojournModel { SojournModel(distribution, timeEffects: timeEffects) }
}

/// Maximum-likelihood fitting of accelerated-failure-time sojourn models, T = exp(x·γ)·T₀, with right- and interval
/// censoring: log L = Σ_ended [log f₀(tᵢe^{−xᵢγ}) − xᵢγ] + Σ_open log S₀(tᵢe^{−xᵢγ})
/// + Σ_interval log Σⱼ wⱼ[S₀(aⱼe^{−xᵢγ}) − S₀(bⱼe^{−xᵢγ})] (Kalbfleisch and Prentice, "The Statistical Analysis of
/// Failure Time Data", 2nd ed., 2002, ch. 3 and §5.4; the weights wⱼ do not depend on the parameters).
public enum SojournFitter {
    /// Fits `family` to `data`. Covariates that do not vary in the data cannot be estimated; their effects are
    /// held at `prior`'s. Returns nil when nothing can be fitted (no ended stay).
    public static func fit(_ data: [SojournObservation], family: SojournFamily, prior: SojournModel) -> SojournFit? {
        let ended = data.filter { !$0.censored }.map(\.minutes)
        guard ended.count >= 2 else { return nil }
        let k = Covariate.allCases.count
        let covariates = data.map(\.covariates.values)
        let free = (0..<k).map { index in
            let values = covariates.map { $0[index] }
            return (values.max() ?? 0) - (values.min() ?? 0) > 1e-12
        }
        let freeIndices = (0..<k).filter { free[$0] }
        let logs = ended.map { log($0) }
        let meanLog = logs.reduce(0, +) / Double(logs.count)
        let sdLog = max(0.05, (logs.reduce(0) { $0 + ($1 - meanLog) * ($1 - meanLog) } / Double(logs.count)).squareRoot())
        var start: [Double]
        switch family {
        case .lognormal:
            start = [meanLog, log(sdLog)]
        case .weibull:
            let shape = 1.283 / sdLog
            start = [log(shape), meanLog + 0.5772 / shape]
        case .gamma:
            let mean = ended.reduce(0, +) / Double(ended.count)
            let variance = max(1e-12, ended.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ended.count))
            start = [log(mean * mean / variance), log(variance / mean)]
        }
        start += freeIndices.map { _ in 0.0 }

        func baseline(_ theta: [Double]) -> BaselineDistribution? {
            switch family {
            case .lognormal: (try? LogNormal(mu: theta[0], sigma: exp(theta[1]))).map { .lognormal($0) }
            case .gamma: (try? Gamma(shape: exp(theta[0]), scale: exp(theta[1]))).map { .gamma($0) }
            case .weibull: (try? Weibull(shape: exp(theta[0]), scale: exp(theta[1]))).map { .weibull($0) }
            }
        }
        func effects(_ theta: [Double]) -> [Double] {
            var gamma = prior.timeEffects.values
            for (position, index) in freeIndices.enumerated() { gamma[index] = theta[2 + position] }
            return gamma
        }
        func negativeLogLikelihood(_ theta: [Double]) -> Double {
            guard let distribution = baseline(theta), theta.allSatisfy({ abs($0) < 50 }) else { return .infinity }
            let gamma = effects(theta)
            var total = 0.0
            for (observation, x) in zip(data, covariates) {
                var exponent = 0.0
                for index in 0..<k { exponent += gamma[index] * x[index] }
                let scale = exp(-exponent)
                if observation.endIntervals.isEmpty {
                    let u = observation.minutes * scale
                    total += observation.censored ? distribution.logSurvival(u) : distribution.logDensity(u) - exponent
                } else {
                    var probability = 0.0
                    for interval in observation.endIntervals {
                        let upper = exp(distribution.logSurvival(interval.to * scale))
                        let lower = interval.from > 0 ? exp(distribution.logSurvival(interval.from * scale)) : 1
                        probability += interval.weight * max(0, lower - upper)
                    }
                    total += log(max(probability, .leastNormalMagnitude))
                }
            }
            return total.isNaN ? .infinity : -total
        }

        let result = Minimizer.minimize(negativeLogLikelihood, start: start)
        guard result.value.isFinite, let fitted = baseline(result.point) else { return nil }
        let hessian = Minimizer.numericalHessian(negativeLogLikelihood, at: result.point)
        let errors = LinearAlgebra.standardErrors(fromHessian: hessian)
        let theta = result.point
        let distribution: SojournDistribution = switch family {
        case .lognormal: .lognormal(mu: theta[0], sigma: exp(theta[1]))
        case .gamma: .gamma(shape: exp(theta[0]), scaleMinutes: exp(theta[1]))
        case .weibull: .weibull(shape: exp(theta[0]), scaleMinutes: exp(theta[1]))
        }
        let values = distribution.parameters.map(\.value)
        let standardErrors = [family == .lognormal ? errors[0] : values[0] * errors[0], values[1] * errors[1]]
        var effectErrors = [Double](repeating: .nan, count: k)
        for (position, index) in freeIndices.enumerated() { effectErrors[index] = errors[2 + position] }
        let gamma = effects(theta)
        // An interval-censored stay enters the distance at the middle of its likeliest interval.
        let scaled = zip(data, covariates).map { observation, x -> (Double, Bool) in
            let exponent = zip(gamma, x).reduce(0) { $0 + $1.0 * $1.1 }
            let end = observation.endIntervals.max { $0.weight < $1.weight }.map { ($0.from + $0.to) / 2 } ?? observation.minutes
            return (end * exp(-exponent), observation.censored)
        }
        let ks = kaplanMeierDistance(scaled, cdf: fitted.cdf)
        let pValue = data.contains(where: { $0.censored || !$0.endIntervals.isEmpty }) ? nil
            : SpecialFunctions.kolmogorovSmirnovPValue(statistic: ks, sampleSize: data.count)
        return SojournFit(distribution: distribution, standardErrors: standardErrors,
                          timeEffects: CovariateEffects(values: gamma),
                          timeEffectStandardErrors: CovariateEffects(values: effectErrors),
                          logLikelihood: -result.value, aic: 2 * Double(theta.count) + 2 * result.value,
                          ksStatistic: ks, ksPValue: pValue, converged: result.converged)
    }

    /// The Kaplan–Meier estimate of (value, censored) pairs: at each value with an ended stay, the survival just after
    /// it, in value order (a censored value tied with an ended one counts as at risk at it).
    public static func kaplanMeier(_ observations: [(Double, Bool)]) -> [(time: Double, survival: Double)] {
        let sorted = observations.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && !$0.1 && $1.1) }
        var atRisk = Double(sorted.count), survival = 1.0
        var steps: [(time: Double, survival: Double)] = []
        var index = 0
        while index < sorted.count {
            let value = sorted[index].0
            var events = 0.0, removed = 0.0
            while index < sorted.count && sorted[index].0 == value {
                if !sorted[index].1 { events += 1 }
                removed += 1
                index += 1
            }
            if events > 0 {
                survival *= 1 - events / atRisk
                steps.append((value, survival))
            }
            atRisk -= removed
        }
        return steps
    }

    /// The largest vertical distance between the Kaplan–Meier estimate of the CDF of (value, censored) pairs and
    /// `cdf`, taken just before and at each event. Without censoring this is the KS statistic.
    public static func kaplanMeierDistance(_ observations: [(Double, Bool)], cdf: (Double) -> Double) -> Double {
        var before = 1.0, distance = 0.0
        for step in kaplanMeier(observations) {
            let model = cdf(step.time)
            distance = max(distance, abs((1 - before) - model), abs((1 - step.survival) - model))
            before = step.survival
        }
        return distance
    }
}
