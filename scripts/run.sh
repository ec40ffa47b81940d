#!/usr/bin/env bash
# Build the release binary and site, seed a demo project on an empty database, and serve.
#
#   scripts/run.sh
#
# Prints a working embed URL and the demo project's API key, then serves on
# LEPTOS_SITE_ADDR (default 127.0.0.1:3000). DATABASE_URL defaults to sqlite://data/inbox.db.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh

echo "==> cargo leptos build --release --split --precompress"
cargo leptos build --release --split --precompress

mkdir -p data
echo "==> inbox-embed demo --if-empty"
target/release/inbox-embed demo --if-empty

echo "==> serving on ${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (Ctrl-C stops)"
exec target/release/inbox-embed
