import HL7
import Testing

@Suite("HL7 acknowledgements")
struct AcknowledgementTests {
    @Test("original mode answers every message; enhanced mode answers as MSH-15 asks")
    func policy() {
        let outcomes: [HL7Outcome] = [.accepted, .error(.unknownKeyIdentifier, "x"), .rejected(.dataTypeError, "y")]
        #expect(outcomes.map { HL7Acknowledgement.code(for: $0, acceptAcknowledgementType: "") } == ["AA", "AE", "AR"])
        #expect(outcomes.map { HL7Acknowledgement.code(for: $0, acceptAcknowledgementType: "AL") } == ["CA", "CE", "CR"])
        #expect(outcomes.map { HL7Acknowledgement.code(for: $0, acceptAcknowledgementType: "NE") } == [nil, nil, nil])
        #expect(outcomes.map { HL7Acknowledgement.code(for: $0, acceptAcknowledgementType: "ER") } == [nil, "CE", "CR"])
        #expect(outcomes.map { HL7Acknowledgement.code(for: $0, acceptAcknowledgementType: "su") } == ["CA", nil, nil])
    }

    @Test("the ACK swaps sender and receiver, echoes the control id, and carries the reason escaped; it parses back")
    func message() throws {
        let text = "MSH#$*@%#PAS#RXX01#TWIN#RXX02#202606011432##ADT$A01#MSG7#P#2.5.1\rPID#1\r"
        let received = try HL7Parser.parse(Array(text.utf8))
        let reason = "unit 'WD#9' is not mapped$ see locations:\nline two"
        let ack = HL7Acknowledgement.make(for: received, code: "AE", outcome: .error(.tableValueNotFound, reason),
                                          controlID: "ACK7", timestamp: "20260601143300")
        let parsed = try HL7Parser.parse(ack)
        #expect(parsed.encoding == received.encoding, "answered in the sender's own delimiters")
        let msh = parsed.segments[0]
        #expect(msh[3] == "TWIN" && msh[4] == "RXX02" && msh[5] == "PAS" && msh[6] == "RXX01")
        #expect(parsed.messageType == ("ACK", "A01", "ACK") && parsed.controlID == "ACK7" && msh[11] == "P" && msh[12] == "2.5.1")
        let msa = try #require(parsed.segment("MSA"))
        #expect(msa[1] == "AE" && msa[2] == "MSG7" && msa[3] == reason, "the reason survives escaping, CR and LF included")
        let err = try #require(parsed.segment("ERR"))
        #expect(err[3, component: 1] == "103" && err[3, component: 3] == "HL70357" && err[4] == "E" && err[8] == reason)
        let accepted = try HL7Parser.parse(HL7Acknowledgement.make(for: received, code: "AA", outcome: .accepted,
                                                                    controlID: "ACK8", timestamp: "20260601143300"))
        #expect(accepted.segments.map(\.name) == ["MSH", "MSA"] && accepted.segment("MSA")?[1] == "AA")
    }

    @Test("escaping is the parser's unescaping undone, for every delimiter and line break")
    func escapingRoundTrip() throws {
        let value = "a|b^c~d\\e&f\rg\nh #$*@%"
        for encoding in [HL7Encoding.standard, HL7Encoding(field: 0x23, component: 0x24, repetition: 0x2A, escape: 0x40,
                                                           subcomponent: 0x25, truncation: nil)] {
            let field = String(UnicodeScalar(encoding.field)), delimiters = String(decoding: [encoding.component,
                encoding.repetition, encoding.escape!, encoding.subcomponent!], as: UTF8.self)
            let text = "MSH" + field + delimiters + field + "A\rNTE" + field + HL7Escaping.escape(value, encoding) + "\r"
            #expect(try HL7Parser.parse(Array(text.utf8)).segments[1][1] == value)
        }
    }
}
