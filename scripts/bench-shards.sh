#!/usr/bin/env bash
# The overhead of the sharded-run contract (Docs/SCALE.md, Docs/PERFORMANCE.md): the same replications of a scenario
# run by one process on two threads, or planned in two shards and worked by two processes of one thread each, both
# storing into the database of HOSPITAL_TWIN_DATABASE_URL (scripts/with-postgres.sh gives a throwaway one).
#
#   scripts/with-postgres.sh scripts/bench-shards.sh one 1000       # run --store, one process, two threads
#   scripts/with-postgres.sh scripts/bench-shards.sh sharded 1000   # runs plan --shards 2, then two workers
#   scripts/with-postgres.sh scripts/bench-shards.sh simulate 1000  # run without storing (the time to store is the
#                                                                   # difference from "one")
# Time each with /usr/bin/time -v or any harness; SCENARIO overrides the scenario (default the general hospital,
# a measured year after a year's warm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?one, sharded or simulate}
replications=${2:-1000}
scenario=${SCENARIO:-scenarios/general-hospital.yaml}
bin=.build/release/hospital-twin
[ -x "$bin" ] || swift build -c release --product hospital-twin >&2
case "$mode" in
  simulate) "$bin" run "$scenario" --replications "$replications" --threads 2 --format csv -o /dev/null 2>/dev/null ;;
  one) "$bin" run "$scenario" --replications "$replications" --threads 2 --store --format csv -o /dev/null 2>/dev/null ;;
  sharded)
    id=$("$bin" runs plan "$scenario" --replications "$replications" --shards 2 2>/dev/null)
    "$bin" work "$id" --shard 0 --threads 1 2>/dev/null &
    first=$!
    "$bin" work "$id" --shard 1 --threads 1 2>/dev/null
    wait "$first"
    "$bin" runs status "$id" --format json 2>/dev/null | grep -q '"status" : "completed"' \
      || { echo "bench-shards: run $id did not complete" >&2; exit 1; } ;;
  *) echo "bench-shards: mode is one, sharded or simulate, found $mode" >&2; exit 2 ;;
esac
