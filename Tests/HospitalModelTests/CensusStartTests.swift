import Foundation
import HospitalModel
import PatientTwin
import Simulation
import Testing
import TestSupport

@Suite("starting from a census, against theory")
struct CensusStartTests {
    /// Ward stays Weibull with shape 2 and scale 5 days (not memoryless), no new patients, no discharge windows:
    /// a census patient who has spent e days in the ward is still there t days later with probability
    /// S(e + t) / S(e) = exp(-((e + t)/λ)² + (e/λ)²). The count in hospital at each midnight is a sum of
    /// independent Bernoulli variables; its mean over replications must lie within the interval its variance gives.
    /// Ignoring the time spent (drawing whole stays afresh) would keep about four times as many on day 5 (74 against 18).
    @Test("census patients leave as their stay distribution conditioned on the time already spent says")
    func conditionalSurvival() throws {
        let shape = 2.0, scaleDays = 5.0
        var model = Fixtures.exponentialWardModel(wardMeanDays: 1)
        model = TwinModel(description: "Weibull ward", pathways: model.pathways.map { pathway in
            PathwayModel(pathway: pathway.pathway, states: pathway.states.map { state in
                state.state == .ward
                    ? StateModel(state: .ward, sojourn: SojournModel(.weibull(shape: shape, scaleMinutes: scaleDays * 1440)),
                                 transitions: .probabilities([(.dischargedHome, 1)]))
                    : state
            })
        }, readmission: model.readmission)
        let ed = try Fixtures.admittingEverybody(perDay: 1e-9, boardingLimit: nil)
        let configuration = HospitalConfiguration(
            name: "census", timeZone: Fixtures.london, start: Fixtures.monday, twinModel: model, emergencyDepartment: ed,
            units: [UnitConfiguration(name: "Ward", kind: .ward, beds: 400), UnitConfiguration(name: "ICU", kind: .icu, beds: 2)])
        let hospital = try PreparedHospital(configuration, horizonDays: 10)
        let startEpoch = hospital.simulationClock.epochMinute(atMinute: 0)
        let elapsedDays = (0..<200).map { Double($0) * 0.05 }
        let attributes = PatientAttributes(ageYears: 70, sex: .female, admissionMethod: .emergency, specialty: .generalMedicine,
                                           diagnosisGroup: .other, charlsonIndex: 1, clinicalFrailtyScale: 3,
                                           deprivationDecile: 5, edVisitsLast6Months: 0, admissionsLast12Months: 0)
        let census = HospitalCensus(inpatients: elapsedDays.enumerated().map { index, elapsed in
            HospitalCensus.Inpatient(twin: PatientTwin(id: PatientID(UInt64(index + 1)), attributes: attributes,
                                                       pathway: .emergencyMedical, admittedAt: startEpoch - elapsed * 1440,
                                                       state: .ward),
                                     unit: 0)
        })
        let replications = 60
        var counts = [[Double]](repeating: [], count: 11)
        for replication in 0..<replications {
            let run = try HospitalSimulation.run(hospital, horizonDays: 10, warmUpDays: 0,
                                                 streams: RandomStreams(masterSeed: 11).replication(replication), census: census)
            for (day, flow) in run.kpis.flows.enumerated() where day <= 10 { counts[day].append(Double(flow.inHospital)) }
        }
        for day in 1...10 {
            let t = Double(day)
            let p = elapsedDays.map { e in exp(-pow((e + t) / scaleDays, shape) + pow(e / scaleDays, shape)) }
            let expected = p.reduce(0, +)
            let variance = p.reduce(0) { $0 + $1 * (1 - $1) }
            let mean = counts[day].reduce(0, +) / Double(counts[day].count)
            let tolerance = Tolerance.halfWidth(variance: variance, count: replications)
            #expect(abs(mean - expected) <= tolerance, "day \(day): \(mean) in hospital, expected \(expected) ± \(tolerance)")
        }
        #expect(counts[0].allSatisfy { $0 == 200 })
    }
}
