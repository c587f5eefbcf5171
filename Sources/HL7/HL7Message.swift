/// An HL7 version 2 message, parsed as the reference parsers (HAPI, python-hl7, hl7apy) parse one: the delimiters
/// from MSH-1 and MSH-2 of this message, segments split at carriage returns (or at line feeds in a message that has
/// none), every field split into repetitions, components and subcomponents, and every leaf unescaped and decoded
/// in the character set MSH-18 names.
///
/// Fields are numbered as the standard numbers them: `segment.field(3)` is PID-3. In MSH, field 1 is the field
/// separator itself and field 2 the encoding characters, both kept as they are (never split or unescaped).
public struct HL7Message: Sendable, Hashable {
    /// In the order received; the first is MSH.
    public let segments: [HL7Segment]
    /// The delimiters this message declared.
    public let encoding: HL7Encoding
    /// The character set its text was decoded from (MSH-18; UTF-8 when absent).
    public let characterSet: HL7CharacterSet

    /// A message of these segments (the first must be MSH, with MSH-1 and MSH-2 the encoding's delimiters).
    public init(segments: [HL7Segment], encoding: HL7Encoding, characterSet: HL7CharacterSet) {
        precondition(segments.first?.name == "MSH", "a message starts with MSH")
        self.segments = segments
        self.encoding = encoding
        self.characterSet = characterSet
    }

    /// The segments named `name` ("PID"), in order.
    public func segments(named name: String) -> [HL7Segment] { segments.filter { $0.name == name } }

    /// The first segment named `name`, if any.
    public func segment(_ name: String) -> HL7Segment? { segments.first { $0.name == name } }

    /// MSH-9: the message type, trigger event and structure ("ADT", "A01", "ADT_A01"); empty strings where absent.
    public var messageType: (code: String, event: String, structure: String) {
        let msh = segments[0]
        return (msh[9, component: 1], msh[9, component: 2], msh[9, component: 3])
    }

    /// MSH-10, the message control id.
    public var controlID: String { segments[0][10] }
}

/// One segment: its three-character name and its fields.
public struct HL7Segment: Sendable, Hashable {
    /// "MSH", "PID", "ZXY": three upper-case letters or digits.
    public let name: String
    /// Field n at index n − 1 (for MSH, index 0 is MSH-1, the field separator).
    public let fields: [HL7Field]

    /// A segment named `name` (three capitals or digits) with `fields` (field n at index n − 1).
    public init(name: String, fields: [HL7Field]) {
        self.name = name
        self.fields = fields
    }

    /// Field `number` (1-based, as the standard numbers it), nil when the segment is shorter.
    public func field(_ number: Int) -> HL7Field? {
        number >= 1 && number <= fields.count ? fields[number - 1] : nil
    }

    /// The text of field `number`'s repetition `repetition` (1-based), component and subcomponent (1-based); empty
    /// when any of them is absent.
    public subscript(number: Int, repetition repetition: Int = 1, component component: Int = 1,
                     subcomponent subcomponent: Int = 1) -> String
    {
        field(number)?.value(repetition: repetition, component: component, subcomponent: subcomponent) ?? ""
    }
}

/// One field: its repetitions, each a list of components, each a list of subcomponents (decoded text).
public struct HL7Field: Sendable, Hashable {
    /// At least one repetition; an empty field is one repetition of one empty component.
    public let repetitions: [[[String]]]

    /// A field of these repetitions (none: one empty repetition).
    public init(repetitions: [[[String]]]) {
        self.repetitions = repetitions.isEmpty ? [[[""]]] : repetitions
    }

    /// The text at a repetition, component and subcomponent (1-based); "" when absent.
    public func value(repetition: Int = 1, component: Int = 1, subcomponent: Int = 1) -> String {
        guard repetition >= 1, repetition <= repetitions.count else { return "" }
        let components = repetitions[repetition - 1]
        guard component >= 1, component <= components.count else { return "" }
        let subcomponents = components[component - 1]
        guard subcomponent >= 1, subcomponent <= subcomponents.count else { return "" }
        return subcomponents[subcomponent - 1]
    }

    /// True when every leaf is empty.
    public var isEmpty: Bool { repetitions.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isEmpty) } } }
}

/// The delimiters a message declares in MSH-1 and MSH-2 (each one ASCII byte).
public struct HL7Encoding: Sendable, Hashable {
    /// MSH-1, the field separator (usually `|`).
    public let field: UInt8
    /// The component separator (usually `^`).
    public let component: UInt8
    /// The repetition separator (usually `~`).
    public let repetition: UInt8
    /// nil when MSH-2 declares none (escape sequences are then plain text).
    public let escape: UInt8?
    /// nil when MSH-2 declares none (subcomponents are then not split).
    public let subcomponent: UInt8?
    /// HL7 2.7's truncation character, when declared; kept as text.
    public let truncation: UInt8?

    /// Delimiters as MSH-1 and MSH-2 declare them.
    public init(field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8?, subcomponent: UInt8?, truncation: UInt8?) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = truncation
    }

    /// The usual `|^~\&`.
    public static let standard = HL7Encoding(field: 0x7C, component: 0x5E, repetition: 0x7E, escape: 0x5C,
                                             subcomponent: 0x26, truncation: nil)
}

/// The character sets a message may name in MSH-18 that this parser decodes (HL7 table 0211).
public enum HL7CharacterSet: String, Sendable, Hashable, CaseIterable {
    /// "ASCII": 7-bit; a byte above 127 is an error.
    case ascii = "ASCII"
    /// "8859/1": ISO Latin-1, each byte one character.
    case latin1 = "8859/1"
    /// "UNICODE UTF-8" (also read: "UTF-8", and MSH-18 empty).
    case utf8 = "UNICODE UTF-8"
}

/// Limits every message is held to before and while it is parsed; a message beyond one is refused whole.
public struct HL7Limits: Sendable, Hashable {
    /// Bytes in one message (1 MiB: an ADT message is a few kilobytes; a report with embedded text rarely 100 kB).
    public var messageBytes = 1 << 20
    /// Segments in one message.
    public var segments = 10_000
    /// Fields in one segment.
    public var fields = 1_000
    /// Repetitions of one field.
    public var repetitions = 1_000

    /// The defaults above.
    public init() {}
}

/// Why a message could not be parsed, and where.
public struct HL7ParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based position of the segment in the message (0: the message as a whole).
    public let segment: Int
    /// Its name when known ("" otherwise).
    public let segmentName: String
    /// 1-based field number (0: the segment as a whole).
    public let field: Int
    /// What was wrong and what was expected.
    public let problem: String

    /// "PID (segment 2), field 5: …".
    public var description: String {
        guard segment > 0 else { return problem }
        let name = segmentName.isEmpty ? "segment \(segment)" : "\(segmentName) (segment \(segment))"
        return field > 0 ? "\(name), field \(field): \(problem)" : "\(name): \(problem)"
    }
}

extension HL7Message {
    /// The message written back in its own delimiters, every leaf escaped (`HL7Escaping`), segments ended by CR:
    /// parsing the bytes gives this message again.
    public var bytes: [UInt8] {
        let e = encoding
        var out: [UInt8] = []
        out.reserveCapacity(segments.count * 80)
        func append(_ text: String) {
            switch characterSet {
            case .utf8: out += text.utf8
            case .latin1, .ascii:
                // Text came from bytes of this set, so each scalar fits; one that does not (set by a caller) becomes "?".
                let limit: UInt32 = characterSet == .latin1 ? 0xFF : 0x7F
                for scalar in text.unicodeScalars { out.append(scalar.value <= limit ? UInt8(scalar.value) : UInt8(ascii: "?")) }
            }
        }
        for (index, segment) in segments.enumerated() {
            append(segment.name)
            for (f, value) in segment.fields.enumerated() {
                if index == 0 && f < 2 {
                    if f == 1 {  // MSH-2 as it is; MSH-1 is the separator itself
                        out.append(e.field)
                        append(value.value())
                    }
                    continue
                }
                out.append(e.field)
                for (r, components) in value.repetitions.enumerated() {
                    if r > 0 { out.append(e.repetition) }
                    for (c, subcomponents) in components.enumerated() {
                        if c > 0 { out.append(e.component) }
                        for (s, leaf) in subcomponents.enumerated() {
                            if s > 0, let subcomponent = e.subcomponent { out.append(subcomponent) }
                            append(HL7Escaping.escape(leaf, e))
                        }
                    }
                }
            }
            out.append(0x0D)
        }
        return out
    }

    /// The same message with segment `index` replaced.
    public func replacing(segment index: Int, with segment: HL7Segment) -> HL7Message {
        var segments = segments
        segments[index] = segment
        return HL7Message(segments: segments, encoding: encoding, characterSet: characterSet)
    }
}
