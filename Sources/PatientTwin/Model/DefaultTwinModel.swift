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
    /// The readmission model is the LACE index's published calibration: 2.0% at LACE 0 and 43.7% at LACE 19
    /// (van Walraven et al. 2010), a straight line on the logit scale.
    public static let builtIn: TwinModel = {
        let hour = 60.0, day = 1440.0
        let wardEffects = [0.08, 0.05, 0.08, 0.04]
        func lognormal(_ median: Double, _ sigma: Double, _ effects: [Double]) -> SojournModel {
            SojournModel(family: .lognormal, first: log(median), second: sigma, timeEffects: effects)
        }
        func gamma(_ shape: Double, _ scale: Double, _ effects: [Double]) -> SojournModel {
            SojournModel(family: .gamma, first: shape, second: scale, timeEffects: effects)
        }
        func weibull(_ shape: Double, _ scale: Double, _ effects: [Double]) -> SojournModel {
            SojournModel(family: .weibull, first: shape, second: scale, timeEffects: effects)
        }
        // Restates a state model written for a pathway's typical patient x̄ in terms of the reference patient:
        // sojourn scales divide by exp(γ·x̄); intercepts subtract βⱼ·x̄.
        func centred(_ state: StateModel, at typical: [Double]) -> StateModel {
            var state = state
            let shift = zip(state.sojourn.timeEffects, typical).reduce(0) { $0 + $1.0 * $1.1 }
            if state.sojourn.family == .lognormal { state.sojourn.first -= shift } else { state.sojourn.second /= exp(shift) }
            for j in state.transitions.destinations.indices {
                state.transitions.intercepts[j] -= zip(state.transitions.coefficients[j], typical).reduce(0) { $0 + $1.0 * $1.1 }
            }
            return state
        }
        func effect(_ destination: CareState, from state: CareState) -> [Double] {
            switch destination {
            case .icu, .hdu: [0.05, 0.05, 0.0, 0.25]
            case .died: [0.45, 0.2, 0.3, 0.2]
            case .dischargedCareHome: [0.5, 0.1, 0.45, 0.0]
            case .dischargedHome: [-0.1, -0.05, -0.15, -0.2]
            case .ward where state == .ed || state == .assessmentUnit: [0.1, 0.05, 0.1, 0.05]
            default: [0, 0, 0, 0]
            }
        }
        func transitions(_ state: CareState, _ pairs: [(CareState, Double)]) -> TransitionModel {
            var model = TransitionModel.probabilities(pairs)
            for j in 1..<pairs.count { model.coefficients[j] = effect(pairs[j].0, from: state) }
            return model
        }

        // The general template: every unit, as on the emergency medical pathway.
        let template: [CareState: StateModel] = [
            .ed: StateModel(state: .ed, sojourn: lognormal(3.5 * hour, 0.55, [0.03, 0, 0.02, 0]),
                            transitions: transitions(.ed, [(.assessmentUnit, 0.80), (.ward, 0.15), (.hdu, 0.02),
                                                           (.icu, 0.01), (.dischargedHome, 0.016), (.died, 0.004)])),
            .assessmentUnit: StateModel(state: .assessmentUnit, sojourn: lognormal(18 * hour, 0.7, [0.05, 0.03, 0.05, 0.03]),
                                        transitions: transitions(.assessmentUnit, [
                                            (.ward, 0.55), (.dischargedHome, 0.41), (.hdu, 0.015), (.icu, 0.008),
                                            (.dischargedCareHome, 0.01), (.died, 0.007)])),
            .theatre: StateModel(state: .theatre, sojourn: lognormal(100, 0.35, [0.02, 0.02, 0, 0]),
                                 transitions: transitions(.theatre, [(.recovery, 0.9), (.icu, 0.06), (.hdu, 0.04)])),
            .recovery: StateModel(state: .recovery, sojourn: gamma(4, 18, [0.05, 0.02, 0.02, 0.02]),
                                  transitions: transitions(.recovery, [(.ward, 0.9), (.hdu, 0.06), (.icu, 0.02),
                                                                       (.dischargedHome, 0.02)])),
            .icu: StateModel(state: .icu, sojourn: weibull(1.1, 3.5 * day, [0.05, 0.03, 0, 0.05]),
                             transitions: transitions(.icu, [(.hdu, 0.45), (.ward, 0.37), (.died, 0.18)])),
            .hdu: StateModel(state: .hdu, sojourn: gamma(2, 1 * day, [0.04, 0.03, 0.02, 0.04]),
                             transitions: transitions(.hdu, [(.ward, 0.86), (.icu, 0.08), (.died, 0.06)])),
            .ward: StateModel(state: .ward, sojourn: lognormal(4.5 * day, 0.85, wardEffects),
                              transitions: transitions(.ward, [(.dischargedHome, 0.92), (.dischargedCareHome, 0.04),
                                                               (.died, 0.025), (.hdu, 0.01), (.icu, 0.005)])),
            .strokeUnit: StateModel(state: .strokeUnit, sojourn: lognormal(5 * day, 0.6, [0.06, 0.04, 0.06, 0.03]),
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
                StateModel(state: .ed, sojourn: lognormal(3.5 * hour, 0.55, [0.03, 0, 0.02, 0]),
                           transitions: transitions(.ed, [(.assessmentUnit, 0.74), (.theatre, 0.12), (.ward, 0.105),
                                                          (.hdu, 0.02), (.icu, 0.015)])),
                StateModel(state: .assessmentUnit, sojourn: lognormal(16 * hour, 0.7, [0.05, 0.03, 0.05, 0.03]),
                           transitions: transitions(.assessmentUnit, [(.ward, 0.35), (.theatre, 0.33),
                                                                      (.dischargedHome, 0.314), (.died, 0.006)])),
                StateModel(state: .theatre, sojourn: lognormal(90, 0.4, [0.02, 0.02, 0, 0]),
                           transitions: transitions(.theatre, [(.recovery, 0.90), (.icu, 0.05), (.hdu, 0.05)])),
                StateModel(state: .ward, sojourn: lognormal(3.5 * day, 0.8, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.938), (.dischargedCareHome, 0.02),
                                                            (.died, 0.012), (.theatre, 0.02), (.hdu, 0.01)])),
            ]),
            pathway(.electiveSurgical, [
                StateModel(state: .theatre, sojourn: lognormal(120, 0.35, [0.02, 0.02, 0, 0]),
                           transitions: transitions(.theatre, [(.recovery, 0.97), (.icu, 0.015), (.hdu, 0.015)])),
                StateModel(state: .recovery, sojourn: gamma(4, 18, [0.05, 0.02, 0.02, 0.02]),
                           transitions: transitions(.recovery, [(.ward, 0.7), (.dischargedHome, 0.285), (.hdu, 0.015)])),
                StateModel(state: .ward, sojourn: gamma(2.2, 1.2 * day, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.976), (.dischargedCareHome, 0.005),
                                                            (.died, 0.002), (.theatre, 0.01), (.hdu, 0.007)])),
            ]),
            pathway(.electiveOrthopaedic, [
                StateModel(state: .theatre, sojourn: lognormal(100, 0.3, [0.02, 0.02, 0, 0]),
                           transitions: transitions(.theatre, [(.recovery, 0.98), (.hdu, 0.02)])),
                StateModel(state: .recovery, sojourn: gamma(4, 18, [0.05, 0.02, 0.02, 0.02]),
                           transitions: transitions(.recovery, [(.ward, 0.96), (.hdu, 0.03), (.dischargedHome, 0.01)])),
                StateModel(state: .ward, sojourn: gamma(4, 0.8 * day, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.955), (.dischargedCareHome, 0.03),
                                                            (.died, 0.001), (.hdu, 0.014)])),
            ]),
            pathway(.stroke, [
                StateModel(state: .ed, sojourn: lognormal(2 * hour, 0.5, [0.03, 0, 0.02, 0]),
                           transitions: transitions(.ed, [(.strokeUnit, 0.85), (.icu, 0.05), (.ward, 0.08),
                                                          (.died, 0.02)])),
                StateModel(state: .ward, sojourn: lognormal(10 * day, 0.7, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.79), (.dischargedCareHome, 0.15),
                                                            (.died, 0.06)])),
            ]),
            pathway(.frailElderly, [
                StateModel(state: .ed, sojourn: lognormal(4 * hour, 0.55, [0.03, 0, 0.02, 0]),
                           transitions: transitions(.ed, [(.assessmentUnit, 0.86), (.ward, 0.13), (.died, 0.01)])),
                StateModel(state: .assessmentUnit, sojourn: lognormal(20 * hour, 0.7, [0.05, 0.03, 0.05, 0.03]),
                           transitions: transitions(.assessmentUnit, [(.ward, 0.72), (.dischargedHome, 0.21),
                                                                      (.dischargedCareHome, 0.04), (.died, 0.03)])),
                StateModel(state: .ward, sojourn: lognormal(9 * day, 0.8, wardEffects),
                           transitions: transitions(.ward, [(.dischargedHome, 0.77), (.dischargedCareHome, 0.14),
                                                            (.died, 0.09)])),
            ]),
        ]
        // LACE calibration: logit(0.020) at 0 points, logit(0.437) at 19 points.
        let low = log(0.020 / 0.980), high = log(0.437 / 0.563)
        let perPoint = (high - low) / 19
        return TwinModel(
            description: "hospital-twin built-in model (assumed parameters; see Docs/PATIENT-TWINS.md)",
            pathways: pathways,
            readmission: ReadmissionModel(intercept: low, lengthOfStay: perPoint, acuity: perPoint, comorbidity: perPoint,
                                          emergencyVisits: perPoint, delayShape: 0.9, delayScaleDays: 13))
    }()

    /// The covariates of each pathway's typical patient (age10, charlson, frailty, news2), at which the built-in
    /// model's stated probabilities and median stays hold; they match `SyntheticPopulation.standard`.
    public static let typicalCovariates: [Pathway: [Double]] = [
        .emergencyMedical: [-0.3, 1.6, -0.4, 2.5], .emergencySurgical: [-1.3, 0.9, -0.6, 1.8],
        .electiveSurgical: [-0.9, 0.8, -0.5, 0.4], .electiveOrthopaedic: [0.3, 0.8, 0.4, 0.3],
        .stroke: [0.8, 1.8, 0.6, 2.2], .frailElderly: [1.9, 2.6, 4.0, 3.0],
    ]
}
