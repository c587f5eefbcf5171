import Foundation
import HummingbirdBcrypt
import RunStore
import Store

/// One user as stored (never its password or tokens).
public struct User: Sendable, Hashable, Codable {
    /// The account's row: the API's lists page by it.
    public let id: Int64
    /// The user's name (what it signs in with).
    public let name: String
    /// What it may see and do.
    public let role: Role
    /// Whether it can sign in with a password (a system's account has tokens only).
    public let hasPassword: Bool
    /// Tokens not revoked.
    public let activeTokens: Int
    /// When made and when disabled (UTC, PostgreSQL's text).
    public let createdAt: String
    /// When disabled, nil while enabled.
    public let disabledAt: String?

    /// Whether it is disabled: no sign-in, its sessions and tokens refused.
    public var isDisabled: Bool { disabledAt != nil }
}

/// Who acts, as the audit log names them: a user, or the command line as an operating-system user on a host.
public struct Actor: Sendable, Hashable {
    /// A user's name, or "cli:OSUSER".
    public let name: String
    /// Where from: "cli@HOST", or the client's address.
    public let source: String

    /// An actor from its parts.
    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }

    /// The command line on this machine.
    public static var commandLine: Actor {
        Actor(name: "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? NSUserName()), source: "cli@" + ProcessInfo.processInfo.hostName)
    }
}

/// An account operation refused: the user, the name or the password was wrong, with what would do.
public struct AccountError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong and what would do, for the user.
    public let message: String
    public var description: String { message }
}

/// Users, passwords and API tokens in PostgreSQL (Docs/SECURITY.md, "Accounts"), each change written in the same
/// transaction as its audit entry, so a change is never made without its record.
public final class AccountStore {
    /// The connection every read and write uses (one at a time: a connection is not shared between threads).
    public let connection: DatabaseConnection
    /// Bcrypt's cost (log₂ of its rounds): 12 by default, about 0.2–0.3 s a hash on this machine's cores; tests
    /// may lower it (4 at least).
    let cost: UInt8

    /// Opens the accounts on `connection`, bringing the schema up to date unless `migrating` is false (a server
    /// that migrated once at its start).
    public init(connection: DatabaseConnection, bcryptCost: UInt8 = 12, migrating: Bool = true) throws {
        precondition((4...31).contains(bcryptCost), "bcrypt's cost is 4 to 31")
        self.connection = connection
        cost = bcryptCost
        try connection.execute("SET TimeZone TO 'UTC'")
        if migrating { try connection.migrate(schema: RunStoreSchema.name, RunStoreSchema.migrations) }
    }

    /// Adds a user with `role` and, unless nil, `password` (hashed with bcrypt). Refused when the name is taken.
    @discardableResult
    public func add(_ name: UserName, role: Role, password: Password?, by actor: Actor) throws -> User {
        let hash = password.map { Bcrypt.hash($0.value, cost: cost) }
        return try change(actor, "users.add", target: name.value) {
            // Two adds of one name at once: the second waits for the first's row, then is refused (unique name).
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('hospital_twin.users'))")
            let taken = try connection.query("SELECT 1 FROM hospital_twin.users WHERE name = \(name.value)")
            if !taken.rows.isEmpty {
                throw Refusal(message: "a user named \(name.value) exists already (hospital-twin users list)", detail: "the name is taken")
            }
            try connection.execute("""
                INSERT INTO hospital_twin.users (name, role, password_hash) VALUES (\(name.value), \(role.rawValue), \(hash))
                """)
            try audit(actor, "users.add", target: name.value, outcome: .allowed,
                      detail: "role \(role.rawValue)" + (hash == nil ? ", no password" : ""))
            return try user(name.value)!
        }
    }

    /// Every user, by name.
    public func list() throws -> [User] {
        try connection.query("\(raw: Self.selectUsers) ORDER BY u.name").typedRows.map(Self.user(from:))
    }

    /// A page of accounts, newest first: at most `limit` of those with an id below `before` (nil: from the newest).
    public func users(before: Int64?, limit: Int) throws -> [User] {
        try connection.query("""
            \(raw: Self.selectUsers) WHERE \(before)::bigint IS NULL OR u.id < \(before)::bigint ORDER BY u.id DESC LIMIT \(limit)
            """).typedRows.map(Self.user(from:))
    }

    /// The user named `name`, or nil.
    public func user(_ name: String) throws -> User? {
        try connection.query("\(raw: Self.selectUsers) WHERE u.name = \(name)").typedRows.first.map(Self.user(from:))
    }

    /// Disables `name`: it can no longer sign in, its sessions end and its tokens are revoked. Disabling a disabled user changes
    /// nothing and says so.
    public func disable(_ name: UserName, by actor: Actor) throws -> (user: User, revokedTokens: Int, wasDisabled: Bool) {
        try change(actor, "users.disable", target: name.value) {
            guard let before = try user(name.value) else {
                throw Refusal(message: "no user is named \(name.value) (hospital-twin users list)", detail: "no such user")
            }
            try connection.execute("UPDATE hospital_twin.users SET disabled_at = coalesce(disabled_at, now()) WHERE name = \(name.value)")
            try connection.execute("""
                UPDATE hospital_twin.sessions SET ended_at = now()
                WHERE ended_at IS NULL AND user_id = (SELECT id FROM hospital_twin.users WHERE name = \(name.value))
                """)
            let revoked = try connection.execute("""
                UPDATE hospital_twin.api_tokens SET revoked_at = now()
                WHERE revoked_at IS NULL AND user_id = (SELECT id FROM hospital_twin.users WHERE name = \(name.value))
                """)
            try audit(actor, "users.disable", target: name.value, outcome: .allowed,
                      detail: before.isDisabled ? "already disabled" : "\(revoked) token\(revoked == 1 ? "" : "s") revoked")
            return (try user(name.value)!, revoked, before.isDisabled)
        }
    }

    /// A new API token for `name`, returned once; only its SHA-256 is kept. Refused for a disabled user.
    public func issueToken(for name: UserName, by actor: Actor) throws -> String {
        let token = APIToken.make()
        return try change(actor, "users.token", target: name.value) {
            guard let existing = try user(name.value) else {
                throw Refusal(message: "no user is named \(name.value) (hospital-twin users list)", detail: "no such user")
            }
            guard !existing.isDisabled else {
                throw Refusal(message: "\(name.value) is disabled: a disabled user gets no token", detail: "the user is disabled")
            }
            try connection.execute("""
                INSERT INTO hospital_twin.api_tokens (user_id, token_sha256, prefix)
                SELECT id, encode(sha256(convert_to(\(token), 'UTF8')), 'hex'), \(String(token.prefix(8)))
                FROM hospital_twin.users WHERE name = \(name.value)
                """)
            try audit(actor, "users.token", target: name.value, outcome: .allowed, detail: "token \(token.prefix(8))…")
            return token
        }
    }

    /// The user `name` signs in as with `password`: the user when the password is its own and it is enabled, else
    /// nil. Each attempt is in the audit log with its outcome; a name that does not exist costs a bcrypt check too,
    /// so the time taken does not tell which names exist.
    public func signIn(_ name: String, password: String, from source: String) throws -> User? {
        let row = try connection.query("""
            SELECT password_hash, disabled_at IS NOT NULL AS disabled FROM hospital_twin.users WHERE name = \(name)
            """).typedRows.first
        let hash = try row?.optionalText("password_hash")
        let matches = Bcrypt.verify(password, hash: hash ?? Self.decoyHash)
        let disabled = try row?.bool("disabled") ?? false
        let outcome: AuditOutcome = row != nil && hash != nil && matches && !disabled ? .allowed : .refused
        let why = row == nil ? "no such user" : hash == nil ? "no password set" : !matches ? "wrong password" : disabled ? "disabled" : ""
        try audit(Actor(name: Self.auditName(name), source: source), "sign_in", target: "", outcome: outcome, detail: why)
        return outcome == .allowed ? try user(name) : nil
    }

    /// The user whose token `token` is, when it is well formed, not revoked and its user enabled; else nil.
    public func user(forToken token: String) throws -> User? {
        guard APIToken.isWellFormed(token) else { return nil }
        let row = try connection.query("""
            SELECT u.name FROM hospital_twin.api_tokens t JOIN hospital_twin.users u ON u.id = t.user_id
            WHERE t.token_sha256 = encode(sha256(convert_to(\(token), 'UTF8')), 'hex')
              AND t.revoked_at IS NULL AND u.disabled_at IS NULL
            """).typedRows.first
        return try row.flatMap { try user(try $0.text("name")) }
    }

    /// Runs `body` (a change and its `allowed` audit entry) in one transaction. A `Refusal` it throws rolls the
    /// change back and is then recorded as `refused` on its own, so a refusal is never lost with the rollback.
    func change<T>(_ actor: Actor, _ action: String, target: String, _ body: () throws -> T) throws -> T {
        do {
            return try connection.transaction(body)
        } catch let refusal as Refusal {
            try audit(actor, action, target: target, outcome: .refused, detail: refusal.detail)
            throw AccountError(message: refusal.message)
        }
    }

    /// A change refused: `message` for the user, `detail` for the audit log.
    struct Refusal: Error {
        let message: String, detail: String
    }

    // MARK: Audit

    /// Appends one entry to the audit log (in the caller's transaction, when there is one).
    public func audit(_ actor: Actor, _ action: String, target: String = "", outcome: AuditOutcome, detail: String = "") throws {
        try connection.execute("""
            INSERT INTO hospital_twin.audit_log (actor, source, action, target, outcome, detail)
            VALUES (\(actor.name), \(actor.source), \(action), \(target), \(outcome.rawValue), \(detail))
            """)
    }

    /// Audit entries, newest first: of `actor` when given, at or after `since` when given, with an id below `before`
    /// when given (the next page), at most `limit`.
    public func auditEntries(actor: String? = nil, since: Date? = nil, before: Int64? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        try connection.query("""
            SELECT id, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, source, action, target, outcome, detail
            FROM hospital_twin.audit_log
            WHERE (\(actor)::text IS NULL OR actor = \(actor)::text) AND (\(since)::timestamptz IS NULL OR at >= \(since)::timestamptz)
              AND (\(before)::bigint IS NULL OR id < \(before)::bigint)
            ORDER BY id DESC LIMIT \(limit)
            """).typedRows.map { row in
            AuditEntry(id: try row.int64("id"), at: try row.text("at"), actor: try row.text("actor"), source: try row.text("source"),
                       action: try row.text("action"), target: try row.text("target"),
                       outcome: try row.raw("outcome", as: AuditOutcome.self), detail: try row.text("detail"))
        }
    }

    // MARK: Reading rows

    static let selectUsers = """
        SELECT u.id, u.name, u.role, u.password_hash IS NOT NULL AS has_password,
               to_char(u.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
               to_char(u.disabled_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS disabled_at,
               (SELECT count(*) FROM hospital_twin.api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS tokens
        FROM hospital_twin.users u
        """

    static func user(from row: ResultRow) throws -> User {
        User(id: try row.int64("id"), name: try row.text("name"), role: try row.raw("role", as: Role.self), hasPassword: try row.bool("has_password"),
             activeTokens: try row.int("tokens"), createdAt: try row.text("created_at"), disabledAt: try row.optionalText("disabled_at"))
    }

    /// A name as the audit log keeps a sign-in's: what was typed, cut to 63 characters and with control characters
    /// shown as '?', so a hostile name cannot forge a line of the log's table.
    static func auditName(_ typed: String) -> String {
        String(String.UnicodeScalarView(typed.unicodeScalars.prefix(63).map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }

    /// A bcrypt hash of no one's password, checked against when a name does not exist (the same cost as a real one).
    static let decoyHash = Bcrypt.hash("no user has this password: \(UUID().uuidString)", cost: 12)
}

/// How a request or change ended.
public enum AuditOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// Done as asked.
    case allowed
    /// Refused: not signed in, the role may not, a bad token or CSRF token, too many attempts.
    case refused
    /// Allowed but failed (bad input, a missing record, the database).
    case failed
}

/// One line of the audit log.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Its row, increasing in the order written: the log's pages go by it.
    public let id: Int64
    /// UTC, ISO 8601 with milliseconds.
    public let at: String
    /// Who (`Actor.name`), from where (`Actor.source`), what ("api.request", "users.add", …) and on what (a
    /// route's path, a user's name, a run or patient record).
    public let actor: String, source: String, action: String, target: String
    /// How it ended.
    public let outcome: AuditOutcome
    /// What else the reader needs: the refusal's reason, the records read.
    public let detail: String
}
