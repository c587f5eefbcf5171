import Foundation
import HL7
import Testing
import TestSupport

/// The python `hl7` package (0.4.5, from PyPI) as an oracle: scripts/test.sh installs it; CI runs this check and
/// fails without it; a plain `swift test` without it skips and says so.
enum PythonHL7 {
    /// The oracle's reading of `corpus` (scripts/hl7-oracle.py), one JSON line per message; nil when it cannot run
    /// here outside CI.
    static func read(_ corpus: String) throws -> [String]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.path("scripts/hl7-oracle.py"), corpus]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = "python3 scripts/hl7-oracle.py failed (pip install hl7==0.4.5): \(problem)"
            if ProcessInfo.processInfo.environment["CI"] != nil { throw OracleUnavailable(message: message) }
            FileHandle.standardError.write(Data("SKIPPED the python-hl7 oracle: \(message)\n".utf8))
            return nil
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    struct OracleUnavailable: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

@Suite("HL7 v2 parser against python-hl7")
struct HL7OracleTests {
    /// Each message of the corpus (scripts/make-hl7-corpus.py: 240 messages, every ADT event the feed reads and
    /// ORU^R01, escapes, repetitions, subcomponents, non-ASCII text, other delimiters) read by both, compared field
    /// by field: every segment, field, repetition, component and subcomponent, unescaped.
    @Test("240 messages read field by field as python-hl7 reads them")
    func corpus() throws {
        let path = Repository.path("Tests/Fixtures/hl7/corpus.hl7")
        guard let oracle = try PythonHL7.read(path) else { return }
        // Split as bytes: "\r\n" (a segment's end, then the message's) is one Character in Swift.
        let lines = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))).split(separator: 0x0A)
        #expect(lines.count == 240 && oracle.count == lines.count)
        var leaves = 0
        for (index, (line, expected)) in zip(lines, oracle).enumerated() {
            let message = try HL7Parser.parse(Array(line))
            let ours: [[Any]] = message.segments.map { segment in
                [segment.name] + segment.fields.map { $0.repetitions as Any }
            }
            let theirs = try #require(try JSONSerialization.jsonObject(with: Data(expected.utf8)) as? [[Any]])
            #expect(ours.count == theirs.count, "message \(index + 1): \(ours.count) segments, python-hl7 \(theirs.count)")
            for (segment, (mine, other)) in zip(ours, theirs).enumerated() {
                #expect(mine[0] as? String == other[0] as? String, "message \(index + 1) segment \(segment + 1)")
                #expect(mine.count == other.count, "message \(index + 1) \(mine[0]): \(mine.count - 1) fields, python-hl7 \(other.count - 1)")
                for (number, (a, b)) in zip(mine.dropFirst(), other.dropFirst()).enumerated() {
                    let field = try #require(a as? [[[String]]])
                    let expectedField = try #require(b as? [[[String]]])
                    leaves += field.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
                    #expect(field == expectedField, "message \(index + 1) \(mine[0])-\(number + 1): \(field) against \(expectedField)")
                }
            }
        }
        #expect(leaves > 15_000, "\(leaves) leaves compared")
    }
}
