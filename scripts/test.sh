#!/usr/bin/env bash
# Everything the project tests, in order; stops at the first failure with a non-zero exit.
#
#   scripts/test.sh
#
#   1. setup        scripts/setup.sh --e2e (installs only what is missing)
#   2. cargo test   Rust unit and integration tests (integration tests start the real server)
#                   on SQLite, then again on PostgreSQL (TEST_BACKEND=postgres, a database
#                   per test on TEST_PG_URL, default postgres://postgres@127.0.0.1:5432;
#                   a stopped local cluster is started; skipped, saying why, without one)
#   3. build        cargo leptos build --release --split (binary + hashed site in target/site)
#   4. e2e          type-check end2end/, then Playwright in Debian's Chromium against the
#                   release binary (Playwright's webServer starts it on a fresh SQLite DB),
#                   then again on a fresh PostgreSQL database when the PostgreSQL half ran
#
# `cargo leptos end-to-end` is not used: it exits 0 when its build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

results_json=end2end/playwright-report/results.json
results_pg_json=end2end/playwright-report/results-pg.json
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
  local label file
  for label in e2e "e2e pg"; do
    file=$results_json
    [ "$label" = e2e ] || file=$results_pg_json
    [ -f "$file" ] || continue
    node -e '
      const s = require(process.argv[1]).stats;
      console.log(`${process.argv[2]}: ${s.expected + s.flaky} passed, ${s.unexpected} failed` +
        (s.skipped ? `, ${s.skipped} skipped` : ""));
    ' "$PWD/$file" "$label" || true
  done
  exit "$rc"
}
trap summary EXIT

rm -f "$results_json" "$results_pg_json"

begin setup "scripts/setup.sh --e2e"
bash scripts/setup.sh --e2e
finish

begin "cargo test" "cargo test --features ssr"
cargo test --features ssr
finish

# PostgreSQL on TEST_PG_URL: true when it answers; starts a local cluster that is
# installed but stopped. Sets pg_reason when it cannot be had.
pg_reason=""
postgres_up() {
  local url=${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}
  local hostport=${url#*://}
  hostport=${hostport#*@}
  hostport=${hostport%%/*}
  local host=${hostport%%:*} port=5432
  [[ $hostport == *:* ]] && port=${hostport##*:}
  answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
  if answers; then return 0; fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql)" ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    echo "starting the PostgreSQL $version cluster"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
      if answers; then return 0; fi
      sleep 1
    done
    pg_reason="the local PostgreSQL $version cluster did not start on $host:$port"
    return 1
  fi
  pg_reason="no PostgreSQL answers on $host:$port and none is installed here (set TEST_PG_URL to use one)"
  return 1
}

begin "cargo test pg" "TEST_BACKEND=postgres cargo test --features ssr --tests"
pg_ok=""
if postgres_up; then
  pg_ok=1
  TEST_BACKEND=postgres cargo test --features ssr --tests
  finish
else
  echo "SKIPPED the PostgreSQL half: $pg_reason"
  timings+=("$(printf '  %-11s %6s   SKIPPED: %s' "$phase" "" "$pg_reason")")
  phase=""
fi

begin build "cargo leptos build --release --split --precompress"
cargo leptos build --release --split --precompress
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

if [ -n "$pg_ok" ]; then
  begin "e2e pg" "E2E_BACKEND=postgres playwright test (end2end/)"
  (
    cd end2end
    E2E_BACKEND=postgres E2E_RESULTS=playwright-report/results-pg.json npx --no-install playwright test
  )
  finish
else
  echo "SKIPPED e2e on PostgreSQL: $pg_reason"
  timings+=("$(printf '  %-11s %6s   SKIPPED: %s' "e2e pg" "" "$pg_reason")")
fi
