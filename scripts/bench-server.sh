#!/usr/bin/env bash
# The server under load (issue 19; Docs/PERFORMANCE.md, "The server under load"): API reads by concurrent clients
# (an API token), then the dashboard's pages (a signed-in session), while two simulation jobs run, on this machine, against the database of HOSPITAL_TWIN_DATABASE_URL
# (scripts/with-postgres.sh gives a throwaway one). Prints the load client's JSON line (requests per second, P50/P90/P99
# latency, failures, overall and per path) and whether both jobs were still running when it ended.
#
#   scripts/with-postgres.sh scripts/bench-server.sh [CLIENTS] [SECONDS]     # default 50 clients, 30 s
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-50}
seconds=${2:-30}
bin=.build/release/hospital-twin
bench=.build/release/hospital-twin-bench
[ -x "$bin" ] && [ -x "$bench" ] || swift build -c release >&2
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# A stored run to read: the general hospital, 20 replications (a measured year after a year's warm-up).
"$bin" run scenarios/general-hospital.yaml --replications 20 --store --format csv -o /dev/null 2> "$work/run.log"
run=$(sed -n 's/.*stored run \([0-9]*\).*/\1/p' "$work/run.log" | head -n 1)
[ -n "$run" ] || { echo "bench-server: the run was not stored: $(cat "$work/run.log")" >&2; exit 1; }
name="bench-manager-$$"
"$bin" users add "$name" --role manager --no-password > /dev/null
token=$("$bin" users token "$name" 2>/dev/null)
# A manager who signs in with a password, for the pages.
password="bench password $$"
printf '%s\n' "$password" | "$bin" users add "$name-web" --role manager --password-stdin > /dev/null
"$bin" serve --port 0 --jobs 2 2> "$work/serve.log" &
server=$!
for _ in $(seq 1 200); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
base=$(sed -n "s/.*listening on \(http[^ ]*\).*/\1/p" "$work/serve.log")
[ -n "$base" ] || { echo "bench-server: the server did not start: $(cat "$work/serve.log")" >&2; exit 1; }
# Two jobs that outlast the measurement: 2,000 replications of the general hospital's two years each.
jobs=$(python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def call(path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))
scenario = max(s["id"] for s in call("/api/v1/scenarios?limit=200")["items"] if s["name"] == "general-hospital")
print(" ".join(str(call("/api/v1/jobs", {"kind": "run", "scenario_id": scenario, "replications": 2000})["id"]) for _ in range(2)))
PY
)
sleep 3  # both jobs under way before the load starts
"$bench" http-load --base "$base" --token "$token" --clients "$clients" --seconds "$seconds" --warmup 5 \
    --paths /api/v1/me /api/v1/runs "/api/v1/runs/$run" /api/v1/jobs /api/v1/scenarios
# The pages, with a session from the sign-in form (its CSRF cookie and field).
session=$(python3 - "$base" "$name-web" "$password" <<'PY'
import http.client, re, sys, urllib.parse
base, name, password = sys.argv[1:]
host = urllib.parse.urlparse(base)
connection = http.client.HTTPConnection(host.hostname, host.port)
connection.request("GET", "/login")
answer = connection.getresponse()
page = answer.read().decode()
form_cookie = next(c.split(";")[0] for c in answer.headers.get_all("Set-Cookie") if c.startswith("htw_signin="))
csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"name": name, "password": password, "csrf": csrf, "next": "/"})
connection.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": form_cookie})
answer = connection.getresponse()
answer.read()
print(next(c.split(";")[0].split("=", 1)[1] for c in answer.headers.get_all("Set-Cookie") if c.startswith("htw_session=")))
PY
)
[ -n "$session" ] || { echo "bench-server: could not sign in" >&2; exit 1; }
"$bench" http-load --base "$base" --session "$session" --clients "$clients" --seconds "$seconds" --warmup 5 \
    --paths / /runs "/runs/$run" /manager /scenarios "/jobs/${jobs%% *}"
python3 - "$base" "$token" $jobs <<'PY'
import json, sys, urllib.request
base, token, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
def call(path, method="GET"):
    request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None,
                                     headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(request))
states = [call(f"/api/v1/jobs/{i}") for i in ids]
print(json.dumps({"jobs": [{"id": s["id"], "status": s["status"], "replications_done": s["progress"]["replications_done"]}
                           for s in states]}))
for i in ids:
    call(f"/api/v1/jobs/{i}/cancel", "POST")
PY
