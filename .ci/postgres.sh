#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server on a loopback port for the test suite.
#   source .ci/postgres.sh start   -> exports LPIP_TEST_POSTGRES_URL
#   .ci/postgres.sh stop
# Runs the server as the `postgres` user when started as root (initdb refuses root).
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
PG_DIR="${PG_DIR:-/tmp/lpip-ci-postgres}"

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$found" ]]; then
    echo "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2
    return 1
  fi
  echo "$found"
}

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  local bin
  bin=$(pg_bin)
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR/socket"
  [[ $(id -u) -eq 0 ]] && chown -R postgres: "$PG_DIR"
  as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-p $PG_PORT -k $PG_DIR/socket -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  export LPIP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "PostgreSQL running on 127.0.0.1:$PG_PORT (LPIP_TEST_POSTGRES_URL=$LPIP_TEST_POSTGRES_URL)"
}

pg_stop() {
  local bin
  bin=$(pg_bin) || return 0
  if [[ -d "$PG_DIR/data" ]]; then
    as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop ;;
  *) echo "usage: source .ci/postgres.sh start | .ci/postgres.sh stop" >&2; return 2 2>/dev/null || exit 2 ;;
esac
