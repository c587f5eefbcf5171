import Foundation
import RunRecords
import RunStore
import Scenario

/// Scenarios stored from text sent to the server (`POST /api/v1/scenarios`, the dashboard's upload): read, their
/// `extends:` resolved to the newest stored version of the scenario it names, checked as `run` checks a file, and
/// stored as the next version of their name (the same content again is the version already stored).
public enum ScenarioUploads {
    /// What an upload stored.
    public struct Stored: Sendable {
        /// The stored scenario.
        public let listing: ScenarioListing
        /// False when the same content was already stored (nothing new was written).
        public let isNew: Bool
        /// The stored scenario it extends, if any.
        public let base: ScenarioListing?
    }

    /// Why an upload was not stored.
    public enum Failure: Error, Sendable {
        /// The text's problems, each located in its lines (or the base's); nothing was stored.
        case invalid([ScenarioProblem])
        /// The database failed.
        case store(String)
    }

    /// Stores the scenario `data` holds, sent by `user`; `label` names it in problems ("upload.yaml").
    public static func store(_ data: Data, label: String, by user: String, store: RunStore) throws(Failure) -> Stored {
        do {
            var base: (listing: ScenarioListing, upload: ScenarioUpload.Base, source: String?)?
            if let name = try ScenarioUpload.baseName(data, label: label) {
                guard let id = try stored({ try store.latestScenario(named: name) }),
                      let (listing, canonical) = try stored({ try store.scenario(id) })
                else {
                    let known = try stored { try store.scenarios(before: nil, limit: 20) }.map(\.name)
                    throw Failure.invalid([ScenarioProblem(
                        location: try ScenarioUpload.extendsLocation(data, label: label), path: "extends",
                        message: "no stored scenario is named '\(name)'"
                            + (known.isEmpty ? "; none is stored yet" : ": stored are " + Array(Set(known)).sorted().joined(separator: ", ")))])
                }
                let source = try stored { try store.scenarioSourcePath(id) }
                let label = "stored scenario \(id) (\(listing.name), version \(listing.version))"
                base = (listing, ScenarioUpload.Base(label: label, canonicalJSON: Data(canonical.utf8),
                                                     twinModelFile: try modelFile(canonical, label: label, besides: source)), source)
            }
            let built = try ScenarioUpload.build(data, label: label, base: base?.upload)
            let saved = try stored {
                try store.storeScenario(name: built.scenario.name, canonicalJSON: String(decoding: built.canonicalJSON, as: UTF8.self),
                                        sourcePath: base?.source, storedBy: user)
            }
            guard let (listing, _) = try stored({ try store.scenario(saved.id) }) else { throw Failure.store("scenario \(saved.id) vanished") }
            return Stored(listing: listing, isNew: saved.isNew, base: base?.listing)
        } catch let error as ScenarioError {
            throw .invalid(error.problems)
        } catch let error as Failure {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    static func stored<T>(_ body: () throws -> T) throws(Failure) -> T {
        do { return try body() } catch { throw .store("\(error)") }
    }

    /// The twin model file a stored scenario names, resolved beside the file it was stored from (nil: built-in, or
    /// not stored from a file).
    static func modelFile(_ canonical: String, label: String, besides source: String?) throws(ScenarioError) -> String? {
        guard let source else { return nil }
        let document = try ScenarioLoader.parse(data: Data(canonical.utf8), file: label)
        guard let name = document["twin_model"]?.text, name != "built-in" else { return nil }
        return name.hasPrefix("/") ? name : URL(fileURLWithPath: source).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
