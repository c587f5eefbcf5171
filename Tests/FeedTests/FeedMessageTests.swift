import Feed
import Foundation
import HL7
import PatientTwin
import Testing

private let london = TimeZone(identifier: "Europe/London")!

private func event(_ text: String) throws -> FeedEvent {
    try FeedMessageReader.event(from: HL7Parser.parse(Array(text.utf8)), timeZone: london)
}

private func refusal(_ text: String) -> FeedMessageError? {
    #expect(throws: FeedMessageError.self) { try event(text) }
}

@Suite("feed messages as events")
struct FeedMessageTests {
    static let msh = "MSH|^~\\&|PAS|RXX01|TWIN|RXX01|202606011432||"

    @Test("an admission: the NHS number found by its type, not its place; the local id; the ward with no bed")
    func admission() throws {
        let admit = try event(Self.msh + "ADT^A01^ADT_A01|M1|P|2.5.1\rEVN|A01|202606011430|||U1|202606011415\r"
            + "PID|1||9434765919^^^NHS^NH~D123456^^^RXX01^MR||O'Brien^Mary||19440312|F\r"
            + "PV1|1|I|AMU^^^RXX01|E||ED^Bay 2||||MED|||||||||V0001\r")
        #expect(admit.kind == .admit && admit.localID == "D123456" && admit.nhsID == "9434765919")
        #expect(admit.sex == .female && admit.birthDate == DateComponents(year: 1944, month: 3, day: 12))
        #expect(admit.location?.pointOfCare == "AMU" && admit.location?.bed == "" && admit.priorLocation?.pointOfCare == "ED")
        #expect(admit.patientClass == "I" && admit.admissionType == "E" && admit.hospitalService == "MED")
        #expect(admit.visitNumber == "V0001")
        // EVN-6 (14:15 BST) is the event time: 13:15 UTC.
        let expected = HL7DateTime("202606011315")!.localMinutesSinceEpoch
        #expect(admit.minute == expected)
    }

    @Test("the event time is EVN-6, else EVN-2, else MSH-7; an offset is honoured, a local time read in the zone")
    func eventTime() throws {
        let pid = "PID|1||D1^^^RXX01^MR\r"
        let recorded = try event(Self.msh + "ADT^A02|M2|P|2.5\rEVN|A02|202601101200\r" + pid)
        #expect(recorded.minute == HL7DateTime("202601101200")!.localMinutesSinceEpoch, "January: London is UTC")
        let header = try event(Self.msh + "ADT^A03|M3|P|2.5\r" + pid)
        #expect(header.minute == HL7DateTime("202606011332")!.localMinutesSinceEpoch, "MSH-7 14:32 BST")
        let offset = try event(Self.msh + "ADT^A03|M3|P|2.5\rEVN|A03|||||202606011432-0500\r" + pid)
        #expect(offset.minute == HL7DateTime("202606011932")!.localMinutesSinceEpoch)
        // The event code from EVN-1 when MSH-9 has none.
        #expect(try event(Self.msh + "ADT|M4|P|2.3\rEVN|A08|202601101200\r" + pid).kind == .update)
    }

    @Test("a merge names the identifier merged away")
    func merge() throws {
        let merge = try event(Self.msh + "ADT^A40^ADT_A39|M5|P|2.5\rEVN|A40|202606011430\rPID|1||D2^^^RXX01^MR\r"
            + "MRG|D1^^^RXX01^MR\r")
        #expect(merge.kind == .merge && merge.localID == "D2" && merge.mergedLocalID == "D1")
        #expect(refusal(Self.msh + "ADT^A40|M5|P|2.5\rPID|1||D2^^^RXX01^MR\r")?.code == .requiredFieldMissing)
    }

    @Test("observations: vital signs by their LOINC and SNOMED codes, units converted or refused")
    func observations() throws {
        let obs = try event(Self.msh + "ORU^R01^ORU_R01|M6|P|2.5\rPID|1||D1^^^RXX01^MR\rOBR|1||||||202606011400\r"
            + "OBX|1|NM|9279-1^Respiratory rate^LN||24|/min|||||F|||202606011405\r"
            + "OBX|2|NM|59408-5^SpO2^LN||93|%|||||F|||202606011405\r"
            + "OBX|3|NM|8480-6^Systolic^LN||13.3|kPa|||||F|||202606011405\r"
            + "OBX|4|NM|8867-4^Heart rate^LN||112|/min|||||F|||202606011405\r"
            + "OBX|5|NM|8310-5^Temperature^LN||101.3|[degF]|||||F|||202606011405\r"
            + "OBX|6|ST|67775-7^Responsiveness^LN||C||||||F|||202606011405\r"
            + "OBX|7|CE|371825009^Patient on oxygen^SCT||Y||||||F|||202606011405\r"
            + "OBX|8|NM|8302-2^Height^LN||170|cm|||||F\r"
            + "OBX|9|NM|8867-4^Heart rate^LN||180|/min|||||P\r")
        let vitals = try #require(obs.vitals)
        #expect(obs.kind == .observation && obs.minute == HL7DateTime("202606011305")!.localMinutesSinceEpoch)
        #expect(vitals.respirationRate == 24 && vitals.spo2 == 93 && vitals.pulse == 112, "the preliminary 180 is not read")
        #expect(abs((vitals.systolicBP ?? 0) - 99.76) < 0.01 && abs((vitals.temperature ?? 0) - 38.5) < 1e-9)
        #expect(vitals.consciousness == .confusion && vitals.onOxygen == true)
        // NEWS2 from the readings with the one NEWS2 rule: RR 24 → 2, SpO2 93 → 2, oxygen 2, SBP 100 → 1 (99.8),
        // pulse 112 → 2, confusion 3, temperature 38.5 → 1.
        #expect(NEWS2Score(vitals).total == 2 + 2 + 2 + 2 + 2 + 3 + 1)
        let fahrenheitless = Self.msh + "ORU^R01|M7|P|2.5\rPID|1||D1^^^RXX01^MR\rOBX|1|NM|8310-5^T^LN||38.5|K|||||F\r"
        #expect(refusal(fahrenheitless)?.problem.contains("unit 'K' is not read") == true)
        #expect(refusal(Self.msh + "ORU^R01|M8|P|2.5\rPID|1||D1^^^RXX01^MR\rOBX|1|NM|59408-5^S^LN||ninety|%|||||F\r")?
            .code == .dataTypeError)
        #expect(refusal(Self.msh + "ORU^R01|M8|P|2.5\rPID|1||D1^^^RXX01^MR\rOBX|1|NM|59408-5^S^LN||93|ratio|||||F\r") != nil)
    }

    @Test("what cannot be read is refused with the condition and the field", arguments: [
        ("SIU^S12|M|P|2.5\rPID|1||D1^^^R^MR\r", HL7ErrorCode.unsupportedMessageType, "MSH-9"),
        ("ADT^A99|M|P|2.5\rPID|1||D1^^^R^MR\r", .unsupportedEventCode, "A99"),
        ("ORU^R30|M|P|2.5\rPID|1||D1^^^R^MR\r", .unsupportedMessageType, "MSH-9"),
        ("ADT^A01|M|P|2.5\rPV1|1|I|AMU\r", .requiredFieldMissing, "PID"),
        ("ADT^A01|M|P|2.5\rPID|1||^^^R^MR\r", .requiredFieldMissing, "PID-3"),
        ("ADT^A01|M|P|2.5\rPID|1||9434765918^^^NHS^NH\r", .dataTypeError, "check digit"),
        ("ADT^A01|M|P|2.5\rEVN|A01|2026130112\rPID|1||D1^^^R^MR\r", .dataTypeError, "EVN-2"),
        ("ADT^A01|M|P|2.5\rPID|1||D1^^^R^MR||X||19441312\r", .dataTypeError, "PID-7"),
        ("ADT^A02|M|P|2.5\rPID|1||D1^^^R^MR\rPV1|1|I|WD07" + String(repeating: "|", count: 41) + "2026023012\r", .dataTypeError, "PV1-44"),
    ])
    func refused(rest: String, code: HL7ErrorCode, mention: String) {
        let error = refusal(Self.msh + rest)
        #expect(error?.code == code && error?.problem.contains(mention) == true, "\(error.map(\.problem) ?? "none")")
    }
}
