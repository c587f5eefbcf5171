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

/// One set of vital signs, as charted at the bedside.
public struct VitalSigns: Sendable, Hashable, Codable {
    /// Breaths per minute.
    public var respirationRate: Double
    /// Oxygen saturation, %.
    public var spo2: Double
    /// Which SpO2 scale the patient is charted on.
    public var spo2Scale: SpO2Scale
    /// True when on supplemental oxygen (any device), false on air.
    public var onOxygen: Bool
    /// Systolic blood pressure, mmHg.
    public var systolicBP: Double
    /// Pulse, beats per minute.
    public var pulse: Double
    /// ACVPU.
    public var consciousness: Consciousness
    /// Temperature, °C.
    public var temperature: Double

    /// A vital-sign set.
    public init(respirationRate: Double, spo2: Double, spo2Scale: SpO2Scale = .scale1, onOxygen: Bool,
                systolicBP: Double, pulse: Double, consciousness: Consciousness, temperature: Double)
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
/// Chart 1 lists whole numbers (one decimal for temperature); a value between two rows belongs to the row whose
/// upper limit it does not exceed — e.g. a respiration rate of 20.5 is above 20, so it scores as 21–24, and a
/// temperature of 38.05 is above 38.0, so it scores as 38.1–39.0.
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

    /// Scores a vital-sign set.
    public init(_ vitals: VitalSigns) {
        respirationRate = NEWS2Score.respirationRatePoints(vitals.respirationRate)
        spo2 = NEWS2Score.spo2Points(vitals.spo2, scale: vitals.spo2Scale, onOxygen: vitals.onOxygen)
        oxygen = vitals.onOxygen ? 2 : 0
        systolicBP = NEWS2Score.systolicPoints(vitals.systolicBP)
        pulse = NEWS2Score.pulsePoints(vitals.pulse)
        consciousness = vitals.consciousness == .alert ? 0 : 3
        temperature = NEWS2Score.temperaturePoints(vitals.temperature)
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
