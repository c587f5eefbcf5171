import CSVFiles
import Foundation
import Yams

/// Reads scenario files into located trees: checks that a file is UTF-8 text and YAML, follows `extends:` (a
/// path relative to the extending file) and merges a variant onto the scenario it extends. Every failure is a
/// located problem, never a crash: an empty file, binary garbage, a YAML syntax error, a missing or circular base.
public enum ScenarioLoader {
    /// The merged document of the scenario at `path`: its own tree merged onto its base's, recursively.
    public static func load(path: String) throws(ScenarioError) -> ScenarioNode {
        var chain: [String] = []
        return try load(path: path, chain: &chain)
    }

    static func load(path: String, chain: inout [String]) throws(ScenarioError) -> ScenarioNode {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        if chain.contains(canonical) {
            throw ScenarioError(problems: [ScenarioProblem(location: nil, path: "extends", message:
                "\(path) extends itself through " + chain.map { URL(fileURLWithPath: $0).lastPathComponent }
                    .joined(separator: " -> "))])
        }
        chain.append(canonical)
        let own = try parse(path: path)
        guard case .mapping = own else {
            throw ScenarioError(problems: [ScenarioProblem(location: own.location, path: "", message:
                "a scenario is a mapping of keys such as name, units and staff; found \(own.found)")])
        }
        guard let base = own["extends"] else { return own }
        guard let relative = base.text, !relative.isEmpty else {
            throw ScenarioError(problems: [ScenarioProblem(location: base.location, path: "extends", message:
                "expected the path of the scenario this one varies, found \(base.found)")])
        }
        let basePath = relative.hasPrefix("/") ? relative
            : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: basePath) else {
            throw ScenarioError(problems: [ScenarioProblem(location: base.location, path: "extends", message:
                "no scenario at '\(relative)' (looked for \(basePath))")])
        }
        // Only a scenario file is read as a base, so that `extends:` cannot be pointed at any file on the machine.
        guard ["yaml", "yml"].contains(URL(fileURLWithPath: basePath).pathExtension.lowercased()) else {
            throw ScenarioError(problems: [ScenarioProblem(location: base.location, path: "extends", message:
                "'\(relative)' is not a scenario file: a scenario extends another scenario, a .yaml or .yml file")])
        }
        let parent = try load(path: basePath, chain: &chain)
        return merge(own, onto: parent, schema: ScenarioSchema.document, path: "")
    }

    /// Reads one file as a located tree.
    public static func parse(path: String) throws(ScenarioError) -> ScenarioNode {
        let data: Data
        do { data = try InputFile.read(path, .scenario) } catch {
            throw ScenarioError(problems: [ScenarioProblem(location: nil, path: "", message: error.description)])
        }
        return try parse(data: data, file: path)
    }

    /// Reads scenario text as a located tree; `file` names it in messages.
    public static func parse(data: Data, file: String) throws(ScenarioError) -> ScenarioNode {
        let start = SourceLocation(file: file, line: 1, column: 1)
        func fail(_ location: SourceLocation, _ message: String) -> ScenarioError {
            ScenarioError(problems: [ScenarioProblem(location: location, path: "", message: message)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column, byte) = firstInvalidByte(in: data)
            throw fail(SourceLocation(file: file, line: line, column: column),
                       String(format: "not UTF-8 text: byte 0x%02X cannot start or continue a character; a scenario is a "
                           + "YAML text file", byte))
        }
        if let index = text.unicodeScalars.firstIndex(where: { $0.value == 0 || ($0.value < 0x20 && $0 != "\n"
                                                                        && $0 != "\r" && $0 != "\t") })
        {
            let before = text.unicodeScalars[..<index]
            let line = before.filter { $0 == "\n" }.count + 1
            let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            throw fail(SourceLocation(file: file, line: line, column: column),
                       "a control character (U+\(String(format: "%04X", text.unicodeScalars[index].value))) where text "
                           + "was expected: this looks like a binary file, not a YAML scenario")
        }
        if text.allSatisfy({ $0.isWhitespace }) || text.split(separator: "\n").allSatisfy({
            $0.trimmingCharacters(in: .whitespaces).isEmpty || $0.trimmingCharacters(in: .whitespaces).hasPrefix("#")
        }) {
            throw fail(start, "the file is empty: expected a scenario (name, emergency_department, units, …); see "
                + "Docs/SCENARIOS.md")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw ScenarioError(problems: [describe(error, file: file)])
        } catch {
            throw fail(start, "not valid YAML: \(error)")
        }
        guard let node else { throw fail(start, "the file is empty: expected a scenario") }
        var problems: [ScenarioProblem] = []
        let tree = ScenarioNode(node, file: file, problems: &problems)
        guard problems.isEmpty else { throw ScenarioError(problems: problems) }
        return tree
    }

    /// A YAML error as a located problem.
    static func describe(_ error: YamlError, file: String) -> ScenarioProblem {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ScenarioProblem(location: at(mark), path: "", message: "YAML syntax: \(problem)\(where_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ScenarioProblem(location: at(context.mark), path: "", message:
                "keys appear twice in one mapping: \(duplicates.joined(separator: ", ")); keep one of each")
        case .reader(let problem, let offset, _, _):
            return ScenarioProblem(location: SourceLocation(file: file, line: 1, column: (offset ?? 0) + 1), path: "",
                                   message: "cannot read the text: \(problem)")
        default:
            return ScenarioProblem(location: SourceLocation(file: file, line: 1, column: 1), path: "",
                                   message: "not valid YAML: \(error)")
        }
    }

    /// The line, column and value of the first byte that is not valid UTF-8.
    static func firstInvalidByte(in data: Data) -> (Int, Int, UInt8) {
        let bytes = [UInt8](data)
        var line = 1, column = 1, index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length = byte < 0x80 ? 1 : byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            guard length > 0, index + length <= bytes.count,
                  bytes[(index + 1)..<(index + length)].allSatisfy({ $0 >> 6 == 0b10 })
            else { return (line, column, byte) }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += length
        }
        return (line, column, 0)
    }

    // MARK: Merging a variant

    /// `variant` merged onto `base`: mappings key by key (the variant's values win, recursively); lists whose
    /// schema gives their items an identity (units by name, roster lines by unit, group, shift and days) item by
    /// item — an item with the same identity is merged, a new one appended; other lists and scalars replaced.
    /// `extends` itself is not carried into the result.
    static func merge(_ variant: ScenarioNode, onto base: ScenarioNode, schema: SchemaType?, path: String) -> ScenarioNode {
        switch (variant, base) {
        case (.mapping(let own, let location), .mapping(let inherited, _)):
            var pairs = inherited.filter { pair in pair.key != "extends" }
            for pair in own where pair.key != "extends" {
                let fieldType = schema?.field(pair.key)?.type
                if let index = pairs.firstIndex(where: { $0.key == pair.key }) {
                    pairs[index] = (pair.key, pair.keyLocation,
                                    merge(pair.value, onto: pairs[index].value, schema: fieldType, path: path + "." + pair.key))
                } else {
                    pairs.append(pair)
                }
            }
            return .mapping(pairs, location)
        case (.sequence(let own, let location), .sequence(let inherited, _)):
            guard case .list(let element, let identity?, _) = schema else { return variant }
            var items = inherited
            var seen: Set<String> = []
            for item in own {
                let key = SchemaType.identityKey(of: item, keys: identity)
                // An item the variant lists twice (names compared as the base compares them) is not folded into one:
                // both stay, and the check of the merged document reports the second where it is written.
                if let key, !seen.insert(key).inserted {
                    items.append(item)
                    continue
                }
                if let key, let index = items.firstIndex(where: { SchemaType.identityKey(of: $0, keys: identity) == key }) {
                    items[index] = merge(item, onto: items[index], schema: element, path: path)
                } else {
                    items.append(item)
                }
            }
            return .sequence(items, location)
        default:
            return variant
        }
    }
}
