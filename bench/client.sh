#!/usr/bin/env bash
# The client bench: what the embed makes Chromium fetch, what it loads later, how fast it
# answers, Lighthouse on the list page, and where the wasm's bytes are.
#
#   scripts/setup.sh --bench                             # Lighthouse, twiggy, wasm-split-cli,
#                                                        # Playwright, Chromium (if missing)
#   cargo leptos build --release --split --precompress   # the script builds nothing
#   bench/client.sh
#
#   1. Playwright (end2end/bench.config.ts, Debian's Chromium, its own server on a fresh
#      SQLite database): 30 conversations of 20 messages; the list page's and a thread
#      page's first load on a cold cache (every JS, CSS and wasm response until
#      `body[data-hydrated]` and the network is idle; raw and gzip -9 per asset), what a
#      thread opened from the list and the reply-buttons builder load on demand, and the
#      medians of BENCH_ROUNDS clicks on a list row (until the thread's messages are
#      painted) and Enters in the composer (until the message shows, pending)
#   2. Lighthouse (npm, bench/package.json; mobile defaults: simulated slow 4G and 4× CPU
#      slowdown) BENCH_LIGHTHOUSE_RUNS times on the demo's list page (`inbox-embed demo`
#      on a fresh SQLite database, a server on BENCH_PORT): performance and accessibility
#      scores, FCP, LCP and its element, TBT, CLS, and the audits that failed
#   3. twiggy on each module of the wasm as `--split` cuts it, names kept (the names-kept
#      build in target/front, cut by wasm-split-cli, the main module through wasm-bindgen,
#      each shrunk by wasm-opt -Oz -g): the biggest crates and functions of each
#   4. a dated section appended to bench/REPORT.md
#
#   BENCH_REPO=DIR         measure another checkout's build (its target/release,
#                          target/site, target/front), e.g. a git worktree of an older commit
#   BENCH_ROUNDS=25        clicks and Enters measured
#   BENCH_LIGHTHOUSE_RUNS=2
#   BENCH_PORT=3294        the Lighthouse server's loopback port (Playwright's is E2E_PORT)
#   BENCH_REPORT=bench/REPORT.md
#
# Raw output (the Playwright JSON, Lighthouse reports, twiggy CSVs, server logs) goes to
# bench/results/<UTC timestamp>/ (not committed). Everything runs on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SCRIPT=bench/client.sh
REPO=$(cd "${BENCH_REPO:-.}" && pwd)
PORT=${BENCH_PORT:-3294}
ROUNDS=${BENCH_ROUNDS:-25}
LIGHTHOUSE_RUNS=${BENCH_LIGHTHOUSE_RUNS:-2}
REPORT=${BENCH_REPORT:-bench/REPORT.md}
CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}
BIN=$REPO/target/release/inbox-embed
FRONT_WASM=$REPO/target/front/wasm32-unknown-unknown/wasm-release/inbox_embed.wasm
WASM_OPT=$PWD/node_modules/.bin/wasm-opt
LIGHTHOUSE=$PWD/bench/node_modules/.bin/lighthouse

# die, say, await_health (bench/lib.sh; its backend settings are not used here: SQLite).
# shellcheck source=bench/lib.sh
. bench/lib.sh

[ -x "$BIN" ] || die "$BIN is missing: run 'cargo leptos build --release --split --precompress' first"
compgen -G "$REPO/target/site/pkg/*.wasm" >/dev/null || die "no $REPO/target/site/pkg/*.wasm: build the site first"
[ -f "$FRONT_WASM" ] || die "$FRONT_WASM is missing: build the site first"
for tool in twiggy wasm-split-cli wasm-bindgen; do
  command -v "$tool" >/dev/null || die "$tool is missing: run 'scripts/setup.sh --bench'"
done
[ -x "$WASM_OPT" ] || die "$WASM_OPT is missing: run 'scripts/setup.sh'"
[ -x "$LIGHTHOUSE" ] || die "Lighthouse is missing: run 'scripts/setup.sh --bench'"
[ -d end2end/node_modules/@playwright/test ] || die "Playwright is missing: run 'scripts/setup.sh --bench'"
[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing: run 'scripts/setup.sh --bench'"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive number, not '$ROUNDS'"
[[ $LIGHTHOUSE_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_LIGHTHOUSE_RUNS must be a positive number, not '$LIGHTHOUSE_RUNS'"
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz"; then
  die "something already answers on 127.0.0.1:$PORT: set BENCH_PORT"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=$PWD/bench/results/$stamp
mkdir -p "$raw"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/inbox-embed-client-XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# 1. Playwright: weights, on-demand loads, click and Enter.
say "Playwright: first loads, on-demand loads, $ROUNDS clicks and Enters"
(cd end2end && E2E_REPO_ROOT=$REPO BENCH_ROUNDS=$ROUNDS BENCH_OUT=$raw/client.json \
  npx playwright test --config bench.config.ts) >"$raw/playwright.log" 2>&1 ||
  die "the Playwright bench failed: see $raw/playwright.log"

# 2. Lighthouse on the demo's list page.
say "Lighthouse: $LIGHTHOUSE_RUNS runs on the demo's list page"
export DATABASE_URL="sqlite://$tmp/demo.db" RUST_LOG=${RUST_LOG:-warn}
(cd "$REPO" && LEPTOS_SITE_ADDR=127.0.0.1:$PORT PUBLIC_URL=http://127.0.0.1:$PORT \
  timeout 300 "$BIN" demo --json) >"$raw/demo.json" 2>"$raw/demo.log" || die "the demo failed: see $raw/demo.log"
demo_url=$(grep '^{' "$raw/demo.json" | tail -n 1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["embed_url"])') ||
  die "the demo printed no embed URL: see $raw/demo.json"
(cd "$REPO" && LEPTOS_SITE_ADDR=127.0.0.1:$PORT PUBLIC_URL=http://127.0.0.1:$PORT exec "$BIN") >"$raw/server.log" 2>&1 &
server_pid=$!
await_health "http://127.0.0.1:$PORT" "$server_pid" "$raw/server.log"
for run in $(seq 1 "$LIGHTHOUSE_RUNS"); do
  CHROME_PATH=$CHROMIUM "$LIGHTHOUSE" "$demo_url" --quiet --output=json \
    --output-path="$raw/lighthouse-$run.json" --only-categories=performance,accessibility \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
    >"$raw/lighthouse-$run.log" 2>&1 || die "Lighthouse failed: see $raw/lighthouse-$run.log"
done
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

# 3. twiggy on each module, names kept.
say "twiggy: the wasm's biggest crates and functions, per module"
mkdir -p "$tmp/split" "$raw/twiggy"
if wasm-split-cli "$FRONT_WASM" "$tmp/split" --out-name inbox-embed >"$raw/wasm-split.log" 2>&1 &&
  compgen -G "$tmp/split/*.wasm" >/dev/null; then
  modules=("$tmp"/split/*.wasm)
else
  # A build without split points is one module.
  modules=("$FRONT_WASM")
fi
for module in "${modules[@]}"; do
  name=$(basename "$module" .wasm)
  [ "$name" = inbox_embed ] && name=inbox-embed
  if [ "$name" = inbox-embed ]; then
    # The main module goes through wasm-bindgen, as the site's does (its describe
    # functions go, its glue comes).
    wasm-bindgen --target web --out-dir "$tmp/bindgen" --out-name main "$module" 2>>"$raw/wasm-bindgen.log" ||
      die "wasm-bindgen failed on $module: see $raw/wasm-bindgen.log"
    module=$tmp/bindgen/main_bg.wasm
  fi
  "$WASM_OPT" -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-mutable-globals --enable-sign-ext \
    "$module" -o "$tmp/$name.wasm" 2>>"$raw/wasm-opt.log" || die "wasm-opt failed on $module: see $raw/wasm-opt.log"
  twiggy top -n 1000000 -f csv "$tmp/$name.wasm" >"$raw/twiggy/$name.csv" 2>>"$raw/twiggy.log" ||
    die "twiggy failed on $module: see $raw/twiggy.log"
done

# 4. The report.
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO" diff --quiet HEAD -- src Cargo.toml Cargo.lock style 2>/dev/null || commit="$commit (+ uncommitted changes)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
python3 bench/client_report.py "$raw" "$commit" "$cpu" "$(nproc)" "$ROUNDS" >>"$REPORT"
say "report appended to $REPORT (raw output: $raw)"
awk '/^## / { section = "" } { section = section $0 "\n" } END { printf "%s", section }' "$REPORT"
