#!/usr/bin/env bash
# Runs the benchmarks (docs/benchmarks.md): installs wrk and nginx if missing,
# builds the release bench (and the site assets when cargo-leptos is installed, or
# always with --site), then runs `trellis-bench http`, `trellis-bench registry`,
# `trellis-bench events`, `trellis-bench search` and `trellis-bench relevance`
# (starting the machine's PostgreSQL for the PostgreSQL rows and baselines).
# Extra arguments (e.g. --quick) are passed to each.
#
#   scripts/bench.sh            # full run, a few minutes
#   scripts/bench.sh --quick    # shorter runs, for a smoke test
#   scripts/bench.sh --site     # install cargo-leptos if needed and build target/site first
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

site=0
args=()
for a in "$@"; do
  case "$a" in
    --site) site=1 ;;
    *) args+=("$a") ;;
  esac
done

ensure_bench_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

command -v cargo >/dev/null || ensure_rust
ensure_bench_tools

# The stylesheet the http benchmark serves comes from target/site (cargo leptos build);
# without it the benchmark serves style/main.css as is, at the same path, and says so.
if [ "$site" = 1 ]; then
  ensure_leptos_tools
fi
# The search benchmark weighs the hydrate bundle, so the site is rebuilt whenever
# cargo-leptos is there (incremental: quick when nothing changed).
if [ ! -f target/site/pkg/trellis.css ] || cargo leptos --version 2>/dev/null | grep -q '0.3.11'; then
  if cargo leptos --version 2>/dev/null | grep -q '0.3.11'; then
    say "building the site assets (cargo leptos build --release --precompress, as scripts/run.sh)"
    cargo leptos build --release --precompress
  else
    say "cargo-leptos not installed: /pkg/trellis.css will be style/main.css (scripts/bench.sh --site builds the real one)"
  fi
fi

say "building the benchmark and the server (release)"
cargo build --release -p trellis-bench -p trellis-server

say "trellis-bench http ${args[*]:-}"
./target/release/trellis-bench http "${args[@]}"
say "trellis-bench registry ${args[*]:-}"
./target/release/trellis-bench registry "${args[@]}"
# The event bus rows run on SQLite and on the machine's PostgreSQL.
ensure_postgres
say "trellis-bench events ${args[*]:-}"
BENCH_POSTGRES_URL="$TRELLIS_TEST_POSTGRES_URL" ./target/release/trellis-bench events "${args[@]}"
say "trellis-bench webhooks ${args[*]:-}"; BENCH_POSTGRES_URL="$TRELLIS_TEST_POSTGRES_URL" ./target/release/trellis-bench webhooks "${args[@]}"
# Discovery: queries/s in-process, over HTTP and on PostgreSQL full-text search, 100,000
# plugins, pages against bare axum, the hydrate bundle; then relevance on the judged queries.
say "trellis-bench search ${args[*]:-}"
BENCH_POSTGRES_URL="$TRELLIS_TEST_POSTGRES_URL" ./target/release/trellis-bench search "${args[@]}"
say "trellis-bench relevance"
./target/release/trellis-bench relevance --catalog ../shared/data/catalog_obsidian.jsonl \
  --queries ../shared/data/queries_obsidian.jsonl
