import Feed
import FeedStore
import Foundation
import HL7
import Store
import Testing
import TestSupport

/// The feed's log against the throwaway PostgreSQL scripts/test.sh starts (CI always runs these).
@Suite("the feed's event log in PostgreSQL", .enabled(if: TestDatabase.runs("FeedStoreTests")))
struct FeedStoreTests {
    static let key = Array("a test key of at least thirty-two bytes, never a trust's".utf8)

    static func store() throws -> FeedStore {
        try FeedStore(connection: TestDatabase.connect(), pseudonymiser: Pseudonymiser(key: key),
                      timeZone: TimeZone(identifier: "Europe/London")!)
    }

    /// A message from a sender unique to the test, so tests sharing the database never meet.
    static func message(_ sender: String, _ control: String, _ event: String, _ mrn: String, at time: String,
                        location: String, nhs: String = "9434765919") -> [UInt8]
    {
        Array(("MSH|^~\\&|PAS|\(sender)|TWIN|RXX|2026" + time + "||ADT^\(event)|\(control)|P|2.5\r"
            + "EVN|\(event)|||||2026\(time)\rPID|1||\(mrn)^^^RXX^MR~\(nhs)^^^NHS^NH||Secret^Name||19400101|F\r"
            + "PV1|1|I|\(location)\r").utf8)
    }

    @Test("applied once; a retransmission acknowledged and not applied again; a reused key with new content quarantined")
    func idempotent() throws {
        let store = try Self.store()
        let sender = "T\(UUID().uuidString.prefix(8))"
        let admit = Self.message(sender, "C1", "A01", "M1", at: "06010900", location: "AMU")
        let first = try store.receive(admit, source: "file:test")
        guard case .applied(let id) = first.receipt else { Issue.record("\(first.receipt)"); return }
        let again = try store.receive(admit, source: "file:test")
        #expect(again.receipt == .duplicate(id) && again.receipt.outcome == .accepted)
        let reused = try store.receive(Self.message(sender, "C1", "A01", "M2", at: "06010900", location: "AMU"), source: "file:test")
        guard case .quarantined(_, .error(.duplicateKeyIdentifier, let reason)) = reused.receipt else {
            Issue.record("\(reused.receipt)")
            return
        }
        #expect(reason.contains("different content"))
        // The same control id from another facility is another message.
        #expect({ if case .applied = try! store.receive(Self.message(sender + "B", "C1", "A01", "M3", at: "06010900",
                                                                     location: "AMU"), source: "file:test").receipt { true } else { false } }())
    }

    @Test("what cannot be applied is quarantined with the condition and reason its acknowledgement carries")
    func quarantine() throws {
        let store = try Self.store()
        let sender = "Q\(UUID().uuidString.prefix(8))"
        let lastQuarantined = try store.quarantined().last?.id ?? 0
        let cases: [([UInt8], (HL7Outcome) -> Bool)] = [
            (Array("PID|1||X\r".utf8), { if case .rejected(.segmentSequenceError, _) = $0 { true } else { false } }),
            (Self.message(sender, "", "A01", "M1", at: "06010900", location: "AMU"),
             { if case .rejected(.requiredFieldMissing, let why) = $0 { why.contains("MSH-10") } else { false } }),
            (Self.message(sender, "Q2", "A99", "M1", at: "06010900", location: "AMU"),
             { if case .rejected(.unsupportedEventCode, _) = $0 { true } else { false } }),
            (Self.message(sender, "Q3", "A01", "M1", at: "06010900", location: "AMU", nhs: "9434765918"),
             { if case .error(.dataTypeError, let why) = $0 { why.contains("check digit") } else { false } }),
            (Self.message(sender, "Q4", "A01", "M1", at: "06319900", location: "AMU"),
             { if case .error(.dataTypeError, _) = $0 { true } else { false } }),
        ]
        for (bytes, expected) in cases {
            let receipt = try store.receive(bytes, source: "file:hostile").receipt
            #expect(expected(receipt.outcome), "\(receipt)")
        }
        // Other suites store and replay (which deletes quarantine rows) concurrently: this sender's rows are counted,
        // never the tables'.
        let applied = try store.connection.query(
            "SELECT count(*) FROM hospital_twin.feed_messages WHERE sending_facility = \(sender)")
        #expect(applied.rows[0][0] == "0", "nothing of this sender was applied")
        let mine = try store.connection.query("""
            SELECT condition, reason FROM hospital_twin.feed_quarantine
            WHERE (sending_facility = \(sender) OR sending_facility IS NULL) AND source = 'file:hostile'
              AND id > \(lastQuarantined)
            ORDER BY id
            """)
        #expect(mine.rows.map { $0[0] ?? "" } == ["100", "101", "201", "102", "102"] && mine.rows.allSatisfy { !($0[1] ?? "").isEmpty })
    }

    @Test("replay moves a quarantined message that now reads into the log in one step; one that does not stays")
    func replay() throws {
        let store = try Self.store()
        let sender = "R\(UUID().uuidString.prefix(8))"
        // As an older version that could not read them would have kept them: raw, not pseudonymised.
        func keep(_ bytes: [UInt8]) throws -> Int64 {
            let hex = "\\x" + bytes.map { String(format: "%02x", $0) }.joined()
            let row = try store.connection.query("""
                INSERT INTO hospital_twin.feed_quarantine (source, sending_facility, control_id, message, pseudonymised,
                    condition, reason)
                VALUES ('file:old', \(sender), 'x', \(hex), false, '200', 'an older version did not read it') RETURNING id
                """)
            return try #require(row.rows.first?.first.flatMap { $0 }.flatMap(Int64.init))
        }
        let readable = try keep(Self.message(sender, "P1", "A01", "M1", at: "06010900", location: "AMU"))
        guard case .applied(let row) = try store.replay(readable) else { Issue.record("not applied"); return }
        #expect(try store.quarantinedIDs().contains(readable) == false, "out of the quarantine")
        let stored = try store.connection.query("SELECT encode(message, 'escape') FROM hospital_twin.feed_messages WHERE id = \(row)")
        #expect(!(stored.rows.first?.first??.contains("9434765919") ?? true), "pseudonymised as it is applied")
        // Applied since (a retransmission got through): leaves the quarantine, not applied twice.
        let retransmitted = try keep(Self.message(sender, "P1", "A01", "M1", at: "06010900", location: "AMU"))
        #expect(try store.replay(retransmitted) == .alreadyApplied(row))
        #expect(try store.quarantinedIDs().contains(retransmitted) == false)
        // The same key with other content, and a message that still does not read: both stay, with why.
        let conflicting = try keep(Self.message(sender, "P1", "A01", "M2", at: "06010900", location: "AMU"))
        let unreadable = try keep(Self.message(sender, "P2", "A99", "M1", at: "06010900", location: "AMU"))
        guard case .stillRefused(let why) = try store.replay(conflicting), why.contains("different content") else {
            Issue.record("a conflicting replay was not refused")
            return
        }
        guard case .stillRefused(let reason) = try store.replay(unreadable), reason.contains("A99") else {
            Issue.record("an unreadable replay was not refused")
            return
        }
        #expect(try store.quarantinedIDs().contains(conflicting) && store.quarantinedIDs().contains(unreadable))
        #expect(throws: FeedStoreError.self) { try store.replay(-1) }
        // The log read in pages of 7 rows is the log read in one page (this test's rows: other suites store meanwhile).
        for n in 0..<20 {
            _ = try store.receive(Self.message(sender, "\(sender)-G\(n)", "A01", "G\(n)", at: "06010900", location: "AMU"),
                                  source: "file:pages")
        }
        let at = 29_700_000.0
        func mine(_ events: [ReceivedEvent]) -> [ReceivedEvent] { events.filter { $0.event.controlID.hasPrefix(sender + "-G") } }
        let whole = mine(try store.events(through: at, pageSize: 1_000_000))
        let paged = mine(try store.events(through: at, pageSize: 7))
        #expect(whole.count == 20 && paged == whole)
        let count = try store.connection.query(
            "SELECT count(*) FROM hospital_twin.feed_messages WHERE control_id = 'P1' AND sending_facility = \(sender)")
        #expect(count.rows[0][0] == "1")
    }

    @Test("stored messages hold pseudonyms, never the NHS number, local id or name, and replay to the same census")
    func pseudonymisedAndReplayed() throws {
        let store = try Self.store()
        let sender = "P\(UUID().uuidString.prefix(8))"
        let mrn = "MRN\(UUID().uuidString.prefix(6))"
        for (control, event, time, location) in [("P1", "A04", "06010800", "ED"), ("P2", "A01", "06011000", "AMU"),
                                                 ("P3", "A02", "06021000", "WD07")] {
            _ = try store.receive(Self.message(sender, control, event, mrn, at: time, location: location), source: "file:p")
        }
        let raw = try store.connection.query("""
            SELECT convert_from(message, 'UTF8') FROM hospital_twin.feed_messages WHERE sending_facility = \(sender)
            """)
        #expect(raw.rows.count == 3)
        for row in raw.rows {
            let text = row[0] ?? ""
            #expect(!text.contains(mrn) && !text.contains("9434765919") && !text.contains("Secret") && text.contains("PSN-"))
        }
        let pseudonym = try Pseudonymiser(key: Self.key).pseudonym(mrn, namespace: "MR:RXX")
        let noon = HL7DateTime("202606021100")!.localMinutesSinceEpoch  // 12:00 BST
        let census = PatientLedger.census(of: try store.events(through: noon), at: noon)
        let patient = try #require(census.inHospital.first { $0.key == pseudonym })
        #expect(patient.location?.pointOfCare == "WD07" && patient.spellStart == HL7DateTime("202606010700")!.localMinutesSinceEpoch)
    }
}
