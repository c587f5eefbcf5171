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
        #expect(twin.state == .ed && twin.latestNEWS2 == nil && twin.revision == 0)
        try twin.apply(Observation(minute: Self.start + 30, .vitals(Self.sickVitals)))
        #expect(twin.latestNEWS2 == 13 && twin.revision == 1)
        try twin.apply(contentsOf: [Observation(minute: Self.start + 300, .transfer(to: .ward)),
                                    Observation(minute: Self.start + 200, .transfer(to: .assessmentUnit))])
        #expect(twin.state == .ward && twin.stateSince == Self.start + 300 && twin.levelOfCare == .level1)
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

    @Test("pseudonymous ids are stable, distinct and never the source identifier")
    func pseudonymousIDs() {
        let a = PatientID(pseudonymising: "3edac2e3-d223-6fae-d515-daf96ef6bc76")
        #expect(a == PatientID(pseudonymising: "3edac2e3-d223-6fae-d515-daf96ef6bc76"))
        #expect(a != PatientID(pseudonymising: "3edac2e3-d223-6fae-d515-daf96ef6bc77"))
        #expect(!a.description.contains("3edac2e3") && PatientID(parsing: a.description) == a)
    }

    @Test("the same twin, history and seed give the same prediction; a new observation gives a new draw")
    func deterministicPredictions() throws {
        let twin = PatientTwin(id: PatientID(7), attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start)
        let streams = RandomStreams(masterSeed: 11)
        var s1 = TrajectoryPredictor.stream(for: twin, streams: streams)
        var s2 = TrajectoryPredictor.stream(for: twin, streams: streams)
        let first = try twin.predictTrajectory(with: Self.predictor, from: Self.start, using: &s1)
        let second = try twin.predictTrajectory(with: Self.predictor, from: Self.start, using: &s2)
        #expect(first == second && first.steps.first?.state == .ed)
        var updated = twin
        try updated.apply(Observation(minute: Self.start + 10, .vitals(Self.sickVitals)))
        var s3 = TrajectoryPredictor.stream(for: updated, streams: streams)
        #expect(try updated.predictTrajectory(with: Self.predictor, from: Self.start + 10, using: &s3) != first)
    }

    @Test("a stay already 6 days long is continued from the distribution conditioned on 6 days (KS)")
    func conditionalRemainingStay() throws {
        var twin = PatientTwin(id: PatientID(8), attributes: .sample(), pathway: .emergencyMedical, admittedAt: Self.start)
        try twin.apply(Observation(minute: Self.start + 240, .transfer(to: .ward)))
        let now = Self.start + 240 + 6 * 1440
        var stream = RandomStream(seed: 3)
        var totals: [Double] = []
        for _ in 0..<20_000 {
            let path = try twin.predictTrajectory(with: Self.predictor, from: now, using: &stream)
            totals.append(6 * 1440 + path.steps[0].durationMinutes)
        }
        // The ward stay is T = exp(x·γ)·T₀; given T > 6 days its CDF is (F(t/s) − F(6d/s)) / (1 − F(6d/s)).
        let ward = TwinModel.builtIn.model(of: .emergencyMedical)!.model(of: .ward)!.sojourn
        let factor = exp(zip(ward.timeEffects, Covariate.vector(for: twin)).reduce(0) { $0 + $1.0 * $1.1 })
        let baseline = try ward.baseline()
        let floor = baseline.cdf(6 * 1440 / factor)
        let ks = GoodnessOfFit.kolmogorovSmirnov(totals) { (baseline.cdf($0 / factor) - floor) / (1 - floor) }
        #expect(ks.pValue > Tolerance.alpha, "KS D = \(ks.statistic), p = \(ks.pValue)")
        #expect(totals.allSatisfy { $0 >= 6 * 1440 })
    }

    @Test("moves follow the multinomial logit: sampled frequencies match its probabilities (chi-square)")
    func transitionFrequencies() throws {
        let x = Covariate.vector(attributes: .sample(), news2: 4)
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

    @Test("a high NEWS2 raises the chance of escalation to HDU or ICU and lengthens the expected stay")
    func news2RaisesEscalation() throws {
        func escalation(news2: Int) -> (probability: Double, meanWardDays: Double) {
            let x = Covariate.vector(attributes: .sample(), news2: news2)
            let p = Self.predictor.transitionProbabilities(pathway: .emergencyMedical, state: .assessmentUnit, covariates: x)
                .filter { $0.0 == .icu || $0.0 == .hdu }.map(\.1).reduce(0, +)
            var stream = RandomStream(seed: 5)
            var tally = Tally()
            for _ in 0..<20_000 {
                tally.record(Self.predictor.sampleSojourn(pathway: .emergencyMedical, state: .ward, covariates: x,
                                                          using: &stream) / 1440)
            }
            return (p, tally.mean)
        }
        let calm = escalation(news2: 0)
        let sick = escalation(news2: 8)
        #expect(sick.probability > 3 * calm.probability)
        #expect(sick.meanWardDays > calm.meanWardDays * 1.2)
    }

    @Test("readmission follows the LACE calibration: 2.0% at 0 points, 43.7% at 19")
    func readmissionCalibration() {
        let model = TwinModel.builtIn.readmission
        let none = LACEScore(lengthOfStayDays: 0, emergencyAdmission: false, charlsonIndex: 0, edVisitsLast6Months: 0)
        let most = LACEScore(lengthOfStayDays: 30, emergencyAdmission: true, charlsonIndex: 9, edVisitsLast6Months: 9)
        #expect(abs(model.probability(none) - 0.020) < 1e-12)
        #expect(abs(model.probability(most) - 0.437) < 1e-12)
        var stream = RandomStream(seed: 2)
        let delays = (0..<10_000).map { _ in model.sampleDelayDays(using: &stream) }
        #expect(delays.allSatisfy { $0 > 0 && $0 <= 30 })
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
        model.pathways[0].states[6].sojourn.second = -1  // emergency_medical ward sigma
        var edited = String(decoding: try TwinModelFile.encode(.builtIn), as: UTF8.self)
        #expect(throws: TwinModelFileError.self) { try TwinModelFile.encode(model) }
        let range = try #require(edited.range(of: "\"sigma\" : 0.85"))  // only the emergency medical ward's
        edited.replaceSubrange(range, with: "\"sigma\" : -1")
        let bad = #expect(throws: TwinModelFileError.self) { try TwinModelFile.decode(Data(edited.utf8), file: "m.json") }
        #expect(bad?.problems == ["pathways.emergency_medical.ward.sojourn.sigma: must be > 0 and finite, found -1.0"])

        let missing = #expect(throws: TwinModelFileError.self) {
            try TwinModelFile.decode(Data("{\"format\": \"hospital-twin/patient-twin-model\", \"version\": 1}".utf8), file: "m.json")
        }
        #expect(missing?.problems == ["pathways: missing", "readmission: missing"])
    }
}

@Suite("example files")
struct ExampleFileTests {
    @Test("scenarios/models/built-in-twin-model.json is the built-in model (regenerate with twins export-model)")
    func committedModelMatches() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let path = url.appendingPathComponent("scenarios/models/built-in-twin-model.json").path
        let model = try TwinModelFile.read(path: path)
        let identical = model == TwinModel.builtIn
        #expect(identical)
    }
}

@Suite("cohort simulation on the kernel")
struct CohortSimulationTests {
    static let result: CohortSimulationResult = {
        let clock = try! SimulationClock(start: "2026-01-05T00:00", timeZone: "Europe/London")
        return try! TwinCohortSimulation.run(census: [], admissionsPerDay: 80, days: 240, clock: clock,
                                             predictor: TwinTests.predictor, generator: try! EpisodeGenerator(), seed: 4)
    }()

    @Test("readmissions close the loop: discharged twins come back as emergency arrivals carrying their history")
    func readmissionsCloseTheLoop() throws {
        let result = Self.result
        #expect(result.admissions > 15_000 && result.readmissions > 500)
        let returned = result.twins.filter { twin in twin.history.filter { if case .admission = $0.kind { true } else { false } }.count >= 2 }
        #expect(returned.count > 400)
        for twin in returned.prefix(50) {
            #expect(twin.attributes.admissionMethod == .emergency && twin.attributes.admissionsLast12Months >= 1)
        }
    }

    @Test("the simulated readmission rate is the model's: observed within z·√(Σp(1−p)) of Σp over discharges with 30 days left")
    func readmissionRate() {
        let followed = Self.result.dischargeRecords.filter { $0.minute <= (240 - 30) * 1440 }
        let expected = followed.reduce(0) { $0 + $1.probability }
        let variance = followed.reduce(0) { $0 + $1.probability * (1 - $1.probability) }
        let observed = Double(followed.filter(\.readmitted).count)
        #expect(abs(observed - expected) <= Tolerance.z * variance.squareRoot(), "observed \(observed), expected \(expected)")
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
        let clock = try SimulationClock(start: "2026-01-05T00:00", timeZone: "Europe/London")
        let origin = clock.start.timeIntervalSince1970 / 60
        for day in stride(from: 1, to: 241, by: 7) {
            let instant = origin + clock.minute(atLocal: LocalDateTime(parsing: census[day].date)!)
            let inHospital = spells.filter { $0.start <= instant && $0.end > instant }.count
            #expect(census[day].beds.reduce(0, +) == inHospital, "day \(day)")
        }
        #expect(census[200].beds.reduce(0, +) > 300)
    }
}
