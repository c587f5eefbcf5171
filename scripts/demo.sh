#!/usr/bin/env bash
# The main job, end to end, on a fresh machine: installs what is missing, starts a throwaway PostgreSQL, builds the
# release binaries, checks the database connection, validates the reference scenarios, runs the general hospital
# for a measured year with replications, prints its KPI table and stores the run (exported as JSON and CSV), runs
# and stores the night-nurse variant on the same seed, lists the stored runs, then — shorter — checks the
# simulation kernel against queueing theory and runs the patient-twin workflow (generate episodes, fit a twin
# model, forecast the patients in hospital, score NEWS2 and LACE). Work files go to a temporary directory (or to $DEMO_OUT if set); the cluster is removed
# afterwards.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with-postgres.sh bash -c '
  set -euo pipefail
  echo "== building (release)"
  swift build -c release --product hospital-twin 2>&1 | tail -n 1
  swift build -c release --product hospital-twin-bench 2>&1 | tail -n 1
  bin=$(swift build -c release --show-bin-path)
  out=${DEMO_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/hospital-twin-demo.XXXXXX")}
  mkdir -p "$out"
  echo
  echo "== database"
  "$bin/hospital-twin" db check
  echo
  echo "== the reference scenarios, checked before anything runs"
  "$bin/hospital-twin" validate scenarios/*.yaml
  echo
  echo "== the general hospital: 10 replications of a measured year (84 days of warm-up first), seed 1, stored"
  "$bin/hospital-twin" run scenarios/general-hospital.yaml --store 2> "$out/run-base.log"
  cat "$out/run-base.log"
  base=$(sed -n "s/.*stored run \([0-9]*\).*/\1/p" "$out/run-base.log")
  "$bin/hospital-twin" runs export "$base" --format json -o "$out/general-hospital.json" 2>/dev/null
  "$bin/hospital-twin" runs export "$base" --format csv -o "$out/general-hospital.csv" 2>/dev/null
  echo
  echo "== two more night nurses (Wards 7 and 8), same seed, stored: the lines that answer the question"
  "$bin/hospital-twin" run scenarios/general-hospital-night-nurses.yaml --store --format csv \
    -o "$out/night-nurses.csv" 2> "$out/run-variant.log"
  cat "$out/run-variant.log"
  { echo "scenario,metric,mean,sd,ci95_low,ci95_high"
  for file in "$out/general-hospital.csv" "$out/night-nurses.csv"; do
    grep -E "^[^,]*,(safe_staffing\.Ward [78] [^,]*\.night\.hours_below|ed\.boarding_hours|ed\.mean_time_to_bed_minutes|staff\.registered_nurse\.night\.week(day|end)\.agency_hours)," \
      "$file" | sed -E "s/\"[^\"]*\"//" | cut -d, -f1,2,7-10
  done; } | column -s, -t
  echo
  echo "== the stored runs"
  "$bin/hospital-twin" runs list
  echo
  echo "== simulation kernel against queueing theory"
  "$bin/hospital-twin" validate --kernel --replications 10
  echo
  echo "== benchmark: a year of the general hospital, one replication on one core, beside M/M/50 in the same run"
  "$bin/hospital-twin-bench" hospital
  echo
  echo "== patient twins: a year of episodes from the built-in model, fitted back"
  "$bin/hospital-twin" twins generate --patients 10000 --seed 7 --follow-up 0 -o "$out/episodes.csv"
  "$bin/hospital-twin" twins fit "$out/episodes.csv" -o "$out/twin-model.json" --report "$out/twin-fit-report.md"
  sed -n "/## Readmission/,/^## [^R]/p" "$out/twin-fit-report.md" | head -n 20
  echo
  echo "== forecasts for the first patients in hospital at the export (as of its latest time)"
  "$bin/hospital-twin" twins predict "$out/episodes.csv" --model "$out/twin-model.json" --samples 1000 \
    -o "$out/forecasts.csv"
  head -n 6 "$out/forecasts.csv" | column -s, -t
  echo
  echo "== NEWS2 and LACE scoring"
  printf "%s\n" "bed,respiration_rate,spo2,spo2_scale,on_oxygen,systolic_bp,pulse,consciousness,temperature" \
    "A1,16,97,1,false,122,72,A,36.8" "A2,25,91,1,true,98,118,V,39.3" "A3,22,88,2,false,104,96,A,38.2" \
    > "$out/vitals.csv"
  "$bin/hospital-twin" score news2 "$out/vitals.csv" | column -s, -t
  printf "%s\n" "spell,admitted_at,discharged_at,emergency_admission,charlson_index,ed_visits_6m" \
    "S1,2026-03-02 22:00,2026-03-03 08:00,no,0,0" "S2,2026-03-02 09:10,2026-03-07 14:00,yes,3,2" \
    "S3,2026-03-01 18:30,2026-03-17 11:00,yes,6,5" > "$out/discharges.csv"
  "$bin/hospital-twin" score lace "$out/discharges.csv" --time-zone Europe/London | column -s, -t
  echo
  echo "files in $out"
'
