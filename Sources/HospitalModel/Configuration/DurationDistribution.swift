import Foundation
import Simulation

/// A distribution of minutes that a scenario states by name and parameters: how long an ED assessment, a bed's
/// cleaning or a care-home placement takes. Parameters are checked when it is made (`DistributionParameterError`
/// names the one that is wrong); sampling is a switch, with no boxing.
public enum DurationDistribution: Sendable, Hashable {
    /// Always the same.
    case fixed(Double)
    /// Exponential with a mean.
    case exponential(Exponential)
    /// Lognormal (from a median and sigma, or a mean and standard deviation).
    case lognormal(LogNormal)
    /// Gamma (from a shape and scale, or a mean and standard deviation).
    case gamma(Gamma)
    /// Weibull with a shape and scale.
    case weibull(Weibull)
    /// Triangular: least, most likely, most.
    case triangular(Triangular)
    /// Uniform between two values.
    case uniform(Uniform)

    /// A fixed value, ≥ 0.
    public static func fixedValue(_ value: Double) throws(DistributionParameterError) -> DurationDistribution {
        guard value >= 0, value.isFinite else {
            throw DistributionParameterError(distribution: "fixed", parameter: "value", value: value,
                                             expected: ">= 0 and finite")
        }
        return .fixed(value)
    }

    /// One draw (never negative).
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        switch self {
        case .fixed(let value): value
        case .exponential(let d): d.sample(using: &stream)
        case .lognormal(let d): d.sample(using: &stream)
        case .gamma(let d): d.sample(using: &stream)
        case .weibull(let d): d.sample(using: &stream)
        case .triangular(let d): max(0, d.sample(using: &stream))
        case .uniform(let d): max(0, d.sample(using: &stream))
        }
    }

    /// A draw given the duration exceeds `threshold` (≥ 0): what is left of a wait already `threshold` long is
    /// the draw minus it. A fixed duration already over gives `threshold` itself (nothing left).
    public func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double {
        guard threshold > 0 else { return sample(using: &stream) }
        switch self {
        case .fixed(let value): return max(value, threshold)
        case .exponential(let d): return d.sample(exceeding: threshold, using: &stream)
        case .lognormal(let d): return d.sample(exceeding: threshold, using: &stream)
        case .gamma(let d): return d.sample(exceeding: threshold, using: &stream)
        case .weibull(let d): return d.sample(exceeding: threshold, using: &stream)
        case .triangular(let d): return d.sample(exceeding: threshold, using: &stream)
        case .uniform(let d): return d.sample(exceeding: threshold, using: &stream)
        }
    }

    /// P(duration > x).
    public func survival(_ x: Double) -> Double {
        switch self {
        case .fixed(let value): x < value ? 1 : 0
        case .exponential(let d): d.survival(x)
        case .lognormal(let d): d.survival(x)
        case .gamma(let d): d.survival(x)
        case .weibull(let d): d.survival(x)
        case .triangular(let d): d.survival(x)
        case .uniform(let d): d.survival(x)
        }
    }

    /// The mean.
    public var mean: Double {
        switch self {
        case .fixed(let value): value
        case .exponential(let d): d.mean
        case .lognormal(let d): d.mean
        case .gamma(let d): d.mean
        case .weibull(let d): d.mean
        case .triangular(let d): d.mean
        case .uniform(let d): d.mean
        }
    }
}
