import Accounts
import Foundation
import RunStore
import Server
import Store
import Testing
import TestSupport

/// The dashboard's pages walked with a session of every role (Docs/SERVER.md, "The dashboard"): who may open what,
/// sign-in redirects, CSRF on every form, the security headers, and what is escaped. The pages' rendering in a browser
/// is scripts/check-dashboard.sh's.
@Suite("the dashboard's pages and roles", .enabled(if: TestDatabase.runs("the dashboard's pages and roles")), .serialized)
struct DashboardTests {
    /// A signed-in session of each role: its cookie and its CSRF token.
    static func sessions() throws -> [Role: (cookie: String, csrf: String, name: String)] {
        let store = try AccountStore(connection: TestDatabase.connect(), bcryptCost: 4)
        var found: [Role: (String, String, String)] = [:]
        for role in Role.allCases {
            let name = try UserName("page-\(role.rawValue)-\(getpid())-\(UInt32.random(in: 0 ... .max))")
            let password = "correct horse \(UInt32.random(in: 0 ... .max))"
            try store.add(name, role: role, password: try Password(password), by: Actor(name: "cli:test", source: "cli@test"))
            guard case .signedIn(let token, _) = try store.openSession(name: name.value, password: password, from: "test") else {
                Issue.record("could not sign in as \(role)")
                continue
            }
            let session = try #require(try store.session(forToken: token))
            found[role] = (token, session.csrfToken, name.value)
        }
        return found
    }

    @Test("every page × every role: 200 where the page's access allows the role, else a 403 page (audited as refused); no session: a GET goes to /login with where it was, a POST is a 401; a form without the session's CSRF token is a 403")
    func matrix() async throws {
        let fixture = try APIRoleTests.fixture()
        let sessions = try Self.sessions()
        try await withServer { base in
            let client = PlainClient(base: base)
            for page in Dashboard.listings {
                let id = page.path.hasPrefix("/jobs") ? fixture.job : page.path.hasPrefix("/backtests") ? fixture.backtest : fixture.run
                var path = page.path.replacingOccurrences(of: ":id", with: String(id))
                if path == "/finance/costs.csv" { path += "?run=\(fixture.run)" }
                let method = page.method.rawValue
                let anonymous = try await client.send(method, path, form: method == "POST" ? "" : nil)
                if method == "GET" {
                    #expect(anonymous.status == 303 && anonymous.headers["location"]?.hasPrefix("/login") == true, "\(path): \(anonymous.status)")
                    if path != "/" {
                        #expect(anonymous.headers["location"] == "/login?next=" + path.replacingOccurrences(of: "?", with: "%3F").replacingOccurrences(of: "=", with: "%3D"),
                                "\(path): \(anonymous.headers)")
                    }
                } else {
                    #expect(anonymous.status == 401, "POST \(path) without a session: \(anonymous.status)")
                }
                for role in Role.allCases {
                    let session = sessions[role]!
                    if method == "GET" {
                        let answer = try await client.send("GET", path, cookies: ["htw_session": session.cookie])
                        let expected = page.access.roles.contains(role) ? 200 : 403
                        #expect(answer.status == expected, "GET \(path) as \(role): \(answer.status) \(answer.body.prefix(400))")
                        #expect(answer.headers["content-type"]?.hasPrefix(page.path.hasSuffix(".csv") && expected == 200 ? "text/csv" : "text/html") == true)
                        #expect(answer.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'")
                        #expect(!answer.body.contains("style=") && !answer.body.contains("<script>"), "\(path): no inline style or script")
                        if answer.status == 200, !page.path.hasSuffix(".csv") {
                            #expect(answer.body.contains("href=\"/assets/hospital-twin.css\""), "\(path): the stylesheet is linked")
                        }
                    } else {
                        // Without the form's CSRF token: refused, whatever the role.
                        let forged = try await client.send("POST", path, form: "csrf=csrf_forged", cookies: ["htw_session": session.cookie])
                        #expect(forged.status == 403, "POST \(path) as \(role) with a forged token: \(forged.status)")
                    }
                }
            }
            // A page refused is audited as refused, with the access it needs.
            let accounts = try AccountStore(connection: TestDatabase.connect(), migrating: false)
            let viewer = try accounts.auditEntries(actor: sessions[.viewer]!.name)
            #expect(viewer.contains { $0.action == "page.read" && $0.target == "/users" && $0.outcome == .refused && $0.detail.contains("administration") })
            #expect(viewer.contains { $0.action == "page.read" && $0.target == "/runs/\(fixture.run)" && $0.outcome == .allowed && $0.detail == "run \(fixture.run)" })
            // The patient-level page's read is audited with what it showed; a viewer's attempt as refused.
            let clinician = try accounts.auditEntries(actor: sessions[.clinician]!.name)
            #expect(clinician.contains { $0.action == "page.read" && $0.target == "/patients" && $0.outcome == .allowed
                && $0.detail.hasPrefix("patients: ") && $0.detail.contains("rows of the census of scenario") }, "\(clinician.filter { $0.target == "/patients" }.map(\.detail))")
            #expect(viewer.contains { $0.action == "page.read" && $0.target == "/patients" && $0.outcome == .refused })
        }
        let store = try RunStore(connection: TestDatabase.connect())
        for job in try store.jobs(before: nil, limit: 100) where sessions.values.map(\.name).contains(job.submittedBy) {
            _ = try store.requestCancel(job.id)
        }
    }

    @Test("the patients page's query tried hostile: duplicated, look-alike, mis-encoded, out of range, unknown ids and a time that is no time each answered with what is wrong, nothing a user wrote echoed unescaped")
    func patientsQueryHostile() async throws {
        let fixture = try APIRoleTests.fixture()
        let clinician = try #require(try Self.sessions()[.clinician])
        try await withServer { base in
            let client = PlainClient(base: base)
            for (path, status, says) in [
                ("/patients?scenario_id=1&scenario_id=2", 400, "given more than once"),
                ("/patients?scenario_ID=1", 400, "Unknown query parameter"),
                ("/patients?scenario_id=%FF", 400, "not percent-encoded UTF-8"),
                ("/patients?scenario_id=0", 400, "expected a whole number from 1"),
                ("/patients?scenario_id=%D9%A1", 400, "expected a whole number from 1"),
                ("/patients?scenario_id=99999999999999999999", 400, "expected a whole number from 1"),
                ("/patients?scenario_id=999999999", 404, "no scenario has id 999999999"),
                ("/patients?scenario_id=\(fixture.scenario)&at=" + String(repeating: "9", count: 3000), 400, "at most 2048"),
                ("/patients?scenario_id=\(fixture.scenario)&at=%3Cscript%3E", 200, "expected a local time"),
            ] {
                let answer = try await client.send("GET", path, cookies: ["htw_session": clinician.cookie])
                #expect(answer.status == status && answer.body.contains(says), "\(path.prefix(80)): \(answer.status) \(answer.body.prefix(400))")
                #expect(!answer.body.contains("<script>"), "\(path.prefix(80)): nothing echoed unescaped")
            }
        }
    }

    @Test("forms: a comparison started from the manager's page is queued as the manager's job (303 to its page); a role that may not start it is refused; the upload form stores a scenario, or shows each problem at its line and stores nothing; users are added and disabled from the admin's page")
    func forms() async throws {
        let fixture = try APIRoleTests.fixture()
        let sessions = try Self.sessions()
        func form(_ fields: [(String, String)], _ role: Role) -> String {
            SessionTests.form(fields + [("csrf", sessions[role]!.csrf)])
        }
        try await withServer { base in
            let client = PlainClient(base: base)
            let manager = ["htw_session": sessions[.manager]!.cookie]
            let stamp = "\(getpid())-\(UInt32.random(in: 0 ... .max))"
            // An upload with a hostile description and name: stored, then shown escaped.
            let yaml = "extends: general-hospital\nname: page-upload-\(stamp)\ndescription: \"<script>alert(1)</script>\"\nrun:\n  horizon_days: 3\n  warmup_days: 1\n  replications: 1\n"
            let stored = try await client.send("POST", "/scenarios", form: form([("yaml", yaml.replacingOccurrences(of: "\n", with: "\r\n"))], .manager), cookies: manager)
            #expect(stored.status == 303 && stored.headers["location"]?.hasPrefix("/scenarios?stored=") == true, "\(stored.status) \(stored.body.prefix(500))")
            let variantID = Int64(stored.headers["location"]?.split(separator: "=")[1].split(separator: "&")[0] ?? "") ?? 0
            let again = try await client.send("POST", "/scenarios", form: form([("yaml", yaml)], .manager), cookies: manager)
            #expect(again.headers["location"] == "/scenarios?stored=\(variantID)&again=1", "the same content again is the same version")
            let list = try await client.send("GET", "/scenarios?stored=\(variantID)", cookies: manager)
            #expect(list.body.contains("Stored: page-upload-\(stamp) version 1") && !list.body.contains("<script>alert"), "\(list.body.prefix(800))")
            // A broken upload: 422, each problem listed with its line, the line marked, the text kept in the form.
            let broken = "extends: general-hospital\nname: page-broken-\(stamp)\nunits:\n  - name: Ward 7 (care of the elderly)\n    beds: -2\n"
            let refused = try await client.send("POST", "/scenarios", form: form([("yaml", broken)], .manager), cookies: manager)
            #expect(refused.status == 422 && refused.body.contains("href=\"#line-5\"") && refused.body.contains("<li id=\"line-5\" class=\"problem\">"),
                    "\(refused.body.prefix(1200))")
            #expect(refused.body.contains("beds: -2"), "the text is kept in the form")
            #expect(try RunStore(connection: TestDatabase.connect()).latestScenario(named: "page-broken-\(stamp)") == nil, "nothing stored")
            // A viewer may not upload.
            let viewerUpload = try await client.send("POST", "/scenarios", form: form([("yaml", yaml)], .viewer), cookies: ["htw_session": sessions[.viewer]!.cookie])
            #expect(viewerUpload.status == 403)

            // A comparison from the manager's form: the base and two ticked boxes (one the base itself, dropped).
            let compare = try await client.send("POST", "/manager/compare", form: form([("base", String(fixture.scenario)), ("variant", String(variantID)),
                                                                                         ("variant", String(fixture.scenario)), ("replications", "1")], .manager),
                                                cookies: manager)
            #expect(compare.status == 303 && compare.headers["location"]?.hasPrefix("/jobs/") == true, "\(compare.status) \(compare.body.prefix(600))")
            let jobID = try #require(Int64(compare.headers["location"]?.dropFirst(6) ?? ""))
            let store = try RunStore(connection: TestDatabase.connect())
            let job = try #require(try store.job(jobID))
            #expect(job.kind == .comparison && job.runs.count == 2 && job.submittedBy == sessions[.manager]!.name)
            let page = try await client.send("GET", "/jobs/\(jobID)", cookies: manager)
            #expect(page.status == 200 && page.body.contains("id=\"progress\"") && page.body.contains("<script src=\"/assets/job.js\" defer></script>")
                && page.body.contains("<noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>"), "\(page.body.prefix(1500))")
            let cancel = try await client.send("POST", "/jobs/\(jobID)/cancel", form: form([], .manager), cookies: manager)
            #expect(cancel.status == 303)
            #expect(try store.job(jobID)?.cancelRequested == true)
            let planner = try await client.send("POST", "/manager/compare", form: form([("base", String(fixture.scenario)), ("variant", String(variantID))], .planner),
                                                cookies: ["htw_session": sessions[.planner]!.cookie])
            #expect(planner.status == 403, "a planner starts forecasts, not comparisons")
            // A planner's backtest form: days out of order a 400; a manager refused (backtests are the planner's).
            let planner2 = ["htw_session": sessions[.planner]!.cookie]
            let reversed = try await client.send("POST", "/planner/backtest", form: form([("scenario_id", String(fixture.scenario)), ("from", "2031-01-05"),
                                                                                           ("to", "2031-01-01")], .planner), cookies: planner2)
            #expect(reversed.status == 400 && reversed.body.contains("out of order"), "\(reversed.status)")
            let byManager = try await client.send("POST", "/planner/backtest", form: form([("scenario_id", String(fixture.scenario)), ("from", "2031-01-01"),
                                                                                            ("to", "2031-01-02")], .manager), cookies: manager)
            #expect(byManager.status == 403)
            let none = try await client.send("POST", "/manager/compare", form: form([("base", String(fixture.scenario))], .manager), cookies: manager)
            #expect(none.status == 400 && none.body.contains("No variant chosen"))

            // Users added and disabled by an admin.
            let admin = ["htw_session": sessions[.admin]!.cookie]
            let newName = "page-added-\(stamp)"
            let added = try await client.send("POST", "/users", form: form([("name", newName), ("role", "finance"), ("password", "long enough password")], .admin), cookies: admin)
            #expect(added.status == 303)
            let short = try await client.send("POST", "/users", form: form([("name", newName + "x"), ("role", "finance"), ("password", "short")], .admin), cookies: admin)
            #expect(short.status == 422 && short.body.contains("at least 8 bytes"))
            let disabled = try await client.send("POST", "/users/disable", form: form([("name", newName)], .admin), cookies: admin)
            #expect(disabled.status == 303)
            let accounts = try AccountStore(connection: TestDatabase.connect(), migrating: false)
            #expect(try accounts.list().first { $0.name == newName }?.isDisabled == true)
            let oneself = try await client.send("POST", "/users/disable", form: form([("name", sessions[.admin]!.name)], .admin), cookies: admin)
            #expect(oneself.status == 422)
        }
    }
}
