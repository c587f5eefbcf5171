import Accounts
import CSVFiles
import Foundation
import RunRecords

/// Users and the audit log, as tables, JSON and CSV.
public enum AccountReports {
    /// One row a user: name, role, password or not, tokens, made, disabled.
    public static func usersTable(_ users: [User]) -> String {
        guard !users.isEmpty else { return "No users (hospital-twin users add NAME --role ROLE)." }
        return TextTable.render([["name", "role", "password", "tokens", "created (UTC)", "disabled (UTC)"]] + users.map { u in
            [u.name, u.role.rawValue, u.hasPassword ? "yes" : "no", String(u.activeTokens), u.createdAt, u.disabledAt ?? ""]
        })
    }

    /// The audit log's entries as a table, newest first. Every cell is as stored; the store keeps control
    /// characters out of names, and the table shows any other text on one line.
    public static func auditTable(_ entries: [AuditEntry]) -> String {
        guard !entries.isEmpty else { return "No audit entries match." }
        func oneLine(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r") }
        return TextTable.render([["id", "at (UTC)", "actor", "source", "action", "target", "outcome", "detail"]] + entries.map { e in
            [String(e.id), e.at, oneLine(e.actor), oneLine(e.source), e.action, oneLine(e.target), e.outcome.rawValue, oneLine(e.detail)]
        })
    }

    /// The entries as JSON: `{"schema_version": 1, "entries": [...]}`.
    public static func auditJSON(_ entries: [AuditEntry]) throws -> Data {
        struct Document: Encodable { let schemaVersion = 1; let entries: [AuditEntry] }
        return try ResultJSON.encoder().encode(Document(entries: entries))
    }

    /// The entries as CSV, one a row, with cells a spreadsheet would run as a formula neutralised.
    public static func writeAuditCSV(_ entries: [AuditEntry], to writer: CSVWriter) {
        writer.write(["id", "at", "actor", "source", "action", "target", "outcome", "detail"])
        for e in entries {
            writer.write([String(e.id), e.at, e.actor, e.source, e.action, e.target, e.outcome.rawValue, e.detail])
        }
        writer.flush()
    }
}
