import Accounts
import Foundation
import Server
import Testing
import TestSupport
import Yams

/// The OpenAPI document against the server's routes: written from them, committed as Docs/openapi.yaml, served at
/// /openapi.yaml, valid OpenAPI 3.1 by an independent validator.
@Suite("the OpenAPI document")
struct OpenAPITests {
    @Test("Docs/openapi.yaml is the document the server writes from its routes (hospital-twin serve --openapi > Docs/openapi.yaml)")
    func committed() throws {
        let committed = try String(contentsOfFile: Repository.path("Docs/openapi.yaml"), encoding: .utf8)
        #expect(committed == OpenAPI.document, "Docs/openapi.yaml is stale: hospital-twin serve --openapi > Docs/openapi.yaml")
    }

    @Test("every route is in the document with its method, roles and parameters, and the document has no route the server lacks")
    func matchesRoutes() throws {
        let document = try #require(try Yams.load(yaml: OpenAPI.document) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var expected: Set<String> = ["get /health", "get /metrics", "get /openapi.yaml"]
        for route in API.routes {
            let key = "\(route.method.rawValue.lowercased()) \(OpenAPI.openAPIPath(route.path))"
            expected.insert(key)
            let operation = try #require(paths[OpenAPI.openAPIPath(route.path)]?[route.method.rawValue.lowercased()] as? [String: Any],
                                         "\(key) is not in the document")
            #expect(operation["x-access"] as? String == route.access.rawValue)
            #expect(Set(operation["x-roles"] as? [String] ?? []) == Set(route.access.roles.map(\.rawValue)), "\(key)")
            let parameters = operation["parameters"] as? [[String: Any]] ?? []
            let query = parameters.filter { $0["in"] as? String == "query" }
            #expect(Set(query.compactMap { $0["name"] as? String }) == Set(route.query.map(\.rawValue)), "\(key)")
            #expect(Set(query.filter { $0["required"] as? Bool == true }.compactMap { $0["name"] as? String })
                == Set(route.required.map(\.rawValue)), "\(key)")
            #expect(parameters.contains { $0["in"] as? String == "path" } == route.path.contains(":id"), "\(key)")
            let responses = try #require(operation["responses"] as? [String: Any])
            #expect(responses["\(route.status.code)"] != nil && responses["401"] != nil && responses["403"] != nil, "\(key)")
            let success = try #require(responses["\(route.status.code)"] as? [String: Any])
            let media = Set((success["content"] as? [String: Any] ?? [:]).keys)
            let produced: String = switch route.produces {
            case .events: "text/event-stream"
            case .json: "application/json"
            case .fhir: "application/fhir+json"
            }
            #expect(media == [produced], "\(key)")
            // A body where the route reads one, in each of its media types; a job's with its members; none elsewhere.
            let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]
            #expect(Set(content?.keys.map { $0 } ?? []) == Set(route.body?.mediaTypes ?? []), "\(key)")
            if route.path == "/api/v1/jobs", let body = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any] {
                #expect(Set((body["properties"] as? [String: Any] ?? [:]).keys) == JobBodyMembers.names, "\(key)")
            }
        }
        var documented: Set<String> = []
        for (path, methods) in paths { for method in methods.keys { documented.insert("\(method) \(path)") } }
        let extra = documented.subtracting(expected), missing = expected.subtracting(documented)
        #expect(documented == expected, "documented but not served: \(extra); served but not documented: \(missing)")
    }

    @Test("the document is valid OpenAPI 3.1 by openapi-spec-validator (scripts/test.sh installs it; CI fails without it)")
    func validByAnIndependentValidator() throws {
        guard let (status, text) = try Self.python(["-m", "openapi_spec_validator", Repository.path("Docs/openapi.yaml")],
                                                    what: "openapi-spec-validator") else { return }
        #expect(status == 0 && text.contains("OK"), "\(text)")
    }

    /// Runs python3 with `arguments`: its exit status and output, or nil when `what` (a test-time oracle from PyPI,
    /// scripts/test.sh installs it) is missing, which outside CI is said and skipped, and in CI is a failure.
    static func python(_ arguments: [String], what: String) throws -> (Int32, String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0, text.contains("No module named") {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("\(what) is missing: \(text)") }
            FileHandle.standardError.write(Data("SKIPPED \(what): \(text)\n".utf8))
            return nil
        }
        return (process.terminationStatus, text)
    }
}

extension OpenAPITests {
    /// Holds each answer (`method`, OpenAPI `path`, `status`, `type`, `body`) against the schema the document gives
    /// its route and status (scripts/check-openapi-answers.py, with openapi-schema-validator).
    static func checkAnswers(_ answers: [[String: Any]]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("answers-\(getpid())-\(UInt32.random(in: 0 ... .max)).json")
        try JSONSerialization.data(withJSONObject: answers).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        guard let (status, text) = try python([Repository.path("scripts/check-openapi-answers.py"), Repository.path("Docs/openapi.yaml"), file.path],
                                              what: "openapi-schema-validator") else { return }
        #expect(status == 0 && text.contains("answers match"), "\(text)")
    }
}

/// The members a job request takes (Docs/SERVER.md, "Jobs").
enum JobBodyMembers {
    static let names: Set<String> = ["kind", "scenario_id", "scenario_ids", "replications", "seed", "horizon_days", "warmup_days",
                                     "days", "at", "from", "to", "every_days", "origin_time"]
}

@Suite("the OpenAPI document served", .enabled(if: TestDatabase.runs("the OpenAPI document served")))
struct OpenAPIServedTests {
    @Test("GET /openapi.yaml answers the document, as YAML, without a token")
    func served() async throws {
        try await withServer { base in
            let answer = try await PlainClient(base: base).send("GET", "/openapi.yaml")
            #expect(answer.status == 200 && answer.headers["content-type"] == "application/yaml" && answer.body == OpenAPI.document)
        }
    }
}
