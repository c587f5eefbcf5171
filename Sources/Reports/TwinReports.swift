import CSVFiles
import Foundation
import PatientTwin
import Simulation

/// Renders what the twin commands compute: forecasts and midnight censuses as CSV, summaries as sentences.
public enum TwinReports {
    /// The columns of a forecast file: the patient, its spell, then the forecast's fields (`TwinForecast.Field`).
    public static let forecastColumns = ["patient_id", "spell_id"] + TwinForecast.Field.allCases.map(\.rawValue)

    /// Writes one row per forecast (the patient as the episode file names it), four significant digits.
    public static func writeForecasts(_ forecasts: [TwinForecast], census: TwinCensus, to writer: CSVWriter) {
        writeForecasts(forecasts, patientIDs: census.patients.map(\.spell.patientID), to: writer)
    }

    /// Writes forecasts, each with its patient's id.
    public static func writeForecasts(_ forecasts: [TwinForecast], patientIDs: [String], to writer: CSVWriter) {
        writer.write(forecastColumns)
        for (forecast, patientID) in zip(forecasts, patientIDs) {
            writer.write([patientID, forecast.spellID] + TwinForecast.Field.allCases.map { field in
                switch forecast.value(field) {
                case .name(let name): name
                case .score(let score): score.map { String($0) } ?? ""
                case .number(let value): String(format: "%.4g", value)
                }
            })
        }
        writer.flush()
    }

    /// Writes the midnight census: date, twins by bed type, total.
    public static func writeCensus(_ days: [MidnightCensus], to writer: CSVWriter) {
        writer.write(["date"] + BedType.allCases.map(\.rawValue) + ["total"])
        for day in days { writer.write([day.date] + day.beds.map { String($0) } + [String(day.total)]) }
        writer.flush()
    }

    /// One paragraph on a cohort run: who was followed, what happened, and whether readmissions matched the
    /// model (observed against expected, with the 99.9% band z·√Σp(1−p)).
    public static func cohortSummary(_ result: CohortSimulationResult, start: Double, censusSize: Int) -> String {
        let died = result.discharges[.died, default: 0]
        var text = "simulated \(result.days) days from \(RecordTime.format(start)): \(censusSize) in hospital at the "
            + "start, \(result.admissions) admissions, \(result.readmissions) readmissions, "
            + "\(result.discharges.values.reduce(0, +)) discharges of which \(died) deaths"
        let followUp = result.readmissionFollowUp
        if followUp.discharges > 0 {
            let band = SpecialFunctions.normalQuantile(1 - 0.001 / 2) * followUp.variance.squareRoot()
            text += "; of the \(followUp.discharges) discharges alive with 30 days left, \(followUp.readmitted) came "
                + "back (the model expected \(followUp.expected.formatted(significantDigits: 3)) ± "
                + "\(band.formatted(significantDigits: 2)))"
        }
        if !result.failures.isEmpty { text += "; \(result.failures.count) twins could not be followed" }
        return text
    }
}
