import Finance
import Foundation
import HospitalModel
import RunRecords
import Scenario
import Testing
import TestSupport

/// The store's own JSON decoder (`ResultJSON.decode`) against Foundation's on what the encoder writes, and on text
/// written by hand to break it.
@Suite("result JSON decoder")
struct ResultJSONDecoderTests {
    static let generalHospital: HospitalKPIs = {
        let scenario = try! Scenario.load(path: Repository.path("scenarios/general-hospital.yaml"))
        let hospital = try! PreparedHospital(scenario.configuration, horizonDays: 60)
        return try! HospitalExperiment.replication(3, of: hospital, seed: 11, horizonDays: 60, warmUpDays: 20)
    }()

    /// Every replication reads back to the bytes it was written as, in both forms the program writes (the store's
    /// compact one and `--format json`'s pretty one), and to what Foundation's decoder reads.
    @Test func realReplicationsReadBackExactly() throws {
        let compact = ResultJSON.encoder()
        compact.outputFormatting = [.sortedKeys]
        for kpis in DemoRun.result.replications + [Self.generalHospital] {
            for encoder in [compact, ResultJSON.encoder()] {
                let text = try encoder.encode(kpis)
                let ours = try ResultJSON.decode(HospitalKPIs.self, from: text)
                let foundation = try ResultJSON.decoder().decode(HospitalKPIs.self, from: text)
                #expect(try encoder.encode(ours) == text)
                #expect(try encoder.encode(ours) == (try encoder.encode(foundation)))
                #expect(ours.units.map(\.midnightCensus) == kpis.units.map(\.midnightCensus))
            }
        }
        let result = try ResultJSON.encoder().encode(DemoRun.result)
        #expect(try ResultJSON.encoder().encode(try ResultJSON.decode(HospitalExperimentResult.self, from: result)) == result)
        let costs = try ResultJSON.encoder().encode(DemoRun.costs)
        #expect(try ResultJSON.decode(RunCosts.self, from: costs) == DemoRun.costs)
    }

    /// A key of any shape is written as Foundation's encoder writes it.
    @Test(arguments: keyShapes)
    func snakeCaseIsFoundations(key: String) throws {
        let written = try ResultJSON.encoder().encode(OneKey(name: key))
        let object = try JSONSerialization.jsonObject(with: written) as! [String: Int]
        #expect(Array(object.keys) == [ResultJSON.snakeCase(key)])
        // And so it reads back, even where Foundation's decoder cannot ("myURLValue" comes back as "myUrlValue").
        let found = try ResultJSON.decode(FoundKeys.self, from: written).found
        #expect(found.contains(key))
        #expect(found.allSatisfy { ResultJSON.snakeCase($0) == ResultJSON.snakeCase(key) })
    }

    /// The same value as Foundation's decoder on a type with every kind of member.
    @Test func agreesWithFoundation() throws {
        let value = Sample(
            smallSigned: -128, largeUnsigned: .max, largeSigned: .min, whole: 42, ratio: 0.1 + 0.2, tiny: .leastNonzeroMagnitude,
            single: 1.5, flag: true, text: "é\u{1F600}\n\t\"\\/ \u{0}", optionalPresent: 7, optionalAbsent: nil,
            rows: [.init(label: "x", values: [1, 2, 3]), .init(label: "", values: [])],
            byName: ["ICU": 1, "ward_a": 2, "wardB": 3], nested: [[1.0, .nan], [.infinity, -.infinity]],
            optionals: [1, nil, 3], kind: .critical)
        for formatting in [JSONEncoder.OutputFormatting.sortedKeys, [.prettyPrinted, .sortedKeys]] {
            let encoder = ResultJSON.encoder()
            encoder.outputFormatting = formatting
            let text = try encoder.encode(value)
            let ours = try ResultJSON.decode(Sample.self, from: text)
            let foundation = try ResultJSON.decoder().decode(Sample.self, from: text)
            #expect(try encoder.encode(ours) == text)
            #expect(try encoder.encode(ours) == (try encoder.encode(foundation)))
            #expect(ours.nested[0][1].isNaN && ours.byName == value.byName && ours.optionals == value.optionals)
        }
        // Escapes Foundation's encoder never writes, and whitespace everywhere.
        let text = Data(#" { "a" : "\u00e9\ud83d\ude00\b\f\r\/" , "b" : [ 1 , -0 , 2.5e3 , 1E-2 ] } "#.utf8)
        let ours = try ResultJSON.decode(Escapes.self, from: text)
        #expect(ours == (try JSONDecoder().decode(Escapes.self, from: text)))
        #expect(ours.a == "é\u{1F600}\u{8}\u{C}\r/" && ours.b == [1, 0, 2500, 0.01])
    }

    /// Text that is not JSON, or not the type, is an error that says what and where — never a crash.
    @Test(arguments: [
        ("", "unexpected end"), ("   ", "unexpected end"), ("{", "expected a key"), (#"{"whole": 1"#, "expected ','"),
        (#"{"whole": 1,}"#, "expected a key"), (#"{"whole" 1}"#, "expected ':'"), (#"{"whole": 01}"#, "may not start with 0"),
        (#"{"whole": -}"#, "expected a digit"), (#"{"whole": .5}"#, "unexpected character '.'"), (#"{"whole": +1}"#, "unexpected character '+'"),
        (#"{"whole": 1.}"#, "after the decimal point"), (#"{"whole": 1e}"#, "in the exponent"), (#"{"whole": 1} x"#, "after the JSON value"),
        (#"{"whole": tru}"#, "expected a value"), ("\u{FEFF}{}", "unexpected character"), (#"{"whole": "abc}"#, "unterminated string"),
        (#"{"whole": "\x"}"#, "invalid escape"), (#"{"whole": "\u12"}"#, "four hexadecimal digits"),
        ("{\"whole\": \"a\tb\"}", "control character U+0009"), (#"[1,]"#, "unexpected character ']'"),
        (#"{"whole": 1, "whole": 2}"#, "'whole' appears twice"), (#"{"whole": 1.5}"#, "expected Int, found a number"),
        (#"{"whole": 9223372036854775808}"#, "does not fit in Int"), (#"{"whole": "1"}"#, "expected Int, found a string"),
        (#"{"whole": null}"#, "found null"), (#"{}"#, "no value for the key 'whole'"), (#"[]"#, "found an array"),
    ])
    func refusesBadText(text: String, expected: String) throws {
        let error = try #require(throws: DecodingError.self) { try ResultJSON.decode(Whole.self, from: Data(text.utf8)) }
        #expect("\(error)".contains(expected), "\(error)")
        // Foundation refuses all of these too, bar the duplicate key (it keeps one) and the comma before '}'.
        if !expected.contains("twice"), !text.hasSuffix(",}") { #expect(throws: (any Error).self) { try JSONDecoder().decode(Whole.self, from: Data(text.utf8)) } }
    }

    /// Values out of range for their type, and strings that are not text.
    @Test func refusesWhatTheTypeCannotHold() throws {
        func message<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> String {
            let error = try #require(throws: DecodingError.self) { try ResultJSON.decode(type, from: Data(bytes)) }
            return "\(error)"
        }
        #expect(try message([Double].self, Array("[1, 1e400]".utf8)).contains("1e400 is not representable"))
        let outOfRange = try message([Double].self, Array("[1, 1e400]".utf8))
        #expect(outOfRange.contains("Path: [1]"), "\(outOfRange)")
        #expect(try message([Int8].self, Array("[127, 128]".utf8)).contains("128 does not fit in Int8"))
        #expect(try message([UInt].self, Array("[-1]".utf8)).contains("-1 does not fit in UInt"))
        #expect(try message([String].self, Array("[\"a\", \"".utf8) + [0xC3, 0x28] + Array("\"]".utf8)).contains("not valid UTF-8"))
        #expect(try message([String].self, Array(#"["\ud83d"]"#.utf8)).contains("unpaired surrogate"))
        #expect(try message([String].self, Array(#"["\ude00x"]"#.utf8)).contains("unpaired surrogate"))
        #expect(try message([Double].self, Array(#"[1, "infinity"]"#.utf8)).contains("expected Double, found a string"))
        #expect(try ResultJSON.decode([Int64].self, from: Data("[-9223372036854775808, 9223372036854775807]".utf8)) == [.min, .max])
        #expect(try message(Whole.self, Array("{\n  \"whole\": 1,\n  x}".utf8)).contains("line 3, column 3"))
    }

    /// Nesting deep enough to overflow a recursive reader's stack is refused at 512.
    @Test func refusesDeepNesting() throws {
        let deep = Data(String(repeating: "[", count: 200_000).utf8)
        let error = try #require(throws: DecodingError.self) { try ResultJSON.decode([Int].self, from: deep) }
        #expect("\(error)".contains("nested more than 512 deep"))
        let fine = Data((String(repeating: "[", count: 500) + String(repeating: "]", count: 500)).utf8)
        #expect(throws: DecodingError.self) { try ResultJSON.decode([Int].self, from: fine) }  // an array, not [Int]'s
        #expect(try ResultJSON.decode([[Int]].self, from: Data("[[]]".utf8)) == [[]])
    }
}

/// An object of one member, whose key is `name`.
private struct OneKey: Encodable {
    var name: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encode(1, forKey: AnyKey(stringValue: name))
    }
}

/// The keys of `keyShapes` an object has, asked for one by one as a type with fixed keys asks.
private struct FoundKeys: Decodable {
    var found: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        found = keyShapes.filter { container.contains(AnyKey(stringValue: $0)) }
        for key in found { _ = try container.decode(Int.self, forKey: AnyKey(stringValue: key)) }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private let keyShapes = ["a", "ab", "aB", "abcDef", "readmissions30Days", "p95TimeToBedMinutes", "timeAtOrAbove85Percent",
                         "URL", "URLValue", "myURLValue", "edURL", "already_snake", "_leading", "trailing_", "x1Y2z",
                         "ÉtatCivil", "straßeName", "ABc", "aBC", "a_B"]

private struct Sample: Codable {
    struct Row: Codable, Hashable {
        var label: String
        var values: [Int]
    }

    enum Kind: String, Codable { case ward, critical }

    var smallSigned: Int8
    var largeUnsigned: UInt64
    var largeSigned: Int64
    var whole: Int
    var ratio: Double
    var tiny: Double
    var single: Float
    var flag: Bool
    var text: String
    var optionalPresent: Int?
    var optionalAbsent: Int?
    var rows: [Row]
    var byName: [String: Int]
    var nested: [[Double]]
    var optionals: [Int?]
    var kind: Kind
}

private struct Escapes: Codable, Equatable {
    var a: String
    var b: [Double]
}

private struct Whole: Codable {
    var whole: Int
}
