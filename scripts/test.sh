#!/usr/bin/env bash
# Everything the project tests, in order; stops at the first failure with a non-zero exit.
#
#   scripts/test.sh
#
#   1. setup        scripts/setup.sh --e2e (installs only what is missing)
#   2. cargo test   Rust unit and integration tests (integration tests start the real server)
#   3. build        cargo leptos build --release (binary + hashed site in target/site)
#   4. e2e          type-check end2end/, then Playwright in Debian's Chromium against the
#                   release binary (Playwright's webServer starts it on a fresh SQLite DB)
#
# `cargo leptos end-to-end` is not used: it exits 0 when its build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

results_json=end2end/playwright-report/results.json
timings=()
phase=""
phase_start=0
run_start=$(date +%s)

begin() {
  phase=$1
  phase_start=$(date +%s)
  printf '\n==> [%s] %s\n' "$phase" "$2"
}

finish() {
  timings+=("$(printf '  %-11s %6ss  ok' "$phase" $(($(date +%s) - phase_start)))")
  phase=""
}

# Per-phase timing summary, also when a phase fails; then the e2e count as the last line.
summary() {
  local rc=$?
  if [ -n "$phase" ]; then
    timings+=("$(printf '  %-11s %6ss  FAILED (exit %s)' "$phase" $(($(date +%s) - phase_start)) "$rc")")
  fi
  printf '\n== test.sh timing ==\n'
  printf '%s\n' "${timings[@]}"
  printf '  %-11s %6ss\n' total $(($(date +%s) - run_start))
  if [ -f "$results_json" ]; then
    node -e '
      const s = require(process.argv[1]).stats;
      console.log(`e2e: ${s.expected + s.flaky} passed, ${s.unexpected} failed` +
        (s.skipped ? `, ${s.skipped} skipped` : ""));
    ' "$PWD/$results_json" || true
  fi
  exit "$rc"
}
trap summary EXIT

rm -f "$results_json"

begin setup "scripts/setup.sh --e2e"
bash scripts/setup.sh --e2e
finish

begin "cargo test" "cargo test --features ssr"
cargo test --features ssr
finish

begin build "cargo leptos build --release --precompress"
cargo leptos build --release --precompress
test -x target/release/inbox-embed || {
  echo "test.sh: target/release/inbox-embed is missing after the build" >&2
  exit 1
}
finish

begin e2e "tsc --noEmit && playwright test (end2end/)"
(
  cd end2end
  npx --no-install tsc --noEmit -p .
  npx --no-install playwright test
)
finish
