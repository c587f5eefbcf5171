import Foundation
import Simulation

/// How to fit.
public struct FitOptions: Sendable {
    /// When the export was taken (minutes since 1970 UTC); stays still open then are censored there. Default:
    /// the latest time in the data.
    public var exportMinute: Double?
    /// Fewer ended stays than this in a state and its sojourn model is kept from the base model.
    public var minimumStays = 20
    /// Fewer moves than this from a state and its transition model is kept from the base model.
    public var minimumMoves = 20
    /// The model whose parameters stand where the data are too thin, and whose covariate effects stand where a
    /// covariate does not vary in the data.
    public var base: TwinModel = .builtIn
    /// Worker threads.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The hospital's time zone: LACE counts calendar days of stay in it.
    public var timeZone = RecordTime.utc
    /// A spell's covariates for the sojourn and transition fits: by default its patient's (`Spell.covariates`). Data
    /// that lack a covariate (an ADT feed carries no Charlson index) give it a value that does not vary within a
    /// pathway, so its effects stay the base model's.
    public var covariates: @Sendable (Spell) -> Covariates = { $0.covariates }
    /// Where the end of a spell's stay (by index) is known only within intervals (`SojournObservation.endIntervals`):
    /// a discharge that waited for a window ended when the window opened, not when the patient was ready. Default:
    /// none, every end as recorded.
    public var endIntervals: @Sendable (Spell, Int) -> [SojournObservation.EndInterval] = { _, _ in [] }

    /// Default options.
    public init() {}
}

/// What fitting found, state by state, and how well the readmission model is calibrated.
public struct FitReport: Sendable {
    /// One state's sojourn fit.
    public struct StateReport: Sendable {
        /// The pathway.
        public let pathway: Pathway
        /// The state.
        public let state: CareState
        /// Stays observed.
        public let stays: Int
        /// Of which still open at the export.
        public let censored: Int
        /// The fits of every family tried (empty when kept from the base model).
        public let fits: [SojournFit]
        /// The family chosen (lowest AIC), nil when kept from the base model.
        public let chosen: SojournFamily?
    }

    /// One state's transition fit.
    public struct TransitionReport: Sendable {
        /// The pathway.
        public let pathway: Pathway
        /// The state moved from.
        public let state: CareState
        /// The fit, nil when kept from the base model.
        public let fit: TransitionFit?
        /// Moves observed.
        public let moves: Int
    }

    /// One risk decile of the readmission model.
    public struct CalibrationRow: Sendable, Hashable {
        /// 1 (lowest predicted risk) to 10.
        public let decile: Int
        /// Discharges in it.
        public let discharges: Int
        /// Mean predicted probability.
        public let meanPredicted: Double
        /// Observed readmission rate.
        public let observed: Double
    }

    /// The source file.
    public let source: String
    /// The export time used for censoring.
    public let exportMinute: Double
    /// Spells read.
    public let spells: Int
    /// Distinct patients.
    public let patients: Int
    /// Sojourn fits.
    public let states: [StateReport]
    /// Transition fits.
    public let transitions: [TransitionReport]
    /// Discharges alive with 30 days of follow-up before the export, used for the readmission model.
    public let readmissionDischarges: Int
    /// Of which readmitted within 30 days.
    public let readmissions: Int
    /// Fitted readmission coefficients [intercept, L, A, C, E] and their standard errors.
    public let readmissionCoefficients: [Double]
    /// Their standard errors (NaN where held at the base model's value for lack of variation).
    public let readmissionStandardErrors: [Double]
    /// Fitted delay shape and scale (days) with standard errors, when enough readmissions were seen.
    public let delay: (shape: Double, scaleDays: Double, shapeError: Double, scaleError: Double)?
    /// Observed against predicted by decile of predicted risk.
    public let calibration: [CalibrationRow]
    /// The Hosmer–Lemeshow statistic over the deciles and its p-value (8 degrees of freedom).
    public let hosmerLemeshow: (statistic: Double, pValue: Double)?
}

/// The fitted model and the report on how it was fitted.
public struct FitResult: Sendable {
    /// The model.
    public let model: TwinModel
    /// The report.
    public let report: FitReport

    /// A result from its parts (a caller that adjusts the fitted model keeps the report of the fit).
    public init(model: TwinModel, report: FitReport) {
        self.model = model
        self.report = report
    }
}

/// Fits a twin model to spells: per pathway and state a sojourn distribution (lognormal, gamma and Weibull by
/// censored maximum likelihood, the lowest AIC chosen) and a transition model (smoothed multinomial logit), and
/// a readmission model (logistic regression on the LACE components) with a delay distribution.
public enum ModelFitter {
    /// Fits `spells` (from `source`, for the report).
    public static func fit(_ spells: [Spell], source: String, options: FitOptions = FitOptions()) -> FitResult {
        let export = options.exportMinute ?? spells.flatMap { $0.stays.map { $0.endMinute ?? $0.startMinute } }.max() ?? 0
        var sojourns: [String: [SojournObservation]] = [:]
        var moves: [String: [TransitionObservation]] = [:]
        @Sendable func key(_ pathway: Pathway, _ state: CareState) -> String { "\(pathway.rawValue)/\(state.rawValue)" }
        for spell in spells {
            let x = options.covariates(spell)
            for (index, stay) in spell.stays.enumerated() {
                let end = stay.endMinute ?? export
                guard end > stay.startMinute || stay.endMinute != nil else { continue }  // opened at the export
                sojourns[key(spell.pathway, stay.unit), default: []].append(
                    SojournObservation(minutes: max(0.5, end - stay.startMinute), censored: stay.endMinute == nil, covariates: x,
                                       endIntervals: stay.endMinute == nil ? [] : options.endIntervals(spell, index)))
                var next: CareState? = index + 1 < spell.stays.count ? spell.stays[index + 1].unit
                    : (stay.endMinute != nil ? spell.discharge : nil)
                // The model's rules (`TwinModel.problems`): no move back to the ED; theatre's way out is recovery, so
                // a record that skips it (a day case's recovery not recorded) moves through recovery.
                if next == .ed { next = nil }
                if stay.unit == .theatre, next?.isDischarge == true { next = .recovery }
                if let next {
                    moves[key(spell.pathway, stay.unit), default: []].append(TransitionObservation(covariates: x, destination: next))
                }
            }
        }

        // Sojourn fits, three families per state, in parallel; results stored by task index.
        struct Task { let pathway: Pathway; let state: CareState; let family: SojournFamily }
        var tasks: [Task] = []
        for pathway in Pathway.allCases {
            for state in CareState.units {
                let data = sojourns[key(pathway, state)] ?? []
                if data.filter({ !$0.censored }).count >= options.minimumStays {
                    for family in SojournFamily.allCases { tasks.append(Task(pathway: pathway, state: state, family: family)) }
                }
            }
        }
        let base = options.base
        let taskList = tasks
        let observations = sojourns
        let fits = Parallel.map(count: tasks.count, threads: options.threads) { index in
            let task = taskList[index]
            let prior = base.model(of: task.pathway)!.model(of: task.state)!.sojourn
            return SojournFitter.fit(observations[key(task.pathway, task.state)]!, family: task.family, prior: prior)
        }

        var pathways: [PathwayModel] = []
        var stateReports: [FitReport.StateReport] = []
        var transitionReports: [FitReport.TransitionReport] = []
        for pathway in Pathway.allCases {
            let baseline = base.model(of: pathway)!
            var states: [StateModel] = []
            for unit in CareState.units {
                var state = baseline.model(of: unit)!
                let data = sojourns[key(pathway, unit)] ?? []
                let stateFits = tasks.indices.filter { tasks[$0].pathway == pathway && tasks[$0].state == unit }
                    .compactMap { fits[$0] }
                let best = stateFits.filter { $0.aic.isFinite }.min { $0.aic < $1.aic }
                if let best { state.sojourn = best.model }
                if !data.isEmpty {
                    stateReports.append(FitReport.StateReport(pathway: pathway, state: unit, stays: data.count,
                                                              censored: data.filter(\.censored).count, fits: stateFits,
                                                              chosen: best?.family))
                }
                let observed = moves[key(pathway, unit)] ?? []
                var transitionFit: TransitionFit?
                if observed.count >= options.minimumMoves {
                    let fit = TransitionFitter.fit(observed, prior: state.transitions)
                    state.transitions = fit.model
                    transitionFit = fit
                }
                if !observed.isEmpty {
                    transitionReports.append(FitReport.TransitionReport(pathway: pathway, state: unit, fit: transitionFit,
                                                                        moves: observed.count))
                }
                states.append(state)
            }
            pathways.append(PathwayModel(pathway: pathway, states: states))
        }

        let readmission = fitReadmission(spells, export: export, base: base.readmission, timeZone: options.timeZone)
        let model = TwinModel(description: "fitted by hospital-twin from \(URL(fileURLWithPath: source).lastPathComponent): "
                                  + "\(spells.count) spells",
                              pathways: pathways, readmission: readmission.model)
        let report = FitReport(source: source, exportMinute: export, spells: spells.count,
                               patients: Set(spells.map(\.patientID)).count, states: stateReports,
                               transitions: transitionReports, readmissionDischarges: readmission.discharges,
                               readmissions: readmission.readmissions, readmissionCoefficients: readmission.coefficients,
                               readmissionStandardErrors: readmission.errors, delay: readmission.delay,
                               calibration: readmission.calibration, hosmerLemeshow: readmission.hosmerLemeshow)
        return FitResult(model: model, report: report)
    }

    struct ReadmissionResult {
        let model: ReadmissionModel
        let discharges: Int
        let readmissions: Int
        let coefficients: [Double]
        let errors: [Double]
        let delay: (shape: Double, scaleDays: Double, shapeError: Double, scaleError: Double)?
        let calibration: [FitReport.CalibrationRow]
        let hosmerLemeshow: (statistic: Double, pValue: Double)?
    }

    /// Labels each discharge alive from an inpatient spell whose 30 days of follow-up end before the export as
    /// readmitted or not — an emergency inpatient spell of the same patient starting within 30 days; ED
    /// attendances alone are neither index discharges nor readmissions — and fits the logistic model on the LACE
    /// components (L in calendar days in `timeZone`), then a Weibull truncated at 30 days to the delays.
    static func fitReadmission(_ spells: [Spell], export: Double, base: ReadmissionModel, timeZone: TimeZone)
        -> ReadmissionResult
    {
        var byPatient: [String: [Spell]] = [:]
        for spell in spells where spell.isInpatient { byPatient[spell.patientID, default: []].append(spell) }
        var features: [[Double]] = []
        var outcomes: [Bool] = []
        var delays: [Double] = []
        for patient in byPatient.keys.sorted() {
            let history = byPatient[patient]!.sorted { $0.startMinute < $1.startMinute }
            for (index, spell) in history.enumerated() {
                guard let discharge = spell.discharge, discharge != .died, let end = spell.endMinute,
                      end + 30 * 1440 <= export
                else { continue }
                let lace = LACEScore(attributes: spell.attributes, admittedAt: spell.startMinute, dischargedAt: end,
                                     timeZone: timeZone)
                features.append([1, Double(lace.lengthOfStay), Double(lace.acuity), Double(lace.comorbidity),
                                 Double(lace.emergencyVisits)])
                let readmission = history[(index + 1)...].first {
                    $0.attributes.admissionMethod == .emergency && $0.startMinute > end && $0.startMinute <= end + 30 * 1440
                }
                outcomes.append(readmission != nil)
                if let readmission { delays.append((readmission.startMinute - end) / 1440) }
            }
        }
        let fixed = [base.intercept, base.lengthOfStay, base.acuity, base.comorbidity, base.emergencyVisits]
        guard features.count >= 50, outcomes.contains(true), outcomes.contains(false) else {
            return ReadmissionResult(model: base, discharges: features.count, readmissions: outcomes.filter { $0 }.count,
                                     coefficients: fixed, errors: fixed.map { _ in .nan }, delay: nil, calibration: [],
                                     hosmerLemeshow: nil)
        }
        let fit = LogisticRegression.fit(features: features, outcomes: outcomes, fixed: fixed)
        let b = fit.coefficients
        var model = ReadmissionModel(intercept: b[0], lengthOfStay: b[1], acuity: b[2], comorbidity: b[3],
                                     emergencyVisits: b[4], delayShape: base.delayShape, delayScaleDays: base.delayScaleDays)
        var delay: (shape: Double, scaleDays: Double, shapeError: Double, scaleError: Double)?
        if delays.count >= 20 {
            let data = delays.map { max($0, 1e-3) }
            let negativeLogLikelihood = { (theta: [Double]) -> Double in
                let shape = exp(theta[0]), scale = exp(theta[1])
                guard shape.isFinite, scale.isFinite, shape > 0, scale > 0 else { return .infinity }
                let truncation = -expm1(-pow(30 / scale, shape))
                guard truncation > 0 else { return .infinity }
                var total = 0.0
                for t in data {
                    let r = t / scale
                    total += log(shape / scale) + (shape - 1) * log(r) - pow(r, shape) - log(truncation)
                }
                return -total
            }
            let result = Minimizer.minimize(negativeLogLikelihood, start: [0, log(10)])
            if result.value.isFinite {
                let errors = LinearAlgebra.standardErrors(fromHessian: Minimizer.numericalHessian(negativeLogLikelihood,
                                                                                                 at: result.point))
                let shape = exp(result.point[0]), scale = exp(result.point[1])
                model.delayShape = shape
                model.delayScaleDays = scale
                delay = (shape, scale, shape * errors[0], scale * errors[1])
            }
        }
        // Calibration by decile of predicted risk.
        let predicted = features.map { row in 1 / (1 + exp(-zip(row, b).reduce(0) { $0 + $1.0 * $1.1 })) }
        let order = predicted.indices.sorted { predicted[$0] < predicted[$1] }
        var calibration: [FitReport.CalibrationRow] = []
        var statistic = 0.0
        for decile in 0..<10 {
            let members = order[(decile * order.count / 10)..<((decile + 1) * order.count / 10)]
            guard !members.isEmpty else { continue }
            let n = Double(members.count)
            let expected = members.reduce(0) { $0 + predicted[$1] }
            let observed = Double(members.filter { outcomes[$0] }.count)
            calibration.append(FitReport.CalibrationRow(decile: decile + 1, discharges: members.count,
                                                        meanPredicted: expected / n, observed: observed / n))
            let variance = expected * (1 - expected / n)
            if variance > 0 { statistic += (observed - expected) * (observed - expected) / variance }
        }
        let hosmerLemeshow = calibration.count == 10
            ? (statistic, SpecialFunctions.chiSquareSurvival(statistic, degreesOfFreedom: 8)) : nil
        return ReadmissionResult(model: model, discharges: features.count, readmissions: outcomes.filter { $0 }.count,
                                 coefficients: b, errors: fit.standardErrors, delay: delay, calibration: calibration,
                                 hosmerLemeshow: hosmerLemeshow)
    }
}
