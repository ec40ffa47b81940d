# shellcheck shell=bash
# What bench/ssr.sh and bench/fanout.sh share: their set-up (backend, instances, database)
# and its cleanup. Sourced, not run: each script `cd`s to the repository root, sets its own
# defaults, then `. bench/lib.sh`.
#
# Expects: SCRIPT (the script's path, e.g. bench/ssr.sh, which prefixes die's messages),
#   PORT (instance 1's port); reads BENCH_BACKEND, BENCH_INSTANCES, BENCH_PG_URL, BENCH_KEEP_DB.
# Sets when sourced (after checking them; dies on a bad value): BACKEND, INSTANCES, PG_URL
#   (no trailing /), addrs and bases (instance k on PORT+k-1), BASE (instance 1's) and label
#   ("SQLite, 1 instance", "PostgreSQL, 1 instance", "PostgreSQL, 2 instances").
# Provides: die, say; await_health BASE PID LOG; check_ports_free and check_postgres (refusals before anything is made);
#   prepare_run PREFIX (sets stamp, raw=bench/results/<stamp> made, tmp or pg_db, exports
#   DATABASE_URL and RUST_LOG, server_pids=(), trap cleanup EXIT); create_pg_database (sets
#   pg_created); stop_servers, cleanup; report_context (sets commit, cpu); show_report.

die() {
  echo "$SCRIPT: $*" >&2
  exit 1
}
say() { printf '==> %s\n' "$*"; }

# Waits up to 60 s for the server PID (logging to LOG) to answer BASE/healthz.
await_health() {
  local base=$1 pid=$2 log=$3
  for _ in $(seq 1 120); do
    curl -fs -o /dev/null --max-time 1 "$base/healthz" && return 0
    kill -0 "$pid" 2>/dev/null || die "the server exited: see $log"
    sleep 0.5
  done
  die "no /healthz after 60 s: see $log"
}

BACKEND=${BENCH_BACKEND:-sqlite}
INSTANCES=${BENCH_INSTANCES:-1}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_URL=${PG_URL%/}

case $BACKEND in
  sqlite | postgres) ;;
  *) die "BENCH_BACKEND must be sqlite or postgres, not '$BACKEND'" ;;
esac
case $INSTANCES in
  1 | 2) ;;
  *) die "BENCH_INSTANCES must be 1 or 2, not '$INSTANCES'" ;;
esac
if [ "$INSTANCES" = 2 ] && [ "$BACKEND" != postgres ]; then
  die "BENCH_INSTANCES=2 needs BENCH_BACKEND=postgres (a SQLite database serves one instance)"
fi
[[ $PORT =~ ^[0-9]+$ ]] || die "BENCH_PORT must be a port number, not '$PORT'"

# Instance k (1-based) listens on PORT+k-1.
addrs=()
bases=()
for k in $(seq 1 "$INSTANCES"); do
  addrs+=("127.0.0.1:$((PORT + k - 1))")
  bases+=("http://127.0.0.1:$((PORT + k - 1))")
done
BASE=${bases[0]}
if [ "$BACKEND" = sqlite ]; then
  label="SQLite, 1 instance"
else
  label="PostgreSQL, $INSTANCES instance$([ "$INSTANCES" = 1 ] || echo s)"
fi

check_ports_free() {
  local addr
  for addr in "${addrs[@]}"; do
    if curl -s -o /dev/null --max-time 1 "http://$addr/healthz"; then
      die "something already answers on $addr: set BENCH_PORT"
    fi
  done
}

check_postgres() {
  if [ "$BACKEND" = postgres ]; then
    command -v psql >/dev/null || die "psql is missing (BENCH_BACKEND=postgres creates its database with it)"
    psql "$PG_URL/test" -qAtX -c 'SELECT 1' >/dev/null ||
      die "cannot reach PostgreSQL at $PG_URL/test: set BENCH_PG_URL"
  fi
}

# The raw output's directory and the database: SQLite in a temp dir named $1-XXXXXX, or a
# PostgreSQL database for create_pg_database to make; at exit, cleanup stops the servers
# and deletes the temp dir or drops the database (BENCH_KEEP_DB=1: prints its URL).
prepare_run() {
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  raw=bench/results/$stamp
  mkdir -p "$raw"

  tmp=""
  pg_db=""
  pg_created=""
  if [ "$BACKEND" = sqlite ]; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1-XXXXXX")
    export DATABASE_URL="sqlite://$tmp/bench.db"
  else
    pg_db="ie_bench_${stamp,,}" # ie_bench_20261122t052219z, as the raw output's directory
    export DATABASE_URL="$PG_URL/$pg_db"
  fi
  export RUST_LOG=${RUST_LOG:-warn}

  server_pids=()
  trap cleanup EXIT
}

create_pg_database() {
  say "creating database $pg_db on $PG_URL"
  psql "$PG_URL/test" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pg_db" >/dev/null ||
    die "CREATE DATABASE $pg_db failed"
  pg_created=1
}

stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  server_pids=()
}
cleanup() {
  stop_servers
  if [ -n "${BENCH_KEEP_DB:-}" ]; then
    if [ -n "$tmp" ] || [ -n "$pg_created" ]; then echo "database kept: $DATABASE_URL"; fi
  else
    [ -z "$tmp" ] || rm -rf "$tmp"
    if [ -n "$pg_created" ]; then
      psql "$PG_URL/test" -qAtX -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null ||
        echo "$SCRIPT: could not drop database $pg_db: drop it by hand" >&2
    fi
  fi
}

# The report's commit (marked if src or Cargo.* differ from it) and CPU model.
report_context() {
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit (+ uncommitted changes)"
  # Another build measured: the commit it was built from, as BENCH_BIN_COMMIT says.
  if [ -n "${BENCH_BIN:-}" ]; then
    commit="${BENCH_BIN_COMMIT:-unknown} (binary $BENCH_BIN)"
  fi
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
}

# Prints the section just appended to $REPORT (its last).
show_report() {
  say "report appended to $REPORT"
  awk '/^## / { section = "" } { section = section $0 "\n" } END { printf "%s", section }' "$REPORT"
}
