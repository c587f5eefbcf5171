import Accounts
import Foundation
import RunRecords

/// The API's OpenAPI 3.1 document, written from `API.routes` and `QueryParameter`: the routes are stated once, so
/// the document cannot say other than what the server does. Docs/openapi.yaml is this text; a test holds the two
/// equal (`hospital-twin serve --openapi` writes it) and the server serves it at `/openapi.yaml`.
public enum OpenAPI {
    /// The document, YAML (block style, strings double-quoted), the same bytes every time.
    public static let document: String = {
        var lines = [
            "openapi: 3.1.0",
            "info:",
            "  title: hospital-twin",
            "  version: \(quoted(apiVersion))",
            "  description: \(quoted(description))",
            "security:",
            "  - bearer: []",
            "  - session: []",
            "paths:",
            "  /health:",
            "    get:",
            "      operationId: health",
            "      summary: \(quoted("Whether the server and its database are up, and the schema version."))",
            "      security: []",
            "      responses:",
            "        \"200\":",
            "          description: \(quoted("Up."))",
            "          content:",
            "            application/json:",
            "              schema: {type: object}",
            "        \"503\":",
            "          $ref: \"#/components/responses/Problem\"",
            "  /metrics:",
            "    get:",
            "      operationId: metrics",
            "      summary: \(quoted("The server's metrics in Prometheus's text format 0.0.4: requests by route pattern, method and status, their durations, the jobs by status, whether the database answers."))",
            "      security: []",
            "      responses:",
            "        \"200\":",
            "          description: \(quoted("The exposition."))",
            "          content:",
            "            text/plain:",
            "              schema: {type: string}",
            "  /openapi.yaml:",
            "    get:",
            "      operationId: openapi",
            "      summary: \(quoted("This document."))",
            "      security: []",
            "      responses:",
            "        \"200\":",
            "          description: \(quoted("The OpenAPI document."))",
            "          content:",
            "            application/yaml:",
            "              schema: {type: string}",
        ]
        let byPath = Dictionary(grouping: API.routes, by: \.path)
        for path in byPath.keys.sorted() {
            lines.append("  \(openAPIPath(path)):")
            for route in byPath[path]!.sorted(by: { $0.method.rawValue < $1.method.rawValue }) {
                lines += operation(route)
            }
        }
        lines += [
            "components:",
            "  securitySchemes:",
            "    bearer:",
            "      type: http",
            "      scheme: bearer",
            "      description: \(quoted("An API token from hospital-twin users token NAME (htw_ and 43 base64url characters)."))",
            "    session:",
            "      type: apiKey",
            "      in: cookie",
            "      name: htw_session",
            "      description: \(quoted("A browser's session from POST /login; a change made with it needs X-CSRF-Token."))",
            "  schemas:",
        ] + answerSchemas + [
            "    Problem:",
            "      type: object",
            "      required: [type, title, status, detail]",
            "      properties:",
            "        type: {type: string}",
            "        title: {type: string}",
            "        status: {type: integer}",
            "        detail: {type: string}",
            "        errors:",
            "          type: array",
            "          description: \(quoted("Each error in what was sent, where it is (an upload's problems)."))",
            "          items:",
            "            type: object",
            "            required: [pointer, detail]",
            "            properties:",
            "              pointer: {type: string, description: \(quoted("The setting's path (units[2].beds); empty for the text as a whole."))}",
            "              detail: {type: string}",
            "              file: {type: string}",
            "              line: {type: integer, minimum: 1}",
            "              column: {type: integer, minimum: 1}",
            "    OperationOutcome:",
            "      type: object",
            "      required: [resourceType, issue]",
            "      properties:",
            "        resourceType: {const: OperationOutcome}",
            "        issue:",
            "          type: array",
            "          items:",
            "            type: object",
            "            required: [severity, code]",
            "            properties:",
            "              severity: {type: string, enum: [fatal, error, warning, information]}",
            "              code: {type: string}",
            "              diagnostics: {type: string}",
            "              expression: {type: array, items: {type: string}}",
            "  responses:",
            "    Problem:",
            "      description: \(quoted("A problem document: what was wrong and where."))",
            "      content:",
            "        application/problem+json:",
            "          schema:",
            "            $ref: \"#/components/schemas/Problem\"",
            "    OperationOutcome:",
            "      description: \(quoted("FHIR's OperationOutcome: what was wrong."))",
            "      content:",
            "        application/fhir+json:",
            "          schema:",
            "            $ref: \"#/components/schemas/OperationOutcome\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }()

    static let description = "The API of hospital-twin's server (Docs/SERVER.md). Every route needs an API token or a "
        + "signed-in session of a role its access allows (x-access, x-roles; Docs/SECURITY.md, \"Roles\"). Errors are "
        + "problem documents (RFC 9457). Written from the server's own route list."

    /// The API's version (the `/api/v1` of its paths).
    public static let apiVersion = "1"

    /// A route's path as OpenAPI writes it: `:id` as `{id}`.
    public static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    static func operation(_ route: APIRoute) -> [String] {
        let id = route.method.rawValue.lowercased() + openAPIPath(route.path).replacingOccurrences(of: "/api/v1", with: "")
            .split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { "_" + $0 }.joined()
        var lines = [
            "    \(route.method.rawValue.lowercased()):",
            "      operationId: \(id)",
            "      summary: \(quoted(route.summary))",
            "      x-access: \(route.access.rawValue)",
            "      x-roles: [\(route.access.roles.map(\.rawValue).sorted().joined(separator: ", "))]",
        ]
        var parameters: [String] = []
        if route.path.contains(":id") {
            parameters += ["        - name: id", "          in: path", "          required: true",
                           "          schema: {type: integer, minimum: 1}"]
        }
        for parameter in route.query.sorted() {
            parameters += ["        - name: \(parameter.rawValue)", "          in: query",
                           "          required: \(route.required.contains(parameter))",
                           "          description: \(quoted(parameter.description))", "          schema: \(parameter.schema)"]
        }
        if !parameters.isEmpty { lines += ["      parameters:"] + parameters }
        if let body = route.body {
            lines += ["      requestBody:", "        required: true", "        content:"]
            for type in body.mediaTypes {
                lines += ["          \(type):", "            schema:"] + body.schema.map { "              " + $0 }
            }
        }
        lines += [
            "      responses:",
            "        \"\(route.status.code)\":",
            "          description: \(quoted(route.summary))",
            "          content:",
        ] + {
            switch route.produces {
            case .events: ["            text/event-stream:", "              schema: {type: string}"]
            case .json: ["            application/json:", "              schema:", "                $ref: \"#/components/schemas/\(route.answer)\""]
            case .fhir: ["            application/fhir+json:", "              schema:", "                $ref: \"#/components/schemas/OperationOutcome\""]
            }
        }()
        if route.status == .created {
            lines += ["        \"200\":", "          description: \(quoted("The same content was already stored: that version."))", "          content:",
                      "            application/json:", "              schema:", "                $ref: \"#/components/schemas/\(route.answer)\""]
        }
        let error = route.produces == .fhir ? "OperationOutcome" : "Problem"
        for status in ["400", "401", "403", "404"] + (route.body == nil ? [] : ["413", "415"]) + ["422", "503"] {
            lines += ["        \"\(status)\":", "          $ref: \"#/components/responses/\(error)\""]
        }
        return lines
    }

    /// The answers' schemas (JSON Schema 2020-12, as OpenAPI 3.1 has it), by the name a route's `answer` gives. The
    /// role matrix test holds every answer the server gives against its route's schema
    /// (scripts/check-openapi-answers.py), so they cannot drift from what is sent.
    static let answerSchemas: [String] = {
        let roles = Role.allCases.map(\.rawValue).joined(separator: ", ")
        func page(_ item: String) -> [String] {
            ["      type: object", "      required: [items, next]", "      properties:",
             "        items: {type: array, items: {$ref: \"#/components/schemas/\(item)\"}}",
             "        next: {type: [string, \"null\"], description: \(quoted("The next page's path and query; null on the last page."))}"]
        }
        func report(_ what: String) -> [String] {
            ["      type: object", "      description: \(quoted(what))"]
        }
        let schemas: [(String, [String])] = [
            ("Who", ["      type: object", "      required: [name, role]", "      properties:", "        name: {type: string}",
                     "        role: {type: string, enum: [\(roles)]}"]),
            ("ScenarioListing", ["      type: object", "      required: [id, name, version, content_hash, stored_at, stored_by]", "      properties:",
                                 "        id: {type: integer, minimum: 1}", "        name: {type: string}", "        version: {type: integer, minimum: 1}",
                                 "        content_hash: {type: string, pattern: \"^[0-9a-f]{64}$\", description: \(quoted("SHA-256 of the canonical JSON."))}",
                                 "        stored_at: {type: string, description: \(quoted("UTC, ISO 8601."))}", "        stored_by: {type: string}"]),
            ("ScenarioPage", page("ScenarioListing")),
            ("StoredScenario", ["      type: object", "      required: [scenario, document]", "      properties:",
                                "        scenario: {$ref: \"#/components/schemas/ScenarioListing\"}",
                                "        document: {type: object, description: \(quoted("The merged scenario, canonical JSON (Docs/SCENARIO-REFERENCE.md)."))}"]),
            ("ScenarioUploaded", ["      type: object", "      required: [scenario, created, extends]", "      properties:",
                                  "        scenario: {$ref: \"#/components/schemas/ScenarioListing\"}",
                                  "        created: {type: boolean, description: \(quoted("False when the same content was stored already."))}",
                                  "        extends: {oneOf: [{type: \"null\"}, {$ref: \"#/components/schemas/ScenarioListing\"}]}"]),
            ("RunRecord", ["      type: object",
                           "      required: [id, scenario, scenario_version, scenario_hash, seed, replications, horizon_days, engine_version, status, started_at, run_by, host, headline]",
                           "      properties:", "        id: {type: integer, minimum: 1}", "        scenario: {type: string}",
                           "        scenario_version: {type: integer, minimum: 1}", "        scenario_hash: {type: string}",
                           "        seed: {type: integer, minimum: 0}", "        replications: {type: integer, minimum: 1}",
                           "        horizon_days: {type: integer, minimum: 1}", "        engine_version: {type: string}",
                           "        status: {type: string, enum: [\(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))]}",
                           "        failure: {type: string}", "        started_at: {type: string}", "        finished_at: {type: string}",
                           "        run_by: {type: string}", "        host: {type: string}", "        imported_from: {type: string}",
                           "        headline: {type: object, additionalProperties: {type: number}, description: \(quoted("A few metrics' means, by key."))}"]),
            ("RunPage", page("RunRecord")),
            ("RunSummary", ["      type: object", "      required: [run, summary]", "      properties:",
                            "        run: {$ref: \"#/components/schemas/RunRecord\"}",
                            "        summary:", "          type: array", "          description: \(quoted("Every metric of a completed run; empty until then."))",
                            "          items:", "            type: object",
                            "            required: [key, label, unit, direction, replications, mean, standard_deviation, half_width]",
                            "            properties:", "              key: {type: string}", "              label: {type: string}", "              unit: {type: string}",
                            "              direction: {type: string}", "              replications: {type: integer, minimum: 0, description: \(quoted("Replications in which the metric is defined (0: none, such as a wait with no arrivals)."))}",
                            "              mean: {type: number}", "              standard_deviation: {type: number}",
                            "              half_width: {type: number, description: \(quoted("Of the 95% confidence interval of the mean."))}"]),
            ("Forecast", report("The bed-demand bands per unit and day, as report ID --as forecast --format json writes them.")),
            ("Comparison", report("Paired differences with intervals and verdicts, as report ID --baseline B --format json writes them.")),
            ("CostReport", report("The cost report, as report ID --as costs --format json writes it.")),
            ("BacktestListing", ["      type: object", "      required: [id, scenario_id, scenario, scenario_version, origins, stored_at, stored_by]", "      properties:",
                                 "        id: {type: integer, minimum: 1}", "        scenario_id: {type: integer, minimum: 1}", "        scenario: {type: string}",
                                 "        scenario_version: {type: integer, minimum: 1}", "        origins: {type: integer, minimum: 1}",
                                 "        stored_at: {type: string}", "        stored_by: {type: string}"]),
            ("BacktestPage", page("BacktestListing")),
            ("Backtest", report("Every method's scores per group, unit and horizon day, as report ID --as backtest --format json writes them.")),
            ("Census", ["      type: object", "      required: [at, events, in_hospital, recent_discharges, units, emergency_department, theatres, unmapped, notes]",
                        "      properties:", "        at: {type: string}", "        events: {type: integer, minimum: 0}",
                        "        in_hospital: {type: integer, minimum: 0}", "        recent_discharges: {type: integer, minimum: 0}",
                        "        units:", "          type: array", "          items:", "            type: object", "            required: [unit, patients, beds]",
                        "            properties: {unit: {type: string}, patients: {type: integer, minimum: 0}, beds: {type: integer, minimum: 0}}",
                        "        emergency_department: {type: integer, minimum: 0}",
                        "        theatres: {type: integer, minimum: 0, description: \(quoted("Patients in theatre or recovery."))}",
                        "        unmapped: {type: array, items: {type: object, required: [code, patients], properties: {code: {type: string}, patients: {type: integer}}}}",
                        "        notes: {type: array, items: {type: string}}"]),
            ("Patients", ["      type: object", "      required: [at, patients, twins]", "      properties:", "        at: {type: string}",
                          "        patients: {type: array, items: {type: object, additionalProperties: {type: string}}, description: \(quoted("Each patient's census row, pseudonymous, by the census file's columns."))}",
                          "        twins:", "          type: array",
                          "          description: \(quoted("Each admitted patient's twin forecast (none for the ED's patients before a decision to admit), by its census row's patient_id; remaining days to readiness for discharge, without waits for a bed or a discharge window."))",
                          "          items:", "            type: object",
                          "            required: [patient_id, pathway, state, samples, mean_remaining_days, remaining_days_p10, remaining_days_p50, remaining_days_p90, p_icu_or_hdu, p_death, p_care_home, p_readmission_30d]",
                          "            properties:", "              patient_id: {type: string}", "              pathway: {type: string}", "              state: {type: string}",
                          "              news2: {type: integer, minimum: 0, maximum: 20}", "              samples: {type: integer, minimum: 10}",
                          "              mean_remaining_days: {type: number, minimum: 0}", "              remaining_days_p10: {type: number, minimum: 0}",
                          "              remaining_days_p50: {type: number, minimum: 0}", "              remaining_days_p90: {type: number, minimum: 0}",
                          "              p_icu_or_hdu: {type: number, minimum: 0, maximum: 1}", "              p_death: {type: number, minimum: 0, maximum: 1}",
                          "              p_care_home: {type: number, minimum: 0, maximum: 1}", "              p_readmission_30d: {type: number, minimum: 0, maximum: 1}"]),
            ("User", ["      type: object", "      required: [id, name, role, has_password, active_tokens, created_at]",
                      "      properties:", "        id: {type: integer, minimum: 1}", "        name: {type: string}", "        role: {type: string, enum: [\(roles)]}",
                      "        has_password: {type: boolean}", "        active_tokens: {type: integer, minimum: 0}",
                      "        created_at: {type: string}", "        disabled_at: {type: string}"]),
            ("UserPage", page("User")),
            ("AuditEntry", ["      type: object", "      required: [id, at, actor, source, action, target, outcome, detail]", "      properties:",
                            "        id: {type: integer, minimum: 1}", "        at: {type: string}", "        actor: {type: string}",
                            "        source: {type: string}", "        action: {type: string}", "        target: {type: string}",
                            "        outcome: {type: string, enum: [\(AuditOutcome.allCases.map(\.rawValue).joined(separator: ", "))]}",
                            "        detail: {type: string}"]),
            ("AuditPage", page("AuditEntry")),
            ("Job", ["      type: object",
                     "      required: [id, kind, status, plan, runs, request, submitted_by, submitted_at, attempts, cancel_requested, progress, links]",
                     "      properties:", "        id: {type: integer, minimum: 1}",
                     "        kind: {type: string, enum: [\(Job.Kind.allCases.map(\.rawValue).joined(separator: ", "))]}",
                     "        status: {type: string, enum: [\(Job.Status.allCases.map(\.rawValue).joined(separator: ", "))]}",
                     "        plan: {type: integer, minimum: 1}", "        runs: {type: array, items: {type: integer, minimum: 1}}",
                     "        request: {type: object, required: [kind, scenario_ids, replications, seed, horizon_days, warmup_days], description: \(quoted("What was asked, every setting resolved."))}",
                     "        submitted_by: {type: string}", "        submitted_at: {type: string}", "        started_at: {type: string}",
                     "        finished_at: {type: string}", "        attempts: {type: integer, minimum: 0}", "        cancel_requested: {type: boolean}",
                     "        failure: {type: string}",
                     "        progress:", "          type: object", "          required: [replications_done, replications, counts]", "          properties:",
                     "            replications_done: {type: integer, minimum: 0}", "            replications: {type: integer, minimum: 0}",
                     "            counts: {type: string, enum: [replications, origins]}", "            seconds_left: {type: number, minimum: 0}",
                     "        links:", "          type: object", "          required: [job, events, cancel, runs, comparisons]", "          properties:",
                     "            job: {type: string}", "            events: {type: string}", "            cancel: {type: string}",
                     "            runs: {type: array, items: {type: string}}", "            comparisons: {type: array, items: {type: string}}",
                     "            costs: {type: array, items: {type: string}}",
                     "            forecast: {type: string}", "            backtest: {type: string}"]),
            ("JobPage", page("Job")),
        ]
        return schemas.flatMap { name, lines in ["    \(name):"] + lines }
    }()

    /// `text` as a YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
