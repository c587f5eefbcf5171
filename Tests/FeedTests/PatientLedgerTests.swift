import Feed
import Foundation
import HL7
import PatientTwin
import Testing

/// Builds feed events as the hospital would send them, times in UTC (January: London is UTC).
private struct Feed {
    var log: [ReceivedEvent] = []

    /// `time` as "DDHHMM" in January 2026.
    static func minute(_ time: String) -> Double { HL7DateTime("202601" + time)!.localMinutesSinceEpoch }

    /// `admitted` is PV1-44 as "DDHHMM" in January 2026 ("" for none, or a whole HL7 time when longer than 6).
    mutating func send(_ event: String, _ patient: String, at time: String, location: String = "", prior: String = "",
                       patientClass: String = "I", admitted: String = "", extra: String = "")
    {
        let since = admitted.isEmpty ? "" : String(repeating: "|", count: 34) + (admitted.count > 6 ? admitted : "202601" + admitted)
        let type = event == "R01" ? "ORU^R01" : "ADT^" + event
        let text = "MSH|^~\\&|PAS|RXX|TWIN|RXX|202601" + time + "||" + type + "|M\(log.count)|P|2.5\r"
            + "EVN|\(event)|||||202601\(time)\r"
            + "PID|1||\(patient)^^^RXX^MR||Doe^Jo||19500101|F\r"
            + "PV1|1|\(patientClass)|\(location)|E||\(prior)||||MED\(since)\r" + extra
        do {
            let parsed = try HL7Parser.parse(Array(text.utf8))
            log.append(ReceivedEvent(sequence: log.count,
                                     event: try FeedMessageReader.event(from: parsed, timeZone: TimeZone(identifier: "UTC")!)))
        } catch {
            Issue.record("\(error)")
        }
    }

    func census(at time: String) -> LedgerCensus { PatientLedger.census(of: log, at: Self.minute(time)) }
}

private func place(_ census: LedgerCensus) -> [String: String] {
    Dictionary(uniqueKeysWithValues: census.inHospital.map { ($0.key, $0.location?.pointOfCare ?? "") })
}

@Suite("the census from the event log")
struct PatientLedgerTests {
    @Test("an ED arrival, an admission and a transfer: where the patient is at each time, and since when")
    func pathThroughHospital() {
        var feed = Feed()
        feed.send("A04", "D1", at: "051000", location: "ED")
        feed.send("A01", "D1", at: "051400", location: "AMU")
        feed.send("A02", "D1", at: "061100", location: "WD07", prior: "AMU")
        feed.send("A03", "D1", at: "091500", location: "WD07")
        #expect(place(feed.census(at: "050959")).isEmpty)
        let ed = feed.census(at: "051200")
        #expect(place(ed) == ["D1": "ED"] && ed.inHospital[0].admitted == false && ed.inHospital[0].admittedAt == nil)
        let ward = feed.census(at: "061200")
        #expect(place(ward) == ["D1": "WD07"] && ward.inHospital[0].admitted)
        #expect(ward.inHospital[0].admittedAt == Feed.minute("051400"), "the first admission's time, not the transfer's")
        #expect(ward.inHospital[0].spellStart == Feed.minute("051000") && ward.inHospital[0].locationSince == Feed.minute("061100"))
        let after = feed.census(at: "091600")
        #expect(after.inHospital.isEmpty && after.recentDischarges.map(\.key) == ["D1"])
        #expect(after.recentDischarges[0].dischargedAt == Feed.minute("091500") && after.anomalies.isEmpty)
    }

    @Test("the same events in every arrival order give the same census at every time")
    func arrivalOrderDoesNotMatter() {
        var feed = Feed()
        feed.send("A04", "D1", at: "051000", location: "ED")
        feed.send("A01", "D1", at: "051400", location: "AMU")
        feed.send("A02", "D1", at: "061100", location: "WD07")
        feed.send("A01", "D2", at: "061200", location: "AMU")
        feed.send("A03", "D1", at: "071500", location: "WD07")
        let times = ["051100", "051500", "061130", "061300", "071600"]
        let expected = times.map { place(feed.census(at: $0)) }
        func permutations(_ items: [ReceivedEvent]) -> [[ReceivedEvent]] {
            guard items.count > 1 else { return [items] }
            return items.indices.flatMap { i in
                permutations(Array(items[..<i] + items[(i + 1)...])).map { [items[i]] + $0 }
            }
        }
        var orders = 0
        for order in permutations(feed.log.map(\.event).enumerated().map { ReceivedEvent(sequence: $0.offset, event: $0.element) }) {
            let arrived = order.enumerated().map { ReceivedEvent(sequence: $0.offset, event: $0.element.event) }
            #expect(times.map { place(PatientLedger.census(of: arrived, at: Feed.minute($0))) } == expected)
            orders += 1
        }
        #expect(orders == 120)
    }

    @Test("a discharge sent before its admission, an update after a discharge, a backdated transfer")
    func outOfOrder() {
        var feed = Feed()
        feed.send("A03", "D1", at: "051800", location: "AMU")
        feed.send("A01", "D1", at: "051000", location: "AMU")
        #expect(place(feed.census(at: "051200")) == ["D1": "AMU"])
        #expect(place(feed.census(at: "051900")).isEmpty && feed.census(at: "051900").anomalies.isEmpty)
        feed.send("A08", "D1", at: "052000", extra: "")
        #expect(place(feed.census(at: "052100")).isEmpty, "an update does not bring a patient back")
        feed.send("A01", "D2", at: "061000", location: "AMU")
        feed.send("A02", "D2", at: "071000", location: "WD02")
        feed.send("A02", "D2", at: "061500", location: "WD01")  // sent late, happened first
        #expect(place(feed.census(at: "061600")) == ["D2": "WD01"])
        #expect(place(feed.census(at: "071100")) == ["D2": "WD02"])
    }

    @Test("a feed switched on in a full hospital: PV1-44 dates a patient first told of by a move, a discharge or an observation back to its admission, in the place the message says it was; the history knows it before its first message, a census only from it")
    func switchedOn() throws {
        var feed = Feed()
        feed.send("A04", "D0", at: "051000", location: "ED")  // the log's first event
        feed.send("A02", "D1", at: "051200", location: "WD07", prior: "AMU", admitted: "021500")
        feed.send("A03", "D2", at: "051300", location: "WD05", admitted: "011000")
        let obx = "OBX|1|NM|9279-1^^LN||18|/min|||||F\r"
        feed.send("R01", "D3", at: "051400", location: "WD09", admitted: "030800", extra: obx)
        feed.send("A08", "D4", at: "051500", location: "ED", patientClass: "E", admitted: "042300")
        feed.send("R01", "D5", at: "051500", location: "CLINIC", patientClass: "O", admitted: "051430", extra: obx)
        let before = feed.census(at: "051100")
        #expect(place(before) == ["D0": "ED"], "a census knows a patient only from its first message")
        let census = feed.census(at: "051600")
        #expect(census.anomalies.isEmpty, "\(census.anomalies)")
        #expect(place(census) == ["D0": "ED", "D1": "WD07", "D3": "WD09", "D4": "ED"], "an outpatient's observation opens no spell")
        let moved = try #require(census.inHospital.first { $0.key == "D1" })
        #expect(moved.spellStart == Feed.minute("021500") && moved.admittedAt == Feed.minute("021500") && moved.admitted
                && moved.locationSince == Feed.minute("051200"))
        let observed = try #require(census.inHospital.first { $0.key == "D3" })
        #expect(observed.spellStart == Feed.minute("030800") && observed.vitals?.respirationRate == 18)
        let waiting = try #require(census.inHospital.first { $0.key == "D4" })
        #expect(!waiting.admitted && waiting.admittedAt == nil && waiting.spellStart == Feed.minute("042300"))
        let left = try #require(census.recentDischarges.first)
        #expect(left.key == "D2" && left.spellStart == Feed.minute("011000") && left.dischargedAt == Feed.minute("051300"))
        // The history, read after them all, knows where each was from the feed's start on.
        let history = PatientLedger.history(of: feed.log, through: Feed.minute("051600"))
        let late = history.heardOfLate
        #expect(late.map(\.patient.key).sorted() == ["D1", "D2", "D3", "D4"])
        #expect(late.first { $0.patient.key == "D1" }?.places.map { $0.location?.pointOfCare ?? "" } == ["AMU", "WD07"])
        #expect(LedgerHistory.unheard(at: Feed.minute("051100"), among: late).map { $0?.pointOfCare ?? "" }.sorted()
                == ["AMU", "ED", "WD05", "WD09"])
        #expect(LedgerHistory.unheard(at: Feed.minute("051230"), among: late).map { $0?.pointOfCare ?? "" }.sorted()
                == ["ED", "WD05", "WD09"], "each counted until its first message, then by the census")
        #expect(LedgerHistory.unheard(at: Feed.minute("051000") - 1, among: late).count == 4, "the feed's own start is no bound")
        #expect(LedgerHistory.unheard(at: Feed.minute("011000") - 1, among: late).isEmpty, "nobody before its admission")
    }

    @Test("a PV1-44 after the log began is a lost admission, listed; one after its message, or over ten years before it, is listed and not used; one of a spell already ended opens none")
    func datedBackWrongly() throws {
        var feed = Feed()
        feed.send("A04", "D0", at: "051000", location: "ED")
        feed.send("A02", "D1", at: "061200", location: "WD07", prior: "AMU", admitted: "060900")
        feed.send("A02", "D2", at: "061200", location: "WD07", prior: "AMU", admitted: "071200")
        feed.send("A02", "D3", at: "061200", location: "WD07", prior: "AMU", admitted: "199001010000")
        feed.send("A01", "D4", at: "051100", location: "AMU")
        feed.send("A03", "D4", at: "051300", location: "AMU", admitted: "051100")
        feed.send("R01", "D4", at: "051400", location: "AMU", admitted: "051100", extra: "OBX|1|NM|9279-1^^LN||18|/min|||||F\r")
        let census = feed.census(at: "061300")
        let lost = try #require(census.inHospital.first { $0.key == "D1" })
        #expect(lost.spellStart == Feed.minute("060900") && place(census)["D1"] == "WD07")
        #expect(census.anomalies.contains { $0.contains("D1") && $0.contains("its spell taken from its PV1-44") })
        for key in ["D2", "D3"] {
            let patient = try #require(census.inHospital.first { $0.key == key })
            #expect(patient.spellStart == Feed.minute("061200"), "\(key): taken as arriving with its move")
            #expect(census.anomalies.contains { $0.contains(key) && $0.contains("PV1-44") && $0.contains("not used") })
            #expect(census.anomalies.contains { $0.contains(key) && $0.contains("taken as arriving then") })
        }
        #expect(place(census)["D4"] == nil, "an observation charted after the discharge does not bring the patient back")
    }

    @Test("cancels undo the event they cancel, even when a later event followed it")
    func cancels() {
        var feed = Feed()
        feed.send("A01", "D1", at: "051000", location: "AMU")
        feed.send("A02", "D1", at: "051200", location: "WD07")
        feed.send("A12", "D1", at: "051200", location: "AMU")
        #expect(place(feed.census(at: "051300")) == ["D1": "AMU"])
        feed.send("A03", "D1", at: "061000", location: "AMU")
        feed.send("A08", "D1", at: "061100")
        feed.send("A13", "D1", at: "061000", location: "AMU")
        let back = feed.census(at: "061200")
        #expect(place(back) == ["D1": "AMU"] && back.recentDischarges.isEmpty, "the discharge is undone, the update stands")
        feed.send("A04", "D3", at: "051000", location: "ED")
        feed.send("A01", "D3", at: "051300", location: "AMU")
        feed.send("A11", "D3", at: "051300", location: "AMU")
        let cancelled = feed.census(at: "051400")
        #expect(place(cancelled)["D3"] == "ED" && cancelled.inHospital.first { $0.key == "D3" }?.admitted == false)
        #expect(cancelled.inHospital.first { $0.key == "D3" }?.admittedAt == nil, "a cancelled admission leaves no time")
        // A decision to admit in the ED (A01 there), then the move: admitted from the A01.
        feed.send("A04", "D4", at: "051000", location: "ED")
        feed.send("A01", "D4", at: "051230", location: "ED")
        feed.send("A02", "D4", at: "051700", location: "AMU", prior: "ED")
        let decided = feed.census(at: "051800").inHospital.first { $0.key == "D4" }
        #expect(decided?.admittedAt == Feed.minute("051230") && decided?.locationSince == Feed.minute("051700"))
        feed.send("A11", "D9", at: "051400", location: "AMU")
        feed.send("A03", "D8", at: "051400", location: "AMU")
        let odd = feed.census(at: "051500")
        #expect(odd.anomalies.count == 2 && odd.anomalies.contains { $0.contains("nothing to cancel") })
        #expect(odd.anomalies.contains { $0.contains("D8") && $0.contains("not in hospital") })
    }

    @Test("a merge moves the merged record's spell to the surviving patient")
    func merge() {
        var feed = Feed()
        feed.send("A01", "D1", at: "051000", location: "AMU")
        feed.send("A02", "D1", at: "051200", location: "WD01")
        feed.send("A40", "D2", at: "051300", extra: "MRG|D1^^^RXX^MR\r")
        #expect(place(feed.census(at: "051100")) == ["D1": "AMU"], "before the merge, the record as it was")
        let merged = feed.census(at: "051400")
        #expect(place(merged) == ["D2": "WD01"] && merged.inHospital[0].spellStart == Feed.minute("051000"))
    }

    @Test("observations accumulate within the spell: each vital sign's latest reading, NEWS2 once all are known")
    func observations() throws {
        var feed = Feed()
        feed.send("A01", "D1", at: "051000", location: "AMU")
        let obx = { (code: String, value: String, unit: String) in "OBX|1|NM|\(code)^^LN||\(value)|\(unit)|||||F\r" }
        feed.send("R01", "D1", at: "051100", extra: obx("9279-1", "22", "/min") + obx("59408-5", "95", "%")
            + obx("3150-0", "21", "%") + obx("8480-6", "120", "mm[Hg]"))
        feed.send("R01", "D1", at: "051200", extra: obx("8867-4", "95", "/min") + obx("8310-5", "37.0", "Cel")
            + "OBX|1|ST|67775-7^^LN||A||||||F\r" + obx("9279-1", "26", "/min"))
        let patient = try #require(feed.census(at: "051300").inHospital.first)
        let vitals = try #require(patient.vitals)
        #expect(vitals.missingParameters.isEmpty && vitals.respirationRate == 26 && vitals.spo2 == 95)
        // RR 26 → 3, SpO2 95 → 1, air 0, SBP 120 → 0, pulse 95 → 1, alert 0, 37.0 → 0.
        #expect(NEWS2Score(vitals).total == 5 && patient.vitalsAt == Feed.minute("051200"))
    }

    @Test("earlier spells in the log give the ED visits in 6 months and admissions in 12 months")
    func history() throws {
        var feed = Feed()
        feed.send("A04", "D1", at: "011000", location: "ED")
        feed.send("A03", "D1", at: "011400", location: "ED")
        feed.send("A01", "D1", at: "031000", location: "AMU")
        feed.send("A03", "D1", at: "041000", location: "AMU")
        feed.send("A01", "D1", at: "201000", location: "AMU")
        let patient = try #require(feed.census(at: "201100").inHospital.first)
        #expect(patient.edVisitsLast6Months == 2 && patient.admissionsLast12Months == 1)
        #expect(feed.census(at: "201100").recentDischarges.isEmpty, "back in hospital: not a recent discharge")
        #expect(feed.census(at: "101100").recentDischarges.map(\.key) == ["D1"])
    }
}
