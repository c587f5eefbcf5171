#!/usr/bin/env bash
# Writes the three users' HTML reports with the release binary (small runs) and checks them in headless Chromium
# (scripts/check-html.sh): a comparison of the staffing variant, a cost report against the baseline, a forecast
# from the sample census, and (beside the test script's database) a backtest and a calibration on the shadow hospital's feed. Installs Chromium (Debian's package) when missing, as root or through passwordless sudo.
#   scripts/check-reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    echo "check-reports: installing chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    root=(); [ "$(id -u)" = 0 ] || root=(sudo -n)
    "${root[@]}" apt-get install -y -q --no-install-recommends chromium fonts-liberation >/dev/null 2>&1 \
        || { "${root[@]}" apt-get update -q >/dev/null && "${root[@]}" apt-get install -y -q --no-install-recommends chromium fonts-liberation >/dev/null; }
fi
# The binary the test suite built, unless a source is newer (a separate product build would rebuild everything).
bin=$(swift build -c release --show-bin-path)/hospital-twin
if [ ! -x "$bin" ] || [ -n "$(find Sources Package.swift -newer "$bin" -print -quit)" ]; then
    swift build -c release --product hospital-twin 2>&1 | tail -n 1
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/hospital-twin-reports.XXXXXX")
trap 'rm -rf "$out"' EXIT
"$bin" compare scenarios/general-hospital.yaml scenarios/general-hospital-night-nurses.yaml --replications 3 --horizon 200 \
    --warmup 84 --html "$out/comparison.html" > /dev/null 2>&1
"$bin" costs scenarios/general-hospital-night-nurses.yaml --baseline scenarios/general-hospital.yaml --replications 3 \
    --horizon 200 --warmup 84 --html "$out/costs.html" > /dev/null 2>&1
"$bin" forecast scenarios/general-hospital.yaml --census scenarios/general-hospital-census.csv --days 14 --replications 40 \
    --html "$out/forecast.html" > /dev/null 2>&1
reports=("$out/comparison.html" "$out/costs.html" "$out/forecast.html")
# The backtest's and the calibration's pages, on a database of their own (both read the whole event log): when the
# test script's throwaway cluster is there, a database made in it for the shadow hospital's 70 days.
if [ -n "${HOSPITAL_TWIN_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1; then
    name="reports_$$"
    psql "$HOSPITAL_TWIN_DATABASE_URL" -q -c "CREATE DATABASE $name" >/dev/null
    url="${HOSPITAL_TWIN_DATABASE_URL/dbname=hospital_twin/dbname=$name}"
    HOSPITAL_TWIN_PSEUDONYM_KEY="check-reports key, thirty-two characters or more" HOSPITAL_TWIN_DATABASE_URL="$url" bash -c '
        set -e
        "$1" feed emit scenarios/general-hospital.yaml --days 70 -o "$2/feed.hl7" 2>/dev/null
        "$1" ingest "$2/feed.hl7" > /dev/null 2>&1
        "$1" backtest scenarios/general-hospital.yaml --from 2026-02-16 --to 2026-02-18 --horizon 5 --replications 8 \
            --html "$2/backtest.html" > /dev/null 2>&1
        "$1" calibrate --from 2026-01-12 --to 2026-03-10 -o "$2/calibrated.yaml" --replications 2 \
            --html "$2/calibration.html" > /dev/null 2>&1' _ "$bin" "$out"
    psql "$HOSPITAL_TWIN_DATABASE_URL" -q -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
    reports+=("$out/backtest.html" "$out/calibration.html")
fi
scripts/check-html.sh "${reports[@]}"
