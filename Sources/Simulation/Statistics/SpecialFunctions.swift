import Foundation

/// The special functions behind the samplers, the confidence intervals and the goodness-of-fit tests.
///
/// Algorithms: the incomplete gamma and beta functions by series and Lentz continued fractions, and their
/// inverses by Halley/Newton steps from the starting values of Press et al., "Numerical Recipes", 3rd ed. (2007),
/// sections 6.2 and 6.4; the normal quantile by Wichura's AS 241 (Applied Statistics 37(3), 1988), accurate to
/// about 1e-16; the Kolmogorov distribution by its alternating series with Stephens' finite-sample correction
/// (Stephens, JRSS B 32(1), 1970).
public enum SpecialFunctions {
    /// log Γ(x) for x > 0.
    @inlinable
    public static func logGamma(_ x: Double) -> Double {
        Foundation.lgamma(x)
    }

    /// The standard normal cumulative distribution function Φ(z).
    @inlinable
    public static func normalCDF(_ z: Double) -> Double {
        0.5 * Foundation.erfc(-z / 2.0.squareRoot())
    }

    /// The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (AS 241, PPND16).
    @inlinable
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1, got \(p)")
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let numerator = (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
            let denominator = (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.0)
            return q * numerator / denominator
        }
        var r = q < 0 ? p : 1 - p
        r = (-Foundation.log(r)).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            value = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                    + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0)
        } else {
            r -= 5
            value = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                    + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1.0)
        }
        return q < 0 ? -value : value
    }

    /// The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0 and x ≥ 0.
    public static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0, "regularizedGammaP needs a > 0 and x >= 0")
        if x == 0 { return 0 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
    }

    /// The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate in the far tail.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0, "regularizedGammaQ needs a > 0 and x >= 0")
        if x == 0 { return 1 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
    }

    static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-16 { break }
        }
        return sum * Foundation.exp(-x + a * Foundation.log(x) - logGamma(a))
    }

    static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return Foundation.exp(-x + a * Foundation.log(x) - logGamma(a)) * h
    }

    /// The inverse of P(a, ·): the x with P(a, x) = p, for 0 ≤ p < 1.
    public static func inverseRegularizedGammaP(_ a: Double, _ p: Double) -> Double {
        precondition(a > 0 && p >= 0 && p < 1, "inverseRegularizedGammaP needs a > 0 and 0 <= p < 1")
        if p == 0 { return 0 }
        let a1 = a - 1
        let logGammaA = logGamma(a)
        var x: Double
        var lna1 = 0.0, afac = 0.0
        if a > 1 {
            lna1 = Foundation.log(a1)
            afac = Foundation.exp(a1 * (lna1 - 1) - logGammaA)
            let pp = p < 0.5 ? p : 1 - p
            let t = (-2 * Foundation.log(pp)).squareRoot()
            var guess = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t
            if p < 0.5 { guess = -guess }
            x = max(1e-3, a * Foundation.pow(1 - 1 / (9 * a) - guess / (3 * a.squareRoot()), 3))
        } else {
            let t = 1 - a * (0.253 + a * 0.12)
            x = p < t ? Foundation.pow(p / t, 1 / a) : 1 - Foundation.log(1 - (p - t) / (1 - t))
        }
        for _ in 0..<100 {
            if x <= 0 { return 0 }
            let error = regularizedGammaP(a, x) - p
            let t: Double
            if a > 1 {
                t = afac * Foundation.exp(-(x - a1) + a1 * (Foundation.log(x) - lna1))
            } else {
                t = Foundation.exp(-x + a1 * Foundation.log(x) - logGammaA)
            }
            if t == 0 { break }
            let u = error / t
            let step = u / (1 - 0.5 * min(1, u * (a1 / x - 1)))
            x -= step
            if x <= 0 { x = 0.5 * (x + step) }
            if abs(step) < 1e-14 * x { break }
        }
        return x
    }

    /// The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
    public static func regularizedBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        precondition(a > 0 && b > 0 && x >= 0 && x <= 1, "regularizedBeta needs a, b > 0 and 0 <= x <= 1")
        if x == 0 || x == 1 { return x }
        let logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Foundation.log(x) + b * Foundation.log1p(-x)
        let front = Foundation.exp(logFront)
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(a, b, x) / a
        }
        return 1 - front * betaContinuedFraction(b, a, 1 - x) / b
    }

    static func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<10_000 {
            let m2 = 2 * Double(m)
            var aa = Double(m) * (b - Double(m)) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + Double(m)) * (qab + Double(m)) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// The cumulative distribution function of Student's t with `degreesOfFreedom` > 0.
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let x = df / (df + t * t)
        let tail = 0.5 * regularizedBeta(df / 2, 0.5, x)
        return t >= 0 ? 1 - tail : tail
    }

    /// The quantile of Student's t: the t with P(T ≤ t) = p, for 0 < p < 1. Found by bisection on the CDF to
    /// full double precision, since it is called a handful of times per report, never in a loop.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "studentTQuantile needs 0 < p < 1 and df > 0")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: df) }
        var low = 0.0
        var high = 1.0
        while studentTCDF(high, degreesOfFreedom: df) < p { high *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (low + high)
            if mid == low || mid == high { break }
            if studentTCDF(mid, degreesOfFreedom: df) < p { low = mid } else { high = mid }
        }
        return 0.5 * (low + high)
    }

    /// P(X > x) for a chi-square variable with `degreesOfFreedom` > 0.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom df: Double) -> Double {
        x <= 0 ? 1 : regularizedGammaQ(df / 2, x / 2)
    }

    /// The p-value of a one-sample Kolmogorov-Smirnov statistic `d` from `n` observations: Q_KS(λ) with
    /// λ = (√n + 0.12 + 0.11/√n)·d (Stephens 1970; accurate for n ≥ 5 at the levels used in practice).
    public static func kolmogorovSmirnovPValue(statistic d: Double, sampleSize n: Int) -> Double {
        let rootN = Double(n).squareRoot()
        let lambda = (rootN + 0.12 + 0.11 / rootN) * d
        return kolmogorovSurvival(lambda)
    }

    /// Q_KS(λ) = 2 Σ_{k≥1} (-1)^{k-1} exp(-2 k² λ²), the limiting distribution of √n·D.
    public static func kolmogorovSurvival(_ lambda: Double) -> Double {
        if lambda < 0.2 { return 1 }
        var sum = 0.0
        var sign = 1.0
        for k in 1...200 {
            let term = Foundation.exp(-2 * Double(k * k) * lambda * lambda)
            sum += sign * term
            if term < 1e-17 { break }
            sign = -sign
        }
        return min(1, max(0, 2 * sum))
    }
}
