#!/usr/bin/env bash
# The main job, end to end, on a fresh machine: installs what is missing (PostgreSQL, libpq), builds the release
# binaries, and runs the three users' questions on the reference scenarios, storing every run:
#   - operations: the general hospital against two more night nurses and a Saturday theatre list, a measured year
#     each on common random numbers, compared measure by measure (paired differences, 95% CIs, verdicts);
#   - finance: the night-nurse variant's cost report against the baseline, rendered again from the stored runs;
#   - planning: 14 days of bed demand per unit from the sample census of today's inpatients, then from the census
#     of a simulated hospital (run --census-at), then from the live census of the hospital's HL7 feed (feed emit,
#     ingest, census, forecast --live), the hospital calibrated on eight weeks of the log (calibrate) and that
#     calibrated scenario's forecast backtested on the weeks after (backtest), and whether the measured year is past the warm-up (--warmup-report);
#   - scale: the general hospital's run planned in two shards and worked by two separate processes (runs plan,
#     work --shard-from-env), equal byte for byte to the one-process run; the backtest's origins likewise;
#   - the server: the stored runs read over HTTP with a planner's and a finance officer's API tokens, what each
#     role may read, and the refusal in the audit log; a manager's comparison queued as a job, followed as events;
# writes the HTML reports (the three users' and the backtest's), lists the stored runs, and says where the reports are. Then, shorter, the kernel
# against queueing theory and the patient-twin workflow. The database is the one configured
# (HOSPITAL_TWIN_DATABASE_URL, DATABASE_URL, PG* variables), else the embedded cluster in ./.hospital-twin, which
# keeps the runs for later commands (hospital-twin runs list). Reports go to $DEMO_OUT or ./hospital-twin-reports.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/with-postgres.sh --install-only
echo "== building (release)"
swift build -c release --product hospital-twin 2>&1 | tail -n 1
bin=$(swift build -c release --show-bin-path)/hospital-twin
out=${DEMO_OUT:-hospital-twin-reports}
mkdir -p "$out"
logs=$(mktemp -d "${TMPDIR:-/tmp}/hospital-twin-demo.XXXXXX")
trap 'rm -rf "$logs"' EXIT
stored() { sed -n "s/.*stored run \([0-9]*\).*/\1/p" "$1"; }

echo
echo "== database"
"$bin" db check
echo
echo "== the reference scenarios, checked before anything runs"
"$bin" validate scenarios/*.yaml
echo
echo "== operations: two more night nurses on Wards 7 and 8, and a Saturday orthopaedic list, against the general"
echo "   hospital: 10 replications of a measured year each (365 days of warm-up), common random numbers, stored"
"$bin" compare scenarios/general-hospital.yaml scenarios/general-hospital-night-nurses.yaml \
    scenarios/general-hospital-saturday-list.yaml --store --html "$out/comparison.html" 2> "$logs/compare.log"
grep -E "stored run|database" "$logs/compare.log"
runs=($(stored "$logs/compare.log"))
echo
echo "== finance: the night-nurse variant's costs against the baseline, from the stored runs ${runs[1]} and ${runs[0]}"
"$bin" report "${runs[1]}" --as costs --baseline "${runs[0]}" --html "$out/costs.html" 2> "$logs/costs.log"
"$bin" report "${runs[1]}" --as costs --baseline "${runs[0]}" --format csv -o "$out/costs.csv" 2>> "$logs/costs.log"
echo
echo "== planning: bed demand for the next 14 days from today's census (scenarios/general-hospital-census.csv)"
"$bin" forecast scenarios/general-hospital.yaml --census scenarios/general-hospital-census.csv --days 14 --store \
    --html "$out/forecast.html" 2> "$logs/forecast.log"
grep -E "stored run|census" "$logs/forecast.log" || true
echo
echo "== planning: is the forecast right? The census of a simulated hospital on 1 June 2027 (patients in beds, ready"
echo "   to leave or not, in the ED, and the discharges of the 30 days before), and 14 days forecast from it"
"$bin" run scenarios/general-hospital.yaml --census-at 2027-06-01T00:00 -o "$out/simulated-census.csv"
"$bin" forecast scenarios/general-hospital.yaml --census "$out/simulated-census.csv" --days 14 \
    --html "$out/forecast-simulated-census.html" 2> "$logs/forecast-simulated.log" | sed -n 4,8p
echo
echo "== live: the hospital's own feed. 220 days of the general hospital's HL7 ADT and observation messages, as its"
echo "   PAS would send them (feed emit: a shadow hospital, switched on in a full hospital after a year's warm-up, with"
echo "   a real feed's duplicates, late messages, cancels and merges), stored in the event log, each once, identifiers"
echo "   pseudonymised; the census on 2 March 2026 from the log alone; 14 days forecast from it (forecast --live)"
"$bin" feed emit scenarios/general-hospital.yaml --days 220 --warmup 365 -o "$logs/feed.hl7" --duplicates 0.02 --out-of-order 0.05 \
    --cancel-and-resend 0.02 --merges 0.02 2> "$logs/emit.log"
# A trust sets its own key (32 characters or more, kept outside the repository); the demo's is for the demo.
export HOSPITAL_TWIN_PSEUDONYM_KEY="${HOSPITAL_TWIN_PSEUDONYM_KEY:-hospital-twin demo key: a trust sets its own}"
"$bin" ingest "$logs/feed.hl7" 2> "$logs/ingest.log"
"$bin" census scenarios/general-hospital.yaml --at 2026-03-02T00:00 -o "$out/live-census.csv" 2> "$logs/census.log" | sed -n 1p
"$bin" forecast scenarios/general-hospital.yaml --live --at 2026-03-02T00:00 --days 14 \
    --html "$out/forecast-live.html" 2> "$logs/forecast-live.log" | sed -n 4,8p
echo "   and each admitted patient's twin from the same census (twins predict --live; the clinician's page shows the"
echo "   same): remaining days to ready to leave, chances of critical care, death and readmission; three of them:"
"$bin" twins predict --live scenarios/general-hospital.yaml --at 2026-03-02T00:00 -o "$out/live-twins.csv" 2> "$logs/live-twins.log"
grep -o "[0-9]* admitted patients" "$logs/live-twins.log" | sed 's/^/   /'
head -n 4 "$out/live-twins.csv" | cut -d, -f1,3-5,7-10,11,13 | column -s, -t | sed 's/^/   /'
echo
echo "== planning: the hospital learnt from its own history. calibrate reads eight weeks of the log (18 May to 12 July"
echo "   2026): arrivals by hour of the week, the"
echo "   admitted share and mix, each unit's stays and moves (censored at the window's end), theatre times, discharge"
echo "   windows, readmissions; it writes a scenario extending the general hospital, a twin model beside it, and checks"
echo "   the written scenario's midnight census against the log's (Docs/CALIBRATION.md)"
"$bin" calibrate --base scenarios/general-hospital.yaml --from 2026-05-18 --to 2026-07-12 -o "$out/calibrated.yaml" \
    --replace --html "$out/calibration.html" > "$logs/calibration.txt" 2> "$logs/calibrate.log"
sed -n 3p "$logs/calibration.txt"
grep -E "census check|wrote .*calibrated" "$logs/calibrate.log" | sed 's/^hospital-twin: //'
grep -A2 "^group " "$logs/calibration.txt"
echo
echo "== planning: has the live forecast been right? The calibrated scenario backtested on the log, after its window:"
echo "   each day from 13 to 26 July 2026 at 23:59, the census as the log had it then, 14 days forecast from it, held"
echo "   against the log's midnights, beside last value, the six-week same-weekday mean, seasonal naive and Holt-Winters"
echo "   (Docs/BACKTEST.md)"
"$bin" backtest "$out/calibrated.yaml" --from 2026-07-13 --to 2026-07-26 --replications 100 --store \
    --html "$out/backtest.html" 2> "$logs/backtest.log" | sed -n 4,10p
grep -E "stored backtest" "$logs/backtest.log" || true
echo
echo "== steady state: does the measured year start after the warm-up's transient? (4 years from empty)"
"$bin" run scenarios/general-hospital.yaml --warmup-report --replications 6 --horizon 1460 2>/dev/null | sed -n 3,9p
echo
echo "== scale: the general hospital's run again, planned in 2 shards and worked by two separate processes, as a"
echo "   Kubernetes Indexed Job or a Slurm job array starts them (JOB_COMPLETION_INDEX; Docs/SCALE.md); every"
echo "   replication is stored in its own transaction, and the last worker completes the run"
plan=$("$bin" runs plan scenarios/general-hospital.yaml --shards 2 2> "$logs/plan.log")
JOB_COMPLETION_INDEX=0 "$bin" work "$plan" --shard-from-env --threads 1 2> "$logs/work-0.log" &
first=$!
JOB_COMPLETION_INDEX=1 "$bin" work "$plan" --shard-from-env --threads 1 2> "$logs/work-1.log"
wait "$first"
"$bin" runs status "$plan" 2>/dev/null | sed -n 1,2p
"$bin" runs export "$plan" --format csv 2>/dev/null > "$logs/sharded.csv"
"$bin" runs export "${runs[0]}" --format csv 2>/dev/null > "$logs/one-process.csv"
if cmp -s "$logs/sharded.csv" "$logs/one-process.csv"; then
    echo "run $plan (2 processes) and run ${runs[0]} (one process): the same metrics, byte for byte"
else
    echo "run $plan (2 processes) and run ${runs[0]} (one process) differ: a bug, please report it" >&2
    exit 1
fi
echo
echo "== scale: the calibrated backtest again, its 14 origins planned in 2 shards (runs plan --kind backtest) and worked"
echo "   by two processes, each reading the log as it was when planned; the last worker stores the backtest"
btplan=$("$bin" runs plan "$out/calibrated.yaml" --kind backtest --from 2026-07-13 --to 2026-07-26 --replications 100 \
    --shards 2 2> "$logs/btplan.log")
JOB_COMPLETION_INDEX=0 "$bin" work "$btplan" --shard-from-env --threads 1 2> "$logs/btwork-0.log" &
first=$!
JOB_COMPLETION_INDEX=1 "$bin" work "$btplan" --shard-from-env --threads 1 2> "$logs/btwork-1.log"
wait "$first"
"$bin" runs status "$btplan" 2>/dev/null | sed -n 1,2p
sharded=$(cat "$logs"/btwork-*.log | sed -n "s/.*stored backtest \([0-9]*\).*/\1/p" | head -n 1)
single=$(sed -n "s/.*stored backtest \([0-9]*\).*/\1/p" "$logs/backtest.log")
"$bin" report "$sharded" --as backtest --format csv 2>/dev/null > "$logs/backtest-sharded.csv"
"$bin" report "$single" --as backtest --format csv 2>/dev/null > "$logs/backtest-one.csv"
if cmp -s "$logs/backtest-sharded.csv" "$logs/backtest-one.csv"; then
    echo "backtest $sharded (2 processes) and backtest $single (one process): the same scores, byte for byte"
else
    echo "backtest $sharded (2 processes) and backtest $single (one process) differ: a bug, please report it" >&2
    exit 1
fi
echo
echo "== the server: the same stored runs over HTTP, by role (serve; Docs/SERVER.md). A planner and a finance officer,"
echo "   each with an API token; the planner reads the runs and a run's summary, and is refused the cost report (403,"
echo "   in the audit log); finance reads it"
for user in demo-planner:planner demo-finance:finance; do
    "$bin" users list 2>/dev/null | grep -q "^${user%%:*} " \
        || "$bin" users add "${user%%:*}" --role "${user##*:}" --no-password > /dev/null 2>> "$logs/users.log"
done
planner=$("$bin" users token demo-planner 2>/dev/null)
finance=$("$bin" users token demo-finance 2>/dev/null)
"$bin" serve --port 0 2> "$logs/serve.log" &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$logs/serve.log" && break; sleep 0.1; done
base=$(sed -n "s/.*listening on \(http[^ ]*\).*/\1/p" "$logs/serve.log")
get() {  # TOKEN PATH: the status, then the first lines of the answer
    if ! command -v curl > /dev/null && ! command -v python3 > /dev/null; then
        echo "GET $2: skipped (neither curl nor python3 is installed to send it)"
        return
    fi
    if command -v curl > /dev/null; then
        curl -s -w "\n%{http_code}\n" -H "Authorization: Bearer $1" "$base$2" > "$logs/answer"
    else
        python3 - "$base$2" "$1" > "$logs/answer" <<'PY'
import sys, urllib.request, urllib.error
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    answer = urllib.request.urlopen(request)
except urllib.error.HTTPError as error:
    answer = error
print(answer.read().decode()); print(answer.status)
PY
    fi
    echo "GET $2 -> $(tail -n 1 "$logs/answer")"
}
get "$planner" "/api/v1/runs?limit=3"
get "$planner" "/api/v1/runs/${runs[0]}"
get "$planner" "/api/v1/runs/${runs[1]}/costs?baseline=${runs[0]}"
grep -oE '"detail" ?: ?"[^"]*"' "$logs/answer" | sed 's/^/   /'
get "$finance" "/api/v1/runs/${runs[1]}/costs?baseline=${runs[0]}"
echo "-- a manager queues the comparison again as a job (POST /api/v1/jobs: 20 replications of 120 days), follows its"
echo "   progress as server-sent events, and reads its verdicts from the runs it stored"
"$bin" users list 2>/dev/null | grep -q "^demo-manager " \
    || "$bin" users add demo-manager --role manager --no-password > /dev/null 2>> "$logs/users.log"
manager=$("$bin" users token demo-manager 2>/dev/null)
if command -v python3 > /dev/null; then
    python3 - "$base" "$manager" "${runs[0]}" "${runs[1]}" <<'PY'
import json, sys, urllib.request
base, token, compared = sys.argv[1], sys.argv[2], sys.argv[3:]
def call(path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return urllib.request.urlopen(request)
scenarios = json.load(call("/api/v1/scenarios?limit=200"))["items"]
def scenario_of(run):  # the stored scenario the earlier comparison's run ran
    record = json.load(call(f"/api/v1/runs/{run}"))["run"]
    return next(s["id"] for s in scenarios if s["name"] == record["scenario"] and s["version"] == record["scenario_version"])
ids = [scenario_of(run) for run in compared]
queued = call("/api/v1/jobs", {"kind": "comparison", "scenario_ids": ids, "replications": 20, "horizon_days": 120, "warmup_days": 30})
job = json.load(queued)
print(f"POST /api/v1/jobs -> {queued.status}: job {job['id']}, runs {job['runs']}, {job['status']}")
events, event = 0, None
for line in call(f"/api/v1/jobs/{job['id']}/events"):
    line = line.decode().rstrip("\n")
    if line.startswith("event: "):
        event, events = line[7:], events + 1
    elif line == "" and event == "end":
        break
done = json.load(call(f"/api/v1/jobs/{job['id']}"))
print(f"GET /api/v1/jobs/{job['id']}/events -> {events} events, the last 'end': {done['status']}, "
      f"{done['progress']['replications_done']} of {done['progress']['replications']} replications stored")
verdicts = done["links"]["comparisons"][0]
answer = call(verdicts)
print(f"GET {verdicts} -> {answer.status}")
PY
else
    echo "the job step is skipped: python3 is not installed to send it"
fi
kill -TERM "$server"
wait "$server" || true
"$bin" audit --user demo-planner 2>/dev/null | sed -n 1,5p
echo
echo "== the stored runs"
"$bin" runs list
echo
echo "== reports"
for file in comparison.html costs.html costs.csv forecast.html simulated-census.csv forecast-simulated-census.html \
    live-census.csv live-twins.csv forecast-live.html calibrated.yaml calibration.html backtest.html; do echo "  $(cd "$out" && pwd)/$file"; done
echo
echo "== simulation kernel against queueing theory"
"$bin" validate --kernel --replications 10
echo
echo "== patient twins: a year of episodes from the built-in model, fitted back; forecasts; NEWS2 and LACE"
"$bin" twins generate --patients 10000 --seed 7 --follow-up 0 -o "$logs/episodes.csv"
"$bin" twins fit "$logs/episodes.csv" -o "$logs/twin-model.json" --report "$logs/twin-fit-report.md"
sed -n "/## Readmission/,/^## [^R]/p" "$logs/twin-fit-report.md" | head -n 12
"$bin" twins predict "$logs/episodes.csv" --model "$logs/twin-model.json" --samples 1000 -o "$logs/forecasts.csv"
head -n 4 "$logs/forecasts.csv" | column -s, -t
printf "%s\n" "bed,respiration_rate,spo2,spo2_scale,on_oxygen,systolic_bp,pulse,consciousness,temperature" \
    "A1,16,97,1,false,122,72,A,36.8" "A2,25,91,1,true,98,118,V,39.3" "A3,22,88,2,false,104,96,A,38.2" > "$logs/vitals.csv"
"$bin" score news2 "$logs/vitals.csv" | column -s, -t
echo
echo "The reports are in $(cd "$out" && pwd); the runs stay stored: hospital-twin runs list, hospital-twin report ID."
echo "The dashboard on these runs: make yourself an admin (the password is read from the terminal), serve, and sign in:"
echo "  $bin users add YOUR-NAME --role admin"
echo "  $bin serve        # then open http://127.0.0.1:8080/login: Runs, Beds, Patients, Scenarios compared, Costs"
