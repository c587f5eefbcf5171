/// Something that draws values from a random stream.
public protocol Sampler: Sendable {
    associatedtype Value
    /// One draw, advancing `stream`.
    func sample(using stream: inout RandomStream) -> Value
}

/// A continuous distribution on the real line with known moments, CDF and quantile function: what the samplers'
/// tests check against, and what conditional sampling (a stay already 6 days long) and goodness-of-fit tests need.
public protocol ContinuousDistribution: Sampler where Value == Double {
    /// E[X].
    var mean: Double { get }
    /// Var[X].
    var variance: Double { get }
    /// P(X ≤ x).
    func cdf(_ x: Double) -> Double
    /// The x with P(X ≤ x) = p, for 0 < p < 1.
    func quantile(_ p: Double) -> Double
    /// A draw of X given X > `threshold`; always strictly greater than `threshold`. This is how a remaining
    /// length of stay is drawn for a patient who has already stayed `threshold`. One uniform per draw, so that
    /// the same stream gives the same continuation whatever the threshold's history (common random numbers).
    func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double
}

extension ContinuousDistribution {
    /// The standard deviation √Var[X].
    public var standardDeviation: Double { variance.squareRoot() }

    /// P(X > x), the survival function.
    public func survival(_ x: Double) -> Double { 1 - cdf(x) }

    /// A draw of X given X > `threshold`, by inversion on the tail: u uniform on (F(t), 1), x = F⁻¹(u). Where
    /// the tail is too thin to invert in double precision (F(t) rounds to 1), or rounding puts the inverse at or
    /// below `threshold`, the draw is the smallest double above `threshold`: never the bound itself.
    public func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double {
        let lower = cdf(threshold)
        let p = lower + (1 - lower) * stream.nextUniform()
        guard p < 1 else { return threshold.nextUp }
        let x = quantile(p)
        return x > threshold ? x : threshold.nextUp
    }
}

/// An invalid distribution parameter: which parameter, its value and what was expected.
public struct DistributionParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The distribution, as a user names it ("lognormal").
    public let distribution: String
    /// The parameter's name ("sigma").
    public let parameter: String
    /// The value given.
    public let value: Double
    /// What the parameter must be ("> 0").
    public let expected: String

    /// A parameter error.
    public init(distribution: String, parameter: String, value: Double, expected: String) {
        self.distribution = distribution
        self.parameter = parameter
        self.value = value
        self.expected = expected
    }

    /// "lognormal: sigma must be > 0, found -1.0".
    public var description: String {
        let found = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        return "\(distribution): \(parameter) must be \(expected), found \(found)"
    }
}

@inlinable
func require(_ condition: Bool, _ distribution: String, _ parameter: String, _ value: Double, _ expected: String)
    throws(DistributionParameterError)
{
    if !condition || value.isNaN {
        throw DistributionParameterError(distribution: distribution, parameter: parameter, value: value,
                                         expected: expected)
    }
}
