import Accounts
import CSVFiles
import Foundation
import HTTPTypes
import PatientTwin
import Reports
import RunRecords
import RunStore
import Scenario
import Simulation
import Workflows

/// The dashboard's pages for each user (Docs/SERVER.md, "The dashboard"). Each reads what the API reads and
/// renders it with the reports' HTML.
extension Dashboard {
    /// The stored scenarios as a `<select>`'s options, newest first: "12 — general-hospital v3".
    static func scenarioOptions(_ store: RunStore) throws -> [(String, String)] {
        try store.scenarios(before: nil, limit: API.pageLimit).map { (String($0.id), "\($0.id) — \($0.name) v\($0.version)") }
    }

    /// A census page (`action`): the stored scenario it is about — the query's `scenario_id`, else the first stored —
    /// and the form that picks it and the census's time (`at`), handed to `body` with the store; a page saying `none`
    /// when no scenario is stored, a 404 when the id names none.
    static func censusPage(_ visit: Visit, action: String, title: String, none: String,
                           _ body: (RunStore, Int64, ScenarioListing, String) throws -> Answer) throws -> Answer
    {
        let store = try RunStore(connection: visit.connection, migrating: false)
        let options = try scenarioOptions(store)
        guard let chosen = try visit.number("scenario_id") ?? options.first.flatMap({ Int64($0.0) }) else {
            return .page(HTMLDocument(title: title, subtitle: [], sections: ["<p>\(none)</p>"]), read: "")
        }
        guard let (listing, _) = try store.scenario(chosen) else { throw API.notFound("scenario", chosen) }
        let form = "<form method=\"get\" action=\"\(action)\"><p><label for=\"scenario_id\">Scenario</label> "
            + select("scenario_id", options, selected: String(chosen))
            + " <label for=\"at\">census at</label> <input id=\"at\" name=\"at\" placeholder=\"YYYY-MM-DDTHH:MM (now)\" value=\"\(HTML.escape(visit.query["at"] ?? ""))\" maxlength=\"16\">"
            + " <button type=\"submit\">Show</button></p></form>"
        return try body(store, chosen, listing, form)
    }

    // MARK: Patients

    /// The clinician's page: each patient of the live census, as the census file has them (pseudonymous ids only),
    /// in the scenario's unit order with the ED first, the highest NEWS2 first within a unit, and each admitted
    /// patient's twin forecast beside its row.
    enum PatientPages {
        /// The census columns shown, and their headings.
        static let columns: [(key: String, heading: String)] = [
            ("patient_id", "patient (pseudonymous)"), ("unit", "where"), ("unit_since", "there since"), ("admitted_at", "admitted"),
            ("pathway", "pathway"), ("age", "age"), ("news2", "NEWS2"), ("news2_at", "NEWS2 at"), ("undecided_triage", "in ED, undecided"),
        ]
        /// The twin's columns after them: their headings and how each is shown from a forecast.
        static let twinColumns: [(heading: String, value: @Sendable (TwinForecast) -> String)] = [
            ("ready to leave in, days (median)", { String(format: "%.1f", $0.remainingDaysP50) }),
            ("10th–90th percentile", { String(format: "%.1f–%.1f", $0.remainingDaysP10, $0.remainingDaysP90) }),
            ("critical care, now or later", { percent($0.criticalCareProbability) }),
            ("dies in hospital", { percent($0.deathProbability) }),
            ("readmitted within 30 days", { percent($0.readmissionProbability) }),
        ]

        static func percent(_ p: Double) -> String { String(format: "%.0f%%", 100 * p) }

        static func page(_ visit: Visit) throws -> Answer {
            try censusPage(visit, action: "/patients", title: "Patients",
                           none: "No scenario is stored yet: its units and locations place the feed's patients. Upload one on <a href=\"/scenarios\">Scenario files</a>.") { _, chosen, listing, form in
                var sections = [form]
                var read = ""
                do {
                    let live = try API.liveRead(scenario: chosen, at: visit.query["at"], connection: visit.connection)
                    let census = live.summary
                    let twins = Dictionary(try API.liveTwins(live).map { ($0.patientID, $0.forecast) }, uniquingKeysWith: { first, _ in first })
                    let order = Dictionary(uniqueKeysWithValues: (["emergency_department"] + census.units.map(\.unit)).enumerated().map { ($1, $0) })
                    let inHospital = census.patients.filter { ($0["unit"] ?? "") != "discharged" }.sorted { a, b in
                        let ua = order[a["unit"] ?? ""] ?? Int.max, ub = order[b["unit"] ?? ""] ?? Int.max
                        if ua != ub { return ua < ub }
                        let na = Int(a["news2"] ?? "") ?? -1, nb = Int(b["news2"] ?? "") ?? -1
                        if na != nb { return na > nb }
                        return (a["patient_id"] ?? "") < (b["patient_id"] ?? "")
                    }
                    let rows = inHospital.map { row -> [String] in
                        let shown: [String] = columns.map { column in
                            let value = row[column.key] ?? ""
                            return column.key == "unit" && value == "emergency_department" ? "emergency department" : value
                        }
                        guard let forecast = twins[row["patient_id"] ?? ""] else { return shown + Array(repeating: "", count: twinColumns.count) }
                        return shown + twinColumns.map { $0.value(forecast) }
                    }
                    let headings = columns.map(\.heading) + twinColumns.map(\.heading)
                    let numeric = Set([5, 6] + Array(columns.count..<headings.count))
                    sections.append("<section><h2>In hospital at \(HTML.escape(census.at)): \(inHospital.count) patients (from \(census.events) events of the feed)</h2>"
                        + HTMLDocument.table(headings, rows, numeric: numeric)
                        + "<p class=\"meta\">Pseudonymous ids, as the feed's patients are kept; ages in years at the census; NEWS2 the latest of the spell, when all seven vital signs have been read.</p>"
                        + "<p class=\"meta\">Each admitted patient's twin: \(LiveTwins.defaultSamples) trajectories of the scenario's twin model from where the patient is and how long it has been there, "
                        + "its latest NEWS2 applied. Days to ready to leave are clinical: to readiness for discharge (or death in hospital), without the waits for a bed or a discharge window the hospital adds. "
                        + "ADT does not carry the Charlson index, frailty, deprivation or diagnosis group: each patient's are drawn from the scenario's population for its pathway and time there, "
                        + "so a forecast is of a patient like this one, not a clinical judgement. The ED's patients before a decision to admit have none.</p>"
                        + census.notes.map { "<p class=\"meta\">\(HTML.escape($0))</p>" }.joined() + "</section>")
                    read = "patients: \(inHospital.count) rows of the census of scenario \(chosen), \(twins.count) twin forecasts"
                } catch let problem as ProblemError where problem.status != .serviceUnavailable {
                    sections.append("<section><h2>The census</h2><p class=\"problem\">\(HTML.escape(problem.detail))</p></section>")
                }
                return .page(HTMLDocument(title: "Patients: \(listing.name)", subtitle: ["Stored scenario \(chosen), version \(listing.version)."], sections: sections),
                             read: read)
            }
        }
    }

    // MARK: Planner

    enum Planner {
        static func page(_ visit: Visit) throws -> Answer {
            try censusPage(visit, action: "/planner", title: "Beds",
                           none: "No scenario is stored yet: store one with hospital-twin run --store, or upload one on <a href=\"/scenarios\">Scenario files</a>.") { store, chosen, listing, form in
                var sections = [form]
                var read = ["census of scenario \(chosen)"]
                // Today's census per unit against staffed beds.
                do {
                    let census = try API.liveCensus(scenario: chosen, at: visit.query["at"], connection: visit.connection)
                    let rows = census.units.map { [$0.unit, String($0.patients), String($0.beds), $0.beds > 0 ? String(format: "%.0f%%", 100 * Double($0.patients) / Double($0.beds)) : "—"] }
                    sections.append("<section><h2>The census at \(HTML.escape(census.at)) (from \(census.events) events of the feed)</h2>"
                        + HTMLDocument.table(["unit", "patients", "beds", "occupancy"], rows, numeric: [1, 2, 3])
                        + "<p>In hospital: \(census.inHospital); in the emergency department: \(census.emergencyDepartment); in theatre or recovery: \(census.theatres); discharged in the 30 days before: \(census.recentDischarges).</p>"
                        + census.notes.map { "<p class=\"meta\">\(HTML.escape($0))</p>" }.joined() + "</section>")
                } catch let problem as ProblemError where problem.status != .serviceUnavailable {
                    sections.append("<section><h2>The census</h2><p class=\"problem\">\(HTML.escape(problem.detail))</p></section>")
                }
                // The latest forecast's fan and chance of running out.
                if let run = try store.latestForecast(scenario: listing.name), case .forecast(let forecast) = try stored(.forecast, run, baseline: nil, store: store) {
                    let document = HTMLReports.forecast(forecast)
                    sections.append("<section><h2>The latest forecast: run <a href=\"/runs/\(run)?as=forecast\">\(run)</a></h2><p class=\"meta\">"
                        + document.subtitle.map(HTML.escape).joined(separator: " ") + "</p></section>")
                    sections += document.sections
                    read.append("run \(run)")
                } else {
                    sections.append("<section><h2>The forecast</h2><p>No forecast of \(HTML.escape(listing.name)) is stored yet.</p></section>")
                }
                if JobBody.roles(.forecast).contains(visit.user.role) {
                    sections.append("<section><h2>Forecast from the live census</h2><form method=\"post\" action=\"/planner/forecast\">"
                        + csrfField(visit.session) + "<input type=\"hidden\" name=\"scenario_id\" value=\"\(chosen)\">"
                        + "<p><label for=\"days\">Days</label> <input id=\"days\" name=\"days\" type=\"number\" min=\"1\" max=\"366\" value=\"\(ForecastRequest.defaultDays)\">"
                        + " <label for=\"replications\">replications</label> <input id=\"replications\" name=\"replications\" type=\"number\" min=\"2\" max=\"\(RunOverrides.replicationLimit)\" value=\"\(ForecastRequest.defaultReplications)\">"
                        + " <label for=\"forecast-at\">census at</label> <input id=\"forecast-at\" name=\"at\" placeholder=\"now\" maxlength=\"16\" value=\"\(HTML.escape(visit.query["at"] ?? ""))\">"
                        + " <button type=\"submit\">Start the forecast</button></p></form></section>")
                }
                if JobBody.roles(.backtest).contains(visit.user.role) {
                    sections.append("<section><h2>Backtest the forecasts on the feed's history</h2><form method=\"post\" action=\"/planner/backtest\">"
                        + csrfField(visit.session) + "<input type=\"hidden\" name=\"scenario_id\" value=\"\(chosen)\">"
                        + "<p><label for=\"from\">Origins from</label> <input id=\"from\" name=\"from\" type=\"date\" required>"
                        + " <label for=\"to\">to</label> <input id=\"to\" name=\"to\" type=\"date\" required>"
                        + " <label for=\"horizon\">horizon (days)</label> <input id=\"horizon\" name=\"horizon_days\" type=\"number\" min=\"1\" max=\"60\" value=\"14\">"
                        + " <label for=\"backtest-replications\">replications per origin</label> <input id=\"backtest-replications\" name=\"replications\" type=\"number\" min=\"2\" max=\"\(RunOverrides.replicationLimit)\" value=\"200\">"
                        + " <button type=\"submit\">Start the backtest</button></p></form></section>")
                }
                // The latest backtest's coverage.
                if let backtest = try store.latestBacktest(scenario: listing.name), case .backtest(let report) = try stored(.backtest, backtest, baseline: nil, store: store) {
                    sections.append("<section><h2>How right it has been: backtest <a href=\"/backtests/\(backtest)\">\(backtest)</a></h2><p class=\"meta\">"
                        + HTML.escape(BacktestReports.heading(report)) + "</p></section>")
                    sections += HTMLReports.backtestCoverage(report)
                    read.append("backtest \(backtest)")
                }
                return .page(HTMLDocument(title: "Beds: \(listing.name)", subtitle: ["Stored scenario \(chosen), version \(listing.version)."], sections: sections),
                             read: read.joined(separator: "; "))
            }
        }

        static func start(_ visit: Visit) throws -> Answer {
            try JobBody.check(visit.user, mayStart: .forecast)
            guard let scenario = try visit.number("scenario_id", form: true) else {
                throw ProblemError(status: .badRequest, title: "A field is missing", detail: "'scenario_id': the stored scenario to forecast")
            }
            var at: LocalDateTime?
            if let text = visit.form["at"], !text.isEmpty {
                guard text.count <= 16, let local = LocalDateTime(parsing: text) else {
                    throw ProblemError(status: .badRequest, title: "A field is malformed", detail: "'at': expected a local time YYYY-MM-DDTHH:MM, found '\(text.prefix(40))'")
                }
                at = local
            }
            let days = try visit.number("days", in: 1...366, form: true).map(Int.init)
            let replications = try visit.number("replications", in: 2...Int64(RunOverrides.replicationLimit), form: true).map(Int.init)
            let request = JobRequest(kind: .forecast, scenarioIDs: [scenario], overrides: RunOverrides(replications: replications), days: days, censusAt: at)
            return try Manager.submit(request, visit)
        }

        static func backtest(_ visit: Visit) throws -> Answer {
            try JobBody.check(visit.user, mayStart: .backtest)
            guard let scenario = try visit.number("scenario_id", form: true) else {
                throw ProblemError(status: .badRequest, title: "A field is missing", detail: "'scenario_id': the stored scenario to backtest")
            }
            func day(_ name: String) throws -> LocalDateTime {
                guard let text = visit.form[name], text.utf8.count == 10, let date = LocalDateTime(parsing: text) else {
                    throw ProblemError(status: .badRequest, title: "A field is malformed", detail: "'\(name)': expected a day YYYY-MM-DD")
                }
                return date
            }
            let (from, to) = (try day("from"), try day("to"))
            guard from.localMinutesSinceEpoch <= to.localMinutesSinceEpoch else {
                throw ProblemError(status: .badRequest, title: "The origins are out of order", detail: "'from' must be on or before 'to'")
            }
            var request = JobRequest(kind: .backtest, scenarioIDs: [scenario], overrides: RunOverrides(
                replications: try visit.number("replications", in: 2...Int64(RunOverrides.replicationLimit), form: true).map(Int.init),
                horizonDays: try visit.number("horizon_days", in: 1...60, form: true).map(Int.init)))
            request.window = JobRequest.BacktestWindow(from: from, to: to)
            return try Manager.submit(request, visit)
        }
    }

    // MARK: Manager

    enum Manager {
        static func page(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            let options = try scenarioOptions(store)
            var sections: [String] = []
            if JobBody.roles(.comparison).contains(visit.user.role) {
                if options.count < 2 {
                    sections.append("<p>A comparison needs two stored scenarios: upload a variant on <a href=\"/scenarios\">Scenario files</a>.</p>")
                } else {
                    sections.append("<section><h2>Start a comparison</h2><form method=\"post\" action=\"/manager/compare\">" + csrfField(visit.session)
                        + "<p><label for=\"base\">Base</label> " + select("base", options, selected: options.last?.0) + "</p>"
                        + "<fieldset><legend>Variants (paired with the base on common random numbers)</legend>"
                        + options.map { value, label in
                            "<label class=\"pick\"><input type=\"checkbox\" name=\"variant\" value=\"\(HTML.escape(value))\"> \(HTML.escape(label))</label>"
                        }.joined() + "</fieldset>"
                        + "<p><label for=\"replications\">Replications</label> <input id=\"replications\" name=\"replications\" type=\"number\" min=\"1\" max=\"\(RunOverrides.replicationLimit)\" placeholder=\"the scenario's\">"
                        + " <button type=\"submit\">Start the comparison</button></p></form></section>")
                }
            }
            let jobs = try store.jobs(before: nil, limit: 20)
            let rows = try jobs.map { job -> [String] in
                let (done, total) = try store.progress(of: job)
                return [String(job.id), job.kind.rawValue, job.status.rawValue, "\(done) of \(total)", job.runs.map(String.init).joined(separator: ", "), job.submittedBy]
            }
            sections.append("<section><h2>Recent jobs</h2>" + HTMLDocument.table(["job", "kind", "status", "replications", "runs", "by"], rows, numeric: [0])
                .replacingOccurrences(of: "<td class=\"n\">", with: "<td class=\"n\">") + "<ul>"
                + jobs.map { "<li><a href=\"/jobs/\($0.id)\">job \($0.id)</a>: \($0.kind.rawValue), \($0.status.rawValue)</li>" }.joined() + "</ul></section>")
            return .page(HTMLDocument(title: "Scenarios compared", subtitle: ["A comparison runs the base and each variant with the same seed and replications, and reports each difference with its 95% interval."],
                                      sections: sections), read: "jobs " + jobs.map { String($0.id) }.joined(separator: ", "))
        }

        static func start(_ visit: Visit) throws -> Answer {
            try JobBody.check(visit.user, mayStart: .comparison)
            guard let base = try visit.number("base", form: true) else {
                throw ProblemError(status: .badRequest, title: "A field is missing", detail: "'base': the scenario the variants are compared with")
            }
            // A form sends each ticked variant as its own `variant` field; Form keeps one, so the variants come from
            // the body's repeated fields.
            let variants = try visit.variants()
            guard !variants.isEmpty else {
                throw ProblemError(status: .badRequest, title: "No variant chosen", detail: "tick at least one variant to compare with the base")
            }
            let replications = try visit.number("replications", in: 1...Int64(RunOverrides.replicationLimit), form: true).map(Int.init)
            return try submit(JobRequest(kind: .comparison, scenarioIDs: [base] + variants.filter { $0 != base },
                                         overrides: RunOverrides(replications: replications)), visit)
        }

        /// Queues `request` as `visit`'s user: 303 to the job's page; a request that cannot run a 422 saying why.
        static func submit(_ request: JobRequest, _ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            let job: Job
            do { job = try Jobs.submit(request, by: visit.user.name, store: store) } catch {
                throw ProblemError(status: error.kind == .store ? .serviceUnavailable : .unprocessableContent,
                                   title: "The job cannot run", detail: error.messages.joined(separator: "; "))
            }
            return .redirect("/jobs/\(job.id)", did: "job \(job.id) queued: runs \(job.runs.map(String.init).joined(separator: ", "))")
        }

        static func job(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            guard let job = try store.job(visit.id!) else { throw API.notFound("job", visit.id!) }
            let document = try JobDocument.make(job, store: store)
            let progress = document.progress
            let state = "\(job.status.rawValue): \(progress.replicationsDone) of \(progress.replications) \(progress.counts)"
                + (progress.secondsLeft.map { String(format: ", about %.0f s left", $0.rounded(.up)) } ?? "")
            var sections = ["<section><p id=\"progress\" class=\"status\" data-events=\"/api/v1/jobs/\(job.id)/events\" role=\"status\">\(HTML.escape(state))</p>"
                + (job.failure.map { "<p class=\"problem\">\(HTML.escape($0))</p>" } ?? "")
                + "<p>Asked by \(HTML.escape(job.submittedBy)): " + (job.kind == .backtest
                    ? "origins \(document.request.from ?? "") to \(document.request.to ?? "") at \(document.request.at ?? ""), a \(document.request.horizonDays)-day horizon, "
                        + "\(document.request.replications) replications per origin, seed \(document.request.seed).</p>"
                    : "\(document.request.replications) replications of \(document.request.horizonDays) days, seed \(document.request.seed); runs "
                        + job.runs.map { "<a href=\"/runs/\($0)\">\($0)</a>" }.joined(separator: ", ") + ".</p>")]
            if !job.status.isFinal, JobBody.roles(job.kind).contains(visit.user.role) {
                sections[0] += "<form method=\"post\" action=\"/jobs/\(job.id)/cancel\">" + csrfField(visit.session) + "<button type=\"submit\">Cancel</button></form>"
            }
            sections[0] += "</section>"
            var read = "job \(job.id)"
            if job.status == .completed {
                switch job.kind {
                case .comparison:
                    for variant in job.runs.dropFirst() {
                        guard case .comparison(let report) = try stored(.run, variant, baseline: job.runs[0], store: store) else { continue }
                        let page = HTMLReports.comparison(report)
                        sections.append("<section><h2>Run \(variant) against run \(job.runs[0])</h2><p class=\"meta\">" + page.subtitle.map(HTML.escape).joined(separator: " ") + "</p></section>")
                        sections += page.sections
                    }
                case .forecast:
                    if case .forecast(let forecast) = try stored(.forecast, job.runs[0], baseline: nil, store: store) { sections += HTMLReports.forecast(forecast).sections }
                case .run:
                    if case .run(let result) = try stored(.run, job.runs[0], baseline: nil, store: store) { sections += HTMLReports.run(result).sections }
                case .costs:
                    let pairs: [(Int64, Int64?)] = job.runs.count == 1 ? [(job.runs[0], nil)] : job.runs.dropFirst().map { ($0, job.runs[0]) }
                    for (run, baseline) in pairs {
                        guard case .costs(let report) = try stored(.costs, run, baseline: baseline, store: store) else { continue }
                        let page = HTMLReports.costs(report)
                        let query = "run=\(run)" + (baseline.map { "&baseline=\($0)" } ?? "")
                        sections.append("<section><h2>Run \(run)" + (baseline.map { " against run \($0)" } ?? "") + "</h2><p class=\"meta\">"
                            + page.subtitle.map(HTML.escape).joined(separator: " ") + "</p><p><a href=\"/finance/costs.csv?\(query)\" download>Download as CSV</a></p></section>")
                        sections += page.sections
                    }
                case .backtest:
                    if let backtest = try store.plannedBacktest(job.plan)?.backtest,
                       case .backtest(let report) = try stored(.backtest, backtest, baseline: nil, store: store) {
                        sections.append("<p>Backtest <a href=\"/backtests/\(backtest)\">\(backtest)</a>: every method's scores.</p>")
                        sections += HTMLReports.backtestCoverage(report)
                        read += ", backtest \(backtest)"
                    }
                }
                read += ", runs " + job.runs.map(String.init).joined(separator: ", ")
            }
            // While it runs the page follows the job's events (the script), or reloads itself every 3 s without it.
            let head = job.status.isFinal ? "" : "<script src=\"\(scriptPath)\" defer></script><noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>"
            return .page(HTMLDocument(title: "Job \(job.id): \(job.kind.rawValue)", subtitle: [], sections: sections), read: read, head: head)
        }

        static func cancel(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            guard let job = try store.job(visit.id!) else { throw API.notFound("job", visit.id!) }
            try JobBody.check(visit.user, mayStart: job.kind)
            _ = try store.requestCancel(job.id)
            return .redirect("/jobs/\(job.id)", did: "job \(job.id): cancel asked")
        }
    }

    // MARK: Finance

    enum Finance {
        static func choice(_ visit: Visit) throws -> (run: Int64?, baseline: Int64?) {
            (try visit.number("run"), try visit.number("baseline"))
        }

        static func page(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            let (run, baseline) = try choice(visit)
            let completed = try store.runs(before: nil, limit: API.pageLimit).filter { $0.status == .completed }
            let options = completed.map { (String($0.id), "\($0.id) — \($0.scenario) v\($0.scenarioVersion), \($0.replications) replications, seed \($0.seed)") }
            var sections = ["<form method=\"get\" action=\"/finance\"><p><label for=\"run\">Run</label> "
                + select("run", options, selected: run.map(String.init)) + "</p><p><label for=\"baseline\">Against</label> "
                + select("baseline", [("", "no baseline")] + options, selected: baseline.map(String.init) ?? "")
                + " <button type=\"submit\">Show the costs</button></p></form>"]
            var jobForm: [String] = []
            if JobBody.roles(.costs).contains(visit.user.role) {
                let scenarios = try scenarioOptions(store)
                jobForm.append("<section><h2>Cost scenarios against a baseline</h2><form method=\"post\" action=\"/finance/costs\">" + csrfField(visit.session)
                    + "<p><label for=\"cost-baseline\">Baseline</label> " + select("baseline", scenarios, selected: scenarios.last?.0, id: "cost-baseline") + "</p>"
                    + "<fieldset><legend>Scenarios to cost against it (none: the baseline's own costs)</legend>"
                    + scenarios.map { value, label in
                        "<label class=\"pick\"><input type=\"checkbox\" name=\"variant\" value=\"\(HTML.escape(value))\"> \(HTML.escape(label))</label>"
                    }.joined() + "</fieldset>"
                    + "<p><label for=\"cost-replications\">Replications</label> <input id=\"cost-replications\" name=\"replications\" type=\"number\" min=\"1\" max=\"\(RunOverrides.replicationLimit)\" placeholder=\"the scenario's\">"
                    + " <button type=\"submit\">Start the cost report</button></p></form></section>")
            }
            guard let run else {
                return .page(HTMLDocument(title: "Costs", subtitle: ["Choose a run, and a baseline of the same seed and replications; or cost scenarios against a baseline."],
                                          sections: sections + jobForm), read: "")
            }
            guard try store.hasRun(run) else { throw API.notFound("run", run) }
            guard case .costs(let report) = try stored(.costs, run, baseline: baseline, store: store) else { return .redirect("/finance", did: "") }
            let page = HTMLReports.costs(report)
            let query = "run=\(run)" + (baseline.map { "&baseline=\($0)" } ?? "")
            sections.append("<p><a href=\"/finance/costs.csv?\(query)\" download>Download as CSV</a> (for a spreadsheet: cells that would run as a formula begin with ').</p>")
            return .page(HTMLDocument(title: page.title, subtitle: page.subtitle, sections: sections + page.sections + jobForm),
                         read: baseline.map { "runs \(run), \($0)" } ?? "run \(run)")
        }

        /// Queues a cost report: the baseline's run, and each ticked scenario's on the same seed and replications.
        static func start(_ visit: Visit) throws -> Answer {
            try JobBody.check(visit.user, mayStart: .costs)
            guard let baseline = try visit.number("baseline", form: true) else {
                throw ProblemError(status: .badRequest, title: "A field is missing", detail: "'baseline': the scenario the others are costed against")
            }
            let scenarios = try visit.variants().filter { $0 != baseline }
            let replications = try visit.number("replications", in: 1...Int64(RunOverrides.replicationLimit), form: true).map(Int.init)
            return try Manager.submit(JobRequest(kind: .costs, scenarioIDs: [baseline] + scenarios, overrides: RunOverrides(replications: replications)), visit)
        }

        static func csv(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            guard let run = try choice(visit).run else {
                throw ProblemError(status: .badRequest, title: "A field is missing", detail: "'run': the run whose costs to download")
            }
            let baseline = try choice(visit).baseline
            guard try store.hasRun(run) else { throw API.notFound("run", run) }
            guard case .costs(let report) = try stored(.costs, run, baseline: baseline, store: store) else { throw API.notFound("run", run) }
            let writer = CSVWriter()
            CostReports.writeCSV(report, to: writer)
            return .download(name: "costs-run-\(run)\(baseline.map { "-vs-\($0)" } ?? "").csv", csv: writer.written,
                             read: baseline.map { "runs \(run), \($0)" } ?? "run \(run)")
        }
    }

    // MARK: Runs

    /// A completed run's page, as KPIs or as bed-demand bands.
    struct RenderedRun: Hashable, Sendable { let id: Int64, forecast: Bool }
    static let renderedRuns = KeptAnswers<HTMLDocument, RenderedRun>(limit: 128)

    enum RunsPages {
        static func list(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            let found = try store.runs(before: try visit.number("after"), limit: API.defaultPage + 1)
            let runs = Array(found.prefix(API.defaultPage))
            let rows = runs.map { run in
                [String(run.id), "\(run.scenario) v\(run.scenarioVersion)", run.status.rawValue, String(run.replications), String(run.horizonDays),
                 String(run.seed), ISO8601DateFormatter().string(from: run.startedAt), run.runBy]
            }
            var sections = ["<section>" + HTMLDocument.table(["run", "scenario", "status", "replications", "days", "seed", "started", "by"], rows, numeric: [0, 3, 4, 5])
                + "<ul>" + runs.map { "<li><a href=\"/runs/\($0.id)\">run \($0.id)</a> — \(HTML.escape($0.scenario))</li>" }.joined() + "</ul></section>"]
            if found.count > runs.count, let last = runs.last { sections.append("<p><a href=\"/runs?after=\(last.id)\">Older runs</a></p>") }
            return .page(HTMLDocument(title: "Runs", subtitle: ["Newest first."], sections: sections), read: "runs " + runs.map { String($0.id) }.joined(separator: ", "))
        }

        static func run(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            let id = visit.id!
            guard try store.hasRun(id) else { throw API.notFound("run", id) }
            let record = try store.record(id)
            guard record.status == .completed else {
                return .page(HTMLDocument(title: "Run \(id): \(record.scenario)", subtitle: ["\(record.status.rawValue)" + (record.failure.map { ": \($0)" } ?? "")], sections: []),
                             read: "run \(id)")
            }
            let asForecast = visit.query["as"] == "forecast"
            if let shown = visit.query["as"], shown != "forecast" {
                throw ProblemError(status: .badRequest, title: "A query parameter is malformed", detail: "'as': expected forecast, found '\(shown.prefix(40))'")
            }
            let links = "<p><a href=\"/runs/\(id)\">KPIs</a> · <a href=\"/runs/\(id)?as=forecast\">bed demand bands</a>"
                + (Access.costs.roles.contains(visit.user.role) ? " · <a href=\"/finance?run=\(id)\">costs</a>" : "") + "</p>"
            // A completed run's report never changes: rendered once (it decodes every replication), then kept.
            let page: HTMLDocument
            if let kept = renderedRuns.value(RenderedRun(id: id, forecast: asForecast)) {
                page = kept
            } else {
                switch try stored(asForecast ? .forecast : .run, id, baseline: nil, store: store) {
                case .forecast(let forecast): page = HTMLReports.forecast(forecast)
                case .run(let result): page = HTMLReports.run(result)
                default: throw API.notFound("run", id)
                }
                renderedRuns.keep(page, for: RenderedRun(id: id, forecast: asForecast))
            }
            return .page(HTMLDocument(title: "Run \(id): " + page.title, subtitle: page.subtitle, sections: [links] + page.sections), read: "run \(id)")
        }

        static func backtest(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            guard try store.backtestDocument(visit.id!) != nil else { throw API.notFound("backtest", visit.id!) }
            guard case .backtest(let report) = try stored(.backtest, visit.id!, baseline: nil, store: store) else { throw API.notFound("backtest", visit.id!) }
            return .page(HTMLReports.backtest(report), read: "backtest \(visit.id!)")
        }
    }

    // MARK: Scenarios

    enum ScenarioPages {
        static func list(_ visit: Visit) throws -> Answer {
            let store = try RunStore(connection: visit.connection, migrating: false)
            var sections: [String] = []
            if let stored = try visit.number("stored"), let (listing, _) = try store.scenario(stored) {
                sections.append("<p role=\"status\" class=\"status\">" + (visit.query["again"] == "1" ? "Already stored, unchanged: " : "Stored: ")
                    + "\(HTML.escape(listing.name)) version \(listing.version) (scenario \(listing.id)).</p>")
            }
            if Access.scenarios.roles.contains(visit.user.role) { sections.append(uploadForm(visit.session, text: "")) }
            sections.append(try listing(store))
            return .page(HTMLDocument(title: "Scenario files", subtitle: ["Each name's versions, newest first; a run keeps the version it ran."], sections: sections),
                         read: "scenarios")
        }

        static func listing(_ store: RunStore) throws -> String {
            let scenarios = try store.scenarios(before: nil, limit: API.pageLimit)
            let rows = scenarios.map { [String($0.id), $0.name, String($0.version), String($0.contentHash.prefix(12)), $0.storedAt, $0.storedBy] }
            return "<section><h2>Stored scenarios</h2>" + HTMLDocument.table(["id", "name", "version", "content", "stored", "by"], rows, numeric: [0, 2]) + "</section>"
        }

        static func uploadForm(_ session: Session, text: String) -> String {
            "<section><h2>Upload a scenario</h2><form method=\"post\" action=\"/scenarios\">" + csrfField(session)
                + "<p><label for=\"yaml\">The scenario's YAML (<code>extends:</code> names a stored scenario, whose newest version it varies)</label></p>"
                + "<textarea id=\"yaml\" name=\"yaml\" rows=\"18\" required>\(HTML.escape(text))</textarea>"
                + "<p><button type=\"submit\">Check and store</button></p></form></section>"
        }

        static func upload(_ visit: Visit) throws -> Answer {
            let text = visit.form["yaml"] ?? ""
            do {
                let stored = try ScenarioUploadAnswer.store(Data(text.utf8), by: visit.user.name, connection: visit.connection)
                return .redirect("/scenarios?stored=\(stored.listing.id)" + (stored.isNew ? "" : "&again=1"),
                                 did: "scenario \(stored.listing.id) (\(stored.listing.name), version \(stored.listing.version))" + (stored.isNew ? " stored" : " already stored"))
            } catch let problem as ProblemError where problem.status == .unprocessableContent {
                // The form again, its problems listed and marked at their lines.
                let bad = Set(problem.errors.filter { $0.file == ScenarioUploadAnswer.label }.compactMap(\.line))
                let list = "<section><h2>\(problem.errors.count) problem\(problem.errors.count == 1 ? "" : "s"): nothing was stored</h2><ul class=\"problem\" role=\"alert\">"
                    + problem.errors.map { error in
                        let place = error.line.map { line in
                            (error.file == ScenarioUploadAnswer.label ? "<a href=\"#line-\(line)\">line \(line)</a>" : HTML.escape(error.file ?? "")) + ", column \(error.column ?? 1)"
                        } ?? "the text"
                        return "<li>\(place)\(error.path.isEmpty ? "" : ", <code>\(HTML.escape(error.path))</code>"): \(HTML.escape(error.detail))</li>"
                    }.joined() + "</ul>"
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(5_000).enumerated().map { index, line in
                    "<li id=\"line-\(index + 1)\"\(bad.contains(index + 1) ? " class=\"problem\"" : "")><code>\(HTML.escape(String(line)))</code></li>"
                }.joined()
                return .page(HTMLDocument(title: "Scenario files", subtitle: ["The scenario was not stored."],
                                          sections: [list + "<ol class=\"source\">\(lines)</ol></section>", uploadForm(visit.session, text: text),
                                                     try listing(RunStore(connection: visit.connection, migrating: false))]),
                             read: "upload refused: \(problem.errors.count) problems", status: .unprocessableContent)
            }
        }
    }

    // MARK: Users

    enum UserPages {
        static func list(_ visit: Visit) throws -> Answer {
            let users = try AccountStore(connection: visit.connection, migrating: false).list()
            let rows = users.map { user -> [String] in
                [user.name, user.role.rawValue, user.hasPassword ? "yes" : "no", String(user.activeTokens), user.createdAt, user.disabledAt ?? ""]
            }
            let disable = users.filter { !$0.isDisabled && $0.name != visit.user.name }.map { user in
                "<li><form method=\"post\" action=\"/users/disable\">" + csrfField(visit.session)
                    + "<input type=\"hidden\" name=\"name\" value=\"\(HTML.escape(user.name))\">\(HTML.escape(user.name)) "
                    + "<button type=\"submit\">Disable</button></form></li>"
            }.joined()
            let add = "<section><h2>Add a user</h2><form method=\"post\" action=\"/users\">" + csrfField(visit.session)
                + "<p><label for=\"name\">Name</label> <input id=\"name\" name=\"name\" maxlength=\"63\" required autocomplete=\"off\"> "
                + "<label for=\"role\">role</label> " + select("role", Role.allCases.map { ($0.rawValue, $0.rawValue) }, selected: Role.viewer.rawValue)
                + " <label for=\"password\">password</label> <input id=\"password\" name=\"password\" type=\"password\" minlength=\"\(Password.minimumBytes)\" maxlength=\"72\" required autocomplete=\"new-password\">"
                + " <button type=\"submit\">Add</button></p></form><p class=\"meta\">An API token is made on the command line: hospital-twin users token NAME (it is shown once).</p></section>"
            return .page(HTMLDocument(title: "Users", subtitle: [], sections: [
                add, "<section><h2>Accounts</h2>" + HTMLDocument.table(["name", "role", "password", "tokens", "created", "disabled"], rows, numeric: [3]) + "</section>",
                "<section><h2>Disable an account</h2><p>Its sessions end and its tokens are revoked; its audit entries stay.</p><ul>\(disable)</ul></section>",
            ]), read: "users")
        }

        static func actor(_ visit: Visit) -> Actor {
            Actor(name: visit.user.name, source: "dashboard")
        }

        static func add(_ visit: Visit) throws -> Answer {
            do {
                let name = try UserName(visit.form["name"] ?? "")
                guard let role = Role(rawValue: visit.form["role"] ?? "") else {
                    throw ProblemError(status: .badRequest, title: "A field is malformed", detail: "'role': one of " + Role.allCases.map(\.rawValue).joined(separator: ", "))
                }
                let password = try Password(visit.form["password"] ?? "")
                _ = try AccountStore(connection: visit.connection, migrating: false).add(name, role: role, password: password, by: actor(visit))
                return .redirect("/users", did: "user \(name.value) added as \(role.rawValue)")
            } catch let error as CredentialError {
                throw ProblemError(status: .unprocessableContent, title: "The user cannot be added", detail: error.message)
            } catch let error as AccountError {
                throw ProblemError(status: .unprocessableContent, title: "The user cannot be added", detail: error.message)
            }
        }

        static func disable(_ visit: Visit) throws -> Answer {
            do {
                let name = try UserName(visit.form["name"] ?? "")
                guard name.value != visit.user.name else {
                    throw ProblemError(status: .unprocessableContent, title: "You cannot disable yourself", detail: "another admin must disable your account")
                }
                let done = try AccountStore(connection: visit.connection, migrating: false).disable(name, by: actor(visit))
                return .redirect("/users", did: "user \(name.value) disabled; \(done.revokedTokens) tokens revoked")
            } catch let error as CredentialError {
                throw ProblemError(status: .badRequest, title: "A field is malformed", detail: error.message)
            } catch let error as AccountError {
                throw ProblemError(status: .unprocessableContent, title: "The user cannot be disabled", detail: error.message)
            }
        }

        static func audit(_ visit: Visit) throws -> Answer {
            let user = visit.query["user"].flatMap { $0.isEmpty ? nil : $0 }
            let found = try AccountStore(connection: visit.connection, migrating: false).auditEntries(actor: user, before: try visit.number("after"), limit: API.defaultPage + 1)
            let entries = Array(found.prefix(API.defaultPage))
            let rows = entries.map { [String($0.id), $0.at, $0.actor, $0.source, $0.action, $0.target, $0.outcome.rawValue, $0.detail] }
            var sections = ["<section>" + HTMLDocument.table(["id", "when", "who", "from", "action", "target", "outcome", "detail"], rows, numeric: [0]) + "</section>"]
            if found.count > entries.count, let last = entries.last {
                sections.append("<p><a href=\"/audit?after=\(last.id)\(user.map { "&user=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? "")\">Older entries</a></p>")
            }
            return .page(HTMLDocument(title: "Audit log", subtitle: ["Newest first" + (user.map { "; of \($0)" } ?? "") + ". The log is append-only: nothing here can change it."], sections: sections),
                         read: "audit entries")
        }
    }
}
