#!/usr/bin/env bash
# Live-socket fan-out test: thousands of /embed/{token}/ws sockets, messages written
# through the REST API at a fixed rate, delivery latency, loss and the server's memory per
# socket; appends a section to bench/REPORT.md. Builds nothing: run first
#
#   cargo leptos build --release                              # target/release/inbox-embed
#   cargo build --release --example fanout --features ssr     # target/release/examples/fanout
#   bench/fanout.sh
#
# Environment (all optional):
#   BENCH_PORT=3292                   loopback port for the server
#   BENCH_FANOUT="1000:10 10000:100"  configurations, each sockets:tokens
#   BENCH_RATE=200                    messages per second written through the API
#   BENCH_DURATION=20                 seconds of writing per configuration
#   BENCH_CONNECT_BATCH=200           sockets connecting at once during the ramp-up
#   BENCH_SOURCE_IPS=auto             client source addresses 127.0.0.1..127.0.0.K (auto:
#                                     enough to stay inside the ephemeral port range)
#   BENCH_KEEP_DB=1                   keep the temporary database (its path is printed)
#   BENCH_BIN, BENCH_FANOUT_BIN, BENCH_REPORT  other binary / bench client / report file
#
# Traffic stays on 127.0.0.1. The server is restarted for each configuration (so each has
# its own idle RSS and peak) and stopped at the end. Raw output goes to
# bench/results/<UTC timestamp>/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BENCH_BIN:-target/release/inbox-embed}
CLIENT=${BENCH_FANOUT_BIN:-target/release/examples/fanout}
PORT=${BENCH_PORT:-3292}
CONFIGS=${BENCH_FANOUT:-1000:10 10000:100}
CONNECT_BATCH=${BENCH_CONNECT_BATCH:-200}
RATE=${BENCH_RATE:-200}
DURATION=${BENCH_DURATION:-20}
DURATION=${DURATION%s}
SOURCE_IPS=${BENCH_SOURCE_IPS:-auto}
ADDR=127.0.0.1:$PORT
BASE=http://$ADDR
REPORT=${BENCH_REPORT:-bench/REPORT.md}

die() {
  echo "bench/fanout.sh: $*" >&2
  exit 1
}
say() { printf '==> %s\n' "$*"; }

[ -x "$BIN" ] || die "$BIN is missing: run 'cargo leptos build --release' first"
[ -x "$CLIENT" ] || die "$CLIENT is missing: run 'cargo build --release --example fanout --features ssr' first"
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing"
[ -r /proc/self/status ] || die "needs Linux /proc (server RSS is read from /proc/PID/status)"
if curl -s -o /dev/null --max-time 1 "$BASE/healthz"; then
  die "something already answers on $ADDR: set BENCH_PORT"
fi
for config in $CONFIGS; do
  [[ $config =~ ^[0-9]+:[0-9]+$ ]] || die "BENCH_FANOUT: '$config' is not sockets:tokens"
done

# File descriptors: the server and the client each hold one per socket (plus the API
# connections, the database and the runtime). Both inherit this shell's limit.
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
max_sockets=0
for config in $CONFIGS; do
  n=${config%%:*}
  [ "$n" -gt "$max_sockets" ] && max_sockets=$n
done
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((max_sockets + 512)) ]; then
  die "ulimit -n is $nofile (hard limit $(ulimit -Hn)); $max_sockets sockets need at least $((max_sockets + 512))"
fi

# Ephemeral ports: each client socket to $ADDR takes one port of the range per source
# address; past the range, spread the sockets over 127.0.0.2.. (all loopback on Linux).
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range
ports=$((port_hi - port_lo + 1))
source_ips_for() {
  local n=$1
  if [ "$SOURCE_IPS" != auto ]; then
    echo "$SOURCE_IPS"
  else
    # Leave room for the API's connections and for the TIME_WAITs of the last run.
    local usable=$((ports - 4000))
    [ "$usable" -lt 1000 ] && usable=1000
    echo $(((n + usable - 1) / usable))
  fi
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=bench/results/$stamp
mkdir -p "$raw"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/inbox-embed-fanout-XXXXXX")

export DATABASE_URL="sqlite://$tmp/bench.db"
export LEPTOS_SITE_ADDR=$ADDR
export PUBLIC_URL=$BASE
export RUST_LOG=${RUST_LOG:-warn}

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  if [ -n "${BENCH_KEEP_DB:-}" ]; then
    echo "database kept: $DATABASE_URL"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

# Connections the kernel dropped because a listen queue was full (system-wide counter).
listen_overflows() {
  awk '$1 == "TcpExt:" { if (!names) { split($0, n); names = 1 } else { for (i = 2; i <= NF; i++) if (n[i] == "ListenOverflows") print $i } }' /proc/net/netstat
}
status_kib() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$server_pid/status"; }

start_server() {
  local log=$1
  "$BIN" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -fs -o /dev/null --max-time 1 "$BASE/healthz" && return 0
    kill -0 "$server_pid" 2>/dev/null || die "the server exited: see $log"
    sleep 0.5
  done
  die "no /healthz after 60 s: see $log"
}

# 1. A fresh database and one project (its API key drives the client).
say "creating a project in $DATABASE_URL"
"$BIN" project create --name "fanout bench" >"$raw/project.json"
api_key=$(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        print(json.loads(line)["api_key"])' "$raw/project.json")
[ -n "$api_key" ] || die "project create printed no api_key (see $raw/project.json)"

# 2. Each configuration on a freshly started server.
rows_delivery=()
rows_memory=()
extras=()
problems=()
for config in $CONFIGS; do
  sockets=${config%%:*}
  tokens=${config##*:}
  name="s${sockets}-t${tokens}"
  ips=$(source_ips_for "$sockets")
  say "$sockets sockets over $tokens tokens, $RATE msg/s for $DURATION s (source addresses: $ips)"
  load=$(cut -d' ' -f1 /proc/loadavg)
  busy=$({ pgrep -x 'cargo|rustc' || true; } | wc -l)
  if [ "$busy" -gt 0 ]; then
    echo "WARNING: $busy cargo/rustc processes are running; they share the CPU with the bench" >&2
    problems+=("$config: $busy cargo/rustc processes were running during the run (load average $load before it)")
  fi
  start_server "$raw/server-$name.log"
  sleep 1
  rss_idle=$(status_kib VmRSS)
  overflows_before=$(listen_overflows)
  out="$raw/fanout-$name.txt"
  set +e
  timeout $((900 + 3 * ${DURATION%.*})) "$CLIENT" \
    --base "$BASE" --api-key "$api_key" \
    --sockets "$sockets" --tokens "$tokens" \
    --rate "$RATE" --duration "$DURATION" --connect-batch "$CONNECT_BATCH" \
    --source-ips "$ips" --server-pid "$server_pid" \
    >"$out" 2>"$raw/fanout-$name.log"
  rc=$?
  set -e
  overflows=$(($(listen_overflows) - overflows_before))
  sed 's/^/    /' "$out" | grep -v '^    {' || true
  hwm_end=""
  if ! kill -0 "$server_pid" 2>/dev/null; then
    problems+=("$config: the server died during the run (see \`server-$name.log\`)")
    server_pid=""
  else
    hwm_end=$(status_kib VmHWM)
    stop_server
  fi
  line=$(grep '^{' "$out" | tail -n 1 || true)
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    problems+=("$config: the client exited with $rc (see \`fanout-$name.log\`: $(tail -n 1 "$raw/fanout-$name.log"))")
    rows_delivery+=("| $sockets | $tokens | $RATE | failed (exit $rc) | | | | | | | | |")
    continue
  fi
  # One row of each table, and any anomaly spelled out.
  eval "$(python3 - "$line" "$rss_idle" "$hwm_end" "$load" "$overflows" <<'PY'
import json, shlex, sys
r = json.loads(sys.argv[1])
idle = int(sys.argv[2])
# VmHWM is updated lazily; it can trail a VmRSS read a moment earlier.
peak = max(k for k in [int(sys.argv[3] or 0), r["server_hwm_kib"], r["server_rss_open_kib"],
                       r["server_rss_after_kib"]] if k is not None)
def mib(k):
    return "–" if k is None else f"{k / 1024:.1f}"
per_socket = (r["server_rss_open_kib"] - idle) / max(r["connected"], 1)
delivery = (
    f'| {r["sockets"]} | {r["tokens"]} | {r["rate"]:g} | {r["write_rate"]} | {r["sent"]} '
    f'| {r["expected"]} | {r["received"]} | {r["lost"]} | {r["duplicates"]} '
    f'| {r["latency_p50_ms"]} | {r["latency_p99_ms"]} | {r["latency_max_ms"]} |'
)
memory = (
    f'| {r["sockets"]} | {r["tokens"]} | {r["connect_s"]} s | {sys.argv[5]} | {mib(idle)} '
    f'| {mib(r["server_rss_open_kib"])} | {mib(r["server_rss_after_kib"])} '
    f'| {mib(peak)} | {per_socket:.1f} | {mib(r["client_hwm_kib"])} '
    f'| {r["cpu_server_s"]} / {r["cpu_client_s"]} / {r["cpu_other_s"]} | {sys.argv[4]} |'
)
issues = []
if r["connect_failures"]:
    issues.append(f'{r["connect_failures"]} sockets failed to connect ({r["first_connect_error"]})')
if r["send_failed"]:
    issues.append(f'{r["send_failed"]} API writes failed ({r["first_write_error"]})')
for key, what in [("lost", "message.created deliveries lost"), ("duplicates", "duplicate deliveries"),
                  ("foreign", "deliveries to a socket of another inbox"),
                  ("out_of_order", "event ids out of order on a socket"),
                  ("reconnects", "socket reconnects"), ("refetches", "refetch frames")]:
    if r[key]:
        issues.append(f"{r[key]} {what}")
if r["conversation_updated_received"] != r["conversation_updated_expected"]:
    issues.append(f'conversation.updated {r["conversation_updated_received"]} of {r["conversation_updated_expected"]}')
if r["early_closes"]:
    issues.append("server closes: " + ", ".join(f'{c["count"]}× {c["code"]}' for c in r["early_closes"]))
if r["write_rate"] < 0.95 * r["rate"]:
    issues.append(f'write rate {r["write_rate"]}/s below the {r["rate"]:g}/s asked')
print("row_delivery=" + shlex.quote(delivery))
print("row_memory=" + shlex.quote(memory))
print("issues=" + shlex.quote("; ".join(issues)))
print("extra=" + shlex.quote(
    f'{r["sockets"]}:{r["tokens"]}: API write (POST → 201) p50 {r["api_p50_ms"]} ms, p99 {r["api_p99_ms"]} ms, max {r["api_max_ms"]} ms; '
    f'latency p90 {r["latency_p90_ms"]} ms; drained {r["drain_s"]} s after the last write; '
    f'conversation.updated {r["conversation_updated_received"]}/{r["conversation_updated_expected"]}.'))
PY
  )"
  rows_delivery+=("$row_delivery")
  rows_memory+=("$row_memory")
  extras+=("$extra")
  if [ -n "$issues" ]; then
    problems+=("$config: $issues")
  fi
done

# 3. The report.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit (+ uncommitted changes)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -f "$REPORT" ] || printf '# Benchmark reports\n\nAppended by the scripts in bench/ (see bench/README.md); newest last.\n' >"$REPORT"
{
  printf '\n## %s, commit %s — live fan-out (`bench/fanout.sh`)\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit"
  printf 'Machine: %s cores (%s), %s MiB RAM; server and client share it. Loopback, SQLite.\n' \
    "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
  printf 'Each configuration: a freshly started server; N sockets round-robin over M tokens, each scoped to one WhatsApp inbox with one conversation; incoming text messages written through the API at %s msg/s for %s s, round-robin over the conversations. Latency: API send → `message.created` frame read by the client (one clock).\n\n' "$RATE" "$DURATION"
  printf '| sockets | tokens | rate asked | rate achieved | sent | expected | received | lost | duplicates | p50 ms | p99 ms | max ms |\n'
  printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  printf '%s\n' "${rows_delivery[@]}"
  printf '\n| sockets | tokens | connect all | listen queue overflows | server RSS idle MiB | with sockets open MiB | after writes MiB | peak (VmHWM) MiB | KiB per socket | client peak MiB | CPU s server / client / other | load avg before |\n'
  printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  if [ ${#rows_memory[@]} -gt 0 ]; then printf '%s\n' "${rows_memory[@]}"; fi
  printf '\nConnect all: %s sockets connecting at once, each until its `ready`. Listen queue overflows: the kernel'"'"'s `TcpExt ListenOverflows` during the run (system-wide; each is a dropped handshake that the client retries after 1 s or more). KiB per socket = (RSS with sockets open, 2 s after the last `ready` − idle RSS after start) / sockets. CPU: seconds used by the server, the client and the rest of the machine from the last `ready` to the last delivery (writes + drain).\n\n' "$CONNECT_BATCH"
  if [ ${#extras[@]} -gt 0 ]; then printf -- '- %s\n' "${extras[@]}"; fi
  if [ ${#problems[@]} -gt 0 ]; then
    printf '\nProblems:\n\n'
    printf -- '- %s\n' "${problems[@]}"
  else
    printf '\nNo lost, duplicate, misrouted or out-of-order events; no socket closed by the server.\n'
  fi
  printf '\nRaw output: `bench/results/%s/` (not committed).\n' "$stamp"
} >>"$REPORT"

say "report appended to $REPORT"
awk '/^## / { section = "" } { section = section $0 "\n" } END { printf "%s", section }' "$REPORT"
