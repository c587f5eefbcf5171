import Foundation
import HummingbirdBcrypt
import Store

/// How long a browser stays signed in (Docs/SECURITY.md, "Sessions").
public enum SessionPolicy {
    /// A session ends this long after it began, whatever happens: a clinical shift and some.
    public static let lifetimeSeconds = 12 * 3600
    /// A session unused this long ends (a screen left signed in).
    public static let idleSeconds = 30 * 60
    /// A session's last use is written at most this often (a request within it only reads), so the idle limit holds
    /// to within this many seconds.
    public static let touchSeconds = 60
}

/// How failed sign-ins slow a guesser down: past `failuresPerName` failures for one name, or `failuresPerSource`
/// from one client address, within `windowSeconds`, attempts are refused without checking until the failures age
/// out of the window.
public struct SignInLimits: Sendable, Hashable {
    /// Failures for one name within the window before that name is refused, ≥ 1.
    public var failuresPerName: Int
    /// Failures from one client address within the window before it is refused, ≥ 1.
    public var failuresPerSource: Int
    /// The window failures are counted over, seconds, ≥ 1.
    public var windowSeconds: Int

    /// Limits from their parts, each at least 1.
    public init(failuresPerName: Int, failuresPerSource: Int, windowSeconds: Int) {
        precondition(failuresPerName >= 1 && failuresPerSource >= 1 && windowSeconds >= 1, "limits of at least 1")
        self.failuresPerName = failuresPerName
        self.failuresPerSource = failuresPerSource
        self.windowSeconds = windowSeconds
    }

    /// Five failures a name, twenty an address, in fifteen minutes.
    public static let standard = SignInLimits(failuresPerName: 5, failuresPerSource: 20, windowSeconds: 15 * 60)
}

/// A signed-in browser.
public struct Session: Sendable, Hashable {
    /// Who signed in.
    public let user: User
    /// What the session's forms and unsafe API calls must carry (`RandomToken`, 43 characters after "csrf_").
    public let csrfToken: String
    /// When it ends at the latest, seconds since 1970.
    public let expiresAt: Double
}

/// What a sign-in came to.
public enum SignInOutcome: Sendable, Hashable {
    /// Signed in: the cookie's token (shown once) and the session.
    case signedIn(token: String, session: Session)
    /// The name and password are not an enabled user's (which of them is not said).
    case refused
    /// Too many failed sign-ins for this name or from this address: refused without checking, for this long.
    case tooManyAttempts(retryAfterSeconds: Int)
}

extension AccountStore {
    /// Signs `name` in with `password` from `source` (the client's address) and opens a session. Refused without
    /// checking the password while the name or the address has too many recent failures (`limits`); every
    /// attempt is audited with its outcome. A name that does not exist costs a bcrypt check too.
    public func openSession(name: String, password: String, from source: String, limits: SignInLimits = .standard) throws
        -> SignInOutcome
    {
        let audited = Self.auditName(name)
        if let wait = try lockout(name: audited, source: source, limits: limits) {
            try audit(Actor(name: audited, source: source), "sign_in", outcome: .refused, detail: Self.rateLimited)
            return .tooManyAttempts(retryAfterSeconds: wait)
        }
        guard let user = try signIn(name, password: password, from: source) else { return .refused }
        let token = SessionToken.make(), csrf = RandomToken.make(prefix: "csrf_")
        let expires = try connection.query("""
            INSERT INTO hospital_twin.sessions (user_id, token_sha256, csrf_token, source, expires_at)
            SELECT id, encode(sha256(convert_to(\(token), 'UTF8')), 'hex'), \(csrf), \(source),
                   now() + make_interval(secs => \(SessionPolicy.lifetimeSeconds))
            FROM hospital_twin.users WHERE name = \(user.name)
            RETURNING extract(epoch FROM expires_at) AS expires
            """).single("a new session").double("expires")
        return .signedIn(token: token, session: Session(user: user, csrfToken: csrf, expiresAt: expires))
    }

    /// The session whose cookie is `token`, when it is well formed, not ended, not expired, used within the idle
    /// time, and its user enabled; its last use becomes now (written when it is older than
    /// `SessionPolicy.touchSeconds`, so that most requests only read). Else nil.
    public func session(forToken token: String) throws -> Session? {
        guard SessionToken.isWellFormed(token) else { return nil }
        guard let row = try connection.query("""
            WITH found AS (
                SELECT s.id, u.name, s.csrf_token, extract(epoch FROM s.expires_at) AS expires, s.last_seen_at
                FROM hospital_twin.sessions s JOIN hospital_twin.users u ON u.id = s.user_id
                WHERE s.token_sha256 = encode(sha256(convert_to(\(token), 'UTF8')), 'hex')
                  AND s.ended_at IS NULL AND s.expires_at > now()
                  AND s.last_seen_at > now() - make_interval(secs => \(SessionPolicy.idleSeconds)) AND u.disabled_at IS NULL),
            touched AS (
                UPDATE hospital_twin.sessions SET last_seen_at = now()
                WHERE id IN (SELECT id FROM found WHERE last_seen_at < now() - make_interval(secs => \(SessionPolicy.touchSeconds))))
            SELECT name, csrf_token, expires FROM found
            """).typedRows.first, let user = try user(try row.text("name")) else { return nil }
        return Session(user: user, csrfToken: try row.text("csrf_token"), expiresAt: try row.double("expires"))
    }

    /// Ends the session whose cookie is `token` (signing out), audited as `sign_out`; false when there was none.
    @discardableResult
    public func endSession(token: String, from source: String) throws -> Bool {
        guard SessionToken.isWellFormed(token) else { return false }
        return try connection.transaction { () throws -> Bool in
            guard let row = try connection.query("""
                UPDATE hospital_twin.sessions s SET ended_at = now() FROM hospital_twin.users u
                WHERE s.token_sha256 = encode(sha256(convert_to(\(token), 'UTF8')), 'hex') AND u.id = s.user_id
                  AND s.ended_at IS NULL
                RETURNING u.name
                """).typedRows.first else { return false }
            try audit(Actor(name: try row.text("name"), source: source), "sign_out", outcome: .allowed)
            return true
        }
    }

    /// Seconds until `name` (as audited) and `source` may try again, or nil when they may now: the time until the
    /// failure that put either over its limit leaves the window. Only attempts whose password was checked count, so
    /// refusals for too many attempts do not prolong the lock.
    func lockout(name: String, source: String, limits: SignInLimits) throws -> Int? {
        func wait(_ column: String, _ value: String, limit: Int) throws -> Int? {
            try connection.query("""
                SELECT ceil(extract(epoch FROM at + make_interval(secs => \(limits.windowSeconds)) - now())) AS wait
                FROM hospital_twin.audit_log
                WHERE \(raw: column) = \(value) AND action = 'sign_in' AND outcome = 'refused' AND detail <> \(Self.rateLimited)
                  AND at > now() - make_interval(secs => \(limits.windowSeconds))
                ORDER BY at DESC OFFSET \(limit - 1) LIMIT 1
                """).typedRows.first.map { max(1, Int(try $0.double("wait"))) }
        }
        let waits = [try wait("actor", name, limit: limits.failuresPerName),
                     try wait("source", source, limit: limits.failuresPerSource)].compactMap { $0 }
        return waits.max()
    }

    /// The audit detail of an attempt refused for too many failures.
    static let rateLimited = "too many failed sign-ins"
}
