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
                let numeric = Double(cell.split(separator: " ").first ?? "") != nil
                return numeric ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
