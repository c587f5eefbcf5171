import CSVFiles
import Feed
import FeedStore
import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Store

/// The event log's census at a time written in the census format (`forecast --census` reads it): each patient
/// placed by the scenario's `locations:`, its attributes from the feed where the feed has them and stated defaults
/// where it has not (Docs/FEED.md, "The live census").
public struct LiveCensus: Sendable {
    /// The census file's rows (`CensusFile.columns`), patients in hospital first, then recent discharges.
    public let rows: [[String]]
    /// Patients in hospital placed on a unit, in the ED or in the theatres.
    public let inHospital: Int
    /// Recent discharges written: inpatient spells that ended alive, home or to a care home, in the 30 days before.
    public let recentDischarges: Int
    /// Point-of-care codes the scenario does not map, with how many patients in hospital were there and the
    /// messages (MSH-10) that put them there: they are not in the rows, and the command says so.
    public let unmapped: [(code: String, patients: Int, messages: [String])]
    /// What the log could not place, and what was assumed for a patient (no birth date, say).
    public let notes: [String]

    /// The census at `minute` (epoch minutes) for `scenario`, from the feed's event log on `connection`: the events
    /// through `minute` replayed, nothing later read. Returns it with the events replayed. Throws a store error when
    /// the log cannot be read, an input error as `build` does.
    public static func read(at minute: Double, scenario: Scenario, connection: DatabaseConnection) throws(WorkflowError)
        -> (census: LiveCensus, events: Int)
    {
        let events = try storing {
            try FeedStore.events(on: connection, timeZone: scenario.configuration.timeZone, through: minute)
        }
        return (try build(PatientLedger.census(of: events, at: minute), scenario: scenario), events.count)
    }

    /// The census of `ledger` for `scenario`; throws an input error when the scenario's twin model or population,
    /// from which what ADT does not carry is drawn, cannot be used.
    public static func build(_ ledger: LedgerCensus, scenario: Scenario) throws(WorkflowError) -> LiveCensus {
        let units = scenario.configuration.units
        let zone = scenario.configuration.timeZone
        let imputer: AttributeImputer
        do {
            imputer = try AttributeImputer(scenario.configuration, logStart: ledger.firstEventMinute,
                                           patients: ledger.inHospital + ledger.recentDischarges)
        } catch {
            throw WorkflowError(.input, "\(scenario.name): the twin model cannot draw what the feed does not carry: \(error)")
        }
        var rows: [[String]] = []
        var unmapped: [String: [String]] = [:]
        var notes = ledger.anomalies
        var placed = 0, noBirthDate = 0
        for patient in ledger.inHospital {
            let code = patient.location?.pointOfCare ?? ""
            guard let place = scenario.locations[code] else {
                unmapped[code.isEmpty ? "(no location)" : code, default: []].append(patient.locationMessage)
                continue
            }
            let unit: UnitConfiguration?
            let theatres = place == .theatres
            switch place {
            case .unit(let index): unit = units[index]
            default: unit = nil
            }
            let vitalsComplete = patient.vitals.map { $0.missingParameters.isEmpty } ?? false
            let score = vitalsComplete ? patient.vitals.map { NEWS2Score($0).total } : nil
            let news2 = score.map(String.init) ?? ""
            let (pathway, attributes) = imputer.attributes(of: patient, on: unit, inTheatres: theatres, at: ledger.at,
                                                           news2: score, zone: zone, missingBirthDates: &noBirthDate)
            // A reading from before the patient came to its unit carries forward into this stay (as a twin keeps
            // its latest NEWS2), dated when it came: a census's NEWS2 is of the stay it is in.
            let sinceKnown = unit != nil || theatres
            let news2At = sinceKnown ? max(patient.vitalsAt ?? patient.locationSince, patient.locationSince)
                : patient.vitalsAt ?? patient.locationSince
            // ADT carries no triage category: the forecast admits such a patient as an attendance of any category.
            let undecided = unit == nil && !theatres && !patient.admitted ? CensusFile.unknownTriage : ""
            rows.append([pseudonym(patient.key), unit?.name ?? (theatres ? "theatres" : "emergency_department"),
                         RecordTime.format(patient.spellStart),
                         sinceKnown ? RecordTime.format(patient.locationSince) : "", pathway.rawValue]
                + attributes.fields
                + [news2, news2.isEmpty ? "" : RecordTime.format(news2At), "", "",
                   undecided, "", "", ""])
            placed += 1
        }
        // Readmissions are drawn for inpatients who left alive for home or a care home (or to a destination the
        // feed does not code): not for ED attendances, deaths, or transfers to another hospital.
        let followed = ledger.recentDischarges.filter {
            $0.admitted && ($0.dischargeDestination.isFollowedForReadmission || $0.dischargeDestination == .other)
        }
        for patient in followed {
            let (pathway, attributes) = imputer.attributes(of: patient, on: nil, at: patient.dischargedAt ?? ledger.at, news2: nil,
                                                           zone: zone, missingBirthDates: &noBirthDate)
            rows.append([pseudonym(patient.key), "discharged", RecordTime.format(patient.spellStart), "",
                         pathway.rawValue] + attributes.fields
                + ["", "", "", "", "", RecordTime.format(patient.dischargedAt ?? ledger.at), "", ""])
        }
        if noBirthDate > 0 {
            notes.append("\(noBirthDate) patient\(noBirthDate == 1 ? "" : "s") without a birth date in the feed: age drawn "
                + "from the scenario's population for the pathway")
        }
        return LiveCensus(rows: rows, inHospital: placed, recentDischarges: followed.count,
                          unmapped: unmapped.sorted { $0.key < $1.key }.map { ($0.key, $0.value.count, $0.value.sorted()) },
                          notes: notes)
    }

    /// The census file's text.
    public var csv: String {
        ([CensusFile.columns] + rows).map { CSVWriter.line($0) + "\n" }.joined()
    }

    /// Writes the census file.
    public func write(to writer: CSVWriter) {
        writer.write(CensusFile.columns)
        for row in rows { writer.write(row) }
        writer.flush()
    }

    /// A patient's census id: a pseudonym of its feed key, never the identifier itself.
    static func pseudonym(_ key: String) -> String { PatientID(pseudonymising: "feed:" + key).description }
}

/// The live census as the `census` command reports it (`--format table` or `json`): the patients per unit against its
/// beds, the ED, what could not be placed, and each patient's census row (pseudonymous).
public struct LiveCensusSummary: Sendable, Codable {
    /// One unit's patients against its beds.
    public struct Unit: Sendable, Codable {
        /// The unit's name.
        public let unit: String
        /// Patients in its beds at the census.
        public let patients: Int
        /// Its beds (the scenario's).
        public let beds: Int
    }

    /// A point-of-care code the scenario does not map.
    public struct Unmapped: Sendable, Codable {
        /// The point-of-care code as the feed sent it.
        public let code: String
        /// Patients in hospital there, left out of the census.
        public let patients: Int
        /// The messages (MSH-10) that put the patients there.
        public let messages: [String]
    }

    /// The census's time, ISO 8601 UTC.
    public let at: String
    /// Events replayed.
    public let events: Int
    /// Patients placed on a unit, in the ED or in the theatres.
    public let inHospital: Int
    /// Recent discharges written.
    public let recentDischarges: Int
    /// Each unit of the scenario, in its order.
    public let units: [Unit]
    /// Patients in the ED (undecided and admitted).
    public let emergencyDepartment: Int
    /// Patients in theatre or recovery.
    public let theatres: Int
    /// Codes the scenario's `locations:` does not map.
    public let unmapped: [Unmapped]
    /// What the log could not place, and what was assumed (`LiveCensus.notes`).
    public let notes: [String]
    /// Each row of the census file, keyed by its column (`CensusFile.columns`).
    public let patients: [[String: String]]

    /// The summary of `census` taken at `minute` from `events` events, for `scenario`.
    public init(_ census: LiveCensus, at minute: Double, events: Int, scenario: Scenario) {
        var perUnit: [String: Int] = [:]
        for row in census.rows where row[1] != "discharged" { perUnit[row[1], default: 0] += 1 }
        at = RecordTime.format(minute)
        self.events = events
        inHospital = census.inHospital
        recentDischarges = census.recentDischarges
        units = scenario.configuration.units.map { Unit(unit: $0.name, patients: perUnit[$0.name] ?? 0, beds: $0.beds) }
        emergencyDepartment = perUnit["emergency_department"] ?? 0
        theatres = perUnit["theatres"] ?? 0
        unmapped = census.unmapped.map { Unmapped(code: $0.code, patients: $0.patients, messages: $0.messages) }
        notes = census.notes
        patients = census.rows.map { Dictionary(uniqueKeysWithValues: zip(CensusFile.columns, $0)) }
    }
}

/// The live census in aggregate, as every role may read it: patients per unit against beds, the ED, codes the
/// scenario does not map counted, and the notes (counts) — no patient's row and no message id.
public struct AggregateCensus: Sendable, Codable {
    /// A code the scenario does not map, and the patients there.
    public struct Unmapped: Sendable, Codable {
        /// The point-of-care code as the feed sent it, and the patients in hospital there (left out of the units).
        public let code: String
        /// Patients in hospital at that code, left out of the units.
        public let patients: Int
    }

    /// The census's time, ISO 8601 UTC; events replayed; patients placed on a unit, in the ED or in the theatres;
    /// recent discharges.
    public let at: String
    /// Events of the log replayed to `at`.
    public let events: Int
    /// Patients placed on a unit, in the ED or in the theatres.
    public let inHospital: Int
    /// Patients discharged alive in the 30 days before, not in hospital now.
    public let recentDischarges: Int
    /// Each unit of the scenario, in its order.
    public let units: [LiveCensusSummary.Unit]
    /// Patients in the ED.
    public let emergencyDepartment: Int
    /// Patients in theatre or recovery.
    public let theatres: Int
    /// The codes the scenario does not map, with their patients.
    public let unmapped: [Unmapped]
    /// What the log could not place, and what was assumed, in counts (`LiveCensus.notes`).
    public let notes: [String]
}

extension LiveCensusSummary {
    /// The summary without its patient-level parts (each patient's row, the messages that placed unmapped ones).
    public var aggregate: AggregateCensus {
        AggregateCensus(at: at, events: events, inHospital: inHospital, recentDischarges: recentDischarges, units: units,
                        emergencyDepartment: emergencyDepartment, theatres: theatres,
                        unmapped: unmapped.map { AggregateCensus.Unmapped(code: $0.code, patients: $0.patients) }, notes: notes)
    }
}
