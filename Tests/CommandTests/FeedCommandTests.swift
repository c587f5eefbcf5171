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
        #expect(result.stderr.contains("location 'WD99' is not in") && result.stderr.contains("1 patient there is not"))
        let text = try String(contentsOf: census, encoding: .utf8)
        #expect(text.contains("Ward 7 (care of the elderly)") && text.contains("Ward 5 (general medicine)"))
        #expect(!text.contains(sender), "identifiers never reach the census")
        // The census file is one a forecast reads.
        let forecast = try CLI.run(["forecast", CLI.repository("scenarios/general-hospital.yaml"), "--census", census.path,
                                    "--days", "2", "--replications", "2"], environment: environment, directory: directory)
        #expect(forecast.status == 0, "\(forecast.stderr)")
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
