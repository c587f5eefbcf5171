import Foundation
import HL7
import Testing

/// A message with CR segment ends, from text written with "\r".
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private let admit = """
    MSH|^~\\&|PAS|RXX01|TWIN|RXX01|202606011432||ADT^A01^ADT_A01|MSG00001|P|2.5.1|||AL|NE||UNICODE UTF-8\r\
    EVN|A01|202606011430|||JSMITH^Smith^John|202606011415\r\
    PID|1||D123456^^^RXX01^MR~9434765919^^^NHS^NH||O'Brien^Mary^Anne^^Mrs||19440312|F\r\
    PV1|1|I|AMU^Bay 2^Bed 04^RXX01||||C1234^Jones^Ann|||||||||||V0001\r\
    ZXY|local^thing|kept\r
    """

@Suite("HL7 v2 parser")
struct HL7ParserTests {
    @Test("a standard ADT message: fields, components, repetitions, MSH-1 and MSH-2 as they are")
    func standardMessage() throws {
        let message = try HL7Parser.parse(bytes(admit))
        #expect(message.segments.map(\.name) == ["MSH", "EVN", "PID", "PV1", "ZXY"])
        let msh = message.segments[0]
        #expect(msh[1] == "|" && msh[2] == "^~\\&" && msh[3] == "PAS" && msh[7] == "202606011432")
        #expect(message.messageType == ("ADT", "A01", "ADT_A01") && message.controlID == "MSG00001")
        #expect(message.characterSet == .utf8 && message.encoding == .standard)
        let pid = try #require(message.segment("PID"))
        #expect(pid.field(3)?.repetitions.count == 2)
        #expect(pid[3, repetition: 2, component: 1] == "9434765919" && pid[3, repetition: 2, component: 5] == "NH")
        #expect(pid[5, component: 1] == "O'Brien" && pid[5, component: 2] == "Mary" && pid[8] == "F")
        #expect(pid[3, repetition: 3] == "" && pid[40] == "", "absent is empty, never a crash")
        let pv1 = try #require(message.segment("PV1"))
        #expect(pv1[3, component: 1] == "AMU" && pv1[3, component: 3] == "Bed 04")
        #expect(message.segment("ZXY")?[1, component: 2] == "thing", "an unknown Z-segment is kept")
    }

    @Test("delimiters come from each message's own MSH-1 and MSH-2")
    func ownDelimiters() throws {
        let text = "MSH#$*@%#PAS#RXX#TWIN#RXX#202606011432##ADT$A02#M2#P#2.4\rPID#1##A$$$B*C$$$D##Name$Given%Sub\r"
        let message = try HL7Parser.parse(bytes(text))
        #expect(message.encoding == HL7Encoding(field: 0x23, component: 0x24, repetition: 0x2A, escape: 0x40,
                                                subcomponent: 0x25, truncation: nil))
        #expect(message.segments[0][2] == "$*@%" && message.messageType.event == "A02")
        let pid = message.segments[1]
        #expect(pid[3, repetition: 1, component: 4] == "B" && pid[3, repetition: 2, component: 4] == "D")
        #expect(pid[5, component: 2, subcomponent: 2] == "Sub")
        // Two encoding characters only: no escape, no subcomponents; & and \ are text.
        let short = try HL7Parser.parse(bytes("MSH|^~|A|B\rNTE|1||a&b\\F\\c\r"))
        #expect(short.encoding.escape == nil && short.encoding.subcomponent == nil)
        #expect(short.segments[1][3] == "a&b\\F\\c")
    }

    @Test("escape sequences: delimiters, hex, line breaks and highlighting replaced; unknown, malformed and unclosed kept")
    func escapes() throws {
        let text = "MSH|^~\\&|A|B\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f|\\X4869\\ \\.br\\x\\H\\bold\\N\\|"
            + "\\Zab\\ \\Xzz\\ \\X123\\ trailing\\F|\\C2842\\|\\\\|end\\\r"
        let nte = try HL7Parser.parse(bytes(text)).segments[1]
        #expect(nte[3] == "a|b^c&d~e\\f", "the escaped delimiters are text, not splits")
        #expect(nte.field(3)?.repetitions.count == 1 && nte.field(3)?.repetitions[0].count == 1)
        #expect(nte[4] == "Hi \nxbold")
        #expect(nte[5] == "\\Zab\\ \\Xzz\\ \\X123\\ trailing\\F", "unknown, malformed hex and unclosed stay as text")
        #expect(nte[6] == "\\C2842\\" && nte[7] == "\\\\" && nte[8] == "end\\")
    }

    @Test("segments end at CR, CRLF or (with no CR anywhere) LF; a lone LF in a CR message stays in its field")
    func segmentEnds() throws {
        let lines = ["MSH|^~\\&|A|B|C|D|202601010000||ADT^A08|1|P|2.5", "PID|1||X^^^H^MR", "NTE|1||note"]
        for separator in ["\r", "\r\n", "\n"] {
            let message = try HL7Parser.parse(bytes(lines.joined(separator: separator) + separator + separator))
            #expect(message.segments.map(\.name) == ["MSH", "PID", "NTE"], "separator \(Array(separator.utf8))")
        }
        let message = try HL7Parser.parse(bytes(lines.joined(separator: "\r").replacingLast("note", "line one\nline two")))
        #expect(message.segments.count == 3 && message.segments[2][3] == "line one\nline two")
        // A byte-order mark and blank lines before MSH are skipped.
        let marked = try HL7Parser.parse([0xEF, 0xBB, 0xBF, 0x0D, 0x0A] + bytes(lines.joined(separator: "\r")))
        #expect(marked.segments.count == 3)
    }

    @Test("text is decoded in the character set MSH-18 names, and bytes not valid in it are refused where they are")
    func characterSets() throws {
        let header = "MSH|^~\\&|A|B|C|D|202601010000||ADT^A08|1|P|2.5|||||"
        let latin = try HL7Parser.parse(bytes(header + "|8859/1\rPID|1||||Ren") + [0xE9] + bytes("\r"))
        #expect(latin.characterSet == .latin1 && latin.segments[1][5] == "René")
        let utf8 = try HL7Parser.parse(bytes(header + "|UNICODE UTF-8\rPID|1||||René\r"))
        #expect(utf8.segments[1][5] == "René")
        let unnamed = try HL7Parser.parse(bytes("MSH|^~\\&|A\rPID|1||||Zoë\r"))
        #expect(unnamed.characterSet == .utf8 && unnamed.segments[1][5] == "Zoë")
        let error = #expect(throws: HL7ParseError.self) {
            try HL7Parser.parse(bytes(header + "|UNICODE UTF-8\rPID|1||||Ren") + [0xE9] + bytes("\r"))
        }
        #expect(error?.segment == 2 && error?.segmentName == "PID" && error?.field == 5)
        #expect(error.map { "\($0)" }?.contains("not valid UTF-8") == true)
        let ascii = #expect(throws: HL7ParseError.self) {
            try HL7Parser.parse(bytes(header + "|ASCII\rPID|1||||Ren") + [0xE9] + bytes("\r"))
        }
        #expect(ascii?.field == 5)
        let unknown = #expect(throws: HL7ParseError.self) { try HL7Parser.parse(bytes(header + "|ISO IR87\r")) }
        #expect(unknown?.field == 18 && unknown.map { "\($0)" }?.contains("ISO IR87") == true)
    }

    @Test("hostile messages are refused with where and why, never a crash", arguments: [
        ("", "starts with an MSH"),
        ("PID|1||X\r", "starts with an MSH"),
        ("MSH|\r", "before its field separator"),
        ("MSH|^|A|B\r", "2 to 5 encoding characters"),
        ("MSH|^~\\&^|A\r", "repeat"),
        ("MSH|^~\\&#%|A\r", "2 to 5 encoding characters"),
        ("MSH|A~\\&|A\r", "not a letter or digit"),
        ("MSHX^~\\&|A\r", "not a letter or digit"),
        ("MSH|^~\\&|A\rpid|1\r", "segment name"),
        ("MSH|^~\\&|A\rPI|1\r", "segment name"),
        ("MSH|^~\\&|A\rPIDX|1\r", "segment name"),
    ])
    func hostile(text: String, expected: String) {
        let error = #expect(throws: HL7ParseError.self) { try HL7Parser.parse(bytes(text)) }
        #expect(error.map { "\($0)" }?.contains(expected) == true, "\(error.map { "\($0)" } ?? "no error")")
    }

    @Test("every limit holds before the work it bounds: size, segments, fields, repetitions")
    func limits() throws {
        var limits = HL7Limits()
        limits.messageBytes = 100
        let big = #expect(throws: HL7ParseError.self) {
            try HL7Parser.parse(bytes("MSH|^~\\&|A\rNTE|1||" + String(repeating: "x", count: 200) + "\r"), limits: limits)
        }
        #expect(big.map { "\($0)" }?.contains("at most 100") == true)
        limits = HL7Limits()
        limits.segments = 3
        #expect(throws: HL7ParseError.self) {
            try HL7Parser.parse(bytes("MSH|^~\\&|A" + String(repeating: "\rNTE|1", count: 3)), limits: limits)
        }
        limits = HL7Limits()
        limits.fields = 10
        #expect(throws: HL7ParseError.self) {
            try HL7Parser.parse(bytes("MSH|^~\\&|A\rNTE" + String(repeating: "|x", count: 11) + "\r"), limits: limits)
        }
        limits = HL7Limits()
        limits.repetitions = 5
        let many = #expect(throws: HL7ParseError.self) {
            try HL7Parser.parse(bytes("MSH|^~\\&|A\rPID|1||" + Array(repeating: "x", count: 6).joined(separator: "~") + "\r"),
                                limits: limits)
        }
        #expect(many?.field == 3)
        // At the limits exactly, the message is read.
        #expect(try HL7Parser.parse(bytes("MSH|^~\\&|A\rPID|1||" + Array(repeating: "x", count: 5).joined(separator: "~")),
                                    limits: limits).segments[1].field(3)?.repetitions.count == 5)
    }

    @Test("NHS numbers: ten digits with the modulus-11 check digit; spaces and hyphens allowed")
    func nhsNumbers() {
        #expect(NHSNumber("9434765919")?.digits == "9434765919")
        #expect(NHSNumber("943 476 5919")?.digits == "9434765919" && NHSNumber("943-476-5919") != nil)
        #expect(NHSNumber("4010232137") != nil)  // check digit 7
        for bad in ["9434765918", "943476591", "94347659190", "943476591X", "", "１２３４５６７８９０", "4010232130"] {
            #expect(NHSNumber(bad) == nil, "\(bad)")
        }
        // 1000000001: the weighted sum is 10·1 = 10, 11 − 10 = 1, the last digit.
        #expect(NHSNumber("1000000001") != nil && NHSNumber("1000000000") == nil)
    }

    @Test("HL7 date-times at every precision, with and without an offset; impossible dates refused")
    func dateTimes() throws {
        let full = try #require(HL7DateTime("20260601143005.25+0100"))
        #expect(full.year == 2026 && full.month == 6 && full.day == 1 && full.hour == 14 && full.minute == 30)
        #expect(full.second == 5.25 && full.utcOffsetMinutes == 60)
        #expect(full.utcMinutesSinceEpoch == full.localMinutesSinceEpoch - 60)
        #expect(HL7DateTime("19700101")?.localMinutesSinceEpoch == 0)
        #expect(HL7DateTime("197001020130")?.localMinutesSinceEpoch == 1530.0)
        #expect(HL7DateTime("2026")?.month == 1 && HL7DateTime("202606")?.day == 1)
        #expect(HL7DateTime("202606011432-0500")?.utcOffsetMinutes == -300)
        #expect(HL7DateTime("20240229") != nil && HL7DateTime("20000229") != nil)
        #expect(HL7DateTime("2026060114")?.hour == 14, "to the hour")
        for bad in ["20230229", "19000229", "20261301", "20260631", "2026060124", "202606011460", "20260601143060",
                    "202606011432.5", "2026-06-01", "20260601+01", "20260601+2500", "x", "", "202"] {
            #expect(HL7DateTime(bad) == nil, "\(bad)")
        }
    }
}

extension String {
    fileprivate func replacingLast(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target, options: .backwards) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
