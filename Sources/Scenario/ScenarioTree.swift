import Foundation
import Yams

/// Where something is in a scenario file: the file as given, a 1-based line and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file, as the user named it (or as `extends:` reached it).
    public let file: String
    /// 1-based line.
    public let line: Int
    /// 1-based column.
    public let column: Int

    /// "scenarios/x.yaml:42:7".
    public var description: String { "\(file):\(line):\(column)" }
}

/// A problem in a scenario, located: `scenarios/x.yaml:42:7: wards[3].beds: must be a whole number >= 0, found -2`.
public struct ScenarioProblem: Error, Sendable, Hashable, CustomStringConvertible, Comparable {
    /// Where.
    public let location: SourceLocation?
    /// The path of the setting ("units[3].beds"), or empty for the file as a whole.
    public let path: String
    /// What is wrong and what was expected.
    public let message: String

    /// A problem.
    public init(location: SourceLocation?, path: String, message: String) {
        self.location = location
        self.path = path
        self.message = message
    }

    /// The line a person reads.
    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        return place + (path.isEmpty ? "" : "\(path): ") + message
    }

    /// Orders problems by file, line and column.
    public static func < (lhs: ScenarioProblem, rhs: ScenarioProblem) -> Bool {
        let l = lhs.location, r = rhs.location
        return (l?.file ?? "", l?.line ?? 0, l?.column ?? 0, lhs.path) < (r?.file ?? "", r?.line ?? 0, r?.column ?? 0, rhs.path)
    }
}

/// Every problem found in a scenario, sorted by place.
public struct ScenarioError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems.
    public let problems: [ScenarioProblem]

    /// The most problems reported for one file (the first, by place in the file): enough to fix a file in one pass,
    /// few enough that a file of garbage does not flood the terminal.
    public static let problemLimit = 200

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// A scenario document as a tree of located nodes: what the YAML said, where it said it. Merging a variant onto
/// the scenario it extends keeps each node's own location, so an error points at the file that set the value.
public indirect enum ScenarioNode: Sendable, Hashable {
    /// A scalar, as written.
    case scalar(String, SourceLocation, quoted: Bool)
    /// A mapping: keys in order, with their locations.
    case mapping([(key: String, keyLocation: SourceLocation, value: ScenarioNode)], SourceLocation)
    /// A sequence.
    case sequence([ScenarioNode], SourceLocation)

    /// Where the node starts.
    public var location: SourceLocation {
        switch self {
        case .scalar(_, let location, _), .mapping(_, let location), .sequence(_, let location): location
        }
    }

    /// The value under `key`, for a mapping.
    public subscript(key: String) -> ScenarioNode? {
        guard case .mapping(let pairs, _) = self else { return nil }
        return pairs.last { $0.key == key }?.value
    }

    /// Sets `key` of a mapping to `value` (replacing it, or added at the end); other nodes are left as they are.
    mutating func set(_ key: String, to value: ScenarioNode) {
        guard case .mapping(var pairs, let location) = self else { return }
        if let index = pairs.lastIndex(where: { $0.key == key }) {
            pairs[index].value = value
        } else {
            pairs.append((key, value.location, value))
        }
        self = .mapping(pairs, location)
    }

    /// The node at `path` ("units[3].escalation.beds": keys joined by ".", list positions in brackets), or the
    /// deepest node on the way that exists (so a problem with a setting left to its default is reported where its
    /// section is, or at the top of the document).
    public func node(atPath path: String) -> ScenarioNode {
        var node = self
        for part in path.split(separator: ".") {
            var key = Substring(part)
            var positions: [Int] = []
            while key.hasSuffix("]"), let open = key.lastIndex(of: "[") {
                guard let position = Int(key[key.index(after: open)..<key.index(before: key.endIndex)]) else { break }
                positions.insert(position, at: 0)
                key = key[..<open]
            }
            guard let next = node[String(key)] else { return node }
            node = next
            for position in positions {
                guard let items = node.items, items.indices.contains(position) else { return node }
                node = items[position]
            }
        }
        return node
    }

    /// The scalar's text.
    public var text: String? {
        if case .scalar(let text, _, _) = self { return text }
        return nil
    }

    /// The sequence's items.
    public var items: [ScenarioNode]? {
        if case .sequence(let items, _) = self { return items }
        return nil
    }

    /// The mapping's keys in order.
    public var keys: [String] {
        if case .mapping(let pairs, _) = self { return pairs.map(\.key) }
        return []
    }

    /// A short description of what the node is, for "found …" in messages.
    var found: String {
        switch self {
        case .scalar(let text, _, _): text.isEmpty ? "nothing" : "'\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    public static func == (lhs: ScenarioNode, rhs: ScenarioNode) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a, let la, let qa), .scalar(let b, let lb, let qb)): a == b && la == lb && qa == qb
        case (.sequence(let a, let la), .sequence(let b, let lb)): a == b && la == lb
        case (.mapping(let a, let la), .mapping(let b, let lb)):
            la == lb && a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .scalar(let text, _, _): hasher.combine(text)
        case .sequence(let items, _): hasher.combine(items)
        case .mapping(let pairs, _):
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        }
    }

    /// The node as plain JSON-compatible values (strings, numbers, booleans, arrays, dictionaries): the canonical
    /// document a store keeps. Scalars are typed the way YAML's core schema reads them, unless quoted.
    public var plainValue: Any {
        switch self {
        case .scalar(let text, _, let quoted):
            if quoted { return text }
            if let int = Int(text) { return int }
            if let double = Double(text), double.isFinite { return double }
            switch text.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            case "", "~", "null": return NSNull()
            default: return text
            }
        case .sequence(let items, _):
            return items.map(\.plainValue)
        case .mapping(let pairs, _):
            var dictionary: [String: Any] = [:]
            for pair in pairs { dictionary[pair.key] = pair.value.plainValue }
            return dictionary
        }
    }
}

extension ScenarioNode {
    /// The most nodes a file may hold once its aliases are expanded: far above any real scenario (the general
    /// hospital has about 2,000), far below what "billion laughs" aliases (each level several aliases of the one
    /// before) reach. Docs/SCENARIOS.md states it.
    public static let nodeLimit = 100_000

    /// Converts a Yams node (with its marks) into a located tree; aliases are resolved by Yams. Stops with a problem
    /// once `nodeLimit` nodes have been made.
    init(_ node: Node, file: String, problems: inout [ScenarioProblem]) {
        var budget = Self.nodeLimit
        self.init(node, file: file, problems: &problems, budget: &budget)
    }

    private init(_ node: Node, file: String, problems: inout [ScenarioProblem], budget: inout Int) {
        budget -= 1
        if budget == -1 {
            problems.append(ScenarioProblem(location: SourceLocation(file: file, line: node.mark?.line ?? 1,
                                                                      column: node.mark?.column ?? 1), path: "",
                message: "more than \(Self.nodeLimit) YAML nodes once its aliases are expanded (a scenario has a few "
                    + "thousand): aliases that repeat aliases multiply; nothing was built"))
        }
        if budget < 0 {
            self = .scalar("", SourceLocation(file: file, line: 1, column: 1), quoted: false)
            return
        }
        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        }
        switch node {
        case .scalar(let scalar):
            self = .scalar(scalar.string, location(scalar.mark), quoted: scalar.style == .singleQuoted || scalar.style == .doubleQuoted)
        case .sequence(let sequence):
            self = .sequence(sequence.map { ScenarioNode($0, file: file, problems: &problems, budget: &budget) },
                             location(sequence.mark))
        case .mapping(let mapping):
            var pairs: [(key: String, keyLocation: SourceLocation, value: ScenarioNode)] = []
            var seen: [String: SourceLocation] = [:]
            for (key, value) in mapping {
                let name = key.scalar?.string ?? ""
                let at = location(key.mark)
                if key.scalar == nil {
                    problems.append(ScenarioProblem(location: at, path: "", message: "a key must be a plain word, found a "
                        + (key.sequence != nil ? "list" : "mapping")))
                    continue
                }
                if let first = seen[name] {
                    problems.append(ScenarioProblem(location: at, path: name, message: "appears twice in this mapping "
                        + "(first at line \(first.line)); keep one"))
                    continue
                }
                seen[name] = at
                pairs.append((name, at, ScenarioNode(value, file: file, problems: &problems, budget: &budget)))
                if budget < 0 { break }
            }
            self = .mapping(pairs, location(mapping.mark))
        case .alias(let alias):
            self = .scalar("", location(alias.mark), quoted: false)
        }
    }
}
