#!/usr/bin/env bash
# The dashboard in headless Chromium through real sessions (scripts/check-dashboard.py, driven by Playwright from
# PyPI with Debian's Chromium): a server on a database of its own in the test script's cluster, one user of each
# working role, a feed system's token; each user signs in and does their work. Needs HOSPITAL_TWIN_DATABASE_URL
# (scripts/with-postgres.sh sets it).
#   scripts/check-dashboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${HOSPITAL_TWIN_DATABASE_URL:?run inside scripts/with-postgres.sh}"
if ! python3 -c "import playwright" >/dev/null 2>&1; then
    echo "check-dashboard: installing playwright (a test-time driver of the installed Chromium)" >&2
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "playwright==1.57.0" >&2 \
        || python3 -m pip install --quiet --user "playwright==1.57.0" >&2
fi
bin=$(swift build -c release --show-bin-path)/hospital-twin
if [ ! -x "$bin" ] || [ -n "$(find Sources Package.swift -newer "$bin" -print -quit)" ]; then
    swift build -c release --product hospital-twin 2>&1 | tail -n 1
fi
name="dashboard_$$"
psql "$HOSPITAL_TWIN_DATABASE_URL" -q -c "CREATE DATABASE $name" >/dev/null
export HOSPITAL_TWIN_DATABASE_URL="${HOSPITAL_TWIN_DATABASE_URL/dbname=hospital_twin/dbname=$name}"
export HOSPITAL_TWIN_PSEUDONYM_KEY="check-dashboard key, thirty-two characters or more"
work=$(mktemp -d "${TMPDIR:-/tmp}/hospital-twin-dashboard.XXXXXX")
server=""
cleanup() { [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
password="check-dashboard password $$"
for role in admin manager planner finance viewer; do
    printf '%s\n' "$password" | "$bin" users add "check-$role" --role "$role" --password-stdin > /dev/null 2>> "$work/users.log"
done
"$bin" users add check-feed --role admin --no-password > /dev/null 2>> "$work/users.log"
token=$("$bin" users token check-feed 2>> "$work/users.log" | grep -o 'htw_[A-Za-z0-9_-]*' | head -n 1)
"$bin" serve --port 0 --jobs 1 2> "$work/serve.log" &
server=$!
for _ in $(seq 1 200); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
base=$(sed -n "s/.*listening on \(http[^ ]*\).*/\1/p" "$work/serve.log")
[ -n "$base" ] || { cat "$work/serve.log" >&2; exit 1; }
status=0
python3 scripts/check-dashboard.py "$base" "$password" "$token" || status=$?
if [ $status -ne 0 ]; then echo "check-dashboard: the server's log:" >&2; tail -n 30 "$work/serve.log" >&2; fi
exit $status
