#!/usr/bin/env bash
# Install what building and testing inbox-embed needs, skipping what is already there.
#
#   scripts/setup.sh           build tools: wasm32 target, cargo-leptos, wasm-bindgen-cli, wasm-opt
#   scripts/setup.sh --e2e     also Playwright (end2end/) and Debian's Chromium
#   scripts/setup.sh --bench   also wrk (bench/ssr.sh, bench/fanout.sh), Lighthouse, twiggy and
#                              wasm-split-cli (bench/client.sh), Playwright and Chromium
#
# Idempotent; starts nothing. Versions are pinned: see DEVELOPERS.md for why.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130 # must equal the `wasm-bindgen = "=…"` pin in Cargo.toml
TWIGGY_VERSION=0.8.0
WASM_SPLIT_VERSION=0.2.3 # wasm_split_cli_support: splits a names-kept wasm as cargo-leptos --split does

want_e2e=0
want_bench=0
for arg in "$@"; do
  case "$arg" in
    --e2e) want_e2e=1 ;;
    --bench)
      want_bench=1
      want_e2e=1
      ;;
    -h | --help)
      sed -n '2,9p' "$0"
      exit 0
      ;;
    *)
      echo "setup.sh: unknown argument '$arg'" >&2
      exit 2
      ;;
  esac
done

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '==> %s\n' "$*"; }
skip() { printf '    %s\n' "$*"; }

require() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "setup.sh: '$1' is required but not on PATH ($2)" >&2
    exit 1
  }
}
require cargo "the Rust toolchain comes with the machine"
require rustup "the Rust toolchain comes with the machine"
require node "Node.js comes with the machine"
require npm "npm comes with the machine"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# `npm ci` in DIR when node_modules is missing or was installed from another lockfile.
npm_ci_if_stale() {
  local dir=$1
  local stamp="$dir/node_modules/.inbox-embed-lock.sha256"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    skip "$dir/node_modules is up to date with its package-lock.json"
    return
  fi
  say "npm ci in $dir"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --update-notifier=false)
  echo "$want" >"$stamp"
}

# Whether a command's output has a line (-x) or word (-w) matching; the command may fail.
output_has() {
  local flag=$1 pattern=$2 out
  shift 2
  out=$("$@" 2>/dev/null) || true
  grep -q "$flag" -- "$pattern" <<<"$out"
}

# The CLI must match the wasm-bindgen crate that Cargo.lock pins, or the build fails late.
locked=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock 2>/dev/null || true)
if [ -n "$locked" ] && [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
  echo "setup.sh: Cargo.lock has wasm-bindgen $locked but setup.sh pins the CLI to $WASM_BINDGEN_VERSION;" >&2
  echo "          make them equal (Cargo.toml's \`wasm-bindgen = \"=…\"\` and WASM_BINDGEN_VERSION here)" >&2
  exit 1
fi

# 1. The browser target.
if output_has -x wasm32-unknown-unknown rustup target list --installed; then
  skip "rust target wasm32-unknown-unknown is installed"
else
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos (newer releases need a newer rustc than this machine has).
if output_has -w "$CARGO_LEPTOS_VERSION" cargo leptos --version; then
  skip "cargo-leptos $CARGO_LEPTOS_VERSION is installed"
else
  say "cargo install cargo-leptos --version $CARGO_LEPTOS_VERSION --locked (several minutes)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# 3. wasm-bindgen-cli on PATH, or cargo-leptos tries to download it (which fails here).
#    Installed without --locked (see DEVELOPERS.md).
if output_has -w "$WASM_BINDGEN_VERSION" wasm-bindgen --version; then
  skip "wasm-bindgen-cli $WASM_BINDGEN_VERSION is installed"
else
  say "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION (several minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# 4. wasm-opt from npm's binaryen; cargo-leptos puts node_modules/.bin on PATH.
npm_ci_if_stale .

# 5. Playwright and Debian's Chromium (Playwright's own browser download is unreachable here).
if [ "$want_e2e" -eq 1 ]; then
  npm_ci_if_stale end2end
  if [ -x /usr/bin/chromium ]; then
    skip "chromium is installed"
  else
    apt_install chromium
  fi
fi

# 6. The benches: wrk (SSR, fan-out); Lighthouse, twiggy and wasm-split-cli (client).
if [ "$want_bench" -eq 1 ]; then
  if command -v wrk >/dev/null 2>&1; then
    skip "wrk is installed"
  else
    apt_install wrk
  fi
  npm_ci_if_stale bench
  if output_has -w "$TWIGGY_VERSION" twiggy --version; then
    skip "twiggy $TWIGGY_VERSION is installed"
  else
    say "cargo install twiggy --version $TWIGGY_VERSION --locked"
    cargo install twiggy --version "$TWIGGY_VERSION" --locked
  fi
  if output_has -F "wasm_split_cli_support v$WASM_SPLIT_VERSION:" cargo install --list; then
    skip "wasm-split-cli $WASM_SPLIT_VERSION is installed"
  else
    say "cargo install wasm_split_cli_support --version $WASM_SPLIT_VERSION --features build-binary"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary
  fi
fi

say "setup done"
