#!/usr/bin/env bash
# The whole test suite, database tests included, against a throwaway PostgreSQL (see with-postgres.sh); then, when
# no arguments narrow the suite, the users' HTML reports (and a backtest's) written and checked in headless Chromium (check-reports.sh),
# and the dashboard worked through by five users in Chromium (check-dashboard.sh).
#   scripts/test.sh [extra swift test arguments, e.g. --filter Erlang]
set -euo pipefail
cd "$(dirname "$0")/.."
# Release mode: the suite is mostly simulation (statistical validation over millions of events), which runs about
# 40 times faster optimised; tests use only public APIs, so no -enable-testing is needed.
# The python `hl7` package is the HL7 v2 parser's test-time oracle (Tests/HL7Tests), never a dependency.
if ! python3 -c "import hl7" >/dev/null 2>&1; then
    echo "test: installing the python hl7 package (the HL7 parser's oracle)" >&2
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "hl7==0.4.5" >&2 \
        || python3 -m pip install --quiet --user "hl7==0.4.5" >&2
fi
# The HTML reports are checked beside the same throwaway cluster (the backtest's page needs a database).
if ! python3 -c "import openapi_spec_validator" >/dev/null 2>&1; then
    echo "test: installing openapi-spec-validator (the OpenAPI document's independent check)" >&2
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "openapi-spec-validator==0.9.0" >&2 \
        || python3 -m pip install --quiet --user "openapi-spec-validator==0.9.0" >&2
fi
# The dashboard is checked in Chromium too, driven by Playwright (a test-time tool; check-dashboard.sh installs it).
scripts/with-postgres.sh bash -c 'swift test -c release "$@" && if [ $# -eq 0 ]; then scripts/check-reports.sh && scripts/check-dashboard.sh; fi' _ "$@"
