import Foundation
import HL7
import Testing
import TestSupport

/// Inputs the fuzzer (scripts/fuzz-hl7.sh) found, kept so that what was fixed stays fixed: each must parse or be
/// refused without a crash, and a message that parses must be written back to the same message and acknowledged.
@Suite("hostile messages the fuzzer found")
struct HL7HostileTests {
    static let directory = Repository.path("Tests/Fixtures/hl7/hostile")

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { directory + "/" + $0 }
    }

    @Test("each parses and writes back to itself, or is refused with where and why")
    func properties() throws {
        let files = try Self.files()
        #expect(files.count >= 3)
        for path in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let message: HL7Message
            do { message = try HL7Parser.parse(bytes) } catch {
                #expect(!error.problem.isEmpty, "\(path)")
                continue
            }
            #expect(try HL7Parser.parse(message.bytes) == message, "\(path): written back, it parses to another message")
            let ack = HL7Acknowledgement.make(for: message, code: "AE", outcome: .error(.dataTypeError, "why|^~\\&\r\n"),
                                              controlID: "A1", timestamp: "20260101")
            #expect(try HL7Parser.parse(ack).segment("MSA")?[2] == message.controlID, "\(path)")
        }
    }

    @Test("the three the fuzzer found: the escape character in MSH-18, a second MSH, a LF with no escape character")
    func found() throws {
        func load(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + name))) }
        let charset = try HL7Parser.parse(try load("escape-in-charset-name.hl7"))
        #expect(charset.encoding.escape == UInt8(ascii: "-") && charset.characterSet == .utf8)
        let second = try load("second-msh-segment.hl7")
        #expect { try HL7Parser.parse(second) } throws: { error in
            (error as? HL7ParseError).map { $0.problem.contains("a second MSH segment") && $0.segmentName == "MSH" } ?? false
        }
        let lineFeed = try HL7Parser.parse(try load("line-feed-without-escape-character.hl7"))
        #expect(lineFeed.encoding.escape == nil)
        #expect(lineFeed.segments[0].fields.contains { $0.value() == "\n" }, "the LF is text in a message with CRs")
        #expect(try HL7Parser.parse(lineFeed.bytes) == lineFeed)
    }
}
