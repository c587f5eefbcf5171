import Accounts
import NIOConcurrencyHelpers
import Foundation
import Store
import Testing
import TestSupport

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
        let attempts = try store.auditEntries(limit: 50).filter { $0.source == from && $0.action == "sign_in" }.reversed()
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
        let before = try store.auditEntries(limit: 100_000).count
        for sql in ["UPDATE hospital_twin.audit_log SET detail = 'changed'", "DELETE FROM hospital_twin.audit_log",
                    "TRUNCATE hospital_twin.audit_log"] {
            do {
                try store.connection.execute(SQLQuery(stringLiteral: sql))
                Issue.record("\(sql) was allowed")
            } catch {
                #expect(error.message.contains("append-only"), "\(error)")
            }
        }
        let after = try store.auditEntries(limit: 100_000)
        #expect(after.count == before && after.contains { $0.source == "cli@append-only" && $0.detail == "kept" })
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
        let url = try #require(TestDatabase.url)
        let store = try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4)
        let name = try UserName("srv-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try store.add(name, role: .finance, password: nil, by: Actor(name: "cli:test", source: "cli@test"))
        let token = try store.issueToken(for: name, by: Actor(name: "cli:test", source: "cli@test"))
        let port = NIOLockedValueBox<Int?>(nil)
        let app = Application(router: HospitalServer.router(pool: DatabasePool(url: url)),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in port.withLockedValue { $0 = channel.localAddress?.port } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var waited = 0
            while port.withLockedValue({ $0 }) == nil, waited < 200 { try await Task.sleep(nanoseconds: 50_000_000); waited += 1 }
            let base = "http://127.0.0.1:\(try #require(port.withLockedValue { $0 }))"
            func get(_ path: String, token: String? = nil) async throws -> (status: Int, headers: [AnyHashable: Any], body: [String: Any]) {
                var request = URLRequest(url: URL(string: base + path)!)
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                return (http.statusCode, http.allHeaderFields, (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
            }
            let health = try await get("/health")
            #expect(health.status == 200 && health.body["status"] as? String == "ok" && health.body["schema_version"] as? String == "5")
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
            group.cancelAll()
        }
    }
}
