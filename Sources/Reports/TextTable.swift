import Foundation

/// Aligned plain-text tables for terminals.
public enum TextTable {
    /// Columns padded to their widest cell, two spaces apart; cells that start with a number are right-aligned.
    /// The first row is the header.
    public static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: max(0, widths[min(index, widths.count - 1)] - cell.count))
                let numeric = isNumber(cell.split(separator: " ").first.map(String.init) ?? "")
                return numeric ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension TextTable {
    /// A number as tables print one: "1,234", "+12", "-3.5", "45k", "12%".
    static func isNumber(_ token: String) -> Bool {
        var text = token.replacingOccurrences(of: ",", with: "")
        if text.hasSuffix("k") || text.hasSuffix("%") || text.hasSuffix("M") { text.removeLast() }
        return Double(text) != nil
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
