import Foundation
import HospitalModel
import PatientTwin
import Simulation

/// The type of a value in a scenario file: what the decoder checks, the JSON Schema publishes and the reference
/// documentation tabulates. Stated once, in `ScenarioSchema`.
public indirect enum SchemaType: Sendable {
    /// A whole number within the bounds.
    case integer(min: Int?, max: Int?)
    /// A number within the bounds (`exclusiveMinimum`: strictly above `min`).
    case number(min: Double?, max: Double?, exclusiveMinimum: Bool)
    /// Text; `nonEmpty` refuses "".
    case string(nonEmpty: Bool)
    /// true or false.
    case boolean
    /// One of a closed set of words.
    case choice([String])
    /// A local time of day "HH:MM".
    case timeOfDay
    /// A date "YYYY-MM-DD".
    case date
    /// A date "YYYY-MM-DD" (its local midnight) or a local time "YYYY-MM-DDTHH:MM".
    case dateTime
    /// Days of the week: a list of day names, or all, weekdays, weekends.
    case weekdays
    /// A distribution of durations: a number (always that), or `{distribution: lognormal, mean: 35, sd: 20}`.
    case distribution
    /// A list of items; with an `identity`, a variant's item with the same identity merges onto the base's;
    /// `count`, when set, is the exact length.
    case list(SchemaType, identity: [String]?, count: Int? = nil)
    /// A mapping of fixed fields.
    case object([SchemaField])
    /// A mapping whose keys come from a vocabulary (nil: any key, checked elsewhere), each with a value of one type.
    case map(keys: [String]?, value: SchemaType)

    /// The field of an object, by name.
    func field(_ name: String) -> SchemaField? {
        if case .object(let fields) = self { return fields.first { $0.name == name } }
        return nil
    }

    /// The identity of a list item: its identity fields' values, canonical (days as a sorted set), or nil when the
    /// item is not a mapping.
    static func identityKey(of node: ScenarioNode, keys: [String]) -> String? {
        guard case .mapping = node else { return nil }
        return keys.map { key -> String in
            guard let value = node[key] else { return "" }
            if key == "days", case .success(let days) = ScenarioValues.weekdays(value) {
                return days.map(\.rawValue).sorted().map(String.init).joined(separator: ",")
            }
            return value.text.map(UnitNames.comparable) ?? ""  // names compared by one rule everywhere
        }.joined(separator: "|")
    }

    /// A short name of the type, for messages and the reference.
    var summary: String {
        switch self {
        case .integer(let min, let max):
            "whole number" + Self.bounds(min.map(Double.init), max.map(Double.init), exclusive: false)
        case .number(let min, let max, let exclusive): "number" + Self.bounds(min, max, exclusive: exclusive)
        case .string: "text"
        case .boolean: "true or false"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .timeOfDay: "time HH:MM"
        case .date: "date YYYY-MM-DD"
        case .dateTime: "date YYYY-MM-DD or local time YYYY-MM-DDTHH:MM"
        case .weekdays: "days (list of mon…sun, or all, weekdays, weekends)"
        case .distribution: "duration distribution"
        case .list(let element, _, let count):
            "list of " + (count.map { "\($0) " } ?? "") + element.summary
        case .object: "mapping"
        case .map(let keys, let value): "mapping of " + (keys?.joined(separator: ", ") ?? "names") + " to " + value.summary
        }
    }

    static func bounds(_ min: Double?, _ max: Double?, exclusive: Bool) -> String {
        func plain(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        switch (min, max) {
        case (let low?, let high?): return " from \(plain(low)) to \(plain(high))"
        case (let low?, nil): return exclusive ? " > \(plain(low))" : " >= \(plain(low))"
        case (nil, let high?): return " <= \(plain(high))"
        case (nil, nil): return ""
        }
    }
}

/// One field of a mapping in a scenario file.
public struct SchemaField: Sendable {
    /// The key.
    public let name: String
    /// Its type.
    public let type: SchemaType
    /// True when the key must be present.
    public let required: Bool
    /// The value used when the key is absent, as it would be written in the file; nil when absence means
    /// "none" (or the key is required).
    public let defaultValue: String?
    /// The unit of a number ("minutes", "beds", "per day").
    public let unit: String?
    /// What it sets, for the reference.
    public let summary: String

    /// A field.
    public init(_ name: String, _ type: SchemaType, required: Bool = false, default defaultValue: String? = nil,
                unit: String? = nil, _ summary: String)
    {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.unit = unit
        self.summary = summary
    }
}

/// Reading typed values out of scenario nodes: one parser per kind of value, used by the decoder (which reports
/// a failure where it is) and by the loader's merging (days as an identity).
public enum ScenarioValues {
    /// The weekday words: mon…sun and monday…sunday, any case.
    static let dayNames: [String: Weekday] = [
        "mon": .monday, "monday": .monday, "tue": .tuesday, "tues": .tuesday, "tuesday": .tuesday,
        "wed": .wednesday, "wednesday": .wednesday, "thu": .thursday, "thur": .thursday, "thurs": .thursday,
        "thursday": .thursday, "fri": .friday, "friday": .friday, "sat": .saturday, "saturday": .saturday,
        "sun": .sunday, "sunday": .sunday,
    ]

    static func integer(_ text: String) -> Int? { Int(text) }

    static func number(_ text: String) -> Double? { Double(text).flatMap { $0.isFinite ? $0 : nil } }

    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// Days from a list of names or a word for a set.
    static func weekdays(_ node: ScenarioNode) -> Result<Set<Weekday>, ScenarioProblem> {
        let expected = "days: a list such as [mon, tue], or all, weekdays or weekends"
        if let word = node.text?.lowercased() {
            switch word {
            case "all", "every day", "daily": return .success(Set(Weekday.allCases))
            case "weekdays": return .success([.monday, .tuesday, .wednesday, .thursday, .friday])
            case "weekends", "weekend": return .success([.saturday, .sunday])
            default:
                if let day = dayNames[word] { return .success([day]) }
                return .failure(ScenarioProblem(location: node.location, path: "", message:
                    "expected \(expected), found \(node.found)"))
            }
        }
        guard let items = node.items else {
            return .failure(ScenarioProblem(location: node.location, path: "", message: "expected \(expected), found \(node.found)"))
        }
        var days = Set<Weekday>()
        for item in items {
            guard let day = item.text.flatMap({ dayNames[$0.lowercased()] }) else {
                return .failure(ScenarioProblem(location: item.location, path: "", message:
                    "expected a day name (mon, tue, wed, thu, fri, sat, sun), found \(item.found)"))
            }
            days.insert(day)
        }
        if days.isEmpty {
            return .failure(ScenarioProblem(location: node.location, path: "", message: "expected at least one day"))
        }
        return .success(days)
    }

    /// The parameters each distribution takes, by name; the first set listed for a family is its usual one.
    static let distributionParameters: [String: [[String]]] = [
        "fixed": [["value"]], "exponential": [["mean"]], "lognormal": [["median", "sigma"], ["mean", "sd"], ["mu", "sigma"]],
        "gamma": [["mean", "sd"], ["shape", "scale"]], "weibull": [["shape", "scale"]],
        "triangular": [["min", "mode", "max"]], "uniform": [["min", "max"]],
    ]

    /// A duration distribution: a bare number (fixed) or a mapping naming the family and its parameters.
    static func distribution(_ node: ScenarioNode, scale: Double = 1) -> Result<DurationDistribution, ScenarioProblem> {
        func fail(_ location: SourceLocation, _ message: String) -> Result<DurationDistribution, ScenarioProblem> {
            .failure(ScenarioProblem(location: location, path: "", message: message))
        }
        if let text = node.text {
            guard let value = number(text), value >= 0 else {
                return fail(node.location, "expected a number >= 0 or a distribution such as {distribution: lognormal, "
                    + "mean: 35, sd: 20}, found \(node.found)")
            }
            return .success(.fixed(value * scale))
        }
        guard case .mapping = node else {
            return fail(node.location, "expected a number or a distribution such as {distribution: lognormal, mean: 35, "
                + "sd: 20}, found \(node.found)")
        }
        guard let familyNode = node["distribution"], let family = familyNode.text?.lowercased(),
              let sets = distributionParameters[family]
        else {
            return fail(node["distribution"]?.location ?? node.location, "distribution: expected one of "
                + distributionParameters.keys.sorted().joined(separator: ", ") + ", found "
                + (node["distribution"]?.found ?? "nothing"))
        }
        let given = Set(node.keys.filter { $0 != "distribution" })
        guard let names = sets.first(where: { Set($0) == given }) else {
            return fail(node.location, "a \(family) distribution takes "
                + sets.map { $0.joined(separator: " and ") }.joined(separator: ", or ") + "; found "
                + (given.isEmpty ? "no parameters" : given.sorted().joined(separator: ", ")))
        }
        var values: [String: Double] = [:]
        for name in names {
            guard let value = node[name]?.text.flatMap(number) else {
                return fail(node[name]?.location ?? node.location, "\(name): expected a number, found \(node[name]?.found ?? "nothing")")
            }
            values[name] = value
        }
        do {
            let v = values
            let distribution: DurationDistribution
            switch (family, Set(names)) {
            case ("fixed", _): distribution = try .fixedValue(v["value"]! * scale)
            case ("exponential", _): distribution = .exponential(try Exponential(mean: v["mean"]! * scale))
            case ("lognormal", ["median", "sigma"]):
                distribution = .lognormal(try LogNormal(mu: log(max(v["median"]!, .leastNonzeroMagnitude) * scale),
                                                        sigma: v["sigma"]!))
                if v["median"]! <= 0 {
                    throw DistributionParameterError(distribution: "lognormal", parameter: "median", value: v["median"]!,
                                                     expected: "> 0")
                }
            case ("lognormal", ["mean", "sd"]):
                distribution = .lognormal(try LogNormal(mean: v["mean"]! * scale, standardDeviation: v["sd"]! * scale))
            case ("lognormal", _): distribution = .lognormal(try LogNormal(mu: v["mu"]! + log(scale), sigma: v["sigma"]!))
            case ("gamma", ["mean", "sd"]):
                distribution = .gamma(try Gamma(mean: v["mean"]! * scale, standardDeviation: v["sd"]! * scale))
            case ("gamma", _): distribution = .gamma(try Gamma(shape: v["shape"]!, scale: v["scale"]! * scale))
            case ("weibull", _): distribution = .weibull(try Weibull(shape: v["shape"]!, scale: v["scale"]! * scale))
            case ("triangular", _):
                distribution = .triangular(try Triangular(low: v["min"]! * scale, mode: v["mode"]! * scale, high: v["max"]! * scale))
            default: distribution = .uniform(try Uniform(low: v["min"]! * scale, high: v["max"]! * scale))
            }
            if family == "triangular" || family == "uniform", v["min"]! < 0 {
                throw DistributionParameterError(distribution: family, parameter: "min", value: v["min"]!, expected: ">= 0")
            }
            return .success(distribution)
        } catch let error as DistributionParameterError {
            let parameter = names.contains(error.parameter) ? error.parameter
                : names.first { $0.hasPrefix(error.parameter) } ?? error.parameter
            return fail(node[parameter]?.location ?? node.location,
                        "\(parameter): must be \(error.expected), found \(plain(error.value))")
        } catch {
            return fail(node.location, "\(error)")
        }
    }

    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
