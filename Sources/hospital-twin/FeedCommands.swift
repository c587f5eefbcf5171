import ArgumentParser
import CSVFiles
import Feed
import FeedStore
import Foundation
import HL7
import PatientTwin
import Reports
import RunRecords
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

/// The feed's event log up to `through` (epoch minutes), read from `database` with the hospital's `timeZone`; says
/// on standard error how many events and how long it took.
func readFeedLog(_ database: DatabaseOptions, timeZone: TimeZone, through: Double) throws -> [ReceivedEvent] {
    let feed = try openFeedStore(database, timeZone: timeZone)
    let started = Date()
    let events = try storeCall { try feed.events(through: through) }
    printError("read \(events.count) events of the feed's log in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    return events
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
        abstract: "Store HL7 v2 messages and FHIR R4 resources from files in the feed's event log (pseudonymised; each once).",
        discussion: """
            Each file holds MLLP frames, or messages one after another (each MSH line starts one; CR, LF or CRLF \
            segment ends), or FHIR R4 JSON: a Bulk Data export (NDJSON), a Bundle, or one resource (Patient, \
            Encounter, Location, Observation), each event stored as the HL7 v2 message it means. Every message is parsed, checked and stored with its identifiers replaced by keyed \
            pseudonyms (HOSPITAL_TWIN_PSEUDONYM_KEY or HOSPITAL_TWIN_PSEUDONYM_KEY_FILE), in its own transaction; a \
            retransmission (the same sender, facility and MSH-10, the same content) is recognised and not applied \
            again; a message that cannot be applied is kept in the quarantine with why (hospital-twin feed \
            quarantine). Docs/FEED.md.
            """)

    @Argument(help: "Files of HL7 v2 messages or FHIR R4 resources.")
    var files: [String]

    @Option(help: "The hospital's time zone, for message times without an offset (IANA name).")
    var timeZone = "Europe/London"

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let zone = try zone(named: timeZone)
        // Every file is checked, and FHIR told from HL7 v2 by its first bytes, before anything is stored.
        var isFHIR: [Bool] = []
        for file in files {
            do {
                isFHIR.append(FHIRResources.looksLikeFHIR(try InputFile.head(file, .messages, count: 4096)))
                if isFHIR.last == true { try InputFile.check(file, .fhir) }
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        let store = try openFeedStore(database, timeZone: zone)
        let started = Date()
        var applied = 0, duplicates = 0, quarantined: [String: Int] = [:]
        func keep(_ content: MessageFiles.Contents, from file: String) throws {
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
        for (file, fhir) in zip(files, isFHIR) {
            do {
                if fhir {
                    let bytes = [UInt8](try InputFile.read(file, .fhir))
                    let resources = FHIRResources.events(in: bytes, file: file, timeZone: zone)
                    for note in resources.skipped { printError("skipped \(note)") }  // each names its file and line
                    try keep(MessageFiles.Contents(messages: FHIRResources.messages(resources, timeZone: zone)), from: file)
                } else {
                    // Message by message as the file is read: memory stays bounded whatever its length.
                    var splitter = MessageSplitter()
                    try InputFile.forEachChunk(file, .messages) { try keep(splitter.append($0), from: file) }
                    try keep(splitter.finish(), from: file)
                }
            } catch let error as InputFileError {
                printError(error.description + (applied + duplicates > 0 ? "; the messages before it are stored" : ""))
                throw ExitCode(1)
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
        commandName: "feed", abstract: "The hospital feed's event log: what is stored, the quarantine, and a shadow hospital's feed.",
        subcommands: [Quarantine.self, Replay.self, Emit.self])

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply quarantined messages again, once what kept them out is fixed.",
            discussion: """
                Each message that now reads is moved from the quarantine into the event log in one transaction (a \
                message applied since, a retransmission, just leaves the quarantine); one that still cannot be \
                applied stays, with why. Exit status 1 when any stays. Docs/FEED.md.
                """)

        @Argument(help: "Quarantine ids (hospital-twin feed quarantine lists them).")
        var ids: [Int64] = []

        @Flag(help: "Replay every quarantined message.")
        var all = false

        @Option(help: "The hospital's time zone, for message times without an offset (IANA name).")
        var timeZone = "Europe/London"

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard all != !ids.isEmpty else { throw ValidationError("name quarantine ids, or --all") }
        }

        func run() throws {
            let store = try openFeedStore(database, timeZone: try zone(named: timeZone))
            let chosen = all ? try storeCall { try store.quarantinedIDs() } : ids
            var applied = 0, already = 0, stayed = 0
            for id in chosen {
                let outcome: FeedStore.Replay
                do { outcome = try store.replay(id) } catch let error as FeedStoreError {
                    printError(error.problem)
                    stayed += 1
                    continue
                } catch {
                    printError("the database failed replaying \(id): \(error)")
                    throw ExitCode(1)
                }
                switch outcome {
                case .applied(let row):
                    applied += 1
                    printOut("\(id): applied (message \(row))")
                case .alreadyApplied(let row):
                    already += 1
                    printOut("\(id): already applied as message \(row); out of the quarantine")
                case .stillRefused(let reason):
                    stayed += 1
                    printOut("\(id): still refused: \(reason)")
                }
            }
            printError("\(applied) applied, \(already) already applied, \(stayed) still in the quarantine")
            if stayed > 0 { throw ExitCode(1) }
        }
    }

    struct Emit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write or send the HL7 v2 messages a simulated hospital's PAS and observation charts would send.",
            discussion: """
                One replication of the scenario from its start for --days (after --warmup days sending nothing; from an empty hospital without): an A04 at each ED \
                arrival, A01 at the decision to admit (or an elective admission), A02 at every move between units \
                and into theatre, A03 at discharge or death (PV1-36 the NHS discharge destination), ORU^R01 with the \
                vital signs of each NEWS2 the model reads. Point-of-care codes from the scenario's locations: (every \
                unit, the ED and the theatres need one). The fault options add a real feed's faults; none changes the \
                census a receiver gets. To a file (-o, one message per line, segments ended by CR), over MLLP to a \
                listener (--mllp, each acknowledgement awaited, resent after a failed connection), else to standard \
                output. Docs/FEED.md, "The shadow hospital".
                """)

        @Argument(help: "The scenario (its units, locations and time zone).")
        var file: String

        @Option(help: "Days to simulate from the scenario's start (1-3650).")
        var days: Int

        @Option(help: "The seed (default: the scenario's).")
        var seed: UInt64?

        @Option(help: "Days the hospital runs before the feed begins, sending nothing (0-3650): the feed then starts in a full hospital, as a real feed is switched on, with moves and discharges of patients admitted before it (default 0: an empty hospital at the scenario's start).")
        var warmup = 0

        @Option(name: .shortAndLong, help: "Write the messages to this file.")
        var output: String?

        @Option(help: "Send the messages over MLLP to HOST:PORT, awaiting each acknowledgement.")
        var mllp: String?

        @Option(help: "With --mllp: send in simulated time sped up this many times (3600: an hour a second; default: as fast as acknowledged).")
        var speed: Double?

        @Option(help: "The sending facility written in MSH-4 (MSH-3 is SHADOW-PAS).")
        var facility = "SHADOW"

        @Option(help: "Share (0-1) of messages sent twice.")
        var duplicates = 0.0
        @Option(help: "Share (0-1) of messages delivered after up to five later ones.")
        var outOfOrder = 0.0
        @Option(help: "Share (0-1) of admissions, transfers and discharges sent wrong, cancelled (A11/A12/A13) and sent again.")
        var cancelAndResend = 0.0
        @Option(help: "Share (0-1) of ED arrivals registered under a temporary number, merged (A40) at their next event.")
        var merges = 0.0
        @Option(help: "Share (0-1) of messages preceded by a corrupted copy a receiver must refuse.")
        var malformed = 0.0

        func validate() throws {
            guard (1...3650).contains(days) else { throw ValidationError("--days must be from 1 to 3,650, found \(days)") }
            if let problem = ShadowHospital.warmUpProblem(warmup) { throw ValidationError(problem) }
            guard output == nil || mllp == nil else { throw ValidationError("-o and --mllp: choose one destination") }
            guard (1...20).contains(facility.count), facility.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("--facility must be 1-20 letters, digits or '-', found '\(facility)'")
            }
            if let speed, !(speed > 0 && speed.isFinite) { throw ValidationError("--speed must be above 0, found \(speed)") }
            if speed != nil, mllp == nil { throw ValidationError("--speed paces sending over MLLP; it needs --mllp") }
            if let mllp, Listen.address(of: mllp) == nil || Listen.address(of: mllp)?.port == 0 {
                throw ValidationError("--mllp must be HOST:PORT (PORT 1-65535), found '\(mllp)'")
            }
        }

        func run() throws {
            let faults = FeedFaults(duplicates: duplicates, outOfOrder: outOfOrder, cancelAndResend: cancelAndResend,
                                    merges: merges, malformed: malformed)
            let scenario = try CommandWorkflow.perform { _ in try Inputs.scenario(file) }
            try checkOutput(output, inputs: [file] + scenario.sourceFiles, writing: "the feed")
            let feed = try CommandWorkflow.perform { _ in
                let plan = RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: seed ?? scenario.run.seed)
                return try ShadowHospital.emit(try PreparedScenario(scenario, file: file, plan: plan), days: days,
                                               seed: plan.seed, faults: faults,
                                               sender: FeedSender(application: ShadowHospital.sender.application, facility: facility),
                                               warmUpDays: warmup)
            }
            let kinds = feed.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            printError("\(feed.messages.count) messages over \(days) days (\(kinds); \(feed.messages.filter(\.malformed).count) corrupted copies)")
            if let mllp, let address = Listen.address(of: mllp) {
                try send(feed, to: address)
                return
            }
            let destination = try output.map { try AtomicFile(path: $0) }
            let handle = destination?.handle ?? FileHandle.standardOutput
            var chunk: [UInt8] = []
            for message in feed.messages {
                chunk += message.bytes
                chunk.append(0x0A)
                if chunk.count > 1 << 20 {
                    handle.write(Data(chunk))
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            handle.write(Data(chunk))
            try destination?.commit()
        }

        /// Sends each message and awaits its acknowledgement, paced by --speed; counts what was accepted.
        func send(_ feed: ShadowFeed, to address: (host: String, port: UInt16)) throws {
            let sender = MLLPSender(host: address.host, port: address.port)
            let started = ContinuousClock.now
            let first = feed.messages.first?.minute ?? 0
            var codes: [String: Int] = [:]
            for message in feed.messages {
                if let speed {
                    let due = Duration.seconds((message.minute - first) * 60 / speed)
                    let now = ContinuousClock.now - started
                    if due > now { Thread.sleep(forTimeInterval: Double((due - now).components.seconds) + Double((due - now).components.attoseconds) * 1e-18) }
                }
                let ack: [UInt8]
                do { ack = try sender.deliver(message.bytes) } catch {
                    printError("\(error)")
                    throw ExitCode(1)
                }
                let code = (try? HL7Parser.parse(ack)).flatMap { $0.segment("MSA")?[1] } ?? "unreadable"
                codes[code, default: 0] += 1
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            printError("sent \(feed.messages.count) messages to \(address.host):\(address.port) in "
                + String(format: "%.1f s", seconds) + ": acknowledged " + codes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                + (sender.resent > 0 ? "; \(sender.resent) resent after a failed connection" : ""))
        }
    }

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

    @Option(name: .shortAndLong, help: "Write the census file here (with --format table, the table still prints).")
    var output: String?

    @Option(help: "table (per unit, against beds), csv (the census file forecast --census reads) or json.")
    var format: CensusFormat = .table

    @OptionGroup var database: DatabaseOptions

    enum CensusFormat: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    func validate() throws {
        if let at, LocalDateTime(parsing: at) == nil {
            throw ValidationError("--at must be a local time YYYY-MM-DDTHH:MM, found '\(at)'")
        }
    }

    func run() throws {
        let scenario = try Inputs.scenario(file)
        // The census file must not replace an input, and must be writable, before the log is read.
        try checkOutput(output, inputs: [file] + scenario.sourceFiles, writing: "the census")
        let destination = try output.map { try AtomicFile(path: $0) }
        let (live, minute, events) = try readLiveCensus(scenario, file: file, at: at, database: database)
        let summary = LiveCensusSummary(live, at: minute, events: events, scenario: scenario)
        switch format {
        case .table:
            var table = [["unit", "patients", "beds"]]
            for unit in summary.units { table.append([unit.unit, "\(unit.patients)", "\(unit.beds)"]) }
            table.append(["emergency_department", "\(summary.emergencyDepartment)", ""])
            table.append(["theatres", "\(summary.theatres)", ""])
            printOut("census at \(summary.at) from \(events) events: \(live.inHospital) in hospital, "
                + "\(live.recentDischarges) discharged in the 30 days before")
            printOut(TextTable.render(table))
            if let destination {
                live.write(to: CSVWriter(handle: destination.handle))
                try destination.commit()
            }
        case .csv:
            live.write(to: CSVWriter(handle: destination?.handle ?? FileHandle.standardOutput))
            try destination?.commit()
        case .json:
            let data = try ResultJSON.encoder().encode(summary) + Data("\n".utf8)
            (destination?.handle ?? FileHandle.standardOutput).write(data)
            try destination?.commit()
        }
    }
}

/// Refuses (exit 2, saying why) an `-o` that names one of `inputs` (the scenario, a file it extends) or cannot take a
/// new file — before any work is done.
func checkOutput(_ output: String?, inputs: [String], writing what: String) throws {
    guard let output else { return }
    if let input = inputs.first(where: { FileIdentity($0) == FileIdentity(output) }) {
        printError("-o \(output) is \(input), an input of this command: writing \(what) there would destroy it")
        throw ExitCode(2)
    }
    if let problem = FileIdentity.cannotWrite(output) {
        printError("-o \(output): \(problem)")
        throw ExitCode(2)
    }
}

/// The census at `at` (local; default now) from the event log alone, for `scenario`; what it could not place, and
/// its notes, on standard error. Returns the census, its epoch minute and the events replayed.
func readLiveCensus(_ scenario: Scenario, file: String, at: String?, database: DatabaseOptions) throws
    -> (census: LiveCensus, minute: Double, events: Int)
{
    let zone = scenario.configuration.timeZone
    let minute = at.flatMap(LocalDateTime.init(parsing:)).map { ForecastStart.epochMinute(of: $0, in: zone) }
        ?? (Date().timeIntervalSince1970 / 60).rounded(.down)
    let store = try openFeedStore(database, timeZone: zone)
    let (live, events) = try CommandWorkflow.perform { _ in try LiveCensus.read(at: minute, scenario: scenario, connection: store.connection) }
    for (code, patients, messages) in live.unmapped {
        printError("location '\(code)' is not in \(file)'s locations: \(patients) patient\(patients == 1 ? "" : "s") "
            + "there \(patients == 1 ? "is" : "are") not in the census (placed by message\(messages.count == 1 ? "" : "s") "
            + messages.prefix(10).joined(separator: ", ") + (messages.count > 10 ? ", …" : "") + ")")
    }
    for note in live.notes.prefix(20) { printError(note) }
    if live.notes.count > 20 { printError("… and \(live.notes.count - 20) more notes") }
    return (live, minute, events)
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

    var address: (host: String, port: UInt16)? { Self.address(of: mllp) }

    /// HOST:PORT, or PORT alone on 127.0.0.1.
    static func address(of text: String) -> (host: String, port: UInt16)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
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
