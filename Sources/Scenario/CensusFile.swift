import CSVFiles
import Foundation
import HospitalModel
import PatientTwin
import Simulation

/// Why a census file cannot start a forecast: every problem, located `FILE:LINE: column 'x': expected …, found '…'`.
public struct CensusFileError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, one located sentence each, in file order.
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// A census file read against a scenario: the inpatients as twins in their units, and what a reader should know.
public struct LoadedCensus: Sendable {
    /// The inpatients and boarders as twins, and the recent discharges the file lists.
    public let census: HospitalCensus
    /// The latest time in the file (an admission, a move, an observation), epoch minutes.
    public let latestMinute: Double
    /// Units that hold more patients than their beds at the census, "Ward 7: 36 patients in 34 beds".
    public let overfullUnits: [String]
}

/// The census format: one row per patient in hospital now (Docs/REPORTS.md, "The census file"). Columns: `patient_id`
/// (pseudonymous), `unit` (a unit of the scenario, by name, `emergency_department` for an admitted patient
/// waiting there for a bed, `theatres` for a patient in theatre or recovery, or `discharged` for a patient discharged
/// alive in the last 30 days, whose return the forecast draws), `admitted_at` (the spell's start: for ED, the
/// arrival), `unit_since` (when the patient came to this unit, or went to theatre; empty: admitted_at), `pathway`,
/// the patient attributes every record format shares (`PatientAttributes.columns`), the latest observation `news2`
/// (0–20, empty: none) with `news2_at` (empty: unit_since), `ready_at` and `ready_for` (a patient in a unit's bed who
/// is ready to leave it: since when, and for where — `home` or `care_home` when clinically ready for discharge, as the
/// NHS's "no criteria to reside" count; a unit's care state such as `ward` or `icu` when waiting to move; for a
/// patient in the theatres, since when it has waited for a bed and the bed's care state; empty: not ready), and
/// `discharged_at` (a discharged patient's discharge; empty for the others). Times are ISO 8601; without an offset they are the
/// hospital's local time. `undecided_triage` (1–5) marks a patient in the ED before a decision to admit (the forecast
/// draws whether it is admitted); an ED row without it is an admitted patient waiting for a bed, and `waiting_for` may
/// name the care state whose bed it waits for (`assessment_unit`, `ward`, `stroke_unit`, `hdu`, `icu`, or `theatre`
/// for an emergency operation; empty: the forecast infers it from which units have room).
public enum CensusFile {
    /// The columns a census must have.
    public static let requiredColumns = ["patient_id", "unit", "admitted_at", "pathway"] + PatientAttributes.requiredColumns
    /// Every column it may have, in the order the sample writes them.
    public static let columns = ["patient_id", "unit", "admitted_at", "unit_since", "pathway"] + PatientAttributes.columns
        + ["news2", "news2_at", "ready_at", "ready_for", "undecided_triage", "discharged_at", "deteriorated", "waiting_for"]

    /// `undecided_triage` of a patient in the ED before a decision whose triage category is not known (ADT carries
    /// none): the forecast admits it with the probability of an attendance of any category (Docs/REPORTS.md).
    public static let unknownTriage = "unknown"

    /// Where a patient ready to leave a unit may be ready to go.
    static let readyDestinations: [CareState] = [.dischargedHome, .dischargedCareHome] + HospitalCensus.bedStates

    /// The most patients a census may hold: far above any hospital (the largest English trusts have about 3,000
    /// beds), so that a runaway file is refused rather than read into memory.
    public static let rowLimit = 100_000

    /// Reads `path` for `configuration`, as of `minute` (epoch minutes) when given: nothing may happen after it.
    /// Throws every problem at once.
    public static func read(path: String, for configuration: HospitalConfiguration, asOf minute: Double?) throws(CensusFileError)
        -> LoadedCensus
    {
        let reader: CSVRecordReader
        do { reader = try CSVRecordReader(path: path, required: requiredColumns, limit: .census) } catch {
            throw CensusFileError(problems: [error.description])
        }
        return try read(reader, for: configuration, asOf: minute)
    }

    /// Reads a census held as CSV text (the live census from the feed), named `name` in its problems; as
    /// `read(path:for:asOf:)`.
    public static func read(text: String, name: String, for configuration: HospitalConfiguration, asOf minute: Double?)
        throws(CensusFileError) -> LoadedCensus
    {
        let reader: CSVRecordReader
        do { reader = try CSVRecordReader(text: text, name: name, required: requiredColumns) } catch {
            throw CensusFileError(problems: [error.description])
        }
        return try read(reader, for: configuration, asOf: minute)
    }

    static func read(_ reader: CSVRecordReader, for configuration: HospitalConfiguration, asOf minute: Double?)
        throws(CensusFileError) -> LoadedCensus
    {
        let zone = configuration.timeZone
        let pathways = Dictionary(uniqueKeysWithValues: Pathway.allCases.map { ($0.rawValue, $0) })
        var problems: [String] = []
        var inpatients: [HospitalCensus.Inpatient] = []
        var discharges: [PatientTwin] = []
        var seen: [String: Int] = [:]
        var latest = -Double.infinity
        // A census is the hospital now, as it was, or as a simulation of the scenario had it: a time before 1970, or
        // more than five years after both today and the scenario's start (a census dated 0000 or 2099), is a mistake,
        // never a forecast's start.
        let scenarioStart = ForecastStart.epochMinute(of: configuration.start, in: zone)
        let plausible = 0.0...(max(Date().timeIntervalSince1970 / 60, scenarioStart) + 5 * 366 * 1440)
        func time(_ record: inout CSVTypedRecord, _ column: String) -> Double? {
            record.value(column, expected: RecordTime.expected + ", from 1970 to five years after today or the scenario's start") {
                RecordTime.epochMinute(parsing: $0, naiveIn: zone).flatMap { plausible.contains($0) ? $0 : nil }
            }
        }
        let places = NamedPlace.Lookup(units: configuration.units)
        var rows = 0
        while var record = reader.next() {
            rows += 1
            if rows > Self.rowLimit {
                problems.append("\(reader.file): more than \(Self.rowLimit) patients (a hospital's census has a few thousand); "
                    + "the rest was not read")
                break
            }
            guard record.isWellFormed else {
                problems += record.problems
                continue
            }
            let id = record.required("patient_id", expected: "a pseudonymous patient id")
            let unitName = record.text("unit")
            let place = places.place(unitName)
            let inED = place == .emergencyDepartment
            let inTheatres = place == .theatres
            let discharged = place == .discharged
            var unit: Int?
            if case .unit(let index) = place { unit = index }
            if unit == nil && !inED && !inTheatres && !discharged {
                record.fail("unit", expected: "a unit of \(configuration.name) ("
                    + configuration.units.map(\.name).joined(separator: ", ") + "), emergency_department, theatres or discharged")
            }
            let admitted = time(&record, "admitted_at")
            var dischargedAt: Double?
            if discharged {
                if record.isEmpty("discharged_at") {
                    record.fail("discharged_at", expected: "the discharge time of a patient whose unit is 'discharged'")
                } else {
                    dischargedAt = time(&record, "discharged_at")
                }
            } else if !record.isEmpty("discharged_at") {
                record.fail("discharged_at", expected: "nothing for a patient in hospital (only unit 'discharged' has one)")
            }
            let since = record.isEmpty("unit_since") ? admitted : time(&record, "unit_since")
            let pathway = record.value("pathway", expected: "one of " + Pathway.allCases.map(\.rawValue).joined(separator: ", ")) {
                pathways[$0]
            }
            let attributes = PatientAttributes.read(&record)
            let news2 = record.optionalInteger("news2", in: 0...20)
            let news2At = record.isEmpty("news2_at") ? since : time(&record, "news2_at")
            var undecided = false, triage: TriageCategory?
            if !record.isEmpty("undecided_triage") {
                if inED {
                    undecided = true
                    if record.text("undecided_triage") != Self.unknownTriage {
                        triage = record.value("undecided_triage", expected: "a triage category 1-5, or \(Self.unknownTriage)") {
                            Int($0).flatMap(TriageCategory.init(rawValue:))
                        }
                    }
                } else {
                    record.fail("undecided_triage", expected: "nothing for a patient not in the emergency department")
                }
            }
            var deteriorated = false
            if !record.isEmpty("deteriorated") {
                if unit == nil {
                    record.fail("deteriorated", expected: "nothing for a patient not in a unit's bed")
                } else {
                    deteriorated = record.boolean("deteriorated") ?? false
                }
            }
            var waitingFor: CareState?
            if !record.isEmpty("waiting_for") {
                if !inED || undecided {
                    record.fail("waiting_for", expected: "nothing for a patient not admitted and boarding in the emergency "
                        + "department (an emergency_department row without undecided_triage)")
                } else {
                    waitingFor = record.value("waiting_for", expected: "one of "
                        + HospitalCensus.boardingTargets.map(\.rawValue).joined(separator: ", ")) { text in
                        HospitalCensus.boardingTargets.first { $0.rawValue == text }
                    }
                }
            }
            var readyAt: Double?, readyFor: CareState?
            if !record.isEmpty("ready_at") || !record.isEmpty("ready_for") {
                if inTheatres {
                    // Done in the theatres and waiting for a bed (a day case goes home from recovery at once).
                    readyAt = time(&record, "ready_at")
                    readyFor = record.value("ready_for", expected: "for a patient in the theatres, the care state of the bed "
                        + "it waits for: one of " + HospitalCensus.bedStates.map(\.rawValue).joined(separator: ", ")) { text in
                        HospitalCensus.bedStates.first { $0.rawValue == text }
                    }
                } else if unit == nil {
                    record.fail("ready_at", expected: "nothing for a patient not in a unit's bed or in the theatres")
                } else {
                    readyAt = time(&record, "ready_at")
                    readyFor = record.value("ready_for", expected: "one of "
                        + Self.readyDestinations.map(\.rawValue).joined(separator: ", ")) { text in
                        Self.readyDestinations.first { $0.rawValue == text }
                    }
                }
            }
            if let id {
                if let line = seen[id] { record.fail("patient_id", expected: "each patient once (also on line \(line))") }
                seen[id] = record.line
            }
            if let admitted, let since, since < admitted {
                record.fail("unit_since", expected: "a time not before admitted_at")
            }
            if let since, let news2At, news2 != nil, news2At < since {
                record.fail("news2_at", expected: "a time not before unit_since (the observation of this stay)")
            }
            if let since, let readyAt, readyAt < since {
                record.fail("ready_at", expected: "a time not before unit_since (ready to leave this unit)")
            }
            if let admitted, let dischargedAt, dischargedAt < admitted {
                record.fail("discharged_at", expected: "a time not before admitted_at")
            }
            for (column, value) in [("admitted_at", admitted), ("unit_since", since), ("news2_at", news2 == nil ? nil : news2At),
                                    ("ready_at", readyAt), ("discharged_at", dischargedAt)] {
                guard let value else { continue }
                latest = max(latest, value)
                if let minute, value > minute {
                    record.fail(column, expected: "a time before the forecast starts (\(RecordTime.format(minute)))")
                }
            }
            if inED, let pathway, !pathway.isEmergency {
                record.fail("pathway", expected: "an emergency pathway for a patient in the emergency department")
            }
            guard record.problems.isEmpty, let id, unit != nil || inED || inTheatres || discharged, let admitted, let since,
                  let pathway, let attributes
            else {
                problems += record.problems
                continue
            }
            if let dischargedAt {
                // Its spell as it ended: admitted to the pathway's first unit, discharged alive (home or to a care home
                // alike: the readmission model reads the spell's LACE, not where the patient went).
                var twin = PatientTwin(id: PatientID(pseudonymising: id), attributes: attributes, pathway: pathway,
                                       admittedAt: admitted, keepsHistory: false)
                do { try twin.apply(Observation(minute: max(dischargedAt, admitted), .transfer(to: .dischargedHome))) } catch {
                    problems.append("\(reader.file):\(record.line): \(error.description)")
                    continue
                }
                discharges.append(twin)
                continue
            }
            let state = unit.map { configuration.units[$0].kind.careState } ?? (inTheatres ? .theatre : .ed)
            // The twin enters the pathway's first unit at admission and moves to this unit's care state when the
            // patient came here; a move between units of the same kind is no change of state for the twin. A patient
            // in the theatres is in theatre since it went there (admitted there, or later: an elective patient
            // admitted the day before its operation).
            let first = pathway.firstUnit
            let moved = first != state && since > admitted
            var twin = PatientTwin(id: PatientID(pseudonymising: id), attributes: attributes, pathway: pathway,
                                   admittedAt: admitted, state: moved ? first : state)
            if inTheatres && !moved && since > admitted { twin = twin.wentToTheatre(at: since) }
            do {
                if moved { try twin.apply(Observation(minute: since, .transfer(to: state))) }
                if let news2, let news2At { try twin.apply(Observation(minute: news2At, .news2(news2))) }
            } catch {
                problems.append("\(reader.file):\(record.line): \(error.description)")
                continue
            }
            let location: HospitalCensus.Location = unit.map { .unit($0) } ?? (inTheatres ? .theatres : .emergencyDepartment)
            inpatients.append(HospitalCensus.Inpatient(twin: twin, location: location,
                                                       readyAt: readyAt, readyFor: readyFor, undecided: undecided,
                                                       undecidedTriage: triage, deteriorated: deteriorated,
                                                       news2At: news2 == nil ? nil : news2At, waitingFor: waitingFor))
        }
        if problems.isEmpty && inpatients.isEmpty { problems.append("\(reader.file): no patients: a census lists the patients in hospital") }
        guard problems.isEmpty else { throw CensusFileError(problems: problems) }
        var counts = [Int](repeating: 0, count: configuration.units.count)
        for inpatient in inpatients {
            if case .unit(let unit) = inpatient.location { counts[unit] += 1 }
        }
        let overfull = configuration.units.enumerated().compactMap { index, unit -> String? in
            let beds = unit.beds + (unit.escalation?.beds ?? 0)
            return counts[index] > beds ? "\(unit.name): \(counts[index]) patients in \(beds) beds" : nil
        }
        return LoadedCensus(census: HospitalCensus(inpatients: inpatients, recentDischarges: discharges), latestMinute: latest,
                            overfullUnits: overfull)
    }

    /// Writes a census a run took (`HospitalSimulation.run(censusAt:)`) in this format: its inpatients (a unit's by
    /// the unit's name, boarders as `emergency_department`, patients in theatre or recovery as `theatres` since
    /// their operation began), then its recent discharges (`discharged`). Times in UTC.
    public static func write(_ census: TakenCensus, for configuration: HospitalConfiguration, to writer: CSVWriter) {
        writer.write(columns)
        for inpatient in census.inpatients {
            let twin = inpatient.twin
            let unit: String
            let since: String
            switch inpatient.location {
            case .unit(let index):
                unit = configuration.units[index].name
                since = RecordTime.format(twin.stateSince)
            case .emergencyDepartment:
                unit = "emergency_department"
                since = ""
            case .theatres:
                unit = "theatres"
                since = RecordTime.format(twin.stateSince)
            }
            writer.write([twin.id.description, unit, RecordTime.format(twin.spellStart), since, twin.pathway.rawValue]
                // The twin keeps its latest NEWS2, not when it was taken: it holds at the census, so that is its time
                // (written without one, it was once read back as no score at all, shortening the stays it lengthens).
                + twin.attributes.fields + [twin.latestNEWS2.map(String.init) ?? "",
                                            twin.latestNEWS2 == nil ? "" : RecordTime.format(census.epochMinute),
                                            inpatient.readyAt.map(RecordTime.format) ?? "", inpatient.readyFor?.rawValue ?? "",
                                            inpatient.undecided
                                                ? inpatient.undecidedTriage.map { String($0.rawValue) } ?? unknownTriage : "", "",
                                            inpatient.deteriorated ? "yes" : "", inpatient.waitingFor?.rawValue ?? ""])
        }
        for twin in census.recentDischarges {
            writer.write([twin.id.description, "discharged", RecordTime.format(twin.spellStart), "", twin.pathway.rawValue]
                + twin.attributes.fields + ["", "", "", "", "", RecordTime.format(twin.stateSince), "", ""])
        }
        writer.flush()
    }
}

/// When a forecast starts: a local midnight, from `--from` or after the census's latest time.
public enum ForecastStart {
    /// A date "YYYY-MM-DD" as its local midnight; nil when it is not one.
    public static func date(_ text: String) -> LocalDateTime? {
        LocalTimeParse.date(text).map { LocalDateTime(year: $0.year, month: $0.month, day: $0.day) }
    }

    /// The first local midnight at or after `epochMinute` in `zone`.
    public static func midnight(atOrAfter epochMinute: Double, in zone: TimeZone) -> LocalDateTime {
        let day = RecordTime.localDay(ofEpochMinute: epochMinute, in: zone)
        let midnight = LocalDateTime(localMinutesSinceEpoch: Double(day) * 1440)
        return epochMinute <= Self.epochMinute(of: midnight, in: zone) ? midnight
            : LocalDateTime(localMinutesSinceEpoch: Double(day + 1) * 1440)
    }

    /// The epoch minute of a local time in `zone`.
    public static func epochMinute(of local: LocalDateTime, in zone: TimeZone) -> Double {
        RecordTime.epochMinute(ofWallClock: local.localMinutesSinceEpoch, in: zone)
    }
}
