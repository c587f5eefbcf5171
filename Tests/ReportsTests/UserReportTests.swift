import CSVFiles
import Finance
import Foundation
import HospitalModel
import Reports
import Testing

/// A cost report of two replications, built from lines written here.
func costReport(baseline: Bool) -> CostReport {
    func lines(_ agency: Double) -> [CostLine] {
        [CostLine(centre: "Ward A, east", category: .agencyStaff, month: "2026-04", amount: agency),
         CostLine(centre: "Ward A, east", category: .substantiveStaff, month: "2026-04", amount: 1_234_567.891),
         CostLine(centre: "Spells: stroke", category: .spellIncome, month: "2026-04", amount: 2_000_000),
         CostLine(centre: "Theatres", category: .cancellationsLostIncome, month: "2026-05", amount: 5_200)]
    }
    return CostReport(scenario: "alt", currency: "GBP", replications: [lines(1_000), lines(3_000)],
                      baseline: baseline ? ("base", [lines(500), lines(1_500)]) : nil)
}

@Suite("the users' reports as rendered")
struct UserReportTests {
    /// Reads back what a writer wrote, with the project's own CSV reader.
    func csv(_ write: (CSVWriter) -> Void) throws -> [[String]] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).csv")
        FileManager.default.createFile(atPath: url.path, contents: nil)
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
        #expect(text.contains("1,235"))
        // Agency: differences 500 and 1,500, mean 1,000, sd 707.1; t(1) = 12.706: ± 12.706 × 707.1 / √2 = 6,353.
        #expect(text.contains("+1 ± 6"), "\(text)")
    }

    @Test("the HTML pages are self-contained: no script, no external reference, a table behind every chart")
    func html() {
        let pages = [HTMLReports.costs(costReport(baseline: true))]
        for page in pages {
            #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("</html>"))
            #expect(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"))
            #expect(page.components(separatedBy: "<svg").count - 1 <= page.components(separatedBy: "<table").count - 1)
            #expect(page.contains("<td>Ward A, east</td>"))
        }
        let escaped = HTMLReports.costs(CostReport(scenario: "<b>&", currency: "GBP",
                                                   replications: [[CostLine(centre: "x", category: .fixed, month: "2026-04", amount: 1)]],
                                                   baseline: nil))
        #expect(escaped.contains("&lt;b&gt;&amp;") && !escaped.contains("<b>&"))
    }
}
