#!/usr/bin/env bash
# SSR load test of the embed page on a big database (SQLite, or PostgreSQL behind one or
# two instances); appends a section to bench/REPORT.md. Builds nothing: run
# `cargo leptos build --release` first.
#
#   bench/ssr.sh                                          # SQLite, one instance
#   BENCH_BACKEND=postgres bench/ssr.sh                   # PostgreSQL, one instance
#   BENCH_BACKEND=postgres BENCH_INSTANCES=2 bench/ssr.sh # PostgreSQL, two instances
#
# Environment (all optional):
#   BENCH_BACKEND=sqlite       sqlite: a database file in a temp dir; postgres: a fresh
#                              database ie_bench_<timestamp> made with psql
#   BENCH_INSTANCES=1          servers on one database (2 needs postgres): instance 1 on
#                              BENCH_PORT, instance 2 on BENCH_PORT+1; wrk loads both
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432
#                              PostgreSQL server, without a database name (the script
#                              connects to its `test` database to create and drop its own)
#   BENCH_PORT=3291            loopback port for the server (instance 1)
#   BENCH_DURATION=15s         wrk duration of each measured run
#   BENCH_CONVERSATIONS=100000 size of the demo database
#   BENCH_KEEP_DB=1            keep the database (its path or URL is printed)
#   BENCH_CREDENTIAL=token     token: the demo's embed token URL; jwt: its agent URL (an
#                              agent JWT, verified and its agent looked up on each request)
#   BENCH_BIN, BENCH_SITE_PKG, BENCH_REPORT  other binary / site pkg dir / report file
#   DATABASE_POOL_SIZE         passed through to the servers (PostgreSQL pool, default 10)
#
# Traffic stays on 127.0.0.1 (and BENCH_PG_URL); every run is bounded by wrk's -d; every
# server started is stopped at the end and the PostgreSQL database dropped. Raw wrk
# output goes to bench/results/<UTC timestamp>/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-target/release/inbox-embed}
PKG=${BENCH_SITE_PKG:-target/site/pkg}
PORT=${BENCH_PORT:-3291}
DURATION=${BENCH_DURATION:-15s}
CONVERSATIONS=${BENCH_CONVERSATIONS:-100000}
REPORT=${BENCH_REPORT:-bench/REPORT.md}
CREDENTIAL=${BENCH_CREDENTIAL:-token}
case "$CREDENTIAL" in
  token) url_field=embed_url ;;
  jwt) url_field=agent_url ;;
  *) echo "BENCH_CREDENTIAL must be token or jwt, not '$CREDENTIAL'" >&2; exit 2 ;;
esac

# The shared set-up: die, say; BACKEND, INSTANCES, PG_URL (checked), addrs, bases, BASE,
# label; the database and its cleanup (bench/lib.sh).
SCRIPT=bench/ssr.sh
# shellcheck source=bench/lib.sh
. bench/lib.sh
ADDR=${addrs[0]}

[ -x "$BIN" ] || die "$BIN is missing: run 'cargo leptos build --release' first"
command -v wrk >/dev/null || die "wrk is missing: run 'scripts/setup.sh --bench'"
command -v curl >/dev/null || die "curl is missing"
compgen -G "$PKG/*.wasm" >/dev/null || die "no $PKG/*.wasm: build the site first"
check_ports_free
check_postgres

prepare_run inbox-embed-bench # stamp, raw, DATABASE_URL; cleanup at exit

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# wrk's latency ("850.00us", "9.16ms", "1.02s", "1.10m") in µs, to pick the worse of two.
wrk_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : (u == "h") ? 3.6e9 : 1
    printf "%.0f", n * f
  }'
}
worse() { if [ "$(wrk_us "$1")" -ge "$(wrk_us "$2")" ]; then echo "$1"; else echo "$2"; fi; }
server_log() { if [ "$INSTANCES" = 1 ]; then echo "$raw/server.log"; else echo "$raw/server-$1.log"; fi; }

# 1. A fresh database with the demo project and many conversations.
if [ "$BACKEND" = postgres ]; then
  create_pg_database
fi
say "seeding $CONVERSATIONS conversations into $DATABASE_URL"
seed_start=$(date +%s)
LEPTOS_SITE_ADDR=$ADDR PUBLIC_URL=$BASE \
  timeout 1800 "$BIN" demo --conversations "$CONVERSATIONS" --json >"$raw/demo.json"
seed_secs=$(($(date +%s) - seed_start))
demo_line=$(grep '^{' "$raw/demo.json" | tail -n 1) || die "demo printed no JSON line"
embed_path=$(python3 -c 'import json, sys, urllib.parse
print(urllib.parse.urlparse(json.loads(sys.argv[1])[sys.argv[2]]).path)' "$demo_line" "$url_field")
if [ "$BACKEND" = sqlite ]; then
  db_bytes=$(du -cb "$tmp"/bench.db* | awk 'END { print $1 }')
else
  db_bytes=$(psql "$DATABASE_URL" -qAtX -c 'SELECT pg_database_size(current_database())')
  pg_version=$(psql "$DATABASE_URL" -qAtX -c 'SHOW server_version')
fi

# 2. The servers, on loopback, one after the other (each migrates the database first).
rss_idle=()
for k in $(seq 1 "$INSTANCES"); do
  addr=${addrs[$((k - 1))]}
  base=${bases[$((k - 1))]}
  log=$(server_log "$k")
  say "starting $BIN on $addr"
  LEPTOS_SITE_ADDR=$addr PUBLIC_URL=$base "$BIN" >"$log" 2>&1 &
  pid=$!
  server_pids+=("$pid")
  await_health "$base" "$pid" "$log"
done
for pid in "${server_pids[@]}"; do rss_idle+=("$(rss_kib "$pid")"); done

# 3. The two pages: the list, and the list with the first conversation open.
list_url="$BASE$embed_path"
curl -fsS -o "$raw/list.html" "$list_url" || die "GET the list page failed"
conversation_id=$(grep -o 'data-conversation-id="[^"]*"' "$raw/list.html" | head -n 1 | cut -d'"' -f2)
[ -n "$conversation_id" ] || die "the list page has no [data-conversation-id]"
thread_path="$embed_path/conversations/$conversation_id"
thread_url="$BASE$thread_path"
curl -fsS -o "$raw/thread.html" "$thread_url" || die "GET the thread page failed"
list_bytes=$(stat -c %s "$raw/list.html")
thread_bytes=$(stat -c %s "$raw/thread.html")
if [ "$INSTANCES" = 2 ]; then
  curl -fsS -o /dev/null "${bases[1]}$embed_path" || die "GET the list page from instance 2 failed"
  curl -fsS -o /dev/null "${bases[1]}$thread_path" || die "GET the thread page from instance 2 failed"
fi

say "warming up"
for path in "$embed_path" "$thread_path"; do
  for base in "${bases[@]}"; do
    wrk -t2 -c8 -d3s "$base$path" >/dev/null
  done
done

# 4. Measured runs. Two instances: one wrk per instance at once, each with one thread and
#    half the connections (the same client threads and connections in all as with one).
rows=()
details=()
for page in list thread; do
  path=$embed_path
  [ "$page" = thread ] && path=$thread_path
  for conns in 8 32; do
    if [ "$INSTANCES" = 1 ]; then
      out="$raw/$page-c$conns.txt"
      say "wrk -t2 -c$conns -d$DURATION --latency ($page)"
      wrk -t2 -c"$conns" -d"$DURATION" --latency "$BASE$path" >"$out"
      outs=("$out")
    else
      half=$((conns / 2))
      say "2 × wrk -t1 -c$half -d$DURATION --latency ($page, one per instance)"
      outs=()
      wrk_pids=()
      for k in 1 2; do
        out="$raw/$page-c$conns-i$k.txt"
        outs+=("$out")
        wrk -t1 -c"$half" -d"$DURATION" --latency "${bases[$((k - 1))]}$path" >"$out" &
        wrk_pids+=("$!")
      done
      for pid in "${wrk_pids[@]}"; do wait "$pid" || die "wrk failed ($page -c$conns)"; done
    fi
    rps=0 p50="" p99="" non2xx=0 sockerr=""
    rss_cells=()
    per=()
    for k in $(seq 1 "$INSTANCES"); do
      out=${outs[$((k - 1))]}
      r=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
      a=$(awk '$1 == "50%" { print $2 }' "$out")
      b=$(awk '$1 == "99%" { print $2 }' "$out")
      n=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
      s=$(awk -F'Socket errors: ' '/Socket errors:/ { print $2 }' "$out")
      if [ "$INSTANCES" = 1 ]; then rps=$r; else rps=$(awk -v x="$rps" -v y="$r" 'BEGIN { printf "%.2f", x + y }'); fi
      if [ -z "$p50" ]; then p50=$a p99=$b; else p50=$(worse "$p50" "$a") p99=$(worse "$p99" "$b"); fi
      non2xx=$((non2xx + ${n:-0}))
      if [ -n "$s" ]; then
        if [ "$INSTANCES" = 1 ]; then sockerr=$s; else sockerr="${sockerr:+$sockerr; }instance $k: $s"; fi
      fi
      rss_cells+=("$(mib "$(($(rss_kib "${server_pids[$((k - 1))]}") * 1024))")")
      per+=("instance $k: $r req/s, p50 $a, p99 $b")
    done
    errors="$non2xx non-2xx${sockerr:+; socket errors: $sockerr}"
    [ "$non2xx" = 0 ] || echo "WARNING: $page -c$conns got $non2xx non-2xx responses" >&2
    rss_cell=${rss_cells[0]}
    [ "$INSTANCES" = 1 ] || rss_cell="${rss_cells[0]} + ${rss_cells[1]}"
    rows+=("| $label | $page | $conns | $rps | $p50 | $p99 | $errors | $rss_cell |")
    [ "$INSTANCES" = 1 ] || details+=("$page, $conns connections: ${per[0]}; ${per[1]}.")
    printf '    %s req/s, p50 %s, p99 %s, %s\n' "$rps" "$p50" "$p99" "$errors"
  done
done
rss_peak=()
for pid in "${server_pids[@]}"; do rss_peak+=("$(hwm_kib "$pid")"); done

# 5. What a browser downloads for the first load.
assets=()
for f in "$PKG"/*.wasm "$PKG"/*.js "$PKG"/*.css public/embed.js; do
  [ -f "$f" ] || continue
  raw_bytes=$(stat -c %s "$f")
  gz_bytes=$(gzip -9 -c "$f" | wc -c)
  case "$f" in public/*) shown=${f#public/} ;; *) shown=pkg/${f##*/} ;; esac
  assets+=("| \`$shown\` | $(kib "$raw_bytes") | $(kib "$gz_bytes") |")
done

# 6. The report.
report_context
[ -f "$REPORT" ] || printf '# SSR benchmark reports\n\nAppended by `bench/ssr.sh` (see bench/README.md); newest last.\n' >"$REPORT"
{
  printf '\n## %s, commit %s — SSR (`bench/ssr.sh`), %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" "$label"
  if [ "$INSTANCES" = 1 ]; then
    printf 'Machine: %s cores (%s), %s MiB RAM. wrk -t2, %s per run after a 3 s warm-up, loopback.\n' \
      "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$DURATION"
  else
    printf 'Machine: %s cores (%s), %s MiB RAM. Two wrk -t1 at once, one per instance, each with half the connections, %s per run after a 3 s warm-up of each instance, loopback.\n' \
      "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$DURATION"
  fi
  if [ "$BACKEND" = sqlite ]; then
    printf 'Database: SQLite, `demo --conversations %s` (seeded in %s s, %s on disk).\n' \
      "$CONVERSATIONS" "$seed_secs" "$(mib "$db_bytes")"
  else
    printf 'Database: PostgreSQL %s at `%s` (pool of %s connections per instance; when it runs on this machine it shares the cores and its memory is not in the RSS figures), `demo --conversations %s` (seeded in %s s, %s `pg_database_size`).\n' \
      "$pg_version" "${PG_URL#*@}" "${DATABASE_POOL_SIZE:-10}" "$CONVERSATIONS" "$seed_secs" "$(mib "$db_bytes")"
  fi
  if [ "$INSTANCES" = 2 ]; then
    printf 'Instances: 2 servers on ports %s and %s, one database; req/s is the sum of both wrk, p50 and p99 the worse of the two, RSS instance 1 + instance 2.\n' \
      "$PORT" "$((PORT + 1))"
  fi
  printf 'Credential: %s. Pages: list `/embed/<token>` (%s HTML), thread `/embed/<token>/conversations/<id>` (%s HTML).\n\n' \
    "$([ "$CREDENTIAL" = jwt ] && echo 'an agent JWT (`demo` agent URL)' || echo 'an embed token')" \
    "$(kib "$list_bytes")" "$(kib "$thread_bytes")"
  printf '| backend | page | connections | req/s | p50 | p99 | errors | server RSS after |\n'
  printf '|---|---|---:|---:|---:|---:|---|---:|\n'
  printf '%s\n' "${rows[@]}"
  if [ ${#details[@]} -gt 0 ]; then
    printf '\n'
    printf -- '- %s\n' "${details[@]}"
  fi
  if [ "$INSTANCES" = 1 ]; then
    printf '\nServer RSS: %s idle after start, %s peak (VmHWM).\n\n' \
      "$(mib "$((rss_idle[0] * 1024))")" "$(mib "$((rss_peak[0] * 1024))")"
  else
    printf '\nServer RSS: instance 1 %s idle after start, %s peak (VmHWM); instance 2 %s idle after start, %s peak.\n\n' \
      "$(mib "$((rss_idle[0] * 1024))")" "$(mib "$((rss_peak[0] * 1024))")" \
      "$(mib "$((rss_idle[1] * 1024))")" "$(mib "$((rss_peak[1] * 1024))")"
  fi
  printf '| site asset | raw | gzip -9 |\n|---|---:|---:|\n'
  printf '%s\n' "${assets[@]}"
  printf '\nRaw output: `bench/results/%s/` (not committed).\n' "$stamp"
} >>"$REPORT"

show_report
