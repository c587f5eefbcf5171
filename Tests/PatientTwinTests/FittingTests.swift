import Foundation
import PatientTwin
import Simulation
import Reports
import Testing
import TestSupport

/// Fitting recovers the generating parameters: episodes are generated from the built-in model (known truth),
/// written to an episode file and read back, fitted, and every well-identified estimate must lie within
/// z·SE of its true value. z is Bonferroni-corrected over all m checks so that the whole test has a 1% chance
/// of failing when the estimator is right: z = Φ⁻¹(1 − 0.01/(2m)). The standard errors are the fitter's own
/// (inverse observed information), so the test also checks that they are honest.
@Suite("fitting twins", .serialized)
struct FittingTests {
    static let truth = TwinModel.builtIn

    /// One generated-and-fitted data set, shared by the recovery checks.
    static let fitted: (result: FitResult, rows: Int) = {
        let generator = try! EpisodeGenerator()
        let rows = generator.generate(patients: 30_000, startMinute: 28_000_000, days: 365, seed: 1)
        let path = NSTemporaryDirectory() + "episodes-\(getpid()).csv"
        defer { unlink(path) }
        try! EpisodeFile.write(rows, to: path)
        let spells = try! EpisodeFile.spells(from: try! EpisodeFile.read(path: path))
        return (ModelFitter.fit(spells, source: path), rows.count)
    }()

    struct Check {
        let name: String
        let estimate: Double
        let standardError: Double
        let truth: Double
    }

    static var checks: [Check] {
        var checks: [Check] = []
        let report = fitted.result.report
        for state in report.states where state.stays - state.censored >= 500 {
            let true_ = truth.model(of: state.pathway)!.model(of: state.state)!.sojourn
            guard let fit = state.fits.first(where: { $0.family == true_.family }) else { continue }
            let name = "\(state.pathway.rawValue)/\(state.state.rawValue) \(fit.family.rawValue)"
            checks.append(Check(name: "\(name) first", estimate: fit.first, standardError: fit.firstStandardError,
                                truth: true_.first))
            checks.append(Check(name: "\(name) second", estimate: fit.second, standardError: fit.secondStandardError,
                                truth: true_.second))
            for (k, covariate) in Covariate.allCases.enumerated() where fit.timeEffectStandardErrors[k].isFinite {
                checks.append(Check(name: "\(name) γ[\(covariate.rawValue)]", estimate: fit.timeEffects[k],
                                    standardError: fit.timeEffectStandardErrors[k], truth: true_.timeEffects[k]))
            }
        }
        for transition in report.transitions where transition.moves >= 500 {
            guard let fit = transition.fit else { continue }
            let true_ = truth.model(of: transition.pathway)!.model(of: transition.state)!.transitions
            for j in 1..<fit.destinations.count {
                let name = "\(transition.pathway.rawValue)/\(transition.state.rawValue)→\(fit.destinations[j].rawValue)"
                checks.append(Check(name: "\(name) α", estimate: fit.intercepts[j],
                                    standardError: fit.interceptStandardErrors[j], truth: true_.intercepts[j]))
                for (k, covariate) in Covariate.allCases.enumerated() where fit.coefficientStandardErrors[j][k].isFinite {
                    checks.append(Check(name: "\(name) β[\(covariate.rawValue)]", estimate: fit.coefficients[j][k],
                                        standardError: fit.coefficientStandardErrors[j][k],
                                        truth: true_.coefficients[j][k]))
                }
            }
        }
        let r = truth.readmission
        let names = ["intercept", "L", "A", "C", "E"]
        let truths = [r.intercept, r.lengthOfStay, r.acuity, r.comorbidity, r.emergencyVisits]
        for i in 0..<5 {
            checks.append(Check(name: "readmission \(names[i])", estimate: report.readmissionCoefficients[i],
                                standardError: report.readmissionStandardErrors[i], truth: truths[i]))
        }
        if let delay = report.delay {
            checks.append(Check(name: "readmission delay shape", estimate: delay.shape, standardError: delay.shapeError,
                                truth: r.delayShape))
            checks.append(Check(name: "readmission delay scale", estimate: delay.scaleDays, standardError: delay.scaleError,
                                truth: r.delayScaleDays))
        }
        return checks
    }

    @Test("every well-identified parameter is recovered within its Bonferroni-corrected interval")
    func recoversParameters() {
        let checks = Self.checks
        #expect(checks.count > 250)
        let z = SpecialFunctions.normalQuantile(1 - 0.01 / (2 * Double(checks.count)))
        let misses = checks.filter { !(abs($0.estimate - $0.truth) <= z * $0.standardError) }
        let summary = misses.prefix(5).map { "\($0.name): \($0.estimate) ± \($0.standardError) vs \($0.truth)" }
        #expect(misses.isEmpty, "\(misses.count) of \(checks.count) outside ±\(z)·SE: \(summary.joined(separator: "; "))")
        // The standard errors are honest: |z-scores| behave like a standard normal's (mean √(2/π) ≈ 0.80).
        let meanAbsoluteZ = checks.map { abs($0.estimate - $0.truth) / $0.standardError }.reduce(0, +) / Double(checks.count)
        #expect(meanAbsoluteZ > 0.6 && meanAbsoluteZ < 1.0, "mean |z| = \(meanAbsoluteZ)")
    }

    @Test("AIC picks the generating family wherever the families are distinguishable")
    func choosesFamily() {
        // Gamma and Weibull with shape near 1 are both nearly exponential, so no amount of data tells them
        // apart; elsewhere 2,000 ended stays are plenty.
        for state in Self.fitted.result.report.states where state.stays - state.censored >= 2_000 {
            let true_ = Self.truth.model(of: state.pathway)!.model(of: state.state)!.sojourn
            if true_.family != .lognormal && (0.8...1.5).contains(true_.first) { continue }
            #expect(state.chosen == true_.family, "\(state.pathway.rawValue)/\(state.state.rawValue): \(state.chosen?.rawValue ?? "none")")
        }
    }

    @Test("the readmission model is calibrated: Hosmer–Lemeshow does not reject at 0.1%, deciles rise")
    func calibration() throws {
        let report = Self.fitted.result.report
        #expect(report.calibration.count == 10)
        let hl = try #require(report.hosmerLemeshow)
        #expect(hl.pValue > Tolerance.alpha)
        #expect(report.calibration.first!.meanPredicted < report.calibration.last!.meanPredicted)
    }

    @Test("the fitted model is a sound model: it writes, reads back and predicts")
    func fittedModelIsUsable() throws {
        let model = Self.fitted.result.model
        #expect(model.problems.isEmpty)
        let reread = try TwinModelFile.decode(try TwinModelFile.encode(model))
        let identical = reread == model
        #expect(identical)
        let predictor = try TrajectoryPredictor(model: model)
        var stream = RandomStream(seed: 1)
        let twin = PatientTwin(id: PatientID(1), attributes: .sample(), pathway: .stroke, admittedAt: 0)
        #expect(try twin.predictTrajectory(with: predictor, from: 0, using: &stream).discharge.isDischarge)
        let report = FitReportFormatter.markdown(Self.fitted.result.report)
        #expect(report.contains("| emergency_medical | ward |") && report.contains("Hosmer–Lemeshow"))
    }

    @Test("censored stays are handled: heavy censoring leaves the estimate unbiased, ignoring it would not")
    func censoring() throws {
        let truth = try LogNormal(mu: log(5 * 1440), sigma: 0.8)
        var stream = RandomStream(seed: 9)
        var data: [SojournObservation] = []
        var naive: [SojournObservation] = []
        for _ in 0..<5_000 {
            let stay = truth.sample(using: &stream)
            let export = -6 * 1440 * log(stream.nextUniform())  // censoring time, exponential, mean 6 days
            data.append(SojournObservation(minutes: min(stay, export), censored: export < stay, covariates: [0, 0, 0, 0]))
            naive.append(SojournObservation(minutes: min(stay, export), censored: false, covariates: [0, 0, 0, 0]))
        }
        #expect(data.filter(\.censored).count > 1_500)
        let prior = SojournModel.lognormal(medianMinutes: 1440, sigma: 1)
        let fit = try #require(SojournFitter.fit(data, family: .lognormal, prior: prior))
        #expect(abs(fit.first - truth.mu) <= Tolerance.z * fit.firstStandardError)
        #expect(abs(fit.second - truth.sigma) <= Tolerance.z * fit.secondStandardError)
        let wrong = try #require(SojournFitter.fit(naive, family: .lognormal, prior: prior))
        #expect(abs(wrong.first - truth.mu) > 10 * wrong.firstStandardError)
    }

    @Test("Kaplan–Meier distance equals the KS statistic without censoring")
    func kaplanMeier() throws {
        let d = try Exponential(mean: 2)
        var stream = RandomStream(seed: 4)
        let sample = (0..<1_000).map { _ in d.sample(using: &stream) }
        let km = SojournFitter.kaplanMeierDistance(sample.map { ($0, false) }, cdf: d.cdf)
        #expect(abs(km - GoodnessOfFit.kolmogorovSmirnovStatistic(sample, cdf: d.cdf)) < 1e-12)
    }

    @Test("a destination never seen keeps a small probability (smoothing); thin data keep the base model")
    func smoothingAndThinData() throws {
        let prior = TransitionModel.probabilities([(.dischargedHome, 0.9), (.died, 0.1)])
        let data = (0..<200).map { i in
            TransitionObservation(covariates: [Double(i % 5) - 2, Double(i % 3), 0, 0], destination: .dischargedHome)
        }
        let fit = TransitionFitter.fit(data, prior: prior)
        let probabilities = fit.model.probabilities(for: [0, 0, 0, 0])
        #expect(probabilities[1] > 0 && probabilities[1] < 0.01)
        #expect(fit.counts == [200, 0])
    }
}
