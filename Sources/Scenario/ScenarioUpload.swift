import Foundation

/// A scenario sent as text rather than read from a file (the server's upload, Docs/SERVER.md "Scenarios"): it may
/// not reach any file of the machine that reads it, so `extends:` names a stored scenario, not a path, and
/// `twin_model` is the built-in model or the one its stored base names.
public enum ScenarioUpload {
    /// The most bytes an uploaded scenario may have (the reference scenarios are under 40 kB).
    public static let byteLimit = 1 << 20

    /// The stored scenario an upload extends: its merged document, and where its twin model file is on this
    /// machine (nil: the built-in model, or a model this machine does not have).
    public struct Base: Sendable {
        /// Names it in messages: "stored scenario 3 (general-hospital, version 2)".
        public let label: String
        /// Its canonical JSON.
        public let canonicalJSON: Data
        /// Its twin model file resolved on this machine, if it names one.
        public let twinModelFile: String?

        /// A base from its stored form.
        public init(label: String, canonicalJSON: Data, twinModelFile: String?) {
            self.label = label
            self.canonicalJSON = canonicalJSON
            self.twinModelFile = twinModelFile
        }
    }

    /// The name an upload's `extends:` gives (the stored scenario to look up), or nil when it extends nothing. Throws
    /// the text's own problems (not UTF-8, not YAML, not a mapping, `extends:` not a name), located in `label`.
    public static func baseName(_ data: Data, label: String) throws(ScenarioError) -> String? {
        let own = try document(data, label: label)
        guard let base = own["extends"] else { return nil }
        guard let name = base.text, !name.isEmpty else {
            throw ScenarioError(problems: [ScenarioProblem(location: base.location, path: "extends", message:
                "expected the name of a stored scenario this one varies, found \(base.found)")])
        }
        return name
    }

    /// Where the upload's `extends:` is written.
    public static func extendsLocation(_ data: Data, label: String) throws(ScenarioError) -> SourceLocation? {
        try document(data, label: label)["extends"]?.location
    }

    /// The scenario `data` holds, merged onto `base` when it extends one (the caller looked up `baseName`), checked
    /// and built; its canonical JSON is what is stored. Every problem is located in `label`'s lines (or the base's,
    /// for a value only the base sets).
    public static func build(_ data: Data, label: String, base: Base?) throws(ScenarioError) -> (scenario: Scenario, canonicalJSON: Data) {
        let own = try document(data, label: label)
        if let model = own["twin_model"], model.text != "built-in" {
            throw ScenarioError(problems: [ScenarioProblem(location: model.location, path: "twin_model", message:
                "an uploaded scenario cannot name a file of the server: use built-in, or extend a stored scenario that "
                    + "names its model (hospital-twin run --store stores one from its file)")])
        }
        var merged = own
        if let base {
            let parent = try ScenarioLoader.parse(data: base.canonicalJSON, file: base.label)
            merged = ScenarioLoader.merge(own, onto: parent, schema: ScenarioSchema.document, path: "")
        } else if own["extends"] != nil {
            throw ScenarioError(problems: [ScenarioProblem(location: own["extends"]?.location, path: "extends", message:
                "the stored scenario this one extends was not given")])
        }
        // The stored form keeps the base's own model name; the check reads the model where this machine has it.
        var checked = merged
        if let file = base?.twinModelFile, let model = merged["twin_model"], model.text != "built-in" {
            checked.set("twin_model", to: .scalar(file, model.location, quoted: true))
        }
        let scenario = try Scenario.build(document: checked, path: label)
        let canonical: Data
        do { canonical = try JSONSerialization.data(withJSONObject: merged.plainValue, options: [.sortedKeys, .fragmentsAllowed]) } catch {
            preconditionFailure("a scenario's plain value holds only JSON types: \(error)")
        }
        return (scenario, canonical)
    }

    /// The upload's own tree: bounded, UTF-8, YAML, a mapping.
    static func document(_ data: Data, label: String) throws(ScenarioError) -> ScenarioNode {
        guard data.count <= byteLimit else {
            throw ScenarioError(problems: [ScenarioProblem(location: SourceLocation(file: label, line: 1, column: 1), path: "", message:
                "the scenario has \(data.count) bytes; an upload has at most \(byteLimit) (the reference scenarios are under 40 kB)")])
        }
        let own = try ScenarioLoader.parse(data: data, file: label)
        guard case .mapping = own else {
            throw ScenarioError(problems: [ScenarioProblem(location: own.location, path: "", message:
                "a scenario is a mapping of keys such as name, units and staff; found \(own.found)")])
        }
        return own
    }
}
