import CSVFiles
import Finance
import Foundation
import HospitalModel
import Reports
import Scenario
import Testing
import TestSupport

/// A cost report of two replications, built from lines written here.
func costReport(baseline: Bool) -> CostReport {
    func lines(_ agency: Double) -> [CostLine] {
        [CostLine(centre: .unit("Ward A, east"), category: .agencyStaff, month: "2026-04", amount: agency),
         CostLine(centre: .unit("Ward A, east"), category: .substantiveStaff, month: "2026-04", amount: 1_234_567.891),
         CostLine(centre: .spells(.stroke), category: .spellIncome, month: "2026-04", amount: 2_000_000),
         CostLine(centre: .theatres, category: .cancellationsLostIncome, month: "2026-05", amount: 5_200)]
    }
    return CostReport(scenario: "alt", currency: "GBP", replications: [lines(1_000), lines(3_000)],
                      baseline: baseline ? ("base", [lines(500), lines(1_500)]) : nil)
}

@Suite("the users' reports as rendered")
struct UserReportTests {
    /// Reads back what a writer wrote, with the project's own CSV reader.
    func csv(_ write: (CSVWriter) -> Void) throws -> [[String]] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).csv")
        try #require(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        write(CSVWriter(handle: handle))
        try handle.close()
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try CSVReader(path: url.path)
        var rows = [reader.header]
        while let row = try reader.next() { rows.append(row.fields) }
        return rows
    }

    @Test("the cost CSV reads back as a rectangle: a centre's name with a comma stays one field, amounts to the penny")
    func costCSV() throws {
        let rows = try csv { CostReports.writeCSV(costReport(baseline: true), to: $0) }
        #expect(rows.allSatisfy { $0.count == rows[0].count })
        let line = try #require(rows.first { $0[3] == "line" && $0[5] == "substantive_staff" })
        #expect(line[4] == "Ward A, east" && line[9] == "1234567.89")
        let agency = try #require(rows.first { $0[3] == "category" && $0[5] == "agency_staff" && $0[8] == "total" })
        #expect(agency[9] == "2000.00" && agency[12] == "1000.00" && agency[13] == "1000.00", "\(agency)")
        let net = try #require(rows.first { $0[3] == "total" && $0[5] == "net" && $0[8] == "total" })
        #expect(net[9] == "763432.11" && net[7] == "total", "the memo line is not in the net: 2,000,000 − 1,234,567.89 − 2,000 \(net)")
    }

    @Test("the cost table prints thousands with separators and the variance with its interval")
    func costTable() {
        let text = CostReports.table(costReport(baseline: true))
        #expect(text.contains("Variance = alt − base"))
        #expect(TextMatching.containsNumber(text, "1,235"))
        // Agency: differences 500 and 1,500, mean 1,000, sd 707.1; t(1) = 12.706: ± 12.706 × 707.1 / √2 = 6,353.
        #expect(TextMatching.containsNumber(text, "+1 ± 6"), "\(text)")
    }

    /// A small run of the demo hospital (2 replications of 30 days), named `name`.
    static func demoRun(named name: String) throws -> (result: HospitalExperimentResult, costs: RunCosts) {
        let scenario = try Scenario.load(path: Repository.path("scenarios/demo.yaml"))
        let hospital = try PreparedHospital(scenario.configuration, horizonDays: 30)
        var result = try HospitalExperiment.run(hospital, replications: 2, seed: 3, horizonDays: 30, warmUpDays: 5, threads: 2)
        result.scenario = name
        return (result, RunCosts(pricing: result.replications, with: scenario.costs))
    }

    /// What every page must be: a whole document that loads nothing (no script, no link, no external image or
    /// font, no CSS import or url()), with a table behind every chart; `charted` pages draw at least one.
    static func expectSelfContained(_ page: String, _ what: String, charted: Bool = true) {
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</html>\n"), "\(what)")
        for loader in ["<script", "<link", "<iframe", "<object", "<embed", "<img", "@import", "url(", "http://", "https://",
                       "src=", "href="] {
            #expect(!page.lowercased().contains(loader), "\(what) holds \(loader)")
        }
        // A chart is an SVG with data-chart (legends' colour swatches are small SVGs too).
        let charts = page.components(separatedBy: "data-chart=").count - 1, tables = page.components(separatedBy: "<table").count - 1
        #expect((charts >= 1 || !charted) && tables >= 1 && charts <= tables, "\(what): \(charts) charts, \(tables) tables")
    }

    @Test("every HTML page — run, comparison, costs, forecast — is self-contained and escapes the names it shows")
    func everyPageSelfContained() throws {
        let hostile = "<b>&\"x\" onload='y'"
        let run = try Self.demoRun(named: hostile)
        let comparison = ComparisonReport(
            seed: 3, replications: 2, horizonDays: 30, warmUpDays: 5,
            comparisons: [ScenarioComparison(baseline: hostile, alternative: hostile + "2",
                                             baselineRuns: run.result.replications.map(\.metrics),
                                             alternativeRuns: run.result.replications.map(\.metrics))])
        let pages = [
            ("run", HTMLReports.run(run.result).standalone),  // a table of measures; no chart
            ("comparison", HTMLReports.comparison(comparison).standalone),
            ("costs", HTMLReports.costs(run.costs.report(scenario: hostile)).standalone),
            ("forecast", HTMLReports.forecast(BedForecast(scenario: hostile, seed: 3, replications: run.result.replications)).standalone),
        ]
        for (what, page) in pages {
            Self.expectSelfContained(page, what, charted: what != "run")
            #expect(page.contains("&lt;b&gt;&amp;") && !page.contains("<b>&") && !page.contains("onload='y'"), "\(what)")
        }
    }

    @Test("an equity group with no patients reads 'none', not 0%, and has no value in the CSV or a comparison")
    func emptyEquityGroup() throws {
        let run = try Self.demoRun(named: "demo")
        // The built-in twins are adults: the 0-17 band never attends.
        #expect(run.result.replications.allSatisfy { $0.equity.byAgeBand[0].departures == 0 })
        let children = try #require(run.result.summary.first { $0.key.rawValue == "equity.0-17.within_four_hours_percent" })
        #expect(children.replications == 0)
        let adults = try #require(run.result.summary.first { $0.key.rawValue == "equity.18-64.within_four_hours_percent" })
        #expect(adults.replications == 2 && adults.mean > 0)
        let page = HTMLReports.run(run.result).standalone
        #expect(page.contains("<td>0-17: ED within 4 hours</td><td class=\"n\">none</td>"), "the row reads none")
        let rows = try csv { HospitalReports.writeCSV(run.result, to: $0) }
        let row = try #require(rows.first { $0[1] == "equity.0-17.within_four_hours_percent" })
        #expect(row[5] == "0" && row[6...].allSatisfy(\.isEmpty), "\(row)")
        let comparison = ScenarioComparison(baseline: "a", alternative: "b", baselineRuns: run.result.replications.map(\.metrics),
                                            alternativeRuns: run.result.replications.map(\.metrics))
        #expect(!comparison.metrics.contains { $0.key.rawValue == "equity.0-17.within_four_hours_percent" })
        #expect(comparison.metrics.contains { $0.key.rawValue == "equity.18-64.within_four_hours_percent" })
    }

    @Test("the cost page with a baseline: self-contained, every centre in its table")
    func html() {
        let page = HTMLReports.costs(costReport(baseline: true)).standalone
        Self.expectSelfContained(page, "costs")
        #expect(page.contains("<td>Ward A, east</td>"))
    }

    @Test("a number is found only whole")
    func wholeNumbers() {
        #expect(TextMatching.containsNumber("costs 1,235.", "1,235"))
        #expect(TextMatching.containsNumber("(1,235)", "1,235"))
        for longer in ["11,235", "1,2350", "1,235,000", "0.1,235", "21,235.5"] {
            #expect(!TextMatching.containsNumber(longer, "1,235"), "\(longer)")
        }
        #expect(!TextMatching.containsNumber("+1 ± 63", "+1 ± 6") && TextMatching.containsNumber("+1 ± 6 |", "+1 ± 6"))
    }
}
