import Foundation

extension TwinModel {
    /// The built-in model: plausible parameters for an English acute hospital, for demonstrations, tests and
    /// as the starting point the fitter falls back to where a local export has too little data. They are
    /// assumptions, not estimates — every one is listed with its reasoning in Docs/PATIENT-TWINS.md — and a
    /// hospital should replace them with `hospital-twin twins fit` on its own episodes.
    ///
    /// The stated probabilities and median stays hold for each pathway's typical patient (`typicalCovariates`),
    /// not for the reference patient: a typical frail 84-year-old has the frail-elderly pathway's 9% ward
    /// mortality, and covariate effects move a patient away from their pathway's typical values. Effects, per
    /// unit of each covariate (age per decade from 65, Charlson point, Clinical Frailty Scale point from 3, NEWS2
    /// point): stays lengthen by 3–8% per unit on wards; escalation to HDU/ICU has a log-odds of +0.25 per NEWS2
    /// point (NEWS2 ≥ 7 roughly quintuples its odds); death +0.45 per decade; care home +0.5 per decade and
    /// +0.45 per frailty point.
    /// The readmission model predicts emergency readmission alone, derived from the LACE index's published
    /// calibration of death or unplanned readmission (2.0% at LACE 0, 43.7% at LACE 19; van Walraven et al. 2010)
    /// by the share of readmissions in that composite (77%, F1000Research 6:1798, 2017): 1.54% at 0 points and
    /// 33.6% at 19, a straight line on the logit scale.
    public static let builtIn: TwinModel = {
        let hour = 60.0, day = 1440.0
        let wardEffects = CovariateEffects(age10: 0.08, charlson: 0.05, frailty: 0.08, news2: 0.04)
        func effects(_ age10: Double, _ charlson: Double, _ frailty: Double, _ news2: Double) -> CovariateEffects {
            CovariateEffects(age10: age10, charlson: charlson, frailty: frailty, news2: news2)
        }
        func lognormal(_ median: Double, _ sigma: Double, _ effects: CovariateEffects) -> SojournModel {
            SojournModel(.lognormal(medianMinutes: median, sigma: sigma), timeEffects: effects)
        }
        func gamma(_ shape: Double, _ scale: Double, _ effects: CovariateEffects) -> SojournModel {
            SojournModel(.gamma(shape: shape, scaleMinutes: scale), timeEffects: effects)
        }
        func weibull(_ shape: Double, _ scale: Double, _ effects: CovariateEffects) -> SojournModel {
            SojournModel(.weibull(shape: shape, scaleMinutes: scale), timeEffects: effects)
        }
        // Restates a state model written for a pathway's typical patient x̄ in terms of the reference patient:
        // times divide by exp(γ·x̄); intercepts subtract βⱼ·x̄.
        func centred(_ state: StateModel, at typical: Covariates) -> StateModel {
            var state = state
            state.sojourn.distribution = state.sojourn.distribution.scaled(by: exp(-state.sojourn.timeEffects.dot(typical)))
            for j in state.transitions.destinations.indices {
                state.transitions.destinations[j].intercept -= state.transitions.destinations[j].effects.dot(typical)
            }
            return state
        }
        func effect(_ destination: CareState, from state: CareState) -> CovariateEffects {
            switch destination {
            case .icu, .hdu: effects(0.05, 0.05, 0.0, 0.25)
            case .died: effects(0.45, 0.2, 0.3, 0.2)
            case .dischargedCareHome: effects(0.5, 0.1, 0.45, 0.0)
            case .dischargedHome: effects(-0.1, -0.05, -0.15, -0.2)
            case .ward where state == .ed || state == .assessmentUnit: effects(0.1, 0.05, 0.1, 0.05)
            default: .none
            }
        }
        func transitions(_ state: CareState, _ pairs: [(CareState, Double)]) -> TransitionModel {
            var model = TransitionModel.probabilities(pairs)
            for j in 1..<pairs.count { model.destinations[j].effects = effect(pairs[j].0, from: state) }
            return model
        }

        // The general template: every unit, as on the emergency medical pathway.
        let template: [CareState: StateModel] = [
            .ed: StateModel(state: .ed, sojourn: lognormal(3.5 * hour, 0.55, effects(0.03, 0, 0.02, 0)),
                            transitions: transitions(.ed, [(.assessmentUnit, 0.80), (.ward, 0.15), (.hdu, 0.02),
                                                           (.icu, 0.01), (.dischargedHome, 0.016), (.died, 0.004)])),
            .assessmentUnit: StateModel(state: .assessmentUnit, sojourn: lognormal(18 * hour, 0.7, effects(0.05, 0.03, 0.05, 0.03)),
                                        transitions: transitions(.assessmentUnit, [
                                            (.ward, 0.55), (.dischargedHome, 0.41), (.hdu, 0.015), (.icu, 0.008),
                                            (.dischargedCareHome, 0.01), (.died, 0.007)])),
            .theatre: StateModel(state: .theatre, sojourn: lognormal(100, 0.35, effects(0.02, 0.02, 0, 0)),
                                 transitions: transitions(.theatre, [(.recovery, 0.9), (.icu, 0.06), (.hdu, 0.04)])),
            .recovery: StateModel(state: .recovery, sojourn: gamma(4, 18, effects(0.05, 0.02, 0.02, 0.02)),
                                  transitions: transitions(.recovery, [(.ward, 0.9), (.hdu, 0.06), (.icu, 0.02),
                                                                       (.dischargedHome, 0.02)])),
            .icu: StateModel(state: .icu, sojourn: weibull(1.1, 3.5 * day, effects(0.05, 0.03, 0, 0.05)),
                             transitions: transitions(.icu, [(.hdu, 0.45), (.ward, 0.37), (.died, 0.18)])),
            .hdu: StateModel(state: .hdu, sojourn: gamma(2, 1 * day, effects(0.04, 0.03, 0.02, 0.04)),
                             transitions: transitions(.hdu, [(.ward, 0.86), (.icu, 0.08), (.died, 0.06)])),
            .ward: StateModel(state: .ward, sojourn: lognormal(4.5 * day, 0.85, wardEffects),
                              transitions: transitions(.ward, [(.dischargedHome, 0.92), (.dischargedCareHome, 0.04),
                                                               (.died, 0.025), (.hdu, 0.01), (.icu, 0.005)])),
            .strokeUnit: StateModel(state: .strokeUnit, sojourn: lognormal(5 * day, 0.6, effects(0.06, 0.04, 0.06, 0.03)),
                                    transitions: transitions(.strokeUnit, [(.ward, 0.35), (.dischargedHome, 0.46),
                                                                           (.dischargedCareHome, 0.10), (.died, 0.09)])),
        ]
        func pathway(_ pathway: Pathway, _ overrides: [StateModel]) -> PathwayModel {
            PathwayModel(pathway: pathway, states: CareState.units.map { unit in
                centred(overrides.first { $0.state == unit } ?? template[unit]!, at: TwinModel.typicalCovariates[pathway]!)
            })
        }

        let pathways = [
            pathway(.emergencyMedical, []),
            pathway(.emergencySurgical, [
                StateModel(state: .ed, sojourn: lognormal(3.5 * hour, 0.55, effects(0.03, 0, 0.02, 0)),
                           transitions: transitions(.ed, [(.assessmentUnit, 0.74), (.theatre, 0.12), (.ward, 0.105),
                                                          (.hdu, 0.02), (.icu, 0.015)])),
                StateModel(state: .assessmentUnit, sojourn: lognormal(16 * hour, 0.7, effects(0.05, 0.03, 0.05, 0.03)),
                           transitions: transitions(.assessmentUnit, [(.ward, 0.35), (.theatre, 0.33),
                                                                      (.dischargedHome, 0.314), (.died, 0.006)])),
                StateModel(state: .theatre, sojourn: lognormal(90, 0.4, effects(0.02, 0.02, 0, 0)),
                           transitions: transitions(.theatre, [(.recovery, 0.90), (.icu, 0.05), (.hdu, 0.05)])),
                StateModel(state: .ward, sojourn: lognormal(3.5 * day, 0.8, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.938), (.dischargedCareHome, 0.02),
                                                            (.died, 0.012), (.theatre, 0.02), (.hdu, 0.01)])),
            ]),
            pathway(.electiveSurgical, [
                StateModel(state: .theatre, sojourn: lognormal(90, 0.45, effects(0.02, 0.02, 0, 0)),
                           transitions: transitions(.theatre, [(.recovery, 0.97), (.icu, 0.015), (.hdu, 0.015)])),
                StateModel(state: .recovery, sojourn: gamma(4, 18, effects(0.05, 0.02, 0.02, 0.02)),
                           transitions: transitions(.recovery, [(.ward, 0.7), (.dischargedHome, 0.285), (.hdu, 0.015)])),
                StateModel(state: .ward, sojourn: gamma(2.2, 1.2 * day, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.976), (.dischargedCareHome, 0.005),
                                                            (.died, 0.002), (.theatre, 0.01), (.hdu, 0.007)])),
            ]),
            pathway(.electiveOrthopaedic, [
                StateModel(state: .theatre, sojourn: lognormal(100, 0.3, effects(0.02, 0.02, 0, 0)),
                           transitions: transitions(.theatre, [(.recovery, 0.98), (.hdu, 0.02)])),
                StateModel(state: .recovery, sojourn: gamma(4, 18, effects(0.05, 0.02, 0.02, 0.02)),
                           transitions: transitions(.recovery, [(.ward, 0.96), (.hdu, 0.03), (.dischargedHome, 0.01)])),
                StateModel(state: .ward, sojourn: gamma(4, 0.8 * day, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.955), (.dischargedCareHome, 0.03),
                                                            (.died, 0.001), (.hdu, 0.014)])),
            ]),
            pathway(.stroke, [
                StateModel(state: .ed, sojourn: lognormal(2 * hour, 0.5, effects(0.03, 0, 0.02, 0)),
                           transitions: transitions(.ed, [(.strokeUnit, 0.85), (.icu, 0.05), (.ward, 0.08),
                                                          (.died, 0.02)])),
                StateModel(state: .ward, sojourn: lognormal(10 * day, 0.7, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.79), (.dischargedCareHome, 0.15),
                                                            (.died, 0.06)])),
            ]),
            pathway(.frailElderly, [
                StateModel(state: .ed, sojourn: lognormal(4 * hour, 0.55, effects(0.03, 0, 0.02, 0)),
                           transitions: transitions(.ed, [(.assessmentUnit, 0.86), (.ward, 0.13), (.died, 0.01)])),
                StateModel(state: .assessmentUnit, sojourn: lognormal(20 * hour, 0.7, effects(0.05, 0.03, 0.05, 0.03)),
                           transitions: transitions(.assessmentUnit, [(.ward, 0.72), (.dischargedHome, 0.21),
                                                                      (.dischargedCareHome, 0.04), (.died, 0.03)])),
                StateModel(state: .ward, sojourn: lognormal(9 * day, 0.8, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.77), (.dischargedCareHome, 0.14),
                                                            (.died, 0.09)])),
            ]),
        ]
        // Readmission alone, derived from the LACE calibration of death or unplanned readmission (2.0% at 0 points,
        // 43.7% at 19; van Walraven et al. 2010): readmissions were 77% of that composite outcome (236 readmitted of
        // 307 dead or readmitted within 30 days) in a published validation of LACE (F1000Research 6:1798, 2017), so
        // the line runs through 0.77 × 2.0% = 1.54% at 0 points and 0.77 × 43.7% = 33.6% at 19, straight on the
        // logit scale (Docs/PATIENT-TWINS.md).
        let share = 236.0 / 307.0
        let lowP = share * 0.020, highP = share * 0.437
        let low = log(lowP / (1 - lowP)), high = log(highP / (1 - highP))
        let perPoint = (high - low) / 19
        return TwinModel(
            description: "hospital-twin built-in model (assumed parameters; see Docs/PATIENT-TWINS.md)",
            pathways: pathways,
            readmission: ReadmissionModel(intercept: low, lengthOfStay: perPoint, acuity: perPoint, comorbidity: perPoint,
                                          emergencyVisits: perPoint, delayShape: 0.9, delayScaleDays: 13))
    }()

    /// The covariates of each pathway's typical patient, at which the built-in model's stated probabilities and
    /// median stays hold; they match `SyntheticPopulation.standard`.
    public static let typicalCovariates: [Pathway: Covariates] = [
        .emergencyMedical: Covariates(age10: -0.3, charlson: 1.6, frailty: -0.4, news2: 2.5),
        .emergencySurgical: Covariates(age10: -1.3, charlson: 0.9, frailty: -0.6, news2: 1.8),
        .electiveSurgical: Covariates(age10: -0.9, charlson: 0.8, frailty: -0.5, news2: 0.4),
        .electiveOrthopaedic: Covariates(age10: 0.3, charlson: 0.8, frailty: 0.4, news2: 0.3),
        .stroke: Covariates(age10: 0.8, charlson: 1.8, frailty: 0.6, news2: 2.2),
        .frailElderly: Covariates(age10: 1.9, charlson: 2.6, frailty: 4.0, news2: 3.0),
    ]
}
