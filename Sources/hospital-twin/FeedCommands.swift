import ArgumentParser
import CSVFiles
import Feed
import FeedStore
import Foundation
import HL7
import PatientTwin
import Reports
import Scenario
import Simulation
import Store
import Workflows

/// Opens the feed's log: the database of `database`, the pseudonym key from the environment. Exits 2 without one.
func openFeedStore(_ database: DatabaseOptions, timeZone: TimeZone) throws -> FeedStore {
    let pseudonymiser: Pseudonymiser
    do { pseudonymiser = try Pseudonymiser.fromEnvironment() } catch {
        printError(error.description)
        throw ExitCode(2)
    }
    let location = try database.location()
    do {
        let store = try FeedStore(connection: try DatabaseConnection(url: location.connectionString), pseudonymiser: pseudonymiser,
                                  timeZone: timeZone)
        printError("database: \(location)")
        return store
    } catch {
        printError("cannot use the database \(location): \(error)")
        throw ExitCode(2)
    }
}

/// A time zone option, checked.
func zone(named name: String) throws -> TimeZone {
    guard let zone = TimeZone(identifier: name) else {
        throw ValidationError("--time-zone: unknown time zone '\(name)'; expected an IANA name such as Europe/London")
    }
    return zone
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store HL7 v2 messages from files in the feed's event log (pseudonymised; each message once).",
        discussion: """
            Each file holds MLLP frames, or messages one after another (each MSH line starts one; CR, LF or CRLF \
            segment ends). Every message is parsed, checked and stored with its identifiers replaced by keyed \
            pseudonyms (HOSPITAL_TWIN_PSEUDONYM_KEY or HOSPITAL_TWIN_PSEUDONYM_KEY_FILE), in its own transaction; a \
            retransmission (the same sender, facility and MSH-10, the same content) is recognised and not applied \
            again; a message that cannot be applied is kept in the quarantine with why (hospital-twin feed \
            quarantine). Docs/FEED.md.
            """)

    @Argument(help: "Files of HL7 v2 messages.")
    var files: [String]

    @Option(help: "The hospital's time zone, for message times without an offset (IANA name).")
    var timeZone = "Europe/London"

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let zone = try zone(named: timeZone)
        var contents: [(String, MessageFiles.Contents)] = []
        for file in files {
            do { contents.append((file, MessageFiles.messages(in: [UInt8](try InputFile.read(file, .messages))))) } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        let store = try openFeedStore(database, timeZone: zone)
        let started = Date()
        var applied = 0, duplicates = 0, quarantined: [String: Int] = [:]
        for (file, content) in contents {
            for note in content.skipped { printError("\(file): skipped \(note)") }
            for message in content.messages {
                let receipt = try storeCall { try store.receive(message, source: "file:" + (file as NSString).lastPathComponent) }
                switch receipt.receipt {
                case .applied: applied += 1
                case .duplicate: duplicates += 1
                case .quarantined(let id, let outcome):
                    let reason: String = switch outcome {
                    case .error(_, let why), .rejected(_, let why): why
                    case .accepted: ""
                    }
                    printError("\(file): message \(receipt.message?.controlID ?? "?") quarantined (\(id)): \(reason)")
                    quarantined[reason.components(separatedBy: ":").first ?? reason, default: 0] += 1
                }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let total = applied + duplicates + quarantined.values.reduce(0, +)
        printOut("\(total) messages: \(applied) applied, \(duplicates) already applied (retransmissions), "
            + "\(quarantined.values.reduce(0, +)) quarantined; \(String(format: "%.1f", seconds)) s")
        if !quarantined.isEmpty { throw ExitCode(1) }
    }
}

struct FeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed", abstract: "The hospital feed's event log: what is stored, and the quarantine.",
        subcommands: [Quarantine.self])

    struct Quarantine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the messages kept in quarantine, oldest first, with the HL7 condition and why.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let store = try openFeedStore(database, timeZone: TimeZone(identifier: "UTC")!)
            let (applied, _) = try storeCall { try store.counts() }
            let rows = try storeCall { try store.quarantined() }
            var table = [["id", "received", "source", "control id", "condition", "reason"]]
            for row in rows {
                table.append(["\(row.id)", row.receivedAt, row.source, row.controlID, row.condition, row.reason])
            }
            printOut("\(applied) messages applied; \(rows.count) in quarantine")
            if rows.count > 0 { printOut(TextTable.render(table)) }
        }
    }
}

struct CensusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "census",
        abstract: "The patients in hospital at a time, from the feed's event log alone, in the census format.",
        discussion: """
            Replays the event log up to --at (nothing after it is used): each patient placed by the scenario's \
            locations: section; codes it does not map are reported with how many patients were there. With -o the \
            census file is written (forecast --census reads it). Docs/FEED.md.
            """)

    @Argument(help: "The scenario (its units, locations and time zone).")
    var file: String

    @Option(help: "The time, local (YYYY-MM-DDTHH:MM; default: now).")
    var at: String?

    @Option(name: .shortAndLong, help: "Write the census file here.")
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let at, LocalDateTime(parsing: at) == nil {
            throw ValidationError("--at must be a local time YYYY-MM-DDTHH:MM, found '\(at)'")
        }
    }

    func run() throws {
        let scenario = try Inputs.scenario(file)
        if let output {
            // The census file must not replace an input (the scenario or a file it extends), and must be writable,
            // before the log is read.
            if let input = ([file] + scenario.sourceFiles).first(where: { FileIdentity($0) == FileIdentity(output) }) {
                printError("-o \(output) is \(input), an input of this command: writing the census there would destroy it")
                throw ExitCode(2)
            }
            if let problem = FileIdentity.cannotWrite(output) {
                printError("-o \(output): \(problem)")
                throw ExitCode(2)
            }
        }
        let zone = scenario.configuration.timeZone
        let minute = at.flatMap(LocalDateTime.init(parsing:)).map { ForecastStart.epochMinute(of: $0, in: zone) }
            ?? (Date().timeIntervalSince1970 / 60).rounded(.down)
        let destination = try output.map { try AtomicFile(path: $0) }
        let store = try openFeedStore(database, timeZone: zone)
        let events = try storeCall { try store.events(through: minute) }
        let live = LiveCensus.build(PatientLedger.census(of: events, at: minute), scenario: scenario)
        var perUnit: [String: Int] = [:]
        for row in live.rows where row[1] != "discharged" { perUnit[row[1], default: 0] += 1 }
        var table = [["unit", "patients", "beds"]]
        for unit in scenario.configuration.units {
            table.append([unit.name, "\(perUnit[unit.name] ?? 0)", "\(unit.beds)"])
        }
        table.append(["emergency_department", "\(perUnit["emergency_department"] ?? 0)", ""])
        printOut("census at \(RecordTime.format(minute)) from \(events.count) events: \(live.inHospital) in hospital, "
            + "\(live.recentDischarges) discharged in the 30 days before")
        printOut(TextTable.render(table))
        for (code, patients, messages) in live.unmapped {
            printError("location '\(code)' is not in \(file)'s locations: \(patients) patient\(patients == 1 ? "" : "s") "
                + "there \(patients == 1 ? "is" : "are") not in the census (placed by message\(messages.count == 1 ? "" : "s") "
                + messages.prefix(10).joined(separator: ", ") + (messages.count > 10 ? ", …" : "") + ")")
        }
        for note in live.notes.prefix(20) { printError(note) }
        if live.notes.count > 20 { printError("… and \(live.notes.count - 20) more notes") }
        if let destination {
            live.write(to: CSVWriter(handle: destination.handle))
            try destination.commit()
        }
    }
}

struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive the hospital's HL7 v2 messages over MLLP and acknowledge each once it is stored.",
        discussion: """
            Each connection is served on its own thread with its own database connection; each message is stored \
            as ingest stores it (each once, pseudonymised, or quarantined with why) and only then acknowledged — \
            AA, AE or AR in original mode, or the commit acknowledgement MSH-15 asks for. If the database fails, no \
            acknowledgement is sent and the connection is closed, so the sender resends. SIGTERM or SIGINT stops \
            it. Docs/FEED.md.
            """)

    @Option(help: "HOST:PORT to listen on (IPv4; PORT alone listens on 127.0.0.1; 2575 is MLLP's usual port; 0 lets the system choose, and the port is printed).")
    var mllp = "127.0.0.1:2575"

    @Option(help: "The hospital's time zone, for message times without an offset (IANA name).")
    var timeZone = "Europe/London"

    @Option(help: "Close a connection silent for this many seconds.")
    var idleSeconds = 300

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard address != nil else { throw ValidationError("--mllp must be HOST:PORT or PORT (0-65535; 0: the system chooses), found '\(mllp)'") }
        guard (1...86_400).contains(idleSeconds) else {
            throw ValidationError("--idle-seconds must be from 1 to 86,400, found \(idleSeconds)")
        }
    }

    var address: (host: String, port: UInt16)? {
        let parts = mllp.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts.count == 2 ? String(parts[0]) : "127.0.0.1"
        guard parts.count <= 2, let port = UInt16(parts.last ?? ""), !host.isEmpty else { return nil }
        return (host, port)
    }

    func run() throws {
        let zone = try zone(named: timeZone)
        guard let address else { throw ExitCode(2) }
        let pseudonymiser: Pseudonymiser
        do { pseudonymiser = try Pseudonymiser.fromEnvironment() } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let location = try database.location()
        let url = location.connectionString
        // The database must be usable before the port opens: a sender connecting gets acknowledgements, not silence.
        do { _ = try FeedStore(connection: DatabaseConnection(url: url), pseudonymiser: pseudonymiser, timeZone: zone) } catch {
            printError("cannot use the database \(location): \(error)")
            throw ExitCode(2)
        }
        printError("database: \(location)")
        var settings = MLLPListener.Settings(host: address.host, port: address.port)
        settings.idleSeconds = idleSeconds
        let listener = MLLPListener(settings: settings, openStore: {
            try FeedStore(connection: DatabaseConnection(url: url), pseudonymiser: pseudonymiser, timeZone: zone)
        }, log: { printError($0) })
        let port: UInt16
        do { port = try listener.bind() } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        printError("listening for MLLP on \(address.host):\(port)")
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                printError("stopping: no new connections")
                listener.stop()
            }
            source.resume()
            sources.append(source)
        }
        listener.serve()
        _ = sources
    }
}
