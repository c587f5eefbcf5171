import Foundation
import Testing
import TestSupport

@Suite("the feed from the command line", .enabled(if: TestDatabase.runs("the feed from the command line")), .serialized)
struct FeedCommandTests {
    static let key = "a test key of at least thirty-two characters, never a trust's"

    /// Messages from a sender unique to this run (the test database is shared).
    static func messages(_ sender: String) -> String {
        func message(_ control: String, _ event: String, _ mrn: String, _ time: String, _ location: String) -> String {
            "MSH|^~\\&|PAS|\(sender)|TWIN|RXX|2026\(time)||ADT^\(event)|\(control)|P|2.5\rEVN|\(event)|||||2026\(time)\r"
                + "PID|1||\(mrn)^^^RXX^MR||Doe^Jo||19400101|F\rPV1|1|I|\(location)|E\r"
        }
        return ["a line that is not a message", message("C1", "A04", "\(sender)-1", "06010800", "ED"), message("C2", "A01", "\(sender)-1", "06011000", "AMU"),
                message("C3", "A02", "\(sender)-1", "06021000", "WD07"), message("C4", "A01", "\(sender)-2", "06011100", "WD99"),
                message("C5", "A01", "\(sender)-3", "06011100", "WD05"), message("C6", "A99", "\(sender)-3", "06011200", "WD05")].joined(separator: "\n") + "\n"
    }

    @Test("ingest stores each message once and quarantines what it cannot apply; census writes the census a forecast reads")
    func ingestAndCensus() throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sender = "S\(UUID().uuidString.prefix(8))"
        let file = directory.appendingPathComponent("feed.hl7")
        try Self.messages(sender).write(to: file, atomically: true, encoding: .utf8)
        let environment = CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "",
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": Self.key])
        let first = try CLI.run(["ingest", file.path], environment: environment, directory: directory)
        #expect(first.status == 1 && first.stdout.contains("6 messages: 5 applied, 0 already applied (retransmissions), 1 quarantined"),
                "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("message C6 quarantined") && first.stderr.contains("A99"))
        #expect(first.stderr.contains("skipped") && first.stderr.contains("before any MSH"), "the stray line is reported")
        let again = try CLI.run(["ingest", file.path], environment: environment, directory: directory)
        #expect(again.status == 1 && again.stdout.contains("0 applied, 5 already applied"), "\(again.stdout)")
        let census = directory.appendingPathComponent("census.csv")
        let result = try CLI.run(["census", CLI.repository("scenarios/general-hospital.yaml"), "--at", "2026-06-02T12:00",
                                  "-o", census.path], environment: environment, directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("location 'WD99' is not in") && result.stderr.contains("1 patient there is not")
            && result.stderr.contains("(placed by message C4)"), "\(result.stderr)")
        let text = try String(contentsOf: census, encoding: .utf8)
        #expect(text.contains("Ward 7 (care of the elderly)") && text.contains("Ward 5 (general medicine)"))
        #expect(!text.contains(sender), "identifiers never reach the census")
        // The same census as JSON (aggregate per unit, the rows keyed by column) and as CSV on standard output.
        let json = try CLI.run(["census", CLI.repository("scenarios/general-hospital.yaml"), "--at", "2026-06-02T12:00",
                                "--format", "json"], environment: environment, directory: directory)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let units = try #require(object["units"] as? [[String: Any]])
        #expect(units.contains { $0["unit"] as? String == "Ward 7 (care of the elderly)" && ($0["patients"] as? Int ?? 0) >= 1 })
        #expect((object["unmapped"] as? [[String: Any]])?.contains { $0["code"] as? String == "WD99" } == true)
        let csv = try CLI.run(["census", CLI.repository("scenarios/general-hospital.yaml"), "--at", "2026-06-02T12:00",
                               "--format", "csv"], environment: environment, directory: directory)
        #expect(csv.stdout.hasPrefix("patient_id,unit,admitted_at"))
        // The census file is one a forecast reads.
        let forecast = try CLI.run(["forecast", CLI.repository("scenarios/general-hospital.yaml"), "--census", census.path,
                                    "--days", "2", "--replications", "2"], environment: environment, directory: directory)
        #expect(forecast.status == 0, "\(forecast.stderr)")
    }

    @Test("ingest reads FHIR R4 NDJSON: each encounter's events stored once, what it cannot read reported")
    func ingestFHIR() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let id = "f\(UUID().uuidString.prefix(8))"
        let lines = [
            #"{"resourceType":"Patient","id":"\#(id)","gender":"male","birthDate":"1950-03-04"}"#,
            #"{"resourceType":"Encounter","id":"\#(id)","status":"finished","class":{"code":"EMER"},"subject":{"reference":"Patient/\#(id)"},"period":{"start":"2026-06-01T08:00:00+01:00","end":"2026-06-01T11:00:00+01:00"},"location":[{"location":{"reference":"Location/ED"}}]}"#,
            #"{"resourceType":"Procedure","id":"x"}"#,
        ]
        let file = directory.appendingPathComponent("export.ndjson")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let environment = CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "",
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": Self.key])
        let first = try CLI.run(["ingest", file.path], environment: environment, directory: directory)
        #expect(first.status == 0 && first.stdout.contains("2 messages: 2 applied"), "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("export.ndjson:3: resourceType 'Procedure' is not read"), "\(first.stderr)")
        let again = try CLI.run(["ingest", file.path], environment: environment, directory: directory)
        #expect(again.stdout.contains("0 applied, 2 already applied"), "\(again.stdout)")
    }

    @Test("ingest reads an HL7 file of any length as a stream (300 MiB here); a FHIR file over its limit is refused first")
    func ingestLongFile() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sender = "L\(UUID().uuidString.prefix(8))"
        // 300 MiB of NUL bytes without a line end (sparse on disk), then messages: more than the 256 MiB a file
        // read whole may have, read in bounded memory. The stray line of 29 bytes after the NULs is skipped with
        // them, as every line before the next MSH is.
        let file = directory.appendingPathComponent("long.hl7")
        #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 300 << 20)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + Self.messages(sender)).utf8))
        try handle.close()
        // A FHIR file over its limit, refused before anything is stored (the first file is not ingested either).
        let fhir = directory.appendingPathComponent("big.json")
        try Data("{".utf8).write(to: fhir)
        let fhirHandle = try FileHandle(forWritingTo: fhir)
        try fhirHandle.truncate(atOffset: 257 << 20)
        try fhirHandle.close()
        let environment = CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "",
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": Self.key])
        let refused = try CLI.run(["ingest", file.path, fhir.path], environment: environment, directory: directory)
        #expect(refused.status == 1 && refused.stderr.contains("big.json: is 257 MiB, more than the 256 MiB a FHIR JSON file may be")
            && !refused.stdout.contains("messages"), "\(refused.stdout)\(refused.stderr)")
        let result = try CLI.run(["ingest", file.path], environment: environment, directory: directory)
        #expect(result.status == 1 && result.stdout.contains("6 messages: 5 applied"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("long.hl7: skipped line 1: a message or line of \((300 << 20) + 1 + 29) bytes, over the 1048576"),
                "\(result.stderr)")
        let again = try CLI.run(["ingest", file.path], environment: environment, directory: directory)
        #expect(again.stdout.contains("0 applied, 5 already applied"), "nothing stored twice: \(again.stdout)")
    }

    @Test("census -o refuses to write over its scenario, and checks the destination before reading the log")
    func censusOutputChecked() throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = directory.appendingPathComponent("hospital.yaml")
        try FileManager.default.copyItem(atPath: CLI.repository("scenarios/general-hospital.yaml"), toPath: scenario.path)
        let before = try Data(contentsOf: scenario)
        let environment = CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "",
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": Self.key])
        let over = try CLI.run(["census", scenario.path, "-o", scenario.path], environment: environment, directory: directory)
        #expect(over.status == 2 && over.stderr.contains("an input of this command"), "\(over.stderr)")
        #expect(try Data(contentsOf: scenario) == before, "the scenario is untouched")
        let folder = try CLI.run(["census", scenario.path, "-o", directory.path], environment: environment, directory: directory)
        #expect(folder.status == 2 && !folder.stderr.contains("database:"), "refused before the database is used: \(folder.stderr)")
    }

    @Test("without a pseudonym key nothing is stored, and the message says how to give one")
    func needsKey() throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("feed.hl7")
        try Self.messages("K").write(to: file, atomically: true, encoding: .utf8)
        let result = try CLI.run(["ingest", file.path],
                                 environment: CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? ""]),
                                 directory: directory)
        #expect(result.status == 2 && result.stderr.contains("HOSPITAL_TWIN_PSEUDONYM_KEY"), "\(result.stderr)")
        let short = try CLI.run(["ingest", file.path], environment: CLI.environment([
            "HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "", "HOSPITAL_TWIN_PSEUDONYM_KEY": "short"]), directory: directory)
        #expect(short.status == 2 && short.stderr.contains("at least 32"))
    }
}

/// A TCP client for the listener test.
private final class Client {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) } }

    /// Reads until `frames` end blocks have arrived (or the timeout).
    func receive(frames: Int) -> [String] {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while buffer.filter({ $0 == 0x1C }).count < frames {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            buffer += chunk[0..<n]
        }
        return buffer.split(separator: 0x1C).map { String(decoding: $0.filter { $0 != 0x0B }, as: UTF8.self) }
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }
}

@Suite("the MLLP listener", .enabled(if: TestDatabase.runs("the MLLP listener")), .serialized)
struct ListenCommandTests {
    @Test("frames split anywhere are stored, then acknowledged: AA, AR with ERR, none when MSH-15 says ER; SIGTERM stops it")
    func listen() throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("listen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "",
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": FeedCommandTests.key])
        let listener = try CLI.Running(["listen", "--mllp", "127.0.0.1:0"], environment: environment, directory: directory)
        defer { if listener.isRunning { kill(listener.pid, SIGKILL); _ = listener.wait() } }
        #expect(listener.waitForError(containing: "listening for MLLP on", seconds: 30), "\(listener.stderr)")
        let line = listener.stderr.components(separatedBy: "\n").first { $0.contains("listening for MLLP on") } ?? ""
        let port = try #require(UInt16(line.components(separatedBy: ":").last ?? ""))
        let sender = "L\(UUID().uuidString.prefix(8))"
        func message(_ control: String, _ event: String, _ location: String, ack: String = "") -> [UInt8] {
            Array(("MSH|^~\\&|PAS|\(sender)|TWIN|RXX|202606011000||ADT^\(event)|\(control)|P|2.5|||\(ack)\r"
                + "EVN|\(event)|||||202606011000\rPID|1||\(sender)-1^^^RXX^MR||Doe^Jo||19400101|F\rPV1|1|I|\(location)\r").utf8)
        }
        let client = try Client(port: port)
        let stream = Array("noise".utf8) + MLLPFrames.frame(message("C1", "A01", "AMU"))
            + MLLPFrames.frame(message("C2", "A99", "AMU")) + MLLPFrames.frame(message("C3", "A02", "WD07", ack: "ER"))
            + MLLPFrames.frame(message("C1", "A01", "AMU"))
        for start in stride(from: 0, to: stream.count, by: 5) { client.send(Array(stream[start..<min(start + 5, stream.count)])) }
        let acks = client.receive(frames: 3)
        #expect(acks.count == 3, "\(acks)")
        #expect(acks.first?.contains("MSA|AA|C1") == true && acks.first?.contains("MSH|^~\\&|TWIN|RXX|PAS|\(sender)|") == true)
        #expect(acks.dropFirst().first?.contains("MSA|AR|C2") == true && acks.dropFirst().first?.contains("ERR|||201^") == true)
        #expect(acks.last?.contains("MSA|AA|C1") == true, "the retransmission is acknowledged; C3 (ER, applied) is not")
        kill(listener.pid, SIGTERM)
        #expect(listener.wait() == 0 && listener.stderr.contains("stopping"))
        #expect(listener.stderr.contains("dropped 5 bytes outside any MLLP frame"))
        // Everything acknowledged is stored: the census sees the transfer to Ward 7.
        let census = try CLI.run(["census", CLI.repository("scenarios/general-hospital.yaml"), "--at", "2026-06-01T12:00",
                                  "-o", directory.appendingPathComponent("census.csv").path],
                                 environment: environment, directory: directory)
        #expect(census.status == 0)
        let text = try String(contentsOf: directory.appendingPathComponent("census.csv"), encoding: .utf8)
        #expect(text.contains("Ward 7 (care of the elderly)"))
    }
}

/// MLLP framing for the test's client (the product's is in HL7, which this target does not link).
enum MLLPFrames {
    static func frame(_ message: [UInt8]) -> [UInt8] { [0x0B] + message + [0x1C, 0x0D] }
}
