import CSVFiles
import Finance
import Foundation
import HospitalModel

/// A report in every form a user can ask for: a terminal table, JSON, CSV rows, and a self-contained HTML page.
/// The command line, and any other caller, writes one to its destinations in one place instead of naming the four
/// renderers of each report.
public struct ReportDocument {
    /// The terminal table, without a final newline.
    public let table: () -> String
    /// The documented JSON, without a final newline.
    public let json: () throws -> Data
    /// Every row as CSV.
    public let csv: (CSVWriter) -> Void
    /// The HTML page, before it is written out standalone or served.
    public let html: () -> HTMLDocument

    /// A document from its four renderings.
    public init(table: @escaping () -> String, json: @escaping () throws -> Data, csv: @escaping (CSVWriter) -> Void,
                html: @escaping () -> HTMLDocument)
    {
        self.table = table
        self.json = json
        self.csv = csv
        self.html = html
    }

    /// A run's KPIs: per-replication values, means and 95% intervals.
    public static func run(_ result: HospitalExperimentResult) -> ReportDocument {
        ReportDocument(table: { HospitalReports.table(result) }, json: { try HospitalReports.json(result) },
                       csv: { HospitalReports.writeCSV(result, to: $0) }, html: { HTMLReports.run(result) })
    }

    /// A paired comparison; `all` lists every measure in the table (CSV and JSON always hold every measure).
    public static func comparison(_ report: ComparisonReport, all: Bool = false) -> ReportDocument {
        ReportDocument(table: { ComparisonReports.table(report, all: all) }, json: { try ComparisonReports.json(report) },
                       csv: { ComparisonReports.writeCSV(report, to: $0) }, html: { HTMLReports.comparison(report) })
    }

    /// A cost report.
    public static func costs(_ report: CostReport) -> ReportDocument {
        ReportDocument(table: { CostReports.table(report) }, json: { try CostReports.json(report) },
                       csv: { CostReports.writeCSV(report, to: $0) }, html: { HTMLReports.costs(report) })
    }

    /// A bed forecast.
    public static func forecast(_ forecast: BedForecast) -> ReportDocument {
        ReportDocument(table: { ForecastReports.table(forecast) }, json: { try ForecastReports.json(forecast) },
                       csv: { ForecastReports.writeCSV(forecast, to: $0) }, html: { HTMLReports.forecast(forecast) })
    }
}
