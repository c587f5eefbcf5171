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
            for ((parameter, truthValue), error) in zip(zip(fit.distribution.parameters, true_.distribution.parameters),
                                                        fit.standardErrors)
            {
                checks.append(Check(name: "\(name) \(parameter.name)", estimate: parameter.value, standardError: error,
                                    truth: truthValue.value))
            }
            for covariate in Covariate.allCases where fit.timeEffectStandardErrors[covariate].isFinite {
                checks.append(Check(name: "\(name) γ[\(covariate.rawValue)]", estimate: fit.timeEffects[covariate],
                                    standardError: fit.timeEffectStandardErrors[covariate],
                                    truth: true_.timeEffects[covariate]))
            }
        }
        for transition in report.transitions where transition.moves >= 500 {
            guard let fit = transition.fit else { continue }
            let true_ = truth.model(of: transition.pathway)!.model(of: transition.state)!.transitions
            for j in 1..<fit.destinations.count {
                guard let truthDestination = true_.destinations.first(where: { $0.state == fit.destinations[j] }) else {
                    continue
                }
                let estimate = fit.model.destinations[j]
                let name = "\(transition.pathway.rawValue)/\(transition.state.rawValue)→\(fit.destinations[j].rawValue)"
                checks.append(Check(name: "\(name) α", estimate: estimate.intercept,
                                    standardError: fit.interceptStandardErrors[j], truth: truthDestination.intercept))
                for covariate in Covariate.allCases where fit.effectStandardErrors[j][covariate].isFinite {
                    checks.append(Check(name: "\(name) β[\(covariate.rawValue)]", estimate: estimate.effects[covariate],
                                        standardError: fit.effectStandardErrors[j][covariate],
                                        truth: truthDestination.effects[covariate]))
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
        // The standard errors are honest: |z-scores| behave like a standard normal's, whose mean is √(2/π) with a
        // variance of 1 − 2/π per score; the mean of m of them lies within Tolerance.z of it (the scores are
        // nearly independent: each comes from a different state's data or parameter).
        let meanAbsoluteZ = checks.map { abs($0.estimate - $0.truth) / $0.standardError }.reduce(0, +) / Double(checks.count)
        let expected = (2 / Double.pi).squareRoot()
        let band = Tolerance.halfWidth(variance: 1 - 2 / Double.pi, count: checks.count)
        #expect(abs(meanAbsoluteZ - expected) <= band, "mean |z| = \(meanAbsoluteZ), expected \(expected) ± \(band)")
    }

    @Test("AIC picks the generating family wherever the families are distinguishable")
    func choosesFamily() {
        // Gamma and Weibull with shape near 1 are both nearly exponential, so no amount of data tells them
        // apart; elsewhere 2,000 ended stays are plenty.
        for state in Self.fitted.result.report.states where state.stays - state.censored >= 2_000 {
            let true_ = Self.truth.model(of: state.pathway)!.model(of: state.state)!.sojourn
            if true_.family != .lognormal && (0.8...1.5).contains(true_.distribution.parameters[0].value) { continue }
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
        let twin = PatientTwin(id: PatientID(1), attributes: .sample(), pathway: .stroke, admittedAt: 0)
        let streams = TwinStreams(RandomStreams(masterSeed: 1))
        #expect(try twin.predictTrajectory(with: predictor, from: 0, streams: streams).discharge.isDischarge)
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
            data.append(SojournObservation(minutes: min(stay, export), censored: export < stay, covariates: .reference))
            naive.append(SojournObservation(minutes: min(stay, export), censored: false, covariates: .reference))
        }
        #expect(data.filter(\.censored).count > 1_500)
        let prior = SojournModel(.lognormal(medianMinutes: 1440, sigma: 1))
        let fit = try #require(SojournFitter.fit(data, family: .lognormal, prior: prior))
        guard case .lognormal(let mu, let sigma) = fit.distribution else { Issue.record("not lognormal"); return }
        #expect(abs(mu - truth.mu) <= Tolerance.z * fit.standardErrors[0])
        #expect(abs(sigma - truth.sigma) <= Tolerance.z * fit.standardErrors[1])
        let wrong = try #require(SojournFitter.fit(naive, family: .lognormal, prior: prior))
        guard case .lognormal(let wrongMu, _) = wrong.distribution else { Issue.record("not lognormal"); return }
        // Ignoring censoring shortens every censored stay: the estimate falls far outside its own interval.
        #expect(abs(wrongMu - truth.mu) > Tolerance.z * wrong.standardErrors[0])
    }

    @Test("a stay whose end waited for a daily window is interval-censored: the fit recovers the ready time's distribution, reading the wait as stay would not")
    func intervalCensoring() throws {
        // Ready after a lognormal stay from a uniform time of day; a window 09:00–20:00 takes a ready patient at once
        // with chance s, else each next opening with chance s. A discharge at an opening hides its ready time: it lay
        // in (the close before, the opening] with weight s, in the day's reach before that with s(1 − s), and so on.
        let truth = try LogNormal(mu: log(3 * 1440), sigma: 0.6)
        let open = 540.0, close = 1200.0, share = 0.7
        var stream = RandomStream(seed: 21)
        var data: [SojournObservation] = [], naive: [SojournObservation] = []
        var atOpenings = 0
        for _ in 0..<4_000 {
            let start = 1440 * stream.nextUniform()
            let ready = start + truth.sample(using: &stream)
            let day = (ready / 1440).rounded(.down)
            var leave: Double
            var opening: Double
            if ready - day * 1440 >= open && ready - day * 1440 < close {
                if stream.nextUniform() < share {
                    data.append(SojournObservation(minutes: ready - start, censored: false, covariates: .reference))
                    naive.append(data.last!)
                    continue
                }
                opening = (day + 1) * 1440 + open
            } else {
                opening = ready - day * 1440 < open ? day * 1440 + open : (day + 1) * 1440 + open
            }
            repeat {
                leave = opening
                opening += 1440
            } while stream.nextUniform() >= share
            atOpenings += 1
            var intervals: [SojournObservation.EndInterval] = []
            var weight = share
            var upper = leave, lower = leave - 1440 + (close - open)  // the close before the opening
            while weight >= 1e-9 && upper > start {
                intervals.append(.init(from: max(0, lower - start), to: upper - start, weight: weight))
                weight *= 1 - share
                upper = lower
                lower -= 1440
            }
            data.append(SojournObservation(minutes: leave - start, censored: false, covariates: .reference, endIntervals: intervals))
            naive.append(SojournObservation(minutes: leave - start, censored: false, covariates: .reference))
        }
        #expect(atOpenings > 2_000)
        let prior = SojournModel(.lognormal(medianMinutes: 1440, sigma: 1))
        let fit = try #require(SojournFitter.fit(data, family: .lognormal, prior: prior))
        guard case .lognormal(let mu, let sigma) = fit.distribution else { Issue.record("not lognormal"); return }
        #expect(abs(mu - truth.mu) <= Tolerance.z * fit.standardErrors[0], "\(mu) ± \(fit.standardErrors[0])")
        #expect(abs(sigma - truth.sigma) <= Tolerance.z * fit.standardErrors[1], "\(sigma) ± \(fit.standardErrors[1])")
        #expect(fit.ksPValue == nil)
        // The waits read as stay lengthen it: the naive estimate falls far outside its own interval.
        let wrong = try #require(SojournFitter.fit(naive, family: .lognormal, prior: prior))
        guard case .lognormal(let wrongMu, _) = wrong.distribution else { Issue.record("not lognormal"); return }
        #expect(wrongMu - truth.mu > Tolerance.z * wrong.standardErrors[0], "\(wrongMu)")
    }

    @Test("a readmission is an emergency inpatient spell within 30 days of an inpatient discharge alive; ED attendances count as neither")
    func readmissionDefinition() throws {
        let day = 1440.0
        func spell(_ id: String, _ patient: String, _ units: [CareState], start: Double, days: Double,
                   _ method: AdmissionMethod = .emergency) -> [EpisodeRow]
        {
            var attributes = PatientAttributes.sample(admission: method)
            attributes.charlsonIndex = 1
            let step = days * day / Double(units.count)
            return units.enumerated().map { index, unit in
                EpisodeRow(spellID: id, patientID: patient, pathway: nil, attributes: attributes, admissionNEWS2: nil,
                           unit: unit, startMinute: start + Double(index) * step,
                           endMinute: start + Double(index + 1) * step,
                           dischargeDestination: index == units.count - 1 ? .dischargedHome : nil)
            }
        }
        let rows = spell("a1", "A", [.ed, .ward], start: 0, days: 4)      // index discharge on day 4
            + spell("a2", "A", [.ed], start: 10 * day, days: 0.2)          // ED attendance on day 10: not a readmission
            + spell("b1", "B", [.ed], start: 0, days: 0.2)                 // ED attendance: not an index discharge
            + spell("b2", "B", [.ed, .ward], start: 5 * day, days: 3)      // index, then readmitted on day 20
            + spell("b3", "B", [.ed, .ward], start: 20 * day, days: 3)     // index (followed until day 53)
            + spell("c1", "C", [.theatre, .ward], start: 0, days: 2, .elective)  // index; C's next is elective
            + spell("c2", "C", [.theatre, .ward], start: 10 * day, days: 2, .elective)  // elective: no readmission
        let spells = try EpisodeFile.spells(from: rows)
        var options = FitOptions()
        options.exportMinute = 200 * day
        let report = ModelFitter.fit(spells, source: "hand-made", options: options).report
        // Index discharges: a1, b2, b3, c1, c2 (ED attendances a2 and b1 are not); readmitted: b2 only.
        #expect(report.readmissionDischarges == 5)
        #expect(report.readmissions == 1)
    }

    @Test("the model's rules hold for any data: a move back to the ED is not learnt, theatre straight home goes through recovery; a file breaking them is refused")
    func modelRules() throws {
        var rows: [EpisodeRow] = []
        for i in 0..<60 {
            var attributes = PatientAttributes.sample(admission: .elective)
            attributes.ageYears = 40 + i % 30
            let start = Double(i) * 1440
            let units: [CareState] = i % 2 == 0 ? [.theatre] : [.theatre, .ward, .ed]
            for (k, unit) in units.enumerated() {
                rows.append(EpisodeRow(spellID: "s\(i)", patientID: "p\(i)", pathway: .electiveSurgical, attributes: attributes,
                                       admissionNEWS2: nil, unit: unit, startMinute: start + Double(k) * 300,
                                       endMinute: start + Double(k + 1) * 300,
                                       dischargeDestination: k == units.count - 1 ? .dischargedHome : nil))
            }
        }
        let fit = ModelFitter.fit(try EpisodeFile.spells(from: rows), source: "hand-made", options: FitOptions())
        let theatre = try #require(fit.model.model(of: .electiveSurgical)?.model(of: .theatre))
        let leaves = theatre.transitions.states
        #expect(leaves.allSatisfy { !$0.isDischarge })
        #expect(fit.model.pathways.allSatisfy { $0.states.allSatisfy { !$0.transitions.states.contains(.ed) } })
        #expect(fit.model.problems.isEmpty)
        var broken = TwinModel.builtIn
        let p = broken.pathways.firstIndex { $0.pathway == .electiveSurgical }!
        let t = broken.pathways[p].states.firstIndex { $0.state == .theatre }!
        broken.pathways[p].states[t].transitions.destinations.append(.init(.dischargedHome, intercept: -1))
        let w = broken.pathways[p].states.firstIndex { $0.state == .ward }!
        broken.pathways[p].states[w].transitions.destinations.append(.init(.ed, intercept: -3))
        #expect(broken.problems.contains { $0.hasPrefix("pathways.elective_surgical.theatre.transitions:") && $0.contains("never straight home") })
        #expect(broken.problems.contains { $0.hasPrefix("pathways.elective_surgical.ward.transitions:") && $0.contains("no move goes to ed") })
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
            TransitionObservation(covariates: Covariates(age10: Double(i % 5) - 2, charlson: Double(i % 3), frailty: 0,
                                                         news2: 0), destination: .dischargedHome)
        }
        let fit = TransitionFitter.fit(data, prior: prior)
        let probabilities = fit.model.probabilities(for: .reference)
        #expect(probabilities[1] > 0 && probabilities[1] < 0.01)
        #expect(fit.counts == [200, 0])
    }
}
