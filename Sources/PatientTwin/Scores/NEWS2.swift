import Foundation

/// Level of consciousness on the ACVPU scale, as NEWS2 records it.
public enum Consciousness: String, Sendable, Hashable, Codable, CaseIterable {
    /// Alert.
    case alert = "A"
    /// New confusion.
    case confusion = "C"
    /// Responds to voice.
    case voice = "V"
    /// Responds to pain.
    case pain = "P"
    /// Unresponsive.
    case unresponsive = "U"
}

/// Which NEWS2 oxygen-saturation scale applies: scale 2 is for patients with hypercapnic respiratory failure
/// whose prescribed target saturation is 88–92%.
public enum SpO2Scale: Int, Sendable, Hashable, Codable {
    /// The usual scale.
    case scale1 = 1
    /// Target 88–92% (hypercapnic respiratory failure).
    case scale2 = 2
}

/// One set of vital signs, as charted at the bedside. Any reading may be missing (a record extract often lacks
/// the oxygen flag or the ACVPU level); a complete set has all seven, and only a complete set gives a NEWS2 that
/// can be compared with the chart's bands without qualification (`NEWS2Score.isComplete`).
public struct VitalSigns: Sendable, Hashable, Codable {
    /// Breaths per minute.
    public var respirationRate: Double?
    /// Oxygen saturation, %.
    public var spo2: Double?
    /// Which SpO2 scale the patient is charted on (scale 1 unless a target of 88–92% has been prescribed).
    public var spo2Scale: SpO2Scale
    /// True when on supplemental oxygen (any device), false on air.
    public var onOxygen: Bool?
    /// Systolic blood pressure, mmHg.
    public var systolicBP: Double?
    /// Pulse, beats per minute.
    public var pulse: Double?
    /// ACVPU.
    public var consciousness: Consciousness?
    /// Temperature, °C.
    public var temperature: Double?

    /// A vital-sign set; leave out what was not recorded.
    public init(respirationRate: Double? = nil, spo2: Double? = nil, spo2Scale: SpO2Scale = .scale1,
                onOxygen: Bool? = nil, systolicBP: Double? = nil, pulse: Double? = nil,
                consciousness: Consciousness? = nil, temperature: Double? = nil)
    {
        self.respirationRate = respirationRate
        self.spo2 = spo2
        self.spo2Scale = spo2Scale
        self.onOxygen = onOxygen
        self.systolicBP = systolicBP
        self.pulse = pulse
        self.consciousness = consciousness
        self.temperature = temperature
    }

    /// The NEWS2 parameters with no reading in this set.
    public var missingParameters: [NEWS2Parameter] {
        var missing: [NEWS2Parameter] = []
        if respirationRate == nil { missing.append(.respirationRate) }
        if spo2 == nil { missing.append(.spo2) }
        if onOxygen == nil { missing.append(.supplementalOxygen) }
        if systolicBP == nil { missing.append(.systolicBP) }
        if pulse == nil { missing.append(.pulse) }
        if consciousness == nil { missing.append(.consciousness) }
        if temperature == nil { missing.append(.temperature) }
        return missing
    }

    /// True when no reading at all is present.
    public var isEmpty: Bool { missingParameters.count == NEWS2Parameter.allCases.count }
}

/// The seven parameters of NEWS2, in Chart 1's order.
public enum NEWS2Parameter: String, Sendable, Hashable, Codable, CaseIterable {
    /// Respiration rate.
    case respirationRate = "respiration_rate"
    /// SpO2 (on the applicable scale).
    case spo2
    /// Air or oxygen.
    case supplementalOxygen = "on_oxygen"
    /// Systolic blood pressure.
    case systolicBP = "systolic_bp"
    /// Pulse.
    case pulse
    /// Consciousness (ACVPU).
    case consciousness
    /// Temperature.
    case temperature
}

/// The four clinical-risk bands of NEWS2.
public enum NEWS2RiskBand: String, Sendable, Hashable, Codable, CaseIterable {
    /// Aggregate 0–4 with no single parameter scoring 3.
    case low
    /// Aggregate 0–4 with a score of 3 in a single parameter (a "red score").
    case lowMedium = "low-medium"
    /// Aggregate 5–6.
    case medium
    /// Aggregate 7 or more.
    case high
}

/// The National Early Warning Score 2 of one vital-sign set: every parameter's score, the aggregate and the
/// clinical-risk band, exactly as the Royal College of Physicians publishes them (Royal College of Physicians,
/// "National Early Warning Score (NEWS) 2: standardising the assessment of acute-illness severity in the NHS",
/// 2017; Chart 1 for the parameter bands, Chart 2 for the risk bands).
///
/// Readings are first rounded to the chart's resolution, as a nurse charting them would — whole numbers for
/// respiration rate, SpO2, blood pressure and pulse, one decimal for temperature, halves up (RCP 2017, Chart 1
/// lists whole numbers and tenths of a degree) — and then scored: a pulse of 40.4 is charted 40 and scores 3, an
/// SpO2 of 91.3 is 91 (3), a temperature of 35.04 °C is 35.0 (3), while 40.5 is charted 41 (1) and 35.05 °C is
/// 35.1 (1). Rounding is decimal, on the reading as written, so 35.05 is a half and goes up.
///
/// A parameter without a reading scores 0 and is listed in `missingParameters`: the aggregate of an incomplete
/// set is a lower bound of the true NEWS2 (most extracts that lack the oxygen flag or ACVPU are of patients on air
/// and alert, for whom it is exact). On scale 2 a missing oxygen flag is read as air.
public struct NEWS2Score: Sendable, Hashable, Codable {
    /// Respiration rate score (0–3).
    public let respirationRate: Int
    /// SpO2 score on the applicable scale (0–3).
    public let spo2: Int
    /// Supplemental oxygen score (0 or 2).
    public let oxygen: Int
    /// Systolic blood pressure score (0–3).
    public let systolicBP: Int
    /// Pulse score (0–3).
    public let pulse: Int
    /// Consciousness score (0 or 3).
    public let consciousness: Int
    /// Temperature score (0–3).
    public let temperature: Int
    /// The parameters that had no reading (scored 0); empty for a complete set.
    public let missingParameters: [NEWS2Parameter]

    /// Scores a vital-sign set, rounding each reading to the chart's resolution first.
    public init(_ vitals: VitalSigns) {
        respirationRate = vitals.respirationRate.map { NEWS2Score.respirationRatePoints(NEWS2Score.charted($0)) } ?? 0
        spo2 = vitals.spo2.map {
            NEWS2Score.spo2Points(NEWS2Score.charted($0), scale: vitals.spo2Scale, onOxygen: vitals.onOxygen ?? false)
        } ?? 0
        oxygen = vitals.onOxygen == true ? 2 : 0
        systolicBP = vitals.systolicBP.map { NEWS2Score.systolicPoints(NEWS2Score.charted($0)) } ?? 0
        pulse = vitals.pulse.map { NEWS2Score.pulsePoints(NEWS2Score.charted($0)) } ?? 0
        consciousness = vitals.consciousness.map { $0 == .alert ? 0 : 3 } ?? 0
        temperature = vitals.temperature.map { NEWS2Score.temperaturePoints(NEWS2Score.charted($0, decimals: 1)) } ?? 0
        missingParameters = vitals.missingParameters
    }

    /// True when every parameter had a reading.
    public var isComplete: Bool { missingParameters.isEmpty }

    /// A reading rounded as the chart records it: to `decimals` decimal places (0 for whole numbers), halves
    /// away from zero, on the decimal digits of the reading as written (the shortest form that reads back as the
    /// same double), so 35.05 rounds to 35.1 even though its binary value is a hair below 35.05.
    public static func charted(_ reading: Double, decimals: Int = 0) -> Double {
        guard reading.isFinite, var exact = Decimal(string: reading.description) else { return reading }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, decimals, .plain)
        return Double(rounded.description) ?? reading
    }

    /// The aggregate score, 0–20.
    public var total: Int { respirationRate + spo2 + oxygen + systolicBP + pulse + consciousness + temperature }

    /// True when any single parameter scores 3.
    public var hasRedScore: Bool {
        [respirationRate, spo2, systolicBP, pulse, consciousness, temperature].contains(3)
    }

    /// The clinical-risk band (Chart 2): high from 7, medium at 5–6, low-medium for a red score below 5, else low.
    public var riskBand: NEWS2RiskBand {
        if total >= 7 { return .high }
        if total >= 5 { return .medium }
        return hasRedScore ? .lowMedium : .low
    }

    /// Respiration rate: ≤8 → 3; 9–11 → 1; 12–20 → 0; 21–24 → 2; ≥25 → 3.
    public static func respirationRatePoints(_ rate: Double) -> Int {
        if rate <= 8 { return 3 }
        if rate <= 11 { return 1 }
        if rate <= 20 { return 0 }
        if rate <= 24 { return 2 }
        return 3
    }

    /// SpO2. Scale 1: ≤91 → 3; 92–93 → 2; 94–95 → 1; ≥96 → 0. Scale 2: ≤83 → 3; 84–85 → 2; 86–87 → 1;
    /// 88–92, or ≥93 on air → 0; on oxygen 93–94 → 1, 95–96 → 2, ≥97 → 3.
    public static func spo2Points(_ saturation: Double, scale: SpO2Scale, onOxygen: Bool) -> Int {
        switch scale {
        case .scale1:
            if saturation <= 91 { return 3 }
            if saturation <= 93 { return 2 }
            if saturation <= 95 { return 1 }
            return 0
        case .scale2:
            if saturation <= 83 { return 3 }
            if saturation <= 85 { return 2 }
            if saturation <= 87 { return 1 }
            if saturation <= 92 || !onOxygen { return 0 }
            if saturation <= 94 { return 1 }
            if saturation <= 96 { return 2 }
            return 3
        }
    }

    /// Systolic blood pressure: ≤90 → 3; 91–100 → 2; 101–110 → 1; 111–219 → 0; ≥220 → 3.
    public static func systolicPoints(_ pressure: Double) -> Int {
        if pressure <= 90 { return 3 }
        if pressure <= 100 { return 2 }
        if pressure <= 110 { return 1 }
        if pressure <= 219 { return 0 }
        return 3
    }

    /// Pulse: ≤40 → 3; 41–50 → 1; 51–90 → 0; 91–110 → 1; 111–130 → 2; ≥131 → 3.
    public static func pulsePoints(_ rate: Double) -> Int {
        if rate <= 40 { return 3 }
        if rate <= 50 { return 1 }
        if rate <= 90 { return 0 }
        if rate <= 110 { return 1 }
        if rate <= 130 { return 2 }
        return 3
    }

    /// Temperature: ≤35.0 → 3; 35.1–36.0 → 1; 36.1–38.0 → 0; 38.1–39.0 → 1; ≥39.1 → 2.
    public static func temperaturePoints(_ celsius: Double) -> Int {
        if celsius <= 35.0 { return 3 }
        if celsius <= 36.0 { return 1 }
        if celsius <= 38.0 { return 0 }
        if celsius <= 39.0 { return 1 }
        return 2
    }
}

extension VitalSigns {
    /// A complete, plausible set of readings (scale 1) whose NEWS2 is `aggregate` (clamped to 0–20): air or oxygen
    /// and alert or confused only where the aggregate needs them, the rest spread over respiration rate, pulse,
    /// SpO2, temperature and blood pressure, each at a reading in the middle of its Chart 1 band. For a simulated
    /// hospital's observation messages, which carry a twin's NEWS2 as readings; `NEWS2Score` of the set gives
    /// `aggregate` back (tested for 0–20).
    public static func scoring(_ aggregate: Int) -> VitalSigns {
        let target = min(20, max(0, aggregate))
        // Oxygen scores 0 or 2 and consciousness 0 or 3; the five others 0–3 each (at most 15).
        let (oxygen, confused) = [(0, 0), (2, 0), (0, 3), (2, 3)].first { target - $0.0 - $0.1 <= 15 } ?? (2, 3)
        var rest = target - oxygen - confused
        func take() -> Int {
            let points = min(3, rest)
            rest -= points
            return points
        }
        let respiration: [Double] = [16, 10, 22, 26], pulse: [Double] = [72, 95, 118, 135]
        let spo2: [Double] = [97, 95, 93, 90], temperature: [Double] = [37.0, 38.5, 39.5, 34.8]
        let systolic: [Double] = [125, 105, 95, 85]
        return VitalSigns(respirationRate: respiration[take()], spo2: spo2[take()], spo2Scale: .scale1, onOxygen: oxygen > 0,
                          systolicBP: systolic[take()], pulse: pulse[take()],
                          consciousness: confused > 0 ? .confusion : .alert, temperature: temperature[take()])
    }
}
