import Foundation

/// The Poisson distribution with a given mean. Below mean 10, inversion by sequential search (one uniform per
/// draw); from 10 up, Hörmann's transformed rejection with squeeze, PTRS ("The transformed rejection method for
/// generating Poisson random variables", Insurance: Mathematics and Economics 12(1), 1993), whose cost does not
/// grow with the mean.
public struct Poisson: Sampler, Hashable {
    /// E[X] = Var[X].
    public let mean: Double
    /// e^(−mean): P(X = 0), the first term of the inversion search, computed once.
    let probabilityOfZero: Double

    /// Poisson with `mean` ≥ 0.
    public init(mean: Double) throws(DistributionParameterError) {
        try require(mean >= 0 && mean.isFinite, "poisson", "mean", mean, ">= 0 and finite")
        self.mean = mean
        probabilityOfZero = Foundation.exp(-mean)
    }

    /// Var[X], equal to the mean.
    public var variance: Double { mean }

    /// P(X = k).
    public func probability(of k: Int) -> Double {
        if k < 0 { return 0 }
        if mean == 0 { return k == 0 ? 1 : 0 }
        return Foundation.exp(Double(k) * Foundation.log(mean) - mean - SpecialFunctions.logGamma(Double(k) + 1))
    }

    /// One draw, advancing `stream`.
    public func sample(using stream: inout RandomStream) -> Int {
        if mean == 0 { return 0 }
        if mean < 10 { return sampleByInversion(using: &stream) }
        return sampleByTransformedRejection(using: &stream)
    }

    func sampleByInversion(using stream: inout RandomStream) -> Int {
        var u = stream.nextUniform()
        var k = 0
        var probability = probabilityOfZero
        while u > probability {
            u -= probability
            k += 1
            probability *= mean / Double(k)
            if probability == 0 { break }  // u lost to rounding in the far tail: stop at the last reachable k
        }
        return k
    }

    func sampleByTransformedRejection(using stream: inout RandomStream) -> Int {
        let logMean = Foundation.log(mean)
        let b = 0.931 + 2.53 * mean.squareRoot()
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = stream.nextUniform() - 0.5
            let v = stream.nextUniform()
            let us = 0.5 - abs(u)
            let k = Foundation.floor((2 * a / us + b) * u + mean + 0.43)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            let left = Foundation.log(v) + Foundation.log(inverseAlpha) - Foundation.log(a / (us * us) + b)
            let right = -mean + k * logMean - SpecialFunctions.logGamma(k + 1)
            if left <= right { return Int(k) }
        }
    }
}

/// The Bernoulli distribution: true with probability p.
public struct Bernoulli: Sampler, Hashable {
    /// P(true).
    public let probability: Double

    /// Bernoulli with 0 ≤ `probability` ≤ 1.
    public init(probability: Double) throws(DistributionParameterError) {
        try require(probability >= 0 && probability <= 1, "bernoulli", "p", probability, "between 0 and 1")
        self.probability = probability
    }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Bool {
        stream.nextUniform() < probability
    }
}

/// A categorical distribution over 0..<n drawn in constant time by the alias method (Walker 1977, with the
/// numerically stable table construction of Vose, IEEE TSE 17(9), 1991): one uniform integer and one uniform per
/// draw, whatever n is. Construction is O(n).
public struct Categorical: Sampler, Hashable {
    /// The normalised probability of each category.
    public let probabilities: [Double]
    @usableFromInline let threshold: [Double]
    @usableFromInline let alias: [Int]

    /// From non-negative weights (not necessarily summing to 1) with a positive total.
    public init(weights: [Double]) throws(DistributionParameterError) {
        try require(!weights.isEmpty, "categorical", "number of weights", 0, ">= 1")
        for weight in weights {
            try require(weight >= 0 && weight.isFinite, "categorical", "weight", weight, ">= 0 and finite")
        }
        let total = weights.reduce(0, +)
        try require(total > 0, "categorical", "sum of weights", total, "> 0")
        let n = weights.count
        probabilities = weights.map { $0 / total }
        var scaled = probabilities.map { $0 * Double(n) }
        var threshold = [Double](repeating: 1, count: n)
        var alias = Array(0..<n)
        var small: [Int] = []
        var large: [Int] = []
        for (index, value) in scaled.enumerated() {
            if value < 1 { small.append(index) } else { large.append(index) }
        }
        while let s = small.popLast(), let l = large.last {
            threshold[s] = scaled[s]
            alias[s] = l
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // What remains in either list has probability 1 up to rounding.
        for index in large { threshold[index] = 1 }
        for index in small { threshold[index] = 1 }
        self.threshold = threshold
        self.alias = alias
    }

    /// The number of categories.
    public var count: Int { probabilities.count }

    /// One draw, advancing `stream`.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Int {
        let column = stream.nextInt(below: threshold.count)
        return stream.nextUniform() < threshold[column] ? column : alias[column]
    }
}
