/// Parses HL7 v2 messages (`HL7Message`): bounded, and refusing with a located reason rather than guessing.
public enum HL7Parser {
    static let carriageReturn: UInt8 = 0x0D
    static let lineFeed: UInt8 = 0x0A

    /// Parses one message. A UTF-8 byte-order mark and blank lines before MSH are skipped; segments end at CR, CRLF
    /// or — in a message with no CR at all — LF (a lone LF in a message that has CRs is text, kept in its field).
    public static func parse(_ bytes: [UInt8], limits: HL7Limits = HL7Limits()) throws(HL7ParseError) -> HL7Message {
        guard bytes.count <= limits.messageBytes else {
            throw HL7ParseError(segment: 0, segmentName: "", field: 0,
                                problem: "the message is \(bytes.count) bytes; at most \(limits.messageBytes) are read")
        }
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        while start < bytes.count, bytes[start] == carriageReturn || bytes[start] == lineFeed || bytes[start] == 0x20 {
            start += 1
        }
        let lines = segmentLines(bytes[start...])
        guard let header = lines.first, header.count >= 3, Array(header.prefix(3)) == Array("MSH".utf8) else {
            throw HL7ParseError(segment: 1, segmentName: "", field: 0,
                                problem: "a message starts with an MSH segment; found '\(preview(lines.first ?? []))'")
        }
        guard lines.count <= limits.segments else {
            throw HL7ParseError(segment: 0, segmentName: "", field: 0,
                                problem: "the message has \(lines.count) segments; at most \(limits.segments) are read")
        }
        let encoding = try readEncoding(header)
        let rawHeader = try split(header, segment: 1, name: "MSH", encoding: encoding, limits: limits)
        let characterSet = try readCharacterSet(rawHeader, encoding: encoding)
        var segments: [HL7Segment] = []
        segments.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let name = try segmentName(line, index: index + 1, encoding: encoding)
            if index > 0 && name == "MSH" {
                // Found by fuzzing: a later MSH cannot be read as a segment of this message (its MSH-1 and MSH-2 are
                // delimiters, not fields); it is the start of another message.
                throw HL7ParseError(segment: index + 1, segmentName: "MSH", field: 0,
                                    problem: "a second MSH segment: a message has one; send each message in its own frame "
                                        + "(in a file, start each on a new line)")
            }
            let raw = index == 0 ? rawHeader : try split(line, segment: index + 1, name: name, encoding: encoding, limits: limits)
            var fields: [HL7Field] = []
            fields.reserveCapacity(raw.count)
            for (f, field) in raw.enumerated() {
                let number = f + 1
                if index == 0 && number <= 2 {
                    // MSH-1 and MSH-2 are the delimiters themselves: kept as they are.
                    fields.append(HL7Field(repetitions: [[[try decode(field, characterSet, index + 1, name, number)]]]))
                    continue
                }
                fields.append(try parseField(field, encoding: encoding, characterSet: characterSet, limits: limits,
                                             segment: index + 1, name: name, number: number))
            }
            segments.append(HL7Segment(name: name, fields: fields))
        }
        return HL7Message(segments: segments, encoding: encoding, characterSet: characterSet)
    }

    // MARK: Segments and delimiters

    /// The message's segments as byte ranges, empty lines dropped.
    static func segmentLines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        let hasCR = bytes.contains(carriageReturn)
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            if hasCR ? byte == carriageReturn : byte == lineFeed {
                if i > lineStart { lines.append(bytes[lineStart..<i]) }
                i += 1
                // CRLF: the LF belongs to the segment end.
                if hasCR, i < bytes.endIndex, bytes[i] == lineFeed { i += 1 }
                lineStart = i
                continue
            }
            i += 1
        }
        if lineStart < bytes.endIndex { lines.append(bytes[lineStart..<bytes.endIndex]) }
        return lines
    }

    /// MSH-1 and MSH-2: the field separator, then two to five encoding characters up to the next field separator.
    static func readEncoding(_ header: ArraySlice<UInt8>) throws(HL7ParseError) -> HL7Encoding {
        let bytes = Array(header)
        func fail(_ problem: String) -> HL7ParseError {
            HL7ParseError(segment: 1, segmentName: "MSH", field: 2, problem: problem)
        }
        guard bytes.count >= 6 else { throw fail("MSH ends before its field separator and encoding characters") }
        let field = bytes[3]
        func isDelimiter(_ byte: UInt8) -> Bool {
            let isLetterOrDigit = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            return byte > 0x20 && byte < 0x7F && !isLetterOrDigit
        }
        guard isDelimiter(field) else {
            throw HL7ParseError(segment: 1, segmentName: "MSH", field: 1,
                                problem: "the field separator must be a printable ASCII character that is not a letter or "
                                    + "digit; found '\(preview(header.dropFirst(3).prefix(1)))'")
        }
        var characters: [UInt8] = []
        var i = 4
        while i < bytes.count, bytes[i] != field {
            characters.append(bytes[i])
            i += 1
        }
        guard (2...5).contains(characters.count) else {
            throw fail("expected 2 to 5 encoding characters (usually ^~\\&) after the field separator, found "
                + "\(characters.count)")
        }
        let all = [field] + characters
        for byte in characters where !isDelimiter(byte) {
            throw fail("a delimiter must be a printable ASCII character that is not a letter or digit; found byte \(byte)")
        }
        guard Set(all).count == all.count else { throw fail("the delimiters '\(String(decoding: all, as: UTF8.self))' repeat one") }
        return HL7Encoding(field: field, component: characters[0], repetition: characters[1],
                           escape: characters.count > 2 ? characters[2] : nil,
                           subcomponent: characters.count > 3 ? characters[3] : nil,
                           truncation: characters.count > 4 ? characters[4] : nil)
    }

    /// A segment's name: three upper-case letters or digits, then a field separator or the segment's end.
    static func segmentName(_ line: ArraySlice<UInt8>, index: Int, encoding: HL7Encoding) throws(HL7ParseError) -> String {
        let bytes = Array(line.prefix(4))
        let nameBytes = bytes.prefix(3)
        let valid = nameBytes.count == 3 && nameBytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
            && (bytes.count == 3 || bytes[3] == encoding.field)
        guard valid else {
            throw HL7ParseError(segment: index, segmentName: "", field: 0,
                                problem: "expected a segment name of three capital letters or digits and a field "
                                    + "separator; found '\(preview(line))'")
        }
        return String(decoding: nameBytes, as: UTF8.self)
    }

    /// The raw fields of a segment; for MSH, field 1 is the separator and field 2 the encoding characters.
    static func split(_ line: ArraySlice<UInt8>, segment: Int, name: String, encoding: HL7Encoding, limits: HL7Limits)
        throws(HL7ParseError) -> [ArraySlice<UInt8>]
    {
        var fields: [ArraySlice<UInt8>] = []
        var rest = line.dropFirst(3)
        if name == "MSH" {
            let separatorIndex = rest.startIndex
            fields.append(rest[separatorIndex...separatorIndex])
            rest = rest.dropFirst()
            let end = rest.firstIndex(of: encoding.field) ?? rest.endIndex
            fields.append(rest[rest.startIndex..<end])
            rest = rest[end...]
        }
        guard !rest.isEmpty else { return fields }
        rest = rest.dropFirst()  // the separator before the first field
        var fieldStart = rest.startIndex
        for i in rest.indices where rest[i] == encoding.field {
            fields.append(rest[fieldStart..<i])
            fieldStart = i + 1
            guard fields.count <= limits.fields else { throw tooMany("fields", limits.fields, segment, name, 0) }
        }
        fields.append(rest[fieldStart..<rest.endIndex])
        guard fields.count <= limits.fields else { throw tooMany("fields", limits.fields, segment, name, 0) }
        return fields
    }

    static func tooMany(_ what: String, _ limit: Int, _ segment: Int, _ name: String, _ field: Int) -> HL7ParseError {
        HL7ParseError(segment: segment, segmentName: name, field: field, problem: "more than \(limit) \(what)")
    }

    /// MSH-18, the character set: empty, "UNICODE UTF-8" or "UTF-8" (UTF-8), "ASCII", or "8859/1".
    /// The name is read as any field is (in the message's own delimiters, escape sequences undone), so a message
    /// whose escape character appears in the name ("UTF-8" under escape character "-") reads the same once written
    /// back (found by fuzzing).
    static func readCharacterSet(_ header: [ArraySlice<UInt8>], encoding: HL7Encoding) throws(HL7ParseError) -> HL7CharacterSet {
        guard header.count >= 18 else { return .utf8 }
        let raw = header[17]
        // The first repetition's first component names the set; the others name alternates for escape sequences.
        let first = raw.prefix { $0 != encoding.repetition && $0 != encoding.component && $0 != encoding.subcomponent }
        let name = String(decoding: unescape(first, encoding), as: UTF8.self)
            .trimmingCharacters(in: " ").uppercased()
        switch name {
        case "", "UNICODE UTF-8", "UTF-8", "UTF8": return .utf8
        case "ASCII": return .ascii
        case "8859/1": return .latin1
        default:
            throw HL7ParseError(segment: 1, segmentName: "MSH", field: 18,
                                problem: "character set '\(name)' is not read; expected one of ASCII, 8859/1, UNICODE UTF-8")
        }
    }

    // MARK: Fields

    static func parseField(_ raw: ArraySlice<UInt8>, encoding: HL7Encoding, characterSet: HL7CharacterSet, limits: HL7Limits,
                           segment: Int, name: String, number: Int) throws(HL7ParseError) -> HL7Field
    {
        var repetitions: [[[String]]] = []
        for repetition in pieces(raw, encoding.repetition) {
            guard repetitions.count < limits.repetitions else {
                throw tooMany("repetitions", limits.repetitions, segment, name, number)
            }
            var components: [[String]] = []
            for component in pieces(repetition, encoding.component) {
                var subcomponents: [String] = []
                for leaf in encoding.subcomponent.map({ pieces(component, $0) }) ?? [component] {
                    subcomponents.append(try decode(unescape(leaf, encoding), characterSet, segment, name, number))
                }
                components.append(subcomponents)
            }
            repetitions.append(components)
        }
        return HL7Field(repetitions: repetitions)
    }

    /// `bytes` split at every `separator` (at least one piece).
    static func pieces(_ bytes: ArraySlice<UInt8>, _ separator: UInt8) -> [ArraySlice<UInt8>] {
        bytes.split(separator: separator, omittingEmptySubsequences: false)
    }

    // MARK: Escapes and text

    /// A leaf with its escape sequences replaced: \F\ \S\ \T\ \R\ \E\ (and \P\, the truncation character) by the
    /// delimiter, \Xhh…\ by its bytes, \.br\ by a line feed, \H\ and \N\ (highlighting) by nothing. A sequence this
    /// parser does not interpret (\Cxxyy\, \Mxxyyzz\, \Zxx\, other formatting commands), a malformed one and an
    /// unclosed one stay as text.
    static func unescape(_ leaf: ArraySlice<UInt8>, _ encoding: HL7Encoding) -> ArraySlice<UInt8> {
        guard let escape = encoding.escape, leaf.contains(escape) else { return leaf }
        var out: [UInt8] = []
        out.reserveCapacity(leaf.count)
        var i = leaf.startIndex
        while i < leaf.endIndex {
            let byte = leaf[i]
            guard byte == escape, let close = leaf[(i + 1)...].firstIndex(of: escape), close > i + 1 else {
                out.append(byte)
                i += 1
                continue
            }
            let body = Array(leaf[(i + 1)..<close])
            if let replacement = interpret(body, encoding) {
                out += replacement
            } else {
                out += leaf[i...close]
            }
            i = close + 1
        }
        return out[...]
    }

    static func interpret(_ body: [UInt8], _ encoding: HL7Encoding) -> [UInt8]? {
        if body.count == 1 {
            switch body[0] {
            case UInt8(ascii: "F"): return [encoding.field]
            case UInt8(ascii: "S"): return [encoding.component]
            case UInt8(ascii: "R"): return [encoding.repetition]
            case UInt8(ascii: "E"): return encoding.escape.map { [$0] }
            case UInt8(ascii: "T"): return encoding.subcomponent.map { [$0] }
            case UInt8(ascii: "P"): return encoding.truncation.map { [$0] }
            case UInt8(ascii: "H"), UInt8(ascii: "N"): return []
            default: return nil
            }
        }
        if body == Array(".br".utf8) { return [lineFeed] }
        if body.first == UInt8(ascii: "X"), body.count >= 3, (body.count - 1) % 2 == 0 {
            var bytes: [UInt8] = []
            var j = 1
            while j < body.count {
                guard let high = hexValue(body[j]), let low = hexValue(body[j + 1]) else { return nil }
                bytes.append(high << 4 | low)
                j += 2
            }
            return bytes
        }
        return nil
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// Text in the message's character set; bytes that are not valid in it are refused with where they are.
    static func decode(_ bytes: ArraySlice<UInt8>, _ characterSet: HL7CharacterSet, _ segment: Int, _ name: String,
                       _ field: Int) throws(HL7ParseError) -> String
    {
        switch characterSet {
        case .latin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .ascii:
            if let bad = bytes.first(where: { $0 >= 0x80 }) {
                throw HL7ParseError(segment: segment, segmentName: name, field: field,
                                    problem: "byte \(bad) is not ASCII, the character set MSH-18 names")
            }
            return String(decoding: bytes, as: UTF8.self)
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw HL7ParseError(segment: segment, segmentName: name, field: field,
                                    problem: "the text is not valid UTF-8 (MSH-18 names UTF-8 or no character set; "
                                        + "a Latin-1 feed must say 8859/1)")
            }
            return text
        }
    }

    /// Up to 20 characters of a line, for a message.
    static func preview(_ line: ArraySlice<UInt8>) -> String {
        String(decoding: line.prefix(20).map { $0 < 0x20 || $0 >= 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
