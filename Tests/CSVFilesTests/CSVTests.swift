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

    @Test("a named pipe is written in place, never replaced by a file; a symbolic link keeps pointing at its file")
    func devicesAndLinks() throws {
        let directory = NSTemporaryDirectory() + "atomic-special-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A pipe stands for /dev/null and /dev/stdout: renaming a file over it would destroy it (as root, the device).
        let pipe = directory + "/pipe"
        #expect(mkfifo(pipe, 0o600) == 0)
        let received = directory + "/received"
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat \"$0\" > \"$1\"", pipe, received]
        try reader.run()
        let file = try AtomicFile(path: pipe)
        file.write("through the pipe")
        try file.commit()
        reader.waitUntilExit()
        var status = stat()
        #expect(stat(pipe, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "still a pipe")
        #expect(try String(contentsOfFile: received, encoding: .utf8) == "through the pipe")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: directory)).contains { $0.contains("partial") })
        // A link: the file it names is replaced whole, the link stays a link.
        let real = directory + "/real.csv", link = directory + "/link.csv"
        try "old".write(toFile: real, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let linked = try AtomicFile(path: link)
        linked.write("new")
        try linked.commit()
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        #expect(try String(contentsOfFile: real, encoding: .utf8) == "new")
        // A folder is refused, with its name.
        #expect(throws: OutputFileError.self) { _ = try AtomicFile(path: directory) }
    }
}

@Suite("typed records")
struct TypedRecordTests {
    @Test("every bad field is reported as FILE:LINE: column 'x': expected …, found '…', and reading goes on")
    func locatedProblems() throws {
        let reader = try CSVRecordReader(text: "id,age,ok,when\na,42,yes,\nb,-3,maybe,x\nc,7\nd,1,1,2,extra\n", name: "f.csv",
                                         required: ["id", "age"])
        var seen: [(String, [String])] = []
        while var record = reader.next() {
            _ = record.integer("age", in: 0...120)
            _ = record.boolean("ok", ifEmpty: false)
            _ = record.optionalValue("when", expected: "a number") { Double($0) }
            seen.append((record.text("id"), record.problems))
        }
        #expect(seen.map(\.0) == ["a", "b", "c", "d"])
        #expect(seen[0].1.isEmpty)
        #expect(seen[1].1 == ["f.csv:3: column 'age': expected a whole number between 0 and 120, found '-3'",
                              "f.csv:3: column 'ok': expected true or false (also yes/no, y/n, 1/0), found 'maybe'",
                              "f.csv:3: column 'when': expected a number, found 'x'"])
        #expect(seen[2].1.isEmpty)  // a short row: the missing fields are empty (ok falls back to false)
        #expect(seen[3].1 == ["f.csv:5: expected 4 fields as in the header, found 5"])
    }

    @Test("missing columns are listed together; names match ignoring case; a stray quote is a record's problem")
    func columnsAndSyntax() throws {
        let error = #expect(throws: CSVError.self) {
            _ = try CSVRecordReader(text: "ID,x\n1,2\n", name: "g.csv", required: ["id", "age", "sex"])
        }
        #expect(error?.description == "g.csv:1: missing columns 'age', 'sex'; expected the columns id, age, sex")
        let reader = try CSVRecordReader(text: "ID,x\n1,\"2\"z\n3,4\n", name: "g.csv", required: ["id"])
        let bad = try #require(reader.next())
        #expect(!bad.isWellFormed && bad.problems == ["g.csv:2: text after a closing quote: expected a comma or the end of the line"])
        #expect(reader.next()?.text("id") == "3")
        #expect(reader.next() == nil)
    }

    @Test("the boolean vocabulary is the same for every format", arguments: [
        ("true", true), ("YES", true), ("y", true), ("1", true), ("False", false), ("no", false), ("N", false), ("0", false),
    ])
    func booleans(text: String, value: Bool) {
        #expect(CSVTypedRecord.parseBoolean(text) == value)
    }
}

@Suite("CSV cells a spreadsheet would run")
struct CSVInjectionTests {
    @Test("text starting =, +, -, @, tab or CR is neutralised with a quote mark; numbers, negative ones too, stay numbers",
          arguments: [
              ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+1+2", "'+1+2"), ("-A1", "'-A1"),
              ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\r=1", "'\r=1"),
              ("-3.5", "-3.5"), ("+12", "+12"), ("-0", "-0"), ("1e-3", "1e-3"), ("Ward 7", "Ward 7"),
          ])
    func neutralised(cell: String, written: String) {
        #expect(CSVWriter.neutralised(cell) == written)
        #expect(CSVWriter.line([cell]).contains(written.replacingOccurrences(of: "\"", with: "\"\"")))
    }
}

@Suite("text that is not UTF-8")
struct CSVEncodingTests {
    @Test("a Latin-1 file is refused at its line and column, never read as mangled names")
    func latin1() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latin1-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = Array("unit,name\nA,ok\nB,Ren".utf8)
        bytes.append(0xE9)  // é in Latin-1
        bytes += Array("e\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try CSVReader(path: path)
        #expect(try reader.next()?.fields == ["A", "ok"])
        let error = #expect(throws: CSVError.self) { try reader.next() }
        #expect(error?.description == "\(path):3: column 2: not UTF-8 text (a file saved as Latin-1 or Windows-1252?); save it as UTF-8",
                "\(String(describing: error))")
    }
}
