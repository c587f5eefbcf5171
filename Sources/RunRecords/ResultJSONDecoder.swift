import Foundation

extension ResultJSON {
    /// Decodes `type` from the form, as `decoder()` does, about ten times faster: Foundation's decoder takes some
    /// 38 ms of CPU for one replication of the general hospital's year (183 kB), and a run of a thousand replications
    /// is read back whole to be reported or completed. Keys are matched by converting each Swift key to snake_case
    /// as the encoder does, so what the encoder wrote always reads back; the keys of a `[String: …]` dictionary are
    /// used as they are, as Foundation does. Strict where Foundation is lenient: a key twice in one object is an
    /// error, and a whole number is required where an integer is decoded. Input is the caller's to bound; nesting
    /// deeper than 512 is refused, never a stack overflow. A key is found by a scan of its object, so an object of
    /// n members read whole (a `[String: …]`) takes O(n²) comparisons: fine for the KPIs' small objects and a
    /// bounded request, not for a dictionary of a million keys.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        // The tape's offsets are 32-bit.
        guard data.count < Int(Int32.max) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a JSON text of \(data.count) bytes is over the 2 GB this reads"))
        }
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var parser = JSONTapeParser(bytes: bytes)
            let document = JSONTapeDocument(bytes: bytes, nodes: try parser.parse())
            return try T(from: JSONTapeDecoder(document: document, node: 0, codingPath: []))
        }
    }
}

/// One JSON value on the tape: a container's children follow it, and `next` is the index after its subtree.
struct JSONTapeNode {
    enum Kind: UInt8 { case object, array, string, escapedString, integer, number, `true`, `false`, null }

    var kind: Kind
    /// Byte offset of a scalar's text (a string's, inside its quotes); of a container's opening bracket.
    var start32: Int32
    /// A scalar's length in bytes; a container's number of members or elements.
    var count32: Int32
    /// The index of the node after this one's subtree.
    var next32: Int32

    init(kind: Kind, start: Int, count: Int, next: Int) {
        self.kind = kind
        (start32, count32, next32) = (Int32(truncatingIfNeeded: start), Int32(truncatingIfNeeded: count), Int32(truncatingIfNeeded: next))
    }

    var start: Int { Int(start32) }
    var count: Int {
        get { Int(count32) }
        set { count32 = Int32(truncatingIfNeeded: newValue) }
    }
    var next: Int {
        get { Int(next32) }
        set { next32 = Int32(truncatingIfNeeded: newValue) }
    }
}

/// Reads JSON (RFC 8259) into a flat tape of nodes in one pass, checking its grammar; strings and numbers are
/// converted only when decoded.
struct JSONTapeParser {
    static let maximumDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var nodes: [JSONTapeNode] = []

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parse() throws -> [JSONTapeNode] {
        nodes.reserveCapacity(bytes.count / 6)
        skipWhitespace()
        try value(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw problem("unexpected text after the JSON value") }
        return nodes
    }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw problem("nested more than \(Self.maximumDepth) deep") }
        guard let byte = peek else { throw problem("unexpected end of the text, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): try container(.object, closing: UInt8(ascii: "}"), depth: depth)
        case UInt8(ascii: "["): try container(.array, closing: UInt8(ascii: "]"), depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true", .true)
        case UInt8(ascii: "f"): try literal("false", .false)
        case UInt8(ascii: "n"): try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw problem("unexpected character '\(Self.describe(byte))', expected a value")
        }
    }

    private mutating func container(_ kind: JSONTapeNode.Kind, closing: UInt8, depth: Int) throws {
        let index = nodes.count
        nodes.append(JSONTapeNode(kind: kind, start: position, count: 0, next: 0))
        position += 1
        skipWhitespace()
        var count = 0
        if peek == closing {
            position += 1
        } else {
            while true {
                if kind == .object {
                    guard peek == UInt8(ascii: "\"") else { throw problem("expected a key in double quotes") }
                    try string()
                    skipWhitespace()
                    guard peek == UInt8(ascii: ":") else { throw problem("expected ':' after the key") }
                    position += 1
                    skipWhitespace()
                }
                try value(depth: depth + 1)
                count += 1
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    position += 1
                    skipWhitespace()
                } else if peek == closing {
                    position += 1
                    break
                } else {
                    throw problem("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
                }
            }
        }
        nodes[index].count = count
        nodes[index].next = nodes.count
    }

    private mutating func string() throws {
        position += 1
        let start = position
        var escaped = false
        while true {
            guard position < bytes.count else { throw problem("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw problem("control character U+\(String(format: "%04X", byte)) in a string must be escaped") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                position += 1
                guard position < bytes.count else { throw problem("unterminated string") }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    guard position + 4 < bytes.count, (1...4).allSatisfy({ Self.hexValue(bytes[position + $0]) != nil }) else {
                        throw problem("expected four hexadecimal digits after \\u")
                    }
                    position += 4
                default: throw problem("invalid escape '\\\(Self.describe(bytes[position]))'")
                }
            }
            position += 1
        }
        nodes.append(JSONTapeNode(kind: escaped ? .escapedString : .string, start: start, count: position - start,
                                  next: nodes.count + 1))
        position += 1
    }

    private mutating func literal(_ text: StaticString, _ kind: JSONTapeNode.Kind) throws {
        let length = text.utf8CodeUnitCount
        guard position + length <= bytes.count,
              (0..<length).allSatisfy({ bytes[position + $0] == text.utf8Start[$0] }) else {
            throw problem("unexpected text, expected a value")
        }
        nodes.append(JSONTapeNode(kind: kind, start: position, count: length, next: nodes.count + 1))
        position += length
    }

    /// RFC 8259's number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws {
        let start = position
        var whole = true
        if peek == UInt8(ascii: "-") { position += 1 }
        func digits() -> Int {
            let from = position
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
            return position - from
        }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0 else { throw problem("expected a digit") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { throw problem("a number may not start with 0") }
        if peek == UInt8(ascii: ".") {
            position += 1
            whole = false
            guard digits() > 0 else { throw problem("expected a digit after the decimal point") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            position += 1
            whole = false
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw problem("expected a digit in the exponent") }
        }
        nodes.append(JSONTapeNode(kind: whole ? .integer : .number, start: start, count: position - start,
                                  next: nodes.count + 1))
    }

    private func problem(_ message: String) -> DecodingError {
        var line = 1, column = 1
        for byte in bytes[0..<min(position, bytes.count)] {
            if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not valid JSON at line \(line), column \(column): \(message)"))
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : String(format: "\\x%02X", byte)
    }
}

/// The parsed text, its tape, and what one decoding learns once: each Swift key's snake_case bytes.
final class JSONTapeDocument {
    let bytes: UnsafeBufferPointer<UInt8>
    let nodes: [JSONTapeNode]
    private var snakeKeys: [String: [UInt8]] = [:]
    private var dictionaryKeyTypes: [ObjectIdentifier: Bool] = [:]

    init(bytes: UnsafeBufferPointer<UInt8>, nodes: [JSONTapeNode]) {
        self.bytes = bytes
        self.nodes = nodes
    }

    /// The bytes a key is written as: snake_case, as `ResultJSON.encoder()` converts it.
    func jsonKey(_ key: String) -> [UInt8] {
        if let known = snakeKeys[key] { return known }
        let converted = Array(ResultJSON.snakeCase(key).utf8)
        snakeKeys[key] = converted
        return converted
    }

    /// Whether `Key` is a `[String: …]` dictionary's own key type, whose keys Foundation's coders leave as they are.
    func isDictionaryKey<Key: CodingKey>(_ type: Key.Type) -> Bool {
        let id = ObjectIdentifier(type)
        if let known = dictionaryKeyTypes[id] { return known }
        let answer = String(reflecting: type).contains("_DictionaryCodingKey")
        dictionaryKeyTypes[id] = answer
        return answer
    }

    func string(at index: Int, codingPath: @autoclosure () -> [any CodingKey]) throws -> String {
        let node = nodes[index]
        let text = UnsafeBufferPointer(rebasing: bytes[node.start..<(node.start + node.count)])
        switch node.kind {
        case .string:
            guard let string = String(validating: text, as: UTF8.self) else {
                throw corrupted(codingPath(), "a string is not valid UTF-8")
            }
            return string
        case .escapedString:
            return try unescape(text, codingPath: codingPath())
        default:
            throw mismatch(String.self, index, codingPath())
        }
    }

    private func unescape(_ text: UnsafeBufferPointer<UInt8>, codingPath: [any CodingKey]) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 << 4 | JSONTapeParser.hexValue(text[at + $1])! }
        }
        while i < text.count {
            let byte = text[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            let escape = text[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= text.count, text[i] == UInt8(ascii: "\\"), text[i + 1] == UInt8(ascii: "u"),
                          case let low = hex4(i + 2), (0xDC00...0xDFFF).contains(low) else {
                        throw corrupted(codingPath, "a string has an unpaired surrogate \\u\(String(format: "%04X", scalar))")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw corrupted(codingPath, "a string has an unpaired surrogate \\u\(String(format: "%04X", scalar))")
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: out.append(escape)
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else {
            throw corrupted(codingPath, "a string is not valid UTF-8")
        }
        return string
    }

    func bool(at index: Int, codingPath: @autoclosure () -> [any CodingKey]) throws -> Bool {
        switch nodes[index].kind {
        case .true: true
        case .false: false
        default: throw mismatch(Bool.self, index, codingPath())
        }
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at index: Int, codingPath: @autoclosure () -> [any CodingKey]) throws -> T {
        let node = nodes[index]
        guard node.kind == .integer else { throw mismatch(type, index, codingPath()) }
        var i = node.start
        let end = node.start + node.count
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var magnitude: UInt64 = 0
        var fits = true
        while i < end {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(UInt64(bytes[i] - UInt8(ascii: "0")))
            if o1 || o2 { fits = false; break }
            magnitude = plus
            i += 1
        }
        let value: T? = if !fits {
            nil
        } else if negative {
            magnitude == 0 ? T.zero
                : magnitude - 1 <= UInt64(Int64.max) ? T(exactly: -Int64(magnitude - 1) - 1) : nil
        } else {
            T(exactly: magnitude)
        }
        guard let value else {
            throw corrupted(codingPath(), "the number \(text(of: node)) does not fit in \(T.self)")
        }
        return value
    }

    func double(at index: Int, codingPath: @autoclosure () -> [any CodingKey]) throws -> Double {
        let node = nodes[index]
        switch node.kind {
        case .integer, .number:
            let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: node.count + 1) { buffer -> Double? in
                for k in 0..<node.count { buffer[k] = CChar(bitPattern: bytes[node.start + k]) }
                buffer[node.count] = 0
                var end: UnsafeMutablePointer<CChar>?
                let parsed = strtod(buffer.baseAddress!, &end)
                return end == buffer.baseAddress! + node.count ? parsed : nil
            } ?? Double(text(of: node))
            guard let value, value.isFinite else {
                throw corrupted(codingPath(), "the number \(text(of: node)) is not representable as a Double")
            }
            return value
        case .string:
            switch text(of: node) {
            case "nan": return .nan
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: throw mismatch(Double.self, index, codingPath())
            }
        default:
            throw mismatch(Double.self, index, codingPath())
        }
    }

    /// The elements of the array at `index`, each read by `element` from its node; null elements are refused, as a
    /// primitive's are, and an element's error is given the element's coding path.
    @inline(__always)
    func array<Element>(at index: Int, codingPath: @autoclosure () -> [any CodingKey],
                        _ element: (Int) throws -> Element) throws -> [Element]
    {
        guard nodes[index].kind == .array else { throw mismatch([Element].self, index, codingPath()) }
        let count = nodes[index].count
        var result: [Element] = []
        result.reserveCapacity(count)
        var cursor = index + 1
        for position in 0..<count {
            do {
                guard nodes[cursor].kind != .null else {
                    throw DecodingError.valueNotFound(Element.self, .init(codingPath: [], debugDescription: "found null"))
                }
                result.append(try element(cursor))
            } catch let error as DecodingError {
                let path = codingPath() + [JSONTapeKey(intValue: position)]
                switch error {
                case .typeMismatch(let type, let context):
                    throw DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: context.debugDescription))
                case .valueNotFound(let type, let context):
                    throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: context.debugDescription))
                case .dataCorrupted(let context), .keyNotFound(_, let context):
                    throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: context.debugDescription))
                @unknown default:
                    throw error
                }
            }
            cursor = nodes[cursor].next
        }
        return result
    }

    func text(of node: JSONTapeNode) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[node.start..<(node.start + node.count)]), as: UTF8.self)
    }

    func mismatch(_ type: Any.Type, _ index: Int, _ codingPath: [any CodingKey]) -> DecodingError {
        let found = switch nodes[index].kind {
        case .object: "an object"
        case .array: "an array"
        case .string, .escapedString: "a string"
        case .integer, .number: "a number"
        case .true, .false: "a boolean"
        case .null: "null"
        }
        return DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(found)"))
    }

    func corrupted(_ codingPath: [any CodingKey], _ message: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: message))
    }
}

extension ResultJSON {
    /// `key` in snake_case, as Foundation's `convertToSnakeCase` writes it: words split where a lower-case letter
    /// meets a capital and before the last capital of a run of capitals followed by a lower-case letter, lower-cased
    /// and joined by "_" ("readmissions30Days" → "readmissions30_days", "edURLCount" → "ed_url_count").
    public static func snakeCase(_ key: String) -> String {
        let scalars = Array(key.unicodeScalars)
        guard scalars.count > 1 else { return key }
        var words: [Range<Int>] = []
        var wordStart = 0
        var search = 1
        while let upper = (search..<scalars.count).first(where: { scalars[$0].properties.isUppercase }) {
            words.append(wordStart..<upper)
            guard let lower = (upper..<scalars.count).first(where: { scalars[$0].properties.isLowercase }) else {
                wordStart = upper
                search = scalars.count
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(upper..<(lower - 1))
                wordStart = lower - 1
            }
            search = lower + 1
        }
        words.append(wordStart..<scalars.count)
        return words.map { range in
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[range])
            return String(word).lowercased()
        }.joined(separator: "_")
    }

    /// `key` from snake_case to camelCase, as Foundation's `convertFromSnakeCase` reads it (leading and trailing
    /// underscores kept).
    static func camelCase(_ key: String) -> String {
        guard let first = key.firstIndex(where: { $0 != "_" }) else { return key }
        var last = key.index(before: key.endIndex)
        while last > first, key[last] == "_" { key.formIndex(before: &last) }
        let words = key[first...last].split(separator: "_")
        guard words.count > 1 else { return key }
        let joined = ([words[0].lowercased()] + words.dropFirst().map { $0.capitalized }).joined()
        return String(key[..<first]) + joined + String(key[key.index(after: last)...])
    }
}

/// A coding key for an array element's position or a key read from the text.
struct JSONTapeKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

/// The `Decoder` over one node of the tape.
struct JSONTapeDecoder: Decoder {
    let document: JSONTapeDocument
    let node: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard document.nodes[node].kind == .object else {
            throw document.mismatch([String: Any].self, node, codingPath)
        }
        return KeyedDecodingContainer(JSONTapeKeyedContainer<Key>(document: document, object: node, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard document.nodes[node].kind == .array else { throw document.mismatch([Any].self, node, codingPath) }
        return JSONTapeUnkeyedContainer(document: document, array: node, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONTapeSingleValue(document: document, node: node, codingPath: codingPath)
    }
}

/// Decoding one node's value as any type: the primitives read straight from the text, the rest through their
/// `init(from:)`. Coding paths are made only for an error or a nested decoder.
protocol JSONTapeValueReader {
    var document: JSONTapeDocument { get }
}

extension JSONTapeValueReader {
    func read<T: Decodable>(_ type: T.Type, at index: Int, codingPath: @autoclosure () -> [any CodingKey]) throws -> T {
        if T.self == Double.self { return try document.double(at: index, codingPath: codingPath()) as! T }
        if T.self == Int.self { return try document.integer(Int.self, at: index, codingPath: codingPath()) as! T }
        if T.self == String.self { return try document.string(at: index, codingPath: codingPath()) as! T }
        // The columns of a replication's KPIs, read without a container per element.
        if T.self == [Int].self {
            return try document.array(at: index, codingPath: codingPath()) { try document.integer(Int.self, at: $0, codingPath: []) } as! T
        }
        if T.self == [Double].self {
            return try document.array(at: index, codingPath: codingPath()) { try document.double(at: $0, codingPath: []) } as! T
        }
        if T.self == [String].self {
            return try document.array(at: index, codingPath: codingPath()) { try document.string(at: $0, codingPath: []) } as! T
        }
        return try T(from: JSONTapeDecoder(document: document, node: index, codingPath: codingPath()))
    }

    func float(at index: Int, codingPath: @autoclosure () -> [any CodingKey]) throws -> Float {
        let value = try document.double(at: index, codingPath: codingPath())
        guard value.isNaN || Float(value).isFinite == value.isFinite else {
            throw document.corrupted(codingPath(), "the number \(value) is not representable as a Float")
        }
        return Float(value)
    }

    /// `index`, unless its value is null, which a primitive cannot be.
    func nonNull(_ index: Int, _ type: Any.Type, codingPath: @autoclosure () -> [any CodingKey]) throws -> Int {
        guard document.nodes[index].kind != .null else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath(), debugDescription: "found null"))
        }
        return index
    }
}

struct JSONTapeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol, JSONTapeValueReader {
    let document: JSONTapeDocument
    let object: Int
    let codingPath: [any CodingKey]
    private let keysAsWritten: Bool

    init(document: JSONTapeDocument, object: Int, codingPath: [any CodingKey]) {
        self.document = document
        self.object = object
        self.codingPath = codingPath
        keysAsWritten = document.isDictionaryKey(Key.self)
    }

    /// The key nodes of the members, in the text's order (each one's value is the node after it).
    private var keyNodes: [Int] {
        var keys: [Int] = []
        var key = object + 1
        for _ in 0..<document.nodes[object].count {
            keys.append(key)
            key = document.nodes[key + 1].next
        }
        return keys
    }

    var allKeys: [Key] {
        keyNodes.compactMap { index in
            // A key that is not valid UTF-8 reads with replacement characters, which then match no member: the
            // decoding that asks for it fails, naming it.
            let text = document.nodes[index].kind == .string
                ? document.text(of: document.nodes[index])
                : (try? document.string(at: index, codingPath: codingPath)) ?? document.text(of: document.nodes[index])
            return Key(stringValue: keysAsWritten ? text : ResultJSON.camelCase(text))
        }
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    /// The value node of `key`; nil when the object has no such member; an error when it has two.
    private func value(of key: Key) throws -> Int? {
        let wanted = keysAsWritten ? Array(key.stringValue.utf8) : document.jsonKey(key.stringValue)
        let nodes = document.nodes, bytes = document.bytes
        var found: Int?
        var keyIndex = object + 1
        for _ in 0..<nodes[object].count {
            let node = nodes[keyIndex]
            let matches: Bool
            if node.kind == .string {
                matches = node.count == wanted.count
                    && wanted.withUnsafeBufferPointer { memcmp($0.baseAddress!, bytes.baseAddress! + node.start, node.count) == 0 }
            } else {
                matches = try document.string(at: keyIndex, codingPath: codingPath).utf8.elementsEqual(wanted)
            }
            if matches {
                guard found == nil else {
                    throw document.corrupted(path(key), "the key '\(String(decoding: wanted, as: UTF8.self))' appears twice in one object")
                }
                found = keyIndex + 1
            }
            keyIndex = nodes[keyIndex + 1].next
        }
        return found
    }

    private func required(_ key: Key) throws -> Int {
        guard let index = try value(of: key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription:
                "no value for the key '\(keysAsWritten ? key.stringValue : ResultJSON.snakeCase(key.stringValue))'"))
        }
        return index
    }

    private func present(_ key: Key, _ type: Any.Type) throws -> Int { try nonNull(try required(key), type, codingPath: path(key)) }

    /// True when the object has `key`, or has it twice (the decoding that follows says so).
    func contains(_ key: Key) -> Bool {
        do { return try value(of: key) != nil } catch { return true }
    }

    func decodeNil(forKey key: Key) throws -> Bool { document.nodes[try required(key)].kind == .null }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try document.bool(at: try present(key, type), codingPath: path(key))
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try document.string(at: try present(key, type), codingPath: path(key))
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try document.double(at: try present(key, type), codingPath: path(key))
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try float(at: try present(key, type), codingPath: path(key))
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try document.integer(T.self, at: try present(key, T.self), codingPath: path(key))
    }

    /// Any other type, null included (an optional's `init(from:)` reads it).
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try read(type, at: try required(key), codingPath: path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try JSONTapeDecoder(document: document, node: try required(key), codingPath: path(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONTapeDecoder(document: document, node: try required(key), codingPath: path(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        try superDecoder(forKey: Key(stringValue: "super")!)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONTapeDecoder(document: document, node: try required(key), codingPath: path(key))
    }
}

struct JSONTapeUnkeyedContainer: UnkeyedDecodingContainer, JSONTapeValueReader {
    let document: JSONTapeDocument
    let codingPath: [any CodingKey]
    let count: Int?
    private(set) var currentIndex = 0
    /// The node of the element at `currentIndex`.
    private var cursor: Int
    private let elements: Int

    init(document: JSONTapeDocument, array: Int, codingPath: [any CodingKey]) {
        self.document = document
        self.codingPath = codingPath
        elements = document.nodes[array].count
        count = elements
        cursor = array + 1
    }

    var isAtEnd: Bool { currentIndex >= elements }

    private func path(_ position: Int) -> [any CodingKey] { codingPath + [JSONTapeKey(intValue: position)] }

    /// The current element's node and position, moving past it.
    private mutating func next(_ type: Any.Type) throws -> (node: Int, position: Int) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: path(currentIndex), debugDescription: "the array has no more elements"))
        }
        let element = (cursor, currentIndex)
        cursor = document.nodes[cursor].next
        currentIndex += 1
        return element
    }

    /// The current element's node, moving past it, unless it is null.
    private mutating func nextPresent(_ type: Any.Type) throws -> (node: Int, position: Int) {
        let element = try next(type)
        return (try nonNull(element.node, type, codingPath: path(element.position)), element.position)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: path(currentIndex), debugDescription: "the array has no more elements"))
        }
        guard document.nodes[cursor].kind == .null else { return false }
        _ = try next(Any.self)
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        let element = try nextPresent(type)
        return try document.bool(at: element.node, codingPath: path(element.position))
    }
    mutating func decode(_ type: String.Type) throws -> String {
        let element = try nextPresent(type)
        return try document.string(at: element.node, codingPath: path(element.position))
    }
    mutating func decode(_ type: Double.Type) throws -> Double {
        let element = try nextPresent(type)
        return try document.double(at: element.node, codingPath: path(element.position))
    }
    mutating func decode(_ type: Float.Type) throws -> Float {
        let element = try nextPresent(type)
        return try float(at: element.node, codingPath: path(element.position))
    }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private mutating func integer<T: FixedWidthInteger>() throws -> T {
        let element = try nextPresent(T.self)
        return try document.integer(T.self, at: element.node, codingPath: path(element.position))
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let element = try next(type)
        return try read(type, at: element.node, codingPath: path(element.position))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let element = try next([String: Any].self)
        return try JSONTapeDecoder(document: document, node: element.node, codingPath: path(element.position)).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let element = try next([Any].self)
        return try JSONTapeDecoder(document: document, node: element.node, codingPath: path(element.position)).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let element = try next(Any.self)
        return JSONTapeDecoder(document: document, node: element.node, codingPath: path(element.position))
    }
}

struct JSONTapeSingleValue: SingleValueDecodingContainer, JSONTapeValueReader {
    let document: JSONTapeDocument
    let node: Int
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { document.nodes[node].kind == .null }

    private func present(_ type: Any.Type) throws -> Int { try nonNull(node, type, codingPath: codingPath) }

    func decode(_ type: Bool.Type) throws -> Bool { try document.bool(at: try present(type), codingPath: codingPath) }
    func decode(_ type: String.Type) throws -> String { try document.string(at: try present(type), codingPath: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try document.double(at: try present(type), codingPath: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try float(at: try present(type), codingPath: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private func integer<T: FixedWidthInteger>() throws -> T {
        try document.integer(T.self, at: try present(T.self), codingPath: codingPath)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try read(type, at: node, codingPath: codingPath) }
}
