import Foundation

/// Aligned plain-text tables for terminals.
public enum TextTable {
    /// Columns padded to their widest cell, two spaces apart; cells that start with a number are right-aligned.
    /// The first row is the header.
    public static func render(_ rows: [[String]]) -> String {
        let rows = rows.map { $0.map(TerminalText.safe) }
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

/// Text for a terminal with its control characters made visible: a name holding ESC, BEL, a carriage return or any
/// other C0 or C1 control (or DEL) is printed as `\u{1B}` and so on, never sent raw to rewrite the user's screen.
public enum TerminalText {
    /// `text` with every control character other than a line break written as `\u{XX}`.
    public static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) { out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
    }
}
