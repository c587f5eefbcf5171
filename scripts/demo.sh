#!/usr/bin/env bash
# The main job, end to end, on a fresh machine: installs what is missing, starts a throwaway PostgreSQL, builds the
# release binaries, checks the database connection, validates the simulation kernel against queueing theory,
# times the benchmark model, and runs the patient-twin workflow: generate an episode export, fit a twin model to
# it, forecast the patients still in hospital, and score NEWS2 and LACE files. Work files go to a temporary
# directory (or to $DEMO_OUT if set); the cluster is removed afterwards.
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
  echo "== simulation kernel against queueing theory"
  "$bin/hospital-twin" validate --kernel --warmup-report
  echo
  echo "== benchmark: M/M/50 queue, 1,000,000 customers (shared benchmark model mmc)"
  "$bin/hospital-twin-bench" mmc --customers 1000000 --seed 1
  echo
  echo "== patient twins: a year of episodes from the built-in model, fitted back"
  "$bin/hospital-twin" twins generate --patients 20000 --seed 7 --follow-up 0 -o "$out/episodes.csv"
  "$bin/hospital-twin" twins fit "$out/episodes.csv" -o "$out/twin-model.json" --report "$out/twin-fit-report.md"
  sed -n "/## Readmission/,\$p" "$out/twin-fit-report.md"
  echo
  echo "== forecasts for the first patients in hospital at the export (as of its latest time)"
  "$bin/hospital-twin" twins predict "$out/episodes.csv" --model "$out/twin-model.json" --samples 2000 \
    -o "$out/forecasts.csv"
  head -n 6 "$out/forecasts.csv" | column -s, -t
  echo
  echo "== the next 60 days from today'"'"'s census, twins on the simulation kernel (midnight census, every 10th day)"
  "$bin/hospital-twin" twins simulate --census "$out/episodes.csv" --model "$out/twin-model.json" \
    --admissions-per-day 58 --days 60 -o "$out/census.csv"
  awk -F, "NR == 1 || NR % 10 == 2" "$out/census.csv" | column -s, -t
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
