import Foundation
import Simulation

/// One step of a predicted trajectory: a stay in a unit and what it needs.
public struct TrajectoryStep: Sendable, Hashable, Codable {
    /// The unit.
    public let state: CareState
    /// When the stay starts (minutes since 1970 UTC).
    public let startMinute: Double
    /// How long it lasts, in minutes (for the current state: what remains of it).
    public let durationMinutes: Double
    /// The bed it occupies.
    public let bedType: BedType
    /// The level of care it needs (nursing dependency).
    public let levelOfCare: LevelOfCare
    /// Theatre minutes (the procedure's duration) for a theatre step, else 0.
    public let theatreMinutes: Double

    /// When the stay ends.
    public var endMinute: Double { startMinute + durationMinutes }
}

/// A predicted rest of a spell: the steps from now to discharge, where the patient goes, and the readmission
/// that may follow.
public struct PredictedTrajectory: Sendable, Hashable, Codable {
    /// The steps, the current state's remainder first.
    public let steps: [TrajectoryStep]
    /// Where the spell ends: home, care home or death.
    public let discharge: CareState
    /// When it ends (minutes since 1970 UTC).
    public let dischargeMinute: Double
    /// The spell's whole length of stay in days, from admission to discharge.
    public let lengthOfStayDays: Double
    /// The probability of readmission within 30 days (0 after a death).
    public let readmissionProbability: Double
    /// When the drawn readmission happens, if one was drawn (minutes since 1970 UTC).
    public let readmissionMinute: Double?
}

/// Why a prediction cannot be made.
public struct PredictionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let problem: String
    /// The problem.
    public var description: String { problem }
}

/// A twin model compiled for sampling: distributions built once, coefficients in flat arrays indexed by
/// pathway and state, so that drawing a trajectory step costs one multinomial-logit draw and one sojourn draw
/// (well under a microsecond; see `hospital-twin-bench twins`).
public struct TrajectoryPredictor: Sendable {
    /// The model it was compiled from.
    public let model: TwinModel

    @usableFromInline let stateCount = CareState.units.count
    @usableFromInline let covariateCount = Covariate.allCases.count
    @usableFromInline let baselines: [BaselineDistribution]
    @usableFromInline let timeEffects: [Double]
    @usableFromInline let destinations: [[CareState]]
    @usableFromInline let intercepts: [[Double]]
    @usableFromInline let coefficients: [[Double]]

    /// Compiles `model`; throws when it has problems.
    public init(model: TwinModel) throws(PredictionError) {
        let problems = model.problems
        guard problems.isEmpty else { throw PredictionError(problem: problems.joined(separator: "\n")) }
        self.model = model
        var baselines: [BaselineDistribution] = []
        var timeEffects: [Double] = []
        var destinations: [[CareState]] = []
        var intercepts: [[Double]] = []
        var coefficients: [[Double]] = []
        for pathway in Pathway.allCases {
            let pathwayModel = model.model(of: pathway)!
            for unit in CareState.units {
                let state = pathwayModel.model(of: unit)!
                // `problems` was empty, so every baseline is valid.
                baselines.append(try! state.sojourn.baseline())
                timeEffects.append(contentsOf: state.sojourn.timeEffects)
                destinations.append(state.transitions.destinations)
                intercepts.append(state.transitions.intercepts)
                coefficients.append(Array(state.transitions.coefficients.joined()))
            }
        }
        self.baselines = baselines
        self.timeEffects = timeEffects
        self.destinations = destinations
        self.intercepts = intercepts
        self.coefficients = coefficients
    }

    @inlinable
    func index(_ pathway: Pathway, _ state: CareState) -> Int {
        pathway.ordinal * stateCount + state.unitOrdinal
    }

    /// Draws a stay in `state`: the time-scale factor exp(x·γ) times a baseline draw, conditioned on the stay
    /// having lasted `elapsed` minutes already; returns the whole stay's length.
    @inlinable
    public func sampleSojourn(pathway: Pathway, state: CareState, covariates x: [Double], elapsed: Double = 0,
                              using stream: inout RandomStream) -> Double
    {
        let i = index(pathway, state)
        var exponent = 0.0
        for k in 0..<covariateCount { exponent += timeEffects[i * covariateCount + k] * x[k] }
        let factor = exp(exponent)
        let baseline = baselines[i]
        let t0 = elapsed > 0 ? baseline.sample(exceeding: elapsed / factor, using: &stream)
            : baseline.sample(using: &stream)
        return t0 * factor
    }

    /// Draws where a patient in `state` goes next.
    @inlinable
    public func sampleNext(pathway: Pathway, state: CareState, covariates x: [Double],
                           using stream: inout RandomStream) -> CareState
    {
        let i = index(pathway, state)
        let options = destinations[i]
        let alpha = intercepts[i]
        let beta = coefficients[i]
        var weights = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        var total = 0.0
        withUnsafeMutableBytes(of: &weights) { raw in
            let w = raw.bindMemory(to: Double.self)
            for j in 0..<min(options.count, w.count) {
                var u = alpha[j]
                for k in 0..<covariateCount { u += beta[j * covariateCount + k] * x[k] }
                w[j] = exp(min(u, 700))
                total += w[j]
            }
        }
        var target = stream.nextUniform() * total
        return withUnsafeBytes(of: &weights) { raw in
            let w = raw.bindMemory(to: Double.self)
            for j in 0..<min(options.count, w.count) {
                target -= w[j]
                if target <= 0 { return options[j] }
            }
            return options[min(options.count, w.count) - 1]
        }
    }

    /// The probability of each destination from `state` for covariates `x`.
    public func transitionProbabilities(pathway: Pathway, state: CareState, covariates x: [Double])
        -> [(CareState, Double)]
    {
        let t = model.model(of: pathway)!.model(of: state)!.transitions
        return Array(zip(t.destinations, t.probabilities(for: x)))
    }

    /// Predicts the rest of `twin`'s spell from `minute` (not before it entered its current state): the current
    /// stay's remainder is drawn conditioned on its length so far, later stays and moves from the model, then
    /// the readmission. A spell longer than 200 steps is cut off there (a model with a cycle that rarely ends).
    public func predictTrajectory(for twin: PatientTwin, from minute: Double, using stream: inout RandomStream)
        throws(PredictionError) -> PredictedTrajectory
    {
        guard !twin.isDischarged else {
            throw PredictionError(problem: "\(twin.id) has been discharged (\(twin.state.rawValue)): nothing to predict")
        }
        let x = Covariate.vector(for: twin)
        var state = twin.state
        var clock = max(minute, twin.stateSince)
        var elapsed = clock - twin.stateSince
        var steps: [TrajectoryStep] = []
        steps.reserveCapacity(6)
        for _ in 0..<200 {
            let stay = sampleSojourn(pathway: twin.pathway, state: state, covariates: x, elapsed: elapsed, using: &stream)
            let remaining = max(0, stay - elapsed)
            var level = state.levelOfCare
            if state == .ward, let score = twin.latestNEWS2, score >= 5 { level = .level1 }
            steps.append(TrajectoryStep(state: state, startMinute: clock, durationMinutes: remaining,
                                        bedType: state.bedType!, levelOfCare: level,
                                        theatreMinutes: state == .theatre ? stay : 0))
            clock += remaining
            elapsed = 0
            state = sampleNext(pathway: twin.pathway, state: state, covariates: x, using: &stream)
            if state.isDischarge { break }
        }
        if !state.isDischarge { state = .dischargedHome }
        let losDays = (clock - twin.spellStart) / 1440
        var probability = 0.0
        var readmission: Double?
        if state != .died {
            let lace = LACEScore(lengthOfStayDays: losDays, emergencyAdmission: twin.attributes.admissionMethod == .emergency,
                                 charlsonIndex: twin.attributes.charlsonIndex,
                                 edVisitsLast6Months: twin.attributes.edVisitsLast6Months)
            probability = model.readmission.probability(lace)
            if stream.nextUniform() < probability {
                readmission = clock + model.readmission.sampleDelayDays(using: &stream) * 1440
            }
        }
        return PredictedTrajectory(steps: steps, discharge: state, dischargeMinute: clock, lengthOfStayDays: losDays,
                                   readmissionProbability: probability, readmissionMinute: readmission)
    }

    /// The stream a twin's predictions draw from: keyed by its id and revision, so the same twin and history
    /// predict the same way for a given seed, and each new observation draws afresh.
    public static func stream(for twin: PatientTwin, streams: RandomStreams) -> RandomStream {
        streams.stream(for: "twin-trajectory", entity: twin.id.value ^ (UInt64(twin.revision) << 40))
    }
}

extension PatientTwin {
    /// Predicts the rest of this twin's spell from `minute` with `predictor`, drawing from `stream`.
    public func predictTrajectory(with predictor: TrajectoryPredictor, from minute: Double,
                                  using stream: inout RandomStream) throws(PredictionError) -> PredictedTrajectory
    {
        try predictor.predictTrajectory(for: self, from: minute, using: &stream)
    }
}

extension Pathway {
    /// Position in `allCases`, without a search.
    @usableFromInline
    var ordinal: Int {
        switch self {
        case .emergencyMedical: 0
        case .emergencySurgical: 1
        case .electiveSurgical: 2
        case .electiveOrthopaedic: 3
        case .stroke: 4
        case .frailElderly: 5
        }
    }
}

extension CareState {
    /// Position in `CareState.units`; discharges have none (a precondition).
    @usableFromInline
    var unitOrdinal: Int {
        switch self {
        case .ed: 0
        case .assessmentUnit: 1
        case .theatre: 2
        case .recovery: 3
        case .icu: 4
        case .hdu: 5
        case .ward: 6
        case .strokeUnit: 7
        case .dischargedHome, .dischargedCareHome, .died: preconditionFailure("a discharge has no unit model")
        }
    }
}
