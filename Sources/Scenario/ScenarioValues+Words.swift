import Foundation
import Simulation

/// "Did you mean": the known word nearest to a misspelt one, by edit distance, when it is near enough.
enum Suggestion {
    static func nearest(to word: String, in words: [String]) -> String? {
        let scored = words.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        // Near enough: at most a third of the typed word wrong, or, for short words ("nite" for "night"),
        // no more edits than half the longer word; and no other candidate as near.
        let halfLonger = (max(word.count, best.0.count) + 1) / 2
        let limit = max(2, word.count / 3, word.count <= 6 ? halfLonger : 0)
        if best.1 <= limit, scored.filter({ $0.1 == best.1 }).count == 1 { return best.0 }
        return words.first { $0.hasPrefix(word.lowercased()) || word.lowercased().hasPrefix($0) }
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Times and dates as scenario files write them.
enum LocalTimeParse {
    static func valid(_ text: String) -> Bool { time(text) != nil }

    static func time(_ text: String) -> LocalTimeOfDayValue? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return LocalTimeOfDayValue(hour: hour, minute: minute)
    }

    static func date(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month),
              day >= 1, day <= [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31,
                                    31, 30, 31, 30, 31][month - 1]
        else { return nil }
        return (year, month, day)
    }

    /// "YYYY-MM-DD" (its midnight) or "YYYY-MM-DDTHH:MM": a local time to the minute, no seconds, no offset.
    static func dateTime(_ text: String) -> LocalDateTime? {
        let halves = text.split(separator: "T", omittingEmptySubsequences: false)
        guard halves.count <= 2, let day = date(String(halves[0])) else { return nil }
        guard halves.count == 2 else { return LocalDateTime(year: day.year, month: day.month, day: day.day) }
        guard halves[1].count == 5, let time = time(String(halves[1])) else { return nil }
        return LocalDateTime(year: day.year, month: day.month, day: day.day, hour: time.hour, minute: time.minute)
    }
}

/// An hour and minute, before they become the kernel's `LocalTimeOfDay`.
struct LocalTimeOfDayValue {
    let hour: Int
    let minute: Int
}

/// The decoder's check of one value against one schema type, public for tests of the schema itself.
public enum ScenarioSchemaCheck {
    /// Adds the problems of `node` as a value of `type` at `path`.
    public static func validate(_ node: ScenarioNode, as type: SchemaType, path: String, problems: inout [ScenarioProblem]) {
        var decoder = ScenarioDecoder()
        decoder.check(ScenarioDecoder.Value(node: node, type: type, path: path))
        problems += decoder.problems
    }
}
