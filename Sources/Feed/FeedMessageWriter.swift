import Foundation
import HL7
import PatientTwin

/// Who sends a feed's messages and to whom (MSH-3 to MSH-6).
public struct FeedSender: Sendable, Hashable {
    /// MSH-3, the sending application: with MSH-4 and MSH-10, a message's key in the event log.
    public var application: String
    /// MSH-4, the sending facility.
    public var facility: String
    /// MSH-5, the receiving application.
    public var receivingApplication: String
    /// MSH-6, the receiving facility (the sending facility when not given).
    public var receivingFacility: String

    /// A writer naming the sender and the receiver.
    public init(application: String, facility: String, receivingApplication: String = "HOSPITAL-TWIN",
                receivingFacility: String = "")
    {
        self.application = application
        self.facility = facility
        self.receivingApplication = receivingApplication
        self.receivingFacility = receivingFacility.isEmpty ? facility : receivingFacility
    }
}

/// Writes an event as the HL7 v2.5.1 message a patient administration system (ADT) or an observation chart
/// (ORU^R01) sends for it, in the fields `FeedMessageReader` reads (Docs/FEED.md, "Messages as events"): reading
/// the message gives the event back (tested). Times are local to `timeZone` with their offset, to 1/10,000 s.
public enum FeedMessageWriter {
    /// The message for `event`; `recordedMinute` is MSH-7 and EVN-2 (when the system recorded it; default the
    /// event's own time).
    public static func message(for event: FeedEvent, from sender: FeedSender, timeZone: TimeZone,
                               recordedMinute: Double? = nil) -> HL7Message
    {
        func time(_ minute: Double) -> String {
            let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: minute * 60)) / 60
            return HL7DateTime.text(epochMinute: minute, utcOffsetMinutes: offset)
        }
        func field(_ components: String...) -> HL7Field { HL7Field(repetitions: [components.map { [$0] }]) }
        func fields(_ values: [Int: HL7Field]) -> [HL7Field] {
            let count = values.keys.max() ?? 0
            return (1...max(1, count)).map { values[$0] ?? field("") }
        }
        func place(_ location: FeedEvent.Location?) -> HL7Field {
            guard let location else { return field("") }
            return field(location.pointOfCare, location.room, location.bed, location.facility)
        }
        let recorded = time(recordedMinute ?? event.minute)
        let isObservation = event.kind == .observation
        let type = isObservation ? field("ORU", "R01", "ORU_R01") : field("ADT", event.kind.rawValue, structure(of: event.kind))
        var segments: [HL7Segment] = []
        segments.append(HL7Segment(name: "MSH", fields: fields([
            1: field("|"), 2: field("^~\\&"), 3: field(sender.application), 4: field(sender.facility),
            5: field(sender.receivingApplication), 6: field(sender.receivingFacility), 7: field(recorded), 9: type,
            10: field(event.controlID), 11: field("P"), 12: field("2.5.1"), 18: field("UNICODE UTF-8"),
        ])))
        if !isObservation {
            segments.append(HL7Segment(name: "EVN", fields: fields([
                1: field(event.kind.rawValue), 2: field(recorded), 6: field(time(event.minute)),
            ])))
        }
        var identifiers: [[[String]]] = []
        if let local = event.localID { identifiers.append([[local], [""], [""], [sender.facility], ["MR"]]) }
        if let nhs = event.nhsID { identifiers.append([[nhs], [""], [""], ["NHS"], ["NH"]]) }
        var birth = ""
        if let date = event.birthDate, let year = date.year, let month = date.month, let day = date.day {
            birth = String(format: "%04d%02d%02d", year, month, day)
        }
        let sex = switch event.sex {
        case .female: "F"
        case .male: "M"
        default: "U"
        }
        segments.append(HL7Segment(name: "PID", fields: fields([
            1: field("1"), 3: HL7Field(repetitions: identifiers), 7: field(birth), 8: field(sex),
        ])))
        if event.kind == .merge, let merged = event.mergedLocalID {
            segments.append(HL7Segment(name: "MRG", fields: fields([1: field(merged, "", "", sender.facility, "MR")])))
        }
        segments.append(HL7Segment(name: "PV1", fields: fields([
            1: field("1"), 2: field(event.patientClass), 3: place(event.location), 4: field(event.admissionType),
            6: place(event.priorLocation), 10: field(event.hospitalService), 19: field(event.visitNumber),
            36: field(event.dischargeDisposition), 44: field(event.admittedAt.map(time) ?? ""),
        ])))
        if isObservation, let vitals = event.vitals {
            let taken = time(event.minute)
            segments.append(HL7Segment(name: "OBR", fields: fields([
                1: field("1"), 4: field("Vital signs", "", "L"), 7: field(taken),
            ])))
            var results: [(VitalSignCode, String, String, String)] = []  // code, value type, value, unit
            func number(_ value: Double) -> String {
                value == value.rounded() ? String(Int(value)) : String(value)
            }
            if let value = vitals.respirationRate { results.append((.respiratoryRate, "NM", number(value), "/min")) }
            if let value = vitals.spo2 { results.append((.oxygenSaturation, "NM", number(value), "%")) }
            if let value = vitals.onOxygen {
                results.append(value ? (.onOxygen, "CWE", "Y", "") : (.roomAir, "CWE", "Y", ""))
            }
            if let value = vitals.systolicBP { results.append((.systolicPressure, "NM", number(value), "mm[Hg]")) }
            if let value = vitals.pulse { results.append((.heartRate, "NM", number(value), "/min")) }
            if let value = vitals.consciousness { results.append((.responsiveness, "ST", value.rawValue, "")) }
            if let value = vitals.temperature { results.append((.temperature, "NM", number(value), "Cel")) }
            for (index, result) in results.enumerated() {
                segments.append(HL7Segment(name: "OBX", fields: fields([
                    1: field(String(index + 1)), 2: field(result.1), 3: field(result.0.rawValue, "", result.0.codingSystem),
                    5: field(result.2), 6: field(result.3), 11: field("F"), 14: field(taken),
                ])))
            }
        }
        return HL7Message(segments: segments, encoding: .standard, characterSet: .utf8)
    }

    /// The message structure of an event (HL7 v2.5.1 table 0354).
    static func structure(of kind: FeedEvent.Kind) -> String {
        switch kind {
        case .admit, .register, .update, .cancelDischarge: "ADT_A01"
        case .transfer: "ADT_A02"
        case .discharge: "ADT_A03"
        case .preadmit: "ADT_A05"
        case .outpatientToInpatient, .inpatientToOutpatient: "ADT_A06"
        case .cancelAdmit: "ADT_A09"
        case .cancelTransfer: "ADT_A12"
        case .leaveOfAbsence, .returnFromLeave: "ADT_A21"
        case .merge: "ADT_A39"
        case .observation: "ORU_R01"
        }
    }
}
