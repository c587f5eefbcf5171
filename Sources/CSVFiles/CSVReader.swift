import Foundation

/// One CSV record: its fields and the line of the file it starts on (1-based, the header being line 1).
public struct CSVRecord: Sendable, Hashable {
    /// The fields, unquoted.
    public let fields: [String]
    /// The physical line the record starts on.
    public let line: Int

    /// A record.
    public init(fields: [String], line: Int) {
        self.fields = fields
        self.line = line
    }
}

/// A problem reading a CSV file, located by file and line.
public struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or "<input>").
    public let file: String
    /// The line the problem is on (1-based).
    public let line: Int
    /// What is wrong.
    public let message: String

    /// A located error.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// "episodes.csv:12: unterminated quoted field" ("episodes.csv: cannot open: …" when no line applies).
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// A streaming reader of comma-separated values as RFC 4180 defines them: fields may be quoted with ", a quote
/// inside a quoted field is doubled, quoted fields may span lines; CRLF and LF line ends and a UTF-8 byte-order
/// mark are accepted. It reads the file in 64 KiB blocks, so memory does not grow with the file, and it knows the
/// line each record starts on, so that every error can name it.
///
///     let reader = try CSVReader(path: "vitals.csv")
///     let columns = reader.header            // ["respiration_rate", "spo2", …]
///     while let record = try reader.next() { … record.fields, record.line … }
public final class CSVReader {
    /// The file's name for messages.
    public let name: String
    /// The header's column names, trimmed of surrounding spaces.
    public private(set) var header: [String] = []

    private let source: ByteSource
    private var line = 1
    private var finished = false

    /// Opens `path` and reads its header. Throws when the file cannot be read or has no header.
    public convenience init(path: String, limit: InputLimit = .records) throws(CSVError) {
        do { try InputFile.check(path, limit) } catch {
            throw CSVError(file: path, line: 0, message: error.message)
        }
        guard let file = fopen(path, "rb") else {
            throw CSVError(file: path, line: 0, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        try self.init(name: path, source: ByteSource(file: file))
    }

    /// Reads CSV text held in memory.
    public convenience init(text: String, name: String = "<input>") throws(CSVError) {
        try self.init(name: name, source: ByteSource(bytes: Array(text.utf8)))
    }

    private init(name: String, source: ByteSource) throws(CSVError) {
        self.name = name
        self.source = source
        source.skipByteOrderMark()
        guard let first = try next() else {
            throw CSVError(file: name, line: 1, message: "the file is empty: expected a header line")
        }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    deinit { source.close() }

    /// The position of a column by name, ignoring case and surrounding spaces; nil when absent.
    public func column(_ name: String) -> Int? {
        let wanted = name.lowercased()
        return header.firstIndex { $0.lowercased() == wanted }
    }

    /// After `next()` threw, skips the rest of the offending line so that reading can go on with the next record.
    public func skipRestOfLine() {
        while let byte = source.next() {
            if byte == UInt8(ascii: "\n") {
                line += 1
                return
            }
        }
        finished = true
    }

    /// A field's bytes as text; a byte sequence that is not UTF-8 (a file saved as Latin-1 or Windows-1252, whose
    /// names would otherwise be mangled silently) is an error at its line and column.
    func text(_ bytes: [UInt8], line: Int, column: Int) throws(CSVError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CSVError(file: name, line: line, message: "column \(column): not UTF-8 text (a file saved as Latin-1 or "
                + "Windows-1252?); save it as UTF-8")
        }
        return text
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public func next() throws(CSVError) -> CSVRecord? {
        while !finished {
            var start = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            var afterQuote = false
            var sawAnything = false
            while true {
                guard let byte = source.next() else {
                    finished = true
                    if quoted { throw CSVError(file: name, line: start, message: "unterminated quoted field") }
                    if sawAnything {
                        fields.append(try text(field, line: start, column: fields.count + 1))
                        return CSVRecord(fields: fields, line: start)
                    }
                    return nil
                }
                sawAnything = true
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if source.peek() == UInt8(ascii: "\"") {
                            _ = source.next()
                            field.append(byte)
                        } else {
                            quoted = false
                            afterQuote = true
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: ","):
                    fields.append(try text(field, line: start, column: fields.count + 1))
                    field.removeAll(keepingCapacity: true)
                    afterQuote = false
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    if byte == UInt8(ascii: "\r") && source.peek() == UInt8(ascii: "\n") { _ = source.next() }
                    line += 1
                    if fields.isEmpty && field.isEmpty && !afterQuote {
                        sawAnything = false
                        start = line
                        continue  // a blank line
                    }
                    fields.append(try text(field, line: start, column: fields.count + 1))
                    return CSVRecord(fields: fields, line: start)
                case UInt8(ascii: "\""):
                    if field.isEmpty && !afterQuote {
                        quoted = true
                    } else {
                        throw CSVError(file: name, line: line,
                                       message: "a quote inside an unquoted field: quote the whole field and double the quote")
                    }
                default:
                    if afterQuote {
                        throw CSVError(file: name, line: line,
                                       message: "text after a closing quote: expected a comma or the end of the line")
                    }
                    field.append(byte)
                }
            }
        }
        return nil
    }
}

/// Bytes from a file, read in 64 KiB blocks, or from memory.
private final class ByteSource {
    private let file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8]
    private var position = 0
    private var count: Int

    init(file: UnsafeMutablePointer<FILE>) {
        self.file = file
        buffer = [UInt8](repeating: 0, count: 1 << 16)
        count = 0
    }

    init(bytes: [UInt8]) {
        file = nil
        buffer = bytes
        count = bytes.count
    }

    func skipByteOrderMark() {
        guard peek() == 0xEF, count - position >= 3, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF
        else { return }
        position += 3
    }

    func peek() -> UInt8? {
        if position == count {
            guard let file else { return nil }
            count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            position = 0
            if count == 0 { return nil }
        }
        return buffer[position]
    }

    func next() -> UInt8? {
        guard let byte = peek() else { return nil }
        position += 1
        return byte
    }

    func close() {
        if let file { fclose(file) }
    }
}
