import PatientTwin
import Simulation

/// The patients in hospital when a run starts: a forecast's starting point instead of an empty hospital.
public struct HospitalCensus: Sendable {
    /// Where a census patient is.
    public enum Location: Sendable, Hashable {
        /// In a bed of the unit with this index in the configuration; the twin is in the unit's care state.
        case unit(Int)
        /// In the emergency department, admitted and waiting for a bed (boarding); the twin is in ED since its
        /// arrival.
        case emergencyDepartment
    }

    /// One patient: its twin (in the care state of where it is, since `stateSince`, with its latest observations)
    /// and where it is.
    public struct Inpatient: Sendable {
        public let twin: PatientTwin
        public let location: Location

        public init(twin: PatientTwin, location: Location) {
            self.twin = twin
            self.location = location
        }

        /// A patient in a unit's bed.
        public init(twin: PatientTwin, unit: Int) {
            self.init(twin: twin, location: .unit(unit))
        }
    }

    /// In the file's order.
    public let inpatients: [Inpatient]

    public init(inpatients: [Inpatient]) { self.inpatients = inpatients }
}

extension HospitalEngine {
    /// Puts the census's inpatients in their units at the start: each takes a bed (escalation beds open if they
    /// need them; a unit may start over its beds, as a real one can), and its twin draws the rest of its current
    /// stay given the time it has already spent there (`TrajectoryPredictor.drawStay`), from its own streams —
    /// so the same census patient does the same in every scenario.
    mutating func admitCensus(_ census: HospitalCensus, in simulation: inout Simulation<Self>) {
        for inpatient in census.inpatients {
            let p = newPatient(inpatient.twin)
            recorder.flows.arrived += 1
            inHospital += 1
            patients[Int(p)].ed.counted = measuring(simulation.now)
            switch inpatient.location {
            case .unit(let unit):
                beds.units[unit].occupied += 1
                let level = inpatient.twin.levelOfCare
                patients[Int(p)].bed.level = level
                patients[Int(p)].place = .unit(Int32(unit))
                beds.units[unit].byLevel[level] += 1
                drawStay(p, at: simulation.now)
                scheduleStayEnd(p, in: &simulation)
                beds.openEscalationIfNeeded(unit, now: now)
                beds.updateMonitor(unit, at: now)
                updateSafety(unit)
            case .emergencyDepartment:
                // Admitted and assessed already: it takes a cubicle (ahead of new arrivals), finishes what is left of
                // its ED stay, then asks for the bed its twin draws, boarding until one is free.
                patients[Int(p)].place = .emergencyDepartment
                patients[Int(p)].ed.arrival = clock.minute(atEpochMinute: inpatient.twin.spellStart)
                patients[Int(p)].ed.admitted = true
                patients[Int(p)].ed.fromCensus = true
                patients[Int(p)].ed.triage = .immediate
                department.patientsInED += 1
                department.pendingCensusBoarders += 1
                drawStay(p, at: simulation.now)
                patients[Int(p)].ed.cubicle = simulation.request(department.cubicles, priority: 0, tag: .cubicle(p))
            }
        }
    }
}
