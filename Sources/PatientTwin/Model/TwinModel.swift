import Foundation
import Simulation

/// The covariates every twin model uses, in this order. They are centred on a reference patient — 65 years old,
/// no comorbidity, Clinical Frailty Scale 3, NEWS2 0 — whose probabilities the intercepts give.
public enum Covariate: String, Sendable, Hashable, Codable, CaseIterable {
    /// (age − 65) / 10: decades from 65.
    case age10
    /// The Charlson index.
    case charlson
    /// Clinical Frailty Scale − 3.
    case frailty
    /// The latest aggregate NEWS2 in the spell (0 when none has been recorded).
    case news2

    /// The covariate vector of a twin, in `Covariate.allCases` order.
    public static func vector(for twin: PatientTwin) -> [Double] {
        vector(attributes: twin.attributes, news2: twin.latestNEWS2 ?? 0)
    }

    /// The covariate vector of a patient with `attributes` and an aggregate NEWS2 of `news2`.
    public static func vector(attributes: PatientAttributes, news2: Int) -> [Double] {
        [Double(attributes.ageYears - 65) / 10, Double(attributes.charlsonIndex),
         Double(attributes.clinicalFrailtyScale - 3), Double(news2)]
    }
}

/// A parametric family for times spent in a state.
public enum SojournFamily: String, Sendable, Hashable, Codable, CaseIterable {
    /// log T normal; parameters mu and sigma of log minutes.
    case lognormal
    /// Gamma; parameters shape and scale (minutes).
    case gamma
    /// Weibull; parameters shape and scale (minutes).
    case weibull
}

/// How long a patient stays in one state: a baseline distribution in minutes for the reference patient, and
/// accelerated-failure-time effects: a patient with covariates x stays exp(Σ γₖxₖ) times as long
/// (T = exp(x·γ)·T₀). In theatre the sojourn is the procedure's duration.
public struct SojournModel: Sendable, Hashable {
    /// The family.
    public var family: SojournFamily
    /// The first parameter: mu (lognormal) or shape (gamma, Weibull).
    public var first: Double
    /// The second parameter: sigma (lognormal) or scale in minutes (gamma, Weibull).
    public var second: Double
    /// γ per covariate, in `Covariate.allCases` order.
    public var timeEffects: [Double]

    /// A sojourn model.
    public init(family: SojournFamily, first: Double, second: Double, timeEffects: [Double] = [0, 0, 0, 0]) {
        self.family = family
        self.first = first
        self.second = second
        self.timeEffects = timeEffects
    }

    /// A lognormal sojourn with the given median (minutes) and sigma of log minutes.
    public static func lognormal(medianMinutes: Double, sigma: Double, effects: [Double] = [0, 0, 0, 0]) -> SojournModel {
        SojournModel(family: .lognormal, first: log(medianMinutes), second: sigma, timeEffects: effects)
    }

    /// The baseline distribution; throws for invalid parameters.
    public func baseline() throws(DistributionParameterError) -> BaselineDistribution {
        switch family {
        case .lognormal: .lognormal(try LogNormal(mu: first, sigma: second))
        case .gamma: .gamma(try Gamma(shape: first, scale: second))
        case .weibull: .weibull(try Weibull(shape: first, scale: second))
        }
    }
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
/// reference (utility 0); destination j has utility αⱼ + Σₖ βⱼₖxₖ and probability exp(uⱼ) / Σ exp(u).
public struct TransitionModel: Sendable, Hashable {
    /// The possible next states.
    public var destinations: [CareState]
    /// αⱼ per destination (the first is 0).
    public var intercepts: [Double]
    /// βⱼₖ: per destination, one coefficient per covariate (the first destination's are 0).
    public var coefficients: [[Double]]

    /// A transition model.
    public init(destinations: [CareState], intercepts: [Double], coefficients: [[Double]]) {
        self.destinations = destinations
        self.intercepts = intercepts
        self.coefficients = coefficients
    }

    /// Destinations with probabilities for the reference patient and no covariate effects: αⱼ = log(pⱼ/p₁).
    public static func probabilities(_ pairs: [(CareState, Double)], effects: [CareState: [Double]] = [:])
        -> TransitionModel
    {
        let reference = pairs[0].1
        return TransitionModel(destinations: pairs.map(\.0), intercepts: pairs.map { log($0.1 / reference) },
                               coefficients: pairs.map { effects[$0.0] ?? [0, 0, 0, 0] })
    }

    /// The probability of each destination for covariates `x`.
    public func probabilities(for x: [Double]) -> [Double] {
        let utilities = destinations.indices.map { j in
            intercepts[j] + zip(coefficients[j], x).reduce(0) { $0 + $1.0 * $1.1 }
        }
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

/// The 30-day readmission model: a logistic regression on the LACE index's components (points, not raw
/// values), and the time to readmission given one happens, a Weibull truncated at 30 days.
public struct ReadmissionModel: Sendable, Hashable {
    /// The intercept.
    public var intercept: Double
    /// Log-odds per point of L, A, C and E.
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

    /// The probability of readmission within 30 days of a discharge scoring `lace`.
    public func probability(_ lace: LACEScore) -> Double {
        let z = intercept + lengthOfStay * Double(lace.lengthOfStay) + acuity * Double(lace.acuity)
            + comorbidity * Double(lace.comorbidity) + emergencyVisits * Double(lace.emergencyVisits)
        return 1 / (1 + exp(-z))
    }

    /// Days to readmission, drawn from the Weibull truncated to (0, 30] by inversion.
    public func sampleDelayDays(using stream: inout RandomStream) -> Double {
        let upper = -expm1(-pow(30 / delayScaleDays, delayShape))  // F(30)
        let u = stream.nextUniform() * upper
        return min(30, delayScaleDays * pow(-log1p(-u), 1 / delayShape))
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
                if state.sojourn.timeEffects.count != Covariate.allCases.count || state.sojourn.timeEffects.contains(where: { !$0.isFinite }) {
                    problems.append("\(path).sojourn.time_effects: expected \(Covariate.allCases.count) finite values")
                }
                let t = state.transitions
                if t.destinations.isEmpty { problems.append("\(path).transitions.destinations: must not be empty") }
                if Set(t.destinations).count != t.destinations.count {
                    problems.append("\(path).transitions.destinations: a destination appears twice")
                }
                if t.destinations.contains(state.state) {
                    problems.append("\(path).transitions.destinations: a state cannot move to itself")
                }
                if t.intercepts.count != t.destinations.count || t.coefficients.count != t.destinations.count
                    || t.coefficients.contains(where: { $0.count != Covariate.allCases.count })
                    || t.intercepts.contains(where: { !$0.isFinite })
                    || t.coefficients.contains(where: { $0.contains { !$0.isFinite } })
                {
                    problems.append("\(path).transitions: expected one finite intercept and \(Covariate.allCases.count) "
                        + "finite coefficients per destination")
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
