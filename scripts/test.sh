#!/usr/bin/env bash
# The whole test suite, database tests included, against a throwaway PostgreSQL (see with-postgres.sh).
#   scripts/test.sh [extra swift test arguments, e.g. --filter Erlang]
set -euo pipefail
cd "$(dirname "$0")/.."
# Release mode: the suite is mostly simulation (statistical validation over millions of events), which runs about
# 40 times faster optimised; tests use only public APIs, so no -enable-testing is needed.
exec scripts/with-postgres.sh swift test -c release "$@"
