import Foundation
import Simulation

/// The random streams of the twins' clinical draws in one run (one replication): a stream per (patient, spell,
/// step) and purpose. A twin's stay in its n-th unit of its k-th spell draws its length and its next unit from
/// the same numbers whatever else happens — however long it waited for a bed before, whatever other patients
/// did, whatever observations arrived (they change the draw only through the model's covariates). So two
/// scenarios run on the same seed give every patient the same clinical path: common random numbers.
public struct TwinStreams: Sendable, Hashable {
    let sojourn: StreamFamily
    let move: StreamFamily
    let readmission: StreamFamily
    let readmissionDelay: StreamFamily

    /// The twin streams of a run whose streams are `streams` (a replication's).
    public init(_ streams: RandomStreams) {
        sojourn = streams.family("twin-sojourn")
        move = streams.family("twin-move")
        readmission = streams.family("twin-readmission")
        readmissionDelay = streams.family("twin-readmission-delay")
    }

    /// The stream of a twin's current stay's length.
    func sojournStream(_ twin: PatientTwin) -> RandomStream {
        sojourn.stream(twin.id.value, UInt64(twin.spell), UInt64(twin.step))
    }

    /// The stream of where a twin goes after its current stay.
    func moveStream(_ twin: PatientTwin) -> RandomStream {
        move.stream(twin.id.value, UInt64(twin.spell), UInt64(twin.step))
    }
}

/// What the model draws for a stay when a twin enters it (or is found in it): how long it lasts clinically and
/// where the patient goes next. Waiting for a bed afterwards is the hospital's, not the patient's: it is not part
/// of `durationMinutes`.
public struct StayDraw: Sendable, Hashable, Codable {
    /// The twin's spell it belongs to (0 for the first).
    public let spell: Int
    /// Which stay of the spell it is (0 for the first).
    public let step: Int
    /// The unit.
    public let state: CareState
    /// When the stay began (epoch minutes).
    public let startMinute: Double
    /// Its whole clinical length in minutes, from `startMinute` (for a stay already under way, at least what has
    /// elapsed). In theatre, the procedure's length.
    public let durationMinutes: Double
    /// Where the patient goes after it: another unit or a discharge.
    public let next: CareState
    /// The level of care it needs (`LevelOfCare.required(in:news2:)`).
    public let levelOfCare: LevelOfCare

    /// When the stay ends clinically (epoch minutes).
    public var endMinute: Double { startMinute + durationMinutes }

    /// The same stay ending at `minute` instead (not before it began): what a hospital does when it hastens a move
    /// the twin's model asked for — a deteriorating patient taken to critical care within the response time.
    public func ending(at minute: Double) -> StayDraw {
        StayDraw(spell: spell, step: step, state: state, startMinute: startMinute,
                 durationMinutes: max(0, minute - startMinute), next: next, levelOfCare: levelOfCare)
    }

    /// The same stay, known to have ended at `minute` with the patient to go to `next`: what a census says of a
    /// patient ready to leave, or waiting to move on, who is still in the bed.
    public func ended(at minute: Double, next: CareState) -> StayDraw {
        StayDraw(spell: spell, step: step, state: state, startMinute: startMinute,
                 durationMinutes: max(0, minute - startMinute), next: next, levelOfCare: levelOfCare)
    }

    /// The same stay with the patient to go to `next` after it.
    public func redirected(to next: CareState) -> StayDraw {
        StayDraw(spell: spell, step: step, state: state, startMinute: startMinute, durationMinutes: durationMinutes,
                 next: next, levelOfCare: levelOfCare)
    }

    /// The same stay at a new level of care (a NEWS2 observation during it).
    public func at(levelOfCare level: LevelOfCare) -> StayDraw {
        StayDraw(spell: spell, step: step, state: state, startMinute: startMinute, durationMinutes: durationMinutes,
                 next: next, levelOfCare: level)
    }
}

/// One step of a predicted trajectory: a stay in a unit and what it needs.
public struct TrajectoryStep: Sendable, Hashable, Codable {
    /// The unit.
    public let state: CareState
    /// When the stay starts (minutes since 1970 UTC); for the current state, the prediction's time.
    public let startMinute: Double
    /// How long it lasts, in minutes (for the current state: what remains of it).
    public let durationMinutes: Double
    /// The bed it occupies.
    public let bedType: BedType
    /// The level of care it needs (nursing dependency).
    public let levelOfCare: LevelOfCare
    /// Theatre minutes (the procedure's whole duration) for a theatre step, else 0.
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
    /// The probability of an emergency readmission within 30 days (0 after a death).
    public let readmissionProbability: Double
    /// When the drawn readmission happens, if one was drawn (minutes since 1970 UTC).
    public let readmissionMinute: Double?
}

/// What the readmission model drew at a discharge alive.
public struct ReadmissionDraw: Sendable, Hashable {
    /// The predicted probability of an emergency readmission within 30 days.
    public let probability: Double
    /// Minutes from the discharge to the readmission, if one was drawn (at most 30 days).
    public let delayMinutes: Double?
    /// The spell's LACE score the probability was read from; nil for a twin not discharged alive.
    public let lace: LACEScore?
}

/// What a discharged twin's readmission is drawn from (`TrajectoryPredictor.readmissionChance`).
public struct ReadmissionChance: Sendable, Hashable {
    /// The probability of an emergency readmission within 30 days of the discharge; 0 for a twin not discharged alive.
    public let probability: Double
    /// The LACE score it was read from; nil for a twin not discharged alive.
    public let lace: LACEScore?
    /// Days from the discharge without a return so far, ≥ 0.
    public let elapsedDays: Double
    /// The chance it still comes back, in 0...1; nil when nothing is drawn (not discharged alive, or 30 days passed).
    public let stillToCome: Double?
}

/// Why a prediction cannot be made.
public struct PredictionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let problem: String
    /// The problem.
    public var description: String { problem }
}

/// A twin model compiled for sampling: distributions built once, coefficients in flat arrays indexed by pathway
/// and state, so that drawing a stay costs one sojourn draw and one multinomial-logit draw (well under a
/// microsecond; see `hospital-twin-bench twins`).
///
/// Trajectories are drawn a stay at a time (`drawStay`), when a twin enters a state, from its attributes and
/// latest observations then, with its own keyed streams (`TwinStreams`); `predictTrajectory` chains such stays
/// for a twin followed without capacity limits. The hospital model calls `drawStay` itself, when a bed lets the
/// twin move.
public struct TrajectoryPredictor: Sendable {
    /// The model it was compiled from.
    public let model: TwinModel
    /// The hospital's time zone, in which LACE counts calendar days of stay.
    public let timeZone: TimeZone

    @usableFromInline let stateCount = CareState.units.count
    @usableFromInline let baselines: [BaselineDistribution]
    @usableFromInline let timeEffects: [CovariateEffects]
    /// Each (pathway, state)'s destinations, intercepts and covariate effects, one after another in flat arrays
    /// (read by one index a draw, with no inner array to retain): those of index i are at
    /// `destinationStart[i]..<destinationStart[i + 1]`.
    @usableFromInline let destinationStart: [Int]
    @usableFromInline let destinations: [CareState]
    @usableFromInline let intercepts: [Double]
    @usableFromInline let effects: [CovariateEffects]
    /// Each pathway's stay multiplier, by `Pathway.ordinal` (1 where none is given).
    @usableFromInline private(set) var stayScales: [Double]

    /// Compiles `model` for a hospital in `timeZone`, every stay on a pathway in `stayScale` multiplied by its
    /// factor (> 0; absent: 1); throws when the model or a factor has problems.
    public init(model: TwinModel, timeZone: TimeZone = RecordTime.utc, stayScale: [Pathway: Double] = [:])
        throws(PredictionError)
    {
        var problems = model.problems
        for (pathway, factor) in stayScale.sorted(by: { $0.key.ordinal < $1.key.ordinal })
            where !(factor > 0 && factor.isFinite)
        {
            problems.append("stay scale of \(pathway.rawValue): expected a number > 0, found \(factor)")
        }
        guard problems.isEmpty else { throw PredictionError(problem: problems.joined(separator: "\n")) }
        self.model = model
        self.timeZone = timeZone
        stayScales = Pathway.allCases.sorted { $0.ordinal < $1.ordinal }.map { stayScale[$0] ?? 1 }
        var baselines: [BaselineDistribution] = []
        var timeEffects: [CovariateEffects] = []
        var destinationStart: [Int] = [0]
        var destinations: [CareState] = []
        var intercepts: [Double] = []
        var effects: [CovariateEffects] = []
        for pathway in Pathway.allCases {
            guard let pathwayModel = model.model(of: pathway) else { continue }
            for unit in CareState.units {
                guard let state = pathwayModel.model(of: unit) else { continue }
                do { baselines.append(try state.sojourn.baseline()) } catch {
                    throw PredictionError(problem: "\(pathway.rawValue).\(unit.rawValue): \(error)")
                }
                timeEffects.append(state.sojourn.timeEffects)
                destinations += state.transitions.states
                intercepts += state.transitions.destinations.map(\.intercept)
                effects += state.transitions.destinations.map(\.effects)
                destinationStart.append(destinations.count)
            }
        }
        self.baselines = baselines
        self.timeEffects = timeEffects
        self.destinationStart = destinationStart
        self.destinations = destinations
        self.intercepts = intercepts
        self.effects = effects
    }

    /// This predictor with every pathway's stays multiplied by `factor` (> 0) on top of their own scale.
    public func scalingStays(by factor: Double) -> TrajectoryPredictor {
        precondition(factor > 0 && factor.isFinite, "a stay factor must be > 0 and finite")
        var scaled = self
        scaled.stayScales = stayScales.map { $0 * factor }
        return scaled
    }

    @inlinable
    func index(_ pathway: Pathway, _ state: CareState) -> Int {
        pathway.ordinal * stateCount + state.unitOrdinal
    }

    /// The factor stays at index `i` of `pathway` are scaled by for covariates `x`: exp(γ·x) times the pathway's
    /// stay scale.
    @inlinable
    func timeFactor(_ i: Int, _ pathway: Pathway, _ x: Covariates) -> Double {
        exp(timeEffects[i].dot(x)) * stayScales[pathway.ordinal]
    }

    /// Draws a whole stay's length in `state` (minutes): the time-scale factor exp(γ·x) times a baseline draw,
    /// conditioned on the stay having lasted `elapsed` minutes already (the draw then exceeds `elapsed`).
    @inlinable
    public func sampleSojourn(pathway: Pathway, state: CareState, covariates x: Covariates, elapsed: Double = 0,
                              using stream: inout RandomStream) -> Double
    {
        let i = index(pathway, state)
        let factor = timeFactor(i, pathway, x)
        let baseline = baselines[i]
        if elapsed > 0 { return baseline.sample(exceeding: elapsed / factor, using: &stream) * factor }
        return baseline.sample(using: &stream) * factor
    }

    /// Draws where a patient in `state` goes next: one uniform against the multinomial logit's cumulative
    /// probabilities, in the model's order of destinations.
    @inlinable
    public func sampleNext(pathway: Pathway, state: CareState, covariates x: Covariates,
                           using stream: inout RandomStream) -> CareState
    {
        let i = index(pathway, state)
        let start = destinationStart[i]
        var weights = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        var total = 0.0
        let count = min(destinationStart[i + 1] - start, 11)
        withUnsafeMutableBytes(of: &weights) { raw in
            let w = raw.bindMemory(to: Double.self)
            for j in 0..<count {
                w[j] = exp(min(intercepts[start + j] + effects[start + j].dot(x), 700))
                total += w[j]
            }
        }
        var target = stream.nextUniform() * total
        return withUnsafeBytes(of: &weights) { raw in
            let w = raw.bindMemory(to: Double.self)
            for j in 0..<count {
                target -= w[j]
                if target <= 0 { return destinations[start + j] }
            }
            return destinations[start + count - 1]
        }
    }

    /// Draws where a patient in `state` goes next, given that it goes to none of `excluded`: the multinomial
    /// logit's probabilities renormalised over the other destinations, one uniform against their cumulative sums, in
    /// the model's order. nil when every destination is excluded.
    public func sampleNext(pathway: Pathway, state: CareState, covariates x: Covariates, excluding excluded: Set<CareState>,
                           using stream: inout RandomStream) -> CareState?
    {
        let i = index(pathway, state)
        let kept = (destinationStart[i]..<destinationStart[i + 1]).filter { !excluded.contains(destinations[$0]) }
        let weights = kept.map { exp(min(intercepts[$0] + effects[$0].dot(x), 700)) }
        var target = stream.nextUniform() * weights.reduce(0, +)
        for (j, weight) in zip(kept, weights) {
            target -= weight
            if target <= 0 { return destinations[j] }
        }
        return kept.last.map { destinations[$0] }
    }

    /// P(a stay in `state` for covariates `x` lasts longer than `minutes`).
    public func sojournSurvival(pathway: Pathway, state: CareState, covariates x: Covariates, minutes: Double) -> Double {
        let i = index(pathway, state)
        return baselines[i].survival(minutes / timeFactor(i, pathway, x))
    }

    /// The expected length of a stay in `state` for covariates `x`, in minutes: what a planner books a theatre
    /// list by (exp(γ·x) times the baseline's mean; the covariates scale time, so they scale the mean alike).
    public func meanSojourn(pathway: Pathway, state: CareState, covariates x: Covariates) -> Double {
        let i = index(pathway, state)
        return baselines[i].distribution.mean * timeFactor(i, pathway, x)
    }

    /// The probability of each destination from `state` for covariates `x`.
    public func transitionProbabilities(pathway: Pathway, state: CareState, covariates x: Covariates)
        -> [(CareState, Double)]
    {
        guard let transitions = model.model(of: pathway)?.model(of: state)?.transitions else { return [] }
        return Array(zip(transitions.states, transitions.probabilities(for: x)))
    }

    /// Draws the twin's current stay from its own streams: its length given what has elapsed by `minute` (epoch
    /// minutes; a twin entering its state now has elapsed nothing) and where it goes next, from the twin's
    /// covariates now. Drawn again later from the start of the stay, it uses the same random numbers. A stay
    /// drawn again part-way, after an observation changed the covariates, passes `rank` (`survivalRank`): the
    /// stay keeps its place among the stays that have lasted as long, so it changes only as far as the model says
    /// the covariates matter, and its length has the model's law given what has elapsed — as a forecast from a
    /// census, which sees only the covariates now, draws it.
    public func drawStay(for twin: PatientTwin, at minute: Double, streams: TwinStreams, rank: Double? = nil)
        throws(PredictionError) -> StayDraw
    {
        guard !twin.isDischarged else {
            throw PredictionError(problem: "\(twin.id) has been discharged (\(twin.state.rawValue)): nothing to draw")
        }
        let x = twin.covariates
        let elapsed = max(0, minute - twin.stateSince)
        var sojourn = streams.sojournStream(twin)
        var move = streams.moveStream(twin)
        let length: Double
        if let rank, rank > 0, rank <= 1 {
            let i = index(twin.pathway, twin.state)
            let factor = timeFactor(i, twin.pathway, x)
            let draw = baselines[i].value(atSurvival: baselines[i].survival(elapsed / factor) * rank) * factor
            length = draw > elapsed ? draw : elapsed.nextUp
        } else {
            length = sampleSojourn(pathway: twin.pathway, state: twin.state, covariates: x, elapsed: elapsed,
                                   using: &sojourn)
        }
        let next = sampleNext(pathway: twin.pathway, state: twin.state, covariates: x, using: &move)
        return StayDraw(spell: twin.spell, step: twin.step, state: twin.state, startMinute: twin.stateSince,
                        durationMinutes: max(length, elapsed),
                        next: next, levelOfCare: twin.levelOfCare)
    }

    /// Most draws of an operation and its recovery tried, for `drawTheatresStay`, before the patient is taken to be
    /// waiting (its time in the theatres is beyond almost every operation and recovery the model draws).
    public static let theatresTries = 200

    /// The current stay of a twin a census holds in the theatres: it went to theatre at `twin.stateSince` (the twin
    /// in theatre since then) and is, at `minute` (epoch minutes), still in theatre or, after it, in recovery — the
    /// feed's one theatres code covers both, so the census cannot say which. Drawn from `stream`: an operation's
    /// length T and where it goes next, and, to recovery, recovery's length R and where it goes after, until the
    /// patient would still be in the theatres (T > elapsed, or T + R > elapsed after a recovery): the state and
    /// stay at `minute` given the time spent there. After `theatresTries` draws that end too soon, the patient is
    /// taken to be waiting there, its stay (recovery's after a recovery was drawn, else the operation's) ended
    /// now. Returns the twin, stepped into recovery when it is there, and its current stay.
    public func drawTheatresStay(for twin: PatientTwin, at minute: Double, using stream: inout RandomStream)
        -> (twin: PatientTwin, stay: StayDraw)
    {
        precondition(twin.state == .theatre, "a census patient in the theatres is a twin in theatre since it went there")
        let x = twin.covariates
        let elapsed = max(0, minute - twin.stateSince)
        var last: (operation: Double, next: CareState, recovery: Double, after: CareState)?
        for _ in 0..<Self.theatresTries {
            let operation = sampleSojourn(pathway: twin.pathway, state: .theatre, covariates: x, using: &stream)
            let next = sampleNext(pathway: twin.pathway, state: .theatre, covariates: x, using: &stream)
            var recovery = 0.0, after = next
            if next == .recovery {
                recovery = sampleSojourn(pathway: twin.pathway, state: .recovery, covariates: x, using: &stream)
                after = sampleNext(pathway: twin.pathway, state: .recovery, covariates: x, using: &stream)
            }
            last = (operation, next, recovery, after)
            if operation > elapsed || (next == .recovery && operation + recovery > elapsed) { break }
        }
        guard let (operation, next, recovery, after) = last else { preconditionFailure("theatresTries is positive") }
        if operation > elapsed || next != .recovery {
            return (twin, StayDraw(spell: twin.spell, step: twin.step, state: .theatre, startMinute: twin.stateSince,
                                   durationMinutes: max(operation, elapsed),
                                   next: next, levelOfCare: twin.levelOfCare))
        }
        var inRecovery = twin
        inRecovery.step(to: .recovery, at: twin.stateSince + operation)
        return (inRecovery, StayDraw(spell: inRecovery.spell, step: inRecovery.step, state: .recovery,
                                     startMinute: inRecovery.stateSince, durationMinutes: max(recovery, elapsed - operation),
                                     next: after, levelOfCare: inRecovery.levelOfCare))
    }

    /// Where `stay` (drawn for `twin` as it is now, in its current state) lies among the stays that have lasted to
    /// `minute`: S(length) / S(elapsed) under the covariates it was drawn with, in (0, 1] — uniform over such
    /// stays, whatever the covariates. nil when the stay is not the twin's current one, has ended by `minute`, or
    /// lies beyond the tail double precision can represent.
    public func survivalRank(of stay: StayDraw, for twin: PatientTwin, at minute: Double) -> Double? {
        guard stay.state == twin.state, stay.step == twin.step, stay.spell == twin.spell, stay.endMinute > minute
        else { return nil }
        let i = index(twin.pathway, twin.state)
        let factor = timeFactor(i, twin.pathway, twin.covariates)
        let reached = baselines[i].survival(max(0, minute - stay.startMinute) / factor)
        guard reached > 0 else { return nil }
        let rank = baselines[i].survival(stay.durationMinutes / factor) / reached
        return rank > 0 ? min(1, rank) : nil
    }

    /// Draws whether a twin just discharged alive is readmitted within 30 days, and when: LACE from its spell
    /// (calendar days in the hospital's time zone), the readmission model's probability, one uniform from the
    /// twin's (patient, spell) stream, and the delay from another. A twin that died is never readmitted.
    public func drawReadmission(for twin: PatientTwin, streams: TwinStreams) -> ReadmissionDraw {
        drawReadmission(for: twin, streams: streams, notReturnedAfterMinutes: 0)
    }

    /// The same for a twin discharged `elapsed` minutes ago (0 ≤ elapsed) that has not come back since: with
    /// p the probability of a readmission within 30 days and G the delay's distribution, it comes back with
    /// probability p(1 − G(s)) / (1 − p·G(s)) for s = elapsed days, after a delay drawn from G beyond s; never once
    /// 30 days have passed. `delayMinutes` counts from the discharge. With `elapsed` 0, `drawReadmission(for:streams:)`.
    public func drawReadmission(for twin: PatientTwin, streams: TwinStreams, notReturnedAfterMinutes elapsed: Double)
        -> ReadmissionDraw
    {
        drawReadmission(for: twin, chance: readmissionChance(for: twin, notReturnedAfterMinutes: elapsed), streams: streams)
    }

    /// What `drawReadmission(for:streams:notReturnedAfterMinutes:)` draws from, without drawing: the same for every
    /// replication of one census, so a forecast works it out once per recent discharge.
    public func readmissionChance(for twin: PatientTwin, notReturnedAfterMinutes elapsed: Double) -> ReadmissionChance {
        guard twin.state == .dischargedHome || twin.state == .dischargedCareHome else {
            return ReadmissionChance(probability: 0, lace: nil, elapsedDays: 0, stillToCome: nil)
        }
        let lace = LACEScore(attributes: twin.attributes, admittedAt: twin.spellStart, dischargedAt: twin.stateSince,
                             timeZone: timeZone)
        let readmission = model.readmission
        let probability = readmission.probability(lace)
        let elapsedDays = max(0, elapsed) / 1440
        guard elapsedDays < 30 else {
            return ReadmissionChance(probability: probability, lace: lace, elapsedDays: elapsedDays, stillToCome: nil)
        }
        let returned = elapsedDays > 0 ? readmission.delayCDF(days: elapsedDays) : 0
        let stillToCome = elapsedDays > 0 ? probability * (1 - returned) / (1 - probability * returned) : probability
        return ReadmissionChance(probability: probability, lace: lace, elapsedDays: elapsedDays, stillToCome: stillToCome)
    }

    /// The readmission of `twin` drawn from its own streams with `chance` (`readmissionChance` of the same twin).
    public func drawReadmission(for twin: PatientTwin, chance: ReadmissionChance, streams: TwinStreams) -> ReadmissionDraw {
        guard let stillToCome = chance.stillToCome else {
            return ReadmissionDraw(probability: chance.probability, delayMinutes: nil, lace: chance.lace)
        }
        var decision = streams.readmission.stream(twin.id.value, UInt64(twin.spell))
        guard decision.nextUniform() < stillToCome else {
            return ReadmissionDraw(probability: chance.probability, delayMinutes: nil, lace: chance.lace)
        }
        var delay = streams.readmissionDelay.stream(twin.id.value, UInt64(twin.spell))
        return ReadmissionDraw(probability: chance.probability,
                               delayMinutes: model.readmission.sampleDelayDays(after: chance.elapsedDays, using: &delay) * 1440,
                               lace: chance.lace)
    }

    /// Predicts the rest of `twin`'s spell from `minute` (not before it entered its current state), following it
    /// stay by stay without capacity limits: each stay drawn when the twin enters it (`drawStay`), the current one
    /// given what has elapsed, then the readmission. A spell longer than 200 stays is cut off there (a model with
    /// a cycle that rarely ends) and discharged home.
    public func predictTrajectory(for twin: PatientTwin, from minute: Double, streams: TwinStreams)
        throws(PredictionError) -> PredictedTrajectory
    {
        var current = twin
        var clock = max(minute, twin.stateSince)
        var steps: [TrajectoryStep] = []
        steps.reserveCapacity(6)
        var discharge = CareState.dischargedHome
        for _ in 0..<200 {
            let draw = try drawStay(for: current, at: clock, streams: streams)
            let remaining = max(0, draw.endMinute - clock)
            steps.append(TrajectoryStep(state: draw.state, startMinute: clock, durationMinutes: remaining,
                                        bedType: draw.state.bedType!, levelOfCare: draw.levelOfCare,
                                        theatreMinutes: draw.state == .theatre ? draw.durationMinutes : 0))
            clock += remaining
            discharge = draw.next
            current.step(to: draw.next, at: clock)
            if draw.next.isDischarge { break }
        }
        if !current.isDischarged {
            discharge = .dischargedHome
            current.step(to: discharge, at: clock)
        }
        let readmission = drawReadmission(for: current, streams: streams)
        return PredictedTrajectory(steps: steps, discharge: discharge, dischargeMinute: clock,
                                   lengthOfStayDays: (clock - twin.spellStart) / 1440,
                                   readmissionProbability: readmission.probability,
                                   readmissionMinute: readmission.delayMinutes.map { clock + $0 })
    }
}

extension PatientTwin {
    /// Moves the twin on to `next` at `minute`, as its drawn stay said: the one way every follower of twins (the
    /// predictor, the episode generator, the cohort and hospital simulations) steps a trajectory. A move the twin
    /// cannot make (a time before its current stay, a move to where it is) is a programming error here: the draw
    /// came from the twin itself.
    public mutating func step(to next: CareState, at minute: Double) {
        do { try apply(Observation(minute: minute, .transfer(to: next))) } catch {
            preconditionFailure("a drawn stay must step its own twin: \(error)")
        }
    }

    /// Predicts the rest of this twin's spell from `minute` with `predictor`, drawing from `streams`.
    public func predictTrajectory(with predictor: TrajectoryPredictor, from minute: Double, streams: TwinStreams)
        throws(PredictionError) -> PredictedTrajectory
    {
        try predictor.predictTrajectory(for: self, from: minute, streams: streams)
    }
}

extension CareState {
    /// Position in `CareState.units` (which lead `allCases`); discharges have none (a precondition).
    @usableFromInline
    var unitOrdinal: Int {
        precondition(!isDischarge, "a discharge has no unit model")
        return ordinal
    }
}
