import Feed
import Foundation
import HL7
import Testing

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

@Suite("pseudonyms and what is stored of a message")
struct PrivacyTests {
    static let key = Array("a test key of at least thirty-two bytes, never a trust's".utf8)

    @Test("SHA-256 and HMAC-SHA-256 give the standards' test vectors (FIPS 180-4 examples, RFC 4231)")
    func vectors() {
        #expect(hex(HMACSHA256.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(HMACSHA256.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(HMACSHA256.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(HMACSHA256.sha256([UInt8](repeating: 0x61, count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(hex(HMACSHA256.authenticationCode(for: Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(HMACSHA256.authenticationCode(for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hex(HMACSHA256.authenticationCode(for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                                  key: [UInt8](repeating: 0xaa, count: 131)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("the key comes from the environment or a file, at least 32 bytes, and is never optional")
    func keys() throws {
        #expect(throws: PseudonymKeyError.self) { try Pseudonymiser(key: Array("short".utf8)) }
        #expect(throws: PseudonymKeyError.self) { try Pseudonymiser.fromEnvironment([:]) }
        let direct = try Pseudonymiser.fromEnvironment([Pseudonymiser.keyVariable: String(decoding: Self.key, as: UTF8.self)])
        let path = NSTemporaryDirectory() + "key-\(UUID().uuidString)"
        try (String(decoding: Self.key, as: UTF8.self) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try Pseudonymiser.fromEnvironment([Pseudonymiser.keyFileVariable: path])
        #expect(direct.pseudonym("9434765919", namespace: "NHS") == fromFile.pseudonym("9434765919", namespace: "NHS"))
        let other = try Pseudonymiser(key: Array("another key of at least thirty-two bytes long".utf8))
        #expect(other.pseudonym("9434765919", namespace: "NHS") != direct.pseudonym("9434765919", namespace: "NHS"))
        #expect(direct.pseudonym("D1", namespace: "MR:RXX") != direct.pseudonym("D1", namespace: "MR:RYY"))
        #expect(direct.pseudonym("D1", namespace: "MR:RXX").count == 24)
        #expect(throws: PseudonymKeyError.self) { try Pseudonymiser.fromEnvironment([Pseudonymiser.keyFileVariable: path + "-no"]) }
    }

    @Test("a message written back parses to itself: every corpus message, escapes and other delimiters included")
    func serialiseRoundTrip() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/hl7/corpus.hl7").standardized)
        let messages = [UInt8](data).split(separator: 0x0A)
        #expect(messages.count == 240)
        for line in messages {
            let message = try HL7Parser.parse(Array(line))
            #expect(try HL7Parser.parse(message.bytes) == message)
        }
        let latin = try HL7Parser.parse(Array(("MSH|^~\\&|A" + String(repeating: "|", count: 14) + "|8859/1\rPID|1||||Ren").utf8)
            + [0xE9, 0x0D])
        #expect(try HL7Parser.parse(latin.bytes) == latin && latin.bytes.contains(0xE9))
    }

    @Test("stored, a message keeps no identifier, name, address or next of kin, and reads back to the same patient")
    func pseudonymised() throws {
        let pseudonymiser = try Pseudonymiser(key: Self.key)
        let text = "MSH|^~\\&|PAS|RXX|TWIN|RXX|202606011432||ADT^A01|M1|P|2.5\rEVN|A01|202606011430\r"
            + "PID|1|X99|9434765919^^^NHS^NH~D123456^^^RXX^MR||O'Brien^Mary||19440312|F|||1 High St^^Leeds^^LS1 1AA||0113 496 0000\r"
            + "NK1|1|O'Brien^Sean|SON|1 High St^^Leeds\rPV1|1|I|AMU^^^RXX||||||||||||||||V0001\r"
        let original = try HL7Parser.parse(Array(text.utf8))
        let stored = FeedPrivacy.pseudonymised(original, with: pseudonymiser)
        let bytes = String(decoding: stored.bytes, as: UTF8.self)
        for secret in ["9434765919", "D123456", "X99", "O'Brien", "Mary", "High St", "LS1", "0113", "Sean", "V0001"] {
            #expect(!bytes.contains(secret), "\(secret) is not stored")
        }
        #expect(stored.segment("NK1") == nil && stored.segment("PID")?[7] == "19440312" && stored.segment("PID")?[8] == "F")
        let zone = TimeZone(identifier: "Europe/London")!
        let event = try FeedMessageReader.event(from: HL7Parser.parse(stored.bytes), timeZone: zone)
        #expect(event.localID == pseudonymiser.pseudonym("D123456", namespace: "MR:RXX"))
        #expect(event.nhsID == pseudonymiser.pseudonym("9434765919", namespace: "NHS"))
        #expect(event.location?.pointOfCare == "AMU" && event.visitNumber == pseudonymiser.pseudonym("V0001", namespace: "VN"))
        // Pseudonymising again changes nothing: a stored message replayed is not hashed twice.
        #expect(FeedPrivacy.pseudonymised(stored, with: pseudonymiser) == stored)
        // The same patient in another message gets the same pseudonyms, so the log follows it.
        let transfer = try HL7Parser.parse(Array(("MSH|^~\\&|PAS|RXX|TWIN|RXX|202606021000||ADT^A02|M2|P|2.5\r"
            + "PID|1||D123456^^^RXX^MR~943 476 5919^^^NHS^NH\rPV1|1|I|WD07\r").utf8))
        let moved = try FeedMessageReader.event(from: FeedPrivacy.pseudonymised(transfer, with: pseudonymiser), timeZone: zone)
        #expect(moved.localID == event.localID && moved.nhsID == event.nhsID)
    }
}
