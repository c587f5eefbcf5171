#!/usr/bin/env python3
"""The dashboard checked in headless Chromium through real sessions (Playwright, a test-time tool only).

Usage: scripts/check-dashboard.py BASE_URL PASSWORD FEED_TOKEN
  BASE_URL: a running `hospital-twin serve` on a database of its own (scripts/check-dashboard.sh makes one), whose
  users check-admin, check-manager, check-planner, check-finance and check-viewer have PASSWORD, and whose feed
  system's admin token is FEED_TOKEN.

Each user signs in at /login and works as they would:
  - the admin uploads the general hospital, a short base that extends it and a staffing variant (and a broken file,
    whose problems are shown at their lines), stores two admissions through the FHIR intake, reads them on the
    patients page, and adds a user;
  - the manager starts a comparison of the base and the variant, watches the job page follow it, and reads the verdicts;
  - the planner sees the census against beds, starts a forecast from it, and sees its fan;
  - finance reads the cost report of the variant against the base and downloads it as CSV (formula cells neutralised),
    then starts a cost report job of the variant against the base and reads it;
  - the viewer is refused the patients page and the users page.
On every page: no console message, no failed or external request, and every chart mark equal to its table cell
(scripts/chart-check.js, the report check's rule). Exits 1 naming each failure.
"""
import json
import os
import re
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

BASE, PASSWORD, FEED_TOKEN = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHART_CHECK = open(os.path.join(HERE, "chart-check.js")).read()
failures = []
checked_pages = 0
checked_marks = 0


def fail(message):
    failures.append(message)
    print("FAIL " + message, file=sys.stderr)


def expect(condition, message):
    if not condition:
        fail(message)
    return condition


class Browser:
    """One user's browser: a context of its own (its own cookies), watching every console message and request."""

    def __init__(self, playwright, user):
        self.user = user
        self.browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox", "--disable-gpu"])
        self.context = self.browser.new_context(accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        # The status a page is expected to answer with: Chromium logs an error status in the console, which is
        # then no fault of the page (every other console message is).
        self.expected = 200
        self.page.on("console", lambda m: None if re.fullmatch(
            r"Failed to load resource: the server responded with a status of %d \(.*\)" % self.expected, m.text)
            else fail(f"{user}: console {m.type} on {self.page.url}: {m.text}"))
        self.page.on("pageerror", lambda e: fail(f"{user}: script error on {self.page.url}: {e}"))
        self.page.on("requestfailed", lambda r: fail(f"{user}: request failed: {r.url} ({r.failure})")
                     if not r.url.endswith("/events") else None)
        self.page.on("request", lambda r: None if r.url.startswith(BASE) else fail(f"{user}: external request {r.url}"))

    def sign_in(self):
        self.page.goto(BASE + "/manager")  # not signed in: to /login, then back
        expect("/login" in self.page.url, f"{self.user}: an unsigned visit goes to /login ({self.page.url})")
        self.page.fill("#name", self.user)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        expect(self.page.url.endswith("/manager"), f"{self.user}: signed in, back at /manager ({self.page.url})")

    def open(self, path, status=200, charts=False):
        self.expected = status
        response = self.page.goto(BASE + path)
        self.expected = 200
        expect(response.status == status, f"{self.user}: GET {path} answered {response.status}, expected {status}")
        self.check(path, charts)
        return response

    def check(self, label, charts=False):
        global checked_pages, checked_marks
        self.page.wait_for_load_state()
        result = self.page.evaluate(CHART_CHECK + "\nhospitalTwinChartCheck(" + ("true" if charts else "false") + ")")
        for problem in result["problems"]:
            fail(f"{self.user}: {label}: {problem}")
        checked_pages += 1
        checked_marks += result["checked"]
        headers = self.page.evaluate("() => document.contentType")
        expect(headers == "text/html", f"{self.user}: {label} is {headers}")

    def close(self):
        self.browser.close()


def fhir(body):
    request = urllib.request.Request(BASE + "/api/v1/feed/fhir", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + FEED_TOKEN, "Content-Type": "application/fhir+json"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers["Content-Type"], json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def wait_for_job(browser, label):
    """On a job's page: the page follows the job (its script) until it ends and reloads with the results."""
    for _ in range(300):
        try:
            status = browser.page.text_content("#progress") or ""
            if status.startswith(("completed", "failed", "cancelled")) and browser.page.query_selector("script[src]") is None:
                break
        except Exception:  # the page is reloading
            pass
        time.sleep(1)
    browser.check(label, charts=True)
    return browser.page.text_content("#progress") or ""


with sync_playwright() as playwright:
    # The admin: scenarios, the feed, users.
    admin = Browser(playwright, "check-admin")
    admin.sign_in()
    for path in ["/", "/planner", "/patients", "/manager", "/finance", "/runs", "/scenarios", "/users", "/audit"]:
        admin.open(path)
    general = open(os.path.join(ROOT, "scenarios/general-hospital.yaml")).read()
    base = ("extends: general-hospital\nname: check-base\ndescription: <b>the general hospital</b>, a short run\n"
            "run:\n  horizon_days: 21\n  warmup_days: 7\n  replications: 3\n")
    variant = open(os.path.join(ROOT, "scenarios/general-hospital-night-nurses.yaml")).read()
    variant = re.sub(r"(?m)^extends: .*$", "extends: check-base", variant).replace("name: general-hospital-night-nurses", "name: check-variant")
    for text, name in [(general, "general-hospital"), (base, "check-base"), (variant, "check-variant")]:
        admin.open("/scenarios")
        admin.page.fill("#yaml", text)
        admin.page.click("form[action='/scenarios'] button[type=submit]")
        admin.check("upload " + name)
        expect(admin.page.url.startswith(BASE + "/scenarios?stored="), f"upload {name}: to {admin.page.url}")
        expect("Stored: " + name in (admin.page.text_content("[role=status]") or ""), f"upload {name}: said stored")
    expect("<b>" not in admin.page.content().replace("&lt;b&gt;", ""), "a description's markup is escaped")
    # A broken file: not stored, each problem shown at its line.
    admin.open("/scenarios")
    admin.expected = 422
    admin.page.fill("#yaml", "extends: check-base\nname: check-broken\nunits:\n  - name: Ward 7 (care of the elderly)\n    beds: -2\n")
    admin.page.click("form[action='/scenarios'] button[type=submit]")
    admin.check("a broken upload")
    alert = admin.page.text_content("ul.problem") or ""
    expect("line 5" in alert and "beds" in alert, f"the broken upload's problem names line 5 and beds: {alert[:300]}")
    expect(admin.page.query_selector("#line-5.problem") is not None, "line 5 of the text is marked")
    admin.expected = 200
    # Two admissions through the FHIR intake (the feed system's token), then the same Bundle again: applied once.
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": f"cp{n}", "identifier": [{"system": "https://trust.example/mrn", "value": f"CM{n}"}],
                      "gender": "female", "birthDate": "1940-03-01"}} for n in (1, 2)] + [
        {"resource": {"resourceType": "Encounter", "id": f"ce{n}", "status": "in-progress", "class": {"code": "IMP"},
                      "subject": {"reference": f"Patient/cp{n}"}, "period": {"start": "2026-11-29T10:00:00Z"},
                      "location": [{"location": {"reference": "Location/AMU"}}]}} for n in (1, 2)]}
    status, kind, outcome = fhir(bundle)
    expect(status == 200 and kind == "application/fhir+json" and outcome["resourceType"] == "OperationOutcome"
           and "2 applied" in outcome["issue"][0]["diagnostics"], f"FHIR intake: {status} {kind} {outcome}")
    status, _, outcome = fhir(bundle)
    expect(status == 200 and "2 already applied" in outcome["issue"][0]["diagnostics"], f"FHIR intake again: {outcome}")
    # The patient-level page (clinician and admin): both admitted patients, in AMU, by pseudonymous id only.
    admin.open("/patients?at=2026-11-30T12:00")
    rows = admin.page.eval_on_selector_all("table tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
    expect(len(rows) == 2 and all(row[1] == "AMU" for row in rows), f"the patients page lists the two admitted patients in AMU: {rows}")
    # Beside each row its twin's forecast: days to ready to leave (median, 10th–90th), then three chances.
    expect(all(len(row) == 14 and re.fullmatch(r"\d+\.\d", row[9]) and re.fullmatch(r"\d+\.\d–\d+\.\d", row[10])
               and all(re.fullmatch(r"\d+%", cell) for cell in row[11:14]) for row in rows),
           f"each admitted patient has its twin's forecast beside its row: {rows}")
    expect("CM1" not in (admin.page.content() or ""), "the patients page shows no hospital number")
    status, _, outcome = fhir({"resourceType": "Bundle", "entry": "not a list"})
    expect(status == 400 and outcome["issue"][0]["severity"] == "error", f"FHIR intake of a malformed Bundle: {status} {outcome}")
    # A user added from the page.
    admin.open("/users")
    admin.page.fill("#name", "check-added")
    admin.page.select_option("#role", "viewer")
    admin.page.fill("#password", "a long enough password")
    admin.page.click("form[action='/users'] button[type=submit]")
    admin.check("add a user")
    expect("check-added" in (admin.page.text_content("table") or ""), "the added user is listed")
    admin.close()

    # The manager: a comparison started, watched and read.
    manager = Browser(playwright, "check-manager")
    manager.sign_in()
    options = manager.page.eval_on_selector_all("#base option", "os => os.map(o => [o.value, o.textContent])")
    ids = {label.split(" — ")[1].split(" v")[0]: value for value, label in options}
    manager.page.select_option("#base", ids["check-base"])
    manager.page.check(f"input[name=variant][value='{ids['check-variant']}']")
    manager.page.fill("#replications", "3")
    manager.page.click("form[action='/manager/compare'] button[type=submit]")
    expect(re.search(r"/jobs/\d+$", manager.page.url) is not None, f"the comparison's job page: {manager.page.url}")
    manager.check("the comparison's job page")
    final = wait_for_job(manager, "the comparison's results")
    expect(final.startswith("completed"), f"the comparison completed: {final}")
    text = manager.page.text_content("body") or ""
    expect("Run " in text and "against run" in text, "the verdicts are shown")
    runs = [int(n) for n in re.findall(r'href="/runs/(\d+)"', manager.page.content())]
    manager.open("/runs")
    manager.open(f"/runs/{runs[0]}")
    manager.open(f"/runs/{runs[0]}?as=forecast", charts=True)
    manager.open("/finance", status=403)
    manager.close()

    # The planner: the census against beds, a forecast started from it, its fan.
    planner = Browser(playwright, "check-planner")
    planner.sign_in()
    planner.open(f"/planner?scenario_id={ids['check-base']}&at=2026-11-30T12:00")
    census = planner.page.text_content("table") or ""
    expect("AMU" in census, "the census table lists AMU")
    cells = planner.page.eval_on_selector_all("table tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
    expect(any(row[:2] == ["AMU", "2"] for row in cells), f"AMU holds the two admitted patients: {cells[:8]}")
    planner.page.fill("#days", "3")
    planner.page.fill("#replications", "4")
    planner.page.click("form[action='/planner/forecast'] button[type=submit]")
    final = wait_for_job(planner, "the forecast's results")
    expect(final.startswith("completed"), f"the forecast completed: {final}")
    planner.open(f"/planner?scenario_id={ids['check-base']}&at=2026-11-30T12:00", charts=True)
    expect("The latest forecast" in (planner.page.text_content("body") or ""), "the planner's page shows the latest forecast")
    planner.open("/users", status=403)
    planner.close()

    # Finance: the variant's costs against the base, as a page and as CSV.
    finance = Browser(playwright, "check-finance")
    finance.sign_in()
    finance.open(f"/finance?run={runs[1]}&baseline={runs[0]}", charts=True)
    with finance.page.expect_download() as download:
        finance.page.click("a[download]")
    csv = open(download.value.path(), encoding="utf-8").read()
    expect(csv.count("\n") > 5 and "check-variant" in csv, "the cost CSV downloads with its rows")
    expect(not re.search(r'(^|,)"?[=+@]', csv, re.M), "no CSV cell begins as a formula")
    # A cost report job: the variant costed against the base, from the finance page.
    finance.open("/finance")
    finance.page.select_option("#cost-baseline", ids["check-base"])
    finance.page.check(f"form[action='/finance/costs'] input[name=variant][value='{ids['check-variant']}']")
    finance.page.fill("#cost-replications", "2")
    finance.page.click("form[action='/finance/costs'] button[type=submit]")
    final = wait_for_job(finance, "the cost report's results")
    expect(final.startswith("completed"), f"the cost report completed: {final}")
    expect("against run" in (finance.page.text_content("body") or ""), "the cost report against the baseline is shown")
    finance.close()

    viewer = Browser(playwright, "check-viewer")
    viewer.sign_in()
    viewer.open("/users", status=403)
    viewer.open("/patients", status=403)
    viewer.open("/runs")
    viewer.close()

if failures:
    print(f"check-dashboard: {len(failures)} failures", file=sys.stderr)
    sys.exit(1)
print(f"check-dashboard: {checked_pages} pages in Chromium as 5 roles, {checked_marks} chart marks agree with their tables; "
      "no console message, no external or failed request")
