import Feed
import Foundation
import HL7
import HospitalModel
import PatientTwin
import Scenario
import Testing
import TestSupport
import Workflows

/// The shadow hospital's feed read back by the feed's own reader and ledger must give the simulated census at every
/// midnight: every patient in the same place, admitted or not, with the same NEWS2 — a test of both sides.
@Suite("the shadow hospital's feed gives back the simulated census")
struct ShadowHospitalTests {
    static let scenario = try! Scenario.load(path: Repository.path("scenarios/general-hospital.yaml"))

    static func prepared(days: Int) throws -> PreparedScenario {
        try PreparedScenario(scenario, file: "general-hospital.yaml",
                             plan: RunSettings(horizonDays: days, warmUpDays: 0, replications: 1, seed: 1))
    }

    /// The log a receiver keeps: each message read in delivery order, a retransmission (same MSH-10, same bytes)
    /// kept once, a message that cannot be read refused.
    static func receive(_ feed: ShadowFeed, zone: TimeZone) throws -> (log: [ReceivedEvent], refused: Int, refusedCopies: Int) {
        var log: [ReceivedEvent] = []
        var seen: [String: [UInt8]] = [:]
        var refused = 0, refusedCopies = 0
        for message in feed.messages {
            let event: FeedEvent
            do {
                event = try FeedMessageReader.event(from: try HL7Parser.parse(message.bytes), timeZone: zone)
            } catch {
                refused += 1
                if message.malformed { refusedCopies += 1 }
                continue
            }
            if let earlier = seen[event.controlID] {
                #expect(earlier == message.bytes, "the same control id with other content: \(event.controlID)")
                continue
            }
            seen[event.controlID] = message.bytes
            log.append(ReceivedEvent(sequence: log.count, event: event))
        }
        return (log, refused, refusedCopies)
    }

    /// Each midnight's simulated places against the ledger's census then; returns the patients compared.
    static func compare(_ feed: ShadowFeed, _ log: [ReceivedEvent]) -> Int {
        var compared = 0
        for midnight in feed.midnights {
            let census = PatientLedger.census(of: log, at: midnight.epochMinute)
            var fed: [PatientID: LivePatient] = [:]
            for patient in census.inHospital {
                guard let id = ShadowFeed.patient(ofLocalID: patient.key) else {
                    Issue.record("a census key the shadow feed did not write: \(patient.key)")
                    continue
                }
                #expect(fed[id] == nil, "patient \(id) twice in the census")
                fed[id] = patient
            }
            #expect(fed.count == midnight.patients.count,
                    "midnight \(Int(midnight.epochMinute)): \(fed.count) in the feed's census, \(midnight.patients.count) simulated")
            for simulated in midnight.patients {
                guard let patient = fed[simulated.patient] else {
                    Issue.record("midnight \(Int(midnight.epochMinute)): \(simulated.patient) at \(simulated.place) is not in the feed's census")
                    continue
                }
                let code: String, admitted: Bool
                switch simulated.place {
                case .emergencyDepartment(let decided): (code, admitted) = (feed.codes.emergencyDepartment, decided)
                case .unit(let unit): (code, admitted) = (feed.codes.units[unit], true)
                case .theatres: (code, admitted) = (feed.codes.theatres ?? "", true)
                }
                #expect(patient.location?.pointOfCare == code && patient.admitted == admitted,
                        "\(simulated.patient) at midnight \(Int(midnight.epochMinute)): simulated \(code) admitted \(admitted), fed \(patient.location?.pointOfCare ?? "-") admitted \(patient.admitted)")
                let news2 = patient.vitals.flatMap { $0.missingParameters.isEmpty ? NEWS2Score($0).total : nil }
                #expect(news2 == simulated.news2, "\(simulated.patient): NEWS2 simulated \(simulated.news2.map(String.init) ?? "none"), fed \(news2.map(String.init) ?? "none")")
                compared += 1
            }
        }
        return compared
    }

    @Test("a clean feed: every midnight of two weeks, patient by patient")
    func clean() throws {
        let feed = try ShadowHospital.emit(try Self.prepared(days: 14), days: 14, seed: 5)
        let zone = Self.scenario.configuration.timeZone
        let received = try Self.receive(feed, zone: zone)
        #expect(received.refused == 0)
        #expect(feed.midnights.count >= 14)
        for kind in ["A04", "A01", "A02", "A03", "R01"] { #expect(feed.counts[kind, default: 0] > 100, "\(kind): \(feed.counts[kind, default: 0])") }
        let compared = Self.compare(feed, received.log)
        #expect(compared > 14 * 300, "patient-midnights compared: \(compared)")
    }

    @Test("with every fault a real feed has: duplicates, late messages, cancel-and-resend, merges, corrupted copies")
    func faulty() throws {
        let faults = FeedFaults(duplicates: 0.05, outOfOrder: 0.1, cancelAndResend: 0.05, merges: 0.1, malformed: 0.02)
        let feed = try ShadowHospital.emit(try Self.prepared(days: 10), days: 10, seed: 9, faults: faults)
        let zone = Self.scenario.configuration.timeZone
        let received = try Self.receive(feed, zone: zone)
        for kind in ["A11", "A12", "A13", "A40"] { #expect(feed.counts[kind, default: 0] > 5, "\(kind): \(feed.counts[kind, default: 0])") }
        let corrupted = feed.messages.filter(\.malformed).count
        #expect(corrupted > 10)
        #expect(received.refused == corrupted && received.refusedCopies == corrupted,
                "only the \(corrupted) corrupted copies are refused: \(received.refused) refused, \(received.refusedCopies) of them copies")
        // Some messages really arrive after a later event of the same patient.
        var late = 0, last: [String: Double] = [:]
        for event in received.log.map(\.event) {
            let key = event.localID ?? ""
            if let previous = last[key], event.minute < previous { late += 1 }
            last[key] = max(last[key] ?? -.infinity, event.minute)
        }
        #expect(late > 20, "messages behind a later one of their patient: \(late)")
        #expect(Self.compare(feed, received.log) > 10 * 200)
    }

    @Test("one timeline read every 3 hours of a faulty feed gives each time's census as a fresh replay does, and again when read backwards")
    func timelineIsIncremental() throws {
        let faults = FeedFaults(duplicates: 0.05, outOfOrder: 0.1, cancelAndResend: 0.05, merges: 0.1, malformed: 0.02)
        let feed = try ShadowHospital.emit(try Self.prepared(days: 10), days: 10, seed: 11, faults: faults)
        let log = try Self.receive(feed, zone: Self.scenario.configuration.timeZone).log
        let first = try #require(feed.midnights.first).epochMinute
        let times = (0..<80).map { first + Double($0) * 180 }
        var timeline = LedgerTimeline(log)
        func agree(_ minute: Double) {
            let read = timeline.census(at: minute), fresh = PatientLedger.census(of: log, at: minute)
            #expect(read.inHospital == fresh.inHospital && read.recentDischarges == fresh.recentDischarges
                    && read.anomalies == fresh.anomalies, "minute \(Int(minute))")
        }
        for minute in times { agree(minute) }
        for minute in times.reversed().prefix(5) { agree(minute) }
        let merges = log.filter { $0.event.kind == .merge }.count
        #expect(merges > 5 && timeline.count == log.count)
    }

    @Test("the log's history agrees with its censuses: at every 3 hours of a faulty feed the patients in hospital are the spells under way, each at the place its history has then (a record merged later is under its temporary number then)")
    func historyAgreesWithCensus() throws {
        let faults = FeedFaults(duplicates: 0.05, outOfOrder: 0.1, cancelAndResend: 0.05, merges: 0.1, malformed: 0.02)
        let feed = try ShadowHospital.emit(try Self.prepared(days: 10), days: 10, seed: 12, faults: faults)
        let log = try Self.receive(feed, zone: Self.scenario.configuration.timeZone).log
        let first = try #require(feed.midnights.first).epochMinute
        let end = first + 9 * 1440
        let history = PatientLedger.history(of: log, through: end)
        #expect(history.spells.allSatisfy { !$0.places.isEmpty && $0.places.first?.since == $0.patient.spellStart })
        #expect(history.spells.allSatisfy { zip($0.places, $0.places.dropFirst()).allSatisfy { $0.since <= $1.since } })
        var timeline = LedgerTimeline(log)
        for minute in stride(from: first, through: end, by: 180) {
            let census = timeline.census(at: minute)
            let underWay = history.spells.filter { $0.patient.spellStart <= minute && ($0.patient.dischargedAt.map { $0 > minute } ?? true) }
            let expected = underWay.map { spell in spell.places.last { $0.since <= minute }?.location?.pointOfCare ?? "" }
            #expect(expected.sorted() == census.inHospital.map { $0.location?.pointOfCare ?? "" }.sorted(), "minute \(Int(minute))")
            let keys = Set(underWay.map(\.patient.key))
            #expect(census.inHospital.allSatisfy { keys.contains($0.key) || $0.key.hasPrefix("TMP") }, "minute \(Int(minute))")
        }
        #expect(history.anomalies == PatientLedger.census(of: log, at: end).anomalies)
    }

    @Test("with a warm-up the feed starts in a full hospital: nothing is sent before the start; a census lacks only the patients in hospital since before it who have sent no message yet, each known from its first message on, dated back by PV1-44; read at the end, the history places each one a message has told of where it was at every midnight")
    func warmUp() throws {
        let faults = FeedFaults(duplicates: 0.05, outOfOrder: 0.1, cancelAndResend: 0.05, merges: 0.1)
        let feed = try ShadowHospital.emit(try Self.prepared(days: 10), days: 10, seed: 13, faults: faults, warmUpDays: 60)
        let zone = Self.scenario.configuration.timeZone
        let start = ForecastStart.epochMinute(of: Self.scenario.configuration.start, in: zone)
        #expect(feed.messages.allSatisfy { $0.minute >= start }, "a message before the feed's start")
        #expect(feed.messages.map(\.minute).min().map { $0 - start < 60 } == true, "the feed starts at once, not after the warm-up again")
        let log = try Self.receive(feed, zone: zone).log
        let first = try #require(feed.midnights.first)
        #expect(first.epochMinute >= start && first.epochMinute < start + 1440 + 61)
        #expect(first.patients.count > 300, "a full hospital at the feed's first midnight: \(first.patients.count) patients")
        // PV1-44 dates each patient in hospital at the switch-on back to its admission, before the log: no anomaly.
        let end = start + 10 * 1440
        let census = PatientLedger.census(of: log, at: end)
        #expect(!census.anomalies.contains { $0.contains("not in hospital") }, "\(census.anomalies.prefix(3))")
        // When each patient's first message came.
        var firstMessage: [PatientID: FeedEvent] = [:]
        for received in log {
            guard let id = ShadowFeed.patient(ofLocalID: received.event.localID ?? "") else { continue }
            if received.event.minute < firstMessage[id]?.minute ?? .infinity { firstMessage[id] = received.event }
        }
        let history = PatientLedger.history(of: log, through: end)
        let late = history.heardOfLate
        #expect(late.count > 100 && late.allSatisfy { $0.patient.spellStart < start && $0.firstMessageAt >= start },
                "\(late.count) spells heard of late")
        var missing = 0, compared = 0, dated = 0
        for midnight in feed.midnights {
            let fed = PatientLedger.census(of: log, at: midnight.epochMinute).inHospital
            var byPatient: [PatientID: LivePatient] = [:]
            for patient in fed { if let id = ShadowFeed.patient(ofLocalID: patient.key) { byPatient[id] = patient } }
            #expect(byPatient.count == fed.count)
            // The history's hindsight: what this census lacks, where each patient was.
            var unheard: [PatientID: String] = [:]
            for spell in late where spell.firstMessageAt > midnight.epochMinute {
                guard let place = spell.place(at: midnight.epochMinute), let id = ShadowFeed.patient(ofLocalID: spell.patient.key) else { continue }
                unheard[id] = place.location?.pointOfCare ?? ""
            }
            #expect(LedgerHistory.unheard(at: midnight.epochMinute, among: late).count == unheard.count)
            for simulated in midnight.patients {
                let code: String, admitted: Bool
                switch simulated.place {
                case .emergencyDepartment(let decided): (code, admitted) = (feed.codes.emergencyDepartment, decided)
                case .unit(let unit): (code, admitted) = (feed.codes.units[unit], true)
                case .theatres: (code, admitted) = (feed.codes.theatres ?? "", true)
                }
                guard let patient = byPatient.removeValue(forKey: simulated.patient) else {
                    // Not in the feed's census: only a patient in hospital since before the start with no message yet.
                    #expect(first.patients.contains { $0.patient == simulated.patient && $0.spell == simulated.spell }
                            && (firstMessage[simulated.patient]?.minute ?? .infinity) > midnight.epochMinute,
                            "\(simulated.patient) missing from the feed's census at midnight \(Int(midnight.epochMinute))")
                    // Known later, where it was then — unless its first message opens its spell: an ED patient
                    // registered before the start and admitted after it, whose arrival no message gives.
                    if let told = firstMessage[simulated.patient], told.kind != .admit {
                        #expect(unheard.removeValue(forKey: simulated.patient) == code,
                                "\(simulated.patient) at \(code) at midnight \(Int(midnight.epochMinute)): the history's hindsight has it elsewhere or not at all")
                    }
                    missing += 1
                    continue
                }
                #expect(patient.location?.pointOfCare == code && patient.admitted == admitted,
                        "\(simulated.patient): simulated \(code) admitted \(admitted), fed \(patient.location?.pointOfCare ?? "-") admitted \(patient.admitted)")
                if patient.spellStart < start { dated += 1 }
                compared += 1
            }
            #expect(byPatient.isEmpty, "in the feed's census, not in hospital: \(byPatient.keys.sorted { $0.value < $1.value })")
            #expect(unheard.isEmpty, "in the history's hindsight, not in hospital: \(unheard)")
        }
        #expect(missing > 0 && dated > 100 && compared > 10 * 200, "missing \(missing), dated back \(dated), compared \(compared)")
    }

    @Test("the same scenario and seed give the same feed, byte for byte; another seed another")
    func deterministic() throws {
        let faults = FeedFaults(duplicates: 0.1, outOfOrder: 0.1, cancelAndResend: 0.1, merges: 0.1, malformed: 0.1)
        let prepared = try Self.prepared(days: 3)
        let first = try ShadowHospital.emit(prepared, days: 3, seed: 21, faults: faults)
        let second = try ShadowHospital.emit(prepared, days: 3, seed: 21, faults: faults)
        let other = try ShadowHospital.emit(prepared, days: 3, seed: 22, faults: faults)
        #expect(first.messages.map(\.bytes) == second.messages.map(\.bytes))
        #expect(first.messages.map(\.bytes) != other.messages.map(\.bytes))
    }

    @Test("a scenario whose locations leave a place without a code is refused, naming the places")
    func missingCodes() throws {
        let demo = try Scenario.load(path: Repository.path("scenarios/demo.yaml"))
        let prepared = try PreparedScenario(demo, file: "demo.yaml", plan: RunSettings(horizonDays: 2, warmUpDays: 0, replications: 1, seed: 1))
        #expect { try ShadowHospital.emit(prepared, days: 2, seed: 1) } throws: { error in
            let text = String(describing: error)
            return text.contains("demo.yaml: locations: no code for emergency_department") && text.contains("every unit")
        }
        #expect(throws: WorkflowError.self) {
            try ShadowHospital.emit(try Self.prepared(days: 2), days: 2, seed: 1, faults: FeedFaults(duplicates: 1.5))
        }
        for days in [-1, 3651] {
            #expect { try ShadowHospital.emit(try Self.prepared(days: 2), days: 2, seed: 1, warmUpDays: days) } throws: { error in
                String(describing: error).contains("--warmup must be from 0 to 3,650 days")
            }
        }
    }
}
