import Foundation
import HL7
import PatientTwin

/// FHIR R4 resources — a Bulk Data export (NDJSON, one resource a line), a Bundle, or one resource — read as the
/// feed's events (Docs/FEED.md, "FHIR R4"): an Encounter gives its arrival or admission, each move between its
/// locations and its discharge; an Observation of vital signs, an observation event; a Patient, the identifiers and
/// demographics of the events that name it. Each event is then stored as the HL7 v2 message it means, keyed by the
/// resource and its part (`Encounter/E1:start`), so a resource sent again is applied once.
public enum FHIRResources {
    /// What a file of resources gave.
    public struct Contents: Sendable {
        /// The events, in file order (an encounter's in time order).
        public var events: [FeedEvent] = []
        /// Resources not read, each with where and why.
        public var skipped: [String] = []
    }

    /// The largest resource (an NDJSON line, or a whole Bundle) read.
    public static let maximumResourceBytes = 16 << 20
    /// The NHS number's identifier system.
    public static let nhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

    /// True when `bytes` hold JSON (their first character, after a byte-order mark and white space, is `{`).
    public static func looksLikeFHIR(_ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        return rest.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
    }

    /// The sender the events are stored under (MSH-3, MSH-4): their keys are the resources' own.
    public static let sender = FeedSender(application: "FHIR", facility: "FHIR")

    /// The HL7 v2 messages `contents`' events are stored as (`FeedMessageWriter`).
    public static func messages(_ contents: Contents, timeZone: TimeZone) -> [[UInt8]] {
        contents.events.map { FeedMessageWriter.message(for: $0, from: sender, timeZone: timeZone).bytes }
    }

    /// The events in `bytes` (read from `file`, named in what is skipped); `timeZone` reads times without an offset.
    public static func events(in bytes: [UInt8], file: String, timeZone: TimeZone) -> Contents {
        var contents = Contents()
        var resources: [(where: String, object: [String: Any])] = []
        func parse(_ slice: ArraySlice<UInt8>, _ place: String) -> Any? {
            guard slice.count <= maximumResourceBytes else {
                contents.skipped.append("\(place): \(slice.count) bytes, over the \(maximumResourceBytes >> 20) MiB a resource may have")
                return nil
            }
            guard depth(of: slice) <= maximumDepth else {
                contents.skipped.append("\(place): nested more than \(maximumDepth) deep (a FHIR resource is a few levels)")
                return nil
            }
            do { return try JSONSerialization.jsonObject(with: Data(slice)) } catch {
                contents.skipped.append("\(place): not JSON (\(error.localizedDescription))")
                return nil
            }
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false)
        let nonEmpty = lines.enumerated().filter { !$0.element.allSatisfy { [0x20, 0x09, 0x0D].contains($0) } }
        if nonEmpty.count == 1 || (nonEmpty.first.map { !isObjectLine($0.element) } ?? false) {
            // One resource or one Bundle, possibly over several lines.
            guard let object = parse(body, file) as? [String: Any] else {
                if contents.skipped.isEmpty { contents.skipped.append("\(file): not a JSON object") }
                return contents
            }
            if object["resourceType"] as? String == "Bundle" {
                if let entry = object["entry"], !(entry is [Any]) {
                    contents.skipped.append("\(file): the Bundle's entry is not a list of entries")
                }
                for (index, entry) in ((object["entry"] as? [Any]) ?? []).enumerated() {
                    guard let resource = (entry as? [String: Any])?["resource"] as? [String: Any] else {
                        contents.skipped.append("\(file): Bundle entry \(index + 1): no resource")
                        continue
                    }
                    resources.append(("\(file): Bundle entry \(index + 1)", resource))
                }
            } else {
                resources.append((file, object))
            }
        } else {
            for (index, line) in nonEmpty {
                guard let object = parse(line, "\(file):\(index + 1)") else { continue }
                guard let resource = object as? [String: Any] else {
                    contents.skipped.append("\(file):\(index + 1): not a JSON object")
                    continue
                }
                resources.append(("\(file):\(index + 1)", resource))
            }
        }
        var patients: [String: Patient] = [:]
        for (place, resource) in resources where resource["resourceType"] as? String == "Patient" {
            guard let id = resource["id"] as? String, !id.isEmpty else {
                contents.skipped.append("\(place): Patient without an id")
                continue
            }
            patients[id] = Patient(resource)
        }
        for (place, resource) in resources {
            let type = resource["resourceType"] as? String ?? ""
            do throws(FeedMessageError) {
                switch type {
                case "Patient", "Location": continue  // read for the events that name them; a Location id is the code
                case "Encounter": contents.events += try encounterEvents(resource, patients: patients, timeZone: timeZone)
                case "Observation":
                    if let event = try observationEvent(resource, patients: patients, timeZone: timeZone) {
                        contents.events.append(event)
                    }
                default:
                    contents.skipped.append("\(place): resourceType '\(type)' is not read; expected Patient, Encounter, "
                        + "Location or Observation")
                }
            } catch {
                contents.skipped.append("\(place): \(type) \(resource["id"] as? String ?? "?"): \(error.problem)")
            }
        }
        return contents
    }

    /// The deepest nesting read (checked before parsing, so a hostile input cannot exhaust the parser's stack).
    public static let maximumDepth = 64

    /// How deeply `bytes` nest objects and arrays (outside strings).
    static func depth(of bytes: ArraySlice<UInt8>) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// True when a line holds a whole JSON object on its own (NDJSON), not the start of a multi-line one.
    static func isObjectLine(_ line: ArraySlice<UInt8>) -> Bool {
        let trimmed = line.drop { [0x20, 0x09].contains($0) }
        guard trimmed.first == UInt8(ascii: "{"), depth(of: trimmed) <= maximumDepth else { return false }
        return (try? JSONSerialization.jsonObject(with: Data(trimmed))) != nil
    }

    /// A Patient's identifiers and demographics.
    struct Patient {
        var localID: String
        var nhs: String?
        var birthDate: DateComponents?
        var sex: Sex

        init(_ resource: [String: Any]) {
            localID = resource["id"] as? String ?? ""
            for identifier in resource["identifier"] as? [[String: Any]] ?? []
            where identifier["system"] as? String == FHIRResources.nhsNumberSystem {
                nhs = identifier["value"] as? String
            }
            if let text = resource["birthDate"] as? String, let date = HL7DateTime(text.replacingOccurrences(of: "-", with: "")) {
                birthDate = DateComponents(year: date.year, month: date.month, day: date.day)
            }
            sex = switch resource["gender"] as? String {
            case "female": .female
            case "male": .male
            default: .unknown
            }
        }

        /// A patient known only by its reference.
        init(id: String) {
            localID = id
            sex = .unknown
        }
    }

    /// The patient a `subject` reference names ("Patient/ID").
    static func patient(_ resource: [String: Any], _ patients: [String: Patient]) throws(FeedMessageError) -> Patient {
        guard let reference = (resource["subject"] as? [String: Any])?["reference"] as? String,
              reference.hasPrefix("Patient/"), reference.count > 8
        else {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "subject: no Patient reference (Patient/ID)")
        }
        let id = String(reference.dropFirst(8))
        return patients[id] ?? Patient(id: id)
    }

    /// A FHIR dateTime ("2026-06-01T10:00:00+01:00", "2026-06-01") as epoch minutes; without an offset, local.
    static func minute(_ value: Any?, _ field: String, _ timeZone: TimeZone) throws(FeedMessageError) -> Double? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        // To an HL7 DTM: digits of the date and time, at most four decimals, the offset as +hhmm (Z is +0000).
        var main = text, zone = ""
        if main.hasSuffix("Z") {
            main.removeLast()
            zone = "+0000"
        } else if let t = main.firstIndex(of: "T"), let sign = main[t...].lastIndex(where: { $0 == "+" || $0 == "-" }) {
            zone = main[sign...].replacingOccurrences(of: ":", with: "")
            main = String(main[..<sign])
        }
        var digits = main.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "T", with: "")
            .replacingOccurrences(of: ":", with: "")
        if let dot = digits.firstIndex(of: ".") {
            digits = String(digits[..<dot]) + "." + String(digits[digits.index(after: dot)...].prefix(4))
        }
        return try FeedMessageReader.time(digits + zone, field, timeZone)
    }

    static func reference(_ value: Any?, _ type: String) -> String? {
        guard let reference = (value as? [String: Any])?["reference"] as? String, reference.hasPrefix(type + "/") else { return nil }
        return String(reference.dropFirst(type.count + 1))
    }

    /// The classes read as an inpatient stay (v3 ActCode): inpatient, acute, non-acute, short stay, observation.
    static let inpatientClasses: Set<String> = ["IMP", "ACUTE", "NONAC", "SS", "OBSENC"]

    /// An Encounter's events: its start (A04 for an emergency encounter, A01 for an inpatient one, at its first
    /// location), the admission of an emergency encounter that became inpatient (its class history), a move at the
    /// start of each later location, and its discharge at its end when finished.
    static func encounterEvents(_ resource: [String: Any], patients: [String: Patient], timeZone: TimeZone)
        throws(FeedMessageError) -> [FeedEvent]
    {
        let id = resource["id"] as? String ?? ""
        guard !id.isEmpty else { throw FeedMessageError(code: .requiredFieldMissing, problem: "no id") }
        let status = resource["status"] as? String ?? ""
        switch status {
        case "arrived", "triaged", "in-progress", "onleave", "finished": break
        case "planned", "cancelled", "entered-in-error":
            return []  // nothing happened (a correction of an earlier version is made at the source, as a cancel)
        default:
            throw FeedMessageError(code: .tableValueNotFound, problem: "status '\(status)' is not an Encounter status")
        }
        let currentClass = (resource["class"] as? [String: Any])?["code"] as? String ?? ""
        var history: [(String, Double?)] = []
        for (index, entry) in (resource["classHistory"] as? [[String: Any]] ?? []).enumerated() {
            guard let code = (entry["class"] as? [String: Any])?["code"] as? String else { continue }
            history.append((code, try minute((entry["period"] as? [String: Any])?["start"], "classHistory[\(index)].period.start",
                                             timeZone)))
        }
        let firstClass = history.first?.0 ?? currentClass
        guard firstClass == "EMER" || inpatientClasses.contains(firstClass) else {
            throw FeedMessageError(code: .tableValueNotFound,
                                   problem: "class '\(firstClass)' is not read: an emergency (EMER) or inpatient (IMP, ACUTE, "
                                       + "NONAC, SS, OBSENC) encounter is")
        }
        let period = resource["period"] as? [String: Any]
        guard let start = try minute(period?["start"], "period.start", timeZone) else {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "period.start: when the encounter began is needed")
        }
        let patient = try patient(resource, patients)
        var locations: [(code: String, start: Double)] = []
        for (index, entry) in (resource["location"] as? [[String: Any]] ?? []).enumerated() {
            guard let code = reference(entry["location"], "Location") else {
                throw FeedMessageError(code: .requiredFieldMissing, problem: "location[\(index)].location: no Location reference")
            }
            if entry["status"] as? String == "planned" { continue }
            let at = try minute((entry["period"] as? [String: Any])?["start"], "location[\(index)].period.start", timeZone) ?? start
            locations.append((code, at))
        }
        locations.sort { $0.start < $1.start }
        let elective = ((resource["priority"] as? [String: Any])?["coding"] as? [[String: Any]])?
            .contains { $0["code"] as? String == "EL" } ?? false
        let disposition = ((((resource["hospitalization"] as? [String: Any])?["dischargeDisposition"] as? [String: Any])?["coding"]
            as? [[String: Any]])?.first?["code"] as? String).map(destination) ?? .other
        func event(_ kind: FeedEvent.Kind, _ part: String, at minute: Double, location: String?, prior: String? = nil,
                   inpatient: Bool) -> FeedEvent
        {
            FeedEvent(kind: kind, minute: minute, localID: patient.localID, nhsID: patient.nhs, birthDate: patient.birthDate,
                      sex: patient.sex, patientClass: inpatient ? "I" : "E",
                      location: location.map { FeedEvent.Location(pointOfCare: $0) }, admissionType: elective ? "L" : "E",
                      priorLocation: prior.map { FeedEvent.Location(pointOfCare: $0) }, hospitalService: "",
                      visitNumber: id, dischargeDisposition: kind == .discharge ? disposition.code : "", mergedLocalID: nil,
                      vitals: nil, controlID: "Encounter/\(id):\(part)", admittedAt: start)
        }
        func location(at minute: Double) -> String? { locations.last { $0.start <= minute }?.code ?? locations.first?.code }
        var events: [FeedEvent] = []
        let emergency = firstClass == "EMER"
        events.append(event(emergency ? .register : .admit, "start", at: start, location: location(at: start),
                            inpatient: !emergency))
        if emergency, inpatientClasses.contains(currentClass) {
            let admitted = history.first { inpatientClasses.contains($0.0) }?.1 ?? locations.dropFirst().first?.start ?? start
            events.append(event(.admit, "admit", at: admitted, location: location(at: admitted), inpatient: true))
        }
        for (index, move) in locations.enumerated().dropFirst() where move.code != locations[index - 1].code {
            events.append(event(.transfer, "location\(index):\(move.code)", at: move.start, location: move.code,
                                prior: locations[index - 1].code, inpatient: inpatientClasses.contains(currentClass)))
        }
        if status == "finished" {
            guard let end = try minute(period?["end"], "period.end", timeZone) else {
                throw FeedMessageError(code: .requiredFieldMissing, problem: "period.end: a finished encounter needs its end")
            }
            events.append(event(.discharge, "end", at: end, location: location(at: end),
                                inpatient: inpatientClasses.contains(currentClass)))
        }
        return events.sorted { $0.minute < $1.minute }
    }

    /// FHIR's discharge-disposition codes (http://terminology.hl7.org/CodeSystem/discharge-disposition) as the
    /// feed's destinations.
    static func destination(_ code: String) -> DischargeDestination {
        switch code {
        case "home", "alt-home": .home
        case "snf", "long": .careHome
        case "exp": .died
        case "other-hcf", "hosp", "psy", "rehab": .otherHospital
        default: .other
        }
    }

    /// An Observation of vital signs (final, amended or corrected; its value, or its components' values, by LOINC
    /// or SNOMED CT code, with the same units as an OBX), or nil when it holds none.
    static func observationEvent(_ resource: [String: Any], patients: [String: Patient], timeZone: TimeZone)
        throws(FeedMessageError) -> FeedEvent?
    {
        let id = resource["id"] as? String ?? ""
        guard !id.isEmpty else { throw FeedMessageError(code: .requiredFieldMissing, problem: "no id") }
        guard ["final", "amended", "corrected"].contains(resource["status"] as? String ?? "") else { return nil }
        var vitals = VitalSigns()
        var any = false
        func read(_ part: [String: Any], _ name: String) throws(FeedMessageError) {
            let codings = (part["code"] as? [String: Any])?["coding"] as? [[String: Any]] ?? []
            guard let code = codings.lazy.compactMap({ ($0["code"] as? String).flatMap(VitalSignCode.init(rawValue:)) }).first else {
                return
            }
            var text = "", unit = ""
            if let quantity = part["valueQuantity"] as? [String: Any] {
                if let value = quantity["value"] as? NSNumber { text = value.stringValue }
                unit = quantity["code"] as? String ?? quantity["unit"] as? String ?? ""
            } else if let concept = part["valueCodeableConcept"] as? [String: Any] {
                text = ((concept["coding"] as? [[String: Any]])?.first?["code"] as? String) ?? concept["text"] as? String ?? ""
            } else if let string = part["valueString"] as? String {
                text = string
            }
            any = true
            try ObservationReader.read(code, value: text, unit: unit, into: &vitals, name: "\(name) (\(code.rawValue))",
                                       field: name)
        }
        try read(resource, "Observation")
        for (index, component) in (resource["component"] as? [[String: Any]] ?? []).enumerated() {
            try read(component, "component[\(index)]")
        }
        guard any else { return nil }
        var taken = try minute(resource["effectiveDateTime"], "effectiveDateTime", timeZone)
        if taken == nil {
            taken = try minute((resource["effectivePeriod"] as? [String: Any])?["start"], "effectivePeriod.start", timeZone)
        }
        if taken == nil { taken = try minute(resource["issued"], "issued", timeZone) }
        guard let taken else {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "effectiveDateTime: when it was taken is needed")
        }
        let patient = try patient(resource, patients)
        return FeedEvent(kind: .observation, minute: taken, localID: patient.localID, nhsID: patient.nhs,
                         birthDate: patient.birthDate, sex: patient.sex, patientClass: "", location: nil, admissionType: "",
                         priorLocation: nil, hospitalService: "", visitNumber: reference(resource["encounter"], "Encounter") ?? "",
                         dischargeDisposition: "", mergedLocalID: nil, vitals: vitals, controlID: "Observation/\(id)")
    }
}
