import Foundation

/// Checks a scenario tree against the schema: every problem at once, each located and with its path — unknown
/// keys (with the nearest known key suggested), missing required keys, values of the wrong kind or out of range.
enum ScenarioValidator {
    static func validate(_ node: ScenarioNode, as type: SchemaType, path: String, problems: inout [ScenarioProblem]) {
        func fail(_ message: String, at location: SourceLocation? = nil) {
            problems.append(ScenarioProblem(location: location ?? node.location, path: path, message: message))
        }
        switch type {
        case .integer(let min, let max):
            guard let text = node.text, let value = ScenarioValues.integer(text) else {
                return fail("must be a whole number\(SchemaType.bounds(min.map(Double.init), max.map(Double.init), exclusive: false)), found \(node.found)")
            }
            if let min, value < min { fail("must be a whole number >= \(min), found \(value)") }
            if let max, value > max { fail("must be a whole number <= \(max), found \(value)") }
        case .number(let min, let max, let exclusive):
            guard let text = node.text, let value = ScenarioValues.number(text) else {
                return fail("must be a number\(SchemaType.bounds(min, max, exclusive: exclusive)), found \(node.found)")
            }
            if let min, exclusive ? value <= min : value < min {
                fail("must be a number \(exclusive ? ">" : ">=") \(ScenarioValues.plain(min)), found \(ScenarioValues.plain(value))")
            }
            if let max, value > max { fail("must be a number <= \(ScenarioValues.plain(max)), found \(ScenarioValues.plain(value))") }
        case .string(let nonEmpty):
            guard let text = node.text else { return fail("must be text, found \(node.found)") }
            if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty { fail("must not be empty") }
        case .boolean:
            guard let text = node.text, ScenarioValues.boolean(text) != nil else {
                return fail("must be true or false, found \(node.found)")
            }
        case .choice(let words):
            guard let text = node.text, words.contains(text.lowercased()) else {
                let found = node.text.map { "'\($0)'" } ?? node.found
                let hint = node.text.flatMap { Suggestion.nearest(to: $0.lowercased(), in: words) }.map { "; did you mean '\($0)'?" } ?? ""
                return fail("must be one of \(words.joined(separator: ", ")), found \(found)\(hint)")
            }
        case .timeOfDay:
            guard let text = node.text, LocalTimeParse.valid(text) else {
                return fail("must be a time of day HH:MM from 00:00 to 23:59, found \(node.found)")
            }
        case .date:
            guard let text = node.text, LocalTimeParse.date(text) != nil else {
                return fail("must be a date YYYY-MM-DD, found \(node.found)")
            }
        case .weekdays:
            if case .failure(let problem) = ScenarioValues.weekdays(node) {
                problems.append(ScenarioProblem(location: problem.location, path: path, message: problem.message))
            }
        case .distribution:
            if case .failure(let problem) = ScenarioValues.distribution(node) {
                problems.append(ScenarioProblem(location: problem.location, path: path, message: problem.message))
            }
        case .list(let element, _, let count):
            guard let items = node.items else { return fail("must be a list (\(type.summary)), found \(node.found)") }
            if let count, items.count != count { fail("must have \(count) values, found \(items.count)") }
            for (index, item) in items.enumerated() {
                validate(item, as: element, path: "\(path)[\(index)]", problems: &problems)
            }
        case .object(let fields):
            guard case .mapping(let pairs, _) = node else { return fail("must be a mapping of keys, found \(node.found)") }
            let names = fields.map(\.name)
            for pair in pairs where !names.contains(pair.key) {
                let hint = Suggestion.nearest(to: pair.key, in: names).map { "; did you mean '\($0)'?" } ?? ""
                problems.append(ScenarioProblem(location: pair.keyLocation, path: join(path, pair.key),
                                                message: "unknown key\(hint) (known here: \(names.joined(separator: ", ")))"))
            }
            for field in fields {
                if let value = node[field.name] {
                    validate(value, as: field.type, path: join(path, field.name), problems: &problems)
                } else if field.required {
                    fail("missing the required key '\(field.name)' (\(field.type.summary)\(field.unit.map { ", \($0)" } ?? ""))")
                }
            }
        case .map(let keys, let value):
            guard case .mapping(let pairs, _) = node else { return fail("must be a mapping (\(type.summary)), found \(node.found)") }
            for pair in pairs {
                if keys?.contains(pair.key) ?? true {
                    validate(pair.value, as: value, path: join(path, pair.key), problems: &problems)
                } else {
                    let known = keys ?? []
                    let hint = Suggestion.nearest(to: pair.key, in: known).map { "; did you mean '\($0)'?" } ?? ""
                    problems.append(ScenarioProblem(location: pair.keyLocation, path: join(path, pair.key),
                                                    message: "unknown key\(hint) (expected one of \(known.joined(separator: ", ")))"))
                }
            }
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }
}

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
}

/// An hour and minute, before they become the kernel's `LocalTimeOfDay`.
struct LocalTimeOfDayValue {
    let hour: Int
    let minute: Int
}

/// The validator's check of one value against one schema type, public for tests of the schema itself.
public enum ScenarioSchemaCheck {
    /// Adds the problems of `node` as a value of `type` at `path`.
    public static func validate(_ node: ScenarioNode, as type: SchemaType, path: String, problems: inout [ScenarioProblem]) {
        ScenarioValidator.validate(node, as: type, path: path, problems: &problems)
    }
}
