import PatientTwin
import Simulation

/// The patients in hospital when a run starts: a forecast's starting point instead of an empty hospital.
public struct HospitalCensus: Sendable {
    /// One inpatient: its twin (in the care state of its unit, since `stateSince`, with its latest observations)
    /// and the index of its unit in the configuration.
    public struct Inpatient: Sendable {
        public let twin: PatientTwin
        public let unit: Int

        public init(twin: PatientTwin, unit: Int) {
            self.twin = twin
            self.unit = unit
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
            flows.arrived += 1
            inHospital += 1
            let unit = inpatient.unit
            units[unit].occupied += 1
            let level = inpatient.twin.levelOfCare
            patients[Int(p)].level = level
            patients[Int(p)].place = .unit(Int32(unit))
            patients[Int(p)].counted = measuring(simulation.now)
            units[unit].byLevel[level] += 1
            drawStay(p, at: simulation.now)
            scheduleStayEnd(p, in: &simulation)
            openEscalationIfNeeded(unit)
            updateUnit(unit)
            updateSafety(unit)
        }
    }
}
