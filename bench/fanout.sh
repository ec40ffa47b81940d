#!/usr/bin/env bash
# Live-socket fan-out test: thousands of /embed/{token}/ws sockets, messages written
# through the REST API at a fixed rate, delivery latency, loss and the server's memory per
# socket, on SQLite or on PostgreSQL behind one or two instances; appends a section to
# bench/REPORT.md. Builds nothing: run first
#
#   cargo leptos build --release                              # target/release/inbox-embed
#   cargo build --release --example fanout --features ssr     # target/release/examples/fanout
#   bench/fanout.sh                                           # SQLite, one instance
#   BENCH_BACKEND=postgres bench/fanout.sh                    # PostgreSQL, one instance
#   BENCH_BACKEND=postgres BENCH_INSTANCES=2 bench/fanout.sh  # PostgreSQL, two instances
#
# Environment (all optional):
#   BENCH_BACKEND=sqlite              sqlite: a database file in a temp dir; postgres: a
#                                     fresh database ie_bench_<timestamp> made with psql
#   BENCH_INSTANCES=1                 servers on one database (2 needs postgres): instance 1
#                                     on BENCH_PORT, instance 2 on BENCH_PORT+1; the sockets
#                                     alternate over both by rounds (half of each inbox's on
#                                     each), the API writes all go to instance 1
#   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432
#                                     PostgreSQL server, without a database name (the script
#                                     connects to its `test` database to create and drop its own)
#   BENCH_PORT=3292                   loopback port for the server (instance 1)
#   BENCH_FANOUT="1000:10 10000:100"  configurations, each sockets:tokens
#   BENCH_RATE=200                    messages per second written through the API
#   BENCH_DURATION=20                 seconds of writing per configuration
#   BENCH_CONNECT_BATCH=200           sockets connecting at once during the ramp-up
#   BENCH_SOURCE_IPS=auto             client source addresses 127.0.0.1..127.0.0.K (auto:
#                                     enough to stay inside the ephemeral port range)
#   BENCH_KEEP_DB=1                   keep the database (its path or URL is printed)
#   BENCH_BIN, BENCH_FANOUT_BIN, BENCH_REPORT  other binary / bench client / report file
#   DATABASE_POOL_SIZE                passed through to the servers (PostgreSQL pool, default 10)
#
# Traffic stays on 127.0.0.1 (and BENCH_PG_URL). The servers are restarted for each
# configuration (so each has its own idle RSS and peak) and stopped at the end; the
# PostgreSQL database is dropped. Raw output goes to bench/results/<UTC timestamp>/ (not
# committed).
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
REPORT=${BENCH_REPORT:-bench/REPORT.md}

# The shared set-up: die, say; BACKEND, INSTANCES, PG_URL (checked), addrs, bases, BASE,
# label; the database and its cleanup (bench/lib.sh).
SCRIPT=bench/fanout.sh
# shellcheck source=bench/lib.sh
. bench/lib.sh

[ -x "$BIN" ] || die "$BIN is missing: run 'cargo leptos build --release' first"
[ -x "$CLIENT" ] || die "$CLIENT is missing: run 'cargo build --release --example fanout --features ssr' first"
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing"
[ -r /proc/self/status ] || die "needs Linux /proc (server RSS is read from /proc/PID/status)"
check_ports_free
for config in $CONFIGS; do
  [[ $config =~ ^[0-9]+:[0-9]+$ ]] || die "BENCH_FANOUT: '$config' is not sockets:tokens"
done
check_postgres
client_help=$("$CLIENT" --help 2>&1 || true)
if [ "$INSTANCES" = 2 ] && [[ $client_help != *--base2* ]]; then
  die "$CLIENT has no --base2: rebuild it with 'cargo build --release --example fanout --features ssr'"
fi

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

prepare_run inbox-embed-fanout # stamp, raw, DATABASE_URL; cleanup at exit

# Connections the kernel dropped because a listen queue was full (system-wide counter).
listen_overflows() {
  awk '$1 == "TcpExt:" { if (!names) { split($0, n); names = 1 } else { for (i = 2; i <= NF; i++) if (n[i] == "ListenOverflows") print $i } }' /proc/net/netstat
}
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# Starts instance k (1-based) with its log at $2 and waits for its /healthz; one after the
# other, so only the first migrates a fresh database.
start_server() {
  local k=$1 log=$2 pid
  LEPTOS_SITE_ADDR=${addrs[$((k - 1))]} PUBLIC_URL=${bases[$((k - 1))]} "$BIN" >"$log" 2>&1 &
  pid=$!
  server_pids+=("$pid")
  await_health "${bases[$((k - 1))]}" "$pid" "$log"
}
# The log of instance k for configuration $2: server-<name>.log with one instance.
server_log() { if [ "$INSTANCES" = 1 ]; then echo "server-$2.log"; else echo "server-$2-i$1.log"; fi; }

# 1. A fresh database and one project (its API key drives the client).
if [ "$BACKEND" = postgres ]; then
  create_pg_database
  pg_version=$(psql "$DATABASE_URL" -qAtX -c 'SHOW server_version')
fi
say "creating a project in $DATABASE_URL"
LEPTOS_SITE_ADDR=${addrs[0]} PUBLIC_URL=$BASE "$BIN" project create --name "fanout bench" >"$raw/project.json"
api_key=$(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        print(json.loads(line)["api_key"])' "$raw/project.json")
[ -n "$api_key" ] || die "project create printed no api_key (see $raw/project.json)"

# 2. Each configuration on freshly started servers.
rows_delivery=()
rows_instances=()
rows_memory=()
extras=()
problems=()
for config in $CONFIGS; do
  sockets=${config%%:*}
  tokens=${config##*:}
  name="s${sockets}-t${tokens}"
  ips=$(source_ips_for "$sockets")
  say "$sockets sockets over $tokens tokens, $RATE msg/s for $DURATION s (source addresses: $ips; $label)"
  load=$(cut -d' ' -f1 /proc/loadavg)
  busy=$({ pgrep -x 'cargo|rustc' || true; } | wc -l)
  if [ "$busy" -gt 0 ]; then
    echo "WARNING: $busy cargo/rustc processes are running; they share the CPU with the bench" >&2
    problems+=("$config: $busy cargo/rustc processes were running during the run (load average $load before it)")
  fi
  if [ "$INSTANCES" = 2 ] && [ "$sockets" -lt $((2 * tokens)) ]; then
    problems+=("$config: fewer than 2 sockets per token, so some inboxes have no socket on one of the instances")
  fi
  for k in $(seq 1 "$INSTANCES"); do
    start_server "$k" "$raw/$(server_log "$k" "$name")"
  done
  sleep 1
  rss_idle=()
  for pid in "${server_pids[@]}"; do rss_idle+=("$(status_kib "$pid" VmRSS)"); done
  overflows_before=$(listen_overflows)
  second=()
  [ "$INSTANCES" = 1 ] || second=(--base2 "${bases[1]}" --server-pid2 "${server_pids[1]}")
  out="$raw/fanout-$name.txt"
  set +e
  timeout $((900 + 3 * ${DURATION%.*})) "$CLIENT" \
    --base "$BASE" --api-key "$api_key" \
    --sockets "$sockets" --tokens "$tokens" \
    --rate "$RATE" --duration "$DURATION" --connect-batch "$CONNECT_BATCH" \
    --source-ips "$ips" --server-pid "${server_pids[0]}" "${second[@]}" \
    >"$out" 2>"$raw/fanout-$name.log"
  rc=$?
  set -e
  overflows=$(($(listen_overflows) - overflows_before))
  sed 's/^/    /' "$out" | grep -v '^    {' || true
  hwm_end=()
  for k in $(seq 1 "$INSTANCES"); do
    pid=${server_pids[$((k - 1))]}
    if kill -0 "$pid" 2>/dev/null; then
      hwm_end+=("$(status_kib "$pid" VmHWM)")
    else
      problems+=("$config: instance $k died during the run (see \`$(server_log "$k" "$name")\`)")
      hwm_end+=("")
    fi
  done
  stop_servers
  line=$(grep '^{' "$out" | tail -n 1 || true)
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    problems+=("$config: the client exited with $rc (see \`fanout-$name.log\`: $(tail -n 1 "$raw/fanout-$name.log"))")
    rows_delivery+=("| $label | $sockets | $tokens | $RATE | failed (exit $rc) | | | | | | | | |")
    continue
  fi
  # One row of each table, and any anomaly spelled out.
  eval "$(python3 - "$line" "$(IFS=,; echo "${rss_idle[*]}")" "$(IFS=,; echo "${hwm_end[*]}")" "$load" "$overflows" "$label" <<'PY'
import json, shlex, sys
r = json.loads(sys.argv[1])
idles = [int(k) for k in sys.argv[2].split(",")]
hwms_end = [int(k or 0) for k in sys.argv[3].split(",")]
label = sys.argv[6]
# Older clients print no "instances": then the top-level figures are the one server's.
insts = r.get("instances") or [dict(r, instance=1)]
def mib(k):
    return "–" if k is None else f"{k / 1024:.1f}"
def each(values):
    """One cell: the value, or each instance's joined with + (two instances)."""
    return " + ".join(values)
# VmHWM is updated lazily; it can trail a VmRSS read a moment earlier.
peaks = [max(k for k in [hwms_end[i] if i < len(hwms_end) else 0, x["server_hwm_kib"],
                         x["server_rss_open_kib"], x["server_rss_after_kib"]] if k is not None)
         for i, x in enumerate(insts)]
opened = [x["server_rss_open_kib"] for x in insts]
per_socket = ((sum(opened) - sum(idles)) / max(r["connected"], 1)
              if None not in opened else float("nan"))
delivery = (
    f'| {label} | {r["sockets"]} | {r["tokens"]} | {r["rate"]:g} | {r["write_rate"]} | {r["sent"]} '
    f'| {r["expected"]} | {r["received"]} | {r["lost"]} | {r["duplicates"]} '
    f'| {r["latency_p50_ms"]} | {r["latency_p99_ms"]} | {r["latency_max_ms"]} |'
)
by_instance = ""
if len(insts) > 1:
    by_instance = "\n".join(
        f'| {label} | {r["sockets"]} | {r["tokens"]} '
        f'| {x["instance"]} ({"writes; same-instance" if x["writes"] else "cross-instance"}) '
        f'| {x["connected"]} | {x["expected"]} | {x["received"]} | {x["lost"]} | {x["duplicates"]} '
        f'| {x["latency_p50_ms"]} | {x["latency_p99_ms"]} | {x["latency_max_ms"]} |'
        for x in insts)
cpu_server = (each([str(x["cpu_server_s"]) for x in insts]) if len(insts) > 1
              else str(r["cpu_server_s"]))
memory = (
    f'| {label} | {r["sockets"]} | {r["tokens"]} | {r["connect_s"]} s | {sys.argv[5]} '
    f'| {each(mib(k) for k in idles)} '
    f'| {each(mib(x["server_rss_open_kib"]) for x in insts)} '
    f'| {each(mib(x["server_rss_after_kib"]) for x in insts)} '
    f'| {each(mib(k) for k in peaks)} | {per_socket:.1f} | {mib(r["client_hwm_kib"])} '
    f'| {cpu_server} / {r["cpu_client_s"]} / {r["cpu_other_s"]} | {sys.argv[4]} |'
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
if len(insts) > 1:
    for x in insts:
        if x["lost"] or x["duplicates"]:
            issues.append(f'instance {x["instance"]}: {x["lost"]} lost, {x["duplicates"]} duplicates')
if r["conversation_updated_received"] != r["conversation_updated_expected"]:
    issues.append(f'conversation.updated {r["conversation_updated_received"]} of {r["conversation_updated_expected"]}')
if r["early_closes"]:
    issues.append("server closes: " + ", ".join(f'{c["count"]}× {c["code"]}' for c in r["early_closes"]))
if r["write_rate"] < 0.95 * r["rate"]:
    issues.append(f'write rate {r["write_rate"]}/s below the {r["rate"]:g}/s asked')
print("row_delivery=" + shlex.quote(delivery))
print("row_instances=" + shlex.quote(by_instance))
print("row_memory=" + shlex.quote(memory))
print("issues=" + shlex.quote("; ".join(issues)))
extra = (
    f'{r["sockets"]}:{r["tokens"]}: API write (POST → 201) p50 {r["api_p50_ms"]} ms, p99 {r["api_p99_ms"]} ms, max {r["api_max_ms"]} ms; '
    f'latency p90 {r["latency_p90_ms"]} ms'
)
if len(insts) > 1:
    extra += " (" + "; ".join(f'instance {x["instance"]} {x["latency_p90_ms"]} ms' for x in insts) + ")"
extra += (
    f'; drained {r["drain_s"]} s after the last write; '
    f'conversation.updated {r["conversation_updated_received"]}/{r["conversation_updated_expected"]}.'
)
print("extra=" + shlex.quote(extra))
PY
  )"
  rows_delivery+=("$row_delivery")
  [ -z "$row_instances" ] || rows_instances+=("$row_instances")
  rows_memory+=("$row_memory")
  extras+=("$extra")
  if [ -n "$issues" ]; then
    problems+=("$config: $issues")
  fi
done

# 3. The report.
report_context
[ -f "$REPORT" ] || printf '# Benchmark reports\n\nAppended by the scripts in bench/ (see bench/README.md); newest last.\n' >"$REPORT"
{
  printf '\n## %s, commit %s — live fan-out (`bench/fanout.sh`), %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" "$label"
  if [ "$BACKEND" = sqlite ]; then
    printf 'Machine: %s cores (%s), %s MiB RAM; server and client share it. Loopback, SQLite.\n' \
      "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
  else
    printf 'Machine: %s cores (%s), %s MiB RAM; servers and client share it. Loopback, PostgreSQL %s at `%s` (pool of %s connections per instance; when it runs on this machine it shares the cores, its CPU counts under *other* and its memory is in no RSS figure).\n' \
      "$(nproc)" "$cpu" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)" \
      "$pg_version" "${PG_URL#*@}" "${DATABASE_POOL_SIZE:-10}"
  fi
  if [ "$INSTANCES" = 2 ]; then
    printf 'Two instances on ports %s and %s, one database: the sockets alternate over them by rounds (socket i on instance 1 + (i / tokens) mod 2, so each inbox has half its sockets on each); every message is written through instance 1'"'"'s API, so deliveries to instance 2'"'"'s sockets cross instances (LISTEN/NOTIFY). Server figures below are instance 1 + instance 2.\n' \
      "$PORT" "$((PORT + 1))"
  fi
  printf 'Each configuration: %s; N sockets round-robin over M tokens, each scoped to one WhatsApp inbox with one conversation; incoming text messages written through the API at %s msg/s for %s s, round-robin over the conversations. Latency: API send → `message.created` frame read by the client (one clock).\n\n' \
    "$([ "$INSTANCES" = 1 ] && echo 'a freshly started server' || echo 'freshly started servers')" "$RATE" "$DURATION"
  printf '| backend | sockets | tokens | rate asked | rate achieved | sent | expected | received | lost | duplicates | p50 ms | p99 ms | max ms |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  printf '%s\n' "${rows_delivery[@]}"
  if [ ${#rows_instances[@]} -gt 0 ]; then
    printf '\nBy the instance the sockets are on:\n\n'
    printf '| backend | sockets | tokens | instance | sockets connected | expected | received | lost | duplicates | p50 ms | p99 ms | max ms |\n'
    printf '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
    printf '%s\n' "${rows_instances[@]}"
  fi
  printf '\n| backend | sockets | tokens | connect all | listen queue overflows | server RSS idle MiB | with sockets open MiB | after writes MiB | peak (VmHWM) MiB | KiB per socket | client peak MiB | CPU s server / client / other | load avg before |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  if [ ${#rows_memory[@]} -gt 0 ]; then printf '%s\n' "${rows_memory[@]}"; fi
  printf '\nConnect all: %s sockets connecting at once, each until its `ready`. Listen queue overflows: the kernel'"'"'s `TcpExt ListenOverflows` during the run (system-wide; each is a dropped handshake that the client retries after 1 s or more). KiB per socket = (RSS with sockets open, 2 s after the last `ready` − idle RSS after start) / sockets%s. CPU: seconds used by the server%s, the client and the rest of the machine from the last `ready` to the last delivery (writes + drain).\n\n' \
    "$CONNECT_BATCH" "$([ "$INSTANCES" = 1 ] || echo ', both instances together')" "$([ "$INSTANCES" = 1 ] || echo 's')"
  if [ ${#extras[@]} -gt 0 ]; then printf -- '- %s\n' "${extras[@]}"; fi
  if [ ${#problems[@]} -gt 0 ]; then
    printf '\nProblems:\n\n'
    printf -- '- %s\n' "${problems[@]}"
  else
    printf '\nNo lost, duplicate, misrouted or out-of-order events; no socket closed by the server.\n'
  fi
  printf '\nRaw output: `bench/results/%s/` (not committed).\n' "$stamp"
} >>"$REPORT"

show_report
