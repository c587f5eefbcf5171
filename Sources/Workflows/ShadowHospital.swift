import Feed
import Foundation
import HL7
import HospitalModel
import PatientTwin
import Scenario
import Simulation

/// The faults of a real feed a shadow hospital can add, each as a share of the messages it applies to (0–1). None
/// changes the census the feed gives: a receiver that handles them as Docs/FEED.md says gets the simulated census
/// back exactly.
public struct FeedFaults: Sendable, Hashable {
    /// Share of messages sent a second time (a retransmission: the same bytes, the same MSH-10).
    public var duplicates = 0.0
    /// Share of messages delivered late, after up to five later ones.
    public var outOfOrder = 0.0
    /// Share of admissions, transfers and discharges first sent wrong (another place, or a discharge too early),
    /// then cancelled (A11, A12, A13), then sent right.
    public var cancelAndResend = 0.0
    /// Share of ED arrivals registered under a temporary number and merged (A40) into the patient's own record at
    /// its next event.
    public var merges = 0.0
    /// Share of messages preceded by a corrupted copy (a birth date in month 13, no PID, an unknown event) that a receiver must
    /// refuse and keep in its quarantine.
    public var malformed = 0.0

    /// The goal run's feed (Docs/BACKTEST.md): 2% duplicates, 5% out of order, 2% cancel-and-resend, 2% merges.
    public static let goalFeed = FeedFaults(duplicates: 0.02, outOfOrder: 0.05, cancelAndResend: 0.02, merges: 0.02)

    /// Faults at these shares (each 0–1; 0: none).
    public init(duplicates: Double = 0, outOfOrder: Double = 0, cancelAndResend: Double = 0, merges: Double = 0,
                malformed: Double = 0)
    {
        self.duplicates = duplicates
        self.outOfOrder = outOfOrder
        self.cancelAndResend = cancelAndResend
        self.merges = merges
        self.malformed = malformed
    }

    /// The faults' names as the command line spells them, with their shares.
    var named: [(String, Double)] {
        [("duplicates", duplicates), ("out-of-order", outOfOrder), ("cancel-and-resend", cancelAndResend),
         ("merges", merges), ("malformed", malformed)]
    }
}

/// What a shadow hospital sent.
public struct ShadowFeed: Sendable {
    /// One message's bytes (HL7 v2.5.1, segments ended by CR), when it is due (its event's epoch minute), in delivery
    /// order.
    public struct Message: Sendable {
        /// The message: HL7 v2.5.1, segments ended by CR, no MLLP framing.
        public let bytes: [UInt8]
        /// When the hospital sends it, epoch minutes: its event's time (a late message keeps its own).
        public let minute: Double
        /// True for a corrupted copy a receiver must refuse.
        public let malformed: Bool
    }

    /// Every message, faults included, in the order a receiver gets them.
    public let messages: [Message]
    /// Where every patient was at each local midnight from the feed's start. Without a warm-up, the census the feed
    /// must give back; with one, also the patients admitted before the feed began, whom the feed's census lacks
    /// until they move or leave.
    public let midnights: [MidnightPlaces]
    /// Messages of each kind before faults, by HL7 event code (A01, A02, …, R01).
    public let counts: [String: Int]
    /// The point-of-care code written for each place: the ED's, each unit's (by index), and the theatres'.
    public let codes: ShadowHospital.Codes
    /// The local identifier (PID-3, type MR) of a patient's own record; a temporary record is `temporaryID`.
    public static func localID(of patient: PatientID) -> String { "SIM" + String(patient.value) }
    /// The local identifier of the temporary record a patient's spell was registered under (a merge fault).
    public static func temporaryID(of patient: PatientID, spell: Int) -> String { "TMP\(patient.value).\(spell)" }
    /// The patient a local identifier of this feed names, own or temporary; nil for any other identifier.
    public static func patient(ofLocalID id: String) -> PatientID? {
        if id.hasPrefix("SIM") { return UInt64(id.dropFirst(3)).map(PatientID.init) }
        if id.hasPrefix("TMP") { return UInt64(id.dropFirst(3).prefix { $0 != "." }).map(PatientID.init) }
        return nil
    }
}

/// A simulated hospital that sends the messages a real one's patient administration system and observation charts
/// would (Docs/FEED.md, "The shadow hospital"): for tests, demonstrations and load. One replication of the
/// scenario from an empty hospital at its start, every patient's movement an HL7 message.
public enum ShadowHospital {
    /// The point-of-care codes the feed writes, from the scenario's `locations:` (the first code, in sorted order,
    /// of each place).
    public struct Codes: Sendable, Hashable {
        /// The ED's code.
        public let emergencyDepartment: String
        /// Each unit's code, by the unit's index in the configuration.
        public let units: [String]
        /// The theatres' code; nil for a scenario without theatres.
        public let theatres: String?

        /// The codes of `scenario`; throws an input error naming every place `locations:` gives no code.
        public init(_ scenario: Scenario, file: String) throws(WorkflowError) {
            var byUnit: [Int: String] = [:]
            var ed: String?, theatres: String?
            for (code, place) in scenario.locations.sorted(by: { $0.key < $1.key }) {
                switch place {
                case .unit(let index): byUnit[index] = byUnit[index] ?? code
                case .emergencyDepartment: ed = ed ?? code
                case .theatres: theatres = theatres ?? code
                case .discharged: continue
                }
            }
            let units = scenario.configuration.units
            var missing = units.indices.filter { byUnit[$0] == nil }.map { "'\(units[$0].name)'" }
            if ed == nil { missing.insert("emergency_department", at: 0) }
            if theatres == nil, scenario.configuration.theatres != nil { missing.append("theatres") }
            guard missing.isEmpty, let ed else {
                throw WorkflowError(.input, "\(file): locations: no code for \(missing.joined(separator: ", ")); the shadow "
                    + "hospital writes each place's point-of-care code, so every unit, the emergency department and the "
                    + "theatres need one (Docs/FEED.md)")
            }
            emergencyDepartment = ed
            self.units = units.indices.map { byUnit[$0] ?? "" }
            self.theatres = theatres
        }
    }

    /// Most days a feed's hospital may run before it is switched on (ten years).
    public static let maximumWarmUpDays = 3650

    /// What is wrong with `warmUpDays` as `--warmup`, nil when it is from 0 to `maximumWarmUpDays`.
    public static func warmUpProblem(_ warmUpDays: Int) -> String? {
        (0...maximumWarmUpDays).contains(warmUpDays) ? nil
            : "--warmup must be from 0 to 3,650 days, found \(warmUpDays)"
    }

    /// The sending system written in MSH-3 and MSH-4 by default.
    public static let sender = FeedSender(application: "SHADOW-PAS", facility: "SHADOW")

    /// The feed of `prepared` run for `days` days from its start with `seed`, with `faults`, sent as `sender`.
    ///
    /// With `warmUpDays` > 0 the hospital runs that many days before the scenario's start sending nothing, so the
    /// feed begins in a hospital already in its steady state, as a real feed is switched on: its first messages
    /// include moves and discharges of patients admitted before it, which a receiver has never seen admitted.
    /// `midnights` are then the hospital's own, those patients included. 0 to `maximumWarmUpDays`.
    public static func emit(_ prepared: PreparedScenario, days: Int, seed: UInt64, faults: FeedFaults = FeedFaults(),
                            sender: FeedSender = ShadowHospital.sender, warmUpDays: Int = 0) throws(WorkflowError) -> ShadowFeed
    {
        for (name, share) in faults.named where !(0...1).contains(share) {
            throw WorkflowError(.input, "--\(name) must be a share from 0 to 1, found \(share)")
        }
        if let problem = warmUpProblem(warmUpDays) { throw WorkflowError(.input, problem) }
        let codes = try Codes(prepared.scenario, file: prepared.file)
        let zone = prepared.scenario.configuration.timeZone
        let feedStart = ForecastStart.epochMinute(of: prepared.scenario.configuration.start, in: zone)
        var running = prepared
        if warmUpDays > 0 {
            let start = prepared.scenario.configuration.start.localMinutesSinceEpoch
            let earlier = prepared.scenario.starting(at: LocalDateTime(localMinutesSinceEpoch: start - Double(warmUpDays) * 1440))
            running = try PreparedScenario(earlier, file: prepared.file,
                                           plan: RunSettings(horizonDays: warmUpDays + days, warmUpDays: 0, replications: 1, seed: seed))
        }
        let result: HospitalRunResult
        do {
            result = try HospitalSimulation.run(running.hospital, horizonDays: warmUpDays + days, warmUpDays: 0,
                                                streams: RandomStreams(masterSeed: seed).replication(0), recordMovements: true)
        } catch {
            throw WorkflowError(.input, "\(prepared.file): \(error)")
        }
        var writer = Writer(codes: codes, zone: zone, faults: faults, sender: sender,
                            stream: RandomStreams(masterSeed: seed).stream(for: "shadow feed faults"),
                            silentBefore: warmUpDays > 0 ? Int64((feedStart * Writer.ticksPerMinute).rounded(.down)) : .min)
        for movement in result.movements ?? [] { writer.write(movement) }
        return ShadowFeed(messages: writer.delivered(), midnights: (result.midnightPlaces ?? []).filter { $0.epochMinute >= feedStart },
                          counts: writer.counts, codes: codes)
    }

    /// Turns movements into messages, patient by patient, with the faults.
    struct Writer {
        let codes: Codes
        let zone: TimeZone
        let faults: FeedFaults
        let sender: FeedSender
        var stream: RandomStream
        /// Movements before this tick (the warm-up) update what the feed knows of a patient and send nothing, and
        /// draw no fault.
        let silentBefore: Int64
        var outbox: [(message: ShadowFeed.Message, delay: Int)] = []
        var counts: [String: Int] = [:]
        var patients: [PatientID: PatientState] = [:]
        var sequence = 0

        /// What the feed has said of a patient so far.
        struct PatientState {
            var birth: DateComponents
            var spell = -1
            var localID = ""
            var visit = ""
            var location: FeedEvent.Location?
            var inHospital = false
            var admitted = false
            /// PV1-44: the spell's ED arrival, then its admission, epoch minutes at a whole tick.
            var admittedAt: Double?
            var pendingMerge: String?
            /// The last time written for the patient, in ticks of 1/10,000 s: each of its messages is later.
            var lastTick: Int64 = .min
        }

        static let ticksPerMinute = 600_000.0

        mutating func write(_ movement: HospitalMovement) {
            var state = patients[movement.patient] ?? PatientState(birth: birthDate(of: movement))
            if movement.spell != state.spell {
                // A new spell: a new visit number, under the patient's own record.
                state.spell = movement.spell
                state.visit = "V\(movement.patient.value).\(movement.spell)"
                state.localID = ShadowFeed.localID(of: movement.patient)
                state.inHospital = false
                state.admitted = false
                state.pendingMerge = nil
                state.location = nil
                state.admittedAt = nil
            }
            let tick = Int64((movement.epochMinute * Self.ticksPerMinute).rounded(.down))
            let elective = movement.attributes.admissionMethod == .elective
            switch movement.kind {
            case .arrivedAtED:
                if faults.merges > 0, tick >= silentBefore, stream.nextUniform() < faults.merges {
                    state.localID = ShadowFeed.temporaryID(of: movement.patient, spell: movement.spell)
                    state.pendingMerge = state.localID
                }
                state.inHospital = true
                state.admitted = false
                state.admittedAt = Double(tick) / Self.ticksPerMinute
                state.location = place(codes.emergencyDepartment)
                send(.register, for: movement, &state, at: tick, patientClass: "E")
            case .admittedInED:
                mergeIfPending(movement, &state, at: tick)
                state.admitted = true
                state.admittedAt = Double(tick) / Self.ticksPerMinute
                send(.admit, for: movement, &state, at: tick, patientClass: "I", cancellable: true)
            case .enteredUnit(let unit):
                enter(place(codes.units[unit]), movement, &state, at: tick, elective: elective)
            case .enteredTheatres:
                enter(place(codes.theatres ?? codes.emergencyDepartment), movement, &state, at: tick, elective: elective)
            case .enteredSameDayEmergencyCare:
                guard state.inHospital else { break }
                mergeIfPending(movement, &state, at: tick)
                send(.discharge, for: movement, &state, at: tick, patientClass: "E", disposition: .home)
                state.inHospital = false
            case .left(let departure):
                guard state.inHospital else { break }
                mergeIfPending(movement, &state, at: tick)
                let destination: DischargeDestination = switch departure {
                case .home: .home
                case .careHome: .careHome
                case .died: .died
                case .otherHospital: .otherHospital
                }
                send(.discharge, for: movement, &state, at: tick, patientClass: state.admitted ? "I" : "E",
                     disposition: destination, cancellable: true)
                state.inHospital = false
            case .observed(let news2):
                guard state.inHospital else { break }
                send(.observation, for: movement, &state, at: tick, patientClass: state.admitted ? "I" : "E",
                     vitals: VitalSigns.scoring(news2))
            }
            patients[movement.patient] = state
        }

        /// Into a unit or the theatres: an admission when the feed has not admitted the patient, else a transfer.
        mutating func enter(_ location: FeedEvent.Location, _ movement: HospitalMovement, _ state: inout PatientState,
                            at tick: Int64, elective: Bool)
        {
            if !state.inHospital {
                state.inHospital = true
                state.localID = ShadowFeed.localID(of: movement.patient)
            } else {
                mergeIfPending(movement, &state, at: tick)
            }
            let prior = state.location
            state.location = location
            if state.admitted {
                send(.transfer, for: movement, &state, at: tick, patientClass: "I", prior: prior, cancellable: true)
            } else {
                state.admitted = true
                state.admittedAt = Double(tick) / Self.ticksPerMinute
                send(.admit, for: movement, &state, at: tick, patientClass: "I", admissionType: elective ? "L" : "E",
                     cancellable: true)
            }
        }

        /// A patient registered under a temporary number is merged into its own record before its next event.
        mutating func mergeIfPending(_ movement: HospitalMovement, _ state: inout PatientState, at tick: Int64) {
            guard let temporary = state.pendingMerge else { return }
            state.pendingMerge = nil
            state.localID = ShadowFeed.localID(of: movement.patient)
            send(.merge, for: movement, &state, at: tick - 4, patientClass: state.admitted ? "I" : "E", merged: temporary)
        }

        func place(_ code: String) -> FeedEvent.Location { FeedEvent.Location(pointOfCare: code, facility: sender.facility) }

        /// A patient's birth date, the same in each of its spells: its age at this movement, its birthday on a
        /// day of the year drawn from its id.
        func birthDate(of movement: HospitalMovement) -> DateComponents {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let now = Date(timeIntervalSince1970: movement.epochMinute * 60)
            let daysBack = Int(movement.patient.value % 364) + 1
            let birthday = calendar.date(byAdding: DateComponents(year: -movement.attributes.ageYears, day: -daysBack), to: now) ?? now
            return calendar.dateComponents([.year, .month, .day], from: birthday)
        }

        /// Writes one message of the patient, at `tick` or just after its last, with the faults that apply.
        mutating func send(_ kind: FeedEvent.Kind, for movement: HospitalMovement, _ state: inout PatientState, at tick: Int64,
                           patientClass: String, admissionType: String? = nil, prior: FeedEvent.Location? = nil,
                           disposition: DischargeDestination? = nil, merged: String? = nil, vitals: VitalSigns? = nil,
                           cancellable: Bool = false)
        {
            if cancellable, faults.cancelAndResend > 0, tick >= silentBefore, stream.nextUniform() < faults.cancelAndResend {
                // First sent wrong: another place, or (a discharge) sent and then cancelled as a mistake.
                var wrong = state.location
                if kind != .discharge {
                    let others = codes.units.filter { $0 != state.location?.pointOfCare }
                    if !others.isEmpty { wrong = place(others[stream.nextInt(below: others.count)]) }
                }
                let cancel: FeedEvent.Kind = switch kind {
                case .admit: .cancelAdmit
                case .transfer: .cancelTransfer
                default: .cancelDischarge
                }
                emit(kind, movement, &state, at: tick - 2, patientClass: patientClass, location: wrong,
                     admissionType: admissionType, prior: prior, disposition: disposition, merged: nil, vitals: nil)
                emit(cancel, movement, &state, at: tick - 1, patientClass: patientClass, location: wrong,
                     admissionType: admissionType, prior: prior, disposition: nil, merged: nil, vitals: nil)
            }
            emit(kind, movement, &state, at: tick, patientClass: patientClass, location: state.location,
                 admissionType: admissionType, prior: prior, disposition: disposition, merged: merged, vitals: vitals)
        }

        mutating func emit(_ kind: FeedEvent.Kind, _ movement: HospitalMovement, _ state: inout PatientState, at wanted: Int64,
                           patientClass: String, location: FeedEvent.Location?, admissionType: String?,
                           prior: FeedEvent.Location?, disposition: DischargeDestination?, merged: String?,
                           vitals: VitalSigns?)
        {
            let tick = max(wanted, state.lastTick &+ 1)
            state.lastTick = tick
            guard tick >= silentBefore else { return }
            let minute = Double(tick) / Self.ticksPerMinute
            sequence += 1
            counts[kind.rawValue, default: 0] += 1
            let nhs = state.localID.hasPrefix("TMP") ? nil : Self.nhsNumber(of: movement.patient)
            let event = FeedEvent(
                kind: kind, minute: minute, localID: state.localID, nhsID: nhs, birthDate: state.birth,
                sex: movement.attributes.sex, patientClass: patientClass, location: location,
                admissionType: admissionType ?? (movement.attributes.admissionMethod == .elective ? "L" : "E"),
                priorLocation: prior, hospitalService: movement.attributes.specialty.treatmentFunctionCode ?? "", visitNumber: state.visit,
                dischargeDisposition: disposition?.code ?? "", mergedLocalID: merged, vitals: vitals,
                controlID: "SH\(sequence)", admittedAt: state.admittedAt)
            let message = FeedMessageWriter.message(for: event, from: sender, timeZone: zone)
            if faults.malformed > 0, stream.nextUniform() < faults.malformed {
                outbox.append((ShadowFeed.Message(bytes: corrupted(message), minute: minute, malformed: true), 0))
            }
            let delay = faults.outOfOrder > 0 && stream.nextUniform() < faults.outOfOrder ? 1 + stream.nextInt(below: 5) : 0
            outbox.append((ShadowFeed.Message(bytes: message.bytes, minute: minute, malformed: false), delay))
            if faults.duplicates > 0, stream.nextUniform() < faults.duplicates {
                outbox.append((ShadowFeed.Message(bytes: message.bytes, minute: minute, malformed: false), 1 + stream.nextInt(below: 3)))
            }
        }

        /// A copy of `message` under its own control id that a receiver must refuse: a birth date that does not exist, no
        /// PID, or an event the feed does not read.
        mutating func corrupted(_ message: HL7Message) -> [UInt8] {
            var segments = message.segments
            let msh = segments[0]
            var mshFields = msh.fields
            mshFields[9] = HL7Field(repetitions: [[[msh[10] + "X"]]])
            switch stream.nextInt(below: 3) {
            case 0:
                if let pid = segments.firstIndex(where: { $0.name == "PID" }) {  // PID-7, a birth date in month 13
                    var fields = segments[pid].fields
                    fields[6] = HL7Field(repetitions: [[["19411345"]]])
                    segments[pid] = HL7Segment(name: "PID", fields: fields)
                }
            case 1:
                segments.removeAll { $0.name == "PID" }
            default:
                mshFields[8] = HL7Field(repetitions: [[["ADT"], ["A99"], ["ADT_A01"]]])
            }
            segments[0] = HL7Segment(name: "MSH", fields: mshFields)
            return HL7Message(segments: segments, encoding: message.encoding, characterSet: message.characterSet).bytes
        }

        /// The messages in delivery order: each late one after the number of later ones it was held for.
        func delivered() -> [ShadowFeed.Message] {
            // A message held for k later ones goes between the k-th and the (k+1)-th after it.
            func slot(_ index: Int, _ delay: Int) -> Double { Double(index) + (delay > 0 ? Double(delay) + 0.5 : 0) }
            return outbox.enumerated()
                .sorted { (slot($0.offset, $0.element.delay), $0.offset) < (slot($1.offset, $1.element.delay), $1.offset) }
                .map(\.element.message)
        }

        /// A patient's NHS number: 999 (the range reserved for testing) and six digits from its id, with its
        /// modulus-11 check digit (a number whose check would be 10 takes the next six digits).
        static func nhsNumber(of patient: PatientID) -> String {
            var value = patient.value
            while true {
                let digits = "999" + String(format: "%06d", Int(value % 1_000_000))
                if let number = (0...9).lazy.compactMap({ NHSNumber(digits + String($0)) }).first { return number.digits }
                value = value / 7 &+ 1
            }
        }
    }
}
