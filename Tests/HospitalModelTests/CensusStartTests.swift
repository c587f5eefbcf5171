import Foundation
import HospitalModel
import PatientTwin
import Simulation
import Testing
import TestSupport

@Suite("starting from a census, against theory")
struct CensusStartTests {
    /// Ward stays Weibull with shape 2 and scale 5 days (not memoryless), no new patients, no discharge windows:
    /// a census patient who has spent e days in the ward is still there t days later with probability
    /// S(e + t) / S(e) = exp(-((e + t)/λ)² + (e/λ)²). The count in hospital at each midnight is a sum of
    /// independent Bernoulli variables; its mean over replications must lie within the interval its variance gives.
    /// Ignoring the time spent (drawing whole stays afresh) would keep about four times as many on day 5 (74 against 18).
    @Test("census patients leave as their stay distribution conditioned on the time already spent says")
    func conditionalSurvival() throws {
        let shape = 2.0, scaleDays = 5.0
        let hospital = try Self.wardAndICU(wardBeds: 400, horizonDays: 10) { state in
            state.state == .ward
                ? StateModel(state: .ward, sojourn: SojournModel(.weibull(shape: shape, scaleMinutes: scaleDays * 1440)),
                             transitions: .probabilities([(.dischargedHome, 1)]))
                : state
        }
        let startEpoch = hospital.simulationClock.epochMinute(atMinute: 0)
        let elapsedDays = (0..<200).map { Double($0) * 0.05 }
        let attributes = PatientAttributes(ageYears: 70, sex: .female, admissionMethod: .emergency, specialty: .generalMedicine,
                                           diagnosisGroup: .other, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)
        let census = HospitalCensus(inpatients: elapsedDays.enumerated().map { index, elapsed in
            HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(index + 1)), attributes: attributes,
                                                       pathway: .emergencyMedical, admittedAt: startEpoch - elapsed * 1440,
                                                       state: .ward),
                                     unit: 0)
        })
        let replications = 60
        var counts = [[Double]](repeating: [], count: 11)
        for replication in 0..<replications {
            let run = try HospitalSimulation.run(hospital, horizonDays: 10, warmUpDays: 0,
                                                 streams: RandomStreams(masterSeed: 11).replication(replication), census: census)
            for (day, flow) in run.kpis.flows.enumerated() where day <= 10 { counts[day].append(Double(flow.inHospital)) }
        }
        for day in 1...10 {
            let t = Double(day)
            let p = elapsedDays.map { e in exp(-pow((e + t) / scaleDays, shape) + pow(e / scaleDays, shape)) }
            let expected = p.reduce(0, +)
            let variance = p.reduce(0) { $0 + $1 * (1 - $1) }
            let mean = counts[day].reduce(0, +) / Double(counts[day].count)
            let tolerance = Tolerance.halfWidth(variance: variance, count: replications)
            #expect(abs(mean - expected) <= tolerance, "day \(day): \(mean) in hospital, expected \(expected) ± \(tolerance)")
        }
        #expect(counts[0].allSatisfy { $0 == 200 })
    }

    /// The same for patients clinically ready for a care home since e days before the census, waiting for a
    /// placement of Weibull(2, 5 days) with no discharge windows: still in hospital t days later with probability
    /// S(e + t) / S(e). Drawing each wait afresh from the census would keep about three times as many on day 5.
    @Test("patients waiting for a care home leave as their placement wait conditioned on the wait so far says")
    func careHomeWaitsUnderWay() throws {
        let shape = 2.0, scaleDays = 5.0
        let ed = try Fixtures.admittingEverybody(perDay: 1e-9, boardingLimit: nil)
        let configuration = HospitalConfiguration(
            name: "census", timeZone: Fixtures.london, start: Fixtures.monday,
            twinModel: Fixtures.exponentialWardModel(wardMeanDays: 1), emergencyDepartment: ed,
            units: [UnitConfiguration(name: "Ward", kind: .ward, beds: 400), UnitConfiguration(name: "ICU", kind: .icu, beds: 2)],
            discharge: DischargePolicy(careHomePlacementDays: .weibull(try Weibull(shape: shape, scale: scaleDays))))
        let hospital = try PreparedHospital(configuration, horizonDays: 10)
        let startEpoch = hospital.simulationClock.epochMinute(atMinute: 0)
        let waitedDays = (0..<200).map { Double($0) * 0.05 }
        let attributes = PatientAttributes(ageYears: 84, sex: .female, admissionMethod: .emergency, specialty: .geriatrics,
                                           diagnosisGroup: .other, charlsonIndex: 3, clinicalFrailtyScale: 6,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 1)
        let census = HospitalCensus(inpatients: waitedDays.enumerated().map { index, waited in
            HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(index + 1)), attributes: attributes,
                                                       pathway: .emergencyMedical, admittedAt: startEpoch - (waited + 3) * 1440,
                                                       state: .ward),
                                     location: .unit(0), readyAt: startEpoch - waited * 1440, readyFor: .dischargedCareHome)
        })
        let replications = 60
        var counts = [[Double]](repeating: [], count: 11)
        for replication in 0..<replications {
            let run = try HospitalSimulation.run(hospital, horizonDays: 10, warmUpDays: 0,
                                                 streams: RandomStreams(masterSeed: 12).replication(replication), census: census)
            for (day, flow) in run.kpis.flows.enumerated() where day <= 10 { counts[day].append(Double(flow.inHospital)) }
        }
        for day in 1...10 {
            let t = Double(day)
            let p = waitedDays.map { e in exp(-pow((e + t) / scaleDays, shape) + pow(e / scaleDays, shape)) }
            let expected = p.reduce(0, +)
            let variance = p.reduce(0) { $0 + $1 * (1 - $1) }
            let mean = counts[day].reduce(0, +) / Double(counts[day].count)
            let tolerance = Tolerance.halfWidth(variance: variance, count: replications)
            #expect(abs(mean - expected) <= tolerance, "day \(day): \(mean) in hospital, expected \(expected) ± \(tolerance)")
        }
    }

    /// A patient in the ED undecided is admitted with the share, among the patients of its kind still there after
    /// as long, of those who will be: sampled here directly — admitted with the category's probability, then staying
    /// its twin's ED stay if admitted, the discharged stay if not — and held against the engine's probability within
    /// the binomial interval.
    @Test("a census patient undecided in the ED is admitted with the probability its time there implies")
    func undecidedAdmission() throws {
        let setting = try UndecidedSetting([TriageClass(category: .urgent, share: 1, admissionProbability: 0.25)])
        let stays = try setting.stays(count: 60_000, seed: 31) { $0.nextUniform() < 0.25 }
        #expect(setting.probability(triage: .urgent, waited: 0) == 0.25)
        var moved = 0.0
        for waited in [60.0, 180, 300, 480] {
            let probability = setting.probability(triage: .urgent, waited: waited)
            setting.expectShare(of: stays, waited: waited, is: probability)
            moved = max(moved, abs(probability - 0.25))
        }
        #expect(moved > 0.05, "the time in the ED changes the probability")
    }
}

/// The ED of the undecided-patient tests: a ward and an ICU, no arrivals, the given triage categories, discharged
/// stays lognormal (mean 215, sd 120 minutes), and one emergency medical patient's attributes.
struct UndecidedSetting {
    let hospital: PreparedHospital
    let ed: EmergencyDepartmentConfiguration
    let now: Double
    let attributes = PatientAttributes(ageYears: 70, sex: .male, admissionMethod: .emergency, specialty: .generalMedicine,
                                       diagnosisGroup: .other, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                       deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)

    init(_ triage: [TriageClass]) throws {
        var ed = try Fixtures.admittingEverybody(perDay: 1e-9, boardingLimit: nil)
        ed.triage = triage
        ed.dischargedStayMinutes = .lognormal(try LogNormal(mean: 215, standardDeviation: 120))
        let configuration = HospitalConfiguration(
            name: "ed", timeZone: Fixtures.london, start: Fixtures.monday, twinModel: .builtIn, emergencyDepartment: ed,
            units: [UnitConfiguration(name: "Ward", kind: .ward, beds: 40), UnitConfiguration(name: "ICU", kind: .icu, beds: 2)])
        hospital = try PreparedHospital(configuration, horizonDays: 2)
        now = hospital.simulationClock.epochMinute(atMinute: 0)
        self.ed = ed
    }

    /// A patient who arrived `waited` minutes before the census.
    func twin(waited: Double) -> PatientTwin {
        PatientTwin(id: PatientID(waited == 0 ? 1 : 2), attributes: attributes, pathway: .emergencyMedical, admittedAt: now - waited)
    }

    /// The engine's probability that such a patient, undecided, is admitted.
    func probability(triage: TriageCategory?, waited: Double) -> Double {
        hospital.admissionProbability(ofUndecided: twin(waited: waited), triage: triage, atEpochMinute: now)
    }

    /// `count` arrivals sampled directly: admitted as `admits` draws, then staying the twin's ED stay if admitted,
    /// the discharged stay if not.
    func stays(count: Int, seed: UInt64, admits: (inout RandomStream) -> Bool) throws -> [(admitted: Bool, minutes: Double)] {
        let predictor = try TrajectoryPredictor(model: .builtIn)
        let arriving = twin(waited: 0)
        var stream = RandomStream(seed: seed)
        let runs = RandomStreams(masterSeed: seed + 1)
        return try (0..<count).map { k in
            let admitted = admits(&stream)
            let minutes = admitted
                ? try predictor.drawStay(for: arriving, at: now, streams: TwinStreams(runs.replication(k))).durationMinutes
                : ed.dischargedStayMinutes.sample(using: &stream)
            return (admitted, minutes)
        }
    }

    /// The share admitted among the sampled patients still there after `waited` minutes is `probability`, within
    /// the binomial interval.
    func expectShare(of stays: [(admitted: Bool, minutes: Double)], waited: Double, is probability: Double,
                     sourceLocation: SourceLocation = #_sourceLocation)
    {
        let still = stays.filter { $0.minutes > waited }
        let share = Double(still.filter(\.admitted).count) / Double(still.count)
        let tolerance = Tolerance.halfWidth(variance: probability * (1 - probability), count: still.count)
        #expect(still.count > 500 && abs(share - probability) <= tolerance,
                "after \(waited) minutes: \(share) of \(still.count) still there admitted, engine \(probability)",
                sourceLocation: sourceLocation)
    }
}

extension CensusStartTests {
    /// A ward of `wardBeds` and an ICU of 2, no arrivals, the exponential-ward model (mean 1 day) with each of its
    /// states passed through `state`.
    /// A general medical emergency patient of 70 with a Charlson index of 1.
    static let emergencyMedical = PatientAttributes(ageYears: 70, sex: .female, admissionMethod: .emergency,
                                                    specialty: .generalMedicine, diagnosisGroup: .other, charlsonIndex: 1,
                                                    clinicalFrailtyScale: 3, deprivationDecile: 5, edVisitsLast6Months: 0,
                                                    admissionsLast12Months: 0)

    static func wardAndICU(wardBeds: Int, horizonDays: Int, _ state: (StateModel) -> StateModel) throws -> PreparedHospital {
        let base = Fixtures.exponentialWardModel(wardMeanDays: 1)
        let model = TwinModel(description: "census test", pathways: base.pathways.map { pathway in
            PathwayModel(pathway: pathway.pathway, states: pathway.states.map(state))
        }, readmission: base.readmission)
        let configuration = HospitalConfiguration(
            name: "census", timeZone: Fixtures.london, start: Fixtures.monday, twinModel: model,
            emergencyDepartment: try Fixtures.admittingEverybody(perDay: 1e-9, boardingLimit: nil),
            units: [UnitConfiguration(name: "Ward", kind: .ward, beds: wardBeds), UnitConfiguration(name: "ICU", kind: .icu, beds: 2)])
        return try PreparedHospital(configuration, horizonDays: horizonDays)
    }

    /// Two categories, urgent (30% of attendances, admitted 60%) and standard (70%, 10%): a patient still undecided
    /// whose category the census does not know is admitted with the share, among all patients still there after as
    /// long, of those who will be — sampled directly (category by share, admitted with its probability, then its
    /// twin's ED stay or the discharged stay) and held against the engine's probability within the binomial interval.
    /// Assuming the commoner category instead (urgent, 0.6) would be far outside it.
    @Test("a census patient undecided in the ED, its category unknown, is admitted as an attendance of any category")
    func undecidedUnknownCategory() throws {
        let setting = try UndecidedSetting([TriageClass(category: .urgent, share: 0.3, admissionProbability: 0.6),
                                            TriageClass(category: .standard, share: 0.7, admissionProbability: 0.1)])
        let stays = try setting.stays(count: 80_000, seed: 41) { stream in
            let urgent = stream.nextUniform() < 0.3
            return stream.nextUniform() < (urgent ? 0.6 : 0.1)
        }
        // 0.3 × 0.6 + 0.7 × 0.1, exactly, before any time has passed.
        #expect(abs(setting.probability(triage: nil, waited: 0) - 0.25) < 1e-12)
        for waited in [60.0, 180, 300, 480] {
            setting.expectShare(of: stays, waited: waited, is: setting.probability(triage: nil, waited: waited))
        }
    }

    /// ED stays exponential with a mean of three days, ward stays of thirty: ten census patients admitted in the ED
    /// an hour before the census (decided: their ED stay is over) ask for a bed at once, so all ten are on the ward
    /// at the first midnight but any whose ward stay ended within the day (nine or more: 96%); ten undecided (their
    /// category admits everyone) finish their ED stay first, and each is on the ward by then with probability
    /// 1 − exp(−1/3) = 0.28 (six or fewer of ten: 99.6%). Drawing the decided patients' ED stays again, as the
    /// forecast once did, left two of the ten on the ward. At the first midnight the ten decided are the ward's
    /// demand, the ten undecided none of it (their decisions are still to come; the start once counted them).
    @Test("a census patient decided in the ED asks for its bed at once; one undecided finishes its ED stay first")
    func decidedBoarders() throws {
        let hospital = try Self.wardAndICU(wardBeds: 100, horizonDays: 3) { state in
            switch state.state {
            case .ed:
                StateModel(state: .ed, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 3 * 1440)),
                           transitions: .probabilities([(.ward, 1)]))
            case .ward:
                StateModel(state: .ward, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 30 * 1440)),
                           transitions: .probabilities([(.dischargedHome, 1)]))
            default: state
            }
        }
        let start = hospital.simulationClock.epochMinute(atMinute: 0)
        let attributes = Self.emergencyMedical
        func onWard(undecided: Bool) throws -> (dayZeroDemand: Int, dayOne: Int) {
            let census = HospitalCensus(inpatients: (0..<10).map { index in
                HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(index + 1)), attributes: attributes,
                                                           pathway: .emergencyMedical, admittedAt: start - 60),
                                         location: .emergencyDepartment, undecided: undecided)
            })
            let run = try HospitalSimulation.run(hospital, horizonDays: 3, warmUpDays: 0,
                                                 streams: RandomStreams(masterSeed: 9).replication(0), census: census)
            return (run.kpis.units[0].midnightDemand[0], run.kpis.units[0].midnightCensus[1])
        }
        let decided = try onWard(undecided: false)
        #expect(decided.dayOne >= 9, "\(decided.dayOne) of 10 decided on the ward a day later")
        #expect(decided.dayZeroDemand == 10)
        let undecided = try onWard(undecided: true)
        #expect(undecided.dayOne <= 6, "\(undecided.dayOne) of 10 undecided on the ward a day later")
        #expect(undecided.dayZeroDemand == 0, "undecided patients are no bed's demand before their decision")
    }

    /// ED stays end in the ward or ICU half the time each (or, in the last case, home); stays of about 3000 days, so
    /// nobody leaves in the two days run. Ten admitted boarders whose census does not say which bed they wait for,
    /// forty replications. With the ward's 20 beds full and ICU's two free, a boarder is unlikely to be waiting for ICU
    /// (it would have had its bed unless that bed was being cleaned): the posterior share is ½·L / (½·L + ½) with L
    /// the likelihood of room where it waits (`boarderRoomLikelihood`), 1/11, where the twins' draw alone gives ½. ICU's
    /// demand at the first midnight counts the boarders asking for it. With a ward bed free too, room everywhere tells
    /// nothing and the share stays ½. A census that names ICU is believed. An admitted boarder never goes home from
    /// the ED.
    @Test("a boarder's bed, when the census does not name it, is unlikely to be one with room for it at the census")
    func boardersTargets() throws {
        func hospital(_ edNext: [(CareState, Double)]) throws -> PreparedHospital {
            try Self.wardAndICU(wardBeds: 20, horizonDays: 2) { state in
                switch state.state {
                case .ed:
                    StateModel(state: .ed, sojourn: state.sojourn, transitions: .probabilities(edNext))
                case .ward, .icu:
                    StateModel(state: state.state, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 3000 * 1440)),
                               transitions: .probabilities([(.dischargedHome, 1)]))
                default: state
                }
            }
        }
        let wardOrICU = try hospital([(.ward, 0.5), (.icu, 0.5)])
        let start = wardOrICU.simulationClock.epochMinute(atMinute: 0)
        func census(onWard: Int, waitingFor: CareState? = nil) -> HospitalCensus {
            HospitalCensus(inpatients: (0..<onWard).map { index in
                HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(100 + index)), attributes: Self.emergencyMedical,
                                                           pathway: .emergencyMedical, admittedAt: start - 1440, state: .ward),
                                         unit: 0)
            } + (0..<10).map { index in
                HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(index + 1)), attributes: Self.emergencyMedical,
                                                           pathway: .emergencyMedical, admittedAt: start - 600),
                                         location: .emergencyDepartment, waitingFor: waitingFor)
            })
        }
        let replications = 40
        func runs(_ hospital: PreparedHospital, _ census: HospitalCensus) throws -> [HospitalKPIs] {
            try (0..<replications).map { replication in
                try HospitalSimulation.run(hospital, horizonDays: 2, warmUpDays: 0,
                                           streams: RandomStreams(masterSeed: 13).replication(replication), census: census).kpis
            }
        }
        let likelihood = HospitalCensus.boarderRoomLikelihood
        let full = try runs(wardOrICU, census(onWard: 20))
        let forICU = full.map { $0.units[1].midnightDemand[0] }.reduce(0, +)
        #expect(Tolerance.binomialAgrees(observed: forICU, trials: 10 * replications, probability: likelihood / (likelihood + 1)),
                "\(forICU) of \(10 * replications) boarders asked for ICU")
        #expect(!Tolerance.binomialAgrees(observed: forICU, trials: 10 * replications, probability: 0.5))
        #expect(full.allSatisfy { $0.units[0].midnightDemand[0] + $0.units[1].midnightDemand[0] == 30 })
        let room = try runs(wardOrICU, census(onWard: 19))
        let forICUWithRoom = room.map { $0.units[1].midnightDemand[0] }.reduce(0, +)
        #expect(Tolerance.binomialAgrees(observed: forICUWithRoom, trials: 10 * replications, probability: 0.5),
                "\(forICUWithRoom) of \(10 * replications) boarders asked for ICU")
        // Weighed by the model's own boarders (`BoarderTargets`) instead. Its decisions ask for the ward and ICU half
        // each. Of 20 boarders its probes found with room on the ward and in ICU (10 boarding), 2 waited for the ward
        // and 18 for ICU; of 10 who saw the ward full, 9 waited for it and 1 for ICU. So with room everywhere the
        // ward's weight is (2 + 10·½)/30 / ½ = 7/15 and ICU's (19 + 10·½)/40 / ½ = 6/5, and the share asking for ICU
        // 6/5 / (6/5 + 7/15) = 18/25, not ½; the full ward's weight is (9 + 5)/20 / ½ = 7/5. On a day of 40 boarders,
        // 10 of whom saw room everywhere and all waited for the ward, the weights are the crowded band's own.
        var decisions = [[Int]](repeating: [Int](repeating: 0, count: HospitalCensus.boardingTargets.count), count: Pathway.allCases.count)
        let medical = try #require(Pathway.allCases.firstIndex(of: .emergencyMedical))
        let ward = try #require(HospitalCensus.boardingTargets.firstIndex(of: .ward))
        let icu = try #require(HospitalCensus.boardingTargets.firstIndex(of: .icu))
        (decisions[medical][ward], decisions[medical][icu]) = (50, 50)
        func found(_ count: Int, waitingFor target: CareState, withRoom: Set<CareState>, boarders: Int = 10) -> [BoarderSample] {
            [BoarderSample](repeating: BoarderSample(pathway: .emergencyMedical, target: target, withRoom: withRoom, boarders: boarders),
                            count: count)
        }
        let targets = BoarderTargets(decisions: decisions, samples: found(2, waitingFor: .ward, withRoom: [.ward, .icu])
            + found(18, waitingFor: .icu, withRoom: [.ward, .icu]) + found(9, waitingFor: .ward, withRoom: [.icu])
            + found(1, waitingFor: .icu, withRoom: [.icu]) + found(10, waitingFor: .ward, withRoom: [.ward, .icu], boarders: 40))
        #expect(targets.crowdingBandEnds == [10])
        func weight(_ target: CareState, room: Bool, boarders: Int = 10) -> Double {
            targets.weight(pathway: .emergencyMedical, target: target, room: room, boarders: boarders)
        }
        #expect(abs(weight(.ward, room: true) - 7.0 / 15) < 1e-12 && abs(weight(.icu, room: true) - 6.0 / 5) < 1e-12)
        #expect(abs(weight(.ward, room: false) - 7.0 / 5) < 1e-12)
        #expect(weight(.icu, room: false) == 1, "never seen so: the decisions' share")
        #expect(abs(weight(.ward, room: true, boarders: 40) - 1.5) < 1e-12 && abs(weight(.icu, room: true, boarders: 40) - 0.5) < 1e-12)
        #expect(weight(.strokeUnit, room: false) == 1, "never asked for: no weight")
        #expect(targets.weight(pathway: .stroke, target: .ward, room: true, boarders: 10) == 1, "a pathway never decided: no weight")
        var weighed = census(onWard: 19)
        weighed.edProbe = EDProbe(time: LocalTimeOfDay(hour: 0)!, year: 2026, undecided: UndecidedAdmission(samples: []),
                                  boarders: targets)
        let byProbe = try runs(wardOrICU, weighed).map { $0.units[1].midnightDemand[0] }.reduce(0, +)
        #expect(Tolerance.binomialAgrees(observed: byProbe, trials: 10 * replications, probability: 18.0 / 25),
                "\(byProbe) of \(10 * replications) boarders asked for ICU")
        #expect(!Tolerance.binomialAgrees(observed: byProbe, trials: 10 * replications, probability: 0.5))
        let named = try runs(wardOrICU, census(onWard: 20, waitingFor: .icu))
        #expect(named.allSatisfy { $0.units[1].admissions == 2 && $0.units[1].midnightDemand[0] == 10 && $0.units[0].admissions == 0 })
        let homeOrWard = try runs(try hospital([(.ward, 0.5), (.dischargedHome, 0.5)]), census(onWard: 0))
        #expect(homeOrWard.allSatisfy { $0.units[0].admissions == 10 }, "\(homeOrWard.map { $0.units[0].admissions }) of 10 to the ward")
        // A stored census naming no bed (an ED state, from a hand-edited plan) is a problem said, and run as unnamed.
        let noBed = census(onWard: 20, waitingFor: .ed)
        #expect(wardOrICU.censusProblem(noBed) == "has inpatient 21 waiting in the ED for ed, which is no bed or operation")
        #expect(wardOrICU.censusProblem(census(onWard: 20, waitingFor: .theatre)) == nil)
        let unnamed = try runs(wardOrICU, noBed)
        #expect(unnamed.map { $0.units[1].midnightDemand[0] } == full.map { $0.units[1].midnightDemand[0] })
    }

    /// Two wards of 20 beds under a full-capacity protocol (declared at 10 boarders, stood down at 4, 2 extra places
    /// a ward), stays of about 30 days so nobody leaves: one ward holds 22 (only the protocol's extra places allow
    /// it), the other 20, and `boarders` admitted patients wait in the ED. The protocol is taken as in force when a
    /// ward is over its beds and the boarders are above the stand-down level — then the full ward opens its extra
    /// places and takes two of them at once; at the stand-down level, or with no ward over its beds, it does not.
    @Test("a census with a ward over its beds and boarders above the stand-down level starts under the full-capacity protocol")
    func fullCapacityAtCensus() throws {
        let model = Fixtures.exponentialWardModel(wardMeanDays: 1)
        let twins = TwinModel(description: "full capacity", pathways: model.pathways.map { pathway in
            PathwayModel(pathway: pathway.pathway, states: pathway.states.map { state in
                switch state.state {
                case .ed:
                    StateModel(state: .ed, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 60)),
                               transitions: .probabilities([(.ward, 1)]))
                case .ward:
                    StateModel(state: .ward, sojourn: SojournModel(.weibull(shape: 20, scaleMinutes: 30 * 1440)),
                               transitions: .probabilities([(.dischargedHome, 1)]))
                default: state
                }
            })
        }, readmission: model.readmission)
        var configuration = HospitalConfiguration(
            name: "full capacity", timeZone: Fixtures.london, start: Fixtures.monday, twinModel: twins,
            emergencyDepartment: try Fixtures.admittingEverybody(perDay: 1e-9, boardingLimit: nil),
            units: [UnitConfiguration(name: "Ward A", kind: .ward, beds: 20), UnitConfiguration(name: "Ward B", kind: .ward, beds: 20)])
        configuration.fullCapacityProtocol = FullCapacityProtocol(declareAtBoarders: 10, standDownAtBoarders: 4,
                                                                  extraPatientsPerWard: 2)
        let hospital = try PreparedHospital(configuration, horizonDays: 1)
        let start = hospital.simulationClock.epochMinute(atMinute: 0)
        func wardB(onWardA: Int, boarders: Int) throws -> (census: Int, hours: Double) {
            var id: UInt64 = 0
            func patient(_ location: HospitalCensus.Location) -> HospitalCensus.Inpatient {
                id += 1
                return HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(id), attributes: Self.emergencyMedical,
                                                                  pathway: .emergencyMedical, admittedAt: start - 120),
                                                location: location, undecided: false)
            }
            let census = HospitalCensus(inpatients: (0..<onWardA).map { _ in patient(.unit(0)) }
                + (0..<20).map { _ in patient(.unit(1)) } + (0..<boarders).map { _ in patient(.emergencyDepartment) })
            let run = try HospitalSimulation.run(hospital, horizonDays: 1, warmUpDays: 0,
                                                 streams: RandomStreams(masterSeed: 5).replication(0), census: census)
            return (run.kpis.units[1].midnightCensus[1], run.kpis.fullCapacityProtocolHours ?? 0)
        }
        // Two of the six take ward B's extra places; the four left are the stand-down level, which stands it down.
        let inForce = try wardB(onWardA: 22, boarders: 6)
        #expect(inForce.census == 22, "\(inForce)")
        let stoodDown = try wardB(onWardA: 22, boarders: 4)
        #expect(stoodDown.census == 20 && stoodDown.hours == 0, "\(stoodDown)")
        let noneOver = try wardB(onWardA: 20, boarders: 6)
        #expect(noneOver.census == 20 && noneOver.hours == 0, "\(noneOver)")
        // At the trigger the model declares it itself, as the boarders ask for their beds; eight left keep it in force.
        let triggered = try wardB(onWardA: 20, boarders: 10)
        #expect(triggered.census == 22 && triggered.hours > 23, "\(triggered)")
    }

    /// A census kept in a stored plan by the version before `undecided` and `news2At` decodes: its undecided patient
    /// is the one with a triage category; one written now round-trips exactly.
    @Test("a census patient decodes from JSON without the fields added since (a plan stored before), and round-trips")
    func decodesEarlierCensus() throws {
        let twin = PatientTwin(id: PatientID(7), attributes: Self.emergencyMedical, pathway: .emergencyMedical, admittedAt: 1_000)
        let current = [HospitalCensus.Inpatient(twin: twin, location: .emergencyDepartment, undecided: true),
                       HospitalCensus.Inpatient(twin: twin, location: .emergencyDepartment, undecidedTriage: .urgent),
                       HospitalCensus.Inpatient(twin: twin, location: .emergencyDepartment, waitingFor: .strokeUnit)]
        let data = try JSONEncoder().encode(current)
        let back = try JSONDecoder().decode([HospitalCensus.Inpatient].self, from: data)
        #expect(back.map(\.undecided) == [true, true, false] && back.map(\.undecidedTriage) == [nil, .urgent, nil])
        #expect(back.map(\.waitingFor) == [nil, nil, .strokeUnit])
        // A patient in the theatres, waiting for a ward bed since minute 1,200, keeps both through JSON.
        let operated = PatientTwin(id: PatientID(8), attributes: Self.emergencyMedical, pathway: .electiveSurgical, admittedAt: 1_000,
                                   state: .theatre)
        let theatres = HospitalCensus.Inpatient(twin: operated, location: .theatres, readyAt: 1_200, readyFor: .ward)
        let kept = try JSONDecoder().decode(HospitalCensus.Inpatient.self, from: try JSONEncoder().encode(theatres))
        #expect(kept.location == .theatres && kept.readyAt == 1_200 && kept.readyFor == .ward && kept.twin.state == .theatre
            && kept.twin.stateSince == 1_000)
        var earlier = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        for index in earlier.indices {
            earlier[index]["undecided"] = nil
            earlier[index]["news2At"] = nil
            earlier[index]["waitingFor"] = nil
        }
        let old = try JSONDecoder().decode([HospitalCensus.Inpatient].self,
                                           from: try JSONSerialization.data(withJSONObject: earlier))
        #expect(old.map(\.undecided) == [false, true, false], "before `unknown`, an undecided patient had its category")
        #expect(old.allSatisfy { $0.news2At == nil && !$0.deteriorated && $0.waitingFor == nil })
    }

    /// Ward stays exponential (mean 1 day), each ending in ICU or home half the time; no arrivals. Forty census
    /// patients on the ward with a NEWS2 of 8 read there: one read six hours before the census (past the
    /// scenario's four-hour response) with an ICU bed free was not sent to ICU, so none of the forty goes there
    /// in any replication. Read an hour before, or below the escalation level, or with ICU full, the draw stands and
    /// about half of them ask for ICU.
    @Test("a ward patient past its response time at an escalation NEWS2, a critical-care bed free, is not sent to critical care")
    func notEscalated() throws {
        let hospital = try Self.wardAndICU(wardBeds: 100, horizonDays: 6) { state in
            switch state.state {
            case .ward:
                StateModel(state: .ward, sojourn: state.sojourn, transitions: .probabilities([(.dischargedHome, 0.5), (.icu, 0.5)]))
            case .icu:
                StateModel(state: .icu, sojourn: SojournModel(.weibull(shape: 1, scaleMinutes: 30)),
                           transitions: .probabilities([(.dischargedHome, 1)]))
            default: state
            }
        }
        let start = hospital.simulationClock.epochMinute(atMinute: 0)
        let attributes = Self.emergencyMedical
        func census(news2: Int, readHoursAgo: Double, icuFull: Bool) throws -> HospitalCensus {
            var inpatients = try (0..<40).map { index in
                var twin = PatientTwin(id: PatientID(UInt64(index + 1)), attributes: attributes, pathway: .emergencyMedical,
                                       admittedAt: start - 2 * 1440, state: .ward)
                try twin.apply(Observation(minute: start - readHoursAgo * 60, .news2(news2)))
                return HospitalCensus.Inpatient(twin: twin, location: .unit(0), news2At: start - readHoursAgo * 60)
            }
            if icuFull {
                inpatients += (0..<2).map { index in
                    HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(100 + index)), attributes: attributes,
                                                               pathway: .emergencyMedical, admittedAt: start - 60, state: .icu),
                                             unit: 1)
                }
            }
            return HospitalCensus(inpatients: inpatients)
        }
        func icuAdmissions(_ census: HospitalCensus) throws -> [Int] {
            try (0..<8).map { replication in
                let run = try HospitalSimulation.run(hospital, horizonDays: 6, warmUpDays: 0,
                                                     streams: RandomStreams(masterSeed: 5).replication(replication), census: census)
                return run.kpis.units[1].admissions
            }
        }
        #expect(try icuAdmissions(census(news2: 8, readHoursAgo: 6, icuFull: false)).allSatisfy { $0 == 0 })
        // Binomial(40, 0.5) per replication: below 8 has a chance under 1e-5.
        for (news2, hours, full) in [(8, 1.0, false), (6, 6.0, false), (8, 6.0, true)] {
            let admissions = try icuAdmissions(census(news2: news2, readHoursAgo: hours, icuFull: full))
            #expect(admissions.allSatisfy { $0 >= 8 }, "NEWS2 \(news2) read \(hours) h before, ICU full \(full): \(admissions)")
        }
    }
}

@Suite("a census that cannot say who is ready to leave")
struct CensusReadinessTests {
    /// Exponential ward stays (mean 5 days), everyone home, discharge windows on weekdays 09:00–20:00 only, the
    /// census at Monday 00:00. A stay that ended since Friday 20:00 (52 hours) is waiting for Monday's window; one
    /// that ended before was discharged in Friday's. So a patient in the ward for e hours is not ready with
    /// probability S(e) / S(e − 52 h) = exp(−min(e, 52 h)/mean), exactly (the half-hour bins telescope).
    static func hospital(windows: [DischargeWindow]) throws -> PreparedHospital {
        let ed = try Fixtures.admittingEverybody(perDay: 1e-9, boardingLimit: nil)
        let configuration = HospitalConfiguration(
            name: "readiness", timeZone: Fixtures.london, start: Fixtures.monday,
            twinModel: Fixtures.exponentialWardModel(wardMeanDays: 5), emergencyDepartment: ed,
            units: [UnitConfiguration(name: "Ward", kind: .ward, beds: 400), UnitConfiguration(name: "ICU", kind: .icu, beds: 2)],
            discharge: DischargePolicy(windows: windows))
        return try PreparedHospital(configuration, horizonDays: 3)
    }

    static let weekdays: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday]
    static let elapsedHours = (0..<200).map { Double($0) * 1.2 }

    static func census(_ hospital: PreparedHospital) -> HospitalCensus {
        let start = hospital.simulationClock.epochMinute(atMinute: 0)
        let attributes = PatientAttributes(ageYears: 70, sex: .female, admissionMethod: .emergency, specialty: .generalMedicine,
                                           diagnosisGroup: .other, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)
        return HospitalCensus(inpatients: elapsedHours.enumerated().map { index, hours in
            HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(index + 1)), attributes: attributes,
                                                       pathway: .emergencyMedical, admittedAt: start - hours * 60, state: .ward),
                                     unit: 0)
        })
    }

    @Test("the chance of not being ready is S(e) / S(e − time since the last window closed), and in the run the ready leave at the next window")
    func weekendWindows() throws {
        let hospital = try Self.hospital(windows: [DischargeWindow(weekdays: Self.weekdays, from: Fixtures.time("09:00"),
                                                                   to: Fixtures.time("20:00"))])
        let start = hospital.simulationClock.epochMinute(atMinute: 0)
        let imputed = hospital.imputingReadiness(Self.census(hospital), atEpochMinute: start)
        let mean = 5.0 * 1440
        var notReady: [Double] = []
        for (inpatient, hours) in zip(imputed.inpatients, Self.elapsedHours) {
            let expected = exp(-min(hours, 52) * 60 / mean)
            notReady.append(expected)
            guard hours > 0 else {
                #expect(inpatient.readiness == nil, "just arrived: its stay cannot have ended")
                continue
            }
            let readiness = try #require(inpatient.readiness, "\(hours) h")
            #expect(abs(readiness.notReady - expected) < 1e-9, "\(hours) h: \(readiness.notReady) against \(expected)")
            // Ready since Friday 20:00 at the earliest, for home, ordered by probability.
            #expect(readiness.ready.allSatisfy { $0.readyAt >= start - 52 * 60 && $0.readyAt < start && $0.readyFor == .dischargedHome })
            #expect(abs((readiness.ready.last?.cumulative ?? 0) - (1 - readiness.notReady)) < 1e-9)
            #expect(readiness.outcome(readiness.notReady * 0.999) == nil && readiness.outcome(0.999_999) != nil)
        }
        // In the run: the ready leave in Monday's window; the rest leave when their (memoryless) stay ends, in a
        // window: still in at Tuesday 00:00 when it ends after Monday 20:00, with probability exp(−20 h/mean).
        let replications = 60
        var counts: [Double] = []
        for replication in 0..<replications {
            let run = try HospitalSimulation.run(hospital, horizonDays: 2, warmUpDays: 0,
                                                 streams: RandomStreams(masterSeed: 5).replication(replication), census: imputed)
            counts.append(Double(run.kpis.flows[1].inHospital))
        }
        let p = notReady.map { $0 * exp(-20 * 60 / mean) }
        let expected = p.reduce(0, +), variance = p.reduce(0) { $0 + $1 * (1 - $1) }
        let observed = counts.reduce(0, +) / Double(replications)
        let tolerance = Tolerance.halfWidth(variance: variance, count: replications)
        #expect(abs(observed - expected) <= tolerance, "\(observed) in hospital on Tuesday, expected \(expected) ± \(tolerance)")
        // Without the imputation every patient is taken to be mid-stay: more stay in (the bias the live census had).
        let plain = try HospitalSimulation.run(hospital, horizonDays: 2, warmUpDays: 0,
                                               streams: RandomStreams(masterSeed: 5).replication(0), census: Self.census(hospital))
        #expect(Double(plain.kpis.flows[1].inHospital) > expected + tolerance * 3)
    }

    @Test("with no windows nobody waits, so nothing is imputed; a census that says who is ready is kept as it is")
    func noWindows() throws {
        let hospital = try Self.hospital(windows: [])
        let start = hospital.simulationClock.epochMinute(atMinute: 0)
        let imputed = hospital.imputingReadiness(Self.census(hospital), atEpochMinute: start)
        #expect(imputed.inpatients.allSatisfy { $0.readiness == nil })
        let said = HospitalCensus(inpatients: [HospitalCensus.Inpatient(twin: Self.census(hospital).inpatients[5].twin, location: .unit(0),
                                                                        readyAt: start - 60, readyFor: .dischargedHome)])
        let windows = try Self.hospital(windows: [DischargeWindow(weekdays: Self.weekdays, from: Fixtures.time("09:00"),
                                                                  to: Fixtures.time("20:00"))])
        #expect(windows.imputingReadiness(said, atEpochMinute: start).inpatients[0].readiness == nil)
    }
}
