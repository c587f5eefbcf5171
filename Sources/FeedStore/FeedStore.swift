import Feed
import Foundation
import Simulation
import HL7
import RunStore
import Store

/// The feed's event log in PostgreSQL (Docs/FEED.md, "Storage"): each message applied once, stored pseudonymised in
/// the same transaction that records it, or kept in quarantine with why. What a message's acknowledgement says
/// follows from what this returns.
public final class FeedStore {
    /// The log's database connection (one thread's: libpq connections are not shared).
    public let connection: DatabaseConnection
    let pseudonymiser: Pseudonymiser
    let timeZone: TimeZone

    /// What became of one message.
    public enum Receipt: Sendable, Hashable {
        /// Stored and applied, with its row id.
        case applied(Int64)
        /// A retransmission of a message already applied (same key, same content): acknowledged, not applied again.
        case duplicate(Int64)
        /// Kept in quarantine (its row id) with the outcome its acknowledgement carries.
        case quarantined(Int64, HL7Outcome)

        /// The outcome for the acknowledgement.
        public var outcome: HL7Outcome {
            switch self {
            case .applied, .duplicate: .accepted
            case .quarantined(_, let outcome): outcome
            }
        }
    }

    /// Opens the log on `connection`, bringing the schema up to date unless `migrating` is false (a server migrated
    /// it before listening). `timeZone` reads message times without an offset (the scenario's).
    public init(connection: DatabaseConnection, pseudonymiser: Pseudonymiser, timeZone: TimeZone, migrating: Bool = true) throws {
        self.connection = connection
        self.pseudonymiser = pseudonymiser
        self.timeZone = timeZone
        try connection.execute("SET TimeZone TO 'UTC'")
        if migrating { try connection.migrate(schema: RunStoreSchema.name, RunStoreSchema.migrations) }
    }

    /// Receives one message's bytes from `source` ("file:NAME", "mllp:HOST"): parses, checks, pseudonymises and
    /// stores it in one transaction, or quarantines it. A database failure throws (no acknowledgement is then
    /// sent, so the sender retries).
    public func receive(_ bytes: [UInt8], source: String) throws -> (receipt: Receipt, message: HL7Message?) {
        switch read(bytes, pseudonymised: false) {
        case .refused(let refusal):
            let id = try quarantine(refusal.bytes, pseudonymised: refusal.pseudonymised, source: source, key: refusal.key,
                                    condition: refusal.condition, reason: refusal.reason)
            return (.quarantined(id, refusal.outcome), refusal.message)
        case .ready(let ready):
            return (try store(ready, source: source, replacingQuarantined: nil), ready.received)
        }
    }

    /// A message read and checked: ready to store, or refused with why.
    enum Reading {
        case ready(Ready)
        case refused(Refusal)
    }

    struct Ready {
        /// As received (nil when it was read from the quarantine, already pseudonymised).
        let received: HL7Message?
        let stored: HL7Message
        /// `stored` written out (once: it is both stored and MAC'd).
        let storedBytes: [UInt8]
        let event: FeedEvent
        let key: (application: String, facility: String, control: String)
        /// Keyed MAC of the stored (pseudonymised) bytes: a retransmission has the same.
        let mac: String
    }

    struct Refusal {
        let bytes: [UInt8]
        let pseudonymised: Bool
        let key: (application: String, facility: String, control: String)?
        let condition: HL7ErrorCode
        let reason: String
        let outcome: HL7Outcome
        let message: HL7Message?
    }

    /// Parses and reads `bytes` (`pseudonymised`: bytes as the log stores them, identifiers already keyed).
    func read(_ bytes: [UInt8], pseudonymised: Bool) -> Reading {
        let message: HL7Message
        do { message = try HL7Parser.parse(bytes) } catch {
            return .refused(Refusal(bytes: bytes, pseudonymised: pseudonymised, key: nil, condition: .segmentSequenceError,
                                    reason: error.description, outcome: .rejected(.segmentSequenceError, error.description),
                                    message: nil))
        }
        let msh = message.segments[0]
        let key = (application: msh[3], facility: msh[4], control: message.controlID)
        let stored = pseudonymised ? message : FeedPrivacy.pseudonymised(message, with: pseudonymiser)
        guard !key.control.isEmpty else {
            let reason = "MSH-10: no message control id, so a retransmission could not be told from a new message"
            return .refused(Refusal(bytes: stored.bytes, pseudonymised: true, key: key, condition: .requiredFieldMissing,
                                    reason: reason, outcome: .rejected(.requiredFieldMissing, reason), message: message))
        }
        // The NHS numbers checked as received (their check digits are gone once pseudonymised), then read as stored.
        let event: FeedEvent
        do {
            if !pseudonymised { try FeedMessageReader.checkIdentifiers(in: message) }
            event = try FeedMessageReader.event(from: stored, timeZone: timeZone)
        } catch {
            let outcome: HL7Outcome = [.unsupportedMessageType, .unsupportedEventCode].contains(error.code)
                ? .rejected(error.code, error.problem) : .error(error.code, error.problem)
            return .refused(Refusal(bytes: stored.bytes, pseudonymised: true, key: key, condition: error.code,
                                    reason: error.problem, outcome: outcome, message: message))
        }
        let storedBytes = stored.bytes
        return .ready(Ready(received: pseudonymised ? nil : message, stored: stored, storedBytes: storedBytes, event: event,
                            key: key, mac: pseudonymiser.contentMAC(storedBytes)))
    }

    /// Stores a read message in one transaction — and, when it comes from the quarantine, takes it out of the
    /// quarantine in the same transaction, so it is in exactly one of the two.
    func store(_ ready: Ready, source: String, replacingQuarantined quarantined: Int64?) throws -> Receipt {
        let (event, key, mac) = (ready.event, ready.key, ready.mac)
        let patient = event.localID ?? event.nhsID.map { "NHS:" + $0 } ?? ""
        // A new message is one statement, its own transaction (one round trip and one commit: the listener's
        // acknowledgement waits on it); a replay also takes the message out of the quarantine, so it is a transaction.
        func body() throws -> Receipt {
            if let quarantined {
                _ = try connection.query("DELETE FROM hospital_twin.feed_quarantine WHERE id = \(quarantined)")
            }
            let inserted = try connection.queryPrepared("""
                INSERT INTO hospital_twin.feed_messages (source, sending_application, sending_facility, control_id,
                    content_mac, message, kind, event_minute, patient_key)
                VALUES (\(source), \(key.application), \(key.facility), \(key.control), \(mac), \(Self.hex(ready.storedBytes)),
                    \(event.kind.rawValue), \(event.minute), \(patient))
                ON CONFLICT (sending_application, sending_facility, control_id) DO NOTHING
                RETURNING id
                """)
            if let id = inserted.rows.first?.first.flatMap({ $0 }).flatMap(Int64.init) { return .applied(id) }
            let existing = try connection.query("""
                SELECT id, content_mac FROM hospital_twin.feed_messages
                WHERE sending_application = \(key.application) AND sending_facility = \(key.facility)
                  AND control_id = \(key.control)
                """)
            guard let row = existing.rows.first, let id = row[0].flatMap(Int64.init) else {
                throw FeedStoreError(problem: "a message key conflicted but no row holds it")
            }
            if row[1] == mac { return .duplicate(id) }
            let reason = "MSH-10 '\(key.control)' from \(key.application)/\(key.facility) was already applied (message "
                + "\(id)) with different content"
            if let quarantined {
                // Still in conflict: it stays where it was (the delete above is rolled back).
                throw ReplayConflict(quarantined: quarantined, reason: reason)
            }
            let kept = try quarantine(ready.storedBytes, pseudonymised: true, source: source, key: key,
                                      condition: .duplicateKeyIdentifier, reason: reason)
            return .quarantined(kept, .error(.duplicateKeyIdentifier, reason))
        }
        return quarantined == nil ? try body() : try connection.transaction(body)
    }

    /// What replaying a quarantined message did.
    public enum Replay: Sendable, Hashable {
        /// It now reads: applied with this row id, and out of the quarantine.
        case applied(Int64)
        /// The same message had been applied since (a retransmission): out of the quarantine, not applied twice.
        case alreadyApplied(Int64)
        /// It still cannot be applied, for this reason; it stays in the quarantine.
        case stillRefused(String)
    }

    /// Applies quarantined message `id` again — after the reason it was kept is fixed (a newer hospital-twin that
    /// reads it, the right --time-zone) — moving it from the quarantine to the log in one transaction; or says why
    /// it still cannot be. Throws when there is no such quarantined message.
    public func replay(_ id: Int64) throws -> Replay {
        let result = try connection.query("""
            SELECT encode(message, 'hex'), pseudonymised, source FROM hospital_twin.feed_quarantine WHERE id = \(id)
            """)
        guard let row = result.rows.first, let hex = row[0] ?? nil else {
            throw FeedStoreError(problem: "no message \(id) in the quarantine (hospital-twin feed quarantine lists them)")
        }
        switch read(Self.bytes(hex: hex), pseudonymised: row[1] == "t") {
        case .refused(let refusal): return .stillRefused(refusal.reason)
        case .ready(let ready):
            do {
                switch try store(ready, source: row[2] ?? "replay", replacingQuarantined: id) {
                case .applied(let applied): return .applied(applied)
                case .duplicate(let existing): return .alreadyApplied(existing)
                case .quarantined(_, let outcome): return .stillRefused("\(outcome)")
                }
            } catch let conflict as ReplayConflict {
                return .stillRefused(conflict.reason)
            }
        }
    }

    /// The ids of every quarantined message, oldest first.
    public func quarantinedIDs() throws -> [Int64] {
        try connection.query("SELECT id FROM hospital_twin.feed_quarantine ORDER BY id").rows.compactMap { $0[0].flatMap(Int64.init) }
    }

    /// Every applied event with an event time at or before `minute`, in arrival order (the ledger orders them).
    /// Read in pages of `pageSize` rows by id, each page's messages turned into events before the next is fetched,
    /// so memory holds the events, never the whole log's bytes at once.
    public func events(through minute: Double, pageSize: Int = 10_000,
                       threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [ReceivedEvent] {
        try Self.events(on: connection, timeZone: timeZone, through: minute, pageSize: pageSize, threads: threads)
    }

    /// The id of the last message applied to the log, 0 when none: what a backtest planned in shards reads up to,
    /// so that every worker reads the same log however many messages arrive meanwhile.
    public static func lastMessageID(on connection: DatabaseConnection) throws -> Int64 {
        try connection.query("SELECT coalesce(max(id), 0) AS id FROM hospital_twin.feed_messages").single("the log's last message").int64("id")
    }

    /// `events(through:)` read on `connection` (no pseudonymiser needed to read), of the messages with ids up to
    /// `lastID` when given. Throws a `FeedStoreError` when a stored message no longer reads.
    public static func events(on connection: DatabaseConnection, timeZone zone: TimeZone, through minute: Double,
                              upTo lastID: Int64? = nil, pageSize: Int = 10_000,
                              threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [ReceivedEvent]
    {
        var events: [ReceivedEvent] = []
        var last: Int64 = 0
        let bound = lastID ?? Int64.max
        while true {
            let result = try connection.queryPrepared("""
                SELECT id, encode(message, 'hex') AS message FROM hospital_twin.feed_messages
                WHERE id > \(last) AND id <= \(bound) AND event_minute <= \(minute) ORDER BY id LIMIT \(pageSize)
                """)
            var page: [(id: Int64, hex: String)] = []
            page.reserveCapacity(result.rows.count)
            for row in result.rows {
                guard let id = row[0].flatMap(Int64.init), let hex = row[1] ?? nil else { continue }
                last = id
                page.append((id, hex))
            }
            // Each message is read again on its own, so a page's messages are read in parallel, in chunks, and kept
            // in the log's order.
            let rows = page
            let chunk = 256
            let read = Parallel.map(count: (rows.count + chunk - 1) / chunk, threads: threads) { c -> Result<[ReceivedEvent], FeedStoreError> in
                var out: [ReceivedEvent] = []
                for (id, hex) in rows[(c * chunk)..<min(rows.count, (c + 1) * chunk)] {
                    do {
                        let event = try FeedMessageReader.event(from: HL7Parser.parse(Self.bytes(hex: hex)), timeZone: zone)
                        out.append(ReceivedEvent(sequence: Int(id), event: event))
                    } catch {
                        return .failure(FeedStoreError(problem: "stored message \(id) no longer reads: \(error)"))
                    }
                }
                return .success(out)
            }
            for part in read { events += try part.get() }
            if result.rows.count < pageSize { return events }
        }
    }

    /// Counts of the log: messages applied, and messages in quarantine.
    public func counts() throws -> (applied: Int, quarantined: Int) {
        let result = try connection.query("""
            SELECT (SELECT count(*) FROM hospital_twin.feed_messages), (SELECT count(*) FROM hospital_twin.feed_quarantine)
            """)
        return (Int(result.rows[0][0] ?? "0") ?? 0, Int(result.rows[0][1] ?? "0") ?? 0)
    }

    /// One quarantined message.
    public struct Quarantined: Sendable, Hashable {
        /// The quarantine row.
        public let id: Int64
        /// When it arrived, ISO 8601 UTC.
        public let receivedAt: String
        /// Where it came from: `file:NAME` or `mllp`.
        public let source: String
        /// MSH-10, when it could be read ("" otherwise).
        public let controlID: String
        /// The HL7 table-0357 code.
        public let condition: String
        /// Why it could not be applied.
        public let reason: String
    }

    /// The quarantine, oldest first.
    public func quarantined() throws -> [Quarantined] {
        let result = try connection.query("""
            SELECT id, to_char(received_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), source, coalesce(control_id, ''), condition, reason
            FROM hospital_twin.feed_quarantine ORDER BY id
            """)
        return result.rows.map { row in
            Quarantined(id: Int64(row[0] ?? "0") ?? 0, receivedAt: row[1] ?? "", source: row[2] ?? "", controlID: row[3] ?? "",
                        condition: row[4] ?? "", reason: row[5] ?? "")
        }
    }

    func quarantine(_ bytes: [UInt8], pseudonymised: Bool, source: String,
                    key: (application: String, facility: String, control: String)?, condition: HL7ErrorCode,
                    reason: String) throws -> Int64
    {
        let result = try connection.query("""
            INSERT INTO hospital_twin.feed_quarantine (source, sending_application, sending_facility, control_id, message,
                pseudonymised, condition, reason)
            VALUES (\(source), \(key?.application), \(key?.facility), \(key?.control), \(Self.hex(bytes)), \(pseudonymised),
                \(condition.rawValue), \(reason))
            RETURNING id
            """)
        guard let id = result.rows.first?.first.flatMap({ $0 }).flatMap(Int64.init) else {
            throw FeedStoreError(problem: "the quarantine returned no id")
        }
        return id
    }

    /// bytea in PostgreSQL's hex text form.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for c in hex.utf8 {
            let v: UInt8 = c >= 0x61 ? c - 0x61 + 10 : c >= 0x41 ? c - 0x41 + 10 : c - 0x30
            if let h = high {
                bytes.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return bytes
    }
}

/// A replayed message whose key was applied since with other content (it stays in the quarantine).
struct ReplayConflict: Error {
    let quarantined: Int64
    let reason: String
}

/// The event log is not as it should be.
public struct FeedStoreError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the log.
    public let problem: String
    public var description: String { problem }
}
