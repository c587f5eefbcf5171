import Accounts
import Foundation

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
            case .json: ["            application/json:", "              schema: {type: object}"]
            case .fhir: ["            application/fhir+json:", "              schema:", "                $ref: \"#/components/schemas/OperationOutcome\""]
            }
        }()
        if route.status == .created {
            lines += ["        \"200\":", "          description: \(quoted("The same content was already stored: that version."))", "          content:",
                      "            application/json:", "              schema: {type: object}"]
        }
        let error = route.produces == .fhir ? "OperationOutcome" : "Problem"
        for status in ["400", "401", "403", "404"] + (route.body == nil ? [] : ["413", "415"]) + ["422", "503"] {
            lines += ["        \"\(status)\":", "          $ref: \"#/components/responses/\(error)\""]
        }
        return lines
    }

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
