#!/usr/bin/env bash
# The main job, end to end, on a fresh machine: installs what is missing, starts a throwaway PostgreSQL, builds the
# release binaries, checks the database connection, validates the simulation kernel against queueing theory and
# times the benchmark model. The cluster is removed afterwards.
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with-postgres.sh bash -c '
  set -euo pipefail
  echo "== building (release)"
  swift build -c release --product hospital-twin 2>&1 | tail -n 1
  swift build -c release --product hospital-twin-bench 2>&1 | tail -n 1
  bin=$(swift build -c release --show-bin-path)
  echo
  echo "== database"
  "$bin/hospital-twin" db check
  echo
  echo "== simulation kernel against queueing theory"
  "$bin/hospital-twin" validate --warmup-report
  echo
  echo "== benchmark: M/M/50 queue, 1,000,000 customers (shared benchmark model mmc)"
  "$bin/hospital-twin-bench" mmc --customers 1000000 --seed 1
'
