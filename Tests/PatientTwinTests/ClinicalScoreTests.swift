import Foundation
import PatientTwin
import Testing

/// NEWS2 against Chart 1 of the Royal College of Physicians' NEWS2 report (2017): every band's edges, both sides.
@Suite("NEWS2 (RCP 2017)")
struct NEWS2Tests {
    @Test("respiration rate: <=8 3, 9-11 1, 12-20 0, 21-24 2, >=25 3", arguments: [
        (5.0, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (20.5, 2), (21, 2), (24, 2), (25, 3), (40, 3),
    ])
    func respirationRate(rate: Double, points: Int) {
        #expect(NEWS2Score.respirationRatePoints(rate) == points)
    }

    @Test("SpO2 scale 1: <=91 3, 92-93 2, 94-95 1, >=96 0, on air or oxygen alike", arguments: [
        (85.0, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0),
    ])
    func spo2Scale1(saturation: Double, points: Int) {
        #expect(NEWS2Score.spo2Points(saturation, scale: .scale1, onOxygen: false) == points)
        #expect(NEWS2Score.spo2Points(saturation, scale: .scale1, onOxygen: true) == points)
    }

    @Test("SpO2 scale 2 on air: <=83 3, 84-85 2, 86-87 1, 88-92 0, >=93 on air 0", arguments: [
        (80.0, 3), (83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0), (97, 0), (100, 0),
    ])
    func spo2Scale2OnAir(saturation: Double, points: Int) {
        #expect(NEWS2Score.spo2Points(saturation, scale: .scale2, onOxygen: false) == points)
    }

    @Test("SpO2 scale 2 on oxygen: 88-92 0, 93-94 1, 95-96 2, >=97 3", arguments: [
        (83.0, 3), (84, 2), (86, 1), (88, 0), (92, 0), (93, 1), (94, 1), (95, 2), (96, 2), (97, 3), (100, 3),
    ])
    func spo2Scale2OnOxygen(saturation: Double, points: Int) {
        #expect(NEWS2Score.spo2Points(saturation, scale: .scale2, onOxygen: true) == points)
    }

    @Test("systolic BP: <=90 3, 91-100 2, 101-110 1, 111-219 0, >=220 3", arguments: [
        (70.0, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (250, 3),
    ])
    func systolic(pressure: Double, points: Int) {
        #expect(NEWS2Score.systolicPoints(pressure) == points)
    }

    @Test("pulse: <=40 3, 41-50 1, 51-90 0, 91-110 1, 111-130 2, >=131 3", arguments: [
        (30.0, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3),
    ])
    func pulse(rate: Double, points: Int) {
        #expect(NEWS2Score.pulsePoints(rate) == points)
    }

    @Test("temperature: <=35.0 3, 35.1-36.0 1, 36.1-38.0 0, 38.1-39.0 1, >=39.1 2", arguments: [
        (34.0, 3), (35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.05, 1), (38.1, 1), (39.0, 1), (39.1, 2), (41, 2),
    ])
    func temperature(celsius: Double, points: Int) {
        #expect(NEWS2Score.temperaturePoints(celsius) == points)
    }

    static func vitals(rr: Double = 16, spo2: Double = 97, scale: SpO2Scale = .scale1, oxygen: Bool = false,
                       sbp: Double = 120, pulse: Double = 70, acvpu: Consciousness = .alert,
                       temperature: Double = 37) -> VitalSigns
    {
        VitalSigns(respirationRate: rr, spo2: spo2, spo2Scale: scale, onOxygen: oxygen, systolicBP: sbp, pulse: pulse,
                   consciousness: acvpu, temperature: temperature)
    }

    @Test("readings finer than the chart are rounded to it first (whole numbers, 0.1 °C, halves up), then scored",
          arguments: [
              (NEWS2Parameter.pulse, 40.4, 3), (.pulse, 40.5, 1), (.pulse, 90.49, 0), (.pulse, 130.5, 3),
              (.spo2, 91.3, 3), (.spo2, 91.5, 2), (.spo2, 95.5, 0),
              (.temperature, 35.04, 3), (.temperature, 35.05, 1), (.temperature, 38.04, 0), (.temperature, 38.05, 1),
              (.temperature, 39.04, 1), (.temperature, 36.05, 0),
              (.respirationRate, 8.4, 3), (.respirationRate, 20.5, 2), (.respirationRate, 11.5, 0),
              (.systolicBP, 90.4, 3), (.systolicBP, 90.5, 2), (.systolicBP, 219.5, 3),
          ])
    func chartResolution(parameter: NEWS2Parameter, value: Double, points: Int) {
        var vitals = Self.vitals()
        switch parameter {
        case .pulse: vitals.pulse = value
        case .spo2: vitals.spo2 = value
        case .temperature: vitals.temperature = value
        case .respirationRate: vitals.respirationRate = value
        case .systolicBP: vitals.systolicBP = value
        case .supplementalOxygen, .consciousness: Issue.record("not a numeric reading")
        }
        let score = NEWS2Score(vitals)
        let scored = switch parameter {
        case .pulse: score.pulse
        case .spo2: score.spo2
        case .temperature: score.temperature
        case .respirationRate: score.respirationRate
        case .systolicBP: score.systolicBP
        case .supplementalOxygen, .consciousness: -1
        }
        #expect(scored == points, "\(parameter.rawValue) \(value)")
    }

    @Test("a partial set is scored on what it has; the missing parameters are named and score 0")
    func partialSet() {
        let score = NEWS2Score(VitalSigns(respirationRate: 26, spo2: 91, systolicBP: 120, pulse: 118, temperature: 37))
        #expect(score.total == 3 + 3 + 0 + 2 + 0 && !score.isComplete)
        #expect(score.missingParameters == [.supplementalOxygen, .consciousness])
        #expect(NEWS2Score(Self.vitals()).isComplete)
    }

    @Test("consciousness: alert 0; new confusion, voice, pain, unresponsive 3; oxygen adds 2")
    func consciousnessAndOxygen() {
        #expect(NEWS2Score(Self.vitals()).total == 0)
        for level in [Consciousness.confusion, .voice, .pain, .unresponsive] {
            #expect(NEWS2Score(Self.vitals(acvpu: level)).consciousness == 3)
        }
        let onOxygen = NEWS2Score(Self.vitals(oxygen: true))
        #expect(onOxygen.oxygen == 2 && onOxygen.spo2 == 0 && onOxygen.total == 2)
    }

    @Test("risk bands (Chart 2): 0-4 low; a 3 in one parameter low-medium; 5-6 medium; 7+ high", arguments: [
        (vitals(), 0, NEWS2RiskBand.low),
        (vitals(rr: 22, pulse: 95, temperature: 38.5), 4, .low),  // 2 + 1 + 1: no red score
        (vitals(rr: 25), 3, .lowMedium),  // a single 3
        (vitals(acvpu: .voice), 3, .lowMedium),
        (vitals(rr: 25, pulse: 95), 4, .lowMedium),
        (vitals(rr: 22, sbp: 100, pulse: 95), 5, .medium),
        (vitals(rr: 25, sbp: 105, pulse: 95), 5, .medium),  // a red score with 5 is medium
        (vitals(rr: 22, spo2: 94, sbp: 100, pulse: 95), 6, .medium),
        (vitals(rr: 22, spo2: 93, sbp: 100, pulse: 95), 7, .high),
        (vitals(rr: 30, spo2: 85, oxygen: true, sbp: 80, pulse: 140, acvpu: .unresponsive, temperature: 34), 20, .high),
    ])
    func riskBands(vitals: VitalSigns, total: Int, band: NEWS2RiskBand) {
        let score = NEWS2Score(vitals)
        #expect(score.total == total)
        #expect(score.riskBand == band)
    }
}

/// LACE against Table 4 of van Walraven et al., CMAJ 2010.
@Suite("LACE (van Walraven 2010)")
struct LACETests {
    @Test("L counts completed days: <1 0, 1 1, 2 2, 3 3, 4-6 4, 7-13 5, >=14 7", arguments: [
        (0.0, 0), (0.5, 0), (0.99, 0), (1.0, 1), (1.9, 1), (2.0, 2), (2.99, 2), (3.0, 3), (3.9, 3), (4.0, 4),
        (6.99, 4), (7.0, 5), (13.99, 5), (14.0, 7), (60, 7),
    ])
    func lengthOfStay(days: Double, points: Int) {
        #expect(LACEScore.lengthOfStayPoints(days: days) == points)
    }

    @Test("C: Charlson 0-3 as is, 4 or more 5; E: visits 0-3 as is, 4 or more 4; A: emergency 3", arguments: [
        (0, 0, 0, 0), (1, 1, 1, 1), (2, 2, 2, 2), (3, 3, 3, 3), (4, 5, 4, 4), (9, 5, 12, 4),
    ])
    func comorbidityAndVisits(charlson: Int, c: Int, visits: Int, e: Int) {
        let lace = LACEScore(lengthOfStayDays: 0, emergencyAdmission: true, charlsonIndex: charlson,
                             edVisitsLast6Months: visits)
        #expect(lace.comorbidity == c && lace.emergencyVisits == e && lace.acuity == 3)
        #expect(LACEScore(lengthOfStayDays: 0, emergencyAdmission: false, charlsonIndex: 0, edVisitsLast6Months: 0).acuity == 0)
    }

    @Test("L from timestamps counts calendar days in the hospital's time zone, as administrative data do", arguments: [
        ("2024-03-01T22:00:00Z", "2024-03-02T08:00:00Z", "UTC", 1),  // overnight: 1 day though 10 hours
        ("2024-03-01T08:00:00Z", "2024-03-01T20:00:00Z", "UTC", 0),  // same day
        ("2024-03-01T00:10:00Z", "2024-03-03T23:50:00Z", "UTC", 2),
        ("2024-03-01T00:00:00Z", "2024-03-08T00:00:00Z", "UTC", 4),   // 7 days: the 4–6 band ends at 6, 7 scores 5
        ("2024-07-01T23:30:00Z", "2024-07-02T22:30:00Z", "Europe/London", 0),  // 00:30 to 23:30 BST, one date
        ("2024-07-01T23:30:00Z", "2024-07-02T22:30:00Z", "UTC", 1),
    ])
    func lengthOfStayFromTimestamps(admitted: String, discharged: String, zone: String, points: Int) throws {
        let lace = LACEScore(admittedAt: try #require(RecordTime.epochMinute(parsing: admitted)),
                             dischargedAt: try #require(RecordTime.epochMinute(parsing: discharged)),
                             timeZone: try #require(TimeZone(identifier: zone)), emergencyAdmission: false,
                             charlsonIndex: 0, edVisitsLast6Months: 0)
        let expected = points == 4 ? 5 : points  // the 7-day case: 7 calendar days score 5
        #expect(lace.lengthOfStay == expected)
    }

    @Test("totals: 5-day emergency stay, Charlson 5, 2 visits = 4+3+5+2 = 14; 2-day elective, none = 2; maximum 19")
    func totals() {
        #expect(LACEScore(lengthOfStayDays: 5, emergencyAdmission: true, charlsonIndex: 5, edVisitsLast6Months: 2).total == 14)
        #expect(LACEScore(lengthOfStayDays: 2, emergencyAdmission: false, charlsonIndex: 0, edVisitsLast6Months: 0).total == 2)
        #expect(LACEScore(lengthOfStayDays: 20, emergencyAdmission: true, charlsonIndex: 8, edVisitsLast6Months: 6).total == 19)
    }
}

@Suite("Charlson comorbidity index")
struct CharlsonTests {
    @Test("LACE weights: 1, 2, 3, 4 and 6 by condition", arguments: [
        (CharlsonCondition.myocardialInfarction, 1), (.cerebrovascularDisease, 1), (.peripheralVascularDisease, 1),
        (.diabetes, 1), (.congestiveHeartFailure, 2), (.diabetesWithComplications, 2), (.chronicPulmonaryDisease, 2),
        (.mildLiverDisease, 2), (.mildRenalDisease, 2), (.tumour, 2), (.dementia, 3), (.connectiveTissueDisease, 3),
        (.aids, 4), (.severeLiverDisease, 4), (.severeRenalDisease, 4), (.metastaticSolidTumour, 6),
        (.pepticUlcerDisease, 0), (.hemiplegia, 0),
    ])
    func laceWeights(condition: CharlsonCondition, weight: Int) {
        #expect(CharlsonIndex.score([condition]) == weight)
    }

    @Test("original 1987 weights differ where the literature says", arguments: [
        (CharlsonCondition.congestiveHeartFailure, 1), (.dementia, 1), (.hemiplegia, 2), (.severeRenalDisease, 2),
        (.severeLiverDisease, 3), (.aids, 6), (.metastaticSolidTumour, 6), (.pepticUlcerDisease, 1), (.mildRenalDisease, 0),
    ])
    func originalWeights(condition: CharlsonCondition, weight: Int) {
        #expect(CharlsonIndex.score([condition], weights: .charlson1987) == weight)
    }

    @Test("only the severer form of a condition counts; different conditions add up")
    func hierarchy() {
        #expect(CharlsonIndex.score([.diabetes, .diabetesWithComplications]) == 2)
        #expect(CharlsonIndex.score([.mildLiverDisease, .severeLiverDisease]) == 4)
        #expect(CharlsonIndex.score([.tumour, .metastaticSolidTumour]) == 6)
        #expect(CharlsonIndex.score([.myocardialInfarction, .congestiveHeartFailure, .dementia]) == 6)
        #expect(CharlsonIndex.score([.myocardialInfarction, .congestiveHeartFailure, .dementia], weights: .charlson1987) == 3)
        #expect(CharlsonIndex.score([]) == 0)
    }
}

@Suite("vital signs that score a given NEWS2")
struct VitalSignsForScoreTests {
    @Test("every aggregate 0–20 is scored exactly, by a complete set on scale 1")
    func everyAggregate() {
        for aggregate in 0...20 {
            let vitals = VitalSigns.scoring(aggregate)
            let score = NEWS2Score(vitals)
            #expect(score.total == aggregate && score.isComplete, "\(aggregate): \(score.total)")
            #expect(vitals.spo2Scale == .scale1)
        }
        #expect(NEWS2Score(VitalSigns.scoring(-3)).total == 0)
        #expect(NEWS2Score(VitalSigns.scoring(25)).total == 20)
        #expect(VitalSigns.scoring(4).onOxygen == false && VitalSigns.scoring(4).consciousness == .alert)
    }
}
