import Feed
import PatientTwin
import FeedStore
import Foundation
import HospitalModel
import Scenario
import Store
import Testing
import TestSupport
import Workflows

/// The shadow hospital's feed sent over MLLP by `feed emit` to `listen`, in separate processes, with the listener
/// killed (SIGKILL) part-way and started again, and later its database connections cut: the sender resends what
/// was not acknowledged, and the event log ends with exactly the census of the simulated run at every midnight.
@Suite("the feed survives a killed listener and a lost database", .enabled(if: TestDatabase.runs("the feed survives")),
       .serialized)
struct ShadowFeedCommandTests {
    @Test("feed emit --mllp into listen: SIGKILL, restart, cut connections; every midnight's census exact")
    func killedAndCut() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let facility = "K\(UUID().uuidString.prefix(8))"
        let application = "mllp-kill-\(facility)"
        let environment = CLI.environment(["HOSPITAL_TWIN_DATABASE_URL": TestDatabase.url ?? "",
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": FeedCommandTests.key])
        var listenerEnvironment = environment
        listenerEnvironment["PGAPPNAME"] = application  // so the test cuts only this listener's connections
        let scenarioPath = CLI.repository("scenarios/general-hospital.yaml")
        let faults = ["--duplicates", "0.03", "--out-of-order", "0.05", "--cancel-and-resend", "0.03", "--merges", "0.05",
                      "--malformed", "0.01"]
        let first = try CLI.Running(["listen", "--mllp", "127.0.0.1:0"], environment: listenerEnvironment, directory: directory)
        defer { if first.isRunning { kill(first.pid, SIGKILL); _ = first.wait() } }
        #expect(first.waitForError(containing: "listening for MLLP on", seconds: 30), "\(first.stderr)")
        let line = first.stderr.components(separatedBy: "\n").first { $0.contains("listening for MLLP on") } ?? ""
        let port = try #require(UInt16(line.components(separatedBy: ":").last ?? ""))
        let emit = try CLI.Running(["feed", "emit", scenarioPath, "--days", "3", "--seed", "31", "--facility", facility,
                                    "--mllp", "127.0.0.1:\(port)", "--speed", "20000"] + faults,
                                   environment: environment, directory: directory)
        defer { if emit.isRunning { kill(emit.pid, SIGKILL); _ = emit.wait() } }
        let database = try TestDatabase.connect()
        func stored() throws -> Int {
            Int(try database.query("SELECT count(*) FROM hospital_twin.feed_messages WHERE sending_facility = \(facility)")
                .rows[0][0] ?? "0") ?? 0
        }
        func waitUntilStored(_ count: Int) throws {
            let deadline = Date().addingTimeInterval(120)
            while try stored() < count, emit.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }
        try waitUntilStored(800)
        kill(first.pid, SIGKILL)
        #expect(first.wait() == 128 + SIGKILL)
        let second = try CLI.Running(["listen", "--mllp", "127.0.0.1:\(port)"], environment: listenerEnvironment, directory: directory)
        defer { if second.isRunning { kill(second.pid, SIGKILL); _ = second.wait() } }
        #expect(second.waitForError(containing: "listening for MLLP on", seconds: 30), "\(second.stderr)")
        for target in [1_600, 2_000, 2_400] {
            try waitUntilStored(target)
            let cut = try database.query("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = \(application)
                """)
            #expect(Int(cut.rows[0][0] ?? "0") ?? 0 >= 1, "a listener connection was cut")
        }
        #expect(emit.wait() == 0, "\(emit.stderr)")
        #expect(emit.stderr.contains("resent after a failed connection"), "\(emit.stderr)")
        #expect(second.stderr.contains("no acknowledgement (the sender will resend)"), "\(second.stderr)")
        kill(second.pid, SIGTERM)
        _ = second.wait()

        // The simulated run, in this process: the same scenario, seed and faults give the same messages.
        let scenario = try Scenario.load(path: scenarioPath)
        let prepared = try PreparedScenario(scenario, file: scenarioPath,
                                            plan: RunSettings(horizonDays: 3, warmUpDays: 0, replications: 1, seed: 31))
        let feed = try ShadowHospital.emit(prepared, days: 3, seed: 31,
                                           faults: FeedFaults(duplicates: 0.03, outOfOrder: 0.05, cancelAndResend: 0.03,
                                                              merges: 0.05, malformed: 0.01),
                                           sender: FeedSender(application: ShadowHospital.sender.application, facility: facility))
        let distinct = Set(feed.messages.filter { !$0.malformed }.map(\.bytes)).count
        #expect(try stored() == distinct, "every message applied once")
        let store = try FeedStore(connection: TestDatabase.connect(),
                                  pseudonymiser: Pseudonymiser(key: Array(FeedCommandTests.key.utf8)),
                                  timeZone: scenario.configuration.timeZone)
        let all = try store.events(through: feed.midnights.last?.epochMinute ?? 0)
        // Other tests' events are in June; this feed's are in January. Only this facility's count.
        let mine = all.filter { $0.event.controlID.hasPrefix("SH") }
        #expect(feed.midnights.count >= 3)
        for midnight in feed.midnights {
            let census = PatientLedger.census(of: mine, at: midnight.epochMinute)
            var fed: [String: Int] = [:], simulated: [String: Int] = [:]
            for patient in census.inHospital {
                let news2 = patient.vitals.flatMap { $0.missingParameters.isEmpty ? NEWS2Score($0).total : nil }
                fed["\(patient.location?.pointOfCare ?? "-") \(patient.admitted) \(news2.map(String.init) ?? "-")", default: 0] += 1
            }
            for patient in midnight.patients {
                let code: String, admitted: Bool
                switch patient.place {
                case .emergencyDepartment(let decided): (code, admitted) = (feed.codes.emergencyDepartment, decided)
                case .unit(let unit): (code, admitted) = (feed.codes.units[unit], true)
                case .theatres: (code, admitted) = (feed.codes.theatres ?? "", true)
                }
                simulated["\(code) \(admitted) \(patient.news2.map(String.init) ?? "-")", default: 0] += 1
            }
            #expect(fed == simulated, "midnight \(Int(midnight.epochMinute)): \(fed.count) places fed, \(simulated.count) simulated")
        }
    }

    @Test("the database stopped under a running listener: no acknowledgement, no crash; started again, nothing lost")
    func databaseDown() throws {
        let directory = try CLI.temporaryDirectory()
        let environment = CLI.environment(["HOSPITAL_TWIN_HOME": directory.appendingPathComponent("home").path,
                                           "HOSPITAL_TWIN_PSEUDONYM_KEY": FeedCommandTests.key])
        defer {
            _ = try? CLI.run(["db", "stop"], environment: environment, directory: directory)
            try? FileManager.default.removeItem(at: directory)
        }
        let listener = try CLI.Running(["listen", "--mllp", "127.0.0.1:0"], environment: environment, directory: directory)
        defer { if listener.isRunning { kill(listener.pid, SIGKILL); _ = listener.wait() } }
        #expect(listener.waitForError(containing: "listening for MLLP on", seconds: 60), "\(listener.stderr)")
        let line = listener.stderr.components(separatedBy: "\n").first { $0.contains("listening for MLLP on") } ?? ""
        let port = try #require(UInt16(line.components(separatedBy: ":").last ?? ""))
        let emit = try CLI.Running(["feed", "emit", CLI.repository("scenarios/general-hospital.yaml"), "--days", "2",
                                    "--mllp", "127.0.0.1:\(port)", "--speed", "20000"], environment: environment, directory: directory)
        defer { if emit.isRunning { kill(emit.pid, SIGKILL); _ = emit.wait() } }
        Thread.sleep(forTimeInterval: 4)
        let stop = try CLI.run(["db", "stop"], environment: environment, directory: directory)
        #expect(stop.stdout.contains("stopped the embedded cluster"), "\(stop)")
        Thread.sleep(forTimeInterval: 3)
        let start = try CLI.run(["db", "start"], environment: environment, directory: directory)
        #expect(start.status == 0, "\(start)")
        #expect(emit.wait() == 0, "\(emit.stderr)")
        let sent = try #require(CLI.number(after: "sent ", in: emit.stderr))
        #expect(emit.stderr.contains("acknowledged AA \(sent)") && emit.stderr.contains("resent after a failed connection"),
                "\(emit.stderr)")
        #expect(listener.isRunning, "the listener did not stop")
        #expect(listener.stderr.contains("no acknowledgement (the sender will resend)")
            || listener.stderr.contains("the database cannot be used"), "\(listener.stderr)")
        let quarantine = try CLI.run(["feed", "quarantine"], environment: environment, directory: directory)
        #expect(quarantine.stdout.contains("\(sent) messages applied; 0 in quarantine"), "\(quarantine.stdout)")
        kill(listener.pid, SIGTERM)
        #expect(listener.wait() == 0)
    }
}
