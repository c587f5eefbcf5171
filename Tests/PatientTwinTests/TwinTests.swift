import Foundation
import PatientTwin
import Simulation
import Testing
import TestSupport

extension PatientAttributes {
    static func sample(age: Int = 72, charlson: Int = 2, frailty: Int = 4, admission: AdmissionMethod = .emergency)
        -> PatientAttributes
    {
        PatientAttributes(ageYears: age, sex: .female, admissionMethod: admission, specialty: .generalMedicine,
                          diagnosisGroup: .respiratory, charlsonIndex: charlson, clinicalFrailtyScale: frailty,
                          deprivationDecile: 4, edVisitsLast6Months: 1, admissionsLast12Months: 1)
    }
}

@Suite("patient twins")
struct TwinTests {
    static let start = 29_000_000.0  // minutes since 1970: a day in 2025
    static let predictor = try! TrajectoryPredictor(model: .builtIn)
    static let sickVitals = VitalSigns(respirationRate: 26, spo2: 91, onOxygen: true, systolicBP: 98, pulse: 118,
                                       consciousness: .alert, temperature: 38.6)  // NEWS2 3+3+2+2+2+0+1 = 13

    @Test("observations update the twin: vital signs set its NEWS2, transfers move it, bad ones are refused")
    func appliesObservations() throws {
        var twin = PatientTwin(id: PatientID(pseudonymising: "MRN-0042"), attributes: .sample(),
                               pathway: .emergencyMedical, admittedAt: Self.start)
        #expect(twin.state == .ed && twin.latestNEWS2 == nil && twin.revision == 0 && twin.step == 0)
        try twin.apply(Observation(minute: Self.start + 30, .vitals(Self.sickVitals)))
        #expect(twin.latestNEWS2 == 13 && twin.revision == 1)
        try twin.apply(contentsOf: [Observation(minute: Self.start + 300, .transfer(to: .ward)),
                                    Observation(minute: Self.start + 200, .transfer(to: .assessmentUnit))])
        #expect(twin.state == .ward && twin.stateSince == Self.start + 300 && twin.levelOfCare == .level1)
        #expect(twin.step == 2)
        #expect(throws: TwinUpdateError.self) { try twin.apply(Observation(minute: Self.start + 100, .transfer(to: .icu))) }
        #expect(throws: TwinUpdateError.self) { try twin.apply(Observation(minute: Self.start + 400, .transfer(to: .ward))) }
        try twin.apply(Observation(minute: Self.start + 5000, .transfer(to: .dischargedHome)))
        #expect(twin.isDischarged)
        #expect(throws: TwinUpdateError.self) {
            try twin.apply(Observation(minute: Self.start + 5100, .vitals(Self.sickVitals)))
        }
        let back = try twin.readmitted(atMinute: Self.start + 20_000)
        #expect(back.id == twin.id && back.state == .ed && back.spellStart == Self.start + 20_000)
        #expect(back.attributes.edVisitsLast6Months == 2 && back.attributes.admissionsLast12Months == 2)
        #expect(back.latestNEWS2 == nil && back.history.count == twin.history.count + 1)
    }

    @Test("a twin that keeps no history changes state exactly as one that does, and predicts the same")
    func historyIsOptional() throws {
        let id = PatientID(pseudonymising: "MRN-0043")
        var kept = PatientTwin(id: id, attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start)
        var bare = PatientTwin(id: id, attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start,
                               keepsHistory: false)
        let observations = [Observation(minute: Self.start + 30, .vitals(Self.sickVitals)),
                            Observation(minute: Self.start + 200, .transfer(to: .assessmentUnit)),
                            Observation(minute: Self.start + 300, .news2(4)),
                            Observation(minute: Self.start + 900, .transfer(to: .ward)),
                            Observation(minute: Self.start + 5000, .transfer(to: .dischargedHome))]
        for observation in observations {
            try kept.apply(observation)
            try bare.apply(observation)
        }
        #expect(kept.history.count == observations.count + 1 && bare.history.isEmpty)
        #expect(kept.keepsHistory && !bare.keepsHistory)
        #expect(bare.state == kept.state && bare.stateSince == kept.stateSince && bare.spellStart == kept.spellStart)
        #expect(bare.latestNEWS2 == kept.latestNEWS2 && bare.levelOfCare == kept.levelOfCare)
        #expect(bare.spell == kept.spell && bare.step == kept.step && bare.revision == kept.revision)
        let streams = TwinStreams(RandomStreams(masterSeed: 5))
        #expect(Self.predictor.drawReadmission(for: bare, streams: streams)
            == Self.predictor.drawReadmission(for: kept, streams: streams))
        let readmitted = try bare.readmitted(atMinute: Self.start + 9000)
        #expect(readmitted.history.isEmpty && readmitted.spell == 1 && !readmitted.keepsHistory)
    }

    @Test("pseudonymous ids are stable, distinct and never the source identifier")
    func pseudonymousIDs() {
        let a = PatientID(pseudonymising: "3edac2e3-d223-6fae-d515-daf96ef6bc76")
        #expect(a == PatientID(pseudonymising: "3edac2e3-d223-6fae-d515-daf96ef6bc76"))
        #expect(a != PatientID(pseudonymising: "3edac2e3-d223-6fae-d515-daf96ef6bc77"))
        #expect(!a.description.contains("3edac2e3") && PatientID(parsing: a.description) == a)
    }

    @Test("the same twin, history and seed give the same prediction; a new observation changes it only through the model")
    func deterministicPredictions() throws {
        let twin = PatientTwin(id: PatientID(7), attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start)
        let streams = TwinStreams(RandomStreams(masterSeed: 11))
        let first = try twin.predictTrajectory(with: Self.predictor, from: Self.start, streams: streams)
        let second = try twin.predictTrajectory(with: Self.predictor, from: Self.start, streams: streams)
        #expect(first == second && first.steps.first?.state == .ed)
        // A NEWS2 observation draws from the same numbers: the ED stay is the same baseline draw stretched by the
        // model's time ratio exp(γ_news2 · ΔNEWS2), nothing else.
        var updated = twin
        try updated.apply(Observation(minute: Self.start, .news2(6)))
        let calm = try Self.predictor.drawStay(for: twin, at: Self.start, streams: streams)
        let sick = try Self.predictor.drawStay(for: updated, at: Self.start, streams: streams)
        let gamma = TwinModel.builtIn.model(of: .emergencyMedical)!.model(of: .ed)!.sojourn.timeEffects.news2
        #expect(abs(sick.durationMinutes / calm.durationMinutes - exp(6 * gamma)) < 1e-12)
        // The twin's revision grew, its draws did not reshuffle: the same key, (patient, spell, step).
        #expect(updated.revision == twin.revision + 1 && updated.step == twin.step && updated.spell == twin.spell)
    }

    @Test("a stay already 6 days long is continued from the distribution conditioned on 6 days (KS)")
    func conditionalRemainingStay() throws {
        var twin = PatientTwin(id: PatientID(8), attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start)
        try twin.apply(Observation(minute: Self.start + 240, .transfer(to: .ward)))
        let now = Self.start + 240 + 6 * 1440
        let runs = RandomStreams(masterSeed: 3)
        var totals: [Double] = []
        for k in 0..<20_000 {
            let draw = try Self.predictor.drawStay(for: twin, at: now, streams: TwinStreams(runs.replication(k)))
            totals.append(draw.durationMinutes)
        }
        // The ward stay is T = exp(γ·x)·T₀; given T > 6 days its CDF is (F(t/s) − F(6d/s)) / (1 − F(6d/s)).
        let ward = TwinModel.builtIn.model(of: .emergencyMedical)!.model(of: .ward)!.sojourn
        let factor = exp(ward.timeEffects.dot(twin.covariates))
        let baseline = try ward.baseline()
        let floor = baseline.cdf(6 * 1440 / factor)
        let ks = GoodnessOfFit.kolmogorovSmirnov(totals) { (baseline.cdf($0 / factor) - floor) / (1 - floor) }
        #expect(ks.pValue > Tolerance.alpha, "KS D = \(ks.statistic), p = \(ks.pValue)")
        #expect(totals.allSatisfy { $0 > 6 * 1440 })
    }

    @Test("each baseline's survival function and its inverse agree, far into the tail")
    func survivalInverse() throws {
        let baselines: [BaselineDistribution] = [.lognormal(try LogNormal(mu: 8, sigma: 0.9)),
                                                 .gamma(try Gamma(shape: 1.6, scale: 2500)),
                                                 .weibull(try Weibull(shape: 1.3, scale: 4000))]
        for baseline in baselines {
            for x in [30.0, 1440, 4000, 20_000, 60_000] {
                let q = baseline.survival(x)
                #expect(abs(q - (1 - baseline.cdf(x))) < 1e-9, "\(baseline) S(\(x))")
                #expect(abs(baseline.value(atSurvival: q) / x - 1) < 1e-6, "\(baseline) S⁻¹(S(\(x)))")
            }
            #expect(baseline.survival(0) == 1)
        }
    }

    @Test("a stay drawn again part-way keeps its rank: the same covariates give the same stay, a NEWS2 rise the model's law given the time elapsed (KS)")
    func redrawKeepsRank() throws {
        var twin = PatientTwin(id: PatientID(9), attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start)
        try twin.apply(Observation(minute: Self.start + 240, .transfer(to: .ward)))
        try twin.apply(Observation(minute: Self.start + 240, .news2(1)))
        let entered = Self.start + 240
        let now = entered + 3 * 1440
        var sick = twin
        try sick.apply(Observation(minute: now, .news2(7)))
        let runs = RandomStreams(masterSeed: 4)
        var ranked: [Double] = [], reused: [Double] = []
        for k in 0..<20_000 {
            let streams = TwinStreams(runs.replication(k))
            let stay = try Self.predictor.drawStay(for: twin, at: entered, streams: streams)
            guard stay.endMinute > now else {
                #expect(Self.predictor.survivalRank(of: stay, for: twin, at: now) == nil, "an ended stay has no rank")
                continue
            }
            let rank = try #require(Self.predictor.survivalRank(of: stay, for: twin, at: now))
            let same = try Self.predictor.drawStay(for: twin, at: now, streams: streams, rank: rank)
            #expect(abs(same.durationMinutes / stay.durationMinutes - 1) < 1e-9, "unchanged covariates, unchanged stay")
            ranked.append(try Self.predictor.drawStay(for: sick, at: now, streams: streams, rank: rank).durationMinutes)
            reused.append(try Self.predictor.drawStay(for: sick, at: now, streams: streams).durationMinutes)
        }
        #expect(ranked.count > 2000 && ranked.allSatisfy { $0 > now - entered })
        // Given the stay has lasted 3 days, under the new covariates: (F(t/s) − F(3d/s)) / (1 − F(3d/s)).
        let ward = TwinModel.builtIn.model(of: .emergencyMedical)!.model(of: .ward)!.sojourn
        let factor = exp(ward.timeEffects.dot(sick.covariates))
        let baseline = try ward.baseline()
        let floor = baseline.cdf((now - entered) / factor)
        let conditional = { (t: Double) in (baseline.cdf(t / factor) - floor) / (1 - floor) }
        let ks = GoodnessOfFit.kolmogorovSmirnov(ranked, cdf: conditional)
        #expect(ks.pValue > Tolerance.alpha, "KS D = \(ks.statistic), p = \(ks.pValue)")
        // The check has power: the draw that reuses the stay's uniform as if fresh ignores that the stay had
        // already outlasted 3 days under the old covariates, and is longer than the law.
        let biased = GoodnessOfFit.kolmogorovSmirnov(reused, cdf: conditional)
        #expect(biased.pValue < Tolerance.alpha, "KS D = \(biased.statistic), p = \(biased.pValue)")
    }

    @Test("moves follow the multinomial logit: sampled frequencies match its probabilities (chi-square)")
    func transitionFrequencies() throws {
        let x = Covariates(attributes: .sample(), news2: 4)
        let expected = Self.predictor.transitionProbabilities(pathway: .emergencyMedical, state: .assessmentUnit, covariates: x)
        var stream = RandomStream(seed: 21)
        var counts: [CareState: Int] = [:]
        let n = 100_000
        for _ in 0..<n {
            counts[Self.predictor.sampleNext(pathway: .emergencyMedical, state: .assessmentUnit, covariates: x,
                                             using: &stream), default: 0] += 1
        }
        let p = GoodnessOfFit.chiSquarePValue(observed: expected.map { counts[$0.0, default: 0] },
                                              expected: expected.map { $0.1 * Double(n) })
        #expect(p > Tolerance.alpha)
    }

    @Test("a move drawn given it is not to some destinations follows the logit renormalised over the rest (chi-square); none left, nil")
    func transitionFrequenciesExcluding() throws {
        let x = Covariates(attributes: .sample(), news2: 8)
        let excluded: Set<CareState> = [.icu, .hdu]
        let all = Self.predictor.transitionProbabilities(pathway: .emergencyMedical, state: .assessmentUnit, covariates: x)
        let kept = all.filter { !excluded.contains($0.0) }
        let total = kept.reduce(0) { $0 + $1.1 }
        var stream = RandomStream(seed: 22)
        var counts: [CareState: Int] = [:]
        let n = 100_000
        for _ in 0..<n {
            let next = try #require(Self.predictor.sampleNext(pathway: .emergencyMedical, state: .assessmentUnit, covariates: x,
                                                              excluding: excluded, using: &stream))
            counts[next, default: 0] += 1
        }
        #expect(counts[.icu] == nil && counts[.hdu] == nil)
        let p = GoodnessOfFit.chiSquarePValue(observed: kept.map { counts[$0.0, default: 0] },
                                              expected: kept.map { $0.1 / total * Double(n) })
        #expect(p > Tolerance.alpha)
        #expect(Self.predictor.sampleNext(pathway: .emergencyMedical, state: .assessmentUnit, covariates: x,
                                          excluding: Set(all.map(\.0)), using: &stream) == nil)
    }

    @Test("a high NEWS2 raises the odds of escalation and lengthens stays by the model's stated effects")
    func news2RaisesEscalation() throws {
        // From the assessment unit, ward is the reference destination (β = 0) and ICU has β_news2 = 0.25 (the
        // built-in model's stated effect): NEWS2 8 against 0 multiplies the odds of ICU over ward by e^(8·0.25).
        let calm = Covariates(attributes: .sample(), news2: 0)
        let sick = Covariates(attributes: .sample(), news2: 8)
        func odds(_ x: Covariates) -> Double {
            let p = Dictionary(uniqueKeysWithValues: Self.predictor.transitionProbabilities(
                pathway: .emergencyMedical, state: .assessmentUnit, covariates: x))
            return p[.icu]! / p[.ward]!
        }
        #expect(abs(log(odds(sick) / odds(calm)) - 8 * 0.25) < 1e-12)
        // Ward stays scale by exp(8 · γ_news2) = exp(8 · 0.04): the ratio of two independent sample means lies
        // within its delta-method interval around that.
        func sample(_ x: Covariates, seed: UInt64) -> Tally {
            var stream = RandomStream(seed: seed)
            return Tally((0..<20_000).map { _ in
                Self.predictor.sampleSojourn(pathway: .emergencyMedical, state: .ward, covariates: x, using: &stream) / 1440
            })
        }
        let a = sample(calm, seed: 5), b = sample(sick, seed: 6)
        let ratio = b.mean / a.mean
        let relativeVariance = b.variance / (Double(b.count) * b.mean * b.mean) + a.variance / (Double(a.count) * a.mean * a.mean)
        #expect(abs(ratio - exp(8 * 0.04)) <= Tolerance.z * ratio * relativeVariance.squareRoot(), "ratio \(ratio)")
    }

    @Test("a pathway's stay scale multiplies its stays (same stream, twice the length) and its survival, and leaves other pathways alone")
    func stayScaleMultipliesStays() throws {
        let scaled = try TrajectoryPredictor(model: .builtIn, stayScale: [.emergencyMedical: 2])
        let x = Covariates(attributes: .sample(), news2: 3)
        var plain = RandomStream(seed: 8), doubled = RandomStream(seed: 8)
        for _ in 0..<1000 {
            let a = Self.predictor.sampleSojourn(pathway: .emergencyMedical, state: .ward, covariates: x, using: &plain)
            let b = scaled.sampleSojourn(pathway: .emergencyMedical, state: .ward, covariates: x, using: &doubled)
            #expect(abs(b - 2 * a) <= 1e-9 * b)
            // conditioned on a stay that has lasted: the remaining stay of the scaled model is the scaled remainder
            let c = Self.predictor.sampleSojourn(pathway: .emergencyMedical, state: .ward, covariates: x, elapsed: 1440,
                                                 using: &plain)
            let d = scaled.sampleSojourn(pathway: .emergencyMedical, state: .ward, covariates: x, elapsed: 2880,
                                         using: &doubled)
            #expect(abs(d - 2 * c) <= 1e-9 * d)
        }
        #expect(abs(scaled.meanSojourn(pathway: .emergencyMedical, state: .ward, covariates: x)
            - 2 * Self.predictor.meanSojourn(pathway: .emergencyMedical, state: .ward, covariates: x)) < 1e-6)
        #expect(abs(scaled.sojournSurvival(pathway: .emergencyMedical, state: .ward, covariates: x, minutes: 6000)
            - Self.predictor.sojournSurvival(pathway: .emergencyMedical, state: .ward, covariates: x, minutes: 3000)) < 1e-12)
        #expect(scaled.meanSojourn(pathway: .stroke, state: .ward, covariates: x)
            == Self.predictor.meanSojourn(pathway: .stroke, state: .ward, covariates: x))
        #expect(throws: PredictionError.self) { try TrajectoryPredictor(model: .builtIn, stayScale: [.stroke: 0]) }
        #expect(throws: PredictionError.self) { try TrajectoryPredictor(model: .builtIn, stayScale: [.stroke: .infinity]) }
    }

    /// A patient who went to theatre e minutes ago and is still in the theatres (the feed cannot say whether in
    /// theatre or in recovery) is in theatre with probability S_T(e) / (S_T(e) + p·∫₀ᵉ f_T(s) S_R(e − s) ds), p the
    /// chance of recovery after theatre; the integral by the midpoint rule over 4,000 steps of S_T. The share in
    /// theatre of 4,000 draws, each from its own stream, must lie within z·its binomial standard error of it
    /// (α = 0.001), at e half and one and a half times the mean operation. Every draw must still be there at e,
    /// a recovery start after the operation's; one there for 30 days is taken to be waiting, its stay ended then.
    @Test("a census patient in the theatres is in theatre or recovery with the chances its time there gives")
    func theatresStay() throws {
        let twin = PatientTwin(id: PatientID(7), attributes: .sample(age: 64, admission: .elective), pathway: .electiveSurgical,
                               admittedAt: Self.start, state: .theatre, keepsHistory: false)
        let p = Self.predictor, x = twin.covariates
        let recovery = try #require(p.transitionProbabilities(pathway: .electiveSurgical, state: .theatre, covariates: x)
            .first { $0.0 == .recovery }?.1)
        let mean = p.meanSojourn(pathway: .electiveSurgical, state: .theatre, covariates: x)
        for elapsed in [0.5 * mean, 1.5 * mean] {
            func theatre(_ m: Double) -> Double { p.sojournSurvival(pathway: .electiveSurgical, state: .theatre, covariates: x, minutes: m) }
            let steps = 4000, h = elapsed / Double(steps)
            var after = 0.0
            for i in 0..<steps {
                let s = Double(i) * h
                after += (theatre(s) - theatre(s + h))
                    * p.sojournSurvival(pathway: .electiveSurgical, state: .recovery, covariates: x, minutes: elapsed - s - h / 2)
            }
            let expected = theatre(elapsed) / (theatre(elapsed) + recovery * after)
            let n = 4000
            var inTheatre = 0
            for k in 0..<n {
                var stream = RandomStream(seed: 1000 + UInt64(k))
                let (drawn, stay) = p.drawTheatresStay(for: twin, at: Self.start + elapsed, using: &stream)
                #expect(stay.endMinute > Self.start + elapsed && drawn.state == stay.state && stay.startMinute == drawn.stateSince)
                if stay.state == .theatre {
                    inTheatre += 1
                } else {
                    #expect(stay.state == .recovery && drawn.stateSince > Self.start && drawn.stateSince <= Self.start + elapsed)
                }
            }
            let share = Double(inTheatre) / Double(n)
            #expect(abs(share - expected) <= Tolerance.z * (expected * (1 - expected) / Double(n)).squareRoot(),
                    "at \(elapsed) minutes: \(share) in theatre, expected \(expected)")
        }
        var stream = RandomStream(seed: 3)
        let month = Self.start + 30 * 1440
        let (waiting, stay) = p.drawTheatresStay(for: twin, at: month, using: &stream)
        #expect(abs(stay.endMinute - month) < 1e-6 && waiting.state == stay.state, "after 30 days in the theatres: waiting there")
    }

    @Test("readmission alone, derived from the LACE calibration: 77% of its 2.0% at 0 points and of its 43.7% at 19")
    func readmissionCalibration() {
        let model = TwinModel.builtIn.readmission
        let none = LACEScore(lengthOfStayDays: 0, emergencyAdmission: false, charlsonIndex: 0, edVisitsLast6Months: 0)
        let most = LACEScore(lengthOfStayDays: 30, emergencyAdmission: true, charlsonIndex: 9, edVisitsLast6Months: 9)
        let share = 236.0 / 307.0  // readmissions among deaths or readmissions, F1000Research 6:1798 (2017)
        #expect(abs(model.probability(none) - share * 0.020) < 1e-12)
        #expect(abs(model.probability(most) - share * 0.437) < 1e-12)
        var stream = RandomStream(seed: 2)
        let delays = (0..<10_000).map { _ in model.sampleDelayDays(using: &stream) }
        #expect(delays.allSatisfy { $0 > 0 && $0 <= 30 })
    }

    @Test("one rule from NEWS2 to level of care: a ward patient at NEWS2 5 or more needs level 1")
    func levelOfCare() throws {
        #expect(LevelOfCare.required(in: .ward, news2: 4) == .level0)
        #expect(LevelOfCare.required(in: .ward, news2: 5) == .level1)
        #expect(LevelOfCare.required(in: .ward, news2: nil) == .level0)
        #expect(LevelOfCare.required(in: .icu, news2: 0) == .level3 && LevelOfCare.required(in: .hdu, news2: 9) == .level2)
        var twin = PatientTwin(id: PatientID(3), attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start,
                               state: .ward)
        try twin.apply(Observation(minute: Self.start + 5, .news2(6)))
        let draw = try Self.predictor.drawStay(for: twin, at: Self.start + 5, streams: TwinStreams(RandomStreams(masterSeed: 1)))
        #expect(twin.levelOfCare == .level1 && draw.levelOfCare == .level1)
    }

    @Test("one rule for a readmission's attributes, shared by the twin and the episode generator")
    func readmissionAttributes() throws {
        var attributes = PatientAttributes.sample()
        attributes.specialty = .generalSurgery
        attributes.diagnosisGroup = .stroke
        let (next, pathway) = attributes.onEmergencyReadmission()
        #expect(next.admissionMethod == .emergency && next.specialty == .generalMedicine && next.diagnosisGroup == .other)
        #expect(next.edVisitsLast6Months == attributes.edVisitsLast6Months + 1)
        #expect(pathway == .emergencyMedical)
        var twin = PatientTwin(id: PatientID(4), attributes: attributes, pathway: .electiveSurgical, admittedAt: Self.start)
        try twin.apply(Observation(minute: Self.start + 100, .transfer(to: .dischargedHome)))
        let back = try twin.readmitted(atMinute: Self.start + 5000)
        #expect(back.attributes == next && back.pathway == pathway && back.spell == 1 && back.step == 0)
    }

    @Test("LACE from a twin: calendar days of its spell in the hospital's time zone")
    func laceFromTwin() throws {
        var twin = PatientTwin(id: PatientID(5), attributes: .sample(), pathway: .emergencyMedical,
                               admittedAt: RecordTime.epochMinute(parsing: "2024-07-01T22:00:00Z")!)
        try twin.apply(Observation(minute: RecordTime.epochMinute(parsing: "2024-07-02T21:30:00Z")!,
                                   .transfer(to: .dischargedHome)))
        // In UTC the spell crosses midnight: L counts 1 day. In London (BST, +1) it runs 23:00 to 22:30 the next day:
        // also 1. In Tokyo (+9) it is 07:00 2 July to 06:30 3 July: 1. In Honolulu (-10) 12:00 to 11:30: 1.
        for zone in ["UTC", "Europe/London", "Asia/Tokyo", "Pacific/Honolulu"] {
            let lace = LACEScore(attributes: twin.attributes, admittedAt: twin.spellStart, dischargedAt: twin.stateSince,
                                 timeZone: TimeZone(identifier: zone)!)
            #expect(lace.lengthOfStay == 1, "\(zone)")
        }
        // 23:30 UTC to 22:30 UTC the next day: 00:30 to 23:30 on one day in London: 0 days there, 1 in UTC.
        let admitted = RecordTime.epochMinute(parsing: "2024-07-01T23:30:00Z")!
        let discharged = RecordTime.epochMinute(parsing: "2024-07-02T22:30:00Z")!
        #expect(LACEScore(attributes: .sample(), admittedAt: admitted, dischargedAt: discharged,
                          timeZone: TimeZone(identifier: "Europe/London")!).lengthOfStay == 0)
        #expect(LACEScore(attributes: .sample(), admittedAt: admitted, dischargedAt: discharged,
                          timeZone: RecordTime.utc).lengthOfStay == 1)
    }
}

@Suite("twin model files")
struct TwinModelFileTests {
    @Test("the built-in model survives a round trip through its JSON file")
    func roundTrip() throws {
        let data = try TwinModelFile.encode(.builtIn)
        let decoded = try TwinModelFile.decode(data)
        let identical = decoded == TwinModel.builtIn
        #expect(identical)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"format\" : \"hospital-twin/patient-twin-model\""))
    }

    @Test("a malformed model file is refused with every problem located")
    func locatedErrors() throws {
        var json = String(decoding: try TwinModelFile.encode(.builtIn), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 7")
        json = json.replacingOccurrences(of: "\"frail_elderly\"", with: "\"frail_elder\"")
        let error = #expect(throws: TwinModelFileError.self) { try TwinModelFile.decode(Data(json.utf8), file: "m.json") }
        let text = error?.description ?? ""
        #expect(text.contains("m.json: version: this program reads version 1, the file is version 7 (written by a newer hospital-twin)"))
        #expect(text.contains("m.json: pathways.frail_elder: unknown pathway; expected one of emergency_medical"))

        var model = TwinModel.builtIn
        model.pathways[0].states[6].sojourn.distribution = .lognormal(mu: 8, sigma: -1)  // emergency_medical ward
        var edited = String(decoding: try TwinModelFile.encode(.builtIn), as: UTF8.self)
        #expect(throws: TwinModelFileError.self) { try TwinModelFile.encode(model) }
        let range = try #require(edited.range(of: "\"sigma\" : 0.85"))  // only the emergency medical ward's
        edited.replaceSubrange(range, with: "\"sigma\" : -1")
        let bad = #expect(throws: TwinModelFileError.self) { try TwinModelFile.decode(Data(edited.utf8), file: "m.json") }
        #expect(bad?.problems == ["pathways.emergency_medical.ward.sojourn.sigma: must be > 0 and finite, found -1.0"])
        // The first destination is the reference: a file that gives it an intercept is refused.
        var shifted = String(decoding: try TwinModelFile.encode(.builtIn), as: UTF8.self)
        let reference = try #require(shifted.range(of: "\"intercept\" : 0,"))
        shifted.replaceSubrange(reference, with: "\"intercept\" : 0.5,")
        let moved = #expect(throws: TwinModelFileError.self) { try TwinModelFile.decode(Data(shifted.utf8), file: "m.json") }
        #expect(moved?.problems.first?.hasSuffix("transitions[0]: the first destination is the reference: its intercept "
            + "and effects must be 0") == true)

        let missing = #expect(throws: TwinModelFileError.self) {
            try TwinModelFile.decode(Data("{\"format\": \"hospital-twin/patient-twin-model\", \"version\": 1}".utf8), file: "m.json")
        }
        #expect(missing?.problems == ["pathways: missing", "readmission: missing"])
    }
}

@Suite("cohort simulation on the kernel")
struct CohortSimulationTests {
    static let clock = try! SimulationClock(start: "2026-01-05T00:00", timeZone: "Europe/London")

    static func run(days: Int = 240, perDay: Double = 80, seed: UInt64 = 4, census: [PatientTwin] = [],
                    waits: [CareState: Double] = [:]) -> CohortSimulationResult
    {
        var options = CohortOptions()
        options.admissionsPerDay = perDay
        options.days = days
        options.seed = seed
        options.waitBeforeEntering = waits
        return try! TwinCohortSimulation.run(census: census, clock: clock, predictor: TwinTests.predictor,
                                             generator: try! EpisodeGenerator(), options: options)
    }

    static let result = run()

    @Test("readmissions close the loop: discharged twins come back as emergency arrivals carrying their history")
    func readmissionsCloseTheLoop() throws {
        let result = Self.result
        // First admissions alone are a Poisson count of 80 a day over 240 days (the run's defaults).
        #expect(Double(result.admissions) > Tolerance.poissonFloor(expected: 80 * 240) && result.readmissions > 300)
        let returned = result.twins.filter { $0.spell >= 1 }
        #expect(returned.count > 300)
        for twin in returned.prefix(50) {
            #expect(twin.attributes.admissionMethod == .emergency && twin.attributes.admissionsLast12Months >= 1)
            #expect(twin.history.filter { if case .admission = $0.kind { true } else { false } }.count == twin.spell + 1)
        }
        #expect(result.failures.isEmpty)
    }

    @Test("the simulated readmission rate is the model's: observed within z·√(Σp(1−p)) of Σp over discharges with 30 days left")
    func readmissionRate() {
        let followUp = Self.result.readmissionFollowUp
        #expect(followUp.discharges > 10_000)
        #expect(abs(Double(followUp.readmitted) - followUp.expected) <= Tolerance.z * followUp.variance.squareRoot(),
                "observed \(followUp.readmitted), expected \(followUp.expected)")
    }

    @Test("waits before a unit change when a twin moves, never what it draws: the same states, lengths and moves")
    func waitsLeaveClinicalDrawsAlone() throws {
        let free = Self.run(days: 120, perDay: 60, seed: 9)
        let delayed = Self.run(days: 120, perDay: 60, seed: 9, waits: [.ward: 8 * 60, .icu: 3 * 60])
        #expect(free.admissions == delayed.admissions && free.twins.count == delayed.twins.count)
        var compared = 0
        var shifted = 0
        for (a, b) in zip(free.stays, delayed.stays) {
            // The same spells, stay by stay, as far as both runs saw them (a wait can push a later stay or a
            // readmission past the end of the run).
            for (x, y) in zip(a, b) where x.spell == y.spell && x.step == y.step {
                #expect(x.state == y.state && x.durationMinutes == y.durationMinutes && x.next == y.next,
                        "spell \(x.spell) step \(x.step)")
                compared += 1
                if x.startMinute != y.startMinute { shifted += 1 }
            }
        }
        #expect(compared > 15_000)
        #expect(shifted > 5_000)  // the waits did move the twins in time
    }

    @Test("a twin that cannot be followed is reported and counted, not dropped silently")
    func failuresAreReported() throws {
        var gone = PatientTwin(id: PatientID(99), attributes: .sample(), pathway: .emergencyMedical,
                               admittedAt: Self.clock.epochMinute(atMinute: -600))
        try gone.apply(Observation(minute: Self.clock.epochMinute(atMinute: -60), .transfer(to: .dischargedHome)))
        let result = Self.run(days: 5, perDay: 10, census: [gone])
        #expect(result.failures.count == 1)
        #expect(result.failures.first?.contains("has been discharged") == true)
    }

    @Test("every midnight census equals the twins in hospital then, reconstructed from their own histories")
    func census() throws {
        let census = Self.result.midnightCensus
        #expect(census.count == 241 && census[0].date == "2026-01-05" && census[1].date == "2026-01-06")
        // Spells from the histories: an admission opens one, a transfer to a discharge closes it.
        var spells: [(start: Double, end: Double)] = []
        for twin in Self.result.twins {
            var open: Double?
            for observation in twin.history {
                switch observation.kind {
                case .admission: open = observation.minute
                case .transfer(let to) where to.isDischarge:
                    if let start = open { spells.append((start, observation.minute)) }
                    open = nil
                default: break
                }
            }
            if let start = open { spells.append((start, .infinity)) }
        }
        // Local midnight: after the change to summer time on 29 March it falls at 23:00 UTC, 60 minutes
        // earlier in simulation time, so each instant comes from the census date through the clock.
        for day in stride(from: 1, to: 241, by: 7) {
            let instant = Self.clock.epochMinute(atMinute: Self.clock.minute(atLocal: LocalDateTime(parsing: census[day].date)!))
            let inHospital = spells.filter { $0.start <= instant && $0.end > instant }.count
            #expect(census[day].total == inHospital, "day \(day)")
        }
        #expect(census[200].total > 300)
    }
}

@Suite("readmission of a twin discharged a while ago")
struct ConditionalReadmissionTests {
    @Test("a twin not back after s days returns with probability p(1 − G(s)) / (1 − p·G(s)), after s")
    func conditionalDraw() throws {
        let predictor = try TrajectoryPredictor(model: .builtIn)
        let start = 29_000_000.0
        var twin = PatientTwin(id: PatientID(pseudonymising: "R-1"), attributes: .sample(charlson: 6, frailty: 7),
                               pathway: .emergencyMedical, admittedAt: start)
        try twin.apply(Observation(minute: start + 9 * 1440, .transfer(to: .dischargedHome)))
        let readmission = TwinModel.builtIn.readmission
        let elapsedDays = 6.0
        let n = 20_000
        var returned = 0
        for k in 0..<n {
            var copy = PatientTwin(id: PatientID(UInt64(k)), attributes: twin.attributes, pathway: twin.pathway, admittedAt: start)
            try copy.apply(Observation(minute: start + 9 * 1440, .transfer(to: .dischargedHome)))
            let draw = predictor.drawReadmission(for: copy, streams: TwinStreams(RandomStreams(masterSeed: 17)),
                                                 notReturnedAfterMinutes: elapsedDays * 1440)
            if let delay = draw.delayMinutes {
                returned += 1
                #expect(delay >= elapsedDays * 1440 && delay <= 30 * 1440)
            }
        }
        let p = predictor.drawReadmission(for: twin, streams: TwinStreams(RandomStreams(masterSeed: 1))).probability
        let g = readmission.delayCDF(days: elapsedDays)
        let expected = p * (1 - g) / (1 - p * g)
        #expect(Tolerance.binomialAgrees(observed: returned, trials: n, probability: expected),
                "\(returned) of \(n), expected \(expected * Double(n))")
        // And it can fail: the unconditional probability is far outside at this n.
        #expect(!Tolerance.binomialAgrees(observed: returned, trials: n, probability: p))
        // At 0 days it is the unconditional draw, and after 30 days nobody returns.
        let fresh = predictor.drawReadmission(for: twin, streams: TwinStreams(RandomStreams(masterSeed: 2)))
        #expect(predictor.drawReadmission(for: twin, streams: TwinStreams(RandomStreams(masterSeed: 2)),
                                          notReturnedAfterMinutes: 0) == fresh)
        #expect(predictor.drawReadmission(for: twin, streams: TwinStreams(RandomStreams(masterSeed: 2)),
                                          notReturnedAfterMinutes: 30 * 1440).delayMinutes == nil)
    }
}
