import Foundation
import HospitalModel
import PatientTwin
import Simulation
import Yams

/// Reads a scenario's located tree into typed values in one pass over the schema. Each value is checked against
/// its schema type where it is read, and a problem is recorded with its file, line, column and path: unknown keys
/// (with the nearest known key), missing required keys, values of the wrong kind or out of range. A key the file
/// gives and no reader asks for is checked whole when its mapping is closed, so nothing in a file goes unchecked.
/// A key absent from the file reads as the schema's default, the one place defaults live.
///
/// Readers return nil for an absent key without a default, and for a value that is wrong (its problem is recorded);
/// the `…Value` readers of required or defaulted keys return a placeholder instead, and a configuration built with
/// one is never used, because `problems` is then not empty.
struct ScenarioDecoder {
    /// Every problem found so far, in the order found.
    private(set) var problems: [ScenarioProblem] = []
    /// The paths of the keys read, so that `finish` checks only the rest.
    private var read: Set<String> = []
    /// Every mapping opened by a reader, closed by `finish`.
    private var opened: [Mapping] = []

    /// A value to read: a node, its schema type and its path.
    struct Value {
        let node: ScenarioNode
        let type: SchemaType
        let path: String
    }

    /// A mapping opened for reading: its fields are read by key.
    struct Mapping {
        /// The mapping as given, or nil when absent (every field then reads as its default).
        let node: ScenarioNode?
        let fields: [SchemaField]
        let path: String
        /// Where a problem of the mapping as a whole is reported.
        let location: SourceLocation

        func field(_ key: String) -> SchemaField {
            guard let field = fields.first(where: { $0.name == key }) else {
                preconditionFailure("the scenario schema defines no key '\(key)' at '\(path)' (known: "
                    + fields.map(\.name).joined(separator: ", ") + ")")
            }
            return field
        }

        func path(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

        /// The node the file gives for `key`, or nil.
        func given(_ key: String) -> ScenarioNode? { _ = field(key); return node?[key] }
    }

    mutating func fail(_ location: SourceLocation?, _ path: String, _ message: String) {
        problems.append(ScenarioProblem(location: location, path: path, message: message))
    }

    // MARK: Mappings, lists and maps

    /// The document itself, a mapping of `type`.
    mutating func open(_ node: ScenarioNode, as type: SchemaType, path: String = "") -> Mapping? {
        open(Value(node: node, type: type, path: path))
    }

    /// Opens a mapping: refuses a node that is not one, reports keys it does not define and required keys it lacks.
    mutating func open(_ value: Value) -> Mapping? {
        guard case .object(let fields) = value.type else { preconditionFailure("\(value.path) is not a mapping in the schema") }
        guard case .mapping(let pairs, _) = value.node else {
            fail(value.node.location, value.path, "must be a mapping of keys, found \(value.node.found)")
            return nil
        }
        let names = fields.map(\.name)
        for pair in pairs where !names.contains(pair.key) {
            let hint = Suggestion.nearest(to: pair.key, in: names).map { "; did you mean '\($0)'?" } ?? ""
            fail(pair.keyLocation, ScenarioDecoder.join(value.path, pair.key),
                 "unknown key\(hint) (known here: \(names.joined(separator: ", ")))")
        }
        for field in fields where field.required && value.node[field.name] == nil {
            fail(value.node.location, value.path,
                 "missing the required key '\(field.name)' (\(field.type.summary)\(field.unit.map { ", \($0)" } ?? ""))")
        }
        let mapping = Mapping(node: value.node, fields: fields, path: value.path, location: value.node.location)
        opened.append(mapping)
        return mapping
    }

    /// The mapping under `key`, given or the schema's default; nil when absent without a default, or not a mapping.
    mutating func object(_ parent: Mapping, _ key: String) -> Mapping? {
        guard let value = value(parent, key) else { return nil }
        return open(value)
    }

    /// The mapping under `key`; when absent or refused, a mapping whose fields all read as their defaults (the
    /// refusal is recorded), so that the reader can go on checking the rest of the file.
    mutating func objectOrDefaults(_ parent: Mapping, _ key: String) -> Mapping {
        if let mapping = object(parent, key) { return mapping }
        guard case .object(let fields) = parent.field(key).type else { preconditionFailure("\(key) is not a mapping") }
        return Mapping(node: nil, fields: fields, path: parent.path(key), location: parent.given(key)?.location ?? parent.location)
    }

    /// Ends the reading: checks every key the file gives in each mapping opened that no reader asked for, so that
    /// nothing given goes unchecked. Returns every problem found.
    mutating func finish() -> [ScenarioProblem] {
        let readers = opened
        for mapping in readers { close(mapping) }
        return problems
    }

    /// Checks the keys of `mapping` that were not read.
    private mutating func close(_ mapping: Mapping) {
        guard case .mapping(let pairs, _)? = mapping.node else { return }
        for pair in pairs {
            let path = mapping.path(pair.key)
            guard !read.contains(path), let field = mapping.fields.first(where: { $0.name == pair.key }) else { continue }
            read.insert(path)
            check(Value(node: pair.value, type: field.type, path: path))
        }
    }

    /// The items of the list under `key` (given or default): the list's length checked, each item with its
    /// element type and path, to be read by the caller. Empty when absent or not a list.
    mutating func items(_ parent: Mapping, _ key: String) -> [Value] {
        guard let value = value(parent, key) else { return [] }
        return items(value)
    }

    mutating func items(_ value: Value) -> [Value] {
        guard case .list(let element, _, let count) = value.type else { preconditionFailure("\(value.path) is not a list") }
        guard let items = value.node.items else {
            fail(value.node.location, value.path, "must be a list (\(value.type.summary)), found \(value.node.found)")
            return []
        }
        if let count, items.count != count {
            fail(value.node.location, value.path, "must have \(count) values, found \(items.count)")
            return []
        }
        return items.enumerated().map { Value(node: $1, type: element, path: "\(value.path)[\($0)]") }
    }

    /// The entries of the map under `key` (given or default), in file order: keys outside the vocabulary reported
    /// and left out; each value with its type and path, to be read by the caller.
    mutating func entries(_ parent: Mapping, _ key: String) -> [(key: String, value: Value)] {
        guard let value = value(parent, key) else { return [] }
        return entries(value)
    }

    mutating func entries(_ value: Value) -> [(key: String, value: Value)] {
        guard case .map(let keys, let type) = value.type else { preconditionFailure("\(value.path) is not a map") }
        guard case .mapping(let pairs, _) = value.node else {
            fail(value.node.location, value.path, "must be a mapping (\(value.type.summary)), found \(value.node.found)")
            return []
        }
        return pairs.compactMap { pair in
            let path = ScenarioDecoder.join(value.path, pair.key)
            guard keys?.contains(pair.key) ?? true else {
                let known = keys ?? []
                let hint = Suggestion.nearest(to: pair.key, in: known).map { "; did you mean '\($0)'?" } ?? ""
                fail(pair.keyLocation, path, "unknown key\(hint) (expected one of \(known.joined(separator: ", ")))")
                return nil
            }
            return (pair.key, Value(node: pair.value, type: type, path: path))
        }
    }

    // MARK: Scalars

    /// The value under `key`: the file's, or the schema's default; nil when absent without a default.
    mutating func value(_ parent: Mapping, _ key: String) -> Value? {
        let field = parent.field(key)
        markRead(parent, key)
        if let given = parent.node?[key] { return Value(node: given, type: field.type, path: parent.path(key)) }
        guard let text = field.defaultValue else { return nil }
        return Value(node: Self.defaultNode(text, key: key), type: field.type, path: parent.path(key))
    }

    private mutating func markRead(_ parent: Mapping, _ key: String) { read.insert(parent.path(key)) }

    /// Checks a scalar against its type; the parsed value when it passes.
    mutating func scalar<T>(_ value: Value?, _ parse: (String) -> T?) -> T? {
        guard let value else { return nil }
        guard checkScalar(value), let text = value.node.text else { return nil }
        return parse(text)
    }

    mutating func int(_ value: Value?) -> Int? { scalar(value, ScenarioValues.integer) }
    mutating func number(_ value: Value?) -> Double? { scalar(value, ScenarioValues.number) }
    mutating func text(_ value: Value?) -> String? { scalar(value) { $0 } }
    mutating func bool(_ value: Value?) -> Bool? { scalar(value, ScenarioValues.boolean) }
    mutating func time(_ value: Value?) -> LocalTimeOfDay? {
        scalar(value) { LocalTimeParse.time($0).flatMap { LocalTimeOfDay(hour: $0.hour, minute: $0.minute) } }
    }
    mutating func date(_ value: Value?) -> LocalDateTime? {
        scalar(value) { LocalTimeParse.date($0).map { LocalDateTime(year: $0.year, month: $0.month, day: $0.day) } }
    }
    /// A date (its local midnight) or a local time to the minute.
    mutating func dateTime(_ value: Value?) -> LocalDateTime? { scalar(value, LocalTimeParse.dateTime) }
    /// A word of a closed vocabulary as its enum case.
    mutating func choice<T: RawRepresentable>(_ value: Value?, as: T.Type) -> T? where T.RawValue == String {
        scalar(value) { T(rawValue: $0.lowercased()) }
    }

    mutating func days(_ value: Value?) -> Set<Weekday>? {
        guard let value else { return nil }
        switch ScenarioValues.weekdays(value.node) {
        case .success(let days): return days
        case .failure(let problem):
            fail(problem.location, value.path, problem.message)
            return nil
        }
    }

    mutating func distribution(_ value: Value?, scale: Double = 1) -> DurationDistribution? {
        guard let value else { return nil }
        switch ScenarioValues.distribution(value.node, scale: scale) {
        case .success(let distribution): return distribution
        case .failure(let problem):
            fail(problem.location, value.path, problem.message)
            return nil
        }
    }

    mutating func int(_ parent: Mapping, _ key: String) -> Int? { int(value(parent, key)) }
    mutating func number(_ parent: Mapping, _ key: String) -> Double? { number(value(parent, key)) }
    mutating func text(_ parent: Mapping, _ key: String) -> String? { text(value(parent, key)) }
    mutating func bool(_ parent: Mapping, _ key: String) -> Bool? { bool(value(parent, key)) }
    mutating func time(_ parent: Mapping, _ key: String) -> LocalTimeOfDay? { time(value(parent, key)) }
    mutating func days(_ parent: Mapping, _ key: String) -> Set<Weekday>? { days(value(parent, key)) }
    mutating func choice<T: RawRepresentable>(_ parent: Mapping, _ key: String, as type: T.Type) -> T? where T.RawValue == String {
        choice(value(parent, key), as: type)
    }
    mutating func distribution(_ parent: Mapping, _ key: String, scale: Double = 1) -> DurationDistribution? {
        distribution(value(parent, key), scale: scale)
    }

    /// Numbers of a list under `key`; nil when the list or any item is wrong.
    mutating func numbers(_ parent: Mapping, _ key: String) -> [Double]? {
        guard value(parent, key) != nil else { return nil }
        let before = problems.count
        let values = items(parent, key).map { number($0) }
        return problems.count == before ? values.compactMap { $0 } : nil
    }

    /// The value of a key that is required or has a default: present once the file is valid, so a missing one
    /// means a problem is already recorded (or the schema lacks its default, a programmer error).
    func present<T: BuilderPlaceholder>(_ value: T?, _ parent: Mapping, _ key: String) -> T {
        if let value { return value }
        precondition(!problems.isEmpty, "the scenario schema must require '\(parent.path(key))' or give it a default")
        return T.placeholder
    }

    /// The value of a required or defaulted key, read by `read` before `present` looks at the problems.
    private mutating func required<T: BuilderPlaceholder>(_ parent: Mapping, _ key: String,
                                                          _ read: (inout ScenarioDecoder) -> T?) -> T {
        let value = read(&self)
        return present(value, parent, key)
    }

    mutating func intValue(_ parent: Mapping, _ key: String) -> Int { required(parent, key) { $0.int(parent, key) } }
    mutating func numberValue(_ parent: Mapping, _ key: String) -> Double { required(parent, key) { $0.number(parent, key) } }
    mutating func textValue(_ parent: Mapping, _ key: String) -> String { required(parent, key) { $0.text(parent, key) } }
    mutating func boolValue(_ parent: Mapping, _ key: String) -> Bool { required(parent, key) { $0.bool(parent, key) } }
    mutating func timeValue(_ parent: Mapping, _ key: String) -> LocalTimeOfDay { required(parent, key) { $0.time(parent, key) } }

    // MARK: Checking whole values

    /// Checks a value of any type, recursively: what `close` does for keys no reader asked for, and what the
    /// schema's own tests use.
    mutating func check(_ value: Value) {
        switch value.type {
        case .list:
            for item in items(value) { check(item) }
        case .object:
            guard let mapping = open(value) else { return }
            close(mapping)
        case .map:
            for entry in entries(value) { check(entry.value) }
        case .weekdays:
            _ = days(value)
        case .distribution:
            _ = distribution(value)
        default:
            _ = checkScalar(value)
        }
    }

    /// Checks a scalar value against its type; true when it passes.
    private mutating func checkScalar(_ value: Value) -> Bool {
        let node = value.node
        let before = problems.count
        func fail(_ message: String) { self.fail(node.location, value.path, message) }
        switch value.type {
        case .integer(let min, let max):
            guard let text = node.text, let number = ScenarioValues.integer(text) else {
                fail("must be a whole number\(SchemaType.bounds(min.map(Double.init), max.map(Double.init), exclusive: false)), found \(node.found)")
                break
            }
            if let min, number < min { fail("must be a whole number >= \(min), found \(number)") }
            if let max, number > max { fail("must be a whole number <= \(max), found \(number)") }
        case .number(let min, let max, let exclusive):
            guard let text = node.text, let number = ScenarioValues.number(text) else {
                fail("must be a number\(SchemaType.bounds(min, max, exclusive: exclusive)), found \(node.found)")
                break
            }
            if let min, exclusive ? number <= min : number < min {
                fail("must be a number \(exclusive ? ">" : ">=") \(ScenarioValues.plain(min)), found \(ScenarioValues.plain(number))")
            }
            if let max, number > max { fail("must be a number <= \(ScenarioValues.plain(max)), found \(ScenarioValues.plain(number))") }
        case .string(let nonEmpty):
            guard let text = node.text else { fail("must be text, found \(node.found)"); break }
            if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty { fail("must not be empty") }
        case .boolean:
            if node.text.flatMap(ScenarioValues.boolean) == nil { fail("must be true or false, found \(node.found)") }
        case .choice(let words):
            guard let text = node.text, words.contains(text.lowercased()) else {
                let found = node.text.map { "'\($0)'" } ?? node.found
                let hint = node.text.flatMap { Suggestion.nearest(to: $0.lowercased(), in: words) }.map { "; did you mean '\($0)'?" } ?? ""
                fail("must be one of \(words.joined(separator: ", ")), found \(found)\(hint)")
                break
            }
        case .timeOfDay:
            if !(node.text.map(LocalTimeParse.valid) ?? false) {
                fail("must be a time of day HH:MM from 00:00 to 23:59, found \(node.found)")
            }
        case .date:
            if node.text.flatMap(LocalTimeParse.date) == nil { fail("must be a date YYYY-MM-DD, found \(node.found)") }
        case .dateTime:
            if node.text.flatMap(LocalTimeParse.dateTime) == nil {
                fail("must be a date YYYY-MM-DD or a local time YYYY-MM-DDTHH:MM, found \(node.found)")
            }
        case .weekdays, .distribution, .list, .object, .map:
            preconditionFailure("\(value.path) is not a scalar in the schema")
        }
        return problems.count == before
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// A schema default, as written in the schema, parsed as YAML.
    static func defaultNode(_ text: String, key: String) -> ScenarioNode {
        let file = "<default of \(key)>"
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return .scalar(text, SourceLocation(file: file, line: 1, column: 1), quoted: false)
            }
            var ignored: [ScenarioProblem] = []
            return ScenarioNode(node, file: file, problems: &ignored)
        } catch {
            preconditionFailure("the schema's default of \(key) is YAML: \(error)")
        }
    }
}
