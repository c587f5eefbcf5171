import Foundation

/// The statistical benchmarks a bed forecast must beat, each forecasting a daily series from its own past with its
/// own prediction distribution (normal, with the variances of Hyndman and Athanasopoulos, Forecasting: Principles
/// and Practice, 3rd ed., §5.5 for the simple methods, and of Hyndman et al. 2008, Table 6.1, for Holt–Winters).
/// The season is the week: a history is consecutive days, its last value the origin's.
public enum BaselineMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Tomorrow as today: N(y_T, σ²h), σ from the one-day changes.
    case lastValue = "last_value"
    /// The mean of the six latest values on the target's weekday (the benchmark of UCLH's patientflow, King et al.
    /// 2022): N(mean, σ²), σ from the method's own errors over the history.
    case sixWeekWeekdayMean = "six_week_weekday_mean"
    /// The same weekday a week before: N(y_{T+h−7k}, σ²k), k = ⌈h/7⌉, σ from the seven-day changes.
    case seasonalNaive = "seasonal_naive"
    /// Additive Holt–Winters with a weekly season, its three smoothing parameters fitted to the history by least
    /// squares of one-step errors at each origin.
    case holtWinters = "holt_winters"

    /// Days of history the method needs before it forecasts.
    public var minimumHistory: Int {
        switch self {
        case .lastValue: 8
        case .sixWeekWeekdayMean: 6 * 7 + 14
        case .seasonalNaive: 14
        case .holtWinters: 4 * 7
        }
    }

    /// The forecast for each horizon 1…`horizons` days after the last value of `history` (consecutive days); nil
    /// when the history is shorter than `minimumHistory`. Spreads are estimated from at most the last 365 days.
    public func forecast(_ history: [Double], horizons: Int) -> [PredictiveDistribution]? {
        guard history.count >= minimumHistory, horizons >= 1 else { return nil }
        let recent = Array(history.suffix(365))
        let last = recent.count - 1
        switch self {
        case .lastValue:
            let sigma = Self.rootMeanSquare((1...last).map { recent[$0] - recent[$0 - 1] })
            return (1...horizons).map { .normal(mean: recent[last], sd: sigma * Double($0).squareRoot()) }
        case .seasonalNaive:
            let sigma = Self.rootMeanSquare((7...last).map { recent[$0] - recent[$0 - 7] })
            return (1...horizons).map { h in
                let k = (h + 6) / 7
                return .normal(mean: recent[last + h - 7 * k], sd: sigma * Double(k).squareRoot())
            }
        case .sixWeekWeekdayMean:
            func mean(before target: Int) -> Double? {
                let k = max(1, (target - last + 6) / 7)   // the latest same weekday at or before the last value
                let first = target - 7 * (k + 5)
                guard first >= 0 else { return nil }
                return (0..<6).reduce(0) { $0 + recent[target - 7 * (k + $1)] } / 6
            }
            // The method's one-day-ahead errors over the history give its spread.
            var errors: [Double] = []
            for t in 42..<recent.count {
                let m = (1...6).reduce(0) { $0 + recent[t - 7 * $1] } / 6
                errors.append(recent[t] - m)
            }
            let sigma = Self.rootMeanSquare(errors)
            var result: [PredictiveDistribution] = []
            for h in 1...horizons {
                guard let m = mean(before: last + h) else { return nil }
                result.append(.normal(mean: m, sd: sigma))
            }
            return result
        case .holtWinters:
            let fitted = HoltWinters.fit(recent)
            return fitted.forecast(horizons: horizons)
        }
    }

    static func rootMeanSquare(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
    }
}

/// Additive Holt–Winters with a season of `period` days, in its state-space form ETS(A,A,A) (Hyndman et al. 2008,
/// Forecasting with Exponential Smoothing, chapter 2): ŷ = ℓ + b + s; ℓ ← ℓ + b + αe; b ← b + βe; s ← s + γe, with
/// 0 < α < 1, 0 ≤ β ≤ α, 0 ≤ γ ≤ 1 − α.
public struct HoltWinters: Sendable, Hashable {
    /// Smoothing of the level, trend and season.
    public let alpha: Double, beta: Double, gamma: Double
    /// The season's length, days.
    public let period: Int
    /// The states after the last value: level, trend, and the season of the next `period` days in order.
    public let level: Double, trend: Double, season: [Double]
    /// The one-step errors' standard deviation over the history.
    public let sigma: Double

    /// A model in a given state (`season`: the next `period` days' seasonal terms, in order).
    public init(alpha: Double, beta: Double, gamma: Double, period: Int, level: Double, trend: Double, season: [Double],
                sigma: Double)
    {
        precondition(season.count == period && period >= 1, "a season per day of the period")
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.period = period
        self.level = level
        self.trend = trend
        self.season = season
        self.sigma = sigma
    }

    /// The model of `history` with the smoothing parameters that minimise its one-step squared errors
    /// (Nelder–Mead from α = 0.3, β = 0.01, γ = 0.1); states started from the first two seasons.
    public static func fit(_ history: [Double], period: Int = 7) -> HoltWinters {
        precondition(history.count >= 2 * period, "Holt–Winters needs two seasons of history")
        func parameters(_ u: [Double]) -> (Double, Double, Double) {
            let alpha = 0.001 + 0.998 / (1 + exp(-u[0]))
            return (alpha, alpha / (1 + exp(-u[1])), (1 - alpha) / (1 + exp(-u[2])))
        }
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        let start = [logit((0.3 - 0.001) / 0.998), logit(0.01 / 0.3), logit(0.1 / 0.7)]
        let best = NelderMead.minimise(start, step: 1, iterations: 300) { u in
            let (a, b, g) = parameters(u)
            return run(history, period: period, alpha: a, beta: b, gamma: g).sse
        }
        let (a, b, g) = parameters(best)
        return run(history, period: period, alpha: a, beta: b, gamma: g).model
    }

    /// Filters `history` with fixed parameters.
    static func run(_ y: [Double], period m: Int, alpha: Double, beta: Double, gamma: Double)
        -> (sse: Double, model: HoltWinters)
    {
        let first = y[0..<m].reduce(0, +) / Double(m), second = y[m..<(2 * m)].reduce(0, +) / Double(m)
        var level = first, trend = (second - first) / Double(m)
        var season = (0..<m).map { y[$0] - (first + (Double($0) - Double(m - 1) / 2) * trend) }
        var sse = 0.0
        for t in y.indices {
            let s = t % m
            let e = y[t] - (level + trend + season[s])
            sse += e * e
            level = level + trend + alpha * e
            trend += beta * e
            season[s] += gamma * e
        }
        let n = y.count
        let next = (0..<m).map { season[(n + $0) % m] }
        return (sse, HoltWinters(alpha: alpha, beta: beta, gamma: gamma, period: m, level: level, trend: trend,
                                 season: next, sigma: (sse / Double(n)).squareRoot()))
    }

    /// The forecast for horizons 1…`horizons`: ℓ + hb + s, variance σ²(1 + Σ_{j<h} (α + βj + γ·1{m | j})²).
    public func forecast(horizons: Int) -> [PredictiveDistribution] {
        var sum = 0.0
        return (1...horizons).map { h in
            if h > 1 {
                let j = Double(h - 1)
                let c = alpha + beta * j + ((h - 1) % period == 0 ? gamma : 0)
                sum += c * c
            }
            return .normal(mean: level + Double(h) * trend + season[(h - 1) % period], sd: sigma * (1 + sum).squareRoot())
        }
    }
}

/// The Nelder–Mead simplex minimiser (Nelder and Mead 1965, with the standard coefficients 1, 2, ½, ½).
enum NelderMead {
    static func minimise(_ start: [Double], step: Double, iterations: Int, _ f: ([Double]) -> Double) -> [Double] {
        let n = start.count
        var simplex = [start] + (0..<n).map { i -> [Double] in
            var point = start
            point[i] += step
            return point
        }
        var values = simplex.map(f)
        for _ in 0..<iterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) <= 1e-10 * (abs(values[0]) + 1e-12) { break }
            let centroid = (0..<n).map { d in simplex[..<n].reduce(0) { $0 + $1[d] } / Double(n) }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1), fr = f(reflected)
            if fr < values[0] {
                let expanded = along(-2), fe = f(expanded)
                (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr)
            } else if fr < values[n - 1] {
                (simplex[n], values[n]) = (reflected, fr)
            } else {
                let contracted = fr < values[n] ? along(-0.5) : along(0.5)
                let fc = f(contracted)
                if fc < min(fr, values[n]) {
                    (simplex[n], values[n]) = (contracted, fc)
                } else {
                    for i in 1...n {
                        simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                        values[i] = f(simplex[i])
                    }
                }
            }
        }
        return simplex[values.indices.min { values[$0] < values[$1] }!]
    }
}
