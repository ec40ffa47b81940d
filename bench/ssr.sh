#!/usr/bin/env bash
# SSR load test of the embed page on a big SQLite database; appends a section to
# bench/REPORT.md. Builds nothing: run `cargo leptos build --release` first.
#
#   bench/ssr.sh
#
# Environment (all optional):
#   BENCH_PORT=3291            loopback port for the server
#   BENCH_DURATION=15s         wrk duration of each measured run
#   BENCH_CONVERSATIONS=100000 size of the demo database
#   BENCH_KEEP_DB=1            keep the temporary database (its path is printed)
#   BENCH_BIN, BENCH_SITE_PKG, BENCH_REPORT  other binary / site pkg dir / report file
#
# Traffic stays on 127.0.0.1; every run is bounded by wrk's -d; the server is stopped at
# the end. Raw wrk output goes to bench/results/<UTC timestamp>/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-target/release/inbox-embed}
PKG=${BENCH_SITE_PKG:-target/site/pkg}
PORT=${BENCH_PORT:-3291}
DURATION=${BENCH_DURATION:-15s}
CONVERSATIONS=${BENCH_CONVERSATIONS:-100000}
ADDR=127.0.0.1:$PORT
BASE=http://$ADDR
REPORT=${BENCH_REPORT:-bench/REPORT.md}

die() {
  echo "bench/ssr.sh: $*" >&2
  exit 1
}
say() { printf '==> %s\n' "$*"; }

[ -x "$BIN" ] || die "$BIN is missing: run 'cargo leptos build --release' first"
command -v wrk >/dev/null || die "wrk is missing: run 'scripts/setup.sh --bench'"
command -v curl >/dev/null || die "curl is missing"
compgen -G "$PKG/*.wasm" >/dev/null || die "no $PKG/*.wasm: build the site first"
if curl -s -o /dev/null --max-time 1 "$BASE/healthz"; then
  die "something already answers on $ADDR: set BENCH_PORT"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=bench/results/$stamp
mkdir -p "$raw"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/inbox-embed-bench-XXXXXX")

export DATABASE_URL="sqlite://$tmp/bench.db"
export LEPTOS_SITE_ADDR=$ADDR
export PUBLIC_URL=$BASE
export RUST_LOG=${RUST_LOG:-warn}

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "${BENCH_KEEP_DB:-}" ]; then
    echo "database kept: $DATABASE_URL"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status"; }

# 1. A fresh database with the demo project and many conversations.
say "seeding $CONVERSATIONS conversations into $DATABASE_URL"
seed_start=$(date +%s)
timeout 1800 "$BIN" demo --conversations "$CONVERSATIONS" --json >"$raw/demo.json"
seed_secs=$(($(date +%s) - seed_start))
demo_line=$(grep '^{' "$raw/demo.json" | tail -n 1) || die "demo printed no JSON line"
embed_path=$(python3 -c 'import json, sys, urllib.parse
print(urllib.parse.urlparse(json.loads(sys.argv[1])["embed_url"]).path)' "$demo_line")
db_bytes=$(du -cb "$tmp"/bench.db* | awk 'END { print $1 }')

# 2. The server, on loopback.
say "starting $BIN on $ADDR"
"$BIN" >"$raw/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fs -o /dev/null --max-time 1 "$BASE/healthz" && break
  kill -0 "$server_pid" 2>/dev/null || die "the server exited: see $raw/server.log"
  sleep 0.5
done
curl -fs -o /dev/null --max-time 1 "$BASE/healthz" || die "no /healthz after 60 s: see $raw/server.log"
rss_idle=$(rss_kib)

# 3. The two pages: the list, and the list with the first conversation open.
list_url="$BASE$embed_path"
curl -fsS -o "$raw/list.html" "$list_url" || die "GET the list page failed"
conversation_id=$(grep -o 'data-conversation-id="[^"]*"' "$raw/list.html" | head -n 1 | cut -d'"' -f2)
[ -n "$conversation_id" ] || die "the list page has no [data-conversation-id]"
thread_url="$list_url/conversations/$conversation_id"
curl -fsS -o "$raw/thread.html" "$thread_url" || die "GET the thread page failed"
list_bytes=$(stat -c %s "$raw/list.html")
thread_bytes=$(stat -c %s "$raw/thread.html")

say "warming up"
wrk -t2 -c8 -d3s "$list_url" >/dev/null
wrk -t2 -c8 -d3s "$thread_url" >/dev/null

# 4. Measured runs.
rows=()
for page in list thread; do
  url=$list_url
  [ "$page" = thread ] && url=$thread_url
  for conns in 8 32; do
    out="$raw/$page-c$conns.txt"
    say "wrk -t2 -c$conns -d$DURATION --latency ($page)"
    wrk -t2 -c"$conns" -d"$DURATION" --latency "$url" >"$out"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    sockerr=$(awk -F'Socket errors: ' '/Socket errors:/ { print $2 }' "$out")
    errors="${non2xx:-0} non-2xx${sockerr:+; socket errors: $sockerr}"
    [ "${non2xx:-0}" = 0 ] || echo "WARNING: $page -c$conns got $non2xx non-2xx responses" >&2
    rows+=("| $page | $conns | $rps | $p50 | $p99 | $errors | $(mib "$(($(rss_kib) * 1024))") |")
    printf '    %s req/s, p50 %s, p99 %s, %s\n' "$rps" "$p50" "$p99" "$errors"
  done
done
rss_peak=$(hwm_kib)

# 5. What a browser downloads for the first load.
assets=()
for f in "$PKG"/*.wasm "$PKG"/*.js "$PKG"/*.css; do
  [ -f "$f" ] || continue
  raw_bytes=$(stat -c %s "$f")
  gz_bytes=$(gzip -9 -c "$f" | wc -c)
  assets+=("| \`pkg/${f##*/}\` | $(kib "$raw_bytes") | $(kib "$gz_bytes") |")
done

# 6. The report.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit (+ uncommitted changes)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -f "$REPORT" ] || printf '# SSR benchmark reports\n\nAppended by `bench/ssr.sh` (see bench/README.md); newest last.\n' >"$REPORT"
{
  printf '\n## %s, commit %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit"
  printf 'Machine: %s cores (%s), %s MiB RAM. wrk -t2, %s per run after a 3 s warm-up, loopback.\n' \
    "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$DURATION"
  printf 'Database: SQLite, `demo --conversations %s` (seeded in %s s, %s on disk).\n' \
    "$CONVERSATIONS" "$seed_secs" "$(mib "$db_bytes")"
  printf 'Pages: list `/embed/<token>` (%s HTML), thread `/embed/<token>/conversations/<id>` (%s HTML).\n\n' \
    "$(kib "$list_bytes")" "$(kib "$thread_bytes")"
  printf '| page | connections | req/s | p50 | p99 | errors | server RSS after |\n'
  printf '|---|---:|---:|---:|---:|---|---:|\n'
  printf '%s\n' "${rows[@]}"
  printf '\nServer RSS: %s idle after start, %s peak (VmHWM).\n\n' \
    "$(mib "$((rss_idle * 1024))")" "$(mib "$((rss_peak * 1024))")"
  printf '| site asset | raw | gzip -9 |\n|---|---:|---:|\n'
  printf '%s\n' "${assets[@]}"
  printf '\nRaw output: `bench/results/%s/` (not committed).\n' "$stamp"
} >>"$REPORT"

say "report appended to $REPORT"
awk '/^## / { section = "" } { section = section $0 "\n" } END { printf "%s", section }' "$REPORT"
