#!/usr/bin/env bash
# Sets up whatever is missing and runs Trellis on its embedded defaults
# (SQLite and files under ./data), printing the URL to open.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_leptos_tools
say "building Trellis (release)"
cargo leptos build --release

export TRELLIS_SITE_ROOT="${TRELLIS_SITE_ROOT:-$ROOT/target/site}"
export TRELLIS_DATA_DIR="${TRELLIS_DATA_DIR:-$ROOT/data}"
say "starting Trellis (data in $TRELLIS_DATA_DIR; Ctrl-C stops it)"
exec "$ROOT/target/release/trellis" serve
