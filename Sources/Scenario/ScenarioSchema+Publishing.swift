import Foundation

/// The schema published: as JSON Schema (draft 2020-12) for editors, and as the reference tables of
/// Docs/SCENARIO-REFERENCE.md.
extension ScenarioSchema {
    /// The JSON Schema of a scenario file, pretty-printed with sorted keys.
    public static func jsonSchema() -> Data {
        var root = jsonSchema(for: document)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = "https://github.com/hospital-twin/hospital-twin/scenario.schema.json"
        root["title"] = "hospital-twin scenario"
        root["description"] = "A hospital scenario for hospital-twin: units, emergency department, theatres, staff and "
            + "policies. Every key is documented in Docs/SCENARIO-REFERENCE.md."
        do {
            return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys,
                                                                             .withoutEscapingSlashes])
        } catch {
            preconditionFailure("the schema is made of JSON types: \(error)")
        }
    }

    static func jsonSchema(for type: SchemaType) -> [String: Any] {
        switch type {
        case .integer(let min, let max):
            var schema: [String: Any] = ["type": "integer"]
            if let min { schema["minimum"] = min }
            if let max { schema["maximum"] = max }
            return schema
        case .number(let min, let max, let exclusive):
            var schema: [String: Any] = ["type": "number"]
            if let min { schema[exclusive ? "exclusiveMinimum" : "minimum"] = min }
            if let max { schema["maximum"] = max }
            return schema
        case .string(let nonEmpty):
            return nonEmpty ? ["type": "string", "minLength": 1] : ["type": "string"]
        case .boolean:
            return ["type": "boolean"]
        case .choice(let words):
            return ["type": "string", "enum": words]
        case .timeOfDay:
            return ["type": "string", "pattern": "^([01]?[0-9]|2[0-3]):[0-5][0-9]$"]
        case .date:
            return ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"]
        case .dateTime:
            return ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T([01][0-9]|2[0-3]):[0-5][0-9])?$"]
        case .weekdays:
            let day: [String: Any] = ["type": "string", "enum": ScenarioValues.dayNames.keys.sorted()]
            return ["oneOf": [["type": "string", "enum": ["all", "weekdays", "weekends"] + ScenarioValues.dayNames.keys.sorted()],
                              ["type": "array", "items": day, "minItems": 1]]]
        case .distribution:
            let families: [[String: Any]] = ScenarioValues.distributionParameters.keys.sorted().flatMap { family in
                ScenarioValues.distributionParameters[family]!.map { names -> [String: Any] in
                    var properties: [String: Any] = ["distribution": ["const": family]]
                    for name in names { properties[name] = ["type": "number"] }
                    return ["type": "object", "properties": properties, "required": ["distribution"] + names,
                            "additionalProperties": false]
                }
            }
            return ["oneOf": [["type": "number", "minimum": 0]] + families]
        case .list(let element, _, let count):
            var schema: [String: Any] = ["type": "array", "items": jsonSchema(for: element)]
            if let count {
                schema["minItems"] = count
                schema["maxItems"] = count
            }
            return schema
        case .object(let fields):
            var properties: [String: Any] = [:]
            for field in fields {
                var property = jsonSchema(for: field.type)
                property["description"] = field.summary + (field.unit.map { " (\($0))" } ?? "")
                    + (field.defaultValue.map { "; default \($0)" } ?? "")
                properties[field.name] = property
            }
            var schema: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
            let required = fields.filter(\.required).map(\.name)
            if !required.isEmpty { schema["required"] = required }
            return schema
        case .map(let keys, let value):
            if let keys {
                var properties: [String: Any] = [:]
                for key in keys { properties[key] = jsonSchema(for: value) }
                return ["type": "object", "properties": properties, "additionalProperties": false]
            }
            return ["type": "object", "additionalProperties": jsonSchema(for: value)]
        }
    }

    /// The reference: a table per mapping — key, type, unit, default, meaning — in the order of the file.
    public static func markdownReference() -> String {
        var sections: [String] = []
        func table(_ title: String, _ fields: [SchemaField]) {
            var lines = ["## `\(title)`", "", "| key | type | unit | default | meaning |", "|---|---|---|---|---|"]
            for field in fields {
                let kind: String = switch field.type {
                case .object: "mapping, see `\(title == "scenario" ? field.name : title + "." + field.name)`"
                case .list(.object, _, _): "list of mappings, see `\(title == "scenario" ? field.name : title + "." + field.name)[]`"
                default: field.type.summary
                }
                let fallback = field.required ? "**required**" : field.defaultValue.map { "`\($0)`" } ?? "none"
                lines.append("| `\(field.name)` | \(kind) | \(field.unit ?? "") | \(fallback.replacingOccurrences(of: "|", with: "\\|")) | \(field.summary) |")
            }
            sections.append(lines.joined(separator: "\n"))
            for field in fields {
                let name = title == "scenario" ? field.name : title + "." + field.name
                switch field.type {
                case .object(let inner): table(name, inner)
                case .list(.object(let inner), let identity, _):
                    table(name + "[]", inner)
                    if let identity {
                        sections[sections.count - 1] += "\n\nIn a variant (`extends:`), an item with the same "
                            + identity.map { "`\($0)`" }.joined(separator: ", ") + " as the base's replaces those keys "
                            + "of it; another item is added."
                    }
                default: break
                }
            }
        }
        if case .object(let fields) = document { table("scenario", fields) }
        let header = """
            # Scenario reference

            Every key of a scenario file, generated from the schema the decoder reads files by (`hospital-twin scenario \
            reference` prints it; `hospital-twin scenario schema` prints the same as JSON Schema). Times of day are \
            local to `time_zone`; durations are distributions: a number (always that), or a mapping such as \
            `{distribution: lognormal, mean: 35, sd: 20}` — lognormal (median and sigma, mean and sd, or mu and \
            sigma), gamma (mean and sd, or shape and scale), weibull (shape and scale), exponential (mean), \
            triangular (min, mode, max), uniform (min, max), fixed (value). Days are a list of mon … sun, or all, \
            weekdays, weekends.
            """
        return header + "\n\n" + sections.joined(separator: "\n\n") + "\n"
    }
}
