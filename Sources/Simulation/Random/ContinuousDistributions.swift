import Foundation

/// The uniform distribution on [low, high).
public struct Uniform: ContinuousDistribution, Hashable {
    /// The lower bound.
    public let low: Double
    /// The upper bound.
    public let high: Double

    /// Uniform on [low, high); needs low < high, both finite.
    public init(low: Double, high: Double) throws(DistributionParameterError) {
        try require(low.isFinite, "uniform", "low", low, "finite")
        try require(high.isFinite && high > low, "uniform", "high", high, "finite and > low (\(low))")
        self.low = low
        self.high = high
    }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        low + (high - low) * stream.nextUniform()
    }

    /// E[X].
    public var mean: Double { (low + high) / 2 }
    /// Var[X].
    public var variance: Double { (high - low) * (high - low) / 12 }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { min(1, max(0, (x - low) / (high - low))) }
    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double { low + (high - low) * p }
}

/// The exponential distribution with a given mean (1/rate). Sampled by inversion, one uniform per draw.
public struct Exponential: ContinuousDistribution, Hashable {
    /// E[X].
    public let mean: Double

    /// Exponential with `mean` > 0.
    public init(mean: Double) throws(DistributionParameterError) {
        try require(mean > 0 && mean.isFinite, "exponential", "mean", mean, "> 0 and finite")
        self.mean = mean
    }

    /// Exponential with events at `rate` per time unit (mean 1/rate).
    public init(rate: Double) throws(DistributionParameterError) {
        try require(rate > 0 && rate.isFinite, "exponential", "rate", rate, "> 0 and finite")
        self.mean = 1 / rate
    }

    /// One draw, advancing `stream`.
    @inlinable @inline(__always)
    public func sample(using stream: inout RandomStream) -> Double {
        -mean * Foundation.log(stream.nextUniform())
    }

    /// Var[X].
    public var variance: Double { mean * mean }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { x <= 0 ? 0 : -Foundation.expm1(-x / mean) }
    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double { -mean * Foundation.log1p(-p) }

    /// A draw given X > `threshold`: the threshold plus a fresh draw (the exponential has no memory). Always
    /// > `threshold`.
    public func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double {
        let x = max(threshold, 0) + sample(using: &stream)
        return x > threshold ? x : threshold.nextUp
    }
}

/// The normal distribution N(mean, sd²), sampled by inversion (AS 241): one uniform per draw, which keeps
/// common-random-number streams in step between configurations.
public struct Normal: ContinuousDistribution, Hashable {
    /// E[X].
    public let mean: Double
    /// The standard deviation.
    public let standardDeviation: Double

    /// Normal with finite `mean` and `standardDeviation` > 0.
    public init(mean: Double, standardDeviation: Double) throws(DistributionParameterError) {
        try require(mean.isFinite, "normal", "mean", mean, "finite")
        try require(standardDeviation > 0 && standardDeviation.isFinite, "normal", "sd", standardDeviation,
                    "> 0 and finite")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        mean + standardDeviation * SpecialFunctions.normalQuantile(stream.nextUniform())
    }

    /// Var[X].
    public var variance: Double { standardDeviation * standardDeviation }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { SpecialFunctions.normalCDF((x - mean) / standardDeviation) }
    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double { mean + standardDeviation * SpecialFunctions.normalQuantile(p) }
}

/// The lognormal distribution: log X ~ N(mu, sigma²). Built from (mu, sigma) or from the mean and standard
/// deviation of X itself, which is how lengths of stay are usually reported.
public struct LogNormal: ContinuousDistribution, Hashable {
    /// Mean of log X.
    public let mu: Double
    /// Standard deviation of log X.
    public let sigma: Double

    /// Lognormal from the parameters of log X.
    public init(mu: Double, sigma: Double) throws(DistributionParameterError) {
        try require(mu.isFinite, "lognormal", "mu", mu, "finite")
        try require(sigma > 0 && sigma.isFinite, "lognormal", "sigma", sigma, "> 0 and finite")
        self.mu = mu
        self.sigma = sigma
    }

    /// Lognormal with E[X] = mean and SD[X] = standardDeviation: sigma² = log(1 + sd²/mean²),
    /// mu = log(mean) - sigma²/2.
    public init(mean: Double, standardDeviation: Double) throws(DistributionParameterError) {
        try require(mean > 0 && mean.isFinite, "lognormal", "mean", mean, "> 0 and finite")
        try require(standardDeviation > 0 && standardDeviation.isFinite, "lognormal", "sd", standardDeviation,
                    "> 0 and finite")
        let sigmaSquared = Foundation.log1p((standardDeviation * standardDeviation) / (mean * mean))
        self.sigma = sigmaSquared.squareRoot()
        self.mu = Foundation.log(mean) - sigmaSquared / 2
    }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        Foundation.exp(mu + sigma * SpecialFunctions.normalQuantile(stream.nextUniform()))
    }

    /// E[X].
    public var mean: Double { Foundation.exp(mu + sigma * sigma / 2) }
    /// Var[X].
    public var variance: Double { Foundation.expm1(sigma * sigma) * Foundation.exp(2 * mu + sigma * sigma) }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double {
        x <= 0 ? 0 : SpecialFunctions.normalCDF((Foundation.log(x) - mu) / sigma)
    }
    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double { Foundation.exp(mu + sigma * SpecialFunctions.normalQuantile(p)) }

    /// A draw given X > `threshold`, inverted through the survival function S(x) = Φ(−z), so that a stay far in
    /// the tail (S(t) below 10^-16, where 1 − F(t) rounds to 0) still gets a proper continuation. Always
    /// > `threshold`.
    public func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double {
        let u = stream.nextUniform()
        guard threshold > 0 else { return quantile(u) }
        let tail = SpecialFunctions.normalCDF(-(Foundation.log(threshold) - mu) / sigma)  // S(t)
        let q = tail * (1 - u)  // S(x) for the draw
        let x = q > 0 ? Foundation.exp(mu - sigma * SpecialFunctions.normalQuantile(q)) : threshold
        return x > threshold ? x : threshold.nextUp
    }
}

/// The gamma distribution with shape k and scale θ (mean kθ). Sampled by Marsaglia and Tsang, "A simple method
/// for generating gamma variables", ACM TOMS 26(3), 2000, with the U^(1/k) boost for k < 1.
public struct Gamma: ContinuousDistribution, Hashable {
    /// The shape parameter.
    public let shape: Double
    /// The scale parameter.
    public let scale: Double

    /// Gamma with `shape` > 0 and `scale` > 0.
    public init(shape: Double, scale: Double) throws(DistributionParameterError) {
        try require(shape > 0 && shape.isFinite, "gamma", "shape", shape, "> 0 and finite")
        try require(scale > 0 && scale.isFinite, "gamma", "scale", scale, "> 0 and finite")
        self.shape = shape
        self.scale = scale
    }

    /// Gamma with the given mean and standard deviation: shape = (mean/sd)², scale = sd²/mean.
    public init(mean: Double, standardDeviation: Double) throws(DistributionParameterError) {
        try require(mean > 0 && mean.isFinite, "gamma", "mean", mean, "> 0 and finite")
        try require(standardDeviation > 0 && standardDeviation.isFinite, "gamma", "sd", standardDeviation,
                    "> 0 and finite")
        try self.init(shape: (mean / standardDeviation) * (mean / standardDeviation),
                      scale: standardDeviation * standardDeviation / mean)
    }

    /// One draw, advancing `stream`.
    public func sample(using stream: inout RandomStream) -> Double {
        let boosted = shape < 1
        let k = boosted ? shape + 1 : shape
        let d = k - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        var value: Double
        while true {
            var x: Double
            var v: Double
            repeat {
                x = SpecialFunctions.normalQuantile(stream.nextUniform())
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = stream.nextUniform()
            if u < 1 - 0.0331 * (x * x) * (x * x) { value = d * v; break }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { value = d * v; break }
        }
        if boosted { value *= Foundation.pow(stream.nextUniform(), 1 / shape) }
        return value * scale
    }

    /// E[X].
    public var mean: Double { shape * scale }
    /// Var[X].
    public var variance: Double { shape * scale * scale }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { x <= 0 ? 0 : SpecialFunctions.regularizedGammaP(shape, x / scale) }
    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double { scale * SpecialFunctions.inverseRegularizedGammaP(shape, p) }
}

/// The Weibull distribution with shape k and scale λ: P(X > x) = exp(-(x/λ)^k). Sampled by inversion.
public struct Weibull: ContinuousDistribution, Hashable {
    /// The shape parameter.
    public let shape: Double
    /// The scale parameter.
    public let scale: Double

    /// Weibull with `shape` > 0 and `scale` > 0.
    public init(shape: Double, scale: Double) throws(DistributionParameterError) {
        try require(shape > 0 && shape.isFinite, "weibull", "shape", shape, "> 0 and finite")
        try require(scale > 0 && scale.isFinite, "weibull", "scale", scale, "> 0 and finite")
        self.shape = shape
        self.scale = scale
    }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        scale * Foundation.pow(-Foundation.log(stream.nextUniform()), 1 / shape)
    }

    /// E[X].
    public var mean: Double { scale * Foundation.exp(SpecialFunctions.logGamma(1 + 1 / shape)) }
    /// Var[X].
    public var variance: Double {
        let g1 = Foundation.exp(SpecialFunctions.logGamma(1 + 1 / shape))
        let g2 = Foundation.exp(SpecialFunctions.logGamma(1 + 2 / shape))
        return scale * scale * (g2 - g1 * g1)
    }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { x <= 0 ? 0 : -Foundation.expm1(-Foundation.pow(x / scale, shape)) }
    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double { scale * Foundation.pow(-Foundation.log1p(-p), 1 / shape) }

    /// A draw given X > `threshold`, in closed form: (x/λ)^k = (t/λ)^k − log(1 − u). Always > `threshold`.
    public func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double {
        let u = stream.nextUniform()
        let start = threshold > 0 ? Foundation.pow(threshold / scale, shape) : 0
        let x = scale * Foundation.pow(start - Foundation.log1p(-u), 1 / shape)
        return x > threshold ? x : threshold.nextUp
    }
}

/// The triangular distribution on [low, high] with its mode between: the modeller's "least, most likely, most"
/// estimate. Sampled by inversion.
public struct Triangular: ContinuousDistribution, Hashable {
    /// The lower bound.
    public let low: Double
    /// The most likely value.
    public let mode: Double
    /// The upper bound.
    public let high: Double

    /// Triangular with low ≤ mode ≤ high and low < high.
    public init(low: Double, mode: Double, high: Double) throws(DistributionParameterError) {
        try require(low.isFinite, "triangular", "low", low, "finite")
        try require(high.isFinite && high > low, "triangular", "high", high, "finite and > low (\(low))")
        try require(mode >= low && mode <= high, "triangular", "mode", mode, "between low (\(low)) and high (\(high))")
        self.low = low
        self.mode = mode
        self.high = high
    }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        quantile(stream.nextUniform())
    }

    /// E[X].
    public var mean: Double { (low + mode + high) / 3 }
    /// Var[X].
    public var variance: Double {
        (low * low + mode * mode + high * high - low * mode - low * high - mode * high) / 18
    }
    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double {
        if x <= low { return 0 }
        if x >= high { return 1 }
        let width = high - low
        if x <= mode { return (x - low) * (x - low) / (width * (mode - low)) }
        return 1 - (high - x) * (high - x) / (width * (high - mode))
    }
    /// The x with P(X ≤ x) = p.
    @inlinable
    public func quantile(_ p: Double) -> Double {
        let width = high - low
        let split = (mode - low) / width
        if p < split { return low + (p * width * (mode - low)).squareRoot() }
        return high - ((1 - p) * width * (high - mode)).squareRoot()
    }
}

/// The distribution of observed values, interpolated: the inverse of the piecewise-linear empirical CDF through
/// the sorted samples (the type-7 quantile of Hyndman and Fan, 1996), so draws fall between observations instead
/// of repeating them. Each gap between consecutive order statistics carries probability 1/(n-1).
public struct Empirical: ContinuousDistribution, Hashable {
    /// The samples, sorted.
    public let sortedSamples: [Double]

    /// From at least two finite samples, in any order.
    public init(samples: [Double]) throws(DistributionParameterError) {
        try require(samples.count >= 2, "empirical", "number of samples", Double(samples.count), ">= 2")
        for value in samples {
            try require(value.isFinite, "empirical", "sample", value, "finite")
        }
        sortedSamples = samples.sorted()
    }

    /// One draw, advancing `stream`.
    public func sample(using stream: inout RandomStream) -> Double {
        quantile(stream.nextUniform())
    }

    /// The x with P(X ≤ x) = p.
    public func quantile(_ p: Double) -> Double {
        let position = p * Double(sortedSamples.count - 1)
        let index = min(Int(position), sortedSamples.count - 2)
        let fraction = position - Double(index)
        return sortedSamples[index] + fraction * (sortedSamples[index + 1] - sortedSamples[index])
    }

    /// P(X ≤ x), right-continuous: at a value several samples share, the whole zero-width gap between them
    /// counts (for [1, 2, 2, 3], P(X ≤ 2) = 2/3, not 1/3).
    public func cdf(_ x: Double) -> Double {
        let values = sortedSamples
        if x < values[0] { return 0 }
        if x >= values[values.count - 1] { return 1 }
        // The last index whose sample is <= x (an upper bound search): values[low] <= x < values[high].
        var low = 0
        var high = values.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if values[mid] <= x { low = mid } else { high = mid }
        }
        let fraction = (x - values[low]) / (values[high] - values[low])
        return (Double(low) + fraction) / Double(values.count - 1)
    }

    /// E[X].
    public var mean: Double {
        var sum = 0.0
        for i in 0..<(sortedSamples.count - 1) { sum += (sortedSamples[i] + sortedSamples[i + 1]) / 2 }
        return sum / Double(sortedSamples.count - 1)
    }

    /// Var[X].
    public var variance: Double {
        var secondMoment = 0.0
        for i in 0..<(sortedSamples.count - 1) {
            let a = sortedSamples[i], b = sortedSamples[i + 1]
            secondMoment += (a * a + a * b + b * b) / 3
        }
        secondMoment /= Double(sortedSamples.count - 1)
        let m = mean
        return max(0, secondMoment - m * m)
    }
}
