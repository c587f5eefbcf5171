import Accounts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RunStore
import Server
import Store
import Testing
import Workflows
import TestSupport

/// What the server takes in: scenarios uploaded as YAML (`POST /api/v1/scenarios`) and FHIR R4 resources
/// (`POST /api/v1/feed/fhir`), each bounded, checked and answered with where it is wrong.
@Suite("the server's intake: scenario uploads and FHIR", .enabled(if: TestDatabase.runs("the server's intake")), .serialized)
struct IntakeTests {
    static func token(_ role: Role) throws -> String {
        let accounts = try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4)
        let name = try UserName("intake-\(role.rawValue)-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        let actor = Actor(name: "cli:test", source: "cli@test")
        try accounts.add(name, role: role, password: nil, by: actor)
        return try accounts.issueToken(for: name, by: actor)
    }

    static func storeGeneralHospital() throws {
        let file = Repository.path("scenarios/general-hospital.yaml")
        let scenario = try Inputs.scenario(file)
        _ = try RunStore(connection: TestDatabase.connect())
            .storeScenario(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self), sourcePath: file)
    }

    @Test("a scenario upload: 201 and its listing; the same content again 200 and the same version; new content the next version, listed by /versions; every problem a 422 with its line, column and setting; a hostile body bounded")
    func scenarioUploads() async throws {
        try Self.storeGeneralHospital()
        let token = try Self.token(.manager)
        let stamp = "\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try await withServer { base in
            let client = PlainClient(base: base)
            func upload(_ text: String, type: String = "application/yaml") async throws -> PlainClient.Answer {
                try await client.send("POST", "/api/v1/scenarios", form: text, headers: ["Authorization": "Bearer \(token)"], contentType: type)
            }
            func json(_ answer: PlainClient.Answer) throws -> [String: Any] {
                try #require(JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "\(answer.body)")
            }
            let first = "extends: general-hospital\nname: upload-\(stamp)\nrun:\n  horizon_days: 400\n"
            let created = try await upload(first)
            #expect(created.status == 201, "\(created.body)")
            let listing = try #require(try json(created)["scenario"] as? [String: Any])
            #expect(listing["name"] as? String == "upload-\(stamp)" && listing["version"] as? Int == 1 && listing["stored_by"] as? String != nil)
            #expect((try json(created)["extends"] as? [String: Any])?["name"] as? String == "general-hospital")
            let same = try await upload("# the same scenario, written differently\n" + first, type: "text/yaml")
            let sameListing = try json(same)["scenario"] as? [String: Any]
            #expect(same.status == 200 && sameListing?["id"] as? Int == listing["id"] as? Int, "\(same.body)")
            let second = try await upload(first.replacingOccurrences(of: "horizon_days: 400", with: "horizon_days: 401"))
            let secondListing = try json(second)["scenario"] as? [String: Any]
            #expect(second.status == 201 && secondListing?["version"] as? Int == 2)
            let versions = try await client.send("GET", "/api/v1/scenarios/\(listing["id"] as! Int)/versions", headers: ["Authorization": "Bearer \(token)"])
            #expect((try json(versions)["items"] as? [[String: Any]])?.map { $0["version"] as? Int } == [2, 1], "\(versions.body)")

            // Problems, each located.
            // (text, the setting's path, the line, what the problem says); nil: the text as a whole, or any line.
            let cases: [(String, String?, Int?, String)] = [
                ("name: upload-bad-\(stamp)\nunits: 3\n", "units", 2, "must be a list"),
                ("extends: general-hospital\nname: upload-bad-\(stamp)\nunits:\n  - name: AMU\n    beds: -2\n", "beds", 5, ">= 0"),
                ("extends: no-such-scenario\nname: x\n", "extends", 1, "no stored scenario is named 'no-such-scenario'"),
                ("extends: general-hospital\nname: x\ntwin_model: /etc/passwd\n", "twin_model", 3, "cannot name a file of the server"),
                ("extends: ../scenarios/general-hospital.yaml\nname: x\n", "extends", 1, "no stored scenario"),
                ("name: a\nname: b\n", nil, 1, "twice"),
                ("a: &x [1]\nb: *x\nc: [\n", nil, 4, "YAML syntax"),
                ("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + (1...7).map { "\(Character(UnicodeScalar(97 + $0)!)): &\(Character(UnicodeScalar(97 + $0)!)) [" + Array(repeating: "*\(Character(UnicodeScalar(96 + $0)!))", count: 10).joined(separator: ", ") + "]" }.joined(separator: "\n") + "\n", nil, nil, "aliases"),
                ("- a list\n", nil, 1, "a scenario is a mapping"),
                ("", nil, 1, "empty"),
            ]
            for (text, key, line, message) in cases {
                let answer = try await upload(text)
                #expect(answer.status == 422 && answer.headers["content-type"] == "application/problem+json", "\(text): \(answer.status) \(answer.body)")
                let errors = try #require(try json(answer)["errors"] as? [[String: Any]], "\(answer.body)")
                #expect(errors.contains { error in
                    let pointer = error["pointer"] as? String ?? "", detail = error["detail"] as? String ?? ""
                    return (key.map { pointer.hasSuffix($0) } ?? pointer.isEmpty) && detail.contains(message)
                        && (line == nil || error["line"] as? Int == line)
                }, "\(text): \(errors)")
            }
            let latin1 = try await client.send("POST", "/api/v1/scenarios", form: nil, headers: ["Authorization": "Bearer \(token)"])
            #expect(latin1.status == 415, "no body, no type: \(latin1.status)")
            var request = URLRequest(url: URL(string: base + "/api/v1/scenarios")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/yaml", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data("name: caf".utf8) + Data([0xE9]) + Data("\n".utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as! HTTPURLResponse).statusCode == 422 && String(decoding: data, as: UTF8.self).contains("not UTF-8"))
            let huge = try await upload("name: x\ndescription: \"" + String(repeating: "a", count: (1 << 20) + 10) + "\"\n")
            #expect(huge.status == 413, "\(huge.status)")
            let json = try await upload(first, type: "application/json")
            #expect(json.status == 415 && json.body.contains("application/yaml"))
            let viewer = try await client.send("POST", "/api/v1/scenarios", form: first, headers: ["Authorization": "Bearer \(try Self.token(.viewer))"],
                                               contentType: "application/yaml")
            #expect(viewer.status == 403)
        }
    }

    @Test("the FHIR intake: a Bundle's events stored once (an OperationOutcome saying so), the same Bundle again recognised; what cannot be read a warning or a 400, every error an OperationOutcome: no key 503, no token 401, a viewer 403, the wrong media type 415")
    func fhirIntake() async throws {
        let token = try Self.token(.admin)
        let stamp = "\(getpid())x\(UInt32.random(in: 0 ... .max))"
        let bundle = """
            {"resourceType":"Bundle","type":"collection","entry":[
            {"resource":{"resourceType":"Patient","id":"ip\(stamp)","identifier":[{"system":"https://trust.example/mrn","value":"M\(stamp)"}],"gender":"male","birthDate":"1950-01-01"}},
            {"resource":{"resourceType":"Encounter","id":"ie\(stamp)","status":"finished","class":{"code":"IMP"},"subject":{"reference":"Patient/ip\(stamp)"},"period":{"start":"2041-03-01T09:00:00Z","end":"2041-03-04T11:00:00Z"},"location":[{"location":{"reference":"Location/AMU"}}],"hospitalization":{"dischargeDisposition":{"coding":[{"code":"home"}]}}}},
            {"resource":{"resourceType":"Condition","id":"c1"}}
            ]}
            """
        func post(_ body: String?, token: String?, type: String = "application/fhir+json", base: String) async throws -> (Int, String?, [String: Any]) {
            let answer = try await PlainClient(base: base).send("POST", "/api/v1/feed/fhir", form: body,
                                                                headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:], contentType: type)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "\(answer.body)")
            #expect(object["resourceType"] as? String == "OperationOutcome", "\(answer.body)")
            return (answer.status, answer.headers["content-type"], object)
        }
        func diagnostics(_ outcome: [String: Any]) -> [String] {
            (outcome["issue"] as? [[String: Any]] ?? []).map { "\($0["severity"] ?? "") \($0["diagnostics"] ?? "")" }
        }
        try await withServer { base in
            let (status, type, outcome) = try await post(bundle, token: token, base: base)
            #expect(status == 200 && type == "application/fhir+json")
            let said = diagnostics(outcome)
            #expect(said.first == "information 2 events: 2 applied, 0 already applied, 0 quarantined", "\(said)")
            #expect(said.contains { $0.hasPrefix("warning skipped request: Bundle entry 3: resourceType 'Condition' is not read") }, "\(said)")
            let again = diagnostics(try await post(bundle, token: token, base: base).2)
            #expect(again.first == "information 2 events: 0 applied, 2 already applied, 0 quarantined", "\(again)")
            // Stored pseudonymised: the patient's own identifier is nowhere in the log.
            let stored = try TestDatabase.connect().query("SELECT count(*) AS n FROM hospital_twin.feed_messages WHERE position(convert_to(\("M\(stamp)"), 'UTF8') IN message) > 0")
            #expect(try stored.single().int("n") == 0)
            for (body, why) in [("{not json", "not JSON"), (#"{"resourceType":"Bundle","entry":"x"}"#, "not a list"),
                                (String(repeating: "[", count: 10_000), "nested")] {
                let (status, _, outcome) = try await post(body, token: token, base: base)
                #expect(status == 400 && diagnostics(outcome).first?.contains(why) == true, "\(body.prefix(30)): \(status) \(diagnostics(outcome))")
            }
            #expect(try await post(bundle, token: nil, base: base).0 == 401)
            #expect(try await post(bundle, token: try Self.token(.viewer), base: base).0 == 403)
            #expect(try await post(bundle, token: try Self.token(.clinician), base: base).0 == 403)
            #expect(try await post(bundle, token: token, type: "text/plain", base: base).0 == 415)
            #expect(try await post(String(repeating: " ", count: (4 << 20) + 1), token: token, base: base).0 == 413)
        }
        try await withServer(feed: nil) { base in
            let (status, _, outcome) = try await post(bundle, token: token, base: base)
            #expect(status == 503 && diagnostics(outcome).first?.contains("HOSPITAL_TWIN_PSEUDONYM_KEY") == true)
        }
    }
}
