import PatientTwin
import Simulation

/// One step of a patient through a simulated hospital, as a patient administration system records it: what a
/// shadow hospital's feed is made of (`HospitalSimulation.run(recordMovements:)`; Docs/FEED.md, "The shadow
/// hospital"). A movement is recorded when the place it names is taken, so the movements of a patient are in the
/// order they happened.
public struct HospitalMovement: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// Arrived at the emergency department: a new attendance, or a readmission.
        case arrivedAtED
        /// In the emergency department, the decision to admit: admitted, waiting for a bed there.
        case admittedInED
        /// Into a bed of the unit with this index in the configuration (from the ED, another unit, recovery, or —
        /// an elective patient — from home).
        case enteredUnit(Int)
        /// Into an elective or emergency theatre; recovery after it is the same place to a feed.
        case enteredTheatres
        /// From the emergency department to same-day emergency care, going home today: out of the hospital's
        /// beds (as a census leaves such patients out).
        case enteredSameDayEmergencyCare
        /// Left the hospital.
        case left(Departure)
        /// A set of observations scoring this NEWS2 (0–20).
        case observed(news2: Int)
    }

    /// Where a patient leaving hospital goes.
    public enum Departure: Sendable, Hashable, CaseIterable {
        case home, careHome, died
        /// Sent to another hospital (the ED's boarding limit reached).
        case otherHospital
    }

    /// When, epoch minutes (UTC).
    public let epochMinute: Double
    /// The patient: the same id in every spell.
    public let patient: PatientID
    /// Its spell: 0 for the first, one more at each readmission.
    public let spell: Int
    /// Its attributes in this spell (age in whole years at admission, sex, admission method, specialty, …).
    public let attributes: PatientAttributes
    /// What happened.
    public let kind: Kind
}

/// Where every patient in hospital was at one local midnight of a run: the simulated census a feed of the run's
/// movements must give back (`HospitalSimulation.run(recordMovements:)`).
public struct MidnightPlaces: Sendable {
    /// A place as a feed can tell it.
    public enum Place: Sendable, Hashable {
        /// In the emergency department: `admitted` once decided to admit (waiting for a bed), else not yet decided.
        case emergencyDepartment(admitted: Bool)
        /// In a bed of the unit with this index.
        case unit(Int)
        /// In an elective or emergency theatre, or in recovery after it.
        case theatres
    }

    /// One patient in hospital at the midnight.
    public struct Patient: Sendable, Hashable {
        /// The patient: the same id in every spell.
        public let patient: PatientID
        /// Its spell (0 for the first).
        public let spell: Int
        /// Where it is.
        public let place: Place
        /// Its latest NEWS2 (0–20), nil when it has none.
        public let news2: Int?
    }

    /// The midnight, epoch minutes.
    public let epochMinute: Double
    /// Patients in same-day emergency care are not in it (they go home today).
    public let patients: [Patient]
}

extension HospitalEngine {
    /// Records a movement of `p` now, when the run records them (nothing is allocated when it does not).
    mutating func note(_ p: Int32, _ kind: HospitalMovement.Kind) {
        guard movements != nil else { return }
        let movement = HospitalMovement(epochMinute: epoch(now), patient: patients[Int(p)].twin.id,
                                        spell: patients[Int(p)].twin.spell, attributes: patients[Int(p)].twin.attributes,
                                        kind: kind)
        movements?.append(movement)
    }

    /// Records where every patient is, at a local midnight, when the run records movements.
    mutating func notePlaces() {
        guard midnightPlaces != nil else { return }
        var inside: [MidnightPlaces.Patient] = []
        for index in patients.indices {
            let patient = patients[index]
            let place: MidnightPlaces.Place
            switch patient.place {
            case .none, .sameDayEmergencyCare: continue
            case .emergencyDepartment:
                place = .emergencyDepartment(admitted: patient.ed.admitted && !patient.ed.decisionAt.isNaN)
            case .unit(let unit): place = .unit(Int(unit))
            case .theatre, .emergencyTheatre, .recovery: place = .theatres
            }
            inside.append(MidnightPlaces.Patient(patient: patient.twin.id, spell: patient.twin.spell, place: place,
                                                 news2: patient.twin.latestNEWS2))
        }
        let places = MidnightPlaces(epochMinute: epoch(now), patients: inside)
        midnightPlaces?.append(places)
    }
}

extension HospitalMovement.Departure {
    /// The departure of a twin leaving in `state` (home, care home or died).
    init(_ state: CareState) {
        switch state {
        case .died: self = .died
        case .dischargedCareHome: self = .careHome
        default: self = .home
        }
    }
}
