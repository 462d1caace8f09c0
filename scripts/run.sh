#!/usr/bin/env bash
# Sets up whatever is missing and runs Trellis on its embedded defaults
# (SQLite and files under ./data), printing the URL to open. A fresh instance is seeded
# with the demo catalogue and the official plugins of plugins/official (built here).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_leptos_tools
say "building Trellis (release)"
# --precompress writes brotli and gzip copies of the wasm, js and css beside them,
# which the server sends to browsers that accept them (a 3.9 MB bundle is 1.3 MB gzipped).
cargo leptos build --release --precompress
say "building the official plugins (wasm)"
bash "$ROOT/plugins/build.sh" >/dev/null

export TRELLIS_SITE_ROOT="${TRELLIS_SITE_ROOT:-$ROOT/target/site}"
export TRELLIS_DATA_DIR="${TRELLIS_DATA_DIR:-$ROOT/data}"
# The official plugins are published into the namespace `trellis` at start.
export TRELLIS_DEMO__PLUGINS_DIR="${TRELLIS_DEMO__PLUGINS_DIR:-$ROOT/plugins}"
say "starting Trellis (data in $TRELLIS_DATA_DIR; Ctrl-C stops it)"
exec "$ROOT/target/release/trellis" serve
