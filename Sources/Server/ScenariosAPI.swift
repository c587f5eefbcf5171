import Foundation
import HTTPTypes
import Store
import RunRecords
import RunStore
import Scenario
import Workflows

/// Scenarios uploaded to the server (Docs/SERVER.md, "Scenarios"): YAML text checked as `run` checks a file, its
/// problems a 422 located at their lines, stored as the next version of its name; and a scenario's versions.
extension API {
    static let scenarioRoutes: [APIRoute] = [
        APIRoute(method: .post, path: "/api/v1/scenarios", access: .scenarios, query: [], status: .created,
                 body: APIRoute.Body(mediaTypes: ["application/yaml", "application/x-yaml", "text/yaml", "text/plain"],
                                     schema: ["type: string", "description: \"A scenario's YAML (Docs/SCENARIO-REFERENCE.md); `extends:` names a stored scenario (its newest version).\""],
                                     limit: ScenarioUpload.byteLimit),
                 answer: "ScenarioUploaded",
                 summary: "Upload a scenario (YAML): checked, and stored as the next version of its name (201), or the version already stored with the same content (200); its problems a 422 with each at its line.") { request in
            let stored = try ScenarioUploadAnswer.store(request.body ?? Data(), by: request.user.name, connection: request.connection)
            let document = object(["scenario": try json(stored.listing), "created": Data((stored.isNew ? "true" : "false").utf8),
                                   "extends": try stored.base.map { try json($0) } ?? Data("null".utf8)])
            return APIAnswer(json: document, read: "scenario \(stored.listing.id) (\(stored.listing.name), version \(stored.listing.version))"
                                 + (stored.isNew ? " stored" : " already stored"),
                             status: stored.isNew ? .created : .ok)
        },
        APIRoute(method: .get, path: "/api/v1/scenarios/:id/versions", access: .aggregate, query: [.limit, .after], answer: "ScenarioPage",
                 summary: "The stored versions of the scenario's name, newest first, a page at a time.") { request in
            let store = try RunStore(connection: request.connection, migrating: false)
            guard let (listing, _) = try store.scenario(request.id!) else { throw notFound("scenario", request.id!) }
            return try listed(request, "scenarios", id: \.id) { before, limit in
                try store.scenarioVersions(named: listing.name, before: before, limit: limit)
            }
        },
    ]
}

/// An upload stored, or its failure as a problem: the scenario's problems a 422 with each located, the database's a
/// 503. The dashboard's upload form and the API share it.
enum ScenarioUploadAnswer {
    /// How an upload is named in its problems' locations.
    static let label = "upload.yaml"

    static func store(_ text: Data, by user: String, connection: DatabaseConnection) throws -> ScenarioUploads.Stored {
        let store = try RunStore(connection: connection, migrating: false)
        let stored: ScenarioUploads.Stored
        do throws(ScenarioUploads.Failure) { stored = try ScenarioUploads.store(text, label: label, by: user, store: store) } catch {
            switch error {
            case .invalid(let problems):
                throw ProblemError(status: .unprocessableContent, title: "The scenario has problems",
                                   detail: "\(problems.count) problem\(problems.count == 1 ? "" : "s"); the first: \(problems.first?.description ?? "")",
                                   errors: problems.map { ProblemError.Located(file: $0.location?.file, line: $0.location?.line, column: $0.location?.column,
                                                                               path: $0.path, detail: $0.message) })
            case .store(let why):
                throw ProblemError(status: .serviceUnavailable, title: "The database failed", detail: why)
            }
        }
        return stored
    }
}
