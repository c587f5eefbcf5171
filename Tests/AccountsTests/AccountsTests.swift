import Accounts
import NIOConcurrencyHelpers
import Feed
import Foundation
import RunStore
import Scenario
import Store
import Testing
import TestSupport
import Workflows

@Suite("user names, passwords and tokens are bounded and checked before anything is stored")
struct CredentialTests {
    @Test("a name is lower-case ASCII: upper case, look-alikes, spaces, control characters, reserved and over-long names are refused, saying why")
    func names() throws {
        for good in ["alice", "a", "svc.feed-2", "0day", String(repeating: "x", count: 63)] {
            #expect(try UserName(good).value == good)
        }
        let refused: [(String, String)] = [
            ("", "empty"), ("Alice", "lower case: alice"), ("\u{0430}lice", "U+0430"), ("al ice", "U+0020"), ("al\u{0}ice", "U+0000"),
            (".hidden", "starts with a letter or a digit"), ("-x", "starts with"), ("system", "reserved"), ("cli", "reserved"),
            (String(repeating: "x", count: 64), "at most 63"), ("a\u{301}", "U+0301"), ("ａlice", "U+FF41"),
        ]
        for (name, says) in refused {
            #expect(throws: CredentialError.self) { try UserName(name) }
            do { _ = try UserName(name) } catch { #expect(error.message.contains(says), "\(name): \(error.message)") }
        }
    }

    @Test("a password is 8 to 72 bytes of UTF-8 without control characters: bcrypt's 72-byte limit refused, not cut")
    func passwords() throws {
        _ = try Password("12345678")
        _ = try Password(String(repeating: "é", count: 36))  // 72 bytes
        for (password, says) in [("1234567", "at least 8"), (String(repeating: "a", count: 73), "at most 72"),
                                 (String(repeating: "é", count: 36) + "x", "at most 72"), ("password\t1", "control"),
                                 ("pass\u{0}word", "control"), ("pass\nword", "control")] {
            do { _ = try Password(password); Issue.record("\(password.debugDescription) was accepted") } catch {
                #expect(error.message.contains(says), "\(error.message)")
            }
        }
    }

    @Test("a token is htw_ and 43 base64url characters, different each time; anything else is not looked up")
    func tokens() {
        let a = APIToken.make(), b = APIToken.make()
        #expect(a != b && a.count == APIToken.length && APIToken.isWellFormed(a) && APIToken.isWellFormed(b))
        for bad in ["", "htw_", String(a.dropLast()), a + "A", "xyz_" + a.dropFirst(4), String(a.prefix(46)) + "=",
                    String(a.prefix(46)) + "é", "htw_" + String(repeating: "'", count: 43)] {
            #expect(!APIToken.isWellFormed(bad), "\(bad)")
        }
    }
}

/// Against the throwaway PostgreSQL scripts/test.sh starts (CI always runs these).
@Suite("accounts and the audit log in PostgreSQL", .enabled(if: TestDatabase.runs("AccountsTests")), .serialized)
struct AccountStoreTests {
    /// bcrypt at its lowest cost, so the tests are quick; the cost does not change what is checked.
    static func store() throws -> AccountStore { try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4) }
    /// A name no other run of the tests uses.
    static func name(_ base: String) throws -> UserName { try UserName("\(base)-\(getpid())-\(UInt32.random(in: 0 ... .max))") }
    static let actor = Actor(name: "cli:test", source: "cli@test")

    @Test("a user signs in with its own password only; an unknown name, a wrong password, no password or a disabled user are refused, and every attempt is in the audit log")
    func signIn() throws {
        let store = try Self.store()
        let alice = try Self.name("alice"), system = try Self.name("feed")
        let user = try store.add(alice, role: .planner, password: try Password("correct horse"), by: Self.actor)
        #expect(user.role == .planner && user.hasPassword && !user.isDisabled && user.activeTokens == 0)
        try store.add(system, role: .admin, password: nil, by: Self.actor)
        let from = "203.0.113.\(getpid() % 250)"
        #expect(try store.signIn(alice.value, password: "correct horse", from: from)?.name == alice.value)
        #expect(try store.signIn(alice.value, password: "correct horsE", from: from) == nil)
        #expect(try store.signIn(alice.value + "x", password: "correct horse", from: from) == nil)
        #expect(try store.signIn(system.value, password: "", from: from) == nil)
        _ = try store.disable(alice, by: Self.actor)
        #expect(try store.signIn(alice.value, password: "correct horse", from: from) == nil)
        // Read whole: suites running beside this one (the API's) add entries meanwhile.
        let attempts = try store.auditEntries(limit: 1_000_000).filter { $0.source == from && $0.action == "sign_in" }.reversed()
        #expect(attempts.map(\.outcome) == [.allowed, .refused, .refused, .refused, .refused])
        #expect(attempts.map(\.detail) == ["", "wrong password", "no such user", "no password set", "disabled"])
        // The password is nowhere in the database, only its bcrypt hash.
        let row = try store.connection.query("SELECT password_hash FROM hospital_twin.users WHERE name = \(alice.value)").single()
        let hash = try row.text("password_hash")
        #expect(hash.hasPrefix("$2") && !hash.contains("correct horse"))
    }

    @Test("a name taken is refused, and the refusal stays in the audit log though the change rolled back")
    func taken() throws {
        let store = try Self.store()
        let bob = try Self.name("bob")
        try store.add(bob, role: .viewer, password: nil, by: Self.actor)
        #expect(throws: AccountError.self) { try store.add(bob, role: .admin, password: nil, by: Self.actor) }
        #expect(try store.user(bob.value)?.role == .viewer)
        let entries = try store.auditEntries(limit: 50).filter { $0.target == bob.value }
        #expect(entries.map(\.outcome) == [.refused, .allowed] && entries[0].detail == "the name is taken")
        #expect(throws: AccountError.self) { try store.disable(try Self.name("nobody"), by: Self.actor) }
    }

    @Test("a token signs its user in until the user is disabled; only its SHA-256 is stored; a disabled user gets none; a malformed or unknown token is nobody")
    func apiTokens() throws {
        let store = try Self.store()
        let svc = try Self.name("svc")
        try store.add(svc, role: .manager, password: nil, by: Self.actor)
        let token = try store.issueToken(for: svc, by: Self.actor)
        let second = try store.issueToken(for: svc, by: Self.actor)
        #expect(token != second && APIToken.isWellFormed(token))
        #expect(try store.user(forToken: token)?.name == svc.value)
        #expect(try store.user(forToken: second)?.role == .manager)
        #expect(try store.user(svc.value)?.activeTokens == 2)
        #expect(try store.user(forToken: APIToken.make()) == nil)
        #expect(try store.user(forToken: "' OR 1=1 --") == nil)
        let stored = try store.connection.query("""
            SELECT t.token_sha256, t.prefix FROM hospital_twin.api_tokens t JOIN hospital_twin.users u ON u.id = t.user_id
            WHERE u.name = \(svc.value)
            """).typedRows
        #expect(stored.count == 2)
        for row in stored {
            let digest = try row.text("token_sha256")
            #expect(digest.count == 64 && !digest.contains(token.dropFirst(4)) && !digest.contains(second.dropFirst(4)))
        }
        let result = try store.disable(svc, by: Self.actor)
        #expect(result.revokedTokens == 2 && !result.wasDisabled && result.user.isDisabled)
        #expect(try store.user(forToken: token) == nil && store.user(forToken: second) == nil)
        #expect(try store.disable(svc, by: Self.actor).wasDisabled)
        #expect(throws: AccountError.self) { try store.issueToken(for: svc, by: Self.actor) }
    }

    @Test("the audit log is append-only: an update, a delete and a truncate are refused by the database itself")
    func appendOnly() throws {
        let store = try Self.store()
        try store.audit(Actor(name: "cli:test", source: "cli@append-only"), "test.entry", outcome: .allowed, detail: "kept")
        // Other suites add entries meanwhile: what was there before must all still be there, unchanged.
        let before = try store.auditEntries(limit: 100_000)
        for sql in ["UPDATE hospital_twin.audit_log SET detail = 'changed'", "DELETE FROM hospital_twin.audit_log",
                    "TRUNCATE hospital_twin.audit_log"] {
            do {
                try store.connection.execute(SQLQuery(stringLiteral: sql))
                Issue.record("\(sql) was allowed")
            } catch {
                #expect(error.message.contains("append-only"), "\(error)")
            }
        }
        let newest = before.map(\.id).max() ?? 0
        let after = try store.auditEntries(limit: 100_000).filter { $0.id <= newest }
        #expect(after == before && after.contains { $0.source == "cli@append-only" && $0.detail == "kept" })
    }

    @Test("audit entries filter by actor and time, newest first; a hostile name typed at sign-in is kept on one line, cut to 63")
    func filters() throws {
        let store = try Self.store()
        let actor = "cli:filter-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let start = Date()
        for i in 0..<3 { try store.audit(Actor(name: actor, source: "cli@test"), "test.entry", target: "\(i)", outcome: .allowed) }
        let mine = try store.auditEntries(actor: actor)
        #expect(mine.map(\.target) == ["2", "1", "0"])
        #expect(try store.auditEntries(actor: actor, limit: 2).map(\.target) == ["2", "1"])
        #expect(try store.auditEntries(actor: actor, since: start.addingTimeInterval(3600)).isEmpty)
        #expect(try store.auditEntries(actor: actor, since: start.addingTimeInterval(-60)).count == 3)
        let hostile = "evil\n2026-01-01 admin allowed\r\u{1b}[31m" + String(repeating: "x", count: 200)
        #expect(try store.signIn(hostile, password: "whatever1", from: "cli@hostile-\(getpid())") == nil)
        let entry = try #require(try store.auditEntries(limit: 20).first { $0.source == "cli@hostile-\(getpid())" })
        #expect(!entry.actor.contains("\n") && !entry.actor.contains("\r") && !entry.actor.contains("\u{1b}"))
        #expect(entry.actor.unicodeScalars.count == 63 && entry.outcome == .refused)
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Server

/// The server on a free port of this machine, spoken to over real HTTP.
@Suite("the HTTP server: health, a token's user, problem documents, security headers", .enabled(if: TestDatabase.runs("ServerTests")), .serialized)
struct ServerTests {
    @Test("/health answers 200 with the schema; /api/v1/me is 401 with a problem document and WWW-Authenticate without a token, the user with one; an unknown route is a 404 problem; every answer carries the security headers; refusals are audited with the client's address")
    func serves() async throws {
        let store = try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4)
        let name = try UserName("srv-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try store.add(name, role: .finance, password: nil, by: Actor(name: "cli:test", source: "cli@test"))
        let token = try store.issueToken(for: name, by: Actor(name: "cli:test", source: "cli@test"))
        try await withServer { base in
            func get(_ path: String, token: String? = nil) async throws -> (status: Int, headers: [AnyHashable: Any], body: [String: Any]) {
                var request = URLRequest(url: URL(string: base + path)!)
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                return (http.statusCode, http.allHeaderFields, (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
            }
            let health = try await get("/health")
            let schema = String(try store.connection.schemaVersion("hospital_twin"))
            #expect(health.status == 200 && health.body["status"] as? String == "ok" && health.body["schema_version"] as? String == schema)
            let refused = try await get("/api/v1/me")
            #expect(refused.status == 401 && refused.body["status"] as? Int == 401 && refused.body["title"] as? String == "Sign in required")
            #expect((refused.headers["Content-Type"] as? String) == "application/problem+json")
            #expect((refused.headers["Www-Authenticate"] ?? refused.headers["WWW-Authenticate"]) as? String == "Bearer")
            let forged = try await get("/api/v1/me", token: String(token.dropLast()) + (token.last == "A" ? "B" : "A"))
            #expect(forged.status == 401)
            let me = try await get("/api/v1/me", token: token)
            #expect(me.status == 200 && me.body["name"] as? String == name.value && me.body["role"] as? String == "finance")
            let missing = try await get("/no/such/route")
            #expect(missing.status == 404 && missing.body["status"] as? Int == 404)
            for answer in [health, refused, me, missing] {
                #expect(answer.headers["Content-Security-Policy"] as? String == "default-src 'self'; frame-ancestors 'none'")
                #expect(answer.headers["X-Frame-Options"] as? String == "DENY")
                #expect(answer.headers["X-Content-Type-Options"] as? String == "nosniff")
            }
            let audited = try store.auditEntries(limit: 50).filter { $0.action == "api.request" && $0.target == "/api/v1/me" }
            #expect(audited.count >= 2 && audited.allSatisfy { $0.outcome == .refused && $0.source == "127.0.0.1" })
        }
    }
}

/// Runs `body` with the base URL of the server on a free port of this machine, with `limits` on failed sign-ins.
func withServer(limits: SignInLimits = .standard, runners: [JobRunner] = [], feed: FeedIntake? = testFeed,
                _ body: (String) async throws -> Void) async throws
{
    let url = try #require(TestDatabase.url)
    let port = NIOLockedValueBox<Int?>(nil)
    let app = Application(router: HospitalServer.router(pool: DatabasePool(url: url), limits: limits, feed: feed),
                          configuration: .init(address: .hostname("127.0.0.1", port: 0)), services: runners,
                          onServerRunning: { channel in port.withLockedValue { $0 = channel.localAddress?.port } })
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var waited = 0
        while port.withLockedValue({ $0 }) == nil, waited < 200 { try await Task.sleep(nanoseconds: 50_000_000); waited += 1 }
        try await body("http://127.0.0.1:\(try #require(port.withLockedValue { $0 }))")
        group.cancelAll()
    }
}

/// The FHIR intake of the tests' servers: a key of the tests' own, London's time.
let testFeed: FeedIntake? = FeedIntake(pseudonymiser: try! Pseudonymiser(key: Array("the server tests' key, thirty-two characters or more".utf8)),
                                       timeZone: TimeZone(identifier: "Europe/London")!)

/// An HTTP client for the server's browser side: no redirect followed, no cookie kept (each request says its own).
final class PlainClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let base: String
    lazy var session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }()

    init(base: String) { self.base = base }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void)
    {
        completionHandler(nil)
    }

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String
        /// The Set-Cookie header's cookies by name, each with its attributes as written.
        var cookies: [String: String] {
            var found: [String: String] = [:]
            for line in (headers["set-cookie"] ?? "").components(separatedBy: ", htw_") {
                let text = line.hasPrefix("htw_") ? line : "htw_" + line
                if let name = text.split(separator: "=").first { found[String(name)] = text }
            }
            return found
        }

        /// The value of cookie `name` as set.
        func cookie(_ name: String) -> String? {
            cookies[name].flatMap { $0.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init) }
        }
    }

    func send(_ method: String, _ path: String, form: String? = nil, cookies: [String: String] = [:],
              headers: [String: String] = [:], contentType: String = "application/x-www-form-urlencoded") async throws -> Answer
    {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let form {
            request.httpBody = Data(form.utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        if !cookies.isEmpty {
            request.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
        return Answer(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }
}

@Suite("signing in with a browser: sessions, CSRF, limits on failed sign-ins", .enabled(if: TestDatabase.runs("SessionTests")), .serialized)
struct SessionTests {
    /// Runs `body` against a server on a free port with `limits` (by default no address limit: every test here signs
    /// in from 127.0.0.1).
    func withServer(limits: SignInLimits = SignInLimits(failuresPerName: 5, failuresPerSource: 1_000_000, windowSeconds: 900),
                    _ body: (PlainClient) async throws -> Void) async throws
    {
        try await AccountsTests.withServer(limits: limits) { base in try await body(PlainClient(base: base)) }
    }

    static func user(_ role: Role = .planner) throws -> (name: String, password: String, store: AccountStore) {
        let store = try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4)
        let name = try UserName("web-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        let password = "correct horse \(UInt32.random(in: 0 ... .max))"
        try store.add(name, role: role, password: try Password(password), by: Actor(name: "cli:test", source: "cli@test"))
        return (name.value, password, store)
    }

    /// The sign-in form's token, read from the page and its cookie (they must agree).
    static func formToken(_ page: PlainClient.Answer) throws -> String {
        let field = try #require(page.body.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression)
            .map { String(page.body[$0].dropFirst(19).dropLast()) }, "\(page.body)")
        #expect(page.cookie("htw_signin") == field)
        return field
    }

    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
    }

    @Test("sign in at /login: a session cookie (HttpOnly, Secure, SameSite=Strict) that the API and the home page accept; sign out with the form's CSRF token ends it")
    func signInAndOut() async throws {
        let (name, password, store) = try Self.user()
        try await withServer { client in
            let page = try await client.send("GET", "/login")
            #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'")
            #expect(!page.body.contains("<script") && !page.body.contains("style="))
            let signin = try #require(page.cookies["htw_signin"])
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/login"] { #expect(signin.contains(attribute), "\(signin)") }
            let token = try Self.formToken(page)

            let noCookie = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", password), ("csrf", token)]))
            #expect(noCookie.status == 403 && noCookie.body.contains("CSRF"), "\(noCookie.body)")
            let wrong = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", "not it at all"), ("csrf", token)]),
                                              cookies: ["htw_signin": token])
            #expect(wrong.status == 401 && wrong.body.contains("The name or the password is wrong") && wrong.cookies["htw_session"] == nil)
            let signedIn = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", password), ("csrf", token),
                                                                                   ("next", "/api/v1/me")]),
                                                 cookies: ["htw_signin": token])
            #expect(signedIn.status == 303 && signedIn.headers["location"] == "/api/v1/me", "\(signedIn)")
            let cookie = try #require(signedIn.cookies["htw_session"], "\(signedIn.headers)")
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=43200"] { #expect(cookie.contains(attribute), "\(cookie)") }
            let session = try #require(signedIn.cookie("htw_session"))
            #expect(SessionToken.isWellFormed(session))
            #expect(try store.connection.query("""
                SELECT count(*) FROM hospital_twin.sessions WHERE token_sha256 = encode(sha256(convert_to(\(session), 'UTF8')), 'hex')
                """).rows == [["1"]], "only the token's hash is kept")

            let me = try await client.send("GET", "/api/v1/me", cookies: ["htw_session": session])
            let who = try JSONSerialization.jsonObject(with: Data(me.body.utf8)) as? [String: String]
            #expect(me.status == 200 && who?["name"] == name, "\(me.body)")
            let home = try await client.send("GET", "/", cookies: ["htw_session": session])
            #expect(home.status == 200 && home.body.contains("Signed in as <strong>\(name)</strong>"), "\(home.body)")
            let csrf = try #require(home.body.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression)
                .map { String(home.body[$0].dropFirst(19).dropLast()) })
            #expect((try await client.send("GET", "/")).headers["location"] == "/login", "no session: to the sign-in page")

            let forged = try await client.send("POST", "/logout", form: "csrf=csrf_forged", cookies: ["htw_session": session])
            #expect(forged.status == 403)
            let out = try await client.send("POST", "/logout", form: Self.form([("csrf", csrf)]), cookies: ["htw_session": session])
            #expect(out.status == 303 && out.headers["location"] == "/login" && out.cookies["htw_session"]?.contains("Max-Age=0") == true,
                    "\(out.headers)")
            let after = try await client.send("GET", "/api/v1/me", cookies: ["htw_session": session])
            #expect(after.status == 401, "a session signed out is gone")
            let actions = try store.auditEntries(actor: name, limit: 10).map { "\($0.action) \($0.outcome.rawValue)" }
            #expect(actions.contains("sign_out allowed") && actions.contains("sign_in allowed") && actions.contains("sign_in refused"), "\(actions)")
        }
    }

    @Test("a job posted with a browser's session needs the session's CSRF token in X-CSRF-Token: none or a wrong one is a 403; an API token needs none")
    func jobsNeedTheCSRFToken() async throws {
        let (name, password, _) = try Self.user(.manager)
        let runs = try RunStore(connection: TestDatabase.connect())
        let file = Repository.path("scenarios/general-hospital.yaml")
        let scenario = try Inputs.scenario(file)
        let stored = try runs.storeScenario(name: scenario.name, canonicalJSON: String(decoding: scenario.canonicalJSON, as: UTF8.self),
                                            sourcePath: file)
        let body = "{\"kind\": \"run\", \"scenario_id\": \(stored.id), \"replications\": 1, \"horizon_days\": 3, \"warmup_days\": 1}"
        try await withServer { client in
            let page = try await client.send("GET", "/login")
            let token = try Self.formToken(page)
            let signedIn = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", password), ("csrf", token)]),
                                                 cookies: ["htw_signin": token])
            let session = try #require(signedIn.cookie("htw_session"), "\(signedIn)")
            let home = try await client.send("GET", "/", cookies: ["htw_session": session])
            let csrf = try #require(home.body.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression)
                .map { String(home.body[$0].dropFirst(19).dropLast()) })
            for headers in [[:], ["X-CSRF-Token": "csrf_forged"]] {
                let refused = try await client.send("POST", "/api/v1/jobs", form: body, cookies: ["htw_session": session], headers: headers,
                                                    contentType: "application/json")
                #expect(refused.status == 403 && refused.body.contains("CSRF token missing or wrong"), "\(headers): \(refused.body)")
            }
            let queued = try await client.send("POST", "/api/v1/jobs", form: body, cookies: ["htw_session": session],
                                               headers: ["X-CSRF-Token": csrf], contentType: "application/json")
            #expect(queued.status == 202, "\(queued.body)")
            let id = try #require((try JSONSerialization.jsonObject(with: Data(queued.body.utf8)) as? [String: Any])?["id"] as? Int)
            let cancelled = try await client.send("POST", "/api/v1/jobs/\(id)/cancel", cookies: ["htw_session": session],
                                                  headers: ["X-CSRF-Token": csrf])
            // Cancelled at once while it waits; asked to stop when another suite's job slot took it first.
            #expect(cancelled.status == 200 && (cancelled.body.contains("\"status\" : \"cancelled\"") || cancelled.body.contains("\"cancel_requested\" : true")),
                    "\(cancelled.body)")
        }
    }

    @Test("a session ends when it expires, when it idles, and when its user is disabled")
    func sessionsEnd() async throws {
        let (name, password, store) = try Self.user(.finance)
        func open() throws -> String {
            guard case .signedIn(let token, _) = try store.openSession(name: name, password: password, from: "test") else {
                Issue.record("could not sign in")
                return ""
            }
            return token
        }
        let expired = try open(), idle = try open(), disabled = try open()
        #expect(try store.session(forToken: expired)?.user.name == name)
        try store.connection.execute("""
            UPDATE hospital_twin.sessions SET expires_at = now() - interval '1 second'
            WHERE token_sha256 = encode(sha256(convert_to(\(expired), 'UTF8')), 'hex')
            """)
        try store.connection.execute("""
            UPDATE hospital_twin.sessions SET last_seen_at = now() - make_interval(secs => \(SessionPolicy.idleSeconds + 1))
            WHERE token_sha256 = encode(sha256(convert_to(\(idle), 'UTF8')), 'hex')
            """)
        #expect(try store.session(forToken: expired) == nil && store.session(forToken: idle) == nil)
        #expect(try store.session(forToken: disabled) != nil)
        _ = try store.disable(try UserName(name), by: Actor(name: "cli:test", source: "cli@test"))
        #expect(try store.session(forToken: disabled) == nil)
        for malformed in ["", "hts_", disabled + "x", String(disabled.dropLast()) + "!", "htw_" + disabled.dropFirst(4)] {
            #expect(try store.session(forToken: malformed) == nil, "\(malformed)")
        }
    }

    @Test("five failed sign-ins for a name refuse the sixth without checking (429, Retry-After), even with the right password; an address over its limit likewise")
    func limited() async throws {
        let (name, password, store) = try Self.user()
        try await withServer { client in
            let token = try Self.formToken(try await client.send("GET", "/login"))
            for _ in 0..<5 {
                let wrong = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", "wrong password"), ("csrf", token)]),
                                                  cookies: ["htw_signin": token])
                #expect(wrong.status == 401)
            }
            let locked = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", password), ("csrf", token)]),
                                               cookies: ["htw_signin": token])
            #expect(locked.status == 429 && locked.body.contains("Too many failed sign-ins"), "\(locked.status)")
            let wait = try #require(locked.headers["retry-after"].flatMap { Int($0) })
            #expect(wait > 800 && wait <= 900, "the first failure ages out of the 15-minute window: \(wait)")
            let entries = try store.auditEntries(actor: name, limit: 10)
            #expect(entries.first?.outcome == .refused && entries.first?.detail == "too many failed sign-ins")
        }
        // The address: its failures so far in the window, plus two more, trip a limit set just above them.
        let before = Int(try store.connection.query("""
            SELECT count(*) FROM hospital_twin.audit_log WHERE source = '127.0.0.1' AND action = 'sign_in' AND outcome = 'refused'
              AND detail <> 'too many failed sign-ins' AND at > now() - interval '900 seconds'
            """).rows[0][0] ?? "") ?? 0
        let (other, otherPassword, _) = try Self.user()
        try await withServer(limits: SignInLimits(failuresPerName: 100, failuresPerSource: before + 2, windowSeconds: 900)) { client in
            let token = try Self.formToken(try await client.send("GET", "/login"))
            for guess in 0..<2 {
                let wrong = try await client.send("POST", "/login", form: Self.form([("name", "nobody-\(guess)"), ("password", "guess"), ("csrf", token)]),
                                                  cookies: ["htw_signin": token])
                #expect(wrong.status == 401)
            }
            let locked = try await client.send("POST", "/login", form: Self.form([("name", other), ("password", otherPassword), ("csrf", token)]),
                                               cookies: ["htw_signin": token])
            #expect(locked.status == 429, "\(locked.status)")
        }
    }

    @Test("hostile sign-in forms are refused with what is wrong: duplicated, unexpected, oversized, mis-encoded fields, another media type; next never leaves the server")
    func hostileForms() async throws {
        let (name, password, _) = try Self.user()
        try await withServer { client in
            let token = try Self.formToken(try await client.send("GET", "/login"))
            let cookies = ["htw_signin": token]
            for (form, status, says) in [
                ("name=a&name=b&password=x&csrf=\(token)", 400, "given twice"),
                ("name=a&password=x&csrf=\(token)&admin=1", 400, "unexpected field"),
                ("name=%FF&password=x&csrf=\(token)", 400, "not percent-encoded UTF-8"),
                ("name=a%00b&password=x&csrf=\(token)", 400, "control character"),
                ("name=" + String(repeating: "a", count: 5_000) + "&password=x&csrf=\(token)", 413, "at most 4096 bytes"),
            ] {
                let answer = try await client.send("POST", "/login", form: form, cookies: cookies)
                #expect(answer.status == status && answer.body.contains(says), "\(form.prefix(60)): \(answer.status) \(answer.body)")
                #expect(answer.headers["content-type"] == "application/problem+json")
            }
            let json = try await client.send("POST", "/login", form: "{}", cookies: cookies, contentType: "application/json")
            #expect(json.status == 415)
            for (next, expected) in [("//evil.example/", "/"), ("/\\evil.example", "/"), ("https://evil.example/", "/"),
                                     ("/runs?x=1", "/runs?x=1"), ("/a b", "/")] {
                let answer = try await client.send("POST", "/login", form: Self.form([("name", name), ("password", password), ("csrf", token),
                                                                                     ("next", next)]), cookies: cookies)
                #expect(answer.status == 303 && answer.headers["location"] == expected, "\(next): \(answer.headers["location"] ?? "")")
            }
        }
    }
}
