import CSVFiles
import Foundation
import Testing

@Suite("CSV")
struct CSVTests {
    static func records(_ text: String) throws -> (header: [String], records: [CSVRecord]) {
        let reader = try CSVReader(text: text)
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        return (reader.header, records)
    }

    @Test("quoted fields, doubled quotes, embedded commas and line breaks; records know their first line")
    func rfc4180() throws {
        let text = "id, name ,note\r\n1,\"Smith, J\",\"said \"\"hi\"\"\"\n\n2,Ó'Neill,\"two\nlines\"\n3,,\n"
        let (header, records) = try Self.records(text)
        #expect(header == ["id", "name", "note"])
        #expect(records.map(\.fields) == [["1", "Smith, J", "said \"hi\""], ["2", "Ó'Neill", "two\nlines"], ["3", "", ""]])
        #expect(records.map(\.line) == [2, 4, 6])
    }

    @Test("a byte-order mark and a missing final line break are accepted")
    func bomAndNoFinalNewline() throws {
        let (header, records) = try Self.records("\u{FEFF}a,b\n1,2")
        #expect(header == ["a", "b"] && records.map(\.fields) == [["1", "2"]])
    }

    @Test("malformed quoting is reported with its line", arguments: [
        ("a,b\n1,\"open\n2,3\n", "<input>:2: unterminated quoted field"),
        ("a,b\n1,2\n3,x\"y\n", "<input>:3: a quote inside an unquoted field: quote the whole field and double the quote"),
        ("a,b\n\"1\"x,2\n", "<input>:2: text after a closing quote: expected a comma or the end of the line"),
        ("", "<input>:1: the file is empty: expected a header line"),
    ])
    func malformed(text: String, message: String) {
        let error = #expect(throws: CSVError.self) { _ = try Self.records(text) }
        #expect(error?.description == message)
    }

    @Test("columns are found by name, ignoring case and spaces")
    func columnLookup() throws {
        let reader = try CSVReader(text: "Spo2 , on_oxygen\n")
        #expect(reader.column("spo2") == 0 && reader.column("ON_OXYGEN") == 1 && reader.column("pulse") == nil)
    }

    @Test("the writer quotes only what needs quoting, and reading it back gives the same fields")
    func roundTrip() throws {
        let rows = [["plain", "with, comma", "with \"quote\"", " padded", "line\nbreak", ""]]
        #expect(CSVWriter.line(rows[0]) == "plain,\"with, comma\",\"with \"\"quote\"\"\",\" padded\",\"line\nbreak\",")
        let (header, records) = try Self.records(CSVWriter.line(["h1", "h2", "h3", "h4", "h5", "h6"]) + "\n"
            + CSVWriter.line(rows[0]) + "\n")
        #expect(header.count == 6 && records.map(\.fields) == rows)
    }

    @Test("a large file streams: 200,000 records read back in order")
    func largeFile() throws {
        let path = NSTemporaryDirectory() + "csv-large-\(getpid()).csv"
        defer { unlink(path) }
        var text = "n,square\n"
        for n in 0..<200_000 { text += "\(n),\(n * n)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try CSVReader(path: path)
        var count = 0
        while let record = try reader.next() {
            #expect(record.fields[0] == String(count))
            count += 1
        }
        #expect(count == 200_000)
    }

    @Test("an atomic file appears only when committed")
    func atomicFile() throws {
        let path = NSTemporaryDirectory() + "atomic-\(getpid()).txt"
        defer { unlink(path) }
        do {
            let file = try AtomicFile(path: path)
            file.write("half")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let file = try AtomicFile(path: path)
        file.write("whole")
        try file.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "whole")
    }
}
