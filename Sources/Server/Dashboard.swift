import Accounts
import CSVFiles
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports
import RunRecords
import RunStore
import Scenario
import Store
import Workflows

/// The dashboard (Docs/SERVER.md, "The dashboard"): server-rendered pages of the reports' HTML and SVG for a signed-in
/// session, each page for the roles its access allows, every form with the session's CSRF token, every page read and
/// every change in the audit log. The pages call the same workflows as the API and the command line; no script is
/// needed (a job's page reloads itself while it runs, and follows its events with a small script when it may).
public enum Dashboard {
    /// A page route as the role matrix test and Docs/SERVER.md list it: its method, path (`:id` a whole number from
    /// 1) and who may use it.
    public struct Listing: Sendable {
        /// GET or POST.
        public let method: HTTPRequest.Method
        /// The path, `:id` standing for a whole number from 1.
        public let path: String
        /// Which roles may use it.
        public let access: Access
    }

    /// Every page and form of the dashboard.
    public static var listings: [Listing] { routes.map { Listing(method: $0.method, path: $0.path, access: $0.access) } }

    /// The pages' stylesheet and the job page's script: files of this server, as the Content-Security-Policy wants.
    static let stylesheetPath = "/assets/hospital-twin.css"
    static let scriptPath = "/assets/job.js"

    /// A page of the navigation: where it is, who may open it, its link's label.
    enum Page: String, CaseIterable {
        case home, planner, patients, manager, finance, runs, scenarios, users, audit

        var path: String { self == .home ? "/" : "/" + rawValue }

        /// Who may open it (its forms may ask more: starting a job, uploading).
        var access: Access {
            switch self {
            case .home: .anyone
            case .planner, .manager, .runs, .scenarios: .aggregate
            case .finance: .costs
            case .patients: .patients
            case .users, .audit: .administration
            }
        }

        var label: String {
            switch self {
            case .home: "Home"
            case .planner: "Beds"
            case .patients: "Patients"
            case .manager: "Scenarios compared"
            case .finance: "Costs"
            case .runs: "Runs"
            case .scenarios: "Scenario files"
            case .users: "Users"
            case .audit: "Audit log"
            }
        }

        /// One line on the home page.
        var purpose: String {
            switch self {
            case .home: ""
            case .planner: "Today's census per unit against staffed beds, the 14-day forecast fan, the chance of running out, and the latest backtest's coverage."
            case .patients: "Each patient in hospital now, from the feed (pseudonymous): where, since when, pathway, age and latest NEWS2."
            case .manager: "Pick a base and its variants, start a comparison, watch it run, read the verdicts."
            case .finance: "A run's cost report against a baseline, by cost centre and month, as CSV."
            case .runs: "Every stored run and its KPIs."
            case .scenarios: "Stored scenarios and their versions; upload a new one."
            case .users: "Accounts and roles."
            case .audit: "Who read and changed what."
            }
        }
    }

    /// What a page handler is given.
    struct Visit: @unchecked Sendable {
        let session: Session
        /// The database, on the pool's thread the handler runs on.
        var connection: DatabaseConnection! = nil
        /// The query's values (each name once).
        let query: [String: String]
        /// The path's id, for `/runs/:id` and `/jobs/:id`.
        let id: Int64?
        /// A form's fields, for a POST (CSRF checked).
        let form: [String: String]

        var user: User { session.user }

        init(session: Session, query: [String: String], id: Int64?, form: [String: String]) {
            self.session = session
            self.query = query
            self.id = id
            self.form = form
        }

        func on(_ connection: DatabaseConnection) -> Visit {
            var visit = self
            visit.connection = connection
            return visit
        }

        /// A whole number from the query (or form), nil when absent; a 400 naming it otherwise.
        func number(_ name: String, in range: ClosedRange<Int64> = 1...Int64.max, form fromForm: Bool = false) throws -> Int64? {
            guard let text = (fromForm ? form : query)[name], !text.isEmpty else { return nil }
            guard text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text), range.contains(value) else {
                throw ProblemError(status: .badRequest, title: "A field is malformed",
                                   detail: "'\(name)': expected a whole number from \(range.lowerBound) to \(range.upperBound), found '\(text.prefix(40))'")
            }
            return value
        }

        /// The ticked variants' ids (the form's `variant` fields), at most `JobRequest.variantLimit`.
        func variants() throws -> [Int64] {
            let texts = (form["variant"] ?? "").split(separator: ",").map(String.init)
            guard texts.count <= JobRequest.variantLimit else {
                throw ProblemError(status: .badRequest, title: "Too many variants", detail: "at most \(JobRequest.variantLimit) variants in one comparison")
            }
            return try texts.map { text in
                guard text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(text), id >= 1 else {
                    throw ProblemError(status: .badRequest, title: "A field is malformed", detail: "'variant': expected a stored scenario's id, found '\(text.prefix(40))'")
                }
                return id
            }
        }
    }

    /// What a page handler answers: the page, or a redirect (after a form), and what it read or changed.
    enum Answer {
        case page(HTMLDocument, read: String, status: HTTPResponse.Status = .ok, head: String = "")
        case redirect(String, did: String)
        case download(name: String, csv: [UInt8], read: String)
    }

    // MARK: Routes

    /// One page route: its method, path (`:id` a whole number from 1), who may use it, the query's names, a POST's
    /// form fields (besides `csrf`) and their most bytes, and its handler.
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let access: Access
        var query: Set<String> = []
        var form: Set<String> = []
        var formLimit = 8_192
        /// Of `form`, the fields sent once per ticked box.
        var repeatable: Set<String> = []
        /// Of `form`, the fields that hold lines (a textarea's).
        var multiline: Set<String> = []
        let handle: @Sendable (Visit) throws -> Answer
    }

    /// Every page and form of the dashboard (the role matrix test walks them).
    static let routes: [Route] = [
        Route(method: .get, path: "/", access: .anyone) { visit in .page(home(visit.user), read: "") },
        Route(method: .get, path: "/planner", access: .aggregate, query: ["scenario_id", "at"], handle: Planner.page),
        Route(method: .post, path: "/planner/forecast", access: .simulations, form: ["scenario_id", "days", "at", "replications"],
              handle: Planner.start),
        Route(method: .post, path: "/planner/backtest", access: .simulations, form: ["scenario_id", "from", "to", "horizon_days", "replications"],
              handle: Planner.backtest),
        Route(method: .get, path: "/patients", access: .patients, query: ["scenario_id", "at"], handle: PatientPages.page),
        Route(method: .get, path: "/manager", access: .aggregate, handle: Manager.page),
        Route(method: .post, path: "/manager/compare", access: .simulations, form: ["base", "variant", "replications"],
              repeatable: ["variant"], handle: Manager.start),
        Route(method: .get, path: "/jobs/:id", access: .aggregate, handle: Manager.job),
        Route(method: .post, path: "/jobs/:id/cancel", access: .simulations, handle: Manager.cancel),
        Route(method: .get, path: "/finance", access: .costs, query: ["run", "baseline"], handle: Finance.page),
        Route(method: .post, path: "/finance/costs", access: .simulations, form: ["baseline", "variant", "replications"], repeatable: ["variant"],
              handle: Finance.start),
        Route(method: .get, path: "/finance/costs.csv", access: .costs, query: ["run", "baseline"], handle: Finance.csv),
        Route(method: .get, path: "/runs", access: .aggregate, query: ["after"], handle: RunsPages.list),
        Route(method: .get, path: "/runs/:id", access: .aggregate, query: ["as"], handle: RunsPages.run),
        Route(method: .get, path: "/backtests/:id", access: .aggregate, handle: RunsPages.backtest),
        Route(method: .get, path: "/scenarios", access: .aggregate, query: ["stored", "again"], handle: ScenarioPages.list),
        Route(method: .post, path: "/scenarios", access: .scenarios, form: ["yaml"], formLimit: ScenarioUpload.byteLimit * 3 + 1_024,
              multiline: ["yaml"], handle: ScenarioPages.upload),
        Route(method: .get, path: "/users", access: .administration, handle: UserPages.list),
        Route(method: .post, path: "/users", access: .administration, form: ["name", "role", "password"], handle: UserPages.add),
        Route(method: .post, path: "/users/disable", access: .administration, form: ["name"], handle: UserPages.disable),
        Route(method: .get, path: "/audit", access: .administration, query: ["after", "user"], handle: UserPages.audit),
    ]

    static func add(to router: Router<ServerContext>, pool: DatabasePool) {
        router.get(RouterPath(stylesheetPath)) { _, _ in asset(HTML.stylesheet, type: "text/css; charset=utf-8") }
        router.get(RouterPath(scriptPath)) { _, _ in asset(jobScript, type: "text/javascript; charset=utf-8") }
        // Browsers ask for it on every site: a plain mark, rather than a 404 in every page's console.
        router.get("favicon.ico") { _, _ in asset(icon, type: "image/svg+xml") }
        for route in routes { add(route, to: router, pool: pool) }
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=3600"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Adds a page: the session checked (none: 303 to `/login?next=…` for a GET, 401 otherwise), the role against
    /// the route's access (403 page, audited as refused), a POST's form read (bounded, only its fields and `csrf`)
    /// and its CSRF token checked, the query checked, then the handler on the database's threads, audited as
    /// `page.read` or `page.write`.
    static func add(_ route: Route, to router: Router<ServerContext>, pool: DatabasePool) {
        let (method, path, access) = (route.method, route.path, route.access)
        router.on(RouterPath(path), method: method) { request, context -> Response in
            let source = context.remoteAddress?.ipAddress ?? "unknown"
            let target = String(request.uri.path.prefix(200))
            guard let session = try await HospitalServer.session(request, pool: pool) else {
                guard method == .get else {
                    return error(.unauthorized, "Sign in required", "your session has ended: sign in again at /login", session: nil)
                }
                let next = SignIn.nextPath(request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""))
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "/-._~")
                let login = next == "/" ? "/login" : "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/")
                return Response(status: .seeOther, headers: [.location: login,
                                                              .cacheControl: "no-store"])
            }
            let actor = Actor(name: session.user.name, source: source)
            let action = method == .get ? "page.read" : "page.write"
            func audit(_ outcome: AuditOutcome, _ detail: String) async throws {
                try await pool.run { connection in
                    try AccountStore(connection: connection, migrating: false).audit(actor, action, target: target, outcome: outcome, detail: detail)
                }
            }
            guard access.roles.contains(session.user.role) else {
                try await audit(.refused, "role \(session.user.role.rawValue) may not use \(access.rawValue) pages")
                return error(.forbidden, "Not allowed for this role",
                             "this page is for the roles \(access.roles.map(\.rawValue).sorted().joined(separator: ", ")); you are \(session.user.role.rawValue)",
                             session: session)
            }
            do {
                let query = try API.queryValues(request.uri.query ?? "", allowed: route.query)
                let id = path.contains(":id") ? try API.pathID(context.parameters.get("id")) : nil
                var form: [String: String] = [:]
                if method == .post {
                    form = try await Form.read(request, expecting: route.form.union(["csrf"]), repeatable: route.repeatable,
                                           multiline: route.multiline, limit: route.formLimit)
                    guard form["csrf"] == session.csrfToken else {
                        throw ProblemError(status: .forbidden, title: "The form has expired",
                                           detail: "the form's CSRF token does not match your session's: open the page again")
                    }
                }
                let visit = Visit(session: session, query: query, id: id, form: form)
                let answer = try await pool.run { connection in
                    let answer = try route.handle(visit.on(connection))
                    let detail: String = switch answer {
                    case .page(_, let read, _, _): read
                    case .redirect(_, let did): did
                    case .download(_, _, let read): read
                    }
                    try AccountStore(connection: connection, migrating: false).audit(actor, action, target: target, outcome: .allowed, detail: detail)
                    return answer
                }
                switch answer {
                case .page(let document, _, let status, let head):
                    return html(document, session: session, status: status, head: head)
                case .redirect(let location, _):
                    return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
                case .download(let name, let csv, _):
                    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                                           .contentDisposition: "attachment; filename=\"\(name)\""],
                                    body: .init(byteBuffer: ByteBuffer(bytes: csv)))
                }
            } catch let problem as ProblemError {
                try await audit(problem.status == .forbidden ? .refused : .failed, "\(problem.status.code) \(problem.title): \(problem.detail.prefix(200))")
                return error(problem.status, problem.title, problem.detail, session: session)
            }
        }
    }

    // MARK: Rendering

    /// The site's navigation: the pages `session`'s role may open, who is signed in, and the sign-out form.
    static func navigation(_ session: Session?) -> String {
        guard let session else { return "<nav class=\"site\"><a href=\"/login\">Sign in</a></nav>" }
        let links = Page.allCases.filter { $0.access.roles.contains(session.user.role) }
            .map { "<a href=\"\($0.path)\">\(HTML.escape($0.label))</a>" }.joined()
        return "<nav class=\"site\">\(links)<form method=\"post\" action=\"/logout\">\(csrfField(session))"
            + "<span>\(HTML.escape(session.user.name)) (\(HTML.escape(session.user.role.rawValue)))</span> "
            + "<button type=\"submit\">Sign out</button></form></nav>"
    }

    static func csrfField(_ session: Session) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrfToken))\">"
    }

    static func html(_ document: HTMLDocument, session: Session?, status: HTTPResponse.Status, head: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: document.served(stylesheet: stylesheetPath, header: navigation(session), head: head))))
    }

    static func error(_ status: HTTPResponse.Status, _ title: String, _ detail: String, session: Session?) -> Response {
        html(HTMLDocument(title: title, subtitle: [], sections: ["<p class=\"problem\" role=\"alert\">\(HTML.escape(detail))</p>"]),
             session: session, status: status, head: "")
    }

    static func home(_ user: User) -> HTMLDocument {
        let pages = Page.allCases.filter { $0 != .home && $0.access.roles.contains(user.role) }
        return HTMLDocument(title: "hospital-twin", subtitle: [], sections: [
            "<section><p>Signed in as <strong>\(HTML.escape(user.name))</strong>, \(HTML.escape(user.role.rawValue)).</p><ul>" + pages.map { "<li><a href=\"\($0.path)\">\(HTML.escape($0.label))</a>: \(HTML.escape($0.purpose))</li>" }.joined()
                + "</ul><p>The API is at <code>/api/v1</code> (<a href=\"/openapi.yaml\">its OpenAPI document</a>).</p></section>",
        ])
    }

    /// A `<select>` of `options` (value, label), `selected` chosen.
    static func select(_ name: String, _ options: [(String, String)], selected: String?, id: String? = nil) -> String {
        "<select name=\"\(name)\" id=\"\(id ?? name)\">" + options.map { value, label in
            "<option value=\"\(HTML.escape(value))\"\(value == selected ? " selected" : "")>\(HTML.escape(label))</option>"
        }.joined() + "</select>"
    }

    /// A stored answer (a report rendered again from stored runs), its failure a 422 problem saying why.
    static func stored(_ kind: StoredReportKind, _ id: Int64, baseline: Int64?, store: RunStore) throws -> StoredAnswer {
        do { return try StoredAnswers.answer(kind, run: id, baseline: baseline, detect: 0.05, in: store) } catch {
            throw ProblemError(status: error.kind == .store ? .serviceUnavailable : .unprocessableContent,
                               title: "The runs cannot answer this", detail: error.description)
        }
    }

    /// The site's icon: a bed's outline.
    static let icon = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><path d=\"M1 4v9M1 10h14v3M4 10V8h11v2\" "
        + "stroke=\"#1d3f73\" stroke-width=\"1.5\" fill=\"none\"/></svg>"

    /// The job page's script: follows the job's events and reloads the page when it ends (without it, the page
    /// reloads itself every few seconds while the job runs).
    static let jobScript = """
        (function () {
          var box = document.getElementById('progress');
          if (!box || !window.EventSource) { return; }
          var source = new EventSource(box.getAttribute('data-events'));
          function show(e) {
            var job = JSON.parse(e.data), p = job.progress;
            box.textContent = job.status + ': ' + p.replications_done + ' of ' + p.replications + ' ' + p.counts
              + (p.seconds_left == null ? '' : ', about ' + Math.ceil(p.seconds_left) + ' s left');
          }
          source.addEventListener('progress', show);
          source.addEventListener('end', function (e) { show(e); source.close(); window.location.reload(); });
        })();

        """
}

