import ReferenceModels
import Reports
import Simulation
import Testing

@Suite("rendering numbers and tables")
struct RenderingTests {
    @Test("significant digits without an exponent for everyday magnitudes", arguments: [
        (0.072771, 4, "0.07277"), (1234.5678, 3, "1235"), (0.0031, 2, "0.0031"), (0, 3, "0"), (-2.5, 2, "-2.5"),
        (1.5e-6, 2, "1.5e-06"), (Double.nan, 3, "nan"), (Double.infinity, 3, "inf"),
    ])
    func significantDigits(_ value: Double, _ digits: Int, _ expected: String) {
        #expect(value.formatted(significantDigits: digits) == expected)
    }

    @Test("a text table pads columns, right-aligns numbers and trims trailing spaces")
    func textTable() {
        let table = TextTable.render([["unit", "beds", "note"], ["ward A", "28", ""], ["ICU", "8", "level 3"]])
        #expect(table == """
            unit    beds  note
            ward A    28
            ICU        8  level 3
            """)
    }

    @Test("Welch's table marks the MSER-5 cut on the period it suggests")
    func warmUpTable() {
        let values: [Double] = (0..<200).map { (i: Int) -> Double in
            i < 20 ? 50 - Double(i) : 30 + Double(i % 3)
        }
        let series = [values]
        let analysis = WarmUpAnalysis(series: series, window: 5)
        let table = KernelValidationReport.warmUpTable(analysis, periodLabel: "batch", every: 1)
        let marked = table.split(separator: "\n").filter { $0.contains("MSER-5") }
        #expect(marked.count == 1)
        #expect(marked.first?.hasPrefix("\(analysis.suggestedWarmUpPeriods)\t") == true)
        #expect(table.hasPrefix("batch\tmean\tmoving average (w=5)"))
    }
}

@Suite("terminal output")
struct TerminalTextTests {
    @Test("control characters in a name are shown, never sent raw: ESC, BEL, CR, DEL, C1")
    func controls() {
        let hostile = "Ward\u{1B}[2J\u{07}\r\u{7F}\u{9B}7"
        let table = TextTable.render([["unit"], [hostile]])
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        #expect(table.contains("Ward\\u{1B}[2J\\u{7}\\u{D}\\u{7F}\\u{9B}7"), "\(table)")
        #expect(TerminalText.safe("plain name, 12%") == "plain name, 12%")
    }
}
