import Foundation
import Simulation

/// The covariates every twin model uses, by name: what their file keys are, in this order. They are centred on a
/// reference patient — 65 years old, no comorbidity, Clinical Frailty Scale 3, NEWS2 0 — whose probabilities
/// and stays the intercepts and baselines give.
public enum Covariate: String, Sendable, Hashable, Codable, CaseIterable {
    /// (age − 65) / 10: decades from 65.
    case age10
    /// The Charlson index.
    case charlson
    /// Clinical Frailty Scale − 3.
    case frailty
    /// The latest aggregate NEWS2 in the spell (0 when none has been recorded).
    case news2
}

/// A patient's covariates, by name.
public struct Covariates: Sendable, Hashable, Codable {
    /// (age − 65) / 10.
    public var age10: Double
    /// Charlson index points.
    public var charlson: Double
    /// Clinical Frailty Scale − 3.
    public var frailty: Double
    /// Aggregate NEWS2, 0–20.
    public var news2: Double

    /// Covariates from their values.
    public init(age10: Double, charlson: Double, frailty: Double, news2: Double) {
        self.age10 = age10
        self.charlson = charlson
        self.frailty = frailty
        self.news2 = news2
    }

    /// The covariates of a patient with `attributes` and an aggregate NEWS2 of `news2` (0 when none recorded):
    /// the one rule that turns a patient into model inputs.
    public init(attributes: PatientAttributes, news2: Int?) {
        self.init(age10: Double(attributes.ageYears - 65) / 10, charlson: Double(attributes.charlsonIndex),
                  frailty: Double(attributes.clinicalFrailtyScale - 3), news2: Double(news2 ?? 0))
    }

    /// The reference patient: every covariate 0.
    public static let reference = Covariates(age10: 0, charlson: 0, frailty: 0, news2: 0)

    /// The value of one covariate.
    public subscript(covariate: Covariate) -> Double {
        get {
            switch covariate {
            case .age10: age10
            case .charlson: charlson
            case .frailty: frailty
            case .news2: news2
            }
        }
        set {
            switch covariate {
            case .age10: age10 = newValue
            case .charlson: charlson = newValue
            case .frailty: frailty = newValue
            case .news2: news2 = newValue
            }
        }
    }

    /// The values in `Covariate.allCases` order, for the fitters' linear algebra.
    public var values: [Double] { [age10, charlson, frailty, news2] }

    /// Covariates from values in `Covariate.allCases` order.
    public init(values: [Double]) {
        precondition(values.count == Covariate.allCases.count, "one value per covariate")
        self.init(age10: values[0], charlson: values[1], frailty: values[2], news2: values[3])
    }
}

/// The effect of each covariate on something a model predicts (a log time ratio, a log-odds), by name; Σ βₖxₖ
/// is `dot(_:)`.
public struct CovariateEffects: Sendable, Hashable, Codable {
    /// Per decade of age from 65.
    public var age10: Double
    /// Per Charlson point.
    public var charlson: Double
    /// Per Clinical Frailty Scale point from 3.
    public var frailty: Double
    /// Per NEWS2 point.
    public var news2: Double

    /// Effects from their values.
    public init(age10: Double = 0, charlson: Double = 0, frailty: Double = 0, news2: Double = 0) {
        self.age10 = age10
        self.charlson = charlson
        self.frailty = frailty
        self.news2 = news2
    }

    /// No effect of any covariate.
    public static let none = CovariateEffects()

    /// Σ βₖxₖ.
    @inlinable
    public func dot(_ x: Covariates) -> Double {
        age10 * x.age10 + charlson * x.charlson + frailty * x.frailty + news2 * x.news2
    }

    /// The effect of one covariate.
    public subscript(covariate: Covariate) -> Double {
        get { Covariates(values: values)[covariate] }
        set {
            var all = Covariates(values: values)
            all[covariate] = newValue
            self = CovariateEffects(values: all.values)
        }
    }

    /// The values in `Covariate.allCases` order, for the fitters' linear algebra.
    public var values: [Double] { [age10, charlson, frailty, news2] }

    /// Effects from values in `Covariate.allCases` order.
    public init(values: [Double]) {
        precondition(values.count == Covariate.allCases.count, "one value per covariate")
        self.init(age10: values[0], charlson: values[1], frailty: values[2], news2: values[3])
    }

    /// True when every effect is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
}

/// A parametric family for times spent in a state.
public enum SojournFamily: String, Sendable, Hashable, Codable, CaseIterable {
    /// log T normal.
    case lognormal
    /// Gamma.
    case gamma
    /// Weibull.
    case weibull
}

/// A baseline distribution of minutes in a state, with its parameters by name.
public enum SojournDistribution: Sendable, Hashable {
    /// log T ~ N(mu, sigma²), T in minutes: the median is e^mu minutes.
    case lognormal(mu: Double, sigma: Double)
    /// Gamma with a shape and a scale in minutes (mean shape × scale).
    case gamma(shape: Double, scaleMinutes: Double)
    /// Weibull with a shape and a scale in minutes: P(T > t) = exp(−(t/scale)^shape).
    case weibull(shape: Double, scaleMinutes: Double)

    /// A lognormal with the given median (minutes) and sigma of log minutes.
    public static func lognormal(medianMinutes: Double, sigma: Double) -> SojournDistribution {
        .lognormal(mu: log(medianMinutes), sigma: sigma)
    }

    /// The family.
    public var family: SojournFamily {
        switch self {
        case .lognormal: .lognormal
        case .gamma: .gamma
        case .weibull: .weibull
        }
    }

    /// The parameters with their names in model files, in the order the family lists them.
    public var parameters: [(name: String, value: Double)] {
        switch self {
        case .lognormal(let mu, let sigma): [("mu", mu), ("sigma", sigma)]
        case .gamma(let shape, let scale): [("shape", shape), ("scale", scale)]
        case .weibull(let shape, let scale): [("shape", shape), ("scale", scale)]
        }
    }

    /// The same shape with every time multiplied by `factor` (> 0): T' = factor · T.
    public func scaled(by factor: Double) -> SojournDistribution {
        switch self {
        case .lognormal(let mu, let sigma): .lognormal(mu: mu + log(factor), sigma: sigma)
        case .gamma(let shape, let scale): .gamma(shape: shape, scaleMinutes: scale * factor)
        case .weibull(let shape, let scale): .weibull(shape: shape, scaleMinutes: scale * factor)
        }
    }

    /// The distribution to sample; throws for invalid parameters.
    public func baseline() throws(DistributionParameterError) -> BaselineDistribution {
        switch self {
        case .lognormal(let mu, let sigma): .lognormal(try LogNormal(mu: mu, sigma: sigma))
        case .gamma(let shape, let scale): .gamma(try Gamma(shape: shape, scale: scale))
        case .weibull(let shape, let scale): .weibull(try Weibull(shape: shape, scale: scale))
        }
    }
}

/// How long a patient stays in one state: a baseline distribution in minutes for the reference patient, and
/// accelerated-failure-time effects: a patient with covariates x stays exp(γ·x) times as long (T = exp(γ·x)·T₀).
/// In theatre the sojourn is the procedure's duration.
public struct SojournModel: Sendable, Hashable {
    /// The reference patient's distribution.
    public var distribution: SojournDistribution
    /// γ: log time ratio per unit of each covariate.
    public var timeEffects: CovariateEffects

    /// A sojourn model.
    public init(_ distribution: SojournDistribution, timeEffects: CovariateEffects = .none) {
        self.distribution = distribution
        self.timeEffects = timeEffects
    }

    /// The family.
    public var family: SojournFamily { distribution.family }

    /// The baseline distribution; throws for invalid parameters.
    public func baseline() throws(DistributionParameterError) -> BaselineDistribution { try distribution.baseline() }
}

/// The baseline of a sojourn: one of the three families, with the log-density the fitter needs.
public enum BaselineDistribution: Sendable, Hashable {
    /// Lognormal.
    case lognormal(LogNormal)
    /// Gamma.
    case gamma(Gamma)
    /// Weibull.
    case weibull(Weibull)

    /// The distribution as a protocol value.
    @inlinable
    public var distribution: any ContinuousDistribution {
        switch self {
        case .lognormal(let d): d
        case .gamma(let d): d
        case .weibull(let d): d
        }
    }

    /// One draw.
    @inlinable
    public func sample(using stream: inout RandomStream) -> Double {
        switch self {
        case .lognormal(let d): d.sample(using: &stream)
        case .gamma(let d): d.sample(using: &stream)
        case .weibull(let d): d.sample(using: &stream)
        }
    }

    /// A draw given the value exceeds `threshold`.
    @inlinable
    public func sample(exceeding threshold: Double, using stream: inout RandomStream) -> Double {
        switch self {
        case .lognormal(let d): d.sample(exceeding: threshold, using: &stream)
        case .gamma(let d): d.sample(exceeding: threshold, using: &stream)
        case .weibull(let d): d.sample(exceeding: threshold, using: &stream)
        }
    }

    /// P(X > x), in 0...1; computed on the tail itself for the lognormal and Weibull, so that it stays accurate
    /// far beyond the median.
    public func survival(_ x: Double) -> Double {
        guard x > 0 else { return 1 }
        switch self {
        case .lognormal(let d): return SpecialFunctions.normalCDF(-(Foundation.log(x) - d.mu) / d.sigma)
        case .gamma(let d): return 1 - d.cdf(x)
        case .weibull(let d): return Foundation.exp(-Foundation.pow(x / d.scale, d.shape))
        }
    }

    /// The x with P(X > x) = `q`, for q in (0, 1]: the survival function's inverse.
    public func value(atSurvival q: Double) -> Double {
        switch self {
        case .lognormal(let d): Foundation.exp(d.mu - d.sigma * SpecialFunctions.normalQuantile(q))
        case .gamma(let d): d.quantile(1 - q)
        case .weibull(let d): d.scale * Foundation.pow(-Foundation.log(q), 1 / d.shape)
        }
    }

    /// P(X ≤ x).
    public func cdf(_ x: Double) -> Double { distribution.cdf(x) }

    /// E[X].
    public var mean: Double { distribution.mean }

    /// log f(x) for x > 0.
    public func logDensity(_ x: Double) -> Double {
        switch self {
        case .lognormal(let d):
            let z = (log(x) - d.mu) / d.sigma
            return -0.5 * z * z - log(x * d.sigma) - 0.5 * log(2 * Double.pi)
        case .gamma(let d):
            return (d.shape - 1) * log(x) - x / d.scale - SpecialFunctions.logGamma(d.shape) - d.shape * log(d.scale)
        case .weibull(let d):
            let r = x / d.scale
            return log(d.shape / d.scale) + (d.shape - 1) * log(r) - pow(r, d.shape)
        }
    }

    /// log P(X > x), accurate far into the tail.
    public func logSurvival(_ x: Double) -> Double {
        switch self {
        case .lognormal(let d):
            let z = (log(x) - d.mu) / d.sigma
            return log(0.5 * erfc(z / 2.0.squareRoot()))
        case .gamma(let d):
            return log(SpecialFunctions.regularizedGammaQ(d.shape, x / d.scale))
        case .weibull(let d):
            return -pow(x / d.scale, d.shape)
        }
    }
}

/// Where a patient goes from a state: a multinomial logit over the destinations. The first destination is the
/// reference (utility 0); destination j has utility αⱼ + βⱼ·x and probability exp(uⱼ) / Σ exp(u).
public struct TransitionModel: Sendable, Hashable {
    /// One possible next state with its intercept and covariate effects.
    public struct Destination: Sendable, Hashable {
        /// The next state.
        public var state: CareState
        /// αⱼ (0 for the first, the reference).
        public var intercept: Double
        /// βⱼ (none for the reference).
        public var effects: CovariateEffects

        /// A destination.
        public init(_ state: CareState, intercept: Double, effects: CovariateEffects = .none) {
            self.state = state
            self.intercept = intercept
            self.effects = effects
        }
    }

    /// The possible next states; the first is the reference.
    public var destinations: [Destination]

    /// A transition model.
    public init(destinations: [Destination]) {
        self.destinations = destinations
    }

    /// Destinations with probabilities for the reference patient, αⱼ = log(pⱼ/p₁), and covariate effects.
    public static func probabilities(_ pairs: [(CareState, Double)], effects: [CareState: CovariateEffects] = [:])
        -> TransitionModel
    {
        let reference = pairs[0].1
        return TransitionModel(destinations: pairs.enumerated().map { index, pair in
            Destination(pair.0, intercept: log(pair.1 / reference), effects: index == 0 ? .none : effects[pair.0] ?? .none)
        })
    }

    /// The states, in order.
    public var states: [CareState] { destinations.map(\.state) }

    /// The probability of each destination for covariates `x`, in `destinations` order.
    public func probabilities(for x: Covariates) -> [Double] {
        let utilities = destinations.map { $0.intercept + $0.effects.dot(x) }
        let top = utilities.max() ?? 0
        let weights = utilities.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}

/// The model of one state on one pathway.
public struct StateModel: Sendable, Hashable {
    /// The state.
    public var state: CareState
    /// How long patients stay.
    public var sojourn: SojournModel
    /// Where they go next.
    public var transitions: TransitionModel

    /// A state model.
    public init(state: CareState, sojourn: SojournModel, transitions: TransitionModel) {
        self.state = state
        self.sojourn = sojourn
        self.transitions = transitions
    }
}

/// The semi-Markov model of one pathway: a model for each unit a patient on it can be in.
public struct PathwayModel: Sendable, Hashable {
    /// The pathway.
    public var pathway: Pathway
    /// One model per unit (ED, assessment unit, theatre, recovery, ICU, HDU, ward, stroke unit).
    public var states: [StateModel]

    /// A pathway model.
    public init(pathway: Pathway, states: [StateModel]) {
        self.pathway = pathway
        self.states = states
    }

    /// The model of `state`, if the pathway has one.
    public func model(of state: CareState) -> StateModel? { states.first { $0.state == state } }
}

/// The 30-day emergency readmission model: the probability that a patient discharged alive from an inpatient
/// spell comes back as an emergency inpatient admission within 30 days, as a logistic regression on the LACE
/// index's components (points, not raw values), and the time to readmission given one happens, a Weibull
/// truncated at 30 days. What it predicts is readmission alone — not death, which the published LACE
/// calibration includes; the built-in model's numbers are derived from it (`TwinModel.builtIn`).
public struct ReadmissionModel: Sendable, Hashable {
    /// The log-odds at LACE 0.
    public var intercept: Double
    /// Log-odds per point of L.
    public var lengthOfStay: Double
    /// Per point of A.
    public var acuity: Double
    /// Per point of C.
    public var comorbidity: Double
    /// Per point of E.
    public var emergencyVisits: Double
    /// Weibull shape of the days to readmission.
    public var delayShape: Double
    /// Weibull scale (days) of the days to readmission, before truncation at 30 days.
    public var delayScaleDays: Double

    /// A readmission model.
    public init(intercept: Double, lengthOfStay: Double, acuity: Double, comorbidity: Double, emergencyVisits: Double,
                delayShape: Double, delayScaleDays: Double)
    {
        self.intercept = intercept
        self.lengthOfStay = lengthOfStay
        self.acuity = acuity
        self.comorbidity = comorbidity
        self.emergencyVisits = emergencyVisits
        self.delayShape = delayShape
        self.delayScaleDays = delayScaleDays
    }

    /// The probability of an emergency readmission within 30 days of a discharge scoring `lace`.
    public func probability(_ lace: LACEScore) -> Double {
        let z = intercept + lengthOfStay * Double(lace.lengthOfStay) + acuity * Double(lace.acuity)
            + comorbidity * Double(lace.comorbidity) + emergencyVisits * Double(lace.emergencyVisits)
        return 1 / (1 + exp(-z))
    }

    /// Days to readmission, drawn from the Weibull truncated to (0, 30] by inversion.
    public func sampleDelayDays(using stream: inout RandomStream) -> Double {
        sampleDelayDays(after: 0, using: &stream)
    }

    /// The Weibull's F(days) before truncation.
    func weibullCDF(_ days: Double) -> Double { -expm1(-pow(max(0, days) / delayScaleDays, delayShape)) }

    /// P(delay ≤ days) for a readmission within 30 days (the truncated Weibull): 0 at 0, 1 from 30.
    public func delayCDF(days: Double) -> Double { min(1, weibullCDF(min(days, 30)) / weibullCDF(30)) }

    /// Days to readmission given none by `elapsed` days (0 ≤ elapsed < 30): the truncated Weibull on (elapsed, 30]
    /// by inversion; with `elapsed` 0 the same number as `sampleDelayDays(using:)` from the same stream.
    public func sampleDelayDays(after elapsed: Double, using stream: inout RandomStream) -> Double {
        let lower = elapsed > 0 ? weibullCDF(elapsed) : 0
        let upper = weibullCDF(30)
        let u = lower + stream.nextUniform() * (upper - lower)
        return min(30, max(elapsed, delayScaleDays * pow(-log1p(-u), 1 / delayShape)))
    }
}

/// A patient-twin model: a semi-Markov trajectory model per pathway and a readmission model. It is what
/// `hospital-twin twins fit` writes (JSON, versioned) and what scenarios will reference.
public struct TwinModel: Sendable, Hashable {
    /// The format name written into every model file.
    public static let formatName = "hospital-twin/patient-twin-model"
    /// The format version this code reads and writes.
    public static let formatVersion = 1

    /// A human-readable description: where the model came from.
    public var description: String
    /// One model per pathway.
    public var pathways: [PathwayModel]
    /// The readmission model.
    public var readmission: ReadmissionModel

    /// A model.
    public init(description: String, pathways: [PathwayModel], readmission: ReadmissionModel) {
        self.description = description
        self.pathways = pathways
        self.readmission = readmission
    }

    /// The model of `pathway`.
    public func model(of pathway: Pathway) -> PathwayModel? { pathways.first { $0.pathway == pathway } }

    /// Every state a twin of this model can be in: each modelled pathway's first unit and every destination of
    /// every state (a destination listed has a probability above 0 for every patient, as the logit gives).
    public var reachableStates: Set<CareState> {
        var states = Set(pathways.map(\.pathway.firstUnit))
        for pathway in pathways {
            for state in pathway.states { states.formUnion(state.transitions.states) }
        }
        return states
    }

    /// Every problem that keeps the model from being used, each with its path in the model file
    /// ("pathways.emergency_medical.ward.sojourn.sigma: must be > 0 and finite, found -1.0"). Empty when sound.
    public var problems: [String] {
        var problems: [String] = []
        for pathway in Pathway.allCases where model(of: pathway) == nil {
            problems.append("pathways: no model for pathway \(pathway.rawValue)")
        }
        for pathway in pathways {
            for unit in CareState.units where pathway.model(of: unit) == nil {
                problems.append("pathways.\(pathway.pathway.rawValue): no model for unit \(unit.rawValue)")
            }
            for state in pathway.states {
                let path = "pathways.\(pathway.pathway.rawValue).\(state.state.rawValue)"
                if state.state.isDischarge { problems.append("\(path): a discharge state cannot have a model") }
                do { _ = try state.sojourn.baseline() } catch {
                    problems.append("\(path).sojourn.\(error.parameter): must be \(error.expected), found \(error.value)")
                }
                if !state.sojourn.timeEffects.isFinite {
                    problems.append("\(path).sojourn.time_effects: expected finite values")
                }
                let t = state.transitions
                if t.destinations.isEmpty { problems.append("\(path).transitions: must not be empty") }
                if Set(t.states).count != t.destinations.count {
                    problems.append("\(path).transitions: a destination appears twice")
                }
                if t.states.contains(state.state) {
                    problems.append("\(path).transitions: a state cannot move to itself")
                }
                if t.states.contains(.ed) {
                    problems.append("\(path).transitions: no move goes to ed (a spell begins there)")
                }
                if state.state == .theatre, t.states.contains(where: \.isDischarge) {
                    problems.append("\(path).transitions: a patient leaves theatre for recovery, critical care or a ward, "
                        + "never straight home (a day case goes home from recovery)")
                }
                if t.destinations.contains(where: { !$0.intercept.isFinite || !$0.effects.isFinite }) {
                    problems.append("\(path).transitions: expected a finite intercept and finite effects per destination")
                }
                if let first = t.destinations.first, first.intercept != 0 || first.effects != .none {
                    problems.append("\(path).transitions[0]: the first destination is the reference: its intercept "
                        + "and effects must be 0")
                }
            }
        }
        let r = readmission
        if ![r.intercept, r.lengthOfStay, r.acuity, r.comorbidity, r.emergencyVisits].allSatisfy(\.isFinite) {
            problems.append("readmission: coefficients must be finite")
        }
        if !(r.delayShape > 0 && r.delayShape.isFinite) {
            problems.append("readmission.delay_days.shape: must be > 0, found \(r.delayShape)")
        }
        if !(r.delayScaleDays > 0 && r.delayScaleDays.isFinite) {
            problems.append("readmission.delay_days.scale: must be > 0, found \(r.delayScaleDays)")
        }
        return problems
    }
}
