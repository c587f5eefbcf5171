#!/usr/bin/env bash
# The whole test suite, database tests included, against a throwaway PostgreSQL (see with-postgres.sh); then, when
# no arguments narrow the suite, the three HTML reports written and checked in headless Chromium (check-reports.sh).
#   scripts/test.sh [extra swift test arguments, e.g. --filter Erlang]
set -euo pipefail
cd "$(dirname "$0")/.."
# Release mode: the suite is mostly simulation (statistical validation over millions of events), which runs about
# 40 times faster optimised; tests use only public APIs, so no -enable-testing is needed.
scripts/with-postgres.sh swift test -c release "$@"
if [ $# -eq 0 ]; then scripts/check-reports.sh; fi
