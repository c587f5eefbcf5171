import Foundation
import HL7
import PatientTwin

/// The vital signs NEWS2 needs, by the codes observation charts send them with (OBX-3), and the units each is read
/// in (OBX-6, UCUM): a unit that is not the expected one is converted (°F, kPa) or refused, never read as if it were.
public enum VitalSignCode: String, Sendable, Hashable, CaseIterable {
    /// LOINC 9279-1.
    case respiratoryRate = "9279-1"
    /// LOINC 59408-5 (by pulse oximetry).
    case oxygenSaturation = "59408-5"
    /// LOINC 2708-6 (arterial; charts send it for SpO2 too).
    case oxygenSaturationArterial = "2708-6"
    /// LOINC 8480-6.
    case systolicPressure = "8480-6"
    /// LOINC 8867-4.
    case heartRate = "8867-4"
    /// LOINC 8310-5.
    case temperature = "8310-5"
    /// LOINC 67775-7, level of responsiveness: A, C, V, P or U (ACVPU).
    case responsiveness = "67775-7"
    /// LOINC 3151-8, inhaled oxygen flow rate: above 0 L/min is supplemental oxygen.
    case oxygenFlow = "3151-8"
    /// LOINC 3150-0, inhaled oxygen concentration: above 21% is supplemental oxygen.
    case oxygenConcentration = "3150-0"
    /// SNOMED CT 371825009, "patient on oxygen" (the UK's charts).
    case onOxygen = "371825009"
    /// SNOMED CT 722742002, "breathing room air".
    case roomAir = "722742002"

    /// The coding system (HL7 table 0396) OBX-3.3 names for it: LN for LOINC, SCT for SNOMED CT.
    public var codingSystem: String { self == .onOxygen || self == .roomAir ? "SCT" : "LN" }
}

enum ObservationReader {
    /// The vital signs in `message`'s OBX segments (final or corrected results; codes other than those above are
    /// left alone), and the latest OBX-14 among them.
    static func vitals(in message: HL7Message, timeZone: TimeZone) throws(FeedMessageError)
        -> (vitals: VitalSigns?, minute: Double?)
    {
        var vitals = VitalSigns()
        var any = false
        var latest: Double?
        for (index, obx) in message.segments(named: "OBX").enumerated() {
            let status = obx[11].uppercased()
            guard status.isEmpty || status == "F" || status == "C" || status == "R" else { continue }
            guard let code = VitalSignCode(rawValue: obx[3, component: 1]) else { continue }
            let name = "OBX \(index + 1) (\(code.rawValue))"
            if let taken = try FeedMessageReader.time(obx[14], "\(name) OBX-14", timeZone) { latest = max(latest ?? taken, taken) }
            any = true
            try read(code, value: obx[5, component: 1], unit: obx[6, component: 1], into: &vitals, name: name, field: "OBX")
        }
        return (any ? vitals : nil, latest)
    }

    /// Reads one vital sign, `text` in `unit` (UCUM), into `vitals`: the one rule for codes and units, whatever the
    /// message (an HL7 OBX, a FHIR Observation). `name` and `field` name where it came from in a refusal
    /// ("OBX 3 (8480-6)" and "OBX" give "OBX-5", "OBX-6").
    static func read(_ code: VitalSignCode, value text: String, unit: String, into vitals: inout VitalSigns, name: String,
                     field: String) throws(FeedMessageError)
    {
        let text = text.trimmingCharacters(in: .whitespaces)
        let unit = unit.trimmingCharacters(in: .whitespaces)
        let valueField = field == "OBX" ? "OBX-5" : "\(field).value", unitField = field == "OBX" ? "OBX-6" : "\(field).unit"
        func number() throws(FeedMessageError) -> Double {
            guard let value = Double(text), value.isFinite else {
                throw FeedMessageError(code: .dataTypeError, problem: "\(name) \(valueField): '\(text)' is not a number")
            }
            return value
        }
        func refuse(_ expected: String) -> FeedMessageError {
            FeedMessageError(code: .dataTypeError, problem: "\(name) \(unitField): unit '\(unit)' is not read; expected \(expected)")
        }
        switch code {
        case .respiratoryRate:
            guard ["/min", "{breaths}/min", "{Breaths}/min", "breaths/min"].contains(unit) else { throw refuse("/min") }
            vitals.respirationRate = try number()
        case .oxygenSaturation, .oxygenSaturationArterial:
            guard unit == "%" else { throw refuse("%") }
            vitals.spo2 = try number()
        case .systolicPressure:
            switch unit {
            case "mm[Hg]", "mmHg": vitals.systolicBP = try number()
            case "kPa": vitals.systolicBP = try number() * 7.500_62
            default: throw refuse("mm[Hg] or kPa")
            }
        case .heartRate:
            guard ["/min", "{beats}/min", "{Beats}/min", "beats/min", "bpm"].contains(unit) else { throw refuse("/min") }
            vitals.pulse = try number()
        case .temperature:
            switch unit {
            case "Cel", "degC", "°C": vitals.temperature = try number()
            case "[degF]", "degF", "°F": vitals.temperature = (try number() - 32) * 5 / 9
            default: throw refuse("Cel or [degF]")
            }
        case .responsiveness:
            guard let level = Consciousness(rawValue: text.uppercased()) else {
                throw FeedMessageError(code: .dataTypeError, problem: "\(name) \(valueField): '\(text)' is not A, C, V, P or U")
            }
            vitals.consciousness = level
        case .oxygenFlow:
            guard unit == "L/min" else { throw refuse("L/min") }
            vitals.onOxygen = try number() > 0
        case .oxygenConcentration:
            guard unit == "%" else { throw refuse("%") }
            vitals.onOxygen = try number() > 21
        case .onOxygen:
            vitals.onOxygen = true
        case .roomAir:
            vitals.onOxygen = false
        }
    }
}
