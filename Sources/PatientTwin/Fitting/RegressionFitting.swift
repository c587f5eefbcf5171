import Foundation

/// One observed move: the patient's covariates and where they went.
public struct TransitionObservation: Sendable, Hashable {
    /// Covariates.
    public let covariates: Covariates
    /// The next state.
    public let destination: CareState

    /// An observation.
    public init(covariates: Covariates, destination: CareState) {
        self.covariates = covariates
        self.destination = destination
    }
}

/// A fitted multinomial logit with its uncertainty.
public struct TransitionFit: Sendable, Hashable {
    /// The fitted model; its first destination is the reference.
    public let model: TransitionModel
    /// Moves observed to each destination, in the model's order.
    public let counts: [Int]
    /// Standard errors of the intercepts (0 for the reference).
    public let interceptStandardErrors: [Double]
    /// Standard errors of the effects (NaN where held at the base model's value, 0 for the reference).
    public let effectStandardErrors: [CovariateEffects]
    /// Newton iterations used.
    public let iterations: Int

    /// The destinations, in order.
    public var destinations: [CareState] { model.states }
}

/// Fits transition models: a multinomial logit by Newton–Raphson on the log-posterior with two kinds of
/// smoothing — half a pseudo-move to every possible destination for the reference patient (additive smoothing,
/// so a destination never seen in the data keeps a small probability instead of zero), and a weak Gaussian
/// prior (ridge, precision 1) on the covariate effects. With hundreds of moves both are negligible against the
/// data; with few they keep the estimates finite.
public enum TransitionFitter {
    /// Fits `data`, over the destinations of `prior` plus any seen in the data. Covariates that do not vary
    /// are held at `prior`'s coefficients.
    public static func fit(_ data: [TransitionObservation], prior: TransitionModel, pseudoMoves: Double = 0.5,
                           ridge: Double = 1) -> TransitionFit
    {
        var destinations = prior.states
        for observation in data where !destinations.contains(observation.destination) {
            destinations.append(observation.destination)
        }
        let kCount = destinations.count
        let p = Covariate.allCases.count
        let covariates = data.map(\.covariates.values)
        let free = (0..<p).filter { index in
            let values = covariates.map { $0[index] }
            return (values.max() ?? 0) - (values.min() ?? 0) > 1e-12
        }
        let priorCoefficients = destinations.map { destination -> [Double] in
            prior.destinations.first { $0.state == destination }?.effects.values ?? [Double](repeating: 0, count: p)
        }
        let width = 1 + free.count  // per non-reference destination: α and the free β
        let dimension = (kCount - 1) * width
        let outcomes = data.map { destinations.firstIndex(of: $0.destination)! }
        let counts = (0..<kCount).map { j in outcomes.filter { $0 == j }.count }
        // Fixed (non-free) covariate effects enter as an offset.
        let offsets = covariates.map { x in
            (0..<kCount).map { j in
                (0..<p).filter { !free.contains($0) }.reduce(0.0) { $0 + priorCoefficients[j][$1] * x[$1] }
            }
        }
        var theta = [Double](repeating: 0, count: dimension)
        for j in 1..<max(kCount, 1) {
            theta[(j - 1) * width] = log((Double(counts[j]) + pseudoMoves) / (Double(counts[0]) + pseudoMoves))
        }

        func evaluate(_ theta: [Double]) -> (value: Double, gradient: [Double], hessian: [[Double]]) {
            var value = 0.0
            var gradient = [Double](repeating: 0, count: dimension)
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: dimension), count: dimension)
            func accumulate(z: [Double], offset: [Double], outcome: Int?, weight: Double) {
                var utilities = [Double](repeating: 0, count: kCount)
                for j in 0..<kCount {
                    utilities[j] = offset[j]
                    if j > 0 { for a in 0..<width { utilities[j] += theta[(j - 1) * width + a] * z[a] } }
                }
                let top = utilities.max()!
                let weights = utilities.map { exp($0 - top) }
                let total = weights.reduce(0, +)
                let probabilities = weights.map { $0 / total }
                if let outcome {
                    value += weight * (utilities[outcome] - top - log(total))
                } else {
                    // A pseudo-move spread over every destination: Σⱼ log pⱼ / K, weighted.
                    for j in 0..<kCount { value += weight / Double(kCount) * (utilities[j] - top - log(total)) }
                }
                for j in 1..<kCount {
                    let observed: Double = outcome.map { $0 == j ? 1 : 0 } ?? 1 / Double(kCount)
                    for a in 0..<width {
                        gradient[(j - 1) * width + a] += weight * (observed - probabilities[j]) * z[a]
                    }
                    for l in 1..<kCount {
                        let factor = probabilities[j] * ((j == l ? 1 : 0) - probabilities[l])
                        for a in 0..<width {
                            for b in 0..<width {
                                hessian[(j - 1) * width + a][(l - 1) * width + b] -= weight * factor * z[a] * z[b]
                            }
                        }
                    }
                }
            }
            for (index, x) in covariates.enumerated() {
                let z = [1.0] + free.map { x[$0] }
                accumulate(z: z, offset: offsets[index], outcome: outcomes[index], weight: 1)
            }
            let reference = [1.0] + free.map { _ in 0.0 }
            accumulate(z: reference, offset: [Double](repeating: 0, count: kCount), outcome: nil,
                       weight: pseudoMoves * Double(kCount))
            for j in 1..<kCount {
                for a in 1..<width {
                    let i = (j - 1) * width + a
                    value -= ridge / 2 * theta[i] * theta[i]
                    gradient[i] -= ridge * theta[i]
                    hessian[i][i] -= ridge
                }
            }
            return (value, gradient, hessian)
        }

        var iterations = 0
        var errors: [Double] = []
        if dimension > 0 {
            let result = NewtonRaphson.maximize(start: theta) { evaluate($0) }
            theta = result.point
            iterations = result.iterations
            errors = LinearAlgebra.standardErrors(fromHessian: result.hessian.map { $0.map { -$0 } })
        }
        var intercepts = [Double](repeating: 0, count: kCount)
        var interceptErrors = [Double](repeating: 0, count: kCount)
        var coefficients = priorCoefficients
        var coefficientErrors = destinations.map { _ in [Double](repeating: .nan, count: p) }
        coefficients[0] = [Double](repeating: 0, count: p)
        coefficientErrors[0] = [Double](repeating: 0, count: p)
        for j in 1..<max(kCount, 1) {
            intercepts[j] = theta[(j - 1) * width]
            interceptErrors[j] = errors[(j - 1) * width]
            for (position, covariate) in free.enumerated() {
                coefficients[j][covariate] = theta[(j - 1) * width + 1 + position]
                coefficientErrors[j][covariate] = errors[(j - 1) * width + 1 + position]
            }
        }
        let model = TransitionModel(destinations: destinations.indices.map { j in
            TransitionModel.Destination(destinations[j], intercept: intercepts[j],
                                        effects: CovariateEffects(values: coefficients[j]))
        })
        return TransitionFit(model: model, counts: counts, interceptStandardErrors: interceptErrors,
                             effectStandardErrors: coefficientErrors.map { CovariateEffects(values: $0) },
                             iterations: iterations)
    }
}

/// A logistic regression fitted by Newton–Raphson (iteratively reweighted least squares) with a tiny ridge for
/// numerical safety.
enum LogisticRegression {
    struct Fit {
        let coefficients: [Double]
        let standardErrors: [Double]
    }

    /// Fits P(y = 1) = 1 / (1 + exp(−z·β)); `features` rows include the leading 1. Features that do not vary
    /// (apart from the intercept) are held at `fixed` values and enter as an offset.
    static func fit(features: [[Double]], outcomes: [Bool], fixed: [Double]) -> Fit {
        let width = fixed.count
        let free = (0..<width).filter { index in
            index == 0 || ((features.map { $0[index] }.max() ?? 0) - (features.map { $0[index] }.min() ?? 0) > 1e-12)
        }
        func full(_ freeValues: [Double]) -> [Double] {
            var beta = fixed
            for (a, i) in free.enumerated() { beta[i] = freeValues[a] }
            return beta
        }
        func state(_ freeValues: [Double]) -> (value: Double, gradient: [Double], hessian: [[Double]]) {
            let beta = full(freeValues)
            var value = 0.0
            var gradient = [Double](repeating: 0, count: free.count)
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: free.count), count: free.count)
            for (row, y) in zip(features, outcomes) {
                let eta = zip(row, beta).reduce(0) { $0 + $1.0 * $1.1 }
                let p = 1 / (1 + exp(-eta))
                value += y ? -log1p(exp(-eta)) : -log1p(exp(eta))
                for (a, i) in free.enumerated() {
                    gradient[a] += ((y ? 1 : 0) - p) * row[i]
                    for (b, j) in free.enumerated() { hessian[a][b] -= p * (1 - p) * row[i] * row[j] }
                }
            }
            for a in 1..<max(free.count, 1) {
                value -= 1e-6 / 2 * beta[free[a]] * beta[free[a]]
                gradient[a] -= 1e-6 * beta[free[a]]
                hessian[a][a] -= 1e-6
            }
            return (value, gradient, hessian)
        }
        let result = NewtonRaphson.maximize(start: free.map { fixed[$0] }) { state($0) }
        let freeErrors = LinearAlgebra.standardErrors(fromHessian: result.hessian.map { $0.map { -$0 } })
        var errors = [Double](repeating: .nan, count: width)
        for (a, i) in free.enumerated() { errors[i] = freeErrors[a] }
        return Fit(coefficients: full(result.point), standardErrors: errors)
    }
}

/// Newton–Raphson ascent of a concave function given its value, gradient and Hessian, with step halving so that
/// every accepted step does not decrease the value. Stops when a step changes no coordinate by more than 1e-10,
/// when no halving helps, or after 100 iterations.
enum NewtonRaphson {
    static func maximize(start: [Double],
                         evaluate: ([Double]) -> (value: Double, gradient: [Double], hessian: [[Double]]))
        -> (point: [Double], hessian: [[Double]], iterations: Int)
    {
        var point = start
        var current = evaluate(point)
        var iterations = 0
        for _ in 0..<100 {
            iterations += 1
            guard let inverse = LinearAlgebra.inverse(current.hessian.map { $0.map { -$0 } }) else { break }
            let step = Minimizer.multiply(inverse, current.gradient)
            var scale = 1.0
            var accepted = false
            for _ in 0..<30 {
                let candidate = zip(point, step).map { $0 + scale * $1 }
                let next = evaluate(candidate)
                if next.value.isFinite && next.value >= current.value - 1e-12 {
                    point = candidate
                    current = next
                    accepted = true
                    break
                }
                scale *= 0.5
            }
            if !accepted || step.reduce(0, { max($0, abs($1)) }) * scale < 1e-10 { break }
        }
        return (point, current.hessian, iterations)
    }
}
