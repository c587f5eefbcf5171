import Foundation
import HospitalModel
import PatientTwin
import Scenario
import Simulation

/// Each admitted patient of the feed's live census forecast by its twin, as the scenario's forecast would run it
/// (Docs/PATIENT-TWINS.md, "The live census's twins"): the scenario's twin model with its `stay_scale`, sample k with
/// replication k's stay level when the scenario has a `stay_scale_spread`. The remaining days are clinical: to
/// readiness for discharge, without the waits for a bed or a discharge window that the hospital's run adds.
public enum LiveTwins {
    /// Trajectories a patient's forecast draws by default (`twins predict`'s too): a share's standard error is then
    /// at most 1.6 points (0.95 at 10%); 432 patients take 0.3 s on one core.
    public static let defaultSamples = 1_000
    /// The most trajectories a forecast may draw per patient (a request's bound before any work).
    public static let sampleLimit = 100_000

    /// One patient's forecast, under the census's pseudonymous id. Encoded with the forecast's fields
    /// (`TwinForecast.Field`, the columns `twins predict` writes), and the trajectories drawn.
    public struct Patient: Sendable, Encodable {
        /// The census row's `patient_id`.
        public let patientID: String
        /// Its twin's forecast.
        public let forecast: TwinForecast

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(patientID, forKey: Key(stringValue: "patient_id"))
            try container.encode(forecast.samples, forKey: Key(stringValue: "samples"))
            for field in TwinForecast.Field.allCases {
                let key = Key(stringValue: field.rawValue)
                switch forecast.value(field) {
                case .name(let name): try container.encode(name, forKey: key)
                case .score(let score): try container.encodeIfPresent(score, forKey: key)
                case .number(let value): try container.encode(value, forKey: key)
                }
            }
        }
    }

    /// The forecasts of `census` (read at `minute`, epoch minutes) for `scenario`, its twin model or `model`, in the
    /// census's order (none when nobody is in hospital); patients in the ED before a decision to admit have none (they
    /// may go home). Each draws
    /// `samples` trajectories (10…`sampleLimit`) from `seed`'s streams; the same on any `threads`. Throws an input
    /// error when the census cannot be read back or the model cannot forecast it.
    public static func forecast(_ census: LiveCensus, at minute: Double, scenario: Scenario, model: TwinModel? = nil,
                                samples: Int = defaultSamples, seed: UInt64,
                                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws(WorkflowError) -> [Patient]
    {
        guard (10...sampleLimit).contains(samples) else {
            throw WorkflowError(.input, "trajectories per patient: expected 10 to \(sampleLimit), found \(samples)")
        }
        // A census with nobody in hospital (the feed's first hours, a time before it) forecasts nobody.
        guard census.inHospital > 0 else { return [] }
        let configuration = scenario.configuration
        let loaded: LoadedCensus
        do {
            loaded = try CensusFile.read(text: census.csv, name: "the live census at \(RecordTime.format(minute))",
                                         for: configuration, asOf: minute)
        } catch {
            throw WorkflowError(.input, error.problems)
        }
        // The census file names each twin by a pseudonym of its row's id: back to the row's id.
        var rowIDs: [PatientID: String] = [:]
        for row in census.rows { rowIDs[PatientID(pseudonymising: row[0])] = row[0] }
        let admitted = loaded.census.inpatients.filter { !$0.undecided }
        let factors = configuration.stayScaleSpread > 0
            ? (0..<samples).map { HospitalSimulation.stayFactor(spread: configuration.stayScaleSpread,
                                                                streams: RandomStreams(masterSeed: seed).replication($0)) }
            : []
        do {
            let predictor = try TrajectoryPredictor(model: model ?? configuration.twinModel, timeZone: configuration.timeZone,
                                                    stayScale: configuration.stayScale)
            let forecasts = try TwinForecasts.forecast(admitted.map { ($0.twin, "live") }, at: minute, predictor: predictor,
                                                       samples: samples, seed: seed, threads: threads, stayFactors: factors)
            return zip(admitted, forecasts).map { Patient(patientID: rowIDs[$0.twin.id] ?? $0.twin.id.description, forecast: $1) }
        } catch {
            throw WorkflowError(.input, "\(scenario.name): the twin model cannot forecast the live census: \(error)")
        }
    }
}
