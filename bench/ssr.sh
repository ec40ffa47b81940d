#!/usr/bin/env bash
# Load test of the server's request path on a big database (SQLite, or PostgreSQL behind
# one or two instances): /healthz, a static asset, the embed's list and thread pages by
# embed token and by agent JWT, and a search over all messages, each beside /healthz's
# rate, with p50/p95/p99 and the server's CPU µs per request. Appends a section to
# bench/REPORT.md. Builds nothing: run `cargo leptos build --release --split` first.
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
#   BENCH_DURATION=10s         wrk duration of each measured run
#   BENCH_CONNECTIONS=32       wrk connections (-c) of each measured run
#   BENCH_CONVERSATIONS=100000 size of the demo database
#   BENCH_SEARCH=brake         the word searched for (it must find something)
#   BENCH_KEEP_DB=1            keep the database (its path or URL is printed)
#   BENCH_REUSE=<stamp>        load the database a kept run seeded (bench/results/<stamp>/),
#                              instead of seeding one; it is kept
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
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-32}
CONVERSATIONS=${BENCH_CONVERSATIONS:-100000}
SEARCH=${BENCH_SEARCH:-brake}
REPORT=${BENCH_REPORT:-bench/REPORT.md}
REUSE=${BENCH_REUSE:-}
reused=""
[[ $CONNS =~ ^[0-9]+$ ]] && [ "$CONNS" -ge 2 ] || { echo "BENCH_CONNECTIONS must be a number ≥ 2" >&2; exit 2; }
[[ $SEARCH =~ ^[A-Za-z0-9]+$ ]] || { echo "BENCH_SEARCH must be one plain word" >&2; exit 2; }

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
server_log() { if [ "$INSTANCES" = 1 ]; then echo "$raw/server.log"; else echo "$raw/server-$1.log"; fi; }

# 1. A fresh database with the demo project and many conversations, or an earlier run's.
if [ -n "$REUSE" ]; then
  [ -f "bench/results/$REUSE/demo.json" ] && [ -f "bench/results/$REUSE/database_url" ] ||
    die "BENCH_REUSE=$REUSE: bench/results/$REUSE/ has no demo.json and database_url (run once with BENCH_KEEP_DB=1)"
  DATABASE_URL=$(cat "bench/results/$REUSE/database_url")
  export DATABASE_URL
  cp "bench/results/$REUSE/demo.json" "$raw/demo.json"
  seeded="reused from run $REUSE"
  reused=1
else
  if [ "$BACKEND" = postgres ]; then
    create_pg_database
  fi
  say "seeding $CONVERSATIONS conversations into $DATABASE_URL"
  seed_start=$(date +%s)
  LEPTOS_SITE_ADDR=$ADDR PUBLIC_URL=$BASE \
    timeout 1800 "$BIN" demo --conversations "$CONVERSATIONS" --json >"$raw/demo.json"
  seeded="seeded in $(($(date +%s) - seed_start)) s"
  printf '%s\n' "$DATABASE_URL" >"$raw/database_url"
fi
demo_line=$(grep '^{' "$raw/demo.json" | tail -n 1) || die "demo printed no JSON line"
url_path() {
  python3 -c 'import json, sys, urllib.parse
print(urllib.parse.urlparse(json.loads(sys.argv[1])[sys.argv[2]]).path)' "$demo_line" "$1"
}
token_path=$(url_path embed_url)
jwt_path=$(url_path agent_url)
if [ "$BACKEND" = sqlite ]; then
  db_file=${DATABASE_URL#sqlite://}
  db_bytes=$(du -cb "$db_file"* | awk 'END { print $1 }')
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

# 3. What is loaded: /healthz (the floor), a static asset, the list and a thread by embed
#    token and by agent JWT, and a search over all messages.
curl -fsS -o "$raw/list.html" "$BASE$token_path" || die "GET the list page failed"
conversation_id=$(grep -o 'data-conversation-id="[^"]*"' "$raw/list.html" | head -n 1 | cut -d'"' -f2)
[ -n "$conversation_id" ] || die "the list page has no [data-conversation-id]"
css=$(cd "$PKG" && ls -- *.css | head -n 1)
[ -n "$css" ] || die "no $PKG/*.css"
targets=(healthz static list thread list-jwt thread-jwt search)
declare -A paths=(
  [healthz]=/healthz
  [static]=/pkg/$css
  [list]=$token_path
  [thread]=$token_path/conversations/$conversation_id
  [list-jwt]=$jwt_path
  [thread-jwt]=$jwt_path/conversations/$conversation_id
  [search]="$token_path?search=$SEARCH"
)
declare -A sizes=()
for t in "${targets[@]}"; do
  for base in "${bases[@]}"; do
    curl -fsS -o "$raw/$t.body" "$base${paths[$t]}" || die "GET $t (${paths[$t]}) from $base failed"
  done
  sizes[$t]=$(stat -c %s "$raw/$t.body")
done
grep -q 'data-conversation-id=' "$raw/search.body" || die "the search for '$SEARCH' found nothing: set BENCH_SEARCH"

say "warming up"
for t in "${targets[@]}"; do
  for base in "${bases[@]}"; do
    wrk -t2 -c8 -d2s "$base${paths[$t]}" >/dev/null
  done
done

# The server processes' CPU time (user + system) in clock ticks.
cpu_ticks() {
  local total=0 pid
  for pid in "${server_pids[@]}"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

# 4. Measured runs, -t2 -cCONNS each. Two instances: one wrk per instance at once, each with
#    one thread and half the connections (the same client threads and connections in all).
declare -A rps_of=() p95_of=()
rows=()
details=()
for t in "${targets[@]}"; do
  path=${paths[$t]}
  outs=()
  before=$(cpu_ticks)
  if [ "$INSTANCES" = 1 ]; then
    out="$raw/$t.txt"
    say "wrk -t2 -c$CONNS -d$DURATION ($t: $path)"
    wrk -t2 -c"$CONNS" -d"$DURATION" -s bench/latency.lua "$BASE$path" >"$out"
    outs=("$out")
  else
    half=$((CONNS / 2))
    say "2 × wrk -t1 -c$half -d$DURATION ($t, one per instance)"
    wrk_pids=()
    for k in 1 2; do
      out="$raw/$t-i$k.txt"
      outs+=("$out")
      wrk -t1 -c"$half" -d"$DURATION" -s bench/latency.lua "${bases[$((k - 1))]}$path" >"$out" &
      wrk_pids+=("$!")
    done
    for pid in "${wrk_pids[@]}"; do wait "$pid" || die "wrk failed ($t)"; done
  fi
  after=$(cpu_ticks)
  rps=0 requests=0 non2xx=0 errs=0 p50=0 p95=0 p99=0
  per=()
  for k in $(seq 1 "$INSTANCES"); do
    out=${outs[$((k - 1))]}
    line=$(grep '^BENCH ' "$out") || die "wrk printed no figures for $t: see $out"
    field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
    r=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    rps=$(awk -v x="$rps" -v y="$r" 'BEGIN { printf "%.0f", x + y }')
    requests=$((requests + $(field requests)))
    non2xx=$((non2xx + $(field non2xx)))
    errs=$((errs + $(field errors)))
    # The worse instance's percentiles.
    for q in p50 p95 p99; do
      v=$(field "$q")
      [ "$v" -gt "${!q}" ] && printf -v "$q" '%s' "$v"
    done
    per+=("instance $k: $r req/s, p50 $(field p50) µs, p99 $(field p99) µs")
  done
  rps_of[$t]=$rps
  p95_of[$t]=$p95
  cpu_us=$(awk -v d="$((after - before))" -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.0f", n ? d / hz * 1e6 / n : 0 }')
  ratio=$(awk -v x="$rps" -v y="${rps_of[healthz]}" 'BEGIN { printf "%.3f", x / y }')
  ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }
  errors="$non2xx non-2xx, $errs socket"
  [ "$non2xx" = 0 ] && [ "$errs" = 0 ] || echo "WARNING: $t got $errors errors" >&2
  shown=${path//"$token_path"/<token>}
  shown=${shown//"$jwt_path"/<jwt>}
  rows+=("| $label | $t | \`$shown\` | $(kib "${sizes[$t]}") | $rps | ${ratio}× | $(ms "$p50") | $(ms "$p95") | $(ms "$p99") | $cpu_us | $errors |")
  [ "$INSTANCES" = 1 ] || details+=("$t: ${per[0]}; ${per[1]}.")
  printf '    %s req/s (%s× /healthz), p50 %s, p95 %s, p99 %s, %s CPU µs/req, %s\n' \
    "$rps" "$ratio" "$(ms "$p50")" "$(ms "$p95")" "$(ms "$p99")" "$cpu_us" "$errors"
done
rss_peak=()
for pid in "${server_pids[@]}"; do rss_peak+=("$(hwm_kib "$pid")"); done
jwt_list=$(awk -v x="${rps_of[list-jwt]}" -v y="${rps_of[list]}" 'BEGIN { printf "%.2f", x / y }')
jwt_thread=$(awk -v x="${rps_of[thread-jwt]}" -v y="${rps_of[thread]}" 'BEGIN { printf "%.2f", x / y }')

# 6. The report.
report_context
[ -f "$REPORT" ] || printf '# Benchmark reports\n' >"$REPORT"
{
  printf '\n## %s, commit %s — SSR (`bench/ssr.sh`), %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" "$label"
  if [ "$INSTANCES" = 1 ]; then
    printf 'Machine: %s cores (%s), %s MiB RAM. wrk -t2 -c%s, %s per run after a 2 s warm-up, loopback.\n' \
      "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$CONNS" "$DURATION"
  else
    printf 'Machine: %s cores (%s), %s MiB RAM. Two wrk -t1 -c%s at once, one per instance, %s per run after a 2 s warm-up of each instance, loopback.\n' \
      "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$((CONNS / 2))" "$DURATION"
  fi
  if [ "$BACKEND" = sqlite ]; then
    printf 'Database: SQLite, `demo --conversations %s` (%s, %s on disk).\n' \
      "$CONVERSATIONS" "$seeded" "$(mib "$db_bytes")"
  else
    printf 'Database: PostgreSQL %s at `%s` (pool of %s connections per instance; when it runs on this machine it shares the cores and its CPU is not in the CPU column), `demo --conversations %s` (%s, %s `pg_database_size`).\n' \
      "$pg_version" "${PG_URL#*@}" "${DATABASE_POOL_SIZE:-10}" "$CONVERSATIONS" "$seeded" "$(mib "$db_bytes")"
  fi
  if [ "$INSTANCES" = 2 ]; then
    printf 'Instances: 2 servers on ports %s and %s, one database; req/s is the sum of both wrk, the percentiles the worse of the two, CPU both servers.\n' \
      "$PORT" "$((PORT + 1))"
  fi
  printf '`<token>` is the embed token path, `<jwt>` the demo agent'"'"'s JWT path (`-jwt` rows). CPU µs/req: the server'"'"'s user + system time during the run over the requests served.\n\n'
  printf '| backend | load | path | body | req/s | × /healthz | p50 | p95 | p99 | CPU µs/req | errors |\n'
  printf '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
  printf '%s\n' "${rows[@]}"
  if [ ${#details[@]} -gt 0 ]; then
    printf '\n'
    printf -- '- %s\n' "${details[@]}"
  fi
  printf '\nJWT ÷ token req/s: list %s, thread %s. Search `?search=%s` p95: %s.\n' \
    "$jwt_list" "$jwt_thread" "$SEARCH" "$(awk -v u="${p95_of[search]}" 'BEGIN { printf "%.2f ms", u / 1000 }')"
  if [ "$INSTANCES" = 1 ]; then
    printf '\nServer RSS: %s idle after start, %s peak (VmHWM).\n' \
      "$(mib "$((rss_idle[0] * 1024))")" "$(mib "$((rss_peak[0] * 1024))")"
  else
    printf '\nServer RSS: instance 1 %s idle after start, %s peak (VmHWM); instance 2 %s idle after start, %s peak.\n' \
      "$(mib "$((rss_idle[0] * 1024))")" "$(mib "$((rss_peak[0] * 1024))")" \
      "$(mib "$((rss_idle[1] * 1024))")" "$(mib "$((rss_peak[1] * 1024))")"
  fi
  printf '\nRaw output: `bench/results/%s/` (not committed).\n' "$stamp"
} >>"$REPORT"

show_report
