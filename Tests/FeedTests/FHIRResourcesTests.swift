import Feed
import Foundation
import HL7
import PatientTwin
import Testing

@Suite("FHIR R4 resources read as the feed's events")
struct FHIRResourcesTests {
    static let london = TimeZone(identifier: "Europe/London")!

    static let patient = #"{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"},{"system":"https://trust.example/mrn","value":"M1"}],"gender":"female","birthDate":"1941-02-28"}"#
    /// Came to the ED at 08:00 (London, summer), admitted at 11:00, to AMU at 12:00 and Ward 7 the next day; home on 3 June.
    static let emergency = #"{"resourceType":"Encounter","id":"e1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"classHistory":[{"class":{"code":"EMER"},"period":{"start":"2026-06-01T08:00:00+01:00"}},{"class":{"code":"IMP"},"period":{"start":"2026-06-01T11:00:00+01:00"}}],"subject":{"reference":"Patient/p1"},"period":{"start":"2026-06-01T08:00:00+01:00","end":"2026-06-03T15:30:00+01:00"},"location":[{"location":{"reference":"Location/AMU"},"status":"completed","period":{"start":"2026-06-01T12:00:00+01:00"}},{"location":{"reference":"Location/ED"},"status":"completed","period":{"start":"2026-06-01T08:00:00+01:00"}},{"location":{"reference":"Location/WD07"},"status":"completed","period":{"start":"2026-06-02T09:15:00+01:00"}}],"hospitalization":{"dischargeDisposition":{"coding":[{"code":"home"}]}}}"#
    static let elective = #"{"resourceType":"Encounter","id":"e2","status":"in-progress","class":{"code":"IMP"},"priority":{"coding":[{"code":"EL"}]},"subject":{"reference":"Patient/p2"},"period":{"start":"2026-06-02T07:30:00Z"},"location":[{"location":{"reference":"Location/WD12"}}]}"#
    static let vitals = #"{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85353-1"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-06-02T10:00:00+01:00","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"9279-1"}]},"valueQuantity":{"value":22,"unit":"breaths/minute","code":"/min"}},{"code":{"coding":[{"system":"http://loinc.org","code":"59408-5"}]},"valueQuantity":{"value":95,"code":"%"}},{"code":{"coding":[{"system":"http://snomed.info/sct","code":"722742002"}]},"valueString":"air"},{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":14,"code":"kPa"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":95,"code":"/min"}},{"code":{"coding":[{"system":"http://loinc.org","code":"67775-7"}]},"valueCodeableConcept":{"text":"A"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"valueQuantity":{"value":101.3,"code":"[degF]"}}]}"#

    static func bundle(_ resources: [String]) -> [UInt8] {
        Array(("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[\n"
            + resources.map { "  {\"resource\":" + $0 + "}" }.joined(separator: ",\n") + "\n]}").utf8)
    }

    @Test("an emergency encounter become inpatient, an elective one, and a panel of vital signs, from a Bundle")
    func bundle() throws {
        let contents = FHIRResources.events(in: Self.bundle([Self.patient, Self.emergency, Self.elective, Self.vitals]),
                                            file: "bundle.json", timeZone: Self.london)
        #expect(contents.skipped.isEmpty, "\(contents.skipped)")
        let kinds = contents.events.map { "\($0.kind.rawValue) \($0.location?.pointOfCare ?? "")" }
        #expect(kinds == ["A04 ED", "A01 ED", "A02 AMU", "A02 WD07", "A03 WD07", "A01 WD12", "R01 "], "\(kinds)")
        let first = contents.events[0]
        #expect(first.nhsID == "9434765919" && first.localID == "p1" && first.sex == .female
            && first.birthDate == DateComponents(year: 1941, month: 2, day: 28))
        #expect(first.minute == Double(20_605 * 1440 + 7 * 60), "08:00 at +01:00 is 07:00 UTC")
        #expect(contents.events[4].dischargeDestination == .home)
        #expect(contents.events[5].admissionType == "L", "priority EL: elective")
        let observation = try #require(contents.events.last?.vitals)
        #expect(abs((observation.systolicBP ?? 0) - 105.0) < 0.01 && abs((observation.temperature ?? 0) - 38.5) < 0.01)
        #expect(NEWS2Score(observation).isComplete && NEWS2Score(observation).total == 2 + 1 + 1 + 1 + 1)
        // Stored as HL7 messages, they read back to the same events, keyed by resource and part.
        for (message, event) in zip(FHIRResources.messages(contents, timeZone: Self.london), contents.events) {
            let read = try FeedMessageReader.event(from: HL7Parser.parse(message), timeZone: Self.london)
            #expect(read.kind == event.kind && read.controlID == event.controlID && abs(read.minute - event.minute) < 1e-5)
        }
        #expect(contents.events.map(\.controlID).contains("Encounter/e1:location2:WD07"))
        // The census the ledger makes of them at noon on 2 June.
        let log = contents.events.enumerated().map { ReceivedEvent(sequence: $0.offset, event: $0.element) }
        let census = PatientLedger.census(of: log, at: Double(20_606 * 1440 + 11 * 60))
        #expect(census.inHospital.map { "\($0.key) \($0.location?.pointOfCare ?? "") \($0.admitted)" }.sorted()
            == ["p1 WD07 true", "p2 WD12 true"])
    }

    @Test("NDJSON, one resource a line: a line that is not JSON, another resource type, a bad unit and a deep nest are skipped with where and why")
    func ndjson() {
        let badUnit = #"{"resourceType":"Observation","id":"o2","status":"final","code":{"coding":[{"code":"8310-5"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-06-02T10:00:00Z","valueQuantity":{"value":310,"code":"K"}}"#
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let lines = [Self.patient, Self.elective, "{not json", #"{"resourceType":"Condition","id":"c1"}"#, badUnit,
                     #"{"resourceType":"Encounter","id":"e3","status":"entered-in-error","class":{"code":"IMP"},"period":{"start":"2026-06-01"}}"#,
                     #"{"resourceType":"Encounter","id":"e4","status":"finished","class":{"code":"IMP"},"subject":{"reference":"Patient/p1"},"period":{"start":"2026-06-01"}}"#,
                     #"{"resourceType":"Encounter","id":"e5","status":"in-progress","class":{"code":"AMB"},"subject":{"reference":"Patient/p1"},"period":{"start":"2026-06-01"}}"#,
                     "{\"a\":" + deep + "}"]
        let contents = FHIRResources.events(in: Array(lines.joined(separator: "\n").utf8), file: "export.ndjson", timeZone: Self.london)
        #expect(contents.events.map(\.kind) == [.admit])
        let skipped = contents.skipped.joined(separator: "\n")
        #expect(skipped.contains("export.ndjson:3: not JSON"), "\(skipped)")
        #expect(skipped.contains("export.ndjson:4: resourceType 'Condition' is not read"))
        #expect(skipped.contains("export.ndjson:5: Observation o2: Observation (8310-5) Observation.unit: unit 'K' is not read; expected Cel or [degF]"))
        #expect(skipped.contains("export.ndjson:7: Encounter e4: period.end: a finished encounter needs its end"))
        #expect(skipped.contains("export.ndjson:8: Encounter e5: class 'AMB' is not read"))
        #expect(skipped.contains("export.ndjson:9: nested more than 64 deep"))
        #expect(contents.skipped.count == 6, "the entered-in-error encounter gives nothing and is not a problem")
        #expect(FHIRResources.looksLikeFHIR(Array("\u{FEFF}\n  {".utf8)) && !FHIRResources.looksLikeFHIR(Array("MSH|^~\\&|".utf8)))
    }
}
