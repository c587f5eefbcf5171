#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster, then stops the cluster and deletes it, also when the
# command fails or is interrupted.
#
#   scripts/with-postgres.sh COMMAND [ARG...]
#   scripts/with-postgres.sh --install-only      (install what is missing, start nothing)
#
# - Installs what is missing (postgresql, libpq-dev, pkg-config, tzdata) with apt-get, non-interactively; as root
#   directly, otherwise through passwordless sudo.
# - PostgreSQL refuses to run as root: as root the cluster runs as the 'postgres' system user (made if absent).
# - The cluster listens on a Unix socket in its own fresh directory and on no TCP port, so two runs at the same
#   time never collide.
# - The command sees HOSPITAL_TWIN_DATABASE_URL, a libpq connection string to an empty database.
set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

find_pg_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  dir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  if [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

install_missing() {
  local missing=()
  [ -n "$(find_pg_bindir)" ] || missing+=(postgresql)
  [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  [ -d /usr/share/zoneinfo/Europe ] || missing+=(tzdata)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    as_root apt-get update -q >/dev/null || { log "cannot run apt-get (not root, no passwordless sudo): install ${missing[*]}"; exit 1; }
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_missing
if [ "${1:-}" = "--install-only" ]; then exit 0; fi
bindir=$(find_pg_bindir)
[ -n "$bindir" ] || { log "PostgreSQL's initdb was not found after installing postgresql"; exit 1; }

workdir=$(mktemp -d "${TMPDIR:-/tmp}/hospital-twin-pg.XXXXXX")
chmod 755 "$workdir"
run_db=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  chown postgres "$workdir"
  if command -v runuser >/dev/null 2>&1; then run_db=(runuser -u postgres --)
  else run_db=(setpriv --reuid=postgres --regid="$(id -g postgres)" --init-groups --)
  fi
fi

cleanup() {
  local status=$?
  if [ -f "$workdir/data/postmaster.pid" ]; then
    "${run_db[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

(cd "$workdir" && "${run_db[@]}" "$bindir/initdb" -D "$workdir/data" -U hospital_twin --auth=trust -E UTF8 \
  --locale=C --no-sync >"$workdir/initdb.log" 2>&1) || { cat "$workdir/initdb.log" >&2; exit 1; }
if ! (cd "$workdir" && "${run_db[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null); then
  cat "$workdir/server.log" >&2
  exit 1
fi
"$bindir/createdb" -h "$workdir" -U hospital_twin hospital_twin

export HOSPITAL_TWIN_DATABASE_URL="host=$workdir user=hospital_twin dbname=hospital_twin"
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running on socket $workdir"
set +e
"$@"
status=$?
set -e
exit $status
