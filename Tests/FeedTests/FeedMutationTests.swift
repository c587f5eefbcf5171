import Feed
import Foundation
import HL7
import PatientTwin
import Testing

/// Property-based: messages of every kind, mutated at random (bytes changed, delimiters and escapes inserted,
/// segments cut or repeated), are read to an event or refused with a reason — never a crash, never an event whose
/// time is not a number. Fixed seed; 20,000 mutants.
@Suite("mutated messages are read or refused, never a crash")
struct FeedMutationTests {
    @Test("20,000 mutants of messages of every kind")
    func mutants() throws {
        let zone = TimeZone(identifier: "Europe/London")!
        let sender = FeedSender(application: "PAS", facility: "RXX01")
        let originals = FeedEvent.Kind.allCases.map { kind in
            FeedMessageWriter.message(for: FeedEvent(
                kind: kind, minute: 29_000_000, localID: "D1", nhsID: "9434765919",
                birthDate: DateComponents(year: 1950, month: 1, day: 2), sex: .male, patientClass: "I",
                location: FeedEvent.Location(pointOfCare: "AMU", bed: "3"), admissionType: "E", priorLocation: nil,
                hospitalService: "", visitNumber: "V1", dischargeDisposition: kind == .discharge ? "19" : "",
                mergedLocalID: kind == .merge ? "D0" : nil, vitals: kind == .observation ? VitalSigns.scoring(7) : nil,
                controlID: "M\(kind.rawValue)"), from: sender, timeZone: zone).bytes
        }
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let inserts: [[UInt8]] = ["|", "^", "~", "\\", "&", "\r", "\n", "\\X0\\", "\\F", "\u{0B}", "\u{1C}", "\u{FF}", "99999999",
                                  "\r\rPID|", "\rMSH|^~\\&|"].map { Array($0.utf8) }
        var read = 0, refused = 0
        for round in 0..<20_000 {
            var bytes = originals[round % originals.count]
            for _ in 0..<(1 + next(4)) {
                let at = next(bytes.count)
                switch next(4) {
                case 0: bytes[at] = UInt8(next(256))
                case 1: bytes.insert(contentsOf: inserts[next(inserts.count)], at: at)
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + next(20)))
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + next(60))], at: at)
                }
                if bytes.isEmpty { bytes = originals[0] }
            }
            do {
                let event = try FeedMessageReader.event(from: try HL7Parser.parse(bytes), timeZone: zone)
                #expect(event.minute.isFinite)
                read += 1
            } catch let error as HL7ParseError {
                #expect(!error.problem.isEmpty)
                refused += 1
            } catch let error as FeedMessageError {
                #expect(!error.problem.isEmpty)
                refused += 1
            }
        }
        #expect(read > 1_000 && refused > 1_000, "read \(read), refused \(refused)")
    }
}
