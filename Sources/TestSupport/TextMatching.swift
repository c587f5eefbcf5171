import Foundation

/// Text assertions that cannot match by accident: a number found inside a longer number is not found.
public enum TextMatching {
    /// True when `token` occurs in `text` not as part of a longer number: no digit right before or after it, and no
    /// decimal point or thousands comma joining it to a digit. "1,235" is in "costs 1,235." but not in "11,235",
    /// "1,2350", "1,235,000" or "0.1,235"; "± 6" is not in "± 63".
    public static func containsNumber(_ text: String, _ token: String) -> Bool {
        let characters = Array(text), wanted = Array(token)
        guard !wanted.isEmpty, characters.count >= wanted.count else { return false }
        func digit(_ i: Int) -> Bool { i >= 0 && i < characters.count && characters[i].isNumber }
        func joiner(_ i: Int) -> Bool { i >= 0 && i < characters.count && (characters[i] == "." || characters[i] == ",") }
        for start in 0...(characters.count - wanted.count) where Array(characters[start..<start + wanted.count]) == wanted {
            let end = start + wanted.count
            let joinedBefore = digit(start - 1) || (joiner(start - 1) && digit(start - 2))
            let joinedAfter = digit(end) || (joiner(end) && digit(end + 1))
            if !joinedBefore && !joinedAfter { return true }
        }
        return false
    }
}
