import Foundation
import HL7
import PatientTwin

/// What a message of the hospital's feed says happened, read from its HL7 fields (Docs/FEED.md, "Messages").
public struct FeedEvent: Sendable, Hashable {
    /// The events the feed reads: ADT triggers by their HL7 codes, and observations (ORU^R01).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case admit = "A01", transfer = "A02", discharge = "A03", register = "A04", preadmit = "A05"
        case outpatientToInpatient = "A06", inpatientToOutpatient = "A07", update = "A08"
        case cancelAdmit = "A11", cancelTransfer = "A12", cancelDischarge = "A13"
        case leaveOfAbsence = "A21", returnFromLeave = "A22", merge = "A40"
        case observation = "R01"
    }

    /// A point of care as the feed names it (PV1-3 and PV1-6, HL7's PL): a ward with no bed is a location too.
    public struct Location: Sendable, Hashable {
        /// PL.1, the point of care ("AMU", "WD07"): what the scenario's `locations:` maps to a unit.
        public let pointOfCare: String
        /// PL.2, the room or bay ("" when absent).
        public let room: String
        /// PL.3, the bed ("" for a ward with no bed).
        public let bed: String
        /// PL.4, the facility ("" when absent).
        public let facility: String

        /// A point of care; with no room, bed or facility, a ward.
        public init(pointOfCare: String, room: String = "", bed: String = "", facility: String = "") {
            self.pointOfCare = pointOfCare
            self.room = room
            self.bed = bed
            self.facility = facility
        }
    }

    /// The trigger event (or an observation).
    public let kind: Kind
    /// When it happened, epoch minutes (UTC): EVN-6, else EVN-2, else MSH-7 (for observations: OBX-14, else
    /// OBR-7, else MSH-7). A time without an offset is the hospital's local time.
    public let minute: Double
    /// The patient's local identifier (PID-3 of type MR, else the first that is not the NHS number).
    public let localID: String?
    /// PID-3 of type or authority NH/NHS: the NHS number's ten digits, its check digit checked — or, in a message
    /// stored pseudonymised (identifier type `NHP`, `FeedPrivacy`), its pseudonym.
    public let nhsID: String?
    /// PID-7, local calendar date (year, month, day), when given.
    public let birthDate: DateComponents?
    /// PID-8.
    public let sex: Sex
    /// PV1-2: E emergency, I inpatient, O outpatient, P preadmit, … ("" when absent).
    public let patientClass: String
    /// PV1-3, where the patient is (or goes) with this event.
    public let location: Location?
    /// PV1-4, the admission type (E emergency, A accident, L elective, R routine, …).
    public let admissionType: String
    /// PV1-6, where the patient was (a transfer's origin).
    public let priorLocation: Location?
    /// PV1-10, the hospital service (specialty code).
    public let hospitalService: String
    /// PV1-19, the visit (spell) number.
    public let visitNumber: String
    /// PV1-36, the discharge disposition.
    public let dischargeDisposition: String
    /// PV1-44, when the spell began (its admission, or its ED arrival before one), epoch minutes; nil when not
    /// given. What tells the log a patient first heard of by a move, a discharge or an observation — in hospital
    /// when the feed was switched on, or whose admission never came — has been in hospital since then.
    public let admittedAt: Double?
    /// A40: MRG-1, the identifier merged into this patient (local id).
    public let mergedLocalID: String?
    /// For observations: the vital signs the message carries (only those it gives), and when they were taken.
    public let vitals: VitalSigns?
    /// MSH-10 of the message it came from: what a report names when it points at a message.
    public let controlID: String

    /// An event as a message would carry it (`FeedMessageWriter` writes it; the reader gives it back).
    public init(kind: Kind, minute: Double, localID: String?, nhsID: String?, birthDate: DateComponents?, sex: Sex,
                patientClass: String, location: Location?, admissionType: String, priorLocation: Location?,
                hospitalService: String, visitNumber: String, dischargeDisposition: String, mergedLocalID: String?,
                vitals: VitalSigns?, controlID: String, admittedAt: Double? = nil)
    {
        self.kind = kind
        self.minute = minute
        self.localID = localID
        self.nhsID = nhsID
        self.birthDate = birthDate
        self.sex = sex
        self.patientClass = patientClass
        self.location = location
        self.admissionType = admissionType
        self.priorLocation = priorLocation
        self.hospitalService = hospitalService
        self.visitNumber = visitNumber
        self.dischargeDisposition = dischargeDisposition
        self.mergedLocalID = mergedLocalID
        self.vitals = vitals
        self.controlID = controlID
        self.admittedAt = admittedAt
    }

    /// Where a discharge (A03) sends the patient, from PV1-36.
    public var dischargeDestination: DischargeDestination { DischargeDestination(code: dischargeDisposition) }
}

/// Where a patient goes at discharge, as PV1-36 codes it with the NHS Data Dictionary's discharge destination
/// codes (Hospital Provider Spell): the one vocabulary the feed reads and the shadow hospital writes.
public enum DischargeDestination: String, Sendable, Hashable, CaseIterable {
    /// 19 usual place of residence, 29 temporary place of residence.
    case home
    /// 54 NHS care home, 65 local authority residential accommodation, 85 non-NHS care home, 88 non-NHS hospice.
    case careHome
    /// 79: the patient died.
    case died
    /// 49–53 another NHS hospital provider, 84 and 87 a non-NHS hospital.
    case otherHospital
    /// Any other code, or none.
    case other

    /// The destination `code` (PV1-36) names.
    public init(code: String) {
        switch code.trimmingCharacters(in: .whitespaces) {
        case "19", "29": self = .home
        case "54", "65", "85", "88": self = .careHome
        case "79": self = .died
        case "49", "50", "51", "52", "53", "84", "87": self = .otherHospital
        default: self = .other
        }
    }

    /// The code written for it: 19, 54, 79, 51, or 98 (not applicable).
    public var code: String {
        switch self {
        case .home: "19"
        case .careHome: "54"
        case .died: "79"
        case .otherHospital: "51"
        case .other: "98"
        }
    }

    /// True when the patient left alive to where the hospital may see it again through its own ED: home or a care
    /// home (a patient who died, or went to another hospital, is not followed for readmission).
    public var isFollowedForReadmission: Bool { self == .home || self == .careHome }
}

/// Why a message cannot become an event: the table-0357 condition and a reason naming the field.
public struct FeedMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HL7 table-0357 condition its acknowledgement carries.
    public let code: HL7ErrorCode
    /// What was wrong, naming the field.
    public let problem: String
    public var description: String { problem }
}

/// Reads events from parsed HL7 messages.
public enum FeedMessageReader {
    /// The event `message` describes. `timeZone` reads times without an offset.
    public static func event(from message: HL7Message, timeZone: TimeZone) throws(FeedMessageError) -> FeedEvent {
        let type = message.messageType
        let msh = message.segments[0]
        let evn = message.segment("EVN")
        let code = type.event.isEmpty ? evn?[1] ?? "" : type.event
        guard type.code == "ADT" || (type.code == "ORU" && code == "R01") else {
            throw FeedMessageError(code: .unsupportedMessageType,
                                   problem: "MSH-9: message type '\(type.code)^\(type.event)' is not read; expected ADT or ORU^R01")
        }
        guard let kind = FeedEvent.Kind(rawValue: code), type.code == "ADT" || kind == .observation else {
            throw FeedMessageError(code: .unsupportedEventCode,
                                   problem: "MSH-9: event '\(code)' is not read; expected one of "
                                       + FeedEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let pid = message.segment("PID") else {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "the message has no PID segment")
        }
        let (localID, nhsID) = try identifiers(pid.field(3), field: "PID-3")
        guard localID != nil || nhsID != nil else {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "PID-3: no patient identifier")
        }
        let pv1 = message.segment("PV1")
        var vitals: VitalSigns?
        var minute: Double?
        if kind == .observation {
            let observations = try ObservationReader.vitals(in: message, timeZone: timeZone)
            vitals = observations.vitals
            minute = observations.minute
            if minute == nil, let obr = message.segment("OBR") { minute = try time(obr[7], "OBR-7", timeZone) }
        } else if let evn {
            minute = try time(evn[6], "EVN-6", timeZone)
            if minute == nil { minute = try time(evn[2], "EVN-2", timeZone) }
        }
        if minute == nil { minute = try time(msh[7], "MSH-7", timeZone) }
        guard let minute else {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "no event time: EVN-6, EVN-2 and MSH-7 are empty")
        }
        if kind == .merge, message.segment("MRG") == nil {
            throw FeedMessageError(code: .requiredFieldMissing, problem: "A40 without an MRG segment: nothing to merge")
        }
        var merged: String?
        if let mrg = message.segment("MRG") { merged = try identifiers(mrg.field(1), field: "MRG-1").local }
        var birthDate: DateComponents?
        if !pid[7].isEmpty {
            guard let date = HL7DateTime(pid[7]) else {
                throw FeedMessageError(code: .dataTypeError, problem: "PID-7: '\(pid[7])' is not an HL7 date (YYYYMMDD)")
            }
            birthDate = DateComponents(year: date.year, month: date.month, day: date.day)
        }
        var admittedAt: Double?
        if let pv1 { admittedAt = try time(pv1[44], "PV1-44", timeZone) }
        let sex: Sex = switch pid[8].uppercased() {
        case "F": .female
        case "M": .male
        default: .unknown
        }
        return FeedEvent(kind: kind, minute: minute, localID: localID, nhsID: nhsID, birthDate: birthDate, sex: sex,
                         patientClass: pv1?[2] ?? "", location: pv1.flatMap { location($0, 3) },
                         admissionType: pv1?[4] ?? "", priorLocation: pv1.flatMap { location($0, 6) },
                         hospitalService: pv1?[10] ?? "", visitNumber: pv1?[19] ?? "",
                         dischargeDisposition: pv1?[36] ?? "", mergedLocalID: merged, vitals: vitals,
                         controlID: message.controlID, admittedAt: admittedAt)
    }

    /// Checks what pseudonymising a message hides from a later reading: each NHS number in PID-3 and MRG-1 must pass
    /// its check digit. The rest of a message reads the same before and after (`FeedPrivacy`).
    public static func checkIdentifiers(in message: HL7Message) throws(FeedMessageError) {
        if let pid = message.segment("PID") { _ = try identifiers(pid.field(3), field: "PID-3") }
        if let mrg = message.segment("MRG") { _ = try identifiers(mrg.field(1), field: "MRG-1") }
    }

    /// The local identifier and NHS number in a CX list: the NHS number by its identifier type (CX.5) NH or its
    /// assigning authority (CX.4) NHS or NH, never by position; the local id of type MR, else the first other one.
    static func identifiers(_ field: HL7Field?, field name: String) throws(FeedMessageError)
        -> (local: String?, nhs: String?)
    {
        guard let field else { return (nil, nil) }
        var local: String?, firstOther: String?, nhs: String?
        for repetition in 1...max(1, field.repetitions.count) {
            let id = field.value(repetition: repetition, component: 1)
            guard !id.isEmpty else { continue }
            let authority = field.value(repetition: repetition, component: 4).uppercased()
            let type = field.value(repetition: repetition, component: 5).uppercased()
            if type == FeedPrivacy.pseudonymisedNHSType {
                nhs = id
            } else if type == "NH" || authority == "NHS" || authority == "NH" {
                guard let number = NHSNumber(id) else {
                    throw FeedMessageError(code: .dataTypeError,
                                           problem: "\(name): '\(id)' is marked an NHS number but fails its check digit")
                }
                nhs = number.digits
            } else if type == "MR" {
                local = local ?? id
            } else {
                firstOther = firstOther ?? id
            }
        }
        return (local ?? firstOther, nhs)
    }

    static func location(_ segment: HL7Segment, _ number: Int) -> FeedEvent.Location? {
        let point = segment[number, component: 1]
        guard !point.isEmpty else { return nil }
        return FeedEvent.Location(pointOfCare: point, room: segment[number, component: 2], bed: segment[number, component: 3],
                                  facility: segment[number, component: 4])
    }

    /// An HL7 date-time as epoch minutes (nil when empty); local times read in `timeZone`.
    static func time(_ text: String, _ field: String, _ timeZone: TimeZone) throws(FeedMessageError) -> Double? {
        guard !text.isEmpty else { return nil }
        guard let value = HL7DateTime(text) else {
            throw FeedMessageError(code: .dataTypeError, problem: "\(field): '\(text)' is not an HL7 date-time (YYYYMMDDHHMM[SS][+ZZZZ])")
        }
        return value.utcMinutesSinceEpoch ?? RecordTime.epochMinute(ofWallClock: value.localMinutesSinceEpoch, in: timeZone)
    }
}
