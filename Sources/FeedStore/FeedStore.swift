import Feed
import Foundation
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

    /// Opens the log on `connection`, bringing the schema up to date. `timeZone` reads message times without an
    /// offset (the scenario's).
    public init(connection: DatabaseConnection, pseudonymiser: Pseudonymiser, timeZone: TimeZone) throws {
        self.connection = connection
        self.pseudonymiser = pseudonymiser
        self.timeZone = timeZone
        try connection.execute("SET TimeZone TO 'UTC'")
        try connection.migrate(schema: RunStoreSchema.name, RunStoreSchema.migrations)
    }

    /// Receives one message's bytes from `source` ("file:NAME", "mllp:HOST"): parses, checks, pseudonymises and
    /// stores it in one transaction, or quarantines it. A database failure throws (no acknowledgement is then
    /// sent, so the sender retries).
    public func receive(_ bytes: [UInt8], source: String) throws -> (receipt: Receipt, message: HL7Message?) {
        let message: HL7Message
        do { message = try HL7Parser.parse(bytes) } catch {
            let id = try quarantine(bytes, pseudonymised: false, source: source, key: nil,
                                    condition: .segmentSequenceError, reason: error.description)
            return (.quarantined(id, .rejected(.segmentSequenceError, error.description)), nil)
        }
        let msh = message.segments[0]
        let key = (application: msh[3], facility: msh[4], control: message.controlID)
        let stored = FeedPrivacy.pseudonymised(message, with: pseudonymiser)
        guard !key.control.isEmpty else {
            let reason = "MSH-10: no message control id, so a retransmission could not be told from a new message"
            let id = try quarantine(stored.bytes, pseudonymised: true, source: source, key: key,
                                    condition: .requiredFieldMissing, reason: reason)
            return (.quarantined(id, .rejected(.requiredFieldMissing, reason)), message)
        }
        // Read as received first (an NHS number's check digit is checked there), then as stored (its keys).
        let event: FeedEvent
        do {
            _ = try FeedMessageReader.event(from: message, timeZone: timeZone)
            event = try FeedMessageReader.event(from: stored, timeZone: timeZone)
        } catch {
            let id = try quarantine(stored.bytes, pseudonymised: true, source: source, key: key, condition: error.code,
                                    reason: error.problem)
            let outcome: HL7Outcome = [.unsupportedMessageType, .unsupportedEventCode].contains(error.code)
                ? .rejected(error.code, error.problem) : .error(error.code, error.problem)
            return (.quarantined(id, outcome), message)
        }
        let mac = pseudonymiser.contentMAC(bytes)
        let patient = event.localID ?? event.nhsID.map { "NHS:" + $0 } ?? ""
        return try connection.transaction {
            let inserted = try connection.query("""
                INSERT INTO hospital_twin.feed_messages (source, sending_application, sending_facility, control_id,
                    content_mac, message, kind, event_minute, patient_key)
                VALUES (\(source), \(key.application), \(key.facility), \(key.control), \(mac), \(Self.hex(stored.bytes)),
                    \(event.kind.rawValue), \(event.minute), \(patient))
                ON CONFLICT (sending_application, sending_facility, control_id) DO NOTHING
                RETURNING id
                """)
            if let id = inserted.rows.first?.first.flatMap({ $0 }).flatMap(Int64.init) { return (.applied(id), message) }
            let existing = try connection.query("""
                SELECT id, content_mac FROM hospital_twin.feed_messages
                WHERE sending_application = \(key.application) AND sending_facility = \(key.facility)
                  AND control_id = \(key.control)
                """)
            guard let row = existing.rows.first, let id = row[0].flatMap(Int64.init) else {
                throw FeedStoreError(problem: "a message key conflicted but no row holds it")
            }
            if row[1] == mac { return (.duplicate(id), message) }
            let reason = "MSH-10 '\(key.control)' from \(key.application)/\(key.facility) was already applied (message "
                + "\(id)) with different content"
            let quarantined = try quarantine(stored.bytes, pseudonymised: true, source: source, key: key,
                                             condition: .duplicateKeyIdentifier, reason: reason)
            return (.quarantined(quarantined, .error(.duplicateKeyIdentifier, reason)), message)
        }
    }

    /// Every applied event with an event time at or before `minute`, in arrival order (the ledger orders them).
    public func events(through minute: Double) throws -> [ReceivedEvent] {
        let result = try connection.query("""
            SELECT id, encode(message, 'hex') AS message FROM hospital_twin.feed_messages
            WHERE event_minute <= \(minute) ORDER BY id
            """)
        var events: [ReceivedEvent] = []
        events.reserveCapacity(result.rows.count)
        for row in result.rows {
            guard let id = row[0].flatMap(Int.init), let hex = row[1] ?? nil else { continue }
            let bytes = Self.bytes(hex: hex)
            do {
                let event = try FeedMessageReader.event(from: HL7Parser.parse(bytes), timeZone: timeZone)
                events.append(ReceivedEvent(sequence: id, event: event))
            } catch {
                throw FeedStoreError(problem: "stored message \(id) no longer reads: \(error)")
            }
        }
        return events
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
        var text = "\\x"
        text.reserveCapacity(2 + bytes.count * 2)
        let digits = Array("0123456789abcdef")
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
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

/// The event log is not as it should be.
public struct FeedStoreError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the log.
    public let problem: String
    public var description: String { problem }
}
