import Foundation

/// What a minimisation found.
struct MinimizationResult {
    let point: [Double]
    let value: Double
    let iterations: Int
    let converged: Bool
}

/// Unconstrained minimisation by BFGS with an Armijo backtracking line search (Nocedal and Wright, "Numerical
/// Optimization", 2nd ed., 2006, algorithms 6.1 and 3.1). Gradients are central differences unless given.
/// Non-finite function values are treated as +∞, so the search backs away from invalid parameters.
enum Minimizer {
    static func minimize(_ f: ([Double]) -> Double, start: [Double], gradient: (([Double]) -> [Double])? = nil,
                         maxIterations: Int = 400) -> MinimizationResult
    {
        let n = start.count
        func grad(_ point: [Double]) -> [Double] { gradient?(point) ?? numericalGradient(f, at: point) }
        var x = start
        var fx = f(x)
        if !fx.isFinite { return MinimizationResult(point: x, value: fx, iterations: 0, converged: false) }
        var g = grad(x)
        var h = identity(n)
        var stalls = 0
        for iteration in 1...maxIterations {
            var direction = multiply(h, g).map { -$0 }
            var slope = dot(direction, g)
            if !(slope < 0) {
                h = identity(n)
                direction = g.map { -$0 }
                slope = dot(direction, g)
            }
            var step = 1.0
            var next = x
            var fNext = Double.infinity
            var accepted = false
            for _ in 0..<60 {
                next = zip(x, direction).map { $0 + step * $1 }
                fNext = f(next)
                if fNext.isFinite && fNext <= fx + 1e-4 * step * slope {
                    accepted = true
                    break
                }
                step *= 0.5
            }
            if !accepted {
                return MinimizationResult(point: x, value: fx, iterations: iteration, converged: norm(g) < 1e-3 * (1 + abs(fx)))
            }
            let gNext = grad(next)
            let s = zip(next, x).map { $0 - $1 }
            let y = zip(gNext, g).map { $0 - $1 }
            let improvement = fx - fNext
            x = next
            fx = fNext
            g = gNext
            let sy = dot(s, y)
            if sy > 1e-12 {
                // H ← (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ
                let rho = 1 / sy
                let hy = multiply(h, y)
                let yhy = dot(y, hy)
                for i in 0..<n {
                    for j in 0..<n {
                        h[i][j] += -rho * (s[i] * hy[j] + hy[i] * s[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
                    }
                }
            }
            let small = improvement <= 1e-11 * (1 + abs(fx))
            stalls = small ? stalls + 1 : 0
            if norm(g) <= 1e-7 * (1 + abs(fx)) || stalls >= 3 {
                return MinimizationResult(point: x, value: fx, iterations: iteration, converged: true)
            }
        }
        return MinimizationResult(point: x, value: fx, iterations: maxIterations, converged: false)
    }

    static func numericalGradient(_ f: ([Double]) -> Double, at x: [Double]) -> [Double] {
        var point = x
        return x.indices.map { i in
            let h = 1e-5 * max(1, abs(x[i]))
            point[i] = x[i] + h
            let up = f(point)
            point[i] = x[i] - h
            let down = f(point)
            point[i] = x[i]
            return (up - down) / (2 * h)
        }
    }

    /// The Hessian by central differences of the gradient, symmetrised.
    static func numericalHessian(_ f: ([Double]) -> Double, at x: [Double],
                                 gradient: (([Double]) -> [Double])? = nil) -> [[Double]]
    {
        func grad(_ point: [Double]) -> [Double] { gradient?(point) ?? numericalGradient(f, at: point) }
        let n = x.count
        var hessian = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var point = x
        for j in 0..<n {
            let h = 1e-4 * max(1, abs(x[j]))
            point[j] = x[j] + h
            let up = grad(point)
            point[j] = x[j] - h
            let down = grad(point)
            point[j] = x[j]
            for i in 0..<n { hessian[i][j] = (up[i] - down[i]) / (2 * h) }
        }
        for i in 0..<n { for j in 0..<i { let m = (hessian[i][j] + hessian[j][i]) / 2; hessian[i][j] = m; hessian[j][i] = m } }
        return hessian
    }

    static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { $0 == i ? 1 : 0 } }
    }

    static func multiply(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { dot($0, v) } }
    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func norm(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
}

enum LinearAlgebra {
    /// The inverse of a square matrix by Gauss-Jordan elimination with partial pivoting; nil when singular.
    static func inverse(_ matrix: [[Double]]) -> [[Double]]? {
        let n = matrix.count
        var a = matrix
        var inverse = Minimizer.identity(n)
        for column in 0..<n {
            var pivot = column
            for row in column..<n where abs(a[row][column]) > abs(a[pivot][column]) { pivot = row }
            guard abs(a[pivot][column]) > 1e-300 else { return nil }
            a.swapAt(column, pivot)
            inverse.swapAt(column, pivot)
            let scale = a[column][column]
            for j in 0..<n {
                a[column][j] /= scale
                inverse[column][j] /= scale
            }
            for row in 0..<n where row != column {
                let factor = a[row][column]
                if factor == 0 { continue }
                for j in 0..<n {
                    a[row][j] -= factor * a[column][j]
                    inverse[row][j] -= factor * inverse[column][j]
                }
            }
        }
        return inverse
    }

    /// Standard errors from the Hessian of a negative log-likelihood (the observed information): √diag(H⁻¹);
    /// NaN where the information is singular or not positive.
    static func standardErrors(fromHessian hessian: [[Double]]) -> [Double] {
        guard let covariance = inverse(hessian) else { return hessian.map { _ in .nan } }
        return covariance.indices.map { i in covariance[i][i] > 0 ? covariance[i][i].squareRoot() : .nan }
    }
}
